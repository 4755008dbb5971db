//! The README's CLOSURE quickstart, verbatim apart from `#[test]`, so it stays true.

use numkit::closure::Closure;

#[test]
fn readme_closure_quickstart() -> Result<(), numkit::Error> {
    // Tolerances from the reported places ("3.5" → ±0.05), as unsum does:
    let c = Closure::from_reported("3.5", "1.7", 70, 1, 5)?;
    assert_eq!(c.count_samples(), 2492); // exact, by dynamic programming, no enumeration
    let first: Vec<Vec<i32>> = c.iter().take(3).collect(); // lazy, lexicographic, O(n + range) memory
    let summary = c.summarize(); // frequencies per value and horns index, one pass
    println!("{first:?}\n{:?}", summary.frequency_mean);

    // Or with explicit tolerances (f64 inputs are read as their shortest decimal):
    let c = Closure::new(3.5, 1.2, 50, 0, 7, 0.05, 0.005)?;
    assert_eq!(c.count_samples(), 7980);
    Ok(())
}
