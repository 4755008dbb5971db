//! Exact Fibonacci numbers from powers of the matrix [[1, 1], [1, 0]]:
//! `A^n = [[F(n+1), F(n)], [F(n), F(n-1)]]`.
//!
//! ```sh
//! cargo run --release --example fibonacci            # default n = 90
//! cargo run --release --example fibonacci -- 93      # F(93) overflows i64: reported
//! ```
use ndarray::{array, Array2};
use numkit::power::PowerScalar;
use numkit::{matrix_power, matrix_power_mod};
use std::num::Wrapping;

/// F(n) as the top-left entry of A^(n−1) (F(0) = 0 needs no product).
fn fib_entry<T: PowerScalar>(a: &Array2<T>, n: u64) -> Result<T, numkit::Error> {
    match n.checked_sub(1) {
        None => Ok(T::zero()),
        Some(m) => Ok(matrix_power(a, m)?[[0, 0]]),
    }
}

fn main() {
    let n: u64 = match std::env::args().nth(1).map(|s| s.parse()) {
        None => 90,
        Some(Ok(n)) => n,
        Some(Err(e)) => {
            eprintln!("usage: fibonacci [n]  ({e})");
            std::process::exit(2);
        }
    };

    // i64: exact, or an error when F(n) does not fit. F(n) is read from
    // A^(n−1) = [[F(n), F(n−1)], [F(n−1), F(n−2)]], whose entries are all at
    // most F(n); A^n would also hold F(n+1), which may overflow first.
    let a = array![[1i64, 1], [1, 0]];
    match fib_entry(&a, n) {
        Ok(f) => println!("i64:      F({n}) = {f}"),
        Err(e) => println!("i64:      F({n}) cannot be computed: {e}"),
    }
    // The limits: F(92) is the largest Fibonacci number in i64.
    let f92 = matrix_power(&a, 91).map(|p| p[[0, 0]]);
    println!("i64:      F(92) = {}", f92.expect("F(92) fits i64"));
    match matrix_power(&a, 92) {
        Ok(p) => println!("i64:      F(93) = {} (unexpected!)", p[[0, 0]]),
        Err(e) => println!("i64:      F(93) -> error: {e}"),
    }

    // u128 holds up to F(186).
    let b = array![[1u128, 1], [1, 0]];
    match fib_entry(&b, n) {
        Ok(f) => println!("u128:     F({n}) = {f}"),
        Err(e) => println!("u128:     F({n}) cannot be computed: {e}"),
    }
    println!(
        "u128:     F(186) = {}",
        matrix_power(&b, 185).expect("fits")[[0, 0]]
    );

    // Wrapping<u64>: F(n) mod 2^64, on purpose.
    let w = array![[1u64, 1], [1, 0]].mapv(Wrapping);
    let p = matrix_power(&w, n).expect("wrapping arithmetic cannot overflow");
    println!("wrapping: F({n}) mod 2^64 = {}", p[[0, 1]]);

    // Modular arithmetic for astronomically large n: 60 products of 2×2
    // matrices with 128-bit intermediates, exact for any modulus ≤ u64::MAX.
    let m = u64::MAX - 58; // 2^64 − 59, the largest prime below 2^64
    let huge = 1_000_000_000_000_000_000u64;
    let c = array![[1u64, 1], [1, 0]];
    let p = matrix_power_mod(&c, huge, m).expect("nonzero modulus");
    println!("mod:      F(10^18) mod (2^64 - 59) = {}", p[[0, 1]]);
}
