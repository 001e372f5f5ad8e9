//! The published findings report: a self-contained static site built from an [`Analysis`].
//!
//! [`build_site`] turns the estimates into charts ([`figures`] chooses them and [`charts`] draws
//! them), key findings, tables and a
//! methodology, and returns every file of the site in memory ([`Site`]), so the CLI can write
//! it to a directory and publish the same bytes to the database. `docs/report.md` describes
//! what the report contains and how to read it.
//!
//! A report is in one of the survey's languages or in all of them ([`words`]): the survey's
//! words from the definition in that language, the report's own from fieldwork's catalogues.

pub mod charts;
mod figures;
mod findings;
pub mod labels;
pub mod pledges;
mod prose;
mod site;
mod tables;
pub mod words;

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDateTime;
use fieldwork_store::{PublishedPledge, Store};
use fieldwork_survey::SurveyDefinition;
use sha2::{Digest, Sha256};

use crate::disclosure::{REASON_SECONDARY, REASON_SMALL, REASON_UNANIMOUS};
use crate::format;
use crate::{analyze, Analysis, AnalysisError, EstimateRow, Plan, ALL_STRATA};
use charts::{Cell, Chart};
use words::ReportLanguage;

pub use figures::{charts, stem};
pub(crate) use figures::{positive_labels, question_charts};
pub use findings::Finding;

/// One file of the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteFile {
    /// Path within the site, `/`-separated.
    pub path: String,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

/// Every file of a report, in memory.
#[derive(Debug, Clone)]
pub struct Site {
    pub files: Vec<SiteFile>,
    /// SHA-256 of the plan file, hex; `None` for the default plan.
    pub plan_hash: Option<String>,
    pub survey_version: u32,
    /// The key findings, in the language at the site's root.
    pub findings: Vec<Finding>,
}

impl Site {
    pub fn file(&self, path: &str) -> Option<&SiteFile> {
        self.files.iter().find(|f| f.path == path)
    }

    /// The files to store as the published report: all but the pledges page (in every
    /// language), which the server renders from the store on every request (so that a
    /// withdrawn pledge is never served, nor kept in the stored report).
    pub fn published_files(&self) -> impl Iterator<Item = &SiteFile> {
        self.files
            .iter()
            .filter(|f| f.path.rsplit('/').next() != Some(pledges::PLEDGES_PAGE))
    }

    /// Write every file under `dir` (created if missing).
    pub fn write(&self, dir: &Path) -> Result<(), AnalysisError> {
        for file in &self.files {
            let path = dir.join(&file.path);
            let failed = |e: std::io::Error| AnalysisError::Write {
                path: path.display().to_string(),
                reason: e.to_string(),
            };
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(failed)?;
            }
            std::fs::write(&path, &file.body).map_err(failed)?;
        }
        Ok(())
    }
}

/// What the report says about how the data were collected, beyond the analysis itself.
#[derive(Debug, Clone, Default)]
pub struct Provenance {
    /// SHA-256 of the plan file's bytes, hex; `None` for the default plan.
    pub plan_hash: Option<String>,
    /// First and last submission of a complete response.
    pub submissions: Option<(NaiveDateTime, NaiveDateTime)>,
    /// When the report was built.
    pub generated: Option<NaiveDateTime>,
}

/// The SHA-256 of a plan file, as the report quotes it.
pub fn plan_hash(plan_file: &[u8]) -> String {
    Sha256::digest(plan_file)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Analyse survey `slug` as `plan` says and build its report, with its approved pledges.
/// `plan_file` is the plan's bytes when it came from a file (for its hash).
///
/// `language` builds the report in that language alone; `None` builds it in every language
/// the survey speaks ([`languages_to_build`]). The analysis is run once: it reads codes, not
/// words, so every language shows the same figures.
pub fn report(
    store: &Store,
    slug: &str,
    plan: &Plan,
    plan_file: Option<&[u8]>,
    language: Option<&str>,
) -> Result<Site, AnalysisError> {
    let survey = store.latest_survey(slug)?;
    let languages = languages_to_build(&survey.definition, language)?;
    let analysis = analyze(store, slug, plan)?;
    let provenance = Provenance {
        plan_hash: plan_file.map(plan_hash),
        submissions: store.submission_span(slug)?,
        generated: Some(chrono::Utc::now().naive_utc()),
    };
    let pledges: Vec<PublishedPledge> = store.published_pledges(slug)?;
    build_site(
        &survey.definition,
        plan,
        &analysis,
        &provenance,
        &pledges,
        &languages,
    )
}

/// The languages a report of `definition` is built in: `asked` alone (refused unless the
/// survey speaks it), or every language of the survey, the default at the site's root.
pub fn languages_to_build(
    definition: &SurveyDefinition,
    asked: Option<&str>,
) -> Result<Vec<ReportLanguage>, AnalysisError> {
    match asked {
        Some(code) if definition.speaks(code) => Ok(vec![ReportLanguage::alone(code)]),
        Some(code) => Err(AnalysisError::Language {
            survey: definition.slug.clone(),
            asked: code.to_owned(),
            offered: definition.languages().join(", "),
        }),
        None => Ok(ReportLanguage::all(&definition.languages())),
    }
}

/// A chart with what the page needs beside it.
#[derive(Debug, Clone)]
pub struct ReportChart {
    pub chart: Chart,
    /// Alternative text: what the chart shows, in words and numbers.
    pub alt: String,
    /// The rows behind it (`data/{name}.csv`); empty for the response-rate chart, whose data
    /// is `response_rates.csv`.
    pub rows: Vec<EstimateRow>,
}

/// What the estimates of one analysis look like to the report.
pub(crate) struct Lookup<'a> {
    pub definition: &'a SurveyDefinition,
    pub plan: &'a Plan,
    pub analysis: &'a Analysis,
    /// The report's own words.
    pub words: &'a ReportLanguage,
    rows: BTreeMap<(&'a str, &'a str, &'a str), &'a EstimateRow>,
    /// Stratum codes and labels, in the stratum question's order.
    pub strata: Vec<(String, String)>,
}

impl<'a> Lookup<'a> {
    /// `definition` in the report's language alone (`SurveyDefinition::in_language`).
    pub fn new(
        definition: &'a SurveyDefinition,
        plan: &'a Plan,
        analysis: &'a Analysis,
        words: &'a ReportLanguage,
    ) -> Self {
        let rows = analysis
            .estimates
            .iter()
            .map(|r| {
                (
                    (
                        r.question_id.as_str(),
                        r.option.as_str(),
                        r.stratum.as_str(),
                    ),
                    r,
                )
            })
            .collect();
        let strata = definition
            .strata()
            .iter()
            .map(|c| (c.code.clone(), c.label.to_string()))
            .collect();
        Lookup {
            definition,
            plan,
            analysis,
            words,
            rows,
            strata,
        }
    }

    pub fn row(&self, question: &str, option: &str, stratum: &str) -> Option<&'a EstimateRow> {
        self.rows.get(&(question, option, stratum)).copied()
    }

    /// `all` first, then each stratum, with labels.
    pub fn groups(&self) -> Vec<(String, String)> {
        std::iter::once((ALL_STRATA.to_owned(), self.words.t("report-all-strata")))
            .chain(self.strata.iter().cloned())
            .collect()
    }

    /// A response-rate row's group in the report's language (the analysis names it in the
    /// words of the stored definition's default language).
    pub fn rates_label(&self, rates: &crate::StratumResponses) -> String {
        self.strata
            .iter()
            .find(|(c, _)| *c == rates.stratum)
            .map_or_else(|| rates.label.clone(), |(_, l)| l.clone())
    }

    pub fn stratum_label(&self, code: &str) -> String {
        if code == ALL_STRATA {
            return self.words.t("report-all-strata");
        }
        self.strata
            .iter()
            .find(|(c, _)| c == code)
            .map_or_else(|| code.to_owned(), |(_, l)| l.clone())
    }

    /// Why a cell is not shown, in a few words.
    pub fn short_reason(&self, row: Option<&EstimateRow>) -> String {
        let w = self.words;
        match row {
            None => w.t("report-reason-no-responses"),
            Some(r) if r.reason == REASON_SMALL => w.with(
                "report-reason-small",
                &[(
                    "threshold",
                    self.analysis.suppression_threshold.to_string().into(),
                )],
            ),
            Some(r) if r.reason == REASON_SECONDARY => w.t("report-reason-secondary"),
            Some(r) if r.reason == REASON_UNANIMOUS => w.t("report-reason-unanimous"),
            Some(r) if r.estimate.is_none() => w.t("report-reason-no-answers"),
            Some(r) => r.reason.clone(),
        }
    }

    pub fn cell(&self, row: Option<&EstimateRow>) -> Cell {
        match row {
            Some(r) if !r.suppressed => match r.estimate {
                Some(value) => Cell::Shown {
                    value,
                    low: r.ci_low.unwrap_or(value),
                    high: r.ci_high.unwrap_or(value),
                },
                None => Cell::Suppressed(self.short_reason(Some(r))),
            },
            other => Cell::Suppressed(self.short_reason(other)),
        }
    }

    /// The stratum variable's name for titles: "by sector".
    pub fn by(&self) -> String {
        self.definition
            .stratification
            .as_ref()
            .map(|s| {
                self.words.with(
                    "report-by",
                    &[("variable", s.question.replace('_', " ").into())],
                )
            })
            .unwrap_or_default()
    }

    pub fn note(&self) -> String {
        let complete: i64 = self
            .analysis
            .response_rates
            .iter()
            .map(|r| r.complete)
            .sum();
        self.words.with(
            "report-source-note",
            &[
                ("title", self.definition.title.to_string().into()),
                ("version", self.analysis.version.to_string().into()),
                ("complete", format::thousands(complete.max(0) as u64).into()),
                (
                    "threshold",
                    self.analysis.suppression_threshold.to_string().into(),
                ),
            ],
        )
    }
}

pub use site::build_site;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_hash_is_sha256_hex() {
        assert_eq!(
            plan_hash(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
