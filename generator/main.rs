//! The `clawgen` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use clawgen::diff::report;
use clawgen::release::{self, Release};

/// Generate Rust crates (typed client, axum server, error enums) from OpenAPI documents.
#[derive(Debug, Parser)]
#[command(name = "clawgen", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write `<OUT>/<name>-v<major>/` for every spec; files already up to date are not touched.
    ///
    /// A crate that exists already is compared with the document it was generated from (its `openapi.json`):
    /// the changes become a `CHANGELOG.md` entry, and breaking ones are refused (exit 1, nothing written)
    /// unless `--allow-breaking` is given. A new major version goes to a new directory.
    Generate {
        /// OpenAPI documents (YAML or JSON, 3.0 or 3.1).
        #[arg(required = true)]
        specs: Vec<PathBuf>,
        /// The directory that holds the output crates.
        #[arg(long, default_value = "generated")]
        out: PathBuf,
        /// Regenerate a crate even if its document changed in a way that breaks clients or servers.
        #[arg(long)]
        allow_breaking: bool,
    },
    /// Write nothing; exit 1 and show a diff if any output file differs from a fresh generation.
    Check {
        /// OpenAPI documents (YAML or JSON, 3.0 or 3.1).
        #[arg(required = true)]
        specs: Vec<PathBuf>,
        /// The directory that holds the output crates.
        #[arg(long, default_value = "generated")]
        out: PathBuf,
    },
    /// List every change from OLD to NEW, whom it breaks, and the semver bump it calls for.
    Diff {
        /// The earlier document, or a generated crate directory (its `openapi.json` is read).
        old: PathBuf,
        /// The later document, or a generated crate directory.
        new: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Exit 1 when any change breaks clients or servers.
        #[arg(long)]
        fail_on_breaking: bool,
    },
}

/// How `diff` prints its report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// One line per change, grouped by severity.
    Text,
    /// The `clawgen-diff/1` JSON document described in the README.
    Json,
}

/// Exit code when the command found what it guards against: `check` found
/// differences, `diff --fail-on-breaking` a breaking change, `generate` a
/// breaking change it refused.
const FOUND: u8 = 1;
/// Exit code for bad input, or anything else that stops generation.
const FAILED: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(FAILED)
        }
    }
}

fn run(command: Command) -> clawgen::Result<u8> {
    match command {
        Command::Generate { specs, out, allow_breaking } => generate(&specs, &out, allow_breaking),
        Command::Check { specs, out } => {
            let mut stale = 0;
            for release in prepare(&specs, &out, false)? {
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
        Command::Diff { old, new, format, fail_on_breaking } => {
            let report = clawgen::diff::diff_files(&old, &new)?;
            match format {
                Format::Text => print!("{}", report::text(&report)),
                Format::Json => print!("{}", report::json(&report)),
            }
            Ok(if fail_on_breaking && report.is_breaking() { FOUND } else { 0 })
        }
    }
}

/// Generates every spec and decides what each crate's regeneration would change, writing nothing.
fn prepare(specs: &[PathBuf], out: &std::path::Path, show_warnings: bool) -> clawgen::Result<Vec<Release>> {
    let mut releases: Vec<Release> = Vec::new();
    for spec in specs {
        let source = clawgen::load::Source::read(spec)?;
        let generated = clawgen::generate_crate_from_source(&source)?;
        if show_warnings {
            print_warnings(&generated.warnings);
        }
        let release = release::prepare(out, &source, generated)?;
        // Both would be compared with the same record, and the second would overwrite the first.
        // (`releases[i]` comes from `specs[i]`.)
        if let Some(earlier) = releases.iter().position(|r| r.dir == release.dir) {
            return Err(clawgen::Error::Invalid {
                location: clawgen::Location { file: spec.clone(), ..Default::default() },
                message: format!("generates {} like {}; give each crate one spec per run", release.dir.display(), specs[earlier].display()),
            });
        }
        releases.push(release);
    }
    Ok(releases)
}

fn generate(specs: &[PathBuf], out: &std::path::Path, allow_breaking: bool) -> clawgen::Result<u8> {
    let releases = prepare(specs, out, true)?;
    let refused: Vec<&Release> = releases.iter().filter(|r| r.is_breaking()).collect();
    if !refused.is_empty() && !allow_breaking {
        // All or nothing: one refused crate stops every write, so the output stays consistent.
        for release in refused {
            if let Some(changes) = &release.changes {
                print!("{}", report::text(changes));
            }
            eprintln!(
                "error: {}: the document changed in ways that break clients or servers, under the same major version; \
                 raise the major version of `info.version` (the crate then goes to a new directory) or pass --allow-breaking",
                release.dir.display()
            );
        }
        eprintln!("nothing was written");
        return Ok(FOUND);
    }
    for release in &releases {
        let changed = clawgen::write::write_all(&release.dir, &release.files)?;
        println!("{} ({} file(s) changed)", release.dir.display(), changed.len());
        if let Some(changes) = &release.changes {
            println!("  {}; added to {}", report::summary(changes), release::CHANGELOG);
            if changes.suggestion.sufficient == Some(false) {
                eprintln!("warning: {}: {}", release.dir.display(), report::suggestion(changes));
            }
        }
    }
    Ok(0)
}

fn print_warnings(warnings: &[clawgen::Warning]) {
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
}
