//! The one error type every fallible numkit function returns.

use std::fmt;

/// What went wrong in a numkit call.
///
/// Every variant says which input was at fault, so that a message printed to a
/// user is enough to fix the call. The enum is `#[non_exhaustive]`: new kernels
/// may add variants without a breaking release.
///
/// ```
/// use numkit::Error;
/// let e = Error::NotSquare { rows: 2, cols: 3 };
/// assert_eq!(e.to_string(), "matrix must be square, got 2×3");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A matrix kernel was given a matrix that is not square.
    NotSquare {
        /// Rows of the offending matrix.
        rows: usize,
        /// Columns of the offending matrix.
        cols: usize,
    },
    /// A caller-provided output buffer or workspace has the wrong shape.
    ShapeMismatch {
        /// Which buffer was wrong.
        what: &'static str,
        /// The shape the kernel needed.
        expected: Vec<usize>,
        /// The shape it was given.
        found: Vec<usize>,
    },
    /// Exact integer arithmetic would have overflowed the element type.
    ///
    /// Use `std::num::Wrapping` elements, or a modular kernel, to ask for
    /// wrapping or modular arithmetic on purpose.
    Overflow {
        /// Which computation overflowed (for example `"matrix product"`).
        context: &'static str,
    },
    /// The matrix is singular to working precision (its equilibrated
    /// reciprocal condition number is below the element type's epsilon, or a
    /// row, column or pivot is zero), so a negative power does not exist or
    /// cannot be computed with any correct digit.
    Singular,
    /// A modular kernel was given modulus zero.
    ZeroModulus,
    /// A floating-point input was NaN or infinite.
    NonFinite {
        /// The name of the parameter.
        parameter: &'static str,
    },
    /// A parameter is outside the range it may take.
    InvalidParameter {
        /// The name of the parameter.
        parameter: &'static str,
        /// What was wrong with it, in words.
        reason: String,
    },
    /// The lower end of a scale is above its upper end.
    InvalidScale {
        /// The lower end given.
        min: i64,
        /// The upper end given.
        max: i64,
    },
    /// A reported decimal string could not be parsed.
    MalformedDecimal {
        /// The parameter that held the string.
        parameter: &'static str,
        /// The string as given.
        input: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotSquare { rows, cols } => {
                write!(f, "matrix must be square, got {rows}×{cols}")
            }
            Error::ShapeMismatch {
                what,
                expected,
                found,
            } => write!(f, "{what} has shape {found:?}, expected {expected:?}"),
            Error::Overflow { context } => {
                write!(f, "integer overflow in {context}")
            }
            Error::Singular => write!(f, "matrix is singular, so it has no inverse"),
            Error::ZeroModulus => write!(f, "modulus must be nonzero"),
            Error::NonFinite { parameter } => {
                write!(f, "{parameter} must be finite, got NaN or infinity")
            }
            Error::InvalidParameter { parameter, reason } => {
                write!(f, "invalid {parameter}: {reason}")
            }
            Error::InvalidScale { min, max } => {
                write!(f, "scale_min ({min}) is greater than scale_max ({max})")
            }
            Error::MalformedDecimal { parameter, input } => {
                write!(f, "{parameter}: {input:?} is not a decimal number")
            }
        }
    }
}

impl std::error::Error for Error {}
