//! The depth-first search over value frequencies, shared by the lazy
//! iterator, the counting fallback and the parallel driver.
//!
//! A sorted sample is a frequency vector `(f_0, …, f_r)` over the shifted
//! values `0..=r`. Level `v` of the search chooses `f_v`, from high to low,
//! which visits sorted samples in lexicographic order. Before descending, a
//! choice must leave the remaining items able to reach the sum window and
//! both ends of the `D = n·Σy² − (Σy)²` window; the last two values are
//! solved together, so every leaf the search reaches is a sample.

use super::bounds::Bounds;

/// Candidate range of `f_v` at a non-final level, from the sum window alone.
///
/// `m` items are left for values `v..=r`; with `f` of them at `v` the rest
/// lie in `v+1..=r`.
#[inline]
pub(crate) fn level_range(b: &Bounds, v: i64, m: i64, s: i64) -> (i64, i64) {
    let r = b.r;
    let lo = (s + m * (v + 1) - b.s_hi).max(0);
    let hi = (s + m * r - b.s_lo).div_euclid(r - v).min(m);
    (lo, hi)
}

/// Candidate range of `f_{r−1}` at the final level (values `r−1` and `r`):
/// the sum is then `s + m·r − f`, so the sum window fixes `f` to an interval.
#[inline]
pub(crate) fn leaf_range(b: &Bounds, m: i64, s: i64) -> (i64, i64) {
    let top = s + m * b.r;
    ((top - b.s_hi).max(0), (top - b.s_lo).min(m))
}

/// Whether the final-level choice `f` (with `m`, `s`, `q` before it) is a sample.
/// Assumes `f` lies in [`leaf_range`], so only the SD window is left to test.
#[inline]
pub(crate) fn leaf_ok(b: &Bounds, m: i64, s: i64, q: i64, f: i64) -> bool {
    let r = b.r;
    let s2 = s + m * r - f;
    let q2 = q + m * r * r - f * (2 * r - 1);
    let d = b.n as i128 * q2 as i128 - s2 as i128 * s2 as i128;
    d >= b.d_lo && d <= b.d_hi
}

/// Whether `m ≥ 0` items with values in `a..=r`, added to a partial sample
/// with sum `s` and sum of squares `q`, can still complete a sample.
///
/// Necessary, not sufficient: it bounds the final `D` from above (every item
/// at most on the chord through `(a, a²)` and `(r, r²)`) and from below
/// (equal items minimise the sum of squares, `Σy² ≥ t²/m`), each optimised
/// over the reachable remaining sums `t`.
#[inline]
pub(crate) fn feasible(b: &Bounds, a: i64, m: i64, s: i64, q: i64) -> bool {
    if m == 0 {
        return b.accepts(s, q);
    }
    let r = b.r;
    let t_lo = (m * a).max(b.s_lo - s);
    let t_hi = (m * r).min(b.s_hi - s);
    if t_lo > t_hi {
        return false;
    }
    // Exact per sum where it pays: a `D` window narrower than 2n has gaps
    // that whole subtrees fall into (the residues of `D`); a wider one has
    // none, and there the exact test only slowed the search (1.8× at n = 95
    // on 1..7 with ±0.05).
    if t_hi - t_lo < EXACT_SUMS && b.spread_has_gaps() {
        return (t_lo..=t_hi).any(|t| completes(b, a, m, s, q, t));
    }
    let n = b.n as i128;
    let (s, q, m, a, r) = (s as i128, q as i128, m as i128, a as i128, r as i128);
    // Upper bound on D: h(t) = n(q + (a+r)t − m·a·r) − (s+t)², concave.
    let h = |t: i128| n * (q + (a + r) * t - m * a * r) - (s + t) * (s + t);
    let tv = (n * (a + r) - 2 * s).div_euclid(2);
    let t1 = tv.clamp(t_lo as i128, t_hi as i128);
    let t2 = (tv + 1).clamp(t_lo as i128, t_hi as i128);
    if h(t1).max(h(t2)) < b.d_lo {
        return false;
    }
    // Lower bound on m·D: g(t) = n·m·q + n t² − m(s+t)², convex (n ≥ m).
    let g = |t: i128| n * m * q + n * t * t - m * (s + t) * (s + t);
    let t1 = if n > m {
        (m * s).div_euclid(n - m)
    } else {
        t_lo as i128
    };
    let u1 = t1.clamp(t_lo as i128, t_hi as i128);
    let u2 = (t1 + 1).clamp(t_lo as i128, t_hi as i128);
    g(u1).min(g(u2)) <= m * b.d_hi
}

/// Up to this many remaining sums, [`feasible`] tests each exactly
/// ([`completes`]) instead of bounding `D` over all of them at once.
const EXACT_SUMS: i64 = 8;

/// Whether `m ≥ 1` items in `a..=r` summing to exactly `t`, added to a
/// partial sample with sum `s` and sum of squares `q`, can still complete a
/// sample, by integer bounds: their sum of squares lies between the
/// balanced split of `t` and the extreme one (as many at `r` as fit, one
/// between, the rest at `a`), and the total must be one the sum allows
/// ([`Bounds::square_sums`], whose parity the bounds here share: `q ≡ s`
/// and both splits are `≡ t` mod 2). Necessary, not
/// sufficient; much tighter than the continuous bounds when the `D` window
/// is narrow, where those let whole subtrees through that hold no sample
/// (a first sample took 9 s for n = 195 on 0..10 with SD 3.472).
fn completes(b: &Bounds, a: i64, m: i64, s: i64, q: i64, t: i64) -> bool {
    let r = b.r as i128;
    let (a, m, s, q, t) = (a as i128, m as i128, s as i128, q as i128, t as i128);
    let (mut lo, mut hi) = b.square_sums(s + t);
    let (base, over) = (t.div_euclid(m), t.rem_euclid(m));
    lo = lo.max(q + over * (base + 1) * (base + 1) + (m - over) * base * base);
    if r > a {
        let extra = t - m * a;
        let (at_top, rest) = (extra / (r - a), extra % (r - a));
        let between = (rest > 0) as i128;
        let most =
            at_top * r * r + between * (a + rest) * (a + rest) + (m - at_top - between) * a * a;
        hi = hi.min(q + most);
    } else {
        hi = hi.min(q + m * a * a);
    }
    lo <= hi
}

/// Where the search is rooted: level `level` with `m` items left, partial
/// sum `s` and sum of squares `q`, and the values already fixed in `prefix`
/// (`n − m` of them, in output coordinates).
#[derive(Debug, Clone)]
pub(crate) struct Root {
    pub(crate) level: usize,
    pub(crate) m: i64,
    pub(crate) s: i64,
    pub(crate) q: i64,
    pub(crate) prefix: Vec<i32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Start,
    Running,
    Done,
}

/// The resumable search: an explicit stack of one frame per scale value,
/// plus the sample being built. Memory is O(n + range).
#[derive(Debug, Clone)]
pub(crate) struct Walker {
    b: Bounds,
    root: usize,
    level: usize,
    m: Vec<i64>,
    s: Vec<i64>,
    q: Vec<i64>,
    f: Vec<i64>,
    lo: Vec<i64>,
    /// Value-`v` slots not yet written since the level was entered.
    fresh: Vec<bool>,
    /// Final level: the last accepted `f`, to rewrite only what changed.
    leaf_last: i64,
    buf: Vec<i32>,
    phase: Phase,
    emitted: u128,
}

impl Walker {
    pub(crate) fn new(b: Bounds) -> Walker {
        let n = b.n;
        Walker::rooted(
            b,
            Root {
                level: 0,
                m: n,
                s: 0,
                q: 0,
                prefix: Vec::new(),
            },
        )
    }

    pub(crate) fn rooted(b: Bounds, root: Root) -> Walker {
        let levels = b.r as usize + 1;
        let mut buf = root.prefix;
        buf.resize(b.n as usize, b.offset);
        let mut w = Walker {
            b,
            root: root.level,
            level: root.level,
            m: vec![0; levels],
            s: vec![0; levels],
            q: vec![0; levels],
            f: vec![0; levels],
            lo: vec![0; levels],
            fresh: vec![false; levels],
            leaf_last: 0,
            buf,
            phase: Phase::Start,
            emitted: 0,
        };
        w.m[root.level] = root.m;
        w.s[root.level] = root.s;
        w.q[root.level] = root.q;
        if b.is_empty() {
            w.phase = Phase::Done;
        }
        w
    }

    pub(crate) fn bounds(&self) -> &Bounds {
        &self.b
    }

    /// Samples returned so far.
    pub(crate) fn emitted(&self) -> u128 {
        self.emitted
    }

    pub(crate) fn is_done(&self) -> bool {
        self.phase == Phase::Done
    }

    fn enter(&mut self, v: usize) {
        let (m, s) = (self.m[v], self.s[v]);
        let (lo, hi) = if v as i64 == self.b.r - 1 {
            leaf_range(&self.b, m, s)
        } else {
            level_range(&self.b, v as i64, m, s)
        };
        self.lo[v] = lo;
        self.f[v] = hi + 1;
        self.fresh[v] = true;
    }

    /// Next sample in lexicographic order, in a buffer reused between calls.
    pub(crate) fn next_sample(&mut self) -> Option<&[i32]> {
        let r = self.b.r;
        match self.phase {
            Phase::Done => return None,
            Phase::Start => {
                self.phase = Phase::Running;
                if r == 0 {
                    // One possible sample: every item at the single value.
                    self.phase = Phase::Done;
                    let n = self.b.n;
                    return if self.b.accepts(0, 0) && self.m[self.root] == n {
                        self.emitted += 1;
                        Some(&self.buf)
                    } else {
                        None
                    };
                }
                self.enter(self.root);
            }
            Phase::Running => {}
        }
        let leaf = (r - 1) as usize;
        let n = self.b.n;
        loop {
            let v = self.level;
            let (m, s, q) = (self.m[v], self.s[v], self.q[v]);
            if v == leaf {
                let lo = self.lo[v];
                let mut f = self.f[v] - 1;
                while f >= lo && !leaf_ok(&self.b, m, s, q, f) {
                    f -= 1;
                }
                self.f[v] = f;
                if f >= lo {
                    let pos = (n - m) as usize;
                    let f_us = f as usize;
                    let off = self.b.offset;
                    if self.fresh[v] {
                        self.fresh[v] = false;
                        self.buf[pos..pos + f_us].fill(off + (r - 1) as i32);
                        self.buf[pos + f_us..].fill(off + r as i32);
                    } else {
                        let last = self.leaf_last as usize;
                        self.buf[pos + f_us..pos + last].fill(off + r as i32);
                    }
                    self.leaf_last = f;
                    self.emitted += 1;
                    return Some(&self.buf);
                }
            } else {
                let lo = self.lo[v];
                let vi = v as i64;
                let mut f = self.f[v] - 1;
                while f >= lo && !feasible(&self.b, vi + 1, m - f, s + f * vi, q + f * vi * vi) {
                    f -= 1;
                }
                self.f[v] = f;
                if f >= lo {
                    if self.fresh[v] {
                        self.fresh[v] = false;
                        let pos = (n - m) as usize;
                        self.buf[pos..pos + f as usize].fill(self.b.offset + v as i32);
                    }
                    self.m[v + 1] = m - f;
                    self.s[v + 1] = s + f * vi;
                    self.q[v + 1] = q + f * vi * vi;
                    self.enter(v + 1);
                    self.level = v + 1;
                    continue;
                }
            }
            if v == self.root {
                self.phase = Phase::Done;
                return None;
            }
            self.level = v - 1;
        }
    }
}

/// Counts the samples below a search state without building them, giving up
/// (`None`) once more than `budget` steps have been taken: one per node plus
/// one per candidate count it examines. (Nodes alone were a poor measure of
/// work: at n = 1000 a node examines hundreds of candidates, and a node
/// budget calibrated on small problems let the search run 15 times longer
/// than the programme it was meant to race.)
pub(crate) fn count_dfs(b: &Bounds, budget: u64) -> Option<u128> {
    if b.is_empty() {
        return Some(0);
    }
    if b.r == 0 {
        return Some(b.accepts(0, 0) as u128);
    }
    let mut steps = 0u64;
    let leaf = b.r - 1;
    // Counts the final level (values r − 1 and r) of a node: its candidates
    // are the node's steps.
    let leaf_count = |m: i64, s: i64, q: i64, steps: &mut u64| -> Option<u128> {
        let (lo, hi) = leaf_range(b, m, s);
        *steps += 1 + (hi - lo + 1).max(0) as u64;
        if *steps > budget {
            return None;
        }
        Some((lo..=hi).filter(|&f| leaf_ok(b, m, s, q, f)).count() as u128)
    };
    if leaf == 0 {
        return leaf_count(b.n, 0, 0, &mut steps);
    }
    // An explicit stack of one frame per level, not recursion: the depth is
    // the number of scale values, and a scale of 10⁶ values overflowed the
    // thread's stack (an abort, not a panic).
    struct Frame {
        v: i64,
        m: i64,
        s: i64,
        q: i64,
        /// Next candidate `f_v` (they are tried from high to low).
        f: i64,
        lo: i64,
        total: u128,
    }
    let enter = |v: i64, m: i64, s: i64, q: i64, steps: &mut u64| -> Option<Frame> {
        *steps += 1;
        if *steps > budget {
            return None;
        }
        let (lo, hi) = level_range(b, v, m, s);
        *steps += (hi - lo + 1).max(0) as u64;
        Some(Frame {
            v,
            m,
            s,
            q,
            f: hi,
            lo,
            total: 0,
        })
    };
    let mut stack = vec![enter(0, b.n, 0, 0, &mut steps)?];
    loop {
        let top = stack.last_mut().expect("the root frame is popped last");
        let (v, m, s, q) = (top.v, top.m, top.s, top.q);
        let mut f = top.f;
        while f >= top.lo && !feasible(b, v + 1, m - f, s + f * v, q + f * v * v) {
            f -= 1;
        }
        if f < top.lo {
            let done = stack.pop().expect("the stack is not empty here");
            match stack.last_mut() {
                Some(parent) => parent.total = parent.total.saturating_add(done.total),
                None => return Some(done.total),
            }
            continue;
        }
        top.f = f - 1;
        let (m2, s2, q2) = (m - f, s + f * v, q + f * v * v);
        if v + 1 == leaf {
            let c = leaf_count(m2, s2, q2, &mut steps)?;
            top.total = top.total.saturating_add(c);
        } else {
            let child = enter(v + 1, m2, s2, q2, &mut steps)?;
            stack.push(child);
        }
    }
}
