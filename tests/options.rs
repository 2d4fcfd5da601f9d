//! Per-spec options: the same choices through the CLI (`--config`) and through
//! build.rs (`Config`) give the same output, and each choice shows in it.

use std::path::{Path, PathBuf};
use std::process::Command;

const SPEC: &str = "tests/options/shop.yaml";
const CONFIG: &str = "tests/options/clawgen.toml";

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("clawgen-options-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Runs the CLI from the repository root.
fn clawgen(args: &[&str]) {
    let output = Command::new(env!("CARGO_BIN_EXE_clawgen")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
}

/// The module file the CLI writes for `SPEC` with `config`.
fn cli_module(name: &str, config: &Path) -> String {
    let out = scratch(name);
    clawgen(&["generate", "--module", "--config", config.to_str().expect("utf-8"), SPEC, "--out", out.to_str().expect("utf-8")]);
    let text = std::fs::read_to_string(out.join("shop.rs")).expect("shop.rs written");
    std::fs::remove_dir_all(&out).expect("clean up");
    text
}

fn config_module(config: &clawgen::Config) -> String {
    let generated = config.generate(&[SPEC]).unwrap_or_else(|err| panic!("{}", err.render()));
    generated[0].files[0].contents.clone()
}

#[test]
fn the_cli_and_a_build_script_give_the_same_output() {
    let from_cli = cli_module("file", Path::new(CONFIG));
    let mut config = clawgen::Config::new();
    config.config_file(CONFIG).expect("config file reads");
    assert_eq!(from_cli, config_module(&config), "the same config file through the CLI and Config");

    // The file's choices, and a feature choice, made with Config's setters instead.
    let dir = scratch("setters");
    let toml = dir.join("clawgen.toml");
    let text = std::fs::read_to_string(CONFIG).expect("config") + "features = [\"client\"]\n";
    std::fs::write(&toml, text).expect("write config");
    let from_cli = cli_module("features", &toml);
    let mut setters = clawgen::Config::new();
    setters.server(false).skip("getReport", "reports move to the analytics API").rust_type("Money", "crate::shop_types::Money");
    assert_eq!(from_cli, config_module(&setters), "the config file's options and Config's setters");
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn options_shape_the_generated_module() {
    let mut config = clawgen::Config::new();
    config.config_file(CONFIG).expect("config file reads");
    let generated = config.generate(&[SPEC]).expect("generates");
    let text = &generated[0].files[0].contents;
    assert!(!text.contains("pub struct Money"), "Money is mapped, not generated");
    assert!(!text.contains("pub type Sku"), "Sku is mapped by x-clawgen-rust-type");
    assert!(text.contains("pub price: crate::shop_types::Money"), "references use the mapped path");
    assert!(!text.contains("create_product") && !text.contains("get_report"), "skipped operations are gone");
    let notes: Vec<String> = generated[0].warnings.iter().map(ToString::to_string).collect();
    assert!(notes.iter().any(|n| n.contains("operation `getReport` is skipped: reports move to the analytics API")), "{notes:?}");
    assert!(generated[0].warnings.iter().all(|w| w.code() == clawgen::Code::SkippedOperation), "{notes:?}");
    insta::assert_snapshot!("shop.rs", text);
}

#[test]
fn a_crate_lists_skipped_operations_and_only_its_features() {
    let mut options = clawgen::ConfigFile::read(Path::new(CONFIG)).expect("config").for_spec(Path::new(SPEC));
    options.server = Some(false);
    let generated = clawgen::generate_crate_with(Path::new(SPEC), &options).expect("generates");
    let file = |path: &str| &generated.files.iter().find(|f| f.path == path).expect(path).contents;
    let manifest = file("Cargo.toml");
    assert!(manifest.contains("default = [\"client\"]") && !manifest.contains("server =") && !manifest.contains("axum"), "{manifest}");
    let readme = file("README.md");
    assert!(readme.contains("## Skipped operations"), "{readme}");
    assert!(readme.contains("- `createProduct` (POST `/products`): products are created by the back office"), "{readme}");
    assert!(readme.contains("- `getReport` (GET `/reports/{day}`): reports move to the analytics API"), "{readme}");
    let lib = file("src/lib.rs");
    assert!(lib.contains("the `client` feature adds the reqwest client") && lib.contains("`getReport` (`GET /reports/{day}`)"), "{lib}");
    assert!(!generated.files.iter().any(|f| f.path == "src/server.rs"));
    // The mapping to documented errors is the server's.
    let errors = file("src/errors.rs");
    assert!(errors.contains("pub enum") && !errors.contains("fn documented(") && !errors.contains("DomainError"), "{errors}");
    assert!(!errors.contains("common_error"), "{errors}");
}

#[test]
fn wrong_options_are_errors_that_name_the_config_file() {
    let dir = scratch("wrong");
    let toml = dir.join("clawgen.toml");
    for (text, expected) in [
        ("[spec.shop]\nskip = { nope = \"x\" }\n", "`skip` names `nope`, but no operation has that operationId"),
        ("[spec.shop]\ntypes = { Nope = \"crate::X\" }\n", "`types` maps `Nope`, but components.schemas has no such schema"),
        ("[spec.shop]\ntypes = { Money = \"not a type!\" }\n", "`types` maps `Money` to `not a type!`, which is not a Rust type"),
    ] {
        std::fs::write(&toml, text).expect("write");
        let mut config = clawgen::Config::new();
        config.config_file(&toml).expect("parses");
        let error = config.generate(&[SPEC]).expect_err("a wrong option");
        assert_eq!(error.code(), clawgen::Code::BadOption, "{error}");
        assert!(error.to_string().contains(expected), "{error}");
        assert_eq!(error.location().map(|l| l.file.as_path()), Some(toml.as_path()));
    }
    std::fs::remove_dir_all(&dir).expect("clean up");
}
