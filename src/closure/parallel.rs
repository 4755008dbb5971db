//! Multi-threaded enumeration (cargo feature `parallel`).
//!
//! The search tree is split at every frequency level with more than one
//! feasible count while a subtree still has at least three levels (two on
//! scales of at most five values) and enough items below it, at most
//! [`MAX_SPLIT_DEPTH`] splits deep; each child becomes a rayon task, and
//! rayon's work stealing balances the uneven subtrees. Results
//! are reduced in tree order, so collections come out in the same
//! lexicographic order as the sequential iterator.

use rayon::prelude::*;

use super::bounds::Bounds;
use super::search::{feasible, level_range, Root, Walker};
use super::{Closure, Summarizer, Summary};

/// Subtrees with fewer items than this run sequentially.
const MIN_SPLIT_ITEMS: i64 = 12;

fn children(b: &Bounds, root: &Root) -> Vec<Root> {
    let v = root.level as i64;
    let (lo, hi) = level_range(b, v, root.m, root.s);
    let mut out = Vec::new();
    for f in (lo..=hi).rev() {
        let (m, s, q) = (root.m - f, root.s + f * v, root.q + f * v * v);
        if feasible(b, v + 1, m, s, q) {
            let mut prefix = root.prefix.clone();
            prefix.extend(std::iter::repeat_n(b.offset + v as i32, f as usize));
            out.push(Root {
                level: root.level + 1,
                m,
                s,
                q,
                prefix,
            });
        }
    }
    out
}

/// Nested splits allowed on one path. Each is a frame of recursion (through
/// rayon) per level split; unbounded, a scale of 10⁵ values would overflow
/// a worker's stack. 2^24 tasks at two children per split is far more than
/// balance needs.
const MAX_SPLIT_DEPTH: u32 = 24;

fn fold_tree<T, I, F, R>(
    b: &Bounds,
    mut root: Root,
    depth: u32,
    identity: &I,
    fold: &F,
    reduce: &R,
) -> T
where
    T: Send,
    I: Fn() -> T + Sync,
    F: Fn(&mut T, &[i32]) + Sync,
    R: Fn(T, T) -> T + Sync,
{
    let leaf = b.r - 1;
    // Tasks keep at least three levels below them (two on short scales):
    // shallower tasks cost more in setup than they save in balance.
    let min_levels = if b.r <= 4 { 2 } else { 3 };
    while b.r >= 1
        && depth < MAX_SPLIT_DEPTH
        && leaf - root.level as i64 >= min_levels
        && root.m >= MIN_SPLIT_ITEMS
    {
        let mut kids = children(b, &root);
        if kids.len() != 1 {
            return kids
                .into_par_iter()
                .map(|c| fold_tree(b, c, depth + 1, identity, fold, reduce))
                .reduce(identity, reduce);
        }
        // A forced level (one feasible count, as for values far from the
        // mean on a wide scale) is a step, not a split.
        root = kids.pop().expect("one child");
    }
    let mut acc = identity();
    let mut w = Walker::rooted(*b, root);
    while let Some(s) = w.next_sample() {
        fold(&mut acc, s);
    }
    acc
}

fn fold_all<T, I, F, R>(c: &Closure, identity: I, fold: F, reduce: R) -> T
where
    T: Send,
    I: Fn() -> T + Sync,
    F: Fn(&mut T, &[i32]) + Sync,
    R: Fn(T, T) -> T + Sync,
{
    let b = *c.bounds();
    let root = Root {
        level: 0,
        m: b.n,
        s: 0,
        q: 0,
        prefix: Vec::new(),
    };
    fold_tree(&b, root, 0, &identity, &fold, &reduce)
}

impl Closure {
    /// Calls `f` on every sample from all rayon threads (feature `parallel`).
    /// Each sample is visited exactly once, in no particular order.
    ///
    /// ```
    /// use numkit::closure::Closure;
    /// use std::sync::atomic::{AtomicU64, Ordering};
    /// let c = Closure::new(3.5, 1.2, 50, 0, 7, 0.05, 0.005)?;
    /// let k = AtomicU64::new(0);
    /// c.par_for_each_sample(|_| { k.fetch_add(1, Ordering::Relaxed); });
    /// assert_eq!(k.into_inner(), 7980);
    /// # Ok::<(), numkit::Error>(())
    /// ```
    pub fn par_for_each_sample<F: Fn(&[i32]) + Sync + Send>(&self, f: F) {
        fold_all(self, || (), |_, s| f(s), |_, _| ());
    }

    /// All samples, collected on all cores, in the same lexicographic order as
    /// [`Closure::iter`] (feature `parallel`).
    ///
    /// ```
    /// use numkit::closure::Closure;
    /// let c = Closure::new(3.5, 1.2, 50, 0, 7, 0.05, 0.005)?;
    /// assert_eq!(c.par_collect(), c.iter().collect::<Vec<_>>());
    /// # Ok::<(), numkit::Error>(())
    /// ```
    pub fn par_collect(&self) -> Vec<Vec<i32>> {
        fold_all(
            self,
            Vec::new,
            |v: &mut Vec<Vec<i32>>, s| v.push(s.to_vec()),
            |mut a, mut b| {
                if a.is_empty() {
                    return b;
                }
                a.append(&mut b);
                a
            },
        )
    }

    /// The number of samples by enumerating on all cores (feature `parallel`);
    /// [`Closure::count_samples`] is usually much faster.
    ///
    /// ```
    /// use numkit::closure::Closure;
    /// let c = Closure::new(3.5, 1.2, 50, 0, 7, 0.05, 0.005)?;
    /// assert_eq!(c.par_count(), 7980);
    /// # Ok::<(), numkit::Error>(())
    /// ```
    pub fn par_count(&self) -> u128 {
        fold_all(self, || 0u128, |k, _| *k += 1, |a, b| a + b)
    }

    /// [`Closure::summarize`] on all cores (feature `parallel`); the result is
    /// identical.
    ///
    /// ```
    /// use numkit::closure::Closure;
    /// let c = Closure::new(3.5, 1.2, 50, 0, 7, 0.05, 0.005)?;
    /// assert_eq!(c.par_summarize(), c.summarize());
    /// # Ok::<(), numkit::Error>(())
    /// ```
    pub fn par_summarize(&self) -> Summary {
        fold_all(
            self,
            || Summarizer::new(self),
            |acc, s| acc.push(s),
            |mut a, b| {
                a.merge(b);
                a
            },
        )
        .finish()
    }
}
