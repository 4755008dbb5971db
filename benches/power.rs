//! Matrix power benchmarks: numkit against the naive `.dot` loop, k = 10.
//!
//! Every group measures the baseline and numkit in the same run; quote the
//! ratio of medians. Throughput is in "elements" = floating-point (or integer)
//! operations of the *needed* products, `product_count(10) · 2n³`, for both
//! baseline and numkit, so criterion's `Gelem/s` is GFLOP/s (GOP/s) of
//! needed products.
//!
//! Groups (select with a filter, e.g. `cargo bench --bench power -- small`):
//! `small` (f64 and i64, n = 2, 3, 4), `small_types` (f32, c32, c64,
//! n = 2, 3, 4), `mid` (f64 and i64, n = 8…64), `mid_types` (f32, c32,
//! c64, n = 8…64), `odd` (f64 and i64, n = 5, 12, 31, 100), `every_type`
//! (i8, i16, i32, i128, u8…u128, `Wrapping<i64>`, `Wrapping<u8>` at
//! n = 2, 3, 6, 16, on a signed permutation), `stack` (stacks of 1000
//! `f64`/`f32` matrices of n = 3, 4, 1000 c64 of n = 4, 1000 i64 of n = 3,
//! and 16 `f64` of n = 32, through
//! `matrix_power_stack` and its `_into`), `large` (f64,
//! n = 256…1024), `large_types` (f32 and c64, n = 256),
//! `int` (i64, n = 256, 512), `int1024` (i64, n = 1024; the baseline
//! alone takes about a minute per iteration, so this group takes ~10 min),
//! and `threads` (feature `parallel`: one thread against two on products
//! of n = 96…512 and on stacks).
//!
//! For one-thread figures run with `OPENBLAS_NUM_THREADS=1` (it only matters
//! with `--features openblas-system`).
use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};
use ndarray::{Array2, Array3, LinalgScalar};
use num_complex::Complex;
use numkit::power::{product_count, PowerScalar, PowerWorkspace};
use std::hint::black_box;
use std::num::Wrapping;
use std::time::Duration;

const K: u64 = 10;

/// The baseline from the issue, verbatim in spirit: start from the identity,
/// `.dot` for every set bit, square after every bit (including the last).
fn naive_power<A: LinalgScalar>(a: &Array2<A>, mut k: u64) -> Array2<A> {
    let mut result = Array2::<A>::eye(a.nrows());
    let mut base = a.clone();
    while k > 0 {
        if k % 2 == 1 {
            result = result.dot(&base);
        }
        base = base.dot(&base);
        k /= 2;
    }
    result
}

/// Deterministic pseudo-random stream (splitmix64).
fn stream(seed: u64) -> impl FnMut() -> u64 {
    let mut s = seed;
    move || {
        s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Entries uniform in [-1, 1] / sqrt(n): powers stay of moderate size.
fn f64_matrix(n: usize) -> Array2<f64> {
    let mut r = stream(n as u64);
    let scale = 1.0 / (n as f64).sqrt();
    Array2::from_shape_fn((n, n), |_| {
        ((r() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0) * scale
    })
}

fn f32_matrix(n: usize) -> Array2<f32> {
    f64_matrix(n).mapv(|v| v as f32)
}

/// Real and imaginary parts uniform in [-1, 1] / sqrt(2n).
fn c64_matrix(n: usize) -> Array2<Complex<f64>> {
    let (re, im) = (f64_matrix(n), f64_matrix(n + 1000));
    let s = std::f64::consts::FRAC_1_SQRT_2;
    Array2::from_shape_fn((n, n), |(i, j)| {
        Complex::new(re[[i, j]] * s, im[[i, j]] * s)
    })
}

fn c32_matrix(n: usize) -> Array2<Complex<f32>> {
    c64_matrix(n).mapv(|z| Complex::new(z.re as f32, z.im as f32))
}

/// Entries in {-1, 0, 1}: A^10 fits i64 comfortably for every n benchmarked.
fn i64_matrix(n: usize) -> Array2<i64> {
    let mut r = stream(n as u64 + 1);
    Array2::from_shape_fn((n, n), |_| (r() % 3) as i64 - 1)
}

fn group<A: PowerScalar>(
    c: &mut Criterion,
    name: &str,
    sizes: &[usize],
    make: fn(usize) -> Array2<A>,
    samples: usize,
    secs: u64,
    with_into: bool,
) {
    let mut g = c.benchmark_group(name);
    g.sample_size(samples)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(secs));
    if sizes.iter().any(|&n| n >= 256) {
        // Seconds per iteration: one iteration per sample, ten samples.
        g.sampling_mode(SamplingMode::Flat);
    }
    for &n in sizes {
        let a = make(n);
        let needed = u64::from(product_count(K)) * 2 * (n as u64).pow(3);
        g.throughput(Throughput::Elements(needed));
        g.bench_with_input(BenchmarkId::new("baseline", n), &a, |b, a| {
            b.iter(|| naive_power(black_box(a), black_box(K)))
        });
        g.bench_with_input(BenchmarkId::new("numkit", n), &a, |b, a| {
            b.iter(|| numkit::matrix_power(black_box(a), black_box(K)).unwrap())
        });
        if with_into {
            let mut out = Array2::zeros((n, n));
            let mut ws = PowerWorkspace::with_dim(n);
            g.bench_with_input(BenchmarkId::new("numkit_into", n), &a, |b, a| {
                b.iter(|| {
                    numkit::matrix_power_into(black_box(a), black_box(K), &mut out, &mut ws)
                        .unwrap()
                })
            });
        }
    }
    g.finish();
}

fn small(c: &mut Criterion) {
    group(c, "small/f64", &[2, 3, 4], f64_matrix, 30, 2, true);
    group(c, "small/i64", &[2, 3, 4], i64_matrix, 30, 2, true);
}

/// The other float element types at small sizes (`small_types`).
fn small_types(c: &mut Criterion) {
    group(c, "small_types/f32", &[2, 3, 4], f32_matrix, 30, 2, true);
    group(c, "small_types/c32", &[2, 3, 4], c32_matrix, 30, 2, true);
    group(c, "small_types/c64", &[2, 3, 4], c64_matrix, 30, 2, true);
}

fn mid(c: &mut Criterion) {
    group(c, "mid/f64", &[8, 16, 32, 64], f64_matrix, 20, 2, true);
    group(c, "mid/i64", &[8, 16, 32, 64], i64_matrix, 20, 2, true);
}

/// The other float element types at mid sizes (`mid_types`).
fn mid_types(c: &mut Criterion) {
    group(
        c,
        "mid_types/f32",
        &[8, 16, 32, 64],
        f32_matrix,
        20,
        2,
        true,
    );
    group(
        c,
        "mid_types/c32",
        &[8, 16, 32, 64],
        c32_matrix,
        20,
        2,
        true,
    );
    group(
        c,
        "mid_types/c64",
        &[8, 16, 32, 64],
        c64_matrix,
        20,
        2,
        true,
    );
}

/// Sizes that are not multiples of the kernels' 8-column tiles.
fn odd(c: &mut Criterion) {
    group(c, "odd/f64", &[5, 12, 31, 100], f64_matrix, 20, 2, true);
    group(c, "odd/i64", &[5, 12, 31, 100], i64_matrix, 20, 2, true);
}

/// A signed permutation `i → 5i + 3 mod n` (`i + 1` when 5 divides `n`),
/// every third entry `-1` for signed types: all its powers fit every
/// element type, while the a-priori bound `n^(k−1)` fails for the 8- and
/// 16-bit ones, which therefore take the checked paths a real call takes.
fn perm_matrix<A: Copy>(n: usize, one: A, minus_one: A, zero: A) -> Array2<A> {
    Array2::from_shape_fn((n, n), |(i, j)| {
        let to = if n.is_multiple_of(5) {
            (i + 1) % n
        } else {
            (i * 5 + 3) % n
        };
        match (j == to, i % 3 == 0) {
            (false, _) => zero,
            (true, true) => minus_one,
            (true, false) => one,
        }
    })
}

/// Every other element type (`every_type`), at one size of each path:
/// n = 3 (register kernel or its fallback), 6 (stack schedule) and 16
/// (packed kernels).
fn every_type(c: &mut Criterion) {
    macro_rules! types {
        ($($name:literal: $t:ty = $one:expr, $minus_one:expr, $zero:expr;)*) => {$(
            group(
                c,
                concat!("every_type/", $name),
                &[2, 3, 6, 16],
                |n| perm_matrix::<$t>(n, $one, $minus_one, $zero),
                15,
                1,
                false,
            );
        )*};
    }
    types! {
        "i8": i8 = 1, -1, 0;
        "i16": i16 = 1, -1, 0;
        "i32": i32 = 1, -1, 0;
        "i128": i128 = 1, -1, 0;
        "u8": u8 = 1, 1, 0;
        "u16": u16 = 1, 1, 0;
        "u32": u32 = 1, 1, 0;
        "u64": u64 = 1, 1, 0;
        "u128": u128 = 1, 1, 0;
        "Wrapping<i64>": Wrapping<i64> = Wrapping(1), Wrapping(-1), Wrapping(0);
        "Wrapping<u8>": Wrapping<u8> = Wrapping(1), Wrapping(u8::MAX), Wrapping(0);
    }
}

/// A stack of `s` matrices of size `n`, different in every slot (a fresh
/// `make`, alternately negated and transposed), so no result can be reused.
fn stack_input<A: PowerScalar>(s: usize, n: usize, make: fn(usize) -> Array2<A>) -> Array3<A> {
    let one = make(n);
    Array3::from_shape_fn((s, n, n), |(p, i, j)| {
        if p % 2 == 0 {
            one[[i, j]]
        } else {
            A::zero() - one[[j, i]]
        }
    })
}

/// Stacks of `s` matrices of size `n` (`stack`): the baseline powers each
/// matrix with the naive loop and assigns it into a preallocated `(s, n, n)`
/// result; numkit runs `matrix_power_stack` and `matrix_power_stack_into`
/// (one reused output and workspace).
fn stack_group<A: PowerScalar>(
    c: &mut Criterion,
    name: &str,
    shapes: &[(usize, usize)],
    make: fn(usize) -> Array2<A>,
) {
    let mut g = c.benchmark_group(name);
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for &(s, n) in shapes {
        let a = stack_input(s, n, make);
        let needed = s as u64 * u64::from(product_count(K)) * 2 * (n as u64).pow(3);
        g.throughput(Throughput::Elements(needed));
        let id = format!("{s}x{n}");
        g.bench_with_input(BenchmarkId::new("baseline", &id), &a, |b, a| {
            b.iter(|| {
                let mut out = Array3::<A>::zeros(a.dim());
                for (m, mut o) in black_box(a).outer_iter().zip(out.outer_iter_mut()) {
                    o.assign(&naive_power(&m.to_owned(), black_box(K)));
                }
                out
            })
        });
        g.bench_with_input(BenchmarkId::new("numkit", &id), &a, |b, a| {
            b.iter(|| numkit::matrix_power_stack(black_box(a), black_box(K)).unwrap())
        });
        let mut out = Array3::zeros(a.dim());
        let mut ws = PowerWorkspace::with_dim(n);
        g.bench_with_input(BenchmarkId::new("numkit_into", &id), &a, |b, a| {
            b.iter(|| {
                numkit::matrix_power_stack_into(black_box(a), black_box(K), &mut out, &mut ws)
                    .unwrap()
            })
        });
    }
    g.finish();
}

/// Stacks (`stack`): 1000 small matrices, and 16 of n = 32.
fn stack(c: &mut Criterion) {
    stack_group(
        c,
        "stack/f64",
        &[(1000, 3), (1000, 4), (16, 32)],
        f64_matrix,
    );
    stack_group(c, "stack/f32", &[(1000, 3), (1000, 4)], f32_matrix);
    stack_group(c, "stack/c64", &[(1000, 4)], c64_matrix);
    stack_group(c, "stack/i64", &[(1000, 3)], i64_matrix);
}

fn large(c: &mut Criterion) {
    group(c, "large/f64", &[256, 512, 1024], f64_matrix, 10, 5, false);
}

/// `f32` and `Complex<f64>` at n = 256.
fn large_types(c: &mut Criterion) {
    group(c, "large_types/f32", &[256], f32_matrix, 10, 5, false);
    group(c, "large_types/c64", &[256], c64_matrix, 10, 5, false);
}

fn int(c: &mut Criterion) {
    group(c, "int/i64", &[256, 512], i64_matrix, 10, 5, false);
}

/// Products and stacks on rayon pools of one and two threads (`threads`,
/// feature `parallel` only; with default features the group is empty):
/// the `_into` calls with reused buffers, so that the ratio of the two
/// medians is what the second thread adds. Compile and run with
/// `cargo bench --features parallel --bench power -- "^threads"`.
fn threads(c: &mut Criterion) {
    #[cfg(feature = "parallel")]
    {
        let pools: Vec<_> = [(1, "one_thread"), (2, "two_threads")]
            .into_iter()
            .map(|(t, name)| {
                let pool = rayon::ThreadPoolBuilder::new().num_threads(t).build();
                (pool.expect("a thread pool"), name)
            })
            .collect();
        let one = |sizes: &[usize]| sizes.iter().map(|&n| (None, n)).collect::<Vec<_>>();
        thread_group(
            c,
            "threads/f64",
            &one(&[96, 128, 256, 512]),
            f64_matrix,
            &pools,
        );
        thread_group(c, "threads/c64", &one(&[128]), c64_matrix, &pools);
        thread_group(c, "threads/i64", &one(&[256]), i64_matrix, &pools);
        let stacks = [(Some(10000), 3), (Some(1000), 4), (Some(100), 16)];
        thread_group(c, "threads/stack_f64", &stacks, f64_matrix, &pools);
        thread_group(
            c,
            "threads/stack_c64",
            &[(Some(1000), 4)],
            c64_matrix,
            &pools,
        );
        thread_group(
            c,
            "threads/stack_i64",
            &[(Some(1000), 3)],
            i64_matrix,
            &pools,
        );
    }
    #[cfg(not(feature = "parallel"))]
    let _ = c;
}

/// One matrix (`stack = None`) or a stack of matrices per case, powered
/// through `_into` in each pool.
#[cfg(feature = "parallel")]
fn thread_group<A: PowerScalar>(
    c: &mut Criterion,
    name: &str,
    cases: &[(Option<usize>, usize)],
    make: fn(usize) -> Array2<A>,
    pools: &[(rayon::ThreadPool, &str)],
) {
    let mut g = c.benchmark_group(name);
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    for &(stack, n) in cases {
        let s = stack.unwrap_or(1);
        g.throughput(Throughput::Elements(
            s as u64 * u64::from(product_count(K)) * 2 * (n as u64).pow(3),
        ));
        let id = stack.map_or(format!("{n}"), |s| format!("{s}x{n}"));
        let a = stack_input(s, n, make);
        for (pool, label) in pools {
            let mut out = Array3::zeros(a.dim());
            let mut ws = PowerWorkspace::with_dim(n);
            g.bench_with_input(BenchmarkId::new(*label, &id), &a, |b, a| {
                pool.install(|| match stack {
                    Some(_) => b.iter(|| {
                        numkit::matrix_power_stack_into(a, black_box(K), &mut out, &mut ws).unwrap()
                    }),
                    None => {
                        let (a, mut out) = (
                            a.index_axis(ndarray::Axis(0), 0),
                            out.index_axis_mut(ndarray::Axis(0), 0),
                        );
                        b.iter(|| {
                            numkit::matrix_power_into(&a, black_box(K), &mut out, &mut ws).unwrap()
                        })
                    }
                })
            });
        }
    }
    g.finish();
}

fn int1024(c: &mut Criterion) {
    group(c, "int1024/i64", &[1024], i64_matrix, 10, 5, false);
}

criterion_group!(
    benches,
    small,
    small_types,
    mid,
    mid_types,
    odd,
    every_type,
    stack,
    large,
    large_types,
    int,
    int1024,
    threads
);
criterion_main!(benches);
