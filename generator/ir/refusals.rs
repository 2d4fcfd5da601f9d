//! The refusals a generated router makes on its own, before any operation
//! runs, and the error body it answers them with.
//!
//! An operation's own refusals (missing credentials, a bad parameter) use the
//! responses it documents. What no operation documents (a path no operation
//! has, a method a path does not take, a body too large, of another media type,
//! or an `Accept` no answer satisfies, an operation over the router's time
//! limit) is answered with the document's common error: the JSON body most of
//! its error responses share.

use std::collections::BTreeMap;

use super::{Encoding, Operation, Response, TypeRef};

/// A refusal the router makes for requests that reach no operation, or that
/// no operation could read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RouterRefusal {
    /// No operation has this path.
    UnknownPath,
    /// The path takes other methods.
    MethodNotAllowed,
    /// The `Accept` header excludes every answer of the operation.
    NotAcceptable,
    /// The body is larger than the router's limit.
    BodyTooLarge,
    /// The body is not of the operation's media type.
    UnsupportedMediaType,
    /// The operation took longer than the router's time limit.
    TimedOut,
}

impl RouterRefusal {
    /// The status it is answered with.
    pub fn status(self) -> u16 {
        match self {
            RouterRefusal::UnknownPath => 404,
            RouterRefusal::MethodNotAllowed => 405,
            RouterRefusal::NotAcceptable => 406,
            RouterRefusal::BodyTooLarge => 413,
            RouterRefusal::UnsupportedMediaType => 415,
            // The server was too slow, not the client (408): a 503 tells the
            // client to try again later, as the generated clients' retries do.
            RouterRefusal::TimedOut => 503,
        }
    }
}

/// The error response whose JSON body schema the most error responses share
/// (ties go to the one met first), preferring bodies that carry a message.
pub(super) fn common_error(operations: &[Operation]) -> Option<Response> {
    let mut counts: BTreeMap<String, (usize, usize, &Response)> = BTreeMap::new();
    let candidates = operations.iter().flat_map(|op| &op.errors).filter(|r| r.encoding == Encoding::Json && r.body.is_some());
    for (order, response) in candidates.enumerate() {
        let Some(ty) = &response.body else { continue };
        let key = schema_key(ty);
        let entry = counts.entry(key).or_insert((0, order, response));
        entry.0 += 1;
        // The representative is the first response of this schema that has a message slot.
        if entry.2.message_slot.is_none() && response.message_slot.is_some() {
            entry.2 = response;
        }
    }
    counts
        .into_values()
        .max_by(|a, b| {
            let with_message = |c: &(usize, usize, &Response)| c.2.message_slot.is_some();
            (with_message(a), a.0, std::cmp::Reverse(a.1)).cmp(&(with_message(b), b.0, std::cmp::Reverse(b.1)))
        })
        .map(|(_, _, response)| response.clone())
}

/// A key that is equal for equal schemas.
fn schema_key(ty: &TypeRef) -> String {
    format!("{ty:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_of_the_request_are_client_errors_and_a_time_out_is_the_servers() {
        for refusal in [
            RouterRefusal::UnknownPath,
            RouterRefusal::MethodNotAllowed,
            RouterRefusal::NotAcceptable,
            RouterRefusal::BodyTooLarge,
            RouterRefusal::UnsupportedMediaType,
        ] {
            assert_eq!(refusal.status() / 100, 4, "{refusal:?}");
        }
        assert_eq!(RouterRefusal::TimedOut.status(), 503);
    }
}
