//! Matrix powers on several threads (cargo feature `parallel`): products
//! from n = 96 on are split into row panels and large stacks into chunks.
//! Both must give exactly what one thread gives, so the references here
//! are exact: the naive repeated product on integer-valued entries (every
//! partial sum an integer far below 2^53, exact in `f64` in any order), in
//! wrapping arithmetic for `Wrapping<i64>`, and single-matrix powers for
//! stacks, bit for bit.
//!
//! Run with `cargo test --features parallel --test power_threads`; the
//! tests pin rayon's global pool at two threads, so the split paths run
//! on any machine.
#![cfg(feature = "parallel")]

use ndarray::{Array2, Array3, Axis};
use num_complex::Complex;
use num_traits::{One, Zero};
use numkit::power::PowerWorkspace;
use numkit::{matrix_power, matrix_power_stack_into};
use proptest::prelude::*;
use std::num::Wrapping;
use std::ops::{Add, Mul};

fn two_threads() {
    // Fails only if the pool was already built, then by the other test.
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build_global();
    assert_eq!(rayon::current_num_threads(), 2);
}

/// Textbook `x·y`, one dot product per entry.
fn naive_mul<T: Copy + Zero + Add<Output = T> + Mul<Output = T>>(
    x: &Array2<T>,
    y: &Array2<T>,
) -> Array2<T> {
    Array2::from_shape_fn((x.nrows(), y.ncols()), |(i, j)| {
        (0..x.ncols()).fold(T::zero(), |s, l| s + x[[i, l]] * y[[l, j]])
    })
}

/// `A^k` as `k − 1` repeated products (the identity for `k = 0`).
fn naive_pow<T: Copy + Zero + One + Add<Output = T> + Mul<Output = T>>(
    a: &Array2<T>,
    k: u64,
) -> Array2<T> {
    let n = a.nrows();
    if k == 0 {
        return Array2::from_shape_fn((n, n), |(i, j)| if i == j { T::one() } else { T::zero() });
    }
    (1..k).fold(a.clone(), |r, _| naive_mul(&r, a))
}

/// An `n×n` matrix of entries in `{-1, 0, 1}`.
fn signs(n: usize) -> impl Strategy<Value = Array2<i64>> {
    proptest::collection::vec(-1i64..=1, n * n)
        .prop_map(move |v| Array2::from_shape_vec((n, n), v).expect("n² entries"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Split products equal the naive power exactly: `f64`, `Complex<f64>`
    /// and `i64` on entries whose powers stay small integers (|entry| ≤
    /// n^(k−1) < 2^30), `Wrapping<i64>` on any entries at any `k`.
    #[test]
    fn split_powers_equal_the_naive_power(
        a in (96usize..=110).prop_flat_map(signs),
        k in 0u64..=5,
        wide in (96usize..=104).prop_flat_map(|n| proptest::collection::vec(any::<i64>(), n * n)
            .prop_map(move |v| Array2::from_shape_vec((n, n), v).expect("n² entries"))),
        kw in 0u64..=12,
    ) {
        two_threads();
        let f = a.mapv(|v| v as f64);
        prop_assert_eq!(matrix_power(&f, k).unwrap(), naive_pow(&f, k));
        let c = Array2::from_shape_fn(a.dim(), |(i, j)| Complex::new(f[[i, j]], f[[j, i]]));
        prop_assert_eq!(matrix_power(&c, k).unwrap(), naive_pow(&c, k));
        prop_assert_eq!(matrix_power(&a, k).unwrap(), naive_pow(&a, k));
        let w = wide.mapv(Wrapping);
        prop_assert_eq!(matrix_power(&w, kw).unwrap(), naive_pow(&w, kw));
    }

    /// A stack large enough to be split gives every matrix exactly its
    /// single-matrix power (which small sizes never split), in contiguous
    /// and transposed stacks.
    #[test]
    fn split_stacks_equal_single_powers(
        s in 1000usize..=3000,
        n in 2usize..=6,
        k in 0u64..=40,
        seed in any::<u64>(),
        transposed in any::<bool>(),
    ) {
        two_threads();
        let mut a = Array3::from_shape_fn((s, n, n), |(m, i, j)| {
            let h = (m as u64 * 31 + i as u64 * 7 + j as u64).wrapping_mul(seed | 1) >> 40;
            (h % 2001) as f64 / 1000.0 - 1.0
        });
        if transposed {
            a.swap_axes(1, 2);
        }
        let mut out = Array3::zeros((s, n, n));
        let mut ws = PowerWorkspace::new();
        matrix_power_stack_into(&a, k, &mut out, &mut ws).unwrap();
        for (m, o) in a.axis_iter(Axis(0)).zip(out.axis_iter(Axis(0))) {
            prop_assert_eq!(o, matrix_power(&m, k).unwrap());
        }
    }
}
