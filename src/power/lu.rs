//! Matrix inverse by LU factorisation with partial pivoting, for the
//! negative powers of float and complex matrices.

use crate::Error;
use ndarray::{Array2, ArrayRef2, LinalgScalar};
use num_complex::Complex;

/// What the inverse needs beyond field arithmetic.
pub trait InvElem: LinalgScalar + PartialEq {
    /// Pivot size: `|x|` for reals, `|re| + |im|` for complex (as LAPACK's
    /// `i?amax` does — cheaper than the modulus and equally good for pivoting).
    fn pivot_size(self) -> f64;
    fn is_finite_elem(self) -> bool;
}

macro_rules! inv_real {
    ($($t:ty),*) => {$(
        impl InvElem for $t {
            fn pivot_size(self) -> f64 { f64::from(self.abs()) }
            fn is_finite_elem(self) -> bool { self.is_finite() }
        }
        impl InvElem for Complex<$t> {
            fn pivot_size(self) -> f64 { f64::from(self.re.abs()) + f64::from(self.im.abs()) }
            fn is_finite_elem(self) -> bool { self.re.is_finite() && self.im.is_finite() }
        }
    )*};
}
inv_real!(f32, f64);

/// `a⁻¹` for a square `a`, or `Err(Singular)` when a pivot is exactly zero or
/// the inverse overflows to a non-finite value (numerically singular).
pub(crate) fn inverse<A: InvElem>(a: &ArrayRef2<A>) -> Result<Array2<A>, Error> {
    let n = a.nrows();
    if a.iter().any(|x| !x.is_finite_elem()) {
        return Err(Error::NonFinite { parameter: "a" });
    }
    // Row-major working copy, factorised in place as P·A = L·U.
    let mut lu: Vec<A> = a.iter().copied().collect();
    let mut perm: Vec<usize> = (0..n).collect();
    for col in 0..n {
        let (p, size) =
            (col..n)
                .map(|r| (r, lu[r * n + col].pivot_size()))
                .fold(
                    (col, -1.0),
                    |best, cur| if cur.1 > best.1 { cur } else { best },
                );
        // NaN pivots cannot occur: the input is finite and a non-finite
        // intermediate would be caught by the final check; a zero pivot means
        // the column is (exactly) dependent on the previous ones.
        if size == 0.0 || !size.is_finite() {
            return Err(Error::Singular);
        }
        if p != col {
            for j in 0..n {
                lu.swap(p * n + j, col * n + j);
            }
            perm.swap(p, col);
        }
        let pivot = lu[col * n + col];
        for r in col + 1..n {
            let f = lu[r * n + col] / pivot;
            lu[r * n + col] = f;
            if f != A::zero() {
                for j in col + 1..n {
                    let u = lu[col * n + j];
                    lu[r * n + j] = lu[r * n + j] - f * u;
                }
            }
        }
    }
    // Solve L·U·X = P for X = A⁻¹, all columns at once by row operations.
    let mut x = vec![A::zero(); n * n];
    for (i, &pi) in perm.iter().enumerate() {
        x[i * n + pi] = A::one();
    }
    for i in 0..n {
        for r in 0..i {
            let f = lu[i * n + r];
            if f != A::zero() {
                for j in 0..n {
                    let v = x[r * n + j];
                    x[i * n + j] = x[i * n + j] - f * v;
                }
            }
        }
    }
    for i in (0..n).rev() {
        for r in i + 1..n {
            let f = lu[i * n + r];
            if f != A::zero() {
                for j in 0..n {
                    let v = x[r * n + j];
                    x[i * n + j] = x[i * n + j] - f * v;
                }
            }
        }
        let d = lu[i * n + i];
        for j in 0..n {
            x[i * n + j] = x[i * n + j] / d;
        }
    }
    if x.iter().any(|v| !v.is_finite_elem()) {
        return Err(Error::Singular);
    }
    Ok(Array2::from_shape_vec((n, n), x).expect("n*n elements"))
}
