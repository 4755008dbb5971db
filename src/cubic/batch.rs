//! Many cubics at once, into caller buffers (no allocation per cubic).

use ndarray::{Array1, ArrayRef1, ArrayRef2};

use super::{core, cubic_y_root, cubic_y_root_principal, solve_cubic, CubicFloat, Roots};
use crate::Error;

/// Cubics per stack-buffered chunk in the batch kernels.
const CHUNK: usize = 64;

/// The y-form batch driver: the general chunk classifier with b = 0 and
/// c = 1.5 (see `core::Chunk`); results equal one call per cubic.
#[inline(always)]
fn y_batch<F: CubicFloat, T>(
    x0: &[F],
    y0: &[F],
    out: &mut [T],
    from_roots: impl Fn(Roots<F>) -> T,
    scalar: impl Fn(F, F) -> T,
) {
    let mut chunk = core::Chunk::<CHUNK>::new();
    for ((xc, yc), oc) in x0
        .chunks(CHUNK)
        .zip(y0.chunks(CHUNK))
        .zip(out.chunks_mut(CHUNK))
    {
        chunk.clear();
        for (j, (&x, &y)) in xc.iter().zip(yc).enumerate() {
            chunk.classify(j, [x.widen(), 0.0, 1.5, -y.widen()]);
        }
        chunk.solve(|j, raw| oc[j] = from_roots(super::narrow_roots(raw)));
        for &j in &chunk.other[..chunk.no] {
            let j = usize::from(j);
            oc[j] = scalar(xc[j], yc[j]);
        }
    }
}

/// The principal root of a y-form root set, as `cubic_y_root_principal`.
#[inline(always)]
fn principal_of<F: CubicFloat>(r: Roots<F>) -> F {
    match r.len() {
        0 => F::nan(),
        3 => r[1],
        _ => r[0],
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
    let mut chunk = core::Chunk::<CHUNK>::new();
    let mut start = 0;
    for oc in out.chunks_mut(CHUNK) {
        let n = oc.len();
        let (ac, bc, cc, dc) = (
            &a[start..start + n],
            &b[start..start + n],
            &c[start..start + n],
            &d[start..start + n],
        );
        chunk.clear();
        for j in 0..n {
            chunk.classify(
                j,
                [ac[j].widen(), bc[j].widen(), cc[j].widen(), dc[j].widen()],
            );
        }
        chunk.solve(|j, raw| oc[j] = super::narrow_roots(raw));
        for &j in &chunk.other[..chunk.no] {
            let j = usize::from(j);
            oc[j] = solve_cubic(ac[j], bc[j], cc[j], dc[j]);
        }
        start += n;
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
    let mut chunk = core::Chunk::<CHUNK>::new();
    let mut rows = coeffs.rows().into_iter();
    let mut buf = [[F::zero(); 4]; CHUNK];
    let mut outs = out.iter_mut();
    loop {
        let mut n = 0;
        // `buf` first, for the same reason: no row is dropped between chunks.
        for (slot, row) in buf.iter_mut().zip(rows.by_ref()) {
            *slot = [row[0], row[1], row[2], row[3]];
            n += 1;
        }
        if n == 0 {
            break;
        }
        chunk.clear();
        for (j, c) in buf[..n].iter().enumerate() {
            chunk.classify(j, [c[0].widen(), c[1].widen(), c[2].widen(), c[3].widen()]);
        }
        let mut res = [Roots::empty(); CHUNK];
        chunk.solve(|j, raw| res[j] = super::narrow_roots(raw));
        for &j in &chunk.other[..chunk.no] {
            let c = buf[usize::from(j)];
            res[usize::from(j)] = solve_cubic(c[0], c[1], c[2], c[3]);
        }
        // `res` first: zip polls its left side first, and must not consume
        // an output slot past the chunk.
        for (r, o) in res[..n].iter().zip(outs.by_ref()) {
            *o = *r;
        }
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
    y_batch(x0, y0, out, |r| r, cubic_y_root);
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
    y_batch(x0, y0, out, principal_of, cubic_y_root_principal);
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
        y_batch(x0, y0, out, principal_of, cubic_y_root_principal);
        return Ok(());
    }
    for ((o, &x), &y) in out.iter_mut().zip(x0).zip(y0) {
        *o = cubic_y_root_principal(x, y);
    }
    Ok(())
}
