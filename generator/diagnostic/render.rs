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
    chars: crate::load::CharIndex,
}

impl SourceFile {
    fn new(text: String) -> Self {
        let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(at, _)| at + 1)).collect();
        let chars = crate::load::CharIndex::new(&text);
        SourceFile { text, line_starts, chars }
    }

    /// The byte offset, in the 1-based `line`, of its 1-based character `column` (its end if shorter).
    fn column_offset(&self, line: usize, column: usize) -> Option<usize> {
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        let end = start + self.line(line)?.len();
        Some(self.chars.byte_after_chars(&self.text, start, column.saturating_sub(1)).min(end) - start)
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
        let mut header_fix: Option<(String, String)> = None;
        if let Some(location) = &diagnostic.location {
            let path = location.file.display().to_string();
            let line = location.line_col.and_then(|(line, column)| {
                let file = self.file(&location.file)?;
                let excerpt = Excerpt::of(file.line(line)?, file.column_offset(line, column)?);
                Some((line, column, excerpt))
            });
            group = match line {
                Some((line, column, excerpt)) => {
                    if let Some(shown_column) = excerpt.column {
                        // The renderer names the column in what it was given; the header names the line's.
                        header_fix = Some((format!("{path}:{line}:{shown_column}"), format!("{path}:{line}:{column}")));
                    }
                    let mut annotation = AnnotationKind::Primary.span(excerpt.span);
                    if let Some(label) = &diagnostic.label {
                        annotation = annotation.label(label.clone());
                    }
                    group.element(Snippet::source(excerpt.text).line_start(line).path(path).annotation(annotation))
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
        if let Some((shown, real)) = header_fix {
            let header = out.find("--> ").unwrap_or(0);
            if let Some(at) = out[header..].find(&shown) {
                out.replace_range(header + at..header + at + shown.len(), &real);
            }
        }
        out.push('\n');
        out
    }
}

/// What of a line a diagnostic shows, and the bytes of it to underline.
struct Excerpt {
    text: String,
    span: Range<usize>,
    /// Where `text` is a part of the line: the 1-based column of the caret in it.
    column: Option<usize>,
}

impl Excerpt {
    /// Lines longer than this are cut down to the caret's surroundings
    /// before rendering: a minified JSON document is one line of megabytes,
    /// and the renderer would measure all of it for every diagnostic.
    const LONG_LINE: usize = 4096;
    /// How much of a long line is kept on each side of the caret: more than
    /// the renderer shows (it cuts to the terminal's width around the caret,
    /// with `...`), so the output is the same as for the whole line.
    const CONTEXT: usize = 512;

    /// The excerpt around byte `at` of `line`.
    fn of(line: &str, at: usize) -> Self {
        let span = caret_span_at(line, at);
        if line.len() <= Self::LONG_LINE || span.len() > Self::CONTEXT / 2 {
            return Excerpt { text: line.to_owned(), span, column: None };
        }
        let mut start = floor_char_boundary(line, span.start.saturating_sub(Self::CONTEXT));
        // The renderer trims leading whitespace: start where the line has none.
        while start > 0 && line[start..].starts_with(char::is_whitespace) {
            start = floor_char_boundary(line, start - 1);
        }
        let end = floor_char_boundary(line, (span.end + Self::CONTEXT).min(line.len()));
        let column = line[start..span.start].chars().count() + 1;
        Excerpt { text: line[start..end].to_owned(), span: span.start - start..span.end - start, column: Some(column) }
    }
}

/// The byte offset of the 1-based character `column` of `line` (its end if shorter).
#[cfg(test)]
fn byte_of_column(line: &str, column: usize) -> usize {
    let chars = column.saturating_sub(1);
    if line.as_bytes()[..chars.min(line.len())].is_ascii() {
        return chars.min(line.len());
    }
    line.char_indices().nth(chars).map_or(line.len(), |(at, _)| at)
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The bytes to underline: the token that starts at the 1-based character
/// `column`: a key up to its colon, a quoted string, a bracket, or a word.
#[cfg(test)]
fn caret_span(line: &str, column: usize) -> Range<usize> {
    caret_span_at(line, byte_of_column(line, column))
}

/// [`caret_span`] of the token at byte `start`; reads no further than the token.
fn caret_span_at(line: &str, start: usize) -> Range<usize> {
    let rest = &line[start..];
    let length = if let Some(quote @ ('"' | '\'')) = rest.chars().next() {
        // A quoted key or value: through the closing quote.
        rest[1..].find(quote).map_or(rest.len(), |close| close + 2)
    } else if rest.starts_with(['{', '[']) {
        1
    } else {
        let word_end = rest.find([',', '}', ']']).unwrap_or(rest.len());
        let key_end = rest[..word_end].find(": ").or_else(|| rest.strip_suffix(':').map(str::len));
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

    #[test]
    fn long_lines_render_as_they_would_whole() {
        let line: String = (0..2000).map(|i| format!("{{\"k{i}\":[\"välue {i}\", {i}]}},")).collect();
        let render = |column: usize, whole: bool| {
            let location = Location { file: "t.json".into(), pointer: "/x".into(), line_col: Some((1, column)) };
            let diagnostic = Diagnostic::new(Code::Invalid, "long", Some(location)).with_label("here");
            if whole {
                // The long-line threshold out of the way: the whole line goes to the renderer.
                let mut group = Group::with_title(Level::ERROR.primary_title("long").id("E0003"));
                let annotation = AnnotationKind::Primary.span(caret_span(&line, column)).label("here");
                group = group.element(Snippet::source(line.as_str()).line_start(1).path("t.json").annotation(annotation));
                group = group.element(Level::NOTE.message("at #/x"));
                format!("{}\n", annotate_snippets::Renderer::plain().render(&[group]))
            } else {
                Renderer::plain().with_source("t.json", line.clone()).render(&diagnostic)
            }
        };
        let columns = [1, 2, 40, 150, 600, 1500, 20_000, line.chars().count() - 30, line.chars().count()];
        for column in columns {
            assert_eq!(render(column, false), render(column, true), "column {column}");
        }
    }
}
