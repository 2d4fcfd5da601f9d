//! The only module that touches `serde_yaml`, which is deprecated upstream:
//! swapping the YAML parser means changing this file alone.
//!
//! YAML is read straight into JSON values through our own visitor rather than
//! through `serde_yaml::Value`, which cannot hold integers beyond 64 bits (real
//! documents have them, e.g. `minimum: -9223372036854776000`) and allows keys
//! JSON does not.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Parses YAML text into a JSON value, or returns the parser's message and position.
///
/// A file with several documents is refused at the second one (OpenAPI is one
/// document). Duplicate keys are refused where they repeat (see [`JsonValue`]).
/// serde_yaml's own refusals sometimes come without a position (its limit on
/// alias expansion, which stops "billion laughs" documents): those point at the
/// first alias, or the start of the file.
pub(super) fn parse(text: &str) -> Result<Value, (String, Option<(usize, usize)>)> {
    let located = |err: serde_yaml::Error| {
        let message = err.to_string();
        let position = err.location().map(|at| (at.line(), at.column()));
        // serde_yaml places our refusal of a repeated key at its mapping: find the repetition.
        let repeated = message.split_once("duplicate key `").and_then(|(_, rest)| rest.split_once('`')).map(|(key, _)| key);
        let position = match (repeated, position) {
            (Some(key), Some(mapping)) => repeated_key(text, key, mapping).or(position),
            _ => position,
        };
        let line_col = position.or_else(|| {
            let alias = (message.contains("repetition limit") || message.contains("alias bomb")).then(|| first_alias(text)).flatten();
            Some(alias.unwrap_or((1, 1)))
        });
        (message, line_col)
    };
    let mut documents = serde_yaml::Deserializer::from_str(text);
    let Some(first) = documents.next() else { return Ok(Value::Null) };
    BUDGET.set(text.len() + EXPANSION);
    let parsed = JsonValue::deserialize(first);
    BUDGET.set(usize::MAX);
    let JsonValue(value) = match parsed {
        Ok(value) => value,
        // serde_yaml recurses, and stops at 128 levels: read deeper documents without recursion.
        Err(err) if err.to_string().starts_with("recursion limit exceeded") => return super::deep_yaml::parse(text),
        Err(err) => return Err(located(err)),
    };
    if documents.next().is_some() {
        let second = second_document(text);
        return Err(("the file holds more than one YAML document; an OpenAPI document is one".to_owned(), second));
    }
    Ok(value)
}

/// How many values aliases may add beyond one per byte of text. Real
/// documents hold one value per 12 bytes or more (the corpus, anchors and
/// all), so only an alias bomb that serde_yaml's own repetition limit lets
/// through (six-fold aliases eight levels deep, 1.7 million values from
/// 130 KB) comes near it.
const EXPANSION: usize = 100_000;

thread_local! {
    /// The values the YAML being read may still produce; JSON has no aliases and no budget.
    static BUDGET: std::cell::Cell<usize> = const { std::cell::Cell::new(usize::MAX) };
}

/// Counts one value against [`BUDGET`].
fn spend<E: de::Error>() -> Result<(), E> {
    BUDGET.with(|budget| match budget.get() {
        0 => Err(E::custom("aliases expand the document beyond what its text could hold (an alias bomb?); refused")),
        left => {
            budget.set(left - 1);
            Ok(())
        }
    })
}

/// The line and column of the first alias (`*name`) in block or flow YAML.
fn first_alias(text: &str) -> Option<(usize, usize)> {
    text.lines().enumerate().find_map(|(line, content)| {
        let at = content.char_indices().find(|(i, c)| {
            *c == '*'
                && content[..*i].chars().last().is_none_or(|before| " [{,:-".contains(before))
                && content[i + 1..].starts_with(|n: char| n.is_alphanumeric() || n == '_')
        })?;
        Some((line + 1, content[..at.0].chars().count() + 1))
    })
}

/// The second line, from the mapping at `(line, column)` on, that starts with `key:` at that column.
fn repeated_key(text: &str, key: &str, (line, column): (usize, usize)) -> Option<(usize, usize)> {
    let indent = column.saturating_sub(1);
    let spellings = [format!("{key}:"), format!("\"{key}\":"), format!("'{key}':")];
    let mut seen = 0;
    for (index, row) in text.lines().enumerate().skip(line.saturating_sub(1)) {
        let rest = row.get(indent..).unwrap_or_default();
        let at_column = row.len() > indent && row.get(..indent).is_some_and(|before| before.trim().is_empty());
        if at_column && spellings.iter().any(|s| rest.starts_with(s.as_str())) {
            seen += 1;
            if seen == 2 {
                return Some((index + 1, column));
            }
        }
    }
    None
}

/// The line where the second document starts (a `---` after content).
fn second_document(text: &str) -> Option<(usize, usize)> {
    let mut content = false;
    for (line, row) in text.lines().enumerate() {
        if row.starts_with("---") || row.starts_with("...") {
            if content {
                return Some((line + 1, 1));
            }
        } else if !row.trim().is_empty() && !row.trim_start().starts_with('#') && !row.starts_with('%') {
            content = true;
        }
    }
    None
}

/// A JSON value read from any serde deserializer (the JSON loader uses it too),
/// refusing a key that repeats: YAML forbids it, JSON says names SHOULD be
/// unique, and parsers differ on which of the two values wins, so no reading
/// of such a document is the one its author meant.
pub(super) struct JsonValue(pub(super) Value);

impl<'de> Deserialize<'de> for JsonValue {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        spend()?;
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

fn float<E: de::Error>(f: f64) -> Result<JsonValue, E> {
    Number::from_f64(f).map(|n| JsonValue(Value::Number(n))).ok_or_else(|| E::custom(format!("the number {f} has no JSON equivalent")))
}

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = JsonValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<JsonValue, E> {
        Ok(JsonValue(Value::Bool(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<JsonValue, E> {
        Ok(JsonValue(Value::Number(v.into())))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<JsonValue, E> {
        Ok(JsonValue(Value::Number(v.into())))
    }

    // Beyond 64 bits, JSON parsers read numbers as doubles; so does this.
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<JsonValue, E> {
        float(v as f64)
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<JsonValue, E> {
        float(v as f64)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<JsonValue, E> {
        float(v)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<JsonValue, E> {
        Ok(JsonValue(Value::String(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<JsonValue, E> {
        Ok(JsonValue(Value::String(v)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<JsonValue, E> {
        Ok(JsonValue(Value::Null))
    }

    fn visit_none<E: de::Error>(self) -> Result<JsonValue, E> {
        Ok(JsonValue(Value::Null))
    }

    fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<JsonValue, D::Error> {
        JsonValue::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<JsonValue, A::Error> {
        let mut items = Vec::new();
        while let Some(JsonValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(JsonValue(Value::Array(items)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonValue, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            if out.contains_key(&key) {
                return Err(de::Error::custom(format_args!("duplicate key `{}` in a mapping", super::excerpt(&key))));
            }
            let JsonValue(value) = map.next_value()?;
            out.insert(key, value);
        }
        Ok(JsonValue(Value::Object(out)))
    }

    // Tags (`!foo x`) mean nothing in OpenAPI; keep the tagged value.
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<JsonValue, A::Error> {
        let (_tag, variant): (String, _) = data.variant()?;
        de::VariantAccess::newtype_variant(variant)
    }
}

/// JSON keys are strings; YAML lets `200:` or `true:` be keys, which OpenAPI means as text.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = String;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        deserializer.deserialize_any(KeyVisitor)
    }
}

struct KeyVisitor;

impl Visitor<'_> for KeyVisitor {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a scalar mapping key")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }

    fn visit_unit<E: de::Error>(self) -> Result<String, E> {
        Ok("null".to_owned())
    }
}

#[cfg(test)]
pub(super) mod tests {
    use serde_json::{Value, json};

    /// A YAML reader as the loader calls it; both readers must pass the checks below.
    pub(in crate::load) type Reader = fn(&str) -> Result<Value, (String, Option<(usize, usize)>)>;

    #[test]
    fn refusals_are_located() {
        refusals_are_located_by(super::parse);
    }

    #[test]
    fn reads_what_json_values_can_hold() {
        reads_what_json_values_can_hold_by(super::parse);
    }

    /// Repeated keys, second documents and alias bombs are refused at a place.
    pub(in crate::load) fn refusals_are_located_by(parse: Reader) {
        let (message, at) = parse("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert!(message.contains("duplicate key `a`"), "{message}");
        assert_eq!(at, Some((3, 1)));
        let (_, at) = parse("x:\n  a: 1\n  b: 2\n  a: 3\n").unwrap_err();
        assert_eq!(at, Some((4, 3)));
        let (message, at) = parse("a: 1\n---\nb: 2\n").unwrap_err();
        assert!(message.contains("more than one YAML document"), "{message}");
        assert_eq!(at, Some((2, 1)));
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n\
                    d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n";
        let (_, at) = parse(bomb).unwrap_err();
        assert!(at.is_some());
        // Under serde_yaml's repetition limit, over ours.
        let mut bomb = "a: &a [x, x, x, x, x, x]\n".to_owned();
        for (level, name) in ["b", "c", "d", "e", "f", "g", "h"].iter().enumerate() {
            let previous = if level == 0 { "a".to_owned() } else { ["b", "c", "d", "e", "f", "g"][level - 1].to_owned() };
            bomb.push_str(&format!("{name}: &{name} [{}]\n", vec![format!("*{previous}"); 6].join(", ")));
        }
        bomb.push_str("i: *h\n");
        let (message, at) = parse(&bomb).unwrap_err();
        assert!(message.contains("alias bomb") || message.contains("repetition limit"), "{message}");
        assert!(at.is_some());
    }

    /// Mapping keys become strings; numbers beyond i64 stay numbers.
    pub(in crate::load) fn reads_what_json_values_can_hold_by(parse: Reader) {
        let value = parse("200: {a: [1, -2, 1.5, true, null]}\nbig: -9223372036854776000\n").unwrap();
        assert_eq!(value["200"], json!({"a": [1, -2, 1.5, true, null]}));
        assert_eq!(value["big"].as_f64(), Some(-9.223_372_036_854_776e18));
    }
}
