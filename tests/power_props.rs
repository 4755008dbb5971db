//! Property tests of `numkit::matrix_power` and friends against naive
//! references written out plainly here: `A^k` as `k` repeated products
//! starting from the identity, with a textbook triple loop.
//!
//! Exponents: every `k` in 0..=64 is drawn, and every power of two up to 64
//! is drawn with extra weight. Shapes: 0×0 up to 12×12.

use ndarray::{s, Array2, Array3, ArrayView2, Axis};
use num_bigint::BigInt;
use num_complex::Complex;
use num_traits::{Bounded, One, Zero};
use numkit::power::{product_count, PowerWorkspace};
use numkit::{
    matrix_power, matrix_power_into, matrix_power_mod, matrix_power_signed, matrix_power_stack,
    matrix_power_stack_into,
};
use proptest::prelude::*;
use std::num::Wrapping;
use std::ops::{Add, Mul, RangeInclusive};

// ---------------------------------------------------------------- references

/// Textbook `x·y`: entry `(i, j)` is the dot product of row `i` of `x` with
/// column `j` of `y`, read as row `j` of a transposed copy so that both walk
/// memory in order (this matters at n = 1024).
fn naive_mul<T: Copy + Zero + Add<Output = T> + Mul<Output = T>>(
    x: &Array2<T>,
    y: &Array2<T>,
) -> Array2<T> {
    let yt = y.t().as_standard_layout().into_owned();
    Array2::from_shape_fn((x.nrows(), y.ncols()), |(i, j)| {
        x.row(i)
            .iter()
            .zip(yt.row(j))
            .fold(T::zero(), |s, (&p, &q)| s + p * q)
    })
}

fn identity<T: Copy + Zero + One>(n: usize) -> Array2<T> {
    Array2::from_shape_fn((n, n), |(i, j)| if i == j { T::one() } else { T::zero() })
}

/// `A^k` as the `k − 1` products `A·A·…·A` (the identity for `k = 0`).
fn naive_pow<T: Copy + Zero + One + Add<Output = T> + Mul<Output = T>>(
    a: &Array2<T>,
    k: u64,
) -> Array2<T> {
    if k == 0 {
        return identity(a.nrows());
    }
    let mut r = a.clone();
    for _ in 1..k {
        r = naive_mul(&r, a);
    }
    r
}

/// Exact integer matrix product.
fn big_mul(x: &Array2<BigInt>, y: &Array2<BigInt>) -> Array2<BigInt> {
    let n = x.nrows();
    Array2::from_shape_fn((n, n), |(i, j)| {
        (0..n).map(|l| &x[[i, l]] * &y[[l, j]]).sum()
    })
}

// ---------------------------------------------------------------- strategies

fn exponent() -> impl Strategy<Value = u64> {
    prop_oneof![3 => 0..=64u64, 1 => (0u32..=6).prop_map(|e| 1u64 << e)]
}

fn square<T: std::fmt::Debug + Clone>(
    max_n: usize,
    elem: impl Strategy<Value = T> + Clone,
) -> impl Strategy<Value = Array2<T>> {
    square_sized(0..=max_n, elem)
}

fn square_sized<T: std::fmt::Debug + Clone>(
    sizes: RangeInclusive<usize>,
    elem: impl Strategy<Value = T> + Clone,
) -> impl Strategy<Value = Array2<T>> {
    sizes.prop_flat_map(move |n| {
        proptest::collection::vec(elem.clone(), n * n)
            .prop_map(move |v| Array2::from_shape_vec((n, n), v).unwrap())
    })
}

/// Shapes up to 12×12 cover the 2×2 stack schedule, the 3×3 and 4×4
/// register kernels and the general path (n ≥ 5); larger sizes are below
/// (`f64_and_c64_large_within_bound`, `either_side_of_strip_limit`) and in
/// power_cases.rs.
const MAX_N: usize = 12;

// --------------------------------------------------- integers: exact contract

/// The overflow contract for primitive integers, against exact big-integer
/// arithmetic:
/// 1. `Ok(r)` ⇒ `r` equals `A^k` exactly;
/// 2. `A^k` does not fit `T` ⇒ `Err(Overflow)`;
/// 3. every `|A|^j`, `j ≤ k`, fits `T` ⇒ `Ok` (a bound on every partial sum
///    of every product the schedule can form).
///
/// Between 2 and 3 (cancellation makes `A^k` fit although some power or
/// partial sum does not) both outcomes are allowed; that is the documented
/// contract. The naive repeated product would itself overflow in such cases.
fn check_int_contract<T>(a: &Array2<T>, k: u64) -> Result<(), TestCaseError>
where
    T: numkit::power::PowerScalar + Bounded + Into<BigInt>,
{
    let n = a.nrows();
    let (lo, hi): (BigInt, BigInt) = (T::min_value().into(), T::max_value().into());
    let fits = |m: &Array2<BigInt>| m.iter().all(|v| *v >= lo && *v <= hi);
    let big = a.mapv(|v| v.into());
    let abs = big.mapv(|v: BigInt| if v < BigInt::zero() { -v } else { v });
    let mut exact = identity_big(n);
    let mut mag = identity_big(n);
    let mut all_mag_fit = true;
    for _ in 0..k {
        exact = big_mul(&exact, &big);
        mag = big_mul(&mag, &abs);
        all_mag_fit &= fits(&mag);
    }
    match matrix_power(a, k) {
        Ok(r) => {
            prop_assert!(fits(&exact), "Ok although A^k does not fit");
            prop_assert_eq!(r.mapv(|v| v.into()), exact);
        }
        Err(e) => {
            prop_assert!(matches!(e, numkit::Error::Overflow { .. }), "{e:?}");
            prop_assert!(!all_mag_fit, "Err although every |A|^j fits");
        }
    }
    Ok(())
}

fn identity_big(n: usize) -> Array2<BigInt> {
    Array2::from_shape_fn((n, n), |(i, j)| {
        if i == j {
            BigInt::one()
        } else {
            BigInt::zero()
        }
    })
}

/// Matrices for the integer contract: mostly small entries (powers then fit
/// for a while), sometimes full-range entries (overflow at once), sometimes
/// strictly upper triangular (nilpotent: powers vanish, so cancellation and
/// "A^k fits, an intermediate did not" cases appear).
fn int_matrix<T: std::fmt::Debug + Clone + Zero + 'static>(
    sizes: RangeInclusive<usize>,
    small: impl Strategy<Value = T> + Clone + 'static,
    any: impl Strategy<Value = T> + Clone + 'static,
) -> impl Strategy<Value = Array2<T>> {
    prop_oneof![
        4 => square_sized(sizes.clone(), small.clone()),
        1 => square_sized(sizes.clone(), any.clone()),
        1 => square_sized(sizes, prop_oneof![4 => small, 1 => any]).prop_map(|mut m| {
            for ((i, j), v) in m.indexed_iter_mut() {
                if i >= j {
                    *v = T::zero();
                }
            }
            m
        }),
    ]
}

macro_rules! int_contract {
    ($($name:ident: $t:ty, $small:expr;)*) => {$(
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(48))]
            #[test]
            fn $name(a in int_matrix::<$t>(0..=MAX_N, $small, any::<$t>()), k in exponent()) {
                check_int_contract(&a, k)?;
            }
        }
    )*};
}
int_contract! {
    contract_i8: i8, -3i8..=3;
    contract_i16: i16, -3i16..=3;
    contract_i32: i32, -3i32..=3;
    contract_i64: i64, -3i64..=3;
    contract_i128: i128, -3i128..=3;
    contract_isize: isize, -3isize..=3;
    contract_u8: u8, 0u8..=3;
    contract_u16: u16, 0u16..=3;
    contract_u32: u32, 0u32..=3;
    contract_u64: u64, 0u64..=3;
    contract_u128: u128, 0u128..=3;
    contract_usize: usize, 0usize..=3;
}

/// Full sizes (up to 12×12) with entries whose powers stay bounded: signed
/// partial permutations (entries stay in {-1, 0, 1}) and upper triangular
/// matrices with diagonal ±1 (polynomial growth, up to ~10^13 for n = 12,
/// k = 64, so the `i128` reference below is exact). Same contract as above,
/// against a plain `i128` reference, for several element types.
fn bounded_matrix() -> impl Strategy<Value = Array2<i64>> {
    prop_oneof![
        (0..=MAX_N)
            .prop_flat_map(|n| {
                (
                    Just((0..n).collect::<Vec<usize>>()).prop_shuffle(),
                    proptest::collection::vec(-1i64..=1, n),
                )
            })
            .prop_map(|(perm, signs)| {
                let n = perm.len();
                let mut m = Array2::zeros((n, n));
                for i in 0..n {
                    m[[i, perm[i]]] = signs[i];
                }
                m
            }),
        square(MAX_N, -1i64..=1).prop_map(|mut m| {
            for ((i, j), v) in m.indexed_iter_mut() {
                if i > j {
                    *v = 0;
                } else if i == j && *v == 0 {
                    *v = 1;
                }
            }
            m
        }),
    ]
}

/// `A^k` in `i128` for a bounded matrix, and the largest entry of every
/// `|A|^j`, `j ≤ k`, advanced one power at a time so that a sweep over `k`
/// forms each power once.
struct BoundedPowers {
    a: Array2<i128>,
    abs: Array2<i128>,
    k: u64,
    exact: Array2<i128>,
    magnitude: Array2<i128>,
    largest_magnitude: i128,
}

impl BoundedPowers {
    fn new(a: &Array2<i64>) -> Self {
        let n = a.nrows();
        let a = a.mapv(i128::from);
        BoundedPowers {
            abs: a.mapv(i128::abs),
            a,
            k: 0,
            exact: identity(n),
            magnitude: identity(n),
            largest_magnitude: 0,
        }
    }

    fn at(a: &Array2<i64>, k: u64) -> Self {
        let mut p = Self::new(a);
        for _ in 0..k {
            p.advance();
        }
        p
    }

    fn advance(&mut self) {
        self.k += 1;
        self.exact = naive_mul(&self.exact, &self.a);
        self.magnitude = naive_mul(&self.magnitude, &self.abs);
        let largest = self.magnitude.iter().copied().fold(0, i128::max);
        self.largest_magnitude = self.largest_magnitude.max(largest);
    }
}

/// The contract of [`check_int_contract`] for the element type `T`, against
/// the `i128` reference `p`.
fn bounded_contract<T>(p: &BoundedPowers) -> Result<(), TestCaseError>
where
    T: numkit::power::PowerScalar + Bounded + TryFrom<i128> + Into<BigInt>,
{
    let at: Array2<T> =
        p.a.mapv(|v| T::try_from(v).ok().expect("entries are in -1..=1"));
    let (lo, hi): (BigInt, BigInt) = (T::min_value().into(), T::max_value().into());
    let fits = |v: i128| BigInt::from(v) >= lo && BigInt::from(v) <= hi;
    match matrix_power(&at, p.k) {
        Ok(r) => {
            prop_assert!(
                p.exact.iter().all(|&v| fits(v)),
                "Ok although A^k does not fit"
            );
            prop_assert_eq!(r.mapv(Into::into), p.exact.mapv(BigInt::from));
        }
        Err(e) => {
            prop_assert!(matches!(e, numkit::Error::Overflow { .. }), "{e:?}");
            prop_assert!(!fits(p.largest_magnitude), "Err although every |A|^j fits");
        }
    }
    Ok(())
}

/// [`bounded_contract`] for every primitive integer type: the signed ones on
/// `signed`'s matrix, the unsigned ones on `unsigned`'s (its absolute value).
fn bounded_contract_every_type(
    signed: &BoundedPowers,
    unsigned: &BoundedPowers,
) -> Result<(), TestCaseError> {
    bounded_contract::<i8>(signed)?;
    bounded_contract::<i16>(signed)?;
    bounded_contract::<i32>(signed)?;
    bounded_contract::<i64>(signed)?;
    bounded_contract::<i128>(signed)?;
    bounded_contract::<isize>(signed)?;
    bounded_contract::<u8>(unsigned)?;
    bounded_contract::<u16>(unsigned)?;
    bounded_contract::<u32>(unsigned)?;
    bounded_contract::<u64>(unsigned)?;
    bounded_contract::<u128>(unsigned)?;
    bounded_contract::<usize>(unsigned)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Every primitive integer type.
    #[test]
    fn bounded_exact_full_sizes(a in bounded_matrix(), k in exponent()) {
        bounded_contract_every_type(
            &BoundedPowers::at(&a, k),
            &BoundedPowers::at(&a.mapv(i64::abs), k),
        )?;
    }
}

/// For element types of at most 32 bits no partial sum can leave the
/// 128-bit accumulator, so the contract's middle ground disappears: the call
/// fails exactly when a matrix the schedule forms (left-to-right over `k`'s
/// bits from `A`: square, then times `A` for a set bit) has an entry outside
/// `T`. Walked here in `i128` (entries stay below 2^32·12 before the walk
/// stops) and compared with the outcome, on every path: the 2×2 schedule,
/// the 3×3/4×4 register kernels and their fallback, the `n = 5…7` stack
/// schedule (in `f64` for 8- and 16-bit types) and the general path.
fn schedule_fits<T: Bounded + Into<i128>>(a: &Array2<i128>, k: u64) -> Option<Array2<i128>> {
    let (lo, hi): (i128, i128) = (T::min_value().into(), T::max_value().into());
    let fits = |m: &Array2<i128>| m.iter().all(|&v| v >= lo && v <= hi);
    let n = a.nrows();
    if k == 0 || n == 0 {
        return Some(identity(n));
    }
    let mut cur = a.clone();
    for bit in (0..k.ilog2()).rev() {
        cur = naive_mul(&cur, &cur);
        if !fits(&cur) {
            return None;
        }
        if (k >> bit) & 1 == 1 {
            cur = naive_mul(&cur, a);
            if !fits(&cur) {
                return None;
            }
        }
    }
    Some(cur)
}

fn exact_decision<T>(a: &Array2<i128>, k: u64) -> Result<(), TestCaseError>
where
    T: numkit::power::PowerScalar + Bounded + TryFrom<i128> + Into<i128>,
{
    let Ok(at) = a
        .iter()
        .map(|&v| T::try_from(v))
        .collect::<Result<Vec<T>, _>>()
    else {
        return Ok(()); // an entry outside T: not a matrix of this type
    };
    let at = Array2::from_shape_vec(a.raw_dim(), at).unwrap();
    let want = schedule_fits::<T>(a, k);
    match (matrix_power(&at, k), want) {
        (Ok(r), Some(w)) => prop_assert_eq!(r.mapv(Into::<i128>::into), w),
        (Err(e), None) => prop_assert!(matches!(e, numkit::Error::Overflow { .. }), "{e:?}"),
        (got, want) => prop_assert!(
            false,
            "{}: n = {}, k = {k}: got {:?}, the schedule {}",
            std::any::type_name::<T>(),
            a.nrows(),
            got.map(|_| "Ok"),
            if want.is_some() {
                "fits"
            } else {
                "does not fit"
            }
        ),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn narrow_types_fail_exactly_when_a_formed_power_does_not_fit(
        a in prop_oneof![
            4 => square(MAX_N, -2i128..=2),
            1 => square(MAX_N, -130i128..=130),
            1 => square(MAX_N, -70_000i128..=70_000),
            1 => square(MAX_N, prop_oneof![8 => -1i128..=1, 1 => -300i128..=300]),
        ],
        k in exponent(),
    ) {
        let abs = a.mapv(i128::abs);
        exact_decision::<i8>(&a, k)?;
        exact_decision::<i16>(&a, k)?;
        exact_decision::<i32>(&a, k)?;
        exact_decision::<u8>(&abs, k)?;
        exact_decision::<u16>(&abs, k)?;
        exact_decision::<u32>(&abs, k)?;
    }
}

/// The decision of [`exact_decision`] at the edges of each type: a 2×2
/// block `[[x, y], [z, w]]` (entries from values around 0, √MAX, MAX/2,
/// MAX/3 and MAX, and their negatives for signed types) in the top-left
/// corner of an identity of every size that takes a different path, squared
/// and cubed. Its square's entries `x² + yz`, `y(x + w)`… land on, just
/// inside and just outside the type's range.
#[test]
fn narrow_types_decide_exactly_at_the_range_edges() {
    fn edges<T>(candidates: &[i128])
    where
        T: numkit::power::PowerScalar + Bounded + TryFrom<i128> + Into<i128>,
    {
        let (lo, hi): (i128, i128) = (T::min_value().into(), T::max_value().into());
        let values: Vec<i128> = candidates
            .iter()
            .copied()
            .filter(|v| (lo..=hi).contains(v))
            .collect();
        for &x in &values {
            for &y in &values {
                for &z in &values {
                    for &w in &values {
                        for n in [2, 3, 4, 5, 7, 8] {
                            let mut a = identity::<i128>(n);
                            a[[0, 0]] = x;
                            a[[0, 1]] = y;
                            a[[1, 0]] = z;
                            a[[1, 1]] = w;
                            for k in [2, 3] {
                                if let Err(e) = exact_decision::<T>(&a, k) {
                                    panic!("{e}");
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    // Per type: 0, 1, 2, √MAX ± 1 (squares on either side of MAX), MAX/2
    // and MAX/2 + 1 (doubled: MAX − 1 and MAX + 1), MAX, and for signed
    // types their negatives and MIN (13 values: 28,561 blocks per size and k).
    edges::<i8>(&[-128, -127, -64, -12, -11, 0, 1, 2, 11, 12, 63, 64, 127]);
    edges::<u8>(&[0, 1, 2, 15, 16, 127, 128, 254, 255]);
    edges::<u16>(&[0, 1, 2, 255, 256, 32_767, 32_768, 65_534, 65_535]);
    edges::<i16>(&[
        -32_768, -32_767, -16_384, -182, -181, 0, 1, 2, 181, 182, 16_383, 16_384, 32_767,
    ]);
}

/// 3×3 and 4×4 integer powers near the limits of the register kernels
/// (x86-64 with AVX2): 2^31 for the `i32`-lane kernels and 2^51 for the
/// `f64`-lane ones (both sizes; which lanes run below 2^31 depends on the
/// CPU, and the unit tests in `src/power` run both). `k` and the largest entry `m` are chosen so that the
/// power bound `n^(k−1)·m^k` lands within a factor of 4 of the limit, on both
/// sides, so that each kernel and the path after it (and the switch between
/// them) are exercised. Checked bit-exact against big integers, for `i64`,
/// `isize`, `i32` and `u64` (where entries of 2^63 and more must not be read
/// as negative), through `matrix_power` and through `_into` with a
/// transposed input and output.
fn near_kernel_limit() -> impl Strategy<Value = (Array2<i64>, u64)> {
    (
        prop_oneof![
            (Just(4usize), prop_oneof![Just(31.0), Just(51.0)]),
            (Just(3usize), prop_oneof![Just(31.0), Just(51.0)]),
        ],
        1u64..=12,
        -2.0f64..2.0,
        any::<bool>(),
    )
        .prop_flat_map(|((n, limit), k, shift, neg)| {
            // Solve n^(k−1)·m^k = 2^(limit + shift) for m.
            let log2_m = (limit + shift - (n as f64).log2() * (k as f64 - 1.0)) / k as f64;
            let m = 2f64.powf(log2_m).round().max(1.0) as i64;
            let entry = -m..=m;
            (
                square_exact(n, entry),
                Just(k),
                Just(if neg { -m } else { m }),
            )
                .prop_map(|(mut a, k, corner)| {
                    a[[1, 2]] = corner;
                    (a, k)
                })
        })
}

fn square_exact(
    n: usize,
    entry: std::ops::RangeInclusive<i64>,
) -> impl Strategy<Value = Array2<i64>> {
    proptest::collection::vec(entry, n * n)
        .prop_map(move |v| Array2::from_shape_vec((n, n), v).expect("n×n"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn exact_near_kernel_limits((a, k) in near_kernel_limit()) {
        check_int_contract(&a, k)?;
        check_int_contract(&a.mapv(|v| v as isize), k)?;
        check_int_contract(&a.mapv(|v| v as i32), k)?;
        check_int_contract(&a.mapv(|v| v.unsigned_abs()), k)?;
        if let Ok(want) = matrix_power(&a, k) {
            let n = a.nrows();
            let mut out = Array2::zeros((n, n));
            let mut ws = numkit::power::PowerWorkspace::new();
            numkit::matrix_power_into(&a.t(), k, &mut out.view_mut().reversed_axes(), &mut ws).unwrap();
            // (Aᵀ)^k = (A^k)ᵀ, written through a transposed view: out = A^k.
            prop_assert_eq!(out, want);
        }
    }
}

#[test]
fn unsigned_entries_above_i64_are_not_read_as_negative() {
    // u64::MAX reinterpreted as i64 is −1, whose powers are tiny: a kernel
    // that trusted the bit pattern would return Ok. Here A² overflows u64.
    let mut a = Array2::<u64>::zeros((4, 4));
    a[[0, 0]] = u64::MAX;
    assert!(matrix_power(&a, 2).is_err());
    a[[0, 0]] = 1 << 63;
    assert!(matrix_power(&a, 2).is_err());
    assert_eq!(matrix_power(&a, 1).unwrap()[[0, 0]], 1 << 63);
}

// ------------------------------------------------- wrapping: always bit-exact

macro_rules! wrapping_exact {
    ($($name:ident: $t:ty;)*) => {$(
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(32))]
            #[test]
            fn $name(a in square(MAX_N, any::<$t>().prop_map(Wrapping)), k in exponent()) {
                prop_assert_eq!(matrix_power(&a, k).unwrap(), naive_pow(&a, k));
            }
        }
    )*};
}
wrapping_exact! {
    wrapping_i8: i8; wrapping_i16: i16; wrapping_i32: i32; wrapping_i64: i64; wrapping_i128: i128;
    wrapping_isize: isize; wrapping_u8: u8; wrapping_u16: u16; wrapping_u32: u32; wrapping_u64: u64;
    wrapping_u128: u128; wrapping_usize: usize;
}

/// Entries of one scale per matrix: full range (every product wraps), or
/// magnitudes below 2, 8, 2^12 or 2^24 (signed types with both signs), so
/// that powers wrap from some `k` on for one matrix and never for another.
/// Wrapping powers of small entries run the exact integer kernels (`i32`
/// lanes, `f64`, `i64` for the 128-bit types) while a bound shows them
/// exact, and types of at most 32 bits run `i32` lanes modulo 2^32 at n = 3
/// and 4 whatever the entries; the reference wraps every operation.
fn wrapping_scaled<T>(sizes: RangeInclusive<usize>) -> impl Strategy<Value = Array2<Wrapping<T>>>
where
    T: std::fmt::Debug + Clone + Copy + Bounded + Zero + PartialEq + 'static,
    i128: num_traits::AsPrimitive<T>,
{
    use num_traits::AsPrimitive;
    let unsigned = T::min_value() == T::zero();
    (0usize..5).prop_flat_map(move |scale| {
        let bits = [128u32, 1, 3, 12, 24][scale];
        square_sized(
            sizes.clone(),
            any::<i128>().prop_map(move |v| {
                let v = match bits {
                    128 => v,
                    _ if unsigned => v.rem_euclid(1 << bits),
                    _ => v % (1 << bits),
                };
                Wrapping(v.as_())
            }),
        )
    })
}

/// A `Wrapping` power, allocating and through `_into` (the register
/// kernels at n = 3, 4 and the 2×2 recurrence serve both), bit for bit
/// against the repeated wrapping product.
fn check_wrapping<T>(a: &Array2<Wrapping<T>>, k: u64) -> Result<(), TestCaseError>
where
    Wrapping<T>: numkit::power::PowerScalar + Zero + One + PartialEq + std::fmt::Debug,
    T: Default,
{
    let expected = naive_pow(a, k);
    prop_assert_eq!(matrix_power(a, k).unwrap(), expected.clone());
    let mut out = Array2::from_elem(a.dim(), Wrapping(T::default()));
    matrix_power_into(a, k, &mut out, &mut PowerWorkspace::new()).unwrap();
    prop_assert_eq!(out, expected);
    Ok(())
}

/// 2×2 powers of the 64- and 128-bit types run a recurrence on
/// `A^j = p·A + q·I` (Cayley–Hamilton) instead of matrix products, checked
/// and `Wrapping` alike: the contracts at n = 2 alone, with more cases than
/// the mixed-shape suites above give that size.
macro_rules! two_by_two {
    ($($name:ident: $t:ty, $small:expr;)*) => {$(
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]
            #[test]
            fn $name(
                a in int_matrix::<$t>(2..=2, $small, any::<$t>()),
                w in wrapping_scaled::<$t>(2..=2),
                k in exponent(),
            ) {
                check_int_contract(&a, k)?;
                check_wrapping(&w, k)?;
                let mut out = Array2::from_elem((2, 2), <$t>::default());
                let into = matrix_power_into(&a, k, &mut out, &mut PowerWorkspace::new());
                prop_assert_eq!(into.map(|()| out), matrix_power(&a, k));
            }
        }
    )*};
}
two_by_two! {
    two_by_two_i64: i64, -3i64..=3;
    two_by_two_u64: u64, 0u64..=3;
    two_by_two_i128: i128, -3i128..=3;
    two_by_two_u128: u128, 0u128..=3;
    two_by_two_isize: isize, -3isize..=3;
    two_by_two_usize: usize, 0usize..=3;
}

macro_rules! wrapping_small_entries {
    ($($name:ident: $t:ty;)*) => {$(
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(48))]
            #[test]
            fn $name(a in wrapping_scaled::<$t>(0..=MAX_N), k in exponent()) {
                check_wrapping(&a, k)?;
            }
        }
    )*};
}
wrapping_small_entries! {
    wrapping_scaled_i8: i8; wrapping_scaled_i16: i16; wrapping_scaled_i32: i32;
    wrapping_scaled_i64: i64; wrapping_scaled_i128: i128; wrapping_scaled_isize: isize;
    wrapping_scaled_u8: u8; wrapping_scaled_u16: u16; wrapping_scaled_u32: u32;
    wrapping_scaled_u64: u64; wrapping_scaled_u128: u128; wrapping_scaled_usize: usize;
}

// -------------------------------------------------------------------- floats

/// Rounding model of one floating-point format (Higham, *Accuracy and
/// Stability of Numerical Algorithms*, §2.1): a product is
/// `fl(xy) = xy(1 + δ) + η` with `|δ| ≤ u` and, when the result falls below
/// the normal range, an absolute error `|η| ≤ underflow`; sums of subnormals
/// are exact.
#[derive(Clone, Copy)]
struct Precision {
    unit_roundoff: f64,
    underflow: f64,
    complex: bool,
}

const F64: Precision = Precision {
    unit_roundoff: f64::EPSILON / 2.0,
    // Half the smallest subnormal, 2^-1075, is not representable in f64;
    // the smallest subnormal itself bounds it.
    underflow: f64::from_bits(1),
    complex: false,
};

const F32: Precision = Precision {
    unit_roundoff: f32::EPSILON as f64 / 2.0,
    // Half of f32's smallest subnormal 2^-149.
    underflow: f32::from_bits(1) as f64 / 2.0,
    complex: false,
};

const C64: Precision = Precision {
    complex: true,
    ..F64
};

const C32: Precision = Precision {
    complex: true,
    ..F32
};

/// Error bound for a computed product chain.
///
/// Rounding: every entry of a product computed in floating point satisfies
/// `|fl(XY) − XY| ≤ γ_n |X||Y|` (`γ_n = n·u/(1 − n·u)`; Higham §3.5), for
/// any summation order, blocking, or FMA use. By induction over a chain in
/// which every path from `A` to `A^k` passes through at most `k − 1`
/// products, both the naive repeated product and the binary schedule satisfy
/// `|P − A^k| ≤ ((1 + γ_n)^(k−1) − 1)·|A|^k` entrywise (real: `γ_{n+4}` is
/// used, a little slack). Complex: the textbook product (the reference)
/// errs by at most `√2·γ_{n+2}·Σ|x||y|` (Higham §3.6); numkit's strip
/// kernel forms each real and imaginary part as one real sum of `2n`
/// products, one rounding each, so each part errs by at most
/// `γ_{2n}·Σ(|x_re||y_re| + |x_im||y_im|) ≤ γ_{2n}·Σ|x||y|`, and the modulus
/// by `√2·γ_{2n}`; the 3×3 and 4×4 register kernels by `√2·γ_5` or less.
/// `γ_{3n+2}` covers all of these (`√2·γ_m ≤ γ_{⌈√2·m⌉}`).
///
/// Underflow: the relative model fails once entries are subnormal (a 1×1
/// `0.22^64` in f32 is about 1e-42). Each entry of one product then also
/// takes at most `4n·η` absolute error (n terms, two real products per
/// complex component). Such an error `E` made anywhere in a chain of at most
/// `k` products reaches `A^k` as at most `k` terms `|A|^p·E·|A|^q` with
/// `p + q ≤ k`, and `(|A|^p J |A|^q)_ij ≤ ρ^(p+q)` where `ρ` is the larger of
/// 1 and `|A|`'s largest row and column sums. Later roundings scale it by at
/// most `(1 + γ)^k`.
///
/// The numkit result and the reference each satisfy the bound, so they
/// differ by at most twice it. `|A|^k` is computed in f64 (its own rounding
/// is far below the slack of the bound).
fn float_tolerance(abs_a: &Array2<f64>, k: u64, precision: Precision) -> Array2<f64> {
    let n = abs_a.nrows();
    let terms = if precision.complex {
        3.0 * n as f64 + 2.0
    } else {
        n as f64 + 4.0
    };
    let nu = terms * precision.unit_roundoff;
    let gamma = nu / (1.0 - nu);
    let growth = (1.0 + gamma).powi(k as i32);
    let relative = 2.0 * ((1.0 + gamma).powi(k.saturating_sub(1) as i32) - 1.0);
    let row_sums = abs_a.rows().into_iter().map(|r| r.sum());
    let col_sums = abs_a.columns().into_iter().map(|c| c.sum());
    let rho = row_sums.chain(col_sums).fold(1.0, f64::max);
    let kf = k as f64;
    let absolute =
        2.0 * kf * kf * 4.0 * n as f64 * precision.underflow * rho.powi(k as i32) * growth;
    naive_pow(abs_a, k).mapv(|v| relative * v + absolute)
}

/// Every entry of `got` within its tolerance of `reference`, the distance
/// measured by `abs` (the absolute value, or the complex modulus) in f64.
fn within<T>(
    got: &Array2<T>,
    reference: &Array2<T>,
    tol: &Array2<f64>,
    abs: impl Fn(T) -> f64,
) -> Result<(), TestCaseError>
where
    T: Copy + std::ops::Sub<Output = T> + std::fmt::Display,
{
    prop_assert_eq!(got.dim(), reference.dim());
    for ((&x, &y), t) in got.iter().zip(reference).zip(tol) {
        prop_assert!(abs(x - y) <= *t, "{x} vs {y}, tol {t}");
    }
    Ok(())
}

/// Entries in [-1.5, 1.5]/n keep `|A|^k` (hence the bound) finite and
/// meaningful for every k ≤ 64 in f32.
fn float_entry(n: usize) -> impl Strategy<Value = f64> + Clone {
    let s = 1.5 / (n.max(1) as f64);
    -s..=s
}

fn float_matrix() -> impl Strategy<Value = Array2<f64>> {
    (0..=MAX_N).prop_flat_map(|n| {
        proptest::collection::vec(float_entry(n), n * n)
            .prop_map(move |v| Array2::from_shape_vec((n, n), v).unwrap())
    })
}

fn complex_matrix() -> impl Strategy<Value = Array2<Complex<f64>>> {
    (0..=MAX_N).prop_flat_map(|n| {
        proptest::collection::vec((float_entry(n), float_entry(n)), n * n).prop_map(move |v| {
            Array2::from_shape_vec(
                (n, n),
                v.into_iter().map(|(re, im)| Complex::new(re, im)).collect(),
            )
            .unwrap()
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn f64_within_bound(a in float_matrix(), k in exponent()) {
        let r = matrix_power(&a, k).unwrap();
        let reference = naive_pow(&a, k);
        let tol = float_tolerance(&a.mapv(f64::abs), k, F64);
        within(&r, &reference, &tol, f64::abs)?;
    }

    #[test]
    fn f32_within_bound(a in float_matrix(), k in exponent()) {
        let a32 = a.mapv(|v| v as f32);
        let r = matrix_power(&a32, k).unwrap();
        let reference = naive_pow(&a32, k);
        let tol = float_tolerance(&a32.mapv(|v| f64::from(v.abs())), k, F32);
        within(&r, &reference, &tol, |d: f32| f64::from(d.abs()))?;
    }

    #[test]
    fn complex_within_bound(a in complex_matrix(), k in exponent()) {
        let abs = a.mapv(|z| z.norm());
        let tol64 = float_tolerance(&abs, k, C64);
        let r = matrix_power(&a, k).unwrap();
        let reference = naive_pow(&a, k);
        within(&r, &reference, &tol64, Complex::norm)?;
        let a32 = a.mapv(|z| Complex::new(z.re as f32, z.im as f32));
        let tol32 = float_tolerance(&a32.mapv(|z| f64::from(z.norm())), k, C32);
        let r = matrix_power(&a32, k).unwrap();
        let reference = naive_pow(&a32, k);
        within(&r, &reference, &tol32, |d: Complex<f32>| f64::from(d.norm()))?;
    }
}

/// The 2×2, 3×3 and 4×4 register kernels (f32, f64, Complex<f32>, Complex<f64>)
/// against the reference through every layout: a transposed input view, and
/// `_into` a transposed output view, which both go through the kernels' copy
/// paths; all three results must be bit-identical.
fn check_register_kernel<T>(
    a: &Array2<T>,
    k: u64,
    abs: fn(T) -> f64,
    precision: Precision,
) -> Result<(), TestCaseError>
where
    T: numkit::power::PowerScalar + PartialEq + std::fmt::Display + std::ops::Sub<Output = T>,
{
    let at = a.t().to_owned();
    let reference = naive_pow(a, k);
    let tol = float_tolerance(&a.mapv(abs), k, precision);
    let direct = matrix_power(a, k).unwrap();
    let via_view = matrix_power(&at.t(), k).unwrap();
    let n = a.nrows();
    let mut out = Array2::zeros((n, n));
    let mut ws = PowerWorkspace::new();
    let mut out_t = out.view_mut().reversed_axes();
    matrix_power_into(a, k, &mut out_t, &mut ws).unwrap();
    let into_t = out.t().to_owned();
    for r in [&direct, &via_view, &into_t] {
        within(r, &reference, &tol, abs)?;
    }
    prop_assert_eq!(&direct, &via_view);
    prop_assert_eq!(&direct, &into_t);
    Ok(())
}

/// A 2×2, 3×3 or 4×4 matrix, the sizes with register kernels (2×2: complex
/// only), with complex entries scaled as in [`float_matrix`]; the real tests
/// take the real parts.
fn kernel_matrix() -> impl Strategy<Value = Array2<Complex<f64>>> {
    (2usize..=4).prop_flat_map(|n| {
        proptest::collection::vec((float_entry(n), float_entry(n)), n * n).prop_map(move |v| {
            let z = v.into_iter().map(|(re, im)| Complex::new(re, im)).collect();
            Array2::from_shape_vec((n, n), z).expect("n×n")
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(192))]

    #[test]
    fn register_kernels_every_float_type(z in kernel_matrix(), k in exponent()) {
        check_register_kernel(&z.mapv(|z| z.re), k, f64::abs, F64)?;
        check_register_kernel(&z.mapv(|z| z.re as f32), k, |x: f32| f64::from(x.abs()), F32)?;
        check_register_kernel(&z, k, Complex::norm, C64)?;
        let z32 = z.mapv(|z| Complex::new(z.re as f32, z.im as f32));
        check_register_kernel(&z32, k, |z: Complex<f32>| f64::from(z.norm()), C32)?;
    }
}

/// Found by CI: `|a|^64 ≈ 1e-42` is subnormal in f32, where the result and
/// the reference differ by one subnormal step, far beyond any relative
/// bound. The tolerance's underflow term covers it; the relative part alone
/// must not (otherwise this test would not be about underflow).
#[test]
fn subnormal_results_within_underflow_bound() {
    let a = Array2::from_elem((1, 1), Complex::new(-0.213_912_49_f32, 0.058_761_104));
    let k = 64;
    let abs = a.mapv(|z| f64::from(z.norm()));
    let tol = float_tolerance(&abs, k, F32)[[0, 0]];
    let relative_only = float_tolerance(
        &abs,
        k,
        Precision {
            underflow: 0.0,
            ..F32
        },
    )[[0, 0]];
    let r = matrix_power(&a, k).unwrap()[[0, 0]];
    let reference = naive_pow(&a, k)[[0, 0]];
    let err = f64::from((r - reference).norm());
    assert!(err <= tol, "{r} vs {reference}: {err} > {tol}");
    assert!(
        relative_only < f64::from(f32::from_bits(1)),
        "relative part {relative_only} should be below one subnormal step"
    );
}

// ------------------------------------------------------- layouts and variants

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any input layout gives the same bits as the owned standard-layout copy,
    /// and matches the naive reference.
    #[test]
    fn views_and_transposes(
        big in square(2 * MAX_N + 1, any::<i64>().prop_map(Wrapping)),
        step in 1usize..=2, transpose in any::<bool>(), k in exponent(),
    ) {
        let v = big.slice(s![..;step, ..;step]);
        let v: ArrayView2<_> = if transpose { v.reversed_axes() } else { v };
        let owned = v.to_owned();
        let r = matrix_power(&v, k).unwrap();
        prop_assert_eq!(&r, &matrix_power(&owned, k).unwrap());
        prop_assert_eq!(&r, &naive_pow(&owned, k));
        let f = big.mapv(|w| (w.0 % 7) as f64 / 7.0);
        let fv = f.slice(s![..;step, ..;step]);
        let fv = if transpose { fv.reversed_axes() } else { fv };
        prop_assert_eq!(matrix_power(&fv, k).unwrap(), matrix_power(&fv.to_owned(), k).unwrap());
    }

    /// `_into` equals the allocating call, with one workspace reused across
    /// sizes and exponents, writing into a contiguous array (the inline
    /// register-kernel path for n = 3, 4, including its fallback when the
    /// integer bound is too large) and into strided and transposed views,
    /// and reports exactly `product_count(k)` products.
    #[test]
    fn into_matches_allocating(
        mats in proptest::collection::vec((square(MAX_N, -2i64..=2), exponent(), 0u8..3), 1..6),
    ) {
        let mut ws = PowerWorkspace::new();
        for (a, k, layout) in mats {
            let n = a.nrows();
            let expected = matrix_power(&a, k);
            let mut store = Array2::from_elem((2 * n + 1, 2 * n + 1), 99i64);
            let mut contiguous = Array2::from_elem((n, n), 99i64);
            let mut out = store.slice_mut(s![..;2, ..;2]);
            let mut out = out.slice_mut(s![..n, ..n]);
            let got = match layout {
                0 => matrix_power_into(&a, k, &mut contiguous, &mut ws).map(|()| contiguous.clone()),
                1 => matrix_power_into(&a, k, &mut out, &mut ws).map(|()| out.to_owned()),
                _ => {
                    let mut t = out.view_mut().reversed_axes();
                    matrix_power_into(&a, k, &mut t, &mut ws).map(|()| t.to_owned())
                }
            };
            match (&expected, &got) {
                (Ok(e), Ok(g)) => {
                    prop_assert_eq!(e, g);
                    prop_assert_eq!(ws.last_product_count(), if n == 0 { 0 } else { product_count(k) });
                    // Nothing outside the n×n strided window was written.
                    for ((i, j), v) in store.indexed_iter() {
                        if i % 2 == 1 || j % 2 == 1 || i >= 2 * n || j >= 2 * n {
                            prop_assert_eq!(*v, 99);
                        }
                    }
                }
                (Err(e), Err(g)) => prop_assert_eq!(e, g),
                _ => prop_assert!(false, "{:?} vs {:?}", expected, got),
            }
        }
    }

    /// Stacks: every slice equals the single-matrix power.
    #[test]
    fn stack_matches_single(
        s in 0usize..4, n in 0usize..=MAX_N, k in exponent(), seed in any::<u64>(),
    ) {
        let a = Array3::from_shape_fn((s, n, n), |(p, i, j)| {
            Wrapping(seed.wrapping_mul(31 + p as u64).wrapping_add((i * 13 + j * 7) as u64))
        });
        let r = matrix_power_stack(&a, k).unwrap();
        prop_assert_eq!(r.dim(), (s, n, n));
        for (m, rm) in a.outer_iter().zip(r.outer_iter()) {
            prop_assert_eq!(rm, matrix_power(&m, k).unwrap());
        }
        // Float stacks through a permuted (non-standard) layout.
        let f = a.mapv(|w| (w.0 % 5) as f64 / 5.0);
        let fp = f.view().permuted_axes([0, 2, 1]);
        let r = matrix_power_stack(&fp, k).unwrap();
        for (m, rm) in fp.axis_iter(Axis(0)).zip(r.outer_iter()) {
            prop_assert_eq!(rm, matrix_power(&m, k).unwrap());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// `matrix_power_stack_into` equals `matrix_power` matrix by matrix
    /// (values, or the first matrix's error), with one workspace reused across stacks of different
    /// sizes and exponents, writing into a contiguous stack, a strided view
    /// and a view with its matrix axes swapped; nothing outside the view is
    /// written. Entries up to 3 in magnitude overflow `i32` for the larger
    /// `n` and `k`, so the error path is drawn too.
    #[test]
    fn stack_into_matches_stack(
        stacks in proptest::collection::vec(
            (0usize..4, 0usize..=MAX_N, exponent(), 0u8..3, any::<u64>()), 1..5),
    ) {
        let mut ws = PowerWorkspace::new();
        for (s_len, n, k, layout, seed) in stacks {
            let a = Array3::from_shape_fn((s_len, n, n), |(p, i, j)| {
                let h = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left((p * 29 + i * 7 + j) as u32 % 64);
                (h % 7) as i32 - 3
            });
            // Matrix by matrix, the first error being the stack's.
            let expected = a
                .outer_iter()
                .map(|m| matrix_power(&m, k))
                .collect::<Result<Vec<_>, _>>()
                .map(|ms| {
                    Array3::from_shape_fn((s_len, n, n), |(p, i, j)| ms[p][[i, j]])
                });
            let mut store = Array3::from_elem((s_len, 2 * n + 1, 2 * n + 1), 99i32);
            let mut contiguous = Array3::from_elem((s_len, n, n), 99i32);
            let got = match layout {
                0 => matrix_power_stack_into(&a, k, &mut contiguous, &mut ws).map(|()| contiguous.clone()),
                1 => {
                    let mut out = store.slice_mut(s![.., 1..2 * n + 1;2, ..n]);
                    matrix_power_stack_into(&a, k, &mut out, &mut ws).map(|()| out.to_owned())
                }
                _ => {
                    let mut out = store.slice_mut(s![.., ..n, ..n]);
                    let mut t = out.view_mut().permuted_axes([0, 2, 1]);
                    matrix_power_stack_into(&a, k, &mut t, &mut ws).map(|()| t.to_owned())
                }
            };
            match (&expected, &got) {
                (Ok(e), Ok(g)) => {
                    prop_assert_eq!(e, g);
                    let products = if n == 0 || s_len == 0 { 0 } else { product_count(k) };
                    prop_assert_eq!(ws.last_product_count(), products);
                    let inside = |i: usize, j: usize| match layout {
                        1 => i % 2 == 1 && i < 2 * n + 1 && j < n,
                        _ => i < n && j < n,
                    };
                    for ((_, i, j), v) in store.indexed_iter() {
                        if layout == 0 || !inside(i, j) {
                            prop_assert_eq!(*v, 99);
                        }
                    }
                }
                (Err(e), Err(g)) => prop_assert_eq!(e, g),
                _ => prop_assert!(false, "{:?} vs {:?}", expected, got),
            }
        }
    }
}

/// Contiguous float stacks of `s` matrices of size `n` (odd and even `s`,
/// so that the paired 3×3 and 4×4 kernels meet both a whole number of
/// pairs and a last single matrix).
fn float_stack() -> impl Strategy<Value = Array3<f64>> {
    (0usize..=5, 0usize..=6).prop_flat_map(|(s, n)| {
        proptest::collection::vec(float_entry(n), s * n * n)
            .prop_map(move |v| Array3::from_shape_vec((s, n, n), v).unwrap())
    })
}

/// Every matrix of a float stack equals its own `matrix_power` bit for bit
/// (the paired kernels form the same operations in the same order as the
/// one-matrix kernels), and lies within the float bound of the naive
/// power; `matrix_power_stack_into` agrees, with one reused workspace.
fn check_float_stack<T>(
    a: &Array3<T>,
    k: u64,
    precision: Precision,
    magnitude: fn(T) -> f64,
) -> Result<(), TestCaseError>
where
    T: numkit::power::PowerScalar + Zero + One + PartialEq + std::fmt::Display,
{
    let r = matrix_power_stack(a, k).unwrap();
    let mut ws = PowerWorkspace::new();
    let mut into = Array3::from_elem(a.dim(), T::one());
    matrix_power_stack_into(a, k, &mut into, &mut ws).unwrap();
    prop_assert_eq!(&r, &into);
    for (m, rm) in a.outer_iter().zip(r.outer_iter()) {
        let single = matrix_power(&m, k).unwrap();
        prop_assert_eq!(rm, single.view());
        let tol = float_tolerance(&m.mapv(magnitude), k, precision);
        within(&single, &naive_pow(&m.to_owned(), k), &tol, magnitude)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn f64_stacks_match_single_powers(a in float_stack(), k in exponent()) {
        check_float_stack(&a, k, F64, f64::abs)?;
    }

    #[test]
    fn f32_stacks_match_single_powers(a in float_stack(), k in exponent()) {
        check_float_stack(&a.mapv(|v| v as f32), k, F32, |v: f32| f64::from(v.abs()))?;
    }
}

// --------------------------------------------------------------------- modular

/// Naive modular reference in `u128`: `x, y < m ≤ 2^64 − 1` so `x·y < 2^128`,
/// and a running sum kept below `m` cannot overflow.
fn naive_pow_mod(a: &Array2<u64>, k: u64, m: u64) -> Array2<u64> {
    let n = a.nrows();
    let m = u128::from(m);
    let a = a.mapv(|v| u128::from(v) % m);
    let mut r = Array2::from_shape_fn((n, n), |(i, j)| u128::from(i == j) % m);
    for _ in 0..k {
        let mut c = Array2::zeros((n, n));
        for i in 0..n {
            for j in 0..n {
                let mut s = 0u128;
                for l in 0..n {
                    s = (s + r[[i, l]] * a[[l, j]] % m) % m;
                }
                c[[i, j]] = s;
            }
        }
        r = c;
    }
    r.mapv(|v| v as u64)
}

fn modulus() -> impl Strategy<Value = u64> {
    prop_oneof![
        1u64..=20,
        any::<u64>().prop_map(|m| m.max(1)),
        (0u64..1000).prop_map(|d| u64::MAX - d)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn mod_matches_u128_reference(a in square(MAX_N, any::<u64>()), k in exponent(), m in modulus()) {
        prop_assert_eq!(matrix_power_mod(&a, k, m).unwrap(), naive_pow_mod(&a, k, m));
        // Narrow element types agree with the u64 computation.
        let m32 = (m % u64::from(u32::MAX)).max(1) as u32;
        let a32 = a.mapv(|v| v as u32);
        let r32 = matrix_power_mod(&a32, k, m32).unwrap();
        prop_assert_eq!(r32.mapv(u64::from), naive_pow_mod(&a32.mapv(u64::from), k, u64::from(m32)));
        // u128 entries above 2^64 are reduced in full before the power.
        let a128 = a.mapv(|v| (u128::from(v) << 64) | u128::from(v.rotate_left(7)));
        let reduced = a128.mapv(|v| (v % u128::from(m)) as u64);
        let r128 = matrix_power_mod(&a128, k, u128::from(m)).unwrap();
        prop_assert_eq!(r128, naive_pow_mod(&reduced, k, m).mapv(u128::from));
    }
}

// ------------------------------------------------------------ signed exponents

/// Plain Gauss–Jordan inverse with partial pivoting (reference only).
fn naive_inverse(a: &Array2<f64>) -> Array2<f64> {
    let n = a.nrows();
    let mut m = a.clone();
    let mut inv = identity::<f64>(n);
    for c in 0..n {
        let p = (c..n)
            .max_by(|&x, &y| m[[x, c]].abs().total_cmp(&m[[y, c]].abs()))
            .unwrap();
        for j in 0..n {
            m.swap([c, j], [p, j]);
            inv.swap([c, j], [p, j]);
        }
        let d = m[[c, c]];
        for j in 0..n {
            m[[c, j]] /= d;
            inv[[c, j]] /= d;
        }
        for r in 0..n {
            if r != c {
                let f = m[[r, c]];
                for j in 0..n {
                    m[[r, j]] -= f * m[[c, j]];
                    inv[[r, j]] -= f * inv[[c, j]];
                }
            }
        }
    }
    inv
}

/// Diagonally dominant matrices: `A = d·I + R` with `|R_ij| ≤ 1` and
/// `|d| ≥ n + 1`, so `‖A⁻¹‖_∞ ≤ 1` and `κ_∞(A) ≤ 2n + 1`.
fn well_conditioned() -> impl Strategy<Value = Array2<f64>> {
    (1..=MAX_N).prop_flat_map(|n| {
        (
            proptest::collection::vec(-1.0f64..1.0, n * n),
            proptest::collection::vec(any::<bool>(), n),
        )
            .prop_map(move |(v, neg)| {
                let mut a = Array2::from_shape_vec((n, n), v).unwrap();
                for i in 0..n {
                    a[[i, i]] += if neg[i] {
                        -(n as f64 + 1.0)
                    } else {
                        n as f64 + 1.0
                    };
                }
                a
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Negative powers against inverse-then-power. Both the LU inverse and the
    /// Gauss–Jordan reference have backward errors of order `n·u` and the
    /// inverse a forward error below `κ·n·u·c` for modest `c`; the power adds
    /// `k·n·u` per the product bound. So the max-norm difference, relative to
    /// `‖|A⁻¹|^k‖_max ≥ ‖A^{-k}‖_max`, stays below `c·(k + κ)·n·u`; `c = 64`
    /// leaves ample slack while any wrong pivot or permutation fails by
    /// orders of magnitude.
    #[test]
    fn negative_powers_match_inverse_then_power(a in well_conditioned(), k in 1i64..=64) {
        let n = a.nrows();
        let r = matrix_power_signed(&a, -k).unwrap();
        let inv = naive_inverse(&a);
        let reference = naive_pow(&inv, k as u64);
        let scale = naive_pow(&inv.mapv(f64::abs), k as u64).iter().fold(0.0f64, |m, v| m.max(*v));
        let kappa = 2.0 * n as f64 + 1.0;
        let tol = 64.0 * (k as f64 + kappa) * n as f64 * f64::EPSILON * scale;
        for (x, y) in r.iter().zip(&reference) {
            prop_assert!((x - y).abs() <= tol, "{x} vs {y}, tol {tol}");
        }
        // A · A⁻¹ ≈ I.
        let one = matrix_power_signed(&a, -1).unwrap();
        let prod = naive_mul(&a, &one);
        for ((i, j), v) in prod.indexed_iter() {
            let e = if i == j { 1.0 } else { 0.0 };
            prop_assert!((v - e).abs() <= 64.0 * kappa * n as f64 * f64::EPSILON, "{v}");
        }
    }

    /// Non-negative signed exponents are exactly `matrix_power`.
    #[test]
    fn nonnegative_signed_is_matrix_power(a in float_matrix(), k in 0i64..=64) {
        prop_assert_eq!(matrix_power_signed(&a, k).unwrap(), matrix_power(&a, k as u64).unwrap());
    }

    /// Complex negative powers: `A^{-k} · A^k ≈ I`.
    #[test]
    fn complex_negative_powers(a in well_conditioned(), k in 1i64..=4) {
        // Imaginary part aᵀ/(n+1): off-diagonal moduli stay ≤ 1.003, so z is
        // still diagonally dominant and ‖z‖·‖z⁻¹‖ ≤ about 2n + 1.
        let n = a.nrows();
        let z = Array2::from_shape_fn((n, n), |(i, j)| Complex::new(a[[i, j]], a[[j, i]] / (n as f64 + 1.0)));
        let inv_k = matrix_power_signed(&z, -k).unwrap();
        let pow_k = matrix_power_signed(&z, k).unwrap();
        let prod = naive_mul(&inv_k, &pow_k);
        let growth = (2.2 * n as f64 + 1.0).powi(k as i32);
        for ((i, j), v) in prod.indexed_iter() {
            let e = if i == j { Complex::new(1.0, 0.0) } else { Complex::zero() };
            prop_assert!((v - e).norm() <= 256.0 * growth * n as f64 * f64::EPSILON, "{v}");
        }
    }
}

/// Exactly singular matrices `C·D` (`C` n×r, `D` r×n, r < n, small integer
/// entries so that the product is exact in every float type here), rows and
/// columns scaled by powers of two (still exact, still singular), possibly
/// read through a transposed view: every negative power is `Err(Singular)`,
/// in `f64`, `f32`, `Complex<f64>` and `Complex<f32>`. Rounding in the
/// elimination rarely leaves an exactly zero pivot here; the condition test
/// must catch the rest.
fn singular_matrix() -> impl Strategy<Value = (Array2<f64>, Array2<Complex<f64>>)> {
    (2usize..=MAX_N)
        .prop_flat_map(|n| (Just(n), 1..n, prop_oneof![Just(1i64), Just(10), Just(100)]))
        .prop_flat_map(|(n, r, m)| {
            let entry = (-m..=m, -m..=m).prop_map(|(re, im)| Complex::new(re as f64, im as f64));
            (
                proptest::collection::vec(entry.clone(), n * r),
                proptest::collection::vec(entry, r * n),
                proptest::collection::vec(-40i32..=40, 2 * n),
                any::<bool>(),
            )
                .prop_map(move |(c, d, exps, transpose)| {
                    let c = Array2::from_shape_vec((n, r), c).expect("n×r");
                    let d = Array2::from_shape_vec((r, n), d).expect("r×n");
                    // The real matrix from the real parts of the factors (the
                    // real part of a singular complex matrix need not be).
                    let real = naive_mul(&c.mapv(|v| v.re), &d.mapv(|v| v.re));
                    let complex = naive_mul(&c, &d);
                    let scale = |i: usize, j: usize| 2f64.powi(exps[i] + exps[n + j]);
                    let real = Array2::from_shape_fn((n, n), |(i, j)| real[[i, j]] * scale(i, j));
                    let complex =
                        Array2::from_shape_fn((n, n), |(i, j)| complex[[i, j]] * scale(i, j));
                    if transpose {
                        (real.t().to_owned(), complex.t().to_owned())
                    } else {
                        (real, complex)
                    }
                })
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn exactly_singular_is_refused((real, z) in singular_matrix(), k in 1i64..=64) {
        prop_assert_eq!(matrix_power_signed(&real, -k), Err(numkit::Error::Singular));
        prop_assert_eq!(matrix_power_signed(&real.t(), -k), Err(numkit::Error::Singular));
        let real32 = real.mapv(|v| v as f32);
        prop_assert_eq!(matrix_power_signed(&real32, -k), Err(numkit::Error::Singular));
        prop_assert_eq!(matrix_power_signed(&z, -k), Err(numkit::Error::Singular));
        prop_assert_eq!(matrix_power_signed(&z.t(), -k), Err(numkit::Error::Singular));
        let z32 = z.mapv(|v| Complex::new(v.re as f32, v.im as f32));
        prop_assert_eq!(matrix_power_signed(&z32, -k), Err(numkit::Error::Singular));
    }

    /// Scaling the rows of `A` by powers of two scales the columns of `A⁻¹`
    /// by their inverses, bit for bit: the equilibration takes the same
    /// scaled matrix out of `D·A` as out of `A`, so pivoting and rounding are
    /// identical. (Without equilibration, partial pivoting on `D·A` picks
    /// other pivots and the bits differ.)
    #[test]
    fn row_scaling_commutes_with_inverse(
        a in well_conditioned(), exps in proptest::collection::vec(-300i32..=300, MAX_N),
    ) {
        let n = a.nrows();
        let d = |i: usize| 2f64.powi(exps[i]);
        let scaled = Array2::from_shape_fn((n, n), |(i, j)| a[[i, j]] * d(i));
        let inv = matrix_power_signed(&a, -1).unwrap();
        let want = Array2::from_shape_fn((n, n), |(i, j)| inv[[i, j]] / d(j));
        prop_assert_eq!(matrix_power_signed(&scaled, -1).unwrap(), want);
    }

    /// `f32` and `Complex<f32>` negative powers, and inputs read through
    /// transposed and strided views. `f32`: against the `f64` Gauss–Jordan
    /// inverse of the same (exactly widened) entries, powered in `f64`, with
    /// the bound of `negative_powers_match_inverse_then_power` in `f32`'s ε.
    /// Views: the same bits as an owned standard-layout copy.
    #[test]
    fn negative_powers_f32_complex32_and_views(a in well_conditioned(), k in 1i64..=16) {
        let n = a.nrows();
        let kappa = 2.0 * n as f64 + 1.0;
        let a32 = a.mapv(|v| v as f32);
        let r32 = matrix_power_signed(&a32, -k).unwrap();
        let inv = naive_inverse(&a32.mapv(f64::from));
        let reference = naive_pow(&inv, k as u64);
        let scale = naive_pow(&inv.mapv(f64::abs), k as u64).iter().fold(0.0f64, |m, v| m.max(*v));
        let tol = 64.0 * (k as f64 + kappa) * n as f64 * f64::from(f32::EPSILON) * scale;
        for (x, y) in r32.iter().zip(&reference) {
            prop_assert!((f64::from(*x) - y).abs() <= tol, "{x} vs {y}, tol {tol}");
        }
        // Complex<f32>: A^{-k}·A^k ≈ I, as in `complex_negative_powers`.
        let z = Array2::from_shape_fn((n, n), |(i, j)| {
            Complex::new(a32[[i, j]], a32[[j, i]] / (n as f32 + 1.0))
        });
        let prod = naive_mul(
            &matrix_power_signed(&z, -k).unwrap(),
            &matrix_power_signed(&z, k).unwrap(),
        );
        let growth = (2.2 * n as f64 + 1.0).powi(k as i32);
        for ((i, j), v) in prod.indexed_iter() {
            let e = if i == j { Complex::new(1.0, 0.0) } else { Complex::zero() };
            let err = f64::from((v - e).norm());
            prop_assert!(err <= 256.0 * growth * n as f64 * f64::from(f32::EPSILON), "{v}");
        }
        // Views: transposed, and every other row and column of a larger array.
        let t = a.t();
        prop_assert_eq!(matrix_power_signed(&t, -k).unwrap(), matrix_power_signed(&t.to_owned(), -k).unwrap());
        let mut big = Array2::from_elem((2 * n, 2 * n), f64::NAN);
        big.slice_mut(s![..;2, ..;2]).assign(&a);
        let strided = big.slice(s![..;2, ..;2]);
        prop_assert_eq!(matrix_power_signed(&strided, -k).unwrap(), matrix_power_signed(&a, -k).unwrap());
        let zt = z.t();
        prop_assert_eq!(matrix_power_signed(&zt, -k).unwrap(), matrix_power_signed(&zt.to_owned(), -k).unwrap());
    }
}

/// The schedule's product count: `product_count(k)` against a walk over
/// `k`'s bits (a squaring per bit below the leading one, a product with `A`
/// per set bit among them), fewer than the baseline loop's, and what
/// `last_product_count` reports after a call, whose result must be right.
///
/// What the kernels themselves form is observed by the unit test
/// `kernels_form_exactly_the_scheduled_products` (src/power/mod.rs): test
/// builds of the library count every product at the point where a kernel
/// forms it, which an integration test cannot see. Here the count is
/// observed directly only on the general path (n ≥ 5), which counts its
/// products as it goes in every build.
#[test]
fn product_count_is_minimal_binary_and_reported() {
    fn baseline_products(mut k: u64) -> u32 {
        let mut p = 0;
        while k > 0 {
            if k % 2 == 1 {
                p += 1;
            }
            p += 1;
            k /= 2;
        }
        p
    }
    fn walked(k: u64) -> u32 {
        let mut seen_leading_one = false;
        let mut products = 0;
        for bit in (0..64).rev() {
            let set = (k >> bit) & 1 == 1;
            if seen_leading_one {
                products += 1 + u32::from(set);
            }
            seen_leading_one |= set;
        }
        products
    }
    assert_eq!(product_count(10), 4);
    assert_eq!(baseline_products(10), 6);
    assert_eq!(product_count(1000), 14);
    assert_eq!(baseline_products(1000), 16);
    let mut ws = PowerWorkspace::new();
    for n in [1usize, 2, 3, 4, 6] {
        // Entries 0 and 1 in a cyclic pattern: A^k wraps predictably in u32.
        let a = Array2::from_shape_fn((n, n), |(i, j)| Wrapping(u32::from((i + j) % 3 == 0)));
        let mut out = Array2::from_elem((n, n), Wrapping(0));
        for k in (0..=300u64).chain([1 << 20, (1 << 40) + 1, u64::MAX]) {
            let expected = walked(k);
            assert_eq!(product_count(k), expected, "k = {k}");
            assert!(product_count(k) < baseline_products(k) || k == 0);
            matrix_power_into(&a, k, &mut out, &mut ws).unwrap();
            assert_eq!(ws.last_product_count(), expected, "n = {n}, k = {k}");
            if k <= 64 {
                assert_eq!(out, naive_pow(&a, k), "n = {n}, k = {k}");
            }
        }
    }
}

/// Every exponent 0..=64, deterministically, for every element type and
/// every size 1..=12, against the naive repeated product (the property
/// tests above draw exponents at random, so any one run sees only some).
/// Floats and complex within the error bound; `Wrapping` bit-exact on full
/// 64-bit entries; primitive integers on the bounded families of
/// [`bounded_contract`] (a signed cyclic permutation and an upper triangular
/// matrix with unit diagonal), bit-exact or `Overflow` by the contract.
#[test]
fn every_exponent_to_64_every_type() {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        state
    };
    for n in 1..=MAX_N {
        let scale = 1.5 / n as f64;
        let mut uniform = || ((next() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0) * scale;
        let f = Array2::from_shape_fn((n, n), |_| uniform());
        let z = Array2::from_shape_fn((n, n), |_| Complex::new(uniform(), uniform()));
        let w = Array2::from_shape_fn((n, n), |_| Wrapping(next()));
        let cyclic = Array2::from_shape_fn((n, n), |(i, j)| {
            if j == (i + 1) % n {
                if i % 2 == 0 {
                    1i64
                } else {
                    -1
                }
            } else {
                0
            }
        });
        let triangular = Array2::from_shape_fn((n, n), |(i, j)| match (i, j) {
            _ if i == j => 1i64,
            _ if i < j => [(-1i64), 0, 1][(next() % 3) as usize],
            _ => 0,
        });
        let f32s = f.mapv(|v| v as f32);
        let z32 = z.mapv(|v| Complex::new(v.re as f32, v.im as f32));
        let (mut pf, mut pz, mut pw) = (identity(n), identity(n), identity(n));
        let (mut pf32, mut pz32) = (identity(n), identity(n));
        let mut bounded = [&cyclic, &triangular]
            .map(|a| [BoundedPowers::new(a), BoundedPowers::new(&a.mapv(i64::abs))]);
        for k in 0..=64u64 {
            let tol = float_tolerance(&f.mapv(f64::abs), k, F64);
            within(&matrix_power(&f, k).unwrap(), &pf, &tol, f64::abs).unwrap();
            let tol = float_tolerance(&f32s.mapv(|v| f64::from(v.abs())), k, F32);
            within(&matrix_power(&f32s, k).unwrap(), &pf32, &tol, |d: f32| {
                f64::from(d.abs())
            })
            .unwrap();
            let tol = float_tolerance(&z.mapv(|v| v.norm()), k, C64);
            within(&matrix_power(&z, k).unwrap(), &pz, &tol, Complex::norm).unwrap();
            let tol = float_tolerance(&z32.mapv(|v| f64::from(v.norm())), k, C32);
            within(
                &matrix_power(&z32, k).unwrap(),
                &pz32,
                &tol,
                |d: Complex<f32>| f64::from(d.norm()),
            )
            .unwrap();
            assert_eq!(
                matrix_power(&w, k).unwrap(),
                pw,
                "Wrapping<u64>, n = {n}, k = {k}"
            );
            for [signed, unsigned] in &mut bounded {
                bounded_contract_every_type(signed, unsigned).unwrap();
                signed.advance();
                unsigned.advance();
            }
            pf = naive_mul(&pf, &f);
            pf32 = naive_mul(&pf32, &f32s);
            pz = naive_mul(&pz, &z);
            pz32 = naive_mul(&pz32, &z32);
            pw = naive_mul(&pw, &w);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    /// Sizes around 256: with a `blas` feature products from n = 256 on go
    /// to BLAS; without, to the strip kernel, whose last strip is partial
    /// at every size here but 256. Same error bound as above.
    #[test]
    fn f64_and_c64_large_within_bound(n in 254usize..=258, k in 0u64..=5, seed in any::<u64>()) {
        f64_and_c64_within_bound(n, k, k.min(3), seed, 1.5 / n as f64)?;
    }
}

/// Either side of the strip kernel's upper limit without BLAS (n = 1024;
/// from 1025 on products go to matrixmultiply): one product each, f64 and
/// complex, against the naive product.
#[test]
fn either_side_of_strip_limit() {
    for n in [1024usize, 1025] {
        f64_and_c64_within_bound(n, 2, 2, n as u64, 1.0 / n as f64).unwrap();
    }
}

/// `A^k` for an `n×n` matrix with entries uniform in `±scale` (from
/// `seed`), and `Z^k_complex` for the complex matrix with `A` as its real
/// part, each against [`naive_pow`] within the bound of [`float_tolerance`].
fn f64_and_c64_within_bound(
    n: usize,
    k: u64,
    k_complex: u64,
    seed: u64,
    scale: f64,
) -> Result<(), TestCaseError> {
    let mut s = seed;
    let mut r = move || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0) * scale
    };
    let a = Array2::from_shape_fn((n, n), |_| r());
    let tol = float_tolerance(&a.mapv(f64::abs), k, F64);
    within(
        &matrix_power(&a, k).unwrap(),
        &naive_pow(&a, k),
        &tol,
        f64::abs,
    )?;
    let z = a.mapv(|v| Complex::new(v, r()));
    let tol = float_tolerance(&z.mapv(|v| v.norm()), k_complex, C64);
    let got = matrix_power(&z, k_complex).unwrap();
    within(&got, &naive_pow(&z, k_complex), &tol, Complex::norm)
}

/// Stack path (n = 1..=4) near the edge of its a-priori bound: entry
/// magnitudes and exponents chosen so that `n^(k−1)·max|A|^k` lands on
/// either side of `i64::MAX`, so both the unchecked schedule and the checked
/// fallback run, against the big-integer contract.
fn straddling_i64() -> impl Strategy<Value = (Array2<i64>, u64)> {
    (1usize..=4, 1u32..=31).prop_flat_map(|(n, bits)| {
        let m = 1i64 << bits;
        // k up to a little past where m^k alone leaves i64.
        let k_max = u64::from(63 / bits + 2);
        (
            proptest::collection::vec(-m..=m, n * n)
                .prop_map(move |v| Array2::from_shape_vec((n, n), v).unwrap()),
            1..=k_max,
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn small_stack_path_straddles_bound((a, k) in straddling_i64()) {
        check_int_contract(&a, k)?;
    }
}
