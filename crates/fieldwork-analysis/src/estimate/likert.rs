//! A Likert question: the distribution over its scale, the summaries of it (positive,
//! negative, net, mean score), the non-substantive answers' share of all answers, and the
//! test across strata. A grid's items are estimated the same way ([`scale_estimates`]).

use std::collections::BTreeMap;

use fieldwork_survey::Choice;
use polars::prelude::DataFrame;

use super::rows::{self, Strata};
use super::{codes, Estimates};
use crate::load::{self, Sums};
use crate::AnalysisError;

pub(super) fn estimate(
    id: &str,
    scale: &[Choice],
    non_substantive: &[Choice],
    frame: &DataFrame,
    strata: &Strata,
) -> Result<Estimates, AnalysisError> {
    let counts = load::code_counts(frame, id)?;
    let score = load::score_column(id);
    let scores = load::numeric_sums(frame, std::slice::from_ref(&score))?;
    Ok(scale_estimates(
        id,
        &codes(scale),
        &codes(non_substantive),
        &counts,
        &scores[&score],
        strata,
    ))
}

/// The estimates of one variable answered on a scale, from its code counts and score sums
/// per cell.
pub(super) fn scale_estimates(
    id: &str,
    scale: &[String],
    non_substantive: &[String],
    counts: &BTreeMap<String, BTreeMap<String, f64>>,
    scores: &BTreeMap<String, Sums>,
    strata: &Strata,
) -> Estimates {
    // The distribution over the scale, among substantive answers.
    let mut found = rows::proportions(id, scale, scale, "proportion", counts, strata);
    found.extend(rows::likert_summaries(id, scale, counts, scores, strata));
    // Non-substantive answers as their own share of all answers.
    if !non_substantive.is_empty() {
        let all: Vec<String> = scale.iter().chain(non_substantive).cloned().collect();
        found.extend(rows::proportions(
            id,
            non_substantive,
            &all,
            "all_answers",
            counts,
            strata,
        ));
    }
    Estimates {
        rows: found,
        tests: vec![rows::association(id, scale, counts, strata)],
    }
}
