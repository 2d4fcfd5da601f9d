//! The command line: exit codes, `check`, and located errors for bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn clawgen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clawgen")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().expect("clawgen runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("clawgen-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn check_reports_drift_and_generate_fixes_it() {
    let out = scratch("check");
    let out_arg = out.to_str().expect("utf-8 path");
    let missing = clawgen(&["check", "specs/clawguru.yaml", "--out", out_arg]);
    assert_eq!(missing.status.code(), Some(1), "{}", text(&missing.stdout));
    assert!(text(&missing.stdout).contains("clawguru-v1/Cargo.toml"));

    let generated = clawgen(&["generate", "specs/clawguru.yaml", "--out", out_arg]);
    assert_eq!(generated.status.code(), Some(0), "{}", text(&generated.stderr));
    assert!(text(&generated.stdout).contains("clawguru-v1"));

    let clean = clawgen(&["check", "specs/clawguru.yaml", "--out", out_arg]);
    assert_eq!(clean.status.code(), Some(0), "{}", text(&clean.stdout));

    let types = out.join("clawguru-v1/src/types.rs");
    let edited = std::fs::read_to_string(&types).expect("types.rs").replace("pub struct Runbook", "pub struct Handbook");
    std::fs::write(&types, edited).expect("edit");
    let drifted = clawgen(&["check", "specs/clawguru.yaml", "--out", out_arg]);
    assert_eq!(drifted.status.code(), Some(1));
    let report = text(&drifted.stdout);
    assert!(
        report.contains("src/types.rs") && report.contains("-pub struct Handbook") && report.contains("+pub struct Runbook"),
        "{report}"
    );
    std::fs::remove_dir_all(&out).expect("clean up");
}

/// Each file under `tests/bad/` starts with `# expect: <text>` lines; every
/// one must appear in the rendered error, which must also name the file and exit 2.
#[test]
fn bad_documents_exit_2_with_located_errors() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir).expect("tests/bad").map(|e| e.expect("entry").path()).collect();
    cases.sort();
    assert!(cases.len() >= 6, "the negative corpus is missing cases");
    let out = scratch("bad");
    for case in cases {
        let source = std::fs::read_to_string(&case).expect("case");
        let expectations: Vec<&str> = source
            .lines()
            .filter_map(|l| l.split_once("# expect: ").map(|(_, rest)| rest.trim_end_matches(',').trim_end_matches('"')))
            .collect();
        assert!(!expectations.is_empty(), "{} has no `# expect:` line", case.display());
        let relative = case.strip_prefix(env!("CARGO_MANIFEST_DIR")).expect("inside the repo").to_str().expect("utf-8");
        let relative = relative.trim_start_matches('/');
        let output = clawgen(&["generate", relative, "--out", out.to_str().expect("utf-8")]);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{relative}: {stderr}");
        assert!(stderr.starts_with("error[E"), "{relative}: {stderr}");
        assert!(stderr.contains(relative), "{relative}: the error does not name the file: {stderr}");
        for expected in expectations {
            assert!(stderr.contains(expected), "{relative}: expected `{expected}` in: {stderr}");
        }
    }
    std::fs::remove_dir_all(&out).expect("clean up");
}

/// `--format json` prints one JSON object per diagnostic on stderr, with every documented field.
#[test]
fn json_format_prints_one_object_per_diagnostic() {
    let out = scratch("json");
    let output = clawgen(&["--format", "json", "generate", "tests/bad/unresolved-ref.yaml", "--out", out.to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    let lines: Vec<serde_json::Value> = stderr.lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    let diagnostic = &lines[0];
    assert_eq!(diagnostic["severity"], "error");
    assert_eq!(diagnostic["code"], "E0004");
    assert_eq!(diagnostic["name"], "unresolved-ref");
    assert_eq!(diagnostic["file"], "tests/bad/unresolved-ref.yaml");
    assert_eq!((diagnostic["line"].as_u64(), diagnostic["column"].as_u64()), (Some(16), Some(15)));
    assert_eq!(diagnostic["pointer"], "/paths/~1things/get/responses/200/content/application~1json/schema");
    assert!(diagnostic["hint"].is_string() && diagnostic["message"].is_string() && diagnostic["notes"].is_array());
    std::fs::remove_dir_all(&out).expect("clean up");
}

/// The APIs we ship validate cleanly; a document with several problems reports all of them and exits 2.
#[test]
fn validate_reports_everything_and_exits_by_severity() {
    let clean = clawgen(&[
        "validate",
        "specs/clawguru.yaml",
        "specs/clawget.yaml",
        "specs/cybervault.yaml",
        "specs/1claw.yaml",
        "specs/clawup.yaml",
    ]);
    assert_eq!(clean.status.code(), Some(0), "{}", text(&clean.stderr));
    assert_eq!(text(&clean.stdout).trim(), "0 errors, 0 warnings");

    let warned = clawgen(&["validate", "tests/specs/duplicate-ids.yaml"]);
    assert_eq!(warned.status.code(), Some(0), "warnings alone do not fail: {}", text(&warned.stderr));
    assert_eq!(text(&warned.stdout).trim(), "0 errors, 1 warning");
    assert!(text(&warned.stderr).starts_with("warning[W0006]: "), "{}", text(&warned.stderr));

    let broken = clawgen(&["validate", "tests/diagnostics/many-problems.yaml"]);
    assert_eq!(broken.status.code(), Some(2));
    let stderr = text(&broken.stderr);
    for code in ["error[E0004]", "error[E0005]", "error[E0006]", "error[E0007]"] {
        assert!(stderr.contains(code), "{code} missing: {stderr}");
    }
    assert!(text(&broken.stdout).trim().ends_with(" errors, 0 warnings"), "{}", text(&broken.stdout));

    let json = clawgen(&["--format", "json", "validate", "tests/diagnostics/many-problems.yaml"]);
    let summary: serde_json::Value = serde_json::from_str(text(&json.stdout).trim()).expect("a JSON summary");
    assert_eq!(summary["documents"], 1);
    assert_eq!(summary["errors"].as_u64(), Some(text(&json.stderr).lines().count() as u64));
}

/// What the fuzzer found about files (issue 16), byte by byte: encodings, file
/// kinds and `$ref`s that leave the document's folder. Each is exit 2 with the
/// file and a line and column, except a UTF-8 byte order mark, which is valid.
#[test]
fn hostile_files_exit_2_with_located_errors() {
    let dir = scratch("hostile");
    let out = dir.join("out");
    let doc = "openapi: 3.1.0\ninfo: {title: t, version: 1.0.0}\npaths: {}\n";
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("write");
        path.to_str().expect("utf-8").to_owned()
    };
    let generate = |path: &str, extra: &[&str]| {
        let mut args = vec!["generate", path, "--out", out.to_str().expect("utf-8")];
        args.extend(extra);
        let output = clawgen(&args);
        (output.status.code(), text(&output.stderr))
    };

    let bom = write("bom.yaml", format!("\u{feff}{doc}").as_bytes());
    let (code, stderr) = generate(&bom, &[]);
    assert_eq!(code, Some(0), "a UTF-8 byte order mark is valid: {stderr}");

    let utf16: Vec<u8> = std::iter::once(0xFEFF_u16).chain(doc.encode_utf16()).flat_map(u16::to_le_bytes).collect();
    let utf16 = write("utf16.yaml", &utf16);
    let (code, stderr) = generate(&utf16, &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("is UTF-16") && stderr.contains(&format!("{utf16}:1:1")), "{stderr}");

    let latin1 = write("latin1.yaml", b"openapi: 3.1.0\ninfo: {title: caf\xE9, version: 1.0.0}\npaths: {}\n");
    let (code, stderr) = generate(&latin1, &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("not UTF-8: the byte at offset 32") && stderr.contains(&format!("{latin1}:2:18")), "{stderr}");

    // `$ref`s to a device, a FIFO and a folder: refused without opening them, at the `$ref`.
    let fifo = dir.join("fifo.yaml");
    let made_fifo = Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
    let mut targets = vec![("/dev/zero", "is a device, FIFO or socket"), ("./", "is a directory")];
    if made_fifo {
        targets.push(("fifo.yaml", "is a device, FIFO or socket"));
    }
    for (target, expected) in targets {
        let spec = write("refs.yaml", format!("{doc}components:\n  schemas:\n    Unreached: {{$ref: '{target}'}}\n").as_bytes());
        // /dev is outside the folder: allowed explicitly, the file kind still refuses it.
        let (code, stderr) = generate(&spec, &["--allow-refs-under", "/dev"]);
        assert_eq!(code, Some(2), "{target}: {stderr}");
        assert!(stderr.contains(expected) && stderr.contains(&format!("{spec}:6:5")), "{target}: {stderr}");
        assert!(stderr.contains("at #/components/schemas/Unreached/$ref"), "{target}: {stderr}");
    }

    // A file outside the folder is read once its folder is allowed, and not before.
    let outside = scratch("hostile-outside");
    std::fs::write(outside.join("common.yaml"), "Name: {type: string}\n").expect("write");
    let reference = outside.join("common.yaml#/Name");
    let spec = write("outside.yaml", format!("{doc}components:\n  schemas:\n    Name: {{$ref: '{}'}}\n", reference.display()).as_bytes());
    let (code, stderr) = generate(&spec, &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("outside the folder of the document"), "{stderr}");
    let (code, stderr) = generate(&spec, &["--allow-refs-under", outside.to_str().expect("utf-8")]);
    assert_eq!(code, Some(0), "{stderr}");

    // A paragraph of a title names the crate of a generically named file: the folder name stays short.
    let titled = dir.join("titled");
    std::fs::create_dir_all(&titled).expect("mkdir");
    std::fs::write(
        titled.join("openapi.yaml"),
        format!("openapi: 3.1.0\ninfo: {{title: '{}', version: 1.0.0}}\npaths: {{}}\n", "long ".repeat(1000)),
    )
    .expect("write");
    let (code, stderr) = generate(titled.join("openapi.yaml").to_str().expect("utf-8"), &[]);
    assert_eq!(code, Some(0), "{stderr}");

    std::fs::remove_dir_all(&dir).expect("clean up");
    std::fs::remove_dir_all(&outside).expect("clean up");
}

/// The `# expect: ` (or other `# <key>: `) lines at the top of a test document.
fn expectations<'a>(source: &'a str, key: &str) -> Vec<&'a str> {
    let marker = format!("# {key}: ");
    source.lines().filter_map(|l| l.strip_prefix(marker.as_str())).collect()
}

/// Each document under `tests/lenient/` deviates from the specification in one way
/// that has one sensible reading: `generate` reads it so with the `# expect:` warnings
/// (the constructs crate compiles the result), while `generate --strict` and `validate`
/// refuse it with the `# strict:` error, exit 2.
#[test]
fn lenient_readings_warn_and_strict_refuses_them() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lenient");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir).expect("tests/lenient").map(|e| e.expect("entry").path()).collect();
    cases.sort();
    assert!(cases.len() >= 6, "the lenient corpus is missing cases");
    let out = scratch("lenient");
    let out_arg = out.to_str().expect("utf-8");
    for case in cases {
        let source = std::fs::read_to_string(&case).expect("case");
        let (warned, refused) = (expectations(&source, "expect"), expectations(&source, "strict"));
        assert!(!warned.is_empty() && !refused.is_empty(), "{} needs `# expect:` and `# strict:` lines", case.display());
        let relative = case.strip_prefix(env!("CARGO_MANIFEST_DIR")).expect("inside the repo").to_str().expect("utf-8");
        let relative = relative.trim_start_matches('/');

        let lenient = clawgen(&["generate", relative, "--out", out_arg]);
        let stderr = text(&lenient.stderr);
        assert_eq!(lenient.status.code(), Some(0), "{relative}: {stderr}");
        for expected in &warned {
            assert!(stderr.contains(expected), "{relative}: expected `{expected}` in: {stderr}");
        }
        assert!(!stderr.contains("error"), "{relative}: {stderr}");

        for command in [vec!["generate", relative, "--strict", "--out", out_arg], vec!["validate", relative]] {
            let strict = clawgen(&command);
            let stderr = text(&strict.stderr);
            assert_eq!(strict.status.code(), Some(2), "{command:?}: {stderr}");
            assert!(stderr.contains(relative), "{command:?}: the error does not name the file: {stderr}");
            for expected in &refused {
                assert!(stderr.contains(expected), "{command:?}: expected `{expected}` in: {stderr}");
            }
        }
    }
    std::fs::remove_dir_all(&out).expect("clean up");
}

/// `--format json generate` reports each crate it writes with clawgen's own statistics on stdout.
#[test]
fn json_generate_reports_statistics() {
    let out = scratch("statistics");
    let output = clawgen(&[
        "--format",
        "json",
        "generate",
        "specs/clawguru.yaml",
        "tests/lenient/version-wip.yaml",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let reports: Vec<serde_json::Value> = stdout.lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
    assert_eq!(reports.len(), 2, "{stdout}");
    let guru = &reports[0];
    assert_eq!(guru["spec"], "specs/clawguru.yaml");
    assert!(guru["path"].as_str().is_some_and(|p| p.ends_with("clawguru-v1")), "{guru}");
    let stats = &guru["statistics"];
    assert_eq!((stats["operations"].as_u64(), stats["webhooks"].as_u64(), stats["lenient"].as_u64()), (Some(3), Some(0), Some(0)));
    let kinds = ["structs", "enums", "unions", "aliases"].map(|k| stats[k].as_u64().expect("a count"));
    assert_eq!(kinds.iter().sum::<u64>(), stats["types"].as_u64().expect("types"), "{stats}");
    assert!(stats["enum_variants"].as_u64().expect("variants") >= stats["enums"].as_u64().expect("enums"), "{stats}");
    assert_eq!(stats["warnings"], serde_json::json!({}));
    let wip = &reports[1]["statistics"];
    assert_eq!((wip["warnings"]["W0003"].as_u64(), wip["lenient"].as_u64()), (Some(1), Some(1)), "{wip}");
    assert!(reports[1]["path"].as_str().is_some_and(|p| p.ends_with("version-wip-v0")), "{}", reports[1]);
    std::fs::remove_dir_all(&out).expect("clean up");
}

/// Nesting far beyond `depth::MAX_DEPTH` (100,000 levels of brackets, a chain of
/// 100,000 `$ref`s) exits 2 with a located E0011, never with a signal.
#[test]
fn nesting_far_beyond_the_bound_is_a_located_error() {
    let dir = scratch("deep");
    let levels = 100_000;
    let arrays = format!("{{\"openapi\": \"3.1.0\", \"x-deep\": {}{}}}", "[".repeat(levels), "]".repeat(levels));
    let objects = format!("{{\"openapi\": \"3.1.0\", \"x-deep\": {}1{}}}", "{\"a\": ".repeat(levels), "}".repeat(levels));
    let chain: Vec<String> = (0..levels)
        .map(|i| {
            if i + 1 < levels {
                format!("\"A{i}\": {{\"$ref\": \"#/components/schemas/A{}\"}}", i + 1)
            } else {
                format!("\"A{i}\": {{\"type\": \"string\"}}")
            }
        })
        .collect();
    let response =
        "{\"200\": {\"description\": \"ok\", \"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/A0\"}}}}}";
    let chain = format!(
        "{{\"openapi\": \"3.1.0\", \"info\": {{\"title\": \"t\", \"version\": \"1.0.0\"}},\n\"paths\": {{\"/a\": {{\"get\": {{\"operationId\": \"getA\", \"responses\": {response}}}}}}},\n\"components\": {{\"schemas\": {{{}}}}}}}",
        chain.join(",\n")
    );
    // The brackets are on line 1; the chain's error is at one of its schemas, further down.
    for (name, document, place) in [("arrays.json", arrays, ":1:"), ("objects.json", objects, ":1:"), ("chain.json", chain, ":")] {
        let path = dir.join(name);
        std::fs::write(&path, document).expect("write the case");
        let output = clawgen(&["generate", path.to_str().expect("utf-8"), "--out", dir.join("out").to_str().expect("utf-8")]);
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.starts_with("error[E0011]"), "{name}: {stderr}");
        assert!(stderr.contains(&format!("{name}{place}")), "{name}: not located: {stderr}");
    }
    std::fs::remove_dir_all(&dir).expect("clean up");
}
