//! Renders diagnostics like rustc, through `annotate-snippets` (the crate rustc's own renderer grew from).
//!
//! ```text
//! error[E0004]: $ref #/components/schemas/Missing points at nothing
//!   --> tests/bad/unresolved-ref.yaml:15:15
//!    |
//! 15 |               schema:
//!    |               ^^^^^^ this `$ref` does not resolve
//!    |
//!    = note: at #/paths/~1things/get/responses/200/content/application~1json/schema
//!    = help: point the `$ref` at something the document defines
//! ```
//!
//! Only the line the diagnostic points at is shown: documents run to
//! megabytes, and the pointer note says where in the structure it is.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Snippet};

use super::{Diagnostic, Severity};

/// A document's text with the byte offset where each line starts.
struct SourceFile {
    text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    fn new(text: String) -> Self {
        let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(at, _)| at + 1)).collect();
        SourceFile { text, line_starts }
    }

    /// The 1-based `line`, without its line break.
    fn line(&self, line: usize) -> Option<&str> {
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        let end = self.line_starts.get(line).map_or(self.text.len(), |next| next - 1);
        self.text.get(start..end).map(|l| l.trim_end_matches('\r'))
    }
}

/// Renders diagnostics, reading each file they point into once.
pub struct Renderer {
    styled: bool,
    files: HashMap<PathBuf, Option<SourceFile>>,
}

impl Renderer {
    /// Plain text, for logs, files and tests.
    pub fn plain() -> Self {
        Renderer { styled: false, files: HashMap::new() }
    }

    /// With ANSI colours, for a terminal.
    pub fn styled() -> Self {
        Renderer { styled: true, files: HashMap::new() }
    }

    /// Uses `text` as the contents of `path` instead of reading it (documents given as strings).
    pub fn with_source(mut self, path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        self.files.insert(path.into(), Some(SourceFile::new(text.into())));
        self
    }

    fn file(&mut self, path: &Path) -> Option<&SourceFile> {
        self.files.entry(path.to_path_buf()).or_insert_with(|| std::fs::read_to_string(path).ok().map(SourceFile::new)).as_ref()
    }

    /// The diagnostic as rustc would print it, ending in a line break.
    pub fn render(&mut self, diagnostic: &Diagnostic) -> String {
        let level = match diagnostic.severity() {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
            Severity::Note => Level::NOTE,
        };
        let title = level.clone().primary_title(diagnostic.message.as_str()).id(diagnostic.code.id());
        let mut group = Group::with_title(title);
        if let Some(location) = &diagnostic.location {
            let path = location.file.display().to_string();
            let line = location.line_col.and_then(|(line, column)| {
                let text = self.file(&location.file)?.line(line)?.to_owned();
                Some((line, column, text))
            });
            group = match line {
                Some((line, column, text)) => {
                    let span = caret_span(&text, column);
                    let mut annotation = AnnotationKind::Primary.span(span);
                    if let Some(label) = &diagnostic.label {
                        annotation = annotation.label(label.clone());
                    }
                    group.element(Snippet::source(text).line_start(line).path(path).annotation(annotation))
                }
                None => {
                    let mut origin = Origin::path(path);
                    if let Some((line, column)) = location.line_col {
                        origin = origin.line(line).char_column(column);
                    }
                    group.element(origin)
                }
            };
            if !location.pointer.is_empty() {
                group = group.element(Level::NOTE.message(format!("at #{}", location.pointer)));
            }
        }
        for note in &diagnostic.notes {
            group = group.element(Level::NOTE.message(note.clone()));
        }
        if let Some(hint) = &diagnostic.hint {
            group = group.element(Level::HELP.message(hint.clone()));
        }
        let renderer = if self.styled { annotate_snippets::Renderer::styled() } else { annotate_snippets::Renderer::plain() };
        let mut out = renderer.render(&[group]);
        out.push('\n');
        out
    }
}

/// The bytes to underline: the token that starts at the 1-based character
/// `column`: a key up to its colon, a quoted string, a bracket, or a word.
fn caret_span(line: &str, column: usize) -> Range<usize> {
    let start = line.char_indices().nth(column.saturating_sub(1)).map_or(line.len(), |(at, _)| at);
    let rest = &line[start..];
    let length = if let Some(quote @ ('"' | '\'')) = rest.chars().next() {
        // A quoted key or value: through the closing quote.
        rest[1..].find(quote).map_or(rest.len(), |close| close + 2)
    } else if rest.starts_with(['{', '[']) {
        1
    } else {
        let key_end = rest.find(": ").or_else(|| rest.strip_suffix(':').map(str::len));
        let word_end = rest.find([',', '}', ']']).unwrap_or(rest.len());
        key_end.unwrap_or(word_end).min(word_end)
    };
    let end = start + rest[..length.min(rest.len())].trim_end().len();
    if end > start { start..end } else { start..(start + rest.chars().next().map_or(0, char::len_utf8)) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Code;
    use crate::error::Location;

    #[test]
    fn carets_cover_one_token() {
        let span = |line: &str, column| {
            let range = caret_span(line, column);
            line[range].to_owned()
        };
        assert_eq!(span("      schema:", 7), "schema");
        assert_eq!(span("  openapi: 4.0.0", 3), "openapi");
        assert_eq!(span("        - name: id", 9), "- name");
        assert_eq!(span(r#"  "a": {"description": 5}}"#, 24), "5");
        assert_eq!(span(r#"  "a": "text", "b": 1"#, 8), "\"text\"");
        assert_eq!(span("  '200':", 3), "'200'");
        assert_eq!(span("x", 5), "");
    }

    #[test]
    fn renders_like_rustc() {
        let text = "openapi: 3.1.0\npaths:\n  /a:\n    get:\n      x: 1\n";
        let location = Location { file: "t.yaml".into(), pointer: "/paths/~1a/get".into(), line_col: Some((4, 5)) };
        let diagnostic = Diagnostic::new(Code::Invalid, "something is wrong", Some(location)).with_label("here").with_hint("fix it");
        let rendered = Renderer::plain().with_source("t.yaml", text).render(&diagnostic);
        assert_eq!(
            rendered,
            "error[E0003]: something is wrong\n --> t.yaml:4:5\n  |\n4 |     get:\n  |     ^^^ here\n  |\n  = note: at #/paths/~1a/get\n  = help: fix it\n"
        );
    }

    #[test]
    fn renders_without_source_or_location() {
        let location = Location { file: "missing.yaml".into(), pointer: String::new(), line_col: Some((2, 1)) };
        let rendered = Renderer::plain().render(&Diagnostic::new(Code::Syntax, "cannot parse: x", Some(location)));
        assert!(rendered.starts_with("error[E0002]: cannot parse: x\n --> missing.yaml:2:1"), "{rendered}");
        let bare = Renderer::plain().render(&Diagnostic::new(Code::Internal, "template x: y", None));
        assert!(bare.starts_with("error[E0099]: template x: y\n"), "{bare}");
    }
}
