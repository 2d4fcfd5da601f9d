//! What the checks share: resolving local `$ref`s and telling structure from data.

use serde_json::Value;

use crate::load::bundle::MAPS;

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

/// The JSON pointer a local `$ref` (`#/components/schemas/A%20B`) names, or `None` for other references.
pub(super) fn local_pointer(reference: &str) -> Option<String> {
    let fragment = reference.strip_prefix('#')?;
    // A plain-name fragment (`#anchor`) is not a pointer.
    if !fragment.is_empty() && !fragment.starts_with('/') {
        return None;
    }
    Some(percent_decode(fragment))
}

/// Follows local `$ref`s from `value` (found at `pointer`) to what they finally name.
pub(super) fn resolve<'v>(root: &'v Value, value: &'v Value, pointer: &str) -> Option<(&'v Value, String)> {
    let (mut value, mut pointer) = (value, pointer.to_owned());
    for _ in 0..32 {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else { return Some((value, pointer)) };
        pointer = local_pointer(reference)?;
        value = root.pointer(&pointer)?;
    }
    None
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let hex = bytes.get(at + 1..at + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[at], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                at += 3;
            }
            (byte, _) => {
                out.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn local_refs_become_pointers() {
        assert_eq!(local_pointer("#/components/schemas/A%20B").as_deref(), Some("/components/schemas/A B"));
        assert_eq!(local_pointer("#").as_deref(), Some(""));
        assert_eq!(local_pointer("#anchor"), None);
        assert_eq!(local_pointer("other.yaml#/a"), None);
    }

    #[test]
    fn resolves_chains_and_stops_at_cycles() {
        let root = json!({"a": {"$ref": "#/b"}, "b": {"$ref": "#/c"}, "c": {"type": "string"}, "x": {"$ref": "#/x"}});
        let (value, pointer) = resolve(&root, &root["a"], "/a").unwrap();
        assert_eq!((value, pointer.as_str()), (&json!({"type": "string"}), "/c"));
        assert!(resolve(&root, &root["x"], "/x").is_none());
    }
}
