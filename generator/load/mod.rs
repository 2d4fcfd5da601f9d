//! Stage 1: read documents from disk into JSON values, remembering where they came from.
//!
//! The loader knows nothing about OpenAPI. It parses YAML or JSON (by content,
//! not by extension), keeps the source text so that later stages can turn a
//! JSON pointer back into a line and column, and records every file it read so
//! that build scripts can ask Cargo to rerun when one of them changes.

pub mod bundle;
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
}

impl Source {
    /// Reads and parses a file, and every file its `$ref`s reach.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io { path: path.to_path_buf(), source })?;
        let mut source = Self::parse(path, text)?;
        let mut bundler = bundle::Bundler::new(path);
        let mut value = std::mem::take(&mut source.value);
        let bundled = bundler.inline(&mut value, path, "");
        source.value = value;
        bundled.map_err(|err| err.locate_in(&source))?;
        source.referenced = bundler.files();
        Ok(source)
    }

    /// Parses text that claims to come from `path`; performs no I/O.
    pub fn parse(path: &Path, text: String) -> Result<Self> {
        let trimmed = text.trim_start_matches('\u{feff}').trim_start();
        let (format, value) = if trimmed.starts_with('{') || trimmed.starts_with('[') {
            let value = serde_json::from_str::<Value>(trimmed).map_err(|err| Error::Syntax {
                location: Location { file: path.to_path_buf(), pointer: String::new(), line_col: Some((err.line(), err.column())) },
                message: err.to_string(),
            })?;
            (Format::Json, value)
        } else {
            let value = yaml::parse(&text).map_err(|(message, line_col)| Error::Syntax {
                location: Location { file: path.to_path_buf(), pointer: String::new(), line_col },
                message,
            })?;
            (Format::Yaml, value)
        };
        Ok(Source { path: path.to_path_buf(), text, format, value, referenced: Vec::new() })
    }

    /// The 1-based line and column of the node at `pointer`, if it can be found.
    pub fn locate(&self, pointer: &str) -> Option<(usize, usize)> {
        let segments = pointer_segments(pointer);
        match self.format {
            Format::Json => locate::json(&self.text, &segments),
            Format::Yaml => locate::yaml(&self.text, &segments),
        }
    }

    /// A location in this document.
    pub fn location(&self, pointer: &str) -> Location {
        Location { file: self.path.clone(), pointer: pointer.to_owned(), line_col: self.locate(pointer) }
    }
}

pub(crate) use pointer::{escape_segment, pointer_segments};

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
