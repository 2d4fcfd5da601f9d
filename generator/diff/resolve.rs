//! One side of a comparison, and its `$ref`s.
//!
//! The diff works on the bundled JSON, where every `$ref` that is left points
//! into the same document, and resolves them with the resolver the IR and
//! `validate` use ([`crate::normalize::resolve`]). A value is always paired
//! with the pointer where it lives, so that a change found through a `$ref`
//! is reported where the referenced schema is written.

use serde_json::Value;

use crate::error::Result;
use crate::load::Source;
pub(super) use crate::normalize::resolve::Node;
use crate::normalize::resolve::{self, lookup};

/// One side of a comparison.
#[derive(Clone, Copy)]
pub(super) struct Doc<'a> {
    /// Where the document came from, for locations.
    pub(super) source: &'a Source,
}

impl<'a> Doc<'a> {
    /// The whole document.
    pub(super) fn root(&self) -> Node<'a> {
        Node::root(&self.source.value)
    }

    /// The node at `pointer`, if there is one.
    pub(super) fn at(&self, pointer: &str) -> Option<Node<'a>> {
        lookup(&self.source.value, pointer)
    }

    /// Follows `$ref`s from `node` to a value that has none.
    ///
    /// Returns the nodes that held a `$ref` (outermost first, whose sibling
    /// keywords may refine the target) and the target itself.
    pub(super) fn follow(&self, node: Node<'a>) -> Result<(Vec<Node<'a>>, Node<'a>)> {
        resolve::follow(&self.source.value, node).map_err(|unresolved| unresolved.into_error(self.source))
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
}

/// Keys whose values are data or documentation, where a `$ref` is not a reference:
/// extensions (code samples), examples, defaults and enumerated values.
fn is_data(key: &str) -> bool {
    key.starts_with("x-") || matches!(key, "example" | "examples" | "default" | "const" | "enum")
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn source(json: &str) -> Source {
        Source::parse(Path::new("doc.json"), json.to_owned()).unwrap()
    }

    #[test]
    fn reference_errors_are_located_in_the_document() {
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
}
