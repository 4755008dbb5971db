//! Every kind of bad input gives its own typed error, never a panic.

use numkit::closure::{Closure, Summarizer};
use numkit::Error;

fn param(e: Error) -> &'static str {
    match e {
        Error::InvalidParameter { parameter, .. } => parameter,
        Error::NonFinite { parameter } => parameter,
        Error::MalformedDecimal { parameter, .. } => parameter,
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn n_below_two() {
    for n in [0, 1] {
        let e = Closure::new(3.0, 1.0, n, 1, 5, 0.05, 0.05).unwrap_err();
        assert!(
            matches!(e, Error::InvalidParameter { parameter: "n", .. }),
            "{e}"
        );
        let e = Closure::from_reported("3.0", "1.0", n, 1, 5).unwrap_err();
        assert!(
            matches!(e, Error::InvalidParameter { parameter: "n", .. }),
            "{e}"
        );
    }
}

#[test]
fn reversed_scale() {
    assert_eq!(
        Closure::new(3.0, 1.0, 10, 5, 1, 0.05, 0.05).unwrap_err(),
        Error::InvalidScale { min: 5, max: 1 }
    );
}

#[test]
fn non_finite_inputs() {
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let cases = [
            (Closure::new(bad, 1.0, 10, 1, 5, 0.05, 0.05), "mean"),
            (Closure::new(3.0, bad, 10, 1, 5, 0.05, 0.05), "sd"),
            (
                Closure::new(3.0, 1.0, 10, 1, 5, bad, 0.05),
                "rounding_error_mean",
            ),
            (
                Closure::new(3.0, 1.0, 10, 1, 5, 0.05, bad),
                "rounding_error_sd",
            ),
        ];
        for (r, name) in cases {
            let e = r.unwrap_err();
            assert_eq!(e, Error::NonFinite { parameter: name });
        }
    }
}

#[test]
fn negative_sd_and_tolerances() {
    assert_eq!(
        param(Closure::new(3.0, -1.0, 10, 1, 5, 0.05, 0.05).unwrap_err()),
        "sd"
    );
    assert_eq!(
        param(Closure::new(3.0, 1.0, 10, 1, 5, -0.05, 0.05).unwrap_err()),
        "rounding_error_mean"
    );
    assert_eq!(
        param(Closure::new(3.0, 1.0, 10, 1, 5, 0.05, -0.05).unwrap_err()),
        "rounding_error_sd"
    );
    assert_eq!(
        param(Closure::from_reported("3.0", "-1.0", 10, 1, 5).unwrap_err()),
        "sd"
    );
    let c = Closure::from_reported("3.0", "1.0", 10, 1, 5).unwrap();
    assert_eq!(
        param(
            c.clone()
                .with_rounding_errors_str("-0.1", "0.1")
                .unwrap_err()
        ),
        "rounding_error_mean"
    );
    assert_eq!(
        param(c.with_rounding_errors(0.1, -0.1).unwrap_err()),
        "rounding_error_sd"
    );
    // A negative mean is legitimate on a negative scale.
    assert!(Closure::new(-1.5, 1.0, 10, -3, 3, 0.05, 0.05).is_ok());
}

#[test]
fn malformed_decimals() {
    for bad in [
        "", " ", "abc", "3,5", "3.5.1", "--3", "1e", "0x1", "NaN", "inf", "3.5%",
    ] {
        let e = Closure::from_reported(bad, "1.0", 10, 1, 5).unwrap_err();
        assert_eq!(
            e,
            Error::MalformedDecimal {
                parameter: "mean",
                input: bad.to_string()
            }
        );
        let e = Closure::from_reported("3.0", bad, 10, 1, 5).unwrap_err();
        assert!(matches!(
            e,
            Error::MalformedDecimal {
                parameter: "sd",
                ..
            }
        ));
        let c = Closure::from_reported("3.0", "1.0", 10, 1, 5).unwrap();
        let e = c.with_rounding_errors_str("0.05", bad).unwrap_err();
        assert!(matches!(
            e,
            Error::MalformedDecimal {
                parameter: "rounding_error_sd",
                ..
            }
        ));
    }
}

#[test]
fn unrepresentable_decimals() {
    // More than 18 decimal places, or magnitude ≥ 1e15: refused, not rounded.
    assert_eq!(
        param(Closure::new(3.0, 1.0, 10, 1, 5, 1e-20, 0.05).unwrap_err()),
        "rounding_error_mean"
    );
    assert_eq!(
        param(Closure::new(1e300, 1.0, 10, 1, 5, 0.05, 0.05).unwrap_err()),
        "mean"
    );
    assert_eq!(
        param(Closure::from_reported("3.0000000000000000000", "1", 10, 1, 5).unwrap_err()),
        "mean"
    );
}

#[test]
fn sizes_that_could_overflow() {
    let e = Closure::new(0.0, 1.0, 10, i32::MIN, i32::MAX, 0.05, 0.05).unwrap_err();
    assert!(matches!(e, Error::Overflow { .. }), "{e}");
    let e = Closure::new(3.0, 1.0, 1usize << 40, 1, 5, 0.05, 0.05).unwrap_err();
    assert!(matches!(e, Error::Overflow { .. }), "{e}");
    // Big but safe: counted exactly, quickly (tolerances admit nothing unusual).
    let c = Closure::new(3.0, 0.0, 1_000_000, 1, 5, 0.0, 0.0).unwrap();
    assert_eq!(c.count_samples(), 1);
}

#[test]
fn errors_display_what_is_wrong() {
    let e = Closure::new(3.0, 1.0, 1, 1, 5, 0.05, 0.05).unwrap_err();
    assert!(e.to_string().contains("n"), "{e}");
    let e = Closure::from_reported("3,5", "1", 10, 1, 5).unwrap_err();
    assert!(e.to_string().contains("3,5"), "{e}");
}

/// `Summarizer::push` takes any values (off-scale ones are left out of the
/// frequencies but count in the horns index); at the ends of the i32 range
/// the squared offsets overflowed i64 (a panic in debug builds, a wrapped
/// horns index in release).
#[test]
fn summarizer_push_at_the_ends_of_i32() {
    let c = Closure::new(-2147483647.5, 0.5, 2, i32::MIN, i32::MIN + 1, 0.5, 0.5).unwrap();
    let mut acc = Summarizer::new(&c);
    acc.push(&[i32::MAX, i32::MIN]);
    acc.push(&[i32::MAX, i32::MAX]);
    let h = acc.finish().horns.unwrap();
    // Horns index Σ f_rel(v)·(v − x̄)² / ((max − min)²/4), max − min = 1:
    // for {MAX, MIN}, x̄ = −1/2 and both deviations are 2^31 − 1/2.
    let want = 4.0 * (2f64.powi(31) - 0.5).powi(2);
    assert!((h.max - want).abs() <= 1e-15 * want, "{h:?}");
    assert_eq!(h.min, 0.0);
}
