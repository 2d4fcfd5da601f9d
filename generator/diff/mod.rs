//! `clawgen diff`: every change between two versions of a document, and whom it breaks.
//!
//! The comparison works on the loaded JSON ([`Source::value`]), not on the
//! normalised model, so that nothing the generator does not need is lost,
//! and it reads 3.0 and 3.1 spellings alike (see `shape`). Each change is
//! one [`Change`]: a [`Rule`], its [`Severity`] (which depends on the
//! [`Direction`] the data travels), the operation and the part of it that
//! changed, and where in the NEW (or, for removals, the OLD) document.
//!
//! - [`rules`]: the catalogue and its classification;
//! - `walk`: paths, operations, parameters, bodies and responses;
//! - `schema`: schemas, recursively; `visits`: the cycle guard and memory that bound the walk;
//! - `security`: requirements and schemes;
//! - [`version`]: the semver bump the changes call for;
//! - [`report`]: text and JSON output.

pub mod report;
mod resolve;
pub mod rules;
pub mod rust;
mod schema;
mod security;
mod shape;
#[cfg(test)]
pub(crate) use shape::reading;
pub mod version;
mod visits;
mod walk;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

pub use rules::{Constraint, Direction, Rule, Severity};
pub use rust::RustEffect;
pub use version::{Bump, Suggestion};
pub(crate) use walk::operation_count;

use crate::error::{Error, Location, Result};
use crate::load::Source;
use resolve::Doc;

/// An operation, as `METHOD /path`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Operation {
    /// The path template, as the NEW document writes it (the OLD one for removed operations).
    pub path: String,
    /// The HTTP method, upper case.
    pub method: String,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

/// Which document a location points into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    /// The OLD document (for things that were removed).
    Old,
    /// The NEW document.
    New,
}

/// One change between the two documents.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// What kind of change.
    pub rule: Rule,
    /// Whom it breaks.
    pub severity: Severity,
    /// What it does to the generated crate's Rust API.
    pub rust: RustEffect,
    /// Which way the affected data travels, for changes inside requests or responses.
    pub direction: Option<Direction>,
    /// The operation, unless the change is document-wide (global security, a scheme).
    pub operation: Option<Operation>,
    /// The part that changed (`query parameter `limit``), empty for the operation itself.
    pub subject: String,
    /// What happened to it (`maximum lowered from 100 to 50`).
    pub message: String,
    /// Which document [`Change::location`] points into.
    pub side: Side,
    /// Where: in the NEW document, or in the OLD one for what was removed.
    pub location: Location,
}

impl Change {
    /// `GET /things: query parameter `limit`: maximum lowered from 100 to 50`.
    pub fn summary(&self) -> String {
        let operation = self.operation.as_ref().map(ToString::to_string);
        [operation.as_deref(), Some(self.subject.as_str()).filter(|s| !s.is_empty()), Some(self.message.as_str())]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(": ")
    }
}

/// One of the two documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Document {
    /// The file it was read from.
    pub file: PathBuf,
    /// Its `info.version`.
    pub version: String,
}

/// Everything `clawgen diff` found.
#[derive(Debug, Clone)]
pub struct Report {
    /// The OLD document.
    pub old: Document,
    /// The NEW document.
    pub new: Document,
    /// Every change, ordered by severity, then path, method, subject and rule.
    pub changes: Vec<Change>,
    /// Whether the documents are equal apart from `info.version`.
    pub identical: bool,
    /// The semver bump the changes call for.
    pub suggestion: Suggestion,
    /// The semver bump the generated crate needs, from what the changes do to its Rust API.
    pub crate_suggestion: Suggestion,
}

impl Report {
    /// Whether any change breaks clients or servers.
    pub fn is_breaking(&self) -> bool {
        self.changes.iter().any(|c| c.severity.is_breaking())
    }

    /// Whether any change breaks the generated crate's Rust API.
    pub fn breaks_rust_api(&self) -> bool {
        self.changes.iter().any(|c| c.rust == RustEffect::Breaking)
    }

    /// How many changes have `severity`.
    pub fn count(&self, severity: Severity) -> usize {
        self.changes.iter().filter(|c| c.severity == severity).count()
    }
}

/// Reads two documents (or generated crates, through their `openapi.json`) and compares them.
pub fn diff_files(old: &Path, new: &Path) -> Result<Report> {
    diff_files_with(old, new, &[])
}

/// [`diff_files`], where external `$ref`s may also read files under the folders `ref_roots`.
pub fn diff_files_with(old: &Path, new: &Path, ref_roots: &[std::path::PathBuf]) -> Result<Report> {
    let read = |path: &Path| {
        let recorded = path.join(crate::release::RECORDED_DOCUMENT);
        Source::read_with(if path.is_dir() { &recorded } else { path }, ref_roots)
    };
    diff(&read(old)?, &read(new)?)
}

/// Compares two loaded documents.
pub fn diff(old: &Source, new: &Source) -> Result<Report> {
    // Schemas are compared recursively, as deep as documents nest.
    crate::depth::with_stack(|| compare(old, new))
}

fn compare(old: &Source, new: &Source) -> Result<Report> {
    let old_version = info_version(old)?;
    let new_version = info_version(new)?;
    let (old_doc, new_doc) = (Doc { source: old }, Doc { source: new });
    old_doc.check_references()?;
    new_doc.check_references()?;
    let mut differ = Differ::new(old_doc, new_doc);
    differ.document()?;
    let mut changes = differ.changes;
    changes.sort_by(|a, b| order_key(a).cmp(&order_key(b)));
    changes.dedup();
    Differ::locate(old, new, &mut changes);
    let identical = equal_except_version(&old.value, &new.value);
    let breaking = changes.iter().any(|c| c.severity.is_breaking());
    let suggestion = version::suggest(&old_version, &new_version, breaking, !changes.is_empty(), identical);
    let rust_breaking = changes.iter().any(|c| c.rust == RustEffect::Breaking);
    let rust_added = changes.iter().any(|c| c.rust == RustEffect::Additive);
    let crate_suggestion = version::suggest(&old_version, &new_version, rust_breaking, rust_added || rust_breaking, identical);
    Ok(Report {
        old: Document { file: old.path.clone(), version: old_version },
        new: Document { file: new.path.clone(), version: new_version },
        changes,
        identical,
        suggestion,
        crate_suggestion,
    })
}

fn order_key(change: &Change) -> impl Ord + '_ {
    let (path, method) = match &change.operation {
        Some(op) => (Some(op.path.as_str()), walk::method_rank(&op.method)),
        None => (None, 0),
    };
    (change.severity, path, method, change.subject.as_str(), change.rule, change.message.as_str(), change.location.pointer.as_str())
}

/// `info.version`, which both documents must have.
fn info_version(source: &Source) -> Result<String> {
    let invalid = |pointer: &str, message: &str| Error::invalid(source.location(pointer), message);
    let openapi =
        source.value.get("openapi").and_then(Value::as_str).ok_or_else(|| {
            invalid("", "not an OpenAPI 3 document: `openapi: 3.x` is missing (Swagger 2.0 documents cannot be compared)")
        })?;
    if !openapi.starts_with("3.") {
        return Err(invalid("/openapi", &format!("OpenAPI {openapi} is not supported; clawgen reads 3.0 and 3.1")));
    }
    source
        .value
        .pointer("/info/version")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| invalid("/info", "`info.version` is missing or not a string"))
}

fn equal_except_version(old: &Value, new: &Value) -> bool {
    let (Some(old), Some(new)) = (old.as_object(), new.as_object()) else { return old == new };
    fn without_version(info: Option<&Value>) -> Option<Vec<(&String, &Value)>> {
        info.and_then(Value::as_object).map(|info| info.iter().filter(|(k, _)| k.as_str() != "version").collect())
    }
    old.len() == new.len()
        && old.iter().all(|(key, value)| match key.as_str() {
            "info" => without_version(Some(value)) == without_version(new.get("info")),
            _ => new.get(key) == Some(value),
        })
}

/// The comparison in progress.
struct Differ<'a> {
    old: Doc<'a>,
    new: Doc<'a>,
    changes: Vec<Change>,
    /// Which schema pairs still need comparing.
    visits: visits::Visits,
    /// Schemas already read, by document and pointer.
    shapes: HashMap<(Side, String), std::rc::Rc<shape::Shape<'a>>>,
}

/// Where a change is reported.
enum At {
    Old(String),
    New(String),
}

impl<'a> Differ<'a> {
    fn new(old: Doc<'a>, new: Doc<'a>) -> Self {
        Differ { old, new, changes: Vec::new(), visits: visits::Visits::default(), shapes: Default::default() }
    }

    /// Records a change whose severity follows from its rule and direction; [`Differ::locate`] adds its line later.
    fn push(&mut self, rule: Rule, context: &Context<'_>, message: String, at: At) {
        self.push_rust(rule, rule.rust_effect(), context, message, at);
    }

    /// [`Differ::push`], where the walk knows what the change does to the Rust API better than the rule.
    fn push_rust(&mut self, rule: Rule, rust: RustEffect, context: &Context<'_>, message: String, at: At) {
        let (side, pointer, source) = match at {
            At::Old(pointer) => (Side::Old, pointer, self.old.source),
            At::New(pointer) => (Side::New, pointer, self.new.source),
        };
        self.changes.push(Change {
            rule,
            severity: rule.severity(context.direction),
            rust,
            direction: context.direction,
            operation: context.operation.cloned(),
            subject: context.subject.clone(),
            message,
            side,
            location: Location { file: source.path.clone(), pointer, line_col: None },
        });
    }

    /// Fills in line and column, once per place: finding them scans the document's text.
    fn locate(old: &Source, new: &Source, changes: &mut [Change]) {
        let mut found: HashMap<(Side, String), Option<(usize, usize)>> = HashMap::new();
        for change in changes {
            let source = if change.side == Side::Old { old } else { new };
            let key = (change.side, change.location.pointer.clone());
            change.location.line_col = *found.entry(key).or_insert_with(|| source.locate(&change.location.pointer));
        }
    }
}

/// The operation and part of it that a comparison is looking at.
#[derive(Clone)]
struct Context<'c> {
    operation: Option<&'c Operation>,
    /// `query parameter `limit``, `response 200 (application/json)`.
    subject: String,
    direction: Option<Direction>,
}

impl<'c> Context<'c> {
    /// The same place, narrowed to a subject.
    fn with_subject(&self, subject: String) -> Self {
        Context { operation: self.operation, subject, direction: self.direction }
    }
}

#[cfg(test)]
mod tests;
