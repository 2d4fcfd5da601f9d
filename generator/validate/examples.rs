//! Examples that contradict their schema.
//!
//! A small validator of our own rather than the `jsonschema` crate: examples
//! are checked against the document as written, in both dialects (3.0's
//! `nullable` and boolean `exclusiveMinimum`, 3.1's type lists and `const`),
//! with `$ref`s resolved inside the document and every failure reported as
//! a JSON pointer into the example, which is what the diagnostics need.
//!
//! What it checks: `type`, `nullable`, `enum`, `const`, `required`,
//! `properties`, `additionalProperties`, min/max properties, `items`,
//! `prefixItems`, min/max items, `uniqueItems`, string lengths, `pattern`,
//! numeric bounds (inclusive and exclusive), `multipleOf`, `allOf`, `anyOf`,
//! `oneOf` (at least one branch, since formats are not checked and branches
//! that differ only by format would otherwise always overlap) and `not`.
//! Formats are not checked. Required properties that are `readOnly` or
//! `writeOnly` may be missing, since an example shows one direction.

use serde_json::{Map, Value};

use super::walk::{is_data, is_names_map, resolve};
use crate::diagnostic::{Code, Diagnostic};
use crate::load::{Source, escape_segment};
use crate::normalize::facts::SchemaFacts;

/// Keys of a schema whose value is one subschema.
const SUBSCHEMA_KEYS: &[&str] = &[
    "items",
    "additionalProperties",
    "not",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
    "unevaluatedItems",
    "unevaluatedProperties",
];
/// Keys of a schema whose value is a list of subschemas.
const SUBSCHEMA_LISTS: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];
/// Names maps whose values are schemas.
const SCHEMA_MAPS: &[&str] = &["schemas", "properties", "patternProperties", "$defs", "definitions", "dependentSchemas"];

pub(super) fn check(source: &Source) -> Vec<Diagnostic> {
    let mut checker = Checker { source, found: Vec::new(), as_text: false };
    checker.visit(&source.value, "", None, false);
    // A component example used in several places is reported once.
    let mut seen = Vec::new();
    checker.found.retain(|d| {
        let key = (d.location.as_ref().map(|l| l.pointer.clone()), d.message.clone());
        let new = !seen.contains(&key);
        seen.push(key);
        new
    });
    checker.found
}

struct Checker<'s> {
    source: &'s Source,
    found: Vec<Diagnostic>,
    /// Whether the examples being checked travel as text.
    as_text: bool,
}

impl Checker<'_> {
    /// Walks the document, `schema` telling whether `value` is a schema.
    fn visit(&mut self, value: &Value, pointer: &str, key: Option<&str>, schema: bool) {
        match value {
            Value::Object(map) => {
                let names = is_names_map(key);
                if !names {
                    if schema {
                        self.schema_examples(map, pointer);
                    } else if let Some(inner) = map.get("schema") {
                        self.holder_examples(map, inner, pointer);
                    }
                }
                for (child_key, child) in map {
                    if !names && is_data(child_key, child) {
                        continue;
                    }
                    let at = format!("{pointer}/{}", escape_segment(child_key));
                    let child_is_schema = if names {
                        key.is_some_and(|k| SCHEMA_MAPS.contains(&k))
                    } else {
                        child_key == "schema" || (schema && SUBSCHEMA_KEYS.contains(&child_key.as_str()))
                    };
                    if let (true, Value::Array(items)) = (schema && SUBSCHEMA_LISTS.contains(&child_key.as_str()), child) {
                        for (index, item) in items.iter().enumerate() {
                            self.visit(item, &format!("{at}/{index}"), None, true);
                        }
                    } else {
                        self.visit(child, &at, Some(child_key), child_is_schema);
                    }
                }
            }
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    self.visit(item, &format!("{pointer}/{index}"), None, false);
                }
            }
            _ => {}
        }
    }

    /// A schema's own `example` and (3.1) `examples` list.
    fn schema_examples(&mut self, schema: &Map<String, Value>, pointer: &str) {
        let schema_value = Value::Object(schema.clone());
        if let Some(example) = schema.get("example") {
            self.example(example, &format!("{pointer}/example"), &schema_value, pointer);
        }
        if let Some(Value::Array(examples)) = schema.get("examples") {
            for (index, example) in examples.iter().enumerate() {
                self.example(example, &format!("{pointer}/examples/{index}"), &schema_value, pointer);
            }
        }
    }

    /// The `example` and `examples` map of a parameter, header or media type.
    fn holder_examples(&mut self, holder: &Map<String, Value>, schema: &Value, pointer: &str) {
        let schema_pointer = format!("{pointer}/schema");
        // Parameters, headers and forms travel as text: `"true"` is a fair example of a boolean there.
        let media = pointer.rsplit('/').next().unwrap_or_default().replace("~1", "/");
        self.as_text = holder.contains_key("in") || pointer.contains("/headers/") || media.starts_with("application/x-www-form-urlencoded");
        if let Some(example) = holder.get("example") {
            self.example(example, &format!("{pointer}/example"), schema, &schema_pointer);
        }
        let Some(Value::Object(examples)) = holder.get("examples") else { return };
        let root = &self.source.value;
        for (name, example) in examples {
            let at = format!("{pointer}/examples/{}", escape_segment(name));
            let Some((example, at)) = resolve(root, example, &at) else { continue };
            if let Some(value) = example.get("value") {
                self.example(value, &format!("{at}/value"), schema, &schema_pointer);
            }
        }
        self.as_text = false;
    }

    fn example(&mut self, example: &Value, pointer: &str, schema: &Value, schema_pointer: &str) {
        let mut validator = Validator::new(&self.source.value, self.as_text);
        validator.check(schema, schema_pointer, example, "", 0);
        if let Some(at) = &validator.too_deep {
            let location = self.source.location(&format!("{pointer}{at}"));
            self.found.push(crate::depth::too_deep(location, "checking this example against its schema, `$ref`s followed,").diagnostic());
        }
        for failure in validator.failures {
            let at = format!("{pointer}{}", failure.at);
            let place = if failure.at.is_empty() { String::new() } else { format!("`{}`: ", display_path(&failure.at)) };
            self.found.push(
                Diagnostic::new(
                    Code::ExampleMismatch,
                    format!("example does not fit its schema: {place}{}", failure.message),
                    Some(self.source.location(&at)),
                )
                .with_label("contradicts the schema")
                .with_note(format!("the schema at #{} says so", failure.schema_at)),
            );
        }
    }
}

/// `/items/0/name` as `items[0].name`.
fn display_path(pointer: &str) -> String {
    let mut out = String::new();
    for segment in crate::load::pointer_segments(pointer) {
        if segment.parse::<usize>().is_ok() {
            out.push_str(&format!("[{segment}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&segment);
        }
    }
    out
}

/// One way an example breaks its schema.
struct Failure {
    /// Pointer inside the example.
    at: String,
    /// Pointer of the schema that says no.
    schema_at: String,
    message: String,
}

struct Validator<'r> {
    root: &'r Value,
    failures: Vec<Failure>,
    /// Whether a scalar may be written as the text that encodes it (`"true"`, `"42"`).
    as_text: bool,
    /// The `$ref` targets being checked further up, each with the place in the
    /// example: met again, they are a cycle that consumes nothing, which the
    /// check already running above covers.
    on_path: Vec<(String, String)>,
    /// Where the check went deeper than [`crate::depth::MAX_DEPTH`] and stopped, reported as E0011.
    too_deep: Option<String>,
}

impl<'r> Validator<'r> {
    fn new(root: &'r Value, as_text: bool) -> Self {
        Validator { root, failures: Vec::new(), as_text, on_path: Vec::new(), too_deep: None }
    }

    fn fail(&mut self, at: &str, schema_at: &str, message: String) {
        self.failures.push(Failure { at: at.to_owned(), schema_at: schema_at.to_owned(), message });
    }

    /// Whether `value` fits `schema`, without recording why not.
    /// `at` is where `value` lies in the example, so that cycles and the bound are told by place.
    fn fits(&mut self, schema: &Value, schema_at: &str, value: &Value, at: &str, depth: usize) -> bool {
        let mut probe = Validator::new(self.root, self.as_text);
        probe.on_path = std::mem::take(&mut self.on_path);
        probe.check(schema, schema_at, value, at, depth);
        self.on_path = probe.on_path;
        self.too_deep = self.too_deep.take().or(probe.too_deep);
        probe.failures.is_empty()
    }

    fn check(&mut self, schema: &Value, schema_at: &str, value: &Value, at: &str, depth: usize) {
        if depth > crate::depth::MAX_DEPTH {
            self.too_deep.get_or_insert_with(|| at.to_owned());
            return;
        }
        let schema = match schema {
            Value::Bool(true) => return,
            Value::Bool(false) => return self.fail(at, schema_at, "no value is allowed here".into()),
            Value::Object(schema) => schema,
            _ => return,
        };
        // `nullable` (or a `type` list with `null`) beside a `$ref` or an `allOf` makes it nullable, as the IR reads it.
        if value.is_null() && SchemaFacts::of_map(schema).nullable() {
            return;
        }
        if let Some(Value::String(reference)) = schema.get("$ref") {
            // Unresolved references are the reference check's to report.
            if let Ok(target) = crate::normalize::resolve::target(self.root, reference, schema_at) {
                let step = (target.pointer.clone(), at.to_owned());
                if !self.on_path.contains(&step) {
                    self.on_path.push(step);
                    self.check(target.value, &target.pointer, value, at, depth + 1);
                    self.on_path.pop();
                }
            }
        }
        if !self.check_type(schema, schema_at, value, at) {
            return;
        }
        // An open enum lists the values known so far; others are allowed.
        let open = schema.get("x-clawgen-open-enum").and_then(Value::as_bool) == Some(true);
        if let (Some(Value::Array(options)), false) = (schema.get("enum"), open) {
            if !options.iter().any(|option| same(option, value)) {
                let listed: Vec<String> = options.iter().take(6).map(short).collect();
                let more = if options.len() > 6 { ", …" } else { "" };
                self.fail(at, schema_at, format!("{} is not one of {}{more}", short(value), listed.join(", ")));
            }
        }
        if let Some(constant) = schema.get("const") {
            if !same(constant, value) {
                self.fail(at, schema_at, format!("{} is not the constant {}", short(value), short(constant)));
            }
        }
        match value {
            Value::String(text) => self.check_string(schema, schema_at, text, at),
            Value::Number(_) => self.check_number(schema, schema_at, value, at),
            Value::Array(items) => self.check_array(schema, schema_at, items, at, depth),
            Value::Object(object) => self.check_object(schema, schema_at, object, at, depth),
            Value::Bool(_) | Value::Null => {}
        }
        self.check_combinators(schema, schema_at, value, at, depth);
    }

    /// `type` (a name or a 3.1 list) and a 3.0 `nullable`; false when the value has the wrong type.
    fn check_type(&mut self, schema: &Map<String, Value>, schema_at: &str, value: &Value, at: &str) -> bool {
        let types: Vec<&str> = match schema.get("type") {
            Some(Value::String(ty)) => vec![ty.as_str()],
            Some(Value::Array(types)) => types.iter().filter_map(Value::as_str).collect(),
            _ => return true,
        };
        let fits = types.iter().any(|ty| match *ty {
            "null" => value.is_null(),
            "boolean" => value.is_boolean(),
            "string" => value.is_string(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            "number" => value.is_number(),
            "integer" => value.as_f64().is_some_and(|n| n.fract() == 0.0),
            _ => true,
        }) || (self.as_text && value.as_str().is_some_and(|text| types.iter().any(|ty| encodes(ty, text))));
        if !fits {
            let wanted = types.iter().map(|t| article(t)).collect::<Vec<_>>().join(" or ");
            self.fail(at, schema_at, format!("expected {wanted}, found {}", kind(value)));
        }
        fits
    }

    fn check_string(&mut self, schema: &Map<String, Value>, schema_at: &str, text: &str, at: &str) {
        let length = text.chars().count();
        if let Some(min) = schema.get("minLength").and_then(Value::as_u64) {
            if (length as u64) < min {
                self.fail(at, schema_at, format!("{} is shorter than {min} characters", short(&Value::String(text.into()))));
            }
        }
        if let Some(max) = schema.get("maxLength").and_then(Value::as_u64) {
            if length as u64 > max {
                self.fail(at, schema_at, format!("{} is longer than {max} characters", short(&Value::String(text.into()))));
            }
        }
        if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
            // A pattern the regex crate rejects is warned about by the pipeline, and not checked.
            if regex::Regex::new(pattern).is_ok_and(|re| !re.is_match(text)) {
                self.fail(at, schema_at, format!("{} does not match the pattern `{pattern}`", short(&Value::String(text.into()))));
            }
        }
    }

    fn check_number(&mut self, schema: &Map<String, Value>, schema_at: &str, value: &Value, at: &str) {
        let Some(n) = value.as_f64() else { return };
        let shown = short(value);
        // Both spellings of exclusive bounds, read as the IR and `diff` read them.
        let facts = SchemaFacts::of_map(schema);
        for (lower, bound) in [(true, facts.minimum()), (false, facts.maximum())] {
            let Some(bound) = bound.filter(|bound| !bound.admits(n, lower)) else { continue };
            let relation = match (lower, bound.exclusive) {
                (true, false) => "at least",
                (true, true) => "greater than",
                (false, false) => "at most",
                (false, true) => "less than",
            };
            self.fail(at, schema_at, format!("{shown} is not {relation} {}", bound.value));
        }
        let bound = |key: &str| schema.get(key).and_then(Value::as_f64);
        if let Some(step) = bound("multipleOf").filter(|step| *step > 0.0) {
            let ratio = n / step;
            if (ratio - ratio.round()).abs() > 1e-9 * ratio.abs().max(1.0) {
                self.fail(at, schema_at, format!("{shown} is not a multiple of {step}"));
            }
        }
    }

    fn check_array(&mut self, schema: &Map<String, Value>, schema_at: &str, items: &[Value], at: &str, depth: usize) {
        if let Some(min) = schema.get("minItems").and_then(Value::as_u64).filter(|min| (items.len() as u64) < *min) {
            self.fail(at, schema_at, format!("{} item(s), fewer than {min}", items.len()));
        }
        if let Some(max) = schema.get("maxItems").and_then(Value::as_u64).filter(|max| items.len() as u64 > *max) {
            self.fail(at, schema_at, format!("{} item(s), more than {max}", items.len()));
        }
        if schema.get("uniqueItems").and_then(Value::as_bool) == Some(true) {
            if let Some(index) = (1..items.len()).find(|&i| items[..i].iter().any(|earlier| same(earlier, &items[i]))) {
                self.fail(&format!("{at}/{index}"), schema_at, "repeats an earlier item, but items must be unique".into());
            }
        }
        let tuple = match schema.get("prefixItems") {
            Some(Value::Array(prefix)) => prefix.as_slice(),
            _ => &[],
        };
        for (index, item) in items.iter().enumerate() {
            let (item_schema, item_schema_at) = match tuple.get(index) {
                Some(schema) => (schema, format!("{schema_at}/prefixItems/{index}")),
                None => match schema.get("items") {
                    Some(items) => (items, format!("{schema_at}/items")),
                    None => continue,
                },
            };
            self.check(item_schema, &item_schema_at, item, &format!("{at}/{index}"), depth + 1);
        }
    }

    fn check_object(&mut self, schema: &Map<String, Value>, schema_at: &str, object: &Map<String, Value>, at: &str, depth: usize) {
        let properties = schema.get("properties").and_then(Value::as_object);
        if let Some(Value::Array(required)) = schema.get("required") {
            for name in required.iter().filter_map(Value::as_str) {
                let one_way = properties.and_then(|p| p.get(name)).is_some_and(|p| self.one_way(p));
                if !object.contains_key(name) && !one_way {
                    self.fail(at, schema_at, format!("the required property `{name}` is missing"));
                }
            }
        }
        let count = object.len() as u64;
        if let Some(min) = schema.get("minProperties").and_then(Value::as_u64).filter(|min| count < *min) {
            self.fail(at, schema_at, format!("{count} properties, fewer than {min}"));
        }
        if let Some(max) = schema.get("maxProperties").and_then(Value::as_u64).filter(|max| count > *max) {
            self.fail(at, schema_at, format!("{count} properties, more than {max}"));
        }
        let patterns: Vec<(regex::Regex, &Value, String)> = schema
            .get("patternProperties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(p, s)| Some((regex::Regex::new(p).ok()?, s, format!("{schema_at}/patternProperties/{}", escape_segment(p)))))
            .collect();
        for (name, property) in object {
            let property_at = format!("{at}/{}", escape_segment(name));
            let mut known = false;
            if let Some(property_schema) = properties.and_then(|p| p.get(name)) {
                known = true;
                let property_schema_at = format!("{schema_at}/properties/{}", escape_segment(name));
                self.check(property_schema, &property_schema_at, property, &property_at, depth + 1);
            }
            for (pattern, pattern_schema, pattern_at) in &patterns {
                if pattern.is_match(name) {
                    known = true;
                    self.check(pattern_schema, pattern_at, property, &property_at, depth + 1);
                }
            }
            if known {
                continue;
            }
            match schema.get("additionalProperties") {
                Some(Value::Bool(false)) => self.fail(&property_at, schema_at, format!("the property `{name}` is not allowed")),
                Some(additional @ Value::Object(_)) => {
                    self.check(additional, &format!("{schema_at}/additionalProperties"), property, &property_at, depth + 1)
                }
                _ => {}
            }
        }
    }

    /// Whether a property schema is `readOnly` or `writeOnly`, and so may be absent from one direction's example.
    fn one_way(&self, property: &Value) -> bool {
        let Some((property, _)) = resolve(self.root, property, "") else { return false };
        ["readOnly", "writeOnly"].iter().any(|key| property.get(key).and_then(Value::as_bool) == Some(true))
    }

    fn check_combinators(&mut self, schema: &Map<String, Value>, schema_at: &str, value: &Value, at: &str, depth: usize) {
        if let Some(Value::Array(parts)) = schema.get("allOf") {
            for (index, part) in parts.iter().enumerate() {
                self.check(part, &format!("{schema_at}/allOf/{index}"), value, at, depth + 1);
            }
        }
        for keyword in ["anyOf", "oneOf"] {
            let Some(Value::Array(branches)) = schema.get(keyword) else { continue };
            let fits_one = branches
                .iter()
                .enumerate()
                .any(|(index, branch)| self.fits(branch, &format!("{schema_at}/{keyword}/{index}"), value, at, depth + 1));
            if !branches.is_empty() && !fits_one {
                self.fail(at, schema_at, format!("{} fits none of the `{keyword}` schemas", short(value)));
            }
        }
        if let Some(not) = schema.get("not") {
            if self.fits(not, &format!("{schema_at}/not"), value, at, depth + 1) {
                self.fail(at, schema_at, format!("{} fits the schema under `not`", short(value)));
            }
        }
    }
}

/// Whether `text` is how a scalar of type `ty` is written in a query string, header or form.
fn encodes(ty: &str, text: &str) -> bool {
    match ty {
        "boolean" => text == "true" || text == "false",
        "integer" => text.parse::<i64>().is_ok(),
        "number" => text.parse::<f64>().is_ok(),
        _ => false,
    }
}

/// JSON equality, with numbers compared by value (`1` equals `1.0`).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y)),
        (Value::Object(x), Value::Object(y)) => x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w))),
        _ => a == b,
    }
}

/// A value in a message: its JSON, shortened.
fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 40 { format!("`{}…`", text.chars().take(37).collect::<String>()) } else { format!("`{text}`") }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn article(ty: &str) -> String {
    match ty {
        "null" => "null".into(),
        "integer" | "object" | "array" => format!("an {ty}"),
        _ => format!("a {ty}"),
    }
}

/// Whether `validate` finds `value` fitting the schema at `schema_pointer` of `source`.
#[cfg(test)]
pub(crate) fn accepts(source: &Source, schema_pointer: &str, value: &Value) -> bool {
    let schema = crate::normalize::resolve::lookup(&source.value, schema_pointer).expect("a schema there").value;
    let mut validator = Validator::new(&source.value, false);
    validator.check(schema, schema_pointer, value, "", 0);
    validator.failures.is_empty()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn messages(text: &str) -> Vec<(String, String)> {
        let source = Source::parse(Path::new("t.yaml"), text.into()).unwrap();
        check(&source).into_iter().map(|d| (d.location.map(|l| l.pointer).unwrap_or_default(), d.message)).collect()
    }

    /// A document whose schema `A0` is a chain of `length` aliases to a string, with `example` on `A0`'s user.
    fn chain(length: usize, example: &str) -> String {
        let mut text = format!(
            "openapi: 3.1.0\npaths:\n  /a:\n    get:\n      parameters:\n        - name: a\n          in: header\n          \
             schema: {{$ref: '#/components/schemas/A0'}}\n          example: {example}\ncomponents:\n  schemas:\n"
        );
        for i in 0..length {
            text.push_str(&format!("    A{i}: {{$ref: '#/components/schemas/A{}'}}\n", i + 1));
        }
        text.push_str(&format!("    A{length}: {{type: integer}}\n"));
        text
    }

    #[test]
    fn examples_are_checked_through_long_chains_and_to_the_bound() {
        // Once cut at 48 levels, silently: the mismatch 100 `$ref`s down was not seen.
        let found = messages(&chain(100, "x"));
        assert!(found.iter().any(|(_, m)| m.contains("example does not fit")), "{found:?}");
        assert!(messages(&chain(100, "7")).is_empty());
        let beyond = crate::depth::with_stack(|| messages(&chain(crate::depth::MAX_DEPTH + 10, "7")));
        assert!(beyond.iter().any(|(at, m)| m.contains("nests deeper than") && at.ends_with("/example")), "{beyond:?}");
    }

    #[test]
    fn a_schema_that_refers_to_itself_without_consuming_ends() {
        let text = "openapi: 3.1.0\ncomponents:\n  schemas:\n    A:\n      oneOf: [{$ref: '#/components/schemas/A'}, {type: integer}]\n      \
                    example: 5\n    B:\n      allOf: [{$ref: '#/components/schemas/B'}]\n      example: x\n";
        assert!(messages(text).is_empty(), "{:?}", messages(text));
    }

    const DOC: &str = r##"
openapi: 3.1.0
paths:
  /a:
    get:
      parameters:
        - name: limit
          in: query
          schema: {type: integer, minimum: 1, maximum: 100}
          example: 500
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thing'}
              examples:
                good: {value: {id: 7, kind: small, tags: [a]}}
                bad: {$ref: '#/components/examples/Bad'}
components:
  examples:
    Bad: {value: {id: 1.5, kind: huge, tags: [a, a], extra: true}}
  schemas:
    Thing:
      type: object
      required: [id, kind, secret]
      additionalProperties: false
      properties:
        id: {type: integer}
        kind: {type: string, enum: [small, large]}
        tags: {type: array, items: {type: string, pattern: '^[a-z]+$'}, uniqueItems: true}
        secret: {type: string, writeOnly: true}
        name: {type: [string, "null"], maxLength: 3, examples: [abcd, null]}
      example: {kind: small}
"##;

    #[test]
    fn every_contradiction_is_reported_where_it_is() {
        let found = messages(DOC);
        let expected = [
            ("/paths/~1a/get/parameters/0/example", "example does not fit its schema: `500` is not at most 100"),
            ("/components/examples/Bad/value/id", "example does not fit its schema: `id`: expected an integer, found a number"),
            (
                "/components/examples/Bad/value/kind",
                "example does not fit its schema: `kind`: `\"huge\"` is not one of `\"small\"`, `\"large\"`",
            ),
            (
                "/components/examples/Bad/value/tags/1",
                "example does not fit its schema: `tags[1]`: repeats an earlier item, but items must be unique",
            ),
            ("/components/examples/Bad/value/extra", "example does not fit its schema: `extra`: the property `extra` is not allowed"),
            ("/components/schemas/Thing/example", "example does not fit its schema: the required property `id` is missing"),
            (
                "/components/schemas/Thing/properties/name/examples/0",
                "example does not fit its schema: `\"abcd\"` is longer than 3 characters",
            ),
        ];
        let expected: Vec<(String, String)> = expected.iter().map(|(p, m)| (p.to_string(), m.to_string())).collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn an_open_enum_allows_unlisted_values() {
        let found = messages(
            "components:\n  schemas:\n    Open: {type: string, x-clawgen-open-enum: true, enum: [a, b], example: c}\n    Closed: {type: string, enum: [a, b], example: c}\n",
        );
        let pointers: Vec<&str> = found.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(pointers, ["/components/schemas/Closed/example"]);
    }

    #[test]
    fn dialect_30_nullable_and_boolean_exclusive_bounds() {
        let found = messages(
            "openapi: 3.0.3\ncomponents:\n  schemas:\n    N: {type: number, nullable: true, minimum: 0, exclusiveMinimum: true, example: 0}\n    M: {type: string, nullable: true, example: null}\n",
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].1.ends_with("`0` is not greater than 0"), "{found:?}");
    }

    #[test]
    fn parameters_and_forms_may_write_scalars_as_text() {
        let found = messages(
            "paths:\n  /a:\n    get:\n      parameters:\n        - {name: on, in: query, schema: {type: boolean}, example: 'true'}\n        - {name: n, in: query, schema: {type: integer}, example: 'many'}\n      responses:\n        '200':\n          content:\n            application/json:\n              schema: {type: boolean}\n              example: 'true'\n",
        );
        let pointers: Vec<&str> = found.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(pointers, ["/paths/~1a/get/parameters/1/example", "/paths/~1a/get/responses/200/content/application~1json/example"]);
    }

    #[test]
    fn combinators_need_a_fitting_branch() {
        let found = messages(
            "components:\n  schemas:\n    U:\n      oneOf: [{type: string}, {type: integer}]\n      example: true\n    A:\n      allOf: [{required: [x]}, {properties: {x: {type: string}}}]\n      example: {x: 1}\n",
        );
        let messages: Vec<&str> = found.iter().map(|(_, m)| m.as_str()).collect();
        assert_eq!(
            messages,
            [
                "example does not fit its schema: `true` fits none of the `oneOf` schemas",
                "example does not fit its schema: `x`: expected a string, found an integer"
            ]
        );
    }
}
