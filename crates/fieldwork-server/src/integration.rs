//! The seams where exports and published reports plug into the researcher routes.
//!
//! The admin pages and the API decide *who* may export or publish (crate::auth) and record
//! *that* they did (the audit log); the functions here do the work. Exports and published
//! reports are built in their own crates; connecting them means changing only this file:
//!
//! - [`write_export`]: `fieldwork_analysis::export::export` in every format it offers.
//! - [`publish_report`], [`unpublish_report`], [`published_report_path`]: the report built by
//!   `fieldwork_analysis::report` and the published-reports store (served at `/r/{slug}/`).
//! - [`live_pledges_page`]: the published report's pledges page, read from the store on each
//!   request (`fieldwork_analysis::report::pledges`).

use std::io::Write;

use fieldwork_analysis::export::{
    check_options, export, parse_since, ExportError, ExportFormat as AnalysisFormat, ExportOptions,
};
use fieldwork_store::{NewReportFile, Store, StoreError};
use fieldwork_survey::{Labels, SurveyDefinition};

/// An export format: its name in `?format=`, a description, its media type and extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportFormat {
    pub name: &'static str,
    pub description: &'static str,
    pub media_type: &'static str,
    pub extension: &'static str,
    format: AnalysisFormat,
}

const fn format(format: AnalysisFormat, description: &'static str) -> ExportFormat {
    ExportFormat {
        name: format.name(),
        description,
        media_type: format.content_type(),
        extension: format.extension(),
        format,
    }
}

/// The formats [`write_export`] can write (docs/exports.md).
pub const EXPORT_FORMATS: &[ExportFormat] = &[
    format(
        AnalysisFormat::CsvWide,
        "CSV, one row per complete response",
    ),
    format(AnalysisFormat::CsvLong, "CSV, one row per answer"),
    format(AnalysisFormat::Parquet, "Parquet, with categorical answers"),
    format(AnalysisFormat::Codebook, "Codebook (CSV)"),
    format(AnalysisFormat::CodebookJson, "Codebook (JSON)"),
    format(
        AnalysisFormat::R,
        "R syntax that reads the csv-wide file with labels",
    ),
    format(
        AnalysisFormat::Stata,
        "Stata syntax that reads the csv-wide file with labels",
    ),
    format(
        AnalysisFormat::Spss,
        "SPSS syntax that reads the csv-wide file with labels",
    ),
    format(
        AnalysisFormat::Sav,
        "SPSS data file (.sav), labelled, with user-missing codes",
    ),
    format(
        AnalysisFormat::Dta,
        "Stata data file (.dta), labelled, with extended missing values",
    ),
    format(
        AnalysisFormat::Consent,
        "Consent given (CSV, one row per response): personal data, kept apart from the answers",
    ),
];

pub fn export_format(name: &str) -> Option<&'static ExportFormat> {
    EXPORT_FORMATS.iter().find(|f| f.name == name)
}

/// Why an export or a report operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum IntegrationError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write the export: {0}")]
    Write(#[from] std::io::Error),
    #[error(transparent)]
    Export(ExportError),
    #[error("the report cannot be built: {0}")]
    Report(fieldwork_analysis::AnalysisError),
}

impl From<ExportError> for IntegrationError {
    fn from(error: ExportError) -> Self {
        match error {
            ExportError::Write(e) => IntegrationError::Write(e),
            ExportError::Store(e) => IntegrationError::Store(e),
            other => IntegrationError::Export(other),
        }
    }
}

/// An export as asked for over HTTP: the query string of the admin download and of
/// `GET /api/v1/surveys/{slug}/export`, with the CLI's options.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportRequest {
    pub format: Option<String>,
    /// `codes` (default) or `text`.
    pub labels: Option<String>,
    /// One stratum only.
    pub stratum: Option<String>,
    /// Responses submitted then or later: a date (2024-05-01) or an RFC 3339 time.
    pub since: Option<String>,
    #[serde(default)]
    pub include_partial: bool,
    /// Free text of sensitive questions: owners only (the caller checks).
    #[serde(default)]
    pub include_sensitive: bool,
    /// A UTF-8 byte-order mark first, for Excel.
    #[serde(default)]
    pub bom: bool,
    /// The language of labels: one of the survey's (default: its first).
    pub language: Option<String>,
}

/// A checked export request.
#[derive(Debug, Clone)]
pub struct ExportChoice {
    pub format: &'static ExportFormat,
    pub options: ExportOptions,
}

/// Why an export request was refused, in words for the user.
#[derive(Debug, thiserror::Error)]
pub enum ExportRequestError {
    /// A value that is not of the documented shape: 400.
    #[error("{0}")]
    Malformed(String),
    /// A stratum the survey does not have (or a survey without strata): 404, as for any other
    /// thing named that does not exist.
    #[error("{0}")]
    NoSuchStratum(String),
    /// A language the survey is not in: 404 likewise.
    #[error("{0}")]
    NoSuchLanguage(String),
}

impl ExportRequest {
    /// Check the request against survey `definition`.
    pub fn choose(
        &self,
        definition: &SurveyDefinition,
    ) -> Result<ExportChoice, ExportRequestError> {
        let format = self
            .format
            .as_deref()
            .and_then(export_format)
            .ok_or_else(|| {
                ExportRequestError::Malformed(format!(
                    "give `format` as one of: {}",
                    EXPORT_FORMATS
                        .iter()
                        .map(|f| f.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
        let labels = match self.labels.as_deref() {
            None | Some("codes") => Labels::Codes,
            Some("text") => Labels::Text,
            Some(other) => {
                return Err(ExportRequestError::Malformed(format!(
                    "`labels` is `codes` or `text`, not `{other}`"
                )))
            }
        };
        if let Some(language) = self.language.as_deref() {
            if !definition.speaks(language) {
                return Err(ExportRequestError::NoSuchLanguage(format!(
                    "`language` is one of the survey's languages ({}), not `{}`",
                    definition.languages().join(", "),
                    language.escape_debug()
                )));
            }
        }
        let since = match self.since.as_deref() {
            None => None,
            Some(text) => Some(parse_since(text).map_err(|e| {
                ExportRequestError::Malformed(format!(
                    "`since`: {e}, not `{}`",
                    text.escape_debug()
                ))
            })?),
        };
        let options = ExportOptions {
            format: format.format,
            labels,
            stratum: self.stratum.clone(),
            since,
            include_partial: self.include_partial,
            include_sensitive: self.include_sensitive,
            bom: self.bom,
            // The syntax files read the csv-wide download as it is named.
            data_file: format!("{}-csv-wide.csv", definition.slug),
            language: self.language.clone(),
        };
        check_options(definition, &options)
            .map_err(|e| ExportRequestError::NoSuchStratum(e.to_string()))?;
        Ok(ExportChoice { format, options })
    }
}

/// Write survey `slug` as `choice` says to `out` (`fieldwork_analysis::export`). Returns the
/// responses written, for the audit log.
pub fn write_export(
    store: &Store,
    slug: &str,
    choice: &ExportChoice,
    out: &mut dyn Write,
) -> Result<u64, IntegrationError> {
    Ok(export(store, slug, &choice.options, out)?.responses)
}

/// Publish the survey's current report (at `/r/{slug}/`): analyse it with the default plan
/// (every question but free text, threshold 10), build the site and store it, replacing the
/// report published before. The pledges page is not stored: [`live_pledges_page`] serves it.
pub fn publish_report(store: &Store, slug: &str) -> Result<(), IntegrationError> {
    let survey = store.latest_survey(slug)?;
    let plan = fieldwork_analysis::Plan::default_for(&survey.definition);
    let site = fieldwork_analysis::report::report(store, slug, &plan, None, None)
        .map_err(IntegrationError::Report)?;
    let files: Vec<NewReportFile<'_>> = site
        .published_files()
        .map(|f| NewReportFile {
            path: &f.path,
            content_type: f.content_type,
            body: &f.body,
        })
        .collect();
    store.publish_report(slug, site.survey_version, site.plan_hash.as_deref(), &files)?;
    Ok(())
}

/// Take the survey's published report down.
pub fn unpublish_report(store: &Store, slug: &str) -> Result<(), IntegrationError> {
    store.unpublish_report(slug)?;
    Ok(())
}

/// Where the published report is, if the survey has one.
pub fn published_report_path(
    store: &Store,
    slug: &str,
) -> Result<Option<String>, IntegrationError> {
    Ok(store.published_report(slug)?.map(|_| format!("/r/{slug}/")))
}

/// The pledges page of survey `slug`'s published report, as the store has it now: approved
/// pledges of sent responses, newest first, a sector named only at the default plan's
/// suppression threshold. `None` when the survey has no published report or takes no pledges.
/// Read on every request, so a withdrawn response's pledge (or a deleted survey's) is gone at
/// once, without publishing again.
///
/// `folder` is the language folder the page was asked for in (`cy` for `/r/{slug}/cy/pledges`),
/// `None` for the report's root; the page is in that language, with the switcher of the
/// published report's languages. `None` too for a folder the published report does not have.
pub fn live_pledges_page(
    store: &Store,
    slug: &str,
    folder: Option<&str>,
) -> Result<Option<String>, IntegrationError> {
    use fieldwork_analysis::report::{pledges, words};
    let Some(index) = store.report_file(slug, fieldwork_store::REPORT_INDEX)? else {
        return Ok(None);
    };
    let survey = store.latest_survey(slug)?;
    let definition = &survey.definition;
    if definition.publishable_questions().next().is_none() {
        return Ok(None);
    }
    let paths = store.report_paths(slug)?;
    let languages =
        words::published_languages(definition, &String::from_utf8_lossy(&index.body), &paths);
    let wanted = folder.map(|f| format!("{f}/")).unwrap_or_default();
    let Some(language) = languages.iter().find(|l| l.folder == wanted) else {
        return Ok(None);
    };
    let threshold = fieldwork_analysis::Plan::default_for(definition).suppression_threshold;
    let published = store.published_pledges(slug)?;
    let single = definition.in_language(language.code());
    pledges::pledges_page(&single, threshold, &published, language)
        .map(Some)
        .map_err(IntegrationError::Report)
}
