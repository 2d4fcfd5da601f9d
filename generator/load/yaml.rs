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
pub(super) fn parse(text: &str) -> Result<Value, (String, Option<(usize, usize)>)> {
    let JsonValue(value) = serde_yaml::from_str(text).map_err(|err| {
        let line_col = err.location().map(|at| (at.line(), at.column()));
        (err.to_string(), line_col)
    })?;
    Ok(value)
}

struct JsonValue(Value);

impl<'de> Deserialize<'de> for JsonValue {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
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
mod tests {
    use serde_json::json;

    #[test]
    fn reads_what_json_values_can_hold() {
        let value = super::parse("200: {a: [1, -2, 1.5, true, null]}\nbig: -9223372036854776000\n").unwrap();
        assert_eq!(value["200"], json!({"a": [1, -2, 1.5, true, null]}));
        assert_eq!(value["big"].as_f64(), Some(-9.223_372_036_854_776e18));
    }
}
