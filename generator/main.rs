//! The `clawgen` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    Generate {
        /// OpenAPI documents (YAML or JSON, 3.0 or 3.1).
        #[arg(required = true)]
        specs: Vec<PathBuf>,
        /// The directory that holds the output crates.
        #[arg(long, default_value = "generated")]
        out: PathBuf,
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
}

/// Exit code when `check` finds differences.
const OUT_OF_DATE: u8 = 1;
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
        Command::Generate { specs, out } => {
            for spec in &specs {
                let generated = clawgen::generate_crate(spec)?;
                print_warnings(&generated.warnings);
                let dir = out.join(&generated.crate_name);
                let changed = clawgen::write::write_all(&dir, &generated.files)?;
                println!("{} ({} file(s) changed)", dir.display(), changed.len());
            }
            Ok(0)
        }
        Command::Check { specs, out } => {
            let mut stale = 0;
            for spec in &specs {
                let generated = clawgen::generate_crate(spec)?;
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
    }
}

fn print_warnings(warnings: &[clawgen::Warning]) {
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
}
