//! Whole powers of complex matrices in AVX-512 registers (x86-64 with
//! AVX-512, through `pulp`'s safe dispatch; see [`super::gemm::v4`]):
//! 4×4 `Complex<f64>` one row per 512-bit vector, and 3×3 and 4×4
//! `Complex<f32>` as a real and an imaginary plane, each a whole matrix in
//! one vector ([`Planes32`]).
//!
//! **`Complex<f64>`.** A row holds its entries as they lie in memory,
//! `[re, im, re, im, …]`. Row `i` of `X·Y` is `Σ_l x_il·Y_l`, and a
//! complex scalar times an interleaved row is `re(x)·Y ⊕ im(x)·swap(Y)`,
//! where `swap` exchanges the parts of every entry and `⊕` subtracts in
//! the real lanes and adds in the imaginary ones. So a row of the product
//! is two chains of fused multiply-adds, one over the real parts of `x_il`
//! against the rows of `Y`, one over the imaginary parts against their
//! swaps, joined by one `vfmaddsub` (by one). A 4×4 product is 32 vector
//! multiply-adds and four joins; the swaps are four in-lane shuffles per
//! factor. The entries of `X` reach the multiply-adds as broadcasts from
//! memory, which run on the load ports and leave the shuffle port to the
//! swaps: each row of a product is stored as soon as it is formed, and
//! the next product reads its entries from there (as the AVX2 kernel in
//! [`super::complex4`] does).
//!
//! The AVX2 kernel needs 64 multiply-adds on 256-bit vectors per 4×4
//! product: twice the instructions for the same arithmetic. The gain is
//! smaller than that (a k = 10 power took 43–47 against 46–51 ns on an
//! Intel Xeon with two 512-bit FMA units): the products of a power depend
//! on each other, and on that core a store, a broadcast load of one of
//! its entries and a multiply-add on it took about 14 cycles in a
//! dependent loop. Broadcasting from registers instead (`vpermpd`, for
//! all entries or for the first terms of each chain) was slower still,
//! the shuffle port being the second multiply-add port there; so were a
//! shallower sum tree and, on 3×3 matrices (rows padded with a zero
//! entry), the kernel itself against [`super::simd3`]'s planes (47
//! against 37 ns). So 3×3 `Complex<f64>` powers stay on those.
//!
//! **`Complex<f32>`** runs in planes ([`Planes32`]): all of `X` and `Y`
//! stay in registers, and a product is 16 multiply-adds and 16 shuffles
//! (see there).
//!
//! Rounding, both types: each part of an entry is at most two chains of
//! four real terms (a multiply, then fused multiply-adds) joined with one
//! rounding, at most five roundings per term: within the `γ_(n+4)` bound
//! of a scalar complex dot product, as in the AVX2 kernels.

use std::arch::x86_64::{__m512, __m512d};

use num_complex::Complex;
use pulp::x86::V4;

use super::gemm::v4;
use super::schedule::tally;
use super::simd4::{power_in_registers, InRegisters};

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

/// `out ← m^k` (`k ≥ 1`) for an `N`×`N` matrix of `LEN = N·N` entries,
/// in the layout of `T`'s kernel (rows for `f64`, planes for `f32`).
struct WholePower<'a, T, const N: usize, const LEN: usize> {
    s: V4,
    m: &'a [Complex<T>; LEN],
    k: u64,
    out: &'a mut [Complex<T>; LEN],
}

impl<const N: usize, const LEN: usize> pulp::WithSimd for WholePower<'_, f64, N, LEN> {
    type Output = ();
    /// The left-to-right schedule of [`super::schedule`] (never a product
    /// by the identity or an unused square); the multiply by `A` reuses
    /// the swaps of `A`, formed once.
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        let WholePower { s, m, k, out } = self;
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

/// `out ← A^k` (`k ≥ 1`) for a row-major `N`×`N` complex matrix in the
/// kernel of its element type; `false` (and `out` untouched) without
/// AVX-512.
#[inline(always)]
fn power<T, const N: usize, const LEN: usize>(
    m: &[Complex<T>; LEN],
    k: u64,
    out: &mut [Complex<T>; LEN],
) -> bool
where
    for<'a> WholePower<'a, T, N, LEN>: pulp::WithSimd<Output = ()>,
{
    const { assert!(N * N == LEN && (N == 3 || N == 4)) };
    let Some(s) = v4() else {
        return false;
    };
    pulp::Simd::vectorize(s, WholePower::<T, N, LEN> { s, m, k, out });
    true
}

/// `out ← A^k` (`k ≥ 1`) for a 4×4 `Complex<f64>` matrix in row-major
/// order; `false` (and `out` untouched) without AVX-512.
#[inline(never)]
pub(crate) fn power4_c64(m: &[Complex<f64>; 16], k: u64, out: &mut [Complex<f64>; 16]) -> bool {
    power::<f64, 4, 16>(m, k, out)
}

/// A `Complex<f32>` matrix of up to 4×4 as two planes, the real parts and
/// the imaginary parts, each a whole row-major 4×4 matrix in one 512-bit
/// vector: row `i` fills the 128-bit lane `i` (a 3×3 matrix leaves the
/// last lane and each row's last entry zero).
///
/// Row `i` of `X·Y` is `Σ_l x_il·Y_l`. In this layout the term `l` for all
/// rows at once is `col_l(X) ∘ row_l(Y)`, where `col_l` spreads entry `l`
/// of each row across its lane (an in-lane shuffle, one cycle) and `row_l`
/// copies row `l` into every lane (a lane shuffle, three cycles). A 4×4
/// complex product is then 16 vector multiply-adds, eight in-lane
/// shuffles of `X` and eight lane shuffles of `Y` (none for the multiply
/// by `A`, whose are formed once), all in registers: the shuffles run on
/// one port and the multiply-adds on the other two. The AVX2 row-pair
/// kernel ([`super::complex4`]) needs 32 multiply-adds and 24 shuffles.
type Planes32 = [__m512; 2];

/// [`Planes32`] of an `N`×`N` matrix: `N` is how many rows a product
/// spreads and sums over.
#[derive(Clone, Copy)]
struct Planes32Of<const N: usize>(Planes32);

/// `row_l(Y)` of both planes, for every `l < N`.
type RowsEverywhere<const N: usize> = [Planes32; N];

/// Entry `l` of every row, spread across the row's lane.
#[inline(always)]
fn col_spread(s: V4, plane: __m512, l: usize) -> __m512 {
    let f = s.avx512f;
    match l {
        0 => f._mm512_permute_ps::<0b00_00_00_00>(plane),
        1 => f._mm512_permute_ps::<0b01_01_01_01>(plane),
        2 => f._mm512_permute_ps::<0b10_10_10_10>(plane),
        _ => f._mm512_permute_ps::<0b11_11_11_11>(plane),
    }
}

/// Row `l` (lane `l`) copied into every lane.
#[inline(always)]
fn row_spread(s: V4, plane: __m512, l: usize) -> __m512 {
    let f = s.avx512f;
    match l {
        0 => f._mm512_shuffle_f32x4::<0b00_00_00_00>(plane, plane),
        1 => f._mm512_shuffle_f32x4::<0b01_01_01_01>(plane, plane),
        2 => f._mm512_shuffle_f32x4::<0b10_10_10_10>(plane, plane),
        _ => f._mm512_shuffle_f32x4::<0b11_11_11_11>(plane, plane),
    }
}

#[inline(always)]
fn rows_everywhere<const N: usize>(s: V4, y: &Planes32) -> RowsEverywhere<N> {
    let mut out = [*y; N];
    for (l, o) in out.iter_mut().enumerate() {
        *o = [row_spread(s, y[0], l), row_spread(s, y[1], l)];
    }
    out
}

/// `Σ_l x_l·y_l` over `l` in `from..to`, complex and lane-wise: the real
/// part one chain (a multiply, then fused multiply-adds, `−im·im` by
/// `vfnmadd`), the imaginary part another.
#[inline(always)]
fn chain32<const N: usize>(
    s: V4,
    x: &Planes32,
    y: &RowsEverywhere<N>,
    from: usize,
    to: usize,
) -> Planes32 {
    let f = s.avx512f;
    let (xr, xi) = (col_spread(s, x[0], from), col_spread(s, x[1], from));
    let [yr, yi] = y[from];
    let mut re = f._mm512_fnmadd_ps(xi, yi, f._mm512_mul_ps(xr, yr));
    let mut im = f._mm512_fmadd_ps(xi, yr, f._mm512_mul_ps(xr, yi));
    for (l, &[yr, yi]) in y.iter().enumerate().take(to).skip(from + 1) {
        let (xr, xi) = (col_spread(s, x[0], l), col_spread(s, x[1], l));
        re = f._mm512_fnmadd_ps(xi, yi, f._mm512_fmadd_ps(xr, yr, re));
        im = f._mm512_fmadd_ps(xi, yr, f._mm512_fmadd_ps(xr, yi, im));
    }
    [re, im]
}

/// `X·Y` in planes: two chains per part (terms `0, 1` and `2 … N−1`)
/// joined by an add, as in the AVX2 kernels.
#[inline(always)]
fn mul_planes32<const N: usize>(s: V4, x: &Planes32, y: &RowsEverywhere<N>) -> Planes32 {
    let f = s.avx512f;
    let lo = chain32(s, x, y, 0, 2);
    let hi = chain32(s, x, y, 2, N);
    [f._mm512_add_ps(lo[0], hi[0]), f._mm512_add_ps(lo[1], hi[1])]
}

/// The planes as a register kernel of [`power_in_registers`]: the spread
/// rows of `A` are formed once for every multiply by `A`.
impl<const N: usize> InRegisters<V4> for Planes32Of<N> {
    type Rotated = RowsEverywhere<N>;
    #[inline(always)]
    fn rotated(&self, s: V4) -> RowsEverywhere<N> {
        rows_everywhere(s, &self.0)
    }
    #[inline(always)]
    fn times(&self, s: V4, y: &RowsEverywhere<N>) -> Self {
        Planes32Of(mul_planes32(s, &self.0, y))
    }
}

/// Lane indices that gather the real parts (`EVEN`) or the imaginary
/// parts (`ODD`) of two interleaved vectors, and that interleave two
/// planes back (`LOW`: rows 0 and 1, `HIGH`: rows 2 and 3).
const EVEN: [i32; 16] = [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30];
const ODD: [i32; 16] = [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31];
const LOW: [i32; 16] = [0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23];
const HIGH: [i32; 16] = [8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31];

impl<const N: usize, const LEN: usize> pulp::WithSimd for WholePower<'_, f32, N, LEN> {
    type Output = ();
    /// The schedule of [`power_in_registers`], on planes.
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        let WholePower { s, m, k, out } = self;
        let f = s.avx512f;
        let mut padded = [Complex::new(0.0f32, 0.0); 16];
        for (row, src) in padded.chunks_exact_mut(4).zip(m.chunks_exact(N)) {
            row[..N].copy_from_slice(src);
        }
        let [v0, v1]: [__m512; 2] = pulp::cast(padded);
        let a = [
            f._mm512_permutex2var_ps(v0, pulp::cast(EVEN), v1),
            f._mm512_permutex2var_ps(v0, pulp::cast(ODD), v1),
        ];
        let Planes32Of(cur) = power_in_registers(s, &Planes32Of::<N>(a), k);
        let rows = [
            f._mm512_permutex2var_ps(cur[0], pulp::cast(LOW), cur[1]),
            f._mm512_permutex2var_ps(cur[0], pulp::cast(HIGH), cur[1]),
        ];
        let padded: [Complex<f32>; 16] = pulp::cast(rows);
        for (dst, row) in out.chunks_exact_mut(N).zip(padded.chunks_exact(4)) {
            dst.copy_from_slice(&row[..N]);
        }
    }
}

/// `out ← A^k` (`k ≥ 1`) for a 4×4 `Complex<f32>` matrix in row-major
/// order; `false` (and `out` untouched) without AVX-512.
#[inline(never)]
pub(crate) fn power4_c32(m: &[Complex<f32>; 16], k: u64, out: &mut [Complex<f32>; 16]) -> bool {
    power::<f32, 4, 16>(m, k, out)
}

/// `out ← A^k` (`k ≥ 1`) for a 3×3 `Complex<f32>` matrix in row-major
/// order; `false` (and `out` untouched) without AVX-512.
#[inline(never)]
pub(crate) fn power3_c32(m: &[Complex<f32>; 9], k: u64, out: &mut [Complex<f32>; 9]) -> bool {
    power::<f32, 3, 9>(m, k, out)
}

#[cfg(test)]
mod tests {
    use super::super::simd3::tests::naive as naive3;
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

    /// Gaussian integers with parts in −2…2 (`|z| ≤ 2√2`): every entry and
    /// partial sum of a 4×4 power up to 6 stays below `(4·2√2)^6 < 2^24`,
    /// exact in `f32`, and so for 3×3. A wrong lane shuffle, a dropped
    /// term or a sign slip in the real or imaginary chain shows as a
    /// mismatch.
    #[test]
    fn gaussian_integer_powers_are_exact_in_f32_planes() {
        let z = |i: usize| Complex::new((i * 3 % 5) as f32 - 2.0, (i * 2 % 5) as f32 - 2.0);
        let m4: [Complex<f32>; 16] = std::array::from_fn(z);
        let m3: [Complex<f32>; 9] = std::array::from_fn(z);
        for k in 1..=6 {
            let mut p4 = [Complex::new(f32::NAN, f32::NAN); 16];
            let mut p3 = [Complex::new(f32::NAN, f32::NAN); 9];
            let ran = [power4_c32(&m4, k, &mut p4), power3_c32(&m3, k, &mut p3)];
            assert_eq!(
                ran,
                [v4().is_some(); 2],
                "the kernels run exactly where AVX-512 is"
            );
            if ran[0] {
                assert_eq!(p4, naive(&m4, k), "4×4, k = {k}");
                assert_eq!(p3, naive3(&m3, k), "3×3, k = {k}");
            }
        }
    }

    /// Parts uniform in `[−1, 1)`, from a fixed xorshift stream.
    fn random_matrix<const LEN: usize>(state: &mut u64) -> [Complex<f64>; LEN] {
        let mut next = || {
            *state ^= *state << 13;
            *state ^= *state >> 7;
            *state ^= *state << 17;
            (*state >> 11) as f64 / (1u64 << 52) as f64 - 1.0
        };
        std::array::from_fn(|_| Complex::new(next(), next()))
    }

    /// Every entry of `got` within `2·((1 + γ)^(k−1) − 1)·(|A|^k)_ij` of
    /// the reference `want` (`A^k` by plain products in `f64`), with
    /// `γ = γ_(3n+2)` in the unit roundoff `u`: the bound that
    /// `tests/power_props.rs` justifies for every float kernel, which the
    /// result and the reference each satisfy.
    fn assert_within(
        got: &[Complex<f64>],
        want: &[Complex<f64>],
        abs_power: &[f64],
        n: usize,
        k: u64,
        u: f64,
        what: &str,
    ) {
        let nu = (3 * n + 2) as f64 * u;
        let gamma = nu / (1.0 - nu);
        let relative = 2.0 * ((1.0 + gamma).powi(k as i32 - 1) - 1.0);
        for ((g, w), b) in got.iter().zip(want).zip(abs_power) {
            assert!(
                (g - w).norm() <= relative * b,
                "{what}, k = {k}: {g} against {w} (bound {})",
                relative * b
            );
        }
    }

    /// A register kernel for row-major matrices of `LEN` entries.
    type Kernel<T, const LEN: usize> = fn(&[Complex<T>; LEN], u64, &mut [Complex<T>; LEN]) -> bool;

    /// Runs each named kernel on `m` and checks that it ran where expected
    /// and that its result is within the bound of [`assert_within`].
    #[allow(clippy::too_many_arguments)] // one case of the test below
    fn check_kernels<T: Copy + Default, const LEN: usize>(
        kernels: &[(&str, Kernel<T, LEN>, bool)],
        m: &[Complex<T>; LEN],
        k: u64,
        widen: fn(&Complex<T>) -> Complex<f64>,
        want: &[Complex<f64>; LEN],
        abs_power: &[f64; LEN],
        u: f64,
    ) {
        let n = LEN.isqrt();
        for &(what, kernel, expected) in kernels {
            let mut p = [Complex::new(T::default(), T::default()); LEN];
            assert_eq!(kernel(m, k, &mut p), expected, "{what} ran");
            if expected {
                assert_within(&p.map(|z| widen(&z)), want, abs_power, n, k, u, what);
            }
        }
    }

    /// The AVX2 and AVX-512 complex register kernels side by side on random
    /// matrices, each against plain products: on a CPU with AVX-512 the
    /// public entry points only reach the AVX-512 ones, so this keeps the
    /// AVX2 kernels' rounding under test there too (the exact tests above
    /// cannot see a rounding fault such as a lost fused step).
    #[test]
    fn every_complex_register_kernel_within_the_rounding_bound() {
        use super::super::{complex4, simd3, simd4::v3};
        let (has_v3, has_v4) = (v3().is_some(), v4().is_some());
        let to32 = |z: &Complex<f64>| Complex::new(z.re as f32, z.im as f32);
        let to64 = |z: &Complex<f32>| Complex::new(f64::from(z.re), f64::from(z.im));
        let same = |z: &Complex<f64>| *z;
        let (u64_, u32_) = (f64::EPSILON / 2.0, f64::from(f32::EPSILON) / 2.0);
        let mut state = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..24 {
            for k in [2, 3, 5, 10, 17, 31, 64] {
                let m4: [Complex<f64>; 16] = random_matrix(&mut state);
                let m3: [Complex<f64>; 9] = random_matrix(&mut state);
                let abs4 = naive(&m4.map(|z| z.norm()), k);
                let abs3 = naive3(&m3.map(|z| z.norm()), k);
                let c64_4: [(&str, Kernel<f64, 16>, bool); 2] = [
                    ("c64 4×4 AVX2", complex4::power4_c64, has_v3),
                    ("c64 4×4 AVX-512", power4_c64, has_v4),
                ];
                check_kernels(&c64_4, &m4, k, same, &naive(&m4, k), &abs4, u64_);
                let c64_3: [(&str, Kernel<f64, 9>, bool); 1] =
                    [("c64 3×3 AVX2", simd3::power3_c64, has_v3)];
                check_kernels(&c64_3, &m3, k, same, &naive3(&m3, k), &abs3, u64_);

                // `f32` inputs, references from them in `f64`: far within
                // the `f32` bound, so its full width is what is checked.
                let (m4, m3) = (m4.map(|z| to32(&z)), m3.map(|z| to32(&z)));
                let abs4 = naive(&m4.map(|z| f64::from(z.norm())), k);
                let abs3 = naive3(&m3.map(|z| f64::from(z.norm())), k);
                let c32_4: [(&str, Kernel<f32, 16>, bool); 2] = [
                    ("c32 4×4 AVX2", complex4::power4_c32, has_v3),
                    ("c32 4×4 AVX-512", power4_c32, has_v4),
                ];
                let want4 = naive(&m4.map(|z| to64(&z)), k);
                check_kernels(&c32_4, &m4, k, to64, &want4, &abs4, u32_);
                let c32_3: [(&str, Kernel<f32, 9>, bool); 2] = [
                    ("c32 3×3 AVX2", simd3::power3_c32, has_v3),
                    ("c32 3×3 AVX-512", power3_c32, has_v4),
                ];
                let want3 = naive3(&m3.map(|z| to64(&z)), k);
                check_kernels(&c32_3, &m3, k, to64, &want3, &abs3, u32_);
            }
        }
    }
}
