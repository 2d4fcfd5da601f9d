//! The semver bump a set of changes calls for, by Cargo's rules.
//!
//! Breaking changes need a new major version, compatible ones a new minor,
//! and nothing else (documentation, or no change at all) a patch. Cargo
//! shifts that one place to the right before 1.0: in `0.y.z` a breaking
//! change bumps `y` and anything else `z`, and in `0.0.z` every release is
//! incompatible with the last, so every bump is a patch bump.

use serde::Serialize;

/// A component of a version to raise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Bump {
    /// `z` in `x.y.z`.
    Patch,
    /// `y`.
    Minor,
    /// `x`.
    Major,
}

impl Bump {
    /// `major`, `minor` or `patch`.
    pub fn id(self) -> &'static str {
        match self {
            Bump::Patch => "patch",
            Bump::Minor => "minor",
            Bump::Major => "major",
        }
    }
}

/// What the changes call for, against what the NEW document declares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    /// The component to raise.
    pub bump: Bump,
    /// The OLD version with that bump, when the OLD version is `MAJOR[.MINOR[.PATCH]]`.
    pub version: Option<String>,
    /// The component the NEW document's version raises, if it is greater than the OLD one.
    pub declared: Option<Bump>,
    /// Whether the declared version is enough (`None` when either version is not semver).
    pub sufficient: Option<bool>,
}

/// `(major, minor, patch)` of `2.1`, `v2.1.0` or `2.1.0-beta.1` (pre-release and build are ignored).
fn parse(version: &str) -> Option<(u64, u64, u64)> {
    let version = version.trim().trim_start_matches(['v', 'V']);
    let core = version.split(['-', '+']).next()?;
    // Semver forbids numeric pre-release identifiers with leading zeros, as in dates (`2024-01-31`).
    let pre = version[core.len()..].split(['-', '+', '.']);
    if pre.into_iter().any(|id| id.len() > 1 && id.starts_with('0') && id.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let mut parts = core.split('.');
    let mut number = || parts.next().map_or(Ok(0), str::parse::<u64>).ok();
    let parsed = (number()?, number()?, number()?);
    parts.next().is_none().then_some(parsed)
}

/// Suggests a bump from `old_version` given what changed.
pub fn suggest(old_version: &str, new_version: &str, breaking: bool, changed: bool, identical: bool) -> Suggestion {
    let old = parse(old_version);
    let bump = match old {
        Some((0, 0, _)) => Bump::Patch,
        Some((0, _, _)) if breaking => Bump::Minor,
        Some((0, _, _)) => Bump::Patch,
        _ if breaking => Bump::Major,
        _ if changed => Bump::Minor,
        _ => Bump::Patch,
    };
    let version = old.map(|(major, minor, patch)| match bump {
        Bump::Major => format!("{}.0.0", major + 1),
        Bump::Minor => format!("{major}.{}.0", minor + 1),
        Bump::Patch => format!("{major}.{minor}.{}", patch + 1),
    });
    let new = parse(new_version);
    let declared = match (old, new) {
        (Some(old), Some(new)) if new > old => Some(if new.0 > old.0 {
            Bump::Major
        } else if new.1 > old.1 {
            Bump::Minor
        } else {
            Bump::Patch
        }),
        _ => None,
    };
    let sufficient = match (old, new) {
        (Some(_), Some(_)) => Some(match declared {
            Some(declared) => declared >= bump,
            // Keeping the version is right only when nothing changed at all.
            None => identical && old == new,
        }),
        _ => None,
    };
    Suggestion { bump, version, declared, sufficient }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaking_changes_bump_major_and_additions_minor() {
        let s = suggest("2.0.0", "3.0.0", true, true, false);
        assert_eq!((s.bump, s.version.as_deref(), s.declared, s.sufficient), (Bump::Major, Some("3.0.0"), Some(Bump::Major), Some(true)));
        let s = suggest("2.0.0", "2.0.1", false, true, false);
        assert_eq!((s.bump, s.version.as_deref(), s.sufficient), (Bump::Minor, Some("2.1.0"), Some(false)));
        let s = suggest("2.0.0", "2.0.1", false, false, false);
        assert_eq!((s.bump, s.sufficient), (Bump::Patch, Some(true)));
    }

    #[test]
    fn zero_versions_follow_cargo() {
        assert_eq!(suggest("0.3.1", "0.4.0", true, true, false).version.as_deref(), Some("0.4.0"));
        assert_eq!(suggest("0.3.1", "0.3.2", false, true, false).version.as_deref(), Some("0.3.2"));
        assert_eq!(suggest("0.0.4", "0.0.5", true, true, false).version.as_deref(), Some("0.0.5"));
    }

    #[test]
    fn unchanged_versions_are_enough_only_for_identical_documents() {
        assert_eq!(suggest("1.2.3", "1.2.3", false, false, true).sufficient, Some(true));
        assert_eq!(suggest("1.2.3", "1.2.3", false, false, false).sufficient, Some(false));
        assert_eq!(suggest("2024-01-01", "2024-02-01", true, true, false).sufficient, None);
    }
}
