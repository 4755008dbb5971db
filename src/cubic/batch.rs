//! Many cubics at once, into caller buffers (no allocation per cubic).

use ndarray::{Array1, ArrayRef1, ArrayRef2};

use super::{core, cubic_y_root, cubic_y_root_principal, solve_cubic, CubicFloat, Roots};
use crate::Error;

/// Cubics per stack-buffered chunk in the batch kernels.
const CHUNK: usize = 64;

/// The y-form batch driver. Within each chunk the common case (x0 > 0,
/// moderate x0 and y0, y0 ≠ 0: exactly one real root) is gathered, without
/// branching, into stack buffers and solved by a short loop whose
/// iterations overlap in the CPU pipeline; a single call cannot overlap with
/// the next like that. Everything else, and any lane whose cheap Newton
/// guard fails, goes through the scalar solver, so results are identical to
/// one call per cubic.
#[inline(always)]
fn y_batch<F: CubicFloat, T>(
    x0: &[F],
    y0: &[F],
    out: &mut [T],
    fast_out: impl Fn(F) -> T,
    scalar: impl Fn(F, F) -> T,
) {
    let mut xs = [0.0f64; CHUNK];
    let mut ys = [0.0f64; CHUNK];
    let mut res = [0.0f64; CHUNK];
    let mut fast_idx = [0u8; CHUNK];
    let mut slow_idx = [0u8; CHUNK];
    for ((xc, yc), oc) in x0
        .chunks(CHUNK)
        .zip(y0.chunks(CHUNK))
        .zip(out.chunks_mut(CHUNK))
    {
        let (mut nf, mut ns) = (0, 0);
        for (j, (&xf, &yf)) in xc.iter().zip(yc).enumerate() {
            let (x, y) = (xf.widen(), yf.widen());
            let fast = x > 0.0 && y != 0.0 && core::moderate(x) && core::moderate(y);
            xs[nf] = x;
            ys[nf] = y;
            fast_idx[nf] = j as u8;
            slow_idx[ns] = j as u8;
            nf += usize::from(fast);
            ns += usize::from(!fast);
        }
        core::y_one_root_lanes(&xs[..nf], &ys[..nf], &mut res[..nf]);
        for (&j, &r) in fast_idx[..nf].iter().zip(&res[..nf]) {
            let j = usize::from(j);
            oc[j] = if r.is_nan() {
                scalar(xc[j], yc[j])
            } else {
                fast_out(F::narrow(r))
            };
        }
        for &j in &slow_idx[..ns] {
            let j = usize::from(j);
            oc[j] = scalar(xc[j], yc[j]);
        }
    }
}

fn check_len(what: &'static str, expected: usize, found: usize) -> Result<(), Error> {
    if expected == found {
        Ok(())
    } else {
        Err(Error::ShapeMismatch {
            what,
            expected: vec![expected],
            found: vec![found],
        })
    }
}

/// Solve `a[i]·x³ + b[i]·x² + c[i]·x + d[i] = 0` for every `i` into `out[i]`.
///
/// Same per-cubic contract as [`solve_cubic`]. All five slices must have the
/// same length, else [`Error::ShapeMismatch`] (and `out` is untouched).
///
/// ```
/// use numkit::cubic::{solve_cubic_into, Roots};
/// let a = [1.0, 1.0];
/// let b = [0.0, -6.0];
/// let c = [-1.0, 11.0];
/// let d = [0.0, -6.0];
/// let mut out = [Roots::empty(); 2];
/// solve_cubic_into(&a, &b, &c, &d, &mut out).unwrap();
/// assert_eq!(&out[0][..], &[-1.0, 0.0, 1.0]);
/// assert_eq!(&out[1][..], &[1.0, 2.0, 3.0]);
/// ```
pub fn solve_cubic_into<F: CubicFloat>(
    a: &[F],
    b: &[F],
    c: &[F],
    d: &[F],
    out: &mut [Roots<F>],
) -> Result<(), Error> {
    let n = out.len();
    check_len("a", n, a.len())?;
    check_len("b", n, b.len())?;
    check_len("c", n, c.len())?;
    check_len("d", n, d.len())?;
    // A plain loop: gathering the one-root cubics into lanes, as the y-form
    // batch does, measured slower here because classifying a general cubic
    // costs most of solving it.
    for ((((o, &a), &b), &c), &d) in out.iter_mut().zip(a).zip(b).zip(c).zip(d) {
        *o = solve_cubic(a, b, c, d);
    }
    Ok(())
}

/// Solve every row `[a, b, c, d]` of an `n × 4` coefficient array.
///
/// ```
/// use ndarray::array;
/// use numkit::cubic::solve_cubic_array;
/// let coeffs = array![[1.0_f64, 0.0, -4.0, 0.0], [2.0, 0.0, 0.0, -16.0]];
/// let roots = solve_cubic_array(&coeffs).unwrap();
/// assert_eq!(&roots[0][..], &[-2.0, 0.0, 2.0]);
/// assert_eq!(&roots[1][..], &[2.0]);
/// ```
pub fn solve_cubic_array<F: CubicFloat>(coeffs: &ArrayRef2<F>) -> Result<Array1<Roots<F>>, Error> {
    let mut out = Array1::from_elem(coeffs.nrows(), Roots::empty());
    solve_cubic_array_into(coeffs, &mut out)?;
    Ok(out)
}

/// [`solve_cubic_array`] into a caller buffer of length `n`.
///
/// ```
/// use ndarray::{array, Array1};
/// use numkit::cubic::{solve_cubic_array_into, Roots};
/// let coeffs = array![[1.0_f32, -3.0, 3.0, -1.0]];
/// let mut out = Array1::from_elem(1, Roots::empty());
/// solve_cubic_array_into(&coeffs, &mut out).unwrap();
/// assert_eq!(&out[0][..], &[1.0, 1.0, 1.0]);
/// ```
pub fn solve_cubic_array_into<F: CubicFloat>(
    coeffs: &ArrayRef2<F>,
    out: &mut ArrayRef1<Roots<F>>,
) -> Result<(), Error> {
    if coeffs.ncols() != 4 || coeffs.nrows() != out.len() {
        return Err(Error::ShapeMismatch {
            what: "coeffs",
            expected: vec![out.len(), 4],
            found: coeffs.shape().to_vec(),
        });
    }
    for (o, row) in out.iter_mut().zip(coeffs.rows()) {
        *o = solve_cubic(row[0], row[1], row[2], row[3]);
    }
    Ok(())
}

/// [`cubic_y_root`] for every pair `(x0[i], y0[i])` into `out[i]`.
///
/// ```
/// use numkit::cubic::{cubic_y_root_into, Roots};
/// let mut out = [Roots::empty(); 2];
/// cubic_y_root_into(&[2.0_f64, -1.5], &[3.5, 0.0], &mut out).unwrap();
/// assert_eq!(&out[0][..], &[1.0]);
/// assert_eq!(&out[1][..], &[-1.0, 0.0, 1.0]);
/// ```
pub fn cubic_y_root_into<F: CubicFloat>(
    x0: &[F],
    y0: &[F],
    out: &mut [Roots<F>],
) -> Result<(), Error> {
    check_len("x0", out.len(), x0.len())?;
    check_len("y0", out.len(), y0.len())?;
    y_batch(
        x0,
        y0,
        out,
        |r| Roots::from_parts_unchecked([r, F::zero(), F::zero()], 1),
        cubic_y_root,
    );
    Ok(())
}

/// [`cubic_y_root_principal`] for every pair `(x0[i], y0[i])` into `out[i]`:
/// the simulation's inner loop.
///
/// ```
/// use numkit::cubic::cubic_y_root_principal_into;
/// let mut y = [0.0_f64; 3];
/// cubic_y_root_principal_into(&[2.0, 0.0, -1.5], &[3.5, 3.0, 0.0], &mut y).unwrap();
/// assert_eq!(y, [1.0, 2.0, 0.0]);
/// ```
pub fn cubic_y_root_principal_into<F: CubicFloat>(
    x0: &[F],
    y0: &[F],
    out: &mut [F],
) -> Result<(), Error> {
    check_len("x0", out.len(), x0.len())?;
    check_len("y0", out.len(), y0.len())?;
    y_batch(x0, y0, out, |r| r, cubic_y_root_principal);
    Ok(())
}

/// [`cubic_y_root_principal_into`] for ndarray inputs of equal length.
///
/// ```
/// use ndarray::{array, Array1};
/// use numkit::cubic::cubic_y_root_array_into;
/// let x0 = array![2.0_f64, 0.0];
/// let y0 = array![3.5, 3.0];
/// let mut y = Array1::zeros(2);
/// cubic_y_root_array_into(&x0, &y0, &mut y).unwrap();
/// assert_eq!(y, array![1.0, 2.0]);
/// ```
pub fn cubic_y_root_array_into<F: CubicFloat>(
    x0: &ArrayRef1<F>,
    y0: &ArrayRef1<F>,
    out: &mut ArrayRef1<F>,
) -> Result<(), Error> {
    check_len("x0", out.len(), x0.len())?;
    check_len("y0", out.len(), y0.len())?;
    if let (Some(x0), Some(y0), Some(out)) = (x0.as_slice(), y0.as_slice(), out.as_slice_mut()) {
        y_batch(x0, y0, out, |r| r, cubic_y_root_principal);
        return Ok(());
    }
    for ((o, &x), &y) in out.iter_mut().zip(x0).zip(y0) {
        *o = cubic_y_root_principal(x, y);
    }
    Ok(())
}
