//! Stage 1: read documents from disk into JSON values, remembering where they came from.
//!
//! The loader knows nothing about OpenAPI. It parses YAML or JSON (by content,
//! not by extension), keeps the source text so that later stages can turn a
//! JSON pointer back into a line and column, and records every file it read so
//! that build scripts can ask Cargo to rerun when one of them changes.

pub mod bundle;
mod deep_yaml;
mod json;
mod locate;
pub mod pointer;
mod yaml;

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{Error, Location, Result};

/// The text format of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON text (which is also YAML, but is located more precisely as JSON).
    Json,
    /// YAML text.
    Yaml,
}

/// The largest file clawgen reads (the largest real document we know of is 4 MiB).
pub const MAX_FILE_BYTES: u64 = 64 << 20;

pub use crate::depth::MAX_DEPTH;

/// One loaded document.
#[derive(Debug, Clone)]
pub struct Source {
    /// The path it was read from (as given, not canonicalised, so messages match what users typed).
    pub path: PathBuf,
    /// The original text.
    pub text: String,
    /// The format detected from the text.
    pub format: Format,
    /// The parsed document, with the files it references inlined.
    pub value: Value,
    /// Every other file the document references.
    pub referenced: Vec<PathBuf>,
    /// Indexes of `text` for [`Source::locate`], built on its first call.
    locator: locate::Locator,
}

impl Source {
    /// Reads and parses a file, and every file its `$ref`s reach inside its folder.
    pub fn read(path: &Path) -> Result<Self> {
        Self::read_with(path, &[])
    }

    /// [`Source::read`], where `$ref`s may also read files under the folders `ref_roots`.
    pub fn read_with(path: &Path, ref_roots: &[PathBuf]) -> Result<Self> {
        let text = match read_text(path) {
            Ok(text) => text,
            Err(ReadProblem::Io(source)) => return Err(Error::Io { path: path.to_path_buf(), source }),
            Err(problem) => {
                let line_col = problem.line_col();
                return Err(Error::Syntax {
                    location: Location { file: path.to_path_buf(), pointer: String::new(), line_col },
                    message: problem.to_string(),
                });
            }
        };
        let mut source = Self::parse(path, text)?;
        let mut bundler = bundle::Bundler::new(path, ref_roots);
        let mut value = std::mem::take(&mut source.value);
        let bundled = crate::depth::with_stack(|| bundler.inline(&mut value, path, "", ""));
        source.value = value;
        bundled.map_err(|err| err.locate_in(&source))?;
        source.referenced = bundler.files();
        Ok(source)
    }

    /// Parses text that claims to come from `path`; performs no I/O.
    pub fn parse(path: &Path, text: String) -> Result<Self> {
        let at = |line_col| Location { file: path.to_path_buf(), pointer: String::new(), line_col };
        // A byte order mark says UTF-8 and nothing else: neither parser should see it.
        let body = text.strip_prefix('\u{feff}').unwrap_or(&text);
        if let Some(line_col) = too_deep(body) {
            return Err(crate::depth::too_deep(at(Some(line_col)), "the document"));
        }
        let trimmed = body.trim_start();
        // The parsers recurse once per level: on the stack sized for the bound, whatever the caller's.
        let (format, parsed) = if trimmed.starts_with('{') || trimmed.starts_with('[') {
            (Format::Json, crate::depth::with_stack(|| json::parse(body)))
        } else {
            (Format::Yaml, crate::depth::with_stack(|| yaml::parse(body)))
        };
        let value = parsed.map_err(|(message, line_col)| match message == deep_yaml::TOO_DEEP {
            true => crate::depth::too_deep(at(line_col), "the document"),
            false => Error::Syntax { location: at(line_col), message },
        })?;
        Ok(Source { path: path.to_path_buf(), text, format, value, referenced: Vec::new(), locator: locate::Locator::default() })
    }

    /// A source with nothing in it, to fill in.
    pub(crate) fn empty() -> Self {
        Source {
            path: PathBuf::new(),
            text: String::new(),
            format: Format::Yaml,
            value: Value::Null,
            referenced: Vec::new(),
            locator: locate::Locator::default(),
        }
    }

    /// The 1-based line and column of the node at `pointer`, if it can be found.
    ///
    /// The first call indexes `text` (one pass); later calls cost the pointer's
    /// depth, so a document with many located diagnostics stays linear.
    pub fn locate(&self, pointer: &str) -> Option<(usize, usize)> {
        let segments = pointer_segments(pointer);
        match self.format {
            Format::Json => self.locator.json(&self.text, &segments),
            Format::Yaml => self.locator.yaml(&self.text, &segments),
        }
    }

    /// A location in this document.
    pub fn location(&self, pointer: &str) -> Location {
        Location { file: self.path.clone(), pointer: pointer.to_owned(), line_col: self.locate(pointer) }
    }
}

pub(crate) use locate::CharIndex;
pub(crate) use pointer::{escape_segment, pointer_segments};

/// Why a file's text could not be read.
#[derive(Debug)]
pub(crate) enum ReadProblem {
    /// The file system refused.
    Io(std::io::Error),
    /// A directory, device, FIFO or socket.
    NotAFile(&'static str),
    /// More than [`MAX_FILE_BYTES`].
    TooLarge(u64),
    /// UTF-16 or UTF-32, by its byte order mark.
    Utf16,
    /// Not UTF-8: the offset of the first bad byte, and its line and column.
    NotUtf8 { offset: usize, line_col: (usize, usize) },
}

impl ReadProblem {
    fn line_col(&self) -> Option<(usize, usize)> {
        match self {
            ReadProblem::NotUtf8 { line_col, .. } => Some(*line_col),
            ReadProblem::Utf16 => Some((1, 1)),
            _ => None,
        }
    }
}

impl std::fmt::Display for ReadProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadProblem::Io(err) => write!(f, "cannot be read: {err}"),
            ReadProblem::NotAFile(kind) => write!(f, "is {kind}, not a regular file"),
            ReadProblem::TooLarge(size) => write!(f, "is {size} bytes, more than the {MAX_FILE_BYTES} bytes clawgen reads"),
            ReadProblem::Utf16 => f.write_str("is UTF-16 (it starts with a UTF-16 byte order mark); clawgen reads UTF-8"),
            ReadProblem::NotUtf8 { offset, .. } => write!(f, "is not UTF-8: the byte at offset {offset} is not part of a UTF-8 character"),
        }
    }
}

/// Reads a regular file of at most [`MAX_FILE_BYTES`] as UTF-8. The kind of
/// file is checked before it is opened, since opening a FIFO blocks and
/// `/dev/zero` never ends; the read is bounded too, in case the file grows.
pub(crate) fn read_text(path: &Path) -> std::result::Result<String, ReadProblem> {
    use std::io::Read;
    let metadata = std::fs::metadata(path).map_err(ReadProblem::Io)?;
    if !metadata.is_file() {
        return Err(ReadProblem::NotAFile(if metadata.is_dir() { "a directory" } else { "a device, FIFO or socket" }));
    }
    if metadata.len() > MAX_FILE_BYTES {
        return Err(ReadProblem::TooLarge(metadata.len()));
    }
    let mut bytes = Vec::new();
    let file = std::fs::File::open(path).map_err(ReadProblem::Io)?;
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(ReadProblem::Io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ReadProblem::TooLarge(bytes.len() as u64));
    }
    decode(bytes)
}

/// UTF-8 text from bytes, or where it stops being UTF-8.
pub(crate) fn decode(bytes: Vec<u8>) -> std::result::Result<String, ReadProblem> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(ReadProblem::Utf16);
    }
    String::from_utf8(bytes).map_err(|err| {
        let offset = err.utf8_error().valid_up_to();
        let valid = String::from_utf8_lossy(&err.as_bytes()[..offset]).into_owned();
        ReadProblem::NotUtf8 { offset, line_col: locate::line_col(&valid, valid.len()) }
    })
}

/// At most 80 characters of `text`, for error messages that quote the document.
pub(crate) fn excerpt(text: &str) -> String {
    const SHOWN: usize = 80;
    match text.char_indices().nth(SHOWN) {
        Some((end, _)) => format!("{}… ({} bytes in all)", &text[..end], text.len()),
        None => text.to_owned(),
    }
}

/// Where brackets (JSON, or YAML's flow style) nest beyond [`MAX_DEPTH`],
/// scanned without recursion before any parser sees the text: the parsers
/// recurse once per level.
fn too_deep(text: &str) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (offset, c) in text.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' && q == '"' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' => quote = Some('"'),
            '[' | '{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(locate::line_col(text, offset));
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_json_and_yaml_by_content() {
        let json = Source::parse(Path::new("x.yaml"), "{\"a\": 1}".into()).unwrap();
        assert_eq!(json.format, Format::Json);
        let yaml = Source::parse(Path::new("x.json"), "a: 1\n".into()).unwrap();
        assert_eq!(yaml.format, Format::Yaml);
        assert_eq!(yaml.value, serde_json::json!({"a": 1}));
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let err = Source::parse(Path::new("bad.yaml"), "a: [1, 2\nb: c\n".into()).unwrap_err();
        let location = err.location().unwrap();
        assert_eq!(location.file, Path::new("bad.yaml"));
        assert!(location.line_col.is_some(), "{err}");
    }
}
