//! Real and complex float products `C = A·B` over packed strips of `B`
//! (every float product from n = 5 up to n = 1024, or 255 with a `blas`
//! feature).
//!
//! For each strip of `B` (one cache line of reals from every row: 8 `f64`
//! or 16 `f32`; the last strip zero-padded), the strip is packed as
//! contiguous rows, and every block of up to six rows of `A` runs against
//! it with its `6 × 2` accumulator vectors in registers: twelve
//! accumulators hide the fused multiply-add latency, and with the strip
//! row's two vectors and one broadcast they fit the sixteen AVX2 registers.
//! The strip streams from L1 or L2; measured at 44–46 GFLOP/s for `f64`
//! (about 90 % of one Zen 2 core's peak) from n = 64 to 1024. The strip
//! buffer is per thread and reused, so products allocate nothing.
//!
//! Where the CPU has AVX-512 (x86-64-v4), a strip row is one 512-bit
//! accumulator and tiles are up to 12 rows tall ([`Avx512`]); it computes
//! every entry by the same fused chain in the same order as the AVX2
//! kernel, so the two agree bit for bit.
//!
//! Packing costs O(n²) per product, and at sizes that are not a multiple of
//! the strip width the last strip is computed at full width and only its
//! valid columns stored; still, the strips measured faster than the unpacked
//! 6×8 loop nest (which the integer products use) at every n from 5 on: 2–3×
//! at widths that are not a multiple of 8, where the nest falls back to
//! single rows, and 10–30 % at n = 8 and 16 once the buffer was reused.
//!
//! **Complex products run on the real kernel.** `C = A·B` is the real
//! product of `A` read as an `n×2n` real matrix (each entry as `re, im`
//! side by side, its memory layout) and the `2n×2n` real matrix whose rows
//! `2l` and `2l + 1` hold `[re, im]` and `[−im, re]` for each entry of row
//! `l` of `B`: entry `j` of row `i` gets `Σ_l a_re·b_re − a_im·b_im` in
//! column `2j` and `Σ_l a_re·b_im + a_im·b_re` in column `2j + 1`, which
//! is `C` in its own interleaved layout. So every part of every entry is
//! one real dot product of length `2n` at the real kernel's speed, and the
//! only layout work is the packing of `B`, which the real kernel does too.

use super::gemm::Ring;
use super::threads::each_row_panel;
use num_complex::Complex;
use std::cell::RefCell;
use std::thread::LocalKey;

/// A real type the strip kernel runs on.
pub(crate) trait StripReal: Ring + std::ops::Neg<Output = Self> {
    /// One packed strip row: one cache line of reals.
    type Row: Copy + AsRef<[Self]> + AsMut<[Self]>;
    const ZERO_ROW: Self::Row;
    /// Runs `f` on `rows` rows of this thread's strip buffer (see
    /// [`with_buffer`]).
    fn with_strip<T>(rows: usize, f: impl FnOnce(&mut [Packed<Self>]) -> T) -> T;
    /// The AVX2 vector of this type (a strip row is two of them).
    #[cfg(target_arch = "x86_64")]
    type Lanes: Lanes<Elem = Self>;
    #[cfg(target_arch = "x86_64")]
    fn load_row(row: &Self::Row) -> [Self::Lanes; 2];
    #[cfg(target_arch = "x86_64")]
    fn store_row(v: [Self::Lanes; 2]) -> Self::Row;
    /// The AVX-512 vector of this type: a whole strip row.
    #[cfg(target_arch = "x86_64")]
    type Wide: Copy;
    #[cfg(target_arch = "x86_64")]
    fn wide_zero(s: V4) -> Self::Wide;
    /// `acc + x·row`, one rounding per lane (the AVX2 kernel's arithmetic).
    #[cfg(target_arch = "x86_64")]
    fn wide_madd(s: V4, acc: Self::Wide, x: Self, row: &Self::Row) -> Self::Wide;
    #[cfg(target_arch = "x86_64")]
    fn wide_store(v: Self::Wide) -> Self::Row;
}

#[cfg(target_arch = "x86_64")]
use super::lanes::Lanes;
#[cfg(target_arch = "x86_64")]
use pulp::x86::{V3, V4};
#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::{__m256, __m256d, __m512, __m512d};

/// The two real types differ only in their row width and vector types.
macro_rules! strip_real {
    ($($t:ident, $w:expr, $lanes:ident, $wide:ident,
       {$setzero:ident, $set1:ident, $fmadd:ident});*) => {$(
        impl StripReal for $t {
            type Row = [$t; $w];
            const ZERO_ROW: [$t; $w] = [0.0; $w];
            #[inline(always)]
            fn with_strip<T>(rows: usize, f: impl FnOnce(&mut [Packed<$t>]) -> T) -> T {
                thread_local! {
                    static STRIP: RefCell<Vec<Packed<$t>>> = const { RefCell::new(Vec::new()) };
                }
                with_buffer(&STRIP, rows, Packed(Self::ZERO_ROW), f)
            }
            #[cfg(target_arch = "x86_64")]
            type Lanes = $lanes;
            #[cfg(target_arch = "x86_64")]
            #[inline(always)]
            fn load_row(row: &[$t; $w]) -> [$lanes; 2] {
                pulp::cast(*row)
            }
            #[cfg(target_arch = "x86_64")]
            #[inline(always)]
            fn store_row(v: [$lanes; 2]) -> [$t; $w] {
                pulp::cast(v)
            }
            #[cfg(target_arch = "x86_64")]
            type Wide = $wide;
            #[cfg(target_arch = "x86_64")]
            #[inline(always)]
            fn wide_zero(s: V4) -> $wide {
                s.avx512f.$setzero()
            }
            #[cfg(target_arch = "x86_64")]
            #[inline(always)]
            fn wide_madd(s: V4, acc: $wide, x: $t, row: &[$t; $w]) -> $wide {
                s.avx512f.$fmadd(s.avx512f.$set1(x), pulp::cast(*row), acc)
            }
            #[cfg(target_arch = "x86_64")]
            #[inline(always)]
            fn wide_store(v: $wide) -> [$t; $w] {
                pulp::cast(v)
            }
        }
    )*};
}
strip_real!(
    f64, 8, __m256d, __m512d, {_mm512_setzero_pd, _mm512_set1_pd, _mm512_fmadd_pd};
    f32, 16, __m256, __m512, {_mm512_setzero_ps, _mm512_set1_ps, _mm512_fmadd_ps}
);

/// One strip row on its own cache line: with the allocator's 16-byte
/// alignment every other 32-byte load of a strip straddled two lines.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
pub(crate) struct Packed<R: StripReal>(R::Row);

/// An element of a float matrix as the strip kernel sees it: one real, or
/// a complex number as two (see the module documentation).
pub(crate) trait StripElem: Ring {
    type Real: StripReal;
    /// Strip rows per row of `B`, and reals per entry (1 real, 2 complex).
    const PARTS: usize;
    /// The `p`-th real multiplier of this entry of `A` (`p < PARTS`).
    fn part(self, p: usize) -> Self::Real;
    /// Packs `src` (at most one strip row's worth of a row of `B`) into
    /// `P = PARTS` strip rows, zero-padded.
    fn pack<const P: usize>(src: &[Self], dst: &mut [Packed<Self::Real>; P]);
    /// Writes an accumulated strip row back as `dst.len()` entries.
    fn unpack(acc: &<Self::Real as StripReal>::Row, dst: &mut [Self]);
}

/// `dst ← src[..dst.len()]` for the short rows of a partial strip (at most
/// 16 entries), as two overlapping copies of a fixed size: an element loop
/// or a slice copy of run-time length compiles to a `memcpy` call, 7 % of
/// an n = 12 product.
#[inline(always)]
fn copy_short<T: Copy>(src: &[T], dst: &mut [T]) {
    let len = dst.len();
    let src = &src[..len];
    match len {
        0 => {}
        1 => dst[0] = src[0],
        2..=3 => {
            dst[..2].copy_from_slice(&src[..2]);
            dst[len - 2..].copy_from_slice(&src[len - 2..]);
        }
        4..=7 => {
            dst[..4].copy_from_slice(&src[..4]);
            dst[len - 4..].copy_from_slice(&src[len - 4..]);
        }
        8..=16 => {
            dst[..8].copy_from_slice(&src[..8]);
            dst[len - 8..].copy_from_slice(&src[len - 8..]);
        }
        _ => dst.copy_from_slice(src),
    }
}

// Full strip rows are moved as whole arrays, partial ones (the last strip)
// by `copy_short` or an element loop: with one slice copy for both, the
// compiler merged them into a single `memcpy` call of run-time length per
// row, 20 % of an n = 64 product.
macro_rules! strip_elem {
    ($($t:ty => $w:expr),*) => {$(
        impl StripElem for $t {
            type Real = $t;
            const PARTS: usize = 1;
            #[inline(always)]
            fn part(self, _p: usize) -> $t {
                self
            }
            #[inline(always)]
            fn pack<const P: usize>(src: &[Self], dst: &mut [Packed<$t>; P]) {
                if let [Packed(row), ..] = dst.as_mut_slice() {
                    match <&[$t; $w]>::try_from(src) {
                        Ok(full) => *row = *full,
                        Err(_) => {
                            // Not for correctness (padded lanes are never
                            // stored) but so that stale values, subnormal
                            // perhaps, cannot slow those lanes down.
                            *row = [0.0; $w];
                            copy_short(src, &mut row[..src.len().min($w)]);
                        }
                    }
                }
            }
            #[inline(always)]
            fn unpack(acc: &[$t; $w], dst: &mut [Self]) {
                match <&mut [$t; $w]>::try_from(&mut *dst) {
                    Ok(full) => *full = *acc,
                    Err(_) => copy_short(acc, dst),
                }
            }
        }
        impl StripElem for Complex<$t> {
            type Real = $t;
            const PARTS: usize = 2;
            #[inline(always)]
            fn part(self, p: usize) -> $t {
                if p == 0 { self.re } else { self.im }
            }
            #[inline(always)]
            fn pack<const P: usize>(src: &[Self], dst: &mut [Packed<$t>; P]) {
                // `P = PARTS = 2`, so this always matches.
                if let [Packed(even), Packed(odd)] = dst.as_mut_slice() {
                    *even = [0.0; $w];
                    *odd = [0.0; $w];
                    let mut put = |t: usize, z: Complex<$t>| {
                        even[2 * t] = z.re;
                        even[2 * t + 1] = z.im;
                        odd[2 * t] = -z.im;
                        odd[2 * t + 1] = z.re;
                    };
                    match <&[Complex<$t>; $w / 2]>::try_from(src) {
                        Ok(full) => (0..$w / 2).for_each(|t| put(t, full[t])),
                        Err(_) => src.iter().take($w / 2).enumerate().for_each(|(t, &z)| put(t, z)),
                    }
                }
            }
            #[inline(always)]
            fn unpack(acc: &[$t; $w], dst: &mut [Self]) {
                let at = |t: usize| Complex::new(acc[2 * t], acc[2 * t + 1]);
                match <&mut [Complex<$t>; $w / 2]>::try_from(&mut *dst) {
                    Ok(full) => *full = std::array::from_fn(at),
                    Err(_) => dst.iter_mut().take($w / 2).enumerate().for_each(|(t, z)| *z = at(t)),
                }
            }
        }
    )*};
}
strip_elem!(f32 => 16, f64 => 8);

/// `c ← a·b` for float or complex `n×n` row-major slices, in row panels
/// (on several threads with the `parallel` feature; see `threads.rs`).
pub(crate) fn gemm_float<E: StripElem>(n: usize, a: &[E], b: &[E], c: &mut [E]) {
    let b = &b[..n * n];
    each_row_panel(n, a, c, |m, a, c| gemm_float_rows(n, m, a, b, c));
}

/// `c ← a·b` for the rows of `C` in `c` (`m×n`, `a` the same rows of `A`)
/// and the whole `n×n` `b`.
#[inline(always)]
fn gemm_float_rows<E: StripElem>(n: usize, m: usize, a: &[E], b: &[E], c: &mut [E]) {
    E::Real::with_strip(n * E::PARTS, |strip| {
        #[cfg(target_arch = "x86_64")]
        if let Some(s) = super::gemm::v4() {
            return in_simd(s, Avx512(s), n, m, a, b, c, strip);
        }
        #[cfg(target_arch = "x86_64")]
        if let Some(s) = super::gemm::v3() {
            return in_simd(s, Avx2(s), n, m, a, b, c, strip);
        }
        product(&Portable, n, m, a, b, c, strip)
    })
}

/// Runs `f` on the first `len` entries of one of this thread's scratch
/// buffers, which grows (filled with `fill`) to the largest size asked for
/// and is then reused: a product allocates nothing once its thread has run
/// one of its size (and `matrix_power_into` keeps its promise of no
/// allocation in a loop). An allocation, with alignment, took a quarter of an
/// n = 12 product. Re-entered or during thread teardown, `f` gets a buffer of
/// its own.
#[inline(always)]
pub(crate) fn with_buffer<E: Clone, T>(
    buffer: &'static LocalKey<RefCell<Vec<E>>>,
    len: usize,
    fill: E,
    f: impl FnOnce(&mut [E]) -> T,
) -> T {
    let mut f = Some(f);
    let done = buffer.try_with(|cell| {
        let mut scratch = cell.try_borrow_mut().ok()?;
        if scratch.len() < len {
            scratch.resize(len, fill.clone());
        }
        f.take().map(|f| f(&mut scratch[..len]))
    });
    match (done, f) {
        (Ok(Some(t)), _) => t,
        (_, Some(f)) => f(&mut vec![fill; len]),
        // `f` is taken only on the path that returned its result.
        (_, None) => unreachable!("the scratch closure ran without a result"),
    }
}

/// The product with the tile kernel `K`.
#[inline(always)]
fn product<E: StripElem, K: TileKernel>(
    kernel: &K,
    n: usize,
    m: usize,
    a: &[E],
    b: &[E],
    c: &mut [E],
    strip: &mut [Packed<E::Real>],
) {
    if E::PARTS == 2 {
        on_strips::<E, K, 2>(kernel, n, m, a, b, c, strip.as_chunks_mut().0);
    } else {
        on_strips::<E, K, 1>(kernel, n, m, a, b, c, strip.as_chunks_mut().0);
    }
}

/// Where a tile sits: rows `i..`, entries `j..j + width` of `C` (`m×n`:
/// the `m` rows of one panel, `n` the product's size).
#[derive(Clone, Copy)]
struct Tile {
    n: usize,
    m: usize,
    i: usize,
    j: usize,
    width: usize,
}

/// The arithmetic of one accumulator row of a tile: explicit AVX2 vectors,
/// or portable scalar arrays. (Trait methods, not closures: a closure would
/// not inherit the AVX2 target features.)
trait TileKernel {
    /// The tallest tile: as many accumulator rows as the registers hold
    /// beside the strip row and the broadcasts.
    const MAX_ROWS: usize = 6;
    /// One accumulated row of a tile (a strip row's width).
    type Acc<R: StripReal>: Copy;
    fn zero<R: StripReal>(&self) -> Self::Acc<R>;
    /// `acc + x·b` (fused where the kernel has FMA).
    fn madd<R: StripReal>(&self, acc: Self::Acc<R>, x: R, b: &R::Row) -> Self::Acc<R>;
    fn finish<R: StripReal>(&self, acc: Self::Acc<R>) -> R::Row;

    /// The tile `C[i..i+M, j..j+width] = A[i..i+M, :] · strip`, its `M`
    /// accumulator rows held in registers over the whole depth.
    #[inline(always)]
    fn tile<E: StripElem, const M: usize, const P: usize, const FULL: bool>(
        &self,
        at: Tile,
        a: &[E],
        strip: &[[Packed<E::Real>; P]],
        c: &mut [E],
    ) {
        let rows: [&[E]; M] = std::array::from_fn(|r| &a[(at.i + r) * at.n..][..strip.len()]);
        let mut acc = [self.zero::<E::Real>(); M];
        for (l, parts) in strip.iter().enumerate() {
            for (p, Packed(b)) in parts.iter().enumerate() {
                for r in 0..M {
                    acc[r] = self.madd(acc[r], rows[r][l].part(p), b);
                }
            }
        }
        for (r, &row) in acc.iter().enumerate() {
            store_row::<E, FULL>(at, r, &self.finish(row), c);
        }
    }

    /// The tile of height `m ≤ MAX_ROWS` (its height a constant, so that
    /// the accumulators stay in registers). Kernels with `MAX_ROWS > 6`
    /// add their taller tiles; only those heights are compiled for them.
    #[inline(always)]
    fn block<E: StripElem, const P: usize, const FULL: bool>(
        &self,
        m: usize,
        at: Tile,
        a: &[E],
        strip: &[[Packed<E::Real>; P]],
        c: &mut [E],
    ) where
        Self: Sized,
    {
        short_block::<E, Self, P, FULL>(self, m, at, a, strip, c)
    }
}

#[inline(always)]
fn on_strips<E: StripElem, K: TileKernel, const P: usize>(
    kernel: &K,
    n: usize,
    m: usize,
    a: &[E],
    b: &[E],
    c: &mut [E],
    strip: &mut [[Packed<E::Real>; P]],
) {
    debug_assert_eq!(P, E::PARTS);
    let strip = &mut strip[..n];
    let per_strip = entries_per_strip::<E>();
    let mut j = 0;
    while j < n {
        let width = per_strip.min(n - j);
        for (dst, brow) in strip.iter_mut().zip(b.chunks_exact(n)) {
            E::pack(&brow[j..j + width], dst);
        }
        // Full strips store whole rows of a width the compiler knows, which
        // keeps the accumulators in registers to the end; only the last
        // strip may be partial.
        if width == per_strip {
            row_blocks::<E, K, P, true>(
                kernel,
                Tile {
                    n,
                    m,
                    i: 0,
                    j,
                    width,
                },
                a,
                strip,
                c,
            );
        } else {
            row_blocks::<E, K, P, false>(
                kernel,
                Tile {
                    n,
                    m,
                    i: 0,
                    j,
                    width,
                },
                a,
                strip,
                c,
            );
        }
        j += width;
    }
}

/// Every row block of `A` against one packed strip: blocks of at most
/// `K::MAX_ROWS` rows (6 for AVX2); when the rest is at most one and a half
/// blocks it is split evenly (AVX2: 9 = 5 + 4, 8 = 4 + 4) rather than
/// leaving a short block, whose few accumulators cannot cover the latency.
#[inline(always)]
fn row_blocks<E: StripElem, K: TileKernel, const P: usize, const FULL: bool>(
    kernel: &K,
    at: Tile,
    a: &[E],
    strip: &[[Packed<E::Real>; P]],
    c: &mut [E],
) {
    let mut i = 0;
    while i < at.m {
        let m = block_height(at.m - i, K::MAX_ROWS);
        kernel.block::<E, P, FULL>(m, Tile { i, ..at }, a, strip, c);
        i += m;
    }
}

/// The tile of height `m` (at most 6; see [`TileKernel::block`]).
#[inline(always)]
fn short_block<E: StripElem, K: TileKernel, const P: usize, const FULL: bool>(
    kernel: &K,
    m: usize,
    at: Tile,
    a: &[E],
    strip: &[[Packed<E::Real>; P]],
    c: &mut [E],
) {
    match m {
        6.. => kernel.tile::<E, 6, P, FULL>(at, a, strip, c),
        5 => kernel.tile::<E, 5, P, FULL>(at, a, strip, c),
        4 => kernel.tile::<E, 4, P, FULL>(at, a, strip, c),
        3 => kernel.tile::<E, 3, P, FULL>(at, a, strip, c),
        2 => kernel.tile::<E, 2, P, FULL>(at, a, strip, c),
        _ => kernel.tile::<E, 1, P, FULL>(at, a, strip, c),
    }
}

/// The height of the next row block when `rest` rows are left (see
/// [`row_blocks`]).
#[inline(always)]
fn block_height(rest: usize, max: usize) -> usize {
    if rest <= max {
        rest
    } else if rest <= max + max / 2 {
        rest.div_ceil(2)
    } else {
        max
    }
}

/// Entries of a row of `B` (or `C`) in one strip: a strip row's reals over
/// the reals per entry.
#[inline(always)]
fn entries_per_strip<E: StripElem>() -> usize {
    E::Real::ZERO_ROW.as_ref().len() / E::PARTS
}

/// Writes accumulated row `r` of a tile to `C`; `FULL`: the tile spans a
/// whole strip.
#[inline(always)]
fn store_row<E: StripElem, const FULL: bool>(
    Tile { n, i, j, width, .. }: Tile,
    r: usize,
    row: &<E::Real as StripReal>::Row,
    c: &mut [E],
) {
    let len = if FULL {
        entries_per_strip::<E>()
    } else {
        width
    };
    E::unpack(row, &mut c[(i + r) * n + j..][..len]);
}

/// Scalar arrays the compiler vectorises as it can: for CPUs without
/// AVX2+FMA.
struct Portable;

impl TileKernel for Portable {
    type Acc<R: StripReal> = R::Row;
    #[inline(always)]
    fn zero<R: StripReal>(&self) -> R::Row {
        R::ZERO_ROW
    }
    #[inline(always)]
    fn madd<R: StripReal>(&self, mut acc: R::Row, x: R, b: &R::Row) -> R::Row {
        for (s, &y) in acc.as_mut().iter_mut().zip(b.as_ref()) {
            *s = s.madd(x, y);
        }
        acc
    }
    #[inline(always)]
    fn finish<R: StripReal>(&self, acc: R::Row) -> R::Row {
        acc
    }
}

/// Explicit AVX2+FMA vectors: the accumulators stay in registers whatever
/// the element type (the auto-vectorised arrays did so for some types and
/// tile heights and spilled for others).
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
struct Avx2(V3);

#[cfg(target_arch = "x86_64")]
impl TileKernel for Avx2 {
    type Acc<R: StripReal> = [R::Lanes; 2];
    #[inline(always)]
    fn zero<R: StripReal>(&self) -> [R::Lanes; 2] {
        [Lanes::zero(self.0); 2]
    }
    #[inline(always)]
    fn madd<R: StripReal>(&self, acc: [R::Lanes; 2], x: R, b: &R::Row) -> [R::Lanes; 2] {
        let ([b0, b1], x) = (R::load_row(b), R::Lanes::splat(self.0, x));
        [
            Lanes::fmadd(self.0, x, b0, acc[0]),
            Lanes::fmadd(self.0, x, b1, acc[1]),
        ]
    }
    #[inline(always)]
    fn finish<R: StripReal>(&self, acc: [R::Lanes; 2]) -> R::Row {
        R::store_row(acc)
    }
}

/// AVX-512: a strip row is one vector, so a tile row is one accumulator
/// and the 32 vector registers hold twice the AVX2 kernel's tile height.
/// Each entry of `C` is the same chain of fused multiply-adds over the
/// depth in the same order as in the AVX2 kernel, so the two give
/// identical results, bit for bit.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
struct Avx512(V4);

#[cfg(target_arch = "x86_64")]
impl TileKernel for Avx512 {
    const MAX_ROWS: usize = 12;
    type Acc<R: StripReal> = R::Wide;
    #[inline(always)]
    fn zero<R: StripReal>(&self) -> R::Wide {
        R::wide_zero(self.0)
    }
    #[inline(always)]
    fn madd<R: StripReal>(&self, acc: R::Wide, x: R, b: &R::Row) -> R::Wide {
        R::wide_madd(self.0, acc, x, b)
    }
    #[inline(always)]
    fn finish<R: StripReal>(&self, acc: R::Wide) -> R::Row {
        R::wide_store(acc)
    }
    #[inline(always)]
    fn block<E: StripElem, const P: usize, const FULL: bool>(
        &self,
        m: usize,
        at: Tile,
        a: &[E],
        strip: &[[Packed<E::Real>; P]],
        c: &mut [E],
    ) {
        match m {
            12.. => self.tile::<E, 12, P, FULL>(at, a, strip, c),
            11 => self.tile::<E, 11, P, FULL>(at, a, strip, c),
            10 => self.tile::<E, 10, P, FULL>(at, a, strip, c),
            9 => self.tile::<E, 9, P, FULL>(at, a, strip, c),
            8 => self.tile::<E, 8, P, FULL>(at, a, strip, c),
            7 => self.tile::<E, 7, P, FULL>(at, a, strip, c),
            _ => short_block::<E, Self, P, FULL>(self, m, at, a, strip, c),
        }
    }
}

/// [`product`] with `kernel` inside pulp's safe dispatch for `s`, the
/// kernel's instruction set, so that the inlined loops are compiled for it.
#[cfg(target_arch = "x86_64")]
#[allow(clippy::too_many_arguments)] // the product's operands, as `product` takes them
#[inline(always)]
fn in_simd<S: pulp::Simd, K: TileKernel, E: StripElem>(
    s: S,
    kernel: K,
    n: usize,
    m: usize,
    a: &[E],
    b: &[E],
    c: &mut [E],
    strip: &mut [Packed<E::Real>],
) {
    s.vectorize(InSimd {
        kernel,
        n,
        m,
        a,
        b,
        c,
        strip,
    })
}

#[cfg(target_arch = "x86_64")]
struct InSimd<'a, K, E: StripElem> {
    kernel: K,
    n: usize,
    m: usize,
    a: &'a [E],
    b: &'a [E],
    c: &'a mut [E],
    strip: &'a mut [Packed<E::Real>],
}

#[cfg(target_arch = "x86_64")]
impl<K: TileKernel, E: StripElem> pulp::WithSimd for InSimd<'_, K, E> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        product(
            &self.kernel,
            self.n,
            self.m,
            self.a,
            self.b,
            self.c,
            self.strip,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Small integer entries: every product and partial sum is an integer
    /// below 2^24, exact in `f32` and `f64`, so each kernel must match the
    /// exact product bit for bit, whatever its summation order.
    fn exact_case<E: StripElem>(n: usize, entry: impl Fn(i64) -> E) -> (Vec<E>, Vec<E>) {
        let a: Vec<E> = (0..n * n)
            .map(|v| entry((v as i64 * 7919 + 13) % 5 - 2))
            .collect();
        let mut c = vec![E::ZERO; n * n];
        for i in 0..n {
            for j in 0..n {
                c[i * n + j] = (0..n).fold(E::ZERO, |s, l| s.madd(a[i * n + l], a[l * n + j]));
            }
        }
        (a, c)
    }

    fn check<E: StripElem + PartialEq + std::fmt::Debug>(entry: impl Fn(i64) -> E + Copy) {
        for n in [1, 5, 6, 9, 16, 17, 33] {
            let (a, expected) = exact_case(n, entry);
            let mut c = vec![E::ZERO; n * n];
            let mut strip = vec![Packed(E::Real::ZERO_ROW); n * E::PARTS];
            product(&Portable, n, n, &a, &a, &mut c, &mut strip);
            assert_eq!(c, expected, "portable, n = {n}");
            c.fill(E::ZERO);
            // The AVX2 kernel where the CPU has it, else the portable one.
            gemm_float(n, &a, &a, &mut c);
            assert_eq!(c, expected, "dispatched, n = {n}");
        }
    }

    /// Where the CPU has both, the AVX-512 and AVX2 kernels must agree bit
    /// for bit on arbitrary floats (same fused chain, same order), at every
    /// tile height and strip remainder up to 2·12 + 1 rows.
    #[cfg(target_arch = "x86_64")]
    fn same_bits<E: StripElem + PartialEq + std::fmt::Debug>(entry: impl Fn(u64) -> E) {
        let (Some(v3), Some(v4)) = (super::super::gemm::v3(), super::super::gemm::v4()) else {
            return;
        };
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
        for n in (1..=40).chain([47, 64, 100]) {
            let a: Vec<E> = (0..n * n)
                .map(|_| {
                    seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                    entry(seed >> 11)
                })
                .collect();
            let mut strip = vec![Packed(E::Real::ZERO_ROW); n * E::PARTS];
            let mut wide = vec![E::ZERO; n * n];
            in_simd(v4, Avx512(v4), n, n, &a, &a, &mut wide, &mut strip);
            let mut narrow = vec![E::ZERO; n * n];
            in_simd(v3, Avx2(v3), n, n, &a, &a, &mut narrow, &mut strip);
            assert_eq!(wide, narrow, "n = {n}");
            // Not all zero: the comparison must have something to compare.
            assert!(wide.iter().any(|&x| x != E::ZERO));
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx512_and_avx2_kernels_agree_bit_for_bit() {
        let unit = |v: u64| (v as f64 / (1u64 << 53) as f64) * 2.0 - 1.0;
        same_bits(unit);
        same_bits(|v| unit(v) as f32);
        same_bits(|v| Complex::new(unit(v), unit(v.rotate_left(17))));
        same_bits(|v| Complex::new(unit(v) as f32, unit(v.rotate_left(29)) as f32));
    }

    #[test]
    fn every_kernel_exact_on_integer_entries() {
        check(|v| v as f64);
        check(|v| v as f32);
        check(|v| Complex::new(v as f64, (v * 3 % 5) as f64));
        check(|v| Complex::new(v as f32, -(v % 2) as f32));
    }
}
