//! CLOSURE: every integer sample consistent with a reported mean, SD and n.
//!
//! CLOSURE (complete listing of original samples of underlying raw evidence,
//! Nathanael Larigaldie) answers "which raw data could have produced these
//! summary statistics?". A *sample* is a multiset of `n` integers in
//! `[scale_min, scale_max]`, reported as its sorted values. It belongs to the
//! result when its mean lies in `[mean − rounding_error_mean, mean +
//! rounding_error_mean]` and its sample SD (`n − 1` denominator) lies in
//! `[max(0, sd − rounding_error_sd), sd + rounding_error_sd]`, both inclusive.
//!
//! # Exactness
//! Every input is the exact decimal the user wrote: a string such as `"3.45"`
//! is 345/100, and an `f64` is read as its shortest round-trip decimal (so
//! `3.45_f64` is also 345/100, not the nearest binary double). The two windows
//! are turned once into integer windows on `Σx` and on
//! `n·Σx² − (Σx)² = n(n−1)·SD²`, and membership is decided by integer
//! comparisons only. Floating point never decides whether a sample counts:
//! mean 3.43 ± 0.005 with n = 40 admits the sums 137.2 ± 0.2, i.e. exactly
//! `Σx = 137` — its 181 samples are all found.
//!
//! # What is offered
//! - [`Closure::iter`]: a lazy iterator over the samples in lexicographic
//!   order with O(n + range) memory, however many samples exist;
//!   [`Closure::samples`] and [`Closure::for_each_sample`] visit them as
//!   `&[i32]` without allocating.
//! - [`Closure::to_array`]: all samples as the rows of one `Array2<i32>`.
//! - [`Closure::count_samples`]: the exact number, by dynamic programming,
//!   without enumerating.
//! - [`Closure::summarize`] (and [`Summarizer`] for streams): per-value
//!   frequencies and the horns index, in one pass with flat memory.
//! - With the `parallel` feature: `par_for_each_sample`, `par_collect`,
//!   `par_count` and `par_summarize` on all cores.
//!
//! ```
//! use numkit::closure::Closure;
//! let c = Closure::new(3.5, 1.2, 50, 0, 7, 0.05, 0.005)?;
//! assert_eq!(c.count_samples(), 7980);
//! let first = c.iter().next().unwrap();
//! assert_eq!(first.len(), 50);
//! # Ok::<(), numkit::Error>(())
//! ```

mod bounds;
mod count;
mod decimal;
#[cfg(feature = "parallel")]
mod parallel;
mod search;
mod summary;

use std::cell::Cell;
use std::iter::FusedIterator;

use crate::Error;
use bounds::{make_bounds, Bounds, Report};
use decimal::{decimal_from_f64, parse_decimal, Dec};
use search::Walker;
pub use summary::{Horns, Summarizer, Summary};

/// A validated CLOSURE problem: the reported statistics, the scale and the
/// rounding tolerances, reduced to exact integer bounds.
///
/// Build it with [`Closure::new`] (numbers) or [`Closure::from_reported`]
/// (the strings as printed in a paper, tolerances derived from their
/// precision). It is cheap to clone and holds no samples.
///
/// ```
/// use numkit::closure::Closure;
/// let c = Closure::from_reported("3.5", "1.7", 70, 1, 5)?;
/// assert_eq!(c.count_samples(), 2492);
/// # Ok::<(), numkit::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closure {
    report: Report,
    /// The windows the report admits (what `sum_bounds` and `spread_bounds`
    /// show).
    admitted: Bounds,
    /// The same with the sums that admit no sum of squares removed: what
    /// the search and the counters use.
    bounds: Bounds,
}

impl Closure {
    /// A problem from numbers: reported `mean` and `sd`, sample size `n`, the
    /// inclusive scale `scale_min..=scale_max`, and the rounding tolerances.
    ///
    /// Each `f64` is read as its shortest round-trip decimal (`0.005` is
    /// exactly 5/1000). Inputs need at most 18 decimal places and magnitude
    /// below 10¹⁵.
    ///
    /// # Errors
    /// - [`Error::NonFinite`] for a NaN or infinite input;
    /// - [`Error::InvalidParameter`] for `n < 2`, a negative SD or tolerance,
    ///   or an input with too many decimal places or too large;
    /// - [`Error::InvalidScale`] when `scale_min > scale_max`;
    /// - [`Error::Overflow`] when `n·(scale_max − scale_min + 1)²` reaches
    ///   2⁶², or `n` exceeds `u32::MAX`, so sums could overflow.
    ///
    /// ```
    /// use numkit::closure::Closure;
    /// let c = Closure::new(3.5, 1.2, 50, 0, 7, 0.05, 0.005)?;
    /// assert_eq!(c.count_samples(), 7980);
    /// assert!(Closure::new(3.5, 1.2, 1, 0, 7, 0.05, 0.005).is_err());
    /// # Ok::<(), numkit::Error>(())
    /// ```
    pub fn new(
        mean: f64,
        sd: f64,
        n: usize,
        scale_min: i32,
        scale_max: i32,
        rounding_error_mean: f64,
        rounding_error_sd: f64,
    ) -> Result<Closure, Error> {
        let mean = decimal_from_f64("mean", mean)?;
        let sd = decimal_from_f64("sd", sd)?;
        let re_mean = decimal_from_f64("rounding_error_mean", rounding_error_mean)?;
        let re_sd = decimal_from_f64("rounding_error_sd", rounding_error_sd)?;
        Closure::build(Report {
            mean,
            sd,
            n,
            scale_min,
            scale_max,
            re_mean,
            re_sd,
        })
    }

    /// A problem from the statistics as reported (decimal strings): the
    /// tolerances are half a unit in the last reported place, as unsum does —
    /// `"3.50"` gives ±0.005, `"3.5"` ±0.05, `"4"` ±0.5. Override them with
    /// [`Closure::with_rounding_errors`] or
    /// [`Closure::with_rounding_errors_str`]. A string is an optional sign,
    /// digits with at most one point and an optional exponent (`"1.5e-2"`);
    /// surrounding whitespace is ignored. An exponent moves the point but
    /// the last reported place is never taken above the units: `"1.2e3"` is
    /// read as 1200 ± 0.5, like `"1200"`; pass wider tolerances yourself if
    /// the report meant 1200 ± 50.
    ///
    /// # Errors
    /// As [`Closure::new`], plus [`Error::MalformedDecimal`] for a string that
    /// is not a decimal number.
    ///
    /// ```
    /// use numkit::closure::Closure;
    /// let c = Closure::from_reported("3.5", "1.7", 70, 1, 5)?;
    /// assert_eq!(c.count_samples(), 2492);
    /// # Ok::<(), numkit::Error>(())
    /// ```
    pub fn from_reported(
        mean: &str,
        sd: &str,
        n: usize,
        scale_min: i32,
        scale_max: i32,
    ) -> Result<Closure, Error> {
        let mean = parse_decimal("mean", mean)?;
        let sd = parse_decimal("sd", sd)?;
        for (name, d) in [("mean", mean), ("sd", sd)] {
            if d.places >= 18 {
                return Err(Error::InvalidParameter {
                    parameter: name,
                    reason: "reported with 18 or more decimal places; half a unit in the last place cannot be represented".to_string(),
                });
            }
        }
        Closure::build(Report {
            mean,
            sd,
            n,
            scale_min,
            scale_max,
            re_mean: mean.half_ulp(),
            re_sd: sd.half_ulp(),
        })
    }

    /// The same problem with other rounding tolerances (numbers, read as their
    /// shortest round-trip decimals).
    ///
    /// # Errors
    /// As [`Closure::new`] for the tolerances.
    ///
    /// ```
    /// use numkit::closure::Closure;
    /// let c = Closure::from_reported("3.5", "1.2", 50, 0, 7)?.with_rounding_errors(0.05, 0.005)?;
    /// assert_eq!(c.count_samples(), 7980);
    /// # Ok::<(), numkit::Error>(())
    /// ```
    pub fn with_rounding_errors(
        self,
        rounding_error_mean: f64,
        rounding_error_sd: f64,
    ) -> Result<Closure, Error> {
        self.rebuilt_with(
            decimal_from_f64("rounding_error_mean", rounding_error_mean)?,
            decimal_from_f64("rounding_error_sd", rounding_error_sd)?,
        )
    }

    /// The same problem with other rounding tolerances given as decimal strings.
    ///
    /// # Errors
    /// As [`Closure::from_reported`] for the tolerances.
    ///
    /// ```
    /// use numkit::closure::Closure;
    /// let c = Closure::from_reported("3.5", "1.2", 50, 0, 7)?.with_rounding_errors_str("0.05", "0.005")?;
    /// assert_eq!(c.count_samples(), 7980);
    /// # Ok::<(), numkit::Error>(())
    /// ```
    pub fn with_rounding_errors_str(
        self,
        rounding_error_mean: &str,
        rounding_error_sd: &str,
    ) -> Result<Closure, Error> {
        self.rebuilt_with(
            parse_decimal("rounding_error_mean", rounding_error_mean)?,
            parse_decimal("rounding_error_sd", rounding_error_sd)?,
        )
    }

    /// Re-derives the exact bounds for the same report under new tolerances.
    fn rebuilt_with(self, re_mean: Dec, re_sd: Dec) -> Result<Closure, Error> {
        Closure::build(Report {
            re_mean,
            re_sd,
            ..self.report
        })
    }

    fn build(report: Report) -> Result<Closure, Error> {
        let admitted = make_bounds(&report)?;
        Ok(Closure {
            report,
            admitted,
            bounds: admitted.without_impossible_sums(),
        })
    }

    /// Sample size `n`.
    ///
    /// ```
    /// # use numkit::closure::Closure;
    /// assert_eq!(Closure::new(3.0, 1.0, 5, 1, 5, 0.0, 0.0)?.n(), 5);
    /// # Ok::<(), numkit::Error>(())
    /// ```
    pub fn n(&self) -> usize {
        self.report.n
    }

    /// The inclusive scale `(scale_min, scale_max)`.
    ///
    /// ```
    /// # use numkit::closure::Closure;
    /// assert_eq!(Closure::new(3.0, 1.0, 5, 1, 5, 0.0, 0.0)?.scale(), (1, 5));
    /// # Ok::<(), numkit::Error>(())
    /// ```
    pub fn scale(&self) -> (i32, i32) {
        (self.report.scale_min, self.report.scale_max)
    }

    /// The admitted sums: a sample counts only if `lo ≤ Σx ≤ hi` (empty when
    /// `lo > hi`). Exact, in sample units.
    ///
    /// ```
    /// # use numkit::closure::Closure;
    /// // 3.43 ± 0.005 with n = 40: 40·3.425 = 137 and 40·3.435 = 137.4.
    /// let c = Closure::new(3.43, 1.0, 40, 1, 7, 0.005, 1.0)?;
    /// assert_eq!(c.sum_bounds(), (137, 137));
    /// # Ok::<(), numkit::Error>(())
    /// ```
    pub fn sum_bounds(&self) -> (i64, i64) {
        let b = &self.admitted;
        let shift = b.n * b.offset as i64;
        (b.s_lo + shift, b.s_hi + shift)
    }

    /// The admitted values of `n·Σx² − (Σx)²` (which equals `n(n−1)·SD²`):
    /// a sample counts only if its value lies in `lo..=hi`.
    ///
    /// ```
    /// # use numkit::closure::Closure;
    /// // SD exactly 1 with n = 5: n(n−1)·1 = 20.
    /// let c = Closure::new(3.0, 1.0, 5, 1, 5, 0.0, 0.0)?;
    /// assert_eq!(c.spread_bounds(), (20, 20));
    /// # Ok::<(), numkit::Error>(())
    /// ```
    pub fn spread_bounds(&self) -> (i128, i128) {
        (self.admitted.d_lo, self.admitted.d_hi)
    }

    /// Whether a sample (any order) of `n` values satisfies the bounds exactly.
    /// Values outside the scale or a wrong length give `false`.
    ///
    /// ```
    /// # use numkit::closure::Closure;
    /// let c = Closure::new(3.0, 1.0, 5, 1, 5, 0.0, 0.0)?;
    /// assert!(c.contains(&[2, 2, 3, 4, 4]));
    /// assert!(!c.contains(&[3, 3, 3, 3, 3]));
    /// # Ok::<(), numkit::Error>(())
    /// ```
    pub fn contains(&self, sample: &[i32]) -> bool {
        if sample.len() != self.report.n {
            return false;
        }
        let (mut s, mut q) = (0i64, 0i64);
        for &x in sample {
            if x < self.report.scale_min || x > self.report.scale_max {
                return false;
            }
            let y = (x as i64) - self.report.scale_min as i64;
            s += y;
            q += y * y;
        }
        self.bounds.accepts(s, q)
    }

    /// A lazy iterator over all samples, sorted ascending within each sample,
    /// in lexicographic order. Memory is O(n + range) however many samples
    /// exist; `.take(k)` stops after k.
    ///
    /// ```
    /// use numkit::closure::Closure;
    /// let c = Closure::new(3.0, 1.2, 10, 1, 5, 0.05, 0.05)?;
    /// let all: Vec<Vec<i32>> = c.iter().collect();
    /// assert_eq!(all.len(), 10);
    /// assert!(all.windows(2).all(|w| w[0] < w[1]));
    /// assert!(all.iter().all(|s| c.contains(s)));
    /// # Ok::<(), numkit::Error>(())
    /// ```
    pub fn iter(&self) -> Iter {
        Iter {
            samples: self.samples(),
            remaining: Cell::new(SizeState::Unknown),
        }
    }

    /// A lending cursor over the samples: [`Samples::next_sample`] returns
    /// each as `&[i32]` in a reused buffer, allocating nothing per sample.
    ///
    /// ```
    /// use numkit::closure::Closure;
    /// let c = Closure::new(3.5, 1.2, 50, 0, 7, 0.05, 0.005)?;
    /// let mut cur = c.samples();
    /// let mut n = 0;
    /// while let Some(s) = cur.next_sample() {
    ///     assert_eq!(s.len(), 50);
    ///     n += 1;
    /// }
    /// assert_eq!(n, 7980);
    /// # Ok::<(), numkit::Error>(())
    /// ```
    pub fn samples(&self) -> Samples {
        Samples {
            walker: Walker::new(self.bounds),
        }
    }

    /// Calls `f` on every sample, in lexicographic order, as `&[i32]`, without
    /// allocating per sample.
    ///
    /// ```
    /// use numkit::closure::Closure;
    /// let c = Closure::new(3.5, 1.2, 50, 0, 7, 0.05, 0.005)?;
    /// let mut sevens = 0u64;
    /// c.for_each_sample(|s| sevens += s.iter().filter(|&&x| x == 7).count() as u64);
    /// assert!(sevens > 0);
    /// # Ok::<(), numkit::Error>(())
    /// ```
    pub fn for_each_sample<F: FnMut(&[i32])>(&self, mut f: F) {
        let mut cur = self.samples();
        while let Some(s) = cur.next_sample() {
            f(s);
        }
    }

    /// All samples as the rows of one `samples × n` array, in lexicographic
    /// order: one allocation instead of one per sample, so it is the fastest
    /// way to hold every sample in memory.
    ///
    /// ```
    /// use numkit::closure::Closure;
    /// let c = Closure::new(3.5, 1.2, 50, 0, 7, 0.05, 0.005)?;
    /// let a = c.to_array();
    /// assert_eq!(a.dim(), (7980, 50));
    /// assert_eq!(a.row(0).to_vec(), c.iter().next().unwrap());
    /// # Ok::<(), numkit::Error>(())
    /// ```
    pub fn to_array(&self) -> ndarray::Array2<i32> {
        let mut flat: Vec<i32> = Vec::new();
        self.for_each_sample(|s| flat.extend_from_slice(s));
        let rows = flat.len() / self.report.n;
        ndarray::Array2::from_shape_vec((rows, self.report.n), flat)
            .expect("rows · n equals the buffer length by construction")
    }

    /// The exact number of samples, without enumerating them.
    ///
    /// Uses the dynamic programme over deviations from an integer near the
    /// mean (see the module source), or the pruned search when that is
    /// cheaper; so it is never much slower than enumerating. Saturates at
    /// `u128::MAX` (see [`Closure::checked_count_samples`]).
    ///
    /// The programme's size grows with the square of `(n − 1)·(sd + rounding_error_sd)²`
    /// (the cap on `Σ(x − c)²`), and once that cap exceeds `n` its work also
    /// grows with `n` (it runs in layers of the number of items that differ
    /// from `c`). So it is fast for the Likert-type problems CLOSURE is used
    /// for (n = 500 on 1..7 with SD 0.8 takes well under a second) but slows
    /// down for large n with a large SD: on 1..7, ±0.05, one core takes the
    /// programme 6 s and 63 MB for n = 1000, SD 1.2 (≈ 10^12 samples) and 18 s
    /// and 143 MB for n = 1000, SD 1.5 (≈ 4.9·10^12), and on 0..10 6 s and
    /// 313 MB for n = 200, SD 4 (≈ 10^13); `count_samples` takes up to about
    /// twice the programme's time, since it first tries the search. On wide
    /// scales with a large SD (say 0..100, SD 20) the number of samples is
    /// astronomical, the programme would need more than 1 GiB, and the
    /// fallback search cannot finish either: such counts are out of reach.
    ///
    /// ```
    /// use numkit::closure::Closure;
    /// let c = Closure::new(4.0, 0.8, 500, 1, 7, 0.05, 0.05)?;
    /// assert_eq!(c.count_samples(), 502_375_864);
    /// # Ok::<(), numkit::Error>(())
    /// ```
    pub fn count_samples(&self) -> u128 {
        let b = &self.bounds;
        if b.is_empty() {
            return 0;
        }
        let Some(plan) = count::plan(b) else {
            return search::count_dfs(b, u64::MAX).unwrap_or(u128::MAX);
        };
        // Try the search first with a budget comparable to the programme's
        // work: tiny or very constrained problems finish there at once.
        let cost = plan.cost();
        // One search step (a node or a candidate it examines) costs 10–20 ns,
        // one estimated cell update of the programme 0.2–0.35 ns (the
        // estimate is an upper bound; n = 95 … 1000 on 1..7, SD 1.2–1.5), so
        // cost/100 steps cap the search at about a third to two thirds of the
        // programme's time: the total stays within about twice the faster of
        // the two (1.7× and 1.9× measured at n = 1000).
        let budget = (cost / 100).clamp(256, u64::MAX as u128) as u64;
        if let Some(c) = search::count_dfs(b, budget) {
            return c;
        }
        // The programme, unless it would need more than ~1 GiB.
        if plan.memory() <= 1 << 30 {
            if let Some(c) = count::run(&plan) {
                return c;
            }
        }
        search::count_dfs(b, u64::MAX).unwrap_or(u128::MAX)
    }

    /// The count by a chosen method, for benchmarking and cross-checking:
    /// all methods give the same exact number.
    ///
    /// ```
    /// use numkit::closure::{Closure, CountMethod};
    /// let c = Closure::new(4.0, 1.5, 50, 1, 7, 0.05, 0.05)?;
    /// assert_eq!(c.count_samples_by(CountMethod::Programme), 97_730);
    /// assert_eq!(c.count_samples_by(CountMethod::Search), 97_730);
    /// # Ok::<(), numkit::Error>(())
    /// ```
    pub fn count_samples_by(&self, method: CountMethod) -> u128 {
        let b = &self.bounds;
        match method {
            CountMethod::Auto => self.count_samples(),
            CountMethod::Search => search::count_dfs(b, u64::MAX).unwrap_or(u128::MAX),
            CountMethod::Programme => match count::plan(b).and_then(|p| count::run(&p)) {
                Some(c) => c,
                None => search::count_dfs(b, u64::MAX).unwrap_or(u128::MAX),
            },
        }
    }

    /// [`Closure::count_samples`], but an error instead of saturation.
    ///
    /// # Errors
    /// [`Error::Overflow`] if the count does not fit in `u128`.
    ///
    /// ```
    /// use numkit::closure::Closure;
    /// let c = Closure::new(3.5, 1.2, 50, 0, 7, 0.05, 0.005)?;
    /// assert_eq!(c.checked_count_samples()?, 7980);
    /// # Ok::<(), numkit::Error>(())
    /// ```
    pub fn checked_count_samples(&self) -> Result<u128, Error> {
        match self.count_samples() {
            u128::MAX => Err(Error::Overflow {
                context: "CLOSURE sample count",
            }),
            c => Ok(c),
        }
    }

    /// One pass over all samples: their number, per-value frequencies and the
    /// horns index statistics. Memory stays flat (see [`Summary`]).
    ///
    /// ```
    /// use numkit::closure::Closure;
    /// let c = Closure::new(3.5, 1.2, 50, 0, 7, 0.05, 0.005)?;
    /// let s = c.summarize();
    /// assert_eq!(s.samples, 7980);
    /// let h = s.horns.unwrap();
    /// assert!(h.min <= h.median && h.median <= h.max);
    /// # Ok::<(), numkit::Error>(())
    /// ```
    pub fn summarize(&self) -> Summary {
        let mut acc = Summarizer::new(self);
        self.for_each_sample(|s| acc.push(s));
        acc.finish()
    }

    #[cfg(feature = "parallel")]
    pub(crate) fn bounds(&self) -> &Bounds {
        &self.bounds
    }
}

/// How [`Closure::count_samples_by`] counts.
///
/// ```
/// use numkit::closure::{Closure, CountMethod};
/// let c = Closure::new(3.0, 1.2, 10, 1, 5, 0.05, 0.05)?;
/// assert_eq!(c.count_samples_by(CountMethod::Auto), 10);
/// # Ok::<(), numkit::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountMethod {
    /// What [`Closure::count_samples`] does: a short budgeted search, then
    /// the dynamic programme.
    Auto,
    /// The dynamic programme over deviations from an integer near the mean,
    /// whatever memory it needs (a one-value scale, which has no
    /// deviations, and a programme whose arrays cannot be allocated fall
    /// back to the search).
    Programme,
    /// The pruned depth-first search, counting leaves without building samples.
    Search,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SizeState {
    Unknown,
    /// Counting would be expensive; no upper bound is offered.
    Unbounded,
    Known(u128),
}

/// Lazy iterator over the samples of a [`Closure`], in lexicographic order.
///
/// Built by [`Closure::iter`]. Each item is a sorted `Vec<i32>` of length n.
/// `size_hint` is exact when the count is cheap to obtain (it is computed on
/// the first call and kept up to date), otherwise `(0, None)`.
///
/// ```
/// use numkit::closure::Closure;
/// let c = Closure::new(3.0, 1.2, 10, 1, 5, 0.05, 0.05)?;
/// let it = c.iter();
/// assert_eq!(it.size_hint(), (10, Some(10)));
/// let first3: Vec<_> = it.take(3).collect();
/// assert_eq!(first3.len(), 3);
/// # Ok::<(), numkit::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Iter {
    samples: Samples,
    remaining: Cell<SizeState>,
}

impl Iterator for Iter {
    type Item = Vec<i32>;

    fn next(&mut self) -> Option<Vec<i32>> {
        let out = self.samples.next_sample().map(<[i32]>::to_vec);
        if let SizeState::Known(k) = self.remaining.get() {
            if out.is_some() {
                self.remaining.set(SizeState::Known(k.saturating_sub(1)));
            }
        }
        out
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let w = &self.samples.walker;
        if w.is_done() {
            return (0, Some(0));
        }
        if self.remaining.get() == SizeState::Unknown {
            self.remaining.set(match count_if_cheap(w.bounds()) {
                Some(total) => SizeState::Known(total.saturating_sub(w.emitted())),
                None => SizeState::Unbounded,
            });
        }
        match self.remaining.get() {
            SizeState::Known(k) => {
                let k = usize::try_from(k).unwrap_or(usize::MAX);
                (k, Some(k))
            }
            _ => (0, None),
        }
    }
}

impl FusedIterator for Iter {}

/// The count, if the programme for it is small (well under a millisecond or so).
fn count_if_cheap(b: &Bounds) -> Option<u128> {
    if b.is_empty() {
        return Some(0);
    }
    match count::plan(b) {
        Some(p) if p.cost() <= 1 << 22 => count::run(&p),
        _ => search::count_dfs(b, 1 << 18),
    }
}

/// Lending cursor over the samples of a [`Closure`]; see [`Closure::samples`].
///
/// ```
/// use numkit::closure::Closure;
/// let c = Closure::new(3.0, 1.2, 10, 1, 5, 0.05, 0.05)?;
/// let mut cur = c.samples();
/// let first = cur.next_sample().unwrap().to_vec();
/// assert_eq!(Some(first), c.iter().next());
/// # Ok::<(), numkit::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Samples {
    walker: Walker,
}

impl Samples {
    /// The next sample in lexicographic order, or `None` when all have been
    /// visited (and forever after). The slice is valid until the next call.
    ///
    /// ```
    /// use numkit::closure::Closure;
    /// let c = Closure::new(3.0, 1.0, 5, 1, 5, 0.0, 0.0)?;
    /// let mut cur = c.samples();
    /// assert_eq!(cur.next_sample(), Some(&[2, 2, 3, 4, 4][..]));
    /// assert_eq!(cur.next_sample(), None);
    /// assert_eq!(cur.next_sample(), None);
    /// # Ok::<(), numkit::Error>(())
    /// ```
    #[allow(clippy::should_implement_trait)]
    pub fn next_sample(&mut self) -> Option<&[i32]> {
        self.walker.next_sample()
    }
}
