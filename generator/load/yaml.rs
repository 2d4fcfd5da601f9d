//! The only module that touches `serde_yaml`, which is deprecated upstream:
//! swapping the YAML parser means changing this file alone.

use serde_json::{Map, Number, Value};
use serde_yaml::Value as Yaml;

/// Parses YAML text into a JSON value, or returns the parser's message and position.
pub(super) fn parse(text: &str) -> Result<Value, (String, Option<(usize, usize)>)> {
    let yaml: Yaml = serde_yaml::from_str(text).map_err(|err| {
        let line_col = err.location().map(|at| (at.line(), at.column()));
        (err.to_string(), line_col)
    })?;
    to_json(yaml)
}

fn to_json(yaml: Yaml) -> Result<Value, (String, Option<(usize, usize)>)> {
    Ok(match yaml {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(b),
        Yaml::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Number(i.into())
            } else if let Some(u) = n.as_u64() {
                Value::Number(u.into())
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                Number::from_f64(f).map(Value::Number).ok_or_else(|| (format!("the number {n} has no JSON equivalent"), None))?
            }
        }
        Yaml::String(s) => Value::String(s),
        Yaml::Sequence(items) => Value::Array(items.into_iter().map(to_json).collect::<Result<_, _>>()?),
        Yaml::Mapping(entries) => {
            let mut map = Map::with_capacity(entries.len());
            for (key, value) in entries {
                map.insert(key_string(key)?, to_json(value)?);
            }
            Value::Object(map)
        }
        // Tags (`!foo`) mean nothing in OpenAPI; keep the tagged value.
        Yaml::Tagged(tagged) => to_json(tagged.value)?,
    })
}

/// JSON keys are strings; YAML lets `200:` or `true:` be keys, which OpenAPI means as text.
fn key_string(key: Yaml) -> Result<String, (String, Option<(usize, usize)>)> {
    match key {
        Yaml::String(s) => Ok(s),
        Yaml::Number(n) => Ok(n.to_string()),
        Yaml::Bool(b) => Ok(b.to_string()),
        Yaml::Null => Ok("null".to_owned()),
        other => Err((format!("a mapping key must be a scalar, found {other:?}"), None)),
    }
}
