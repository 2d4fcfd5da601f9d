//! Local `$ref` resolution, the one resolver of the IR, `diff` and `validate`.
//!
//! A value is always paired with the RFC 6901 pointer where the source writes
//! it ([`Node`]), so that whatever is found through a `$ref` is reported where
//! the referenced thing is written. References are read by
//! [`crate::load::pointer::parse_ref`] (percent-decoding, then the pointer),
//! and looked up with [`lookup`], which also finds keywords that
//! normalisation moved under `x-clawgen-*`: the same pointer resolves in the
//! loaded JSON (`diff`, `validate`) and in the normalised one (the IR).

use serde_json::Value;

use super::EXT;
use crate::diagnostic::Code;
use crate::error::{Error, Location};
use crate::load::Source;
use crate::load::pointer::{RefTarget, escape_segment, parse_ref, pointer_segments};

/// How many `$ref`s in a row are followed: the one bound on depth. A longer
/// chain that does not come back is E0011, one that comes back a cycle.
pub const MAX_REF_CHAIN: usize = crate::depth::MAX_DEPTH;

/// A value of a document and the RFC 6901 pointer where the source writes it.
#[derive(Debug, Clone)]
pub struct Node<'a> {
    /// The value.
    pub value: &'a Value,
    /// Where it lives.
    pub pointer: String,
}

impl<'a> Node<'a> {
    /// The whole document.
    pub fn root(value: &'a Value) -> Self {
        Node { value, pointer: String::new() }
    }

    /// The child under `key`, if this is an object that has one.
    pub fn child(&self, key: &str) -> Option<Node<'a>> {
        self.value.get(key).map(|value| Node { value, pointer: format!("{}/{}", self.pointer, escape_segment(key)) })
    }

    /// The entries of this object (or none), each as a node.
    pub fn entries(&self) -> Vec<(&'a str, Node<'a>)> {
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
    pub fn items(&self) -> Vec<Node<'a>> {
        let value: &'a Value = self.value;
        match value {
            Value::Array(items) => {
                items.iter().enumerate().map(|(index, value)| Node { value, pointer: format!("{}/{index}", self.pointer) }).collect()
            }
            _ => Vec::new(),
        }
    }

    /// The `$ref` of this object, if it has one.
    pub fn reference(&self) -> Option<&'a str> {
        let value: &'a Value = self.value;
        value.get("$ref").and_then(Value::as_str)
    }
}

/// Why a `$ref` does not lead to a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefProblem {
    /// It names nothing in the document.
    Dangling,
    /// It is part of a chain of references that never ends.
    Cycle,
    /// It starts a chain of more than [`MAX_REF_CHAIN`] references.
    TooLong,
    /// It names another document or a plain-name anchor, which this resolver does not read.
    NotLocal,
}

/// A `$ref` that does not resolve, and where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolved {
    /// The reference as written.
    pub reference: String,
    /// The pointer of the object that holds the `$ref`.
    pub at: String,
    /// What is wrong with it.
    pub problem: RefProblem,
}

impl Unresolved {
    /// What is wrong, in one line.
    pub fn message(&self) -> String {
        let reference = &self.reference;
        match self.problem {
            RefProblem::Dangling => format!("$ref {reference} points at nothing"),
            RefProblem::Cycle => format!("$ref {reference} is part of a cycle of references"),
            RefProblem::TooLong => {
                format!("$ref {reference} starts a chain of more than {MAX_REF_CHAIN} `$ref`s, the most clawgen follows")
            }
            RefProblem::NotLocal => format!("$ref {reference} points outside the document"),
        }
    }

    /// The stable code of the problem.
    pub fn code(&self) -> Code {
        match self.problem {
            RefProblem::Dangling => Code::UnresolvedRef,
            RefProblem::Cycle | RefProblem::NotLocal => Code::Invalid,
            RefProblem::TooLong => Code::TooDeep,
        }
    }

    /// As an error located in `source`.
    pub fn into_error(self, source: &Source) -> Error {
        Error::Invalid { code: self.code(), message: self.message(), location: source.location(&self.at) }
    }

    /// As an error located in the file at `file`, without a line.
    pub fn into_error_in(self, file: &std::path::Path) -> Error {
        Error::Invalid {
            code: self.code(),
            message: self.message(),
            location: Location { file: file.to_path_buf(), pointer: self.at, line_col: None },
        }
    }
}

/// The node at `pointer` (a pointer into the source). A segment that
/// normalisation stashed (`$defs` as `x-clawgen-$defs`) is found under its new key.
pub fn lookup<'a>(root: &'a Value, pointer: &str) -> Option<Node<'a>> {
    let mut value = root;
    for segment in pointer_segments(pointer) {
        value = match value {
            Value::Object(map) => map.get(&segment).or_else(|| map.get(&format!("{EXT}{segment}")))?,
            Value::Array(items) => items.get(array_index(&segment)?)?,
            _ => return None,
        };
    }
    Some(Node { value, pointer: pointer.to_owned() })
}

/// An array index as RFC 6901 writes it: digits, without leading zeros.
fn array_index(segment: &str) -> Option<usize> {
    let digits = !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit());
    (digits && (segment == "0" || !segment.starts_with('0'))).then(|| segment.parse().ok()).flatten()
}

/// The node one `$ref` names, `at` being where the `$ref` is written.
pub fn target<'a>(root: &'a Value, reference: &str, at: &str) -> Result<Node<'a>, Unresolved> {
    let unresolved = |problem| Unresolved { reference: reference.to_owned(), at: at.to_owned(), problem };
    match parse_ref(reference) {
        RefTarget::Local(pointer) => lookup(root, &pointer).ok_or_else(|| unresolved(RefProblem::Dangling)),
        RefTarget::Anchor(_) | RefTarget::External { .. } => Err(unresolved(RefProblem::NotLocal)),
    }
}

/// Follows `$ref`s from `node` to a value that has none.
///
/// Returns the nodes that held a `$ref` (outermost first, whose sibling
/// keywords may refine the target) and the target itself.
pub fn follow<'a>(root: &'a Value, node: Node<'a>) -> Result<(Vec<Node<'a>>, Node<'a>), Unresolved> {
    let mut hops: Vec<Node<'a>> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut current = node;
    while let Some(reference) = current.reference() {
        if !seen.insert(current.pointer.clone()) {
            return Err(Unresolved { reference: reference.to_owned(), at: current.pointer, problem: RefProblem::Cycle });
        }
        if hops.len() >= MAX_REF_CHAIN {
            let start = hops.swap_remove(0);
            let reference = start.reference().unwrap_or(reference).to_owned();
            return Err(Unresolved { reference, at: start.pointer, problem: RefProblem::TooLong });
        }
        let next = target(root, reference, &current.pointer)?;
        hops.push(current);
        current = next;
    }
    Ok((hops, current))
}

/// Follows `$ref`s from `node` and returns the target alone.
pub fn resolve<'a>(root: &'a Value, node: Node<'a>) -> Result<Node<'a>, Unresolved> {
    follow(root, node).map(|(_, target)| target)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn follows_chains_and_keeps_the_hops() {
        let root = json!({"a": {"$ref": "#/b", "description": "x"}, "b": {"$ref": "#/c"}, "c": {"type": "string"}});
        let (hops, target) = follow(&root, lookup(&root, "/a").unwrap()).unwrap();
        assert_eq!(target.pointer, "/c");
        assert_eq!(hops.iter().map(|h| h.pointer.as_str()).collect::<Vec<_>>(), ["/a", "/b"]);
    }

    #[test]
    fn a_long_chain_is_followed_to_the_bound_and_refused_beyond_it() {
        let chain = |length: usize| {
            let mut root = serde_json::Map::new();
            for i in 0..length {
                root.insert(format!("a{i}"), json!({"$ref": format!("#/a{}", i + 1)}));
            }
            root.insert(format!("a{length}"), json!({"type": "string"}));
            Value::Object(root)
        };
        let within = chain(MAX_REF_CHAIN);
        assert!(resolve(&within, lookup(&within, "/a0").unwrap()).is_ok());
        let beyond = chain(MAX_REF_CHAIN + 1);
        let problem = resolve(&beyond, lookup(&beyond, "/a0").unwrap()).unwrap_err();
        assert_eq!((problem.problem.clone(), problem.at.as_str(), problem.code()), (RefProblem::TooLong, "/a0", Code::TooDeep));
    }

    #[test]
    fn cycles_dangling_and_foreign_references_are_told_apart() {
        let root = json!({"a": {"$ref": "#/b"}, "b": {"$ref": "#/a"}, "c": {"$ref": "#/nowhere"}, "d": {"$ref": "x.yaml#/a"}});
        let problem = |at: &str| resolve(&root, lookup(&root, at).unwrap()).unwrap_err();
        assert_eq!(problem("/a").problem, RefProblem::Cycle);
        let dangling = problem("/c");
        assert_eq!((dangling.problem.clone(), dangling.at.as_str()), (RefProblem::Dangling, "/c"));
        assert_eq!(dangling.message(), "$ref #/nowhere points at nothing");
        assert_eq!(dangling.code(), Code::UnresolvedRef);
        assert_eq!(problem("/d").problem, RefProblem::NotLocal);
    }

    #[test]
    fn percent_encoded_and_escaped_pointers_resolve() {
        let root = json!({"paths": {"/a/{id}": {"post": {"requestBody": {"description": "b"}}}}});
        let found = target(&root, "#/paths/~1a~1%7Bid%7D/post/requestBody", "").unwrap();
        assert_eq!(found.value, &json!({"description": "b"}));
        assert_eq!(found.pointer, "/paths/~1a~1{id}/post/requestBody");
    }

    #[test]
    fn stashed_keywords_are_found_under_their_source_names() {
        let root =
            json!({"components": {"schemas": {"A": {"x-clawgen-$defs": {"B": {"type": "string"}}}}}, "x-clawgen-webhooks": {"w": {}}});
        assert_eq!(lookup(&root, "/components/schemas/A/$defs/B").unwrap().value, &json!({"type": "string"}));
        assert!(lookup(&root, "/webhooks/w").is_some());
        assert!(lookup(&root, "/components/schemas/A/$defs/C").is_none());
        assert!(lookup(&json!({"a": [1]}), "/a/00").is_none(), "leading zeros are not an index");
    }
}
