//! Revisions of the Rust API clawgen generates, for changes of clawgen itself
//! (not of the document) that break code written against a generated crate.
//!
//! A generated `Cargo.toml` records the revision it follows
//! (`[package.metadata.clawgen] rust-api = N`). Regenerating a crate that
//! records an older one is breaking for the Rust API, like a breaking change
//! of the document: `generate` refuses it under the same major version unless
//! given `--allow-breaking`, and the changelog entry lists what changed.

use std::path::Path;

use crate::Statistics;
use crate::error::{Error, Result};

/// The revision this clawgen generates.
pub const CURRENT: u32 = 4;

/// The revision of a crate whose manifest records none (generated before revisions were recorded).
const UNRECORDED: u32 = 1;

/// One revision of the generated Rust API.
struct Revision {
    /// Its number, as manifests record it.
    number: u32,
    /// What it changed, for the changelog.
    changed: &'static str,
    /// Whether it changed the API of a crate of these statistics: a revision that
    /// changes one kind of item leaves the crates without any alone.
    affects: fn(&Statistics) -> bool,
}

/// Each revision after the first, oldest first.
const CHANGES: &[Revision] = &[
    Revision {
        number: 2,
        changed: "Documented error bodies are `ErrorBody<T>` (`Decoded(T)`, or the bytes and content type of a body that does \
     not decode), and every declared response header of an error or success variant is an `Option`: the client \
     reads a documented status into its variant whatever came. Build errors with `body.into()` and `Some(header)`; \
     match `Variant(ErrorBody::Decoded(body))`. `RateLimit::from_lookup` and `RateLimit::headers` take the \
     crate's `rate_limit::HEADERS`; the rate-limit, webhook, auth and `DomainError` items are the runtime's, \
     re-exported at their old paths.",
        affects: |_| true,
    },
    Revision {
        number: 3,
        changed: "A request body whose media types differ in schema, or cannot share a type, is an enum of its forms \
         (`<Operation>Body`, a variant per form, e.g. `Json(T)`, `Multipart(U)`) in the client's and the server's \
         signatures, where it was the first media type's type: wrap the value in the variant of the media type \
         to send, and match the variant the server hands you.",
        affects: |statistics| statistics.bodies_of_several_forms > 0,
    },
    Revision {
        number: 4,
        changed: "A crate generated without its server has no server-side error mapping any more: \
         `<Operation>Error::documented`, `From<E: DomainError>` for the error enums, `errors::DomainError`, \
         `errors::common_error` and `errors::common_error_body` are generated with the server only, where they \
         answer refusals and map the implementation's errors. Build an error with its variant instead.",
        affects: |statistics| statistics.without_server,
    },
];

/// The revisions between a crate's and this clawgen's that change the API of a
/// crate of these statistics, with what each changed.
pub(super) fn changes_since(recorded: u32, statistics: &Statistics) -> Vec<(u32, &'static str)> {
    CHANGES
        .iter()
        .filter(|revision| revision.number > recorded && revision.number <= CURRENT && (revision.affects)(statistics))
        .map(|revision| (revision.number, revision.changed))
        .collect()
}

/// The revision the crate's `Cargo.toml` records, if the crate has a manifest.
pub(super) fn recorded(dir: &Path) -> Result<Option<u32>> {
    let path = dir.join("Cargo.toml");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(Error::Io { path, source }),
    };
    Ok(Some(of_manifest(&text)))
}

/// The revision a manifest records; one that records none, or that does not parse, is the first.
fn of_manifest(text: &str) -> u32 {
    let Ok(manifest) = text.parse::<toml::Table>() else { return UNRECORDED };
    let revision = manifest
        .get("package")
        .and_then(|package| package.get("metadata"))
        .and_then(|metadata| metadata.get("clawgen"))
        .and_then(|clawgen| clawgen.get("rust-api"))
        .and_then(toml::Value::as_integer);
    revision.and_then(|n| u32::try_from(n).ok()).unwrap_or(UNRECORDED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_record_their_revision() {
        assert_eq!(of_manifest("[package]\nname = \"x\"\n\n[package.metadata.clawgen]\nrust-api = 2\n"), 2);
        assert_eq!(of_manifest("[package]\nname = \"x\"\n"), UNRECORDED);
        assert_eq!(of_manifest("not toml ["), UNRECORDED);
    }

    #[test]
    fn changes_are_listed_from_the_recorded_revision_on() {
        let plain = Statistics::default();
        let forms = Statistics { bodies_of_several_forms: 1, ..Statistics::default() };
        let revisions = |recorded, statistics| changes_since(recorded, statistics).iter().map(|(r, _)| *r).collect::<Vec<_>>();
        assert_eq!(revisions(UNRECORDED, &forms), [2, 3]);
        // Revision 3 changed only bodies of several forms: a crate without one is not broken by it.
        assert_eq!(revisions(UNRECORDED, &plain), [2]);
        assert!(revisions(2, &plain).is_empty());
        assert_eq!(revisions(2, &forms), [3]);
        assert!(changes_since(CURRENT, &forms).is_empty());
        // Revision 4 changed only crates without a server.
        let client_only = Statistics { without_server: true, ..Statistics::default() };
        assert_eq!(revisions(3, &client_only), [4]);
        assert!(revisions(3, &forms).is_empty());
        assert!(CHANGES.iter().all(|revision| revision.number > UNRECORDED && revision.number <= CURRENT));
    }
}
