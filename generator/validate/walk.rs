//! What the checks share: resolving local `$ref`s and telling structure from data.

use serde_json::Value;

use crate::load::bundle::MAPS;
use crate::normalize::resolve::Node;

/// Keys whose values are instance data (examples, defaults), never structure to check.
const DATA_KEYS: &[&str] = &["example", "default", "enum", "const", "value"];

/// Whether the object under `key` maps names to things (`properties`, `schemas`…),
/// so that its keys are names rather than keywords.
pub(super) fn is_names_map(key: Option<&str>) -> bool {
    key.is_some_and(|key| MAPS.contains(&key))
}

/// Whether the child `key` of a (non-names) object is data or an extension, and so not walked.
pub(super) fn is_data(key: &str, value: &Value) -> bool {
    key.starts_with("x-") || DATA_KEYS.contains(&key) || (key == "examples" && value.is_array())
}

/// Follows local `$ref`s from `value` (found at `pointer`) to what they finally name,
/// with the resolver the IR and `diff` use.
pub(super) fn resolve<'v>(root: &'v Value, value: &'v Value, pointer: &str) -> Option<(&'v Value, String)> {
    let target = crate::normalize::resolve::resolve(root, Node { value, pointer: pointer.to_owned() }).ok()?;
    Some((target.value, target.pointer))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn resolves_chains_and_stops_at_cycles() {
        let root = json!({"a": {"$ref": "#/b"}, "b": {"$ref": "#/c%7B"}, "c{": {"type": "string"}, "x": {"$ref": "#/x"}});
        let (value, pointer) = resolve(&root, &root["a"], "/a").unwrap();
        assert_eq!((value, pointer.as_str()), (&json!({"type": "string"}), "/c{"));
        assert!(resolve(&root, &root["x"], "/x").is_none());
    }
}
