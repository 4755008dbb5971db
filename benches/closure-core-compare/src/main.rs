//! numkit's CLOSURE against closure-core 1.0.0 (crates.io, `dfs_parallel`),
//! same inputs, same machine, same run; medians of repeated runs, reported as
//! ratios. closure-core runs inside a rayon pool of the stated size.
//!
//! Usage: `cargo run --release [-- N ...]` (default N = 30 40 50; mean 4.0,
//! SD 1.5, scale 1..7, ±0.05/±0.05 as in numkit issue 4).

use numkit::closure::Closure;
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn time<F: FnMut() -> usize>(reps: usize, mut f: F) -> (f64, usize) {
    let mut out = 0;
    let v = (0..reps)
        .map(|_| {
            let t = Instant::now();
            out = f();
            t.elapsed().as_secs_f64()
        })
        .collect();
    (median(v), out)
}

fn main() {
    let ns: Vec<i32> = {
        let a: Vec<i32> = std::env::args().skip(1).map(|s| s.parse().unwrap()).collect();
        if a.is_empty() { vec![30, 40, 50] } else { a }
    };
    let pool1 = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let pool2 = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    println!("n\tsamples\tclosure-core 1t (s)\tnumkit collect 1t (s)\tnumkit to_array 1t (s)\tnumkit for_each 1t (s)\tratio collect\tratio to_array\tratio for_each\tclosure-core 2t (s)");
    for n in ns {
        let c = Closure::new(4.0, 1.5, n as usize, 1, 7, 0.05, 0.05).unwrap();
        let (cc1, k_cc) = time(3, || {
            pool1.install(|| closure_core::dfs_parallel(4.0f64, 1.5, n, 1, 7, 0.05, 0.05).len())
        });
        let (cc2, _) = time(3, || {
            pool2.install(|| closure_core::dfs_parallel(4.0f64, 1.5, n, 1, 7, 0.05, 0.05).len())
        });
        let (nk_collect, k_nk) = time(5, || c.iter().collect::<Vec<_>>().len());
        let (nk_array, _) = time(5, || c.to_array().nrows());
        let (nk_each, _) = time(5, || {
            let mut k = 0usize;
            c.for_each_sample(|_| k += 1);
            k
        });
        if k_cc != k_nk {
            println!("# note: closure-core found {k_cc} samples, numkit {k_nk} (exact)");
        }
        println!(
            "{n}\t{k_nk}\t{cc1:.4}\t{nk_collect:.4}\t{nk_array:.4}\t{nk_each:.4}\t{:.0}x\t{:.0}x\t{:.0}x\t{cc2:.4}",
            cc1 / nk_collect,
            cc1 / nk_array,
            cc1 / nk_each
        );
    }
}
