//! Runs independent pieces of emission on the cores there are.
//!
//! Each piece (one output file) is emitted, parsed and printed on one thread
//! from start to end: `proc_macro2` tokens and `syn` trees cannot cross
//! threads, and a file done whole frees its tokens before the next begins,
//! which bounds memory by the files in flight, not by the crate. The result
//! does not depend on the threads: every piece reads only the IR, and the
//! results come back in the order of the pieces.

use std::sync::atomic::{AtomicUsize, Ordering};

/// `work` applied to every item of `items`, on as many threads as there are
/// cores (at most one per item), the results in the order of `items`.
/// Threads take items in the order of `queue` (indexes into `items`), so the
/// largest should come first.
pub(super) fn map<T: Sync, R: Send>(items: &[T], queue: &[usize], work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from).min(items.len());
    let next = AtomicUsize::new(0);
    let worker = || {
        let mut done = Vec::new();
        while let Some(&index) = queue.get(next.fetch_add(1, Ordering::Relaxed)) {
            done.push((index, work(&items[index])));
        }
        done
    };
    let mut results: Vec<(usize, R)> = if threads <= 1 {
        worker()
    } else {
        std::thread::scope(|scope| {
            // Emission recurses with the document's nesting (`Vec<Vec<…>>`, one level
            // per level of `items`), as lowering does: the same stack.
            let spawned: Vec<_> = (1..threads)
                .filter_map(|_| std::thread::Builder::new().stack_size(crate::depth::STACK).spawn_scoped(scope, worker).ok())
                .collect();
            // The calling thread works too; it already has that stack.
            let mut results = worker();
            for handle in spawned {
                match handle.join() {
                    Ok(done) => results.extend(done),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            results
        })
    };
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_keep_the_order_of_the_items_whatever_the_queue() {
        let items: Vec<usize> = (0..50).collect();
        let queue: Vec<usize> = (0..50).rev().collect();
        let squares = super::map(&items, &queue, |n| n * n);
        assert_eq!(squares, items.iter().map(|n| n * n).collect::<Vec<_>>());
    }
}
