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
