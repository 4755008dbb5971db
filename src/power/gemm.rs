//! Square matrix products on row-major slices: a cache-blocked loop for any
//! ring whose `+`/`×` cannot fail, and fixed-size unrolled products.

use num_complex::Complex;
use std::num::Wrapping;

/// Element arithmetic for the kernels that need no overflow check: floats,
/// complex numbers, `Wrapping<_>`, and primitive integers once a bound has
/// proved that no partial sum can overflow (then wrapping ops are exact).
pub(crate) trait Ring: Copy + Send + Sync {
    const ZERO: Self;
    /// `self + a·b`.
    fn madd(self, a: Self, b: Self) -> Self;
}

macro_rules! ring_plain {
    ($($t:ty),*) => {$(
        impl Ring for $t {
            const ZERO: Self = 0.0;
            #[inline(always)]
            fn madd(self, a: Self, b: Self) -> Self { self + a * b }
        }
        impl Ring for Complex<$t> {
            const ZERO: Self = Complex { re: 0.0, im: 0.0 };
            #[inline(always)]
            fn madd(self, a: Self, b: Self) -> Self { self + a * b }
        }
    )*};
}
ring_plain!(f32, f64);

macro_rules! ring_int {
    ($($t:ty),*) => {$(
        impl Ring for $t {
            const ZERO: Self = 0;
            #[inline(always)]
            fn madd(self, a: Self, b: Self) -> Self { self.wrapping_add(a.wrapping_mul(b)) }
        }
        impl Ring for Wrapping<$t> {
            const ZERO: Self = Wrapping(0);
            #[inline(always)]
            fn madd(self, a: Self, b: Self) -> Self { Wrapping(self.0.wrapping_add(a.0.wrapping_mul(b.0))) }
        }
    )*};
}
ring_int!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);

/// Columns of `C` (and of a `B` panel) processed per pass; with `KC` rows of
/// `B` the panel stays in L2 and four rows of `C` in L1.
const NC: usize = 256;
/// Rows of `B` per pass.
const KC: usize = 128;

/// `c ← a·b` for `n×n` row-major slices.
///
/// Loop order i-l-j with four rows of `C` per sweep of a `B` row: the inner
/// loop is a contiguous, dependency-free `c[j] += x·b[j]` that the compiler
/// vectorises, each loaded `B` element is used four times, and the `B`
/// panel is reused from cache by every row block.
pub(crate) fn gemm_blocked<T: Ring>(n: usize, a: &[T], b: &[T], c: &mut [T]) {
    debug_assert!(a.len() >= n * n && b.len() >= n * n && c.len() >= n * n);
    let c = &mut c[..n * n];
    c.fill(T::ZERO);
    let mut j0 = 0;
    while j0 < n {
        let j1 = (j0 + NC).min(n);
        let mut l0 = 0;
        while l0 < n {
            let l1 = (l0 + KC).min(n);
            let mut rows = c.chunks_exact_mut(n).enumerate();
            loop {
                let Some((i, r0)) = rows.next() else { break };
                let Some((_, r1)) = rows.next() else {
                    row1(n, i, j0, j1, l0, l1, a, b, r0);
                    break;
                };
                let Some((_, r2)) = rows.next() else {
                    row1(n, i, j0, j1, l0, l1, a, b, r0);
                    row1(n, i + 1, j0, j1, l0, l1, a, b, r1);
                    break;
                };
                let Some((_, r3)) = rows.next() else {
                    row1(n, i, j0, j1, l0, l1, a, b, r0);
                    row1(n, i + 1, j0, j1, l0, l1, a, b, r1);
                    row1(n, i + 2, j0, j1, l0, l1, a, b, r2);
                    break;
                };
                let (c0, c1, c2, c3) = (
                    &mut r0[j0..j1],
                    &mut r1[j0..j1],
                    &mut r2[j0..j1],
                    &mut r3[j0..j1],
                );
                let (a0, a1, a2, a3) = (
                    &a[i * n..][..n],
                    &a[(i + 1) * n..][..n],
                    &a[(i + 2) * n..][..n],
                    &a[(i + 3) * n..][..n],
                );
                for l in l0..l1 {
                    let (x0, x1, x2, x3) = (a0[l], a1[l], a2[l], a3[l]);
                    let br = &b[l * n + j0..l * n + j1];
                    for ((((p0, p1), p2), p3), &y) in c0
                        .iter_mut()
                        .zip(c1.iter_mut())
                        .zip(c2.iter_mut())
                        .zip(c3.iter_mut())
                        .zip(br)
                    {
                        *p0 = p0.madd(x0, y);
                        *p1 = p1.madd(x1, y);
                        *p2 = p2.madd(x2, y);
                        *p3 = p3.madd(x3, y);
                    }
                }
            }
            l0 = l1;
        }
        j0 = j1;
    }
}

#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn row1<T: Ring>(
    n: usize,
    i: usize,
    j0: usize,
    j1: usize,
    l0: usize,
    l1: usize,
    a: &[T],
    b: &[T],
    r: &mut [T],
) {
    let cr = &mut r[j0..j1];
    let ar = &a[i * n..][..n];
    for l in l0..l1 {
        let x = ar[l];
        let br = &b[l * n + j0..l * n + j1];
        for (p, &y) in cr.iter_mut().zip(br) {
            *p = p.madd(x, y);
        }
    }
}

/// `a·b` for fixed `N×N` matrices on the stack; fully unrolled for small `N`.
#[inline(always)]
pub(crate) fn small_mul<T: Ring, const N: usize>(a: &[[T; N]; N], b: &[[T; N]; N]) -> [[T; N]; N] {
    let mut c = [[T::ZERO; N]; N];
    for i in 0..N {
        for j in 0..N {
            let mut s = T::ZERO;
            for l in 0..N {
                s = s.madd(a[i][l], b[l][j]);
            }
            c[i][j] = s;
        }
    }
    c
}
