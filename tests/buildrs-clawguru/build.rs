//! Generates bindings into `OUT_DIR`, as a user's build script would: the
//! ClawGuru API and a test document of security requirement combinations.

fn main() {
    let root = env!("CARGO_MANIFEST_DIR");
    let specs = [
        format!("{root}/../../specs/clawguru.yaml"),
        format!("{root}/../specs/security.yaml"),
        format!("{root}/../specs/duplicate-ids.yaml"),
    ];
    if let Err(error) = clawgen::compile_specs(&specs) {
        panic!("{error}");
    }
}
