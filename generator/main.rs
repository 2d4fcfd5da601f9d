//! The `clawgen` command line.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use clawgen::diagnostic::{self, Diagnostic, Renderer, Severity};
use clawgen::diff::report;
use clawgen::release::{self, Release};

/// Emission and printing allocate millions of small, short-lived tokens and
/// syn nodes; mimalloc serves them about twice as fast as glibc's malloc
/// (`scripts/bench`, README "Performance"). The library leaves the allocator to its user.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Generate Rust crates (typed client, axum server, error enums) from OpenAPI documents.
#[derive(Debug, Parser)]
#[command(name = "clawgen", version, about)]
struct Cli {
    /// How diagnostics are printed (on stderr): like rustc, or one JSON object per
    /// line; also the form of `diff`'s report (text, or the `clawgen-diff/1` JSON document).
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Let external `$ref`s read files under DIR too (repeatable). By default they
    /// may only read inside the folder of the document given on the command line.
    #[arg(long = "allow-refs-under", value_name = "DIR", global = true)]
    ref_roots: Vec<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

/// The form of diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// rustc-style text with the source line and a caret.
    Text,
    /// JSON Lines: one object per diagnostic (see the README for its fields).
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write `<OUT>/<name>-v<major>/` for every spec; files already up to date are not touched.
    Generate {
        /// OpenAPI documents (YAML or JSON, 3.0 or 3.1).
        #[arg(required = true)]
        specs: Vec<PathBuf>,
        /// The directory that holds the output crates.
        #[arg(long, default_value = "generated")]
        out: PathBuf,
        /// Per-spec options (`clawgen.toml`; see the README).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Write the one file `<OUT>/<name>.rs` that a build script would include, instead of a crate.
        #[arg(long)]
        module: bool,
        /// Regenerate a crate even if its document changed in a way that breaks clients or servers.
        #[arg(long)]
        allow_breaking: bool,
        /// Refuse every deviation from the specification that would be read leniently (with a warning).
        #[arg(long)]
        strict: bool,
    },
    /// Write nothing; exit 1 and show a diff if any output file differs from a fresh generation.
    Check {
        /// OpenAPI documents (YAML or JSON, 3.0 or 3.1).
        #[arg(required = true)]
        specs: Vec<PathBuf>,
        /// The directory that holds the output crates.
        #[arg(long, default_value = "generated")]
        out: PathBuf,
        /// Per-spec options (`clawgen.toml`; see the README).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Refuse every deviation from the specification that would be read leniently (with a warning).
        #[arg(long)]
        strict: bool,
    },
    /// Write the runtime crate `clawgen-runtime` into `<OUT>/clawgen-runtime/`: what generated
    /// code calls, for crates that include `--module` output from a build script.
    /// (`generate` writes it beside the crates it writes.)
    Runtime {
        /// The directory that holds the runtime crate.
        #[arg(long, default_value = "generated")]
        out: PathBuf,
    },
    /// Report every problem in the documents (not only the first); exit 2 if there is an error.
    Validate {
        /// OpenAPI documents (YAML or JSON, 3.0 or 3.1).
        #[arg(required = true)]
        specs: Vec<PathBuf>,
        /// Per-spec options (`clawgen.toml`), checked against each document too.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// List every change from OLD to NEW, whom it breaks, and the semver bump it calls for
    /// (`--format json` for the `clawgen-diff/1` document).
    Diff {
        /// The earlier document, or a generated crate directory (its `openapi.json` is read).
        old: PathBuf,
        /// The later document, or a generated crate directory.
        new: PathBuf,
        /// Exit 1 when any change breaks clients or servers.
        #[arg(long)]
        fail_on_breaking: bool,
    },
}

/// Exit code when the command found what it guards against: `check` found
/// differences, `diff --fail-on-breaking` a breaking change, `generate` a
/// breaking change it refused.
const FOUND: u8 = 1;
/// Exit code for bad input, or anything else that stops generation.
const FAILED: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut reporter = Reporter::new(cli.format);
    match run(cli.command, &cli.ref_roots, &mut reporter) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            reporter.report(&error.diagnostic());
            ExitCode::from(FAILED)
        }
    }
}

fn run(command: Command, ref_roots: &[PathBuf], reporter: &mut Reporter) -> clawgen::Result<u8> {
    match command {
        Command::Generate { specs, out, config, module, allow_breaking, strict } => {
            let config = Settings { file: read_config(config.as_deref(), ref_roots)?, strict };
            if module {
                for spec in &specs {
                    let generated = clawgen::generate_module_with(spec, &config.for_spec(spec))?;
                    reporter.report_warnings(&generated.warnings);
                    let changed = clawgen::write::write_all(&out, &generated.files)?;
                    for file in &generated.files {
                        reporter.written(spec, &out.join(&file.path), changed.len(), &generated.statistics);
                    }
                }
                return Ok(0);
            }
            generate(&specs, &out, &config, allow_breaking, reporter)
        }
        Command::Check { specs, out, config, strict } => {
            let config = Settings { file: read_config(config.as_deref(), ref_roots)?, strict };
            let mut stale = 0;
            for difference in clawgen::write::check_runtime(&out)? {
                stale += 1;
                println!("differs: {}", difference.path.display());
                print!("{}", difference.diff);
            }
            for (release, _) in prepare(&specs, &out, &config, None)? {
                for difference in clawgen::write::check(&release.dir, &release.files)? {
                    stale += 1;
                    println!("differs: {}", difference.path.display());
                    print!("{}", difference.diff);
                }
            }
            if stale == 0 {
                println!("up to date: {} spec(s)", specs.len());
                Ok(0)
            } else {
                println!("{stale} file(s) differ from a fresh generation; run `clawgen generate` with the same arguments");
                Ok(FOUND)
            }
        }
        Command::Runtime { out } => {
            let changed = clawgen::write::write_runtime(&out)?;
            println!("{} ({} file(s) changed)", out.join(clawgen::emit::RUNTIME_CRATE).display(), changed.len());
            Ok(0)
        }
        Command::Validate { specs, config } => {
            let config = read_config(config.as_deref(), ref_roots)?;
            let mut all = Vec::new();
            for spec in &specs {
                let found = clawgen::validate::validate_with(spec, &config.for_spec(spec));
                for diagnostic in &found {
                    reporter.report(diagnostic);
                }
                all.extend(found);
            }
            let errors = all.iter().filter(|d| d.severity() == Severity::Error).count();
            match reporter.format {
                Format::Text => println!("{}", diagnostic::summary(&all)),
                Format::Json => {
                    let warnings = all.iter().filter(|d| d.severity() == Severity::Warning).count();
                    println!("{}", serde_json::json!({ "documents": specs.len(), "errors": errors, "warnings": warnings }));
                }
            }
            Ok(if errors > 0 { FAILED } else { 0 })
        }
        Command::Diff { old, new, fail_on_breaking } => {
            let changes = clawgen::diff::diff_files_with(&old, &new, ref_roots)?;
            match reporter.format {
                Format::Text => print!("{}", report::text(&changes)),
                Format::Json => print!("{}", report::json(&changes)),
            }
            Ok(if fail_on_breaking && changes.is_breaking() { FOUND } else { 0 })
        }
    }
}

/// Generates every spec and decides what each crate's regeneration would change, writing nothing.
fn prepare(
    specs: &[PathBuf],
    out: &std::path::Path,
    config: &Settings,
    mut reporter: Option<&mut Reporter>,
) -> clawgen::Result<Vec<(Release, clawgen::Statistics)>> {
    let mut releases: Vec<(Release, clawgen::Statistics)> = Vec::new();
    for spec in specs {
        let options = config.for_spec(spec);
        let loading = clawgen::timing::step(|| "load".into());
        let source = clawgen::load::Source::read_with(spec, &options.ref_roots)?;
        drop(loading);
        let generated = clawgen::generate_crate_from_source(&source, &options)?;
        if let Some(reporter) = reporter.as_deref_mut() {
            let _reporting = clawgen::timing::step(|| format!("report {} warnings", generated.warnings.len()));
            reporter.report_warnings(&generated.warnings);
        }
        let statistics = generated.statistics.clone();
        let preparing = clawgen::timing::step(|| "release (compare with the last generation)".into());
        let release = release::prepare(out, &source, generated)?;
        drop(preparing);
        // Both would be compared with the same record, and the second would overwrite the first.
        // (`releases[i]` comes from `specs[i]`.)
        if let Some(earlier) = releases.iter().position(|(r, _)| r.dir == release.dir) {
            return Err(clawgen::Error::Invalid {
                code: clawgen::Code::Invalid,
                location: clawgen::Location { file: spec.clone(), ..Default::default() },
                message: format!("generates {} like {}; give each crate one spec per run", release.dir.display(), specs[earlier].display()),
            });
        }
        releases.push((release, statistics));
    }
    Ok(releases)
}

fn generate(
    specs: &[PathBuf],
    out: &std::path::Path,
    config: &Settings,
    allow_breaking: bool,
    reporter: &mut Reporter,
) -> clawgen::Result<u8> {
    let releases = prepare(specs, out, config, Some(reporter))?;
    let refused: Vec<&Release> = releases.iter().map(|(r, _)| r).filter(|r| r.is_breaking()).collect();
    if !refused.is_empty() && !allow_breaking {
        // All or nothing: one refused crate stops every write, so the output stays consistent.
        for release in refused {
            if let Some(changes) = &release.changes {
                print!("{}", report::text(changes));
            }
            for (revision, what) in &release.revisions {
                println!("clawgen's generated Rust API, revision {revision} (breaks the Rust API): {what}");
            }
            let document_breaks = release.changes.as_ref().is_some_and(|r| r.is_breaking() || r.breaks_rust_api());
            let why = if document_breaks {
                "the document changed in ways that break clients or servers, or the generated Rust API,"
            } else {
                "this clawgen generates a Rust API that breaks the crate's (see above),"
            };
            eprintln!(
                "error: {}: {why} under the same major version; raise the major version of `info.version` (the crate then \
                 goes to a new directory) or pass --allow-breaking",
                release.dir.display()
            );
        }
        eprintln!("nothing was written");
        return Ok(FOUND);
    }
    // The crates depend on it by path: it is written with them, every time.
    let changed = clawgen::write::write_runtime(out)?;
    reporter.runtime_written(&out.join(clawgen::emit::RUNTIME_CRATE), changed.len());
    for ((release, statistics), spec) in releases.iter().zip(specs) {
        let _writing = clawgen::timing::step(|| format!("write {}", release.dir.display()));
        let changed = clawgen::write::write_all(&release.dir, &release.files)?;
        reporter.written(spec, &release.dir, changed.len(), statistics);
        if let Some((revision, _)) = release.revisions.last() {
            println!("  clawgen's generated Rust API revision {revision} (breaking); added to {}", release::CHANGELOG);
        }
        if let Some(changes) = &release.changes {
            println!("  {}; added to {}", report::summary(changes), release::CHANGELOG);
            if changes.suggestion.sufficient == Some(false) {
                eprintln!("warning: {}: {}", release.dir.display(), report::suggestion(changes));
            }
            if changes.crate_suggestion.sufficient == Some(false) && changes.crate_suggestion.bump > changes.suggestion.bump {
                eprintln!("warning: {}: {}", release.dir.display(), report::crate_suggestion(changes));
            }
        }
    }
    Ok(0)
}

/// The options from the command line: the config file's, and `--strict` over them.
struct Settings {
    file: clawgen::ConfigFile,
    strict: bool,
}

impl Settings {
    /// The options for one spec.
    fn for_spec(&self, spec: &std::path::Path) -> clawgen::Options {
        let command_line = clawgen::Options { strict: self.strict.then_some(true), ..clawgen::Options::default() };
        command_line.over(&self.file.for_spec(spec))
    }
}

/// The config file, or an empty one, with the folders `$ref`s may read from.
fn read_config(path: Option<&std::path::Path>, ref_roots: &[PathBuf]) -> clawgen::Result<clawgen::ConfigFile> {
    let mut config = path.map_or_else(|| Ok(clawgen::ConfigFile::default()), clawgen::ConfigFile::read)?;
    config.ref_roots = ref_roots.to_vec();
    Ok(config)
}

/// Prints diagnostics on stderr in the chosen format.
struct Reporter {
    format: Format,
    renderer: Renderer,
}

impl Reporter {
    fn new(format: Format) -> Self {
        let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        Reporter { format, renderer: if colour { Renderer::styled() } else { Renderer::plain() } }
    }

    fn report(&mut self, diagnostic: &Diagnostic) {
        match self.format {
            Format::Text => eprint!("{}", self.renderer.render(diagnostic)),
            Format::Json => eprintln!("{}", diagnostic.to_json()),
        }
    }

    /// Says what was written for `spec` on stdout: `<path> (N file(s) changed)`, or with
    /// `--format json` one object per spec with the crate's statistics.
    fn written(&self, spec: &std::path::Path, path: &std::path::Path, changed: usize, statistics: &clawgen::Statistics) {
        match self.format {
            Format::Text => println!("{} ({changed} file(s) changed)", path.display()),
            Format::Json => println!(
                "{}",
                serde_json::json!({
                    "spec": spec.display().to_string(),
                    "path": path.display().to_string(),
                    "files_changed": changed,
                    "statistics": statistics,
                })
            ),
        }
    }

    /// The runtime crate written beside the crates: a line in text; in JSON, stdout
    /// keeps one object per document, so it is left out.
    fn runtime_written(&self, path: &std::path::Path, changed: usize) {
        if let Format::Text = self.format {
            println!("{} ({changed} file(s) changed)", path.display());
        }
    }

    fn report_warnings(&mut self, warnings: &[clawgen::Warning]) {
        for warning in warnings {
            self.report(&Diagnostic::from(warning));
        }
    }
}
