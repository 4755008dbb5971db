//! The simulation's cubic x0·y³ + 1.5·y − y0 = 0 over a sweep of inputs:
//! every real root beside its residual, relative to the sum of the term
//! magnitudes |x0·y³| + |1.5·y| + |y0| (a few ε means the root is as good as
//! the inputs allow), and the textbook Cardano/trig answer for comparison.
//!
//! Run: `cargo run --release --example cubic`
use numkit::cubic::{cubic_y_root, cubic_y_root_principal};

/// The talk's solver, for comparison only (the numbers it prints are the
/// point: NaN and lost digits where numkit is exact).
fn textbook(x0: f64, y0: f64) -> Vec<f64> {
    let (p, q) = (1.5 / x0, -y0 / x0);
    let delta = (q / 2.0) * (q / 2.0) + (p / 3.0) * (p / 3.0) * (p / 3.0);
    if delta > 0.0 {
        let s = delta.sqrt();
        vec![(-q / 2.0 + s).cbrt() + (-q / 2.0 - s).cbrt()]
    } else {
        let m = 2.0 * (-p / 3.0).sqrt();
        let phi = ((3.0 * q) / (p * m)).acos() / 3.0;
        let tau = 2.0 * std::f64::consts::PI / 3.0;
        (0..3).map(|k| m * (phi - tau * k as f64).cos()).collect()
    }
}

/// |p(y)| / (|x0·y³| + |1.5·y| + |y0|), evaluated in f64.
fn relative_residual(x0: f64, y0: f64, y: f64) -> f64 {
    let terms = (x0 * y * y * y).abs() + (1.5 * y).abs() + y0.abs();
    let p = x0 * y * y * y + 1.5 * y - y0;
    if terms == 0.0 {
        0.0
    } else {
        p.abs() / terms
    }
}

fn main() {
    let x0s = [
        1e300, 1e10, 2.0, 1e-3, 1e-100, 1e-200, 0.0, -1e-200, -1e-3, -0.5, -2.0, -1e10,
    ];
    let y0s = [1.0, 1e-8, 0.0, -3.5, 1e5];
    println!(
        "{:>10} {:>8} | {:>24} {:>10} | {:>24} | textbook",
        "x0", "y0", "root", "rel.resid", "principal"
    );
    for &x0 in &x0s {
        for &y0 in &y0s {
            let roots = cubic_y_root(x0, y0);
            let principal = cubic_y_root_principal(x0, y0);
            let tb = textbook(x0, y0);
            for (i, &y) in roots.iter().enumerate() {
                let (px, py, pp, ptb) = if i == 0 {
                    (
                        format!("{x0:10.3e}"),
                        format!("{y0:8.1e}"),
                        format!("{principal:24.16e}"),
                        tb.iter()
                            .map(|v| format!("{v:.6e}"))
                            .collect::<Vec<_>>()
                            .join(", "),
                    )
                } else {
                    (String::new(), String::new(), String::new(), String::new())
                };
                println!(
                    "{px:>10} {py:>8} | {y:24.16e} {:10.2e} | {pp:>24} | {ptb}",
                    relative_residual(x0, y0, y)
                );
            }
        }
    }
    println!(
        "\nrel.resid is |p(y)| over the sum of term magnitudes; f64 ε = {:.2e}.",
        f64::EPSILON
    );
}
