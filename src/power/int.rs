//! Exact, overflow-checked products of primitive-integer matrices.
//!
//! Each product first bounds every partial sum a priori: if
//! `max|a| · max|b| · n ≤ T::MAX`, no product `a_il·b_lj` and no partial sum
//! `Σ_{l<m} a_il·b_lj` can leave `T`'s range (each is at most `m·max|a|·max|b|`
//! in magnitude), so two's-complement wrapping arithmetic computes the exact
//! value and the fast blocked kernel is used. Otherwise every entry is
//! accumulated in a 128-bit integer with an overflow flag and converted to `T`
//! with a range check, so the result is exact or the call returns
//! [`Error::Overflow`] — never a wrapped value.
//!
//! When the same bound is at most 2^53 (and the CPU has AVX2+FMA), the
//! product runs in `f64` on the float strip kernel instead: every entry,
//! product and partial sum is then an integer of magnitude at most 2^53,
//! which `f64` holds exactly, so fused multiply-adds in any order give the
//! exact integer result — at the float kernel's 44 GFLOP/s, where 64-bit
//! integer multiplies (which AVX2 lacks) run one per cycle.

#[cfg(target_arch = "x86_64")]
use super::gemm::fast_i32_multiply;
use super::gemm::{gemm_blocked, IntRing};
use super::schedule::{steps, tally, Step};
#[cfg(target_arch = "x86_64")]
use super::simd4::{power4_int_exact, F64_BITS};
use super::threads::for_row_panels;

/// Who vouches for the bound that makes the `f64` kernel exact and keeps
/// its result in the element type.
// Only the x86-64 register kernels read entries this way.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bound {
    /// The caller proved it.
    Proved,
    /// The kernel runs the quick sufficient test `B_k ≤ 2^max_bits` on the
    /// entries read as two's-complement `i64` (`signed`) or as `u64` bits
    /// (an entry of 2^63 or more then fails). Powers within 2^30 run in
    /// `i32` lanes when `i32_lanes` (see [`super::gemm::fast_i32_multiply`]),
    /// otherwise in `f64`.
    Quick {
        signed: bool,
        max_bits: u64,
        i32_lanes: bool,
    },
    /// No bound: the caller wants the power modulo `2^32` (or a divisor of
    /// it, for `Wrapping` types of at most 32 bits); the `i32` kernel runs.
    Wrapping32,
}

use crate::Error;

pub(crate) const OVERFLOW: Error = Error::Overflow {
    context: "matrix power (an entry of a matrix product does not fit the element type)",
};

/// What the checked path needs from a primitive integer type.
pub(crate) trait CheckedElem: IntRing + Ord {
    /// 128-bit accumulator (`i128` or `u128`).
    type Acc: Copy;
    const ACC_ZERO: Self::Acc;
    /// `T::MAX` as `u128`: the largest magnitude the fast path may reach.
    const MAX_MAG: u128;
    /// `|self|` as `u128` (exact, also for `MIN`).
    fn magnitude(self) -> u128;
    /// `x ^ (x >> (BITS − 1))` (that is `|x|` or `|x| − 1`), saturated to
    /// `u64`: its bit length `e` gives `|x| ≤ 2^e`, at one xor and one or per
    /// entry, cheaper than an exact maximum.
    fn sign_folded(self) -> u64;
    /// `|x| − 1` (`0` for `x = 0`), saturated to `u64`: its bit length `e`
    /// gives `|x| ≤ 2^e` exactly when `|x|` is a power of two too, where
    /// [`CheckedElem::sign_folded`] is a bit looser (`|x| = 1` gives
    /// `e = 1`). The whole-power bounds multiply `e` by `k`, so that bit
    /// decides whether small-entry powers (entries in `{−1, 0, 1}`, 0/1
    /// adjacency matrices) fit the narrow lanes; single products keep the
    /// cheaper fold.
    fn reduced_magnitude(self) -> u64;
    /// Largest `b` with `2^b ≤ T::MAX`.
    const SAFE_BITS: u64;
    /// `T::MIN` and `T::MAX` as `f64` (exact for the 8- and 16-bit types,
    /// the only ones [`narrow_power`] reads them for).
    const MIN_F64: f64;
    const MAX_F64: f64;
    /// 8- and 16-bit types: their whole-power bound fails on nearly every
    /// call, so their powers run with every product checked against the
    /// range, in `f64` (`i64` at n ≤ 2; exact either way: the products of
    /// in-range entries stay far below 2^53).
    const NARROW: bool = Self::MAX_MAG <= u16::MAX as u128;
    /// Types of at most 32 bits: AVX2 multiplies their lanes natively, and
    /// their wrapping powers are exact modulo 2^32 in `i32` lanes.
    const AT_MOST_32_BITS: bool = Self::MAX_MAG <= u32::MAX as u128;
    fn to_acc(self) -> Self::Acc;
    /// `acc + x·y` and whether it overflowed the accumulator.
    fn acc_madd(acc: Self::Acc, x: Self::Acc, y: Self) -> (Self::Acc, bool);
    fn from_acc(acc: Self::Acc) -> Option<Self>;
    /// The entry as the (x86-64) register kernels read it: its value as `i64`, or
    /// for `u64`/`usize` its bits (see [`CheckedElem::UNSIGNED_BITS`]);
    /// `None` for a 128-bit value outside `i64`.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    fn to_i64_bits(self) -> Option<i64>;
    /// Whether [`CheckedElem::to_i64_bits`] returns the bits of an unsigned
    /// 64-bit value, which the quick bound must then read as unsigned.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    const UNSIGNED_BITS: bool = Self::MAX_MAG == u64::MAX as u128;
    /// `v as Self`: exact when `v` fits `Self`.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    fn from_i64_lossy(v: i64) -> Self;
}

// Types of at most 64 bits: the product of two values always fits the
// 128-bit accumulator, so only the sum needs a check.
macro_rules! checked_narrow {
    ($acc:ty; $($t:ident => $mag:expr),*) => {$(
        impl CheckedElem for $t {
            type Acc = $acc;
            const ACC_ZERO: $acc = 0;
            const MAX_MAG: u128 = <$t>::MAX as u128;
            #[inline(always)]
            fn magnitude(self) -> u128 { $mag(self) as u128 }
            #[inline(always)]
            #[allow(unused_comparisons)]
            fn sign_folded(self) -> u64 {
                (if self < 0 { !self } else { self }) as u64
            }
            #[inline(always)]
            #[allow(unused_comparisons)]
            fn reduced_magnitude(self) -> u64 {
                (if self < 0 { !self } else if self > 0 { self - 1 } else { 0 }) as u64
            }
            const SAFE_BITS: u64 = (<$t>::MAX as u128).count_ones() as u64 - 1;
            const MIN_F64: f64 = <$t>::MIN as f64;
            const MAX_F64: f64 = <$t>::MAX as f64;
            #[inline(always)]
            fn to_acc(self) -> $acc { self as $acc }
            #[inline(always)]
            fn acc_madd(acc: $acc, x: $acc, y: Self) -> ($acc, bool) {
                acc.overflowing_add(x.wrapping_mul(y as $acc))
            }
            #[inline(always)]
            fn from_acc(acc: $acc) -> Option<Self> { <$t>::try_from(acc).ok() }
            #[inline(always)]
            fn to_i64_bits(self) -> Option<i64> { Some(self as i64) }
            #[inline(always)]
            fn from_i64_lossy(v: i64) -> Self { v as $t }
        }
    )*};
}
checked_narrow!(i128; i8 => i8::unsigned_abs, i16 => i16::unsigned_abs, i32 => i32::unsigned_abs,
    i64 => i64::unsigned_abs, isize => isize::unsigned_abs);
checked_narrow!(u128; u8 => std::convert::identity, u16 => std::convert::identity,
    u32 => std::convert::identity, u64 => std::convert::identity, usize => std::convert::identity);

macro_rules! checked_wide {
    ($($t:ident => $mag:expr),*) => {$(
        impl CheckedElem for $t {
            type Acc = $t;
            const ACC_ZERO: $t = 0;
            const MAX_MAG: u128 = <$t>::MAX as u128;
            #[inline(always)]
            fn magnitude(self) -> u128 { $mag(self) }
            #[inline(always)]
            #[allow(unused_comparisons)]
            fn sign_folded(self) -> u64 {
                let f = if self < 0 { !self } else { self };
                u64::try_from(f).unwrap_or(u64::MAX)
            }
            #[inline(always)]
            #[allow(unused_comparisons)]
            fn reduced_magnitude(self) -> u64 {
                let f = if self < 0 { !self } else if self > 0 { self - 1 } else { 0 };
                u64::try_from(f).unwrap_or(u64::MAX)
            }
            const SAFE_BITS: u64 = (<$t>::MAX as u128).count_ones() as u64 - 1;
            const MIN_F64: f64 = <$t>::MIN as f64;
            const MAX_F64: f64 = <$t>::MAX as f64;
            #[inline(always)]
            fn to_acc(self) -> $t { self }
            #[inline(always)]
            fn acc_madd(acc: $t, x: $t, y: Self) -> ($t, bool) {
                match x.checked_mul(y).and_then(|p| acc.checked_add(p)) {
                    Some(s) => (s, false),
                    None => (acc, true),
                }
            }
            #[inline(always)]
            fn from_acc(acc: $t) -> Option<Self> { Some(acc) }
            #[inline(always)]
            fn to_i64_bits(self) -> Option<i64> { i64::try_from(self).ok() }
            #[inline(always)]
            fn from_i64_lossy(v: i64) -> Self { v as $t }
        }
    )*};
}
checked_wide!(i128 => i128::unsigned_abs, u128 => std::convert::identity);

fn max_magnitude<T: CheckedElem>(x: &[T]) -> u128 {
    // The extremes in `T` itself, which vectorises (a fold of 128-bit
    // magnitudes does not: i8 at n = 32, 11.8 against 6.3 µs per power).
    let (lo, hi) = x
        .iter()
        .fold((T::ZERO, T::ZERO), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    lo.magnitude().max(hi.magnitude())
}

/// Whether `ma·mb·n` (a bound on every partial sum) fits `T`.
#[inline]
fn fast_path_safe(ma: u128, mb: u128, n: usize, max: u128) -> bool {
    ma.checked_mul(mb)
        .and_then(|p| p.checked_mul(n as u128))
        .is_some_and(|bound| bound <= max)
}

/// `c ← a·b` exactly, or `Err(Overflow)` (then `c` holds unspecified values).
pub(crate) fn gemm_checked<T: CheckedElem>(
    n: usize,
    a: &[T],
    b: &[T],
    c: &mut [T],
) -> Result<(), Error> {
    let bound = ProductBound::new(n, a, b);
    if bound.within(T::SAFE_BITS, T::MAX_MAG) {
        if !(f64_faster::<T>(n)
            && bound.within(F64_EXACT_BITS, F64_EXACT)
            && exact_in_f64(n, a, b, c))
        {
            gemm_blocked(n, a, b, c);
        }
        return Ok(());
    }
    gemm_wide(n, a, b, c)
}

/// Decides whether `max|a|·max|b|·n` (a bound on every partial sum of
/// `a·b`) stays within a limit: first from the entries' bit lengths, one
/// vectorised OR per entry, and only when that is inconclusive from the
/// exact maxima, whose 128-bit comparisons cost more than the products
/// they guard at small n (i32 at n = 16: 1.50 against 0.86 µs per
/// power).
struct ProductBound<'a, T> {
    n: usize,
    a: &'a [T],
    b: &'a [T],
    same: bool,
    /// `log2(max|a|·max|b|·n)` rounded up, or more.
    bits: u64,
}

impl<'a, T: CheckedElem> ProductBound<'a, T> {
    #[inline]
    fn new(n: usize, a: &'a [T], b: &'a [T]) -> Self {
        let (a, b) = (&a[..n * n], &b[..n * n]);
        let bit_length = |x: &[T]| {
            let folded = x.iter().fold(0u64, |acc, v| acc | v.sign_folded());
            match u64::from(u64::BITS - folded.leading_zeros()) {
                // `sign_folded` saturates a 128-bit entry beyond 2^64 at
                // `u64::MAX`: its bit length is then unknown, up to 128.
                64 if T::MAX_MAG > u128::from(u64::MAX) => 128,
                e => e,
            }
        };
        let same = std::ptr::eq(a, b);
        let ea = bit_length(a);
        let eb = if same { ea } else { bit_length(b) };
        let en = u64::from(usize::BITS - n.saturating_sub(1).leading_zeros());
        let bits = ea + eb + en;
        ProductBound {
            n,
            a,
            b,
            same,
            bits,
        }
    }

    /// Whether the bound is at most `2^bits ≤ limit`, or failing that,
    /// exactly at most `limit`.
    #[inline]
    fn within(&self, bits: u64, limit: u128) -> bool {
        if self.bits <= bits {
            return true;
        }
        let ma = max_magnitude(self.a);
        let mb = if self.same { ma } else { max_magnitude(self.b) };
        fast_path_safe(ma, mb, self.n, limit)
    }
}

/// Whether an exact product of `T` entries runs faster in `f64` (see
/// [`exact_in_f64`]) than on the integer tile, measured per type width:
/// - up to 32 bits, never: AVX2 multiplies 8 (`i32`) or 16 (`i16`, and `i8`
///   widened) lanes at once, and the tile was 1.2–2.7× faster than the
///   conversions and the float kernel at every n from 16 to 512;
/// - 64 bits, except at n = 8, where the tile fits exactly (i64: 788
///   against 877 ns at k = 10); elsewhere AVX2 has no 64-bit multiply and
///   the tile ran 2–3× slower from n = 64 on;
/// - 128 bits, always: each product takes three multiplies (i128 at n = 8:
///   1.7× over the baseline on the tile, 4.2× in `f64`).
#[inline]
fn f64_faster<T: CheckedElem>(n: usize) -> bool {
    if T::AT_MOST_32_BITS {
        false
    } else if T::MAX_MAG <= u128::from(u64::MAX) {
        n != 8
    } else {
        true
    }
}

/// `c ← a·b` in wrapping arithmetic (for `Wrapping<T>`): in `f64` when the
/// bound `max|a|·max|b|·n ≤ 2^53` makes it exact and the type is one that
/// [`f64_faster`] favours, since an exact product truncated to `T` *is* the
/// wrapping product; else on the wrapping integer tile.
pub(crate) fn gemm_wrapping<T: CheckedElem>(n: usize, a: &[T], b: &[T], c: &mut [T]) {
    if f64_faster::<T>(n)
        && ProductBound::new(n, a, b).within(F64_EXACT_BITS, F64_EXACT)
        && exact_in_f64(n, a, b, c)
    {
        return;
    }
    gemm_blocked(n, a, b, c);
}

/// Integers up to this magnitude, and every sum of them that stays within
/// it, are exact in `f64`.
const F64_EXACT: u128 = 1 << F64_EXACT_BITS;
const F64_EXACT_BITS: u64 = 53;

/// `c ← a·b` in `f64` on the strip kernel, for `n×n` integer matrices
/// whose bound `max|a|·max|b|·n` the caller has checked against
/// [`F64_EXACT`] (see the module documentation). `false`, and nothing
/// written, without AVX2+FMA (the integer kernel is then as fast).
fn exact_in_f64<T: CheckedElem>(n: usize, a: &[T], b: &[T], c: &mut [T]) -> bool {
    #[cfg(target_arch = "x86_64")]
    if super::gemm::v3().is_some() {
        thread_local! {
            static PLANES: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        let nn = n * n;
        // Under the bound every entry is below 2^53 in magnitude, so it
        // converts to `i64` and then to `f64` exactly (`false` would only
        // mean the bound was not checked; the integer kernel then runs).
        let to_f64 = |dst: &mut [f64], src: &[T]| {
            dst.iter_mut().zip(src).all(|(d, s)| {
                s.to_i64_bits()
                    .filter(|v| u128::from(v.unsigned_abs()) <= F64_EXACT)
                    .map(|v| *d = v as f64)
                    .is_some()
            })
        };
        // Conversions run in the product's row panels too: with the
        // `parallel` feature, serial passes between the split products
        // left the other thread idle long enough to fall asleep (i64,
        // n = 96: no gain from two threads until they were split).
        let convert = |_, src: &[T], dst: &mut [f64]| to_f64(dst, src).then_some(()).ok_or(());
        return super::strips::with_buffer(&PLANES, 3 * nn, 0.0, |planes| {
            let (fa, rest) = planes.split_at_mut(nn);
            let (fb, fc) = rest.split_at_mut(nn);
            if for_row_panels(n, a, fa, convert).is_err() {
                return false;
            }
            let fb: &[f64] = if std::ptr::eq(a, b) {
                fa
            } else if for_row_panels(n, b, fb, convert).is_ok() {
                fb
            } else {
                return false;
            };
            super::strips::gemm_float(n, fa, fb, fc);
            super::threads::each_row_panel(n, fc, c, |_, fc, c| {
                for (d, &x) in c.iter_mut().zip(fc) {
                    *d = T::from_i64_lossy(x as i64);
                }
            });
            true
        });
    }
    let _ = (n, a, b, c);
    false
}

/// The exact fallback: 128-bit accumulation of a strip of one row of `C`
/// (in row panels, as the other products).
fn gemm_wide<T: CheckedElem>(n: usize, a: &[T], b: &[T], c: &mut [T]) -> Result<(), Error> {
    for_row_panels(n, a, c, |_, a, c| gemm_wide_rows(n, a, b, c))
}

/// [`gemm_wide`] for the rows of `C` in `c` (`a` the same rows of `A`).
fn gemm_wide_rows<T: CheckedElem>(n: usize, a: &[T], b: &[T], c: &mut [T]) -> Result<(), Error> {
    const STRIP: usize = 64;
    for (i, crow) in c.chunks_exact_mut(n).enumerate() {
        let arow = &a[i * n..][..n];
        for (s, cstrip) in crow.chunks_mut(STRIP).enumerate() {
            let j0 = s * STRIP;
            let w = cstrip.len();
            let mut acc = [T::ACC_ZERO; STRIP];
            let mut overflow = false;
            for (l, &x) in arow.iter().enumerate() {
                if x == T::ZERO {
                    continue;
                }
                let xa = x.to_acc();
                for (p, &y) in acc[..w].iter_mut().zip(&b[l * n + j0..][..w]) {
                    let (v, o) = T::acc_madd(*p, xa, y);
                    *p = v;
                    overflow |= o;
                }
            }
            if overflow {
                return Err(OVERFLOW);
            }
            for (dst, &v) in cstrip.iter_mut().zip(&acc[..w]) {
                *dst = T::from_acc(v).ok_or(OVERFLOW)?;
            }
        }
    }
    Ok(())
}

/// Whether `n^(k−1)·m^k` fits `max` (`k ≥ 1`).
///
/// Why this bounds the whole schedule: by induction every entry of `A^j` is
/// at most `B_j = n^(j−1)·m^j` in magnitude (`m = max|A|`), and every partial
/// sum of a product `A^a·A^b` has at most `n` terms of magnitude
/// `≤ B_a·B_b`, so it is at most `n·B_a·B_b = B_(a+b)`. `B_j` does not
/// decrease in `j` when `n·m ≥ 1`, so `B_k ≤ max` bounds every partial sum
/// the schedule forms (every `j ≤ k`), and wrapping arithmetic is exact.
#[inline]
fn power_bound_fits(m: u128, n: u128, k: u64, max: u128) -> bool {
    if m == 0 || (m == 1 && n == 1) {
        return true;
    }
    // Here n·m ≥ 2, so B_k ≥ 2^(k−1): past k = 129 it exceeds every `max`.
    if k > 129 {
        return false;
    }
    // B_k ≥ m: this also keeps a 128-bit `m` from being truncated below,
    // when `max` is a lane limit rather than the type's.
    if m > max {
        return false;
    }
    // B_k = (n·m)^(k−1)·m. Types of at most 64 bits (nearly every call)
    // take native 64-bit multiplies; 128-bit checked multiplies cost more
    // than the small products they guard.
    if max <= u64::MAX as u128 {
        let (m, n, max) = (m as u64, n as u64, max as u64);
        return n
            .checked_mul(m)
            .and_then(|nm| nm.checked_pow((k - 1) as u32))
            .and_then(|p| p.checked_mul(m))
            .is_some_and(|bound| bound <= max);
    }
    n.checked_mul(m)
        .and_then(|nm| nm.checked_pow((k - 1) as u32))
        .and_then(|p| p.checked_mul(m))
        .is_some_and(|bound| bound <= max)
}

/// Quick sufficient test that `B_k = n^(k−1)·max|A|^k ≤ 2^bits` (see
/// [`power_bound_fits`]). A `false` says nothing; the exact test decides.
#[inline(always)]
fn coarse_bound_within<T: CheckedElem>(entries: &[T], n: usize, k: u64, bits: u64) -> bool {
    coarse_bound_bits(entries, n, k) <= bits
}

/// The exponent of the quick bound on `B_k` for the entries of an `n×n`
/// matrix (see [`quick_bound_bits`]).
#[inline(always)]
pub(crate) fn coarse_bound_bits<T: CheckedElem>(entries: &[T], n: usize, k: u64) -> u64 {
    let folded = entries
        .iter()
        .fold(0u64, |acc, v| acc | v.reduced_magnitude());
    quick_bound_bits(folded, n, k)
}

/// The exponent of the quick bound (`k ≥ 1`): `folded` is the OR of the
/// entries' [`CheckedElem::reduced_magnitude`] values, so with `e` its bit length
/// `max|A| ≤ 2^e`, and with `n ≤ 2^c`, `B_k ≤ 2^(c·(k−1) + e·k)`. Shared by
/// the scalar test and the one the register kernel runs on its vectors.
#[inline(always)]
pub(crate) fn quick_bound_bits(folded: u64, n: usize, k: u64) -> u64 {
    let e = u64::from(u64::BITS - folded.leading_zeros());
    let c = u64::from(usize::BITS - n.saturating_sub(1).leading_zeros());
    e.saturating_mul(k).saturating_add(c.saturating_mul(k - 1))
}

/// `out ← A^k` (`k ≥ 1`) for a row-major 4×4 matrix by the register
/// kernels, when the power bound `n^(k−1)·max|A|^k` (see [`power_bound_fits`])
/// is below 2^51 and within `T`: then every entry and partial sum the
/// schedule forms is an integer that `f64` (and below 2^30, `i32`)
/// represents exactly. `false` (nothing written) when the bound is larger or
/// the CPU lacks AVX2+FMA.
#[inline(always)]
pub(crate) fn power4_exact<T: CheckedElem>(m: &[T; 16], k: u64, out: &mut [T; 16]) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        use super::simd4::EXACT_LIMIT;
        // The quick test runs inside the kernel, on the vector registers;
        // only when it fails is the exact bound computed.
        let quick = Bound::Quick {
            signed: !T::UNSIGNED_BITS,
            max_bits: T::SAFE_BITS.min(F64_BITS),
            i32_lanes: fast_i32_multiply(),
        };
        if power4_int_exact(m, k, out, quick) {
            return true;
        }
        // 8- and 16-bit types: the checked kernel is exact whatever the
        // bound, so the exact bound would only add a pass before it.
        if T::NARROW {
            return super::simd4::power4_narrow_checked(m, k, out);
        }
        let limit = T::MAX_MAG.min(u128::from(EXACT_LIMIT - 1));
        power_bound_fits(max_magnitude(m), 4, k, limit)
            && power4_int_exact(m, k, out, Bound::Proved)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (m, k, out);
        false
    }
}

/// `out ← A^k` (`k ≥ 1`) for a row-major 4×4 matrix of `Wrapping<T>`
/// entries (read as `T`), by the register kernels. Any computation that is
/// exact modulo `2^BITS(T)` gives the wrapping result, so types of at most
/// 32 bits always run in wrapping `i32` lanes (truncating `ℤ/2^32` to
/// `ℤ/2^BITS(T)` respects sums and products), and wider ones in `i32` or
/// `f64` lanes when the quick power bound shows the power exact there
/// (its exact value truncated to `T` is then the wrapping one). `false`
/// otherwise, or without AVX2+FMA.
#[inline(always)]
pub(crate) fn power4_wrapping<T: CheckedElem>(m: &[T; 16], k: u64, out: &mut [T; 16]) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        let bound = if T::AT_MOST_32_BITS {
            Bound::Wrapping32
        } else {
            Bound::Quick {
                signed: !T::UNSIGNED_BITS,
                max_bits: F64_BITS,
                i32_lanes: fast_i32_multiply(),
            }
        };
        power4_int_exact(m, k, out, bound)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (m, k, out);
        false
    }
}

/// [`power4_wrapping`] for 3×3 matrices: types of at most 32 bits always in
/// `i32` lanes, wider ones in `i32` or `f64` lanes when the quick bound
/// shows the power exact there ([`power3_bounded`]).
#[inline(always)]
pub(crate) fn power3_wrapping<T: CheckedElem>(m: &[T; 9], k: u64, out: &mut [T; 9]) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        if T::AT_MOST_32_BITS {
            return super::simd3::power3_int(m, k, out, true);
        }
        power3_bounded(m, k, out, F64_BITS)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (m, k, out);
        false
    }
}

/// `out ← A^k` (`k ≥ 1`) for a row-major 3×3 matrix by the register
/// kernels, when the quick power bound `3^(k−1)·max|A|^k` (see
/// [`power_bound_fits`]; and within `T`) shows that every entry and partial
/// sum of the schedule is exact in `f64` ([`power3_bounded`]); for 8- and
/// 16-bit types otherwise by the range-checked `f64` kernel. `false`
/// (nothing written) when neither applies, a checked product left the
/// range, or without AVX2+FMA.
#[inline(always)]
pub(crate) fn power3_exact<T: CheckedElem>(m: &[T; 9], k: u64, out: &mut [T; 9]) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        if power3_bounded(m, k, out, T::SAFE_BITS.min(F64_BITS)) {
            return true;
        }
        // 8- and 16-bit types fail the bound on nearly every call: check
        // each product instead (exact; the bound would only add a pass).
        T::NARROW && super::simd3::power3_narrow_checked(m, k, out)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (m, k, out);
        false
    }
}

/// `out ← A^k` (`k ≥ 1`) for a row-major 3×3 matrix whose quick power
/// bound is at most `2^max_bits` (`max_bits ≤ F64_BITS`): in `i32` lanes
/// when the bound is within 2^30 and the CPU multiplies 32-bit lanes fast
/// ([`fast_i32_multiply`]), otherwise in `f64` lanes; `false` (nothing
/// written) when the bound is larger or without AVX2+FMA.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn power3_bounded<T: CheckedElem>(m: &[T; 9], k: u64, out: &mut [T; 9], max_bits: u64) -> bool {
    use super::simd4::I32_BITS;
    let bits = coarse_bound_bits(m, 3, k);
    if bits > max_bits {
        return false;
    }
    let i32_lanes = bits <= I32_BITS && fast_i32_multiply();
    super::simd3::power3_int(m, k, out, i32_lanes)
}

/// `out ← A^k` (`k ≥ 1`) for a row-major 2×2 matrix in wrapping
/// arithmetic, when the quick power bound (see [`power_bound_fits`]) shows
/// it exact, and for 8- and 16-bit types otherwise by the range-checked
/// schedule ([`narrow_power`]); `false` (nothing written) when neither
/// applies or a checked product left the range.
#[inline(always)]
pub(crate) fn power2_exact<T: CheckedElem>(m: &[T; 4], k: u64, out: &mut [T; 4]) -> bool {
    let rows = [[m[0], m[1]], [m[2], m[3]]];
    if let Some(p) = power_in_i64(&rows, k) {
        out.copy_from_slice(p.as_flattened());
        return true;
    }
    if coarse_bound_within(m, 2, k, T::SAFE_BITS) {
        out.copy_from_slice(super::gemm::int_small_power(&rows, k).as_flattened());
        return true;
    }
    // 8- and 16-bit types: the range-checked schedule, exact whatever the
    // bound; on overflow the caller's stack path reports it.
    if T::NARROW {
        if let Ok(p) = narrow_power(&rows, k, &mut 0) {
            out.copy_from_slice(p.as_flattened());
            return true;
        }
    }
    false
}

/// `A^k` (`k ≥ 1`) for an `N×N` stack matrix, exactly or `Err(Overflow)`.
///
/// One bound for the whole power decides, before any product, whether the
/// unchecked stack schedule is exact; only if it is not does the schedule
/// run with a per-product check ([`small_mul_checked`]). On failure,
/// `performed` receives the products formed before it.
#[inline(always)]
pub(crate) fn small_power_checked<T: CheckedElem, const N: usize>(
    m: &[[T; N]; N],
    k: u64,
    performed: &mut u32,
) -> Result<[[T; N]; N], Error> {
    debug_assert!(k >= 1);
    if let Some(p) = power_in_i64(m, k) {
        return Ok(p);
    }
    let entries = m.as_flattened();
    if coarse_bound_within(entries, N, k, T::SAFE_BITS)
        || power_bound_fits(max_magnitude(entries), N as u128, k, T::MAX_MAG)
    {
        return Ok(super::gemm::int_small_power(m, k));
    }
    if T::NARROW {
        return narrow_power(m, k, performed);
    }
    let mut cur = *m;
    *performed = 0;
    for step in steps(k) {
        *performed += 1;
        tally();
        cur = match step {
            Step::Square => small_mul_checked(&cur, &cur)?,
            Step::MulA => small_mul_checked(&cur, m)?,
        };
    }
    Ok(cur)
}

/// For the 128-bit types, when the quick whole-power bound stays within
/// 2^62: the stack schedule in wrapping `i64`, exact under that bound (see
/// [`power_bound_fits`]), at one multiply per term where `i128` takes
/// three. `None` for every other type or a larger bound.
#[inline(always)]
pub(crate) fn power_in_i64<T: CheckedElem, const N: usize>(
    m: &[[T; N]; N],
    k: u64,
) -> Option<[[T; N]; N]> {
    if T::MAX_MAG <= u128::from(u64::MAX) || !coarse_bound_within(m.as_flattened(), N, k, 62) {
        return None;
    }
    // Under the bound every entry is at most 2^62 in magnitude.
    let narrow = m.map(|row| row.map(|v| v.to_i64_bits().unwrap_or(0)));
    let p = super::gemm::int_small_power(&narrow, k);
    Some(p.map(|row| row.map(T::from_i64_lossy)))
}

/// The checked schedule for 8- and 16-bit types, whose whole-power bound
/// fails for almost every call (`4^(k−1)` alone passes `i8::MAX` at `k = 5`),
/// in `f64`: every product's inputs are checked to fit `T`, so each partial
/// sum is an integer of magnitude at most `N·2^32 < 2^53`, exact in `f64` in
/// any order, and the product is checked against `T`'s range before the next
/// one. `Err` exactly when a matrix the schedule forms has an entry outside
/// `T`, as in the 128-bit path, at the float stack kernel's speed. (At
/// n = 3 and 4 the register kernels [`super::simd3::power3_narrow_checked`]
/// and [`super::simd4::power4_narrow_checked`] run first; this is their
/// fallback and the path for n = 5…7. At n ≤ 2, [`narrow_power_i64`].)
#[inline(always)]
fn narrow_power<T: CheckedElem, const N: usize>(
    m: &[[T; N]; N],
    k: u64,
    performed: &mut u32,
) -> Result<[[T; N]; N], Error> {
    if N <= 2 {
        return narrow_power_i64(m, k, performed);
    }
    // Entries of an 8- or 16-bit type always convert (`to_i64_bits` is
    // `Some` for every type of at most 64 bits).
    let wide = m.map(|row| row.map(|v| v.to_i64_bits().map_or(f64::NAN, |b| b as f64)));
    // Compares and ands, not `f64::min`/`max`: those handle NaN (which
    // cannot occur here) and chained them serially (i8 4×4 through this
    // path: 205 → 135 ns).
    let in_range = |p: &[[f64; N]; N]| {
        p.as_flattened()
            .iter()
            .fold(true, |ok, &v| ok & (v >= T::MIN_F64) & (v <= T::MAX_F64))
    };
    let mut cur = wide;
    *performed = 0;
    let mut bit = 63 - k.leading_zeros();
    while bit > 0 {
        bit -= 1;
        *performed += 1;
        tally();
        cur = super::gemm::small_mul(&cur, &cur);
        if !in_range(&cur) {
            return Err(OVERFLOW);
        }
        if (k >> bit) & 1 == 1 {
            *performed += 1;
            tally();
            cur = super::gemm::small_mul(&cur, &wide);
            if !in_range(&cur) {
                return Err(OVERFLOW);
            }
        }
    }
    Ok(cur.map(|row| row.map(|v| T::from_i64_lossy(v as i64))))
}

/// [`narrow_power`] for n ≤ 2 in `i64`: inputs checked to fit `T` (at most
/// 16 bits) keep every partial sum within `2·2^32`, so wrapping `i64` is
/// exact. A 2×2 product is eight scalar multiplies, and the float path's
/// conversions and longer multiply-add latency dominated it (k = 10:
/// u8 19 → 13 ns, u16 18 → 13.5, i8 and i16 20 → 16.5). From n = 3 on the
/// float path wins, paired in vectors; routing it through one generic walk
/// shared with this one cost u8 at n = 6 20 % (277 → 335 ns), so the two
/// walks stay separate.
#[inline(always)]
fn narrow_power_i64<T: CheckedElem, const N: usize>(
    m: &[[T; N]; N],
    k: u64,
    performed: &mut u32,
) -> Result<[[T; N]; N], Error> {
    let wide = m.map(|row| row.map(|v| v.to_i64_bits().unwrap_or(0)));
    let (lo, hi) = (T::MIN_F64 as i64, T::MAX_F64 as i64);
    let in_range = |p: &[[i64; N]; N]| {
        p.as_flattened()
            .iter()
            .fold(true, |ok, &v| ok & (v >= lo) & (v <= hi))
    };
    let mut cur = wide;
    *performed = 0;
    for step in steps(k) {
        *performed += 1;
        tally();
        cur = match step {
            Step::Square => super::gemm::small_mul(&cur, &cur),
            Step::MulA => super::gemm::small_mul(&cur, &wide),
        };
        if !in_range(&cur) {
            return Err(OVERFLOW);
        }
    }
    Ok(cur.map(|row| row.map(T::from_i64_lossy)))
}

/// Exact fixed-size product: each entry accumulated in 128 bits.
#[inline(always)]
fn small_mul_checked<T: CheckedElem, const N: usize>(
    a: &[[T; N]; N],
    b: &[[T; N]; N],
) -> Result<[[T; N]; N], Error> {
    let mag = |m: &[[T; N]; N]| {
        m.iter()
            .flatten()
            .fold(0u128, |acc, v| acc.max(v.magnitude()))
    };
    // Same a-priori bound as the large kernel: when it holds, plain
    // wrapping arithmetic is exact.
    if fast_path_safe(mag(a), mag(b), N, T::MAX_MAG) {
        return Ok(super::gemm::small_mul(a, b));
    }
    let mut c = [[T::ZERO; N]; N];
    let mut overflow = false;
    for i in 0..N {
        for j in 0..N {
            let mut s = T::ACC_ZERO;
            for l in 0..N {
                let (v, o) = T::acc_madd(s, a[i][l].to_acc(), b[l][j]);
                s = v;
                overflow |= o;
            }
            match T::from_acc(s) {
                Some(v) => c[i][j] = v,
                None => overflow = true,
            }
        }
    }
    if overflow {
        Err(OVERFLOW)
    } else {
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::{power_bound_fits, CheckedElem};

    /// The bit length `e` of [`CheckedElem::reduced_magnitude`] is the
    /// least `e` with `|x| ≤ 2^e`, for every sign, both ends of every
    /// range and both sides of every power of two.
    #[test]
    fn reduced_magnitude_gives_the_least_power_of_two() {
        fn check<T: CheckedElem + std::fmt::Debug>(values: impl IntoIterator<Item = T>) {
            for x in values {
                let e = u64::BITS - x.reduced_magnitude().leading_zeros();
                let mag = x.magnitude();
                if mag <= 1 << 64 {
                    assert!(mag <= 1u128 << e, "{x:?}: |x| > 2^{e}");
                    assert!(e == 0 || mag > 1u128 << (e - 1), "{x:?}: 2^{e} not least");
                } else {
                    assert_eq!(x.reduced_magnitude(), u64::MAX, "{x:?}: not saturated");
                }
            }
        }
        let around = |p: u32| [(1i128 << p) - 1, 1 << p, (1 << p) + 1];
        let signed: Vec<i128> = (0..70)
            .flat_map(around)
            .flat_map(|v| [v, -v])
            .chain([0, 1, -1, i128::MAX, i128::MIN])
            .collect();
        check(
            signed
                .iter()
                .filter_map(|&v| i64::try_from(v).ok())
                .chain([i64::MIN, i64::MAX]),
        );
        check(
            signed
                .iter()
                .filter_map(|&v| i8::try_from(v).ok())
                .chain([i8::MIN, i8::MAX]),
        );
        check(signed.iter().copied());
        check(
            signed
                .iter()
                .filter_map(|&v| u64::try_from(v).ok())
                .chain([u64::MAX]),
        );
        check(
            signed
                .iter()
                .filter_map(|&v| u8::try_from(v).ok())
                .chain([u8::MAX]),
        );
        check(
            signed
                .iter()
                .filter_map(|&v| u128::try_from(v).ok())
                .chain([u128::MAX]),
        );
    }

    #[test]
    fn power_bound_edges() {
        let max = i64::MAX as u128;
        // Fibonacci matrix: B_k = 2^(k−1) for n = 2, m = 1.
        assert!(power_bound_fits(1, 2, 63, max));
        assert!(!power_bound_fits(1, 2, 64, max));
        assert!(power_bound_fits(0, 4, u64::MAX, max));
        assert!(power_bound_fits(3, 4, 1, max));
        assert!(power_bound_fits(2, 3, 24, max)); // 3^23·2^24 < 2^63
        assert!(!power_bound_fits(2, 3, 25, max)); // 3^24·2^25 > 2^63
        assert!(power_bound_fits(u64::MAX as u128, 1, 1, u64::MAX as u128));
        assert!(!power_bound_fits(u64::MAX as u128, 1, 2, u64::MAX as u128));
        assert!(power_bound_fits(1, 1, u64::MAX, max));
        assert!(!power_bound_fits(2, 1, 200, u128::MAX));
        assert!(power_bound_fits(2, 1, 127, u128::MAX));
        assert!(!power_bound_fits(2, 1, 128, u128::MAX));
        assert!(power_bound_fits(1, 2, 128, u128::MAX));
        assert!(!power_bound_fits(1, 2, 129, u128::MAX));
        // A 128-bit maximum beyond 2^64 against a 64-bit limit: 2^64 + 1
        // must not be read as 1.
        assert!(!power_bound_fits((1 << 64) + 1, 2, 2, 1 << 51));
        assert!(!power_bound_fits((1 << 64) + 1, 1, 1, u64::MAX as u128));
    }
}
