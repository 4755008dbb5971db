//! Integer powers `A^k` of square matrices.
//!
//! [`matrix_power`] works for every element type ndarray's `LinalgScalar`
//! covers — `f32`, `f64`, `Complex<f32>`, `Complex<f64>`, every primitive
//! integer and `Wrapping<_>` of them — and for arrays and views of any layout.
//!
//! - **Schedule.** Left-to-right binary exponentiation that starts from `A`:
//!   it never multiplies by the identity and never forms an unused square, so
//!   `A^k` costs [`product_count`]`(k) = ⌊log₂ k⌋ + popcount(k) − 1` products
//!   (4 for `k = 10`, 14 for `k = 1000`).
//! - **Integers are exact.** Primitive integer elements never wrap silently:
//!   a product that does not fit returns [`Error::Overflow`]. Use
//!   `Wrapping<_>` elements for wrapping arithmetic on purpose, or
//!   [`matrix_power_mod`] for `A^k mod m`.
//! - **Speed.** `n ≤ 4` runs entirely on the stack with unrolled
//!   fixed-size products and no workspace. On x86-64 CPUs with AVX2+FMA
//!   (detected at run time through `pulp`'s safe dispatch — numkit itself
//!   has no `unsafe`), 3×3 and 4×4 powers run whole in vector registers in
//!   a diagonal layout: `f32`, `f64` and 3×3 complex matrices directly
//!   (complex as real and imaginary planes; 4×4 complex matrices in planes
//!   of rows, see `complex4.rs`; on CPUs with AVX-512, 4×4 `Complex<f64>`
//!   one row per register and 3×3 and 4×4 `Complex<f32>` as two whole
//!   planes, see `complex512.rs`; and 4×4 `f32` and `f64` as whole
//!   matrices in one or two registers, rows in memory order, see
//!   `real512.rs`), and integers exactly in `f64` lanes
//!   when one a-priori bound for the whole power (`n^(k−1)·max|A|^k`)
//!   stays below 2^51, or in `i32` lanes below 2^30 on CPUs whose 32-bit
//!   vector multiply is fast (AMD; see `gemm.rs`), or, at 4×4 on CPUs
//!   with AVX-512, in `f32` lanes below 2^24. Other integer powers
//!   for `n ≤ 4` use the same bound to run their products unchecked, with
//!   per-product 128-bit checks only as the fallback; 8- and 16-bit types,
//!   whose bound fails for nearly every call, instead run in `f64` (`i64`
//!   at n ≤ 2) with each product checked against the type's range (exact:
//!   see `int.rs`), and `i128`/`u128` matrices whose bound stays within
//!   2^62 run in `i64`. 2×2 powers of 64- and 128-bit integers, where the
//!   bound holds or the type is `Wrapping`, run the Cayley–Hamilton
//!   recurrence `A^j = p·A + q·I` (see `gemm.rs`) instead of matrix
//!   products. `Wrapping` 3×3 and 4×4 powers run the same register
//!   kernels: types of at most 32 bits always in `i32` lanes (a power
//!   modulo 2^32, truncated, is the power modulo 2^8 or 2^16), wider ones
//!   when the bound shows the power exact there. `n = 5…7` (real and
//!   integer types) run the same unrolled stack schedule, 1.3–4.4× faster
//!   there than the packed kernels, whose setup costs more than such
//!   products. Larger float and
//!   complex products run on packed one-cache-line strips of `B` with 6×2
//!   vector accumulator tiles (AVX2+FMA at run time); a complex product is
//!   one real product on the interleaved layout (see `strips.rs`), at the
//!   real kernel's speed. From n = 1025 on (n = 256 with the `blas`
//!   feature) they go to ndarray's `general_mat_mul` (matrixmultiply, or
//!   BLAS). Integer products of 64- and 128-bit types run exactly on the
//!   same `f64` kernel while an a-priori bound keeps every partial sum within
//!   2^53 (as do `Wrapping` ones), else on a register-tiled integer loop nest
//!   behind the overflow bound, with an exact 128-bit fallback; types of at
//!   most 32 bits take the integer loop nest first, where AVX2 multiplies 8
//!   or 16 lanes at once.
//!   [`matrix_power_into`] reuses a [`PowerWorkspace`] so that a
//!   hot loop allocates nothing, and computes in the caller's output buffer
//!   when it is contiguous.
//! - **Threads** (cargo feature `parallel`). Products from n = 96 on run in
//!   row panels, one per thread of the current rayon pool (the global one,
//!   or the one a caller `install`s); a stack whose work (matrices ×
//!   products × n³) is large enough runs in chunks of matrices. Each entry
//!   is computed by the same operations in the same order as on one
//!   thread, so results are identical bit for bit, and so are errors and
//!   [`PowerWorkspace::last_product_count`]. BLAS products (a `blas`
//!   feature, n ≥ 256) are left to BLAS's own threads. A one-thread pool
//!   (`RAYON_NUM_THREADS=1`, or `ThreadPool::install`) turns this off.
//!   rayon's scheduling may allocate, so `_into`'s no-allocation promise
//!   holds only on one thread.
//! - **NaN entries.** Wherever these docs say two results are identical
//!   bit for bit (threads, stacks against single matrices, `_into` against
//!   the allocating call), that holds for every entry that is not a NaN;
//!   NaN entries are NaN in the same places, but their sign and payload are
//!   unspecified. The paths perform the same operations in the same order,
//!   up to the order of the operands of an add or multiply, and IEEE 754
//!   does not fix which NaN such an operation returns when it meets one (x86
//!   keeps the first operand's, so `0·∞` beside an input NaN can come out
//!   with either sign).
//!
//! ## Overflow contract for primitive integers
//! The result, when `Ok`, is exactly `A^k`. `Err(Error::Overflow)` is
//! returned when an entry of a matrix the schedule forms (some `A^j`,
//! `j ≤ k`), or a partial sum of such an entry beyond 128 bits, does not fit.
//! Hence: if `A^k` itself does not fit, the call fails; if every `|A|^j`
//! (`|A|` the entrywise absolute value, `j ≤ k`) fits, it succeeds. In between
//! — `A^k` fits but some smaller power does not, which needs cancellation, as
//! in a nilpotent matrix — the call may fail, but never returns a wrong value.
//!
//! ```
//! use ndarray::array;
//! let fib = array![[1i64, 1], [1, 0]];
//! // A^n = [[F(n+1), F(n)], [F(n), F(n-1)]]
//! let p = numkit::matrix_power(&fib, 91).unwrap();
//! assert_eq!(p[[0, 0]], 7_540_113_804_746_346_429); // F(92) fits i64
//! // A^92 holds F(93) > i64::MAX: an error, not a wrapped number.
//! assert!(numkit::matrix_power(&fib, 92).is_err());
//! ```

#[cfg(target_arch = "x86_64")]
mod complex4;
#[cfg(target_arch = "x86_64")]
mod complex512;
mod gemm;
mod int;
#[cfg(target_arch = "x86_64")]
mod lanes;
mod lu;
mod modular;
#[cfg(target_arch = "x86_64")]
mod real512;
mod schedule;
#[cfg(target_arch = "x86_64")]
mod simd2;
#[cfg(target_arch = "x86_64")]
mod simd3;
#[cfg(target_arch = "x86_64")]
mod simd4;
mod strips;
mod threads;

pub use schedule::product_count;

use crate::Error;
use ndarray::{Array2, Array3, ArrayRef2, ArrayRef3, ArrayView2, ArrayViewMut2, LinalgScalar};
use num_complex::Complex;
use pulp::bytemuck::{cast_mut, cast_ref, cast_slice, cast_slice_mut};
use schedule::{steps, Step};
use std::fmt;
use std::num::Wrapping;
use strips::StripElem;

mod sealed {
    use crate::Error;

    /// The product kernels behind [`super::PowerScalar`]; not nameable
    /// outside numkit, which seals the public trait.
    pub trait Kernel: Copy {
        /// `c ← a·b` for `n×n` row-major slices (`a` and `b` may alias).
        fn gemm(n: usize, a: &[Self], b: &[Self], c: &mut [Self]) -> Result<(), Error>;
        /// `A^k` (`k ≥ 1`) for an `N×N` stack matrix. On failure, `performed`
        /// holds the products formed before it (so that the call still
        /// reports them); on success it is left as it was.
        fn small_power<const N: usize>(
            m: &[[Self; N]; N],
            k: u64,
            performed: &mut u32,
        ) -> Result<[[Self; N]; N], Error>;
        /// Whether `n = 5, 6, 7` run [`Kernel::small_power`] (unrolled stack
        /// products) rather than the general path's packed kernels. A
        /// measured choice: 1.3–4.4× faster for real and integer types,
        /// 1.1–1.9× slower for complex ones, and at n = 8 slower for most
        /// types (features.md).
        const STACK_5_TO_7: bool = true;
        /// Whether [`Kernel::power4_fast`] can ever succeed for the type.
        const HAS_POWER4: bool = false;
        /// Whether [`Kernel::power3_fast`] can ever succeed for the type.
        const HAS_POWER3: bool = false;
        /// Whether [`Kernel::power2_fast`] can ever succeed for the type.
        const HAS_POWER2: bool = false;
        /// Whether the allocating call takes [`Kernel::power2_fast`] too:
        /// only where it is a vector kernel (complex types on x86-64).
        const ALLOC_POWER2: bool = false;
        /// `out ← A^k` (`k ≥ 1`) for a row-major 2×2 matrix, as
        /// [`Kernel::power4_fast`].
        #[inline(always)]
        fn power2_fast(_m: &[Self; 4], _k: u64, _out: &mut [Self; 4]) -> bool {
            false
        }
        /// `out ← A^k` (`k ≥ 1`) for a row-major 3×3 matrix, as
        /// [`Kernel::power4_fast`].
        #[inline(always)]
        fn power3_fast(_m: &[Self; 9], _k: u64, _out: &mut [Self; 9]) -> bool {
            false
        }
        /// Whether [`Kernel::pair_power`] can ever succeed for the type.
        const HAS_PAIR: bool = false;
        /// `out ← A^k` and `out' ← A'^k` (`k ≥ 1`) for two row-major `n×n`
        /// matrices, `m = [A, A']` and `out = [out, out']` each `2n²` long,
        /// side by side in one register kernel (stacks); `false` (nothing
        /// written) leaves both to the one-matrix path.
        #[inline(always)]
        fn pair_power(_m: &[Self], _k: u64, _out: &mut [Self]) -> bool {
            false
        }
        /// `out ← A^k` (`k ≥ 1`) for a row-major 4×4 matrix by a
        /// whole-power SIMD kernel, if the type, the CPU and (for integers)
        /// the overflow bound allow it; `false` leaves the work to
        /// [`Kernel::small_power`].
        #[inline(always)]
        fn power4_fast(_m: &[Self; 16], _k: u64, _out: &mut [Self; 16]) -> bool {
            false
        }
    }

    /// Marks the types [`super::matrix_power_signed`] accepts.
    pub trait Invertible {}

    /// Marks the types [`super::matrix_power_mod`] accepts.
    pub trait Modular: Copy {
        /// The modulus as `u64`, or `None` above `u64::MAX` (only `u128`).
        fn modulus(self) -> Option<u64>;
        /// `self mod m` (`m ≥ 1`).
        fn reduce(self, m: u64) -> u64;
        fn from_u64(v: u64) -> Self;
    }
}

/// Element types [`matrix_power`] accepts: `f32`, `f64`, `Complex<f32>`,
/// `Complex<f64>`, every primitive integer (`i8`…`i128`, `isize`,
/// `u8`…`u128`, `usize`) and `Wrapping<_>` of each integer.
///
/// The trait is sealed: it selects, per type, the exact overflow-checked
/// integer kernels, the wrapping kernels, or the float/BLAS kernels.
///
/// ```
/// fn cube<A: numkit::power::PowerScalar>(a: &ndarray::Array2<A>) -> ndarray::Array2<A> {
///     numkit::matrix_power(a, 3).unwrap()
/// }
/// assert_eq!(cube(&ndarray::array![[2u8]])[[0, 0]], 8);
/// ```
pub trait PowerScalar: LinalgScalar + Send + Sync + fmt::Debug + sealed::Kernel {}

/// Float and complex element types, for which negative powers exist:
/// `f32`, `f64`, `Complex<f32>`, `Complex<f64>`. See [`matrix_power_signed`].
///
/// ```
/// use ndarray::array;
/// let inv = numkit::matrix_power_signed(&array![[4.0f32]], -1).unwrap();
/// assert_eq!(inv[[0, 0]], 0.25);
/// ```
pub trait SignedPowerScalar: PowerScalar + lu::InvElem + sealed::Invertible {}

/// Unsigned integer element types accepted by [`matrix_power_mod`]:
/// `u8`, `u16`, `u32`, `u64`, `usize`.
///
/// ```
/// use ndarray::array;
/// let p = numkit::matrix_power_mod(&array![[3u32]], 4, 7).unwrap();
/// assert_eq!(p[[0, 0]], 81 % 7);
/// ```
pub trait ModScalar: PowerScalar + sealed::Modular {}

/// Float and complex products up to this size use numkit's strip kernel;
/// larger ones ndarray's `general_mat_mul`. Without BLAS that is
/// matrixmultiply, which the strips outrun up to n = 1024 (f64 45–46
/// against 37–38 GFLOP/s, f32 93–96 against 85, complex 45 against 20, one
/// thread) but whose cache blocking the strips lack: beyond that an `n`-row
/// pass over `A` per strip no longer stays in cache. With a `blas`
/// feature, BLAS takes every product from n = 256 on, as the user asked.
const STRIPS_MAX_N: usize = if cfg!(feature = "blas") { 255 } else { 1024 };

fn float_gemm<T: LinalgScalar + StripElem>(n: usize, a: &[T], b: &[T], c: &mut [T]) {
    if n <= STRIPS_MAX_N {
        strips::gemm_float(n, a, b, c);
        return;
    }
    let bv = ArrayView2::from_shape((n, n), &b[..n * n]);
    let Ok(bv) = bv else {
        return strips::gemm_float(n, a, b, c);
    };
    // BLAS threads its own products; matrixmultiply's run in row panels as
    // numkit's (see `threads.rs`).
    let rows_product = |m: usize, a: &[T], c: &mut [T]| {
        let av = ArrayView2::from_shape((m, n), a);
        let cv = ArrayViewMut2::from_shape((m, n), c);
        let (Ok(av), Ok(mut cv)) = (av, cv) else {
            return Err(());
        };
        ndarray::linalg::general_mat_mul(T::one(), &av, &bv, T::zero(), &mut cv);
        Ok(())
    };
    let done = if cfg!(feature = "blas") {
        rows_product(n, &a[..n * n], &mut c[..n * n])
    } else {
        threads::for_row_panels(n, a, c, rows_product)
    };
    // Only a slice shorter than `n×n` fails the shapes (never the callers').
    if done.is_err() {
        strips::gemm_float(n, a, b, c);
    }
}

macro_rules! impl_float {
    ($($t:ty => $stack:expr, $has4:expr, $power4:path, $power3:path, $power2:path, $alloc2:expr, $has_pair:expr, $pair4:path, $pair3:path);*) => {$(
        impl sealed::Kernel for $t {
            const STACK_5_TO_7: bool = $stack;
            fn gemm(n: usize, a: &[Self], b: &[Self], c: &mut [Self]) -> Result<(), Error> {
                float_gemm(n, a, b, c);
                Ok(())
            }
            #[inline(always)]
            fn small_power<const N: usize>(m: &[[Self; N]; N], k: u64, _: &mut u32) -> Result<[[Self; N]; N], Error> {
                Ok(gemm::small_power(m, k))
            }
            const HAS_POWER4: bool = $has4;
            #[inline(always)]
            fn power4_fast(m: &[Self; 16], k: u64, out: &mut [Self; 16]) -> bool {
                $power4(m, k, out)
            }
            const HAS_POWER3: bool = $has4;
            #[inline(always)]
            fn power3_fast(m: &[Self; 9], k: u64, out: &mut [Self; 9]) -> bool {
                $power3(m, k, out)
            }
            const HAS_POWER2: bool = true;
            #[inline(always)]
            fn power2_fast(m: &[Self; 4], k: u64, out: &mut [Self; 4]) -> bool {
                $power2(m, k, out)
            }
            const ALLOC_POWER2: bool = $alloc2;
            const HAS_PAIR: bool = $has_pair;
            #[inline(always)]
            fn pair_power(m: &[Self], k: u64, out: &mut [Self]) -> bool {
                if let Some((m, out)) = as_pair::<Self, 16>(m, out) {
                    return $pair4(m, k, out);
                }
                if let Some((m, out)) = as_pair::<Self, 9>(m, out) {
                    return $pair3(m, k, out);
                }
                false
            }
        }
        impl PowerScalar for $t {}
        impl sealed::Invertible for $t {}
        impl SignedPowerScalar for $t {}
    )*};
}
impl_float!(
    f32 => true, cfg!(target_arch = "x86_64"), power4_f32_any, power3_f32, scalar_power2, false, cfg!(target_arch = "x86_64"), power4_f32_pair_any, power3_f32_pair;
    f64 => true, cfg!(target_arch = "x86_64"), power4_f64_any, power3_f64, scalar_power2, false, cfg!(target_arch = "x86_64"), power4_f64_pair_any, power3_f64_pair;
    Complex<f32> => false, cfg!(target_arch = "x86_64"), power4_c32_any, power3_c32_any, power2_c32, cfg!(target_arch = "x86_64"), false, no_power, no_power;
    Complex<f64> => false, cfg!(target_arch = "x86_64"), power4_c64_any, power3_c64, power2_c64, cfg!(target_arch = "x86_64"), false, no_power, no_power
);

/// Two row-major matrices of `L` elements each, one after the other: what a
/// pair kernel reads and writes.
type MatrixPair<T, const L: usize> = [[T; L]; 2];

/// Two matrices of `L` elements each, from input and output slices that
/// hold exactly two.
#[inline(always)]
fn as_pair<'a, T, const L: usize>(
    m: &'a [T],
    out: &'a mut [T],
) -> Option<(&'a MatrixPair<T, L>, &'a mut MatrixPair<T, L>)> {
    let (m, []) = m.as_chunks::<L>() else {
        return None;
    };
    let (out, []) = out.as_chunks_mut::<L>() else {
        return None;
    };
    Some((m.try_into().ok()?, out.try_into().ok()?))
}

/// 2×2 real powers: the stack schedule, which the compiler vectorises well
/// enough (`f64` 7.5 ns at k = 10); complex ones have a register kernel.
#[inline(always)]
fn scalar_power2<T: gemm::Ring>(m: &[T; 4], k: u64, out: &mut [T; 4]) -> bool {
    *out = gemm::power2(m, k);
    true
}

#[cfg(target_arch = "x86_64")]
use {
    complex4::{power4_c32, power4_c64},
    simd2::{power2_c32, power2_c64},
    simd3::{power3_c32, power3_c64, power3_f32, power3_f32_pair, power3_f64, power3_f64_pair},
    simd4::{power4_f32, power4_f32_pair, power4_f64, power4_f64_pair},
};

/// `$avx512(m, k, out)` where the CPU has AVX-512, else `$avx2(m, k,
/// out)`. Only the feature test is inlined into the caller: the AVX-512
/// kernels are `#[inline(never)]` calls, and the AVX2 one inlines as it did
/// before there was a choice. Both behind one out-of-line wrapper cost the
/// AVX2 path a call frame (allocating `f32` 4×4 on a Zen 3 host 40.2 →
/// 41.9 ns). A macro, not a generic function taking the two kernels: passed
/// as values, they compiled back to that slower form (42.1 ns; c64 4×4
/// `_into` 56.2 → 59.3 ns).
#[cfg(target_arch = "x86_64")]
macro_rules! avx512_or_avx2 {
    ($avx512:path, $avx2:path, $m:expr, $k:expr, $out:expr) => {
        if gemm::v4().is_some() {
            $avx512($m, $k, $out)
        } else {
            $avx2($m, $k, $out)
        }
    };
}

/// 4×4 `Complex<f64>` powers: one row per AVX-512 register where the CPU
/// has AVX-512 (half the instructions of the AVX2 kernel), else the AVX2
/// kernel.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn power4_c64_any(m: &[Complex<f64>; 16], k: u64, out: &mut [Complex<f64>; 16]) -> bool {
    avx512_or_avx2!(complex512::power4_c64, power4_c64, m, k, out)
}

/// 3×3 and 4×4 `Complex<f32>` powers: whole planes in AVX-512 registers
/// where the CPU has AVX-512, else the AVX2 kernels. (In the twentieth
/// session, wrappers that inlined both kernels changed how the allocating
/// `f32` 3×3 call compiled into a criterion loop, 22 → 33 ns, though no
/// `f32` code calls them; with the AVX-512 kernels out of line that row is
/// unchanged.)
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn power4_c32_any(m: &[Complex<f32>; 16], k: u64, out: &mut [Complex<f32>; 16]) -> bool {
    avx512_or_avx2!(complex512::power4_c32, power4_c32, m, k, out)
}

/// Real 4×4 powers, singly and in stack pairs: whole matrices in AVX-512
/// registers (`real512.rs`) where the CPU has AVX-512, else the AVX2
/// diagonal kernels of `simd4.rs`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn power4_f64_any(m: &[f64; 16], k: u64, out: &mut [f64; 16]) -> bool {
    avx512_or_avx2!(real512::power4_f64, power4_f64, m, k, out)
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn power4_f64_pair_any(m: &[[f64; 16]; 2], k: u64, out: &mut [[f64; 16]; 2]) -> bool {
    avx512_or_avx2!(real512::power4_f64_pair, power4_f64_pair, m, k, out)
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn power4_f32_pair_any(m: &[[f32; 16]; 2], k: u64, out: &mut [[f32; 16]; 2]) -> bool {
    avx512_or_avx2!(real512::power4_f32_pair, power4_f32_pair, m, k, out)
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn power4_f32_any(m: &[f32; 16], k: u64, out: &mut [f32; 16]) -> bool {
    avx512_or_avx2!(real512::power4_f32, power4_f32, m, k, out)
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn power3_c32_any(m: &[Complex<f32>; 9], k: u64, out: &mut [Complex<f32>; 9]) -> bool {
    avx512_or_avx2!(complex512::power3_c32, power3_c32, m, k, out)
}

#[cfg(not(target_arch = "x86_64"))]
use {
    no_power as power4_c32_any, no_power as power4_c64_any, no_power as power4_f32_any,
    no_power as power4_f64_any, no_power as power3_c32_any, no_power as power3_c64,
    no_power as power3_f32, no_power as power3_f64, no_power as power4_f32_pair_any,
    no_power as power4_f64_pair_any, no_power as power3_f32_pair, no_power as power3_f64_pair,
    scalar_power2 as power2_c32, scalar_power2 as power2_c64,
};

/// No kernel: every type off x86-64, and the complex types' pair slots
/// (paired, their 3×3 powers measured slower than one at a time: 14.8
/// against 9.9 ns per matrix at k = 1, as the plane split and join of two
/// matrices go through memory). For a pair, `T` is one matrix, `[E; n²]`.
#[inline(always)]
fn no_power<T, const L: usize>(_m: &[T; L], _k: u64, _out: &mut [T; L]) -> bool {
    false
}

macro_rules! impl_int {
    ($($t:ty),*) => {$(
        impl sealed::Kernel for $t {
            fn gemm(n: usize, a: &[Self], b: &[Self], c: &mut [Self]) -> Result<(), Error> {
                int::gemm_checked(n, a, b, c)
            }
            #[inline(always)]
            fn small_power<const N: usize>(m: &[[Self; N]; N], k: u64, performed: &mut u32) -> Result<[[Self; N]; N], Error> {
                int::small_power_checked(m, k, performed)
            }
            const HAS_POWER4: bool = cfg!(target_arch = "x86_64");
            #[inline(always)]
            fn power4_fast(m: &[Self; 16], k: u64, out: &mut [Self; 16]) -> bool {
                int::power4_exact(m, k, out)
            }
            const HAS_POWER3: bool = cfg!(target_arch = "x86_64");
            #[inline(always)]
            fn power3_fast(m: &[Self; 9], k: u64, out: &mut [Self; 9]) -> bool {
                int::power3_exact(m, k, out)
            }
            const HAS_POWER2: bool = true;
            #[inline(always)]
            fn power2_fast(m: &[Self; 4], k: u64, out: &mut [Self; 4]) -> bool {
                int::power2_exact(m, k, out)
            }
        }
        impl PowerScalar for $t {}
        impl sealed::Kernel for Wrapping<$t> {
            fn gemm(n: usize, a: &[Self], b: &[Self], c: &mut [Self]) -> Result<(), Error> {
                // `Wrapping<T>` is `repr(transparent)`: the same memory as `T`.
                let a: &[$t] = cast_slice(a);
                // `a` and `b` may alias, which `gemm_wrapping` notices by address.
                let b: &[$t] = cast_slice(b);
                int::gemm_wrapping(n, a, b, cast_slice_mut(c));
                Ok(())
            }
            #[inline(always)]
            fn small_power<const N: usize>(m: &[[Self; N]; N], k: u64, _: &mut u32) -> Result<[[Self; N]; N], Error> {
                if let Some(p) = int::power_in_i64(&m.map(|row| row.map(|w| w.0)), k) {
                    return Ok(p.map(|row| row.map(Wrapping)));
                }
                Ok(gemm::int_small_power(m, k))
            }
            const HAS_POWER4: bool = cfg!(target_arch = "x86_64");
            #[inline(always)]
            fn power4_fast(m: &[Self; 16], k: u64, out: &mut [Self; 16]) -> bool {
                int::power4_wrapping::<$t>(cast_ref(m), k, cast_mut(out))
            }
            const HAS_POWER3: bool = cfg!(target_arch = "x86_64");
            #[inline(always)]
            fn power3_fast(m: &[Self; 9], k: u64, out: &mut [Self; 9]) -> bool {
                int::power3_wrapping::<$t>(cast_ref(m), k, cast_mut(out))
            }
        }
        impl PowerScalar for Wrapping<$t> {}
    )*};
}
impl_int!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);

macro_rules! impl_mod {
    ($($t:ty),*) => {$(
        impl sealed::Modular for $t {
            fn modulus(self) -> Option<u64> { u64::try_from(self).ok() }
            // In 128 bits: a `u128` (or 128-bit `usize`) entry above
            // `u64::MAX` keeps its high bits until the `%`.
            fn reduce(self, m: u64) -> u64 { (self as u128 % u128::from(m)) as u64 }
            // `v < m`, and `m` came from a value of this type.
            fn from_u64(v: u64) -> Self { v as $t }
        }
        impl ModScalar for $t {}
    )*};
}
impl_mod!(u8, u16, u32, u64, u128, usize);

/// Reusable scratch memory for [`matrix_power_into`].
///
/// It grows to the largest matrix it has served (one `n×n` buffer, plus one
/// for a copy of `a` if `a` is not contiguous row-major and one more if
/// `out` is not) and is then reused, so a loop of same-size powers allocates nothing after the
/// first call (with the `parallel` feature it also keeps one workspace per
/// chunk of a split stack). It also reports how many matrix products the
/// last call performed.
///
/// ```
/// use ndarray::{array, Array2};
/// use numkit::power::PowerWorkspace;
/// let a = array![[1.0, 1.0], [0.0, 1.0]];
/// let mut out = Array2::zeros((2, 2));
/// let mut ws = PowerWorkspace::new();
/// numkit::matrix_power_into(&a, 10, &mut out, &mut ws).unwrap();
/// assert_eq!(out, array![[1.0, 10.0], [0.0, 1.0]]);
/// assert_eq!(ws.last_product_count(), 4);
/// ```
#[derive(Debug, Clone)]
pub struct PowerWorkspace<A> {
    a: Vec<A>,
    x: Vec<A>,
    y: Vec<A>,
    products: Products,
    /// One workspace per chunk of a stack split across threads.
    #[cfg(feature = "parallel")]
    chunks: Vec<PowerWorkspace<A>>,
}

/// The products of the last call, kept in the form that is cheapest to
/// record: the popcount in [`product_count`] (a dozen instructions without
/// a `popcnt` target feature) is then paid by the caller that asks, not by
/// every small power.
#[derive(Debug, Clone, Copy)]
enum Products {
    /// The whole schedule for this exponent ran.
    Schedule(u64),
    /// This many products ran (a call that stopped early, or that counted
    /// as it went).
    Counted(u32),
}

impl<A> Default for PowerWorkspace<A> {
    fn default() -> Self {
        PowerWorkspace {
            a: Vec::new(),
            x: Vec::new(),
            y: Vec::new(),
            products: Products::Counted(0),
            #[cfg(feature = "parallel")]
            chunks: Vec::new(),
        }
    }
}

impl<A: PowerScalar> PowerWorkspace<A> {
    /// An empty workspace; it allocates on first use.
    ///
    /// ```
    /// let ws = numkit::power::PowerWorkspace::<f64>::new();
    /// assert_eq!(ws.last_product_count(), 0);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// A workspace already sized for `n×n` matrices.
    ///
    /// ```
    /// let ws = numkit::power::PowerWorkspace::<i64>::with_dim(64);
    /// assert_eq!(ws.last_product_count(), 0);
    /// ```
    pub fn with_dim(n: usize) -> Self {
        let mut ws = Self::default();
        ws.reserve(n);
        ws
    }

    /// Matrix products the last successful or failed call performed (0 for
    /// `k ≤ 1` and for a `0×0` matrix); equal to [`product_count`]`(k)` after
    /// a successful call on a non-empty matrix.
    ///
    /// ```
    /// use ndarray::{array, Array2};
    /// let mut ws = numkit::power::PowerWorkspace::new();
    /// let mut out = Array2::zeros((1, 1));
    /// numkit::matrix_power_into(&array![[2u64]], 1000, &mut out, &mut ws).unwrap_err();
    /// numkit::matrix_power_into(&array![[1u64]], 1000, &mut out, &mut ws).unwrap();
    /// assert_eq!(ws.last_product_count(), 14);
    /// ```
    pub fn last_product_count(&self) -> u32 {
        match self.products {
            Products::Schedule(k) => product_count(k),
            Products::Counted(c) => c,
        }
    }

    fn reserve(&mut self, n: usize) {
        for v in [&mut self.a, &mut self.x, &mut self.y] {
            grow(v, n * n);
        }
    }
}

fn square_dim<A>(a: &ArrayRef2<A>) -> Result<usize, Error> {
    let (rows, cols) = a.dim();
    if rows != cols {
        return Err(Error::NotSquare { rows, cols });
    }
    Ok(rows)
}

/// `A^k` for a square matrix `A` of any supported element type and layout.
///
/// `k = 0` gives the identity (also for a singular `A`, as `numpy` does); a
/// `0×0` matrix gives a `0×0` result. Integer elements are exact: see the
/// [module docs](crate::power) for the overflow contract.
///
/// # Errors
/// [`Error::NotSquare`] if `a` is not square; [`Error::Overflow`] if a
/// primitive-integer product overflows.
///
/// ```
/// use ndarray::{array, s};
/// // Any layout: a transposed, strided view.
/// let big = array![[1.0, 9.0, 1.0], [9.0, 9.0, 9.0], [0.0, 9.0, 1.0]];
/// let a = big.slice(s![..;2, ..;2]).reversed_axes(); // [[1, 0], [1, 1]]
/// let p = numkit::matrix_power(&a, 5).unwrap();
/// assert_eq!(p, array![[1.0, 0.0], [5.0, 1.0]]);
/// assert!(numkit::matrix_power(&array![[1.0, 2.0, 3.0]], 2).is_err());
/// ```
// `#[inline]`: returned through memory, the result struct was copied out
// by the caller with loads that straddle the callee's stores, which stalls
// (store-to-load forwarding fails): 3–7 ns of a 22–50 ns call at n ≤ 4.
#[inline]
pub fn matrix_power<A: PowerScalar>(a: &ArrayRef2<A>, k: u64) -> Result<Array2<A>, Error> {
    let n = square_dim(a)?;
    if k >= 1 {
        match n {
            1 => return small_alloc::<A, 1>(a, k),
            2 => return small_alloc::<A, 2>(a, k),
            3 => return small_alloc::<A, 3>(a, k),
            4 => return small_alloc::<A, 4>(a, k),
            5 if A::STACK_5_TO_7 => return stack_alloc::<A, 5>(a, k),
            6 if A::STACK_5_TO_7 => return stack_alloc::<A, 6>(a, k),
            7 if A::STACK_5_TO_7 => return stack_alloc::<A, 7>(a, k),
            _ => {}
        }
    }
    let mut out = Array2::zeros((n, n));
    let mut ws = PowerWorkspace::new();
    matrix_power_into(a, k, &mut out, &mut ws)?;
    Ok(out)
}

/// `A^k` written into `out` (any `n×n` array or view), using `ws` for scratch
/// memory: after the first call for a given size, no allocation happens.
///
/// # Errors
/// As [`matrix_power`], plus [`Error::ShapeMismatch`] if `out` is not `n×n`.
/// On error, `out` holds unspecified values.
///
/// ```
/// use ndarray::{array, Array2};
/// use numkit::power::PowerWorkspace;
/// let mut ws = PowerWorkspace::new();
/// let mut out = Array2::zeros((2, 2));
/// for k in 0..5u64 {
///     numkit::matrix_power_into(&array![[1i32, 1], [0, 1]], k, &mut out, &mut ws).unwrap();
///     assert_eq!(out[[0, 1]], k as i32);
/// }
/// ```
///
/// Fixed-size matrices, such as a simulation's `[[f64; 4]; 4]` state, need
/// no ndarray storage: view them. The `n ≤ 4` register kernels run through
/// views as they do for owned arrays (within 1 ns at 4×4), and nothing is
/// allocated.
///
/// ```
/// use ndarray::{aview2, ArrayViewMut2};
/// use numkit::power::PowerWorkspace;
/// let quarter_turn = [[0.0, -1.0], [1.0, 0.0]];
/// let mut out = [[0.0; 2]; 2];
/// let mut ws = PowerWorkspace::new();
/// let mut view = ArrayViewMut2::from(&mut out);
/// numkit::matrix_power_into(&aview2(&quarter_turn), 6, &mut view, &mut ws).unwrap();
/// assert_eq!(out, [[-1.0, 0.0], [0.0, -1.0]]);
/// ```
pub fn matrix_power_into<A: PowerScalar>(
    a: &ArrayRef2<A>,
    k: u64,
    out: &mut ArrayRef2<A>,
    ws: &mut PowerWorkspace<A>,
) -> Result<(), Error> {
    let n = square_dim(a)?;
    if out.dim() != (n, n) {
        return Err(output_mismatch(n, out));
    }
    ws.products = Products::Counted(0);
    if n == 0 {
        return Ok(());
    }
    if k == 0 {
        out.fill(A::zero());
        out.diag_mut().fill(A::one());
        return Ok(());
    }
    match n {
        1 => small_power::<A, 1>(a, k, out, ws),
        2 => small_power::<A, 2>(a, k, out, ws),
        3 => small_power::<A, 3>(a, k, out, ws),
        4 => small_power::<A, 4>(a, k, out, ws),
        5 if A::STACK_5_TO_7 => small_power_rest::<A, 5>(a, k, out, ws, false),
        6 if A::STACK_5_TO_7 => small_power_rest::<A, 6>(a, k, out, ws, false),
        7 if A::STACK_5_TO_7 => small_power_rest::<A, 7>(a, k, out, ws, false),
        _ => general_power(n, a, k, out, ws),
    }
}

/// `n ≤ 4`. The common case, a register kernel with `a` and `out` both
/// contiguous row-major, runs inline; everything else in
/// [`small_power_rest`]. Inline, the common case shares
/// `matrix_power_into`'s frame: 39–63 fewer instructions per 3×3 or 4×4
/// call than through an out-of-line function (callgrind, k = 10: 6–18 %).
/// At n = 2 the stack schedule itself is the kernel (no SIMD: a 2×2
/// product is too short for it), and running it here rather than in
/// `small_power_rest` saves 33–71 instructions per call (f32 208 → 137,
/// i64 254 → 197).
#[inline(always)]
fn small_power<A: PowerScalar, const N: usize>(
    a: &ArrayRef2<A>,
    k: u64,
    out: &mut ArrayRef2<A>,
    ws: &mut PowerWorkspace<A>,
) -> Result<(), Error> {
    if has_register_kernel::<A, N>() {
        if let (Some(m), Some(o)) = (a.as_slice(), out.as_slice_mut()) {
            if register_kernel(m, k, o) {
                ws.products = Products::Schedule(k);
                return Ok(());
            }
            // The kernel declined (an integer bound too large, or no
            // AVX2): do not try it again.
            return small_power_rest::<A, N>(a, k, out, ws, false);
        }
    }
    small_power_rest::<A, N>(a, k, out, ws, has_register_kernel::<A, N>())
}

/// Out of line and cold: building the error allocates, and inlined it
/// made every call save registers it only needs on this path.
#[cold]
#[inline(never)]
fn output_mismatch<A>(n: usize, out: &ArrayRef2<A>) -> Error {
    Error::ShapeMismatch {
        what: "output matrix",
        expected: vec![n, n],
        found: out.shape().to_vec(),
    }
}

/// `n ≤ 4` off [`small_power`]'s inline path: the register kernel through
/// a stack copy of a non-contiguous `a` or `out` (if `try_register`), else
/// the whole schedule on stack arrays.
///
/// Out of line: inlined four times (N = 1..4) into `matrix_power_into`, the
/// combined function compiled worse than each size on its own.
#[inline(never)]
fn small_power_rest<A: PowerScalar, const N: usize>(
    a: &ArrayRef2<A>,
    k: u64,
    out: &mut ArrayRef2<A>,
    ws: &mut PowerWorkspace<A>,
    try_register: bool,
) -> Result<(), Error> {
    if try_register {
        let done = match out.as_slice_mut().filter(|o| o.len() == N * N) {
            Some(o) => register_power::<A, N>(a, k, o),
            None => {
                let mut tmp = [[A::zero(); N]; N];
                let done = register_power::<A, N>(a, k, tmp.as_flattened_mut());
                if done {
                    for (dst, &src) in out.iter_mut().zip(tmp.as_flattened()) {
                        *dst = src;
                    }
                }
                done
            }
        };
        if done {
            ws.products = Products::Schedule(k);
            return Ok(());
        }
    }
    let mut performed = 0;
    let m = load_small::<A, N>(a);
    let p = match if N > 4 {
        stack_schedule::<A, N>(&m, k, &mut performed)
    } else {
        A::small_power::<N>(&m, k, &mut performed)
    } {
        Ok(p) => p,
        Err(e) => {
            ws.products = Products::Counted(performed);
            return Err(e);
        }
    };
    ws.products = Products::Schedule(k);
    if let Some(o) = out.as_slice_mut().filter(|o| o.len() == N * N) {
        for (i, row) in p.iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                o[i * N + j] = v;
            }
        }
    } else {
        for i in 0..N {
            for j in 0..N {
                out[[i, j]] = p[i][j];
            }
        }
    }
    Ok(())
}

#[inline(always)]
fn load_small<A: PowerScalar, const N: usize>(a: &ArrayRef2<A>) -> [[A; N]; N] {
    let mut m = [[A::zero(); N]; N];
    // Constant trip counts once the length is known to be N²: zipping
    // `chunks_exact(N)` left a run-time row count, which became a call to
    // `memcpy` (measured 10 ns at n = 3).
    if let Some(s) = a.as_slice().filter(|s| s.len() == N * N) {
        for (i, row) in m.iter_mut().enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = s[i * N + j];
            }
        }
    } else {
        for (i, row) in m.iter_mut().enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = a[[i, j]];
            }
        }
    }
    m
}

/// Whether `A` has a whole-power register kernel for `N×N` matrices.
#[inline(always)]
fn has_register_kernel<A: PowerScalar, const N: usize>() -> bool {
    (N == 4 && A::HAS_POWER4) || (N == 3 && A::HAS_POWER3) || (N == 2 && A::HAS_POWER2)
}

/// `out ← A^k` (`out` row-major, `n²` long) by [`sealed::Kernel::power4_fast`],
/// [`sealed::Kernel::power3_fast`] or [`sealed::Kernel::power2_fast`],
/// reading `a` in place when it is
/// contiguous row-major. (A stack copy of `a` would cost more than its
/// stores: the kernels' vector loads cannot be forwarded from those scalar
/// stores and wait for them, which measured 10 ns at n = 3.) `false` when
/// no kernel applies.
#[inline(always)]
fn register_power<A: PowerScalar, const N: usize>(a: &ArrayRef2<A>, k: u64, out: &mut [A]) -> bool {
    match a.as_slice() {
        Some(m) => register_kernel(m, k, out),
        None => register_kernel(load_small::<A, N>(a).as_flattened(), k, out),
    }
}

#[inline(always)]
fn register_kernel<A: PowerScalar>(m: &[A], k: u64, out: &mut [A]) -> bool {
    if A::HAS_POWER4 {
        if let (Ok(m), Ok(o)) = (<&[A; 16]>::try_from(m), <&mut [A; 16]>::try_from(&mut *out)) {
            return A::power4_fast(m, k, o);
        }
    }
    if A::HAS_POWER3 {
        if let (Ok(m), Ok(o)) = (<&[A; 9]>::try_from(m), <&mut [A; 9]>::try_from(&mut *out)) {
            return A::power3_fast(m, k, o);
        }
    }
    if A::HAS_POWER2 {
        if let (Ok(m), Ok(o)) = (<&[A; 4]>::try_from(m), <&mut [A; 4]>::try_from(out)) {
            return A::power2_fast(m, k, o);
        }
    }
    false
}

/// Allocating `n ≤ 4` path: one allocation, for the result.
#[inline(always)]
fn small_alloc<A: PowerScalar, const N: usize>(
    a: &ArrayRef2<A>,
    k: u64,
) -> Result<Array2<A>, Error> {
    // Not at n = 2 for real types: their 2×2 kernel is the stack schedule
    // below, whose result, copied out of `rows`, cost c32 a failed
    // store-to-load forward (45 → 58 ns) when complex types used it too.
    if (N > 2 || A::ALLOC_POWER2) && has_register_kernel::<A, N>() {
        let mut rows = [[A::zero(); N]; N];
        if register_power::<A, N>(a, k, rows.as_flattened_mut()) {
            return Ok(Array2::from(rows.to_vec()));
        }
    }
    let p = A::small_power::<N>(&load_small::<A, N>(a), k, &mut 0)?;
    // One allocation and a memcpy; ndarray's `From<Vec<[A; N]>>` reuses the
    // buffer without the shape validation of `from_shape_vec`.
    Ok(Array2::from(p.to_vec()))
}

/// Allocating `n = 5…7` path ([`sealed::Kernel::STACK_5_TO_7`]); out of
/// line, so that `matrix_power`'s inline `n ≤ 4` code stays as it was.
#[inline(never)]
fn stack_alloc<A: PowerScalar, const N: usize>(
    a: &ArrayRef2<A>,
    k: u64,
) -> Result<Array2<A>, Error> {
    let p = stack_schedule::<A, N>(&load_small::<A, N>(a), k, &mut 0)?;
    Ok(Array2::from(p.to_vec()))
}

/// [`sealed::Kernel::small_power`] for `n = 5…7`, compiled once per type
/// and size for both entry points: its unrolled products are large (`n³`
/// multiply-adds each, several variants for integers), and inlined into
/// both they added a minute and a half to a test build.
#[inline(never)]
fn stack_schedule<A: PowerScalar, const N: usize>(
    m: &[[A; N]; N],
    k: u64,
    performed: &mut u32,
) -> Result<[[A; N]; N], Error> {
    A::small_power::<N>(m, k, performed)
}

#[inline(never)]
fn general_power<A: PowerScalar>(
    n: usize,
    a: &ArrayRef2<A>,
    k: u64,
    out: &mut ArrayRef2<A>,
    ws: &mut PowerWorkspace<A>,
) -> Result<(), Error> {
    let PowerWorkspace {
        a: acopy,
        x,
        y,
        products,
        ..
    } = ws;
    let mut performed = 0;
    let result = general_schedule(n, a, k, out, [acopy, x, y], &mut performed);
    *products = Products::Counted(performed);
    result
}

/// [`general_power`] on the workspace's buffers (the copy of `a` and the
/// two scratch matrices), counting products into `products` as it goes.
fn general_schedule<A: PowerScalar>(
    n: usize,
    a: &ArrayRef2<A>,
    k: u64,
    out: &mut ArrayRef2<A>,
    [acopy, x, y]: [&mut Vec<A>; 3],
    products: &mut u32,
) -> Result<(), Error> {
    let nn = n * n;
    // The kernels read A at unit stride: use the caller's memory when it is
    // already row-major and contiguous, else a copy (O(n²) next to O(n³)).
    let abuf: &[A] = match a.as_slice() {
        Some(s) => s,
        None => {
            grow(acopy, nn);
            for (dst, &src) in acopy.iter_mut().zip(a.iter()) {
                *dst = src;
            }
            &acopy[..nn]
        }
    };
    let p = product_count(k);
    grow(y, nn);
    let y = &mut y[..nn];
    if let Some(o) = out.as_slice_mut() {
        // Ping-pong between the caller's buffer and one scratch buffer,
        // starting so that the last product lands in the caller's buffer.
        if p == 0 {
            o.copy_from_slice(abuf);
            return Ok(());
        }
        if p % 2 == 1 {
            run_schedule(n, abuf, k, o, y, products)?;
        } else {
            run_schedule(n, abuf, k, y, o, products)?;
        }
        return Ok(());
    }
    grow(x, nn);
    let x = &mut x[..nn];
    let in_first = run_schedule(n, abuf, k, x, y, products)?;
    let result: &[A] = match (p, in_first) {
        (0, _) => abuf,
        (_, true) => x,
        (_, false) => y,
    };
    for (dst, &src) in out.iter_mut().zip(result) {
        *dst = src;
    }
    Ok(())
}

fn grow<A: Clone + num_traits::Zero>(v: &mut Vec<A>, len: usize) {
    if v.len() < len {
        v.resize(len, A::zero());
    }
}

/// Runs the schedule for `k ≥ 1`, the first product writing `first`, the
/// next `second`, and so on alternately. Returns whether the result is in
/// `first` (meaningless when no product was needed, `k = 1`).
fn run_schedule<A: PowerScalar>(
    n: usize,
    abuf: &[A],
    k: u64,
    first: &mut [A],
    second: &mut [A],
    products: &mut u32,
) -> Result<bool, Error> {
    // `None`: the current power is A itself; `Some(true)`: it is in `first`.
    let mut cur: Option<bool> = None;
    for step in steps(k) {
        *products += 1;
        schedule::tally();
        let in_first = match cur {
            None => {
                A::gemm(n, abuf, abuf, first)?;
                cur = Some(true);
                continue;
            }
            Some(f) => f,
        };
        let (src, dst): (&[A], &mut [A]) = if in_first {
            (&*first, &mut *second)
        } else {
            (&*second, &mut *first)
        };
        match step {
            Step::Square => A::gemm(n, src, src, dst)?,
            Step::MulA => A::gemm(n, src, abuf, dst)?,
        }
        cur = Some(!in_first);
    }
    Ok(cur.unwrap_or(true))
}

/// `A^k` for every matrix of a stack `a` of shape `(s, n, n)` (numpy's
/// `(…, M, M)` convention), sharing one workspace.
///
/// # Errors
/// [`Error::NotSquare`] if the last two axes differ; [`Error::Overflow`] as
/// in [`matrix_power`].
///
/// ```
/// use ndarray::Array3;
/// let mut a = Array3::<i64>::zeros((3, 2, 2));
/// for (s, mut m) in a.outer_iter_mut().enumerate() {
///     m.fill(s as i64);
/// }
/// let p = numkit::matrix_power_stack(&a, 3).unwrap();
/// assert_eq!(p[[2, 0, 0]], 32); // [[2,2],[2,2]]^3 = 32·[[1,1],[1,1]]
/// ```
pub fn matrix_power_stack<A: PowerScalar>(a: &ArrayRef3<A>, k: u64) -> Result<Array3<A>, Error> {
    let mut out = Array3::zeros(a.dim());
    let mut ws = PowerWorkspace::with_dim(a.dim().1);
    matrix_power_stack_into(a, k, &mut out, &mut ws)?;
    Ok(out)
}

/// [`matrix_power_stack`] written into `out` (any `(s, n, n)` array or
/// view), with `ws` for scratch memory: a loop that powers same-size stacks
/// allocates nothing after its first call. In a contiguous stack of `f32`
/// or `f64` matrices of size 3 or 4, the register kernel powers two
/// matrices at a time (they share the exponent, so one schedule serves
/// both, and each fills the other's pipeline gaps): the results are those
/// of [`matrix_power`] bit for bit (NaN signs aside: see the
/// [module docs](crate::power)), 1.1–1.3× sooner at `k = 10` and up to
/// 1.8× at `k = 1000` (features.md). Every other matrix takes the path
/// [`matrix_power_into`] would give it.
///
/// With the `parallel` feature, a stack with enough work (about `2^16`
/// multiply-adds: about 500 3×3 powers at `k = 10`) runs in chunks on
/// rayon's threads, each chunk with a workspace of its own that `ws` keeps
/// for the next call; results, errors and the product count are those of
/// one thread.
///
/// Afterwards [`PowerWorkspace::last_product_count`] reports the products
/// of the stack's last matrix (on error, of the matrix that failed), which
/// for a successful call is [`product_count`]`(k)` unless the matrices are
/// `0×0` or the stack is empty.
///
/// # Errors
/// As [`matrix_power_stack`], plus [`Error::ShapeMismatch`] if `out`'s
/// shape is not `a`'s. On error, `out` holds unspecified values.
///
/// ```
/// use ndarray::{array, Array3};
/// use numkit::power::PowerWorkspace;
/// // Rotations by 90° and shears, powered in place of a preallocated stack.
/// let a = ndarray::stack![ndarray::Axis(0), array![[0i32, -1], [1, 0]], array![[1, 1], [0, 1]]];
/// let mut out = Array3::zeros((2, 2, 2));
/// let mut ws = PowerWorkspace::new();
/// for k in 0..8u64 {
///     numkit::matrix_power_stack_into(&a, k, &mut out, &mut ws).unwrap();
///     assert_eq!(out[[1, 0, 1]], k as i32);
/// }
/// assert_eq!(out.index_axis(ndarray::Axis(0), 0), array![[0, 1], [-1, 0]]); // 7 quarter turns
/// assert!(numkit::matrix_power_stack_into(&a, 2, &mut Array3::zeros((3, 2, 2)), &mut ws).is_err());
/// ```
pub fn matrix_power_stack_into<A: PowerScalar>(
    a: &ArrayRef3<A>,
    k: u64,
    out: &mut ArrayRef3<A>,
    ws: &mut PowerWorkspace<A>,
) -> Result<(), Error> {
    let (s, rows, cols) = a.dim();
    if rows != cols {
        return Err(Error::NotSquare { rows, cols });
    }
    if out.dim() != (s, rows, cols) {
        return Err(stack_output_mismatch(a, out));
    }
    #[cfg(feature = "parallel")]
    if let Some(chunks) = threads::stack_chunks(s, rows, k) {
        return stack_on_threads(a.view(), k, out.view_mut(), ws, chunks);
    }
    stack_on_this_thread(a, k, out, ws)
}

/// [`matrix_power_stack_into`] after its checks, on the calling thread.
fn stack_on_this_thread<A: PowerScalar>(
    a: &ArrayRef3<A>,
    k: u64,
    out: &mut ArrayRef3<A>,
    ws: &mut PowerWorkspace<A>,
) -> Result<(), Error> {
    ws.products = Products::Counted(0);
    let paired = match a.dim().1 {
        3 if A::HAS_PAIR && k >= 1 => pair_powers::<A, 3>(a, k, out),
        4 if A::HAS_PAIR && k >= 1 => pair_powers::<A, 4>(a, k, out),
        _ => 0,
    };
    if paired == 0 {
        // Its own loop, not the one below with `skip(0)`: through `skip`,
        // stacks that never pair measured slower (c64 3×3 9.9 → 15.3 ns per
        // matrix at k = 1).
        for (m, mut o) in a.outer_iter().zip(out.outer_iter_mut()) {
            matrix_power_into(&m, k, &mut o, ws)?;
        }
        return Ok(());
    }
    ws.products = Products::Schedule(k);
    // At most one matrix is left (the last of an odd stack).
    for (m, mut o) in a.outer_iter().zip(out.outer_iter_mut()).skip(paired) {
        matrix_power_into(&m, k, &mut o, ws)?;
    }
    Ok(())
}

/// [`matrix_power_stack_into`] after its checks, in `chunks` consecutive
/// chunks of the stack, each powered by [`stack_on_this_thread`] with a
/// workspace of its own (kept in `ws`, so a loop allocates only on its first
/// call), on rayon's threads. Every matrix gets the result it would get on
/// one thread; on error, the products reported are those of the first
/// matrix that failed, as on one thread.
#[cfg(feature = "parallel")]
fn stack_on_threads<A: PowerScalar>(
    a: ndarray::ArrayView3<'_, A>,
    k: u64,
    out: ndarray::ArrayViewMut3<'_, A>,
    ws: &mut PowerWorkspace<A>,
    chunks: usize,
) -> Result<(), Error> {
    /// Splits the stack and the workspaces in proportion, down to one
    /// chunk per workspace; an error carries its chunk's index.
    fn split<A: PowerScalar>(
        a: ndarray::ArrayView3<'_, A>,
        k: u64,
        mut out: ndarray::ArrayViewMut3<'_, A>,
        wss: &mut [PowerWorkspace<A>],
        first: usize,
    ) -> Result<(), (usize, Error)> {
        if let [ws] = wss {
            return stack_on_this_thread(&a, k, &mut out, ws).map_err(|e| (first, e));
        }
        let half = wss.len() / 2;
        let mid = a.len_of(ndarray::Axis(0)) * half / wss.len();
        let (a1, a2) = a.split_at(ndarray::Axis(0), mid);
        let (o1, o2) = out.split_at(ndarray::Axis(0), mid);
        let (w1, w2) = wss.split_at_mut(half);
        let (r1, r2) = rayon::join(
            || split(a1, k, o1, w1, first),
            || split(a2, k, o2, w2, first + half),
        );
        r1.and(r2)
    }
    let n = a.dim().1;
    ws.chunks.truncate(chunks);
    ws.chunks
        .resize_with(chunks, || PowerWorkspace::with_dim(n));
    match split(a, k, out, &mut ws.chunks, 0) {
        Ok(()) => {
            ws.products = Products::Schedule(k);
            Ok(())
        }
        Err((chunk, e)) => {
            ws.products = ws.chunks[chunk].products;
            Err(e)
        }
    }
}

/// The leading matrices of a stack, two at a time by
/// [`sealed::Kernel::pair_power`], when `a` and `out` are both contiguous
/// in standard order; returns how many it powered (0 when no pair kernel
/// applies).
#[inline(never)]
fn pair_powers<A: PowerScalar, const N: usize>(
    a: &ArrayRef3<A>,
    k: u64,
    out: &mut ArrayRef3<A>,
) -> usize {
    let (Some(src), Some(dst)) = (a.as_slice(), out.as_slice_mut()) else {
        return 0;
    };
    let mut done = 0;
    for (m, o) in src
        .chunks_exact(2 * N * N)
        .zip(dst.chunks_exact_mut(2 * N * N))
    {
        if !A::pair_power(m, k, o) {
            break;
        }
        done += 2;
    }
    done
}

#[cold]
#[inline(never)]
fn stack_output_mismatch<A>(a: &ArrayRef3<A>, out: &ArrayRef3<A>) -> Error {
    Error::ShapeMismatch {
        what: "output stack",
        expected: a.shape().to_vec(),
        found: out.shape().to_vec(),
    }
}

/// `A^k` for a signed exponent: for `k < 0`, `(A⁻¹)^|k|`, with the inverse
/// from an LU factorisation with partial pivoting.
///
/// The inverse is that of the equilibrated matrix `B = R·A·C` (`R`, `C`
/// diagonal powers of two that bring every row's and column's largest entry
/// to about 1, as LAPACK's `xGEEQUB`), unscaled exactly: a matrix that is
/// only badly scaled, such as `diag(1, 2^-60)`, inverts as well as a
/// balanced one.
///
/// # Errors
/// [`Error::NotSquare`]; for `k < 0` also [`Error::NonFinite`] if `a` holds
/// NaN or infinity, and [`Error::Singular`] if `a` is singular to working
/// precision: a zero row, column or pivot, a reciprocal condition number
/// `1/(‖B‖₁·‖B⁻¹‖₁)` below the element type's epsilon (LAPACK's `xGESVX`
/// test), or an inverse beyond the type's range. Exactly singular matrices
/// are refused even when rounding leaves every pivot nonzero; an invertible
/// one is refused only beyond `cond₁(B) = 1/ε`, where its computed inverse
/// would have no correct digit.
///
/// ```
/// use ndarray::array;
/// use numkit::{matrix_power_signed, Error};
/// let a = array![[2.0, 0.0], [0.0, 4.0]];
/// assert_eq!(matrix_power_signed(&a, -2).unwrap(), array![[0.25, 0.0], [0.0, 0.0625]]);
/// // Singular; rounding leaves the last pivot at about 1e-16, not zero.
/// let singular = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]];
/// assert_eq!(matrix_power_signed(&singular, -1), Err(Error::Singular));
/// // Badly scaled, not ill-conditioned: inverted exactly.
/// let scaled = array![[1.0, 0.0], [0.0, 2f64.powi(-60)]];
/// assert_eq!(matrix_power_signed(&scaled, -1).unwrap()[[1, 1]], 2f64.powi(60));
/// ```
pub fn matrix_power_signed<A: SignedPowerScalar>(
    a: &ArrayRef2<A>,
    k: i64,
) -> Result<Array2<A>, Error> {
    square_dim(a)?;
    if k >= 0 {
        return matrix_power(a, k.unsigned_abs());
    }
    let inv = lu::inverse(a)?;
    matrix_power(&inv, k.unsigned_abs())
}

/// `A^k mod m`, exact for unsigned integer matrices and every modulus
/// `1 ≤ m ≤ u64::MAX` (entries of `a` may be any value; they are reduced
/// first). No intermediate can overflow: terms are formed in 128 bits.
///
/// Element types: `u8`, `u16`, `u32`, `u64`, `u128` and `usize`. For `u128`
/// the entries may be any value; the modulus must fit `u64`.
///
/// # Errors
/// [`Error::NotSquare`]; [`Error::ZeroModulus`] if `m = 0`;
/// [`Error::InvalidParameter`] for a `u128` modulus above `u64::MAX`.
///
/// ```
/// use ndarray::array;
/// // F(10^18) mod (2^61 − 1), by the Fibonacci matrix (the value is from an
/// // independent fast-doubling computation).
/// let fib = array![[1u64, 1], [1, 0]];
/// let m = (1u64 << 61) - 1;
/// let p = numkit::matrix_power_mod(&fib, 1_000_000_000_000_000_000, m).unwrap();
/// assert_eq!(p[[0, 1]], 1_024_960_830_501_646_393);
/// assert_eq!(numkit::matrix_power_mod(&fib, 10, 1000).unwrap()[[0, 1]], 55);
/// // u128 entries beyond 2^64 are reduced exactly.
/// let big = array![[(1u128 << 100) + 1, 0], [0, 1]];
/// assert_eq!(numkit::matrix_power_mod(&big, 1, 1u128 << 32).unwrap()[[0, 0]], 1);
/// assert!(numkit::matrix_power_mod(&big, 1, 1u128 << 64).is_err());
/// ```
pub fn matrix_power_mod<A: ModScalar>(a: &ArrayRef2<A>, k: u64, m: A) -> Result<Array2<A>, Error> {
    let n = square_dim(a)?;
    let m = m.modulus().ok_or_else(|| Error::InvalidParameter {
        parameter: "m",
        reason: "the modulus must be at most u64::MAX".to_string(),
    })?;
    if m == 0 {
        return Err(Error::ZeroModulus);
    }
    let a64: Vec<u64> = a.iter().map(|&v| v.reduce(m)).collect();
    let r = modular::power_mod_u64(n, &a64, k, m);
    Ok(Array2::from_shape_fn((n, n), |(i, j)| {
        A::from_u64(r[i * n + j])
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bound_fast_path_matches_wide_path() {
        let a: Vec<i64> = (0..36).map(|v| (v * 7919 % 23) - 11).collect();
        let mut c1 = vec![0; 36];
        let mut c2 = vec![0; 36];
        gemm::gemm_blocked(6, &a, &a, &mut c1);
        int::gemm_checked(6, &a, &a, &mut c2).unwrap();
        assert_eq!(c1, c2);
    }

    /// The products of the left-to-right walk over `k`'s bits, counted one
    /// by one: a squaring for every bit below the leading one, and a product
    /// with `A` for every set bit among them.
    fn walked(k: u64) -> u64 {
        let Some(top) = k.checked_ilog2() else {
            return 0;
        };
        (0..top).map(|bit| 1 + ((k >> bit) & 1)).sum()
    }

    /// `A^k` through `matrix_power` and `matrix_power_into`, checking that
    /// the kernels formed exactly the products of the walk (test builds
    /// count every product a kernel forms, see `schedule::tally`), that
    /// the workspace reports that count, and that both calls agree.
    fn check_products<A: PowerScalar + fmt::Debug + PartialEq>(
        a: &ArrayRef2<A>,
        k: u64,
        what: &str,
    ) {
        let n = a.nrows();
        let want = if n == 0 { 0 } else { walked(k) };
        let (alloc, formed) = schedule::tallied(|| matrix_power(a, k).unwrap());
        assert_eq!(formed, want, "{what}, n = {n}, k = {k}: matrix_power");
        let mut out = Array2::zeros((n, n));
        let mut ws = PowerWorkspace::new();
        let ((), formed) =
            schedule::tallied(|| matrix_power_into(a, k, &mut out, &mut ws).unwrap());
        assert_eq!(formed, want, "{what}, n = {n}, k = {k}: _into");
        assert_eq!(u64::from(ws.last_product_count()), want);
        assert_eq!(out, alloc, "{what}, n = {n}, k = {k}");
    }

    /// Every kernel path forms exactly the scheduled products: the 2×2 stack
    /// schedule, the 3×3 and 4×4 register kernels (real, complex, integer
    /// lanes), the checked integer schedule behind a failed bound, the
    /// general path (n = 5, 6) and the modular one; 4 products for k = 10
    /// and 14 for k = 1000, against 6 and 16 for the loop that starts from
    /// the identity.
    #[test]
    fn kernels_form_exactly_the_scheduled_products() {
        assert_eq!((walked(10), walked(1000)), (4, 14));
        let exponents = (0..=130).chain([1000, (1 << 20) + 1, u64::MAX]);
        for k in exponents {
            assert_eq!(u64::from(product_count(k)), walked(k), "k = {k}");
            for n in 0..=6usize {
                // A cyclic permutation: every power exact and bounded.
                let p = Array2::from_shape_fn((n, n), |(i, j)| (j == (i + 1) % n) as u8);
                check_products(&p.mapv(f64::from), k, "f64");
                check_products(&p.mapv(f32::from), k, "f32");
                check_products(&p.mapv(|v| Complex::new(f64::from(v), 0.0)), k, "c64");
                check_products(&p.mapv(|v| Complex::new(f32::from(v), 0.0)), k, "c32");
                check_products(&p.mapv(i64::from), k, "i64");
                check_products(&p.mapv(i32::from), k, "i32");
                check_products(&p.t(), k, "u8, transposed");
                check_products(&p.mapv(i128::from), k, "i128");
                check_products(&p.mapv(|v| Wrapping(u32::from(v))), k, "Wrapping<u32>");
                if k <= 1 << 21 {
                    // I + 2^40·E_01: the power bound fails at once, so the
                    // checked schedule runs; A^k = I + k·2^40·E_01 fits.
                    let mut u = Array2::<i64>::eye(n);
                    if n >= 2 {
                        u[[0, 1]] = 1 << 40;
                    }
                    check_products(&u, k, "i64, checked");
                }
                let pm = p.mapv(u64::from);
                let (r, formed) = schedule::tallied(|| matrix_power_mod(&pm, k, 1000).unwrap());
                assert_eq!(
                    formed,
                    if n == 0 { 0 } else { walked(k) },
                    "mod, n = {n}, k = {k}"
                );
                assert_eq!(r, matrix_power(&pm, k).unwrap());
            }
        }
    }
}
