//! Whole powers of 4×4 `Complex<f64>` matrices in AVX-512 registers, one
//! row per 512-bit vector (x86-64 with AVX-512, through `pulp`'s safe
//! dispatch; see [`super::gemm::v4`]).
//!
//! A row holds its entries as they lie in memory, `[re, im, re, im, …]`.
//! Row `i` of `X·Y` is
//! `Σ_l x_il·Y_l`, and a complex scalar times an interleaved row is
//! `re(x)·Y ⊕ im(x)·swap(Y)`, where `swap` exchanges the parts of every
//! entry and `⊕` subtracts in the real lanes and adds in the imaginary
//! ones. So a row of the product is two chains of fused multiply-adds,
//! one over the real parts of `x_il` against the rows of `Y`, one over
//! the imaginary parts against their swaps, joined by one `vfmaddsub`
//! (by one). A 4×4 product is 32 vector multiply-adds and four joins; the
//! swaps are four in-lane shuffles per factor. The entries of `X` reach
//! the multiply-adds as broadcasts from memory, which run on the load
//! ports and leave the shuffle port to the swaps: each row of a product
//! is stored as soon as it is formed, and the next product reads its
//! entries from there (as the AVX2 kernel in [`super::complex4`] does).
//!
//! The AVX2 kernel needs 64 multiply-adds on 256-bit vectors per 4×4
//! product: twice the instructions for the same arithmetic. The gain is
//! smaller than that (a k = 10 power took 45–47 against 50–53 ns on an
//! Intel Xeon with two 512-bit FMA units): the products of a power depend
//! on each other, and each waits for its rows to pass through memory.
//! The same kernel on 3×3 matrices (rows padded with a zero entry) was
//! slower than [`super::simd3`]'s planes there (47 against 37 ns), so 3×3
//! powers stay on those. The code keeps `N` generic because nothing in
//! it is specific to four rows.
//!
//! Rounding: each part of an entry is a chain of `n` real products (a
//! multiply, then fused multiply-adds) minus or plus another such chain,
//! joined with one rounding; at most `n + 1` roundings per term, within
//! the `γ_(n+4)` bound of a scalar complex dot product.

use std::arch::x86_64::__m512d;

use num_complex::Complex;
use pulp::x86::V4;

use super::gemm::v4;
use super::schedule::tally;

/// A row in memory, padded to four entries: one 512-bit vector.
type Row = [Complex<f64>; 4];

/// The running power in memory, each row on its own cache line, so that
/// every broadcast of an entry reads from one earlier store.
#[repr(C, align(64))]
struct Aligned<const N: usize>([Row; N]);

/// The parts of every entry exchanged: `[im, re, im, re, …]`.
#[inline(always)]
fn swapped(s: V4, row: __m512d) -> __m512d {
    s.avx512f._mm512_permute_pd::<0b0101_0101>(row)
}

/// The swaps of every row of a factor.
#[inline(always)]
fn all_swapped<const N: usize>(s: V4, rows: &[__m512d; N]) -> [__m512d; N] {
    let mut out = *rows;
    for row in &mut out {
        *row = swapped(s, *row);
    }
    out
}

/// `X·Y`, `X` in memory (its entries broadcast from there) and `Y`'s rows
/// and their swaps in registers. Row `i` of the product overwrites row `i`
/// of `X`, the only row that read it, as soon as it is formed; the
/// `black_box` keeps the compiler from hoisting the next row's broadcasts
/// above that store, so that the next product's first rows can start
/// while this one's last rows finish.
#[inline(always)]
fn mul_rows<const N: usize>(
    s: V4,
    one: __m512d,
    x: &mut [Row; N],
    y: &[__m512d; N],
    y_swapped: &[__m512d; N],
) -> [__m512d; N] {
    let f = s.avx512f;
    let mut out = *y;
    for (i, o) in out.iter_mut().enumerate() {
        let mut by_re = f._mm512_mul_pd(f._mm512_set1_pd(x[i][0].re), y[0]);
        let mut by_im = f._mm512_mul_pd(f._mm512_set1_pd(x[i][0].im), y_swapped[0]);
        for l in 1..N {
            by_re = f._mm512_fmadd_pd(f._mm512_set1_pd(x[i][l].re), y[l], by_re);
            by_im = f._mm512_fmadd_pd(f._mm512_set1_pd(x[i][l].im), y_swapped[l], by_im);
        }
        // Real lanes `by_re − by_im`, imaginary lanes `by_re + by_im`.
        *o = f._mm512_fmaddsub_pd(by_re, one, by_im);
        x[i] = pulp::cast(*o);
        std::hint::black_box(&mut *x);
    }
    out
}

/// `out ← m^k` (`k ≥ 1`) for an `N`×`N` matrix of `LEN = N·N` entries.
struct RowPower<'a, const N: usize, const LEN: usize> {
    s: V4,
    m: &'a [Complex<f64>; LEN],
    k: u64,
    out: &'a mut [Complex<f64>; LEN],
}

impl<const N: usize, const LEN: usize> pulp::WithSimd for RowPower<'_, N, LEN> {
    type Output = ();
    /// The left-to-right schedule of [`super::schedule`] (never a product
    /// by the identity or an unused square); the multiply by `A` reuses
    /// the swaps of `A`, formed once.
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        let RowPower { s, m, k, out } = self;
        let mut mem = Aligned([[Complex::new(0.0, 0.0); 4]; N]);
        for (row, src) in mem.0.iter_mut().zip(m.chunks_exact(N)) {
            row[..N].copy_from_slice(src);
        }
        let mut a = [s.avx512f._mm512_setzero_pd(); N];
        for (v, row) in a.iter_mut().zip(&mem.0) {
            *v = pulp::cast(*row);
        }
        let a_swapped = all_swapped(s, &a);
        // Opaque to the compiler: seeing the constant, it rewrote each
        // `vfmaddsub` by one as an add, a subtract and a blend.
        let one = std::hint::black_box(s.avx512f._mm512_set1_pd(1.0));
        let mut cur = a;
        let mut bit = 63 - k.leading_zeros();
        while bit > 0 {
            bit -= 1;
            tally();
            cur = mul_rows(s, one, &mut mem.0, &cur, &all_swapped(s, &cur));
            if (k >> bit) & 1 == 1 {
                tally();
                cur = mul_rows(s, one, &mut mem.0, &a, &a_swapped);
            }
        }
        for (dst, row) in out.chunks_exact_mut(N).zip(cur) {
            dst.copy_from_slice(&pulp::cast::<_, Row>(row)[..N]);
        }
    }
}

/// `out ← A^k` (`k ≥ 1`) for a row-major `N`×`N` `Complex<f64>` matrix
/// (`N` = 3 or 4); `false` (and `out` untouched) without AVX-512.
#[inline(always)]
fn power<const N: usize, const LEN: usize>(
    m: &[Complex<f64>; LEN],
    k: u64,
    out: &mut [Complex<f64>; LEN],
) -> bool {
    const { assert!(N * N == LEN && N <= 4) };
    let Some(s) = v4() else {
        return false;
    };
    pulp::Simd::vectorize(s, RowPower::<N, LEN> { s, m, k, out });
    true
}

/// `out ← A^k` (`k ≥ 1`) for a 4×4 `Complex<f64>` matrix in row-major
/// order; `false` (and `out` untouched) without AVX-512.
#[inline]
pub(crate) fn power4_c64(m: &[Complex<f64>; 16], k: u64, out: &mut [Complex<f64>; 16]) -> bool {
    power::<4, 16>(m, k, out)
}

#[cfg(test)]
mod tests {
    use super::super::simd4::tests::naive;
    use super::*;

    /// Gaussian integers with distinct parts, `|z| < 10`: every entry and
    /// partial sum of a power up to 9 stays below `(4·10)^9 < 2^53`, so
    /// the kernel must match the plain products exactly. A misplaced lane,
    /// a missing swap or a sign slip between the real and imaginary lanes
    /// shows as a mismatch; `k` up to 9 runs squares and multiplies by `A`
    /// in every order the schedule forms.
    #[test]
    fn gaussian_integer_powers_are_exact() {
        let m: [Complex<f64>; 16] = std::array::from_fn(|i| {
            Complex::new((i * 5 % 13) as f64 - 6.0, (i * 3 % 11) as f64 - 5.0)
        });
        for k in 1..=9 {
            let mut p = [Complex::new(f64::NAN, f64::NAN); 16];
            let ran = power4_c64(&m, k, &mut p);
            assert_eq!(
                ran,
                v4().is_some(),
                "the kernel runs exactly where AVX-512 is"
            );
            if ran {
                assert_eq!(p, naive(&m, k), "k = {k}");
            }
        }
    }
}
