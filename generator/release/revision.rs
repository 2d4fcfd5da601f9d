//! Revisions of the Rust API clawgen generates, for changes of clawgen itself
//! (not of the document) that break code written against a generated crate.
//!
//! A generated `Cargo.toml` records the revision it follows
//! (`[package.metadata.clawgen] rust-api = N`). Regenerating a crate that
//! records an older one is breaking for the Rust API, like a breaking change
//! of the document: `generate` refuses it under the same major version unless
//! given `--allow-breaking`, and the changelog entry lists what changed.

use std::path::Path;

use crate::error::{Error, Result};

/// The revision this clawgen generates.
pub const CURRENT: u32 = 2;

/// The revision of a crate whose manifest records none (generated before revisions were recorded).
const UNRECORDED: u32 = 1;

/// What each revision after the first changed, oldest first.
const CHANGES: &[(u32, &str)] = &[(
    2,
    "Documented error bodies are `ErrorBody<T>` (`Decoded(T)`, or the bytes and content type of a body that does \
     not decode), and every declared response header of an error or success variant is an `Option`: the client \
     reads a documented status into its variant whatever came. Build errors with `body.into()` and `Some(header)`; \
     match `Variant(ErrorBody::Decoded(body))`. `RateLimit::from_lookup` and `RateLimit::headers` take the \
     crate's `rate_limit::HEADERS`; the rate-limit, webhook, auth and `DomainError` items are the runtime's, \
     re-exported at their old paths.",
)];

/// The revisions between a crate's and this clawgen's, with what each changed.
pub(super) fn changes_since(recorded: u32) -> Vec<(u32, &'static str)> {
    CHANGES.iter().filter(|(revision, _)| *revision > recorded && *revision <= CURRENT).copied().collect()
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
        assert_eq!(changes_since(UNRECORDED).iter().map(|(r, _)| *r).collect::<Vec<_>>(), [2]);
        assert!(changes_since(CURRENT).is_empty());
        assert!(CHANGES.iter().all(|(revision, _)| *revision > UNRECORDED && *revision <= CURRENT));
    }
}
