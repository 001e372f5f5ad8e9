//! A number question: the mean, and the weighted quartiles and median of each stratum.

use polars::prelude::DataFrame;

use super::rows::{self, EstimateRow, Strata};
use super::Estimates;
use crate::{load, AnalysisError};

pub(super) fn estimate(
    id: &str,
    frame: &DataFrame,
    strata: &Strata,
) -> Result<Estimates, AnalysisError> {
    let sums = load::numeric_sums(frame, &[id.to_owned()])?;
    let mut found = Estimates {
        rows: rows::numeric_mean(id, "_mean", &sums[id], strata),
        tests: Vec::new(),
    };
    for stratum in &strata.codes {
        let values = load::sorted_values(frame, id, stratum, |cell| strata.weight(cell))?;
        for (option, p) in [("_q1", 0.25), ("_median", 0.5), ("_q3", 0.75)] {
            found.rows.push(EstimateRow {
                question_id: id.to_owned(),
                option: option.to_owned(),
                stratum: stratum.clone(),
                n: values.len() as u64,
                estimate: rows::quantile(&values, p),
                se: None,
                ci_low: None,
                ci_high: None,
                deff: None,
                effective_n: None,
                suppressed: false,
                reason: String::new(),
                table: "numeric",
            });
        }
    }
    Ok(found)
}
