//! Releases: what a generated crate remembers between generations, and what
//! regenerating it would change.
//!
//! A crate records the document it was generated from as `openapi.json` (the
//! bundled document, pretty-printed in its own key order, so the same input
//! always gives the same bytes). Regenerating compares that record with the
//! new document ([`crate::diff`]): the result decides whether the new
//! generation may replace the crate (a breaking change under the same major
//! version may not, unless the caller allows it) and becomes the newest entry
//! of the crate's `CHANGELOG.md`.
//!
//! The changelog is the one output that depends on what is on disk, so it is
//! computed from it: the existing file plus an entry when the recorded
//! document differs from the new one. Right after a generation the record
//! equals the document, no entry is due, and `clawgen check` expects the file
//! exactly as it is.

mod changelog;
pub mod revision;

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::Generated;
use crate::diff::{self, Report};
use crate::emit::GeneratedFile;
use crate::error::{Error, Result};
use crate::load::Source;

/// The file, inside a generated crate, holding the document it was generated from.
pub const RECORDED_DOCUMENT: &str = "openapi.json";

/// The changelog file inside a generated crate.
pub const CHANGELOG: &str = "CHANGELOG.md";

/// The `openapi.json` of a crate generated from `source`.
pub fn recorded_document(source: &Source) -> GeneratedFile {
    // A JSON value with string keys always serialises.
    let mut contents = serde_json::to_string_pretty(&source.value).unwrap_or_default();
    contents.push('\n');
    GeneratedFile { path: RECORDED_DOCUMENT.to_owned(), contents }
}

/// What regenerating one crate would do, decided before anything is written.
#[derive(Debug, Clone)]
pub struct Release {
    /// The crate's directory.
    pub dir: PathBuf,
    /// Every file of the crate, the changelog included.
    pub files: Vec<GeneratedFile>,
    /// The changes since the recorded document, when there is one and it differs.
    pub changes: Option<Report>,
    /// The revisions of clawgen's generated Rust API since the crate's, with
    /// what each changed (see [`revision`]); empty when it follows this clawgen's.
    pub revisions: Vec<(u32, &'static str)>,
}

impl Release {
    /// Whether the new document breaks the crate's current one, on the wire or in
    /// the generated Rust API; only a new major version (a new directory) may do that.
    pub fn is_breaking(&self) -> bool {
        self.changes.as_ref().is_some_and(|report| report.is_breaking() || report.breaks_rust_api()) || !self.revisions.is_empty()
    }
}

/// Prepares the generation of `generated` (from `source`) into its directory under `out`.
pub fn prepare(out: &Path, source: &Source, generated: Generated) -> Result<Release> {
    let dir = out.join(&generated.crate_name);
    let recorded_path = dir.join(RECORDED_DOCUMENT);
    let recorded = if recorded_path.is_file() { Some(Source::read(&recorded_path)?) } else { None };
    let changes = match &recorded {
        Some(recorded) if recorded.value != source.value => Some(diff::diff(recorded, source)?),
        _ => None,
    };
    // Like the document, the revision is compared only for a crate that records what it was generated from.
    let revisions = match (&recorded, revision::recorded(&dir)?) {
        (Some(_), Some(crate_revision)) => revision::changes_since(crate_revision, &generated.statistics),
        _ => Vec::new(),
    };
    let changelog_path = dir.join(CHANGELOG);
    let existing = match std::fs::read_to_string(&changelog_path) {
        Ok(text) => Some(text),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => return Err(Error::Io { path: changelog_path, source }),
    };
    let entry = match (&changes, &existing) {
        (Some(report), _) => Some(changelog::entry(report)),
        (None, None) => Some(changelog::first_entry(source, &generated.crate_name)?),
        (None, Some(_)) => None,
    };
    let entry = match (entry, revisions.is_empty()) {
        (entry, true) => entry,
        (entry, false) => Some(changelog::with_revisions(entry, &info(source, "version"), &revisions)),
    };
    let contents = changelog::next(existing.as_deref(), entry.as_deref(), &generated.crate_name);
    let mut files = generated.files;
    files.push(GeneratedFile { path: CHANGELOG.to_owned(), contents });
    Ok(Release { dir, files, changes, revisions })
}

/// `info.<key>` of a document, as text.
fn info(source: &Source, key: &str) -> String {
    source.value.get("info").and_then(|info| info.get(key)).and_then(Value::as_str).unwrap_or_default().to_owned()
}
