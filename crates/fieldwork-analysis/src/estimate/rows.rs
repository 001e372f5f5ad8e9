//! From per-stratum sums to the published rows: one per question × option × stratum, with a
//! row for all strata together. docs/analysis-methods.md gives every formula and its source.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::chisq::rao_scott;
use crate::design::{
    domain_estimate, mean_interval, proportion_interval, CellSums, Design, DomainEstimate,
    IntervalMethod,
};

/// The `stratum` of the rows for all strata together.
pub const ALL_STRATA: &str = "all";

/// One published estimate. Suppressed rows keep their place with blank figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EstimateRow {
    pub question_id: String,
    /// An option code, or a summary: `_positive`, `_negative`, `_net`, `_mean`, `_median`,
    /// `_q1`, `_q3`, `_scale_mean`.
    pub option: String,
    pub stratum: String,
    /// Unweighted base: responses in the estimate's denominator.
    pub n: u64,
    pub estimate: Option<f64>,
    pub se: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub deff: Option<f64>,
    pub effective_n: Option<f64>,
    pub suppressed: bool,
    /// Why it is suppressed or flagged; empty otherwise.
    pub reason: String,
    /// Rows of one question with the same base form a table for secondary suppression:
    /// `proportion`, `all_answers` (non-substantive shares) or `numeric`.
    #[serde(skip)]
    pub table: &'static str,
}

/// A test or a reliability coefficient.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestRow {
    pub question_id: String,
    /// `rao_scott_f` (association with stratum) or `cronbach_alpha`.
    pub test: String,
    pub stratum: String,
    pub n: u64,
    pub statistic: Option<f64>,
    pub ndf: Option<f64>,
    pub ddf: Option<f64>,
    pub p_value: Option<f64>,
    pub suppressed: bool,
    pub reason: String,
}

/// What every estimate needs about the strata and cells.
#[derive(Debug, Clone)]
pub struct Strata {
    /// Stratum codes with at least one complete response, in the stratum question's order
    /// (the order of `design.strata`).
    pub codes: Vec<String>,
    /// Cell keys, in the order of `design.cells`.
    pub cells: Vec<String>,
    pub design: Design,
    pub level: f64,
    pub method: IntervalMethod,
}

impl Strata {
    /// Sums for every cell of the design: `sums(cell key)` for cells of `members`, nothing
    /// for the rest (they still matter to a raked design's variance).
    pub fn cell_sums(&self, members: &[String], sums: impl Fn(&str) -> CellSums) -> Vec<CellSums> {
        let all: Vec<CellSums> = self.cells.iter().map(|key| sums(key)).collect();
        let k = all.first().map_or(1, |s| s.sum.len());
        all.into_iter()
            .zip(&self.design.cells)
            .map(|(s, cell)| {
                if members.contains(&self.codes[cell.stratum]) {
                    s
                } else {
                    CellSums::empty(k)
                }
            })
            .collect()
    }

    /// The weight of a cell's responses.
    pub fn weight(&self, cell: &str) -> f64 {
        self.cells
            .iter()
            .position(|c| c == cell)
            .map_or(0.0, |c| self.design.cells[c].weight)
    }

    /// The strata of each row: every stratum together, then each alone.
    fn row_strata(&self) -> Vec<(String, Vec<String>)> {
        let mut rows = vec![(ALL_STRATA.to_owned(), self.codes.clone())];
        rows.extend(self.codes.iter().map(|c| (c.clone(), vec![c.clone()])));
        rows
    }
}

fn row(question: &str, option: &str, stratum: &str, n: f64) -> EstimateRow {
    EstimateRow {
        question_id: question.to_owned(),
        option: option.to_owned(),
        stratum: stratum.to_owned(),
        n: n as u64,
        estimate: None,
        se: None,
        ci_low: None,
        ci_high: None,
        deff: None,
        effective_n: None,
        suppressed: false,
        reason: String::new(),
        table: if option.starts_with('_') && !matches!(option, "_positive" | "_negative" | "_net") {
            "numeric"
        } else {
            "proportion"
        },
    }
}

fn proportion_row(
    question: &str,
    option: &str,
    stratum: &str,
    est: &DomainEstimate,
    variable: usize,
    strata: &Strata,
) -> EstimateRow {
    let p = est.mean[variable];
    let se = est.se(variable);
    let ci = proportion_interval(
        p,
        se,
        est.df,
        est.effective_n(),
        est.exact(variable),
        strata.method,
        strata.level,
    );
    EstimateRow {
        estimate: Some(p),
        se: Some(se),
        ci_low: Some(ci.low),
        ci_high: Some(ci.high),
        deff: est.deff(variable),
        effective_n: Some(est.effective_n()),
        ..row(question, option, stratum, est.n)
    }
}

fn mean_row(
    question: &str,
    option: &str,
    stratum: &str,
    est: &DomainEstimate,
    strata: &Strata,
) -> EstimateRow {
    let mean = est.mean[0];
    let se = est.se(0);
    let ci = mean_interval(mean, se, est.exact(0), strata.level);
    EstimateRow {
        estimate: Some(mean),
        se: Some(se),
        ci_low: Some(ci.low),
        ci_high: Some(ci.high),
        deff: est.deff(0),
        effective_n: Some(est.effective_n()),
        ..row(question, option, stratum, est.n)
    }
}

/// Proportions choosing each of `options`, among those whose answer is in `base` (and who
/// answered at all), for every stratum and all together; counts per stratum and code.
pub fn proportions(
    question: &str,
    options: &[String],
    base: &[String],
    table: &'static str,
    counts: &BTreeMap<String, BTreeMap<String, f64>>,
    strata: &Strata,
) -> Vec<EstimateRow> {
    let count = |stratum: &str, code: &str| {
        counts
            .get(stratum)
            .and_then(|c| c.get(code))
            .copied()
            .unwrap_or(0.0)
    };
    let mut rows = Vec::new();
    for option in options {
        for (label, members) in strata.row_strata() {
            let sums = strata.cell_sums(&members, |cell| {
                let domain: f64 = base.iter().map(|b| count(cell, b)).sum();
                let k = if base.contains(option) {
                    count(cell, option)
                } else {
                    0.0
                };
                CellSums::single(domain, k, k)
            });
            let mut estimate = match domain_estimate(&strata.design, &sums) {
                Some(est) => proportion_row(question, option, &label, &est, 0, strata),
                None => row(question, option, &label, 0.0),
            };
            estimate.table = table;
            rows.push(estimate);
        }
    }
    rows
}

/// Likert summaries among substantive answers: % positive (top two points), % negative
/// (bottom two), net (positive - negative) and the mean score (points numbered 1..k).
pub fn likert_summaries(
    question: &str,
    scale: &[String],
    counts: &BTreeMap<String, BTreeMap<String, f64>>,
    scores: &BTreeMap<String, (f64, f64, f64)>,
    strata: &Strata,
) -> Vec<EstimateRow> {
    let count = |stratum: &str, code: &str| {
        counts
            .get(stratum)
            .and_then(|c| c.get(code))
            .copied()
            .unwrap_or(0.0)
    };
    let k = scale.len();
    let top: Vec<&String> = scale.iter().skip(k.saturating_sub(2)).collect();
    let bottom: Vec<&String> = scale.iter().take(2.min(k)).collect();
    let mut rows = Vec::new();
    for (label, members) in strata.row_strata() {
        let sums = strata.cell_sums(&members, |cell| {
            let domain: f64 = scale.iter().map(|c| count(cell, c)).sum();
            let positive: f64 = top.iter().map(|c| count(cell, c)).sum();
            let negative: f64 = bottom.iter().map(|c| count(cell, c)).sum();
            // Positive and negative never overlap (a scale of 2 or 3 points excepted,
            // where the top two and bottom two share a point: cross-product counted).
            let both: f64 = top
                .iter()
                .filter(|c| bottom.contains(c))
                .map(|c| count(cell, c))
                .sum();
            CellSums {
                domain,
                sum: vec![positive, negative],
                cross: vec![vec![positive, both], vec![both, negative]],
            }
        });
        let Some(est) = domain_estimate(&strata.design, &sums) else {
            for option in ["_positive", "_negative", "_net", "_mean"] {
                rows.push(row(question, option, &label, 0.0));
            }
            continue;
        };
        rows.push(proportion_row(
            question,
            "_positive",
            &label,
            &est,
            0,
            strata,
        ));
        rows.push(proportion_row(
            question,
            "_negative",
            &label,
            &est,
            1,
            strata,
        ));
        let net = est.mean[0] - est.mean[1];
        let var = est.cov[0][0] + est.cov[1][1] - 2.0 * est.cov[0][1];
        let se = var.max(0.0).sqrt();
        let ci = mean_interval(net, se, est.census, strata.level);
        rows.push(EstimateRow {
            estimate: Some(net),
            se: Some(se),
            ci_low: Some(ci.low.max(-1.0)),
            ci_high: Some(ci.high.min(1.0)),
            effective_n: Some(est.effective_n()),
            ..row(question, "_net", &label, est.n)
        });
        rows.extend(
            numeric_mean(question, "_mean", scores, strata)
                .into_iter()
                .filter(|r| r.stratum == label),
        );
    }
    rows
}

/// The mean of a numeric variable, for every stratum and all together; sums per cell are
/// (count, Σx, Σx²).
pub fn numeric_mean(
    question: &str,
    option: &str,
    sums: &BTreeMap<String, (f64, f64, f64)>,
    strata: &Strata,
) -> Vec<EstimateRow> {
    strata
        .row_strata()
        .into_iter()
        .map(|(label, members)| {
            let per_cell = strata.cell_sums(&members, |cell| {
                let (n, s, q) = sums.get(cell).copied().unwrap_or((0.0, 0.0, 0.0));
                CellSums::single(n, s, q)
            });
            match domain_estimate(&strata.design, &per_cell) {
                Some(est) => mean_row(question, option, &label, &est, strata),
                None => row(question, option, &label, 0.0),
            }
        })
        .collect()
}

/// A quantile of weighted values sorted by value: the smallest value whose cumulative weight
/// share reaches p, the inverse of the weighted empirical distribution function (survey's
/// `svyquantile` with `qrule = "math"`).
pub fn quantile(sorted: &[(f64, f64)], p: f64) -> Option<f64> {
    let total: f64 = sorted.iter().map(|(_, w)| w).sum();
    if sorted.is_empty() || total <= 0.0 {
        return None;
    }
    let mut cumulative = 0.0;
    for (i, (value, weight)) in sorted.iter().enumerate() {
        cumulative += weight;
        // Tied values count together; allow for rounding in the running share.
        let tied_next = sorted.get(i + 1).is_some_and(|(next, _)| next == value);
        if !tied_next && cumulative / total >= p - 1e-9 {
            return Some(*value);
        }
    }
    sorted.last().map(|(v, _)| *v)
}

/// The Rao-Scott test of association between stratum and the codes of a question.
pub fn association(
    question: &str,
    codes: &[String],
    counts: &BTreeMap<String, BTreeMap<String, f64>>,
    strata: &Strata,
) -> TestRow {
    let table: Vec<Vec<f64>> = strata
        .cells
        .iter()
        .map(|cell| {
            codes
                .iter()
                .map(|c| {
                    counts
                        .get(cell)
                        .and_then(|m| m.get(c))
                        .copied()
                        .unwrap_or(0.0)
                })
                .collect()
        })
        .collect();
    let n: f64 = table.iter().flatten().sum();
    let result = rao_scott(&strata.design, &table);
    TestRow {
        question_id: question.to_owned(),
        test: "rao_scott_f".to_owned(),
        stratum: ALL_STRATA.to_owned(),
        n: n as u64,
        statistic: result.map(|r| r.statistic),
        ndf: result.map(|r| r.ndf),
        ddf: result.map(|r| r.ddf),
        p_value: result.map(|r| r.p_value),
        suppressed: false,
        reason: if result.is_none() {
            "not computed: fewer than two strata or two answers occur".to_owned()
        } else {
            String::new()
        },
    }
}

/// Cronbach's alpha of a grid's items within one stratum, over the `n` respondents who gave a
/// substantive answer to every item: k/(k-1) · (1 - Σ var(item) / var(total)), from each
/// item's sample variance and that of the respondents' totals.
pub fn cronbach_alpha(n: u64, item_variances: &[f64], total_variance: f64) -> Option<f64> {
    let k = item_variances.len() as f64;
    (k >= 2.0 && n >= 2 && total_variance > 0.0)
        .then(|| k / (k - 1.0) * (1.0 - item_variances.iter().sum::<f64>() / total_variance))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_invert_the_empirical_distribution() {
        let x = [(1.0, 2.0), (2.0, 2.0), (3.0, 2.0), (4.0, 2.0)];
        assert_eq!(quantile(&x, 0.25), Some(1.0));
        assert_eq!(quantile(&x, 0.5), Some(2.0));
        assert_eq!(quantile(&x, 0.75), Some(3.0));
        assert_eq!(quantile(&x, 0.76), Some(4.0));
        assert_eq!(quantile(&[], 0.5), None);
        // Weighted: 1 carries 3/4 of the weight; ties count together.
        let weighted = [(1.0, 3.0), (2.0, 0.5), (2.0, 0.5)];
        assert_eq!(quantile(&weighted, 0.75), Some(1.0));
        assert_eq!(quantile(&weighted, 0.76), Some(2.0));
    }

    /// Worked example: items (1,2), (2,3), (3,5): item variances 1 and 7/3, total (3,5,8)
    /// variance 19/3; alpha = 2 · (1 - (10/3)/(19/3)) = 18/19.
    #[test]
    fn cronbach_alpha_worked_example() {
        let alpha = cronbach_alpha(3, &[1.0, 7.0 / 3.0], 19.0 / 3.0).unwrap();
        assert!((alpha - 18.0 / 19.0).abs() < 1e-12);
        // Undefined with one item, one respondent, or totals that never vary.
        assert_eq!(cronbach_alpha(3, &[1.0], 1.0), None);
        assert_eq!(cronbach_alpha(1, &[0.0, 0.0], 0.0), None);
        assert_eq!(cronbach_alpha(3, &[0.0, 0.0], 0.0), None);
    }
}
