//! Where the time of a run goes, for finding slow steps: with the environment
//! variable `CLAWGEN_TIMINGS` set, each timed step prints its wall time to
//! stderr when it ends, with the process's resident memory then
//! (`timing: lower 0.807 s, 161 MiB resident`). Off, a step
//! costs one check of a flag read once. Nothing asserts these figures; they
//! are for a person with a profiler's question (see the README's Performance).

use std::sync::OnceLock;
use std::time::Instant;

/// Whether `CLAWGEN_TIMINGS` is set (read once per process).
pub fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("CLAWGEN_TIMINGS").is_some())
}

/// A timed step: prints its name and wall time when dropped, if timings are on.
#[must_use = "the step ends when this is dropped"]
pub struct Step {
    started: Option<(String, Instant)>,
}

/// Starts timing the step `name` (its text is built only when timings are on).
pub fn step(name: impl FnOnce() -> String) -> Step {
    Step { started: enabled().then(|| (name(), Instant::now())) }
}

impl Drop for Step {
    fn drop(&mut self) {
        if let Some((name, started)) = self.started.take() {
            eprintln!("timing: {name} {:.3} s, {} resident", started.elapsed().as_secs_f64(), resident());
        }
    }
}

/// The process's resident memory now, as Linux reports it (`?` elsewhere).
fn resident() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
    kib.map_or_else(|| "?".to_owned(), |kib| format!("{} MiB", kib / 1024))
}
