use numkit::closure::Closure;
use std::time::Instant;
fn main() {
    let c = {
        let a: Vec<f64> = std::env::args()
            .skip(1)
            .map(|s| s.parse().unwrap())
            .collect();
        if a.is_empty() {
            Closure::new(4.0, 1.5, 95, 1, 7, 0.05, 0.05).unwrap()
        } else {
            Closure::new(
                a[0],
                a[1],
                a[2] as usize,
                a[3] as i32,
                a[4] as i32,
                0.05,
                0.05,
            )
            .unwrap()
        }
    };
    for t in [1, 2] {
        let p = rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build()
            .unwrap();
        let mut best = f64::MAX;
        for _ in 0..3 {
            let s = Instant::now();
            let k = p.install(|| c.par_count());
            let _ = k;
            best = best.min(s.elapsed().as_secs_f64());
        }
        println!("threads {t}: {best:.3}s");
    }
    let mut best = f64::MAX;
    for _ in 0..3 {
        let s = Instant::now();
        let mut k = 0u64;
        c.for_each_sample(|_| k += 1);
        best = best.min(s.elapsed().as_secs_f64());
    }
    println!("seq: {best:.3}s");
}
