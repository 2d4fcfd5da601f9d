//! A seeded, reproducible structural fuzzer for clawgen.
//!
//! Each case takes a seed document (`specs/*.yaml`, `tests/specs/*.yaml` and a
//! few small documents of `../shared/corpus`, read in place), applies one class
//! of hostile mutation, and runs the result:
//!
//! 1. through the `clawgen` binary (`generate` and `validate`), in a child
//!    process with a timeout, because a stack overflow aborts a process and
//!    a hang never returns;
//! 2. then, unless the binary already failed, through the library in this
//!    process, under `catch_unwind`: `validate`, `generate_crate` and `diff`
//!    against the seed.
//!
//! A case fails on a panic, an abort or other signal, a hang, an exit code
//! other than 0 or 2 (1 for `diff`), an error without a location, or
//! generated Rust that `syn` cannot parse or that holds text rustc refuses in
//! a comment (a bare carriage return, a bidirectional control). With
//! `--compile N`, the first N generated crates are also `cargo check`ed.
//!
//! The same `--seed` and `--cases` give the same documents, so any failure is
//! reproduced with `--seed S --only CASE`. See `scripts/fuzz` and the README.

mod mutate;
mod rng;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mutate::Class;
use rng::Rng;

/// One seed document.
struct Seed {
    path: PathBuf,
    text: String,
}

/// What one case came to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    /// Generated (exit 0).
    Generated,
    /// Refused with a located error (exit 2).
    Refused,
    /// Anything the harness counts as a bug, with why.
    Failed(String),
}

struct Settings {
    seed: u64,
    cases: u64,
    only: Option<u64>,
    clawgen: PathBuf,
    work: PathBuf,
    compile: usize,
    timeout: Duration,
}

fn main() {
    let settings = match settings() {
        Ok(settings) => settings,
        Err(message) => {
            eprintln!(
                "{message}\n\nusage: clawgen-fuzz [--seed S] [--cases N] [--only CASE] [--compile N] [--clawgen PATH] [--work DIR] [--corpus DIR] [--timeout SECS]"
            );
            std::process::exit(2);
        }
    };
    let seeds = seeds();
    if seeds.is_empty() {
        eprintln!("no seed documents found; run from the repository root");
        std::process::exit(2);
    }
    let started = Instant::now();
    let mut table: BTreeMap<Class, BTreeMap<String, u64>> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut compiled = Vec::new();
    let cases: Vec<u64> = match settings.only {
        Some(case) => vec![case],
        None => (0..settings.cases).collect(),
    };
    for case in cases {
        let mut rng = Rng::new(settings.seed ^ case.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let seed = &seeds[rng.below(seeds.len())];
        let class = Class::ALL[rng.below(Class::ALL.len())];
        let dir = settings.work.join(format!("case-{case}"));
        let _ = std::fs::remove_dir_all(&dir);
        if let Err(err) = std::fs::create_dir_all(&dir) {
            eprintln!("cannot create {}: {err}", dir.display());
            std::process::exit(2);
        }
        let spec = mutate::write_case(class, &mut rng, seed, &dir);
        let outcome = run_case(&settings, seed, &spec, &dir, case, &mut compiled);
        let label = match &outcome {
            Outcome::Generated => "generated".to_owned(),
            Outcome::Refused => "refused, located".to_owned(),
            Outcome::Failed(why) => format!("FAILED: {}", why.lines().next().unwrap_or_default().chars().take(80).collect::<String>()),
        };
        if let Outcome::Failed(why) = &outcome {
            let why: String = why.chars().take(600).collect();
            eprintln!("case {case} ({}, {}, seed {}): {why}", class.name(), seed.path.display(), settings.seed);
            failures.push(case);
        } else if settings.only.is_none() {
            let _ = std::fs::remove_dir_all(&dir);
        }
        *table.entry(class).or_default().entry(label).or_default() += 1;
    }
    let compile_failures = compile_sample(&settings, &compiled);
    println!("| class | cases | outcomes |\n|---|---:|---|");
    for (class, outcomes) in &table {
        let total: u64 = outcomes.values().sum();
        let parts: Vec<String> = outcomes.iter().map(|(label, n)| format!("{label}: {n}")).collect();
        println!("| {} | {total} | {} |", class.name(), parts.join(", "));
    }
    println!(
        "\n{} cases (seed {}) in {:.0} s: {} failed; {} generated crates compiled, {} failed to compile",
        table.values().flat_map(|o| o.values()).sum::<u64>(),
        settings.seed,
        started.elapsed().as_secs_f64(),
        failures.len(),
        compiled.len().min(settings.compile),
        compile_failures,
    );
    if !failures.is_empty() || compile_failures > 0 {
        println!(
            "failed cases: {failures:?} (kept under {}; rerun one with --seed {} --only CASE)",
            settings.work.display(),
            settings.seed
        );
        std::process::exit(1);
    }
}

fn settings() -> Result<Settings, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut settings = Settings {
        seed: 16,
        cases: 200,
        only: None,
        clawgen: exe.with_file_name(format!("clawgen{}", std::env::consts::EXE_SUFFIX)),
        work: PathBuf::from("target/fuzz"),
        compile: 0,
        timeout: Duration::from_secs(20),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        let number = |text: String| text.parse::<u64>().map_err(|e| format!("{text}: {e}"));
        match flag.as_str() {
            "--seed" => settings.seed = number(value()?)?,
            "--cases" => settings.cases = number(value()?)?,
            "--only" => settings.only = Some(number(value()?)?),
            "--compile" => settings.compile = number(value()?)? as usize,
            "--timeout" => settings.timeout = Duration::from_secs(number(value()?)?),
            "--clawgen" => settings.clawgen = PathBuf::from(value()?),
            "--work" => settings.work = PathBuf::from(value()?),
            "--corpus" => set_corpus(value()?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if !settings.clawgen.is_file() {
        return Err(format!("{} is not built; build the clawgen binary first (scripts/fuzz does)", settings.clawgen.display()));
    }
    settings.work = std::path::absolute(&settings.work).map_err(|e| e.to_string())?;
    Ok(settings)
}

/// The corpus folder, `../shared/corpus` unless `--corpus` says otherwise.
static CORPUS: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

fn set_corpus(dir: String) {
    let _ = CORPUS.set(PathBuf::from(dir));
}

/// Small corpus documents that read as seeds; the corpus is read in place, never copied into the repository.
const CORPUS_SEEDS: &[&str] = &[
    "oai-petstore/petstore.yaml",
    "oai-callback-example/callback-example.yaml",
    "oai-link-example/link-example.yaml",
    "oai-webhook-example/webhook-example.yaml",
    "oag-31-null-types/null-types.yaml",
    "progenitor-keeper/keeper.json",
];

fn seeds() -> Vec<Seed> {
    let mut paths: Vec<PathBuf> = Vec::new();
    for dir in ["specs", "tests/specs"] {
        if let Ok(entries) = std::fs::read_dir(dir) {
            let mut found: Vec<PathBuf> =
                entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|e| e == "yaml")).collect();
            found.sort();
            paths.extend(found);
        }
    }
    let corpus = CORPUS.get().cloned().unwrap_or_else(|| PathBuf::from("../shared/corpus"));
    paths.extend(CORPUS_SEEDS.iter().map(|p| corpus.join(p)).filter(|p| p.is_file()));
    paths.into_iter().filter_map(|path| Some(Seed { text: std::fs::read_to_string(&path).ok()?, path })).collect()
}

fn run_case(settings: &Settings, seed: &Seed, spec: &Path, dir: &Path, case: u64, compiled: &mut Vec<PathBuf>) -> Outcome {
    // The binary first: an abort there must not take this process with it.
    let out = dir.join("out");
    let generate = run_binary(settings, &["generate", path_str(spec), "--out", path_str(&out), "--format", "json"]);
    let validate = run_binary(settings, &["validate", path_str(spec), "--format", "json"]);
    for (command, result) in [("generate", &generate), ("validate", &validate)] {
        match result {
            Err(why) => return Outcome::Failed(format!("clawgen {command}: {why}")),
            Ok((code, stderr)) => {
                if !matches!(code, 0 | 2) {
                    return Outcome::Failed(format!("clawgen {command} exited {code}: {stderr}"));
                }
                if stderr.contains("panicked") {
                    return Outcome::Failed(format!("clawgen {command} panicked: {stderr}"));
                }
                if let Some(unlocated) = unlocated_error(stderr) {
                    return Outcome::Failed(format!("clawgen {command}: an error without a location: {unlocated}"));
                }
            }
        }
    }
    let diff = run_binary(settings, &["diff", path_str(&seed.path), path_str(spec), "--format", "json"]);
    match &diff {
        Err(why) => return Outcome::Failed(format!("clawgen diff: {why}")),
        Ok((code, stderr)) if !matches!(code, 0 | 2) || stderr.contains("panicked") => {
            return Outcome::Failed(format!("clawgen diff exited {code}: {stderr}"));
        }
        _ => {}
    }
    // Then the library, in this process, on a thread with the binary's main stack.
    let spec_owned = spec.to_path_buf();
    let seed_path = seed.path.clone();
    let name = format!("fuzz{case}");
    let library = std::thread::Builder::new().stack_size(8 << 20).spawn(move || {
        std::panic::catch_unwind(|| {
            let diagnostics = clawgen::validate::validate(&spec_owned);
            let options = clawgen::Options { name: Some(name), ..clawgen::Options::default() };
            let generated = clawgen::generate_crate_with(&spec_owned, &options);
            let diff = clawgen::diff::diff_files(&seed_path, &spec_owned);
            (diagnostics, generated, diff.err())
        })
    });
    let result = match library.map(|handle| handle.join()) {
        Ok(Ok(Ok(result))) => result,
        Ok(Ok(Err(panic))) | Ok(Err(panic)) => {
            let message = panic.downcast_ref::<String>().cloned().or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()));
            return Outcome::Failed(format!("the library panicked: {}", message.unwrap_or_default()));
        }
        Err(err) => return Outcome::Failed(format!("cannot start a thread: {err}")),
    };
    let (diagnostics, generated, diff_error) = result;
    for diagnostic in diagnostics.iter().filter(|d| d.severity() == clawgen::Severity::Error) {
        if diagnostic.location.is_none() {
            return Outcome::Failed(format!("validate: an error without a location: {}", diagnostic.message));
        }
    }
    if let Some(error) = diff_error.filter(|e| e.location().is_none() && !matches!(e, clawgen::Error::Io { .. })) {
        return Outcome::Failed(format!("diff: an error without a location: {error}"));
    }
    match generated {
        Err(error) if error.location().is_none() => Outcome::Failed(format!("generate: an error without a location: {error}")),
        Err(_) => Outcome::Refused,
        Ok(generated) => {
            for file in &generated.files {
                let text = &file.contents;
                if file.path.ends_with(".rs") {
                    if let Err(err) = syn::parse_file(text) {
                        return Outcome::Failed(format!("generated {} does not parse: {err}", file.path));
                    }
                    let refused = text.chars().enumerate().find(|(i, c)| {
                        matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
                            || (*c == '\r' && text.chars().nth(i + 1) != Some('\n'))
                    });
                    if let Some(pattern) = text.parse::<proc_macro2::TokenStream>().ok().and_then(broken_regex) {
                        return Outcome::Failed(format!("generated {} builds a pattern its regex engine refuses: {pattern:?}", file.path));
                    }
                    if let Some((_, c)) = refused {
                        return Outcome::Failed(format!("generated {} holds {c:?}, which rustc refuses in comments", file.path));
                    }
                }
            }
            if compiled.len() < settings.compile {
                let crate_dir = settings.work.join("compile").join(&generated.crate_name);
                if clawgen::write::write_all(&crate_dir, &generated.files).is_ok() {
                    compiled.push(crate_dir);
                }
            }
            Outcome::Generated
        }
    }
}

/// The first `Regex::new("…")` literal in `tokens` that the `regex` crate does not compile,
/// or `BacktrackingPattern::new("…")` literal that `fancy-regex` does not.
fn broken_regex(tokens: proc_macro2::TokenStream) -> Option<String> {
    use proc_macro2::TokenTree;
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    for (index, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Group(group) => {
                if let Some(found) = broken_regex(group.stream()) {
                    return Some(found);
                }
                // `Type :: new (…)`: the `::` is two tokens.
                let called = index >= 4 && matches!(&trees[index - 1], TokenTree::Ident(name) if name == "new");
                let compiles: Option<fn(&str) -> bool> = match &trees[index.saturating_sub(4)] {
                    TokenTree::Ident(name) if called && name == "Regex" => Some(|p| regex::Regex::new(p).is_ok()),
                    TokenTree::Ident(name) if called && name == "BacktrackingPattern" => Some(|p| fancy_regex::Regex::new(p).is_ok()),
                    _ => None,
                };
                if let Some(compiles) = compiles {
                    let literal = group.stream().into_iter().next();
                    let pattern = literal.and_then(|lit| syn::parse2::<syn::LitStr>(lit.into()).ok()).map(|lit| lit.value());
                    if let Some(pattern) = pattern.filter(|p| !compiles(p)) {
                        return Some(pattern);
                    }
                }
            }
            _ => continue,
        }
    }
    None
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap_or_default()
}

/// The exit code and stderr of the binary, or why it has neither (a signal, a hang).
fn run_binary(settings: &Settings, args: &[&str]) -> Result<(i32, String), String> {
    let mut child = Command::new(&settings.clawgen)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", settings.clawgen.display()))?;
    let mut stderr = child.stderr.take();
    // Read stderr on a thread, so that a chatty child never blocks on a full pipe.
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(stderr) = stderr.as_mut() {
            let _ = stderr.take(1 << 20).read_to_string(&mut text);
        }
        text
    });
    let deadline = Instant::now() + settings.timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("hung (killed after {} s)", settings.timeout.as_secs()));
            }
            Err(err) => return Err(err.to_string()),
        }
    };
    let stderr = reader.join().unwrap_or_default();
    match status.code() {
        Some(code) => Ok((code, stderr)),
        None => Err(format!("killed by a signal ({status}): {}", stderr.lines().last().unwrap_or_default())),
    }
}

/// The first JSON-lines diagnostic of severity error without a file.
fn unlocated_error(stderr: &str) -> Option<String> {
    stderr
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find_map(|d| (d["severity"] == "error" && d["file"].is_null()).then(|| d["message"].as_str().unwrap_or_default().to_owned()))
}

/// `cargo check`s the sampled crates in a workspace of their own that shares
/// the repository's lock file and target directory; returns how many failed.
fn compile_sample(settings: &Settings, crates: &[PathBuf]) -> usize {
    if crates.is_empty() || settings.compile == 0 {
        return 0;
    }
    let root = settings.work.join("compile");
    let members: Vec<String> = crates.iter().filter_map(|c| c.file_name()).map(|n| format!("{:?}", n.to_string_lossy())).collect();
    let manifest = format!("[workspace]\nmembers = [{}]\nresolver = \"2\"\n", members.join(", "));
    // The crates depend on the runtime crate by path, beside them.
    if std::fs::write(root.join("Cargo.toml"), manifest).is_err()
        || std::fs::copy("Cargo.lock", root.join("Cargo.lock")).is_err()
        || clawgen::write::write_runtime(&root).is_err()
    {
        eprintln!("cannot set up {}", root.display());
        return crates.len();
    }
    let target = std::path::absolute("target").unwrap_or_else(|_| PathBuf::from("target"));
    let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["check", "--offline", "--workspace", "--quiet"])
        .env("CARGO_TARGET_DIR", target)
        .current_dir(&root)
        .status();
    match status {
        Ok(status) if status.success() => 0,
        _ => {
            eprintln!("cargo check failed for the sampled crates in {}", root.display());
            crates.len()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::broken_regex;

    fn broken(code: &str) -> Option<String> {
        broken_regex(code.parse().expect("tokens"))
    }

    #[test]
    fn each_pattern_is_held_to_the_engine_that_compiles_it() {
        assert_eq!(broken(r#"f(::regex::Regex::new("(?=a)"))"#).as_deref(), Some("(?=a)"), "regex refuses look-arounds");
        assert_eq!(broken(r#"f(::regex::Regex::new("^a+$"))"#), None);
        assert_eq!(broken(r#"static P: V = validation::BacktrackingPattern::new("(?=a)b");"#), None, "fancy-regex takes them");
        assert_eq!(broken(r#"static P: V = validation::BacktrackingPattern::new("([");"#).as_deref(), Some("(["));
    }
}
