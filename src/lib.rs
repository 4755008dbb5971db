//! # numkit
//!
//! Fast, exact numeric kernels for scientists, in pure Rust.
//!
//! - [`power`]: integer powers `A^k` of square matrices for every ndarray
//!   element type, by binary exponentiation, exact (overflow-checked) for
//!   integers, with optional BLAS acceleration.
//! - [`cubic`]: stack-only real and complex roots of cubics, accurate to a few
//!   ulps where textbook Cardano loses digits or returns NaN.
//! - [`closure`]: CLOSURE, the exact, lazy listing (and counting) of every
//!   integer sample consistent with a reported mean, SD and n.
//!
//! Every fallible function returns `Result<_, numkit::Error>`; no public
//! function panics on bad input.
//!
//! ## Cargo features
//! - `blas`: ndarray's BLAS path for float matrix products (bring a
//!   `blas-src` provider).
//! - `openblas-system`: `blas` linked against the system OpenBLAS
//!   (`apt-get install -y libopenblas-dev`).
//! - `parallel`: multi-threaded CLOSURE enumeration, and matrix powers
//!   whose products (n ≥ 96) or stacks are large, on rayon's threads;
//!   results are identical to one thread's, bit for bit (a NaN entry's sign
//!   and payload aside).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

// Linking the provider here means downstream crates need no `extern crate`.
#[cfg(feature = "openblas-system")]
extern crate blas_src;

pub mod closure;
pub mod cubic;
mod error;
pub mod power;

pub use error::Error;
pub use power::{
    matrix_power, matrix_power_into, matrix_power_mod, matrix_power_signed, matrix_power_stack,
    matrix_power_stack_into, PowerWorkspace,
};

// Every ```rust block in the README runs as a doctest, so the quickstarts stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
