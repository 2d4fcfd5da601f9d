//! JSON text into a JSON value, with the refusals the YAML loader makes too.
//!
//! serde_json's own `Value` keeps the last of two equal keys without a word;
//! this reads through the YAML loader's visitor, which refuses them where
//! they repeat. serde_json's recursion limit (128) is lifted: the loader has
//! already bounded nesting at [`super::MAX_DEPTH`] before any parser runs.

use serde::Deserialize;
use serde_json::Value;

use super::yaml::JsonValue;

/// Parses JSON text, or returns the parser's message and position.
pub(super) fn parse(text: &str) -> Result<Value, (String, Option<(usize, usize)>)> {
    let located = |err: serde_json::Error| (err.to_string(), Some((err.line(), err.column())));
    let mut deserializer = serde_json::Deserializer::from_str(text);
    deserializer.disable_recursion_limit();
    let JsonValue(value) = JsonValue::deserialize(&mut deserializer).map_err(located)?;
    deserializer.end().map_err(located)?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    #[test]
    fn duplicate_keys_are_refused_where_they_repeat() {
        let (message, at) = super::parse("{\"openapi\": \"3.1.0\",\n \"openapi\": \"3.0.0\"}").unwrap_err();
        assert!(message.contains("duplicate key `openapi`"), "{message}");
        assert_eq!(at.map(|(line, _)| line), Some(2));
    }

    #[test]
    fn nesting_beyond_serde_json_s_default_limit_is_read() {
        let deep = format!("{}{}", "[".repeat(300), "]".repeat(300));
        assert!(super::parse(&deep).is_ok());
    }
}
