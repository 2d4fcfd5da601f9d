//! Snapshot, drift and determinism tests of what clawgen emits for `specs/`.

use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every spec under `specs/`, sorted.
fn specs() -> Vec<PathBuf> {
    let mut specs: Vec<PathBuf> = std::fs::read_dir(repo().join("specs"))
        .expect("specs/ exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml" | "json")))
        .collect();
    specs.sort();
    specs
}

/// Generation as the README's command runs it: relative paths from the repository root.
fn generate(spec: &Path) -> clawgen::Generated {
    let relative = spec.strip_prefix(repo()).unwrap_or(spec);
    let text = std::fs::read_to_string(spec).expect("spec is readable");
    clawgen::generate_crate_from_str(relative, &text).unwrap_or_else(|err| panic!("{err}"))
}

#[test]
fn every_emitted_file_matches_its_snapshot() {
    for spec in specs() {
        let generated = generate(&spec);
        // `openapi.json` is the input re-serialised: the drift test below covers it byte for byte.
        for file in generated.files.iter().filter(|f| f.path != clawgen::release::RECORDED_DOCUMENT) {
            let name = format!("{}__{}", generated.crate_name, file.path.replace('/', "__"));
            insta::assert_snapshot!(name, file.contents);
        }
    }
}

/// The small documents under `tests/specs/`, one per construct, in the build.rs (module) layout.
#[test]
fn every_test_spec_module_matches_its_snapshot() {
    let mut specs: Vec<PathBuf> = std::fs::read_dir(repo().join("tests/specs"))
        .expect("tests/specs/ exists")
        .map(|entry| entry.expect("readable entry").path())
        .collect();
    specs.sort();
    assert!(!specs.is_empty());
    for spec in specs {
        let generated = clawgen::Config::new().generate(&[&spec]).unwrap_or_else(|err| panic!("{err}"));
        for file in &generated[0].files {
            insta::assert_snapshot!(format!("module__{}", file.path), file.contents);
        }
    }
}

/// The rust-analyzer pattern: `cargo test` fails when `generated/` drifts from the generator.
/// Each crate's changelog is checked too, against its own `openapi.json`, as `clawgen check` does.
#[test]
fn generated_crates_are_up_to_date() {
    let mut stale = Vec::new();
    for difference in clawgen::write::check_runtime(&repo().join("generated")).expect("generated/ is readable") {
        stale.push(format!("{}\n{}", difference.path.display(), difference.diff));
    }
    for spec in specs() {
        let relative = spec.strip_prefix(repo()).unwrap_or(&spec);
        let text = std::fs::read_to_string(&spec).expect("spec is readable");
        let source = clawgen::load::Source::parse(relative, text).unwrap_or_else(|err| panic!("{err}"));
        let generated = clawgen::generate_crate_from_source(&source, &clawgen::Options::default()).unwrap_or_else(|err| panic!("{err}"));
        let release = clawgen::release::prepare(&repo().join("generated"), &source, generated).unwrap_or_else(|err| panic!("{err}"));
        for difference in clawgen::write::check(&release.dir, &release.files).expect("generated/ is readable") {
            stale.push(format!("{}\n{}", difference.path.display(), difference.diff));
        }
    }
    assert!(
        stale.is_empty(),
        "generated/ differs from a fresh generation; run `cargo run -- generate specs/*.yaml --out generated`:\n{}",
        stale.join("\n")
    );
}

#[test]
fn generation_is_deterministic() {
    for spec in specs() {
        let first = generate(&spec).files;
        for _ in 0..10 {
            assert_eq!(generate(&spec).files, first, "{} generated differently", spec.display());
        }
    }
}

#[test]
fn build_script_module_output_is_deterministic_and_complete() {
    let spec = repo().join("specs/clawguru.yaml");
    let mut config = clawgen::Config::new();
    let first = config.generate(&[&spec]).expect("generates");
    assert_eq!(first[0].files.len(), 1, "one module file for include!");
    assert_eq!(first[0].files[0].path, "clawguru.rs");
    assert!(first[0].inputs.contains(&spec), "the spec is reported for rerun-if-changed");
    let text = &first[0].files[0].contents;
    for module in ["pub mod types", "pub mod errors", "pub mod client", "pub mod server"] {
        assert!(text.contains(module), "{module} missing");
    }
    let client_only = config.server(false).generate(&[&spec]).expect("generates");
    assert!(!client_only[0].files[0].contents.contains("pub mod server"));
    assert!(client_only[0].files[0].contents.contains("pub mod client"));
}

#[test]
fn writing_twice_changes_nothing_the_second_time() {
    let dir = std::env::temp_dir().join(format!("clawgen-write-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let generated = generate(&repo().join("specs/clawguru.yaml"));
    assert!(generated.files.iter().any(|f| f.path == "openapi.json"), "the crate records its document");
    let first = clawgen::write::write_all(&dir, &generated.files).expect("writes");
    assert_eq!(first.len(), generated.files.len());
    let second = clawgen::write::write_all(&dir, &generated.files).expect("writes");
    assert!(second.is_empty(), "rewrote {second:?}");
    assert!(clawgen::write::check(&dir, &generated.files).expect("reads").is_empty());
    std::fs::remove_dir_all(&dir).expect("cleans up");
}

/// A document spread over files: paths and schemas by relative `$ref`, a
/// recursive schema in its own file, and a dangling `$ref` inside an `x-` extension.
#[test]
fn external_refs_are_bundled_into_one_type_each() {
    let spec = repo().join("tests/multifile/main.yaml");
    let generated = clawgen::generate_crate(&spec).unwrap_or_else(|err| panic!("{err}"));
    let mut inputs: Vec<String> =
        generated.inputs.iter().map(|p| p.strip_prefix(repo().join("tests/multifile")).unwrap_or(p).display().to_string()).collect();
    inputs.sort();
    assert_eq!(inputs, ["main.yaml", "paths/menu.yaml", "schemas/item.yaml", "schemas/menu.yaml", "schemas/node.yaml"]);
    let types = &generated.files.iter().find(|f| f.path == "src/types.rs").expect("types.rs").contents;
    assert_eq!(types.matches("pub struct Item ").count(), 1, "one Item however often it is referenced:\n{types}");
    assert!(!types.contains("pub struct Item2"), "{types}");
    assert!(types.contains("pub struct Menu "), "{types}");
    assert!(types.contains("pub special: Option<Item>"), "{types}");
    assert!(types.contains("pub children: Option<Vec<Node>>"), "the cycle stays a cycle:\n{types}");
    insta::assert_snapshot!("multifile__types.rs", types);
}

#[test]
fn colliding_operation_ids_get_unique_names_and_a_warning() {
    let spec = repo().join("tests/specs/duplicate-ids.yaml");
    let generated = clawgen::generate_crate(&spec).unwrap_or_else(|err| panic!("{err}"));
    let warnings: Vec<String> = generated.warnings.iter().map(ToString::to_string).collect();
    assert!(warnings.iter().any(|w| w.contains("operationId `list_things` is taken") && w.contains("list_things2")), "{warnings:?}");
    let client = &generated.files.iter().find(|f| f.path == "src/client.rs").expect("client.rs").contents;
    for method in
        ["pub async fn list_things(", "pub async fn list_things2(", "pub async fn delete_things_id(", "pub async fn authenticate_1("]
    {
        assert!(client.contains(method), "{method} missing");
    }
}

/// Every crate a generated crate names in its code (`::base64::…`) is one its
/// Cargo.toml declares, and the other way round: for the five APIs and for every
/// construct document, so that optional dependencies follow what the code uses.
#[test]
fn generated_crates_declare_exactly_the_crates_their_code_uses() {
    let construct_specs = std::fs::read_dir(repo().join("tests/specs")).expect("tests/specs/ exists").map(|e| e.expect("entry").path());
    // A path from the crate root: `::name::`, not preceded by a path segment.
    let path_root = regex::Regex::new(r"(?:^|[^A-Za-z0-9_])::([a-z_][a-z0-9_]*)::").expect("valid");
    for spec in specs().into_iter().chain(construct_specs) {
        let generated = generate(&spec);
        let manifest = &generated.files.iter().find(|f| f.path == "Cargo.toml").expect("a manifest").contents;
        let declared: std::collections::BTreeSet<String> = manifest
            .split("[dependencies]")
            .nth(1)
            .and_then(|rest| rest.split("\n[").next())
            .unwrap_or_default()
            .lines()
            .filter_map(|line| line.split_once(" = ").map(|(name, _)| name.trim().replace('-', "_")))
            .filter(|name| !name.starts_with('#'))
            .collect();
        let used: std::collections::BTreeSet<String> = generated
            .files
            .iter()
            .filter(|f| f.path.ends_with(".rs"))
            .flat_map(|f| path_root.captures_iter(&f.contents).map(|c| c[1].to_owned()).collect::<Vec<_>>())
            .filter(|root| !matches!(root.as_str(), "std" | "core" | "alloc"))
            .collect();
        assert_eq!(used, declared, "{}: crates used by the code vs declared in Cargo.toml", spec.display());
    }
}

/// A document with webhooks and no operations: the crate's `exercise` module has nothing to
/// call, and must say so without unused imports, variables or `mut` (rustc warned about all three).
#[test]
fn a_webhooks_only_crate_exercises_nothing_cleanly() {
    let generated = generate(&repo().join("tests/specs/webhooks-only.yaml"));
    let exercise = generated.files.iter().find(|f| f.path == "src/exercise.rs").expect("an exercise module");
    insta::assert_snapshot!("webhooks_only__exercise.rs", exercise.contents);
}

/// A crate whose bodies come in several forms lists each enum and its variants in its README;
/// a crate without any has no such section.
#[test]
fn the_readme_lists_bodies_of_several_forms() {
    let readme = |spec: &str| {
        let generated = generate(&repo().join(spec));
        generated.files.into_iter().find(|f| f.path == "README.md").expect("a README").contents
    };
    let forms = readme("tests/specs/forms.yaml");
    assert!(forms.contains("## Bodies in several forms"), "{forms}");
    assert!(
        forms.contains("| `putNote` | `types::PutNoteBody` | `Json` (`application/json`), `Text` (`text/plain`), `Any` (`*/*`) |"),
        "{forms}"
    );
    assert!(!readme("specs/clawguru.yaml").contains("## Bodies in several forms"));
}
