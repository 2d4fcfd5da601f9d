//! Generates bindings into `OUT_DIR`, as a user's build script would: the
//! ClawGuru API, a test document of security requirement combinations, and a
//! shop whose options come from `tests/options/clawgen.toml`.

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
    let mut config = clawgen::Config::new();
    let configured = config
        .config_file(format!("{root}/../options/clawgen.toml"))
        .and_then(|config| config.compile(&[format!("{root}/../options/shop.yaml")]));
    if let Err(error) = configured {
        panic!("{error}");
    }
}
