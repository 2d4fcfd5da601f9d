//! The negative corpus: each document under `tests/diagnostics/` is broken in
//! one way (or, for `many-problems.yaml`, in several), and its rendered
//! diagnostics are pinned by an insta snapshot. Paths are relative to the
//! repository, as a user would type them, so the snapshots are stable.

use std::path::{Path, PathBuf};

use clawgen::diagnostic::{Diagnostic, Renderer, summary};

fn cases() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diagnostics"))
        .expect("tests/diagnostics exists")
        .map(|entry| Path::new("tests/diagnostics").join(entry.expect("entry").file_name()))
        .collect();
    cases.sort();
    cases
}

fn validate(case: &Path) -> Vec<Diagnostic> {
    // Relative paths resolve from the package root, where cargo runs tests.
    assert!(case.is_relative());
    clawgen::validate::validate(case)
}

#[test]
fn every_broken_document_renders_its_diagnostics() {
    let cases = cases();
    assert!(cases.len() >= 10, "the negative corpus is missing cases");
    for case in cases {
        let diagnostics = validate(&case);
        assert!(!diagnostics.is_empty(), "{} reports nothing", case.display());
        let mut renderer = Renderer::plain();
        let mut text: String = diagnostics.iter().map(|d| renderer.render(d)).collect::<Vec<_>>().join("\n");
        text.push_str(&format!("\n{}\n", summary(&diagnostics)));
        let name = case.file_stem().expect("a file name").to_string_lossy().into_owned();
        insta::assert_snapshot!(format!("text__{name}"), text);
    }
}

#[test]
fn json_form_of_a_document_with_several_problems() {
    let diagnostics = validate(Path::new("tests/diagnostics/many-problems.yaml"));
    let lines: Vec<String> = diagnostics.iter().map(|d| d.to_json().to_string()).collect();
    insta::assert_snapshot!("json__many-problems", lines.join("\n"));
}

#[test]
fn json_form_of_a_syntax_error() {
    let diagnostics = validate(Path::new("tests/diagnostics/broken-json.json"));
    let value = serde_json::Value::Array(diagnostics.iter().map(Diagnostic::to_json).collect());
    insta::assert_snapshot!("json__broken-json", serde_json::to_string_pretty(&value).expect("serialises"));
}

/// One small real-world document, when the shared corpus sits beside the
/// repository (it is read, never copied): validation finds nothing wrong.
#[test]
fn a_real_world_document_validates_cleanly_when_the_corpus_is_present() {
    let petstore = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/oai-petstore/petstore.yaml");
    if !petstore.exists() {
        return;
    }
    let diagnostics = clawgen::validate::validate(&petstore);
    assert!(diagnostics.is_empty(), "{}", diagnostics.iter().map(Diagnostic::render).collect::<String>());
}
