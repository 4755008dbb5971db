//! Work split across rayon's threads with the `parallel` feature: row
//! panels of one product `C = A·B`, and chunks of a stack of matrices.
//!
//! ## Products
//!
//! Every entry of `C` is one dot product whose order of operations the
//! kernels fix by column strip and depth, never by the rows around it, so a
//! product split into panels of rows is the serial product bit for bit,
//! whatever the number of threads. Each panel packs its own copy of `B`'s
//! strips (`O(n²)` against the panel's `O(rows·n²)`).
//!
//! Without the feature, or on a pool of one thread, or below
//! `PARALLEL_MIN_N`, the whole product is one panel on the calling thread.
//!
//! ## Stacks
//!
//! A stack with enough work is cut into consecutive chunks of matrices,
//! each powered on one thread by the one-thread stack routine with a
//! workspace of its own, so every matrix gets exactly its one-thread result
//! (pairs of 3×3 and 4×4 real matrices included: a chunk boundary can only
//! leave one more matrix unpaired, and paired results equal single ones).

use std::convert::Infallible;

/// Products of at least this size are split when the `parallel` feature is
/// on and the current rayon pool has more than one thread. On this shared
/// two-core machine the second core is at times busy elsewhere; medians of
/// two threads against one (`f64`, k = 10) over eight alternating runs:
/// n = 64 1.26–1.31× when it was free, but 0.58× once when it was not;
/// n = 96 1.67–1.71× free, 0.98× at worst; n = 128 1.80–1.83×, 0.99×.
#[cfg(feature = "parallel")]
pub(crate) const PARALLEL_MIN_N: usize = 96;

/// Panels per thread. One: every panel packs all of `B`'s strips again, and
/// finer panels, which would let work stealing even out a thread that the
/// machine slows down, lost more to that packing (`f64` k = 10 on two
/// threads, n = 128: 1.57× over one thread with one panel per thread,
/// 1.41× with two, 0.82× with four). Packing `B` once for panels to share
/// measured slower still (n = 64: 38 against 29 µs, median of 20 000
/// calls): that separate pass reads the previous product, half of it from
/// the other core's cache, with no arithmetic to hide the misses behind.
#[cfg(feature = "parallel")]
const PANELS_PER_THREAD: usize = 1;

/// Calls `f(m, a_rows, c_rows)` for panels of `m` consecutive rows of the
/// row-major `n×n` matrix `c` that together cover it, with the same rows of
/// the `n×n` matrix `a` (the product's left factor, or the matrix a pass
/// reads), in parallel when the `parallel` feature allows (see the module
/// documentation). The first error any panel returns is returned (panels
/// after it may or may not have run).
#[inline]
pub(crate) fn for_row_panels<S: Sync, T: Send, E: Send>(
    n: usize,
    a: &[S],
    c: &mut [T],
    f: impl Fn(usize, &[S], &mut [T]) -> Result<(), E> + Sync,
) -> Result<(), E> {
    let (a, c) = (&a[..n * n], &mut c[..n * n]);
    #[cfg(feature = "parallel")]
    if let Some(rows) = panel_rows(n) {
        use rayon::prelude::*;
        tally_split();
        return a
            .par_chunks(rows * n)
            .zip(c.par_chunks_mut(rows * n))
            .try_for_each(|(a, c)| f(c.len() / n, a, c));
    }
    f(n, a, c)
}

/// [`for_row_panels`] for a pass that cannot fail.
#[inline]
pub(crate) fn each_row_panel<S: Sync, T: Send>(
    n: usize,
    a: &[S],
    c: &mut [T],
    f: impl Fn(usize, &[S], &mut [T]) + Sync,
) {
    let Ok(()) = for_row_panels::<S, T, Infallible>(n, a, c, |m, a, c| {
        f(m, a, c);
        Ok(())
    });
}

/// Rows per panel for a split product of size `n`, or `None` to run it
/// whole.
#[cfg(feature = "parallel")]
#[inline]
fn panel_rows(n: usize) -> Option<usize> {
    if n < PARALLEL_MIN_N {
        return None;
    }
    let threads = rayon::current_num_threads();
    if threads < 2 {
        return None;
    }
    Some(n.div_ceil(threads * PANELS_PER_THREAD))
}

/// Whether a product of size `n` would be split on this thread now.
#[cfg(all(test, feature = "parallel"))]
pub(crate) fn splits(n: usize) -> bool {
    panel_rows(n).is_some()
}

/// Counts, in test builds, the products and stacks this thread split (see
/// `split_count`).
#[cfg(feature = "parallel")]
#[inline(always)]
fn tally_split() {
    #[cfg(test)]
    SPLITS.with(|t| t.set(t.get() + 1));
}

#[cfg(all(test, feature = "parallel"))]
thread_local! {
    static SPLITS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// The products and stacks this thread split while running `f`.
#[cfg(all(test, feature = "parallel"))]
pub(crate) fn split_count<R>(f: impl FnOnce() -> R) -> (R, u64) {
    let before = SPLITS.with(std::cell::Cell::get);
    let r = f();
    (r, SPLITS.with(std::cell::Cell::get) - before)
}

/// A stack of `s` matrices of size `n` powered to `k` is split when its
/// estimated work, `s·(products + 1)·max(n³, 16)` multiply-adds, reaches
/// this. Two threads against one, `f64` k = 10 (best of seven): 100 × 3×3
/// (work 13 500) 0.60×, 300 × 3×3 (40 500) 1.16×, 300 × 4×4 (96 000)
/// 1.37×, 1000 × 3×3 (135 000) 1.64×.
#[cfg(feature = "parallel")]
const PARALLEL_MIN_STACK_WORK: u64 = 1 << 16;

/// Chunks per thread of a split stack: its matrices cost the same, but a
/// thread that the machine slows down should not hold up the others.
#[cfg(feature = "parallel")]
const STACK_CHUNKS_PER_THREAD: usize = 4;

/// How many chunks a stack of `s` `n×n` matrices should be powered in: at
/// least 2, or `None` to run it on the calling thread.
#[cfg(feature = "parallel")]
pub(crate) fn stack_chunks(s: usize, n: usize, k: u64) -> Option<usize> {
    let n3 = (n as u64).saturating_pow(3).max(16);
    let work = (s as u64)
        .saturating_mul(u64::from(super::product_count(k)) + 1)
        .saturating_mul(n3);
    if s < 2 || n == 0 || work < PARALLEL_MIN_STACK_WORK {
        return None;
    }
    let threads = rayon::current_num_threads();
    if threads < 2 {
        return None;
    }
    tally_split();
    Some(s.min(threads * STACK_CHUNKS_PER_THREAD))
}

#[cfg(all(test, feature = "parallel"))]
mod tests {
    use super::*;
    use crate::power::{PowerScalar, PowerWorkspace};
    use crate::{matrix_power, matrix_power_mod, matrix_power_stack_into, Error};
    use ndarray::{Array2, Array3, Axis, Slice};
    use num_complex::Complex;
    use std::fmt::Debug;
    use std::num::Wrapping;

    fn pool(threads: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a thread pool")
    }

    /// Deterministic entries in `[-1, 1]` from a position.
    fn entry(i: usize, j: usize, salt: usize) -> f64 {
        let h = (i * 7919 + j * 104_729 + salt * 1_299_709) % 2003;
        h as f64 / 1001.5 - 1.0
    }

    /// `f` in a pool of one thread, then of two and three: the results are
    /// equal, and with several threads the work was split (`splits` says
    /// whether it must be).
    fn same_on_threads<R: PartialEq + Debug + Send>(
        what: &str,
        splits: bool,
        f: impl Fn() -> R + Sync,
    ) {
        let (one, none) = pool(1).install(|| split_count(&f));
        assert_eq!(none, 0, "{what}: split on one thread");
        for threads in [2, 3] {
            let (many, split) = pool(threads).install(|| split_count(&f));
            assert_eq!(many, one, "{what}: {threads} threads");
            assert_eq!(
                split > 0,
                splits,
                "{what}: {threads} threads, {split} splits"
            );
        }
    }

    fn power<A: PowerScalar + PartialEq + Debug>(what: &str, a: &Array2<A>, k: u64) {
        let n = a.nrows();
        let splits = n >= PARALLEL_MIN_N && k >= 2;
        same_on_threads(&format!("{what}, n = {n}, k = {k}"), splits, || {
            matrix_power(a, k)
        });
    }

    /// Every product kernel, split into row panels, gives the one-thread
    /// result bit for bit: the float strips (real and complex), integers in
    /// `f64`, on the integer tile, and through the 128-bit fallback (with
    /// its overflow error), `Wrapping`, the modular kernel, and
    /// matrixmultiply beyond n = 1024.
    #[test]
    fn split_products_match_one_thread() {
        assert!(!splits(PARALLEL_MIN_N - 1));
        for n in [PARALLEL_MIN_N, 101, 130] {
            let f = Array2::from_shape_fn((n, n), |(i, j)| entry(i, j, 1));
            power("f64", &f, 10);
            power("f64", &f, 1);
            power("f32", &f.mapv(|v| v as f32), 7);
            let c = Array2::from_shape_fn((n, n), |(i, j)| {
                Complex::new(entry(i, j, 2), entry(i, j, 3))
            });
            power("c64", &c, 5);
            power(
                "c32",
                &c.mapv(|v| Complex::new(v.re as f32, v.im as f32)),
                3,
            );
            let small = f.mapv(|v| (v * 1.5).round() as i64);
            power("i64 in f64", &small, 6);
            power("i32 on the tile", &small.mapv(|v| v as i32), 4);
            let big = f.mapv(|v| (v * 2f64.powi(26)) as i64);
            power("i64 on the tile", &big, 2);
            // A^3 passes 2^63: the bound fails, the 128-bit kernel runs and
            // reports the overflow.
            power("i64 overflow", &big, 3);
            assert!(matches!(matrix_power(&big, 3), Err(Error::Overflow { .. })));
            power("Wrapping<u64>", &big.mapv(|v| Wrapping(v as u64)), 5);
            let m = (1u64 << 61) - 1;
            let u = big.mapv(|v| v.unsigned_abs());
            same_on_threads(&format!("mod, n = {n}"), true, || {
                matrix_power_mod(&u, 1000, m)
            });
        }
        // matrixmultiply's products, split the same way; with a `blas`
        // feature BLAS takes them whole (it runs its own threads).
        let n = 1030;
        let f = Array2::from_shape_fn((n, n), |(i, j)| entry(i, j, 4) / 32.0);
        same_on_threads("f64 beyond the strips", !cfg!(feature = "blas"), || {
            matrix_power(&f, 2)
        });
    }

    /// With NaNs and infinities in the input, split products and stacks
    /// keep every non-NaN entry's bits and every NaN's place; only a NaN's
    /// sign may differ (module docs, "NaN entries"): a product's row panels
    /// change the tile heights, whose kernels order an add's operands
    /// differently, and a stack's chunks change which matrices are paired.
    #[test]
    fn nan_entries_keep_their_places_on_threads() {
        fn places<A: Copy>(p: &[A], bits: impl Fn(A) -> Option<u64>) -> Vec<Option<u64>> {
            p.iter().map(|&v| bits(v)).collect()
        }
        let f64_bits = |v: f64| (!v.is_nan()).then(|| v.to_bits());
        let special = |i: usize, j: usize| match (i * 31 + j * 17) % 23 {
            0 => Some(f64::NAN),
            1 => Some(f64::INFINITY),
            2 => Some(0.0),
            _ => None,
        };
        // A few NaNs and infinities, so that `A²` (the split product) has
        // NaN rows and columns and finite entries elsewhere; `0·∞` and
        // `∞ − ∞` meet input NaNs in the same sums.
        let n = 128;
        let mut a = Array2::from_shape_fn((n, n), |(i, j)| entry(i, j, 6));
        for (i, j, v) in [
            (3, 5, f64::NAN),
            (70, 90, f64::NAN),
            (10, 10, f64::INFINITY),
            (50, 127, f64::NEG_INFINITY),
            (127, 3, f64::INFINITY),
            (5, 70, 0.0),
        ] {
            a[[i, j]] = v;
        }
        let square = matrix_power(&a, 2).unwrap();
        assert!(square.iter().any(|v| v.is_nan()) && square.iter().any(|v| !v.is_nan()));
        same_on_threads("f64 with NaNs", true, || {
            places(matrix_power(&a, 2).unwrap().as_slice().unwrap(), f64_bits)
        });
        // The review's case: 128 scattered NaNs, infinities and zeros, k = 7.
        // Every entry ends NaN, with signs that differ between one and two
        // threads.
        let mut s = 1u64;
        let mut r = move || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut scattered = Array2::from_shape_fn((n, n), |_| r() - 0.5);
        for t in 0..n {
            let (i, j) = ((r() * n as f64) as usize, (r() * n as f64) as usize);
            scattered[[i, j]] = [f64::NAN, f64::INFINITY, 0.0][t % 3];
        }
        same_on_threads("f64 with scattered NaNs", true, || {
            places(
                matrix_power(&scattered, 7).unwrap().as_slice().unwrap(),
                f64_bits,
            )
        });
        let a32 = a.mapv(|v| v as f32);
        same_on_threads("f32 with NaNs", true, || {
            places(
                matrix_power(&a32, 2).unwrap().as_slice().unwrap(),
                |v: f32| (!v.is_nan()).then(|| u64::from(v.to_bits())),
            )
        });
        let stack = Array3::from_shape_fn((3001, 3, 3), |(m, i, j)| {
            special(m + i, j).unwrap_or(entry(i + 3 * m, j, 7))
        });
        let p = crate::matrix_power_stack(&stack, 10).unwrap();
        assert!(p.iter().any(|v| v.is_nan()) && p.iter().any(|v| !v.is_nan()));
        same_on_threads("stack with NaNs", true, || {
            let p = crate::matrix_power_stack(&stack, 10).unwrap();
            places(p.as_slice().unwrap(), f64_bits)
        });
    }

    /// A split stack gives every matrix its one-thread result (contiguous
    /// pairs, a strided output view, a general size); on error it reports
    /// the error and the product count of the first matrix that failed.
    #[test]
    fn split_stacks_match_one_thread() {
        let stack = |s: usize, n: usize| {
            Array3::from_shape_fn((s, n, n), |(m, i, j)| entry(i + m * n, j, 5))
        };
        for (s, n, k) in [(3001, 3, 10), (2000, 4, 33), (900, 5, 9), (40, 24, 7)] {
            let a = stack(s, n);
            same_on_threads(&format!("stack {s}×{n}, k = {k}"), true, || {
                let mut out = Array3::zeros(a.dim());
                let mut ws = PowerWorkspace::new();
                matrix_power_stack_into(&a, k, &mut out, &mut ws).map(|()| out)
            });
            // Into every other matrix of a larger stack.
            same_on_threads(&format!("strided stack {s}×{n}"), true, || {
                let mut big = Array3::from_elem((2 * s, n, n), 7.0);
                let mut ws = PowerWorkspace::new();
                matrix_power_stack_into(
                    &a,
                    k,
                    &mut big.slice_axis_mut(Axis(0), Slice::new(0, None, 2)),
                    &mut ws,
                )
                .map(|()| big)
            });
        }
        // Below the work threshold, one thread.
        same_on_threads("small stack", false, || {
            crate::matrix_power_stack(&stack(10, 3), 10)
        });

        // Matrix 700 overflows at its first product, matrix 2100 at a later
        // one; the call reports matrix 700's, as on one thread.
        let mut a =
            Array3::from_shape_fn((3000, 3, 3), |(m, i, j)| ((m + i + 2 * j) % 3) as i64 - 1);
        a.index_axis_mut(Axis(0), 700).fill(1 << 40);
        a.index_axis_mut(Axis(0), 2100).fill(1 << 10);
        same_on_threads("failing stack", true, || {
            let mut out = Array3::zeros(a.dim());
            let mut ws = PowerWorkspace::new();
            let r = matrix_power_stack_into(&a, 10, &mut out, &mut ws);
            (r, ws.last_product_count())
        });
        let mut ws = PowerWorkspace::new();
        let r = pool(2)
            .install(|| matrix_power_stack_into(&a, 10, &mut Array3::zeros(a.dim()), &mut ws));
        assert!(matches!(r, Err(Error::Overflow { .. })));
        assert!(ws.last_product_count() < crate::power::product_count(10));
    }
}
