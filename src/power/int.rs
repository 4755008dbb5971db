//! Exact, overflow-checked products of primitive-integer matrices.
//!
//! Each product first bounds every partial sum a priori: if
//! `max|a| · max|b| · n ≤ T::MAX`, no product `a_il·b_lj` and no partial sum
//! `Σ_{l<m} a_il·b_lj` can leave `T`'s range (each is at most `m·max|a|·max|b|`
//! in magnitude), so two's-complement wrapping arithmetic computes the exact
//! value and the fast blocked kernel is used. Otherwise every entry is
//! accumulated in a 128-bit integer with an overflow flag and converted to `T`
//! with a range check, so the result is exact or the call returns
//! [`Error::Overflow`](crate::Error::Overflow) — never a wrapped value.

use super::gemm::{gemm_blocked, Ring};
use crate::Error;

pub(crate) const OVERFLOW: Error = Error::Overflow {
    context: "matrix power (an entry of a matrix product does not fit the element type)",
};

/// What the checked path needs from a primitive integer type.
pub(crate) trait CheckedElem: Ring + Eq {
    /// 128-bit accumulator (`i128` or `u128`).
    type Acc: Copy;
    const ACC_ZERO: Self::Acc;
    /// `T::MAX` as `u128`: the largest magnitude the fast path may reach.
    const MAX_MAG: u128;
    /// `|self|` as `u128` (exact, also for `MIN`).
    fn magnitude(self) -> u128;
    fn to_acc(self) -> Self::Acc;
    /// `acc + x·y` and whether it overflowed the accumulator.
    fn acc_madd(acc: Self::Acc, x: Self::Acc, y: Self) -> (Self::Acc, bool);
    fn from_acc(acc: Self::Acc) -> Option<Self>;
}

// Types of at most 64 bits: the product of two values always fits the
// 128-bit accumulator, so only the sum needs a check.
macro_rules! checked_narrow {
    ($acc:ty; $($t:ty => $mag:expr),*) => {$(
        impl CheckedElem for $t {
            type Acc = $acc;
            const ACC_ZERO: $acc = 0;
            const MAX_MAG: u128 = <$t>::MAX as u128;
            #[inline(always)]
            fn magnitude(self) -> u128 { $mag(self) as u128 }
            #[inline(always)]
            fn to_acc(self) -> $acc { self as $acc }
            #[inline(always)]
            fn acc_madd(acc: $acc, x: $acc, y: Self) -> ($acc, bool) {
                acc.overflowing_add(x.wrapping_mul(y as $acc))
            }
            #[inline(always)]
            fn from_acc(acc: $acc) -> Option<Self> { <$t>::try_from(acc).ok() }
        }
    )*};
}
checked_narrow!(i128; i8 => i8::unsigned_abs, i16 => i16::unsigned_abs, i32 => i32::unsigned_abs,
    i64 => i64::unsigned_abs, isize => isize::unsigned_abs);
checked_narrow!(u128; u8 => std::convert::identity, u16 => std::convert::identity,
    u32 => std::convert::identity, u64 => std::convert::identity, usize => std::convert::identity);

macro_rules! checked_wide {
    ($($t:ty => $mag:expr),*) => {$(
        impl CheckedElem for $t {
            type Acc = $t;
            const ACC_ZERO: $t = 0;
            const MAX_MAG: u128 = <$t>::MAX as u128;
            #[inline(always)]
            fn magnitude(self) -> u128 { $mag(self) }
            #[inline(always)]
            fn to_acc(self) -> $t { self }
            #[inline(always)]
            fn acc_madd(acc: $t, x: $t, y: Self) -> ($t, bool) {
                match x.checked_mul(y).and_then(|p| acc.checked_add(p)) {
                    Some(s) => (s, false),
                    None => (acc, true),
                }
            }
            #[inline(always)]
            fn from_acc(acc: $t) -> Option<Self> { Some(acc) }
        }
    )*};
}
checked_wide!(i128 => i128::unsigned_abs, u128 => std::convert::identity);

fn max_magnitude<T: CheckedElem>(x: &[T]) -> u128 {
    x.iter().map(|v| v.magnitude()).max().unwrap_or(0)
}

/// Whether `ma·mb·n` (a bound on every partial sum) fits `T`.
#[inline]
fn fast_path_safe(ma: u128, mb: u128, n: usize, max: u128) -> bool {
    ma.checked_mul(mb)
        .and_then(|p| p.checked_mul(n as u128))
        .is_some_and(|bound| bound <= max)
}

/// `c ← a·b` exactly, or `Err(Overflow)` (then `c` holds unspecified values).
pub(crate) fn gemm_checked<T: CheckedElem>(
    n: usize,
    a: &[T],
    b: &[T],
    c: &mut [T],
) -> Result<(), Error> {
    let ma = max_magnitude(&a[..n * n]);
    let mb = if std::ptr::eq(a, b) {
        ma
    } else {
        max_magnitude(&b[..n * n])
    };
    if fast_path_safe(ma, mb, n, T::MAX_MAG) {
        gemm_blocked(n, a, b, c);
        return Ok(());
    }
    gemm_wide(n, a, b, c)
}

/// The exact fallback: 128-bit accumulation of a strip of one row of `C`.
fn gemm_wide<T: CheckedElem>(n: usize, a: &[T], b: &[T], c: &mut [T]) -> Result<(), Error> {
    const STRIP: usize = 64;
    for (i, crow) in c[..n * n].chunks_exact_mut(n).enumerate() {
        let arow = &a[i * n..][..n];
        for (s, cstrip) in crow.chunks_mut(STRIP).enumerate() {
            let j0 = s * STRIP;
            let w = cstrip.len();
            let mut acc = [T::ACC_ZERO; STRIP];
            let mut overflow = false;
            for (l, &x) in arow.iter().enumerate() {
                if x == T::ZERO {
                    continue;
                }
                let xa = x.to_acc();
                for (p, &y) in acc[..w].iter_mut().zip(&b[l * n + j0..][..w]) {
                    let (v, o) = T::acc_madd(*p, xa, y);
                    *p = v;
                    overflow |= o;
                }
            }
            if overflow {
                return Err(OVERFLOW);
            }
            for (dst, &v) in cstrip.iter_mut().zip(&acc[..w]) {
                *dst = T::from_acc(v).ok_or(OVERFLOW)?;
            }
        }
    }
    Ok(())
}

/// Exact fixed-size product: each entry accumulated in 128 bits.
#[inline(always)]
pub(crate) fn small_mul_checked<T: CheckedElem, const N: usize>(
    a: &[[T; N]; N],
    b: &[[T; N]; N],
) -> Result<[[T; N]; N], Error> {
    let mag = |m: &[[T; N]; N]| {
        m.iter()
            .flatten()
            .fold(0u128, |acc, v| acc.max(v.magnitude()))
    };
    // Same a-priori bound as the large kernel: when it holds, plain
    // wrapping arithmetic is exact.
    if fast_path_safe(mag(a), mag(b), N, T::MAX_MAG) {
        return Ok(super::gemm::small_mul(a, b));
    }
    let mut c = [[T::ZERO; N]; N];
    let mut overflow = false;
    for i in 0..N {
        for j in 0..N {
            let mut s = T::ACC_ZERO;
            for l in 0..N {
                let (v, o) = T::acc_madd(s, a[i][l].to_acc(), b[l][j]);
                s = v;
                overflow |= o;
            }
            match T::from_acc(s) {
                Some(v) => c[i][j] = v,
                None => overflow = true,
            }
        }
    }
    if overflow {
        Err(OVERFLOW)
    } else {
        Ok(c)
    }
}
