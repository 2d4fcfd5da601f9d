//! Versioned output crates: one CyberVault crate regenerated through a compatible release, a new
//! major version, a refused breaking change and an accepted one (`tests/releases/`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn clawgen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clawgen")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().expect("clawgen runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("clawgen-releases-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Every file under `dir`, by path, with its bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).expect("readable dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                out.insert(path.clone(), std::fs::read(&path).expect("readable file"));
            }
        }
    }
    out
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// Runs `clawgen generate` and asserts its exit code; returns (stdout, stderr).
fn generate(spec: &str, out: &Path, extra: &[&str], code: i32) -> (String, String) {
    let mut args = vec!["generate", spec, "--out", out.to_str().expect("utf-8 path")];
    args.extend_from_slice(extra);
    let output = clawgen(&args);
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert_eq!(output.status.code(), Some(code), "generate {spec}\nstdout:\n{stdout}\nstderr:\n{stderr}");
    (stdout, stderr)
}

fn assert_up_to_date(spec: &str, out: &Path) {
    let output = clawgen(&["check", spec, "--out", out.to_str().expect("utf-8 path")]);
    assert_eq!(output.status.code(), Some(0), "check {spec} right after generate:\n{}", text(&output.stdout));
}

fn package_version(crate_dir: &Path) -> String {
    let manifest = read(&crate_dir.join("Cargo.toml"));
    let line = manifest.lines().find(|l| l.starts_with("version = ")).expect("a version line");
    line.trim_start_matches("version = ").trim_matches('"').to_owned()
}

/// The newest entry of a changelog: from its first `## ` heading to the next.
fn newest_entry(changelog: &str) -> &str {
    let start = changelog.find("\n## ").expect("an entry") + 1;
    let end = changelog[start + 3..].find("\n## ").map_or(changelog.len(), |i| start + 3 + i + 1);
    &changelog[start..end]
}

#[test]
fn a_crate_follows_its_api_through_releases() {
    let out = scratch("flow");
    let v2 = out.join("cybervault-v2");
    let v3 = out.join("cybervault-v3");

    // 2.0.0: the first generation records the document and starts the changelog.
    generate("specs/cybervault.yaml", &out, &[], 0);
    assert_eq!(package_version(&v2), "2.0.0");
    let recorded: serde_json::Value = serde_json::from_str(&read(&v2.join("openapi.json"))).expect("openapi.json is JSON");
    assert_eq!(recorded["info"]["version"], "2.0.0");
    let first = read(&v2.join("CHANGELOG.md"));
    assert!(first.starts_with("# Changelog of cybervault-v2\n"), "{first}");
    assert_eq!(
        newest_entry(&first),
        "## 2.0.0\n\nFirst entry of `cybervault-v2`: CyberVault Threats API from `cybervault.yaml`, 3 operations.\n"
    );
    assert_up_to_date("specs/cybervault.yaml", &out);

    // 2.1.0: same major, compatible on the wire; the version follows and the changelog gains an entry on top.
    let (stdout, _) = generate("tests/releases/cybervault-2.1.0.yaml", &out, &[], 0);
    assert!(stdout.contains("1 change: 1 compatible; added to CHANGELOG.md"), "{stdout}");
    assert_eq!(package_version(&v2), "2.1.0");
    let second = read(&v2.join("CHANGELOG.md"));
    assert_eq!(
        newest_entry(&second),
        "## 2.1.0\n\nCompared with 2.0.0: 1 compatible.\nRust API: 1 additive: a minor release of the crate.\n\n\
         ### Compatible\n\n- `GET /threats/{id}`: operation added (adds to the Rust API)\n\n"
    );
    assert!(second.ends_with(&first[first.find("## 2.0.0").expect("old entry")..]), "the old entry stays as it was:\n{second}");
    assert!(read(&v2.join("src/client.rs")).contains("pub async fn get_threat("));
    assert_up_to_date("tests/releases/cybervault-2.1.0.yaml", &out);
    // Regenerating the same document changes nothing, the changelog included.
    let (stdout, _) = generate("tests/releases/cybervault-2.1.0.yaml", &out, &[], 0);
    assert!(stdout.contains("(0 file(s) changed)"), "{stdout}");

    // 3.0.0: a new major goes to a new directory; the v2 crate is left byte for byte.
    let before = files(&v2);
    generate("tests/releases/cybervault-3.0.0.yaml", &out, &[], 0);
    assert_eq!(files(&v2), before, "cybervault-v2 changed when v3 was generated");
    assert_eq!(package_version(&v3), "3.0.0");
    assert!(newest_entry(&read(&v3.join("CHANGELOG.md"))).starts_with("## 3.0.0\n\nFirst entry of `cybervault-v3`"));
    assert!(!read(&v3.join("src/client.rs")).contains("update_threat_status"), "v3 removed the operation");
    assert_up_to_date("tests/releases/cybervault-3.0.0.yaml", &out);
    assert_up_to_date("tests/releases/cybervault-2.1.0.yaml", &out);

    // 2.2.0: breaking under the same major version is refused, the diff is printed and nothing is written,
    // not even for the other spec of the same invocation.
    let output =
        clawgen(&["generate", "specs/clawguru.yaml", "tests/releases/cybervault-2.2.0.yaml", "--out", out.to_str().expect("utf-8")]);
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert_eq!(output.status.code(), Some(1), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("breaking for clients (9):"), "{stdout}");
    assert!(
        stdout.contains(
            "GET /threats/recent: query parameter `limit`: maximum tightened from <= 100 to <= 50 [maximum-tightened; Rust API unchanged]"
        ),
        "{stdout}"
    );
    assert!(stderr.contains("--allow-breaking") && stderr.contains("nothing was written"), "{stderr}");
    assert_eq!(files(&v2), before, "a refused generation wrote to cybervault-v2");
    assert!(!out.join("clawguru-v1").exists(), "a refused generation wrote another crate");

    // Accepted with --allow-breaking: the entry lists the breaking changes by whom they break.
    let (_, stderr) = generate("tests/releases/cybervault-2.2.0.yaml", &out, &["--allow-breaking"], 0);
    assert!(stderr.contains("suggested bump: major (2.1.0 -> 3.0.0); the new document declares 2.2.0, which is not enough"), "{stderr}");
    assert_eq!(package_version(&v2), "2.2.0");
    let third = read(&v2.join("CHANGELOG.md"));
    let entry = newest_entry(&third);
    assert!(
        entry.starts_with("## 2.2.0\n\nCompared with 2.1.0: 9 breaking for clients, 1 breaking for servers, 1 compatible.\n"),
        "{entry}"
    );
    assert!(entry.contains("accepted with `--allow-breaking`"), "{entry}");
    for line in [
        "### Breaking for clients\n",
        "- `GET /threats/recent`: query parameter `limit`: maximum tightened from <= 100 to <= 50 (Rust API unchanged)\n",
        "- `POST /threats/analyze`: request body (application/json) property `context`: became required (breaks the Rust API)\n",
        "- `GET /threats/{id}`: response 200 (application/json) property `source_ip`: property removed (breaks the Rust API)\n",
        "- `PATCH /threats/{id}/status`: security: `BearerAuth` now needs the scopes `threat:write` (Rust API unchanged)\n",
        "### Breaking for servers\n",
        "- `PATCH /threats/{id}/status`: request body (application/json) property `status(#0)`: enum values added: `escalated` (adds to the Rust API)\n",
        "### Compatible\n",
        "- `POST /threats/analyze`: response 200 (application/json) property `engine_version`: optional property added (adds to the Rust API)\n",
    ] {
        assert!(entry.contains(line), "missing {line:?} in:\n{entry}");
    }
    assert!(third.ends_with(&second[second.find("## 2.1.0").expect("2.1.0 entry")..]), "older entries stay:\n{third}");
    assert_up_to_date("tests/releases/cybervault-2.2.0.yaml", &out);

    std::fs::remove_dir_all(&out).expect("clean up");
}

/// A crate whose `openapi.json` is missing (generated before clawgen recorded it) keeps its changelog.
#[test]
fn a_crate_without_a_record_is_regenerated_without_a_diff() {
    let out = scratch("unrecorded");
    generate("specs/cybervault.yaml", &out, &[], 0);
    let crate_dir = out.join("cybervault-v2");
    std::fs::remove_file(crate_dir.join("openapi.json")).expect("remove the record");
    let changelog = read(&crate_dir.join("CHANGELOG.md"));
    generate("tests/releases/cybervault-2.2.0.yaml", &out, &[], 0);
    assert_eq!(read(&crate_dir.join("CHANGELOG.md")), changelog, "nothing to compare with, so no entry");
    assert!(crate_dir.join("openapi.json").is_file(), "the record is written again");
    std::fs::remove_dir_all(&out).expect("clean up");
}

/// Two specs of one crate in one run would both be compared with the same record: refused as bad input.
#[test]
fn two_specs_of_one_crate_in_one_run_are_refused() {
    let out = scratch("twice");
    let output =
        clawgen(&["generate", "specs/cybervault.yaml", "tests/releases/cybervault-2.1.0.yaml", "--out", out.to_str().expect("utf-8")]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("tests/releases/cybervault-2.1.0.yaml") && stderr.contains("like specs/cybervault.yaml"), "{stderr}");
    assert!(!out.join("cybervault-v2").exists(), "nothing is written");
    std::fs::remove_dir_all(&out).expect("clean up");
}

/// A crate generated by a clawgen whose generated Rust API was an older revision: regenerating it breaks code
/// written against it even though the document is the same, so it is refused, then noted when accepted.
#[test]
fn a_newer_revision_of_the_generated_rust_api_is_breaking() {
    let out = scratch("revision");
    generate("specs/cybervault.yaml", &out, &[], 0);
    let crate_dir = out.join("cybervault-v2");
    let manifest_path = crate_dir.join("Cargo.toml");
    let manifest = read(&manifest_path);
    assert!(manifest.contains("[package.metadata.clawgen]\nrust-api = "), "{manifest}");
    let first = read(&crate_dir.join("CHANGELOG.md"));
    // A manifest without the record is what clawgen wrote before revisions were recorded (revision 1).
    let older = manifest.lines().filter(|l| !l.starts_with("rust-api = ") && *l != "[package.metadata.clawgen]").collect::<Vec<_>>();
    std::fs::write(&manifest_path, older.join("\n") + "\n").expect("write the older manifest");
    let before = files(&crate_dir);

    let (stdout, stderr) = generate("specs/cybervault.yaml", &out, &[], 1);
    assert!(stdout.contains("clawgen's generated Rust API, revision 2 (breaks the Rust API): Documented error bodies"), "{stdout}");
    assert!(
        stderr.contains("this clawgen generates a Rust API that breaks the crate's") && stderr.contains("--allow-breaking"),
        "{stderr}"
    );
    assert_eq!(files(&crate_dir), before, "a refused generation wrote to the crate");

    let (stdout, _) = generate("specs/cybervault.yaml", &out, &["--allow-breaking"], 0);
    assert!(stdout.contains("revision 2 (breaking); added to CHANGELOG.md"), "{stdout}");
    assert_eq!(read(&manifest_path), manifest, "the manifest records the revision again");
    let changelog = read(&crate_dir.join("CHANGELOG.md"));
    let entry = newest_entry(&changelog);
    assert!(
        entry.starts_with("## 2.0.0\n\nRegenerated from the same document by a clawgen whose generated Rust API changed.\n"),
        "{entry}"
    );
    assert!(
        entry.contains("accepted with `--allow-breaking`") && entry.contains("- Revision 2 of clawgen's generated Rust API: "),
        "{entry}"
    );
    assert!(changelog.ends_with(&first[first.find("## 2.0.0").expect("first entry")..]), "older entries stay:\n{changelog}");
    assert_up_to_date("specs/cybervault.yaml", &out);
    // Once recorded, the same revision is not breaking.
    generate("specs/cybervault.yaml", &out, &[], 0);
    assert_eq!(read(&crate_dir.join("CHANGELOG.md")), changelog);
    std::fs::remove_dir_all(&out).expect("clean up");
}

#[test]
fn a_revision_counts_only_for_crates_with_what_it_changed() {
    let out = scratch("revision-forms");
    // cybervault has no body of several forms; forms.yaml has three.
    for (spec, crate_name, breaking) in [("specs/cybervault.yaml", "cybervault-v2", false), ("tests/specs/forms.yaml", "forms-v1", true)] {
        generate(spec, &out, &[], 0);
        let manifest_path = out.join(crate_name).join("Cargo.toml");
        let manifest = read(&manifest_path);
        std::fs::write(&manifest_path, manifest.replace("rust-api = 4", "rust-api = 2")).expect("write the older manifest");
        let (stdout, _) = generate(spec, &out, &[], if breaking { 1 } else { 0 });
        assert_eq!(
            stdout.contains("revision 3 (breaks the Rust API): A request body whose media types differ"),
            breaking,
            "{spec}: {stdout}"
        );
    }
    std::fs::remove_dir_all(&out).expect("clean up");
}

#[test]
fn a_crate_without_its_server_loses_the_server_error_mapping_as_a_revision() {
    let out = scratch("revision-client-only");
    let config = out.join("client-only.toml");
    std::fs::write(&config, "[spec.cybervault]\nfeatures = [\"client\"]\n").expect("write the config");
    let client_only = ["--config", config.to_str().expect("utf-8 path")];
    for (extra, breaking) in [(&client_only[..], true), (&[][..], false)] {
        let _ = std::fs::remove_dir_all(out.join("cybervault-v2"));
        generate("specs/cybervault.yaml", &out, extra, 0);
        let errors = read(&out.join("cybervault-v2/src/errors.rs"));
        assert_eq!(errors.contains("documented!(") && errors.contains("DomainError"), !breaking, "{errors}");
        let manifest_path = out.join("cybervault-v2/Cargo.toml");
        let manifest = read(&manifest_path);
        std::fs::write(&manifest_path, manifest.replace("rust-api = 4", "rust-api = 3")).expect("write the older manifest");
        let (stdout, _) = generate("specs/cybervault.yaml", &out, extra, if breaking { 1 } else { 0 });
        assert_eq!(stdout.contains("revision 4 (breaks the Rust API): A crate generated without its server"), breaking, "{stdout}");
    }
    std::fs::remove_dir_all(&out).expect("clean up");
}
