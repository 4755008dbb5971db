//! `A^k mod m` for unsigned integer matrices, exact for every modulus up to
//! `u64::MAX`.
//!
//! Entries are reduced to `[0, m)` and held as `u64`. A term `x·y` is then
//! below `m² < 2^128`, so it fits a `u128`; a running sum that wraps past
//! `2^128` is corrected by adding `2^128 mod m` (congruent to the lost carry),
//! and each entry is reduced once at the end. No intermediate ever overflows.

use super::schedule::{steps, tally, Step};
use super::threads::each_row_panel;

/// `2^128 mod m`, for `m ≥ 1`.
fn two_pow_128_mod(m: u64) -> u128 {
    let m = u128::from(m);
    let r64 = (1u128 << 64) % m;
    (r64 * r64) % m
}

/// `c ← a·b mod m` for `n×n` row-major slices with entries below `m`, in
/// row panels (on several threads with the `parallel` feature).
fn mul_mod(n: usize, a: &[u64], b: &[u64], c: &mut [u64], m: u64, carry: u128) {
    each_row_panel(n, a, c, |_, a, c| mul_mod_rows(n, a, b, c, m, carry));
}

/// [`mul_mod`] for the rows of `C` in `c` (`a` the same rows of `A`).
fn mul_mod_rows(n: usize, a: &[u64], b: &[u64], c: &mut [u64], m: u64, carry: u128) {
    thread_local! {
        static ACC: std::cell::RefCell<Vec<u128>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    // A row of accumulators from this thread's reused buffer: allocated per
    // product, it cost small powers 8–9 % (2×2, k = 10^18: 3.67 → 3.34 µs;
    // 4×4: 10.2 → 9.4 µs).
    super::strips::with_buffer(&ACC, n, 0, |acc| mul_mod_rows_in(n, a, b, c, m, carry, acc))
}

/// [`mul_mod_rows`] with `acc` (`n` long) for the accumulators.
fn mul_mod_rows_in(
    n: usize,
    a: &[u64],
    b: &[u64],
    c: &mut [u64],
    m: u64,
    carry: u128,
    acc: &mut [u128],
) {
    let mm = u128::from(m);
    for (i, crow) in c.chunks_exact_mut(n).enumerate() {
        acc.fill(0);
        for (l, &x) in a[i * n..][..n].iter().enumerate() {
            if x == 0 {
                continue;
            }
            let x = u128::from(x);
            for (s, &y) in acc.iter_mut().zip(&b[l * n..][..n]) {
                let (v, wrapped) = s.overflowing_add(x * u128::from(y));
                *s = v;
                if wrapped {
                    // v + 2^128 ≡ v + carry (mod m); v + carry may wrap again
                    // only once more because carry < m ≤ 2^64.
                    let (w, again) = v.overflowing_add(carry);
                    *s = if again { w + carry } else { w };
                }
            }
        }
        for (dst, &s) in crow.iter_mut().zip(acc.iter()) {
            *dst = (s % mm) as u64;
        }
    }
}

/// `A^k mod m` on a row-major `n×n` slice (entries already reduced).
pub(crate) fn power_mod_u64(n: usize, a: &[u64], k: u64, m: u64) -> Vec<u64> {
    let carry = two_pow_128_mod(m);
    if n == 0 {
        return Vec::new();
    }
    if k == 0 {
        let one = u64::from(m != 1);
        let mut id = vec![0u64; n * n];
        for i in 0..n {
            id[i * n + i] = one;
        }
        return id;
    }
    let mut cur = a.to_vec();
    let mut tmp = vec![0u64; n * n];
    for step in steps(k) {
        tally();
        match step {
            Step::Square => mul_mod(n, &cur, &cur, &mut tmp, m, carry),
            Step::MulA => mul_mod(n, &cur, a, &mut tmp, m, carry),
        }
        std::mem::swap(&mut cur, &mut tmp);
    }
    cur
}
