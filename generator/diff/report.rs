//! Rendering a [`Report`]: text for people, JSON for programs.
//!
//! The JSON shape is versioned by its `format` field (`clawgen-diff/1`) and
//! documented in the README; fields are only ever added to it.

use std::fmt::Write as _;

use serde::Serialize;

use super::{Change, Direction, Document, Operation, Report, Rule, RustEffect, Severity, Side, Suggestion};

/// The `format` of the JSON output.
pub const JSON_FORMAT: &str = "clawgen-diff/1";

/// One line per change, grouped by severity, then a summary and the suggested bump.
pub fn text(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "comparing {} ({}) with {} ({})",
        report.old.file.display(),
        report.old.version,
        report.new.file.display(),
        report.new.version
    );
    for severity in Severity::ALL {
        let changes: Vec<&Change> = report.changes.iter().filter(|c| c.severity == severity).collect();
        if changes.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{} ({}):", severity.title(), changes.len());
        for change in changes {
            let _ = writeln!(out, "  - {} [{}; {}] ({})", change.summary(), change.rule.id(), change.rust.title(), change.location);
        }
    }
    let _ = writeln!(out, "\n{}", summary(report));
    let _ = writeln!(out, "{}", suggestion(report));
    let _ = writeln!(out, "{}", crate_suggestion(report));
    out
}

/// `Rust API: 1 breaking, 2 additive`: the changes by what they do to the generated crate.
pub fn rust_counts(report: &Report) -> String {
    let count = |effect: RustEffect| report.changes.iter().filter(|c| c.rust == effect).count();
    let parts: Vec<String> = [RustEffect::Breaking, RustEffect::Additive, RustEffect::Unchanged]
        .into_iter()
        .filter(|effect| count(*effect) > 0)
        .map(|effect| format!("{} {}", count(effect), effect.id()))
        .collect();
    if parts.is_empty() { "Rust API: unchanged".to_owned() } else { format!("Rust API: {}", parts.join(", ")) }
}

/// `suggested crate bump: major (2.1.0 -> 3.0.0), for the Rust API; …`: the bump of the generated crate.
pub fn crate_suggestion(report: &Report) -> String {
    let Suggestion { bump, version, sufficient, .. } = &report.crate_suggestion;
    let mut line = format!("suggested crate bump: {}", bump.id());
    if let Some(version) = version {
        let _ = write!(line, " ({} -> {version})", report.old.version);
    }
    let _ = write!(line, ", for the generated Rust API ({})", rust_counts(report));
    match sufficient {
        Some(true) => line.push_str("; info.version is enough"),
        Some(false) => line.push_str("; info.version is not enough"),
        None => {}
    }
    line
}

/// `3 changes: 1 breaking for clients, 2 compatible`, or why there are none.
pub fn summary(report: &Report) -> String {
    if report.changes.is_empty() {
        return if report.identical {
            "no changes: the documents are identical apart from info.version".to_owned()
        } else {
            "no changes to the contract: the documents differ only in what clawgen does not compare (descriptions, examples, servers)"
                .to_owned()
        };
    }
    let total = report.changes.len();
    format!("{total} change{}: {}", if total == 1 { "" } else { "s" }, counts(report))
}

/// `1 breaking for clients, 2 compatible`: the number of changes of each severity that occurs.
pub fn counts(report: &Report) -> String {
    Severity::ALL
        .into_iter()
        .filter(|s| report.count(*s) > 0)
        .map(|severity| format!("{} {}", report.count(severity), severity.title()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `suggested bump: major (2.1.0 -> 3.0.0); the new document declares 2.2.0, which is not enough`.
pub fn suggestion(report: &Report) -> String {
    let Suggestion { bump, version, sufficient, .. } = &report.suggestion;
    let mut line = format!("suggested bump: {}", bump.id());
    if let Some(version) = version {
        let _ = write!(line, " ({} -> {version})", report.old.version);
    }
    match sufficient {
        Some(true) => {
            let _ = write!(line, "; the new document declares {}, which is enough", report.new.version);
        }
        Some(false) => {
            let _ = write!(line, "; the new document declares {}, which is not enough", report.new.version);
        }
        None => {}
    }
    line
}

#[derive(Serialize)]
struct Json<'r> {
    format: &'static str,
    old: &'r Document,
    new: &'r Document,
    breaking: bool,
    rust_breaking: bool,
    identical: bool,
    summary: Summary,
    suggestion: &'r Suggestion,
    crate_suggestion: &'r Suggestion,
    changes: Vec<JsonChange<'r>>,
}

#[derive(Serialize)]
struct Summary {
    breaking_clients_and_servers: usize,
    breaking_clients: usize,
    breaking_servers: usize,
    compatible: usize,
}

#[derive(Serialize)]
struct JsonChange<'r> {
    rule: String,
    severity: Severity,
    rust: RustEffect,
    direction: Option<Direction>,
    operation: Option<&'r Operation>,
    subject: &'r str,
    message: &'r str,
    location: JsonLocation<'r>,
}

#[derive(Serialize)]
struct JsonLocation<'r> {
    side: Side,
    file: String,
    pointer: &'r str,
    line: Option<usize>,
    column: Option<usize>,
}

/// The report as pretty-printed JSON (see the README for the shape).
pub fn json(report: &Report) -> String {
    let changes = report
        .changes
        .iter()
        .map(|change| JsonChange {
            rule: Rule::id(change.rule),
            severity: change.severity,
            rust: change.rust,
            direction: change.direction,
            operation: change.operation.as_ref(),
            subject: &change.subject,
            message: &change.message,
            location: JsonLocation {
                side: change.side,
                file: change.location.file.display().to_string(),
                pointer: &change.location.pointer,
                line: change.location.line_col.map(|(line, _)| line),
                column: change.location.line_col.map(|(_, column)| column),
            },
        })
        .collect();
    let json = Json {
        format: JSON_FORMAT,
        old: &report.old,
        new: &report.new,
        breaking: report.is_breaking(),
        rust_breaking: report.breaks_rust_api(),
        identical: report.identical,
        summary: Summary {
            breaking_clients_and_servers: report.count(Severity::BreakingClientsAndServers),
            breaking_clients: report.count(Severity::BreakingClients),
            breaking_servers: report.count(Severity::BreakingServers),
            compatible: report.count(Severity::Compatible),
        },
        suggestion: &report.suggestion,
        crate_suggestion: &report.crate_suggestion,
        changes,
    };
    // Plain data with string keys: serialising it cannot fail.
    let mut text = serde_json::to_string_pretty(&json).unwrap_or_default();
    text.push('\n');
    text
}
