//! Exact counting without enumeration.
//!
//! Pick an integer `c` near the mean and describe a sample by the items that
//! differ from `c`: with `e = y − c`, let `d1 = Σe` and `d2 = Σe²`. Then
//! `Σy = n·c + d1` and `D = n·Σy² − (Σy)² = n·d2 − d1²`, so membership depends
//! only on `(d1, d2)`, and the SD upper bound caps `d2` — hence how many items
//! can differ from `c` at all. The count is a coin-change style dynamic
//! programme over the values `e ≠ 0` with state `(d1, d2)`; the items equal to
//! `c` fill the rest. When `d2` can exceed `n` the number `k` of items
//! differing from `c` must also be capped at `n`, and the programme runs in
//! layers of equal `k`.

use super::bounds::Bounds;

/// A counting cell: `u64` when the number of multisets provably fits, else `u128`.
trait Cell: Copy + Default + Send + Sync {
    const ONE: Self;
    fn add(self, other: Self) -> Self;
    fn widen(self) -> u128;
}

impl Cell for u64 {
    const ONE: Self = 1;
    #[inline(always)]
    fn add(self, other: Self) -> Self {
        // Cannot overflow: every cell counts multisets of at most n items from
        // r + 1 values, and C(n + r, r) < 2⁶⁴ was checked before choosing u64.
        self + other
    }
    fn widen(self) -> u128 {
        self as u128
    }
}

impl Cell for u128 {
    const ONE: Self = 1;
    #[inline(always)]
    fn add(self, other: Self) -> Self {
        self.saturating_add(other)
    }
    fn widen(self) -> u128 {
        self
    }
}

/// Shape of the programme for one choice of `c`.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    n: i64,
    /// Deviations `y − c ≠ 0` of the scale values.
    devs: Vec<i64>,
    /// Final `d1` window.
    l1: i64,
    h1: i64,
    d2max: i64,
    /// Stored `d1` columns: `c1lo ..= c1lo + width − 1`.
    c1lo: i64,
    width: i64,
    layered: bool,
    d_lo: i128,
    d_hi: i128,
    wide: bool,
}

impl Plan {
    /// Number of cell updates the programme performs (an upper estimate).
    pub(crate) fn cost(&self) -> u128 {
        // Saturating: on wide scales the factors reach 2^125 together.
        let cells = (self.d2max as u128 + 1).saturating_mul(self.width as u128);
        let layers = if self.layered {
            self.n.min(self.d2max) as u128
        } else {
            1
        };
        cells
            .saturating_mul(self.devs.len() as u128)
            .saturating_mul(layers)
    }

    /// Bytes of memory the programme needs: only each row's band of
    /// columns that can hold counts is stored ([`Rows`]).
    pub(crate) fn memory(&self) -> u128 {
        // Past 2^27 rows, at least a cell per row already exceeds any cap:
        // the whole rectangle is estimate enough, and summing the bands
        // would take long.
        let cells: u128 = if self.d2max >= 1 << 27 {
            (self.d2max as u128 + 1).saturating_mul(self.width as u128)
        } else {
            band_cells(self)
        };
        let arrays = if self.layered {
            self.devs.len() as u128
        } else {
            1
        };
        cells
            .saturating_mul(arrays)
            .saturating_mul(if self.wide { 16 } else { 8 })
    }
}

/// Cells in all rows' bands ([`row_cols`]): one array's length.
fn band_cells(p: &Plan) -> u128 {
    (0..=p.d2max)
        .map(|d2| {
            let (lo, hi) = row_cols(p, d2);
            (hi - lo) as u128
        })
        .sum()
}

/// Where each row's band of columns ([`row_cols`]) lives in one flat array:
/// row `d2` holds columns `lo[d2] .. lo[d2] + len(d2)` from `start[d2]` on.
/// Cells outside every band are zero and not stored; a rectangle of all
/// columns needed 3–4 times the memory (1.7 GB estimated for n = 200 on
/// 0..10 with SD 4, which sent `count_samples` to its fallback search, for
/// hours).
struct Rows {
    start: Vec<usize>,
    lo: Vec<usize>,
}

impl Rows {
    /// `None` if its index does not fit in memory.
    fn new(p: &Plan) -> Option<Rows> {
        let rows = usize::try_from(p.d2max).ok()?.checked_add(1)?;
        let mut start = Vec::new();
        start.try_reserve_exact(rows + 1).ok()?;
        let mut lo = Vec::new();
        lo.try_reserve_exact(rows).ok()?;
        let mut at = 0;
        for d2 in 0..rows {
            let (l, h) = row_cols(p, d2 as i64);
            start.push(at);
            lo.push(l);
            at += h - l;
        }
        start.push(at);
        Some(Rows { start, lo })
    }
    fn cells(&self) -> usize {
        self.start[self.start.len() - 1]
    }
    /// The stored columns of row `d2`.
    fn cols(&self, d2: usize) -> (usize, usize) {
        (
            self.lo[d2],
            self.lo[d2] + self.start[d2 + 1] - self.start[d2],
        )
    }
    /// Row `d2` of `a`.
    fn row<'a, T>(&self, a: &'a [T], d2: usize) -> &'a [T] {
        &a[self.start[d2]..self.start[d2 + 1]]
    }
    /// The cell at column `col` of row `d2`, if stored.
    fn get<T: Copy>(&self, a: &[T], d2: usize, col: usize) -> Option<T> {
        let (lo, hi) = self.cols(d2);
        (lo..hi)
            .contains(&col)
            .then(|| a[self.start[d2] + col - lo])
    }
}

/// Whether C(n + r, r) (the number of multisets) might not fit in `u64`.
fn multisets_may_exceed_u64(n: i64, r: i64) -> bool {
    let mut c: u128 = 1;
    for i in 1..=r as u128 {
        // C(n+i, i) = C(n+i−1, i−1)·(n+i)/i, exact at every step.
        match c.checked_mul(n as u128 + i) {
            Some(x) => c = x / i,
            None => return true,
        }
        if c > u64::MAX as u128 {
            return true;
        }
    }
    false
}

/// Plans the programme, or `None` when the bounds are empty or the scale has one value.
pub(crate) fn plan(b: &Bounds) -> Option<Plan> {
    if b.is_empty() || b.r == 0 {
        return None;
    }
    let (n, r) = (b.n, b.r);
    let mid = ((b.s_lo + b.s_hi) / 2 + n / 2) / n;
    let mut best: Option<(i64, i64)> = None;
    for c in [mid - 1, mid, mid + 1] {
        if c < 0 || c > r {
            continue;
        }
        let l1 = b.s_lo - n * c;
        let h1 = b.s_hi - n * c;
        let mm = (l1 as i128 * l1 as i128).max(h1 as i128 * h1 as i128);
        let cap = n as i128 * (c.max(r - c) as i128).pow(2);
        let d2max = ((b.d_hi + mm) / n as i128).min(cap) as i64;
        if best.is_none_or(|(_, d)| d2max < d) {
            best = Some((c, d2max));
        }
    }
    let (c, d2max) = best?;
    let l1 = b.s_lo - n * c;
    let h1 = b.s_hi - n * c;
    let c1lo = (-d2max).max(l1 - d2max);
    let c1hi = d2max.min(h1 + d2max);
    // A deviation e with e² > d2max never fits the d2 budget: leaving it
    // out saves a pass (and, layered, an array) per scale value that no
    // sample can use. On 0..10⁶ with SD 3 that was all but a few of 10⁶.
    let devs = (0..=r)
        .map(|y| y - c)
        .filter(|&e| e != 0 && i128::from(e) * i128::from(e) <= i128::from(d2max))
        .collect();
    Some(Plan {
        n,
        devs,
        l1,
        h1,
        d2max,
        c1lo,
        // The empty sample deviation (0, 0) must be storable, else nothing is reachable.
        width: if c1lo > 0 || c1hi < 0 {
            0
        } else {
            c1hi - c1lo + 1
        },
        layered: d2max > n,
        d_lo: b.d_lo,
        d_hi: b.d_hi,
        wide: multisets_may_exceed_u64(n, r),
    })
}

/// Runs a plan; `None` if its arrays cannot be allocated. (Callers cap
/// [`Plan::memory`] first or fall back to the search: an explicitly chosen
/// programme of 10¹⁸ bytes for n = 2 on 0..40 000 aborted the process.)
pub(crate) fn run(p: &Plan) -> Option<u128> {
    if p.width == 0 {
        return Some(0);
    }
    if p.wide {
        run_typed::<u128>(p)
    } else {
        run_typed::<u64>(p)
    }
}

/// `len` zeros, or `None` if the allocation fails.
fn zeros<T: Cell>(len: usize) -> Option<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(len).ok()?;
    v.resize(len, T::default());
    Some(v)
}

/// Column range of row `d2` that can hold counts: `|d1| ≤ d2`, and `d1` can
/// still move into the final window with the `d2` budget that is left
/// (each unit of `d2` moves `d1` by at most one).
#[inline]
fn row_cols(p: &Plan, d2: i64) -> (usize, usize) {
    let slack = p.d2max - d2;
    let lo = (-d2).max(p.l1 - slack).max(p.c1lo);
    let hi = d2.min(p.h1 + slack).min(p.c1lo + p.width - 1);
    if lo > hi {
        return (0, 0);
    }
    ((lo - p.c1lo) as usize, (hi - p.c1lo + 1) as usize)
}

fn final_sum<T: Cell>(p: &Plan, rows: &Rows, a: &[T]) -> u128 {
    let n = p.n as i128;
    let mut total: u128 = 0;
    for d1 in p.l1..=p.h1 {
        if d1 < p.c1lo || d1 >= p.c1lo + p.width {
            continue;
        }
        let sq = d1 as i128 * d1 as i128;
        // n·d2 − d1² ∈ [d_lo, d_hi]  ⇔  d2 ∈ [ceil((d_lo+d1²)/n), floor((d_hi+d1²)/n)].
        let lo = (p.d_lo + sq + n - 1).div_euclid(n).max(0);
        let hi = (p.d_hi + sq).div_euclid(n).min(p.d2max as i128);
        let col = (d1 - p.c1lo) as usize;
        let mut d2 = lo;
        while d2 <= hi {
            if let Some(x) = rows.get(a, d2 as usize, col) {
                total = total.saturating_add(x.widen());
            }
            d2 += 1;
        }
    }
    total
}

/// `dst[j] += src[j − e]` over the columns `cols` of one row, the rows
/// stored from columns `dst_lo` and `src_lo` on (absent columns are zero).
#[inline]
fn add_shifted<T: Cell>(
    (dst, dst_lo): (&mut [T], usize),
    (src, src_lo): (&[T], usize),
    e: i64,
    cols: (usize, usize),
) {
    let lo = (cols.0 as i64).max(src_lo as i64 + e);
    let hi = (cols.1 as i64).min((src_lo + src.len()) as i64 + e);
    if lo >= hi {
        return;
    }
    let (lo, hi) = (lo as usize, hi as usize);
    let src = &src[(lo as i64 - e) as usize - src_lo..(hi as i64 - e) as usize - src_lo];
    for (d, s) in dst[lo - dst_lo..hi - dst_lo].iter_mut().zip(src) {
        *d = d.add(*s);
    }
}

fn run_typed<T: Cell>(p: &Plan) -> Option<u128> {
    // The largest allocation first, so that a programme too large for
    // memory fails at once; building the row index first had filled
    // 13 GB of it, for 34 s, before the cells' allocation failed.
    let first = zeros::<T>(usize::try_from(band_cells(p)).ok()?)?;
    let rows = Rows::new(p)?;
    debug_assert_eq!(rows.cells(), first.len());
    let nrows = p.d2max as usize + 1;
    let zero_col = (0 - p.c1lo) as usize;
    let origin = |a: &mut [T]| {
        let (lo, _) = rows.cols(0);
        a[rows.start[0] + zero_col - lo] = T::ONE;
    };
    if !p.layered {
        // Unbounded knapsack: rows ascending, so a row may reuse value e.
        let mut a = first;
        origin(&mut a);
        for &e in &p.devs {
            let e2 = (e * e) as usize;
            for d2 in e2..nrows {
                let (head, tail) = a.split_at_mut(rows.start[d2]);
                let src = rows.row(head, d2 - e2);
                let cols = rows.cols(d2);
                let dst = &mut tail[..cols.1 - cols.0];
                add_shifted((dst, cols.0), (src, rows.lo[d2 - e2]), e, cols);
            }
        }
        return Some(final_sum(p, &rows, &a));
    }
    // Layered by k (items differing from c), k ≤ n: on entry to layer k,
    // a[i] counts multisets of exactly k − 1 items drawn from the first i+1
    // deviations; the layer rewrites it in place to exactly k items. Adding
    // one item of deviation e to layer k − 1 reads row d2 − e² of the same
    // array, so rows are rewritten from the top down (the rows read are
    // still layer k − 1): one array per deviation, not two.
    let nv = p.devs.len();
    let mut a: Vec<Vec<T>> = std::iter::once(Some(first))
        .chain((1..nv).map(|_| zeros::<T>(rows.cells())))
        .collect::<Option<_>>()?;
    for ai in &mut a {
        origin(ai);
    }
    let mut total = final_sum(p, &rows, &a[nv - 1]);
    let kmax = p.n.min(p.d2max) as usize;
    for k in 1..=kmax {
        for i in 0..nv {
            let e = p.devs[i];
            let e2 = (e * e) as usize;
            let (done, rest) = a.split_at_mut(i);
            let cur = &mut rest[0];
            for d2 in (k..nrows).rev() {
                let cols = rows.cols(d2);
                // Cauchy–Schwarz: k items with Σe² = d2 have |Σe| ≤ √(k·d2).
                let cs = isqrt(k as u128 * d2 as u128) as i64;
                let lo = (cols.0 as i64).max(-cs - p.c1lo).max(0) as usize;
                let hi = (cols.1 as i64).min(cs - p.c1lo + 1).max(lo as i64) as usize;
                // Outside [lo, hi) the cell is zero in layer k, and layer
                // k − 1's nonzero cells lie inside layer k's range, so the
                // rest of the row needs no clearing.
                let (below, from_row) = cur.split_at_mut(rows.start[d2]);
                let dst = &mut from_row[..cols.1 - cols.0];
                let (dlo, dhi) = (lo.min(cols.1) - cols.0, hi.min(cols.1) - cols.0);
                if i > 0 {
                    dst[dlo..dhi].copy_from_slice(&rows.row(&done[i - 1], d2)[dlo..dhi]);
                } else {
                    dst[dlo..dhi].fill(T::default());
                }
                if d2 >= e2 {
                    let src = rows.row(below, d2 - e2);
                    add_shifted((dst, cols.0), (src, rows.lo[d2 - e2]), e, (lo, hi));
                }
            }
            // Row k − 1 is the only row below k that layer k − 1 filled.
            let (s, t) = (rows.start[k - 1], rows.start[k]);
            cur[s..t].fill(T::default());
        }
        total = total.saturating_add(final_sum(p, &rows, &a[nv - 1]));
    }
    Some(total)
}

fn isqrt(x: u128) -> u128 {
    if x < 2 {
        return x;
    }
    let mut r = (x as f64).sqrt() as u128;
    while r * r > x {
        r -= 1;
    }
    while (r + 1) * (r + 1) <= x {
        r += 1;
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::closure::Closure;

    /// n = 200 on 0..10 with SD 4 ± 0.05: a rectangle of all columns needed
    /// 1.7 GB, over `count_samples`' 1 GiB cap, which then fell back to a
    /// search that ran for hours. The stored bands need about a quarter.
    #[test]
    fn bands_fit_where_the_rectangle_did_not() {
        let c = Closure::new(5.0, 4.0, 200, 0, 10, 0.05, 0.05).unwrap();
        let p = plan(&c.bounds).unwrap();
        assert!(p.layered);
        let cell = if p.wide { 16 } else { 8 };
        let arrays = p.devs.len() as u128;
        let rectangle = (p.d2max as u128 + 1) * p.width as u128 * arrays * cell;
        assert!(rectangle > 1 << 30, "{rectangle}");
        assert!(p.memory() <= 1 << 30, "{}", p.memory());
        assert_eq!(
            p.memory(),
            Rows::new(&p).unwrap().cells() as u128 * arrays * cell
        );
    }
}
