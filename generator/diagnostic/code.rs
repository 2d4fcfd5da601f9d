//! The stable codes of diagnostics.
//!
//! A code never changes meaning once published: tools and CI scripts match on
//! it. Errors are `E….`, warnings `W….`, notes `N….`; each also has a
//! kebab-case name for people.
//!
//! Codes are set where each error and warning is made: [`Error::Invalid`](crate::Error::Invalid)
//! and [`Error::Unsupported`](crate::Error::Unsupported) carry a `code`, and so does every
//! [`Warning`](crate::Warning); rewording a message never changes its code.
//!
//! **Adding a code** is one line in the table below (the variant, its id, name
//! and hint), plus its row in the README's table of codes, which a test holds
//! to this one. Then construct the error or warning with it.

use super::Severity;

/// The table of codes: `Variant = ("id", "name", "hint")`, with the variant's doc.
macro_rules! codes {
    ($($(#[doc = $doc:literal])+ $variant:ident = ($id:literal, $name:literal, $hint:expr),)+) => {
        /// What kind of problem a diagnostic reports.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum Code {
            $($(#[doc = $doc])+ $variant,)+
        }

        impl Code {
            /// Every code, in table order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)+];

            fn row(self) -> (&'static str, &'static str, &'static str) {
                match self {
                    $(Code::$variant => ($id, $name, $hint),)+
                }
            }
        }
    };
}

codes! {
    /// A file could not be read or written.
    Io = ("E0001", "io", ""),
    /// The text is not YAML or JSON.
    Syntax = ("E0002", "syntax", "check the indentation and the brackets or quotes that open before this point"),
    /// The document breaks the OpenAPI specification (no more specific code applies).
    Invalid = ("E0003", "invalid", ""),
    /// A `$ref` points at nothing.
    UnresolvedRef = ("E0004", "unresolved-ref", "point the `$ref` at something the document defines"),
    /// A path template and the declared path parameters disagree.
    PathParameter = (
        "E0005",
        "path-parameter",
        "every `{name}` in the path needs a parameter with `in: path` and `required: true`, and no other"
    ),
    /// Two operations share an `operationId`.
    DuplicateOperationId = ("E0006", "duplicate-operation-id", "operationIds must be unique in the document: rename one"),
    /// An `example` or `examples` value contradicts its schema.
    ExampleMismatch = ("E0007", "example-mismatch", "change the example to fit the schema, or relax the schema"),
    /// A construct clawgen does not support yet.
    Unsupported = ("E0008", "unsupported", "the README's \"Known limits\" lists what clawgen cannot read yet"),
    /// A version of OpenAPI (or Swagger) that clawgen does not read.
    UnsupportedVersion = ("E0009", "unsupported-version", "clawgen reads OpenAPI 3.0.x, 3.1.x and 3.2.x; convert older documents first"),
    /// A clawgen option (config file or `x-clawgen-*` extension) is wrong.
    BadOption = ("E0010", "bad-option", ""),
    /// The document nests deeper than [`crate::depth::MAX_DEPTH`] levels.
    TooDeep = ("E0011", "too-deep", "no real document nests this deeply; flatten the schemas into named components"),
    /// A bug in clawgen: a template or the emitted Rust failed.
    Internal = ("E0099", "internal", "this is a bug in clawgen; please report it with the document"),
    /// A schema has no Rust type and became `serde_json::Value`.
    Untyped = ("W0001", "untyped", "the value is a `serde_json::Value`; a schema with `type` and `properties` gets a Rust type"),
    /// A keyword neither OpenAPI nor JSON Schema defines.
    UnknownKeyword = ("W0002", "unknown-keyword", "prefix it with `x-` if it is an extension of yours"),
    /// Something the specification does not allow was read leniently.
    Lenient = ("W0003", "lenient", ""),
    /// A constraint that is not checked.
    Unchecked = ("W0004", "unchecked", ""),
    /// A value that is passed as text the caller encodes.
    PassedAsText = ("W0005", "passed-as-text", ""),
    /// An operation's methods got another name than its `operationId`.
    RenamedOperation = ("W0006", "renamed-operation", "give each operation an operationId of its own"),
    /// A default that contradicts its schema was dropped.
    IgnoredDefault = ("W0007", "ignored-default", "make the default a value its schema accepts"),
    // W0008 (`unread-media-type`) is retired: every media type of a body is read, in a form of its own where needed.
    /// A keyword of an `xml` object that clawgen does not honour.
    XmlIgnored = ("W0009", "xml-ignored", "XML is read by local names and written without namespaces"),
    /// An operation was left out on purpose (`x-clawgen-skip` or the config file).
    SkippedOperation = ("N0001", "skipped-operation", ""),
}

impl Code {
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
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

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

    /// The README's table of codes is this table: a code added here must be documented there.
    #[test]
    fn the_readme_lists_every_code() {
        let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).expect("README.md");
        let listed: Vec<(String, String)> = readme
            .lines()
            .filter_map(|line| {
                let cells: Vec<&str> = line.split('|').map(str::trim).collect();
                let (id, name) = (cells.get(1)?, cells.get(2)?);
                let code = id.len() == 5 && id.starts_with(['E', 'W', 'N']) && id[1..].bytes().all(|b| b.is_ascii_digit());
                code.then(|| (id.to_string(), name.trim_matches('`').to_owned()))
            })
            .collect();
        let table: Vec<(String, String)> = Code::ALL.iter().map(|c| (c.id().to_owned(), c.name().to_owned())).collect();
        assert_eq!(listed, table);
    }

    fn warnings(text: &str) -> Vec<(Code, String)> {
        let generated = crate::generate_crate_from_str(Path::new("t.yaml"), text).expect("generates");
        generated.warnings.iter().map(|w| (w.code, w.location.pointer.clone())).collect()
    }

    fn error(text: &str) -> (Code, String) {
        let error = crate::generate_crate_from_str(Path::new("t.yaml"), text).expect_err("fails");
        (error.code(), error.location().map(|l| l.pointer.clone()).unwrap_or_default())
    }

    /// Each place that makes a warning, reached by a document, and the code it gives.
    #[test]
    fn every_pipeline_warning_is_made_with_its_code() {
        let found = warnings(
            r##"
openapi: 3.1.0
info: {title: t}
tags: [{name: a, description: {$ref: '#/x'}}]
paths:
  /a/{id}:
    get:
      operationId: same
      parameters:
        - {name: id, in: path, required: true, schema: {type: object}}
        - {name: q, in: query, content: {application/json: {schema: {type: object}}}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/S'}}}}
  /b:
    get:
      operationId: same
  /c:
    get:
      operationId: skipped
      x-clawgen-skip: not needed
      responses: {'204': {description: ok}}
components:
  schemas:
    S:
      type: object
      properties:
        n: {not: {type: string}}
        i: {if: {type: string}}
        e: {enum: [a, 1]}
        f: {type: string, frob: true}
        t: {type: array, items: [{type: string}]}
        p: {type: string, pattern: '([a'}
        big: {type: integer, multipleOf: 0.3}
        d: {type: integer, default: x}
        c: {type: array, items: {type: string}, contains: {const: x}}
"##,
        );
        let expected = [
            (Code::Lenient, "/info"),
            (Code::Lenient, "/tags/0/description"),
            (Code::UnknownKeyword, "/components/schemas/S/properties/f/frob"),
            (Code::Lenient, "/components/schemas/S/properties/t/items"),
            (Code::Unchecked, "/components/schemas/S/properties/big/multipleOf"),
            (Code::SkippedOperation, "/paths/~1c/get"),
            (Code::Untyped, "/components/schemas/S/properties/n"),
            (Code::Untyped, "/components/schemas/S/properties/i"),
            (Code::Untyped, "/components/schemas/S/properties/e"),
            (Code::Unchecked, "/components/schemas/S/properties/p"),
            (Code::PassedAsText, "/paths/~1a~1{id}/get/parameters/0"),
            (Code::PassedAsText, "/paths/~1a~1{id}/get/parameters/1"),
            (Code::RenamedOperation, "/paths/~1b/get"),
            (Code::IgnoredDefault, "/components/schemas/S/properties/d/default"),
            (Code::Unchecked, "/components/schemas/S/properties/c/contains"),
        ];
        let mut found = found;
        let mut expected: Vec<(Code, String)> = expected.iter().map(|(c, p)| (*c, p.to_string())).collect();
        found.sort();
        expected.sort();
        assert_eq!(found, expected);
    }

    /// Each kind of error, reached by a document, and the code it is made with.
    #[test]
    fn errors_are_made_with_their_codes() {
        let head = "openapi: 3.1.0\ninfo: {title: t, version: 1.0.0}\n";
        let cases = [
            ("paths:\n  /a:\n    get:\n      responses: {'200': {$ref: '#/components/responses/Gone'}}\n", Code::UnresolvedRef),
            (
                "paths:\n  /a/{id}:\n    get:\n      parameters: [{name: id, in: path, required: true, schema: {type: integer}, x-clawgen-wildcard: true}]\n      responses: {'204': {description: ok}}\n",
                Code::BadOption,
            ),
            ("x-clawgen-features: [everything]\npaths: {}\n", Code::BadOption),
            ("x-clawgen-webhook-signature: {}\npaths: {}\n", Code::BadOption),
            ("paths:\n  /a:\n    get:\n      responses: {'200': {description: 5}}\n", Code::Invalid),
            ("paths:\n  /a:\n    get:\n      responses: {'200': {$ref: 'http://example.com/r.yaml'}}\n", Code::Unsupported),
        ];
        for (rest, code) in cases {
            assert_eq!(error(&format!("{head}{rest}")).0, code, "{rest}");
        }
        assert_eq!(error("openapi: 4.0.0\ninfo: {title: t, version: '1'}\npaths: {}\n").0, Code::UnsupportedVersion);
        assert_eq!(error("swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n").0, Code::UnsupportedVersion);
    }
}
