//! The fixed-size, `Copy` root set returned by the real solvers.

use std::fmt;
use std::ops::Deref;

/// Up to three real roots, ascending, on the stack.
///
/// A small `Copy` value (three floats and a count) that derefs to the slice of
/// valid roots, so it indexes, iterates and compares like `&[F]`. Roots are
/// listed with multiplicity (see the [module documentation](super)).
///
/// ```
/// use numkit::cubic::{solve_cubic, Roots};
/// let r: Roots<f64> = solve_cubic(1.0, 0.0, -1.0, 0.0);
/// assert_eq!(r.len(), 3);
/// assert_eq!(r[0], -1.0);
/// assert_eq!(r.iter().sum::<f64>(), 0.0);
/// let (array, n) = r.into_parts();
/// assert_eq!((array, n), ([-1.0, 0.0, 1.0], 3));
/// ```
#[derive(Clone, Copy)]
pub struct Roots<F> {
    roots: [F; 3],
    len: u8,
}

impl<F: Copy + Default + PartialOrd> Roots<F> {
    /// No roots.
    ///
    /// ```
    /// use numkit::cubic::Roots;
    /// assert!(Roots::<f32>::empty().is_empty());
    /// ```
    #[inline(always)]
    pub fn empty() -> Self {
        Roots {
            roots: [F::default(); 3],
            len: 0,
        }
    }

    /// Roots from a slice of at most three values, sorted ascending here.
    /// Returns `None` for more than three values or any unordered (NaN) value.
    ///
    /// ```
    /// use numkit::cubic::Roots;
    /// let r = Roots::from_slice(&[2.0, -1.0]).unwrap();
    /// assert_eq!(&r[..], &[-1.0, 2.0]);
    /// assert!(Roots::from_slice(&[1.0, 2.0, 3.0, 4.0]).is_none());
    /// assert!(Roots::from_slice(&[f64::NAN]).is_none());
    /// ```
    pub fn from_slice(values: &[F]) -> Option<Self> {
        if values.len() > 3 {
            return None;
        }
        let mut out = Self::empty();
        for &v in values {
            // NaN is unordered even with itself.
            v.partial_cmp(&v)?;
            out.insert(v);
        }
        Some(out)
    }

    /// The roots as `([F; 3], count)`, the shape textbook solvers return;
    /// slots past `count` hold `F::default()`.
    ///
    /// ```
    /// use numkit::cubic::solve_cubic;
    /// let (r, n) = solve_cubic(1.0_f64, 0.0, 0.0, -8.0).into_parts();
    /// assert_eq!((r, n), ([2.0, 0.0, 0.0], 1));
    /// ```
    #[inline(always)]
    pub fn into_parts(self) -> ([F; 3], usize) {
        (self.roots, self.len as usize)
    }

    /// The valid roots as a slice (the same as `&*roots`).
    ///
    /// ```
    /// use numkit::cubic::solve_depressed;
    /// assert_eq!(solve_depressed(-1.0_f64, 0.0).as_slice(), &[-1.0, 0.0, 1.0]);
    /// ```
    #[inline(always)]
    pub fn as_slice(&self) -> &[F] {
        &self.roots[..self.len as usize]
    }

    /// From ascending roots in `r[..n]` (n ≤ 3).
    #[inline(always)]
    pub(crate) fn from_parts_unchecked(roots: [F; 3], n: usize) -> Self {
        debug_assert!(n <= 3);
        Roots {
            roots,
            len: n as u8,
        }
    }

    /// Append a value not smaller than the current last root.
    #[inline(always)]
    pub(crate) fn push_sorted_tail(&mut self, v: F) {
        debug_assert!(self.len < 3);
        self.roots[self.len as usize] = v;
        self.len += 1;
    }

    fn insert(&mut self, v: F) {
        let mut i = self.len as usize;
        while i > 0 && self.roots[i - 1] > v {
            self.roots[i] = self.roots[i - 1];
            i -= 1;
        }
        self.roots[i] = v;
        self.len += 1;
    }
}

impl<F: Copy + Default + PartialOrd> Default for Roots<F> {
    /// The empty root set.
    ///
    /// ```
    /// use numkit::cubic::Roots;
    /// assert_eq!(Roots::<f64>::default().len(), 0);
    /// ```
    fn default() -> Self {
        Self::empty()
    }
}

impl<F> Deref for Roots<F> {
    type Target = [F];
    #[inline(always)]
    fn deref(&self) -> &[F] {
        &self.roots[..self.len as usize]
    }
}

impl<F: PartialEq> PartialEq for Roots<F> {
    /// Equal when the valid roots are equal (unused slots are ignored).
    fn eq(&self, other: &Self) -> bool {
        self[..] == other[..]
    }
}

impl<F> Roots<F> {
    /// Equal root counts, and `close` holds for every pair of roots: the
    /// shape of each approximate comparison below.
    fn pairwise(&self, other: &Self, close: impl Fn(&F, &F) -> bool) -> bool {
        self.len() == other.len() && self.iter().zip(other.iter()).all(|(x, y)| close(x, y))
    }
}

impl<F: fmt::Debug> fmt::Debug for Roots<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a, F> IntoIterator for &'a Roots<F> {
    type Item = &'a F;
    type IntoIter = std::slice::Iter<'a, F>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Approximate comparison with the [`approx`] crate's macros: equal root
/// counts, and every pair of roots within the tolerance.
///
/// ```
/// use approx::assert_abs_diff_eq;
/// use numkit::cubic::{solve_cubic, Roots};
/// // (x − 0.1)(x − 0.2)(x − 0.3), whose coefficients are rounded.
/// let r = solve_cubic(1.0_f64, -0.6, 0.11, -0.006);
/// let want = Roots::from_slice(&[0.1, 0.2, 0.3]).unwrap();
/// assert_abs_diff_eq!(r, want, epsilon = 1e-12);
/// assert!(!approx::abs_diff_eq!(r, Roots::from_slice(&[0.1, 0.2]).unwrap(), epsilon = 1.0));
/// ```
impl<F: approx::AbsDiffEq> approx::AbsDiffEq for Roots<F>
where
    F::Epsilon: Copy,
{
    type Epsilon = F::Epsilon;
    fn default_epsilon() -> F::Epsilon {
        F::default_epsilon()
    }
    fn abs_diff_eq(&self, other: &Self, epsilon: F::Epsilon) -> bool {
        self.pairwise(other, |x, y| x.abs_diff_eq(y, epsilon))
    }
}

/// Relative comparison: equal root counts, every pair of roots within
/// `max_relative` of the larger (or within `epsilon`, for roots near zero).
///
/// ```
/// use approx::assert_relative_eq;
/// use numkit::cubic::{cubic_y_root, Roots};
/// // 1e-6·y³ + 1.5·y − 3e6 = 0 has one real root, near 1.44e4 …
/// let r = cubic_y_root(1e-6_f64, 3e6);
/// // … here also found by bisection of the same equation.
/// let (mut lo, mut hi) = (0.0_f64, 2e4);
/// for _ in 0..200 {
///     let mid = 0.5 * (lo + hi);
///     if 1e-6 * mid * mid * mid + 1.5 * mid - 3e6 < 0.0 { lo = mid } else { hi = mid }
/// }
/// assert_relative_eq!(r, Roots::from_slice(&[lo]).unwrap(), max_relative = 1e-14);
/// ```
impl<F: approx::RelativeEq> approx::RelativeEq for Roots<F>
where
    F::Epsilon: Copy,
{
    fn default_max_relative() -> F::Epsilon {
        F::default_max_relative()
    }
    fn relative_eq(&self, other: &Self, epsilon: F::Epsilon, max_relative: F::Epsilon) -> bool {
        self.pairwise(other, |x, y| x.relative_eq(y, epsilon, max_relative))
    }
}

/// Comparison in units in the last place: equal root counts, every pair of
/// roots within `max_ulps`.
///
/// ```
/// use approx::assert_ulps_eq;
/// use numkit::cubic::{solve_depressed, Roots};
/// // y³ − 2y = 0: roots −√2, 0, √2.
/// let r = solve_depressed(-2.0_f64, 0.0);
/// let s = 2.0_f64.sqrt();
/// assert_ulps_eq!(r, Roots::from_slice(&[-s, 0.0, s]).unwrap(), max_ulps = 2);
/// ```
impl<F: approx::UlpsEq> approx::UlpsEq for Roots<F>
where
    F::Epsilon: Copy,
{
    fn default_max_ulps() -> u32 {
        F::default_max_ulps()
    }
    fn ulps_eq(&self, other: &Self, epsilon: F::Epsilon, max_ulps: u32) -> bool {
        self.pairwise(other, |x, y| x.ulps_eq(y, epsilon, max_ulps))
    }
}
