//! CLOSURE from the command line: every integer sample consistent with a
//! reported mean, SD and n.
//!
//! ```sh
//! cargo run --release --example closure -- 3.5 1.2 50 0 7 0.05 0.005
//! cargo run --release --example closure -- 3.50 1.20 50 0 7            # tolerances from the reported places
//! cargo run --release --example closure -- 3.5 1.2 50 0 7 0.05 0.005 --first 20
//! cargo run --release --example closure -- 4.0 0.8 500 1 7 0.05 0.05 --count-only
//! cargo run --release --example closure -- 4.0 1.5 95 1 7 0.05 0.05 --csv samples.csv
//! ```
//!
//! Arguments: `MEAN SD N SCALE_MIN SCALE_MAX [ROUNDING_ERROR_MEAN ROUNDING_ERROR_SD]`.
//! Numbers are read as the exact decimals written. Without the two
//! tolerances they are half a unit in the last reported place ("3.50" → ±0.005).
//!
//! Options: `--first K` prints the first K samples (default 5); `--count-only`
//! prints only the count; `--csv PATH` streams every sample to PATH (one row
//! per sample), with memory independent of the number of samples.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::process::ExitCode;

use numkit::closure::{Closure, Summarizer, Summary};

const USAGE: &str = "usage: closure MEAN SD N SCALE_MIN SCALE_MAX [ROUNDING_ERROR_MEAN ROUNDING_ERROR_SD] [--first K] [--count-only] [--csv PATH]";

struct Args {
    positional: Vec<String>,
    first: usize,
    count_only: bool,
    csv: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        positional: Vec::new(),
        first: 5,
        count_only: false,
        csv: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--first" => {
                let k = it.next().ok_or("--first needs a number")?;
                a.first = k
                    .parse()
                    .map_err(|_| format!("--first: {k:?} is not a count"))?;
            }
            "--count-only" => a.count_only = true,
            "--csv" => a.csv = Some(it.next().ok_or("--csv needs a path")?),
            "-h" | "--help" => return Err(USAGE.to_string()),
            _ => a.positional.push(arg),
        }
    }
    if a.positional.len() != 5 && a.positional.len() != 7 {
        return Err(USAGE.to_string());
    }
    Ok(a)
}

fn build(p: &[String]) -> Result<Closure, String> {
    let int = |i: usize, name: &str| -> Result<i64, String> {
        p[i].parse::<i64>()
            .map_err(|_| format!("{name}: {:?} is not an integer", p[i]))
    };
    let n = usize::try_from(int(2, "N")?).map_err(|_| "N must not be negative".to_string())?;
    let lo =
        i32::try_from(int(3, "SCALE_MIN")?).map_err(|_| "SCALE_MIN out of range".to_string())?;
    let hi =
        i32::try_from(int(4, "SCALE_MAX")?).map_err(|_| "SCALE_MAX out of range".to_string())?;
    let mut c = Closure::from_reported(&p[0], &p[1], n, lo, hi).map_err(|e| e.to_string())?;
    if p.len() == 7 {
        c = c
            .with_rounding_errors_str(&p[5], &p[6])
            .map_err(|e| e.to_string())?;
    }
    Ok(c)
}

fn print_summary(s: &Summary) {
    println!();
    println!("average frequency of each value per sample (relative share):");
    let top = s.frequency_mean.iter().cloned().fold(0.0, f64::max);
    let width = 40.0;
    for (i, v) in s.values.iter().enumerate() {
        let f = s.frequency_mean[i];
        let bar = if top > 0.0 {
            (f / top * width).round() as usize
        } else {
            0
        };
        println!(
            "{v:>6} | {:<40} {f:>8.3} ({:>5.1}%)",
            "#".repeat(bar),
            100.0 * s.frequency_relative[i]
        );
    }
    if let Some(h) = s.horns {
        println!();
        println!(
            "horns index: min {:.4}  max {:.4}  mean {:.4}  median {:.4}  sd {:.4}",
            h.min, h.max, h.mean, h.median, h.sd
        );
    }
    if let Some(u) = s.horns_uniform {
        println!("horns index of a uniform distribution on this scale: {u:.4}");
    }
}

fn print_samples(c: &Closure, k: usize, total: u128) {
    if k == 0 || total == 0 {
        return;
    }
    println!();
    println!(
        "first {} of {total} samples (lexicographic order):",
        (k as u128).min(total)
    );
    for s in c.iter().take(k) {
        let line: Vec<String> = s.iter().map(i32::to_string).collect();
        println!("{}", line.join(" "));
    }
}

fn run() -> Result<(), String> {
    let a = parse_args()?;
    let c = build(&a.positional)?;
    let (smin, smax) = c.sum_bounds();
    let p = &a.positional;
    let tol = if p.len() == 7 {
        format!("±{} / ±{}", p[5], p[6])
    } else {
        "half a unit in the last reported place".to_string()
    };
    println!(
        "CLOSURE: mean {}, SD {}, n = {}, scale {}..{}, tolerances {tol}",
        p[0],
        p[1],
        c.n(),
        c.scale().0,
        c.scale().1
    );
    if smin > smax {
        println!("no integer sum lies in the mean window (GRIM inconsistency)");
    } else {
        println!("admitted sums: {smin}..={smax}");
    }
    let total = c.count_samples();
    println!("samples: {total}");
    if a.count_only {
        return Ok(());
    }
    let summary = match &a.csv {
        Some(path) => {
            let file = File::create(path).map_err(|e| format!("{path}: {e}"))?;
            let mut out = BufWriter::new(file);
            let mut acc = Summarizer::new(&c);
            let mut cur = c.samples();
            let mut line = String::new();
            // Each scale value's text, formatted once: writing is then copying.
            let (lo, hi) = c.scale();
            let labels: Vec<String> = (lo..=hi).map(|v| v.to_string()).collect();
            while let Some(s) = cur.next_sample() {
                acc.push(s);
                line.clear();
                for (i, &x) in s.iter().enumerate() {
                    if i > 0 {
                        line.push(',');
                    }
                    line.push_str(&labels[(x as i64 - lo as i64) as usize]);
                }
                line.push('\n');
                out.write_all(line.as_bytes())
                    .map_err(|e| format!("{path}: {e}"))?;
            }
            out.flush().map_err(|e| format!("{path}: {e}"))?;
            let s = acc.finish();
            println!("wrote {} samples to {path}", s.samples);
            s
        }
        None => c.summarize(),
    };
    print_summary(&summary);
    print_samples(&c, a.first, total);
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}
