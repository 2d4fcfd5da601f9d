//! Strings that a JSON Schema `pattern` matches, for values the mock makes up.
//!
//! The pattern is parsed with `regex-syntax` and walked: each repetition is
//! taken its fewest times (plus `extra` where it may repeat more), each
//! alternation its first branch, each class its lowest character. The result
//! is checked with the `regex` crate before use, so a pattern this walk gets
//! wrong (look-arounds the crate refuses never reach here) yields `None`, never
//! a wrong value.

use regex_syntax::hir::{Class, Hir, HirKind};

/// A string of `min_length..=max_length` characters that `pattern` matches,
/// the shortest such where there are several, or `None` if none is found.
pub(super) fn matching(pattern: &str, min_length: usize, max_length: Option<usize>) -> Option<String> {
    let hir = regex_syntax::ParserBuilder::new().build().parse(pattern).ok()?;
    let regex = regex::Regex::new(pattern).ok()?;
    // Each round lets unbounded repetitions run once more, up to the length wanted.
    (0..=min_length.max(1)).map(|extra| walk(&hir, extra)).find(|candidate| {
        let length = candidate.chars().count();
        length >= min_length && max_length.is_none_or(|max| length <= max) && regex.is_match(candidate)
    })
}

fn walk(hir: &Hir, extra: usize) -> String {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => String::new(),
        HirKind::Literal(literal) => String::from_utf8_lossy(&literal.0).into_owned(),
        HirKind::Class(Class::Unicode(class)) => readable(class.ranges().iter().map(|r| (r.start(), r.end()))),
        HirKind::Class(Class::Bytes(class)) => readable(class.ranges().iter().map(|r| (char::from(r.start()), char::from(r.end())))),
        HirKind::Repetition(repetition) => {
            let most = repetition.max.map_or(usize::MAX, |max| max as usize);
            let times = (repetition.min as usize).saturating_add(extra).min(most);
            walk(&repetition.sub, extra).repeat(times)
        }
        HirKind::Capture(capture) => walk(&capture.sub, extra),
        HirKind::Concat(parts) => parts.iter().map(|part| walk(part, extra)).collect(),
        HirKind::Alternation(branches) => branches.first().map(|branch| walk(branch, extra)).unwrap_or_default(),
    }
}

/// A character of a class, readable where the class allows: `a`, `0` or `A`
/// first, else its lowest visible character (`[^/]` gives `a`, not `\0`).
fn readable(ranges: impl Iterator<Item = (char, char)> + Clone) -> String {
    let within = |c: &char| ranges.clone().any(|(start, end)| (start..=end).contains(c));
    let preferred = ['a', '0', 'A'].into_iter().find(within);
    let visible = || ranges.clone().find_map(|(start, end)| (start..=end).find(|c| !c.is_control() && !c.is_whitespace()));
    let lowest = || ranges.clone().next().map(|(start, _)| start);
    preferred.or_else(visible).or_else(lowest).map(String::from).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::matching;

    #[test]
    fn the_shortest_match_of_common_patterns() {
        assert_eq!(matching("^(0|[1-9][0-9]*)$", 0, None).as_deref(), Some("0"));
        assert_eq!(matching("^[a-z]{3}-\\d{2}$", 0, None).as_deref(), Some("aaa-00"));
        assert_eq!(matching("^sk_(live|test)_[A-Za-z0-9]+$", 0, None).as_deref(), Some("sk_live_a"));
        assert_eq!(matching("^[^/]+$", 0, None).as_deref(), Some("a"));
        assert_eq!(matching("^[1-9]$", 0, None).as_deref(), Some("1"));
    }

    #[test]
    fn repetitions_grow_to_the_minimum_length() {
        let made = matching("^[a-z]+$", 5, Some(8)).expect("a match");
        assert_eq!(made, "aaaaa");
    }

    #[test]
    fn an_impossible_length_gives_none() {
        assert_eq!(matching("^[a-z]{2}$", 5, None), None);
        assert_eq!(matching("^abc$", 0, Some(2)), None);
    }

    #[test]
    fn an_unanchored_pattern_is_matched_anywhere() {
        let made = matching("@", 0, None).expect("a match");
        assert!(made.contains('@'));
    }
}
