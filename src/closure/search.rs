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

/// One level of the [`Walker`]'s stack: the state on entering value `v`
/// and the candidate count being tried there.
#[derive(Debug, Clone, Copy, Default)]
struct Level {
    m: i64,
    s: i64,
    q: i64,
    f: i64,
    lo: i64,
    /// Value-`v` slots not yet written since the level was entered.
    fresh: bool,
}

/// The resumable search: an explicit stack of one frame per scale value
/// from the root's level down to the deepest one entered, plus the sample
/// being built. Memory is O(n + levels entered): a task of the parallel
/// driver rooted deep in a wide scale allocates only the levels it visits
/// (one frame per scale value, zeroed for every task, cost 10–90× the
/// serial time on 0..10⁴ and wider).
#[derive(Debug, Clone)]
pub(crate) struct Walker {
    b: Bounds,
    root: usize,
    level: usize,
    /// `levels[i]` is level `root + i`.
    levels: Vec<Level>,
    /// Final level: the last accepted `f`, to rewrite only what changed.
    leaf_last: i64,
    /// One item left below the current level: its values, tried directly.
    last_item: Option<LastItem>,
    buf: Vec<i32>,
    phase: Phase,
    emitted: u128,
}

/// The values still to try for a sample's last item: `y` up to `hi`, with
/// the other items' sum `s` and sum of squares `q`.
#[derive(Debug, Clone, Copy)]
struct LastItem {
    y: i64,
    hi: i64,
    s: i64,
    q: i64,
}

impl LastItem {
    /// The last item's candidates above value `v` that the sum window
    /// leaves (possibly none).
    fn above(b: &Bounds, v: i64, s: i64, q: i64) -> LastItem {
        LastItem {
            y: (v + 1).max(b.s_lo - s),
            hi: b.r.min(b.s_hi - s),
            s,
            q,
        }
    }

    /// The next value (ascending) that completes a sample.
    fn next(&mut self, b: &Bounds) -> Option<i64> {
        while self.y <= self.hi {
            let y = self.y;
            self.y += 1;
            if b.accepts(self.s + y, self.q + y * y) {
                return Some(y);
            }
        }
        None
    }
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
        let mut buf = root.prefix;
        buf.resize(b.n as usize, b.offset);
        let mut w = Walker {
            b,
            root: root.level,
            level: root.level,
            levels: vec![Level {
                m: root.m,
                s: root.s,
                q: root.q,
                ..Level::default()
            }],
            leaf_last: 0,
            last_item: None,
            buf,
            phase: Phase::Start,
            emitted: 0,
        };
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

    /// Enters level `v` with `m` items left, sum `s` and sum of squares `q`.
    fn enter(&mut self, v: usize, m: i64, s: i64, q: i64) {
        let (lo, hi) = if v as i64 == self.b.r - 1 {
            leaf_range(&self.b, m, s)
        } else {
            level_range(&self.b, v as i64, m, s)
        };
        let level = Level {
            m,
            s,
            q,
            f: hi + 1,
            lo,
            fresh: true,
        };
        match self.levels.get_mut(v - self.root) {
            Some(slot) => *slot = level,
            None => self.levels.push(level),
        }
    }

    /// Next sample in lexicographic order, in a buffer reused between calls.
    pub(crate) fn next_sample(&mut self) -> Option<&[i32]> {
        let r = self.b.r;
        match self.phase {
            Phase::Done => return None,
            Phase::Start => {
                self.phase = Phase::Running;
                let Level { m, s, q, .. } = self.levels[0];
                if r == 0 {
                    // One possible sample: every item at the single value.
                    self.phase = Phase::Done;
                    let n = self.b.n;
                    return if self.b.accepts(0, 0) && m == n {
                        self.emitted += 1;
                        Some(&self.buf)
                    } else {
                        None
                    };
                }
                self.enter(self.root, m, s, q);
            }
            Phase::Running => {}
        }
        let leaf = (r - 1) as usize;
        let n = self.b.n;
        loop {
            if let Some(last) = &mut self.last_item {
                match last.next(&self.b) {
                    Some(y) => {
                        self.buf[n as usize - 1] = self.b.offset + y as i32;
                        self.emitted += 1;
                        return Some(&self.buf);
                    }
                    None => self.last_item = None,
                }
            }
            let v = self.level;
            let i = v - self.root;
            let Level { m, s, q, lo, .. } = self.levels[i];
            if v == leaf {
                let mut f = self.levels[i].f - 1;
                while f >= lo && !leaf_ok(&self.b, m, s, q, f) {
                    f -= 1;
                }
                self.levels[i].f = f;
                if f >= lo {
                    let pos = (n - m) as usize;
                    let f_us = f as usize;
                    let off = self.b.offset;
                    if std::mem::take(&mut self.levels[i].fresh) {
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
                let vi = v as i64;
                let mut f = self.levels[i].f - 1;
                while f >= lo && !feasible(&self.b, vi + 1, m - f, s + f * vi, q + f * vi * vi) {
                    f -= 1;
                }
                self.levels[i].f = f;
                if f >= lo {
                    if std::mem::take(&mut self.levels[i].fresh) {
                        let pos = (n - m) as usize;
                        self.buf[pos..pos + f as usize].fill(self.b.offset + v as i32);
                    }
                    if f == m {
                        // Every item placed (only the first, largest
                        // candidate can be `m`, so the fill above wrote
                        // them), and `feasible` with none left has accepted
                        // the sample: the levels above `v` would each
                        // choose 0, one level per scale value per sample
                        // (26 s for 313 samples low on 0..10⁶).
                        self.emitted += 1;
                        return Some(&self.buf);
                    }
                    let (s, q) = (s + f * vi, q + f * vi * vi);
                    if f == m - 1 {
                        // One item left: its values are tried directly, in
                        // the order the levels above would reach them (a
                        // level per value in between, O(r) per sample: 22 s
                        // for the 20 001 pairs on 0..40 000).
                        self.last_item = Some(LastItem::above(&self.b, vi, s, q));
                        continue;
                    }
                    self.enter(v + 1, m - f, s, q);
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
        if m2 == 0 {
            // Every item placed, and `feasible` has accepted the sample:
            // no level above needs a frame (see `Walker::next_sample`).
            top.total = top.total.saturating_add(1);
        } else if m2 == 1 {
            let mut last = LastItem::above(b, v, s2, q2);
            steps += 1 + (last.hi - last.y + 1).max(0) as u64;
            if steps > budget {
                return None;
            }
            while last.next(b).is_some() {
                top.total = top.total.saturating_add(1);
            }
        } else if v + 1 == leaf {
            let c = leaf_count(m2, s2, q2, &mut steps)?;
            top.total = top.total.saturating_add(c);
        } else {
            let child = enter(v + 1, m2, s2, q2, &mut steps)?;
            stack.push(child);
        }
    }
}
