//! Local `$ref` resolution over one loaded document.
//!
//! The diff works on the bundled JSON, where every `$ref` that is left points
//! into the same document. A value is always paired with the pointer where it
//! lives, so that a change found through a `$ref` is reported where the
//! referenced schema is written.

use serde_json::Value;

use crate::error::{Error, Result};
use crate::load::{Source, escape_segment};

/// How many `$ref`s in a row are followed before a chain counts as a cycle.
const MAX_REF_CHAIN: usize = 64;

/// One side of a comparison.
#[derive(Clone, Copy)]
pub(super) struct Doc<'a> {
    /// Where the document came from, for locations.
    pub(super) source: &'a Source,
}

/// A value of a document and the RFC 6901 pointer where it lives.
#[derive(Debug, Clone)]
pub(super) struct Node<'a> {
    /// The value.
    pub(super) value: &'a Value,
    /// Where it lives.
    pub(super) pointer: String,
}

impl<'a> Node<'a> {
    /// The child under `key`, if this is an object that has one.
    pub(super) fn child(&self, key: &str) -> Option<Node<'a>> {
        self.value.get(key).map(|value| Node { value, pointer: format!("{}/{}", self.pointer, escape_segment(key)) })
    }

    /// The entries of this object (or none), each as a node.
    pub(super) fn entries(&self) -> Vec<(&'a str, Node<'a>)> {
        let value: &'a Value = self.value;
        match value {
            Value::Object(map) => map
                .iter()
                .map(|(key, value)| (key.as_str(), Node { value, pointer: format!("{}/{}", self.pointer, escape_segment(key)) }))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The items of this array (or none), each as a node.
    pub(super) fn items(&self) -> Vec<Node<'a>> {
        let value: &'a Value = self.value;
        match value {
            Value::Array(items) => {
                items.iter().enumerate().map(|(index, value)| Node { value, pointer: format!("{}/{index}", self.pointer) }).collect()
            }
            _ => Vec::new(),
        }
    }

    /// The `$ref` of this object, if it has one.
    pub(super) fn reference(&self) -> Option<&'a str> {
        let value: &'a Value = self.value;
        value.get("$ref").and_then(Value::as_str)
    }
}

impl<'a> Doc<'a> {
    /// The whole document.
    pub(super) fn root(&self) -> Node<'a> {
        Node { value: &self.source.value, pointer: String::new() }
    }

    /// The node at `pointer`, if there is one.
    pub(super) fn at(&self, pointer: &str) -> Option<Node<'a>> {
        self.source.value.pointer(pointer).map(|value| Node { value, pointer: pointer.to_owned() })
    }

    /// Follows `$ref`s from `node` to a value that has none.
    ///
    /// Returns the nodes that held a `$ref` (outermost first, whose sibling
    /// keywords may refine the target) and the target itself.
    pub(super) fn follow(&self, node: Node<'a>) -> Result<(Vec<Node<'a>>, Node<'a>)> {
        let mut hops = Vec::new();
        let mut current = node;
        while let Some(reference) = current.reference() {
            if hops.len() >= MAX_REF_CHAIN || hops.iter().any(|hop: &Node<'_>| hop.pointer == current.pointer) {
                return Err(self.invalid(&current.pointer, format!("$ref {reference} is part of a cycle of references")));
            }
            let Some(target) = reference.strip_prefix('#') else {
                return Err(self.invalid(&current.pointer, format!("$ref {reference} points outside the document")));
            };
            let target_pointer = percent_decode(target);
            let Some(target) = self.at(&target_pointer) else {
                return Err(self.invalid(&current.pointer, format!("$ref {reference} points at nothing")));
            };
            hops.push(current);
            current = target;
        }
        Ok((hops, current))
    }

    /// Follows `$ref`s from `node` and returns the target alone.
    pub(super) fn resolve(&self, node: Node<'a>) -> Result<Node<'a>> {
        self.follow(node).map(|(_, target)| target)
    }

    /// Checks that every local `$ref` of the document points at something, so that a
    /// dangling one is an error even where the comparison never looks.
    pub(super) fn check_references(&self) -> Result<()> {
        let mut pending = vec![self.root()];
        while let Some(node) = pending.pop() {
            if node.reference().is_some() {
                self.follow(node.clone())?;
            }
            match node.value {
                Value::Object(_) => pending.extend(node.entries().into_iter().filter(|(key, _)| !is_data(key)).map(|(_, child)| child)),
                Value::Array(_) => pending.extend(node.items()),
                _ => {}
            }
        }
        Ok(())
    }

    fn invalid(&self, pointer: &str, message: String) -> Error {
        Error::Invalid { location: self.source.location(pointer), message }
    }
}

/// Keys whose values are data or documentation, where a `$ref` is not a reference:
/// extensions (code samples), examples, defaults and enumerated values.
fn is_data(key: &str) -> bool {
    key.starts_with("x-") || matches!(key, "example" | "examples" | "default" | "const" | "enum")
}

/// Decodes `%XX` escapes, which `$ref` fragments may use (`%7B` for `{`).
fn percent_decode(text: &str) -> String {
    if !text.contains('%') {
        return text.to_owned();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex =
            bytes.get(index + 1..index + 3).and_then(|pair| std::str::from_utf8(pair).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[index], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                index += 3;
            }
            (byte, _) => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn source(json: &str) -> Source {
        Source::parse(Path::new("doc.json"), json.to_owned()).unwrap()
    }

    #[test]
    fn follows_chains_and_keeps_the_hops() {
        let source = source(r##"{"a": {"$ref": "#/b", "description": "x"}, "b": {"$ref": "#/c"}, "c": {"type": "string"}}"##);
        let doc = Doc { source: &source };
        let (hops, target) = doc.follow(doc.at("/a").unwrap()).unwrap();
        assert_eq!(target.pointer, "/c");
        assert_eq!(hops.iter().map(|h| h.pointer.as_str()).collect::<Vec<_>>(), ["/a", "/b"]);
    }

    #[test]
    fn reference_cycles_and_dangling_references_are_errors() {
        let source = source(r##"{"a": {"$ref": "#/b"}, "b": {"$ref": "#/a"}, "c": {"$ref": "#/nowhere"}}"##);
        let doc = Doc { source: &source };
        let cycle = doc.resolve(doc.at("/a").unwrap()).unwrap_err().to_string();
        assert!(cycle.contains("cycle"), "{cycle}");
        let dangling = doc.resolve(doc.at("/c").unwrap()).unwrap_err().to_string();
        assert!(dangling.contains("points at nothing") && dangling.contains("doc.json"), "{dangling}");
    }

    #[test]
    fn every_reference_is_checked_but_not_inside_data() {
        let dangling = source(r##"{"a": {"b": [{"$ref": "#/missing"}]}}"##);
        let err = Doc { source: &dangling }.check_references().unwrap_err().to_string();
        assert!(err.contains("/a/b/0") && err.contains("points at nothing"), "{err}");
        let data = source(r##"{"x-samples": {"$ref": "#/missing"}, "example": {"$ref": "nope"}, "c": {"$ref": "#/d"}, "d": {}}"##);
        Doc { source: &data }.check_references().unwrap();
    }

    #[test]
    fn percent_escapes_in_fragments_are_decoded() {
        assert_eq!(percent_decode("/paths/~1a~1%7Bid%7D"), "/paths/~1a~1{id}");
    }
}
