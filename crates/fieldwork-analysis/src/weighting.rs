//! Weights: post-stratification to the frame (N_h / n_h) by default, or raking to the frame
//! and the plan's extra margins by iterative proportional fitting, round for round as the R
//! survey package's `rake()` does it, so that its variance (design.rs) applies unchanged.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::design::{Design, DesignCell, DesignStratum, RakingStep};
use crate::load::CELL_SEPARATOR;
use crate::plan::{MarginPopulation, Weighting};
use crate::AnalysisError;

/// How the weights were made, for the outputs and the methodology.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeightingReport {
    /// `post-stratification` or `raking`.
    pub method: String,
    /// The margins, in raking order: the stratum question first.
    pub margins: Vec<String>,
    /// Raking rounds done (each a pass over every margin); 0 when not raked.
    pub iterations: u32,
    pub converged: bool,
    /// The largest change of a cell's weighted count in the last round.
    pub max_change: f64,
    pub epsilon: f64,
    pub cells: Vec<CellWeight>,
}

/// The weight of every response in one cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellWeight {
    pub stratum: String,
    /// The answers to the raking questions, `question=code` joined by `;`.
    pub answers: String,
    pub n: u64,
    pub weight: f64,
}

/// A design over the sampled strata (`strata`, in order, each with N_h and n_h) and the cells
/// of `cell_counts` (cell key → complete responses), weighted as the plan says.
pub fn weigh(
    strata: &[(String, f64, f64)],
    cell_counts: &BTreeMap<String, f64>,
    weighting: &Weighting,
) -> Result<(Design, Vec<String>, WeightingReport), AnalysisError> {
    let design_strata: Vec<DesignStratum> = strata
        .iter()
        .map(|(_, population, sampled)| DesignStratum {
            population: *population,
            sampled: *sampled,
        })
        .collect();
    let mut keys = Vec::new();
    let mut cells = Vec::new();
    let mut answers: Vec<Vec<String>> = Vec::new();
    for (h, (code, population, sampled)) in strata.iter().enumerate() {
        for (key, count) in cell_counts {
            let mut parts = key.split(CELL_SEPARATOR);
            if parts.next() != Some(code.as_str()) {
                continue;
            }
            keys.push(key.clone());
            answers.push(parts.map(str::to_owned).collect());
            cells.push(DesignCell {
                stratum: h,
                sampled: *count,
                weight: population / sampled,
            });
        }
    }
    let stratum_codes: Vec<&str> = strata.iter().map(|(c, _, _)| c.as_str()).collect();
    let describe = |c: usize| {
        weighting
            .margins
            .iter()
            .zip(&answers[c])
            .map(|(m, a)| format!("{}={a}", m.question))
            .collect::<Vec<_>>()
            .join(";")
    };
    let mut report = WeightingReport {
        method: "post-stratification".to_owned(),
        margins: vec!["stratum".to_owned()],
        iterations: 0,
        converged: true,
        max_change: 0.0,
        epsilon: weighting.epsilon,
        cells: Vec::new(),
    };
    let mut raking = Vec::new();
    if !weighting.margins.is_empty() {
        // Each margin: every cell's category, and the population of each category.
        let mut margins: Vec<(Vec<usize>, Vec<f64>)> = vec![(
            cells.iter().map(|c| c.stratum).collect(),
            strata
                .iter()
                .map(|(_, population, _)| *population)
                .collect(),
        )];
        for (m, margin) in weighting.margins.iter().enumerate() {
            let mut labels: Vec<(String, f64)> = Vec::new();
            match &margin.population {
                MarginPopulation::Overall(counts) => {
                    labels.extend(counts.iter().map(|(code, n)| (code.clone(), *n)));
                }
                MarginPopulation::WithinStratum(by_stratum) => {
                    for (stratum, counts) in by_stratum {
                        if !stratum_codes.contains(&stratum.as_str()) {
                            continue; // a stratum nobody answered from: not in the design
                        }
                        labels.extend(
                            counts
                                .iter()
                                .map(|(code, n)| (format!("{stratum}{CELL_SEPARATOR}{code}"), *n)),
                        );
                    }
                }
            }
            let label_of = |c: usize| match &margin.population {
                MarginPopulation::Overall(_) => answers[c][m].clone(),
                MarginPopulation::WithinStratum(_) => format!(
                    "{}{CELL_SEPARATOR}{}",
                    stratum_codes[cells[c].stratum], answers[c][m]
                ),
            };
            let readable = |label: &str| label.replace(CELL_SEPARATOR, " / ");
            let mut category = Vec::with_capacity(cells.len());
            for c in 0..cells.len() {
                let label = label_of(c);
                match labels.iter().position(|(l, n)| *l == label && *n > 0.0) {
                    Some(g) => category.push(g),
                    None => {
                        return Err(AnalysisError::Weighting(format!(
                            "responses answered `{}` with `{}`, but the plan's margin gives it no population",
                            margin.question,
                            readable(&label)
                        )))
                    }
                }
            }
            if let Some((label, _)) = labels
                .iter()
                .enumerate()
                .find(|(g, (_, n))| *n > 0.0 && !category.contains(g))
                .map(|(_, l)| l)
            {
                return Err(AnalysisError::Weighting(format!(
                    "the plan's margin for `{}` has a population for `{}`, but no complete response gave it, so no weight can carry it",
                    margin.question,
                    readable(label)
                )));
            }
            margins.push((category, labels.iter().map(|(_, n)| *n).collect()));
            report.margins.push(margin.question.clone());
        }
        report.method = "raking".to_owned();
        report.converged = false;
        let counted = |cells: &[DesignCell]| -> Vec<f64> {
            cells.iter().map(|c| c.weight * c.sampled).collect()
        };
        let mut old = counted(&cells);
        let mut round = 0;
        while round < weighting.max_iterations {
            raking.clear();
            for (category, population) in &margins {
                let mut totals = vec![0.0; population.len()];
                for (c, cell) in cells.iter().enumerate() {
                    totals[category[c]] += cell.weight * cell.sampled;
                }
                for (c, cell) in cells.iter_mut().enumerate() {
                    cell.weight *= population[category[c]] / totals[category[c]];
                }
                raking.push(RakingStep {
                    category: category.clone(),
                    categories: population.len(),
                    weights: cells.iter().map(|c| c.weight).collect(),
                });
            }
            let new = counted(&cells);
            report.max_change = old
                .iter()
                .zip(&new)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            report.iterations = round + 1;
            if report.max_change < weighting.epsilon {
                report.converged = true;
                break;
            }
            old = new;
            round += 1;
        }
    }
    report.cells = cells
        .iter()
        .enumerate()
        .map(|(c, cell)| CellWeight {
            stratum: stratum_codes[cell.stratum].to_owned(),
            answers: describe(c),
            n: cell.sampled as u64,
            weight: cell.weight,
        })
        .collect();
    Ok((
        Design {
            strata: design_strata,
            cells,
            raking,
        },
        keys,
        report,
    ))
}

impl WeightingReport {
    /// One line for whoever ran the analysis, e.g. "raked to stratum, role: converged after
    /// 4 rounds (the largest change of a cell's weighted count in the last round, 0.00163,
    /// is below epsilon, 0.0017)". Both numbers are in weighted respondents and printed to
    /// the same significant figures, enough to tell them apart, so the comparison the words
    /// make is the one the reader sees. None when the weights were not raked.
    pub fn summary(&self) -> Option<String> {
        if self.method != "raking" {
            return None;
        }
        let (change, epsilon) = distinct_figures(self.max_change, self.epsilon);
        let (verdict, comparison) = if self.converged {
            ("converged", "below")
        } else {
            ("NOT converged", "not below")
        };
        Some(format!(
            "raked to {}: {verdict} after {} round{} (the largest change of a cell's weighted count in the last round, {change}, is {comparison} epsilon, {epsilon})",
            self.margins.join(", "),
            self.iterations,
            if self.iterations == 1 { "" } else { "s" },
        ))
    }
}

/// `change` and `epsilon` to the same number of significant figures: at least three, all of
/// epsilon's (to six), and more where unequal numbers would otherwise print alike.
fn distinct_figures(change: f64, epsilon: f64) -> (String, String) {
    let written = significant(epsilon, 6)
        .split('e')
        .next()
        .unwrap_or_default()
        .trim_start_matches(['-', '0', '.'])
        .chars()
        .filter(char::is_ascii_digit)
        .count();
    let mut digits = written.max(3);
    loop {
        let (x, y) = (significant(change, digits), significant(epsilon, digits));
        if change == epsilon || x != y || digits >= 17 {
            return (x, y);
        }
        digits += 1;
    }
}

/// `x` to `digits` significant figures without trailing zeros: plain decimals from 1e-4 to
/// 1e6, scientific notation beyond (0.0000030134000000000002 → 3.0134e-6).
pub fn significant(x: f64, digits: usize) -> String {
    if x == 0.0 || !x.is_finite() {
        return x.to_string();
    }
    let digits = digits.max(1);
    let scientific = format!("{:.*e}", digits - 1, x);
    let (mantissa, exponent) = scientific
        .split_once('e')
        .expect("`{:e}` always writes an exponent");
    let exponent: i32 = exponent.parse().expect("`{:e}` writes an integer exponent");
    let trim = |s: &str| {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            s.to_owned()
        }
    };
    if (-4..6).contains(&exponent) {
        let decimals = (digits as i32 - 1 - exponent).max(0) as usize;
        trim(&format!("{x:.decimals$}"))
    } else {
        format!("{}e{exponent}", trim(mantissa))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raked(converged: bool, max_change: f64, epsilon: f64) -> WeightingReport {
        WeightingReport {
            method: "raking".to_owned(),
            margins: vec!["stratum".to_owned(), "role".to_owned()],
            iterations: 4,
            converged,
            max_change,
            epsilon,
            cells: Vec::new(),
        }
    }

    #[test]
    fn numbers_print_to_significant_figures() {
        for (x, digits, printed) in [
            (0.0000030134000000000002, 6, "3.0134e-6"),
            (0.0016349, 3, "0.00163"),
            (0.0017, 3, "0.0017"),
            (1.0, 3, "1"),
            (1234.5678, 3, "1235"),
            (123.45678, 3, "123"),
            (2.5e7, 3, "2.5e7"),
            (-0.000123456, 2, "-0.00012"),
            (0.0, 3, "0"),
        ] {
            assert_eq!(significant(x, digits), printed, "{x} to {digits}");
        }
    }

    #[test]
    fn the_raking_summary_compares_like_with_like() {
        // Before: "largest change in the last 0.002, epsilon 0.0017" for a converged run.
        let converged = raked(true, 0.0016349, 0.0017).summary().unwrap();
        assert_eq!(
            converged,
            "raked to stratum, role: converged after 4 rounds (the largest change of a cell's \
             weighted count in the last round, 0.00163, is below epsilon, 0.0017)"
        );
        // Numbers that agree to three figures get as many more as tell them apart.
        let close = raked(true, 0.0016999, 0.0017).summary().unwrap();
        assert!(
            close.contains("0.0016999, is below epsilon, 0.0017)"),
            "{close}"
        );
        // An epsilon carrying float noise prints as written.
        let noisy = raked(false, 0.25, 0.0000030134000000000002)
            .summary()
            .unwrap();
        assert!(
            noisy.contains("NOT converged after 4 rounds")
                && noisy.contains("0.25, is not below epsilon, 3.0134e-6)"),
            "{noisy}"
        );
        let plain = WeightingReport {
            method: "post-stratification".to_owned(),
            ..raked(true, 0.0, 1.0)
        };
        assert_eq!(plain.summary(), None);
    }
}
