//! Generates one module per document under `tests/specs/`, as a user's build script would.

fn main() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../specs");
    let mut specs: Vec<std::path::PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "yaml")).collect(),
        Err(error) => panic!("{dir}: {error}"),
    };
    specs.sort();
    println!("cargo:rerun-if-changed={dir}");
    if let Err(error) = clawgen::compile_specs(&specs) {
        panic!("{error}");
    }
}
