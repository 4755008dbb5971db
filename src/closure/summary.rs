//! One-pass summaries of the samples, as unsum reports them.

use std::collections::BTreeMap;

use super::Closure;

/// Summary of all samples of a [`Closure`]: how many there are, how often each
/// scale value occurs, and the distribution of the horns index.
///
/// Built by [`Closure::summarize`] or, for a stream you are already visiting,
/// by a [`Summarizer`].
///
/// ```
/// use numkit::closure::Closure;
/// let s = Closure::new(3.0, 1.0, 5, 1, 5, 0.0, 0.0)?.summarize();
/// // Only sample: 2 2 3 4 4.
/// assert_eq!(s.samples, 1);
/// assert_eq!(s.values, vec![1, 2, 3, 4, 5]);
/// assert_eq!(s.frequency_total, vec![0, 2, 1, 2, 0]);
/// assert_eq!(s.frequency_relative[1], 0.4);
/// # Ok::<(), numkit::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Number of samples.
    pub samples: u128,
    /// Items per sample.
    pub n: usize,
    /// The scale values, ascending: `scale_min..=scale_max`.
    pub values: Vec<i32>,
    /// How often each value occurs, summed over all samples.
    pub frequency_total: Vec<u128>,
    /// Average number of occurrences of each value per sample
    /// (`frequency_total / samples`; 0 when there are no samples).
    pub frequency_mean: Vec<f64>,
    /// Share of each value among all items of all samples
    /// (`frequency_total / (samples · n)`; 0 when there are no samples).
    pub frequency_relative: Vec<f64>,
    /// Horns index over the samples; `None` without samples or when the
    /// scale has a single value (the index divides by the range).
    pub horns: Option<Horns>,
    /// Horns index of a uniform distribution over the scale, `(r + 2)/(3r)`
    /// for range `r` — a reference point; `None` when `r = 0`.
    pub horns_uniform: Option<f64>,
}

/// Distribution of the horns index over the samples.
///
/// The horns index of one sample is `Σ_v f_rel(v)·(v − x̄)² / ((max − min)²/4)`,
/// where `f_rel(v)` is the share of the sample's items equal to `v`, `x̄` is
/// **the sample's own mean** and `min`, `max` are the scale ends. It equals
/// the sample's population variance over the largest possible one: 0 when all
/// items are equal, 1 when they are split evenly between both ends. Since it is
/// `4·(n·Σx² − (Σx)²) / (n²·(max − min)²)`, the median is computed exactly from
/// a histogram of that integer, so memory grows with the number of distinct
/// values, not of samples.
///
/// ```
/// use numkit::closure::Closure;
/// let h = Closure::new(3.5, 1.2, 50, 0, 7, 0.05, 0.005)?.summarize().horns.unwrap();
/// assert!(h.min <= h.mean && h.mean <= h.max);
/// assert!(h.sd >= 0.0);
/// # Ok::<(), numkit::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Horns {
    /// Smallest horns index of any sample.
    pub min: f64,
    /// Largest horns index of any sample.
    pub max: f64,
    /// Mean over samples.
    pub mean: f64,
    /// Median over samples (mean of the two middle ones for an even count).
    pub median: f64,
    /// Standard deviation over samples (`samples − 1` denominator; 0 for a
    /// single sample).
    pub sd: f64,
}

/// Accumulates a [`Summary`] one sample at a time, with memory independent of
/// the number of samples.
///
/// ```
/// use numkit::closure::{Closure, Summarizer};
/// let c = Closure::new(3.5, 1.2, 50, 0, 7, 0.05, 0.005)?;
/// let mut acc = Summarizer::new(&c);
/// let mut cur = c.samples();
/// while let Some(s) = cur.next_sample() {
///     acc.push(s); // …and write `s` somewhere, in the same pass
/// }
/// assert_eq!(acc.finish(), c.summarize());
/// # Ok::<(), numkit::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Summarizer {
    n: usize,
    min: i32,
    max: i32,
    samples: u128,
    freq: Vec<u128>,
    /// Per-sample counts, reused.
    scratch: Vec<u64>,
    /// Samples per value of n·Σx² − (Σx)².
    spread: BTreeMap<i128, u128>,
}

impl Summarizer {
    /// An empty accumulator for the samples of `closure`.
    ///
    /// ```
    /// use numkit::closure::{Closure, Summarizer};
    /// let c = Closure::new(3.0, 1.0, 5, 1, 5, 0.0, 0.0)?;
    /// assert_eq!(Summarizer::new(&c).finish().samples, 0);
    /// # Ok::<(), numkit::Error>(())
    /// ```
    pub fn new(closure: &Closure) -> Summarizer {
        let (min, max) = closure.scale();
        let width = (max as i64 - min as i64 + 1) as usize;
        Summarizer {
            n: closure.n(),
            min,
            max,
            samples: 0,
            freq: vec![0; width],
            scratch: vec![0; width],
            spread: BTreeMap::new(),
        }
    }

    /// Adds one sample (values on the closure's scale; any order).
    ///
    /// Values outside the scale are ignored in the frequencies.
    ///
    /// ```
    /// use numkit::closure::{Closure, Summarizer};
    /// let c = Closure::new(3.0, 1.0, 5, 1, 5, 0.0, 0.0)?;
    /// let mut acc = Summarizer::new(&c);
    /// acc.push(&[2, 2, 3, 4, 4]);
    /// assert_eq!(acc.finish().frequency_total, vec![0, 2, 1, 2, 0]);
    /// # Ok::<(), numkit::Error>(())
    /// ```
    pub fn push(&mut self, sample: &[i32]) {
        self.samples += 1;
        // |y| < 2^33 even for values off the scale, so y² < 2^66 and the
        // sums below are exact in i128 for any sample shorter than 2^30;
        // beyond that they saturate rather than wrap.
        let (mut s, mut q) = (0i128, 0i128);
        for &x in sample {
            let y = i128::from(x) - i128::from(self.min);
            if x >= self.min && x <= self.max {
                self.scratch[y as usize] += 1;
            }
            s = s.saturating_add(y);
            q = q.saturating_add(y * y);
        }
        for (f, c) in self.freq.iter_mut().zip(self.scratch.iter_mut()) {
            *f += *c as u128;
            *c = 0;
        }
        let d = (sample.len() as i128)
            .saturating_mul(q)
            .saturating_sub(s.saturating_mul(s));
        *self.spread.entry(d).or_insert(0) += 1;
    }

    /// Combines two accumulators of the same closure (for parallel folds).
    ///
    /// ```
    /// use numkit::closure::{Closure, Summarizer};
    /// let c = Closure::new(3.0, 1.2, 10, 1, 5, 0.05, 0.05)?;
    /// let (mut a, mut b) = (Summarizer::new(&c), Summarizer::new(&c));
    /// for (i, s) in c.iter().enumerate() {
    ///     if i % 2 == 0 { a.push(&s) } else { b.push(&s) }
    /// }
    /// a.merge(b);
    /// assert_eq!(a.finish(), c.summarize());
    /// # Ok::<(), numkit::Error>(())
    /// ```
    pub fn merge(&mut self, other: Summarizer) {
        self.samples += other.samples;
        for (f, g) in self.freq.iter_mut().zip(&other.freq) {
            *f += g;
        }
        for (d, c) in other.spread {
            *self.spread.entry(d).or_insert(0) += c;
        }
    }

    /// The summary of everything pushed so far.
    ///
    /// ```
    /// use numkit::closure::{Closure, Summarizer};
    /// let c = Closure::new(3.0, 1.0, 5, 1, 5, 0.0, 0.0)?;
    /// let mut acc = Summarizer::new(&c);
    /// acc.push(&[2, 2, 3, 4, 4]);
    /// assert_eq!(acc.finish().horns.unwrap().min, 0.2);
    /// # Ok::<(), numkit::Error>(())
    /// ```
    pub fn finish(&self) -> Summary {
        let k = self.samples;
        let values: Vec<i32> = (self.min..=self.max).collect();
        let per = |f: &u128, denom: f64| if k == 0 { 0.0 } else { *f as f64 / denom };
        let frequency_mean = self.freq.iter().map(|f| per(f, k as f64)).collect();
        let frequency_relative = self
            .freq
            .iter()
            .map(|f| per(f, k as f64 * self.n as f64))
            .collect();
        let r = self.max as i64 - self.min as i64;
        let horns = (k > 0 && r > 0).then(|| self.horns(r));
        Summary {
            samples: k,
            n: self.n,
            values,
            frequency_total: self.freq.clone(),
            frequency_mean,
            frequency_relative,
            horns,
            horns_uniform: (r > 0).then(|| (r as f64 + 2.0) / (3.0 * r as f64)),
        }
    }

    fn horns(&self, r: i64) -> Horns {
        let n = self.n as f64;
        let scale = 4.0 / (n * n * (r as f64) * (r as f64));
        let h = |d: i128| d as f64 * scale;
        let k = self.samples;
        let min = h(*self.spread.keys().next().unwrap_or(&0));
        let max = h(*self.spread.keys().next_back().unwrap_or(&0));
        let mean = self
            .spread
            .iter()
            .map(|(&d, &c)| h(d) * c as f64)
            .sum::<f64>()
            / k as f64;
        let var = if k > 1 {
            self.spread
                .iter()
                .map(|(&d, &c)| (h(d) - mean).powi(2) * c as f64)
                .sum::<f64>()
                / (k - 1) as f64
        } else {
            0.0
        };
        // Exact median from the histogram: the (k−1)/2-th and k/2-th (0-based).
        let nth = |i: u128| {
            let mut seen = 0u128;
            for (&d, &c) in &self.spread {
                seen += c;
                if seen > i {
                    return d;
                }
            }
            0
        };
        let (a, b) = (nth((k - 1) / 2), nth(k / 2));
        Horns {
            min,
            max,
            mean,
            median: (h(a) + h(b)) / 2.0,
            sd: var.sqrt(),
        }
    }
}
