//! Operations a server cannot route: OpenAPI calls two templated paths that
//! differ only in their parameters' names identical and forbids them, yet real
//! documents have them (`/{Version}/{Phone-Number-ID}` beside
//! `/{Version}/{WABA-ID}`). With the same method, both are one route to a
//! router, which refuses the second when it is built. The one reading that
//! keeps every operation callable: the server routes the first and the client
//! calls both, with a warning.

use super::Operation;
use crate::diagnostic::Code;
use crate::error::Warning;
use crate::load::Source;

/// Marks each operation whose method and route an earlier operation already has
/// ([`Operation::route_taken_by`]), with a warning at it.
pub(super) fn mark_unroutable(operations: &mut [Operation], warnings: &mut Vec<Warning>, source: &Source) {
    let mut routed: std::collections::HashMap<(String, String), usize> = std::collections::HashMap::new();
    for index in 0..operations.len() {
        let op = &operations[index];
        let key = (op.method.as_str().to_owned(), op.route_shape());
        let Some(&first) = routed.get(&key) else {
            routed.insert(key, index);
            continue;
        };
        let first = &operations[first];
        let taken_by = first.id.clone();
        let why = if unnamed(&op.path) == unnamed(&first.path) {
            "paths that differ only in parameter names are identical (OpenAPI forbids them)"
        } else {
            "a router matches them alike (a segment that holds a parameter matches any text)"
        };
        let message = format!(
            "{} {} has the route of `{taken_by}` ({} {}): {why}, so the server routes `{taken_by}` and the client calls both",
            op.method.as_str(),
            op.path,
            first.method.as_str(),
            first.path,
        );
        warnings.push(Warning::new(Code::Lenient, source.location(&op.pointer), message));
        operations[index].route_taken_by = Some(taken_by);
    }
}

/// A path template without its parameters' names: `/a/{}.json`.
fn unnamed(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else { break };
        out.push_str(&rest[..=open]);
        rest = &rest[open + close..];
    }
    out.push_str(rest);
    out
}

impl Operation {
    /// Whether the server's router has a route for the operation.
    pub fn routed(&self) -> bool {
        self.route_taken_by.is_none()
    }

    /// Whether the server's trait has a method for the operation, called by a
    /// handler of its own (the document itself is served without one).
    pub fn handled(&self) -> bool {
        self.routed() && !self.serves_spec
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn templates_are_compared_without_parameter_names() {
        assert_eq!(super::unnamed("/{Version}/{WABA-ID}"), "/{}/{}");
        assert_eq!(super::unnamed("/a/{x}.json"), "/a/{}.json");
        assert_eq!(super::unnamed("/a/b"), "/a/b");
        assert_eq!(super::unnamed("/a/}{x"), "/a/}{x");
    }
}
