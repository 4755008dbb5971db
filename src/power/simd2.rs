//! Whole powers of 2×2 complex matrices in vector registers (x86-64 with
//! AVX2+FMA, through `pulp`'s safe dispatch).
//!
//! The real and imaginary parts are two planes, each a row-major 2×2 real
//! matrix in one vector (`Complex<f64>`: 256 bits; `Complex<f32>`: 128).
//! With `X_e = [x00, x00, x10, x10]`, `X_o = [x01, x01, x11, x11]` (in-lane
//! duplicates) and `Y_t = [y00, y01, y00, y01]`, `Y_b = [y10, y11, y10, y11]`
//! (row broadcasts), the real product is `X_e∘Y_t + X_o∘Y_b`; a complex
//! product is four of them, eight multiply-adds and eight shuffles in all,
//! where the scalar stack schedule took 32 scalar multiplies and as many
//! adds.
//!
//! Rounding: each part of an entry is two chains of two real terms (a
//! multiply, then a fused multiply-add) joined by an add, at most three
//! roundings per term, within the bound of a scalar complex dot product.

use std::arch::x86_64::{__m128, __m256d};

use num_complex::Complex;
use pulp::bytemuck::Pod;
use pulp::x86::V3;

use super::lanes::Lanes;
use super::simd4::{power_complex, DiagLayout, InRegisters};

/// A row-major 2×2 real matrix in the four lanes of one vector.
pub(super) trait Lanes2: Lanes + Pod {
    /// `[v0, v0, v2, v2]`: column 0 of each row, across that row.
    fn cols_even(s: V3, v: Self) -> Self;
    /// `[v1, v1, v3, v3]`.
    fn cols_odd(s: V3, v: Self) -> Self;
    /// `[v0, v1, v0, v1]`: row 0 in both rows.
    fn row_top(s: V3, v: Self) -> Self;
    /// `[v2, v3, v2, v3]`.
    fn row_bottom(s: V3, v: Self) -> Self;
}

impl Lanes2 for __m256d {
    #[inline(always)]
    fn cols_even(s: V3, v: Self) -> Self {
        s.avx._mm256_permute_pd::<0b0000>(v)
    }
    #[inline(always)]
    fn cols_odd(s: V3, v: Self) -> Self {
        s.avx._mm256_permute_pd::<0b1111>(v)
    }
    #[inline(always)]
    fn row_top(s: V3, v: Self) -> Self {
        s.avx._mm256_permute2f128_pd::<0x00>(v, v)
    }
    #[inline(always)]
    fn row_bottom(s: V3, v: Self) -> Self {
        s.avx._mm256_permute2f128_pd::<0x11>(v, v)
    }
}

/// Every shuffle in-lane (one cycle).
impl Lanes2 for __m128 {
    #[inline(always)]
    fn cols_even(s: V3, v: Self) -> Self {
        s.avx._mm_permute_ps::<0b10_10_00_00>(v)
    }
    #[inline(always)]
    fn cols_odd(s: V3, v: Self) -> Self {
        s.avx._mm_permute_ps::<0b11_11_01_01>(v)
    }
    #[inline(always)]
    fn row_top(s: V3, v: Self) -> Self {
        s.avx._mm_permute_ps::<0b01_00_01_00>(v)
    }
    #[inline(always)]
    fn row_bottom(s: V3, v: Self) -> Self {
        s.avx._mm_permute_ps::<0b11_10_11_10>(v)
    }
}

/// One plane of a 2×2 matrix.
#[derive(Clone, Copy)]
pub(super) struct Plane2<L>(L);

impl<T: Pod, L: Lanes2> DiagLayout<[T; 4]> for Plane2<L> {
    #[inline(always)]
    fn load(_: V3, m: &[T; 4]) -> Self {
        Plane2(pulp::cast(*m))
    }
    #[inline(always)]
    fn store(self, _: V3, out: &mut [T; 4]) {
        *out = pulp::cast(self.0);
    }
}

/// The real and imaginary planes; a factor's rotations are its row
/// broadcasts `[[re_t, re_b], [im_t, im_b]]`.
impl<L: Lanes2> InRegisters for [Plane2<L>; 2] {
    type Rotated = [[L; 2]; 2];
    #[inline(always)]
    fn rotated(&self, s: V3) -> [[L; 2]; 2] {
        let [re, im] = [self[0].0, self[1].0];
        [
            [L::row_top(s, re), L::row_bottom(s, re)],
            [L::row_top(s, im), L::row_bottom(s, im)],
        ]
    }
    #[inline(always)]
    fn times(&self, s: V3, y: &[[L; 2]; 2]) -> Self {
        let [re, im] = [self[0].0, self[1].0];
        let (re_e, re_o) = (L::cols_even(s, re), L::cols_odd(s, re));
        let (im_e, im_o) = (L::cols_even(s, im), L::cols_odd(s, im));
        let [[yre_t, yre_b], [yim_t, yim_b]] = *y;
        // re: Re·Re − Im·Im, im: Re·Im + Im·Re, each as two chains of two.
        let re_plus = L::fmadd(s, re_o, yre_b, L::mul(s, re_e, yre_t));
        let re_minus = L::fnmadd(s, im_o, yim_b, L::fnmadd(s, im_e, yim_t, L::zero(s)));
        let im_a = L::fmadd(s, re_o, yim_b, L::mul(s, re_e, yim_t));
        let im_b = L::fmadd(s, im_o, yre_b, L::mul(s, im_e, yre_t));
        [
            Plane2(L::add(s, re_plus, re_minus)),
            Plane2(L::add(s, im_a, im_b)),
        ]
    }
}

/// `out ← A^k` (`k ≥ 1`) for a row-major 2×2 `Complex<f64>` matrix.
#[inline]
pub(crate) fn power2_c64(m: &[Complex<f64>; 4], k: u64, out: &mut [Complex<f64>; 4]) -> bool {
    power_complex::<f64, Plane2<__m256d>, 4>(m, k, out)
}

/// `out ← A^k` (`k ≥ 1`) for a row-major 2×2 `Complex<f32>` matrix.
#[inline]
pub(crate) fn power2_c32(m: &[Complex<f32>; 4], k: u64, out: &mut [Complex<f32>; 4]) -> bool {
    power_complex::<f32, Plane2<__m128>, 4>(m, k, out)
}

#[cfg(test)]
mod tests {
    use super::super::simd4::tests::ran;
    use super::*;

    #[test]
    fn gaussian_integer_powers_exact() {
        // Small Gaussian integers: every entry of A^k is below
        // 4.5^(k−1)·2.3 < 2^24 up to k = 8, exact in f32 as in f64, so any
        // misplaced lane or sign shows as a mismatch.
        let m =
            [(1.0, -1.0), (2.0, 0.0), (-1.0, 1.0), (0.0, 2.0)].map(|(re, im)| Complex::new(re, im));
        for k in 1..=8u64 {
            let mut want = m;
            for _ in 1..k {
                let p = want;
                want = std::array::from_fn(|idx| {
                    let (i, j) = (idx / 2, idx % 2);
                    p[2 * i] * m[j] + p[2 * i + 1] * m[2 + j]
                });
            }
            let mut got = [Complex::new(0.0, 0.0); 4];
            if ran(power2_c64(&m, k, &mut got)) {
                assert_eq!(got, want, "c64, k = {k}");
            }
            let m32 = m.map(|z| Complex::new(z.re as f32, z.im as f32));
            let mut got32 = [Complex::new(0.0f32, 0.0); 4];
            if ran(power2_c32(&m32, k, &mut got32)) {
                assert_eq!(
                    got32,
                    want.map(|z| Complex::new(z.re as f32, z.im as f32)),
                    "c32, k = {k}"
                );
            }
        }
    }
}
