//! Stratified design-based estimation from per-cell sums.
//!
//! The design is stratified simple random sampling without replacement: stratum h has N_h
//! members in the population frame and n_h complete responses. Responses fall into *cells*:
//! a cell is a stratum, or, when the plan rakes to extra margins, a stratum crossed with the
//! answers to the raking questions. Every response in a cell carries the same weight w_c
//! (N_h / n_h by default; raked weights otherwise). An estimate is a mean over a *domain*
//! (those who gave a substantive answer, perhaps within one stratum), so the variance is the
//! linearisation variance of a domain ratio, as the R survey package computes it:
//!
//!   z_i = w_c (y_i - ȳ_D) 1[i ∈ D] / N̂_D                    (N̂_D = Σ_c w_c m_c)
//!   V   = Σ_h (1 - n_h/N_h) n_h/(n_h - 1) Σ_{i∈h} (z_i - z̄_h)(z_i - z̄_h)ᵀ
//!
//! where the inner sum runs over all n_h responses of the stratum (those outside the domain
//! have z = 0). A raked design first takes the z_i through survey's raking residuals
//! (`svyrecvar`: ten sweeps of z ← z - w⁽ᵐ⁾ · ave(z / w⁽ᵐ⁾, margin m) over the margins, w⁽ᵐ⁾
//! the weights right after margin m's step of the last raking round). Within a cell every
//! term of that is a constant shift, so everything here needs only, per cell: its weight, its
//! count, the domain count m_c, and the domain sums Σy and cross-products Σyyᵀ.
//! Formulas and sources: docs/analysis-methods.md.

use std::collections::BTreeMap;

/// A stratum of the design.
#[derive(Debug, Clone, PartialEq)]
pub struct DesignStratum {
    /// N_h: the stratum's population in the frame.
    pub population: f64,
    /// n_h: complete responses in the stratum.
    pub sampled: f64,
}

/// A cell: responses of one stratum (and one answer to each raking question) that share a
/// weight.
#[derive(Debug, Clone, PartialEq)]
pub struct DesignCell {
    /// Index into [`Design::strata`].
    pub stratum: usize,
    /// Complete responses in the cell.
    pub sampled: f64,
    pub weight: f64,
}

/// One post-stratification step of the last raking round, as survey's `rake()` keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct RakingStep {
    /// Each cell's category of this margin (0..categories).
    pub category: Vec<usize>,
    pub categories: usize,
    /// Each cell's weight right after this step.
    pub weights: Vec<f64>,
}

/// Strata, cells and (when raked) the raking steps.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Design {
    pub strata: Vec<DesignStratum>,
    pub cells: Vec<DesignCell>,
    pub raking: Vec<RakingStep>,
}

/// survey's `svyrecvar` sweeps the raking residuals ten times.
const RAKING_SWEEPS: usize = 10;

impl Design {
    /// The plain stratified design: one cell per stratum, weight N_h / n_h.
    pub fn stratified(strata: Vec<DesignStratum>) -> Design {
        let cells = strata
            .iter()
            .enumerate()
            .map(|(h, s)| DesignCell {
                stratum: h,
                sampled: s.sampled,
                weight: if s.sampled > 0.0 {
                    s.population / s.sampled
                } else {
                    0.0
                },
            })
            .collect();
        Design {
            strata,
            cells,
            raking: Vec::new(),
        }
    }
}

/// One cell's sums over the domain, for a vector of variables.
#[derive(Debug, Clone, PartialEq)]
pub struct CellSums {
    /// m_c: responses of the cell in the domain.
    pub domain: f64,
    /// Σ y over the domain, per variable.
    pub sum: Vec<f64>,
    /// Σ y yᵀ over the domain (variables × variables).
    pub cross: Vec<Vec<f64>>,
}

impl CellSums {
    /// Sums for one variable.
    pub fn single(domain: f64, sum: f64, sum_sq: f64) -> Self {
        CellSums {
            domain,
            sum: vec![sum],
            cross: vec![vec![sum_sq]],
        }
    }

    /// A cell with nobody in the domain.
    pub fn empty(variables: usize) -> Self {
        CellSums {
            domain: 0.0,
            sum: vec![0.0; variables],
            cross: vec![vec![0.0; variables]; variables],
        }
    }
}

/// Domain means with their covariance, and what the design effect and effective n need.
#[derive(Debug, Clone, PartialEq)]
pub struct DomainEstimate {
    pub mean: Vec<f64>,
    /// Linearisation covariance of the means, with finite population correction.
    pub cov: Vec<Vec<f64>>,
    /// Unweighted domain size, Σ m_c.
    pub n: f64,
    /// Estimated domain population, N̂_D = Σ w_c m_c.
    pub weighted_n: f64,
    /// Σ w² over the domain, for Kish's effective sample size.
    pub weight_sq: f64,
    /// Degrees of freedom as survey's `degf()` of the domain: m - (strata with m_h > 0).
    pub df: f64,
    /// Every stratum with domain members was a census (n_h = N_h): no sampling error.
    pub census: bool,
    /// Weighted population variance of each variable over the domain, as `svyvar` gives it
    /// (for the design effect).
    pub population_var: Vec<f64>,
    /// Per variable: the estimate is a share of totals the weights are calibrated to, so the
    /// design knows it without sampling error ([`calibrated_share`]).
    pub fixed: Vec<bool>,
}

impl DomainEstimate {
    /// The standard error: exactly zero where the design fixes the estimate, whatever
    /// rounding left in the computed variance.
    pub fn se(&self, variable: usize) -> f64 {
        if self.fixed[variable] {
            return 0.0;
        }
        self.cov[variable][variable].max(0.0).sqrt()
    }

    /// No sampling error at all: every stratum of the domain is a census, or the estimate is
    /// fixed by the weighting.
    pub fn exact(&self, variable: usize) -> bool {
        self.census || self.fixed[variable]
    }

    /// Kish's effective sample size from weighting, (Σw)² / Σw².
    pub fn effective_n(&self) -> f64 {
        if self.weight_sq > 0.0 {
            self.weighted_n * self.weighted_n / self.weight_sq
        } else {
            0.0
        }
    }

    /// The design effect: the design variance over the variance of simple random sampling
    /// without replacement of the same size (survey's `deff = TRUE`). Never negative: an
    /// estimate the design fixes (a census, a calibrated margin) has a design variance of
    /// exactly 0, so its deff is 0, where R prints rounding noise of either sign.
    pub fn deff(&self, variable: usize) -> Option<f64> {
        let (n, big_n) = (self.n, self.weighted_n);
        let srs = self.population_var[variable] * (big_n - n) / (big_n * n);
        let variance = if self.exact(variable) {
            0.0
        } else {
            self.cov[variable][variable].max(0.0)
        };
        (srs > 0.0 && n > 1.0).then(|| variance / srs)
    }
}

/// Estimate the domain means of the variables from each cell's sums (`cells[c]` belongs to
/// `design.cells[c]`). None if the domain is empty.
pub fn domain_estimate(design: &Design, cells: &[CellSums]) -> Option<DomainEstimate> {
    debug_assert_eq!(design.cells.len(), cells.len());
    let k = cells.iter().map(|s| s.sum.len()).max()?;
    let weight = |c: usize| design.cells[c].weight;
    let weighted_n: f64 = cells
        .iter()
        .enumerate()
        .map(|(c, s)| weight(c) * s.domain)
        .sum();
    let n: f64 = cells.iter().map(|s| s.domain).sum();
    if weighted_n <= 0.0 || n <= 0.0 {
        return None;
    }
    let mean: Vec<f64> = (0..k)
        .map(|v| {
            cells
                .iter()
                .enumerate()
                .map(|(c, s)| weight(c) * s.sum[v])
                .sum::<f64>()
                / weighted_n
        })
        .collect();
    // Per cell: Σ_i z_i and Σ_i z_i z_iᵀ before any raking residuals.
    let totals: Vec<Vec<f64>> = cells
        .iter()
        .enumerate()
        .map(|(c, s)| {
            let a = weight(c) / weighted_n;
            (0..k)
                .map(|v| a * (s.sum[v] - s.domain * mean[v]))
                .collect()
        })
        .collect();
    let products = |c: usize, u: usize, v: usize| {
        let s = &cells[c];
        let a = weight(c) / weighted_n;
        a * a
            * (s.cross[u][v] - mean[v] * s.sum[u] - mean[u] * s.sum[v]
                + s.domain * mean[u] * mean[v])
    };
    let shifts = raking_shifts(design, &totals, k);

    let mut cov = vec![vec![0.0; k]; k];
    let mut census = true;
    for (h, stratum) in design.strata.iter().enumerate() {
        let members: Vec<usize> = (0..cells.len())
            .filter(|&c| design.cells[c].stratum == h)
            .collect();
        let in_domain = members.iter().any(|&c| cells[c].domain > 0.0);
        let f = stratum.sampled / stratum.population;
        if in_domain && f < 1.0 {
            census = false;
        }
        // A lone response in its stratum: no within-stratum variance can be estimated; it
        // contributes none (survey's lonely.psu = "certainty"), documented. Without raking, a
        // stratum outside the domain has z = 0 throughout.
        if stratum.sampled < 2.0 || (!in_domain && design.raking.is_empty()) {
            continue;
        }
        let scale = (1.0 - f).max(0.0) * stratum.sampled / (stratum.sampled - 1.0);
        let shift = |c: usize, v: usize| shifts.as_ref().map_or(0.0, |s| s[c][v]);
        let total: Vec<f64> = (0..k)
            .map(|v| {
                members
                    .iter()
                    .map(|&c| totals[c][v] + design.cells[c].sampled * shift(c, v))
                    .sum()
            })
            .collect();
        for u in 0..k {
            for v in 0..k {
                let squares: f64 = members
                    .iter()
                    .map(|&c| {
                        products(c, u, v)
                            + shift(c, u) * totals[c][v]
                            + shift(c, v) * totals[c][u]
                            + design.cells[c].sampled * shift(c, u) * shift(c, v)
                    })
                    .sum();
                cov[u][v] += scale * (squares - total[u] * total[v] / stratum.sampled);
            }
        }
    }
    let population_var = (0..k)
        .map(|v| {
            let squares: f64 = cells
                .iter()
                .enumerate()
                .map(|(c, s)| {
                    weight(c)
                        * (s.cross[v][v] - 2.0 * mean[v] * s.sum[v] + s.domain * mean[v] * mean[v])
                })
                .sum();
            if n > 1.0 {
                n / (n - 1.0) * squares / weighted_n
            } else {
                0.0
            }
        })
        .collect();
    let weight_sq = cells
        .iter()
        .enumerate()
        .map(|(c, s)| weight(c) * weight(c) * s.domain)
        .sum();
    let strata_present = design
        .strata
        .iter()
        .enumerate()
        .filter(|(h, _)| {
            cells
                .iter()
                .enumerate()
                .any(|(c, s)| design.cells[c].stratum == *h && s.domain > 0.0)
        })
        .count() as f64;
    let fixed = (0..k).map(|v| calibrated_share(design, cells, v)).collect();
    Some(DomainEstimate {
        mean,
        cov,
        n,
        weighted_n,
        weight_sq,
        df: n - strata_present,
        census,
        population_var,
        fixed,
    })
}

/// Whether variable `v` is a proportion the weights fix: a share 0 < p < 1 whose numerator
/// (those who have the attribute) and denominator (the domain) are each whole categories of
/// a margin the weights are calibrated to (the strata, always: N̂_h = N_h; each raking
/// margin). Both totals then equal their population counts, so the estimate is known and its
/// linearisation variance is zero in exact arithmetic; computed, it is rounding noise of
/// either sign. Decided from the counts alone, so the same data always get the same answer.
///
/// A share of 0 or 1 is left out: "nobody (or everybody) in the sample" says nothing certain
/// about the population, and gets the edge rule of [`proportion_interval`] instead.
fn calibrated_share(design: &Design, cells: &[CellSums], v: usize) -> bool {
    let mut attribute = Vec::with_capacity(cells.len());
    let mut domain = Vec::with_capacity(cells.len());
    for (sums, cell) in cells.iter().zip(&design.cells) {
        let (members, having) = (sums.domain, sums.sum[v]);
        // Every response of a cell must be wholly in or out of each set, and y must be 0/1.
        let whole = |count: f64| count == 0.0 || count == cell.sampled;
        if !whole(members) || !(having == 0.0 || having == members) || sums.cross[v][v] != having {
            return false;
        }
        domain.push(members > 0.0);
        attribute.push(having > 0.0);
    }
    let share_strictly_between = attribute.iter().any(|&a| a) && attribute != domain;
    let strata: Vec<usize> = design.cells.iter().map(|c| c.stratum).collect();
    let margins: Vec<&[usize]> = std::iter::once(strata.as_slice())
        .chain(design.raking.iter().map(|step| step.category.as_slice()))
        .collect();
    let calibrated = |set: &[bool]| {
        margins.iter().any(|category| {
            // A union of whole categories: cells of one category are all in or all out.
            let mut membership: BTreeMap<usize, bool> = BTreeMap::new();
            category
                .iter()
                .zip(set)
                .all(|(g, &inside)| *membership.entry(*g).or_insert(inside) == inside)
        })
    };
    share_strictly_between && calibrated(&domain) && calibrated(&attribute)
}

/// The constant each cell's z values move by under survey's raking residuals, per variable;
/// None for a design that is not raked. `totals[c]` is Σ z over cell c.
fn raking_shifts(design: &Design, totals: &[Vec<f64>], k: usize) -> Option<Vec<Vec<f64>>> {
    if design.raking.is_empty() {
        return None;
    }
    let cells = &design.cells;
    let mut shift = vec![vec![0.0; k]; cells.len()];
    for _ in 0..RAKING_SWEEPS {
        for step in &design.raking {
            // ave(z / w, margin): the unweighted mean of z/w over each category's responses.
            let mut sum = vec![vec![0.0; k]; step.categories];
            let mut count = vec![0.0; step.categories];
            for (c, cell) in cells.iter().enumerate() {
                let g = step.category[c];
                count[g] += cell.sampled;
                for v in 0..k {
                    sum[g][v] += (totals[c][v] + cell.sampled * shift[c][v]) / step.weights[c];
                }
            }
            for (c, cell_shift) in shift.iter_mut().enumerate() {
                let g = step.category[c];
                if count[g] > 0.0 {
                    for v in 0..k {
                        cell_shift[v] -= step.weights[c] * sum[g][v] / count[g];
                    }
                }
            }
        }
    }
    Some(shift)
}

/// A 95% (or other) confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

/// Which interval a proportion gets, and why: see docs/analysis-methods.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntervalMethod {
    /// logit(p) ± t(df) · se/(p(1-p)), back-transformed: survey's `svyciprop(method="logit")`.
    Logit,
    /// Wilson's score interval with the effective sample size p(1-p)/se².
    Wilson,
}

fn t_quantile(level: f64, df: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal, StudentsT};
    let p = 1.0 - (1.0 - level) / 2.0;
    if df.is_finite() && df >= 1.0 {
        StudentsT::new(0.0, 1.0, df).map_or(1.959_963_984_540_054, |t| t.inverse_cdf(p))
    } else {
        Normal::new(0.0, 1.0).map_or(1.959_963_984_540_054, |n| n.inverse_cdf(p))
    }
}

/// The interval for a proportion `p` with standard error `se`.
///
/// Rules at the edges (docs/analysis-methods.md), decided from the design and the counts,
/// never from how small the computed SE happens to be:
/// - `exact` (a census domain, or a share the weights fix): no sampling error, the point;
/// - p is 0 or 1 in the data (the logit is undefined): Wilson's interval with the domain's
///   Kish effective sample size;
/// - otherwise the plan's method with the SE as computed (an SE of 0 gives the point).
///
/// Whatever rounding does, the interval lies in [0, 1] and contains p.
pub fn proportion_interval(
    p: f64,
    se: f64,
    df: f64,
    effective_n: f64,
    exact: bool,
    method: IntervalMethod,
    level: f64,
) -> Interval {
    let interval = if exact {
        Interval { low: p, high: p }
    } else {
        let q = t_quantile(level, df);
        if p <= 0.0 || p >= 1.0 {
            wilson(p, effective_n, q)
        } else {
            match method {
                IntervalMethod::Logit => {
                    let logit = (p / (1.0 - p)).ln();
                    let half = q * se / (p * (1.0 - p));
                    let expit = |x: f64| 1.0 / (1.0 + (-x).exp());
                    Interval {
                        low: expit(logit - half),
                        high: expit(logit + half),
                    }
                }
                IntervalMethod::Wilson if se > 0.0 => wilson(p, p * (1.0 - p) / (se * se), q),
                // n* = p(1 - p)/0 is infinite: Wilson's interval shrinks to the point.
                IntervalMethod::Wilson => Interval { low: p, high: p },
            }
        }
    };
    containing(interval, p)
}

/// `interval` widened by the rounding that could leave `p` just outside it (Wilson's lower
/// bound at p = 0 computes as about 1e-17), and kept within [0, 1].
fn containing(interval: Interval, p: f64) -> Interval {
    Interval {
        low: interval.low.min(p).max(0.0),
        high: interval.high.max(p).min(1.0),
    }
}

fn wilson(p: f64, n: f64, z: f64) -> Interval {
    if n <= 0.0 {
        return Interval {
            low: 0.0,
            high: 1.0,
        };
    }
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Interval {
        low: (centre - half).max(0.0),
        high: (centre + half).min(1.0),
    }
}

/// The interval for a mean: ± z · se with the normal quantile, as survey's `confint()` of a
/// `svymean` gives it; a census has no sampling error.
pub fn mean_interval(mean: f64, se: f64, census: bool, level: f64) -> Interval {
    if census {
        return Interval {
            low: mean,
            high: mean,
        };
    }
    let z = t_quantile(level, f64::INFINITY);
    Interval {
        low: mean - z * se,
        high: mean + z * se,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Textbook check: with every response in the domain, the stratified mean's variance is
    /// Σ (N_h/N)² (1 - f_h) s_h² / n_h (Cochran, Sampling Techniques, 3rd ed., eq. 5.6).
    #[test]
    fn full_domain_matches_the_stratified_srs_formula() {
        // Stratum A: y = 1, 2, 3 (N = 10); stratum B: y = 4, 6 (N = 20).
        let design = Design::stratified(vec![
            DesignStratum {
                population: 10.0,
                sampled: 3.0,
            },
            DesignStratum {
                population: 20.0,
                sampled: 2.0,
            },
        ]);
        let a = CellSums::single(3.0, 6.0, 14.0);
        let b = CellSums::single(2.0, 10.0, 52.0);
        let est = domain_estimate(&design, &[a, b]).unwrap();
        let expected_mean = (10.0 * 2.0 + 20.0 * 5.0) / 30.0;
        assert!((est.mean[0] - expected_mean).abs() < 1e-12);
        let var_a = (1.0 / 9.0) * (1.0 - 0.3) * 1.0 / 3.0; // s² = 1
        let var_b = (4.0 / 9.0) * (1.0 - 0.1) * 2.0 / 2.0; // s² = 2
        assert!((est.cov[0][0] - (var_a + var_b)).abs() < 1e-12);
        assert_eq!(est.df, 3.0);
    }

    #[test]
    fn a_census_stratum_has_no_sampling_error() {
        let design = Design::stratified(vec![DesignStratum {
            population: 4.0,
            sampled: 4.0,
        }]);
        let all = CellSums::single(4.0, 3.0, 3.0);
        let est = domain_estimate(&design, &[all]).unwrap();
        assert_eq!(est.cov[0][0], 0.0);
        assert!(est.census);
        let ci = proportion_interval(0.75, 0.0, 3.0, 4.0, true, IntervalMethod::Logit, 0.95);
        assert_eq!((ci.low, ci.high), (0.75, 0.75));
    }

    /// Wilson's score interval is what base R's `prop.test` gives without continuity
    /// correction (z = qnorm(0.975) = 1.959963984540054):
    /// `prop.test(x, n, correct = FALSE)$conf.int` for each (x, n) below, printed with
    /// `sprintf("%.15f")` in R 4.2.
    #[test]
    fn wilson_is_prop_test_without_continuity_correction() {
        let z = 1.959963984540054;
        for (x, n, low, high) in [
            (7.0, 20.0, 0.181191824101082, 0.567145723314764),
            (1.0, 50.0, 0.003539259271646, 0.104954435896378),
            (49.0, 50.0, 0.895045564103622, 0.996460740728354),
            (300.0, 1000.0, 0.272406842477005, 0.329123860917217),
        ] {
            let ci = wilson(x / n, n, z);
            assert!((ci.low - low).abs() < 1e-12, "{x}/{n}: {ci:?}");
            assert!((ci.high - high).abs() < 1e-12, "{x}/{n}: {ci:?}");
        }
        // Through the design-based entry point: the effective n is p(1 - p)/SE², so an SE of
        // √(p(1 - p)/n) with infinite degrees of freedom (the normal quantile, as prop.test
        // uses) gives the same interval.
        let (p, n) = (0.35_f64, 20.0);
        let se = (p * (1.0 - p) / n).sqrt();
        let ci = proportion_interval(p, se, f64::INFINITY, n, false, IntervalMethod::Wilson, 0.95);
        assert!((ci.low - 0.181191824101082).abs() < 1e-9, "{ci:?}");
        assert!((ci.high - 0.567145723314764).abs() < 1e-9, "{ci:?}");
    }

    #[test]
    fn intervals_contain_their_estimate_even_at_the_edges() {
        for p in [0.0, 0.01, 0.5, 0.99, 1.0] {
            for method in [IntervalMethod::Logit, IntervalMethod::Wilson] {
                let ci = proportion_interval(p, 0.05, 20.0, 25.0, false, method, 0.95);
                assert!(ci.low <= p && p <= ci.high, "{p} {method:?} {ci:?}");
                assert!((0.0..=1.0).contains(&ci.low) && (0.0..=1.0).contains(&ci.high));
            }
        }
    }

    /// Wilson's lower bound at p = 0 is (centre - half) of two equal numbers, which rounding
    /// left at 1.4e-17 for n = 3: above the estimate.
    #[test]
    fn wilson_at_zero_starts_at_zero() {
        let ci = proportion_interval(0.0, 0.0, 2.0, 3.0, false, IntervalMethod::Logit, 0.95);
        assert_eq!(ci.low, 0.0);
        assert!(ci.high > 0.3, "{ci:?}");
        let ci = proportion_interval(1.0, 0.0, 2.0, 3.0, false, IntervalMethod::Wilson, 0.95);
        assert_eq!(ci.high, 1.0);
    }

    /// An SE of exactly 0 and one of rounding noise give the same interval: the edge rule
    /// looks at p and the design, not at the SE.
    #[test]
    fn a_zero_se_is_not_mistaken_for_an_edge() {
        for method in [IntervalMethod::Logit, IntervalMethod::Wilson] {
            let zero = proportion_interval(0.3, 0.0, 50.0, 60.0, false, method, 0.95);
            let noise = proportion_interval(0.3, 1e-11, 50.0, 60.0, false, method, 0.95);
            assert!(
                (zero.low - noise.low).abs() < 1e-9,
                "{method:?} {zero:?} {noise:?}"
            );
            assert!(
                (zero.high - noise.high).abs() < 1e-9,
                "{method:?} {zero:?} {noise:?}"
            );
            assert!(zero.high - zero.low < 1e-9, "{method:?} {zero:?}");
        }
    }

    /// A proportion fixed by the weights (here the stratum shares, calibrated to the frame)
    /// has SE 0, deff 0 and the point as its interval, whatever rounding left in V; the same
    /// design's share of an ordinary answer keeps its sampling error.
    #[test]
    fn a_share_of_a_calibrated_margin_is_fixed() {
        let design = Design::stratified(vec![
            DesignStratum {
                population: 1000.0,
                sampled: 30.0,
            },
            DesignStratum {
                population: 3000.0,
                sampled: 70.0,
            },
        ]);
        // y = "in the first stratum", over everyone.
        let stratum_share = [
            CellSums::single(30.0, 30.0, 30.0),
            CellSums::single(70.0, 0.0, 0.0),
        ];
        let est = domain_estimate(&design, &stratum_share).unwrap();
        assert!((est.mean[0] - 0.25).abs() < 1e-15);
        assert!(est.fixed[0] && est.exact(0));
        assert_eq!((est.se(0), est.deff(0)), (0.0, Some(0.0)));
        // An answer given by some of each stratum is sampled.
        let answer = [
            CellSums::single(30.0, 10.0, 10.0),
            CellSums::single(70.0, 20.0, 20.0),
        ];
        let est = domain_estimate(&design, &answer).unwrap();
        assert!(!est.fixed[0] && est.se(0) > 0.01 && est.deff(0).unwrap() > 0.0);
        // Everyone in the domain answered yes: p = 1 in the data, not known for the population.
        let unanimous = [
            CellSums::single(30.0, 30.0, 30.0),
            CellSums::single(0.0, 0.0, 0.0),
        ];
        let est = domain_estimate(&design, &unanimous).unwrap();
        assert!(!est.fixed[0]);
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            /// Every interval lies in [0, 1] and contains its estimate exactly, for any count
            /// x of n (including 0 and n), any SE and either method.
            #[test]
            fn every_interval_contains_its_estimate(
                n in 1u32..20_000,
                share in 0.0f64..=1.0,
                se in prop_oneof![Just(0.0), 1e-15f64..1e-9, 1e-6f64..0.5],
                df in prop_oneof![Just(f64::INFINITY), 1.0f64..1000.0],
                effective in 0.5f64..20_000.0,
                exact in any::<bool>(),
                wilson in any::<bool>(),
                level in prop_oneof![Just(0.95), 0.5f64..0.999],
            ) {
                let x = (share * f64::from(n)).round();
                let p = x / f64::from(n);
                let method = if wilson { IntervalMethod::Wilson } else { IntervalMethod::Logit };
                let ci = proportion_interval(p, se, df, effective, exact, method, level);
                prop_assert!(0.0 <= ci.low && ci.low <= p && p <= ci.high && ci.high <= 1.0,
                    "p = {} of {}: {:?}", x, n, ci);
            }
        }
    }
}
