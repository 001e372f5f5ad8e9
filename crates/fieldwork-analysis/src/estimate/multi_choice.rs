//! A multi-choice question: the share choosing each option, a mean of its 0/1 column with a
//! proportion's interval.

use fieldwork_survey::Choice;
use polars::prelude::DataFrame;

use super::rows::{self, Strata, ALL_STRATA};
use super::Estimates;
use crate::design::{domain_estimate, proportion_interval, CellSums};
use crate::{load, AnalysisError};

pub(super) fn estimate(
    id: &str,
    options: &[Choice],
    frame: &DataFrame,
    strata: &Strata,
) -> Result<Estimates, AnalysisError> {
    let columns: Vec<String> = options
        .iter()
        .map(|o| load::option_column(id, &o.code))
        .collect();
    let sums = load::share_sums(frame, &columns)?;
    let mut found = Estimates::default();
    for (option, column) in options.iter().zip(&columns) {
        let mut option_rows = rows::numeric_mean(id, &option.code, &sums[column], strata);
        // A share, so its interval is a proportion's.
        for row in &mut option_rows {
            row.table = "proportion";
            if let (Some(p), Some(se)) = (row.estimate, row.se) {
                let per = strata_of(&row.stratum, strata);
                let cell_sums = strata.cell_sums(&per, |cell| {
                    let (n, s, q) = sums[column].get(cell).copied().unwrap_or((0.0, 0.0, 0.0));
                    CellSums::single(n, s, q)
                });
                if let Some(est) = domain_estimate(&strata.design, &cell_sums) {
                    let ci = proportion_interval(
                        p,
                        se,
                        est.df,
                        est.effective_n(),
                        est.exact(0),
                        strata.method,
                        strata.level,
                    );
                    row.ci_low = Some(ci.low);
                    row.ci_high = Some(ci.high);
                }
            }
        }
        found.rows.extend(option_rows);
    }
    Ok(found)
}

/// The strata a row's `stratum` stands for.
fn strata_of(label: &str, strata: &Strata) -> Vec<String> {
    if label == ALL_STRATA {
        strata.codes.clone()
    } else {
        vec![label.to_owned()]
    }
}
