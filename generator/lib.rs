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
//! and include the result with `clawgen::include_api!("clawguru");`.
//!
//! Errors and warnings carry stable codes and render like rustc's (see
//! [`diagnostic`]); [`validate`] reports every problem of a document at once.

pub mod depth;
pub mod diagnostic;
pub mod diff;
pub mod emit;
pub mod error;
pub mod ir;
pub mod load;
pub mod normalize;
pub mod options;
pub mod release;
pub mod timing;
pub mod validate;
pub mod write;

use std::path::{Path, PathBuf};

pub use diagnostic::{Code, Diagnostic, Severity};
pub use emit::{GeneratedFile, Parts};
pub use error::{Error, Location, Result, Warning};
pub use options::{ConfigFile, Options};

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
    /// What the crate holds, for reports (`clawgen --format json generate`).
    pub statistics: Statistics,
}

/// Counts of what one generation produced, as `clawgen --format json generate` reports them.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Statistics {
    /// Operations under `paths` (the client's methods; skipped ones excluded).
    pub operations: usize,
    /// Webhooks and callbacks.
    pub webhooks: usize,
    /// Rust types generated from schemas (structs, enums, unions and aliases).
    pub types: usize,
    /// Of those, structs.
    pub structs: usize,
    /// Enums of listed values.
    pub enums: usize,
    /// The variants of those enums, all together.
    pub enum_variants: usize,
    /// Unions (`oneOf`/`anyOf`).
    pub unions: usize,
    /// Aliases (`pub type`).
    pub aliases: usize,
    /// Warnings and notes by code (`W0003`), including the lenient readings.
    pub warnings: std::collections::BTreeMap<String, usize>,
    /// Of the warnings, how many read a deviation from the specification leniently.
    pub lenient: usize,
    /// Request bodies read in several forms, each taken as an enum of them.
    pub bodies_of_several_forms: usize,
    /// Whether the crate was generated without its server (a client-only crate).
    pub without_server: bool,
}

impl Statistics {
    fn of(api: &ir::Api, warnings: &[Warning]) -> Self {
        let mut stats = Statistics {
            operations: api.operations.len(),
            webhooks: api.webhooks.len(),
            types: api.types.len(),
            lenient: warnings.iter().filter(|w| w.is_lenient()).count(),
            bodies_of_several_forms: api.operations.iter().filter_map(|op| op.body.as_ref()).filter(|b| b.choice.is_some()).count(),
            ..Statistics::default()
        };
        for def in &api.types {
            match &def.kind {
                ir::TypeKind::Struct(_) => stats.structs += 1,
                ir::TypeKind::Enum(e) => {
                    stats.enums += 1;
                    stats.enum_variants += e.variants.len();
                }
                ir::TypeKind::Union(_) => stats.unions += 1,
                ir::TypeKind::Alias(_) => stats.aliases += 1,
            }
        }
        for warning in warnings {
            *stats.warnings.entry(warning.code().id().to_owned()).or_default() += 1;
        }
        stats
    }
}

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// A standalone crate whose parts are Cargo features.
    Crate,
    /// One module file, for `include!`.
    Module,
}

/// Generates from one loaded document; `options` win over the document's own `x-clawgen-*` choices.
fn generate_one(source: &load::Source, layout: Layout, options: &Options) -> Result<Generated> {
    let run = || -> Result<Generated> {
        let normalizing = timing::step(|| "normalize".into());
        let mut doc = normalize::normalize(source)?;
        drop(normalizing);
        let options = options.over(&Options::from_document(source, &doc)?);
        let stem = source.path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "api".into());
        // A generic file name (`openapi.yaml`) says nothing; the title does.
        let generic = ["openapi", "swagger", "spec", "api", "index", "schema"].contains(&stem.to_ascii_lowercase().as_str());
        let fallback = if generic { doc.openapi.info.title.clone() } else { stem };
        let name = options.name.clone().unwrap_or(fallback);
        let (mut custom, notes) = options::apply(source, &mut doc, &options)?;
        // Cargo features belong to a crate: a module included by a build script has all of its tags.
        custom.tag_features &= layout == Layout::Crate;
        let lowering = timing::step(|| "lower".into());
        let (api, mut warnings) = ir::lower_with(source, &doc, &name, &custom)?;
        drop(lowering);
        // Emission reads the IR alone: the normalised document (a copy of the
        // whole JSON and its typed model) goes before the largest allocations come.
        let dropping = timing::step(|| "drop the normalised document".into());
        drop(doc);
        drop(dropping);
        if options.is_strict() {
            if let Some(lenient) = warnings.iter().find(|w| w.is_lenient()) {
                return Err(strict_error(lenient));
            }
        }
        warnings.extend(notes);
        let _emitting = timing::step(|| "emit (all files)".into());
        let files = match layout {
            Layout::Crate => {
                let mut files = emit::crate_files(&api, options.parts())?;
                // The record that the next generation compares itself with.
                files.push(release::recorded_document(source));
                files
            }
            Layout::Module => vec![emit::module_file(&api, options.parts())?],
        };
        Ok(Generated {
            statistics: Statistics { without_server: !options.parts().server, ..Statistics::of(&api, &warnings) },
            name: api.name.clone(),
            crate_name: api.crate_name.clone(),
            files,
            warnings,
            inputs: std::iter::once(source.path.clone()).chain(source.referenced.iter().cloned()).collect(),
        })
    };
    depth::with_stack(run).map_err(|err| err.locate_in(source))
}

/// The error `--strict` reports for a deviation that would have been read leniently.
fn strict_error(lenient: &Warning) -> Error {
    let mut error = lenient.clone().into_error();
    if let Error::Invalid { message, .. } = &mut error {
        message.push_str(" (--strict refuses lenient readings; without it this is a warning)");
    }
    error
}

/// Generates a standalone crate from the document at `spec`. Reads the file; writes nothing.
pub fn generate_crate(spec: &Path) -> Result<Generated> {
    generate_crate_with(spec, &Options::default())
}

/// [`generate_crate`] with options (from a config file, say) over the document's own.
pub fn generate_crate_with(spec: &Path, options: &Options) -> Result<Generated> {
    generate_one(&load::Source::read_with(spec, &options.ref_roots)?, Layout::Crate, options)
}

/// Generates the one module file that a build script would write for `spec` (see [`Config`]).
pub fn generate_module_with(spec: &Path, options: &Options) -> Result<Generated> {
    generate_one(&load::Source::read_with(spec, &options.ref_roots)?, Layout::Module, options)
}

/// Generates a standalone crate from a document already loaded. No I/O.
pub fn generate_crate_from_source(source: &load::Source, options: &Options) -> Result<Generated> {
    generate_one(source, Layout::Crate, options)
}

/// Generates a standalone crate from document text that claims to come from `path`. No I/O.
pub fn generate_crate_from_str(path: &Path, text: &str) -> Result<Generated> {
    generate_one(&load::Source::parse(path, text.to_owned())?, Layout::Crate, &Options::default())
}

/// Settings for generating from a build script, shaped like `prost_build::Config`.
///
/// Options set here win over the config file's, which win over the document's `x-clawgen-*` extensions.
#[derive(Debug, Clone, Default)]
pub struct Config {
    out_dir: Option<PathBuf>,
    options: Options,
    file: ConfigFile,
    file_path: Option<PathBuf>,
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
        self.options.client = Some(enabled);
        self
    }

    /// Whether to emit the axum server (default: yes).
    pub fn server(&mut self, enabled: bool) -> &mut Self {
        self.options.server = Some(enabled);
        self
    }

    /// Leaves out the operation with this `operationId` (in every spec that has it), saying why in the docs.
    pub fn skip(&mut self, operation_id: impl Into<String>, reason: impl Into<String>) -> &mut Self {
        self.options.skip.insert(operation_id.into(), reason.into());
        self
    }

    /// Whether every deviation from the specification that clawgen would read leniently,
    /// with a warning, is an error instead (default: no; see the README's table of readings).
    pub fn strict(&mut self, strict: bool) -> &mut Self {
        self.options.strict = Some(strict);
        self
    }

    /// Does not generate the component schema `schema`; references to it use the Rust type at `path`.
    pub fn rust_type(&mut self, schema: impl Into<String>, path: impl Into<String>) -> &mut Self {
        self.options.types.insert(schema.into(), path.into());
        self
    }

    /// Lets external `$ref`s read files under `dir` too; by default they may only
    /// read inside the folder of the document that holds the first `$ref`.
    pub fn allow_refs_under(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.options.ref_roots.push(dir.into());
        self
    }

    /// Reads per-spec options from a config file (see [`options`]), and asks Cargo to rerun when it changes.
    pub fn config_file(&mut self, path: impl AsRef<Path>) -> Result<&mut Self> {
        self.file = ConfigFile::read(path.as_ref())?;
        self.file_path = Some(path.as_ref().to_path_buf());
        Ok(self)
    }

    /// The options for one spec: the setters' over the config file's.
    fn options_for(&self, spec: &Path) -> Options {
        self.options.over(&self.file.for_spec(spec))
    }

    /// Generates `<name>.rs` for every spec and returns it as data; writes nothing.
    pub fn generate(&self, specs: &[impl AsRef<Path>]) -> Result<Vec<Generated>> {
        specs.iter().map(|spec| generate_module_with(spec.as_ref(), &self.options_for(spec.as_ref()))).collect()
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
        let generated = self.generate(specs).inspect_err(|error| {
            // Whatever the build script does with the error, Cargo shows its stderr when it fails.
            eprint!("{}", error.render());
        })?;
        for input in generated.iter().flat_map(|g| &g.inputs).chain(&self.file_path) {
            println!("cargo:rerun-if-changed={}", input.display());
        }
        let mut renderer = diagnostic::Renderer::plain();
        for g in &generated {
            for warning in g.warnings.iter().map(Diagnostic::from).filter(|d| d.severity() == Severity::Warning) {
                // One `cargo:warning` per line keeps the rendering's layout in Cargo's output.
                for line in renderer.render(&warning).lines() {
                    println!("cargo:warning={line}");
                }
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

/// Includes the module file that [`Config::compile`] wrote to `OUT_DIR` for the
/// spec named `name` (its `x-clawgen-name`, config `name`, or file stem):
/// `clawgen::include_api!("clawguru")` in place of
/// `include!(concat!(env!("OUT_DIR"), "/clawguru.rs"))`.
#[macro_export]
macro_rules! include_api {
    ($name:literal) => {
        include!(concat!(env!("OUT_DIR"), "/", $name, ".rs"));
    };
}
