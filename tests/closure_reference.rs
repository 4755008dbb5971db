//! Every row of `tests/data/closure_counts.tsv` (exact counts derived
//! independently, see /work/shared/reference/README.md semantics) reproduced
//! through both constructors, by the counter and, where cheap, by enumeration.

use numkit::closure::Closure;

struct Row {
    fields: Vec<String>,
    count: u128,
    note: String,
}

fn rows() -> Vec<Row> {
    let text = include_str!("data/closure_counts.tsv");
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert!(cols.len() >= 8, "bad row {l:?}");
            Row {
                fields: cols[..7].iter().map(|s| s.to_string()).collect(),
                count: cols[7].parse().unwrap(),
                note: cols.get(8).unwrap_or(&"").to_string(),
            }
        })
        .collect()
}

fn from_floats(f: &[String]) -> Closure {
    let x = |i: usize| f[i].parse::<f64>().unwrap();
    Closure::new(
        x(0),
        x(1),
        f[2].parse().unwrap(),
        f[3].parse().unwrap(),
        f[4].parse().unwrap(),
        x(5),
        x(6),
    )
    .unwrap()
}

fn from_strings(f: &[String]) -> Closure {
    Closure::from_reported(
        &f[0],
        &f[1],
        f[2].parse().unwrap(),
        f[3].parse().unwrap(),
        f[4].parse().unwrap(),
    )
    .unwrap()
    .with_rounding_errors_str(&f[5], &f[6])
    .unwrap()
}

#[test]
fn tsv_has_all_rows() {
    assert!(rows().len() >= 31);
}

#[test]
fn every_reference_count_by_counter() {
    for row in rows() {
        let a = from_floats(&row.fields);
        let b = from_strings(&row.fields);
        assert_eq!(a.sum_bounds(), b.sum_bounds(), "{:?}", row.fields);
        assert_eq!(a.spread_bounds(), b.spread_bounds(), "{:?}", row.fields);
        assert_eq!(
            a.count_samples(),
            row.count,
            "{:?} ({})",
            row.fields,
            row.note
        );
        assert_eq!(
            b.count_samples(),
            row.count,
            "{:?} ({})",
            row.fields,
            row.note
        );
    }
}

/// Every row by enumeration too (all ~3 million samples take well under a
/// second at the test profile's opt-level 3): each sample satisfies the
/// bounds and the order is strictly lexicographic.
#[test]
fn every_reference_count_by_enumeration() {
    for row in rows() {
        let c = from_floats(&row.fields);
        let mut k = 0u128;
        let mut prev: Vec<i32> = Vec::new();
        let mut cur = c.samples();
        while let Some(s) = cur.next_sample() {
            assert!(c.contains(s), "{s:?} violates {:?}", row.fields);
            assert!(prev.as_slice() < s, "order broken for {:?}", row.fields);
            prev.clear();
            prev.extend_from_slice(s);
            k += 1;
        }
        assert_eq!(k, row.count, "{:?} ({})", row.fields, row.note);
        if row.count <= 20_000 {
            assert_eq!(c.iter().count() as u128, row.count);
        }
    }
}
/// The parallel paths against the sequential iterator on every cheap row
/// (these rows are large enough for the search tree to be split).
#[cfg(feature = "parallel")]
#[test]
fn every_cheap_reference_row_in_parallel() {
    for row in rows() {
        if row.count > 200_000 {
            continue;
        }
        let c = from_floats(&row.fields);
        let seq: Vec<Vec<i32>> = c.iter().collect();
        assert_eq!(c.par_collect(), seq, "{:?}", row.fields);
        assert_eq!(c.par_count(), row.count, "{:?}", row.fields);
        let seen = std::sync::Mutex::new(Vec::new());
        c.par_for_each_sample(|x| seen.lock().unwrap().push(x.to_vec()));
        let mut seen = seen.into_inner().unwrap();
        seen.sort();
        assert_eq!(seen, seq, "{:?}", row.fields);
        assert_eq!(c.par_summarize(), c.summarize(), "{:?}", row.fields);
    }
}
