//! Square matrix products on row-major slices: a cache-blocked loop for any
//! ring whose `+`/`×` cannot fail, and fixed-size unrolled products.

use num_complex::Complex;
use std::num::Wrapping;

use super::schedule::tally;
use super::threads::each_row_panel;

/// Element arithmetic for the kernels that need no overflow check: floats,
/// complex numbers, `Wrapping<_>`, and primitive integers once a bound has
/// proved that no partial sum can overflow (then wrapping ops are exact).
pub(crate) trait Ring: Copy + Send + Sync {
    const ZERO: Self;
    const ONE: Self;
    /// `self + a·b`.
    fn madd(self, a: Self, b: Self) -> Self;
    /// `self·b` (wrapping for integers).
    fn times(self, b: Self) -> Self;
}

macro_rules! ring_plain {
    ($($t:ty),*) => {$(
        impl Ring for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            #[inline(always)]
            fn madd(self, a: Self, b: Self) -> Self { self + a * b }
            #[inline(always)]
            fn times(self, b: Self) -> Self { self * b }
        }
        impl Ring for Complex<$t> {
            const ZERO: Self = Complex { re: 0.0, im: 0.0 };
            const ONE: Self = Complex { re: 1.0, im: 0.0 };
            #[inline(always)]
            fn madd(self, a: Self, b: Self) -> Self { self + a * b }
            #[inline(always)]
            fn times(self, b: Self) -> Self { self * b }
        }
    )*};
}
ring_plain!(f32, f64);

/// The integer rings: arithmetic modulo `2^BITS`, which is exact, so ring
/// identities such as Cayley–Hamilton hold in it (they do not in floating
/// point, where rearranging a power into a polynomial in `A` changes its
/// rounding and can cancel catastrophically).
pub(crate) trait IntRing: Ring {
    /// `self + b` (wrapping).
    fn plus(self, b: Self) -> Self;
    /// `self − b` (wrapping).
    fn minus(self, b: Self) -> Self;
}

macro_rules! ring_int {
    ($($t:ty),*) => {$(
        impl Ring for $t {
            const ZERO: Self = 0;
            const ONE: Self = 1;
            #[inline(always)]
            fn madd(self, a: Self, b: Self) -> Self { self.wrapping_add(a.wrapping_mul(b)) }
            #[inline(always)]
            fn times(self, b: Self) -> Self { self.wrapping_mul(b) }
        }
        impl IntRing for $t {
            #[inline(always)]
            fn plus(self, b: Self) -> Self { self.wrapping_add(b) }
            #[inline(always)]
            fn minus(self, b: Self) -> Self { self.wrapping_sub(b) }
        }
        impl IntRing for Wrapping<$t> {
            #[inline(always)]
            fn plus(self, b: Self) -> Self { self + b }
            #[inline(always)]
            fn minus(self, b: Self) -> Self { self - b }
        }
        impl Ring for Wrapping<$t> {
            const ZERO: Self = Wrapping(0);
            const ONE: Self = Wrapping(1);
            #[inline(always)]
            fn madd(self, a: Self, b: Self) -> Self { Wrapping(self.0.wrapping_add(a.0.wrapping_mul(b.0))) }
            #[inline(always)]
            fn times(self, b: Self) -> Self { Wrapping(self.0.wrapping_mul(b.0)) }
        }
    )*};
}
ring_int!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);

/// Columns of `C` (and of a `B` panel) processed per pass; with `KC` rows of
/// `B` the panel stays in L2 and four rows of `C` in L1.
const NC: usize = 256;
/// Rows of `B` per pass.
const KC: usize = 128;

/// `c ← a·b` for `n×n` row-major slices.
///
/// Loop order i-l-j with four rows of `C` per sweep of a `B` row: the inner
/// loop is a contiguous, dependency-free `c[j] += x·b[j]` that the compiler
/// vectorises, each loaded `B` element is used four times, and the `B`
/// panel is reused from cache by every row block.
///
/// Large products run in row panels, on several threads with the `parallel`
/// feature (see `threads.rs`).
pub(crate) fn gemm_blocked<T: Ring>(n: usize, a: &[T], b: &[T], c: &mut [T]) {
    let b = &b[..n * n];
    each_row_panel(n, a, c, |m, a, c| gemm_blocked_rows(n, m, a, b, c));
}

/// `c ← a·b` for the rows of `C` in `c` (`m×n`, `a` the same rows of `A`)
/// and the whole `n×n` `b`.
fn gemm_blocked_rows<T: Ring>(n: usize, m: usize, a: &[T], b: &[T], c: &mut [T]) {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    if let Some(v3) = v3() {
        return pulp::Simd::vectorize(v3, Blocked { n, m, a, b, c });
    }
    gemm_blocked_body(n, m, a, b, c)
}

/// AVX2+FMA, when the CPU has it (detected once).
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
#[inline]
pub(crate) fn v3() -> Option<pulp::x86::V3> {
    static V3: std::sync::OnceLock<Option<pulp::x86::V3>> = std::sync::OnceLock::new();
    *V3.get_or_init(pulp::x86::V3::try_new)
}

/// Whether 32-bit lane multiplies (`vpmulld`) are cheap enough for the
/// integer register kernels to run in `i32` lanes rather than `f64`.
///
/// AMD's Zen cores execute `vpmulld` as one µop (latency 3–4), and there
/// the `i32` kernels, whose rotations are one-cycle in-lane shuffles, beat
/// the `f64` ones. Intel cores since Haswell split it into two µops with a
/// latency of 10, and there the `f64` kernels win: on an Intel Xeon with
/// AVX-512, `i64` 4×4 at k = 10 took 34 ns in `i32` lanes against 26 ns in
/// `f64` (`_into`), 3×3 14 against 11 ns. SSE4a, which only AMD (and the
/// Zen-derived Hygon) CPUs report, tells the two families apart; the
/// choice changes only speed, never a result.
#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn fast_i32_multiply() -> bool {
    static FAST: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *FAST.get_or_init(|| std::arch::is_x86_feature_detected!("sse4a"))
}

/// AVX-512 (F, BW, CD, DQ, VL: x86-64-v4), when the CPU has it (detected
/// once). The float strip products and the 4×4 register kernels of
/// `real512` use it.
#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn v4() -> Option<pulp::x86::V4> {
    static V4: std::sync::OnceLock<Option<pulp::x86::V4>> = std::sync::OnceLock::new();
    *V4.get_or_init(pulp::x86::V4::try_new)
}

/// Runs the blocked kernel inside pulp's safe runtime dispatch, so that the
/// (fully inlined) loops are compiled for AVX2+FMA — without any `unsafe`
/// in numkit.
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
struct Blocked<'a, T> {
    n: usize,
    m: usize,
    a: &'a [T],
    b: &'a [T],
    c: &'a mut [T],
}

#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
impl<T: Ring> pulp::WithSimd for Blocked<'_, T> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        gemm_blocked_body(self.n, self.m, self.a, self.b, self.c)
    }
}

/// Columns of the register tile (two AVX2 registers of f64/i64). Tiles are
/// 6×8: twelve accumulator registers hide the multiply-add latency, and with two
/// `B` registers and one broadcast they fit the 16 AVX2 registers.
const NR: usize = 8;

#[inline(always)]
fn gemm_blocked_body<T: Ring>(n: usize, m: usize, a: &[T], b: &[T], c: &mut [T]) {
    debug_assert!(a.len() >= m * n && b.len() >= n * n);
    let (a, b, c) = (&a[..m * n], &b[..n * n], &mut c[..m * n]);
    c.fill(T::ZERO);
    let mut j0 = 0;
    while j0 < n {
        let j1 = (j0 + NC).min(n);
        let mut l0 = 0;
        while l0 < n {
            let l1 = (l0 + KC).min(n);
            let mut i = 0;
            while i + 6 <= m {
                row_block::<T, 6>(n, i, j0, j1, l0, l1, a, b, c);
                i += 6;
            }
            if i + 4 <= m {
                row_block::<T, 4>(n, i, j0, j1, l0, l1, a, b, c);
                i += 4;
            }
            if i + 2 <= m {
                row_block::<T, 2>(n, i, j0, j1, l0, l1, a, b, c);
                i += 2;
            }
            for r in i..m {
                edge_row(n, r, j0, j1, l0, l1, a, b, c);
            }
            l0 = l1;
        }
        j0 = j1;
    }
}

/// Rows `i..i+M` of `C` over columns `j0..j1`: full tiles, then edges.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn row_block<T: Ring, const M: usize>(
    n: usize,
    i: usize,
    j0: usize,
    j1: usize,
    l0: usize,
    l1: usize,
    a: &[T],
    b: &[T],
    c: &mut [T],
) {
    let mut j = j0;
    while j + NR <= j1 {
        tile::<T, M>(n, i, j, l0, l1, a, b, c);
        j += NR;
    }
    for r in i..i + M {
        edge_row(n, r, j, j1, l0, l1, a, b, c);
    }
}

/// `C[i..i+4, j..j+8] += A[i..i+4, l0..l1] · B[l0..l1, j..j+8]`, the
/// accumulators held in registers across the whole `l` range. Fixed-size
/// arrays let the compiler vectorise at any SIMD width.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn tile<T: Ring, const M: usize>(
    n: usize,
    i: usize,
    j: usize,
    l0: usize,
    l1: usize,
    a: &[T],
    b: &[T],
    c: &mut [T],
) {
    let mut acc = [[T::ZERO; NR]; M];
    let rows: [&[T]; M] = std::array::from_fn(|r| &a[(i + r) * n + l0..(i + r) * n + l1]);
    for (dl, l) in (l0..l1).enumerate() {
        let bl: &[T; NR] = b[l * n + j..l * n + j + NR]
            .try_into()
            .expect("NR elements");
        for r in 0..M {
            let x = rows[r][dl];
            for t in 0..NR {
                acc[r][t] = acc[r][t].madd(x, bl[t]);
            }
        }
    }
    for (r, acc_r) in acc.iter().enumerate() {
        let cr: &mut [T; NR] = (&mut c[(i + r) * n + j..(i + r) * n + j + NR])
            .try_into()
            .expect("NR elements");
        for t in 0..NR {
            cr[t] = cr[t].madd(T::ONE, acc_r[t]);
        }
    }
}

/// One row of `C` over columns `j0..j1` (tile edges).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn edge_row<T: Ring>(
    n: usize,
    r: usize,
    j0: usize,
    j1: usize,
    l0: usize,
    l1: usize,
    a: &[T],
    b: &[T],
    c: &mut [T],
) {
    if j0 >= j1 {
        return;
    }
    let cr = &mut c[r * n + j0..r * n + j1];
    for l in l0..l1 {
        let x = a[r * n + l];
        for (p, &y) in cr.iter_mut().zip(&b[l * n + j0..l * n + j1]) {
            *p = p.madd(x, y);
        }
    }
}

/// `a·b` for fixed `N×N` matrices on the stack, fully unrolled. Row `i` of
/// the result is `Σ_l a[i][l]·b[l]` — whole rows of `b` scaled and added, so
/// each step is one `N`-wide vector operation. (Compiled for the baseline
/// instruction set; 4×4 `f64` and integer powers first try the whole-power
/// AVX2 kernels of `simd4`, where one dispatch is amortised over the
/// schedule.)
#[inline(always)]
pub(crate) fn small_mul<T: Ring, const N: usize>(a: &[[T; N]; N], b: &[[T; N]; N]) -> [[T; N]; N] {
    let mut c = [[T::ZERO; N]; N];
    if N == 0 {
        return c;
    }
    // Plain index loops over the const bound: the compiler unrolls them
    // completely (an iterator `skip(1)` here stayed a runtime loop).
    #[allow(clippy::needless_range_loop)]
    for i in 0..N {
        // Start from the first term rather than from zero: one add fewer
        // on each entry's dependency chain (measured ~10% at N = 4).
        let mut row = [T::ZERO; N];
        for j in 0..N {
            row[j] = a[i][0].times(b[0][j]);
        }
        for l in 1..N {
            for j in 0..N {
                row[j] = row[j].madd(a[i][l], b[l][j]);
            }
        }
        c[i] = row;
    }
    c
}

/// `A^k` (`k ≥ 1`) for an `N×N` stack matrix by the left-to-right schedule
/// of [`super::schedule`], every product unrolled on the stack. The bit walk
/// is written out rather than iterating `schedule::steps`: with the iterator,
/// n = 2 and n = 3 measured 15 → 17 ns and 39 → 46 ns.
#[inline(always)]
pub(crate) fn small_power<T: Ring, const N: usize>(m: &[[T; N]; N], k: u64) -> [[T; N]; N] {
    debug_assert!(k >= 1);
    let mut cur = *m;
    let mut bit = 63 - k.leading_zeros();
    while bit > 0 {
        bit -= 1;
        tally();
        cur = small_mul(&cur, &cur);
        if (k >> bit) & 1 == 1 {
            tally();
            cur = small_mul(&cur, m);
        }
    }
    cur
}

/// `A^k` (`k ≥ 1`) for a row-major 2×2 matrix, flat in and out.
#[inline(always)]
pub(crate) fn power2<T: Ring>(m: &[T; 4], k: u64) -> [T; 4] {
    let p = small_power(&[[m[0], m[1]], [m[2], m[3]]], k);
    [p[0][0], p[0][1], p[1][0], p[1][1]]
}

/// [`small_power`] for the integer rings, where 2×2 powers of 64- and
/// 128-bit types take [`power2_cayley`]; the result is the same modulo
/// `2^BITS`. Narrower types keep the matrix products, which the compiler
/// runs in vector lanes: there the scalar recurrence measured slower (`i32`
/// 11.2 → 12.8 ns at k = 10).
#[inline(always)]
pub(crate) fn int_small_power<T: IntRing, const N: usize>(m: &[[T; N]; N], k: u64) -> [[T; N]; N] {
    let mut out = [[T::ZERO; N]; N];
    if size_of::<T>() >= 8 {
        if let (Ok(flat), Ok(dst)) = (
            <&[T; 4]>::try_from(m.as_flattened()),
            <&mut [T; 4]>::try_from(out.as_flattened_mut()),
        ) {
            *dst = power2_cayley(flat, k);
            return out;
        }
    }
    small_power(m, k)
}

/// `A^k` (`k ≥ 1`) for a row-major 2×2 integer matrix by the schedule of
/// [`small_power`], run on the pair `(p, q)` with `A^j = p·A + q·I`.
///
/// By Cayley–Hamilton `A² = t·A − d·I` (`t` the trace, `d` the
/// determinant), so a power of `A` is a polynomial of degree one in `A`.
/// Squaring `p·A + q·I` gives `(p²t + 2pq)·A + (q² − p²d)·I` and multiplying
/// by `A` gives `(pt + q)·A − pd·I`: five and two multiplies where the
/// matrix products take eight each, which is what bounds a scalar 64-bit
/// schedule (one multiply per cycle). Every step is a ring identity, so in
/// wrapping arithmetic the result is `A^k` modulo `2^BITS`: exact for
/// `Wrapping` types, and for the other integers wherever the power bound
/// has shown that `A^k` fits (the only way this is called for them). Each
/// step counts as one product of the schedule.
#[inline(always)]
pub(crate) fn power2_cayley<T: IntRing>(m: &[T; 4], k: u64) -> [T; 4] {
    debug_assert!(k >= 1);
    if k == 1 {
        return *m;
    }
    let t = m[0].plus(m[3]);
    let d = m[0].times(m[3]).minus(m[1].times(m[2]));
    // The first step squares A itself: A² = t·A − d·I.
    let mut bit = 63 - k.leading_zeros() - 1;
    tally();
    let (mut p, mut q) = (t, T::ZERO.minus(d));
    loop {
        if (k >> bit) & 1 == 1 {
            tally();
            (p, q) = (p.times(t).plus(q), T::ZERO.minus(p.times(d)));
        }
        if bit == 0 {
            break;
        }
        bit -= 1;
        tally();
        let pp = p.times(p);
        (p, q) = (
            p.times(p.times(t).plus(q.plus(q))),
            q.times(q).minus(pp.times(d)),
        );
    }
    [
        p.times(m[0]).plus(q),
        p.times(m[1]),
        p.times(m[2]),
        p.times(m[3]).plus(q),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::power::schedule::{product_count, tallied};
    use proptest::prelude::*;

    /// Entries of one scale per matrix, as 128 bits that each type
    /// truncates: full range (the first product wraps) or sign-extended
    /// magnitudes below 2^8, 2^4, 2^2 and 2^1 (powers stay exact a while).
    fn entries() -> impl Strategy<Value = [u128; 4]> {
        (
            any::<[u128; 4]>(),
            prop::sample::select(vec![0u32, 120, 124, 126, 127]),
        )
            .prop_map(|(m, shift)| m.map(|v| ((v as i128) >> shift) as u128))
    }

    /// Every exponent up to 130, the extremes of `u64`, and random ones.
    fn exponent() -> impl Strategy<Value = u64> {
        prop_oneof![
            1..=130u64,
            prop::sample::select(vec![u64::MAX, u64::MAX - 1, 1 << 63, (1 << 63) + 1]),
            1..=u64::MAX,
        ]
    }

    /// The Cayley–Hamilton recurrence against the matrix products of the
    /// same schedule, in wrapping arithmetic, for exponents up to
    /// `u64::MAX` (beyond any repeated-product reference), with one tallied
    /// product per schedule step.
    fn cayley_matches<T: IntRing + PartialEq + std::fmt::Debug>(
        m: [T; 4],
        k: u64,
    ) -> Result<(), TestCaseError> {
        let (fast, formed) = tallied(|| power2_cayley(&m, k));
        prop_assert_eq!(fast, power2(&m, k), "{:?}^{}", m, k);
        prop_assert_eq!(formed, u64::from(product_count(k)));
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn cayley_recurrence_is_the_matrix_power(m in entries(), k in exponent()) {
            cayley_matches(m.map(|v| v as i64), k)?;
            cayley_matches(m.map(|v| v as u64), k)?;
            cayley_matches(m.map(|v| v as i128), k)?;
            cayley_matches(m, k)?;
            cayley_matches(m.map(|v| Wrapping(v as i64)), k)?;
            cayley_matches(m.map(Wrapping), k)?;
            // Not used for narrow types (slower there), but the identity holds.
            cayley_matches(m.map(|v| v as i8), k)?;
            cayley_matches(m.map(|v| Wrapping(v as u16)), k)?;
        }
    }
}
