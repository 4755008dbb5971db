//! Whole powers of 3×3 matrices in vector registers (x86-64 with
//! AVX2+FMA, detected at run time through `pulp`'s safe dispatch), in the
//! diagonal layout of [`super::simd4`] taken modulo 3.
//!
//! A matrix `M` is held as three vectors `D_d[i] = M[i][(i+d) mod 3]`
//! (lanes 0–2; lane 3 is zero and stays zero). With
//! `rot_s(v)[i] = v[(i+s) mod 3]`,
//!
//! ```text
//! (X·Y)_d = Σ_s X_s ∘ rot_s(Y_(d−s) mod 3)
//! ```
//!
//! so a product is nine lane-wise multiply-adds plus two rotations of each
//! diagonal of `Y`. In 128-bit registers (`f32`, `i32`) a rotation is one
//! in-lane shuffle; complex matrices run as real and imaginary planes.

use std::arch::x86_64::{__m128, __m128i, __m256d};

use num_complex::Complex;
use pulp::bytemuck::Pod;
use pulp::x86::V3;

use super::int::CheckedElem;
use super::simd4::{
    cmadd, dispatch, f64_to_int, int_to_f64, power_complex, power_in_range, power_in_registers,
    power_real, DiagLayout, FloatLanes, InRegisters, Pair,
};

/// A vector whose first three lanes hold one diagonal of a 3×3 matrix.
pub(super) trait Lanes3: Copy {
    /// `[v, rot_1(v), rot_2(v)]`, lane 3 kept in place.
    fn rotations3(s: V3, v: Self) -> [Self; 3];
}

/// `rot_1`: lanes `[1, 2, 0, 3]`; `rot_2`: `[2, 0, 1, 3]`.
const ROT1: i32 = 0b11_00_10_01;
const ROT2: i32 = 0b11_01_00_10;

impl Lanes3 for __m128 {
    #[inline(always)]
    fn rotations3(s: V3, v: Self) -> [Self; 3] {
        [
            v,
            s.avx._mm_permute_ps::<ROT1>(v),
            s.avx._mm_permute_ps::<ROT2>(v),
        ]
    }
}

/// Four `f64` lanes: each rotation is one lane-crossing `vpermpd`.
impl Lanes3 for __m256d {
    #[inline(always)]
    fn rotations3(s: V3, v: Self) -> [Self; 3] {
        [
            v,
            s.avx2._mm256_permute4x64_pd::<ROT1>(v),
            s.avx2._mm256_permute4x64_pd::<ROT2>(v),
        ]
    }
}

impl Lanes3 for __m128i {
    #[inline(always)]
    fn rotations3(s: V3, v: Self) -> [Self; 3] {
        [
            v,
            s.sse2._mm_shuffle_epi32::<ROT1>(v),
            s.sse2._mm_shuffle_epi32::<ROT2>(v),
        ]
    }
}

/// `rots[t][s] = rot_s(D_t)`.
type Rotations3<L> = [[L; 3]; 3];

#[inline(always)]
fn all_rotations3<L: Lanes3>(s: V3, y: &[L; 3]) -> Rotations3<L> {
    [
        L::rotations3(s, y[0]),
        L::rotations3(s, y[1]),
        L::rotations3(s, y[2]),
    ]
}

/// Float lanes that also rotate modulo 3.
pub(super) trait FloatLanes3: FloatLanes + Lanes3 {}
impl<L: FloatLanes + Lanes3> FloatLanes3 for L {}

/// `X·Y`: per diagonal, `x0·y + x1·y` and `x2·y` in two chains joined by
/// one add (at most three roundings per term, as in the 4×4 kernel).
#[inline(always)]
fn mul3<L: FloatLanes3>(s: V3, x: &[L; 3], y: &Rotations3<L>) -> [L; 3] {
    let mut out = *x;
    for (d, o) in out.iter_mut().enumerate() {
        let t0 = L::mul(s, x[0], y[d][0]);
        let t1 = L::mul(s, x[2], y[(d + 1) % 3][2]);
        let t0 = L::fmadd(s, x[1], y[(d + 2) % 3][1], t0);
        *o = L::add(s, t0, t1);
    }
    out
}

impl<L: FloatLanes3> InRegisters for [L; 3] {
    type Rotated = Rotations3<L>;
    #[inline(always)]
    fn rotated(&self, s: V3) -> Rotations3<L> {
        all_rotations3(s, self)
    }
    #[inline(always)]
    fn times(&self, s: V3, y: &Rotations3<L>) -> Self {
        mul3(s, self, y)
    }
}

/// Complex `X·Y` on real and imaginary planes: per diagonal and part, the
/// terms `s = 0, 1` in one chain of four fused operations and `s = 2` in
/// another of two, joined by one add (at most five roundings per term,
/// within the `γ_(n+4)` the scalar complex product is held to).
#[inline(always)]
fn cmul3<L: FloatLanes3>(s: V3, x: &[[L; 3]; 2], y: &[Rotations3<L>; 2]) -> [[L; 3]; 2] {
    let [xr, xi] = x;
    let [yr, yi] = y;
    let zero = [L::zero(s); 2];
    let [mut re, mut im] = *x;
    for (d, (re_d, im_d)) in re.iter_mut().zip(&mut im).enumerate() {
        let term = |sh: usize| {
            let t = (d + 3 - sh) % 3;
            ([xr[sh], xi[sh]], [yr[t][sh], yi[t][sh]])
        };
        let (x0, y0) = term(0);
        let (x1, y1) = term(1);
        let (x2, y2) = term(2);
        let half0 = cmadd(s, x1, y1, cmadd(s, x0, y0, zero));
        let half1 = cmadd(s, x2, y2, zero);
        *re_d = L::add(s, half0[0], half1[0]);
        *im_d = L::add(s, half0[1], half1[1]);
    }
    [re, im]
}

impl<L: FloatLanes3> InRegisters for [[L; 3]; 2] {
    type Rotated = [Rotations3<L>; 2];
    #[inline(always)]
    fn rotated(&self, s: V3) -> [Rotations3<L>; 2] {
        [all_rotations3(s, &self[0]), all_rotations3(s, &self[1])]
    }
    #[inline(always)]
    fn times(&self, s: V3, y: &[Rotations3<L>; 2]) -> Self {
        cmul3(s, self, y)
    }
}

/// `i32` lanes: multiply → add → add, exact while every value fits.
impl InRegisters for [__m128i; 3] {
    type Rotated = Rotations3<__m128i>;
    #[inline(always)]
    fn rotated(&self, s: V3) -> Rotations3<__m128i> {
        all_rotations3(s, self)
    }
    #[inline(always)]
    fn times(&self, s: V3, y: &Rotations3<__m128i>) -> Self {
        let x = self;
        let mut out = *x;
        for (d, o) in out.iter_mut().enumerate() {
            let t0 = s.sse4_1._mm_mullo_epi32(x[0], y[d][0]);
            let t1 = s.sse4_1._mm_mullo_epi32(x[1], y[(d + 2) % 3][1]);
            let t2 = s.sse4_1._mm_mullo_epi32(x[2], y[(d + 1) % 3][2]);
            *o = s.sse2._mm_add_epi32(s.sse2._mm_add_epi32(t0, t1), t2);
        }
        out
    }
}

/// The diagonals of a row-major 3×3 matrix, lane 3 zero.
#[inline(always)]
fn to_diags<T: Pod, L: Pod>(m: &[T; 9]) -> [L; 3] {
    std::array::from_fn(|d| {
        let lanes: [T; 4] = [m[d], m[3 + (1 + d) % 3], m[6 + (2 + d) % 3], T::zeroed()];
        pulp::cast(lanes)
    })
}

/// The row-major matrix of three diagonals: `M[i][j] = D_((j−i) mod 3)[i]`.
#[inline(always)]
fn from_diags<T: Pod, L: Pod>(diags: [L; 3], out: &mut [T; 9]) {
    let lanes: [[T; 4]; 3] = diags.map(pulp::cast);
    for (idx, o) in out.iter_mut().enumerate() {
        let (i, j) = (idx / 3, idx % 3);
        *o = lanes[(j + 3 - i) % 3][i];
    }
}

/// The 3×3 layout for the shared real and complex kernels of `simd4`.
impl<T: Pod, L: Pod> DiagLayout<[T; 9]> for [L; 3] {
    #[inline(always)]
    fn load(_: V3, m: &[T; 9]) -> Self {
        to_diags(m)
    }
    #[inline(always)]
    fn store(self, _: V3, out: &mut [T; 9]) {
        from_diags(self, out);
    }
}

/// `out ← A^k` (`k ≥ 1`) for a 3×3 `f32` matrix in row-major order.
#[inline]
pub(crate) fn power3_f32(m: &[f32; 9], k: u64, out: &mut [f32; 9]) -> bool {
    power_real::<_, [__m128; 3]>(m, k, out)
}

/// `out ← A^k` (`k ≥ 1`) for a 3×3 `f64` matrix in row-major order.
#[inline]
pub(crate) fn power3_f64(m: &[f64; 9], k: u64, out: &mut [f64; 9]) -> bool {
    power_real::<_, [__m256d; 3]>(m, k, out)
}

/// `out[i] ← m[i]^k` for two 3×3 `f64` matrices, side by side ([`Pair`]).
#[inline]
pub(crate) fn power3_f64_pair(m: &[[f64; 9]; 2], k: u64, out: &mut [[f64; 9]; 2]) -> bool {
    power_real::<_, Pair<[__m256d; 3]>>(m, k, out)
}

/// `out[i] ← m[i]^k` for two 3×3 `f32` matrices, side by side ([`Pair`]).
#[inline]
pub(crate) fn power3_f32_pair(m: &[[f32; 9]; 2], k: u64, out: &mut [[f32; 9]; 2]) -> bool {
    power_real::<_, Pair<[__m128; 3]>>(m, k, out)
}

/// `out ← A^k` (`k ≥ 1`) for a 3×3 `Complex<f32>` matrix in row-major order
/// (on CPUs without AVX-512; see [`super::complex512`]).
#[inline]
pub(crate) fn power3_c32(m: &[Complex<f32>; 9], k: u64, out: &mut [Complex<f32>; 9]) -> bool {
    power_complex::<f32, [__m128; 3], 9>(m, k, out)
}

/// `out ← A^k` (`k ≥ 1`) for a 3×3 `Complex<f64>` matrix in row-major order.
#[inline]
pub(crate) fn power3_c64(m: &[Complex<f64>; 9], k: u64, out: &mut [Complex<f64>; 9]) -> bool {
    power_complex::<f64, [__m256d; 3], 9>(m, k, out)
}

/// `out ← A^k` (`k ≥ 1`) for a row-major 3×3 integer matrix, in `i32`
/// lanes (`i32_lanes`) or in `f64` lanes; `false` (nothing written) for an
/// entry outside `i64` or without AVX2+FMA.
///
/// `i32` lanes use wrapping `i32` arithmetic: exact when the caller has
/// proved that every entry and partial sum of the schedule fits `i32` (and
/// the result fits `T`), and always correct modulo `2^32`, which is all a
/// `Wrapping` type of at most 32 bits asks ([`super::int::power3_wrapping`]).
/// `f64` lanes are exact when the caller has proved every entry and partial
/// sum below 2^51 in magnitude (integers `f64` holds exactly, so every
/// fused multiply-add is exact). The conversions run inside the dispatch:
/// a converted copy on the stack made the vector loads wait on its scalar
/// stores.
pub(crate) fn power3_int<T: CheckedElem>(
    m: &[T; 9],
    k: u64,
    out: &mut [T; 9],
    i32_lanes: bool,
) -> bool {
    // The lane type is a const parameter: one kernel per choice, with no
    // branch inside the dispatch (with a run-time branch there, `i64` 3×3
    // `_into` measured 15.9 → 16.5 ns).
    struct Op<'a, T, const I32_LANES: bool>(V3, &'a [T; 9], u64, &'a mut [T; 9]);
    impl<T: CheckedElem, const I32_LANES: bool> pulp::WithSimd for Op<'_, T, I32_LANES> {
        type Output = bool;
        #[inline(always)]
        fn with_simd<S: pulp::Simd>(self, _: S) -> bool {
            let Op(s, m, k, out) = self;
            let Some(lanes) = int_diags(m, |v| v) else {
                return false;
            };
            let wide = if I32_LANES {
                power3_i32_lanes(s, lanes, k)
            } else {
                power3_f64_lanes(s, lanes, k)
            };
            for (o, v) in out.iter_mut().zip(wide) {
                *o = T::from_i64_lossy(v);
            }
            true
        }
    }
    if i32_lanes {
        dispatch(|s| Op::<T, true>(s, m, k, out)).unwrap_or(false)
    } else {
        dispatch(|s| Op::<T, false>(s, m, k, out)).unwrap_or(false)
    }
}

/// [`power3_int`] in `i32` lanes, from the diagonals read as `i64`.
#[inline(always)]
fn power3_i32_lanes(s: V3, lanes: [[i64; 4]; 3], k: u64) -> [i64; 9] {
    let narrow = |d: [i64; 4]| pulp::cast(d.map(|v| v as i32));
    let a: [__m128i; 3] = [narrow(lanes[0]), narrow(lanes[1]), narrow(lanes[2])];
    let mut p = [0i32; 9];
    from_diags(power_in_registers(s, &a, k), &mut p);
    p.map(i64::from)
}

/// [`power3_int`] in `f64` lanes, from the diagonals read as `i64`
/// (conversions written out, not `map` with a closure: a closure would not
/// inherit the AVX2 target features).
#[inline(always)]
fn power3_f64_lanes(s: V3, lanes: [[i64; 4]; 3], k: u64) -> [i64; 9] {
    let a = [
        int_to_f64(s, pulp::cast(lanes[0])),
        int_to_f64(s, pulp::cast(lanes[1])),
        int_to_f64(s, pulp::cast(lanes[2])),
    ];
    let p = power_in_registers(s, &a, k);
    let ints = [
        f64_to_int(s, p[0]),
        f64_to_int(s, p[1]),
        f64_to_int(s, p[2]),
    ];
    let mut wide = [0i64; 9];
    from_diags(ints, &mut wide);
    wide
}

/// `out ← A^k` (`k ≥ 1`) for a 3×3 matrix of an 8- or 16-bit type whose
/// whole-power bound failed, as [`super::simd4::power4_narrow_checked`] for
/// 4×4: the `f64` kernel with every product checked against `T`'s range as
/// it is formed (each product's inputs then fit `T`, so its partial sums
/// are integers of magnitude at most `3·2^32`, exact in `f64`). `false` when
/// a product left the range (the caller's stack schedule then reports the
/// overflow) or without AVX2+FMA.
pub(crate) fn power3_narrow_checked<T: CheckedElem>(m: &[T; 9], k: u64, out: &mut [T; 9]) -> bool {
    struct Op<'a, T>(V3, &'a [T; 9], u64, &'a mut [T; 9]);
    impl<T: CheckedElem> pulp::WithSimd for Op<'_, T> {
        type Output = bool;
        #[inline(always)]
        fn with_simd<S: pulp::Simd>(self, _: S) -> bool {
            let Op(s, m, k, out) = self;
            let Some(lanes) = int_diags(m, |v| v as f64) else {
                return false;
            };
            let a: [__m256d; 3] = lanes.map(pulp::cast);
            let range = (
                s.avx._mm256_set1_pd(T::MIN_F64),
                s.avx._mm256_set1_pd(T::MAX_F64),
            );
            // Lane 3 stays zero, inside every range.
            let Some(cur) = power_in_range(s, &a, k, range) else {
                return false;
            };
            let mut p = [0.0f64; 9];
            from_diags(cur, &mut p);
            for (o, v) in out.iter_mut().zip(p) {
                *o = T::from_i64_lossy(v as i64);
            }
            true
        }
    }
    dispatch(|s| Op(s, m, k, out)).unwrap_or(false)
}

/// The diagonals of a row-major 3×3 integer matrix as lanes of `V` (lane 3
/// zero), each entry read as `i64` and converted by `lane`; `None` for an
/// entry outside `i64`. Plain arrays: the caller casts them to vectors.
#[inline(always)]
fn int_diags<T: CheckedElem, V: Copy + Default>(
    m: &[T; 9],
    lane: fn(i64) -> V,
) -> Option<[[V; 4]; 3]> {
    let mut diags = [[V::default(); 4]; 3];
    for (d, diag) in diags.iter_mut().enumerate() {
        for (i, v) in diag[..3].iter_mut().enumerate() {
            *v = lane(m[3 * i + (i + d) % 3].to_i64_bits()?);
        }
    }
    Some(diags)
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::int::coarse_bound_bits;
    use super::super::simd4::tests::{near_i32_limit, ran};
    use super::*;

    pub(in crate::power) fn naive<T>(m: &[T; 9], k: u64) -> [T; 9]
    where
        T: Copy + Default + std::ops::Mul<Output = T> + std::iter::Sum,
    {
        let mut p = *m;
        for _ in 1..k {
            p = std::array::from_fn(|idx| {
                let (i, j) = (idx / 3, idx % 3);
                (0..3).map(|l| p[i * 3 + l] * m[l * 3 + j]).sum()
            });
        }
        p
    }

    #[test]
    fn products_exact_on_small_integers() {
        // Distinct small integers (|x| ≤ 4): the power bound 3^(k−1)·4^k
        // stays below 2^24 up to k = 7, so f32 is exact there and any
        // misplaced lane, rotation or sign shows as a mismatch.
        let m: [i32; 9] = std::array::from_fn(|i| i as i32 - 4);
        for k in 1..=7 {
            let want = naive(&m, k);
            let mut p = [0; 9];
            if ran(power3_int(&m, k, &mut p, true)) {
                assert_eq!(p, want, "i32, k = {k}");
            }
            for i32_lanes in [true, false] {
                let mut p64 = [0i64; 9];
                if ran(power3_int(&m.map(i64::from), k, &mut p64, i32_lanes)) {
                    assert_eq!(p64, want.map(i64::from), "i64, k = {k}, {i32_lanes}");
                }
            }
            let mut pf = [0.0f32; 9];
            if ran(power3_f32(&m.map(|v| v as f32), k, &mut pf)) {
                assert_eq!(pf, want.map(|v| v as f32), "f32, k = {k}");
            }
        }
        // Both integer kernels on matrices whose power bound lies just
        // within 2^30 or just past it (only f64 lanes are exact there).
        for (m, k) in near_i32_limit::<9>(3) {
            let want = naive(&m.map(i128::from), k);
            let mut p = [0i64; 9];
            if ran(power3_int(&m, k, &mut p, false)) {
                assert_eq!(p.map(i128::from), want, "f64 lanes, k = {k}");
            }
            let within = coarse_bound_bits(&m, 3, k) <= super::super::simd4::I32_BITS;
            if within && ran(power3_int(&m, k, &mut p, true)) {
                assert_eq!(p.map(i128::from), want, "i32 lanes, k = {k}");
            }
        }
        // Gaussian integers, |z| ≤ 4.5: exact in f32 up to k = 6.
        let z: [Complex<f32>; 9] =
            std::array::from_fn(|i| Complex::new(i as f32 - 4.0, (i % 4) as f32 - 2.0));
        for k in 1..=6 {
            let mut p = [Complex::new(0.0, 0.0); 9];
            if ran(power3_c32(&z, k, &mut p)) {
                assert_eq!(p, naive(&z, k), "c32, k = {k}");
            }
        }
    }
}
