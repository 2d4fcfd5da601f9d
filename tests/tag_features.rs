//! Per-tag Cargo features (`x-clawgen-tag-features`, config `tag-features`):
//! what the crate of a small multi-tag document looks like (snapshots), which
//! item each feature gates, and that the crate compiles without warnings with
//! one tag, with all and with none.

use std::path::{Path, PathBuf};
use std::process::Command;

const SPEC: &str = "tests/tags/zoo.yaml";
const CONFIG: &str = "tests/tags/clawgen.toml";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn options() -> clawgen::Options {
    clawgen::ConfigFile::read(&repo().join(CONFIG)).expect("config reads").for_spec(Path::new(SPEC))
}

/// The crate of the fixture, generated with tag features on through the config file.
fn generated() -> clawgen::Generated {
    let text = std::fs::read_to_string(repo().join(SPEC)).expect("spec reads");
    let source = clawgen::load::Source::parse(Path::new(SPEC), text).unwrap_or_else(|err| panic!("{err}"));
    clawgen::generate_crate_from_source(&source, &options()).unwrap_or_else(|err| panic!("{err}"))
}

fn file<'a>(generated: &'a clawgen::Generated, path: &str) -> &'a str {
    &generated.files.iter().find(|f| f.path == path).unwrap_or_else(|| panic!("{path} is generated")).contents
}

/// The `#[cfg(..)]` attribute of the item on the line that contains `item`, without spaces
/// (`#[cfg(feature="tag-a")]`); empty when it has none.
fn gate_of(text: &str, item: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let at = lines.iter().position(|line| line.contains(item)).unwrap_or_else(|| panic!("`{item}` is in the file"));
    // The item's attributes and docs: the lines above it, up to the end of the item before.
    let ends = |line: &&str| {
        let line = line.trim();
        line.is_empty() || line.ends_with('}') || line.ends_with(';') || (line.ends_with(',') && !line.starts_with("feature"))
    };
    let start = lines[..at].iter().rposition(ends).map_or(0, |i| i + 1);
    let above: String = lines[start..at].join("").chars().filter(|c| !c.is_whitespace()).collect();
    let Some(from) = above.find("#[cfg(") else { return String::new() };
    let mut depth = 0;
    let mut gate = String::new();
    for c in above[from..].chars() {
        gate.push(c);
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ => {}
        }
        if depth == 0 && c == ']' {
            break;
        }
    }
    gate.replace(",)", ")")
}

#[test]
fn every_file_of_the_tagged_crate_matches_its_snapshot() {
    let generated = generated();
    for file in generated.files.iter().filter(|f| f.path != clawgen::release::RECORDED_DOCUMENT) {
        insta::assert_snapshot!(format!("tags__{}", file.path.replace('/', "__")), file.contents);
    }
}

#[test]
fn each_item_is_gated_by_the_tags_that_use_it() {
    let generated = generated();
    let types = file(&generated, "src/types.rs");
    assert_eq!(gate_of(types, "pub struct Animal "), r#"#[cfg(feature="tag-animals")]"#);
    assert_eq!(gate_of(types, "pub struct Shift "), r#"#[cfg(feature="tag-keeper-schedules")]"#);
    // One definition, shared by two tags and by an unused component.
    assert_eq!(types.matches("pub struct Enclosure ").count(), 1);
    let enclosure = gate_of(types, "pub struct Enclosure ");
    for feature in ["tag-animals", "tag-keeper-schedules", "unreferenced"] {
        assert!(enclosure.contains(&format!("feature=\"{feature}\"")), "{enclosure}");
    }
    assert!(!enclosure.contains("tag-tickets"), "{enclosure}");
    assert_eq!(gate_of(types, "pub struct Sponsor "), r#"#[cfg(feature="unreferenced")]"#);
    // The common error body of every refusal, and what webhooks carry, are always there.
    assert_eq!(gate_of(types, "pub struct Problem "), "");
    assert_eq!(gate_of(types, "pub struct Birth "), "");

    let client = file(&generated, "src/client.rs");
    assert_eq!(
        gate_of(client, "pub async fn list_enclosure_keepers("),
        r#"#[cfg(any(feature="tag-animals",feature="tag-keeper-schedules"))]"#
    );
    assert_eq!(gate_of(client, "pub async fn health("), r#"#[cfg(feature="untagged")]"#);
    // Operations are the entries of one `operations!` call, each after its own gate.
    let auth: String = file(&generated, "src/auth.rs").chars().filter(|c| !c.is_whitespace()).collect();
    let entry = auth.find("BuyTicket(\"buyTicket\"").expect("BuyTicket is an operation");
    let before = &auth[..entry];
    let gate = &before[before.rfind("),").expect("an entry before it") + 2..];
    assert_eq!(gate, r#"#[cfg(feature="tag-tickets")]"#);

    let manifest = file(&generated, "Cargo.toml");
    for line in
        ["\"tag-animals\",", "tag-animals = []", "# Tag `animals`: The animals of the zoo.", "tag-keeper-schedules = []", "untagged = []"]
    {
        assert!(manifest.contains(line), "{line} in\n{manifest}");
    }
}

#[test]
fn the_extension_and_the_config_file_agree_and_build_scripts_ignore_both() {
    let text = std::fs::read_to_string(repo().join(SPEC)).expect("spec reads");
    let extended = text.replacen("openapi: 3.1.0\n", "openapi: 3.1.0\nx-clawgen-tag-features: true\n", 1);
    let from_extension = clawgen::generate_crate_from_str(Path::new(SPEC), &extended).unwrap_or_else(|err| panic!("{err}"));
    let from_config = generated();
    for (a, b) in from_extension.files.iter().zip(&from_config.files).filter(|(a, _)| a.path != clawgen::release::RECORDED_DOCUMENT) {
        assert_eq!(a.path, b.path);
        assert!(a.contents == b.contents, "{} differs between the extension and the config file", a.path);
    }
    // Anything but a boolean is a located error.
    let wrong = text.replacen("openapi: 3.1.0\n", "openapi: 3.1.0\nx-clawgen-tag-features: [animals]\n", 1);
    let err = clawgen::generate_crate_from_str(Path::new(SPEC), &wrong).expect_err("refused");
    assert!(err.to_string().contains("x-clawgen-tag-features must be `true` or `false`"), "{err}");
    // Off by default.
    let plain = clawgen::generate_crate_from_str(Path::new(SPEC), &text).unwrap_or_else(|err| panic!("{err}"));
    assert!(plain.files.iter().all(|f| !f.contents.contains("tag-animals")));
    // A module for `include!` has no Cargo features of its own to name.
    let mut config = clawgen::Config::new();
    config.config_file(repo().join(CONFIG)).expect("config reads");
    let module = config.generate(&[repo().join(SPEC)]).unwrap_or_else(|err| panic!("{err}"));
    assert!(!module[0].files[0].contents.contains("cfg(feature = \"tag-"));
}

/// Runs `cargo check` on the generated crate with each set of features: it must
/// build without a warning with every tag, with one, and with none.
#[test]
fn the_tagged_crate_compiles_with_one_tag_all_tags_and_none() {
    // Kept between runs (like scripts/corpus's work folder), so that dependencies build once.
    let work = repo().join("target/tag-features");
    std::fs::create_dir_all(&work).expect("work folder");
    let out = Command::new(env!("CARGO_BIN_EXE_clawgen"))
        .current_dir(repo())
        .args(["generate", "--config", CONFIG, SPEC, "--out"])
        .arg(&work)
        .output()
        .expect("clawgen runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::write(work.join("Cargo.toml"), "[workspace]\nresolver = \"2\"\nmembers = [\"zoo-v1\"]\n").expect("workspace");
    if !work.join("Cargo.lock").exists() {
        // The repository's dependency versions.
        std::fs::copy(repo().join("Cargo.lock"), work.join("Cargo.lock")).expect("lock file");
    }
    let sets: [&[&str]; 5] = [
        &["--features", "mock,exercise"],
        &["--no-default-features", "--features", "client,server,mock,exercise,tag-animals"],
        &["--no-default-features", "--features", "client,server,mock,exercise"],
        &["--no-default-features", "--features", "client,tag-keeper-schedules"],
        &["--no-default-features", "--features", "server,untagged"],
    ];
    for features in sets {
        let out = Command::new(env!("CARGO"))
            .current_dir(&work)
            .env("CARGO_TARGET_DIR", work.join("target"))
            .env("CARGO_INCREMENTAL", "0")
            .env_remove("RUSTFLAGS")
            .args(["check", "--lib", "--examples", "-p", "zoo-v1", "--message-format=short"])
            .args(features)
            .output()
            .expect("cargo runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "cargo check {features:?} failed:\n{stderr}");
        let warnings: Vec<&str> = stderr.lines().filter(|line| line.contains("warning")).collect();
        assert!(warnings.is_empty(), "cargo check {features:?} warns:\n{stderr}");
    }
}
