//! The AVX2+FMA float operations of numkit's register and strip kernels,
//! as one trait over the vector types (x86-64, through `pulp`'s safe
//! dispatch token), so that each kernel is written once for every element
//! type and each intrinsic is named in one place.

use std::arch::x86_64::{__m128, __m256, __m256d};

use pulp::x86::V3;

/// A vector of float lanes.
pub(super) trait Lanes: Copy {
    /// The float in each lane.
    type Elem: Copy;
    fn zero(s: V3) -> Self;
    fn splat(s: V3, x: Self::Elem) -> Self;
    fn mul(s: V3, a: Self, b: Self) -> Self;
    fn add(s: V3, a: Self, b: Self) -> Self;
    /// `a·b + c`, one rounding.
    fn fmadd(s: V3, a: Self, b: Self, c: Self) -> Self;
    /// `c − a·b`, one rounding.
    fn fnmadd(s: V3, a: Self, b: Self, c: Self) -> Self;
}

/// The vector types differ only in their instructions.
macro_rules! lanes {
    ($($v:ty: $e:ty, $ns:ident::{$zero:ident, $set1:ident, $mul:ident, $add:ident},
       fma::{$fmadd:ident, $fnmadd:ident});*) => {$(
        impl Lanes for $v {
            type Elem = $e;
            #[inline(always)]
            fn zero(s: V3) -> Self {
                s.$ns.$zero()
            }
            #[inline(always)]
            fn splat(s: V3, x: $e) -> Self {
                s.$ns.$set1(x)
            }
            #[inline(always)]
            fn mul(s: V3, a: Self, b: Self) -> Self {
                s.$ns.$mul(a, b)
            }
            #[inline(always)]
            fn add(s: V3, a: Self, b: Self) -> Self {
                s.$ns.$add(a, b)
            }
            #[inline(always)]
            fn fmadd(s: V3, a: Self, b: Self, c: Self) -> Self {
                s.fma.$fmadd(a, b, c)
            }
            #[inline(always)]
            fn fnmadd(s: V3, a: Self, b: Self, c: Self) -> Self {
                s.fma.$fnmadd(a, b, c)
            }
        }
    )*};
}
lanes!(
    __m256d: f64, avx::{_mm256_setzero_pd, _mm256_set1_pd, _mm256_mul_pd, _mm256_add_pd},
        fma::{_mm256_fmadd_pd, _mm256_fnmadd_pd};
    __m256: f32, avx::{_mm256_setzero_ps, _mm256_set1_ps, _mm256_mul_ps, _mm256_add_ps},
        fma::{_mm256_fmadd_ps, _mm256_fnmadd_ps};
    __m128: f32, sse::{_mm_setzero_ps, _mm_set1_ps, _mm_mul_ps, _mm_add_ps},
        fma::{_mm_fmadd_ps, _mm_fnmadd_ps}
);
