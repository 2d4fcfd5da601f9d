//! Embeds every template under `templates/` into the clawgen binary: the
//! minijinja templates, and the sources of the runtime crate under
//! `templates/runtime/`, which clawgen writes out as they are.
//!
//! Each minijinja template is parsed here, so a syntax error fails `cargo build`
//! instead of surfacing the first time a user generates a crate.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    println!("cargo:rerun-if-changed={}", dir.display());

    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", dir.display()))
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".jinja"))
        .collect();
    // Sorted so that the embedded table, and so the binary, is reproducible.
    names.sort();

    let env = minijinja::Environment::new();
    let mut table = String::from("/// Every template under `templates/`, by file name.\n");
    table.push_str("pub(crate) static TEMPLATES: &[(&str, &str)] = &[\n");
    for name in &names {
        let path = dir.join(name);
        println!("cargo:rerun-if-changed={}", path.display());
        let source = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
        if let Err(err) = env.template_from_named_str(name, &source) {
            panic!("template {} does not parse: {err:#}", path.display());
        }
        let _ = writeln!(table, "    ({name:?}, include_str!({:?})),", path.display().to_string());
    }
    table.push_str("];\n");

    // The runtime crate, file by file, by path relative to `templates/runtime/`.
    let runtime = dir.join("runtime");
    let mut files = Vec::new();
    collect_files(&runtime, &mut files);
    files.sort();
    table.push_str("/// Every file of the runtime crate under `templates/runtime/`, by relative path.\n");
    table.push_str("pub(crate) static RUNTIME: &[(&str, &str)] = &[\n");
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let relative = path.strip_prefix(&runtime).expect("under the runtime directory");
        let relative: Vec<String> = relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        let _ = writeln!(table, "    ({:?}, include_str!({:?})),", relative.join("/"), path.display().to_string());
    }
    table.push_str("];\n");

    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("templates.rs");
    std::fs::write(&out, table).unwrap_or_else(|err| panic!("cannot write {}: {err}", out.display()));
}

/// Every file below `dir`, recursively (the runtime's sources are few and small).
fn collect_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let entries = std::fs::read_dir(dir).unwrap_or_else(|err| panic!("cannot read {}: {err}", dir.display()));
    for entry in entries.filter_map(|entry| entry.ok()) {
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, out);
        } else {
            out.push(path);
        }
    }
}
