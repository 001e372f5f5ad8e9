//! Stratified design-based estimation from per-stratum sums.
//!
//! The design is stratified simple random sampling without replacement: stratum h has N_h
//! members in the population frame and n_h complete responses, each weighted w_h = N_h / n_h.
//! An estimate is a mean over a *domain* (those who gave a substantive answer, perhaps within
//! one stratum), so the variance is the linearisation variance of a domain ratio, as the R
//! survey package computes it for a subset of `svydesign(id=~1, strata=~stratum, fpc=~N_h)`:
//!
//!   z_i = w_h (y_i - ȳ_D) 1[i ∈ D] / N̂_D                    (N̂_D = Σ_h w_h m_h)
//!   V   = Σ_h (1 - n_h/N_h) n_h/(n_h - 1) Σ_{i∈h} (z_i - z̄_h)(z_i - z̄_h)ᵀ
//!
//! where the inner sum runs over all n_h responses of the stratum (those outside the domain
//! have z = 0). Everything here needs only, per stratum: N_h, n_h, the domain count m_h, and
//! the domain sums Σy and cross-products Σyyᵀ. Formulas and sources: docs/analysis-methods.md.

/// One stratum's sums over the domain, for a vector of variables.
#[derive(Debug, Clone, PartialEq)]
pub struct StratumSums {
    /// N_h: the stratum's population in the frame.
    pub population: f64,
    /// n_h: complete responses in the stratum (in the domain or not).
    pub sampled: f64,
    /// m_h: responses in the domain.
    pub domain: f64,
    /// Σ y over the domain, per variable.
    pub sum: Vec<f64>,
    /// Σ y yᵀ over the domain (variables × variables).
    pub cross: Vec<Vec<f64>>,
}

impl StratumSums {
    /// Sums for one variable.
    pub fn single(population: f64, sampled: f64, domain: f64, sum: f64, sum_sq: f64) -> Self {
        StratumSums {
            population,
            sampled,
            domain,
            sum: vec![sum],
            cross: vec![vec![sum_sq]],
        }
    }

    fn weight(&self) -> f64 {
        if self.sampled > 0.0 {
            self.population / self.sampled
        } else {
            0.0
        }
    }
}

/// Domain means with their covariance, and what the design effect and effective n need.
#[derive(Debug, Clone, PartialEq)]
pub struct DomainEstimate {
    pub mean: Vec<f64>,
    /// Linearisation covariance of the means, with finite population correction.
    pub cov: Vec<Vec<f64>>,
    /// Unweighted domain size, Σ m_h.
    pub n: f64,
    /// Estimated domain population, N̂_D = Σ w_h m_h.
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
}

impl DomainEstimate {
    pub fn se(&self, variable: usize) -> f64 {
        self.cov[variable][variable].max(0.0).sqrt()
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
    /// without replacement of the same size (survey's `deff = TRUE`).
    pub fn deff(&self, variable: usize) -> Option<f64> {
        let (n, big_n) = (self.n, self.weighted_n);
        let srs = self.population_var[variable] * (big_n - n) / (big_n * n);
        (srs > 0.0 && n > 1.0).then(|| self.cov[variable][variable] / srs)
    }
}

/// Estimate the domain means of the variables from each stratum's sums. None if the domain
/// is empty.
pub fn domain_estimate(strata: &[StratumSums]) -> Option<DomainEstimate> {
    let k = strata.iter().map(|s| s.sum.len()).max()?;
    let weighted_n: f64 = strata.iter().map(|s| s.weight() * s.domain).sum();
    let n: f64 = strata.iter().map(|s| s.domain).sum();
    if weighted_n <= 0.0 || n <= 0.0 {
        return None;
    }
    let mean: Vec<f64> = (0..k)
        .map(|c| strata.iter().map(|s| s.weight() * s.sum[c]).sum::<f64>() / weighted_n)
        .collect();
    let mut cov = vec![vec![0.0; k]; k];
    let mut census = true;
    for s in strata.iter().filter(|s| s.domain > 0.0) {
        let f = s.sampled / s.population;
        if f < 1.0 {
            census = false;
        }
        if s.sampled < 2.0 {
            // A lone response in its stratum: no within-stratum variance can be estimated;
            // it contributes none (survey's lonely.psu = "certainty"), documented.
            continue;
        }
        let scale = (1.0 - f).max(0.0) * s.sampled / (s.sampled - 1.0);
        let a = s.weight() / weighted_n;
        // Σ_i z_ic over the stratum, and Σ_i z_ic z_id.
        let total: Vec<f64> = (0..k)
            .map(|c| a * (s.sum[c] - s.domain * mean[c]))
            .collect();
        for c in 0..k {
            for d in 0..k {
                let products = a
                    * a
                    * (s.cross[c][d] - mean[d] * s.sum[c] - mean[c] * s.sum[d]
                        + s.domain * mean[c] * mean[d]);
                cov[c][d] += scale * (products - total[c] * total[d] / s.sampled);
            }
        }
    }
    let population_var = (0..k)
        .map(|c| {
            let squares: f64 = strata
                .iter()
                .map(|s| {
                    s.weight()
                        * (s.cross[c][c] - 2.0 * mean[c] * s.sum[c] + s.domain * mean[c] * mean[c])
                })
                .sum();
            if n > 1.0 {
                n / (n - 1.0) * squares / weighted_n
            } else {
                0.0
            }
        })
        .collect();
    let weight_sq = strata
        .iter()
        .map(|s| s.weight() * s.weight() * s.domain)
        .sum();
    let strata_present = strata.iter().filter(|s| s.domain > 0.0).count() as f64;
    Some(DomainEstimate {
        mean,
        cov,
        n,
        weighted_n,
        weight_sq,
        df: n - strata_present,
        census,
        population_var,
    })
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
/// Rules at the edges (documented): a census domain has no sampling error, so the interval is
/// the point; where p is 0 or 1 (the logit is undefined) the Wilson interval is used with the
/// domain's Kish effective sample size.
pub fn proportion_interval(
    p: f64,
    se: f64,
    df: f64,
    effective_n: f64,
    census: bool,
    method: IntervalMethod,
    level: f64,
) -> Interval {
    if census {
        return Interval { low: p, high: p };
    }
    let q = t_quantile(level, df);
    let edge = p <= 0.0 || p >= 1.0 || se <= 0.0;
    match (method, edge) {
        (IntervalMethod::Logit, false) => {
            let logit = (p / (1.0 - p)).ln();
            let half = q * se / (p * (1.0 - p));
            let expit = |x: f64| 1.0 / (1.0 + (-x).exp());
            Interval {
                low: expit(logit - half),
                high: expit(logit + half),
            }
        }
        (IntervalMethod::Wilson, false) => wilson(p, p * (1.0 - p) / (se * se), q),
        (_, true) => wilson(p, effective_n, q),
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
        let a = StratumSums::single(10.0, 3.0, 3.0, 6.0, 14.0);
        let b = StratumSums::single(20.0, 2.0, 2.0, 10.0, 52.0);
        let est = domain_estimate(&[a, b]).unwrap();
        let expected_mean = (10.0 * 2.0 + 20.0 * 5.0) / 30.0;
        assert!((est.mean[0] - expected_mean).abs() < 1e-12);
        let var_a = (1.0 / 9.0) * (1.0 - 0.3) * 1.0 / 3.0; // s² = 1
        let var_b = (4.0 / 9.0) * (1.0 - 0.1) * 2.0 / 2.0; // s² = 2
        assert!((est.cov[0][0] - (var_a + var_b)).abs() < 1e-12);
        assert_eq!(est.df, 3.0);
    }

    #[test]
    fn a_census_stratum_has_no_sampling_error() {
        let all = StratumSums::single(4.0, 4.0, 4.0, 3.0, 3.0);
        let est = domain_estimate(&[all]).unwrap();
        assert_eq!(est.cov[0][0], 0.0);
        assert!(est.census);
        let ci = proportion_interval(0.75, 0.0, 3.0, 4.0, true, IntervalMethod::Logit, 0.95);
        assert_eq!((ci.low, ci.high), (0.75, 0.75));
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
}
