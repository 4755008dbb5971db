//! Error cases, Fibonacci overflow limits, and sizes beyond the property
//! suite (block and strip boundaries of the product kernels), each against an
//! independent plain computation.

use ndarray::{array, s, Array2, Array3};
use num_complex::Complex;
use numkit::power::PowerWorkspace;
use numkit::{
    matrix_power, matrix_power_into, matrix_power_mod, matrix_power_signed, matrix_power_stack,
    matrix_power_stack_into, Error,
};
use std::num::Wrapping;

/// F(n) if it fits i64, by the textbook recurrence in i128.
fn fib_checked(n: u32) -> Option<i64> {
    let (mut a, mut b) = (0i128, 1i128);
    for _ in 0..n {
        (a, b) = (b, a + b);
    }
    i64::try_from(a).ok()
}

#[test]
fn fibonacci_i64_limit() {
    let fib = array![[1i64, 1], [1, 0]];
    // A^n = [[F(n+1), F(n)], [F(n), F(n-1)]].
    for n in 1..=91u64 {
        let p = matrix_power(&fib, n).unwrap();
        assert_eq!(Some(p[[0, 0]]), fib_checked(n as u32 + 1), "n = {n}");
        assert_eq!(Some(p[[0, 1]]), fib_checked(n as u32), "n = {n}");
    }
    assert_eq!(
        matrix_power(&fib, 91).unwrap()[[0, 0]],
        7_540_113_804_746_346_429
    ); // F(92)
    assert_eq!(fib_checked(93), None);
    // A^92 contains F(93) > i64::MAX.
    assert!(matches!(
        matrix_power(&fib, 92),
        Err(Error::Overflow { .. })
    ));
    for k in [93, 100, 1000, u64::MAX] {
        assert!(matches!(matrix_power(&fib, k), Err(Error::Overflow { .. })));
    }
    // The same at n = 5 and n = 8 (blocked kernel; fast path and exact
    // 128-bit fallback): Fibonacci block in the corner, zeros elsewhere.
    for n in [5, 8] {
        let mut a = Array2::<i64>::zeros((n, n));
        a[[0, 0]] = 1;
        a[[0, 1]] = 1;
        a[[1, 0]] = 1;
        assert_eq!(
            matrix_power(&a, 91).unwrap()[[0, 0]],
            fib_checked(92).unwrap()
        );
        assert!(matches!(matrix_power(&a, 92), Err(Error::Overflow { .. })));
    }
}

/// A failed call reports the products it formed, the failing one included:
/// the reference walks the binary schedule itself (square for every bit
/// below the leading one, then multiply by `A` for a set bit) in `i128` and
/// stops at the first power with an entry beyond `i64`. Nonnegative entries,
/// so no partial sum exceeds its final entry.
#[test]
fn failed_calls_report_the_products_they_formed() {
    let mut ws = PowerWorkspace::new();
    for n in [2usize, 3, 4, 6] {
        let mut a = Array2::<i64>::zeros((n, n));
        a[[0, 0]] = 1;
        a[[0, 1]] = 1;
        a[[1, 0]] = 1;
        a[[n - 1, n - 1]] += 1;
        let a128 = a.mapv(i128::from);
        for k in [92u64, 93, 100, 127, 128, 1000, u64::MAX] {
            let fits = |m: &Array2<i128>| m.iter().all(|&v| i64::try_from(v).is_ok());
            let mut cur = a128.clone();
            let mut formed = 0;
            for bit in (0..63 - k.leading_zeros()).rev() {
                cur = mul_i128(&cur, &cur);
                formed += 1;
                if !fits(&cur) {
                    break;
                }
                if (k >> bit) & 1 == 1 {
                    cur = mul_i128(&cur, &a128);
                    formed += 1;
                    if !fits(&cur) {
                        break;
                    }
                }
            }
            let mut out = Array2::zeros((n, n));
            assert!(matches!(
                matrix_power_into(&a, k, &mut out, &mut ws),
                Err(Error::Overflow { .. })
            ));
            assert_eq!(ws.last_product_count(), formed, "n = {n}, k = {k}");
        }
    }
}

#[test]
fn fibonacci_u128_and_wrapping() {
    let fib = array![[1u128, 1], [1, 0]];
    let mut f = (0u128, 1u128);
    for _ in 0..186 {
        f = (f.1, f.0.checked_add(f.1).unwrap_or(0));
    }
    // F(186) is the largest Fibonacci number below 2^128.
    assert_eq!(matrix_power(&fib, 185).unwrap()[[0, 0]], f.0);
    assert!(matrix_power(&fib, 186).is_err());
    let w = fib.mapv(|v| Wrapping(v as u64));
    let (mut a, mut b) = (Wrapping(0u64), Wrapping(1u64));
    for _ in 0..1000 {
        (a, b) = (b, a + b);
    }
    assert_eq!(matrix_power(&w, 1000).unwrap()[[0, 1]], a);
}

#[test]
fn overflow_at_the_bound_edges() {
    // i8, 5×5 (blocked kernel): all-ones·c, A² entries are 5c².
    // c = 5: 125 fits; c = 6: 180 does not.
    let a = Array2::<i8>::from_elem((5, 5), 5);
    assert_eq!(matrix_power(&a, 2).unwrap(), Array2::from_elem((5, 5), 125));
    let a = Array2::<i8>::from_elem((5, 5), 6);
    assert!(matrix_power(&a, 2).is_err());
    // Negative extremes: i8::MIN alone is fine, its square is not.
    let mut a = Array2::<i8>::zeros((5, 5));
    a[[2, 2]] = i8::MIN;
    assert_eq!(matrix_power(&a, 1).unwrap()[[2, 2]], i8::MIN);
    assert!(matrix_power(&a, 2).is_err());
    // Cancellation within one entry: the a-priori bound fails, the exact
    // 128-bit path proves the result fits. Row [M, M] times column [M, -M].
    let m = 2_000_000_000i64;
    let mut a = Array2::<i64>::zeros((6, 6));
    a[[0, 0]] = m;
    a[[0, 1]] = m;
    a[[1, 0]] = m;
    a[[1, 1]] = -m;
    let p = matrix_power(&a, 2).unwrap();
    assert_eq!(p[[0, 0]], 2 * m * m);
    assert_eq!(p[[0, 1]], 0);
    assert_eq!(p[[1, 1]], 2 * m * m);
    // u64 entries with a product exactly at the edge: 2^32 · 2^32 = 2^64 overflows.
    let mut a = Array2::<u64>::zeros((5, 5));
    a[[0, 0]] = 1 << 32;
    assert!(matrix_power(&a, 2).is_err());
    a[[0, 0]] = (1 << 32) - 1;
    assert_eq!(
        matrix_power(&a, 2).unwrap()[[0, 0]],
        ((1u64 << 32) - 1).pow(2)
    );
}

/// 128-bit entries beyond 2^64 (the general path, n = 8 and 9): a
/// product of a large power by the small `A` must still be bounded by the
/// entries' true size. `A = c·J` (`J` all ones, `c = 2^24`) has
/// `A^j = n^(j−1)·c^j·J`: `A^4` (about 2^105) fits both types and `A^5`
/// (about 2^132) neither; the schedule forms `A^5` as `A^4·A`.
#[test]
fn wide_entries_beyond_u64_keep_their_bound() {
    for n in [8usize, 9] {
        let c = 1u32 << 24;
        let a4 = (n as u128).pow(3) * u128::from(c).pow(4);
        let a = Array2::<i128>::from_elem((n, n), i128::from(c));
        assert_eq!(
            matrix_power(&a, 4).unwrap(),
            Array2::from_elem((n, n), a4 as i128)
        );
        assert!(matrix_power(&a, 5).is_err(), "i128, n = {n}");
        let a = Array2::<u128>::from_elem((n, n), u128::from(c));
        assert_eq!(matrix_power(&a, 4).unwrap(), Array2::from_elem((n, n), a4));
        assert!(matrix_power(&a, 5).is_err(), "u128, n = {n}");
    }
}

/// Plain `i128` triple loop.
fn mul_i128(x: &Array2<i128>, y: &Array2<i128>) -> Array2<i128> {
    let n = x.nrows();
    Array2::from_shape_fn((n, n), |(i, j)| (0..n).map(|l| x[[i, l]] * y[[l, j]]).sum())
}

fn lcg(seed: u64) -> impl FnMut() -> u64 {
    let mut s = seed;
    move || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        s >> 33
    }
}

/// Sizes that cross the kernels' edges — the packed-strip range (32–128,
/// with partial strips and uneven row blocks), the blocked loop nest (128,
/// 256) and the float cutoffs (16, 256) — with both integer paths, against a
/// plain reference.
#[test]
fn larger_sizes_integer_paths() {
    for n in [5usize, 16, 17, 32, 33, 57, 63, 64, 65, 71, 128, 129, 260] {
        let mut r = lcg(n as u64);
        // Small entries: fast path. A^3 exact.
        let a = Array2::from_shape_fn((n, n), |_| (r() % 7) as i64 - 3);
        let w = a.mapv(i128::from);
        let expected = mul_i128(&mul_i128(&w, &w), &w);
        assert_eq!(
            matrix_power(&a, 3).unwrap().mapv(i128::from),
            expected,
            "n = {n}"
        );
        // Wrapping agrees bit for bit with the wrapped exact result.
        let aw = a.mapv(|v| Wrapping(v as u32));
        let got = matrix_power(&aw, 3).unwrap();
        assert_eq!(got, expected.mapv(|v| Wrapping(v as u32)), "n = {n}");
        // Large diagonal, small rest: max|A|²·n exceeds i64::MAX, so the
        // exact 128-bit fallback runs; the result still fits.
        let mut b = a.clone();
        for i in 0..n {
            b[[i, i]] = 1 << 30;
        }
        let wb = b.mapv(i128::from);
        let expected = mul_i128(&wb, &wb);
        assert_eq!(
            matrix_power(&b, 2).unwrap().mapv(i128::from),
            expected,
            "n = {n}"
        );
        // And A^3 overflows: the fallback reports it.
        assert!(matrix_power(&b, 3).is_err());
    }
}

#[test]
fn larger_sizes_float_paths() {
    for n in [15usize, 16, 17, 32, 33, 40, 57, 64, 71, 128, 130, 255, 256] {
        let mut r = lcg(100 + n as u64);
        let a = Array2::from_shape_fn((n, n), |_| (r() % 1000) as f64 / 1000.0 / n as f64);
        let p = matrix_power(&a, 5).unwrap();
        let mut e = a.clone();
        for _ in 0..4 {
            e = Array2::from_shape_fn((n, n), |(i, j)| (0..n).map(|l| e[[i, l]] * a[[l, j]]).sum());
        }
        // Entries are non-negative, so |A|^5 = A^5 and the error bound of
        // the property suite is 2·((1+γ_n)^4 − 1)·A^5 ≤ 10·n·u·A^5.
        for (x, y) in p.iter().zip(&e) {
            assert!(
                (x - y).abs() <= 10.0 * n as f64 * f64::EPSILON * y,
                "n = {n}: {x} vs {y}"
            );
        }
        // f32 runs the same strip kernel in 8-lane registers, 16 columns
        // per strip; the reference is the f64 power of the same f32 entries.
        let a32 = a.mapv(|v| v as f32);
        let p32 = matrix_power(&a32, 5).unwrap();
        let mut e32 = a32.mapv(f64::from);
        let a32w = e32.clone();
        for _ in 0..4 {
            e32 = Array2::from_shape_fn((n, n), |(i, j)| {
                (0..n).map(|l| e32[[i, l]] * a32w[[l, j]]).sum()
            });
        }
        for (x, y) in p32.iter().zip(&e32) {
            assert!(
                (f64::from(*x) - y).abs() <= 10.0 * n as f64 * f64::from(f32::EPSILON) * y,
                "f32, n = {n}: {x} vs {y}"
            );
        }
        let z = a.mapv(|v| Complex::new(v, -v));
        let pz = matrix_power(&z, 2).unwrap();
        for ((i, j), v) in pz.indexed_iter() {
            // (1 − i)² = −2i, so (A(1−i))² = −2i·A².
            let a2: f64 = (0..n).map(|l| a[[i, l]] * a[[l, j]]).sum();
            assert!(
                (v - Complex::new(0.0, -2.0 * a2)).norm()
                    <= 16.0 * n as f64 * f64::EPSILON * a2 * 2.0
            );
        }
    }
}

#[test]
fn non_square_is_an_error_everywhere() {
    let a = Array2::<f64>::zeros((2, 3));
    let e = Err(Error::NotSquare { rows: 2, cols: 3 });
    assert_eq!(matrix_power(&a, 2), e);
    assert_eq!(matrix_power(&a, 0), e);
    assert_eq!(matrix_power_signed(&a, -1), e);
    assert_eq!(matrix_power_signed(&a, 1), e);
    assert_eq!(
        matrix_power_mod(&Array2::<u64>::zeros((3, 1)), 2, 7),
        Err(Error::NotSquare { rows: 3, cols: 1 })
    );
    assert_eq!(
        matrix_power_stack(&Array3::<i32>::zeros((2, 2, 3)), 2),
        Err(Error::NotSquare { rows: 2, cols: 3 })
    );
    let mut out = Array2::zeros((2, 2));
    let mut ws = PowerWorkspace::new();
    assert_eq!(
        matrix_power_into(&a, 1, &mut out, &mut ws),
        Err(Error::NotSquare { rows: 2, cols: 3 })
    );
    // Zero-sized but non-square.
    assert_eq!(
        matrix_power(&Array2::<i8>::zeros((0, 3)), 1),
        Err(Error::NotSquare { rows: 0, cols: 3 })
    );
}

#[test]
fn output_shape_mismatch() {
    let a = Array2::<i64>::eye(3);
    let mut ws = PowerWorkspace::new();
    let mut out = Array2::zeros((3, 4));
    assert_eq!(
        matrix_power_into(&a, 2, &mut out, &mut ws),
        Err(Error::ShapeMismatch {
            what: "output matrix",
            expected: vec![3, 3],
            found: vec![3, 4]
        })
    );
}

#[test]
fn empty_and_identity_cases() {
    let e = Array2::<f64>::zeros((0, 0));
    assert_eq!(matrix_power(&e, 0).unwrap().dim(), (0, 0));
    assert_eq!(matrix_power(&e, 7).unwrap().dim(), (0, 0));
    assert_eq!(matrix_power_signed(&e, -3).unwrap().dim(), (0, 0));
    assert_eq!(
        matrix_power_mod(&Array2::<u32>::zeros((0, 0)), 5, 3)
            .unwrap()
            .dim(),
        (0, 0)
    );
    assert_eq!(
        matrix_power_stack(&Array3::<u8>::zeros((0, 4, 4)), 3)
            .unwrap()
            .dim(),
        (0, 4, 4)
    );
    assert_eq!(
        matrix_power_stack(&Array3::<u8>::zeros((2, 0, 0)), 3)
            .unwrap()
            .dim(),
        (2, 0, 0)
    );
    // k = 0 is the identity even for the zero matrix and for NaN entries.
    assert_eq!(
        matrix_power(&Array2::<i64>::zeros((5, 5)), 0).unwrap(),
        Array2::eye(5)
    );
    assert_eq!(
        matrix_power(&Array2::from_elem((3, 3), f64::NAN), 0).unwrap(),
        Array2::eye(3)
    );
    // Modulus 1: everything is 0, including the identity.
    assert_eq!(
        matrix_power_mod(&Array2::<u64>::eye(3), 0, 1).unwrap(),
        Array2::zeros((3, 3))
    );
}

#[test]
fn singular_and_non_finite_inverse() {
    let singular = array![[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.0, 1.0, 5.0]];
    assert_eq!(matrix_power_signed(&singular, -1), Err(Error::Singular));
    assert_eq!(matrix_power_signed(&singular, -5), Err(Error::Singular));
    assert!(matrix_power_signed(&singular, 5).is_ok());
    assert_eq!(
        matrix_power_signed(&Array2::<f32>::zeros((6, 6)), -1),
        Err(Error::Singular)
    );
    let cz = array![
        [Complex::new(1.0f64, 1.0), Complex::new(2.0, 2.0)],
        [Complex::new(1.0, 0.0), Complex::new(2.0, 0.0)]
    ];
    assert_eq!(matrix_power_signed(&cz, -2), Err(Error::Singular));
    // Numerically singular: the inverse overflows to infinity.
    let tiny = array![[1e-310, 0.0], [0.0, 1e-310]];
    assert_eq!(matrix_power_signed(&tiny, -1), Err(Error::Singular));
    let nan = array![[1.0, f64::NAN], [0.0, 1.0]];
    assert_eq!(
        matrix_power_signed(&nan, -1),
        Err(Error::NonFinite { parameter: "a" })
    );
    // i64::MIN as exponent does not overflow the negation.
    assert_eq!(
        matrix_power_signed(&array![[1.0f64]], i64::MIN).unwrap(),
        array![[1.0]]
    );
    // A permutation needs pivoting: LU without it would divide by zero.
    let p = array![[0.0, 1.0], [1.0, 0.0]];
    assert_eq!(matrix_power_signed(&p, -1).unwrap(), p);
    assert_eq!(matrix_power_signed(&p, -3).unwrap(), p);
}

/// Exactly singular matrices whose elimination leaves a tiny nonzero pivot
/// rather than zero: refused, in every float type. Found by review: before
/// the condition test, the f64 and complex versions of the first matrix came
/// back `Ok` with entries near 4.5e15.
#[test]
fn singular_despite_rounding() {
    // Rows in arithmetic progression: r1 − r0 = r2 − r1, so det = 0.
    let a = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]];
    let z = a.mapv(|v| Complex::new(v, 0.0));
    let z_rotated = a.mapv(|v| Complex::new(0.6 * v, 0.8 * v));
    assert_eq!(matrix_power_signed(&a, -1), Err(Error::Singular));
    assert_eq!(matrix_power_signed(&a.t(), -2), Err(Error::Singular));
    assert_eq!(
        matrix_power_signed(&a.mapv(|v| v as f32), -1),
        Err(Error::Singular)
    );
    assert_eq!(matrix_power_signed(&z, -1), Err(Error::Singular));
    assert_eq!(matrix_power_signed(&z_rotated, -1), Err(Error::Singular));
    let z32 = z_rotated.mapv(|v| Complex::new(v.re as f32, v.im as f32));
    assert_eq!(matrix_power_signed(&z32, -1), Err(Error::Singular));
    // [[0.1, 0.2], [0.3, 0.6]]: singular in exact decimals; in binary the
    // entries are not exactly dependent, but within rounding of it.
    let d = array![[0.1, 0.2], [0.3, 0.6]];
    assert_eq!(matrix_power_signed(&d, -1), Err(Error::Singular));
    // Complex entries whose |re| + |im| overflows f64: equilibrated without
    // overflow, and inverted (1/z = conj(z)/|z|², a subnormal-range value).
    let huge = array![[Complex::new(f64::MAX, f64::MAX)]];
    let inv = matrix_power_signed(&huge, -1).unwrap()[[0, 0]];
    let want = 0.5 / f64::MAX;
    assert!((inv.re - want).abs() <= 1e-3 * want && (inv.im + want).abs() <= 1e-3 * want);
    // A zero row, and a zero column.
    let mut r = Array2::<f64>::eye(4);
    r.row_mut(2).fill(0.0);
    assert_eq!(matrix_power_signed(&r, -1), Err(Error::Singular));
    assert_eq!(matrix_power_signed(&r.t(), -1), Err(Error::Singular));
}

/// Where the condition test draws the line, on `[[1, 1], [1, 1 + δ]]`:
/// its inverse is `[[1 + 1/δ, −1/δ], [−1/δ, 1/δ]]`, so `‖A‖₁·‖A⁻¹‖₁ =
/// (2 + δ)²/δ ≈ 4/δ`. δ = 2^-40 gives 2^42 < 1/ε = 2^52: inverted, and
/// exactly (every value is a small multiple of a power of two). δ = 2^-52
/// gives 2^54 > 2^52: refused as singular to working precision, although
/// this particular inverse would be representable.
#[test]
fn condition_threshold() {
    let near = |d: f64| array![[1.0, 1.0], [1.0, 1.0 + d]];
    let big = 2f64.powi(40);
    assert_eq!(
        matrix_power_signed(&near(1.0 / big), -1).unwrap(),
        array![[1.0 + big, -big], [-big, big]]
    );
    assert_eq!(
        matrix_power_signed(&near(f64::EPSILON), -1),
        Err(Error::Singular)
    );
    // f32: ε = 2^-23, so δ = 2^-16 (cond 2^18) passes and 2^-23 does not.
    let near32 = |d: f32| array![[1.0f32, 1.0], [1.0, 1.0 + d]];
    assert!(matrix_power_signed(&near32(2f32.powi(-16)), -1).is_ok());
    assert_eq!(
        matrix_power_signed(&near32(f32::EPSILON), -1),
        Err(Error::Singular)
    );
}

/// Matrices that are only badly scaled invert as well as balanced ones:
/// equilibration by powers of two takes the scale out before the condition
/// test and the pivoting.
#[test]
fn badly_scaled_but_well_conditioned() {
    let tiny = 2f64.powi(-60);
    assert_eq!(
        matrix_power_signed(&array![[1.0, 0.0], [0.0, tiny]], -1).unwrap(),
        array![[1.0, 0.0], [0.0, 1.0 / tiny]]
    );
    // Rows of [[2, 1], [1, 1]] (inverse [[1, −1], [−1, 2]]) in units 2^300
    // apart: A⁻¹ = W⁻¹·D⁻¹ exactly.
    let s = 2f64.powi(300);
    let a = array![[2.0 * s, 1.0 * s], [1.0 / s, 1.0 / s]];
    assert_eq!(
        matrix_power_signed(&a, -1).unwrap(),
        array![[1.0 / s, -s], [-1.0 / s, 2.0 * s]]
    );
    // Unscaled, cond₁ of this matrix is about 2^600: only equilibration lets
    // it through.
    assert_eq!(
        matrix_power_signed(&a.mapv(|v| Complex::new(0.0, v)), -1).unwrap(),
        array![[1.0 / s, -s], [-1.0 / s, 2.0 * s]].mapv(|v| Complex::new(0.0, -v))
    );
}

#[test]
fn modulus_zero_and_huge_moduli() {
    let a = array![[1u64, 1], [1, 0]];
    assert_eq!(matrix_power_mod(&a, 10, 0), Err(Error::ZeroModulus));
    assert_eq!(
        matrix_power_mod(&array![[1u8]], 10, 0),
        Err(Error::ZeroModulus)
    );
    // Pisano period for m = 10 is 60: F(60+1) ≡ F(1) mod 10.
    assert_eq!(matrix_power_mod(&a, 60, 10).unwrap(), Array2::eye(2));
    // m = u64::MAX with entries u64::MAX − 1 ≡ −1: A = −J, A^k = (−1)^k·2^(k−1)·J.
    let m = u64::MAX;
    let b = Array2::from_elem((2, 2), m - 1);
    let p = matrix_power_mod(&b, 3, m).unwrap();
    // (−J)³ = −4J ≡ m − 4.
    assert_eq!(p, Array2::from_elem((2, 2), m - 4));
    // 2^61 − 1 is prime: Fermat's little theorem on a 1×1 matrix.
    let q = (1u64 << 61) - 1;
    assert_eq!(
        matrix_power_mod(&array![[123_456_789u64]], q - 1, q).unwrap()[[0, 0]],
        1
    );
    // u128: any entries, a modulus up to u64::MAX; above it an error.
    let c = array![[u128::MAX, 0], [0, 1u128 << 100]];
    // 2^128 − 1 ≡ 2^64·2^64 − 1 ≡ 1·1 − 1 = 0 and 2^100 ≡ 2^36 mod 2^64 − 1.
    assert_eq!(
        matrix_power_mod(&c, 1, u128::from(u64::MAX)).unwrap(),
        array![[0, 0], [0, 1u128 << 36]]
    );
    assert!(matches!(
        matrix_power_mod(&c, 1, 1u128 << 64),
        Err(Error::InvalidParameter { parameter: "m", .. })
    ));
    assert_eq!(matrix_power_mod(&c, 1, 0), Err(Error::ZeroModulus));
}

#[test]
fn stack_errors_propagate_and_strided_stacks() {
    let mut a = Array3::<i32>::zeros((3, 2, 2));
    a[[1, 0, 0]] = 100_000;
    assert!(matches!(
        matrix_power_stack(&a, 2),
        Err(Error::Overflow { .. })
    ));
    let mut ws = PowerWorkspace::new();
    let mut out = Array3::zeros((3, 2, 2));
    assert!(matches!(
        matrix_power_stack_into(&a, 2, &mut out, &mut ws),
        Err(Error::Overflow { .. })
    ));
    // The count is the failing matrix's: its one product, which overflowed
    // (a failed call counts the failing product).
    assert_eq!(ws.last_product_count(), 1);
    assert_eq!(
        matrix_power_stack_into(&a, 2, &mut Array3::zeros((3, 2, 3)), &mut ws),
        Err(Error::ShapeMismatch {
            what: "output stack",
            expected: vec![3, 2, 2],
            found: vec![3, 2, 3],
        })
    );
    assert_eq!(
        matrix_power_stack_into(&a, 2, &mut Array3::zeros((2, 2, 2)), &mut ws),
        Err(Error::ShapeMismatch {
            what: "output stack",
            expected: vec![3, 2, 2],
            found: vec![2, 2, 2],
        })
    );
    assert_eq!(
        matrix_power_stack_into(
            &Array3::<i32>::zeros((1, 2, 3)),
            2,
            &mut Array3::zeros((1, 2, 3)),
            &mut ws
        ),
        Err(Error::NotSquare { rows: 2, cols: 3 })
    );
    let big = Array3::from_shape_fn((4, 6, 6), |(p, i, j)| (p + i * 2 + j) as i64 % 3 - 1);
    let v = big.slice(s![..;2, ..;2, ..;2]);
    let r = matrix_power_stack(&v, 7).unwrap();
    for (m, rm) in v.outer_iter().zip(r.outer_iter()) {
        assert_eq!(rm, matrix_power(&m, 7).unwrap());
    }
}

/// Integer products whose bound `max|A|²·n` is at most 2^53 run in `f64`,
/// which is exact only within 2^53. With every entry equal to `m`, each
/// entry of `A²` is the full sum `n·m²`, which reaches the bound; for odd
/// `n·m²` just above 2^53 `f64` cannot hold it, so a bound test that let
/// such a product through would give a wrong (even) value here.
#[test]
fn integer_squares_either_side_of_f64_exactness() {
    for n in [5usize, 8, 13, 40] {
        let root = ((1u64 << 53) as f64 / n as f64).sqrt() as i64;
        for m in root - 3..=root + 3 {
            for sign in [1i64, -1] {
                let a = Array2::from_elem((n, n), sign * m);
                let expected = n as i64 * m * m;
                let p = matrix_power(&a, 2).unwrap();
                assert!(
                    p.iter().all(|&v| v == expected),
                    "n = {n}, m = {m}: {} vs {expected}",
                    p[[0, 0]]
                );
                let a128 = a.mapv(i128::from);
                let p128 = matrix_power(&a128, 2).unwrap();
                assert!(p128.iter().all(|&v| v == i128::from(expected)));
                if sign > 0 {
                    let pu = matrix_power(&a.mapv(|v| v as u64), 2).unwrap();
                    assert!(pu.iter().all(|&v| v == expected as u64));
                }
            }
        }
    }
}

/// Every entry's bits, with each NaN as `None`: where the docs promise the
/// same bits on two paths, NaN entries must sit in the same places, but
/// their sign and payload are left open (module docs, "NaN entries").
fn bits_but_nan_sign<A: Copy>(p: &Array2<A>, bits: impl Fn(A) -> Option<u64>) -> Vec<Option<u64>> {
    p.iter().map(|&v| bits(v)).collect()
}

fn f64_bits(v: f64) -> Option<u64> {
    (!v.is_nan()).then(|| v.to_bits())
}

fn f32_bits(v: f32) -> Option<u64> {
    (!v.is_nan()).then(|| u64::from(v.to_bits()))
}

/// Allocating, `_into` and stacks (pairs at n = 3, 4) on inputs with NaNs
/// and infinities: the same bits except NaN signs. The first two matrices
/// are the review's cases, where the NaN signs do differ between paths.
#[test]
fn nan_entries_agree_in_place_across_paths() {
    let (nan, inf) = (f64::NAN, f64::INFINITY);
    let mut cases = vec![
        array![[1.0, nan, 0.0], [1.0, 1.0, 1.0], [1.0, inf, 1.0]],
        array![[0.0, -inf], [nan, nan]],
    ];
    let specials = [0.0, 1.0, -1.0, 0.5, 2.0, nan, inf, -inf];
    let mut r = lcg(77);
    for n in 2..=5 {
        for _ in 0..40 {
            cases.push(Array2::from_shape_fn((n, n), |_| {
                specials[r() as usize % specials.len()]
            }));
        }
    }
    let mut nan_entries = 0;
    for a in &cases {
        let n = a.nrows();
        for k in 1..=8 {
            let single = matrix_power(a, k).unwrap();
            nan_entries += single.iter().filter(|v| v.is_nan()).count();
            let want = bits_but_nan_sign(&single, f64_bits);
            let mut out = Array2::zeros((n, n));
            matrix_power_into(a, k, &mut out, &mut PowerWorkspace::new()).unwrap();
            assert_eq!(
                bits_but_nan_sign(&out, f64_bits),
                want,
                "_into, k = {k}, {a}"
            );
            let stack = ndarray::stack![ndarray::Axis(0), a.view(), a.view(), a.view()];
            for p in matrix_power_stack(&stack, k).unwrap().outer_iter() {
                assert_eq!(
                    bits_but_nan_sign(&p.to_owned(), f64_bits),
                    want,
                    "stack, k = {k}, {a}"
                );
            }

            let a32 = a.mapv(|v| v as f32);
            let want32 = bits_but_nan_sign(&matrix_power(&a32, k).unwrap(), f32_bits);
            let mut out32 = Array2::zeros((n, n));
            matrix_power_into(&a32, k, &mut out32, &mut PowerWorkspace::new()).unwrap();
            assert_eq!(
                bits_but_nan_sign(&out32, f32_bits),
                want32,
                "f32 _into, k = {k}"
            );
            let stack32 = ndarray::stack![ndarray::Axis(0), a32.view(), a32.view()];
            for p in matrix_power_stack(&stack32, k).unwrap().outer_iter() {
                assert_eq!(
                    bits_but_nan_sign(&p.to_owned(), f32_bits),
                    want32,
                    "f32 stack, k = {k}"
                );
            }
        }
    }
    assert!(nan_entries > 1000, "the cases make NaNs ({nan_entries})");
}
