//! A Likert grid: each item as a Likert question of its own, the mean scale score, and
//! Cronbach's alpha of the items in each stratum.

use fieldwork_survey::{Choice, GridItem};
use polars::prelude::DataFrame;

use super::likert::scale_estimates;
use super::rows::{self, Strata, TestRow};
use super::{codes, Estimates};
use crate::{load, AnalysisError};

pub(super) fn estimate(
    id: &str,
    items: &[GridItem],
    scale: &[Choice],
    non_substantive: &[Choice],
    frame: &DataFrame,
    strata: &Strata,
) -> Result<Estimates, AnalysisError> {
    let score_columns: Vec<String> = items
        .iter()
        .map(|i| load::score_column(&format!("{id}.{}", i.id)))
        .collect();
    let mut numeric_columns = score_columns.clone();
    numeric_columns.push(load::scale_column(id));
    // One query for every item's scores and the scale score.
    let sums = load::numeric_sums(frame, &numeric_columns)?;
    let mut found = Estimates::default();
    for item in items {
        let variable = format!("{id}.{}", item.id);
        let counts = load::code_counts(frame, &variable)?;
        found.extend(scale_estimates(
            &variable,
            &codes(scale),
            &codes(non_substantive),
            &counts,
            &sums[&load::score_column(&variable)],
            strata,
        ));
    }
    found.rows.extend(rows::numeric_mean(
        id,
        "_scale_mean",
        &sums[&load::scale_column(id)],
        strata,
    ));
    let variances = load::scale_variances(frame, &score_columns)?;
    for stratum in &strata.codes {
        let (n, items, total) = variances.get(stratum).cloned().unwrap_or_default();
        found.tests.push(TestRow {
            question_id: id.to_owned(),
            test: "cronbach_alpha".to_owned(),
            stratum: stratum.clone(),
            n,
            statistic: rows::cronbach_alpha(n, &items, total),
            ndf: None,
            ddf: None,
            p_value: None,
            suppressed: false,
            reason: String::new(),
        });
    }
    Ok(found)
}
