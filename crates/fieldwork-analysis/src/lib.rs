#![doc = include_str!("../README.md")]

mod chisq;
mod design;
pub mod disclosure;
mod estimate;
pub mod export;
pub mod format;
mod load;
pub mod plan;
pub mod report;
pub mod weighting;

use std::path::Path;

use fieldwork_store::{Store, StoreError};
use serde::Serialize;

pub use chisq::{rao_scott, RaoScott};
pub use design::{
    domain_estimate, proportion_interval, CellSums, Design, DesignCell, DesignStratum,
    DomainEstimate, Interval, IntervalMethod,
};
pub use estimate::estimate;
pub use estimate::rows::{EstimateRow, TestRow, ALL_STRATA};
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
    #[error("the survey `{survey}` is not in the language `{asked}`: its languages are {offered}")]
    Language {
        survey: String,
        asked: String,
        /// The survey's languages, written as a list ("en, cy").
        offered: String,
    },
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
                label: choice.label.to_string(),
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
