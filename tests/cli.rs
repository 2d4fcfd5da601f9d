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
/// one must appear in the error, which must also name the file and exit 2.
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
        assert!(stderr.starts_with("error: "), "{relative}: {stderr}");
        assert!(stderr.contains(relative), "{relative}: the error does not name the file: {stderr}");
        for expected in expectations {
            assert!(stderr.contains(expected), "{relative}: expected `{expected}` in: {stderr}");
        }
    }
    std::fs::remove_dir_all(&out).expect("clean up");
}
