//! Generates the ClawGuru bindings into `OUT_DIR`, as a user's build script would.

fn main() {
    let spec = concat!(env!("CARGO_MANIFEST_DIR"), "/../../specs/clawguru.yaml");
    if let Err(error) = clawgen::compile_specs(&[spec]) {
        panic!("{error}");
    }
}
