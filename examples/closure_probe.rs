use numkit::closure::Closure;
use std::time::Instant;
fn main() {
    let cases: Vec<(f64, f64, usize, i32, i32, f64, f64)> = vec![
        (4.0, 1.5, 50, 1, 7, 0.05, 0.05),
        (4.0, 1.5, 70, 1, 7, 0.05, 0.05),
        (4.0, 1.5, 95, 1, 7, 0.05, 0.05),
        (3.5, 0.57, 200, 0, 7, 0.05, 0.05),
        (4.0, 0.8, 500, 1, 7, 0.05, 0.05),
        (3.0, 1.7, 200, 1, 5, 0.05, 0.05),
        (10.0, 3.0, 20, 0, 20, 0.05, 0.05),
    ];
    for c in cases {
        let cl = Closure::new(c.0, c.1, c.2, c.3, c.4, c.5, c.6).unwrap();
        let t = Instant::now();
        let k = cl.count_samples();
        let tc = t.elapsed();
        let t = Instant::now();
        let mut e = 0u64;
        if k < 5_000_000 { cl.for_each_sample(|_| e += 1); }
        let te = t.elapsed();
        println!("{c:?}: count {k} in {tc:?}; enum {e} in {te:?}");
    }
}
