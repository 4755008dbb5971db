//! Exact decimals and the integer bounds they imply.
//!
//! Every input is held as an integer multiple of 10⁻¹⁸ so that "3.45" means
//! exactly 345/100. From those, the membership test is reduced once, at
//! construction, to two integer windows: one on the sum of the (shifted)
//! sample and one on `n·Σy² − (Σy)²`. Nothing after construction touches a
//! float or a fraction.

use crate::Error;

/// Fixed denominator of every parsed decimal: 10¹⁸.
pub(crate) const SCALE: i128 = 1_000_000_000_000_000_000;
const FRAC_DIGITS: usize = 18;
/// Largest accepted integer part (exclusive): 10¹⁵.
const MAX_INT_PART: i128 = 1_000_000_000_000_000;

/// An exact decimal `value / 10¹⁸`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Dec {
    /// The value times 10¹⁸.
    pub(crate) scaled: i128,
    /// Digits after the decimal point as written (trailing zeros kept), used
    /// for "half a unit in the last reported place".
    pub(crate) places: u32,
}

impl Dec {
    /// Half a unit in the last written place: "3.50" → 0.005, "3" → 0.5.
    pub(crate) fn half_ulp(self) -> Dec {
        // 5·10^(−places−1) = 5·10¹⁸ / 10^(places+1): exact for places ≤ 17,
        // which `Closure::from_reported` checks before calling this.
        let denom = 10i128.pow(self.places + 1);
        Dec {
            scaled: 5 * SCALE / denom,
            places: self.places + 1,
        }
    }
}

/// Parse a plain decimal: optional sign, digits with at most one point,
/// optional exponent (`e`/`E`, as Rust's `{:?}` prints some floats), with
/// surrounding whitespace ignored.
pub(crate) fn parse_decimal(parameter: &'static str, input: &str) -> Result<Dec, Error> {
    let bad = || Error::MalformedDecimal {
        parameter,
        input: input.to_string(),
    };
    let s = input.trim();
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], parse_exponent(&body[i + 1..]).ok_or_else(bad)?),
        None => (body, 0),
    };
    let (int_str, frac_str) = match mantissa.find('.') {
        Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
        None => (mantissa, ""),
    };
    if int_str.is_empty() && frac_str.is_empty() {
        return Err(bad());
    }
    if !int_str.bytes().all(|b| b.is_ascii_digit()) || !frac_str.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    // All digits as one string, with the decimal point `point` digits from the left.
    let digits: Vec<u8> = int_str
        .bytes()
        .chain(frac_str.bytes())
        .map(|b| b - b'0')
        .collect();
    let point = int_str.len() as i64 + exp;
    // Places as written: fraction digits minus exponent (never negative).
    let places = (frac_str.len() as i64 - exp).max(0);
    let too_precise = || {
        Error::InvalidParameter {
        parameter,
        reason: format!(
            "{input:?} has more than {FRAC_DIGITS} decimal places; numkit represents inputs exactly and does not round them"
        ),
    }
    };
    let too_large = || Error::InvalidParameter {
        parameter,
        reason: format!("{input:?} is too large in magnitude (must be below 1e15)"),
    };
    let mut scaled: i128 = 0;
    for (i, &d) in digits.iter().enumerate() {
        // Position of this digit relative to the point: weight 10^(point - 1 - i).
        let weight_exp = point - 1 - i as i64;
        if d == 0 {
            continue;
        }
        if weight_exp < -(FRAC_DIGITS as i64) {
            return Err(too_precise());
        }
        if weight_exp >= 15 {
            return Err(too_large());
        }
        let w = 10i128.pow((weight_exp + FRAC_DIGITS as i64) as u32);
        scaled += d as i128 * w;
    }
    if scaled >= MAX_INT_PART * SCALE {
        return Err(too_large());
    }
    if places > FRAC_DIGITS as i64 {
        // Only trailing zeros beyond 18 places; the value is exact but the
        // reported precision cannot be honoured.
        return Err(too_precise());
    }
    Ok(Dec {
        scaled: if neg { -scaled } else { scaled },
        places: places as u32,
    })
}

/// A decimal exponent: optional sign, then digits. Magnitudes beyond 10⁹
/// saturate there: every nonzero input is then out of range either way (too
/// large or too precise, each reported as such), and zero stays zero. (An
/// `i32` parse called `"1e99999999999"` malformed, unlike `"1e2147483647"`.)
fn parse_exponent(text: &str) -> Option<i64> {
    let (neg, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Digits only, so the parse fails only on overflow.
    let magnitude = digits.parse::<i64>().unwrap_or(i64::MAX).min(1_000_000_000);
    Some(if neg { -magnitude } else { magnitude })
}

/// An `f64` read as the shortest decimal that round-trips to it.
pub(crate) fn decimal_from_f64(parameter: &'static str, x: f64) -> Result<Dec, Error> {
    if !x.is_finite() {
        return Err(Error::NonFinite { parameter });
    }
    // `Display` for f64 prints the shortest round-trip digits, never in
    // exponent form, so `0.005_f64` becomes exactly "0.005".
    parse_decimal(parameter, &format!("{x}"))
}

/// `(a·b) / d` and `(a·b) % d` with a 256-bit intermediate product.
///
/// Returns `None` if the quotient does not fit in `u128`. Requires `d ≥ 1` and
/// `d < 2¹²⁷` (always true for the powers of ten used here).
pub(crate) fn mul_div_rem(a: u128, b: u128, d: u128) -> Option<(u128, u128)> {
    debug_assert!(d > 0 && d < (1u128 << 127));
    let (hi, lo) = mul_wide(a, b);
    if hi >= d {
        return None;
    }
    // Schoolbook binary long division of (hi, lo) by d; runs once per
    // construction, so clarity wins over speed.
    let mut r = hi;
    let mut q: u128 = 0;
    for i in (0..128).rev() {
        r = (r << 1) | ((lo >> i) & 1);
        q <<= 1;
        if r >= d {
            r -= d;
            q |= 1;
        }
    }
    Some((q, r))
}

fn mul_wide(a: u128, b: u128) -> (u128, u128) {
    let mask = u64::MAX as u128;
    let (a0, a1) = (a & mask, a >> 64);
    let (b0, b1) = (b & mask, b >> 64);
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    let mid = (p00 >> 64) + (p01 & mask) + (p10 & mask);
    let lo = (p00 & mask) | (mid << 64);
    let hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    (hi, lo)
}

/// `floor(A · (p/10¹⁸)²)` and whether the product was an exact integer, for
/// `p ≥ 0`. `None` if it exceeds `u128`.
pub(crate) fn floor_times_square(a: u128, p: u128) -> Option<(u128, bool)> {
    let b = SCALE as u128;
    let (int, frac) = (p / b, p % b);
    // A·(I + f/B)² = A·I² + 2·A·I·f/B + A·f²/B².
    let t1 = a.checked_mul(int)?.checked_mul(int)?;
    let (q2, r2) = mul_div_rem(a.checked_mul(2)?.checked_mul(int)?, frac, b)?;
    let (q3, r3) = mul_div_rem(a, frac * frac, b * b)?;
    // r2/B + r3/B² = (r2·B + r3)/B², and r2·B + r3 < 2·B².
    let rest = r2 * b + r3;
    let carry = rest / (b * b);
    let exact = rest.is_multiple_of(b * b);
    let total = t1.checked_add(q2)?.checked_add(q3)?.checked_add(carry)?;
    Some((total, exact))
}

/// `floor(n · x / 10¹⁸)` and `ceil(...)` for a signed scaled `x`; `n·|x|` must fit i128.
pub(crate) fn floor_ceil_times(n: i128, x: i128) -> Option<(i128, i128)> {
    let prod = n.checked_mul(x)?;
    let fl = prod.div_euclid(SCALE);
    let ce = if prod.rem_euclid(SCALE) == 0 {
        fl
    } else {
        fl + 1
    };
    Some((fl, ce))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exactly() {
        let d = parse_decimal("x", "3.45").unwrap();
        assert_eq!(d.scaled, 345 * SCALE / 100);
        assert_eq!(d.places, 2);
        assert_eq!(parse_decimal("x", "-0.5").unwrap().scaled, -SCALE / 2);
        assert_eq!(parse_decimal("x", "1e-3").unwrap().scaled, SCALE / 1000);
        assert_eq!(parse_decimal("x", "1e-3").unwrap().places, 3);
        assert_eq!(parse_decimal("x", ".5").unwrap().scaled, SCALE / 2);
        assert_eq!(
            parse_decimal("x", "3.50").unwrap().half_ulp().scaled,
            SCALE / 200
        );
        assert_eq!(
            parse_decimal("x", "4").unwrap().half_ulp().scaled,
            SCALE / 2
        );
        for bad in [
            "", ".", "abc", "1.2.3", "--1", "1e", "e5", "1,5", "0x10", "NaN", "inf", "1e+",
            "1e--2", "1e2.5",
        ] {
            assert!(
                matches!(parse_decimal("x", bad), Err(Error::MalformedDecimal { .. })),
                "{bad}"
            );
        }
        // Huge exponents: out of range (not malformed), or zero.
        for (big, what) in [
            ("1e99999999999", "too large"),
            ("1e2147483647", "too large"),
            ("1e-99999999999", "decimal places"),
        ] {
            match parse_decimal("x", big) {
                Err(Error::InvalidParameter { reason, .. }) => {
                    assert!(reason.contains(what), "{big}: {reason}")
                }
                other => panic!("{big}: {other:?}"),
            }
        }
        assert_eq!(parse_decimal("x", "0e99999999999").unwrap().scaled, 0);
        assert_eq!(parse_decimal("x", "1e+2").unwrap().scaled, 100 * SCALE);
        assert_eq!(
            parse_decimal("x", " 3.5\n").unwrap().scaled,
            35 * SCALE / 10
        );
        assert_eq!(decimal_from_f64("x", 0.005).unwrap().scaled, SCALE / 200);
        assert_eq!(decimal_from_f64("x", 1.2).unwrap().scaled, 12 * SCALE / 10);
    }

    #[test]
    fn wide_arithmetic() {
        let (q, r) = mul_div_rem(u128::MAX, 3, 7).unwrap();
        // Check against a decomposition that stays in range.
        let m = u128::MAX;
        assert_eq!(q, (m / 7) * 3 + ((m % 7) * 3) / 7);
        assert_eq!(r, ((m % 7) * 3) % 7);
        // 12 · 1.5² = 27, exact.
        assert_eq!(
            floor_times_square(12, 15 * SCALE as u128 / 10),
            Some((27, true))
        );
        // 3 · 0.1² = 0.03.
        assert_eq!(floor_times_square(3, SCALE as u128 / 10), Some((0, false)));
    }
}
