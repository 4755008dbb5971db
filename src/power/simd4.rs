//! Whole powers of 4×4 matrices in AVX2 registers (x86-64 CPUs with
//! AVX2+FMA, detected at run time through `pulp`'s safe dispatch).
//!
//! One dispatch covers the whole schedule, so its fixed cost is paid once
//! per call, and the running power never leaves the 16 vector registers.
//!
//! **Diagonal layout.** A matrix `M` is held as four vectors
//! `D_d[i] = M[i][(i+d) mod 4]`. With `rot_s(v)[i] = v[(i+s) mod 4]`,
//!
//! ```text
//! (X·Y)_d = Σ_s X_s ∘ rot_s(Y_(d−s) mod 4)
//! ```
//!
//! so a product is 16 lane-wise multiply-adds plus the three rotations of
//! each diagonal of `Y`. Each rotation set costs one lane-crossing shuffle
//! and two in-lane ones; the row layout would need twelve lane-crossing
//! broadcasts per product, which Zen 2 executes at one per two cycles (it
//! measured 8.3 ns against 6.6 ns per product here). The multiply by `A`
//! reuses the rotations of `A`, computed once.
//!
//! `f32` runs in the same layout in 128-bit registers, where every rotation
//! is an in-lane shuffle. The complex power here ([`power_complex`]) runs
//! two real planes (real and imaginary parts) that share the rotations of
//! the right-hand factor; [`super::simd3`] uses it for 3×3 matrices, while
//! 4×4 complex powers have their own row kernel ([`super::complex4`]).
//!
//! Integer powers run exactly in the same layout, chosen by an a-priori
//! bound on every entry and partial sum (see [`power4_int_exact`]): in
//! `f64` below 2^51, and below 2^30 in `i32` lanes where the CPU's 32-bit
//! vector multiply is fast (rotations are then one-cycle in-lane shuffles
//! and a product is multiply → add → add; see
//! [`super::gemm::fast_i32_multiply`]).

use std::arch::x86_64::{__m128, __m128i, __m256d, __m256i, _CMP_GT_OQ, _CMP_LT_OQ};
use std::marker::PhantomData;

use num_complex::Complex;
use pulp::bytemuck::Pod;
use pulp::x86::V3;

pub(crate) use super::int::Bound;
use super::int::CheckedElem;
use super::lanes::Lanes;
use super::schedule::tally;

/// `rots[t][s] = rot_s(D_t)`.
type Rotations<L> = [[L; 4]; 4];

/// `1.5·2^52`: adding it (as an integer) to `x` with `|x| < 2^51` gives the
/// bits of the double `1.5·2^52 + x`, and back; conversions without AVX-512.
const MAGIC_BITS: i64 = 0x4338_0000_0000_0000;
const MAGIC: f64 = 6_755_399_441_055_744.0;

/// Strict bound on the magnitudes [`power4_int_exact`] accepts.
pub(crate) const EXACT_LIMIT: u64 = 1 << 51;

/// The largest quick-bound exponent within [`EXACT_LIMIT`]: a power bound
/// of at most `2^F64_BITS` keeps every value exact in `f64`.
pub(crate) const F64_BITS: u64 = (EXACT_LIMIT - 1).ilog2() as u64;

/// A vector of four lanes: one row or one diagonal of a 4×4 matrix. The
/// layout changes and the rotations are the same for every lane type; only
/// the instructions differ. (Trait methods, not closures: a closure would
/// not inherit the AVX2 target features and its intrinsics would not
/// inline.)
pub(super) trait Lanes4: Copy {
    /// `[v, rot_1(v), rot_2(v), rot_3(v)]`.
    fn rotations(s: V3, v: Self) -> [Self; 4];
    /// Lane `j` of the result is lane `j` of `v[(j + 4 − shift) mod 4]`.
    fn gather_lanes(s: V3, v: &[Self; 4], shift: usize) -> Self;
}

/// Four `f64` lanes: one lane-crossing shuffle and two in-lane ones per
/// rotation set.
impl Lanes4 for __m256d {
    #[inline(always)]
    fn rotations(s: V3, v: Self) -> [Self; 4] {
        let swapped = s.avx._mm256_permute2f128_pd::<0x01>(v, v);
        let r1 = s.avx._mm256_shuffle_pd::<0b0101>(v, swapped);
        let r3 = s.avx._mm256_shuffle_pd::<0b0101>(swapped, v);
        [v, r1, swapped, r3]
    }
    #[inline(always)]
    fn gather_lanes(s: V3, v: &[Self; 4], shift: usize) -> Self {
        let lo = s
            .avx
            ._mm256_blend_pd::<0b1010>(v[(4 - shift) % 4], v[(5 - shift) % 4]);
        let hi = s
            .avx
            ._mm256_blend_pd::<0b1000>(v[(6 - shift) % 4], v[(7 - shift) % 4]);
        s.avx._mm256_blend_pd::<0b1100>(lo, hi)
    }
}

/// Four `f32` lanes in one 128-bit register: every rotation is an in-lane
/// one-cycle shuffle.
impl Lanes4 for __m128 {
    #[inline(always)]
    fn rotations(s: V3, v: Self) -> [Self; 4] {
        [
            v,
            s.avx._mm_permute_ps::<0b00_11_10_01>(v),
            s.avx._mm_permute_ps::<0b01_00_11_10>(v),
            s.avx._mm_permute_ps::<0b10_01_00_11>(v),
        ]
    }
    #[inline(always)]
    fn gather_lanes(s: V3, v: &[Self; 4], shift: usize) -> Self {
        let lo = s
            .sse4_1
            ._mm_blend_ps::<0b1010>(v[(4 - shift) % 4], v[(5 - shift) % 4]);
        let hi = s
            .sse4_1
            ._mm_blend_ps::<0b1000>(v[(6 - shift) % 4], v[(7 - shift) % 4]);
        s.sse4_1._mm_blend_ps::<0b1100>(lo, hi)
    }
}

/// Four `i32` lanes, as [`__m128`].
impl Lanes4 for __m128i {
    #[inline(always)]
    fn rotations(s: V3, v: Self) -> [Self; 4] {
        [
            v,
            s.sse2._mm_shuffle_epi32::<0b00_11_10_01>(v),
            s.sse2._mm_shuffle_epi32::<0b01_00_11_10>(v),
            s.sse2._mm_shuffle_epi32::<0b10_01_00_11>(v),
        ]
    }
    #[inline(always)]
    fn gather_lanes(s: V3, v: &[Self; 4], shift: usize) -> Self {
        let lo = s
            .avx2
            ._mm_blend_epi32::<0b1010>(v[(4 - shift) % 4], v[(5 - shift) % 4]);
        let hi = s
            .avx2
            ._mm_blend_epi32::<0b1000>(v[(6 - shift) % 4], v[(7 - shift) % 4]);
        s.avx2._mm_blend_epi32::<0b1100>(lo, hi)
    }
}

/// Float lanes in the diagonal layout: the arithmetic of the real and
/// complex products (see [`Lanes`]) and the rotations.
pub(super) trait FloatLanes: Lanes4 + Lanes {}
impl<L: Lanes4 + Lanes> FloatLanes for L {}

#[inline(always)]
fn all_rotations<L: Lanes4>(s: V3, y: &[L; 4]) -> Rotations<L> {
    [
        L::rotations(s, y[0]),
        L::rotations(s, y[1]),
        L::rotations(s, y[2]),
        L::rotations(s, y[3]),
    ]
}

/// `X·Y` in the diagonal layout. Two independent half-sums per diagonal keep
/// the dependency chain at multiply → fused add → add.
#[inline(always)]
fn mul<L: FloatLanes>(s: V3, x: &[L; 4], y: &Rotations<L>) -> [L; 4] {
    let mut out = *x;
    for (d, o) in out.iter_mut().enumerate() {
        let t0 = L::mul(s, x[0], y[d][0]);
        let t1 = L::mul(s, x[2], y[(d + 2) % 4][2]);
        let t0 = L::fmadd(s, x[1], y[(d + 3) % 4][1], t0);
        let t1 = L::fmadd(s, x[3], y[(d + 1) % 4][3], t1);
        *o = L::add(s, t0, t1);
    }
    out
}

/// Rows → diagonals: `E_d[j] = M[j−d][j]` gathers column lanes from the
/// rows, and `D_d = rot_d(E_d)`.
#[inline(always)]
fn rows_to_diags<L: Lanes4>(s: V3, rows: &[L; 4]) -> [L; 4] {
    let mut out = *rows;
    for (d, o) in out.iter_mut().enumerate() {
        *o = L::rotations(s, L::gather_lanes(s, rows, d))[d];
    }
    out
}

/// Diagonals → rows, the inverse of [`rows_to_diags`].
#[inline(always)]
fn diags_to_rows<L: Lanes4>(s: V3, diags: &[L; 4]) -> [L; 4] {
    let e = [
        diags[0],
        L::rotations(s, diags[1])[3],
        L::rotations(s, diags[2])[2],
        L::rotations(s, diags[3])[1],
    ];
    let mut out = *diags;
    for (i, o) in out.iter_mut().enumerate() {
        *o = L::gather_lanes(s, &e, i);
    }
    out
}

/// A matrix held in vector registers (the diagonal layouts here and in
/// [`super::simd3`], the row-pair planes of [`super::complex4`], the
/// AVX-512 planes of [`super::complex512`]): what [`power_in_registers`]
/// needs of each kernel's element layout. `S` is the instruction-set token
/// the kernel is written for.
pub(super) trait InRegisters<S = V3>: Copy {
    /// What a product needs of its right-hand factor beyond the factor
    /// itself, formed once per factor: the rotations of every diagonal, or
    /// the partner planes.
    type Rotated;
    fn rotated(&self, s: S) -> Self::Rotated;
    /// `self·y`, `y` given by [`InRegisters::rotated`].
    fn times(&self, s: S, y: &Self::Rotated) -> Self;
}

impl<L: FloatLanes> InRegisters for [L; 4] {
    type Rotated = Rotations<L>;
    #[inline(always)]
    fn rotated(&self, s: V3) -> Rotations<L> {
        all_rotations(s, self)
    }
    #[inline(always)]
    fn times(&self, s: V3, y: &Rotations<L>) -> Self {
        mul(s, self, y)
    }
}

/// The left-to-right schedule of [`super::schedule`] (never a product by the
/// identity or an unused square), in registers; the multiply by `A` reuses
/// the rotations of `A`, computed once. The bit walk is written out rather
/// than iterating `schedule::steps`, which measured 4–5 ns slower per call
/// at k = 10.
#[inline(always)]
pub(super) fn power_in_registers<S: Copy, M: InRegisters<S>>(s: S, a: &M, k: u64) -> M {
    let a_rot = a.rotated(s);
    let mut cur = *a;
    let mut bit = 63 - k.leading_zeros();
    while bit > 0 {
        bit -= 1;
        tally();
        cur = cur.times(s, &cur.rotated(s));
        if (k >> bit) & 1 == 1 {
            tally();
            cur = cur.times(s, &a_rot);
        }
    }
    cur
}

/// Writes four row vectors as a row-major 4×4 matrix, the inverse of
/// [`load_rows`].
#[inline(always)]
fn store_rows<T: Pod, L: Pod>(out: &mut [T; 16], rows: [L; 4]) {
    for (dst, row) in out.chunks_exact_mut(4).zip(rows) {
        dst.copy_from_slice(&pulp::cast::<_, [T; 4]>(row));
    }
}

/// The four rows of a row-major 4×4 matrix as vectors.
#[inline(always)]
fn load_rows<T: Pod, V: Pod>(m: &[T; 16]) -> [V; 4] {
    [
        load(&m[0..4]),
        load(&m[4..8]),
        load(&m[8..12]),
        load(&m[12..16]),
    ]
}

/// Exact for `|x| < 2^51` (helpers, not closures: a closure would not
/// inherit the AVX2 target features and its intrinsics would not inline).
#[inline(always)]
pub(super) fn int_to_f64(s: V3, row: __m256i) -> __m256d {
    let bits = s
        .avx2
        ._mm256_add_epi64(row, s.avx._mm256_set1_epi64x(MAGIC_BITS));
    s.avx
        ._mm256_sub_pd(pulp::cast(bits), s.avx._mm256_set1_pd(MAGIC))
}

/// Exact for integer-valued `|x| < 2^51`.
#[inline(always)]
pub(super) fn f64_to_int(s: V3, row: __m256d) -> [i64; 4] {
    let shifted = pulp::cast::<_, __m256i>(s.avx._mm256_add_pd(row, s.avx._mm256_set1_pd(MAGIC)));
    pulp::cast(
        s.avx2
            ._mm256_sub_epi64(shifted, s.avx._mm256_set1_epi64x(MAGIC_BITS)),
    )
}

#[inline]
pub(super) fn v3() -> Option<V3> {
    super::gemm::v3()
}

/// Runs the kernel `op` builds in one AVX2+FMA dispatch; `None` (and
/// nothing run) without AVX2+FMA.
#[inline(always)]
pub(super) fn dispatch<Op: pulp::WithSimd>(op: impl FnOnce(V3) -> Op) -> Option<Op::Output> {
    let s = v3()?;
    Some(pulp::Simd::vectorize(s, op(s)))
}

/// The real and imaginary parts of a complex array, as two planes.
#[inline(always)]
fn split_planes<T: Pod, const L: usize>(m: &[Complex<T>; L]) -> [[T; L]; 2] {
    let mut planes = [[T::zeroed(); L]; 2];
    for (i, z) in m.iter().enumerate() {
        planes[0][i] = z.re;
        planes[1][i] = z.im;
    }
    planes
}

/// The inverse of [`split_planes`].
#[inline(always)]
fn join_planes<T: Pod, const L: usize>(planes: &[[T; L]; 2], out: &mut [Complex<T>; L]) {
    for (i, z) in out.iter_mut().enumerate() {
        *z = Complex::new(planes[0][i], planes[1][i]);
    }
}

/// How a row-major matrix `M` (an array of elements) enters and leaves the
/// diagonal layout held in `Self` (`[L; 4]` here, `[L; 3]` in `simd3`, and
/// [`Pair`] of either for two matrices stored one after the other).
pub(super) trait DiagLayout<M>: Sized {
    fn load(s: V3, m: &M) -> Self;
    fn store(self, s: V3, out: &mut M);
}

impl<T: Pod, L: Lanes4 + Pod> DiagLayout<[T; 16]> for [L; 4] {
    #[inline(always)]
    fn load(s: V3, m: &[T; 16]) -> Self {
        rows_to_diags(s, &load_rows(m))
    }
    #[inline(always)]
    fn store(self, s: V3, out: &mut [T; 16]) {
        store_rows(out, diags_to_rows(s, &self));
    }
}

/// A real power (or a [`Pair`] of them) in the diagonal layout `D`, run in
/// one dispatch.
struct RealPower<'a, M, D> {
    s: V3,
    m: &'a M,
    k: u64,
    out: &'a mut M,
    layout: PhantomData<D>,
}

impl<M, D: DiagLayout<M> + InRegisters> pulp::WithSimd for RealPower<'_, M, D> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        let RealPower { s, m, k, out, .. } = self;
        power_in_registers(s, &D::load(s, m), k).store(s, out);
    }
}

/// `out ← A^k` (`k ≥ 1`) for a real row-major matrix in the diagonal layout
/// `D` (for a [`Pair`], both matrices of `m` into both of `out`); `false`
/// (and `out` untouched) without AVX2+FMA.
#[inline(always)]
pub(super) fn power_real<M, D: DiagLayout<M> + InRegisters>(m: &M, k: u64, out: &mut M) -> bool {
    dispatch(|s| RealPower::<M, D> {
        s,
        m,
        k,
        out,
        layout: PhantomData,
    })
    .is_some()
}

/// Two matrices powered side by side: every product is two independent
/// products, so one matrix's dependent chain of multiply-adds fills the
/// pipeline slots the other's leaves idle. For stacks, whose matrices share
/// the exponent and so the schedule.
#[derive(Clone, Copy)]
pub(super) struct Pair<M>(pub(super) [M; 2]);

impl<S: Copy, M: InRegisters<S>> InRegisters<S> for Pair<M> {
    type Rotated = [M::Rotated; 2];
    #[inline(always)]
    fn rotated(&self, s: S) -> [M::Rotated; 2] {
        [self.0[0].rotated(s), self.0[1].rotated(s)]
    }
    #[inline(always)]
    fn times(&self, s: S, y: &[M::Rotated; 2]) -> Self {
        Pair([self.0[0].times(s, &y[0]), self.0[1].times(s, &y[1])])
    }
}

/// Two matrices stored one after the other, each in the layout `D`.
impl<M, D: DiagLayout<M>> DiagLayout<[M; 2]> for Pair<D> {
    #[inline(always)]
    fn load(s: V3, m: &[M; 2]) -> Self {
        Pair([D::load(s, &m[0]), D::load(s, &m[1])])
    }
    #[inline(always)]
    fn store(self, s: V3, out: &mut [M; 2]) {
        let [o0, o1] = out;
        let Pair([p0, p1]) = self;
        p0.store(s, o0);
        p1.store(s, o1);
    }
}

/// `out[i] ← m[i]^k` for two 4×4 `f64` matrices, side by side ([`Pair`]).
#[inline]
pub(crate) fn power4_f64_pair(m: &[[f64; 16]; 2], k: u64, out: &mut [[f64; 16]; 2]) -> bool {
    power_real::<_, Pair<[__m256d; 4]>>(m, k, out)
}

/// `out ← A^k` (`k ≥ 1`) for a 4×4 `f64` matrix in row-major order;
/// `false` (and `out` untouched) without AVX2+FMA.
#[inline]
pub(crate) fn power4_f64(m: &[f64; 16], k: u64, out: &mut [f64; 16]) -> bool {
    power_real::<_, [__m256d; 4]>(m, k, out)
}

/// `out ← A^k` (`k ≥ 1`) for a 4×4 `f32` matrix in row-major order, in
/// 128-bit registers; `false` (and `out` untouched) without AVX2+FMA.
#[inline]
pub(crate) fn power4_f32(m: &[f32; 16], k: u64, out: &mut [f32; 16]) -> bool {
    power_real::<_, [__m128; 4]>(m, k, out)
}

/// `acc + x·y` lane-wise for complex vectors held as `[re, im]`. (Adding to
/// a zero accumulator rounds exactly like a plain product.)
#[inline(always)]
pub(super) fn cmadd<L: FloatLanes>(s: V3, x: [L; 2], y: [L; 2], acc: [L; 2]) -> [L; 2] {
    let re = L::fmadd(s, x[0], y[0], acc[0]);
    let im = L::fmadd(s, x[0], y[1], acc[1]);
    [L::fnmadd(s, x[1], y[1], re), L::fmadd(s, x[1], y[0], im)]
}

/// A complex power as real and imaginary planes, each in the diagonal
/// layout `D`, run in one dispatch.
struct ComplexPower<'a, T, D, const LEN: usize> {
    s: V3,
    m: &'a [Complex<T>; LEN],
    k: u64,
    out: &'a mut [Complex<T>; LEN],
    layout: PhantomData<D>,
}

impl<T: Pod, D: DiagLayout<[T; LEN]>, const LEN: usize> pulp::WithSimd
    for ComplexPower<'_, T, D, LEN>
where
    [D; 2]: InRegisters,
{
    type Output = ();
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        let ComplexPower { s, m, k, out, .. } = self;
        let mut planes = split_planes(m);
        let a = [D::load(s, &planes[0]), D::load(s, &planes[1])];
        let [re, im] = power_in_registers(s, &a, k);
        re.store(s, &mut planes[0]);
        im.store(s, &mut planes[1]);
        join_planes(&planes, out);
    }
}

/// `out ← A^k` (`k ≥ 1`) for a complex row-major matrix, its planes in the
/// diagonal layout `D`; `false` (and `out` untouched) without AVX2+FMA.
#[inline(always)]
pub(super) fn power_complex<T: Pod, D: DiagLayout<[T; LEN]>, const LEN: usize>(
    m: &[Complex<T>; LEN],
    k: u64,
    out: &mut [Complex<T>; LEN],
) -> bool
where
    [D; 2]: InRegisters,
{
    dispatch(|s| ComplexPower::<T, D, LEN> {
        s,
        m,
        k,
        out,
        layout: PhantomData,
    })
    .is_some()
}

/// `out[i] ← m[i]^k` for two 4×4 `f32` matrices, side by side ([`Pair`]).
#[inline]
pub(crate) fn power4_f32_pair(m: &[[f32; 16]; 2], k: u64, out: &mut [[f32; 16]; 2]) -> bool {
    power_real::<_, Pair<[__m128; 4]>>(m, k, out)
}

#[inline(always)]
fn load<T: Pod, V: Pod>(src: &[T]) -> V {
    let mut row = [T::zeroed(); 4];
    row.copy_from_slice(src);
    pulp::cast(row)
}

/// `out ← A^k` (`k ≥ 1`) for a row-major 4×4 integer matrix, computed in
/// `i32`, `f32` (AVX-512 only) or `f64` lanes; `false` (nothing written) without AVX2+FMA,
/// when an entry is outside `i64`, or when the quick bound test fails.
///
/// Exact only when every entry of every power the schedule forms, and every
/// partial sum, is below [`EXACT_LIMIT`] in magnitude: then every product
/// and sum is an integer below 2^53, which `f64` holds exactly, and the
/// conversions are exact. The quick test establishes this through the
/// power bound `n^(k−1)·max|A|^k ≤ 2^(2(k−1) + e·k) ≤ 2^max_bits`, where
/// `max|A| ≤ 2^e`; it runs in vector registers, where it costs a few
/// instructions instead of a scalar pass over the entries. When that bound
/// is at most 2^30, every value fits `i32`, and the `i32` kernel runs
/// instead if the bound asks for `i32_lanes` (on CPUs with fast 32-bit
/// multiplies, [`super::gemm::fast_i32_multiply`]); otherwise, within
/// `2^F32_BITS` and on a CPU with AVX-512, the `f32` plane kernel of
/// [`super::real512`]. `Bound::Proved` always takes the `f64` kernel (on
/// AVX-512 CPUs also [`super::real512`]'s).
///
/// The entries are converted to `i64` inside the dispatch (see
/// [`CheckedElem::to_i64_bits`]; an entry outside `i64` gives `false`): a
/// converted copy made first would make the vector loads wait on its
/// scalar stores.
#[inline(always)]
pub(crate) fn power4_int_exact<T: CheckedElem>(
    m: &[T; 16],
    k: u64,
    out: &mut [T; 16],
    bound: Bound,
) -> bool {
    if let Some(s) = super::gemm::v4() {
        return power4_int_exact_v4(s, m, k, out, bound);
    }
    v3().is_some_and(|s| power4_int_exact_in(s, m, k, out, bound))
}

/// The AVX-512 instance of [`power4_int_exact`], out of line so that the
/// AVX2 one inlines into the caller as it did before there was a choice.
#[inline(never)]
fn power4_int_exact_v4<T: CheckedElem>(
    s: pulp::x86::V4,
    m: &[T; 16],
    k: u64,
    out: &mut [T; 16],
    bound: Bound,
) -> bool {
    power4_int_exact_in(s, m, k, out, bound)
}

/// [`power4_int_exact`] in the instruction set of `lanes` (the tests run
/// both sets where the CPU has AVX-512).
#[inline(always)]
pub(super) fn power4_int_exact_in<T: CheckedElem, S: IntLanes4>(
    lanes: S,
    m: &[T; 16],
    k: u64,
    out: &mut [T; 16],
    bound: Bound,
) -> bool {
    struct Op<'a, T, S>(S, &'a [T; 16], u64, &'a mut [T; 16], Bound);
    impl<T: CheckedElem, S: IntLanes4> pulp::WithSimd for Op<'_, T, S> {
        type Output = bool;
        #[inline(always)]
        fn with_simd<Simd: pulp::Simd>(self, _: Simd) -> bool {
            let Op(lanes, m, k, out, bound) = self;
            let s = lanes.v3();
            let Some(ints) = load_int_rows(s, m) else {
                return false;
            };
            if bound == Bound::Wrapping32 {
                store_int_rows(power4_i32(s, &ints, k), out);
                return true;
            }
            if let Bound::Quick {
                signed,
                max_bits,
                i32_lanes,
            } = bound
            {
                let bits = quick_bound_bits(s, &ints, k, signed);
                if bits > max_bits {
                    return false;
                }
                if bits <= I32_BITS && i32_lanes {
                    store_int_rows(power4_i32(s, &ints, k), out);
                    return true;
                }
                if S::HAS_F32 && bits <= F32_BITS {
                    store_int_rows(lanes.power_f32(&ints, k), out);
                    return true;
                }
            }
            store_int_rows(lanes.power_f64(&ints, k), out);
            true
        }
    }
    pulp::Simd::vectorize(lanes, Op(lanes, m, k, out, bound))
}

/// The lane kernels of [`power4_int_exact`] in one instruction set: `f64`
/// diagonals in AVX2 ([`V3`]); with AVX-512 ([`pulp::x86::V4`]), the whole
/// matrix in one `f32` vector or two `f64` ones (see
/// [`super::real512`]). Both sets share the `i32` kernel.
pub(super) trait IntLanes4: pulp::Simd {
    /// Whether [`IntLanes4::power_f32`] exists.
    const HAS_F32: bool;
    fn v3(self) -> V3;
    /// `A^k` from the rows of `A` as `i64` lanes, every value within
    /// `2^F32_BITS`.
    fn power_f32(self, rows: &[__m256i; 4], k: u64) -> [[i64; 4]; 4];
    /// `A^k` from the rows of `A` as `i64` lanes, every value below
    /// [`EXACT_LIMIT`].
    fn power_f64(self, rows: &[__m256i; 4], k: u64) -> [[i64; 4]; 4];
}

impl IntLanes4 for V3 {
    const HAS_F32: bool = false;
    #[inline(always)]
    fn v3(self) -> V3 {
        self
    }
    fn power_f32(self, _: &[__m256i; 4], _: u64) -> [[i64; 4]; 4] {
        unreachable!("no f32 integer kernel in AVX2")
    }
    #[inline(always)]
    fn power_f64(self, rows: &[__m256i; 4], k: u64) -> [[i64; 4]; 4] {
        let s = self;
        let diags = rows_to_diags(s, &int_rows_to_f64(s, rows));
        f64_diags_to_ints(s, &power_in_registers(s, &diags, k))
    }
}

/// The rows of a 4×4 integer matrix as `i64` lanes, converted inside the
/// dispatch (see [`power4_int_exact`]); `None` for an entry outside `i64`.
#[inline(always)]
pub(super) fn load_int_rows<T: CheckedElem>(s: V3, m: &[T; 16]) -> Option<[__m256i; 4]> {
    let mut ints = [s.avx._mm256_setzero_si256(); 4];
    for (row, src) in ints.iter_mut().zip(m.chunks_exact(4)) {
        let mut lanes = [0i64; 4];
        for (l, &v) in lanes.iter_mut().zip(src) {
            *l = v.to_i64_bits()?;
        }
        *row = pulp::cast(lanes);
    }
    Some(ints)
}

/// [`int_to_f64`] of each row (a helper, not `array::map` with a closure:
/// the closure would not inherit the AVX2 target features, and the
/// conversions became calls, i8 4×4 75 → 150 ns).
#[inline(always)]
fn int_rows_to_f64(s: V3, ints: &[__m256i; 4]) -> [__m256d; 4] {
    [
        int_to_f64(s, ints[0]),
        int_to_f64(s, ints[1]),
        int_to_f64(s, ints[2]),
        int_to_f64(s, ints[3]),
    ]
}

/// Writes an `f64` power in the diagonal layout, whose entries are integers
/// below 2^51, to a row-major integer matrix.
#[inline(always)]
fn store_f64_diags_as_ints<T: CheckedElem>(s: V3, diags: &[__m256d; 4], out: &mut [T; 16]) {
    store_int_rows(f64_diags_to_ints(s, diags), out);
}

/// The rows of a matrix held as exact integer-valued `f64` diagonals, as
/// `i64`.
#[inline(always)]
fn f64_diags_to_ints(s: V3, diags: &[__m256d; 4]) -> [[i64; 4]; 4] {
    // A loop, not `array::map`: with `map` the `i64` 4×4 power in `f64`
    // lanes took 114 against 40 ns (Zen 3, k = 10).
    let mut wide = [[0i64; 4]; 4];
    for (w, row) in wide.iter_mut().zip(diags_to_rows(s, diags)) {
        *w = f64_to_int(s, row);
    }
    wide
}

/// `out ← A^k` (`k ≥ 1`) for a 4×4 matrix of an 8- or 16-bit type whose
/// whole-power bound failed: the `f64` register kernel with every product
/// checked against `T`'s range as it is formed. Each product's inputs then
/// fit `T`, so its partial sums are integers of magnitude at most
/// `4·2^32 < 2^53`, exact in `f64`; a product outside the range only sets a
/// flag (the products after it may be inexact, and are discarded). `true`
/// when every product fitted and `out` holds `A^k`; `false` (the call then
/// reruns the stack schedule, which reports the overflow and the products
/// formed) when one did not or the CPU lacks AVX2+FMA.
pub(crate) fn power4_narrow_checked<T: CheckedElem>(
    m: &[T; 16],
    k: u64,
    out: &mut [T; 16],
) -> bool {
    struct Op<'a, T>(V3, &'a [T; 16], u64, &'a mut [T; 16]);
    impl<T: CheckedElem> pulp::WithSimd for Op<'_, T> {
        type Output = bool;
        #[inline(always)]
        fn with_simd<S: pulp::Simd>(self, _: S) -> bool {
            let Op(s, m, k, out) = self;
            let Some(ints) = load_int_rows(s, m) else {
                return false;
            };
            let (lo, hi) = (
                s.avx._mm256_set1_pd(T::MIN_F64),
                s.avx._mm256_set1_pd(T::MAX_F64),
            );
            let a = rows_to_diags(s, &int_rows_to_f64(s, &ints));
            let Some(p) = power_in_range(s, &a, k, (lo, hi)) else {
                return false;
            };
            store_f64_diags_as_ints(s, &p, out);
            true
        }
    }
    dispatch(|s| Op(s, m, k, out)).unwrap_or(false)
}

/// The walk of [`power_in_registers`] for the narrow-type kernels, with
/// every product checked against `(lo, hi)` as it is formed; `None` if one
/// left the range (the products after it may be inexact, and are
/// discarded). A generic function, not a closure passed to the walk: as a
/// closure the check was not inlined once every integer type was compiled
/// (i8 4×4: 76 → 734 ns).
#[inline(always)]
pub(super) fn power_in_range<const D: usize>(
    s: V3,
    a: &[__m256d; D],
    k: u64,
    range: (__m256d, __m256d),
) -> Option<[__m256d; D]>
where
    [__m256d; D]: InRegisters,
{
    let a_rot = a.rotated(s);
    let mut cur = *a;
    let mut bad = s.avx._mm256_setzero_pd();
    let mut bit = 63 - k.leading_zeros();
    while bit > 0 {
        bit -= 1;
        tally();
        cur = cur.times(s, &cur.rotated(s));
        bad = outside_range(s, &cur, range, bad);
        if (k >> bit) & 1 == 1 {
            tally();
            cur = cur.times(s, &a_rot);
            bad = outside_range(s, &cur, range, bad);
        }
    }
    (s.avx._mm256_movemask_pd(bad) == 0).then_some(cur)
}

/// `acc` with the lanes of `p` below `lo` or above `hi` set.
#[inline(always)]
fn outside_range<const D: usize>(
    s: V3,
    p: &[__m256d; D],
    (lo, hi): (__m256d, __m256d),
    acc: __m256d,
) -> __m256d {
    p.iter().fold(acc, |acc, &d| {
        let below = s.avx._mm256_cmp_pd::<_CMP_LT_OQ>(d, lo);
        let above = s.avx._mm256_cmp_pd::<_CMP_GT_OQ>(d, hi);
        s.avx._mm256_or_pd(acc, s.avx._mm256_or_pd(below, above))
    })
}

/// The quick test of [`power4_int_exact`] on the vectors: the bit length
/// `e` of the OR of the entries' `|x| − 1` (`0` for `x = 0`; see
/// [`CheckedElem::reduced_magnitude`]) gives `max|x| ≤ 2^e`. Signed lanes
/// form it as `(x ^ (x < 0 ? −1 : 0)) + (x > 0 ? −1 : 0)`, unsigned ones as
/// `x − 1 − (x = 0 ? −1 : 0)`.
#[inline(always)]
pub(super) fn quick_bound_bits(s: V3, rows: &[__m256i; 4], k: u64, signed: bool) -> u64 {
    let zero = s.avx._mm256_setzero_si256();
    let one = s.avx._mm256_set1_epi64x(1);
    let mut folded = zero;
    for &row in rows {
        let f = if signed {
            let negative = s.avx2._mm256_cmpgt_epi64(zero, row);
            let positive = s.avx2._mm256_cmpgt_epi64(row, zero);
            s.avx2
                ._mm256_add_epi64(s.avx2._mm256_xor_si256(row, negative), positive)
        } else {
            let is_zero = s.avx2._mm256_cmpeq_epi64(row, zero);
            s.avx2
                ._mm256_sub_epi64(s.avx2._mm256_sub_epi64(row, one), is_zero)
        };
        folded = s.avx2._mm256_or_si256(folded, f);
    }
    let lanes: [u64; 4] = pulp::cast(folded);
    super::int::quick_bound_bits(lanes[0] | lanes[1] | lanes[2] | lanes[3], 4, k)
}

/// Powers bounded by `2^I32_BITS` (every entry, product and partial sum of
/// the schedule then fits `i32`) take the 32-bit integer kernel.
pub(super) const I32_BITS: u64 = 30;

/// `i32` lanes of one 128-bit register per diagonal: rotations are in-lane
/// `pshufd` (one cycle, where the `f64` layout needs a lane-crossing
/// shuffle), and the chain per product is multiply → add → add.
type Diags32 = [__m128i; 4];

impl InRegisters for Diags32 {
    type Rotated = [[__m128i; 4]; 4];
    #[inline(always)]
    fn rotated(&self, s: V3) -> [[__m128i; 4]; 4] {
        all_rotations(s, self)
    }
    #[inline(always)]
    fn times(&self, s: V3, y: &[[__m128i; 4]; 4]) -> Self {
        mul32(s, self, y)
    }
}

#[inline(always)]
fn mul32(s: V3, x: &Diags32, y: &[[__m128i; 4]; 4]) -> Diags32 {
    let mut out = *x;
    for (d, o) in out.iter_mut().enumerate() {
        let t0 = s.sse4_1._mm_mullo_epi32(x[0], y[d][0]);
        let t1 = s.sse4_1._mm_mullo_epi32(x[1], y[(d + 3) % 4][1]);
        let t2 = s.sse4_1._mm_mullo_epi32(x[2], y[(d + 2) % 4][2]);
        let t3 = s.sse4_1._mm_mullo_epi32(x[3], y[(d + 1) % 4][3]);
        *o = s
            .sse2
            ._mm_add_epi32(s.sse2._mm_add_epi32(t0, t1), s.sse2._mm_add_epi32(t2, t3));
    }
    out
}

/// `out ← A^k` in `i32` lanes, the layout changes as in the `f64` kernel.
#[inline(always)]
pub(super) fn power4_i32(s: V3, rows64: &[__m256i; 4], k: u64) -> [[i64; 4]; 4] {
    // The low halves of the four i64 lanes: exact when every entry fits
    // i32, and congruent modulo 2^32 (all `Bound::Wrapping32` needs) always.
    let low = s.avx._mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
    let mut rows = [s.avx._mm256_castsi256_si128(rows64[0]); 4];
    for (r, &v) in rows.iter_mut().zip(rows64) {
        *r = s
            .avx
            ._mm256_castsi256_si128(s.avx2._mm256_permutevar8x32_epi32(v, low));
    }
    let p = diags_to_rows(s, &power_in_registers(s, &rows_to_diags(s, &rows), k));
    let mut wide = [[0i64; 4]; 4];
    for (w, row) in wide.iter_mut().zip(p) {
        *w = pulp::cast(s.avx2._mm256_cvtepi32_epi64(row));
    }
    wide
}

/// Powers bounded by `2^F32_BITS` take the AVX-512 `f32` kernel (see
/// [`IntLanes4`]): every entry, product and partial sum of the schedule is
/// then an integer of magnitude at most 2^24, which `f32` holds exactly, so
/// every fused multiply-add and both conversions are exact.
pub(super) const F32_BITS: u64 = 24;

/// `out ← rows`, converted to `T`. One store loop after both kernels: with
/// a store loop in each, the compiler merged their tails and wrote the last
/// row as an 8-, a 16- and an 8-byte store, which a caller's 16-byte loads
/// of that row (the allocating call's copy into its `Vec`) straddled, and a
/// load that straddles two stores waits for both to reach the cache.
#[inline(always)]
pub(super) fn store_int_rows<T: CheckedElem>(rows: [[i64; 4]; 4], out: &mut [T; 16]) {
    for (dst, row) in out.as_chunks_mut::<4>().0.iter_mut().zip(rows) {
        *dst = row.map(T::from_i64_lossy);
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// `ran`, once checked: a kernel may decline only where [`dispatch`]
    /// finds no AVX2+FMA. Otherwise a test that checks the kernel's output
    /// only when it ran would silently check nothing.
    pub(in crate::power) fn ran(ran: bool) -> bool {
        assert!(ran || v3().is_none(), "kernel declined on an AVX2+FMA CPU");
        ran
    }

    /// `m^k` by `k − 1` plain products.
    pub(in crate::power) fn naive<T>(m: &[T; 16], k: u64) -> [T; 16]
    where
        T: Copy + Default + std::ops::Mul<Output = T> + std::iter::Sum,
    {
        let mut p = *m;
        for _ in 1..k {
            let mut q = [T::default(); 16];
            for i in 0..4 {
                for j in 0..4 {
                    q[i * 4 + j] = (0..4).map(|l| p[i * 4 + l] * m[l * 4 + j]).sum();
                }
            }
            p = q;
        }
        p
    }

    #[test]
    fn layout_round_trip_and_products() {
        // Distinct small integers: every power up to 6 is exact in f64, so
        // any misplaced lane shows as an exact mismatch.
        let m: [f64; 16] = std::array::from_fn(|i| i as f64 - 7.0);
        let mi = m.map(|v| v as i64);
        for k in 1..=6 {
            let want = naive(&m, k);
            let mut p = [0.0; 16];
            if ran(power4_f64(&m, k, &mut p)) {
                assert_eq!(p, want, "k = {k}");
            }
            // f32 holds every integer below 2^24; the power bound
            // 4^(k−1)·8^k stays below it up to k = 5.
            if k <= 5 {
                let mut p32 = [0.0f32; 16];
                if ran(power4_f32(&m.map(|v| v as f32), k, &mut p32)) {
                    assert_eq!(p32, want.map(|v| v as f32), "f32, k = {k}");
                }
            }
            // Proved: the f64 kernel. Quick with i32 lanes: the i32 kernel
            // while the quick bound is within 2^30 (k ≤ 5 here), the f64
            // kernel after; without, the f64 kernel throughout.
            let quick = |i32_lanes| Bound::Quick {
                signed: true,
                max_bits: F64_BITS,
                i32_lanes,
            };
            for bound in [Bound::Proved, quick(false), quick(true)] {
                let mut pi = [0; 16];
                if power4_int_exact(&mi, k, &mut pi, bound) {
                    assert_eq!(pi, want.map(|v| v as i64), "k = {k}");
                }
            }
        }
    }

    /// Random `n×n` matrices (row-major, `L = n²`) whose quick power bound
    /// lies just within 2^30 or past it, with `k`: the tests run both lane
    /// choices on them on any CPU (the dispatch picks one per CPU, see
    /// [`super::super::gemm::fast_i32_multiply`]).
    pub(in crate::power) fn near_i32_limit<const L: usize>(n: u32) -> Vec<([i64; L], u64)> {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut cases = Vec::new();
        for k in 1..=8u64 {
            // The largest e with c·(k−1) + e·k ≤ 30 (n ≤ 2^c), so entries
            // below 2^e pass the quick bound for i32 lanes. Entries of
            // e + 2 bits, all in the upper half of their range and of one
            // sign, give a power past 2^31, which only f64 lanes hold.
            let c = u64::from(u32::BITS - (n - 1).leading_zeros());
            let e = (30 - c * (k - 1)) / k;
            for bits in [e, e + 1, e + 2] {
                for case in 0..8 {
                    let same_sign = case % 2 == 0;
                    let m = std::array::from_fn(|_| {
                        let half = 1u64 << (bits - 1);
                        let v = if same_sign {
                            (half + next() % half) as i64
                        } else {
                            (next() % (2 * half)) as i64
                        };
                        if !same_sign && next() & 1 == 1 {
                            -v
                        } else {
                            v
                        }
                    });
                    cases.push((m, k));
                }
            }
        }
        cases
    }

    #[test]
    fn both_lane_choices_exact_near_the_i32_limit() {
        for (m, k) in near_i32_limit::<16>(4) {
            let want = naive(&m.map(i128::from), k);
            for i32_lanes in [false, true] {
                let bound = Bound::Quick {
                    signed: true,
                    max_bits: F64_BITS,
                    i32_lanes,
                };
                let mut p = [0i64; 16];
                if ran(power4_int_exact(&m, k, &mut p, bound)) {
                    assert_eq!(p.map(i128::from), want, "k = {k}, i32 lanes {i32_lanes}");
                }
            }
        }
    }

    /// The vector quick bound of [`power4_int_exact`] against the scalar
    /// one ([`super::super::int::coarse_bound_bits`]), for signed and
    /// unsigned lanes, on entries around every power of two.
    #[test]
    fn vector_quick_bound_matches_the_scalar_one() {
        use super::super::int::coarse_bound_bits;
        let Some(s) = v3() else { return };
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for trial in 0..2000 {
            let entries: [i64; 16] = std::array::from_fn(|_| {
                let r = next();
                let p = (r >> 58) as u32 % (1 + trial % 64) as u32;
                let v = (1i64 << p.min(62)).wrapping_add((r % 3) as i64 - 1);
                if r & (1 << 20) != 0 {
                    -v
                } else {
                    v
                }
            });
            let k = 1 + next() % 40;
            let rows: [__m256i; 4] = load_rows(&entries);
            assert_eq!(
                quick_bound_bits(s, &rows, k, true),
                coarse_bound_bits(&entries, 4, k),
                "signed {entries:?}, k = {k}"
            );
            // Magnitudes, not the two's-complement bit patterns: a cast
            // negative entry is near 2^64 and would saturate every bound,
            // hiding how zero and small unsigned entries are folded.
            let unsigned = entries.map(|v| v.unsigned_abs());
            let unsigned_rows: [__m256i; 4] = load_rows(&unsigned);
            assert_eq!(
                quick_bound_bits(s, &unsigned_rows, k, false),
                coarse_bound_bits(&unsigned, 4, k),
                "unsigned {unsigned:?}, k = {k}"
            );
        }
    }

    #[test]
    fn conversions_at_the_limit() {
        let edge = EXACT_LIMIT as i64 - 1;
        let mut m = [0i64; 16];
        m[0] = edge;
        m[5] = -edge;
        m[10] = 1;
        m[15] = -1;
        let mut p = [0; 16];
        if ran(power4_int_exact(&m, 1, &mut p, Bound::Proved)) {
            assert_eq!(p, m);
        }
    }
}
