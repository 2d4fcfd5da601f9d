//! Generates one module per document under `tests/specs/` and `tests/lenient/`
//! (read leniently, as generation does by default), as a user's build script would.

fn main() {
    let mut specs: Vec<std::path::PathBuf> = Vec::new();
    for dir in [concat!(env!("CARGO_MANIFEST_DIR"), "/../specs"), concat!(env!("CARGO_MANIFEST_DIR"), "/../lenient")] {
        match std::fs::read_dir(dir) {
            Ok(entries) => {
                specs.extend(entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "yaml")))
            }
            Err(error) => panic!("{dir}: {error}"),
        }
        println!("cargo:rerun-if-changed={dir}");
    }
    specs.sort();
    if let Err(error) = clawgen::compile_specs(&specs) {
        panic!("{error}");
    }
}
