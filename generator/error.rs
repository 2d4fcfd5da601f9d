//! Typed errors with source locations.
//!
//! Every error that input can cause names the file, the JSON pointer inside
//! it and, where the loader could find it, the line and column. Unsupported
//! constructs are their own class so that callers can tell "this document is
//! wrong" from "clawgen cannot handle this yet".

use std::fmt;
use std::path::PathBuf;

use crate::diagnostic::Code;

/// Where in a document something happened.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    /// The file the document was read from.
    pub file: PathBuf,
    /// RFC 6901 JSON pointer into the document (`""` is the whole document).
    pub pointer: String,
    /// 1-based line and column, when the loader could find them.
    pub line_col: Option<(usize, usize)>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some((line, col)) = self.line_col {
            write!(f, ":{line}:{col}")?;
        }
        let pointer = if self.pointer.is_empty() { "/" } else { &self.pointer };
        write!(f, " at #{pointer}")
    }
}

/// Everything that can go wrong while generating.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying failure.
        #[source]
        source: std::io::Error,
    },
    /// The text is not valid YAML or JSON.
    #[error("{location}: cannot parse: {message}")]
    Syntax {
        /// Where parsing stopped.
        location: Location,
        /// The parser's message.
        message: String,
    },
    /// The document parses but breaks the OpenAPI specification.
    #[error("{location}: invalid document: {message}")]
    Invalid {
        /// What kind of problem it is: [`Code::Invalid`] or a more specific one
        /// ([`Code::UnresolvedRef`], [`Code::PathParameter`], [`Code::BadOption`]…).
        code: Code,
        /// The offending node.
        location: Location,
        /// What is wrong.
        message: String,
    },
    /// The document is valid but uses something clawgen does not support yet.
    #[error("{location}: unsupported: {feature}")]
    Unsupported {
        /// [`Code::Unsupported`], or [`Code::UnsupportedVersion`] for a version of OpenAPI clawgen does not read.
        code: Code,
        /// The offending node.
        location: Location,
        /// The construct, named so that users can search for it.
        feature: String,
    },
    /// A template failed to render; this is a bug in clawgen.
    #[error("template {name}: {message}")]
    Template {
        /// The template's file name.
        name: String,
        /// The renderer's message.
        message: String,
    },
    /// Emitted Rust did not parse; this is a bug in clawgen.
    #[error("generated {file} does not parse: {message}")]
    Emit {
        /// The generated file.
        file: String,
        /// The parser's message.
        message: String,
    },
}

impl Error {
    /// The location in the input, for errors caused by the input.
    pub fn location(&self) -> Option<&Location> {
        match self {
            Error::Syntax { location, .. } | Error::Invalid { location, .. } | Error::Unsupported { location, .. } => Some(location),
            Error::Io { .. } | Error::Template { .. } | Error::Emit { .. } => None,
        }
    }

    /// Whether the input (rather than clawgen or the file system) is at fault.
    pub fn is_input_error(&self) -> bool {
        self.location().is_some()
    }

    /// The stable code of this error (`E0004`, see [`Code`]), as set where it was made.
    pub fn code(&self) -> Code {
        match self {
            Error::Io { .. } => Code::Io,
            Error::Syntax { .. } => Code::Syntax,
            Error::Invalid { code, .. } | Error::Unsupported { code, .. } => *code,
            Error::Template { .. } | Error::Emit { .. } => Code::Internal,
        }
    }

    /// An [`Error::Invalid`] of the general code [`Code::Invalid`].
    pub fn invalid(location: Location, message: impl Into<String>) -> Self {
        Error::Invalid { code: Code::Invalid, location, message: message.into() }
    }

    /// An [`Error::Unsupported`] of the general code [`Code::Unsupported`].
    pub fn unsupported(location: Location, feature: impl Into<String>) -> Self {
        Error::Unsupported { code: Code::Unsupported, location, feature: feature.into() }
    }

    /// What to do about it, when there is a general answer.
    pub fn hint(&self) -> Option<&'static str> {
        self.code().hint()
    }

    /// This error as a diagnostic, to render or serialise.
    pub fn diagnostic(&self) -> crate::diagnostic::Diagnostic {
        crate::diagnostic::Diagnostic::from(self)
    }

    /// The rustc-style rendering, several lines with the source line (read from disk)
    /// and a caret; `Display` stays the one-line form.
    pub fn render(&self) -> String {
        self.diagnostic().render()
    }

    /// Fills in line and column from the document's source text, and cuts
    /// quoted document text in the message short: parsers quote the whole
    /// value they refuse, which may be a whole file that a `$ref` inlined.
    pub(crate) fn locate_in(mut self, source: &crate::load::Source) -> Self {
        if let Error::Invalid { location, message, .. } | Error::Unsupported { location, feature: message, .. } = &mut self {
            if location.line_col.is_none() && location.file == source.path {
                location.line_col = source.locate(&location.pointer);
            }
            *message = shorten_quotes(message);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn quoted_text_is_cut_short() {
        let long = "x".repeat(500);
        let shortened = super::shorten_quotes(&format!("invalid type: string \"{long}\", expected a schema"));
        assert_eq!(shortened, format!("invalid type: string \"{}…\", expected a schema", "x".repeat(80)));
        assert_eq!(super::shorten_quotes("`a` \"b\\\"c\""), "`a` \"b\\\"c\"");
    }
}

/// A problem that does not stop generation but that users should see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// What kind of problem it is (a `W…` or `N…` code), set where it is made.
    pub code: Code,
    /// Where the problem is.
    pub location: Location,
    /// What clawgen did about it.
    pub message: String,
    /// The code of the error that `--strict` and `validate` report in place of a
    /// lenient reading (`E0003` unless a more specific one applies).
    pub refused_as: Code,
}

impl Warning {
    /// A warning (or note) of `code` at `location`.
    pub fn new(code: Code, location: Location, message: impl Into<String>) -> Self {
        Warning { code, location, message: message.into(), refused_as: Code::Invalid }
    }

    /// The same warning, refused with `code` where lenient readings are refused.
    pub fn refused_as(self, code: Code) -> Self {
        Warning { refused_as: code, ..self }
    }

    /// The stable code of this warning (`W0001`, see [`Code`]).
    pub fn code(&self) -> Code {
        self.code
    }

    /// What to do about it, when there is a general answer.
    pub fn hint(&self) -> Option<&'static str> {
        self.code().hint()
    }

    /// This warning as a diagnostic, to render or serialise.
    pub fn diagnostic(&self) -> crate::diagnostic::Diagnostic {
        crate::diagnostic::Diagnostic::from(self)
    }

    /// The rustc-style rendering (see [`Error::render`]).
    pub fn render(&self) -> String {
        self.diagnostic().render()
    }

    /// Whether this warning reports a deviation from the specification that was read
    /// leniently (see [`crate::diagnostic::Code::is_lenient`]).
    pub fn is_lenient(&self) -> bool {
        self.code().is_lenient()
    }

    /// The deviation this lenient reading got past, as the error that `validate` and
    /// `--strict` report instead.
    pub fn into_error(self) -> Error {
        Error::Invalid { code: self.refused_as, location: self.location, message: self.message }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// `message` with every quoted part (`"…"`, Rust-escaped) cut to its first 80 characters.
fn shorten_quotes(message: &str) -> String {
    const SHOWN: usize = 80;
    let mut out = String::with_capacity(message.len().min(1024));
    let (mut quoted, mut escaped, mut length) = (false, false, 0usize);
    for c in message.chars() {
        if quoted {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                quoted = false;
                if length > SHOWN {
                    out.push('…');
                }
            }
            length += 1;
            if length <= SHOWN || c == '"' && !quoted {
                out.push(c);
            }
            continue;
        }
        if c == '"' {
            quoted = true;
            length = 0;
        }
        out.push(c);
    }
    out
}

/// The result type of the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;
