//! Strings that a JSON Schema `pattern` matches, for values the mock makes up.
//!
//! The pattern is parsed with `regex-syntax` and walked: each repetition is
//! taken its fewest times (plus `extra` where it may repeat more), each
//! alternation its first branch, each class its lowest character. The result
//! is checked with the `regex` crate before use, so a pattern this walk gets
//! wrong yields `None`, never a wrong value. A pattern with look-arounds, which
//! `regex-syntax` refuses, is walked without them and checked with them, by
//! `fancy-regex`.

use regex_syntax::hir::{Class, Hir, HirKind};

/// A string of `min_length..=max_length` characters that `pattern` matches,
/// the shortest such where there are several, or `None` if none is found.
/// Found once per pattern, bounds and thread: documents repeat a pattern over
/// many parameters and properties, and compiling it costs more than the walk.
pub(super) fn matching(pattern: &str, min_length: usize, max_length: Option<usize>) -> Option<String> {
    use std::collections::HashMap;
    type Found = HashMap<(String, usize, Option<usize>), Option<String>>;
    thread_local! {
        static FOUND: std::cell::RefCell<Found> = std::cell::RefCell::new(HashMap::new());
    }
    let key = (pattern.to_owned(), min_length, max_length);
    if let Some(found) = FOUND.with(|found| found.borrow().get(&key).cloned()) {
        return found;
    }
    let found = find_matching(pattern, min_length, max_length);
    FOUND.with(|cache| cache.borrow_mut().insert(key, found.clone()));
    found
}

fn find_matching(pattern: &str, min_length: usize, max_length: Option<usize>) -> Option<String> {
    let parse = |pattern: &str| regex_syntax::ParserBuilder::new().build().parse(pattern).ok();
    let (hir, checker) = match regex::Regex::new(pattern) {
        Ok(regex) => (parse(pattern)?, Checker::Linear(regex)),
        Err(_) => (parse(&without_look_arounds(pattern))?, Checker::Backtracking(fancy_regex::Regex::new(pattern).ok()?)),
    };
    // Each round lets unbounded repetitions run once more, up to the length wanted.
    (0..=min_length.max(1)).map(|extra| walk(&hir, extra)).find(|candidate| {
        let length = candidate.chars().count();
        length >= min_length && max_length.is_none_or(|max| length <= max) && checker.is_match(candidate)
    })
}

/// Whether `pattern` matches somewhere in `text`, by the engine the generated
/// code checks it with; `None` where neither engine compiles it (the pattern
/// is then not checked) or the backtracking one gives up. Compiled once per
/// pattern and thread: documents repeat their patterns across many examples.
pub(super) fn is_match(pattern: &str, text: &str) -> Option<bool> {
    use std::collections::HashMap;
    thread_local! {
        static COMPILED: std::cell::RefCell<HashMap<String, Option<Checker>>> = std::cell::RefCell::new(HashMap::new());
    }
    COMPILED.with(|compiled| {
        let mut compiled = compiled.borrow_mut();
        let checker = compiled.entry(pattern.to_owned()).or_insert_with(|| match regex::Regex::new(pattern) {
            Ok(regex) => Some(Checker::Linear(regex)),
            Err(_) => fancy_regex::Regex::new(pattern).ok().map(Checker::Backtracking),
        });
        match checker.as_ref()? {
            Checker::Linear(regex) => Some(regex.is_match(text)),
            Checker::Backtracking(regex) => regex.is_match(text).ok(),
        }
    })
}

/// The engine that checks a walked candidate: the one the generated code uses.
enum Checker {
    Linear(regex::Regex),
    Backtracking(fancy_regex::Regex),
}

impl Checker {
    fn is_match(&self, text: &str) -> bool {
        match self {
            Checker::Linear(regex) => regex.is_match(text),
            // Given up at the backtracking limit: not known to match.
            Checker::Backtracking(regex) => regex.is_match(text).unwrap_or(false),
        }
    }
}

/// `pattern` with its look-around groups (`(?=…)`, `(?!…)`, `(?<=…)`, `(?<!…)`) left out:
/// what remains describes the text itself, and the walk of it is then checked with them.
fn without_look_arounds(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len());
    // Depth of the look-around being skipped (0: none), of the groups within it.
    let mut skipping = 0usize;
    let mut in_class = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let escaped = c == '\\';
        let step = if escaped { 2 } else { 1 };
        let starts_look_around = !escaped
            && !in_class
            && c == '('
            && chars.get(i + 1) == Some(&'?')
            && matches!((chars.get(i + 2), chars.get(i + 3)), (Some('=' | '!'), _) | (Some('<'), Some('=' | '!')));
        if starts_look_around || (skipping > 0 && !escaped && !in_class && c == '(') {
            skipping += 1;
        } else if skipping > 0 && !escaped && !in_class && c == ')' {
            skipping -= 1;
            i += 1;
            continue;
        }
        if !escaped {
            match c {
                '[' if !in_class => in_class = true,
                ']' if in_class => in_class = false,
                _ => {}
            }
        }
        if skipping == 0 {
            out.extend(&chars[i..(i + step).min(chars.len())]);
        }
        i += step;
    }
    out
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
    fn look_arounds_are_walked_past_and_then_checked() {
        assert_eq!(super::without_look_arounds(r"^(?![0-9]+$)[a-z(]+(?<=[a\)])$"), r"^[a-z(]+$");
        assert_eq!(matching(r"^(?![0-9]+$)[a-z0-9_\-]+$", 0, None).as_deref(), Some("a"));
        let nexus = r"^(?![0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$)^[a-z]([a-zA-Z0-9-]*[a-zA-Z0-9]+)?$";
        assert_eq!(matching(nexus, 0, Some(63)).as_deref(), Some("a"));
        // The walk gives `1`, which the look-ahead refuses: no value, rather than a wrong one.
        assert_eq!(matching(r"^(?!1)[1-9]$", 0, None), None);
    }

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
    fn a_pattern_found_once_is_found_again_for_other_bounds() {
        // Kept per pattern and bounds: the first answer must not stand for other lengths.
        assert_eq!(matching("^[b-z]+$", 0, None).as_deref(), Some("b"));
        assert_eq!(matching("^[b-z]+$", 3, None).as_deref(), Some("bbb"));
        assert_eq!(matching("^[b-z]+$", 3, Some(2)), None);
        assert_eq!(matching("^[b-z]+$", 0, None).as_deref(), Some("b"));
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
