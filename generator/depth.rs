//! The one bound on how deeply a document may nest, and the stack that bound needs.
//!
//! Every stage after loading follows the document's shape: normalising
//! deserialises openapiv3's typed model (serde, recursive), lowering and
//! emission recurse through nested schemas and the types they become, `diff`
//! compares schemas side by side. So the depth of a document is the depth of
//! their stacks. [`MAX_DEPTH`] bounds it once, in the loader, with a located
//! error ([`crate::Code::TooDeep`]); no later pass gives up by itself.

use crate::error::{Error, Location};

/// How many levels of objects and arrays a document may nest, counted in the
/// text before any parser runs (JSON and YAML alike, root object = 1).
///
/// Real documents stay far below: in the 75 documents of the corpus the
/// deepest is 28 (Cloudflare, InfluxDB), Stripe and Linode 25, OpenAI 21,
/// the Kubernetes documents 9 (their depth is in `$ref`s, which do not nest
/// text). A schema nested 500 levels through `properties` (two levels each)
/// takes 1,004, so it is read; the fuzzer's 1,100-level schemas are refused.
pub const MAX_DEPTH: usize = 1024;

/// The stack each level of nesting may take in the pipeline's passes, at
/// worst. Measured on a debug build, where frames are largest: a schema
/// nested 500 levels (1,004 levels of JSON) through `properties`, `allOf`,
/// `oneOf` or `items` needs between 16 and 32 MiB, almost all of it in
/// openapiv3's derived deserialisers (`flatten` and `untagged` buffer every
/// level), which no pass of ours can make iterative.
const STACK_PER_LEVEL: usize = 48 << 10;

/// The stack of the threads that normalise, lower, emit and compare one
/// document: what [`MAX_DEPTH`] levels need (48 MiB), so that no document the
/// loader accepts can overflow it, whatever thread the caller runs on (a
/// test's has 2 MiB, a build script's main thread 8 MiB). It is address
/// space, touched only as deep as a document goes.
pub(crate) const STACK: usize = MAX_DEPTH * STACK_PER_LEVEL;

/// Runs `work` on a thread with [`STACK`] bytes of stack, or on the calling
/// thread if no thread can be started.
pub(crate) fn with_stack<R: Send>(mut work: impl FnMut() -> R + Send) -> R {
    let spawned = std::thread::scope(|scope| {
        std::thread::Builder::new().stack_size(STACK).spawn_scoped(scope, &mut work).map(|handle| handle.join())
    });
    match spawned {
        Ok(Ok(result)) => result,
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(_) => work(),
    }
}

/// The error for a document that nests beyond [`MAX_DEPTH`] at `location`.
pub(crate) fn too_deep(location: Location, what: &str) -> Error {
    Error::Unsupported {
        code: crate::Code::TooDeep,
        location,
        feature: format!("{what} nests deeper than {MAX_DEPTH} levels, the most clawgen reads (see the README's \"Depth\")"),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// A document whose schema `Deep` nests `levels` schemas, each level one of
    /// the ways schemas nest, in turn.
    fn nested(levels: usize) -> String {
        // Built as text: serialising a value this deep would recurse on the test's own stack.
        let (mut open, mut close) = (String::new(), String::new());
        for level in (0..levels).rev() {
            let (before, after) = match level % 4 {
                0 => ("{\"type\": \"array\", \"items\": ".to_owned(), "}".to_owned()),
                1 => (format!("{{\"type\": \"object\", \"required\": [\"p{level}\"], \"properties\": {{\"p{level}\": "), "}}".to_owned()),
                2 => ("{\"allOf\": [".to_owned(), "]}".to_owned()),
                _ => ("{\"oneOf\": [".to_owned(), ", {\"type\": \"integer\"}]}".to_owned()),
            };
            open.push_str(&before);
            close.insert_str(0, &after);
        }
        let response =
            r##"{"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Deep"}}}}}"##;
        format!(
            r#"{{"openapi": "3.1.0", "info": {{"title": "deep", "version": "1.0.0"}},
"paths": {{"/deep": {{"get": {{"operationId": "getDeep", "responses": {response}}}}}}},
"components": {{"schemas": {{"Deep": {open}{{"type": "string"}}{close}}}}}}}"#
        )
    }

    /// [`nested`] in YAML's block style, which serde_yaml alone would refuse beyond 128 levels.
    fn nested_yaml(levels: usize) -> String {
        let mut text = "openapi: 3.1.0\ninfo: {title: deep, version: 1.0.0}\npaths:\n  /deep:\n    get:\n      operationId: getDeep\n      \
                        responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              \
                        schema: {$ref: '#/components/schemas/Deep'}\ncomponents:\n  schemas:\n    Deep:\n"
            .to_owned();
        let mut pad = " ".repeat(6);
        for level in (0..levels).rev() {
            let (lines, indent) = match level % 4 {
                0 => (format!("{pad}type: array\n{pad}items:\n"), 2),
                1 => (format!("{pad}type: object\n{pad}required: [p{level}]\n{pad}properties:\n{pad}  p{level}:\n"), 4),
                2 => (format!("{pad}allOf:\n{pad}-\n"), 2),
                _ => (format!("{pad}oneOf:\n{pad}- type: integer\n{pad}-\n"), 2),
            };
            text.push_str(&lines);
            pad.push_str(&" ".repeat(indent));
        }
        text.push_str(&format!("{pad}type: string\n"));
        text
    }

    #[test]
    fn a_schema_nested_500_levels_generates_rust_that_parses_on_a_test_thread() {
        for (name, text) in [("deep.json", nested(500)), ("deep.yaml", nested_yaml(500))] {
            let generated = crate::generate_crate_from_str(Path::new(name), &text).expect("a valid document within the bound");
            for file in generated.files.iter().filter(|f| f.path.ends_with(".rs")) {
                syn::parse_file(&file.contents).unwrap_or_else(|err| panic!("{name}: {}: {err}", file.path));
            }
            assert!(generated.files.iter().any(|f| f.contents.contains("pub struct Deep")), "{name}");
            // rustc's drop check would overflow its default limit on 500 nested structs.
            assert!(generated.files.iter().any(|f| f.path == "src/lib.rs" && f.contents.contains("#![recursion_limit = \"")), "{name}");
        }
        let report = crate::diff::diff(
            &crate::load::Source::parse(Path::new("old.json"), nested(500)).expect("old"),
            &crate::load::Source::parse(Path::new("new.json"), nested(499)).expect("new"),
        );
        assert!(report.is_ok(), "{:?}", report.err());
    }

    #[test]
    fn an_all_of_of_300_parts_is_merged() {
        // Once refused past 256 parts ("allOf nests too deeply"); the bound is the one bound now.
        let parts: Vec<String> =
            (0..300).map(|i| format!(r#"{{"type": "object", "properties": {{"p{i}": {{"type": "string"}}}}}}"#)).collect();
        let text = format!(
            r##"{{"openapi": "3.1.0", "info": {{"title": "wide", "version": "1.0.0"}}, "paths": {{}},
"components": {{"schemas": {{"Wide": {{"allOf": [{}]}}}}}}}}"##,
            parts.join(", ")
        );
        let generated = crate::generate_crate_from_str(Path::new("wide.json"), &text).expect("300 parts");
        let types = generated.files.iter().find(|f| f.path == "src/types.rs").expect("types.rs");
        assert!(types.contents.contains("pub p0:") && types.contents.contains("pub p299:"));
    }

    #[test]
    fn a_schema_nested_beyond_the_bound_is_a_located_error() {
        for (name, text) in [("deep.json", nested(700)), ("deep.yaml", nested_yaml(700))] {
            let error = crate::generate_crate_from_str(Path::new(name), &text).expect_err("beyond the bound");
            assert_eq!(error.code(), crate::Code::TooDeep, "{error}");
            assert!(error.location().is_some_and(|at| at.line_col.is_some()), "{error}");
        }
    }
}
