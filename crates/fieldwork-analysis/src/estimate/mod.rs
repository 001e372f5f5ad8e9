//! The estimates and tests of an analysis, one module per kind of question: each runs the
//! aggregations its estimators need over the loaded frame and turns them into published rows
//! ([`rows`] holds the estimators they share). [`estimate`] weighs the design once, asks each
//! planned question's module for its rows, then applies disclosure control to them all.

mod likert;
mod likert_grid;
mod multi_choice;
mod number;
pub(crate) mod rows;
mod single_choice;

use std::collections::BTreeSet;

use fieldwork_survey::{Choice, QuestionKind, SurveyDefinition};

use crate::{disclosure, weighting, Analysis, AnalysisError, Plan, ResponseFrame};
use rows::{EstimateRow, Strata, TestRow, ALL_STRATA};

/// The estimates and tests for responses already loaded.
pub fn estimate(
    definition: &SurveyDefinition,
    loaded: &ResponseFrame,
    plan: &Plan,
) -> Result<Analysis, AnalysisError> {
    let (strata, weighting) = weigh(definition, loaded, plan)?;
    let frame = &loaded.frame;
    let mut found = Estimates::default();
    for question in plan.questions(definition) {
        let id = question.id.as_str();
        found.extend(match &question.kind {
            QuestionKind::SingleChoice { options } => {
                single_choice::estimate(id, options, frame, &strata)?
            }
            QuestionKind::Likert {
                scale,
                non_substantive,
            } => likert::estimate(id, scale, non_substantive, frame, &strata)?,
            QuestionKind::LikertGrid {
                items,
                scale,
                non_substantive,
            } => likert_grid::estimate(id, items, scale, non_substantive, frame, &strata)?,
            QuestionKind::MultiChoice { options, .. } => {
                multi_choice::estimate(id, options, frame, &strata)?
            }
            QuestionKind::Number { .. } => number::estimate(id, frame, &strata)?,
            QuestionKind::Text { .. } => Estimates::default(),
        });
    }
    let Estimates {
        mut rows,
        mut tests,
    } = found;
    let sensitive: BTreeSet<String> = definition
        .questions()
        .filter(|q| q.sensitive)
        .map(|q| q.id.clone())
        .collect();
    disclosure::protect(&mut rows, plan.suppression_threshold, &sensitive);
    disclosure::protect_tests(&mut tests, plan.suppression_threshold);
    Ok(Analysis {
        survey: definition.slug.clone(),
        version: definition.version,
        title: definition.title.to_string(),
        suppression_threshold: plan.suppression_threshold,
        confidence_level: plan.confidence_level,
        estimates: rows,
        tests,
        response_rates: Vec::new(),
        weighting,
    })
}

/// The design every estimate shares: the strata with complete responses, their cells'
/// weights, and the weighting report.
fn weigh(
    definition: &SurveyDefinition,
    loaded: &ResponseFrame,
    plan: &Plan,
) -> Result<(Strata, weighting::WeightingReport), AnalysisError> {
    let stratification = definition
        .stratification
        .as_ref()
        .ok_or(AnalysisError::NotStratified)?;
    if let Some(reserved) = definition.strata().iter().find(|c| c.code == ALL_STRATA) {
        return Err(AnalysisError::ReservedStratum(reserved.code.clone()));
    }
    let sampled_strata: Vec<(String, f64, f64)> = definition
        .strata()
        .iter()
        .filter_map(|c| {
            let sampled = loaded.sampled.get(&c.code).copied().filter(|n| *n > 0.0)?;
            let population = stratification.frame.population.get(&c.code).copied()? as f64;
            Some((c.code.clone(), population, sampled))
        })
        .collect();
    if let Some((code, _)) = loaded
        .sampled
        .iter()
        .find(|(code, _)| !sampled_strata.iter().any(|(c, _, _)| c == *code))
    {
        return Err(AnalysisError::Weighting(format!(
            "responses come from stratum `{code}`, which has no population in the survey's frame"
        )));
    }
    let (design, cells, weighting) =
        weighting::weigh(&sampled_strata, &loaded.cells, &plan.weighting)?;
    let strata = Strata {
        codes: sampled_strata.iter().map(|(c, _, _)| c.clone()).collect(),
        cells,
        design,
        level: plan.confidence_level,
        method: plan.interval.method(),
    };
    Ok((strata, weighting))
}

/// One question's published rows and tests, in the order they are published.
#[derive(Default)]
struct Estimates {
    rows: Vec<EstimateRow>,
    tests: Vec<TestRow>,
}

impl Estimates {
    fn extend(&mut self, other: Estimates) {
        self.rows.extend(other.rows);
        self.tests.extend(other.tests);
    }
}

/// The codes of `choices`, in order.
fn codes(choices: &[Choice]) -> Vec<String> {
    choices.iter().map(|c| c.code.clone()).collect()
}
