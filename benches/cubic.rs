//! Cubic solvers against the talk's textbook Cardano/trigonometric solver,
//! in the same run. Run: `cargo bench --bench cubic -- --warm-up-time 1 --measurement-time 3`
//!
//! Inputs are "mixed": x0, y0 log-uniform over 10^±3 with random signs (about
//! a quarter of the y-form cubics have three real roots), and general cubics
//! with coefficients log-uniform over 10^±3, random signs. Every variant
//! writes its results into a preallocated buffer so only solving is timed.
use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use numkit::cubic::{
    cubic_y_root, cubic_y_root_into, cubic_y_root_principal, cubic_y_root_principal_into,
    solve_cubic, solve_cubic_into, Roots,
};

/// The talk's solver: normalise, depress, then u + v Cardano when the
/// discriminant is positive and the acos form otherwise.
#[inline(never)]
fn textbook(a: f64, b: f64, c: f64, d: f64) -> ([f64; 3], usize) {
    let (b, c, d) = (b / a, c / a, d / a);
    let p = c - b * b / 3.0;
    let q = 2.0 * b * b * b / 27.0 - b * c / 3.0 + d;
    let delta = (q / 2.0) * (q / 2.0) + (p / 3.0) * (p / 3.0) * (p / 3.0);
    let shift = b / 3.0;
    if delta > 0.0 {
        let s = delta.sqrt();
        let u = (-q / 2.0 + s).cbrt();
        let v = (-q / 2.0 - s).cbrt();
        ([u + v - shift, 0.0, 0.0], 1)
    } else {
        let m = 2.0 * (-p / 3.0).sqrt();
        let phi = ((3.0 * q) / (p * m)).acos() / 3.0;
        let tau = 2.0 * std::f64::consts::PI / 3.0;
        (
            [
                m * phi.cos() - shift,
                m * (phi - tau).cos() - shift,
                m * (phi - 2.0 * tau).cos() - shift,
            ],
            3,
        )
    }
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    fn log_uniform(&mut self, decades: f64) -> f64 {
        let s = if self.next() < 0.5 { -1.0 } else { 1.0 };
        s * 10f64.powf(decades * (2.0 * self.next() - 1.0))
    }
}

const N: usize = 1024;

fn bench_y_form(cr: &mut Criterion) {
    let mut rng = Rng(0x2545F4914F6CDD1D);
    let x0: Vec<f64> = (0..N).map(|_| rng.log_uniform(3.0)).collect();
    let y0: Vec<f64> = (0..N).map(|_| rng.log_uniform(3.0)).collect();
    let three = (0..N)
        .filter(|&i| cubic_y_root(x0[i], y0[i]).len() == 3)
        .count();
    eprintln!("y-form inputs: {three} of {N} have three real roots");

    let mut g = cr.benchmark_group("cubic_y_form_mixed");
    g.throughput(Throughput::Elements(N as u64));
    g.sample_size(30);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(3));
    let mut out3 = vec![([0.0; 3], 0usize); N];
    g.bench_function("baseline_textbook", |b| {
        b.iter(|| {
            let (x0, y0) = (black_box(&x0), black_box(&y0));
            for i in 0..N {
                out3[i] = textbook(x0[i], 0.0, 1.5, -y0[i]);
            }
            black_box(&out3);
        })
    });
    let mut out = vec![Roots::empty(); N];
    g.bench_function("cubic_y_root", |b| {
        b.iter(|| {
            let (x0, y0) = (black_box(&x0), black_box(&y0));
            for i in 0..N {
                out[i] = cubic_y_root(x0[i], y0[i]);
            }
            black_box(&out);
        })
    });
    g.bench_function("solve_cubic", |b| {
        b.iter(|| {
            let (x0, y0) = (black_box(&x0), black_box(&y0));
            for i in 0..N {
                out[i] = solve_cubic(x0[i], 0.0, 1.5, -y0[i]);
            }
            black_box(&out);
        })
    });
    g.bench_function("cubic_y_root_into_batch", |b| {
        b.iter(|| {
            cubic_y_root_into(black_box(&x0), black_box(&y0), &mut out).unwrap();
            black_box(&out);
        })
    });
    let mut outp = vec![0.0; N];
    g.bench_function("cubic_y_root_principal", |b| {
        b.iter(|| {
            let (x0, y0) = (black_box(&x0), black_box(&y0));
            for i in 0..N {
                outp[i] = cubic_y_root_principal(x0[i], y0[i]);
            }
            black_box(&outp);
        })
    });
    g.bench_function("cubic_y_root_principal_into_batch", |b| {
        b.iter(|| {
            cubic_y_root_principal_into(black_box(&x0), black_box(&y0), &mut outp).unwrap();
            black_box(&outp);
        })
    });
    g.finish();
}

fn bench_general(cr: &mut Criterion) {
    let mut rng = Rng(0x9E3779B97F4A7C15);
    let coef: Vec<[f64; 4]> = (0..N)
        .map(|_| {
            [
                rng.log_uniform(3.0),
                rng.log_uniform(3.0),
                rng.log_uniform(3.0),
                rng.log_uniform(3.0),
            ]
        })
        .collect();
    let three = coef
        .iter()
        .filter(|c| solve_cubic(c[0], c[1], c[2], c[3]).len() == 3)
        .count();
    eprintln!("general inputs: {three} of {N} have three real roots");
    let (a, b, c, d): (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) = (
        coef.iter().map(|c| c[0]).collect(),
        coef.iter().map(|c| c[1]).collect(),
        coef.iter().map(|c| c[2]).collect(),
        coef.iter().map(|c| c[3]).collect(),
    );

    let mut g = cr.benchmark_group("cubic_general_mixed");
    g.throughput(Throughput::Elements(N as u64));
    g.sample_size(30);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(3));
    let mut out3 = vec![([0.0; 3], 0usize); N];
    g.bench_function("baseline_textbook", |bn| {
        bn.iter(|| {
            let (a, b, c, d) = (black_box(&a), black_box(&b), black_box(&c), black_box(&d));
            for i in 0..N {
                out3[i] = textbook(a[i], b[i], c[i], d[i]);
            }
            black_box(&out3);
        })
    });
    let mut out = vec![Roots::empty(); N];
    g.bench_function("solve_cubic", |bn| {
        bn.iter(|| {
            let (a, b, c, d) = (black_box(&a), black_box(&b), black_box(&c), black_box(&d));
            for i in 0..N {
                out[i] = solve_cubic(a[i], b[i], c[i], d[i]);
            }
            black_box(&out);
        })
    });
    g.bench_function("solve_cubic_into_batch", |bn| {
        bn.iter(|| {
            solve_cubic_into(
                black_box(&a),
                black_box(&b),
                black_box(&c),
                black_box(&d),
                &mut out,
            )
            .unwrap();
            black_box(&out);
        })
    });
    g.finish();
}

/// The mixed y-form inputs split by class, to show where the time goes:
/// x0 > 0 (always one real root) and x0 < 0 scaled so that most cubics have
/// three real roots.
fn bench_y_form_by_class(cr: &mut Criterion) {
    let mut g = cr.benchmark_group("cubic_y_form_by_class");
    g.throughput(Throughput::Elements(N as u64));
    g.sample_size(20);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(2));
    for (class, scale) in [("one_root", 1.0), ("mostly_three_roots", -1e-4)] {
        let mut rng = Rng(0x2545F4914F6CDD1D);
        let x0: Vec<f64> = (0..N).map(|_| rng.log_uniform(3.0).abs() * scale).collect();
        let y0: Vec<f64> = (0..N).map(|_| rng.log_uniform(3.0)).collect();
        let three = (0..N)
            .filter(|&i| cubic_y_root(x0[i], y0[i]).len() == 3)
            .count();
        eprintln!("{class}: {three} of {N} have three real roots");
        let mut out3 = vec![([0.0; 3], 0usize); N];
        g.bench_function(format!("{class}/baseline_textbook"), |b| {
            b.iter(|| {
                let (x0, y0) = (black_box(&x0), black_box(&y0));
                for i in 0..N {
                    out3[i] = textbook(x0[i], 0.0, 1.5, -y0[i]);
                }
                black_box(&out3);
            })
        });
        let mut out = vec![Roots::empty(); N];
        g.bench_function(format!("{class}/cubic_y_root"), |b| {
            b.iter(|| {
                let (x0, y0) = (black_box(&x0), black_box(&y0));
                for i in 0..N {
                    out[i] = cubic_y_root(x0[i], y0[i]);
                }
                black_box(&out);
            })
        });
    }
    g.finish();
}

/// A load-robust cross-check printed before the criterion groups: each
/// variant and the baseline are timed alternately, 300 times over the same
/// 1024 inputs, and the minimum of each is kept, so a burst of load from
/// other processes cannot land on one side only. Ratios < 1: faster.
fn interleaved_min_ratios(_c: &mut Criterion) {
    use std::time::Instant;
    let mut rng = Rng(0x2545F4914F6CDD1D);
    let x0: Vec<f64> = (0..N).map(|_| rng.log_uniform(3.0)).collect();
    let y0: Vec<f64> = (0..N).map(|_| rng.log_uniform(3.0)).collect();
    let mut rng = Rng(0x9E3779B97F4A7C15);
    let coef: Vec<[f64; 4]> = (0..N)
        .map(|_| {
            let mut c = [0.0; 4];
            for v in c.iter_mut() {
                *v = rng.log_uniform(3.0);
            }
            c
        })
        .collect();
    let col = |k: usize| coef.iter().map(|c| c[k]).collect::<Vec<f64>>();
    let (a, b, c, d) = (col(0), col(1), col(2), col(3));
    let mut o3 = vec![([0.0; 3], 0usize); N];
    let mut o = vec![Roots::empty(); N];
    let mut op = vec![0.0; N];
    let mut best = [f64::MAX; 9];
    let time = |best: &mut f64, f: &mut dyn FnMut()| {
        let t = Instant::now();
        f();
        *best = best.min(t.elapsed().as_secs_f64());
    };
    for _ in 0..300 {
        time(&mut best[0], &mut || {
            let (x0, y0) = (black_box(&x0), black_box(&y0));
            for i in 0..N {
                o3[i] = textbook(x0[i], 0.0, 1.5, -y0[i]);
            }
            black_box(&o3);
        });
        time(&mut best[1], &mut || {
            let (x0, y0) = (black_box(&x0), black_box(&y0));
            for i in 0..N {
                o[i] = cubic_y_root(x0[i], y0[i]);
            }
            black_box(&o);
        });
        time(&mut best[2], &mut || {
            let (x0, y0) = (black_box(&x0), black_box(&y0));
            for i in 0..N {
                o[i] = solve_cubic(x0[i], 0.0, 1.5, -y0[i]);
            }
            black_box(&o);
        });
        time(&mut best[3], &mut || {
            cubic_y_root_into(black_box(&x0), black_box(&y0), &mut o).unwrap();
            black_box(&o);
        });
        time(&mut best[4], &mut || {
            let (x0, y0) = (black_box(&x0), black_box(&y0));
            for i in 0..N {
                op[i] = cubic_y_root_principal(x0[i], y0[i]);
            }
            black_box(&op);
        });
        time(&mut best[5], &mut || {
            cubic_y_root_principal_into(black_box(&x0), black_box(&y0), &mut op).unwrap();
            black_box(&op);
        });
        time(&mut best[6], &mut || {
            let (a, b, c, d) = (black_box(&a), black_box(&b), black_box(&c), black_box(&d));
            for i in 0..N {
                o3[i] = textbook(a[i], b[i], c[i], d[i]);
            }
            black_box(&o3);
        });
        time(&mut best[7], &mut || {
            let (a, b, c, d) = (black_box(&a), black_box(&b), black_box(&c), black_box(&d));
            for i in 0..N {
                o[i] = solve_cubic(a[i], b[i], c[i], d[i]);
            }
            black_box(&o);
        });
        time(&mut best[8], &mut || {
            solve_cubic_into(
                black_box(&a),
                black_box(&b),
                black_box(&c),
                black_box(&d),
                &mut o,
            )
            .unwrap();
            black_box(&o);
        });
    }
    let ns = |t: f64| t * 1e9 / N as f64;
    eprintln!("interleaved min-of-300 (ns per cubic, ratio to the baseline):");
    eprintln!("  y-form mixed: baseline {:.1}", ns(best[0]));
    for (k, name) in [
        (1, "cubic_y_root"),
        (2, "solve_cubic"),
        (3, "cubic_y_root_into (batch)"),
        (4, "cubic_y_root_principal"),
        (5, "cubic_y_root_principal_into (batch)"),
    ] {
        eprintln!("    {name}: {:.1} ({:.2}x)", ns(best[k]), best[k] / best[0]);
    }
    eprintln!("  general mixed: baseline {:.1}", ns(best[6]));
    for (k, name) in [(7, "solve_cubic"), (8, "solve_cubic_into (batch)")] {
        eprintln!("    {name}: {:.1} ({:.2}x)", ns(best[k]), best[k] / best[6]);
    }
}

criterion_group!(
    benches,
    interleaved_min_ratios,
    bench_y_form,
    bench_general,
    bench_y_form_by_class
);
criterion_main!(benches);
