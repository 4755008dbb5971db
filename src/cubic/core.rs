//! The f64 engine behind every public cubic solver.
//!
//! Everything is solved in `f64`; `f32` callers are widened on entry and
//! rounded once on exit (29 extra bits make the f32 result accurate to about
//! half an f32 ulp for all but pathologically conditioned roots).
//!
//! Plan of one solve (`a ≠ 0`, `d ≠ 0`, all finite):
//! 1. If every coefficient is in [2^-60, 2^61] use them as they are (no
//!    intermediate can over- or underflow). Otherwise scale by powers of two
//!    only (exact): the leading coefficient into [1, 2) and the variable
//!    `x = 2^k·t` so that the largest root is O(1); roots so widely spread
//!    that a scaled coefficient would leave the normal range are solved per
//!    Newton-polygon group instead.
//! 2. Root count: the depressed discriminant (q/2)² + (p/3)³ when it is
//!    outside its rounding-error bound; otherwise the discriminant of the
//!    original coefficients with its bound, a value inside which is a
//!    multiple root, so a double root is never lost to a spurious complex
//!    pair.
//! 3. One real root: Cardano with the cancellation-free sign choice, the
//!    opposite-sign case `A + B` rewritten as `−q·A²/(A⁴ + p3·A² + p3²)`,
//!    and a root that cancels in the shift recovered from Vieta's product
//!    with the complex pair. Three real roots: cos(θ/3) and sin(θ/3) from
//!    polynomial fits in (1 − cos θ)/2 (clamped, so never NaN), the smallest
//!    root by Vieta's product when a sum or the shift cancels, deflation by
//!    the largest when two roots are tiny next to the third, and a close
//!    pair (σ < 2^-20, where the shift's rounding can hide its gap) split
//!    about the critical point from the original coefficients. Multiple root:
//!    the critical point (root of `p'`) plus a second-order split
//!    `±sqrt(−2p/p'')`.
//! 4. Polish every root with a Newton step on the unrounded coefficients: a
//!    step below 2^-27 relative is taken, larger steps only while they lower
//!    |p| (see [`Scaled::polish`]).

/// Floor of log2|x| for finite nonzero x (subnormals included).
#[inline(always)]
pub(crate) fn exponent(x: f64) -> i32 {
    let bits = x.to_bits() & 0x7fff_ffff_ffff_ffff;
    let e = (bits >> 52) as i32;
    if e != 0 {
        e - 1023
    } else if bits == 0 {
        // Zero never constrains a scaling choice; keep the arithmetic on it
        // far from i32 overflow.
        -1 << 20
    } else {
        -1011 - bits.leading_zeros() as i32
    }
}

/// Zero, or |x| in [2^-60, 2^61).
#[inline(always)]
pub(crate) fn moderate(x: f64) -> bool {
    let e = ((x.to_bits() >> 52) & 0x7ff) as u32;
    x == 0.0 || e.wrapping_sub(1023 - 60) <= 120
}

/// 2^n for n in the normal exponent range.
#[inline(always)]
fn pow2(n: i32) -> f64 {
    debug_assert!((-1022..=1023).contains(&n));
    f64::from_bits(((n + 1023) as u64) << 52)
}

/// x·2^n, exact unless the result over- or underflows.
#[inline(always)]
pub(crate) fn ldexp(x: f64, n: i32) -> f64 {
    if (-1022..=1023).contains(&n) {
        x * pow2(n)
    } else {
        ldexp_slow(x, n)
    }
}

#[cold]
fn ldexp_slow(mut x: f64, mut n: i32) -> f64 {
    n = n.clamp(-3000, 3000);
    while n > 1023 {
        x *= pow2(1023);
        n -= 1023;
    }
    while n < -1022 {
        // Stay normal as long as possible so underflow rounds only once.
        let step = (n + 1022).max(-1022);
        x *= pow2(step);
        n -= step;
    }
    x * pow2(n)
}

/// a·b + c: one rounding where the target has hardware FMA, two otherwise.
/// Without `target_feature = "fma"` (the x86-64 baseline) `f64::mul_add` is a
/// slow library call, and nothing that uses this helper needs the single
/// rounding for correctness (the error bounds assume two roundings).
#[inline(always)]
fn fma(a: f64, b: f64, c: f64) -> f64 {
    if cfg!(target_feature = "fma") {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

/// Error-free product: a·b = p + e exactly (barring over/underflow).
#[inline(always)]
fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    if cfg!(target_feature = "fma") {
        (p, a.mul_add(b, -p))
    } else {
        // Dekker/Veltkamp splitting into 26-bit halves.
        let split = |x: f64| {
            let c = 134_217_729.0 * x;
            let hi = c - (c - x);
            (hi, x - hi)
        };
        let (ah, al) = split(a);
        let (bh, bl) = split(b);
        (p, ((ah * bh - p) + ah * bl + al * bh) + al * bl)
    }
}

#[inline(always)]
fn ceil_div(n: i32, d: i32) -> i32 {
    n.div_euclid(d) + i32::from(n.rem_euclid(d) != 0)
}

/// Up to three real roots, not yet sorted; `n` valid.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Raw {
    pub r: [f64; 3],
    pub n: usize,
}

impl Raw {
    const NONE: Raw = Raw { r: [0.0; 3], n: 0 };
    #[inline(always)]
    fn one(x: f64) -> Raw {
        Raw {
            r: [x, 0.0, 0.0],
            n: 1,
        }
    }
    #[inline(always)]
    fn push(&mut self, x: f64) {
        self.r[self.n] = x;
        self.n += 1;
    }
    /// Push `x` unless it is ±∞ or NaN: a root beyond the range (or one
    /// that rounded to ±∞ when unscaled) is not representable, so dropped.
    #[inline(always)]
    fn push_finite(&mut self, x: f64) {
        if x.is_finite() {
            self.push(x);
        }
    }
    /// Push every root of `other`.
    #[inline(always)]
    fn push_all(&mut self, other: Raw) {
        for &x in &other.r[..other.n] {
            self.push(x);
        }
    }
    /// The finite roots only (see [`Raw::push_finite`]).
    #[inline(always)]
    fn finite(self) -> Raw {
        let mut kept = Raw::NONE;
        for &x in &self.r[..self.n] {
            kept.push_finite(x);
        }
        kept
    }
    /// Sort the valid roots ascending (branch-free for three roots; the
    /// comparisons are data-dependent and would mispredict).
    #[inline(always)]
    pub fn sorted(mut self) -> Raw {
        let r = &mut self.r;
        if self.n == 3 {
            let (lo, hi) = (r[0].min(r[1]), r[0].max(r[1]));
            let (mid, top) = (hi.min(r[2]), hi.max(r[2]));
            let (bot, mid) = (lo.min(mid), lo.max(mid));
            *r = [bot, mid, top];
        } else if self.n == 2 && r[1] < r[0] {
            r.swap(0, 1);
        }
        self
    }
}

/// Result of the full solve: real roots plus, when there is exactly one real
/// root, the complex pair `re ± i·im` (im > 0).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Full {
    pub real: Raw,
    pub pair: Option<(f64, f64)>,
}

/// The cubic a·t³ + b·t² + c·t + d with exactly representable (power-of-two
/// scaled) coefficients; `k` is the variable scaling x = 2^k·t.
#[derive(Clone, Copy)]
struct Scaled {
    a: f64,
    b: f64,
    c: f64,
    d: f64,
}

impl Scaled {
    #[inline(always)]
    fn eval(&self, t: f64) -> f64 {
        fma(fma(fma(self.a, t, self.b), t, self.c), t, self.d)
    }
    #[inline(always)]
    fn eval_d(&self, t: f64) -> (f64, f64) {
        let p2 = fma(self.a, t, self.b);
        let p1 = fma(p2, t, self.c);
        let p0 = fma(p1, t, self.d);
        // Horner's derivative: d/dt of the nested form.
        let d1 = fma(self.a, t, p2);
        let d0 = fma(d1, t, p1);
        (p0, d0)
    }

    /// One Newton step with a cheap guard, else guarded Newton.
    ///
    /// A step below 2^-27 relative is taken as is: from a start that close,
    /// Newton contracts unless the root's condition number κ exceeds ~2^24,
    /// and for such κ a step of that size is inside the 4·κ·ε bound anyway. Larger
    /// steps (a poor start, or a near-double root where p' ≈ 0) go through
    /// [`Scaled::polish_guarded`], which keeps a step only if it lowers |p|.
    #[inline(always)]
    fn polish(&self, t: f64) -> f64 {
        match self.polish_fast(t) {
            Some(t) => t,
            None => {
                let (f, df) = self.eval_d(t);
                self.polish_guarded(t, f, df)
            }
        }
    }

    /// The cheap-guard step of [`Scaled::polish`]; `None` when the step is
    /// too large to take unchecked.
    #[inline(always)]
    fn polish_fast(&self, t: f64) -> Option<f64> {
        let (f, df) = self.eval_d(t);
        if f == 0.0 || df == 0.0 {
            return Some(t);
        }
        let dt = f / df;
        let tn = t - dt;
        if dt.abs() <= 7.450_580_596_923_828e-9 * tn.abs() {
            Some(tn)
        } else {
            None
        }
    }

    /// Newton steps kept only while they lower |p(t)|; an unguarded step
    /// wanders off near a double root, where p' ≈ 0.
    #[inline(never)]
    fn polish_guarded(&self, t: f64, f: f64, df: f64) -> f64 {
        let (mut t, mut f, mut df) = (t, f, df);
        let mut i = 0;
        while i < 8 && f != 0.0 && df != 0.0 {
            let dt = f / df;
            let tn = t - dt;
            let (fnew, dfnew) = self.eval_d(tn);
            // Not `<=`: equal residuals mean we are at rounding level already.
            // NaN residuals also stop here.
            if fnew.abs().partial_cmp(&f.abs()) != Some(std::cmp::Ordering::Less) {
                break;
            }
            t = tn;
            f = fnew;
            df = dfnew;
            // Quadratic convergence: after a step below √ε relative the next
            // correction is below rounding; skip evaluating it.
            if dt.abs() <= 1.5e-8 * t.abs() {
                break;
            }
            i += 1;
        }
        t
    }
}

/// a·x² + b·x + c (a ≠ 0) with x = 2^k·t, scaled (exactly, by powers of two)
/// so that the leading coefficient `a1` is in [1, 2) and the larger root
/// O(1), and the scaled polynomial's discriminant.
struct ScaledQuadratic {
    a1: f64,
    b1: f64,
    c1: f64,
    /// The exponent of `a`: `a1 = a·2^-ea`.
    ea: i32,
    k: i32,
    /// Kahan's discriminant b1² − 4·a1·c1: both products split exactly with
    /// an FMA, so its sign is right even when b² ≈ 4ac.
    disc: f64,
}

impl ScaledQuadratic {
    fn new(a: f64, b: f64, c: f64) -> ScaledQuadratic {
        let ea = exponent(a);
        let k = (exponent(b) - ea).max(ceil_div(exponent(c) - ea, 2));
        let a1 = ldexp(a, -ea);
        let b1 = ldexp(b, -ea - k);
        let c1 = ldexp(c, -ea - 2 * k);
        let (w, we) = two_prod(4.0 * a1, c1);
        let (bb, be) = two_prod(b1, b1);
        ScaledQuadratic {
            a1,
            b1,
            c1,
            ea,
            k,
            disc: (bb - w) + (be - we),
        }
    }
}

/// Real roots of a·x² + b·x + c (any finite coefficients), with multiplicity.
/// An identically zero polynomial reports no roots.
pub(crate) fn quadratic(a: f64, b: f64, c: f64) -> Raw {
    if a == 0.0 {
        if b == 0.0 {
            return Raw::NONE;
        }
        // `+ 0.0`: a zero root is +0.0, not the −0.0 of −(+0)/b.
        return Raw::one(-c / b + 0.0);
    }
    if c == 0.0 {
        let mut r = Raw::one(0.0);
        // -b/a may overflow: then that root is not representable.
        r.push_finite(if b == 0.0 { 0.0 } else { -b / a });
        return r.sorted();
    }
    let ScaledQuadratic {
        a1,
        b1,
        c1,
        ea,
        k,
        disc,
    } = ScaledQuadratic::new(a, b, c);
    if disc < 0.0 {
        return Raw::NONE;
    }
    let s = disc.sqrt();
    if b1 == 0.0 {
        // ±sqrt(−c/a): keep the pair exactly symmetric.
        let x = ldexp((0.5 * s / a1).abs(), k);
        if !x.is_finite() {
            return Raw::NONE;
        }
        return Raw {
            r: [-x, x, 0.0],
            n: 2,
        };
    }
    // q has no cancellation; the second root follows from the product c/a.
    let q = -0.5 * (b1 + if b1 >= 0.0 { s } else { -s });
    let mut r = Raw::NONE;
    let x1 = ldexp(q / a1, k);
    // c1/q in the scaled variable, unless that underflows (a second root
    // tiny next to the first): then c/q on unscaled values. Not the other
    // way round: for subnormal coefficients the unscaled q is subnormal too
    // and has lost bits (6.8e-5 relative error on a root of condition 1).
    let t2 = c1 / q;
    let x2 = if t2.abs() >= f64::MIN_POSITIVE {
        ldexp(t2, k)
    } else {
        c / ldexp(q, ea + k)
    };
    r.push_finite(x1);
    r.push_finite(if disc == 0.0 { x1 } else { x2 });
    r.sorted()
}

/// Discriminant of the (scaled) cubic and a bound on its rounding error.
#[inline(always)]
fn discriminant(s: &Scaled) -> (f64, f64) {
    let (a, b, c, d) = (s.a, s.b, s.c, s.d);
    let ad = a * d;
    let bc = b * c;
    let b3d = b * b * (b * d);
    let ac3 = c * c * (a * c);
    // Δ = b²c² + 18abcd − 4b³d − 4ac³ − 27a²d²
    let t1 = bc * bc;
    let t2 = 18.0 * ad * bc;
    let t3 = 4.0 * (b3d + ac3);
    let t4 = 27.0 * ad * ad;
    let disc = (t1 + t2) - (t3 + t4);
    let bound = (t1.abs() + t2.abs() + 4.0 * (b3d.abs() + ac3.abs()) + t4) * (16.0 * f64::EPSILON);
    (disc, bound)
}

/// Real (and, on request, complex) roots of a·x³ + b·x² + c·x + d for finite
/// coefficients.
#[inline(always)]
pub(crate) fn cubic_full(a: f64, b: f64, c: f64, d: f64, want_pair: bool) -> Full {
    if a == 0.0 {
        return Full {
            real: quadratic(b, c, d),
            pair: None,
        };
    }
    if d == 0.0 {
        // x·(a·x² + b·x + c): the zero root is exact.
        let mut full = quadratic_full(a, b, c, want_pair);
        full.real.push(0.0);
        full.real = full.real.sorted();
        return full;
    }
    // Fast path: every coefficient in [2^-60, 2^61] (or zero). Then no
    // intermediate below (at most degree 6 in the ratios, ≤ 2^730) can over-
    // or underflow, so the power-of-two scaling is unnecessary.
    if moderate(a) && moderate(b) && moderate(c) && moderate(d) {
        return scaled_roots(&Scaled { a, b, c, d }, want_pair);
    }
    let ea = exponent(a);
    let kb = exponent(b) - ea;
    let kc = ceil_div(exponent(c) - ea, 2);
    let kd = ceil_div(exponent(d) - ea, 3);
    let k = kb.max(kc).max(kd);
    // Roots so widely spread that, with the largest scaled to O(1), a
    // coefficient that still matters for the smallest would leave the normal
    // range: solve each magnitude group in its own scale instead.
    let lowest = (exponent(d) - ea - 3 * k)
        .min(if c != 0.0 {
            exponent(c) - ea - 2 * k
        } else {
            0
        })
        .min(if b != 0.0 { exponent(b) - ea - k } else { 0 });
    if lowest < -960 {
        return separated_roots([d, c, b, a], want_pair);
    }
    let mut full = solve_rescaled(a, b, c, d, ea, k, want_pair);
    // A root at the edge of the range may round to ±∞ after unscaling. Rare:
    // tested first, so the all-finite case keeps its roots as they are.
    if full.real.r[..full.real.n].iter().any(|x| !x.is_finite()) {
        full.real = full.real.finite();
    }
    full.real = full.real.sorted();
    full
}

/// The real roots of a·x² + b·x + c ([`quadratic`]) and, on request, its
/// complex pair when it has no real roots and a ≠ 0 ([`quad_pair`]): what
/// every path that meets a quadratic factor reports.
pub(crate) fn quadratic_full(a: f64, b: f64, c: f64, want_pair: bool) -> Full {
    let real = quadratic(a, b, c);
    let pair = if want_pair && real.n == 0 && a != 0.0 {
        quad_pair(a, b, c)
    } else {
        None
    };
    Full { real, pair }
}

/// Complex pair `re ± i·im` of a·x² + b·x + c (a ≠ 0) when it has no real
/// roots.
///
/// From the same discriminant [`quadratic`] tests, so that every pair it
/// leaves out is found here. (Recomputing `im² = c/a − (b/2a)²` with its own
/// roundings once dropped pairs with `im/|re|` near 2^-26: `im²` came out
/// ≤ 0 although the exact discriminant was negative.)
fn quad_pair(a: f64, b: f64, c: f64) -> Option<(f64, f64)> {
    let q = ScaledQuadratic::new(a, b, c);
    (q.disc < 0.0).then(|| {
        let re = -0.5 * q.b1 / q.a1;
        let im = 0.5 * (-q.disc).sqrt() / q.a1.abs();
        (ldexp(re, q.k), ldexp(im, q.k))
    })
}

/// Roots of a cubic whose roots fall into magnitude groups more than 2^80
/// apart (`coef[i]` multiplies x^i; `coef[0]`, `coef[3]` nonzero). Each Newton
/// polygon group is the root set of the sub-polynomial of its edge, to
/// relative accuracy 2^-80 below that of the sub-solve; groups closer than
/// that are merged (at most a quadratic, since the spread is > 2^960).
#[cold]
fn separated_roots(coef: [f64; 4], want_pair: bool) -> Full {
    let e: [i32; 4] = [
        exponent(coef[0]),
        exponent(coef[1]),
        exponent(coef[2]),
        exponent(coef[3]),
    ];
    // Walk the Newton polygon from the leading term down: (hi, lo, slope).
    let mut groups: [(usize, usize, f64); 3] = [(0, 0, 0.0); 3];
    let mut ng = 0;
    let mut i = 3;
    while i > 0 {
        let mut best_j = i - 1;
        let mut best_s = f64::NEG_INFINITY;
        for j in (0..i).rev() {
            if coef[j] == 0.0 {
                continue;
            }
            let s = f64::from(e[j] - e[i]) / (i - j) as f64;
            // `>=` while walking down: ties take the longer edge.
            if s >= best_s {
                best_s = s;
                best_j = j;
            }
        }
        groups[ng] = (i, best_j, best_s);
        ng += 1;
        i = best_j;
    }
    // Merge neighbouring groups whose magnitudes are within 2^80.
    let mut merged: [(usize, usize); 3] = [(0, 0); 3];
    let mut nm = 0;
    let mut g = 0;
    while g < ng {
        let (hi, mut lo, mut s) = groups[g];
        while g + 1 < ng && s - groups[g + 1].2 < 80.0 {
            lo = groups[g + 1].1;
            s = groups[g + 1].2;
            g += 1;
        }
        merged[nm] = (hi, lo);
        nm += 1;
        g += 1;
    }
    let mut real = Raw::NONE;
    let mut pair = None;
    for &(hi, lo) in &merged[..nm] {
        match hi - lo {
            1 => real.push_finite(-coef[lo] / coef[hi]),
            2 => {
                // At most one group is a quadratic (the degree is three).
                let q = quadratic_full(coef[hi], coef[hi - 1], coef[lo], want_pair);
                real.push_all(q.real);
                pair = q.pair;
            }
            _ => {
                // Cannot happen for a spread above 2^160; solve directly.
                let f = cubic_full_unseparated(coef[3], coef[2], coef[1], coef[0], want_pair);
                return f;
            }
        }
    }
    Full {
        real: real.sorted(),
        pair,
    }
}

/// Solves with `a` scaled to O(1) by `2^-ea` and the roots by `2^-k`, then
/// maps the roots back; powers of two keep the scaling exact.
#[inline(always)]
fn solve_rescaled(a: f64, b: f64, c: f64, d: f64, ea: i32, k: i32, want_pair: bool) -> Full {
    let s = Scaled {
        a: ldexp(a, -ea),
        b: ldexp(b, -ea - k),
        c: ldexp(c, -ea - 2 * k),
        d: ldexp(d, -ea - 3 * k),
    };
    let mut full = scaled_roots(&s, want_pair);
    for x in &mut full.real.r[..full.real.n] {
        *x = ldexp(*x, k);
    }
    if let Some((re, im)) = &mut full.pair {
        *re = ldexp(*re, k);
        *im = ldexp(*im, k);
    }
    full
}

#[cold]
fn cubic_full_unseparated(a: f64, b: f64, c: f64, d: f64, want_pair: bool) -> Full {
    let ea = exponent(a);
    let k = (exponent(b) - ea)
        .max(ceil_div(exponent(c) - ea, 2))
        .max(ceil_div(exponent(d) - ea, 3));
    let mut full = solve_rescaled(a, b, c, d, ea, k, want_pair);
    full.real = full.real.sorted();
    full
}

/// Monic coefficients (B, C, D), the shift b3 = B/3 and the depressed form
/// t = y − b3: y³ + p·y + q.
#[inline(always)]
fn depressed(s: &Scaled) -> (f64, f64, f64, f64, f64, f64) {
    let inv_a = 1.0 / s.a;
    let bb = s.b * inv_a;
    let cc = s.c * inv_a;
    let dd = s.d * inv_a;
    let b3 = bb * (1.0 / 3.0);
    // p = C − B²/3, q = 2B³/27 − BC/3 + D = D − b3·(C − 2·b3²)
    let p = fma(-bb, b3, cc);
    let q = fma(-b3, fma(-2.0 * b3, b3, cc), dd);
    (bb, cc, dd, b3, p, q)
}

/// The one real root of y³ + p·y + q when (q/2)² + (p/3)³ > 0 (unpolished),
/// and the signed Cardano term A (0 when y = 0).
#[inline(always)]
fn cardano_one_parts(p: f64, q: f64) -> (f64, f64) {
    let h = 0.5 * q;
    let p3 = p * (1.0 / 3.0);
    let dc = fma(h, h, p3 * p3 * p3).max(0.0);
    let sq = dc.sqrt();
    // A = −sign(q)·cbrt(|q|/2 + sqrt(Δ)): a sum of like-signed terms.
    let big = h.abs() + sq;
    let u = cbrt(big);
    if u == 0.0 {
        return (0.0, 0.0);
    }
    let ua = if h > 0.0 { -u } else { u };
    // y = A + B with B = −p3/A, written over one division; the two forms are
    // selected, not branched on (p's sign is data).
    let a2 = ua * ua;
    // p ≥ 0: A and B have opposite signs, so A + B would cancel; use
    // A + B = −q/(A² − AB + B²) = −q·A²/(A⁴ + p3·A² + p3²).
    let pos = p >= 0.0;
    let num = if pos { -q * a2 } else { a2 - p3 };
    let den = if pos { fma(a2, a2, p3 * (a2 + p3)) } else { ua };
    (num / den, ua)
}

/// (q/2)² + (p/3)³ and a bound on its rounding error: covers the rounding
/// of the monic coefficients and the cancellation inside p and q, with a
/// factor 4 to spare. Positive beyond the bound: one real root; negative
/// beyond it: three.
#[inline(always)]
fn depressed_discriminant(bb: f64, cc: f64, dd: f64, b3: f64, p: f64, q: f64) -> (f64, f64) {
    let h = 0.5 * q;
    let p3 = p * (1.0 / 3.0);
    let dc = fma(h, h, p3 * p3 * p3);
    let tp = cc.abs() + (bb * b3).abs();
    let tq = dd.abs() + b3.abs() * (cc.abs() + 6.0 * b3 * b3);
    let err = (16.0 * f64::EPSILON) * (h.abs() * tq + p3 * p3 * tp + h * h + (p3 * p3 * p3).abs());
    (dc, err)
}

/// The single real root, unpolished, of t³ + B t² + C t + D given its
/// depressed form (one real root assumed).
#[inline(always)]
fn one_root_guess(p: f64, q: f64, b3: f64, dd: f64) -> f64 {
    let (y, ua) = cardano_one_parts(p, q);
    let t = y - b3;
    if t.abs() < 9.5e-7 * b3.abs() && ua != 0.0 {
        small_real_root(t, ua, p, b3, dd)
    } else {
        t
    }
}

/// Per-chunk stack buffers of the batch kernels. Each cubic of a chunk is
/// classified once (the same arithmetic as the scalar path) and listed as
/// clearly one real root, clearly three, or "other" (non-moderate, a = 0,
/// d = 0, or a discriminant within its rounding bound); the one- and
/// three-root lists are then solved in tight loops without the
/// data-dependent class branch, which a loop of single calls mispredicts
/// for mixed inputs. Every list calls the very functions the scalar path
/// calls, so results are bit-identical to one call per cubic.
pub(crate) struct Chunk<const N: usize> {
    dep: [[f64; 10]; N],
    one: [u8; N],
    three: [u8; N],
    /// Chunk positions left to the scalar solver.
    pub other: [u8; N],
    n1: usize,
    n3: usize,
    /// Length of `other`.
    pub no: usize,
}

impl<const N: usize> Chunk<N> {
    pub(crate) fn new() -> Self {
        Chunk {
            dep: [[0.0; 10]; N],
            one: [0; N],
            three: [0; N],
            other: [0; N],
            n1: 0,
            n3: 0,
            no: 0,
        }
    }

    /// Classify the cubic at chunk position `j`, branch-free.
    #[inline(always)]
    pub(crate) fn classify(&mut self, j: usize, c: [f64; 4]) {
        let ok = c[0] != 0.0
            && c[3] != 0.0
            && moderate(c[0])
            && moderate(c[1])
            && moderate(c[2])
            && moderate(c[3]);
        // Harmless stand-ins keep rejected lanes free of NaN/∞/subnormals.
        let c = if ok { c } else { [1.0, 0.0, 1.0, 1.0] };
        let s = Scaled {
            a: c[0],
            b: c[1],
            c: c[2],
            d: c[3],
        };
        let (bb, cc, dd, b3, p, q) = depressed(&s);
        let (dc, err) = depressed_discriminant(bb, cc, dd, b3, p, q);
        let is_one = ok && dc > err;
        let is_three = ok && dc < -err;
        self.dep[j] = [c[0], c[1], c[2], c[3], bb, cc, dd, b3, p, q];
        self.one[self.n1] = j as u8;
        self.three[self.n3] = j as u8;
        self.other[self.no] = j as u8;
        self.n1 += usize::from(is_one);
        self.n3 += usize::from(is_three);
        self.no += usize::from(!(is_one || is_three));
    }

    /// Solve the one- and three-root lists; `emit(j, roots)` receives the
    /// sorted real roots of chunk position j.
    #[inline(always)]
    pub(crate) fn solve(&mut self, mut emit: impl FnMut(usize, Raw)) {
        for &j in &self.one[..self.n1] {
            let j = usize::from(j);
            let [a, b, c, d, _, _, dd, b3, p, q] = self.dep[j];
            let s = Scaled { a, b, c, d };
            emit(j, Raw::one(s.polish(one_root_guess(p, q, b3, dd))));
        }
        for &j in &self.three[..self.n3] {
            let j = usize::from(j);
            let [a, b, c, d, bb, cc, dd, b3, p, q] = self.dep[j];
            let s = Scaled { a, b, c, d };
            emit(j, three_real(&s, p, q, b3, bb, cc, dd).real);
        }
    }

    /// Start a new chunk.
    #[inline(always)]
    pub(crate) fn clear(&mut self) {
        self.n1 = 0;
        self.n3 = 0;
        self.no = 0;
    }
}

/// Roots of a cubic whose coefficients are either power-of-two scaled (all
/// roots |t| ≲ 4, a in [1, 2)) or all moderate (see [`moderate`]).
#[inline(always)]
fn scaled_roots(s: &Scaled, want_pair: bool) -> Full {
    let (bb, cc, dd, b3, p, q) = depressed(s);
    // Root count: the depressed discriminant (q/2)² + (p/3)³ decides when it
    // is far outside its rounding-error bound (err below, which covers the
    // rounding of the monic coefficients and the cancellation inside p and
    // q, with a factor 4 to spare); otherwise the original-coefficient
    // discriminant with its documented band decides.
    let (dc, err) = depressed_discriminant(bb, cc, dd, b3, p, q);
    let (one, three) = if dc > err {
        (true, false)
    } else if dc < -err {
        (false, true)
    } else {
        let (disc, bound) = discriminant(s);
        (disc < -bound, disc > bound)
    };
    if one {
        // One real root.
        let t = s.polish(one_root_guess(p, q, b3, dd));
        let mut real = Raw::one(t);
        let pair = if want_pair {
            Some(pair_from_real(s, t))
        } else {
            None
        };
        real.n = 1;
        Full { real, pair }
    } else if three {
        three_real(s, p, q, b3, bb, cc, dd)
    } else {
        multiple_root(s, bb, dd)
    }
}

/// The real root t (computed as y − b3, which cancelled) recovered from the
/// product of the roots: t·|z|² = −D with the complex pair z = Re ± i·Im,
/// Re = (−3·b3 − t)/2 (sum of roots) and Im = (√3/2)·(A − B) from Cardano's
/// A and B = −p/(3A). |z|² is a sum of squares, so nothing cancels.
#[cold]
#[inline(never)]
fn small_real_root(t: f64, ua: f64, p: f64, b3: f64, dd: f64) -> f64 {
    let v = -(p * (1.0 / 3.0)) / ua;
    let im = 0.866_025_403_784_438_6 * (ua - v);
    let re = 0.5 * (-3.0 * b3 - t);
    let m2 = fma(re, re, im * im);
    if m2 > 0.0 {
        -dd / m2
    } else {
        t
    }
}

/// cos(acos(1 − 2σ)/3) for σ in [0, 1/2], to 4.6e-11 relative: a
/// Chebyshev fit in σ (the function is analytic there; in c = 1 − 2σ it has
/// a square-root singularity at c = 1), evaluated by Estrin's scheme for a
/// short dependency chain.
#[inline(always)]
fn cos_acos_third(sg: f64) -> f64 {
    const C: [f64; 11] = [
        0.999_999_999_978_370_2,
        -0.222_222_211_772_968_55,
        -0.065_844_449_458_390_16,
        -0.034_115_755_328_947_55,
        -0.022_072_055_992_529_652,
        -0.011_762_589_885_779_74,
        -0.031_045_895_539_423_708,
        0.058_109_117_251_878_56,
        -0.150_335_048_469_569_93,
        0.168_288_038_501_280_2,
        -0.103_578_323_451_808_38,
    ];
    estrin10(&C, sg)
}

/// The degree-10 polynomial with coefficients `c` (constant first) at `x`, by
/// Estrin's scheme: shorter dependency chains than Horner, same operation count.
#[inline(always)]
fn estrin10(c: &[f64; 11], x: f64) -> f64 {
    let x2 = x * x;
    let x4 = x2 * x2;
    let x8 = x4 * x4;
    let p01 = fma(c[1], x, c[0]);
    let p23 = fma(c[3], x, c[2]);
    let p45 = fma(c[5], x, c[4]);
    let p67 = fma(c[7], x, c[6]);
    let p89 = fma(c[9], x, c[8]);
    let q03 = fma(p23, x2, p01);
    let q47 = fma(p67, x2, p45);
    let q810 = fma(c[10], x2, p89);
    fma(q810, x8, fma(q47, x4, q03))
}

const SQRT3: f64 = 1.732_050_807_568_877_2;

/// sin(acos(1 − 2σ)/3) for σ in [0, 1/2], to 3.1e-11 relative: √σ times a
/// Chebyshev fit of the analytic quotient, by Estrin's scheme.
#[inline(always)]
fn sin_acos_third(sg: f64) -> f64 {
    const C: [f64; 11] = [
        0.666_666_666_678_528_9,
        0.061_728_389_331_178_17,
        0.026_406_489_772_136_586,
        0.015_424_530_991_967_457,
        0.010_628_085_697_427_011,
        0.005_680_992_866_024_328,
        0.016_581_175_870_344_963,
        -0.032_103_868_168_266_2,
        0.082_189_114_267_830_35,
        -0.092_223_834_628_369_08,
        0.056_574_634_949_466_435,
    ];
    sg.sqrt() * estrin10(&C, sg)
}

/// Three distinct real roots of t³ + B t² + C t + D = (y − b3 shift) with
/// depressed y³ + p·y + q, p < 0.
#[inline(always)]
fn three_real(s: &Scaled, p: f64, q: f64, b3: f64, bb: f64, cc: f64, dd: f64) -> Full {
    let m2 = (-p * (1.0 / 3.0)).max(0.0);
    let m = m2.sqrt();
    let qa = q.abs();
    // Largest root Y of y³ + p·y − |q| (the sign of q is restored below):
    // Y = 2m·cos(acos(c)/3) with c = (|q|/2)/m³, clamped because rounding
    // can push it past 1. cos(acos(c)/3) is analytic in σ = (1 − c)/2 on
    // [0, 1/2]; a degree-10 fit (4.6e-11 relative) replaces two slow libm
    // calls (acos, cos), and the Newton polish below finishes the job.
    if m == 0.0 {
        return multiple_root(s, bb, dd);
    }
    // (|q|/2)/m³ = (|q|/2)/m2² · m: the division need not wait for sqrt.
    let ct = (((0.5 * qa) / (m2 * m2)) * m).min(1.0);
    let sg = 0.5 - 0.5 * ct;
    // With g = cos(θ/3) and sn = sin(θ/3) the roots are 2m·g and
    // −m·(g ± √3·sn). sn comes from its own fit, not from sqrt(1 − g²), so
    // the gap between the two smaller roots, 2√3·m·sn, is relatively
    // accurate even next to a double root.
    let g = cos_acos_third(sg);
    let sn = sin_acos_third(sg);
    let big_y = 2.0 * m * g;
    let z1 = -m * fma(SQRT3, sn, g);
    let mut z2 = -m * fma(-SQRT3, sn, g);
    if z2.abs() < 9.5e-7 * big_y {
        // The sum cancelled: take the small root from the product instead.
        z2 = qa / (big_y * z1);
    }
    let sgn = if q > 0.0 { -1.0 } else { 1.0 };
    let mut t = [sgn * big_y - b3, sgn * z1 - b3, sgn * z2 - b3];
    if sg < SPLIT_BELOW && pair_unresolved(bb, cc, dd, b3, p, q) {
        // A close pair: its gap ∝ √σ, and σ carries the rounding of the
        // shifted coefficients p and q, which can hide a gap that the
        // original coefficients resolve (e.g. a pair near 0 next to a root
        // near −3.5, where the shift b3 ≈ 1.17 swamps it). Split the pair
        // about the critical point between its roots instead.
        if let Some(full) = with_split_pair(s, t[0], 0.5 * (t[1] + t[2])) {
            return full;
        }
    }
    if b3 != 0.0 {
        // The shift can cancel. The smallest |t| is then recovered from the
        // product of the roots; if even the middle one cancelled (two roots
        // tiny next to the third), deflate by the largest instead.
        let abs = [t[0].abs(), t[1].abs(), t[2].abs()];
        let scale = 9.5e-7 * (b3.abs() + m);
        if abs[0].min(abs[1]).min(abs[2]) < scale {
            fix_cancelled(&mut t, abs, scale, bb, cc, dd);
        }
    }
    let r = [s.polish(t[0]), s.polish(t[1]), s.polish(t[2])];
    Full {
        real: Raw { r, n: 3 }.sorted(),
        pair: None,
    }
}

/// σ below which [`three_real`] checks whether its close pair is resolved
/// ([`pair_unresolved`]): the trig pair's gap is then under ~2^-9 of m.
/// (Cheap first filter: two roots tiny next to the third also make σ tiny.)
const SPLIT_BELOW: f64 = 1.0 / (1u64 << 20) as f64;

/// Whether the depressed discriminant (q/2)² + (p/3)³, whose size sets the
/// trig pair's gap, is within 2^10 of its rounding-error bound: the gap is
/// then off by more than ~2^-11 relative, or lost, and [`with_split_pair`]
/// takes over. (Splitting every pair with σ < 2^-20 cost random cubics
/// 10 %: roots tiny next to the third are common and resolved fine.)
#[inline(always)]
fn pair_unresolved(bb: f64, cc: f64, dd: f64, b3: f64, p: f64, q: f64) -> bool {
    let (dc, err) = depressed_discriminant(bb, cc, dd, b3, p, q);
    -dc < 1024.0 * err
}

/// The roots `isolated` and a close pair near `near`, polished; the pair
/// split about the critical point `x_c` (root of p') nearest `near`:
/// `x_c ± sqrt(−2·p(x_c)/p''(x_c))`, second-order accurate in the gap, from
/// the original coefficients only. `None` when p(x_c) is within its rounding
/// error of zero (the data cannot split the pair) or the critical points are
/// not two distinct reals. Out of line: inlined into [`three_real`], its
/// three polishes slowed the common path by about 10 %.
#[cold]
#[inline(never)]
fn with_split_pair(s: &Scaled, isolated: f64, near: f64) -> Option<Full> {
    let crit = quadratic(3.0 * s.a, 2.0 * s.b, s.c);
    if crit.n < 2 || crit.r[0] == crit.r[1] {
        return None;
    }
    let xd = if (crit.r[0] - near).abs() <= (crit.r[1] - near).abs() {
        crit.r[0]
    } else {
        crit.r[1]
    };
    let fd = s.eval(xd);
    let pdd = 2.0 * fma(3.0 * s.a, xd, s.b);
    let h = split_radicand(s, xd, fd, pdd)
        .filter(|h2| h2.is_finite())?
        .sqrt();
    let r = [s.polish(isolated), s.polish(xd - h), s.polish(xd + h)];
    Some(Full {
        real: Raw { r, n: 3 }.sorted(),
        pair: None,
    })
}

/// `−2·p(x_d)/p''(x_d)` (`fd`, `pdd`) at a critical point `x_d`, the square
/// of a close pair's half gap, when it is positive and |p(x_d)| exceeds its
/// rounding error; `None` otherwise: an exact double root as far as the data
/// can tell, which must not be split by noise.
#[inline(always)]
fn split_radicand(s: &Scaled, xd: f64, fd: f64, pdd: f64) -> Option<f64> {
    let ax = xd.abs();
    let fd_err =
        4.0 * f64::EPSILON * (((s.a.abs() * ax + s.b.abs()) * ax + s.c.abs()) * ax + s.d.abs());
    let h2 = -2.0 * fd / pdd;
    (fd.abs() > fd_err && h2 > 0.0).then_some(h2)
}

#[inline(never)]
fn fix_cancelled(t: &mut [f64; 3], abs: [f64; 3], scale: f64, bb: f64, cc: f64, dd: f64) {
    let (lo, hi) = if abs[0] <= abs[1] { (0, 1) } else { (1, 0) };
    let (lo, mid, top) = if abs[2] < abs[lo] {
        (2, lo, hi)
    } else if abs[2] < abs[hi] {
        (lo, 2, hi)
    } else {
        (lo, hi, 2)
    };
    if abs[mid] < scale {
        let (t1, t2) = deflate(t[top], bb, cc, dd);
        *t = [t[top], t1, t2];
    } else {
        t[lo] = -dd / (t[mid] * t[top]);
    }
}

/// The two remaining roots after removing the real root `t` of the monic
/// cubic t³ + B t² + C t + D; picks forward or backward deflation, whichever
/// has less cancellation. Returns (larger, smaller) magnitude.
#[inline(always)]
fn deflate_coeffs(t: f64, bb: f64, cc: f64, dd: f64) -> (f64, f64) {
    if t == 0.0 {
        // D = 0 was handled earlier; only reachable through rounding.
        return (bb, cc);
    }
    // Remaining quadratic z² + e·z + f.
    let inv_t = 1.0 / t;
    let f = -dd * inv_t;
    // Backward deflation is exact-er when t dominates, forward otherwise.
    let e = if (t * t) >= f.abs() {
        (f - cc) * inv_t
    } else {
        bb + t
    };
    (e, f)
}

#[inline(always)]
fn deflate(t: f64, bb: f64, cc: f64, dd: f64) -> (f64, f64) {
    let (e, f) = deflate_coeffs(t, bb, cc, dd);
    let disc = fma(e, e, -4.0 * f).max(0.0);
    let sq = disc.sqrt();
    let z1 = -0.5 * (e + if e >= 0.0 { sq } else { -sq });
    let z2 = if z1 == 0.0 { 0.0 } else { f / z1 };
    (z1, z2)
}

/// Complex pair (re, im) left after removing the single real root t.
fn pair_from_real(s: &Scaled, t: f64) -> (f64, f64) {
    let inv_a = 1.0 / s.a;
    let (e, f) = deflate_coeffs(t, s.b * inv_a, s.c * inv_a, s.d * inv_a);
    let re = -0.5 * e;
    let im2 = fma(-re, re, f).max(0.0);
    (re, im2.sqrt())
}

/// Discriminant zero within rounding: a double (or triple) root.
#[cold]
fn multiple_root(s: &Scaled, bb: f64, dd: f64) -> Full {
    // Critical points: roots of p'(t) = 3a t² + 2b t + c.
    let crit = quadratic(3.0 * s.a, 2.0 * s.b, s.c);
    let xd = match crit.n {
        0 => -bb * (1.0 / 3.0),
        1 => crit.r[0],
        _ => {
            let (f0, f1) = (s.eval(crit.r[0]), s.eval(crit.r[1]));
            if f0.abs() <= f1.abs() {
                crit.r[0]
            } else {
                crit.r[1]
            }
        }
    };
    let fd = s.eval(xd);
    let pdd = 2.0 * fma(3.0 * s.a, xd, s.b);
    let mut real = Raw::NONE;
    if pdd == 0.0 || crit.n < 2 || crit.r[0] == crit.r[1] {
        // Triple root (or a near-triple cluster).
        if fd == 0.0 {
            real = Raw { r: [xd; 3], n: 3 };
        } else {
            let t = s.polish(xd + (-fd / s.a).cbrt());
            real.push(t);
            // Report the cluster's multiplicity, as documented.
            real.push(t);
            real.push(t);
        }
        return Full {
            real: real.sorted(),
            pair: None,
        };
    }
    if let Some(h2) = split_radicand(s, xd, fd, pdd) {
        let h = h2.sqrt();
        real.push(s.polish(xd - h));
        real.push(s.polish(xd + h));
    } else {
        real.push(xd);
        real.push(xd);
    }
    // Third root from the product of roots (relative-accurate even if small).
    let third = if xd != 0.0 {
        -dd / (xd * xd)
    } else {
        -bb - 2.0 * xd
    };
    real.push(s.polish(third));
    Full {
        real: real.sorted(),
        pair: None,
    }
}

/// Cube root of a positive finite x to about 1e-11 relative: enough, since
/// every root it feeds is Newton-polished on the cubic itself. (The library
/// cbrt is correctly rounded and several times slower.)
#[inline(always)]
fn cbrt(x: f64) -> f64 {
    if !(1e-290..=1e290).contains(&x) {
        return x.cbrt();
    }
    // Dividing the bit pattern by 3 divides the exponent by 3 (log2 is
    // piecewise linear in the bits); 682 = 2/3 of the bias restores it.
    // Within 8% of the root.
    let mut t = f64::from_bits(x.to_bits() / 3 + (682u64 << 52));
    // Halley: t ← t·(t³ + 2x)/(2t³ + x), cubic convergence: 8% → 2e-4 → 1e-11.
    for _ in 0..2 {
        let t3 = t * t * t;
        t *= (t3 + 2.0 * x) / (2.0 * t3 + x);
    }
    t
}
