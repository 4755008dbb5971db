//! Whole powers of 4×4 complex matrices in real and imaginary planes
//! (x86-64 with AVX2+FMA, through `pulp`'s safe dispatch). Row `i` of
//! `X·Y` is
//!
//! ```text
//! re: Σ_l re(x_il)·Re(Y_l) − im(x_il)·Im(Y_l)
//! im: Σ_l re(x_il)·Im(Y_l) + im(x_il)·Re(Y_l)
//! ```
//!
//! 32 multiply-adds on 256-bit vectors per product for `Complex<f32>`, 64
//! for `Complex<f64>`, with no swaps, adds or add-subtracts beyond them.
//! Until the fourteenth session both types used interleaved rows
//! `[re, im, …]` (`re(x_il)·Y_l ⊕ im(x_il)·swap(Y_l)`, with `vaddsubps`),
//! which need those; the diagonal layout of [`super::simd4`] measured
//! slower still (14–15 ns per `Complex<f32>` product against 10). For 3×3
//! matrices, [`super::simd3`]'s planes stay.
//!
//! `Complex<f64>` (on CPUs without AVX-512; with it,
//! [`super::complex512`] runs instead): a row's four real parts fill one
//! vector, its imaginary parts another ([`PlaneRow`]); entries of `X` are
//! broadcast from a stored copy, and each row of a product is stored as
//! soon as it is formed ([`mul_planes`]). `Complex<f32>` (also only
//! without AVX-512): a vector holds the parts of two rows, so all of `X`
//! and `Y` stay in registers and `X`'s entries are broadcast by one-cycle
//! in-lane shuffles ([`mul_pairs`]); that needs the odd rows in their own
//! column order.
//!
//! Rounding: each part of an entry is two chains of four real terms (a
//! multiply, then three fused multiply-adds) joined by an add, at most
//! five roundings per term. So `|Δ| ≤ √2·γ_5·Σ|x||y|`, within the
//! `γ_(n+4)` bound of a scalar complex dot product.

use std::arch::x86_64::{__m256, __m256d};

use num_complex::Complex;
use pulp::x86::V3;

use super::lanes::Lanes;
use super::schedule::tally;
use super::simd4::{dispatch, power_in_registers, InRegisters};

/// A 4×4 `Complex<f32>` matrix as four planes of row pairs: the real parts
/// of rows 0 and 1, of rows 2 and 3, then the imaginary parts of the same.
/// Each 256-bit plane holds an even row in its low 128-bit half, in column
/// order `[0, 1, 2, 3]`, and the next odd row in its high half, in column
/// order `[1, 0, 3, 2]` (see [`mul_pairs`]).
type PairPlanes = [__m256; 4];

/// The in-lane permutation that exchanges adjacent entries, as a
/// `vpermilps` immediate: the odd rows' column order.
const EXCHANGE_ADJACENT: i32 = 0b10_11_00_01;

/// Exchanges the complex entries 0 and 1, and 2 and 3, of an interleaved
/// row: an odd row's column order, before its parts are separated (or
/// back, after they are joined).
#[inline(always)]
fn exchange_entries(s: V3, row: __m256) -> __m256 {
    s.avx._mm256_permute_ps::<0b01_00_11_10>(row)
}

/// The planes with their halves exchanged and each half then put in the
/// other half's column order: the partner row of every row, aligned with
/// it column by column.
#[inline(always)]
fn partners(s: V3, y: &PairPlanes) -> PairPlanes {
    let mut out = *y;
    for v in &mut out {
        let halves = s.avx._mm256_permute2f128_ps::<0x01>(*v, *v);
        *v = s.avx._mm256_permute_ps::<EXCHANGE_ADJACENT>(halves);
    }
    out
}

/// Entry `L` of each half, broadcast across that half (in-lane, one cycle).
#[inline(always)]
fn splat_in_halves<const L: i32>(s: V3, v: __m256) -> __m256 {
    match L {
        0 => s.avx._mm256_permute_ps::<0b00_00_00_00>(v),
        1 => s.avx._mm256_permute_ps::<0b01_01_01_01>(v),
        2 => s.avx._mm256_permute_ps::<0b10_10_10_10>(v),
        _ => s.avx._mm256_permute_ps::<0b11_11_11_11>(v),
    }
}

/// `X·Y` in row-pair planes, `y_partners = partners(Y)`.
///
/// Row `i` of `X·Y` is `Σ_l x_il·Y_l`. The low half of the plane of rows
/// `(0, 1)` of `Y` holds `Y_0`, the high half `Y_1`; against the plane of
/// rows `(2q, 2q+1)` of `X·Y`, it supplies `x_(2q,0)·Y_0` in the low half
/// and `x_(2q+1,1)·Y_1` in the high one, and its partner plane (`Y_1`
/// below, `Y_0` above) the terms `x_(2q,1)·Y_1` and `x_(2q+1,0)·Y_0`. The
/// odd rows' column order is what lets one in-lane broadcast serve both
/// halves: `x_(2q,0)` and `x_(2q+1,1)` sit at the same position of their
/// halves, as do `x_(2q,1)` and `x_(2q+1,0)`, and so on for columns 2
/// and 3. A product is then 32 vector multiply-adds, 16 in-lane broadcasts
/// (one cycle each, off the multiply-add ports on Zen 4) and, for the
/// partners, four lane-crossing and four in-lane shuffles. Interleaved rows
/// needed 32 broadcasts from memory (waiting on the previous product's
/// stores), four swaps, eight adds and four add-subtracts: 10 ns against
/// 7.6 ns per product in a standalone probe.
///
/// Each part of an entry is two chains of four real terms (a multiply, then
/// three fused multiply-adds; `−im·im` by `vfnmadd`) joined by an add.
#[inline(always)]
fn mul_pairs(s: V3, x: &PairPlanes, y: &PairPlanes, y_partners: &PairPlanes) -> PairPlanes {
    let mut out = *x;
    for q in 0..2 {
        let (re, im) = (x[q], x[2 + q]);
        let [lo_re, lo_im] =
            half_terms::<0, 1>(s, re, im, [y[0], y[2]], [y_partners[0], y_partners[2]]);
        let [hi_re, hi_im] =
            half_terms::<2, 3>(s, re, im, [y[1], y[3]], [y_partners[1], y_partners[3]]);
        out[q] = Lanes::add(s, lo_re, hi_re);
        out[2 + q] = Lanes::add(s, lo_im, hi_im);
    }
    out
}

/// The terms of [`mul_pairs`] from one plane pair of `Y` (`[re, im]`) and
/// its partners: entry `A` of each half of `X`'s row pair against the
/// plane, entry `B` against the partners.
#[inline(always)]
fn half_terms<const A: i32, const B: i32>(
    s: V3,
    x_re: __m256,
    x_im: __m256,
    y: [__m256; 2],
    partner: [__m256; 2],
) -> [__m256; 2] {
    let a = [splat_in_halves::<A>(s, x_re), splat_in_halves::<A>(s, x_im)];
    let b = [splat_in_halves::<B>(s, x_re), splat_in_halves::<B>(s, x_im)];
    two_terms(s, a, y, b, partner)
}

/// `x0·y0 + x1·y1` on complex planes (`[re, im]`, the `x` broadcast),
/// each part one chain: a multiply, then three fused multiply-adds, the
/// `−im·im` terms by `vfnmadd`.
#[inline(always)]
fn two_terms<L: Lanes>(
    s: V3,
    [r0, i0]: [L; 2],
    [y0_re, y0_im]: [L; 2],
    [r1, i1]: [L; 2],
    [y1_re, y1_im]: [L; 2],
) -> [L; 2] {
    let re = L::mul(s, r0, y0_re);
    let re = L::fnmadd(s, i0, y0_im, re);
    let re = L::fmadd(s, r1, y1_re, re);
    let re = L::fnmadd(s, i1, y1_im, re);
    let im = L::mul(s, r0, y0_im);
    let im = L::fmadd(s, i0, y0_re, im);
    let im = L::fmadd(s, r1, y1_im, im);
    let im = L::fmadd(s, i1, y1_re, im);
    [re, im]
}

/// The row-pair planes as a register kernel of [`power_in_registers`]:
/// the partners of `A` are formed once for every multiply by `A`.
impl InRegisters for PairPlanes {
    type Rotated = [PairPlanes; 2];
    #[inline(always)]
    fn rotated(&self, s: V3) -> [PairPlanes; 2] {
        [*self, partners(s, self)]
    }
    #[inline(always)]
    fn times(&self, s: V3, [y, y_partners]: &[PairPlanes; 2]) -> Self {
        mul_pairs(s, self, y, y_partners)
    }
}

/// `out ← A^k` (`k ≥ 1`) for a 4×4 `Complex<f32>` matrix in row-major
/// order, in row-pair planes ([`mul_pairs`]); `false` (and `out`
/// untouched) without AVX2+FMA.
#[inline]
pub(crate) fn power4_c32(m: &[Complex<f32>; 16], k: u64, out: &mut [Complex<f32>; 16]) -> bool {
    dispatch(|s| WholePower { s, m, k, out }).is_some()
}

/// `out ← m^k` (`k ≥ 1`) in the layout of `T`'s kernel.
struct WholePower<'a, T> {
    s: V3,
    m: &'a [Complex<T>; 16],
    k: u64,
    out: &'a mut [Complex<T>; 16],
}

impl pulp::WithSimd for WholePower<'_, f32> {
    type Output = ();
    /// The schedule of [`power_in_registers`], on row-pair planes.
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        let WholePower { s, m, k, out } = self;
        // Interleaved rows `[re, im, …]`; the 128-bit halves of rows 2q and
        // 2q + 1 are regrouped by columns, then their parts separated. (The
        // odd rows' order is set on the rows, in parallel with the loads:
        // on the planes it was two more steps on the path.)
        let rows: [__m256; 4] = pulp::cast(*m);
        let mut a = rows;
        for q in 0..2 {
            let (even, odd) = (rows[2 * q], exchange_entries(s, rows[2 * q + 1]));
            let left = s.avx._mm256_permute2f128_ps::<0x20>(even, odd);
            let right = s.avx._mm256_permute2f128_ps::<0x31>(even, odd);
            a[q] = s.avx._mm256_shuffle_ps::<0b10_00_10_00>(left, right);
            a[2 + q] = s.avx._mm256_shuffle_ps::<0b11_01_11_01>(left, right);
        }
        let cur = power_in_registers(s, &a, k);
        let mut rows = cur;
        for q in 0..2 {
            let left = s.avx._mm256_unpacklo_ps(cur[q], cur[2 + q]);
            let right = s.avx._mm256_unpackhi_ps(cur[q], cur[2 + q]);
            rows[2 * q] = s.avx._mm256_permute2f128_ps::<0x20>(left, right);
            let odd = s.avx._mm256_permute2f128_ps::<0x31>(left, right);
            rows[2 * q + 1] = exchange_entries(s, odd);
        }
        *out = pulp::cast(rows);
    }
}

/// `out ← A^k` (`k ≥ 1`) for a 4×4 `Complex<f64>` matrix in row-major
/// order, in real and imaginary planes ([`mul_planes`]); `false` (and `out`
/// untouched) without AVX2+FMA.
#[inline]
pub(crate) fn power4_c64(m: &[Complex<f64>; 16], k: u64, out: &mut [Complex<f64>; 16]) -> bool {
    dispatch(|s| WholePower { s, m, k, out }).is_some()
}

/// A `Complex<f64>` row in planes: its real parts, then its imaginary
/// parts, each in the column order `[0, 2, 1, 3]` that `vunpcklpd` and
/// `vunpckhpd` leave (they work within 128-bit halves). The order costs
/// nothing: a product only broadcasts single entries, found through
/// [`LANE`], and the final unpack restores it.
type PlaneRow = [f64; 8];

/// A matrix in memory, each row on its own cache line: a row stored across
/// a line boundary cannot be forwarded to the broadcasts that read it.
#[repr(C, align(64))]
struct Aligned<T>(T);

/// Where column `l` of a row sits in each plane of a [`PlaneRow`].
const LANE: [usize; 4] = [0, 2, 1, 3];

/// Terms `l` and `l + 1` of one row of `X·Y` ([`two_terms`]).
#[inline(always)]
fn plane_terms(s: V3, xi: &PlaneRow, y: &[[__m256d; 2]; 4], l: usize) -> [__m256d; 2] {
    let (c0, c1) = (LANE[l], LANE[l + 1]);
    let splat = <__m256d as Lanes>::splat;
    let x0 = [splat(s, xi[c0]), splat(s, xi[4 + c0])];
    let x1 = [splat(s, xi[c1]), splat(s, xi[4 + c1])];
    two_terms(s, x0, y[l], x1, y[l + 1])
}

/// `X·Y`, `X` in memory (its entries broadcast from there) and `Y`'s planes
/// in registers.
///
/// Row `i` of the product overwrites row `i` of `X`, the only row that
/// read it, as soon as it is formed, and `black_box` then keeps the
/// compiler from hoisting the next row's broadcasts above that store. In
/// that order the next product's first rows start while this one's last
/// rows finish. Left to itself, the compiler formed every row's first
/// terms first, so all four rows finished together and each product waited
/// for the whole previous one: 53 against 43 ns for k = 10 in a standalone
/// probe. (Interleaved rows, which both complex types used before,
/// gained nothing from the same order.)
#[inline(always)]
fn mul_planes(s: V3, x: &mut [PlaneRow; 4], y: &[[__m256d; 2]; 4]) -> [[__m256d; 2]; 4] {
    let mut out = *y;
    for (i, o) in out.iter_mut().enumerate() {
        let lo = plane_terms(s, &x[i], y, 0);
        let hi = plane_terms(s, &x[i], y, 2);
        *o = [Lanes::add(s, lo[0], hi[0]), Lanes::add(s, lo[1], hi[1])];
        x[i] = pulp::cast(*o);
        std::hint::black_box(&mut *x);
    }
    out
}

impl pulp::WithSimd for WholePower<'_, f64> {
    type Output = ();
    /// The left-to-right schedule (see [`super::schedule`]), on planes.
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        let WholePower { s, m, k, out } = self;
        // Whole-row loads. (Built field by field, the rows were assembled
        // from single entries by the compiler, which fused the loads with
        // the unpacks: 61 against 49 ns per k = 10 call.)
        let interleaved: [[__m256d; 2]; 4] = pulp::cast(*m);
        let mut a = interleaved;
        for (planes, [h0, h1]) in a.iter_mut().zip(interleaved) {
            *planes = [
                s.avx._mm256_unpacklo_pd(h0, h1),
                s.avx._mm256_unpackhi_pd(h0, h1),
            ];
        }
        let mut mem = Aligned(a.map(pulp::cast::<[__m256d; 2], PlaneRow>));
        let mut cur = a;
        let mut bit = 63 - k.leading_zeros();
        while bit > 0 {
            bit -= 1;
            tally();
            cur = mul_planes(s, &mut mem.0, &cur);
            if (k >> bit) & 1 == 1 {
                tally();
                cur = mul_planes(s, &mut mem.0, &a);
            }
        }
        for planes in &mut cur {
            let [re, im] = *planes;
            *planes = [
                s.avx._mm256_unpacklo_pd(re, im),
                s.avx._mm256_unpackhi_pd(re, im),
            ];
        }
        *out = pulp::cast(cur);
    }
}

#[cfg(test)]
mod tests {
    use super::super::simd4::tests::{naive, ran};
    use super::*;

    #[test]
    fn complex_products_exact_on_small_integers() {
        // Gaussian integers with distinct parts: every power up to 5 is
        // exact in f64 (up to 4 in f32), so a misplaced lane or a sign slip
        // in re/im shows.
        let m: [Complex<f64>; 16] =
            std::array::from_fn(|i| Complex::new(i as f64 - 7.0, (i % 5) as f64 - 2.0));
        for k in 1..=5 {
            let want = naive(&m, k);
            let mut p = [Complex::new(0.0, 0.0); 16];
            if ran(power4_c64(&m, k, &mut p)) {
                assert_eq!(p, want, "k = {k}");
            }
            // |z| < 8.3 for every entry: the bound 4^(k−1)·8.3^k on every
            // part and partial sum stays below f32's 2^24 up to k = 4.
            if k <= 4 {
                let m32 = m.map(|z| Complex::new(z.re as f32, z.im as f32));
                let mut p32 = [Complex::new(0.0f32, 0.0); 16];
                if ran(power4_c32(&m32, k, &mut p32)) {
                    let want32 = want.map(|z| Complex::new(z.re as f32, z.im as f32));
                    assert_eq!(p32, want32, "c32, k = {k}");
                }
            }
        }
    }
}
