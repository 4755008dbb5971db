//! Whole powers of real 4×4 matrices in AVX-512 registers (x86-64 with
//! AVX-512, through `pulp`'s safe dispatch; see [`super::gemm::v4`]): an
//! `f32` matrix in one 512-bit vector ([`Plane32`]), an `f64` matrix in two
//! ([`Plane64`]), rows in memory order. Integer 4×4 powers whose bound
//! allows it run here too (see [`IntLanes4`]).
//!
//! Row `i` of `X·Y` is `Σ_l x_il·Y_l`. With every row in its own part of
//! the vectors, the term `l = (i + s) mod 4` of every row at once is
//! `spread_s(X) ∘ rotate_s(Y)`: `spread_s` fills row `i`'s place with
//! `x_i,(i+s)` (one permute per vector), and `rotate_s` puts row
//! `(i + s) mod 4` of `Y` in the place of row `i` (one lane shuffle per
//! vector, formed once per factor). A 4×4 product is then, per vector,
//! four spreads, two multiplies, two fused multiply-adds and one add; no
//! layout change on the way in or out. The AVX2 kernel of
//! [`super::simd4`] keeps the matrix as diagonals, which costs it a
//! conversion each way and twelve rotations per product on 256-bit (or
//! 128-bit) vectors; on an Intel Xeon with AVX-512, a k = 10 power took
//! 12.6 against 20.6 ns (`f32`) and 17 against 24.7 ns (`f64`).
//!
//! The terms are summed as `(s0 + s1) + (s2 + s3)`, each half a multiply
//! and a fused multiply-add, in the order of [`super::simd4`]'s diagonal
//! kernel, whose term `s` of entry `(i, j)` is the same `x_i,(i+s)·
//! y_(i+s),j`: the two kernels round identically, so a matrix gives the same
//! bits whichever of them (or of their pairs, for stacks) powers it.
//!
//! 3×3 matrices stay on [`super::simd3`]: padded to 4×4 here, `f32` took
//! 12.5 against 11.5 ns, and `i64` (in `f32` lanes) 19.3–21.9 against 19 ns.

use std::arch::x86_64::{__m256i, __m512, __m512d, __m512i};
use std::marker::PhantomData;

use pulp::x86::{V3, V4};

use super::gemm::v4;
use super::simd4::{power_in_registers, InRegisters, IntLanes4, Pair};

/// A 4×4 `f32` matrix in one vector, row `i` in the 128-bit lane `i`.
#[derive(Clone, Copy)]
struct Plane32(__m512);

/// Row `i`'s lane filled with its entry `(i + shift) mod 4`: one in-lane
/// permute.
#[inline(always)]
fn spread32(s: V4, x: __m512, shift: usize) -> __m512 {
    let idx: [[i32; 4]; 4] = std::array::from_fn(|i| [((i + shift) % 4) as i32; 4]);
    s.avx512f._mm512_permutevar_ps(x, pulp::cast(idx))
}

/// Row `(i + shift) mod 4` in lane `i`.
#[inline(always)]
fn rotate32(s: V4, y: __m512, shift: usize) -> __m512 {
    let f = s.avx512f;
    match shift {
        0 => y,
        1 => f._mm512_shuffle_f32x4::<0b00_11_10_01>(y, y),
        2 => f._mm512_shuffle_f32x4::<0b01_00_11_10>(y, y),
        _ => f._mm512_shuffle_f32x4::<0b10_01_00_11>(y, y),
    }
}

impl InRegisters<V4> for Plane32 {
    /// `rotate_s(Y)` for `s = 0…3`.
    type Rotated = [__m512; 4];
    #[inline(always)]
    fn rotated(&self, s: V4) -> [__m512; 4] {
        std::array::from_fn(|shift| rotate32(s, self.0, shift))
    }
    #[inline(always)]
    fn times(&self, s: V4, y: &[__m512; 4]) -> Self {
        let f = s.avx512f;
        let term = |shift| (spread32(s, self.0, shift), y[shift]);
        let half = |(x0, y0): (__m512, __m512), (x1, y1): (__m512, __m512)| {
            f._mm512_fmadd_ps(x1, y1, f._mm512_mul_ps(x0, y0))
        };
        Plane32(f._mm512_add_ps(half(term(0), term(1)), half(term(2), term(3))))
    }
}

/// A 4×4 `f64` matrix in two vectors, rows 0 and 1 in the first and rows
/// 2 and 3 in the second, each row in a 256-bit half.
#[derive(Clone, Copy)]
struct Plane64([__m512d; 2]);

/// Row `i`'s half filled with its entry `(i + shift) mod 4` (row `i` is
/// half `i mod 2` of vector `i / 2`): one permute per vector.
#[inline(always)]
fn spread64(s: V4, x: &[__m512d; 2], shift: usize) -> [__m512d; 2] {
    std::array::from_fn(|v| {
        let idx: [i64; 8] = std::array::from_fn(|lane| {
            let half = lane / 4;
            (4 * half + (2 * v + half + shift) % 4) as i64
        });
        s.avx512f._mm512_permutexvar_pd(pulp::cast(idx), x[v])
    })
}

impl InRegisters<V4> for Plane64 {
    /// Rows `(i + s) mod 4` in the places of rows `i`, for `s = 0…3`:
    /// rows 1, 2 | 3, 0 are two shuffles; shifts 0 and 2 are free.
    type Rotated = [[__m512d; 2]; 4];
    #[inline(always)]
    fn rotated(&self, s: V4) -> [[__m512d; 2]; 4] {
        let f = s.avx512f;
        let [y01, y23] = self.0;
        let y12 = f._mm512_shuffle_f64x2::<0b01_00_11_10>(y01, y23);
        let y30 = f._mm512_shuffle_f64x2::<0b01_00_11_10>(y23, y01);
        [[y01, y23], [y12, y30], [y23, y01], [y30, y12]]
    }
    #[inline(always)]
    fn times(&self, s: V4, y: &[[__m512d; 2]; 4]) -> Self {
        let f = s.avx512f;
        let x: [[__m512d; 2]; 4] = std::array::from_fn(|shift| spread64(s, &self.0, shift));
        Plane64(std::array::from_fn(|v| {
            let half = |a: usize, b: usize| {
                f._mm512_fmadd_pd(x[b][v], y[b][v], f._mm512_mul_pd(x[a][v], y[a][v]))
            };
            f._mm512_add_pd(half(0, 1), half(2, 3))
        }))
    }
}

/// How a row-major matrix `M` (or a pair of them) enters and leaves its
/// planes.
trait Planes<M>: InRegisters<V4> {
    fn load(m: &M) -> Self;
    fn store(self, s: V4, out: &mut M);
}

/// Writes a result in the 256-bit `pieces` (`L` elements each), the widest
/// that the allocating call's copy into its `Vec` (`memcpy`, in 256-bit
/// loads) reads: a load inside one wider store was not forwarded from it
/// and waited for the store to reach the cache (`f32`: 24 → 42 ns per
/// allocating power). The `black_box` keeps the compiler from merging the
/// pieces back.
#[inline(always)]
fn store_in_256_bit_pieces<T: pulp::bytemuck::Pod, const L: usize>(
    out: &mut [T],
    pieces: &[[T; L]],
) {
    for (dst, piece) in out.chunks_exact_mut(L).zip(pieces) {
        dst.copy_from_slice(piece);
        std::hint::black_box(&mut *dst);
    }
}

impl Planes<[f32; 16]> for Plane32 {
    #[inline(always)]
    fn load(m: &[f32; 16]) -> Self {
        Plane32(pulp::cast(*m))
    }
    #[inline(always)]
    fn store(self, s: V4, out: &mut [f32; 16]) {
        let dq = s.avx512dq;
        let halves: [[f32; 8]; 2] = [
            pulp::cast(dq._mm512_extractf32x8_ps::<0>(self.0)),
            pulp::cast(dq._mm512_extractf32x8_ps::<1>(self.0)),
        ];
        store_in_256_bit_pieces(out, &halves);
    }
}

impl Planes<[f64; 16]> for Plane64 {
    #[inline(always)]
    fn load(m: &[f64; 16]) -> Self {
        Plane64(pulp::cast(*m))
    }
    #[inline(always)]
    fn store(self, s: V4, out: &mut [f64; 16]) {
        let f = s.avx512f;
        let [y01, y23] = self.0;
        let rows: [[f64; 4]; 4] = [
            pulp::cast(f._mm512_extractf64x4_pd::<0>(y01)),
            pulp::cast(f._mm512_extractf64x4_pd::<1>(y01)),
            pulp::cast(f._mm512_extractf64x4_pd::<0>(y23)),
            pulp::cast(f._mm512_extractf64x4_pd::<1>(y23)),
        ];
        store_in_256_bit_pieces(out, &rows);
    }
}

/// Two matrices side by side (stacks): one matrix's dependent chain of
/// multiply-adds fills the slots the other's leaves idle.
impl<M, P: Planes<M>> Planes<[M; 2]> for Pair<P> {
    #[inline(always)]
    fn load(m: &[M; 2]) -> Self {
        Pair([P::load(&m[0]), P::load(&m[1])])
    }
    #[inline(always)]
    fn store(self, s: V4, out: &mut [M; 2]) {
        let Pair([p0, p1]) = self;
        let [o0, o1] = out;
        p0.store(s, o0);
        p1.store(s, o1);
    }
}

/// `out ← m^k` in the planes `P`, in one AVX-512 dispatch.
struct RealPower<'a, M, P> {
    s: V4,
    m: &'a M,
    k: u64,
    out: &'a mut M,
    planes: PhantomData<P>,
}

impl<M, P: Planes<M>> pulp::WithSimd for RealPower<'_, M, P> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        let RealPower { s, m, k, out, .. } = self;
        power_in_registers(s, &P::load(m), k).store(s, out);
    }
}

/// `out ← A^k` (`k ≥ 1`) in the planes `P`; `false` (and `out` untouched)
/// without AVX-512.
#[inline(always)]
fn power<M, P: Planes<M>>(m: &M, k: u64, out: &mut M) -> bool {
    let Some(s) = v4() else {
        return false;
    };
    pulp::Simd::vectorize(
        s,
        RealPower::<M, P> {
            s,
            m,
            k,
            out,
            planes: PhantomData,
        },
    );
    true
}

/// `out ← A^k` (`k ≥ 1`) for a row-major 4×4 `f32` matrix; `false` (and
/// `out` untouched) without AVX-512.
#[inline(never)]
pub(crate) fn power4_f32(m: &[f32; 16], k: u64, out: &mut [f32; 16]) -> bool {
    power::<_, Plane32>(m, k, out)
}

/// `out ← A^k` (`k ≥ 1`) for a row-major 4×4 `f64` matrix; `false` (and
/// `out` untouched) without AVX-512.
#[inline(never)]
pub(crate) fn power4_f64(m: &[f64; 16], k: u64, out: &mut [f64; 16]) -> bool {
    power::<_, Plane64>(m, k, out)
}

/// `out[i] ← m[i]^k` for two 4×4 `f32` matrices side by side.
#[inline(never)]
pub(crate) fn power4_f32_pair(m: &[[f32; 16]; 2], k: u64, out: &mut [[f32; 16]; 2]) -> bool {
    power::<_, Pair<Plane32>>(m, k, out)
}

/// `out[i] ← m[i]^k` for two 4×4 `f64` matrices side by side.
#[inline(never)]
pub(crate) fn power4_f64_pair(m: &[[f64; 16]; 2], k: u64, out: &mut [[f64; 16]; 2]) -> bool {
    power::<_, Pair<Plane64>>(m, k, out)
}

/// The four rows of an integer matrix, as `i64` lanes, in two vectors.
#[inline(always)]
fn join_rows(s: V4, rows: &[__m256i; 4]) -> [__m512i; 2] {
    let f = s.avx512f;
    let [r0, r1, r2, r3] = *rows;
    [
        f._mm512_inserti64x4::<1>(f._mm512_castsi256_si512(r0), r1),
        f._mm512_inserti64x4::<1>(f._mm512_castsi256_si512(r2), r3),
    ]
}

/// The AVX-512 lanes of [`super::simd4::power4_int_exact`]: the entries
/// converted once to `f32` or `f64` (exact under the caller's bound, as is
/// every multiply-add on them), powered in the planes, converted back.
impl IntLanes4 for V4 {
    const HAS_F32: bool = true;
    #[inline(always)]
    fn v3(self) -> V3 {
        *self
    }
    #[inline(always)]
    fn power_f32(self, rows: &[__m256i; 4], k: u64) -> [[i64; 4]; 4] {
        let s = self;
        let (f, dq) = (s.avx512f, s.avx512dq);
        let [r01, r23] = join_rows(s, rows);
        let a = dq._mm512_insertf32x8::<1>(
            f._mm512_castps256_ps512(dq._mm512_cvtepi64_ps(r01)),
            dq._mm512_cvtepi64_ps(r23),
        );
        let Plane32(p) = power_in_registers(s, &Plane32(a), k);
        let halves: [__m256i; 2] = pulp::cast(f._mm512_cvtps_epi32(p));
        pulp::cast([
            f._mm512_cvtepi32_epi64(halves[0]),
            f._mm512_cvtepi32_epi64(halves[1]),
        ])
    }
    #[inline(always)]
    fn power_f64(self, rows: &[__m256i; 4], k: u64) -> [[i64; 4]; 4] {
        let s = self;
        let dq = s.avx512dq;
        let [r01, r23] = join_rows(s, rows);
        let a = Plane64([dq._mm512_cvtepi64_pd(r01), dq._mm512_cvtepi64_pd(r23)]);
        let Plane64(p) = power_in_registers(s, &a, k);
        pulp::cast([dq._mm512_cvtpd_epi64(p[0]), dq._mm512_cvtpd_epi64(p[1])])
    }
}

#[cfg(test)]
mod tests {
    use super::super::int::Bound;
    use super::super::simd4::tests::naive;
    use super::super::simd4::{self, power4_int_exact_in, F32_BITS, F64_BITS};
    use super::*;

    /// A xorshift stream of values in `[-1, 1)`.
    fn stream(seed: u64) -> impl FnMut() -> f64 {
        let mut x = seed | 1;
        move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f64 / (1u64 << 52) as f64 - 1.0
        }
    }

    /// Every plane kernel against the AVX2 diagonal kernel it replaces on
    /// AVX-512 CPUs, bit for bit (the two round identically; see the
    /// module documentation), on random matrices and every k up to 64,
    /// single and paired. Stacks rely on it: a matrix powered in a pair
    /// must give the bits it gives alone.
    #[test]
    fn planes_round_exactly_as_the_diagonal_kernels() {
        let ran = v4().is_some();
        let mut r = stream(7);
        for trial in 0..12 {
            let m64: [f64; 16] = std::array::from_fn(|_| r());
            let other: [f64; 16] = std::array::from_fn(|_| r());
            let m32 = m64.map(|v| v as f32);
            for k in 1..=64 {
                let (mut a, mut b) = ([0.0; 16], [0.0; 16]);
                assert_eq!(power4_f64(&m64, k, &mut a), ran);
                if !ran {
                    return;
                }
                assert!(simd4::power4_f64(&m64, k, &mut b));
                assert_eq!(
                    a.map(f64::to_bits),
                    b.map(f64::to_bits),
                    "f64, trial {trial}, k = {k}"
                );
                let (mut a32, mut b32) = ([0.0f32; 16], [0.0f32; 16]);
                assert!(power4_f32(&m32, k, &mut a32));
                assert!(simd4::power4_f32(&m32, k, &mut b32));
                assert_eq!(
                    a32.map(f32::to_bits),
                    b32.map(f32::to_bits),
                    "f32, trial {trial}, k = {k}"
                );
                let mut pair = [[0.0; 16]; 2];
                assert!(power4_f64_pair(&[m64, other], k, &mut pair));
                let mut alone = [0.0; 16];
                assert!(simd4::power4_f64(&other, k, &mut alone));
                assert_eq!(pair[0].map(f64::to_bits), a.map(f64::to_bits));
                assert_eq!(pair[1].map(f64::to_bits), alone.map(f64::to_bits));
                let mut pair32 = [[0.0f32; 16]; 2];
                assert!(power4_f32_pair(
                    &[m32, other.map(|v| v as f32)],
                    k,
                    &mut pair32
                ));
                assert_eq!(pair32[0].map(f32::to_bits), a32.map(f32::to_bits));
            }
        }
    }

    /// Near-all-ones 0/1 and random −1/0/1 matrices, every k up to 24,
    /// through both instruction sets' integer kernels, against plain `i64`
    /// products. The quick bound of a 0/1 matrix is `2^(2(k−1))`, so k = 13
    /// is the last power in `f32` lanes and its entries reach `2^24`; from
    /// k = 14 on, the `f64` lanes. Entries past `2^24` are odd here, so a
    /// bound that let `f32` go further would round them and fail.
    #[test]
    fn integer_planes_exact_up_to_their_bounds() {
        let Some(s4) = v4() else { return };
        let s3 = *s4;
        let mut r = stream(11);
        let mut beyond_f32 = false;
        for trial in 0..16 {
            let m: [i64; 16] = std::array::from_fn(|i| {
                let v = r();
                if trial % 2 == 0 {
                    // All ones but for a few zeros.
                    i64::from(i % 7 != trial % 7 || v < 0.0)
                } else {
                    (v * 1.5).round().clamp(-1.0, 1.0) as i64
                }
            });
            for k in 1..=24 {
                let want = naive(&m, k);
                beyond_f32 |= k > 13 && want.iter().any(|v| v.abs() > 1 << F32_BITS && v % 2 != 0);
                let bound = Bound::Quick {
                    signed: true,
                    max_bits: F64_BITS,
                    i32_lanes: false,
                };
                let (mut p4, mut p3) = ([0i64; 16], [0i64; 16]);
                assert!(power4_int_exact_in(s4, &m, k, &mut p4, bound));
                assert!(power4_int_exact_in(s3, &m, k, &mut p3, bound));
                assert_eq!(p4, want, "AVX-512, trial {trial}, k = {k}");
                assert_eq!(p3, want, "AVX2, trial {trial}, k = {k}");
                let (mut q4, mut q3) = ([0i64; 16], [0i64; 16]);
                assert!(power4_int_exact_in(s4, &m, k, &mut q4, Bound::Proved));
                assert!(power4_int_exact_in(s3, &m, k, &mut q3, Bound::Proved));
                assert_eq!((q4, q3), (want, want), "proved, trial {trial}, k = {k}");
            }
        }
        assert!(beyond_f32, "no power past the f32 limit with an odd entry");
    }
}
