//! A single-choice question: the share choosing each option, and whether the shares differ
//! between strata.

use fieldwork_survey::Choice;
use polars::prelude::DataFrame;

use super::rows::{self, Strata};
use super::{codes, Estimates};
use crate::{load, AnalysisError};

pub(super) fn estimate(
    id: &str,
    options: &[Choice],
    frame: &DataFrame,
    strata: &Strata,
) -> Result<Estimates, AnalysisError> {
    let counts = load::code_counts(frame, id)?;
    let all = codes(options);
    Ok(Estimates {
        rows: rows::proportions(id, &all, &all, "proportion", &counts, strata),
        tests: vec![rows::association(id, &all, &counts, strata)],
    })
}
