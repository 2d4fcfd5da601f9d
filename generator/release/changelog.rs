//! `CHANGELOG.md` of a generated crate: newest entry first, older entries never rewritten.
//!
//! Entries are headed by `info.version`, never by a date, so the file depends
//! only on the documents it was generated from.

use std::fmt::Write as _;

use super::info;
use crate::diff::{Change, Report, Severity, report};
use crate::error::Result;
use crate::load::Source;

fn header(crate_name: &str) -> String {
    format!(
        "# Changelog of {crate_name}\n\n\
         Written by clawgen. Each generation that changes the API document (`openapi.json`), or the revision of\n\
         clawgen's generated Rust API, adds an entry at the top, listing the changes by whom they break. Entries are\n\
         never rewritten.\n"
    )
}

/// The changelog after adding `entry` (if any) to `existing` (if any).
pub(super) fn next(existing: Option<&str>, entry: Option<&str>, crate_name: &str) -> String {
    match (existing, entry) {
        (None, entry) => format!("{}\n{}", header(crate_name), entry.unwrap_or_default()),
        (Some(existing), None) => existing.to_owned(),
        (Some(existing), Some(entry)) => match existing.find("\n## ") {
            Some(at) => format!("{}{entry}\n{}", &existing[..=at], &existing[at + 1..]),
            None => format!("{}\n\n{entry}", existing.trim_end_matches('\n')),
        },
    }
}

/// The entry of a crate's first generation.
pub(super) fn first_entry(source: &Source, crate_name: &str) -> Result<String> {
    let operations = crate::diff::operation_count(source)?;
    let file = source.path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    Ok(format!(
        "## {}\n\nFirst entry of `{crate_name}`: {} from `{file}`, {operations} operation{}.\n",
        info(source, "version"),
        info(source, "title"),
        if operations == 1 { "" } else { "s" }
    ))
}

/// The entry for a regeneration whose document changed as `report` says.
pub(super) fn entry(report: &Report) -> String {
    let what = if report.changes.is_empty() {
        "no changes to the contract (documentation, examples or servers changed)".to_owned()
    } else {
        report::counts(report)
    };
    let mut out = format!("## {}\n\nCompared with {}: {what}.\n", report.new.version, report.old.version);
    if !report.changes.is_empty() {
        let _ = writeln!(out, "{}: a {} release of the crate.", report::rust_counts(report), report.crate_suggestion.bump.id());
    }
    if report.is_breaking() || report.breaks_rust_api() {
        out.push_str("Breaking changes under the same major version, accepted with `--allow-breaking`.\n");
    }
    for severity in Severity::ALL {
        let changes: Vec<&Change> = report.changes.iter().filter(|c| c.severity == severity).collect();
        if changes.is_empty() {
            continue;
        }
        let title = severity.title();
        let _ = writeln!(out, "\n### {}{}\n", title[..1].to_uppercase(), &title[1..]);
        for change in changes {
            let operation = change.operation.as_ref().map(|op| format!("`{op}`"));
            let parts: Vec<&str> = [operation.as_deref(), Some(change.subject.as_str()), Some(change.message.as_str())]
                .into_iter()
                .flatten()
                .filter(|part| !part.is_empty())
                .collect();
            let _ = writeln!(out, "- {} ({})", parts.join(": "), change.rust.title());
        }
    }
    out
}

/// `entry` (a document's, if any) followed by the revisions of the generated
/// Rust API the regeneration brings, or an entry of those alone.
pub(super) fn with_revisions(entry: Option<String>, version: &str, revisions: &[(u32, &str)]) -> String {
    let mut out = entry.unwrap_or_else(|| {
        format!(
            "## {version}\n\nRegenerated from the same document by a clawgen whose generated Rust API changed.\n\
             Rust API: breaking: a major release of the crate.\n\
             Breaking changes under the same major version, accepted with `--allow-breaking`.\n"
        )
    });
    if !out.ends_with("\n\n") {
        out.push('\n');
    }
    out.push_str("### Generated Rust API (breaks the Rust API)\n\n");
    for (revision, what) in revisions {
        let _ = writeln!(out, "- Revision {revision} of clawgen's generated Rust API: {what}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_go_on_top_and_old_ones_stay() {
        let first = next(None, Some("## 1.0.0\n\nfirst\n"), "x-v1");
        assert!(first.starts_with("# Changelog of x-v1\n"));
        let second = next(Some(&first), Some("## 1.1.0\n\nsecond\n"), "x-v1");
        assert!(second.starts_with(&header("x-v1")), "{second}");
        let (newer, older) = (second.find("## 1.1.0").unwrap(), second.find("## 1.0.0").unwrap());
        assert!(newer < older, "{second}");
        assert!(second.ends_with("## 1.0.0\n\nfirst\n"), "{second}");
        assert_eq!(next(Some(&second), None, "x-v1"), second);
    }

    #[test]
    fn revisions_get_an_entry_of_their_own_or_join_the_documents() {
        let alone = with_revisions(None, "1.0.0", &[(2, "errors changed.")]);
        assert!(alone.starts_with("## 1.0.0\n\nRegenerated from the same document"), "{alone}");
        assert!(alone.contains("accepted with `--allow-breaking`"), "{alone}");
        assert!(
            alone.ends_with(
                "\n### Generated Rust API (breaks the Rust API)\n\n- Revision 2 of clawgen's generated Rust API: errors changed.\n"
            ),
            "{alone}"
        );
        let joined = with_revisions(Some("## 1.1.0\n\nCompared with 1.0.0: 1 compatible.\n".to_owned()), "1.1.0", &[(2, "x.")]);
        assert!(joined.starts_with("## 1.1.0\n\nCompared with 1.0.0: 1 compatible.\n\n### Generated Rust API"), "{joined}");
    }
}
