//! The left-to-right binary schedule for `A^k`.
//!
//! Starting from `A` itself, every bit of `k` below the leading one costs a
//! squaring, and every set bit among them one more product with `A`. So the
//! schedule never multiplies by the identity (it never materialises `I`) and
//! never forms a square it does not use (the right-to-left loop squares once
//! more after the last set bit). Every matrix it forms is `A^j` for a prefix
//! `j` of `k`'s binary expansion, so `j ≤ k`.

/// One matrix product of the schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// `X ← X·X`.
    Square,
    /// `X ← X·A`.
    MulA,
}

/// The products that form `A^k` from `A`, in order (empty for `k ≤ 1`).
pub(crate) fn steps(k: u64) -> impl Iterator<Item = Step> {
    let top = if k == 0 { 0 } else { 63 - k.leading_zeros() };
    (0..top).rev().flat_map(move |bit| {
        let mul = (k >> bit) & 1 == 1;
        std::iter::once(Step::Square).chain(mul.then_some(Step::MulA))
    })
}

/// Marks one matrix product formed by a kernel. Test builds count them per
/// thread (see `tallied`), so that unit tests observe the products the
/// kernels really form rather than trusting [`product_count`]; in every
/// other build this is nothing.
#[inline(always)]
pub(crate) fn tally() {
    #[cfg(test)]
    TALLY.with(|t| t.set(t.get() + 1));
}

#[cfg(test)]
thread_local! {
    static TALLY: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// The products this thread's kernels formed while running `f`.
#[cfg(test)]
pub(crate) fn tallied<R>(f: impl FnOnce() -> R) -> (R, u64) {
    let before = TALLY.with(std::cell::Cell::get);
    let r = f();
    (r, TALLY.with(std::cell::Cell::get) - before)
}

/// Number of matrix products [`crate::matrix_power`] performs for exponent `k`.
///
/// It is `⌊log₂ k⌋ + popcount(k) − 1` for `k ≥ 1` and 0 for `k = 0` (the
/// identity costs no product): 4 for `k = 10`, where the textbook loop that
/// starts from the identity and squares after the last bit takes 6, and 14
/// for `k = 1000`, where it takes 16.
///
/// ```
/// use numkit::power::product_count;
/// assert_eq!(product_count(10), 4);
/// assert_eq!(product_count(1000), 14);
/// assert_eq!(product_count(1), 0);
/// ```
pub fn product_count(k: u64) -> u32 {
    if k == 0 {
        0
    } else {
        (63 - k.leading_zeros()) + k.count_ones() - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_match_count() {
        for k in 0..5000u64 {
            assert_eq!(steps(k).count() as u32, product_count(k), "k = {k}");
        }
        assert_eq!(steps(u64::MAX).count() as u32, product_count(u64::MAX));
    }
}
