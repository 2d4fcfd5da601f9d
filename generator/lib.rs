//! clawgen turns OpenAPI 3.0 and 3.1 documents into Rust crates: typed data,
//! per-operation error enums, a reqwest client and an axum server.
//!
//! The pipeline has five stages, one module each: [`load`] (files to JSON),
//! [`normalize`] (3.0 and 3.1 into one model), [`ir`] (the I/O-free model
//! every emitter reads), [`emit`] (Rust and manifests) and [`write`].
//! Beside it, [`diff`] compares two versions of a document and [`release`]
//! uses that to keep a generated crate's `openapi.json` and `CHANGELOG.md`.
//!
//! From a build script, use [`compile_specs`] or a [`Config`]:
//!
//! ```no_run
//! // In build.rs, inside `fn main`:
//! if let Err(error) = clawgen::compile_specs(&["specs/clawguru.yaml"]) {
//!     panic!("{error}");
//! }
//! ```
//!
//! and include the result with `include!(concat!(env!("OUT_DIR"), "/clawguru.rs"));`.

pub mod diff;
pub mod emit;
pub mod error;
pub mod ir;
pub mod load;
pub mod normalize;
pub mod release;
pub mod write;

use std::path::{Path, PathBuf};

pub use emit::{GeneratedFile, Parts};
pub use error::{Error, Location, Result, Warning};

/// What generating from one document produced.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The API's short name (`clawguru`).
    pub name: String,
    /// The directory name of the output crate (`clawguru-v1`).
    pub crate_name: String,
    /// The files, relative to the crate directory (or to `OUT_DIR` for module output).
    pub files: Vec<GeneratedFile>,
    /// Problems that did not stop generation.
    pub warnings: Vec<Warning>,
    /// Every file that was read.
    pub inputs: Vec<PathBuf>,
}

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// A standalone crate with `client` and `server` features.
    Crate,
    /// One module file with the chosen parts.
    Module(Parts),
}

fn generate_one(source: &load::Source, layout: Layout) -> Result<Generated> {
    let run = || -> Result<Generated> {
        let doc = normalize::normalize(source)?;
        let stem = source.path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "api".into());
        // A generic file name (`openapi.yaml`) says nothing; the title does.
        let generic = ["openapi", "swagger", "spec", "api", "index", "schema"].contains(&stem.to_ascii_lowercase().as_str());
        let fallback = if generic { doc.openapi.info.title.clone() } else { stem };
        let name = doc.openapi.extensions.get("x-clawgen-name").and_then(|v| v.as_str()).map(str::to_owned).unwrap_or(fallback);
        let (api, warnings) = ir::lower(source, &doc, &name)?;
        let files = match layout {
            Layout::Crate => {
                let mut files = emit::crate_files(&api)?;
                // The record that the next generation compares itself with.
                files.push(release::recorded_document(source));
                files
            }
            Layout::Module(parts) => vec![emit::module_file(&api, parts)?],
        };
        Ok(Generated {
            name: api.name.clone(),
            crate_name: api.crate_name.clone(),
            files,
            warnings,
            inputs: std::iter::once(source.path.clone()).chain(source.referenced.iter().cloned()).collect(),
        })
    };
    // Real documents nest inline schemas deeply (Kubernetes' are hundreds of
    // levels down), and lowering recurses with them: give it room.
    let result = std::thread::scope(|scope| {
        std::thread::Builder::new().stack_size(LOWERING_STACK).spawn_scoped(scope, run).map(|handle| handle.join())
    });
    match result {
        Ok(Ok(generated)) => generated.map_err(|err| err.locate_in(source)),
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(_) => run().map_err(|err| err.locate_in(source)),
    }
}

/// The stack of the thread that lowers and emits one document.
const LOWERING_STACK: usize = 512 << 20;

/// Generates a standalone crate from the document at `spec`. Reads the file; writes nothing.
pub fn generate_crate(spec: &Path) -> Result<Generated> {
    generate_one(&load::Source::read(spec)?, Layout::Crate)
}

/// Generates a standalone crate from a document already loaded. No I/O.
pub fn generate_crate_from_source(source: &load::Source) -> Result<Generated> {
    generate_one(source, Layout::Crate)
}

/// Generates a standalone crate from document text that claims to come from `path`. No I/O.
pub fn generate_crate_from_str(path: &Path, text: &str) -> Result<Generated> {
    generate_one(&load::Source::parse(path, text.to_owned())?, Layout::Crate)
}

/// Settings for generating from a build script, shaped like `prost_build::Config`.
#[derive(Debug, Clone)]
pub struct Config {
    out_dir: Option<PathBuf>,
    parts: Parts,
}

impl Default for Config {
    fn default() -> Self {
        Config { out_dir: None, parts: Parts { client: true, server: true } }
    }
}

impl Config {
    /// Client and server, written to `OUT_DIR`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Where [`Config::compile`] writes; defaults to Cargo's `OUT_DIR`.
    pub fn out_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// Whether to emit the reqwest client (default: yes).
    pub fn client(&mut self, enabled: bool) -> &mut Self {
        self.parts.client = enabled;
        self
    }

    /// Whether to emit the axum server (default: yes).
    pub fn server(&mut self, enabled: bool) -> &mut Self {
        self.parts.server = enabled;
        self
    }

    /// Generates `<name>.rs` for every spec and returns it as data; writes nothing.
    pub fn generate(&self, specs: &[impl AsRef<Path>]) -> Result<Vec<Generated>> {
        specs.iter().map(|spec| generate_one(&load::Source::read(spec.as_ref())?, Layout::Module(self.parts))).collect()
    }

    /// Generates and writes `<name>.rs` for every spec into the output directory,
    /// telling Cargo to rerun when any file read changes and printing warnings.
    ///
    /// Unlike prost-build, which leaves rerun decisions to the user, this emits
    /// `cargo:rerun-if-changed` for every document read: a spec is data the
    /// build depends on, and without the line Cargo would rerun on any change.
    pub fn compile(&self, specs: &[impl AsRef<Path>]) -> Result<Vec<Generated>> {
        let out_dir = match &self.out_dir {
            Some(dir) => dir.clone(),
            None => std::env::var_os("OUT_DIR").map(PathBuf::from).ok_or_else(|| Error::Io {
                path: PathBuf::from("$OUT_DIR"),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "OUT_DIR is not set; call Config::out_dir outside build scripts"),
            })?,
        };
        let generated = self.generate(specs)?;
        for input in generated.iter().flat_map(|g| &g.inputs) {
            println!("cargo:rerun-if-changed={}", input.display());
        }
        for g in &generated {
            for warning in &g.warnings {
                println!("cargo:warning={warning}");
            }
            for file in &g.files {
                write::write_if_changed(&out_dir.join(&file.path), &file.contents)?;
            }
        }
        Ok(generated)
    }
}

/// Generates client and server for every spec into `OUT_DIR`: the one-line build script.
pub fn compile_specs(specs: &[impl AsRef<Path>]) -> Result<()> {
    Config::new().compile(specs).map(|_| ())
}
