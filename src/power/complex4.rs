//! Whole powers of 4×4 complex matrices in their own row layouts (x86-64
//! with AVX2+FMA, through `pulp`'s safe dispatch).
//!
//! `Complex<f32>` rows are four interleaved complex numbers, `[re, im, …]`,
//! one 256-bit vector. Row `i` of `X·Y` is
//!
//! ```text
//! Σ_l re(x_il)·Y_l  ⊕  Σ_l im(x_il)·swap(Y_l)
//! ```
//!
//! where `swap` exchanges the two parts of every complex entry and `⊕`
//! (`vaddsubps`) subtracts in the real slots and adds in the imaginary
//! ones: `re·(a + ib) + im·(−b + ia)` is `(re + i·im)(a + ib)`. Both sums
//! are fused multiply-adds on whole rows, and the scalars `re(x_il)`,
//! `im(x_il)` are broadcast straight from memory, a load with no shuffle.
//! A product is 32 vector multiply-adds and one in-lane swap per row of
//! `Y`. The diagonal layout of [`super::simd4`] needed four real products'
//! worth of operations plus rotations and measured 14–15 ns per product
//! against 10 here. (For 3×3 matrices, padded to four columns, this layout
//! measured slower than [`super::simd3`]'s planes, which stay.)
//!
//! `Complex<f64>` rows are two 256-bit vectors, the real and the imaginary
//! parts of the row ([`PlaneRow`]). Row `i` of `X·Y` is
//!
//! ```text
//! re: Σ_l re(x_il)·Re(Y_l) − im(x_il)·Im(Y_l)
//! im: Σ_l re(x_il)·Im(Y_l) + im(x_il)·Re(Y_l)
//! ```
//!
//! the same 64 multiply-adds as interleaved rows (which this type used
//! until the fourteenth session) without their swaps, adds and
//! add-subtracts: about 125 instructions per product against 160–180.
//! With the row order of [`mul_planes`], k = 10 takes 49 against 61 ns
//! per call.
//!
//! Rounding: `Complex<f32>` forms each part of an entry as
//! `(p_0 + p_1) + (p_2 + p_3)` for each of its two sums (a multiply and a
//! fused multiply-add, then an add), then their add-subtract, so every term
//! sees at most four roundings. `Complex<f64>` forms each part as two
//! chains of four real terms (a multiply, then three fused multiply-adds)
//! joined by an add: at most five. So `|Δ| ≤ √2·γ_5·Σ|x||y|`, within the
//! `γ_(n+4)` bound of a scalar complex dot product.

use std::arch::x86_64::{__m256, __m256d};

use num_complex::Complex;
use pulp::x86::V3;

use super::lanes::{Lanes, PairLanes};
use super::schedule::tally;
use super::simd4::dispatch;

/// A 4×4 `Complex<f32>` matrix in interleaved rows, in memory.
type Rows = [[f32; 8]; 4];

/// A matrix in memory, each row on its own cache line: a row stored across
/// a line boundary cannot be forwarded to the broadcasts that read it.
#[repr(C, align(64))]
struct Aligned<T>(T);

/// `X·Y`, `x` in memory, its entries broadcast from there; `y`'s rows and
/// swapped rows in registers. (Reading `y`'s rows from the stored copy as
/// well, as memory operands, put a store-to-load forward on every product's
/// path: with `y` in registers, the register allocator spills what it
/// must, and a k = 10 call measured 5–6 % faster.)
///
/// Each sum over `l` runs as two chains, `l < 2` and `l ≥ 2`, joined by an
/// add: multiply → fused multiply-add → add → add-subtract. One chain of
/// four measured slower: a product this small is bound by latency, not
/// by throughput.
#[inline(always)]
fn mul(s: V3, x: &Rows, y: &[__m256; 4], y_swapped: &[__m256; 4]) -> [__m256; 4] {
    // Loops, not `array::from_fn`: a closure does not inherit the AVX2
    // target features, and its intrinsics were called out of line.
    let mut out = *y_swapped;
    for (xi, o) in x.iter().zip(&mut out) {
        let lo = two_terms(s, xi, y, y_swapped, 0);
        let hi = two_terms(s, xi, y, y_swapped, 2);
        *o = PairLanes::addsub(s, Lanes::add(s, lo[0], hi[0]), Lanes::add(s, lo[1], hi[1]));
    }
    out
}

/// The terms `l` and `l + 1` of both sums of [`mul`] for one row: a
/// multiply, then a fused multiply-add.
#[inline(always)]
fn two_terms(
    s: V3,
    xi: &[f32; 8],
    y: &[__m256; 4],
    y_swapped: &[__m256; 4],
    l: usize,
) -> [__m256; 2] {
    // `<__m256 as Lanes>::splat` by name, not through a closure: a
    // closure would not inherit the AVX2 target features.
    let splat = <__m256 as Lanes>::splat;
    [
        Lanes::fmadd(
            s,
            splat(s, xi[2 * l + 2]),
            y[l + 1],
            Lanes::mul(s, splat(s, xi[2 * l]), y[l]),
        ),
        Lanes::fmadd(
            s,
            splat(s, xi[2 * l + 3]),
            y_swapped[l + 1],
            Lanes::mul(s, splat(s, xi[2 * l + 1]), y_swapped[l]),
        ),
    ]
}

#[inline(always)]
fn swapped(s: V3, y: &[__m256; 4]) -> [__m256; 4] {
    let mut out = *y;
    for v in &mut out {
        *v = PairLanes::swap_pairs(s, *v);
    }
    out
}

/// `A^k` (`k ≥ 1`) by the left-to-right schedule (see
/// [`super::schedule`]). The running power lives in registers and in one
/// stack copy that the next product broadcasts from; the swapped rows of
/// `A` are formed once for every multiply by `A`.
#[inline(always)]
fn power(s: V3, a: &Rows, k: u64) -> [__m256; 4] {
    let a_rows: [__m256; 4] = pulp::cast(*a);
    let a_swapped = swapped(s, &a_rows);
    let mut mem = Aligned(*a);
    let mut cur = a_rows;
    let mut bit = 63 - k.leading_zeros();
    while bit > 0 {
        bit -= 1;
        // `black_box` keeps the broadcasts as loads from the stored copy:
        // left to itself, the compiler forms them from the registers with
        // lane-crossing shuffles, which measured slower (k = 10: 72 against
        // 55 ns per call).
        let m = std::hint::black_box(&mem.0);
        tally();
        cur = mul(s, m, &cur, &swapped(s, &cur));
        mem.0 = pulp::cast(cur);
        if (k >> bit) & 1 == 1 {
            tally();
            cur = mul(s, std::hint::black_box(&mem.0), &a_rows, &a_swapped);
            mem.0 = pulp::cast(cur);
        }
    }
    cur
}

/// `out ← A^k` (`k ≥ 1`) for a 4×4 `Complex<f64>` matrix in row-major
/// order, in real and imaginary planes ([`mul_planes`]); `false` (and `out`
/// untouched) without AVX2+FMA.
#[inline]
pub(crate) fn power4_c64(m: &[Complex<f64>; 16], k: u64, out: &mut [Complex<f64>; 16]) -> bool {
    dispatch(|s| PlanePower { s, m, k, out }).is_some()
}

/// As [`power4_c64`], for `Complex<f32>`, in interleaved rows ([`mul`]).
#[inline]
pub(crate) fn power4_c32(m: &[Complex<f32>; 16], k: u64, out: &mut [Complex<f32>; 16]) -> bool {
    struct Op<'a>(V3, &'a [Complex<f32>; 16], u64, &'a mut [Complex<f32>; 16]);
    impl pulp::WithSimd for Op<'_> {
        type Output = ();
        #[inline(always)]
        fn with_simd<S: pulp::Simd>(self, _: S) {
            let Op(s, m, k, out) = self;
            *out = pulp::cast(power(s, &pulp::cast(*m), k));
        }
    }
    dispatch(|s| Op(s, m, k, out)).is_some()
}

/// A `Complex<f64>` row in planes: its real parts, then its imaginary
/// parts, each in the column order `[0, 2, 1, 3]` that `vunpcklpd` and
/// `vunpckhpd` leave (they work within 128-bit halves). The order costs
/// nothing: a product only broadcasts single entries, found through
/// [`LANE`], and the final unpack restores it.
type PlaneRow = [f64; 8];

/// Where column `l` of a row sits in each plane of a [`PlaneRow`].
const LANE: [usize; 4] = [0, 2, 1, 3];

/// Terms `l` and `l + 1` of one row of `X·Y`, the real and the imaginary
/// part each one chain: a multiply, then three fused multiply-adds (the
/// `−im·im` terms by `vfnmadd`).
#[inline(always)]
fn plane_terms(s: V3, xi: &PlaneRow, y: &[[__m256d; 2]; 4], l: usize) -> [__m256d; 2] {
    let (c0, c1) = (LANE[l], LANE[l + 1]);
    let (r0, i0) = (__m256d::splat(s, xi[c0]), __m256d::splat(s, xi[4 + c0]));
    let (r1, i1) = (__m256d::splat(s, xi[c1]), __m256d::splat(s, xi[4 + c1]));
    let [y0_re, y0_im] = y[l];
    let [y1_re, y1_im] = y[l + 1];
    let re = Lanes::mul(s, r0, y0_re);
    let re = Lanes::fnmadd(s, i0, y0_im, re);
    let re = Lanes::fmadd(s, r1, y1_re, re);
    let re = Lanes::fnmadd(s, i1, y1_im, re);
    let im = Lanes::mul(s, r0, y0_im);
    let im = Lanes::fmadd(s, i0, y0_re, im);
    let im = Lanes::fmadd(s, r1, y1_im, im);
    let im = Lanes::fmadd(s, i1, y1_re, im);
    [re, im]
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
/// probe. (The interleaved rows of [`mul`] gained nothing from the same
/// order, for either type.)
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

struct PlanePower<'a> {
    s: V3,
    m: &'a [Complex<f64>; 16],
    k: u64,
    out: &'a mut [Complex<f64>; 16],
}

impl pulp::WithSimd for PlanePower<'_> {
    type Output = ();
    /// The left-to-right schedule of [`power`], on planes.
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        let PlanePower { s, m, k, out } = self;
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
