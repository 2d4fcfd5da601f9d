//! YAML nested deeper than serde_yaml reads (a fixed 128 levels), read to the
//! loader's one bound ([`super::MAX_DEPTH`]) instead.
//!
//! The text goes through `saphyr-parser`'s events (a pull parser whose state
//! is a heap stack), and this module builds the JSON value with a heap stack of
//! its own, so no recursion follows the document's nesting. It makes the
//! refusals `yaml.rs` makes (several documents, repeated keys, alias bombs),
//! and resolves plain scalars by YAML 1.2's core schema as serde_yaml 0.9
//! does; a test reads every YAML document of the repository and the corpus
//! both ways and compares. serde_yaml stays the reader of every document it
//! can read: saphyr-parser is stricter than libyaml in one way real documents
//! rely on (a flow collection's closing bracket at its key's indentation, as in
//! lance-namespace's `rest.yaml`).

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};
use serde_json::{Map, Number, Value};

/// The parser's message and the 1-based line and column it applies to.
type Failure = (String, Option<(usize, usize)>);

/// Parses YAML text into a JSON value, or returns the parser's message and position.
///
/// A file with several documents is refused at the second one (OpenAPI is one
/// document). A key that repeats in a mapping is refused where it repeats:
/// YAML forbids it, and parsers differ on which of the two values wins, so no
/// reading of such a document is the one its author meant. Aliases may add at
/// most [`EXPANSION`] values beyond one per byte of text (no "billion laughs").
pub(super) fn parse(text: &str) -> Result<Value, Failure> {
    let mut builder = Builder { budget: text.len() + EXPANSION, ..Builder::default() };
    let mut documents = 0;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|err| (err.info().to_owned(), Some(line_col(err.marker().line(), err.marker().col()))))?;
        match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(("the file holds more than one YAML document; an OpenAPI document is one".to_owned(), Some(start(&span))));
                }
            }
            Event::Scalar(value, style, anchor, tag) => builder.scalar(&value, style, anchor, tag.as_deref(), &span)?,
            Event::SequenceStart(anchor, _) => builder.open(Open::Sequence(Vec::new()), anchor, &span)?,
            Event::MappingStart(anchor, _) => builder.open(Open::Mapping(Map::new(), None), anchor, &span)?,
            Event::SequenceEnd | Event::MappingEnd => builder.close(&span)?,
            Event::Alias(anchor) => builder.alias(anchor, &span)?,
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
    }
    Ok(builder.root.unwrap_or(Value::Null))
}

/// The message of the refusal of nesting beyond [`super::MAX_DEPTH`], which the loader reports as E0011.
pub(super) const TOO_DEEP: &str = "the document nests deeper than the loader's bound";

/// How many values aliases may add beyond one per byte of text. Real
/// documents hold one value per 12 bytes or more (the corpus, anchors and
/// all), so only an alias bomb (six-fold aliases eight levels deep, 1.7
/// million values from 130 KB) comes near it.
const EXPANSION: usize = 100_000;

/// A collection being read.
enum Open {
    Sequence(Vec<Value>),
    /// The entries so far, and the key waiting for its value.
    Mapping(Map<String, Value>, Option<String>),
}

/// One collection being read, with its anchor and how many values it holds so far.
struct Frame {
    open: Open,
    anchor: usize,
    values: usize,
}

/// Builds the value from events, with the stack of collections being read.
#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    root: Option<Value>,
    /// Anchored values and how many values each holds, for aliases.
    anchors: HashMap<usize, (Value, usize)>,
    /// The values aliases and text may still produce.
    budget: usize,
}

impl Builder {
    fn spend(&mut self, values: usize, span: &Span) -> Result<(), Failure> {
        match self.budget.checked_sub(values) {
            Some(left) => {
                self.budget = left;
                Ok(())
            }
            None => {
                Err(("aliases expand the document beyond what its text could hold (an alias bomb?); refused".to_owned(), Some(start(span))))
            }
        }
    }

    fn scalar(&mut self, text: &str, style: ScalarStyle, anchor: usize, tag: Option<&Tag>, span: &Span) -> Result<(), Failure> {
        self.spend(1, span)?;
        let value = resolve(text, style, tag).map_err(|message| (message, Some(start(span))))?;
        if anchor > 0 {
            self.anchors.insert(anchor, (value.clone(), 1));
        }
        self.add(value, 1, span)
    }

    fn alias(&mut self, anchor: usize, span: &Span) -> Result<(), Failure> {
        let Some((value, values)) = self.anchors.get(&anchor).map(|(value, values)| (value.clone(), *values)) else {
            return Err(("an alias to an anchor that is not defined".to_owned(), Some(start(span))));
        };
        self.spend(values, span)?;
        self.add(value, values, span)
    }

    fn open(&mut self, open: Open, anchor: usize, span: &Span) -> Result<(), Failure> {
        self.spend(1, span)?;
        if self.stack.len() >= super::MAX_DEPTH {
            return Err((TOO_DEEP.to_owned(), Some(start(span))));
        }
        if let Some(Frame { open: Open::Mapping(_, None), .. }) = self.stack.last() {
            return Err(("a mapping key must be a scalar, not a sequence or a mapping".to_owned(), Some(start(span))));
        }
        self.stack.push(Frame { open, anchor, values: 1 });
        Ok(())
    }

    fn close(&mut self, span: &Span) -> Result<(), Failure> {
        let Some(frame) = self.stack.pop() else { return Ok(()) };
        let value = match frame.open {
            Open::Sequence(items) => Value::Array(items),
            Open::Mapping(entries, _) => Value::Object(entries),
        };
        if frame.anchor > 0 {
            self.anchors.insert(frame.anchor, (value.clone(), frame.values));
        }
        self.add(value, frame.values, span)
    }

    /// Puts a finished value (holding `values` values) into the collection being read.
    fn add(&mut self, value: Value, values: usize, span: &Span) -> Result<(), Failure> {
        let Some(frame) = self.stack.last_mut() else {
            self.root = Some(value);
            return Ok(());
        };
        frame.values += values;
        match &mut frame.open {
            Open::Sequence(items) => items.push(value),
            Open::Mapping(entries, pending @ None) => {
                let key = key_text(value);
                if entries.contains_key(&key) {
                    return Err((format!("duplicate key `{}` in a mapping", super::excerpt(&key)), Some(start(span))));
                }
                *pending = Some(key);
            }
            Open::Mapping(entries, pending) => {
                if let Some(key) = pending.take() {
                    entries.insert(key, value);
                }
            }
        }
        Ok(())
    }
}

/// JSON keys are strings; YAML lets `200:` or `true:` be keys, which OpenAPI means as text.
fn key_text(key: Value) -> String {
    match key {
        Value::String(text) => text,
        other => other.to_string(),
    }
}

/// The 1-based line and column of a span's start.
fn start(span: &Span) -> (usize, usize) {
    line_col(span.start.line(), span.start.col())
}

/// The parser counts lines from 1 and columns from 0.
fn line_col(line: usize, column: usize) -> (usize, usize) {
    (line, column + 1)
}

/// The JSON value of a scalar: quoted and block scalars are text; plain ones
/// (and those tagged `!!int`, `!!bool`…) are read by YAML 1.2's core schema.
fn resolve(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Result<Value, String> {
    let core = tag.filter(|tag| tag.is_yaml_core_schema()).map(|tag| tag.suffix.as_str());
    if core == Some("str") || (style != ScalarStyle::Plain && core.is_none()) {
        return Ok(Value::String(text.to_owned()));
    }
    if text.is_empty() || matches!(text, "null" | "Null" | "NULL" | "~") {
        return Ok(Value::Null);
    }
    if let Some(boolean) = match text {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    } {
        return Ok(Value::Bool(boolean));
    }
    if let Some(number) = integer(text) {
        return Ok(number);
    }
    if !leading_zero_digits(text) {
        if let Some(float) = float(text) {
            // Beyond 64 bits, JSON parsers read numbers as doubles; so does this.
            return Number::from_f64(float).map(Value::Number).ok_or_else(|| format!("the number {text} has no JSON equivalent"));
        }
    }
    Ok(Value::String(text.to_owned()))
}

/// A YAML 1.2 integer (decimal, `0x`, `0o`, `0b`, signed), as JSON holds it:
/// exactly within 64 bits, as a double beyond.
fn integer(text: &str) -> Option<Value> {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.starts_with(['+', '-']) {
        return None;
    }
    let (radix, body) = match digits.get(..2) {
        Some("0x") => (16, &digits[2..]),
        Some("0o") => (8, &digits[2..]),
        Some("0b") => (2, &digits[2..]),
        _ => (10, digits),
    };
    if body.is_empty() || body.starts_with(['+', '-']) || (radix == 10 && leading_zero_digits(text)) {
        return None;
    }
    let magnitude = u128::from_str_radix(body, radix).ok()?;
    let value = match (negative, u64::try_from(magnitude)) {
        (false, Ok(small)) => Value::from(small),
        (true, Ok(small)) if small <= i64::MAX as u64 + 1 => Value::from((small as i128).wrapping_neg() as i64),
        _ => {
            let float = magnitude as f64;
            Value::Number(Number::from_f64(if negative { -float } else { float })?)
        }
    };
    Some(value)
}

/// A YAML 1.2 float: what Rust reads as a finite `f64`, or `.inf`/`.nan` (refused later: JSON has neither).
fn float(text: &str) -> Option<f64> {
    let unsigned = text.strip_prefix('+').unwrap_or(text);
    if unsigned.starts_with(['+', '-']) && text.starts_with('+') {
        return None;
    }
    match unsigned {
        ".inf" | ".Inf" | ".INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    unsigned.parse::<f64>().ok().filter(|float| float.is_finite())
}

/// Digits with a leading zero (`0123`) are text in YAML 1.2.
fn leading_zero_digits(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    digits.len() > 1 && digits.starts_with('0') && digits[1..].bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn refusals_are_located() {
        crate::load::yaml::tests::refusals_are_located_by(super::parse);
    }

    #[test]
    fn reads_what_json_values_can_hold() {
        crate::load::yaml::tests::reads_what_json_values_can_hold_by(super::parse);
    }

    #[test]
    fn nesting_is_bounded_by_the_loader_s_bound_not_the_parser_s() {
        let mut deep = String::new();
        for level in 0..600 {
            deep.push_str(&format!("{}k{level}:\n", "  ".repeat(level)));
        }
        deep.push_str(&format!("{}leaf: 1\n", "  ".repeat(600)));
        let mut value = &super::parse(&deep).expect("600 levels of block mappings");
        for level in 0..600 {
            value = &value[format!("k{level}")];
        }
        assert_eq!(value["leaf"], json!(1));
        let too_deep = format!("{}[]\n", "- ".repeat(super::super::MAX_DEPTH));
        let (message, at) = super::parse(&too_deep).unwrap_err();
        assert_eq!(message, super::TOO_DEEP);
        assert_eq!(at, Some((1, 2 * super::super::MAX_DEPTH + 1)));
    }

    #[test]
    fn scalars_read_as_yaml_1_2_s_core_schema() {
        let value = super::parse(
            "a: [~, null, '', yes, no, on, True, FALSE, 0x1F, 0o17, 0b11, +5, -7, 012, 1e3, .5, -.inf, 'true', \"1\", |\n  x\n]\n",
        );
        assert!(value.is_err(), "-.inf has no JSON value");
        let value =
            super::parse("a: [~, null, '', yes, no, on, True, FALSE, 0x1F, 0o17, 0b11, +5, -7, 012, 1e3, .5, 'true', \"1\", !!str 3]\n")
                .unwrap();
        assert_eq!(
            value["a"],
            json!([null, null, "", "yes", "no", "on", true, false, 31, 15, 3, 5, -7, "012", 1000.0, 0.5, "true", "1", "3"])
        );
        assert_eq!(super::parse("big: 18446744073709551616\n").unwrap()["big"].as_f64(), Some(1.8446744073709552e19));
    }

    /// Every YAML document of the repository (and of the corpus beside it, when
    /// there) reads as serde_yaml 0.9 reads it, but for the two listed.
    #[test]
    fn documents_read_as_they_did_with_serde_yaml() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut pending = vec![root.join("specs"), root.join("tests"), root.join("../shared/corpus")];
        let mut compared = 0;
        while let Some(dir) = pending.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            for path in entries.filter_map(|e| e.ok()).map(|e| e.path()) {
                if path.is_dir() {
                    pending.push(path);
                    continue;
                }
                // The negative corpus: what serde_yaml lets through there (repeated keys, bombs) clawgen refuses on purpose.
                if !path.extension().is_some_and(|e| e == "yaml" || e == "yml") || path.parent().is_some_and(|p| p.ends_with("tests/bad")) {
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(&path) else { continue };
                let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
                // Where serde_yaml refuses (several documents, tags, integers beyond 64 bits), there is nothing to compare.
                let Ok(before) = serde_yaml::from_str::<serde_json::Value>(text) else { continue };
                // libyaml (serde_yaml's parser) accepts a closing bracket at its key's indentation; saphyr-parser does not.
                if path.ends_with("lance-namespace/rest.yaml") {
                    continue;
                }
                let after = super::parse(text).unwrap_or_else(|err| panic!("{}: {err:?}", path.display()));
                // A block scalar that ends the file without a line break: libyaml adds one, YAML 1.2 (and saphyr-parser) does not.
                if path.ends_with("domains/responses/existing_domain.yml") {
                    continue;
                }
                assert_eq!(after, before, "{}", path.display());
                compared += 1;
            }
        }
        assert!(compared >= 20, "only {compared} documents compared");
    }
}
