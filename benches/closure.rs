//! CLOSURE benchmarks. Every group compares numkit against a baseline measured
//! in the same run:
//!
//! - `enumerate`: numkit's pruned frequency search (1 thread) against a
//!   straightforward position-by-position DFS that prunes on the sum window
//!   and the upper SD bound only and collects every sample into a `Vec`, as
//!   closure-core does (written here, exact integer bounds, no closure-core code).
//! - `count`: `count_samples` against counting by numkit's own enumeration.
//! - `parallel` (feature `parallel`): `par_count` on a 2-thread pool against
//!   the 1-thread `for_each_sample`.
//!
//! Run: `cargo bench --bench closure -- --warm-up-time 1 --measurement-time 3`
//! (add `--features parallel` for the parallel group).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use numkit::closure::{Closure, CountMethod};
use std::hint::black_box;

/// The baseline: DFS over positions, value ≥ previous, pruning on the sum
/// window and on the largest reachable n·Σx² − (Σx)² only.
fn baseline_collect(c: &Closure) -> Vec<Vec<i32>> {
    struct P {
        n: i64,
        lo: i64,
        hi: i64,
        s_lo: i64,
        s_hi: i64,
        d_lo: i128,
        d_hi: i128,
    }
    fn rec(p: &P, cur: &mut Vec<i32>, s: i64, q: i64, out: &mut Vec<Vec<i32>>) {
        let k = cur.len() as i64;
        if k == p.n {
            let d = p.n as i128 * q as i128 - (s as i128).pow(2);
            if s >= p.s_lo && s <= p.s_hi && d >= p.d_lo && d <= p.d_hi {
                out.push(cur.clone());
            }
            return;
        }
        let from = cur.last().map_or(p.lo, |&x| x as i64);
        let m = p.n - k; // items still to place, this one included
        for v in from..=p.hi {
            // Sum window: the rest at v at least, at hi at most.
            if s + m * v > p.s_hi {
                break;
            }
            if s + v + (m - 1) * p.hi < p.s_lo {
                continue;
            }
            // Upper SD bound: every remaining item on the chord through v and hi,
            // maximised over the reachable remaining sums (checked at both ends).
            let (s1, q1, r) = (s + v, q + v * v, m - 1);
            let best = [r * v, r * p.hi]
                .iter()
                .map(|&t| {
                    let t = t.clamp(p.s_lo - s1, p.s_hi - s1).clamp(r * v, r * p.hi);
                    let qq = q1 + (v + p.hi) * t - r * v * p.hi;
                    p.n as i128 * qq as i128 - ((s1 + t) as i128).pow(2)
                })
                .max()
                .unwrap();
            let vertex = {
                let t = ((p.n * (v + p.hi) - 2 * s1) / 2).clamp(r * v, r * p.hi);
                let t = t.clamp(p.s_lo - s1, p.s_hi - s1).clamp(r * v, r * p.hi);
                let qq = q1 + (v + p.hi) * t - r * v * p.hi;
                p.n as i128 * qq as i128 - ((s1 + t) as i128).pow(2)
            };
            if best.max(vertex) < p.d_lo {
                continue;
            }
            cur.push(v as i32);
            rec(p, cur, s1, q1, out);
            cur.pop();
        }
    }
    let (s_lo, s_hi) = c.sum_bounds();
    let (d_lo, d_hi) = c.spread_bounds();
    let (lo, hi) = c.scale();
    let p = P {
        n: c.n() as i64,
        lo: lo as i64,
        hi: hi as i64,
        s_lo,
        s_hi,
        d_lo,
        d_hi,
    };
    let mut out = Vec::new();
    rec(&p, &mut Vec::new(), 0, 0, &mut out);
    out
}

fn issue_case(n: usize) -> Closure {
    Closure::new(4.0, 1.5, n, 1, 7, 0.05, 0.05).unwrap()
}

fn enumerate(cr: &mut Criterion) {
    let mut g = cr.benchmark_group("closure/enumerate");
    g.sample_size(10);
    for n in [50usize, 70] {
        let c = issue_case(n);
        // The baseline must agree before it is timed.
        assert_eq!(baseline_collect(&c).len() as u128, c.count_samples());
        g.bench_with_input(BenchmarkId::new("baseline_dfs_collect", n), &c, |b, c| {
            b.iter(|| black_box(baseline_collect(c)).len())
        });
        g.bench_with_input(BenchmarkId::new("numkit_collect", n), &c, |b, c| {
            b.iter(|| black_box(c.iter().collect::<Vec<_>>()).len())
        });
        g.bench_with_input(BenchmarkId::new("numkit_to_array", n), &c, |b, c| {
            b.iter(|| black_box(c.to_array()).len())
        });
        g.bench_with_input(BenchmarkId::new("numkit_for_each", n), &c, |b, c| {
            b.iter(|| {
                let mut k = 0u64;
                c.for_each_sample(|s| k += s[0] as u64);
                black_box(k)
            })
        });
    }
    let c = issue_case(95);
    g.bench_with_input(BenchmarkId::new("numkit_for_each", 95), &c, |b, c| {
        b.iter(|| {
            let mut k = 0u64;
            c.for_each_sample(|s| k += s[0] as u64);
            black_box(k)
        })
    });
    g.finish();
}

fn count(cr: &mut Criterion) {
    let mut g = cr.benchmark_group("closure/count");
    g.sample_size(10);
    let cases = [
        ("n95", issue_case(95)),
        (
            "sd0.57_n200",
            Closure::new(3.5, 0.57, 200, 0, 7, 0.05, 0.05).unwrap(),
        ),
        (
            "sd1.7_n200",
            Closure::new(3.0, 1.7, 200, 1, 5, 0.05, 0.05).unwrap(),
        ),
        (
            "sd0.8_n500",
            Closure::new(4.0, 0.8, 500, 1, 7, 0.05, 0.05).unwrap(),
        ),
    ];
    for (name, c) in &cases {
        g.bench_with_input(BenchmarkId::new("count_samples", name), c, |b, c| {
            b.iter(|| black_box(c.count_samples()))
        });
        // Enumeration is the baseline, except where it would take minutes.
        if *name != "sd0.8_n500" {
            g.bench_with_input(BenchmarkId::new("by_enumeration", name), c, |b, c| {
                b.iter(|| black_box(c.count_samples_by(CountMethod::Search)))
            });
        }
    }
    g.finish();
}

#[cfg(feature = "parallel")]
fn parallel(cr: &mut Criterion) {
    let mut g = cr.benchmark_group("closure/parallel");
    g.sample_size(10);
    let pool = |t| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build()
            .unwrap()
    };
    let (p1, p2) = (pool(1), pool(2));
    for n in [70usize, 95] {
        let c = issue_case(n);
        g.bench_with_input(BenchmarkId::new("sequential_for_each", n), &c, |b, c| {
            b.iter(|| {
                let mut k = 0u64;
                c.for_each_sample(|_| k += 1);
                black_box(k)
            })
        });
        g.bench_with_input(BenchmarkId::new("par_count_1thread", n), &c, |b, c| {
            b.iter(|| p1.install(|| black_box(c.par_count())))
        });
        g.bench_with_input(BenchmarkId::new("par_count_2threads", n), &c, |b, c| {
            b.iter(|| p2.install(|| black_box(c.par_count())))
        });
    }
    g.finish();
}

#[cfg(not(feature = "parallel"))]
fn parallel(_: &mut Criterion) {}

criterion_group!(benches, enumerate, count, parallel);
criterion_main!(benches);
