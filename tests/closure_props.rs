//! Property tests: numkit's CLOSURE against a brute-force reference written
//! independently here — it lists every non-decreasing sequence of n values on
//! the scale and keeps those whose exact integer statistics satisfy the
//! bounds, with every decimal input turned into a fraction by this file's own
//! parser and compared by cross-multiplication in i128.

use numkit::closure::{Closure, CountMethod};
use proptest::prelude::*;

/// A decimal written as `num / 10^places`, with the string a user would type.
#[derive(Debug, Clone)]
struct Decimal {
    num: i128,
    places: u32,
}

impl Decimal {
    fn text(&self) -> String {
        let p = 10i128.pow(self.places);
        let sign = if self.num < 0 { "-" } else { "" };
        let a = self.num.abs();
        if self.places == 0 {
            format!("{sign}{a}")
        } else {
            format!(
                "{sign}{}.{:0width$}",
                a / p,
                a % p,
                width = self.places as usize
            )
        }
    }
    /// The value times 10^8 (all test decimals have at most 8 places).
    fn e8(&self) -> i128 {
        self.num * 10i128.pow(8 - self.places)
    }
}

/// Brute force: all sorted samples in lexicographic order that satisfy
/// mean ∈ [m − em, m + em] and SD ∈ [max(0, s − es), s + es].
fn brute(
    n: usize,
    lo: i32,
    hi: i32,
    m: &Decimal,
    s: &Decimal,
    em: &Decimal,
    es: &Decimal,
) -> Vec<Vec<i32>> {
    fn rec(n: usize, from: i32, hi: i32, cur: &mut Vec<i32>, out: &mut Vec<Vec<i32>>) {
        if cur.len() == n {
            out.push(cur.clone());
            return;
        }
        for v in from..=hi {
            cur.push(v);
            rec(n, v, hi, cur, out);
            cur.pop();
        }
    }
    let mut all = Vec::new();
    rec(n, lo, hi, &mut Vec::new(), &mut all);
    let e8 = 100_000_000i128;
    let nn = n as i128;
    let (mlo, mhi) = (m.e8() - em.e8(), m.e8() + em.e8());
    let slo = (s.e8() - es.e8()).max(0);
    let shi = s.e8() + es.e8();
    all.into_iter()
        .filter(|x| {
            let sum: i128 = x.iter().map(|&v| v as i128).sum();
            let sq: i128 = x.iter().map(|&v| (v as i128) * (v as i128)).sum();
            // mean = sum/n: mlo/1e8 ≤ sum/n ≤ mhi/1e8.
            let mean_ok = mlo * nn <= sum * e8 && sum * e8 <= mhi * nn;
            // SD² = (n·sq − sum²)/(n(n−1)) compared with (slo/1e8)², (shi/1e8)².
            let d = nn * sq - sum * sum;
            let a = nn * (nn - 1);
            let sd_ok = slo * slo * a <= d * e8 * e8 && d * e8 * e8 <= shi * shi * a;
            mean_ok && sd_ok
        })
        .collect()
}

fn isqrt(x: i128) -> i128 {
    let mut r = (x as f64).sqrt() as i128;
    while r * r > x {
        r -= 1;
    }
    while (r + 1) * (r + 1) <= x {
        r += 1;
    }
    r
}

/// A random sample's own mean and SD, rounded to `places` decimals exactly
/// (round half up), so the sample itself is within half a unit of both.
fn rounded_stats(x: &[i32], places: u32) -> (Decimal, Decimal) {
    let n = x.len() as i128;
    let sum: i128 = x.iter().map(|&v| v as i128).sum();
    let sq: i128 = x.iter().map(|&v| (v as i128).pow(2)).sum();
    let p = 10i128.pow(places);
    // round(sum·p/n) = floor((2·sum·p + n) / 2n)
    let mnum = (2 * sum * p + n).div_euclid(2 * n);
    let d = n * sq - sum * sum;
    let a = n * (n - 1);
    // SD·p = sqrt(d·p²/a); nearest integer f: floor, then up if (f+½)² < X.
    let f = isqrt(d * p * p / a);
    let f = if (2 * f + 1).pow(2) * a <= 4 * d * p * p {
        f + 1
    } else {
        f
    };
    (Decimal { num: mnum, places }, Decimal { num: f, places })
}

fn dec(places: u32, range: std::ops::RangeInclusive<i128>) -> impl Strategy<Value = Decimal> {
    range.prop_map(move |num| Decimal { num, places })
}

fn tolerance() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        Just(Decimal { num: 0, places: 0 }),
        Just(Decimal { num: 5, places: 3 }),
        Just(Decimal { num: 5, places: 2 }),
        dec(3, 0..=300),
    ]
}

/// (n, lo, hi): n ≤ 8 and at most 6 scale values, negative scales included.
fn shape() -> impl Strategy<Value = (usize, i32, i32)> {
    (2usize..=8, -4i32..=4, 0i32..=5).prop_map(|(n, lo, w)| (n, lo, lo + w))
}

fn check(n: usize, lo: i32, hi: i32, m: &Decimal, s: &Decimal, em: &Decimal, es: &Decimal) {
    let expect = brute(n, lo, hi, m, s, em, es);
    let c = Closure::from_reported(&m.text(), &s.text(), n, lo, hi)
        .unwrap()
        .with_rounding_errors_str(&em.text(), &es.text())
        .unwrap();
    let it = c.iter();
    assert_eq!(it.size_hint(), (expect.len(), Some(expect.len())));
    let got: Vec<Vec<i32>> = it.collect();
    assert_eq!(
        got,
        expect,
        "iter() for {:?}",
        (n, lo, hi, m.text(), s.text(), em.text(), es.text())
    );
    assert_eq!(c.count_samples(), expect.len() as u128, "count_samples()");
    for method in [CountMethod::Programme, CountMethod::Search] {
        assert_eq!(
            c.count_samples_by(method),
            expect.len() as u128,
            "{method:?}"
        );
    }
    let mut lent = Vec::new();
    let mut cur = c.samples();
    while let Some(x) = cur.next_sample() {
        lent.push(x.to_vec());
    }
    assert_eq!(lent, expect, "samples()");
    assert!(cur.next_sample().is_none());
    for x in &expect {
        assert!(c.contains(x));
    }
    // Summary frequencies against the brute-force list.
    let sum = c.summarize();
    assert_eq!(sum.samples, expect.len() as u128);
    for (i, v) in (lo..=hi).enumerate() {
        let f: usize = expect
            .iter()
            .map(|x| x.iter().filter(|&&y| y == v).count())
            .sum();
        assert_eq!(sum.frequency_total[i], f as u128);
    }
    #[cfg(feature = "parallel")]
    {
        assert_eq!(c.par_collect(), expect, "par_collect()");
        assert_eq!(c.par_count(), expect.len() as u128, "par_count()");
        let seen = std::sync::Mutex::new(Vec::new());
        c.par_for_each_sample(|x| seen.lock().unwrap().push(x.to_vec()));
        let mut seen = seen.into_inner().unwrap();
        seen.sort();
        assert_eq!(seen, expect, "par_for_each_sample() multiset");
        assert_eq!(c.par_summarize(), sum);
    }
    // The same problem through the f64 constructor (shortest round-trip
    // decimals of these short decimals are the same decimals).
    let f = |d: &Decimal| d.text().parse::<f64>().unwrap();
    let c2 = Closure::new(f(m), f(s), n, lo, hi, f(em), f(es)).unwrap();
    assert_eq!(c2.count_samples(), expect.len() as u128, "Closure::new");
}

/// The float-comparison trap from the issue: 40·(3.43 − 0.005) is exactly 137,
/// but 137.00000000000003 in binary floating point.
#[test]
fn mean_3_43_knife_edge() {
    let m = Decimal {
        num: 343,
        places: 2,
    };
    let s = Decimal { num: 11, places: 1 };
    let em = Decimal { num: 5, places: 3 };
    let es = Decimal { num: 5, places: 2 };
    let expect = brute(40, 1, 5, &m, &s, &em, &es);
    assert_eq!(expect.len(), 181);
    let c = Closure::from_reported("3.43", "1.1", 40, 1, 5).unwrap();
    assert_eq!(c.sum_bounds(), (137, 137));
    assert_eq!(c.count_samples(), 181);
    assert_eq!(c.iter().collect::<Vec<_>>(), expect);
    let c = Closure::new(3.43, 1.1, 40, 1, 5, 0.005, 0.05).unwrap();
    assert_eq!(c.count_samples(), 181);
}

fn decimal(num: i128, places: u32) -> Decimal {
    Decimal { num, places }
}

/// A million-value scale. The counting search recursed once per scale value
/// and overflowed the thread's stack (an abort, not a panic) from about
/// 8·10⁵ values on the main thread and 2·10⁵ on a spawned one; here on a
/// 256 KiB stack. n = 2, mean 500000 ± 0.5, SD 1 ± 0.5: the mean is within
/// 0.5 of 500000 and |x − y| = √2·SD ≤ 2.2, so every sample lies in
/// 499998..=500002 and the brute force over 499996..=500004 is complete.
#[test]
fn million_value_scale_on_a_small_stack() {
    let run = || {
        let expect = brute(
            2,
            499_996,
            500_004,
            &decimal(500_000, 0),
            &decimal(1, 0),
            &decimal(5, 1),
            &decimal(5, 1),
        );
        assert_eq!(expect.len(), 3);
        let c = Closure::new(500_000.0, 1.0, 2, 0, 1_000_000, 0.5, 0.5).unwrap();
        assert_eq!(c.count_samples(), 3);
        for method in [CountMethod::Programme, CountMethod::Search] {
            assert_eq!(c.count_samples_by(method), 3, "{method:?}");
        }
        let it = c.iter();
        let (lo, hi) = it.size_hint();
        assert!(lo <= 3 && hi.is_none_or(|h| h >= 3), "{:?}", (lo, hi));
        assert_eq!(it.collect::<Vec<_>>(), expect);
        assert_eq!(c.summarize().samples, 3);
    };
    std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(run)
        .unwrap()
        .join()
        .unwrap();
}

/// The parallel driver split the search at every level, one recursion
/// (through rayon) per level: on a wide scale its workers' stacks
/// overflowed. n = 12 on 0..200000, mean 100000 ± 0.05, SD 0.6 ± 0.05, on
/// two threads with 256 KiB stacks. Each value is within
/// √11·0.65 + 0.05 < 2.2 of 100000, so the brute force over
/// 99997..=100003 is complete.
#[cfg(feature = "parallel")]
#[test]
fn parallel_driver_on_a_wide_scale() {
    let expect = brute(
        12,
        99_997,
        100_003,
        &decimal(100_000, 0),
        &decimal(6, 1),
        &decimal(5, 2),
        &decimal(5, 2),
    );
    let c = Closure::new(100_000.0, 0.6, 12, 0, 200_000, 0.05, 0.05).unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .stack_size(256 << 10)
        .build()
        .unwrap();
    pool.install(|| {
        assert_eq!(c.par_count(), expect.len() as u128);
        assert_eq!(c.par_collect(), expect);
    });
    assert_eq!(c.count_samples(), expect.len() as u128);
}

/// Samples at one end of a wide scale (found by an independent review):
/// the search went up one level per scale value before every sample at the
/// low end, and the programme kept a pass per value that no sample can use
/// (313 samples took 26 s on 0..10⁶; the mirror image, at the top, 0.3 s).
/// n = 5, mean 10 ± 0.5, SD 3 ± 0.5: every value lies within
/// SD·(n − 1)/√n ≤ 3.5·4/√5 < 6.3 of a mean in [9.5, 10.5], so the brute
/// force over 0..=20 is complete; mirrored (y → 10⁶ − y), the samples are
/// the mirror images.
#[test]
fn samples_at_either_end_of_a_wide_scale() {
    let (tol, sd) = (decimal(5, 1), decimal(3, 0));
    let low = brute(5, 0, 20, &decimal(10, 0), &sd, &tol, &tol);
    assert!(low.len() > 100, "{}", low.len());
    let top = 1_000_000;
    let mut high: Vec<Vec<i32>> = low
        .iter()
        .map(|x| x.iter().rev().map(|&y| top - y).collect())
        .collect();
    high.sort();
    for (mean, expect) in [(10.0, &low), (999_990.0, &high)] {
        let c = Closure::new(mean, 3.0, 5, 0, top, 0.5, 0.5).unwrap();
        let k = expect.len() as u128;
        assert_eq!(c.iter().collect::<Vec<_>>(), *expect, "mean {mean}");
        assert_eq!(c.count_samples(), k);
        for method in [CountMethod::Programme, CountMethod::Search] {
            assert_eq!(c.count_samples_by(method), k, "{method:?}");
        }
        let (lo, hi) = c.iter().size_hint();
        assert!(lo as u128 <= k && hi.is_none_or(|h| h as u128 >= k));
        #[cfg(feature = "parallel")]
        assert_eq!(c.par_collect(), *expect);
    }
}

/// The last item of a sample is tried directly, not one level per value
/// (found by an independent review: n = 2 took 22 s for 20 001 samples).
/// Mean 20000 ± 0 makes every pair sum to 40000; its SD, |x − y|/√2 ≤
/// 40000/√2, is always within 20000 ± 20000. So the samples are exactly
/// (y, 40000 − y) for y = 0..=20000.
#[test]
fn pairs_across_a_wide_scale() {
    let expect: Vec<Vec<i32>> = (0..=20_000).map(|y| vec![y, 40_000 - y]).collect();
    let c = Closure::new(20_000.0, 20_000.0, 2, 0, 40_000, 0.0, 20_000.0).unwrap();
    assert_eq!(c.iter().collect::<Vec<_>>(), expect);
    assert_eq!(c.count_samples(), 20_001);
    for method in [CountMethod::Programme, CountMethod::Search] {
        assert_eq!(c.count_samples_by(method), 20_001, "{method:?}");
    }
    // Mean 20000 ± 1: the sums 39998..=40002 (both ends included), so the
    // last item has up to five values.
    let c = Closure::new(20_000.0, 20_000.0, 2, 0, 40_000, 1.0, 20_000.0).unwrap();
    let mut expect: Vec<Vec<i32>> = (39_998..=40_002)
        .flat_map(|t: i32| ((t - 40_000).max(0)..=t / 2).map(move |y| vec![y, t - y]))
        .collect();
    expect.sort();
    assert_eq!(c.iter().collect::<Vec<_>>(), expect);
    assert_eq!(c.count_samples(), expect.len() as u128);
    assert_eq!(
        c.count_samples_by(CountMethod::Search),
        expect.len() as u128
    );
}

/// A plan whose size overflows `u128` on a wide scale with a large SD:
/// its cost and memory saturate (an unchecked product panicked in
/// `size_hint` with overflow checks on, and wrapped without them).
#[test]
fn size_hint_on_a_wide_scale_with_a_large_sd() {
    let c = Closure::new(500_000.0, 300_000.0, 10_000, 0, 1_000_000, 0.5, 0.5).unwrap();
    let (lo, hi) = c.iter().size_hint();
    assert!(hi.is_none_or(|h| h >= lo));
}

/// Reports with no sample, which the search took minutes to walk before
/// saying so: the sum of squares no sum admits is invisible to its
/// continuous bounds. All on 0..10.
/// - "5.000" and "2.500", n = 100: the mean admits only Σx = 500
///   (100·[4.9995, 5.0005]); D = n·Σx² − (Σx)² = 100·Σx² − 250000 is then a
///   multiple of 100, but the SD admits D ∈ 9900·[2.4995², 2.5005²] =
///   [61850.25…, 61899.75…], which holds none.
/// - "5.520" and "2.322", n = 179, through parity (Σx² − Σx = Σx(x − 1) is
///   even): the mean admits only Σx = 988 (179·[5.5195, 5.5205] =
///   [987.99…, 988.16…]); the SD admits D ∈ 31862·[2.3215², 2.3225²], i.e.
///   171716..=171863, and 179·Σx² − 988² lies there only for Σx² = 6413,
///   odd while 988 is even.
#[test]
fn no_sample_when_no_sum_of_squares_fits() {
    let cases = [
        ("5.000", "2.500", 100, (500, 500), (61851, 61899)),
        ("5.520", "2.322", 179, (988, 988), (171716, 171863)),
    ];
    for (mean, sd, n, sums, spreads) in cases {
        let c = Closure::from_reported(mean, sd, n, 0, 10).unwrap();
        // The windows the report admits are shown as they are.
        assert_eq!((c.sum_bounds(), c.spread_bounds()), (sums, spreads));
        assert_eq!(c.iter().next(), None);
        assert_eq!(c.iter().size_hint(), (0, Some(0)));
        assert_eq!(c.count_samples(), 0);
        assert_eq!(c.count_samples_by(CountMethod::Search), 0);
        #[cfg(feature = "parallel")]
        assert_eq!(c.par_count(), 0);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10000))]

    /// Inputs at random: most have no solution, some many.
    #[test]
    fn random_inputs((n, lo, hi) in shape(), mean_off in 0i128..=900,
                     sd in 0i128..=600, em in tolerance(), es in tolerance()) {
        // mean within [lo − 1, lo + 8], sd within [0, 6], on a 2-decimal grid.
        let m = Decimal { num: (lo as i128 - 1) * 100 + mean_off, places: 2 };
        let s = Decimal { num: sd, places: 2 };
        check(n, lo, hi, &m, &s, &em, &es);
    }

    /// Inputs from a random sample's own rounded statistics: at least one solution.
    #[test]
    fn inputs_from_samples((n, lo, hi) in shape(), seed in prop::collection::vec(0i32..=5, 8),
                           places in 1u32..=3) {
        let mut x: Vec<i32> = seed[..n].iter().map(|&v| lo + v % (hi - lo + 1)).collect();
        x.sort();
        let (m, s) = rounded_stats(&x, places);
        let half = Decimal { num: 5, places: places + 1 };
        let expect = brute(n, lo, hi, &m, &s, &half, &half);
        prop_assert!(expect.contains(&x), "{:?} not in its own result", x);
        let c = Closure::from_reported(&m.text(), &s.text(), n, lo, hi).unwrap();
        prop_assert!(c.contains(&x));
        check(n, lo, hi, &m, &s, &half, &half);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Medium sizes (too large for brute force, large enough for the parallel
    /// driver to split): every path agrees with the sequential iterator, and
    /// every sample satisfies the bounds.
    #[test]
    fn medium_sizes_agree(n in 10usize..=45, lo in -5i32..=3, w in 1i32..=8,
                          seed in prop::collection::vec(0i32..=8, 45), places in 1u32..=2) {
        let hi = lo + w;
        let mut x: Vec<i32> = seed[..n].iter().map(|&v| lo + v % (w + 1)).collect();
        x.sort();
        let (m, s) = rounded_stats(&x, places);
        let c = Closure::from_reported(&m.text(), &s.text(), n, lo, hi).unwrap();
        let by_search = c.count_samples_by(CountMethod::Search);
        prop_assert_eq!(c.count_samples_by(CountMethod::Programme), by_search);
        // Enumerate only where it stays cheap, to keep the suite fast.
        prop_assume!(by_search <= 20_000);
        let all: Vec<Vec<i32>> = c.iter().collect();
        prop_assert!(all.contains(&x));
        prop_assert!(all.windows(2).all(|p| p[0] < p[1]));
        prop_assert!(all.iter().all(|s| c.contains(s)));
        prop_assert_eq!(c.count_samples(), all.len() as u128);
        prop_assert_eq!(c.count_samples_by(CountMethod::Programme), all.len() as u128);
        prop_assert_eq!(c.count_samples_by(CountMethod::Search), all.len() as u128);
        #[cfg(feature = "parallel")]
        {
            prop_assert_eq!(c.par_collect(), all.clone());
            prop_assert_eq!(c.par_summarize(), c.summarize());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000_000))]

    /// Long sweep (minutes), not run by default:
    /// `cargo test --release --test closure_props -- --ignored`
    /// (add `--features parallel` to sweep the parallel paths too).
    #[test]
    #[ignore]
    fn long_sweep((n, lo, hi) in shape(), mean_off in 0i128..=900, sd in 0i128..=600,
                  em in tolerance(), es in tolerance(),
                  seed in prop::collection::vec(0i32..=5, 8), from_sample in any::<bool>(),
                  places in 1u32..=3) {
        if from_sample {
            let mut x: Vec<i32> = seed[..n].iter().map(|&v| lo + v % (hi - lo + 1)).collect();
            x.sort();
            let (m, s) = rounded_stats(&x, places);
            let half = Decimal { num: 5, places: places + 1 };
            check(n, lo, hi, &m, &s, &half, &half);
        } else {
            let m = Decimal { num: (lo as i128 - 1) * 100 + mean_off, places: 2 };
            let s = Decimal { num: sd, places: 2 };
            check(n, lo, hi, &m, &s, &em, &es);
        }
    }
}
