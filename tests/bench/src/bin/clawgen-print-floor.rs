//! `clawgen-print-floor <CRATE> <OUT>`: parses every `.rs` file under
//! `<CRATE>/src` with syn and prints it again with prettyplease into `<OUT>`,
//! the files spread over the cores as clawgen spreads its own.
//!
//! clawgen emits Rust as `quote!` tokens, parsed into a `syn::File` and
//! printed by prettyplease (the design card's emission path). Parsing and
//! printing a crate's text is less than that path does for the same crate (it
//! makes the tokens too), so `scripts/bench` reports this as the floor of
//! emission for the crate clawgen wrote: no generator that prints through
//! syn and prettyplease can emit that crate in less.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [krate, output] = args.as_slice() else {
        eprintln!("usage: clawgen-print-floor <CRATE> <OUT>");
        return ExitCode::from(2);
    };
    match print_floor(krate, output) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("clawgen-print-floor: {message}");
            ExitCode::FAILURE
        }
    }
}

fn print_floor(krate: &Path, output: &Path) -> Result<(), String> {
    let src = krate.join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files)?;
    // Largest first, taken in turn by the threads: the balance clawgen's own emission has.
    let mut sized: Vec<(u64, PathBuf)> =
        files.into_iter().map(|path| (std::fs::metadata(&path).map_or(0, |meta| meta.len()), path)).collect();
    sized.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    std::fs::create_dir_all(output).map_err(|err| format!("{}: {err}", output.display()))?;
    let next = std::sync::atomic::AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| -> Result<(), String> {
                    while let Some((_, path)) = sized.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) {
                        reprint(&src, path, output)?;
                    }
                    Ok(())
                })
            })
            .collect();
        workers.into_iter().try_for_each(|worker| worker.join().map_err(|_| "a thread panicked".to_owned())?)
    })
}

/// Parses and prints one file into `output`, under a name made of its path
/// (`a/b.rs` → `a_b.rs`), so files of one name in several folders stay apart.
fn reprint(src: &Path, path: &Path, output: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|err| format!("{}: {err}", path.display()))?;
    let file = syn::parse_file(&text).map_err(|err| format!("{}: {err}", path.display()))?;
    let relative = path.strip_prefix(src).unwrap_or(path);
    let name: Vec<String> = relative.components().map(|part| part.as_os_str().to_string_lossy().into_owned()).collect();
    let target = output.join(name.join("_"));
    std::fs::write(&target, prettyplease::unparse(&file)).map_err(|err| format!("{}: {err}", target.display()))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    for entry in std::fs::read_dir(dir).map_err(|err| format!("{}: {err}", dir.display()))? {
        let path = entry.map_err(|err| format!("{}: {err}", dir.display()))?.path();
        if path.is_dir() {
            rust_files(&path, out)?;
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
    Ok(())
}
