//! The integer windows every sample is tested against.

use super::decimal::{floor_ceil_times, floor_times_square, Dec, SCALE};
use crate::Error;

/// A validated problem in shifted coordinates `y = x − scale_min ∈ [0, r]`.
///
/// A sorted sample belongs to the result iff `s_lo ≤ Σy ≤ s_hi` and
/// `d_lo ≤ n·Σy² − (Σy)² ≤ d_hi`. Both windows are derived exactly from the
/// decimal inputs; an empty window (`lo > hi`) means no sample exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Bounds {
    pub(crate) n: i64,
    pub(crate) r: i64,
    pub(crate) offset: i32,
    pub(crate) s_lo: i64,
    pub(crate) s_hi: i64,
    pub(crate) d_lo: i128,
    pub(crate) d_hi: i128,
}

impl Bounds {
    /// Whether `(Σy, Σy²)` of a complete sample satisfies both windows.
    #[inline]
    pub(crate) fn accepts(&self, s: i64, q: i64) -> bool {
        if s < self.s_lo || s > self.s_hi {
            return false;
        }
        let d = self.n as i128 * q as i128 - s as i128 * s as i128;
        d >= self.d_lo && d <= self.d_hi
    }

    /// No sample can exist (a window is empty).
    pub(crate) fn is_empty(&self) -> bool {
        self.s_lo > self.s_hi || self.d_lo > self.d_hi
    }

    /// Whether the `D` window is narrower than `2n`: only then can a sum
    /// admit no `Σy²` ([`Bounds::square_sums`]), so only then is testing
    /// each sum exactly worth its cost.
    #[inline]
    pub(crate) fn spread_has_gaps(&self) -> bool {
        // 2n consecutive D values give every sum two consecutive Σy².
        self.d_hi - self.d_lo + 1 < 2 * self.n as i128
    }

    /// The `Σy²` a sample with sum `s` may have: `n·Σy² − s²` in the `D`
    /// window, and `Σy² ≡ s (mod 2)` (every `y² − y` is even). Empty when
    /// `lo > hi`.
    #[inline]
    pub(crate) fn square_sums(&self, s: i128) -> (i128, i128) {
        let n = self.n as i128;
        let s2 = s * s;
        // d_lo ≥ 0, so plain division rounds the ceiling's numerator down.
        let mut lo = (self.d_lo + s2 + n - 1) / n;
        let mut hi = (self.d_hi + s2) / n;
        if (lo - s).rem_euclid(2) != 0 {
            lo += 1;
        }
        if (hi - s).rem_euclid(2) != 0 {
            hi -= 1;
        }
        (lo, hi)
    }

    /// The sum window trimmed to sums `S` that some integer `Q = Σy²` can
    /// complete. `D = n·Q − S²` is `−S² mod n`, and `Q ≡ S (mod 2)` (every
    /// `y² − y` is even), so a `D` window narrower than `2n` may hold no
    /// `D` a sample with sum `S` can have (a mean and an SD that cannot
    /// round to the report together). Empty when no sum can. The search's
    /// continuous bounds cannot see this: inputs with no sample at all
    /// ("5.000" and "2.500" with n = 100 on 0..10, or "5.520" and "2.322"
    /// with n = 179) walked the whole tree before finding nothing, for
    /// minutes.
    pub(crate) fn without_impossible_sums(self) -> Bounds {
        if self.is_empty() || !self.spread_has_gaps() {
            return self;
        }
        let completes = |s: i64| {
            let (lo, hi) = self.square_sums(s as i128);
            lo <= hi
        };
        // Whether a sum completes depends on S mod 2n only: 2n consecutive
        // sums decide all. Wider windows of sums are left as they are.
        let span = (self.s_hi - self.s_lo).min(2 * self.n - 1);
        if span > 1 << 22 {
            return self;
        }
        let Some(lo) = (self.s_lo..=self.s_lo + span).find(|&s| completes(s)) else {
            return Bounds {
                s_lo: self.s_hi + 1,
                ..self
            };
        };
        let hi = (self.s_hi - span..=self.s_hi)
            .rev()
            .find(|&s| completes(s))
            .expect("a sum that completes exists, and the pattern repeats every 2n sums");
        Bounds {
            s_lo: lo,
            s_hi: hi,
            ..self
        }
    }
}

/// Largest `n·(range+1)²` accepted: every sum of squares and `n·Σy²` then fits
/// comfortably in the integer types used by the search and the counter.
const MAX_SIZE: i128 = 1 << 62;

/// The report a CLOSURE problem starts from: the statistics as decimals,
/// the sample size, the inclusive scale and the rounding tolerances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Report {
    pub(crate) mean: Dec,
    pub(crate) sd: Dec,
    pub(crate) n: usize,
    pub(crate) scale_min: i32,
    pub(crate) scale_max: i32,
    pub(crate) re_mean: Dec,
    pub(crate) re_sd: Dec,
}

/// Validates a report and derives its exact integer windows.
pub(crate) fn make_bounds(report: &Report) -> Result<Bounds, Error> {
    let Report {
        mean,
        sd,
        n,
        scale_min,
        scale_max,
        re_mean,
        re_sd,
    } = *report;
    if n > u32::MAX as usize {
        return Err(Error::Overflow {
            context: "CLOSURE sizes: n must not exceed u32::MAX",
        });
    }
    if n < 2 {
        return Err(Error::InvalidParameter {
            parameter: "n",
            reason: format!("a sample SD needs at least 2 observations, got n = {n}"),
        });
    }
    if scale_min > scale_max {
        return Err(Error::InvalidScale {
            min: scale_min as i64,
            max: scale_max as i64,
        });
    }
    for (name, d) in [
        ("sd", sd),
        ("rounding_error_mean", re_mean),
        ("rounding_error_sd", re_sd),
    ] {
        if d.scaled < 0 {
            return Err(Error::InvalidParameter {
                parameter: name,
                reason: "must not be negative".to_string(),
            });
        }
    }
    let r = scale_max as i128 - scale_min as i128;
    let ni = n as i128;
    let size = (r + 1).checked_mul(r + 1).and_then(|x| x.checked_mul(ni));
    if size.is_none_or(|s| s >= MAX_SIZE) {
        return Err(Error::Overflow {
            context: "CLOSURE sizes: n·(scale_max − scale_min + 1)² must be below 2^62",
        });
    }
    let ovf = || Error::Overflow {
        context: "CLOSURE bounds",
    };

    // Mean window, shifted to y and clamped just outside [0, r]: clamping
    // there cannot change which integer sums are admitted.
    let shift = scale_min as i128 * SCALE;
    let clamp_m = |x: i128| x.clamp(-SCALE, (r + 1) * SCALE);
    let lo = clamp_m(mean.scaled - re_mean.scaled - shift);
    let hi = clamp_m(mean.scaled + re_mean.scaled - shift);
    let (_, s_lo) = floor_ceil_times(ni, lo).ok_or_else(ovf)?;
    let (s_hi, _) = floor_ceil_times(ni, hi).ok_or_else(ovf)?;
    let s_lo = s_lo.max(0);
    let s_hi = s_hi.min(ni * r);

    // SD window on D = n·Σy² − (Σy)² = n(n−1)·SD². Any SD above r is
    // unreachable, so clamping the ends to r + 1 keeps the result exact and
    // the arithmetic small.
    let a = (ni * (ni - 1)) as u128;
    let cap = (r + 1) * SCALE;
    let sd_lo = (sd.scaled - re_sd.scaled).clamp(0, cap) as u128;
    let sd_hi = (sd.scaled + re_sd.scaled).clamp(0, cap) as u128;
    let (fl, exact) = floor_times_square(a, sd_lo).ok_or_else(ovf)?;
    let d_lo = if exact { fl } else { fl + 1 };
    let (d_hi, _) = floor_times_square(a, sd_hi).ok_or_else(ovf)?;

    Ok(Bounds {
        n: n as i64,
        r: r as i64,
        offset: scale_min,
        s_lo: s_lo as i64,
        s_hi: s_hi.max(-1) as i64,
        d_lo: d_lo as i128,
        d_hi: d_hi as i128,
    })
}
