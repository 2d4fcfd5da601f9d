//! `clawgen diff` from the command line: text and JSON output, `--fail-on-breaking`, bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn clawgen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clawgen")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().expect("clawgen runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs `clawgen diff` and asserts its exit code; returns stdout.
fn diff(args: &[&str], code: i32) -> String {
    let output = clawgen(&[&["diff"], args].concat());
    assert_eq!(output.status.code(), Some(code), "diff {args:?}\nstdout:\n{}\nstderr:\n{}", text(&output.stdout), text(&output.stderr));
    text(&output.stdout)
}

const V2_1: &str = "tests/releases/cybervault-2.1.0.yaml";
const V2_2: &str = "tests/releases/cybervault-2.2.0.yaml";

#[test]
fn text_output_lists_every_change_by_severity() {
    let out = diff(&[V2_1, V2_2], 0);
    assert!(out.starts_with("comparing tests/releases/cybervault-2.1.0.yaml (2.1.0) with tests/releases/cybervault-2.2.0.yaml (2.2.0)\n"));
    let clients = out.find("breaking for clients (9):").expect("a clients group");
    let servers = out.find("breaking for servers (1):").expect("a servers group");
    let compatible = out.find("compatible (1):").expect("a compatible group");
    assert!(clients < servers && servers < compatible, "{out}");
    assert!(
        out.contains(
            "  - GET /threats/recent: query parameter `limit`: maximum tightened from <= 100 to <= 50 [maximum-tightened; Rust API unchanged] \
         (tests/releases/cybervault-2.2.0.yaml:87:13 at #/paths/~1threats~1recent/get/parameters/2/schema/maximum)\n"
        ),
        "{out}"
    );
    // Removals point into the OLD document.
    assert!(
        out.contains(
            "property `source_ip`: property removed [property-removed; breaks the Rust API] (tests/releases/cybervault-2.1.0.yaml:"
        ),
        "{out}"
    );
    assert!(out.contains("11 changes: 9 breaking for clients, 1 breaking for servers, 1 compatible\n"), "{out}");
    assert!(out.contains("suggested bump: major (2.1.0 -> 3.0.0); the new document declares 2.2.0, which is not enough\n"), "{out}");
    assert!(out.ends_with("suggested crate bump: major (2.1.0 -> 3.0.0), for the generated Rust API (Rust API: 4 breaking, 5 additive, 2 unchanged); info.version is not enough\n"), "{out}");
    insta::assert_snapshot!("diff_text_2.1.0_to_2.2.0", out);
}

#[test]
fn json_output_has_the_documented_shape() {
    let out = diff(&[V2_1, V2_2, "--format", "json"], 0);
    let report: Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(report["format"], "clawgen-diff/1");
    assert_eq!(report["old"], serde_json::json!({"file": V2_1, "version": "2.1.0"}));
    assert_eq!(report["new"]["version"], "2.2.0");
    assert_eq!(report["breaking"], true);
    assert_eq!(report["identical"], false);
    assert_eq!(
        report["summary"],
        serde_json::json!({"breaking_clients_and_servers": 0, "breaking_clients": 9, "breaking_servers": 1, "compatible": 1})
    );
    assert_eq!(report["suggestion"], serde_json::json!({"bump": "major", "version": "3.0.0", "declared": "minor", "sufficient": false}));
    assert_eq!(report["rust_breaking"], true);
    assert_eq!(
        report["crate_suggestion"],
        serde_json::json!({"bump": "major", "version": "3.0.0", "declared": "minor", "sufficient": false})
    );
    let changes = report["changes"].as_array().expect("a list of changes");
    assert_eq!(changes.len(), 11);
    let limit = changes.iter().find(|c| c["rule"] == "maximum-tightened").expect("the page size change");
    assert_eq!(
        *limit,
        serde_json::json!({
            "rule": "maximum-tightened",
            "severity": "breaking-clients",
            "rust": "unchanged",
            "direction": "request",
            "operation": {"path": "/threats/recent", "method": "GET"},
            "subject": "query parameter `limit`",
            "message": "maximum tightened from <= 100 to <= 50",
            "location": {"side": "new", "file": V2_2, "pointer": "/paths/~1threats~1recent/get/parameters/2/schema/maximum", "line": 87, "column": 13}
        })
    );
    let status = changes.iter().filter(|c| c["rule"] == "enum-values-added").map(|c| (c["severity"].clone(), c["direction"].clone()));
    let status: Vec<_> = status.collect();
    assert!(status.contains(&("breaking-servers".into(), "request".into())), "{status:?}");
    assert!(status.contains(&("breaking-clients".into(), "response".into())), "{status:?}");
    assert!(changes.iter().any(|c| c["rule"] == "security-scopes-added" && c["operation"]["method"] == "PATCH"));
    insta::assert_snapshot!("diff_json_2.1.0_to_2.2.0", out);
}

#[test]
fn fail_on_breaking_exits_1_only_for_breaking_changes() {
    diff(&[V2_1, V2_2, "--fail-on-breaking"], 1);
    let compatible = diff(&["specs/cybervault.yaml", V2_1, "--fail-on-breaking"], 0);
    // `--fail-on-breaking` is about the wire; what the change does to the generated crate is said beside it.
    assert!(compatible.contains("  - GET /threats/{id}: operation added [operation-added; adds to the Rust API]"), "{compatible}");
    assert!(
        compatible.contains("suggested bump: minor (2.0.0 -> 2.1.0); the new document declares 2.1.0, which is enough"),
        "{compatible}"
    );
}

#[test]
fn a_31_document_and_its_30_successor_differ_only_where_they_should() {
    let out = diff(&[V2_1, "tests/releases/cybervault-3.0.0.yaml", "--format", "json"], 0);
    let report: Value = serde_json::from_str(&out).expect("valid JSON");
    let rules: Vec<(&str, &str, &str)> = report["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            (
                c["rule"].as_str().unwrap_or(""),
                c["operation"]["method"].as_str().unwrap_or(""),
                c["location"]["side"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(rules, [("operation-removed", "PATCH", "old")]);
    assert_eq!(report["suggestion"]["sufficient"], true);
}

fn specs() -> Vec<PathBuf> {
    let mut specs: Vec<PathBuf> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("specs")).expect("specs/").map(|e| e.expect("entry").path()).collect();
    specs.sort();
    specs
}

#[test]
fn every_spec_compared_with_itself_has_no_changes() {
    for spec in specs() {
        let spec = spec.to_str().expect("utf-8 path");
        let out = diff(&[spec, spec, "--fail-on-breaking"], 0);
        assert!(out.contains("\nno changes: the documents are identical apart from info.version\n"), "{spec}: {out}");
    }
}

#[test]
fn a_generated_crate_stands_for_the_document_it_records() {
    let out = diff(&["generated/cybervault-v2", "specs/cybervault.yaml", "--fail-on-breaking"], 0);
    assert!(out.starts_with("comparing generated/cybervault-v2/openapi.json (2.0.0)"), "{out}");
    assert!(out.contains("\nno changes: "), "{out}");
}

#[test]
fn bad_input_exits_2_with_a_located_error() {
    for (old, new, expected) in [
        ("specs/cybervault.yaml", "tests/releases/missing.yaml", "tests/releases/missing.yaml"),
        ("tests/bad/malformed-yaml.yaml", "specs/cybervault.yaml", "cannot parse"),
        ("tests/bad/swagger2.yaml", "specs/cybervault.yaml", "not an OpenAPI 3 document"),
        ("specs/cybervault.yaml", "tests/bad/unresolved-ref.yaml", "points at nothing"),
    ] {
        let output = clawgen(&["diff", old, new]);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{old} {new}: {stderr}");
        assert!(stderr.starts_with("error[E") && stderr.contains(expected), "{old} {new}: {stderr}");
    }
    let usage = clawgen(&["diff", "specs/cybervault.yaml"]);
    assert_eq!(usage.status.code(), Some(2), "a missing argument is a usage error");
}
