#![doc = include_str!("../README.md")]

mod chisq;
mod design;
pub mod disclosure;
mod estimates;
pub mod export;
pub mod format;
mod load;
pub mod plan;
pub mod report;
pub mod weighting;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use fieldwork_store::{Store, StoreError};
use fieldwork_survey::{QuestionKind, SurveyDefinition};
use serde::Serialize;

pub use chisq::{rao_scott, RaoScott};
pub use design::{
    domain_estimate, proportion_interval, CellSums, Design, DesignCell, DesignStratum,
    DomainEstimate, Interval, IntervalMethod,
};
pub use estimates::{EstimateRow, TestRow, ALL_STRATA};
pub use load::{load_responses, ResponseFrame};
pub use plan::{Plan, PlanError};
pub use weighting::{CellWeight, WeightingReport};

/// What can stop an analysis.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error("the survey has no stratification, so there is no design to estimate with")]
    NotStratified,
    #[error("a stratum is coded `{0}`, which the outputs use for all strata together")]
    ReservedStratum(String),
    #[error("cannot weight the responses: {0}")]
    Weighting(String),
    #[error("a stored response's answers do not parse: {0}")]
    CorruptAnswers(String),
    #[error("dataframe: {0}")]
    Frame(#[from] polars::error::PolarsError),
    #[error(transparent)]
    Chart(#[from] report::charts::ChartError),
    #[error("cannot build the report: {0}")]
    Report(String),
    #[error("cannot write {path}: {reason}")]
    Write { path: String, reason: String },
}

/// Responses and the population of one stratum.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StratumResponses {
    pub stratum: String,
    pub label: String,
    /// Size of the stratum in the population frame.
    pub population: u64,
    pub invited: i64,
    pub complete: i64,
    pub partial: i64,
    /// Complete responses over the population.
    pub rate_frame: Option<f64>,
    /// Complete responses over invitations sent (when any were).
    pub rate_invited: Option<f64>,
}

/// Fieldwork progress of a survey: responses and invitations per stratum, in the stratum
/// question's order, against the population frame of the survey's latest version.
pub fn fieldwork_progress(store: &Store, slug: &str) -> Result<Vec<StratumResponses>, StoreError> {
    let survey = store.latest_survey(slug)?;
    let counts = store.count_responses(slug)?;
    let invitations = store.count_invitations(slug)?;
    let population = survey
        .definition
        .stratification
        .as_ref()
        .map(|s| s.frame.population.clone())
        .unwrap_or_default();
    Ok(survey
        .definition
        .strata()
        .into_iter()
        .map(|choice| {
            let count = |complete: bool| -> i64 {
                counts
                    .iter()
                    .filter(|c| {
                        c.complete == complete && c.stratum.as_deref() == Some(&choice.code)
                    })
                    .map(|c| c.count)
                    .sum()
            };
            let population = population.get(&choice.code).copied().unwrap_or(0);
            let invited: i64 = invitations
                .iter()
                .filter(|(s, _, _)| s == &choice.code)
                .map(|(_, sent, _)| *sent)
                .sum();
            let complete = count(true);
            StratumResponses {
                stratum: choice.code.clone(),
                label: choice.label.clone(),
                population,
                invited,
                complete,
                partial: count(false),
                rate_frame: (population > 0).then(|| complete as f64 / population as f64),
                rate_invited: (invited > 0).then(|| complete as f64 / invited as f64),
            }
        })
        .collect())
}

/// Everything an analysis produces.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    pub survey: String,
    pub version: u32,
    pub title: String,
    pub suppression_threshold: u32,
    pub confidence_level: f64,
    pub estimates: Vec<EstimateRow>,
    pub tests: Vec<TestRow>,
    pub response_rates: Vec<StratumResponses>,
    pub weighting: WeightingReport,
}

/// Analyse every complete response of survey `slug` (all versions, laid out by the latest)
/// as `plan` says.
pub fn analyze(store: &Store, slug: &str, plan: &Plan) -> Result<Analysis, AnalysisError> {
    let started = std::time::Instant::now();
    let survey = store.latest_survey(slug)?;
    let definition = &survey.definition;
    let loaded = load_responses(store, slug, definition, &plan.raking_questions())?;
    let loaded_at = started.elapsed();
    let mut analysis = estimate(definition, &loaded, plan)?;
    let estimated_at = started.elapsed();
    analysis.response_rates = fieldwork_progress(store, slug)?;
    // Where an analysis spends its time, for whoever profiles it (FIELDWORK_LOG=debug).
    tracing::debug!(
        responses = loaded.frame.height(),
        load_ms = loaded_at.as_millis() as u64,
        estimate_ms = (estimated_at - loaded_at).as_millis() as u64,
        progress_ms = (started.elapsed() - estimated_at).as_millis() as u64,
        "analysed"
    );
    Ok(analysis)
}

/// The estimates and tests for responses already loaded.
pub fn estimate(
    definition: &SurveyDefinition,
    loaded: &ResponseFrame,
    plan: &Plan,
) -> Result<Analysis, AnalysisError> {
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
    let strata = estimates::Strata {
        codes: sampled_strata.iter().map(|(c, _, _)| c.clone()).collect(),
        cells,
        design,
        level: plan.confidence_level,
        method: plan.interval.method(),
    };
    let frame = &loaded.frame;
    let mut rows = Vec::new();
    let mut tests = Vec::new();
    let codes = |choices: &[fieldwork_survey::Choice]| {
        choices.iter().map(|c| c.code.clone()).collect::<Vec<_>>()
    };
    for question in plan.questions(definition) {
        let id = question.id.as_str();
        match &question.kind {
            QuestionKind::SingleChoice { options } => {
                let counts = load::code_counts(frame, id)?;
                let all = codes(options);
                rows.extend(estimates::proportions(
                    id,
                    &all,
                    &all,
                    "proportion",
                    &counts,
                    &strata,
                ));
                tests.push(estimates::association(id, &all, &counts, &strata));
            }
            QuestionKind::Likert {
                scale,
                non_substantive,
            } => {
                let counts = load::code_counts(frame, id)?;
                let scores = load::numeric_sums(frame, &[load::score_column(id)])?;
                likert_rows(
                    id,
                    &codes(scale),
                    &codes(non_substantive),
                    &counts,
                    &scores[&load::score_column(id)],
                    &strata,
                    &mut rows,
                    &mut tests,
                );
            }
            QuestionKind::LikertGrid {
                items,
                scale,
                non_substantive,
            } => {
                let score_columns: Vec<String> = items
                    .iter()
                    .map(|i| load::score_column(&format!("{id}.{}", i.id)))
                    .collect();
                let mut numeric_columns = score_columns.clone();
                numeric_columns.push(load::scale_column(id));
                let sums = load::numeric_sums(frame, &numeric_columns)?;
                for item in items {
                    let variable = format!("{id}.{}", item.id);
                    let counts = load::code_counts(frame, &variable)?;
                    likert_rows(
                        &variable,
                        &codes(scale),
                        &codes(non_substantive),
                        &counts,
                        &sums[&load::score_column(&variable)],
                        &strata,
                        &mut rows,
                        &mut tests,
                    );
                }
                rows.extend(estimates::numeric_mean(
                    id,
                    "_scale_mean",
                    &sums[&load::scale_column(id)],
                    &strata,
                ));
                let variances = load::scale_variances(frame, &score_columns)?;
                for stratum in &strata.codes {
                    let (n, items, total) = variances.get(stratum).cloned().unwrap_or_default();
                    tests.push(TestRow {
                        question_id: id.to_owned(),
                        test: "cronbach_alpha".to_owned(),
                        stratum: stratum.clone(),
                        n,
                        statistic: estimates::cronbach_alpha(n, &items, total),
                        ndf: None,
                        ddf: None,
                        p_value: None,
                        suppressed: false,
                        reason: String::new(),
                    });
                }
            }
            QuestionKind::MultiChoice { options, .. } => {
                let columns: Vec<String> = options
                    .iter()
                    .map(|o| load::option_column(id, &o.code))
                    .collect();
                let sums = load::share_sums(frame, &columns)?;
                for (option, column) in options.iter().zip(&columns) {
                    let mut option_rows =
                        estimates::numeric_mean(id, &option.code, &sums[column], &strata);
                    // A share, so its interval is a proportion's.
                    for row in &mut option_rows {
                        row.table = "proportion";
                        if let (Some(p), Some(se)) = (row.estimate, row.se) {
                            let per = strata_of(&row.stratum, &strata);
                            let cell_sums = strata.cell_sums(&per, |cell| {
                                let (n, s, q) =
                                    sums[column].get(cell).copied().unwrap_or((0.0, 0.0, 0.0));
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
                    rows.extend(option_rows);
                }
            }
            QuestionKind::Number { .. } => {
                let sums = load::numeric_sums(frame, &[id.to_owned()])?;
                rows.extend(estimates::numeric_mean(id, "_mean", &sums[id], &strata));
                for stratum in &strata.codes {
                    let values =
                        load::sorted_values(frame, id, stratum, |cell| strata.weight(cell))?;
                    for (option, p) in [("_q1", 0.25), ("_median", 0.5), ("_q3", 0.75)] {
                        rows.push(EstimateRow {
                            question_id: id.to_owned(),
                            option: option.to_owned(),
                            stratum: stratum.clone(),
                            n: values.len() as u64,
                            estimate: estimates::quantile(&values, p),
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
            }
            QuestionKind::Text { .. } => {}
        }
    }
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
        title: definition.title.clone(),
        suppression_threshold: plan.suppression_threshold,
        confidence_level: plan.confidence_level,
        estimates: rows,
        tests,
        response_rates: Vec::new(),
        weighting,
    })
}

fn strata_of(label: &str, strata: &estimates::Strata) -> Vec<String> {
    if label == ALL_STRATA {
        strata.codes.clone()
    } else {
        vec![label.to_owned()]
    }
}

#[allow(clippy::too_many_arguments)]
fn likert_rows(
    id: &str,
    scale: &[String],
    non_substantive: &[String],
    counts: &BTreeMap<String, BTreeMap<String, f64>>,
    scores: &BTreeMap<String, (f64, f64, f64)>,
    strata: &estimates::Strata,
    rows: &mut Vec<EstimateRow>,
    tests: &mut Vec<TestRow>,
) {
    // The distribution over the scale, among substantive answers.
    rows.extend(estimates::proportions(
        id,
        scale,
        scale,
        "proportion",
        counts,
        strata,
    ));
    rows.extend(estimates::likert_summaries(
        id, scale, counts, scores, strata,
    ));
    // Non-substantive answers as their own share of all answers.
    if !non_substantive.is_empty() {
        let all: Vec<String> = scale.iter().chain(non_substantive).cloned().collect();
        rows.extend(estimates::proportions(
            id,
            non_substantive,
            &all,
            "all_answers",
            counts,
            strata,
        ));
    }
    tests.push(estimates::association(id, scale, counts, strata));
}

impl Analysis {
    /// Write `estimates.csv`, `estimates.json`, `tests.csv`, `response_rates.csv`,
    /// `weights.csv` (one row per cell) and `weighting.json` to `dir`.
    pub fn write(&self, dir: &Path) -> Result<(), AnalysisError> {
        let failed = |path: &Path, e: &dyn std::fmt::Display| AnalysisError::Write {
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        std::fs::create_dir_all(dir).map_err(|e| failed(dir, &e))?;
        write_csv(&dir.join("estimates.csv"), &self.estimates)
            .map_err(|e| failed(&dir.join("estimates.csv"), &e))?;
        write_csv(&dir.join("tests.csv"), &self.tests)
            .map_err(|e| failed(&dir.join("tests.csv"), &e))?;
        write_csv(&dir.join("response_rates.csv"), &self.response_rates)
            .map_err(|e| failed(&dir.join("response_rates.csv"), &e))?;
        write_csv(&dir.join("weights.csv"), &self.weighting.cells)
            .map_err(|e| failed(&dir.join("weights.csv"), &e))?;
        let summary = serde_json::to_string_pretty(&self.weighting)
            .map_err(|e| failed(&dir.join("weighting.json"), &e))?;
        std::fs::write(dir.join("weighting.json"), summary + "\n")
            .map_err(|e| failed(&dir.join("weighting.json"), &e))?;
        let json = serde_json::to_string_pretty(&self.estimates)
            .map_err(|e| failed(&dir.join("estimates.json"), &e))?;
        std::fs::write(dir.join("estimates.json"), json + "\n")
            .map_err(|e| failed(&dir.join("estimates.json"), &e))?;
        Ok(())
    }
}

fn write_csv<T: Serialize>(path: &Path, rows: &[T]) -> Result<(), csv::Error> {
    std::fs::write(path, csv_bytes(rows)?)?;
    Ok(())
}

/// Rows as CSV, with a header from their field names, every text cell neutralised against
/// spreadsheet formulas (stratum labels come from the definition, which anyone may write).
pub fn csv_bytes<T: Serialize>(rows: &[T]) -> Result<Vec<u8>, csv::Error> {
    fieldwork_survey::rows_to_safe_csv(rows)
}
