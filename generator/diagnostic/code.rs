//! The stable codes of diagnostics, and how errors and warnings get theirs.
//!
//! A code never changes meaning once published: tools and CI scripts match on
//! it. Errors are `E….`, warnings `W….`, notes `N….`; each also has a
//! kebab-case name for people.
//!
//! [`Error`](crate::Error) and [`Warning`](crate::Warning) keep the shape they
//! had before codes existed, so their code is read from their kind and their
//! wording here, in one table that the tests pin message by message.

use super::Severity;
use crate::error::{Error, Warning};

/// What kind of problem a diagnostic reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Code {
    /// A file could not be read or written.
    Io,
    /// The text is not YAML or JSON.
    Syntax,
    /// The document breaks the OpenAPI specification (no more specific code applies).
    Invalid,
    /// A `$ref` points at nothing.
    UnresolvedRef,
    /// A path template and the declared path parameters disagree.
    PathParameter,
    /// Two operations share an `operationId`.
    DuplicateOperationId,
    /// An `example` or `examples` value contradicts its schema.
    ExampleMismatch,
    /// A construct clawgen does not support yet.
    Unsupported,
    /// A version of OpenAPI (or Swagger) that clawgen does not read.
    UnsupportedVersion,
    /// A clawgen option (config file or `x-clawgen-*` extension) is wrong.
    BadOption,
    /// A bug in clawgen: a template or the emitted Rust failed.
    Internal,
    /// A schema has no Rust type and became `serde_json::Value`.
    Untyped,
    /// A keyword neither OpenAPI nor JSON Schema defines.
    UnknownKeyword,
    /// Something the specification does not allow was read leniently.
    Lenient,
    /// A constraint that is not checked.
    Unchecked,
    /// A value that is passed as text the caller encodes.
    PassedAsText,
    /// An operation's methods got another name than its `operationId`.
    RenamedOperation,
    /// A default that contradicts its schema was dropped.
    IgnoredDefault,
    /// An operation was left out on purpose (`x-clawgen-skip` or the config file).
    SkippedOperation,
}

impl Code {
    /// Every code, in table order.
    pub const ALL: [Code; 19] = [
        Code::Io,
        Code::Syntax,
        Code::Invalid,
        Code::UnresolvedRef,
        Code::PathParameter,
        Code::DuplicateOperationId,
        Code::ExampleMismatch,
        Code::Unsupported,
        Code::UnsupportedVersion,
        Code::BadOption,
        Code::Internal,
        Code::Untyped,
        Code::UnknownKeyword,
        Code::Lenient,
        Code::Unchecked,
        Code::PassedAsText,
        Code::RenamedOperation,
        Code::IgnoredDefault,
        Code::SkippedOperation,
    ];

    /// The short stable code (`E0004`).
    pub fn id(self) -> &'static str {
        self.row().0
    }

    /// The stable kebab-case name (`unresolved-ref`).
    pub fn name(self) -> &'static str {
        self.row().1
    }

    /// How serious it is.
    pub fn severity(self) -> Severity {
        match self.id().as_bytes()[0] {
            b'E' => Severity::Error,
            b'W' => Severity::Warning,
            _ => Severity::Note,
        }
    }

    /// Whether a warning of this code reports a deviation from the specification that
    /// was read one sensible way: `validate` and `--strict` report these as errors.
    pub fn is_lenient(self) -> bool {
        matches!(self, Code::Lenient | Code::IgnoredDefault)
    }

    /// A generic suggestion, when there is one.
    pub fn hint(self) -> Option<&'static str> {
        let hint = self.row().2;
        (!hint.is_empty()).then_some(hint)
    }

    fn row(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Code::Io => ("E0001", "io", ""),
            Code::Syntax => ("E0002", "syntax", "check the indentation and the brackets or quotes that open before this point"),
            Code::Invalid => ("E0003", "invalid", ""),
            Code::UnresolvedRef => ("E0004", "unresolved-ref", "point the `$ref` at something the document defines"),
            Code::PathParameter => (
                "E0005",
                "path-parameter",
                "every `{name}` in the path needs a parameter with `in: path` and `required: true`, and no other",
            ),
            Code::DuplicateOperationId => ("E0006", "duplicate-operation-id", "operationIds must be unique in the document: rename one"),
            Code::ExampleMismatch => ("E0007", "example-mismatch", "change the example to fit the schema, or relax the schema"),
            Code::Unsupported => ("E0008", "unsupported", "the README's \"Known limits\" lists what clawgen cannot read yet"),
            Code::UnsupportedVersion => {
                ("E0009", "unsupported-version", "clawgen reads OpenAPI 3.0.x and 3.1.x; convert older documents first")
            }
            Code::BadOption => ("E0010", "bad-option", ""),
            Code::Internal => ("E0099", "internal", "this is a bug in clawgen; please report it with the document"),
            Code::Untyped => {
                ("W0001", "untyped", "the value is a `serde_json::Value`; a schema with `type` and `properties` gets a Rust type")
            }
            Code::UnknownKeyword => ("W0002", "unknown-keyword", "prefix it with `x-` if it is an extension of yours"),
            Code::Lenient => ("W0003", "lenient", ""),
            Code::Unchecked => ("W0004", "unchecked", ""),
            Code::PassedAsText => ("W0005", "passed-as-text", ""),
            Code::RenamedOperation => ("W0006", "renamed-operation", "give each operation an operationId of its own"),
            Code::IgnoredDefault => ("W0007", "ignored-default", "make the default a value its schema accepts"),
            Code::SkippedOperation => ("N0001", "skipped-operation", ""),
        }
    }

    /// The code of an error.
    pub fn of_error(error: &Error) -> Code {
        match error {
            Error::Io { .. } => Code::Io,
            Error::Syntax { .. } => Code::Syntax,
            Error::Invalid { message, .. } => Code::of_invalid(message),
            Error::Unsupported { feature, .. } if feature.starts_with("OpenAPI version") || feature.starts_with("Swagger") => {
                Code::UnsupportedVersion
            }
            Error::Unsupported { .. } => Code::Unsupported,
            Error::Template { .. } | Error::Emit { .. } => Code::Internal,
        }
    }

    fn of_invalid(message: &str) -> Code {
        if message.contains("points at nothing") || message.contains("points at no ") || message.contains("which does not exist") {
            Code::UnresolvedRef
        } else if message.starts_with("path parameter") {
            Code::PathParameter
        } else if message.contains("x-clawgen-") || message.starts_with("config") {
            Code::BadOption
        } else {
            Code::Invalid
        }
    }

    /// The code of a warning.
    pub fn of_warning(warning: &Warning) -> Code {
        let message = warning.message.as_str();
        let has = |part: &str| message.contains(part);
        if has("has no Rust type") || has("kept as serde_json::Value") || has("cannot be merged") || has("has no Rust struct") {
            Code::Untyped
        } else if has("is not a JSON Schema keyword") {
            Code::UnknownKeyword
        } else if has("is not checked") {
            Code::Unchecked
        } else if has("passed as text") {
            Code::PassedAsText
        } else if has("operationId") && has("is taken") {
            Code::RenamedOperation
        } else if has("the default does not fit") {
            Code::IgnoredDefault
        } else if message.starts_with("operation") && has("is skipped") {
            Code::SkippedOperation
        } else {
            Code::Lenient
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Location;

    fn warning(message: &str) -> Code {
        Code::of_warning(&Warning { location: Location::default(), message: message.into() })
    }

    #[test]
    fn ids_and_names_are_unique() {
        let mut ids: Vec<&str> = Code::ALL.iter().map(|c| c.id()).collect();
        let mut names: Vec<&str> = Code::ALL.iter().map(|c| c.name()).collect();
        ids.sort();
        ids.dedup();
        names.sort();
        names.dedup();
        assert_eq!((ids.len(), names.len()), (Code::ALL.len(), Code::ALL.len()));
    }

    /// Every warning the pipeline emits, as it words it, with the code it must get.
    #[test]
    fn every_pipeline_warning_gets_its_code() {
        let cases = [
            ("`not` has no Rust type; the value is kept as serde_json::Value", Code::Untyped),
            ("`if` has no Rust type; the value is kept as serde_json::Value", Code::Untyped),
            ("an `enum` of non-string values is kept as serde_json::Value", Code::Untyped),
            ("this combination of keywords has no Rust type; the value is kept as serde_json::Value", Code::Untyped),
            ("an allOf that includes itself has no Rust struct; the value is kept as serde_json::Value", Code::Untyped),
            ("an allOf part that is not an object cannot be merged; the value is kept as serde_json::Value", Code::Untyped),
            ("`pattern` \"(?<=a)\" is not checked: the Rust regex engine rejects it (x)", Code::Unchecked),
            ("`minimum` of an integer is not a 64-bit integer; it is not checked", Code::Unchecked),
            (
                "operationId `a` is taken by another operation (or collides after case conversion); its methods are named `a2`",
                Code::RenamedOperation,
            ),
            ("a parameter described by `content` is passed as text, encoded by the caller", Code::PassedAsText),
            ("this path parameter is not a scalar; it is passed as text, exactly as given", Code::PassedAsText),
            ("`frob` is not a JSON Schema keyword clawgen knows; kept as x-clawgen-unknown and ignored", Code::UnknownKeyword),
            ("`items` is a list (tuple form); read as `prefixItems`", Code::Lenient),
            ("a tag description that is not text is ignored", Code::Lenient),
            ("`info.version` is missing; the crate is versioned 0.0.0", Code::Lenient),
            ("no `responses` (OpenAPI 3.0 requires them): every answer is undocumented", Code::Lenient),
            ("the default does not fit its schema; it is ignored", Code::IgnoredDefault),
            ("operation `getThing` is skipped: not needed", Code::SkippedOperation),
        ];
        for (message, code) in cases {
            assert_eq!(warning(message), code, "{message}");
        }
    }

    #[test]
    fn errors_get_specific_codes_where_their_kind_is_known() {
        let invalid = |message: &str| Error::Invalid { location: Location::default(), message: message.into() };
        assert_eq!(Code::of_error(&invalid("$ref #/components/schemas/X points at nothing")), Code::UnresolvedRef);
        assert_eq!(Code::of_error(&invalid("$ref #/components/responses/X points at no response")), Code::UnresolvedRef);
        assert_eq!(Code::of_error(&invalid("path parameter `id` of /a/{id} is not declared")), Code::PathParameter);
        assert_eq!(Code::of_error(&invalid("x-clawgen-wildcard needs a string parameter that ends the path")), Code::BadOption);
        assert_eq!(Code::of_error(&invalid("missing field `responses`")), Code::Invalid);
        let unsupported = |feature: &str| Error::Unsupported { location: Location::default(), feature: feature.into() };
        assert_eq!(Code::of_error(&unsupported("OpenAPI version 4.0.0 (clawgen reads 3.0.x and 3.1.x)")), Code::UnsupportedVersion);
        assert_eq!(Code::of_error(&unsupported("headers described by `content`")), Code::Unsupported);
    }
}
