//! Diagnostics as people and tools read them.
//!
//! A [`Diagnostic`] is an error, warning or note with a stable [`Code`], a
//! message, where it is (file, line and column, JSON pointer) and, where we
//! can give one, a hint. Errors and warnings of the pipeline turn into one
//! with `From`. It renders two ways:
//!
//! - text like rustc's, with the source line and a caret ([`render`]);
//! - one JSON object per diagnostic, for CI ([`Diagnostic::to_json`]).

mod code;
pub mod render;

use std::path::PathBuf;

use serde::Serialize;

pub use code::Code;
pub use render::Renderer;

use crate::error::{Error, Location, Warning};

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Generation cannot go on, or the document is wrong.
    Error,
    /// Generation went on, but the result is not what the document says.
    Warning,
    /// Something done on purpose, worth knowing.
    Note,
}

impl Severity {
    /// `error`, `warning` or `note`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// One problem, ready to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// What kind of problem it is; also gives the severity.
    pub code: Code,
    /// What is wrong, in one line, without the location.
    pub message: String,
    /// Where it is, when the input is at fault.
    pub location: Option<Location>,
    /// A short label under the caret.
    pub label: Option<String>,
    /// What to do about it.
    pub hint: Option<String>,
    /// Further facts (another place involved, say).
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// A diagnostic with the code's generic hint and no label or notes.
    pub fn new(code: Code, message: impl Into<String>, location: Option<Location>) -> Self {
        Diagnostic { code, message: message.into(), location, label: None, hint: code.hint().map(str::to_owned), notes: Vec::new() }
    }

    /// Replaces the hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Sets the label under the caret.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Adds a note.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// How serious it is.
    pub fn severity(&self) -> Severity {
        self.code.severity()
    }

    /// Renders it like rustc, reading the source line from disk. For many
    /// diagnostics, a [`Renderer`] reads each file once.
    pub fn render(&self) -> String {
        Renderer::plain().render(self)
    }

    /// The JSON form: one flat object, the shape documented in the README.
    pub fn to_json(&self) -> serde_json::Value {
        let location = self.location.as_ref();
        let json = JsonDiagnostic {
            severity: self.severity(),
            code: self.code.id(),
            name: self.code.name(),
            message: &self.message,
            file: location.map(|l| l.file.clone()),
            line: location.and_then(|l| l.line_col).map(|(line, _)| line),
            column: location.and_then(|l| l.line_col).map(|(_, column)| column),
            pointer: location.map(|l| l.pointer.as_str()),
            hint: self.hint.as_deref(),
            notes: &self.notes,
        };
        serde_json::to_value(json).unwrap_or(serde_json::Value::Null)
    }
}

/// The serialised shape of a diagnostic.
#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    severity: Severity,
    code: &'static str,
    name: &'static str,
    message: &'a str,
    file: Option<PathBuf>,
    line: Option<usize>,
    column: Option<usize>,
    pointer: Option<&'a str>,
    hint: Option<&'a str>,
    notes: &'a [String],
}

impl From<&Error> for Diagnostic {
    fn from(error: &Error) -> Self {
        let code = error.code();
        let message = match error {
            Error::Syntax { message, .. } => format!("cannot parse: {message}"),
            Error::Invalid { message, .. } => message.clone(),
            Error::Unsupported { feature, .. } => format!("unsupported: {feature}"),
            Error::Io { .. } | Error::Template { .. } | Error::Emit { .. } => error.to_string(),
        };
        Diagnostic::new(code, message, error.location().cloned())
    }
}

impl From<Error> for Diagnostic {
    fn from(error: Error) -> Self {
        Diagnostic::from(&error)
    }
}

impl From<&Warning> for Diagnostic {
    fn from(warning: &Warning) -> Self {
        Diagnostic::new(warning.code, warning.message.clone(), Some(warning.location.clone()))
    }
}

/// How many errors, warnings and notes a list holds: `2 errors, 1 warning`.
pub fn summary<'a>(diagnostics: impl IntoIterator<Item = &'a Diagnostic>) -> String {
    let (mut errors, mut warnings) = (0, 0);
    for diagnostic in diagnostics {
        match diagnostic.severity() {
            Severity::Error => errors += 1,
            Severity::Warning => warnings += 1,
            Severity::Note => {}
        }
    }
    let plural = |n: usize, word: &str| if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") };
    format!("{}, {}", plural(errors, "error"), plural(warnings, "warning"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_one_flat_object_with_every_field() {
        let location = Location { file: "a.yaml".into(), pointer: "/paths".into(), line_col: Some((3, 1)) };
        let diagnostic = Diagnostic::new(Code::UnresolvedRef, "$ref #/x points at nothing", Some(location));
        let json = diagnostic.to_json();
        assert_eq!(json["severity"], "error");
        assert_eq!(json["code"], "E0004");
        assert_eq!(json["name"], "unresolved-ref");
        assert_eq!((json["file"].as_str(), json["line"].as_u64(), json["column"].as_u64()), (Some("a.yaml"), Some(3), Some(1)));
        assert_eq!(json["pointer"], "/paths");
        assert!(json["hint"].is_string());
    }

    #[test]
    fn summaries_count_errors_and_warnings() {
        let error = Diagnostic::new(Code::Invalid, "x", None);
        let warning = Diagnostic::new(Code::Untyped, "y", None);
        let note = Diagnostic::new(Code::SkippedOperation, "z", None);
        assert_eq!(summary([&error, &warning, &warning, &note]), "1 error, 2 warnings");
        assert_eq!(summary([]), "0 errors, 0 warnings");
    }
}
