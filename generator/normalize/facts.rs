//! What a schema says about its values, read once for every reader.
//!
//! The IR, `diff` and `validate` must agree on what a schema accepts.
//! [`SchemaFacts`] reads the keywords they used to read three ways, from the
//! JSON as written, in either dialect:
//!
//! - **bounds**: 3.0's `minimum` + boolean `exclusiveMinimum` and 3.1's numeric
//!   `exclusiveMinimum`; where both a `minimum` and a numeric `exclusiveMinimum`
//!   are written, both apply, so the tighter one is the bound, exclusive where
//!   the exclusive one is tighter or equal (the same for the maximum);
//! - **nullability**: 3.0's `nullable: true`, `"null"` in a 3.1 `type` list, and
//!   a `oneOf`/`anyOf` alternative that only accepts `null` ([`is_null_schema`]).
//!
//! Normalisation rewrites bounds and `type` lists with these readings before
//! `openapiv3` sees the document, so the IR reads the same facts through it.

use serde_json::{Map, Value};

/// A numeric bound.
#[derive(Debug, Clone, PartialEq)]
pub struct Bound {
    /// The limit.
    pub value: f64,
    /// Whether the limit itself is excluded.
    pub exclusive: bool,
    /// The limit as the document writes it, for messages and for rewriting.
    pub number: serde_json::Number,
}

impl Bound {
    /// `>= 1`, `> 1`, `<= 1` or `< 1`.
    pub fn describe(&self, lower: bool) -> String {
        let op = match (lower, self.exclusive) {
            (true, false) => ">=",
            (true, true) => ">",
            (false, false) => "<=",
            (false, true) => "<",
        };
        format!("{op} {}", self.number)
    }

    /// Whether `value` is within this bound (`lower` tells which side it is).
    pub fn admits(&self, value: f64, lower: bool) -> bool {
        match (lower, self.exclusive) {
            (true, false) => value >= self.value,
            (true, true) => value > self.value,
            (false, false) => value <= self.value,
            (false, true) => value < self.value,
        }
    }

    /// Whether this bound admits fewer values than `other`.
    pub fn tighter_than(&self, other: &Bound, lower: bool) -> bool {
        if self.value == other.value {
            return self.exclusive && !other.exclusive;
        }
        if lower { self.value > other.value } else { self.value < other.value }
    }
}

/// The facts of one schema object (its own keywords; `$ref`s and `allOf` parts are the reader's to follow).
#[derive(Debug, Clone, Copy)]
pub struct SchemaFacts<'a> {
    map: Option<&'a Map<String, Value>>,
}

impl<'a> SchemaFacts<'a> {
    /// The facts of `schema` (a boolean schema has none).
    pub fn of(schema: &'a Value) -> Self {
        SchemaFacts { map: schema.as_object() }
    }

    /// The facts of a schema object.
    pub fn of_map(map: &'a Map<String, Value>) -> Self {
        SchemaFacts { map: Some(map) }
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.and_then(|map| map.get(key))
    }

    /// The lower numeric bound, in either spelling.
    pub fn minimum(&self) -> Option<Bound> {
        self.bound("minimum", "exclusiveMinimum", true)
    }

    /// The upper numeric bound, in either spelling.
    pub fn maximum(&self) -> Option<Bound> {
        self.bound("maximum", "exclusiveMaximum", false)
    }

    fn bound(&self, inclusive_key: &str, exclusive_key: &str, lower: bool) -> Option<Bound> {
        let number = |v: &Value| match v {
            Value::Number(n) => n.as_f64().map(|value| (value, n.clone())),
            _ => None,
        };
        let inclusive = self.get(inclusive_key).and_then(number);
        let exclusive = self.get(exclusive_key);
        // 3.0: a boolean that makes `minimum` exclusive.
        if let Some(flag) = exclusive.and_then(Value::as_bool) {
            return inclusive.map(|(value, number)| Bound { value, exclusive: flag, number });
        }
        let inclusive = inclusive.map(|(value, number)| Bound { value, exclusive: false, number });
        // 3.1: a number of its own; both bounds apply.
        let exclusive = exclusive.and_then(number).map(|(value, number)| Bound { value, exclusive: true, number });
        match (inclusive, exclusive) {
            (Some(a), Some(b)) => Some(if a.tighter_than(&b, lower) { a } else { b }),
            (a, b) => a.or(b),
        }
    }

    /// The names in `type` (a 3.0 name or a 3.1 list), `null` included; `None` without `type`.
    pub fn types(&self) -> Option<Vec<&'a str>> {
        match self.get("type")? {
            Value::String(single) => Some(vec![single.as_str()]),
            Value::Array(list) => Some(list.iter().filter_map(Value::as_str).collect()),
            _ => None,
        }
    }

    /// Whether the schema's own keywords accept `null`: `nullable: true` (3.0) or
    /// `"null"` in its `type` list (3.1). A `nullable` beside a `$ref` or an
    /// `allOf` makes the reference nullable, as every reader takes it.
    pub fn nullable(&self) -> bool {
        self.get("nullable").and_then(Value::as_bool) == Some(true) || self.types().is_some_and(|types| types.contains(&"null"))
    }

    /// Whether the schema accepts `null` only (see [`is_null_schema`]).
    pub fn is_null(&self) -> bool {
        let only_null_type = self.types().is_some_and(|types| !types.is_empty() && types.iter().all(|t| *t == "null"));
        let only_null_value = self.get("const").is_some_and(Value::is_null)
            || self.get("enum").and_then(Value::as_array).is_some_and(|values| !values.is_empty() && values.iter().all(Value::is_null));
        // `{type: string, enum: [null]}` accepts nothing, not `null`.
        only_null_type || (only_null_value && (self.types().is_none() || self.nullable()))
    }

    /// Whether one of the `oneOf`/`anyOf` alternatives written here is a [`is_null_schema`].
    pub fn has_null_alternative(&self) -> bool {
        ["oneOf", "anyOf"].iter().filter_map(|key| self.get(key).and_then(Value::as_array)).flatten().any(is_null_schema)
    }
}

/// A schema that accepts `null` only: `{type: "null"}`, `{type: ["null"]}`, `{enum: [null]}` or `{const: null}`.
pub fn is_null_schema(value: &Value) -> bool {
    SchemaFacts::of(value).is_null()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn min(schema: Value) -> Option<(f64, bool)> {
        SchemaFacts::of(&schema).minimum().map(|b| (b.value, b.exclusive))
    }

    fn max(schema: Value) -> Option<(f64, bool)> {
        SchemaFacts::of(&schema).maximum().map(|b| (b.value, b.exclusive))
    }

    #[test]
    fn both_bounds_apply_and_the_tighter_one_wins() {
        assert_eq!(min(json!({"minimum": 1, "exclusiveMinimum": true})), Some((1.0, true)));
        assert_eq!(min(json!({"exclusiveMinimum": 1})), Some((1.0, true)));
        assert_eq!(min(json!({"minimum": 5, "exclusiveMinimum": 0})), Some((5.0, false)));
        assert_eq!(min(json!({"minimum": 0, "exclusiveMinimum": 5})), Some((5.0, true)));
        assert_eq!(min(json!({"minimum": 3, "exclusiveMinimum": 3})), Some((3.0, true)), "equal: exclusive");
        assert_eq!(max(json!({"maximum": 10, "exclusiveMaximum": 20})), Some((10.0, false)));
        assert_eq!(max(json!({"maximum": 10, "exclusiveMaximum": 10})), Some((10.0, true)));
        assert_eq!(min(json!({"minimum": 1, "exclusiveMinimum": false})), Some((1.0, false)));
        assert_eq!(min(json!({"exclusiveMinimum": true})), None);
    }

    #[test]
    fn nullable_spellings() {
        assert!(SchemaFacts::of(&json!({"type": "string", "nullable": true})).nullable());
        assert!(SchemaFacts::of(&json!({"type": ["string", "null"]})).nullable());
        assert!(!SchemaFacts::of(&json!({"type": "string"})).nullable());
        assert!(SchemaFacts::of(&json!({"oneOf": [{"type": "string"}, {"type": "null"}]})).has_null_alternative());
        assert!(is_null_schema(&json!({"const": null})));
        assert!(!is_null_schema(&json!({"enum": ["a", null]})));
    }
}
