//! Stack-only real and complex roots of cubics, accurate to a few ulps.
//!
//! Textbook Cardano/trigonometric formulas lose up to half the digits to
//! cancellation, return NaN when `acos` is fed `1 + 1e-16` next to a double
//! root, and overflow in `(q/2)² + (p/3)³` for tiny or huge coefficients.
//! The solvers here do not. They scale by powers of two when a coefficient
//! leaves [2^-60, 2^61] (exact, so nothing over- or underflows), pick the
//! cancellation-free branch of every formula (Cardano's sign choice, the
//! opposite-sign sum rewritten as a quotient, small roots from Vieta's
//! product), decide the root count from a discriminant with a rounding-error
//! bound, and polish each root with a Newton step on the original
//! coefficients: a step below 2^-27 relative is taken, a larger one only
//! while it lowers |p| (an unguarded step diverges next to a double root).
//! Roots spread so widely (magnitude ratios beyond ~2^320) that scaling would
//! push a coefficient out of the normal range are solved group by group from
//! the Newton polygon. Nothing here allocates.
//!
//! | function | solves | returns |
//! |---|---|---|
//! | [`solve_cubic`] | a·x³ + b·x² + c·x + d = 0 | [`Roots`] (real roots, ascending) |
//! | [`try_solve_cubic`] | the same, rejecting NaN/∞ | `Result<Roots, Error>` |
//! | [`solve_depressed`] | y³ + p·y + q = 0 | [`Roots`] |
//! | [`cubic_y_root`] | x0·y³ + 1.5·y − y0 = 0 | [`Roots`] |
//! | [`cubic_y_root_principal`] | the same | the one physical root, `F` |
//! | [`solve_cubic_complex`] | a·x³ + b·x² + c·x + d = 0 | `[Complex<F>; 3]` |
//! | [`solve_cubic_into`], [`solve_cubic_array`], [`solve_cubic_array_into`], [`cubic_y_root_into`], [`cubic_y_root_principal_into`], [`cubic_y_root_array_into`] | many cubics | caller buffers / owned arrays |
//!
//! # Accuracy
//!
//! For finite coefficients every returned real root `x̂` of a simple root `x`
//! satisfies `|x̂ − x| ≤ c·κ·ε·|x|` with **`c = 4`**, where ε is the machine
//! epsilon of `F` and `κ = Σ|coef_i|·|x|^i / (|x|·|p'(x)|)` is the root's
//! condition number. The one exception is a close pair of simple roots
//! whose discriminant lies inside the multiple-root band (below): it may
//! come back as a double root at the critical point `x_d`, which happens
//! only when `|p(x_d)| ≤ 4ε·Σ|terms|` and so bounds the error by 8·κ·ε to
//! first order (the tests use `c = 9` there). A second exception, also
//! inside the band: when all three roots lie within about `ε^{1/3}` of each
//! other (a near-triple cluster: one real root and a complex pair), the real
//! root can come back beside a critical point of `p` that Newton's method
//! cannot cross. An independent review found 0.1 % of such clusters beyond
//! 4·κ·ε, the worst at 82·κ·ε, with residuals up to 37ε·Σ|terms|; there
//! the bound holds with κ taken at the returned value instead of the true
//! root, which is what the tests check (with `c = 9` inside the band).
//! The tests prove this for every root they check by an
//! exact sign change of p (big-integer arithmetic on the dyadic
//! coefficients) across `x̂ ± 4κε|x̂|`; over 100 000 random cubics the worst
//! error measured is below 1.5·κ·ε. Roots in the subnormal range are exact
//! only to the subnormal spacing. `f32` inputs are solved in `f64` and rounded
//! once, so their roots are within about one f32 ulp. A root that is exactly
//! zero (`d = 0`) is returned as exactly `0`. At a double root the error is
//! `O(√ε)` relative (the conditioning limit); at a triple root `O(ε^{1/3})`;
//! exact double and triple roots of exactly representable cubics come back
//! exactly.
//!
//! # Multiplicity rule
//!
//! Real roots are reported **with multiplicity**: a double root appears twice
//! and a triple root three times. The root count follows the sign of the
//! discriminant: three distinct roots when it is positive, one when it is
//! negative. It is first read off the depressed form's `(q/2)² + (p/3)³`
//! when that is outside its rounding-error bound; otherwise the discriminant
//! Δ of the (scaled) coefficients decides, and a Δ computed within its
//! rounding bound `16ε·Σ|terms of Δ|` of zero is treated as a multiple root
//! (the computed Δ is within `3ε·Σ|terms|` of the exact one, so the exact Δ
//! of such a cubic is within about `19ε·Σ|terms|` of zero): three roots
//! are reported, the close pair being `x_d ± sqrt(−2p(x_d)/p''(x_d))` around
//! the critical point `x_d` (identical values when that radicand is not
//! positive, or when `p(x_d)` is zero within rounding). So a double root is
//! never dropped in favour of a spurious complex pair; at worst a complex
//! pair whose imaginary parts are `O(√ε)` is reported as a real double root
//! (`O(ε^{1/3})` for a near-triple cluster, which may come back as a triple
//! root).
//! For coefficients that are small integers times powers of two Δ is
//! computed exactly, so the count is exact.
//!
//! # Degenerate and non-finite input
//!
//! * `a = 0` (or `a` so small that the root it creates, ≈ −b/a, overflows):
//!   the roots of the remaining quadratic/linear polynomial. A root whose
//!   value overflows `F` is not returned (it is not representable);
//!   every representable root is.
//! * The zero polynomial (every coefficient zero) and nonzero constants
//!   report no roots.
//! * Any NaN or infinite coefficient: **no roots** (an empty [`Roots`]) from
//!   [`solve_cubic`], [`solve_depressed`] and [`cubic_y_root`]; all-NaN from
//!   [`solve_cubic_complex`] and [`cubic_y_root_principal`];
//!   [`Error::NonFinite`] naming the coefficient from [`try_solve_cubic`].
//!   No function ever returns a NaN "root" for finite input.
//!
//! ```
//! use numkit::cubic::{solve_cubic, cubic_y_root};
//! // (x − 1)²(x − 2): the double root is reported twice, exactly.
//! let r = solve_cubic(1.0, -4.0, 5.0, -2.0);
//! assert_eq!(&r[..], &[1.0, 1.0, 2.0]);
//! // The simulation's form: x0·y³ + 1.5·y − y0 = 0.
//! let y = cubic_y_root(1e-200_f64, 1.0);
//! assert_eq!(y.len(), 1);
//! assert!((y[0] - 2.0 / 3.0).abs() < 1e-15);
//! ```

mod batch;
mod core;
mod roots;

use num_complex::Complex;

pub use batch::{
    cubic_y_root_array_into, cubic_y_root_into, cubic_y_root_principal_into, solve_cubic_array,
    solve_cubic_array_into, solve_cubic_into,
};
pub use roots::Roots;

use crate::Error;

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// The float types the cubic solvers accept: `f32` and `f64`.
///
/// Sealed; both types are solved by the same `f64` engine (f32 is widened on
/// entry and rounded once on exit).
///
/// ```
/// use numkit::cubic::{solve_cubic, CubicFloat};
/// fn smallest<F: CubicFloat>(a: F, b: F, c: F, d: F) -> Option<F> {
///     solve_cubic(a, b, c, d).first().copied()
/// }
/// assert_eq!(smallest(1.0_f32, 0.0, -1.0, 0.0), Some(-1.0));
/// ```
pub trait CubicFloat:
    num_traits::Float + Default + std::fmt::Debug + Send + Sync + sealed::Sealed + 'static
{
    /// Exact conversion to `f64`.
    ///
    /// ```
    /// use numkit::cubic::CubicFloat;
    /// assert_eq!(1.5_f32.widen(), 1.5_f64);
    /// ```
    fn widen(self) -> f64;
    /// Round an `f64` to `Self` (to nearest).
    ///
    /// ```
    /// use numkit::cubic::CubicFloat;
    /// assert_eq!(<f32 as CubicFloat>::narrow(0.1), 0.1_f32);
    /// ```
    fn narrow(x: f64) -> Self;
}

impl CubicFloat for f64 {
    #[inline(always)]
    fn widen(self) -> f64 {
        self
    }
    #[inline(always)]
    fn narrow(x: f64) -> f64 {
        x
    }
}

impl CubicFloat for f32 {
    #[inline(always)]
    fn widen(self) -> f64 {
        f64::from(self)
    }
    #[inline(always)]
    fn narrow(x: f64) -> f32 {
        x as f32
    }
}

#[inline(always)]
fn all_finite(v: [f64; 4]) -> bool {
    v.iter().all(|x| x.is_finite())
}

#[inline(always)]
pub(crate) fn narrow_roots<F: CubicFloat>(raw: core::Raw) -> Roots<F> {
    // Unused slots hold 0.0, so checking all three is branch-free and only
    // an f32 overflow (a root not representable in F) takes the slow path.
    let r = [
        F::narrow(raw.r[0]),
        F::narrow(raw.r[1]),
        F::narrow(raw.r[2]),
    ];
    if r[0].is_finite() && r[1].is_finite() && r[2].is_finite() {
        return Roots::from_parts_unchecked(r, raw.n);
    }
    let mut out = Roots::empty();
    for &y in &r[..raw.n] {
        if y.is_finite() {
            out.push_sorted_tail(y);
        }
    }
    out
}

/// Real roots of `a·x³ + b·x² + c·x + d = 0`, ascending, with multiplicity.
///
/// See the [module documentation](self) for the accuracy bound, the
/// multiplicity rule and the degenerate/non-finite contract (NaN or ∞ in any
/// coefficient gives no roots). Never allocates; never returns NaN.
///
/// ```
/// use numkit::cubic::solve_cubic;
/// // (x + 2)(x − 0.5)(x − 3) = x³ − 1.5x² − 5.5x + 3
/// let r = solve_cubic(1.0_f64, -1.5, -5.5, 3.0);
/// assert_eq!(&r[..], &[-2.0, 0.5, 3.0]);
/// // a = 0 degenerates to the quadratic x² − 1:
/// assert_eq!(&solve_cubic(0.0_f32, 1.0, 0.0, -1.0)[..], &[-1.0, 1.0]);
/// // Non-finite input: no roots.
/// assert!(solve_cubic(f64::NAN, 1.0, 0.0, -1.0).is_empty());
/// ```
#[inline]
pub fn solve_cubic<F: CubicFloat>(a: F, b: F, c: F, d: F) -> Roots<F> {
    let (a, b, c, d) = (a.widen(), b.widen(), c.widen(), d.widen());
    if !all_finite([a, b, c, d]) {
        return Roots::empty();
    }
    narrow_roots(core::cubic_full(a, b, c, d, false).real)
}

/// [`solve_cubic`] that reports NaN or infinite coefficients as an error.
///
/// ```
/// use numkit::{cubic::try_solve_cubic, Error};
/// assert_eq!(&try_solve_cubic(1.0, 0.0, -4.0, 0.0).unwrap()[..], &[-2.0, 0.0, 2.0]);
/// assert_eq!(
///     try_solve_cubic(1.0, f64::INFINITY, 0.0, 0.0),
///     Err(Error::NonFinite { parameter: "b" })
/// );
/// ```
pub fn try_solve_cubic<F: CubicFloat>(a: F, b: F, c: F, d: F) -> Result<Roots<F>, Error> {
    for (v, name) in [(a, "a"), (b, "b"), (c, "c"), (d, "d")] {
        if !v.is_finite() {
            return Err(Error::NonFinite { parameter: name });
        }
    }
    Ok(solve_cubic(a, b, c, d))
}

/// Real roots of the depressed cubic `y³ + p·y + q = 0`, ascending, with
/// multiplicity (same contract as [`solve_cubic`]).
///
/// ```
/// use numkit::cubic::solve_depressed;
/// // y³ − 7y + 6 = (y − 1)(y − 2)(y + 3)
/// assert_eq!(&solve_depressed(-7.0_f64, 6.0)[..], &[-3.0, 1.0, 2.0]);
/// // y³ − 3y + 2 = (y − 1)²(y + 2): a double root, reported twice.
/// assert_eq!(&solve_depressed(-3.0_f64, 2.0)[..], &[-2.0, 1.0, 1.0]);
/// ```
#[inline]
pub fn solve_depressed<F: CubicFloat>(p: F, q: F) -> Roots<F> {
    solve_cubic(F::one(), F::zero(), p, q)
}

/// All real roots of the simulation's cubic `x0·y³ + 1.5·y − y0 = 0`,
/// ascending, with multiplicity.
///
/// * `x0 > 0`: exactly one real root (the cubic is increasing), always
///   returned.
/// * `x0 = 0`: the linear root `y0/1.5`.
/// * `x0 < 0`: one or three real roots, all returned; use
///   [`cubic_y_root_principal`] for the branch continuous with `y0/1.5`.
/// * `y0 = 0`: the root `0` is returned as exactly `0.0` (beside
///   `±sqrt(−1.5/x0)` when `x0 < 0`).
/// * NaN or ∞ in `x0` or `y0`: no roots.
///
/// Accuracy as for [`solve_cubic`], including for `x0` from 1e-300 to 1e300.
///
/// ```
/// use numkit::cubic::cubic_y_root;
/// let r = cubic_y_root(2.0_f64, 3.5); // 2y³ + 1.5y − 3.5 = 0 → y = 1
/// assert_eq!(&r[..], &[1.0]);
/// assert_eq!(&cubic_y_root(-1.5_f64, 0.0)[..], &[-1.0, 0.0, 1.0]);
/// assert_eq!(cubic_y_root(1e300_f64, 1.0).len(), 1);
/// ```
#[inline]
pub fn cubic_y_root<F: CubicFloat>(x0: F, y0: F) -> Roots<F> {
    let (x0, y0) = (x0.widen(), y0.widen());
    if !(x0.is_finite() && y0.is_finite()) {
        return Roots::empty();
    }
    narrow_roots(core::cubic_full(x0, 0.0, 1.5, -y0, false).real)
}

/// The physical root of `x0·y³ + 1.5·y − y0 = 0`: the one real root when
/// there is one, and for `x0 < 0` with three real roots the middle one (the
/// smallest in magnitude, continuous with the linear solution `y0/1.5` as
/// `x0 → 0`). NaN only if `x0` or `y0` is NaN or infinite.
///
/// ```
/// use numkit::cubic::cubic_y_root_principal;
/// assert_eq!(cubic_y_root_principal(2.0_f64, 3.5), 1.0);
/// assert_eq!(cubic_y_root_principal(0.0_f64, 3.0), 2.0);
/// // Roots −1, 0, 1: the middle one.
/// assert_eq!(cubic_y_root_principal(-1.5_f64, 0.0), 0.0);
/// assert!(cubic_y_root_principal(f64::NAN, 1.0).is_nan());
/// ```
#[inline]
pub fn cubic_y_root_principal<F: CubicFloat>(x0: F, y0: F) -> F {
    let r = cubic_y_root(x0, y0);
    match r.len() {
        0 => F::nan(),
        3 => r[1],
        _ => r[0],
    }
}

/// All three complex roots of `a·x³ + b·x² + c·x + d = 0`.
///
/// Real roots come first, ascending, with imaginary part exactly `0`; a
/// complex pair follows as `re − i·im, re + i·im` (exact conjugates, `im >
/// 0`). Roots that do not exist because the degree dropped (`a = 0`), or
/// that overflow `F`, are reported last as `+∞ + 0i`. Any NaN or infinite
/// coefficient, or the zero polynomial, gives three `NaN + NaN·i`.
///
/// ```
/// use numkit::cubic::solve_cubic_complex;
/// use num_complex::Complex;
/// // (x − 1)(x² + 1)
/// let z = solve_cubic_complex(1.0_f64, -1.0, 1.0, -1.0);
/// assert_eq!(z[0], Complex::new(1.0, 0.0));
/// assert_eq!(z[1], z[2].conj());
/// assert!((z[2] - Complex::new(0.0, 1.0)).norm() < 1e-15);
/// ```
pub fn solve_cubic_complex<F: CubicFloat>(a: F, b: F, c: F, d: F) -> [Complex<F>; 3] {
    let nan = Complex::new(F::nan(), F::nan());
    let (a, b, c, d) = (a.widen(), b.widen(), c.widen(), d.widen());
    if !all_finite([a, b, c, d]) || (a == 0.0 && b == 0.0 && c == 0.0 && d == 0.0) {
        return [nan; 3];
    }
    let full = if a == 0.0 {
        core::quadratic_full(b, c, d, true)
    } else {
        core::cubic_full(a, b, c, d, true)
    };
    let inf = Complex::new(F::infinity(), F::zero());
    let mut out = [inf; 3];
    let real: Roots<F> = narrow_roots(full.real);
    let mut i = 0;
    for &x in real.iter() {
        out[i] = Complex::new(x, F::zero());
        i += 1;
    }
    if let Some((re, im)) = full.pair {
        let (re, im) = (F::narrow(re), F::narrow(im));
        if i + 2 <= 3 && re.is_finite() && im.is_finite() {
            out[i] = Complex::new(re, -im);
            out[i + 1] = Complex::new(re, im);
        }
    }
    out
}
