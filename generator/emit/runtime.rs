//! The runtime crate `clawgen-runtime`: the sources under `templates/runtime/`,
//! written byte for byte beside the crates clawgen generates.
//!
//! They are ordinary Rust with their own unit tests, not `quote!` text: every
//! generated crate depends on the one copy (by path), so a fix to a parameter
//! style or the event-stream parser is made once and tested once.

use super::GeneratedFile;

/// The runtime's directory name beside the generated crates, and its package name.
pub const RUNTIME_CRATE: &str = "clawgen-runtime";

/// The runtime's version, which every generated crate pins (`=`), so that the
/// crates could be published together.
pub const RUNTIME_VERSION: &str = "0.1.0";

/// The files of the runtime crate, relative to its directory.
pub fn runtime_files() -> Vec<GeneratedFile> {
    super::manifest::embedded::RUNTIME
        .iter()
        .map(|(path, contents)| GeneratedFile { path: (*path).to_owned(), contents: (*contents).to_owned() })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runtime_manifest_names_the_pinned_version() {
        let files = runtime_files();
        let manifest = files.iter().find(|f| f.path == "Cargo.toml").expect("a manifest");
        assert!(manifest.contents.contains(&format!("name = \"{RUNTIME_CRATE}\"")));
        assert!(manifest.contents.contains(&format!("version = \"{RUNTIME_VERSION}\"")));
        assert!(files.iter().any(|f| f.path == "src/lib.rs"));
    }
}
