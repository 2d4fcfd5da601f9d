//! The `clawgen` command line.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use clawgen::diagnostic::{self, Diagnostic, Renderer, Severity};

/// Generate Rust crates (typed client, axum server, error enums) from OpenAPI documents.
#[derive(Debug, Parser)]
#[command(name = "clawgen", version, about)]
struct Cli {
    /// How diagnostics are printed (on stderr): like rustc, or one JSON object per line.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    format: Format,
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
}

/// Exit code when `check` finds differences.
const OUT_OF_DATE: u8 = 1;
/// Exit code for bad input, or anything else that stops generation.
const FAILED: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut reporter = Reporter::new(cli.format);
    match run(cli.command, &mut reporter) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            reporter.report(&error.diagnostic());
            ExitCode::from(FAILED)
        }
    }
}

fn run(command: Command, reporter: &mut Reporter) -> clawgen::Result<u8> {
    match command {
        Command::Generate { specs, out, config, module } => {
            let config = read_config(config.as_deref())?;
            for spec in &specs {
                let options = config.for_spec(spec);
                if module {
                    let generated = clawgen::generate_module_with(spec, &options)?;
                    reporter.report_warnings(&generated.warnings);
                    let changed = clawgen::write::write_all(&out, &generated.files)?;
                    for file in &generated.files {
                        println!("{} ({} file(s) changed)", out.join(&file.path).display(), changed.len());
                    }
                    continue;
                }
                let generated = clawgen::generate_crate_with(spec, &options)?;
                reporter.report_warnings(&generated.warnings);
                let dir = out.join(&generated.crate_name);
                let changed = clawgen::write::write_all(&dir, &generated.files)?;
                println!("{} ({} file(s) changed)", dir.display(), changed.len());
            }
            Ok(0)
        }
        Command::Check { specs, out, config } => {
            let config = read_config(config.as_deref())?;
            let mut stale = 0;
            for spec in &specs {
                let generated = clawgen::generate_crate_with(spec, &config.for_spec(spec))?;
                let dir = out.join(&generated.crate_name);
                for difference in clawgen::write::check(&dir, &generated.files)? {
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
                Ok(OUT_OF_DATE)
            }
        }
        Command::Validate { specs, config } => {
            let config = read_config(config.as_deref())?;
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
    }
}

/// The config file, or an empty one.
fn read_config(path: Option<&std::path::Path>) -> clawgen::Result<clawgen::ConfigFile> {
    path.map_or_else(|| Ok(clawgen::ConfigFile::default()), clawgen::ConfigFile::read)
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

    fn report_warnings(&mut self, warnings: &[clawgen::Warning]) {
        for warning in warnings {
            self.report(&Diagnostic::from(warning));
        }
    }
}
