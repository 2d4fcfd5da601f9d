//! Which schema pairs still need comparing: the cycle guard and the memory that
//! keeps large documents (thousands of schemas referencing each other) fast.
//!
//! A comparison starts at a root (a parameter, a body, a header) and walks
//! the pairs of schemas reachable from it. Three rules bound the walk:
//!
//! - A pair already being compared further up is not entered again: that ends
//!   recursive schemas.
//! - Within one root, a pair is compared once, so a change in a schema that
//!   several properties share is listed once per root, at the first path that
//!   reaches it (its location names the schema itself).
//! - A pair proven unchanged is never compared again, in any root.
//!
//! The last rule needs care with cycles. A pair whose walk was cut at a pair
//! further up only knows it is unchanged if that pair is: such results stay
//! conditional until the pair they depend on finishes, and are thrown away if
//! it turns out changed (the usual coinductive argument for comparing
//! recursive types).

use std::collections::{HashMap, HashSet};

use super::Direction;

/// A pair of schemas (OLD pointer, NEW pointer) and the direction their data travels.
pub(super) type Key = (String, String, Option<Direction>);

/// What became of a pair compared in the current root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// It changed, or something it reaches changed.
    Changed,
    /// It is unchanged if the pair at this stack index is.
    Conditional(usize),
}

/// A pair being compared.
#[derive(Debug)]
struct Frame {
    key: Key,
    /// The lowest stack index whose result this comparison assumed.
    assumed: usize,
    /// Pairs finished inside this one that are unchanged if it is.
    pending: Vec<Key>,
    /// Whether something reached from here changed (possibly reported earlier in this root).
    changed: bool,
}

/// The bookkeeping; see the module documentation.
#[derive(Debug, Default)]
pub(super) struct Visits {
    stack: Vec<Frame>,
    finished: HashMap<Key, Outcome>,
    unchanged: HashSet<Key>,
}

impl Visits {
    /// Decides whether `key` needs comparing now; if so it is entered and [`Visits::leave`] must follow.
    pub(super) fn enter(&mut self, key: Key) -> bool {
        if self.stack.is_empty() {
            // A new root: what was listed in the last one is listed again here.
            self.finished.clear();
        }
        if self.unchanged.contains(&key) {
            return false;
        }
        if let Some(index) = self.stack.iter().position(|frame| frame.key == key) {
            self.assume(index);
            return false;
        }
        match self.finished.get(&key).copied() {
            Some(Outcome::Changed) => {
                if let Some(top) = self.stack.last_mut() {
                    top.changed = true;
                }
                false
            }
            Some(Outcome::Conditional(index)) => {
                self.assume(index);
                false
            }
            None => {
                self.stack.push(Frame { key, assumed: usize::MAX, pending: Vec::new(), changed: false });
                true
            }
        }
    }

    /// Leaves the pair entered last; `changed` says whether its comparison reported anything.
    pub(super) fn leave(&mut self, changed: bool) {
        let Some(frame) = self.stack.pop() else { return };
        let depth = self.stack.len();
        if changed || frame.changed {
            for key in frame.pending {
                self.finished.insert(key, Outcome::Changed);
            }
            self.finished.insert(frame.key, Outcome::Changed);
            if let Some(parent) = self.stack.last_mut() {
                parent.changed = true;
            }
        } else if frame.assumed >= depth {
            // Only itself was assumed: it and everything waiting on it are proven.
            for key in frame.pending {
                self.finished.remove(&key);
                self.unchanged.insert(key);
            }
            self.unchanged.insert(frame.key);
        } else {
            let assumed = frame.assumed;
            for key in frame.pending.iter().chain(std::iter::once(&frame.key)) {
                self.finished.insert(key.clone(), Outcome::Conditional(assumed));
            }
            if let Some(parent) = self.stack.last_mut() {
                parent.assumed = parent.assumed.min(assumed);
                parent.pending.extend(frame.pending);
                parent.pending.push(frame.key);
            }
        }
    }

    fn assume(&mut self, index: usize) {
        if let Some(top) = self.stack.last_mut() {
            top.assumed = top.assumed.min(index);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str) -> Key {
        (name.to_owned(), name.to_owned(), None)
    }

    #[test]
    fn unchanged_pairs_are_remembered_across_roots() {
        let mut visits = Visits::default();
        assert!(visits.enter(key("a")));
        assert!(visits.enter(key("b")));
        visits.leave(false);
        assert!(!visits.enter(key("b")), "compared once per root");
        visits.leave(false);
        assert!(!visits.enter(key("a")) && !visits.enter(key("b")), "and proven unchanged for every root");
    }

    #[test]
    fn changed_pairs_are_compared_again_in_the_next_root() {
        let mut visits = Visits::default();
        assert!(visits.enter(key("a")));
        assert!(visits.enter(key("b")));
        visits.leave(true);
        assert!(!visits.enter(key("b")), "listed once per root");
        visits.leave(false);
        assert!(visits.enter(key("a")), "a reaches a change, so a new root compares it again");
        assert!(visits.enter(key("b")));
    }

    #[test]
    fn a_result_that_assumed_a_changed_pair_is_not_kept() {
        let mut visits = Visits::default();
        // a -> b -> a (cycle), then a changes after b finished.
        assert!(visits.enter(key("a")));
        assert!(visits.enter(key("b")));
        assert!(!visits.enter(key("a")), "the cycle is cut");
        visits.leave(false);
        visits.leave(true);
        // In a new root that starts at b, b must be compared again: it reaches a's change.
        assert!(visits.enter(key("b")));
    }

    #[test]
    fn a_result_that_assumed_an_unchanged_pair_is_kept() {
        let mut visits = Visits::default();
        assert!(visits.enter(key("a")));
        assert!(visits.enter(key("b")));
        assert!(!visits.enter(key("a")));
        visits.leave(false);
        // A sibling that reaches b depends on a as well.
        assert!(visits.enter(key("c")));
        assert!(!visits.enter(key("b")));
        visits.leave(false);
        visits.leave(false);
        for name in ["a", "b", "c"] {
            assert!(!visits.enter(key(name)), "{name} is proven unchanged");
        }
    }
}
