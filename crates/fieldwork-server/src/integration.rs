//! The seams where exports and published reports plug into the researcher routes.
//!
//! The admin pages and the API decide *who* may export or publish (crate::auth) and record
//! *that* they did (the audit log); the functions here do the work. Exports and published
//! reports are built in their own crates; connecting them means changing only this file:
//!
//! - [`write_export`]: call `fieldwork_analysis::export::export(store, slug, &options, out)`
//!   for each format it offers, and list those formats in [`EXPORT_FORMATS`]. Until then it
//!   writes `csv-long` itself, straight from the store.
//! - [`publish_report`], [`unpublish_report`], [`published_report_path`]: call the
//!   published-reports store (served at `/r/{slug}`). Until then they answer
//!   [`IntegrationError::NotConnected`], which the admin pages show as "not available".

use std::io::Write;

use fieldwork_store::{ResponseFilter, Store, StoreError};

/// An export format: its name in `?format=`, a description, its media type and extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportFormat {
    pub name: &'static str,
    pub description: &'static str,
    pub media_type: &'static str,
    pub extension: &'static str,
}

/// The formats [`write_export`] can write.
pub const EXPORT_FORMATS: &[ExportFormat] = &[ExportFormat {
    name: "csv-long",
    description: "CSV, one row per answer (complete responses)",
    media_type: "text/csv; charset=utf-8",
    extension: "csv",
}];

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
    #[error("stored answers do not parse: {0}")]
    CorruptAnswers(String),
    #[error("this is not connected in this build yet")]
    NotConnected,
}

/// Write survey `slug` in `format` to `out`; returns the number of data rows written (for
/// the audit log). The caller has checked the format with [`export_format`].
///
/// `csv-long`: `response_id, survey_version, stratum, submitted_at, question, item, value`,
/// one row per answer, one per chosen option of a multiple choice, one per item of a grid.
pub fn write_export(
    store: &Store,
    slug: &str,
    format: &str,
    out: &mut dyn Write,
) -> Result<u64, IntegrationError> {
    if export_format(format).is_none() {
        return Err(IntegrationError::NotConnected);
    }
    let mut writer = csv::Writer::from_writer(out);
    writer
        .write_record([
            "response_id",
            "survey_version",
            "stratum",
            "submitted_at",
            "question",
            "item",
            "value",
        ])
        .map_err(csv_error)?;
    let mut rows = 0u64;
    let result = store.for_each_response(slug, &ResponseFilter::default(), |response| {
        let answers: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&response.answers)
                .map_err(|e| IntegrationError::CorruptAnswers(e.to_string()))?;
        let version = response.survey_version.to_string();
        let submitted = response
            .submitted_at
            .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
            .unwrap_or_default();
        let stratum = response.stratum.clone().unwrap_or_default();
        let mut write = |question: &str, item: &str, value: String| {
            rows += 1;
            writer
                .write_record([
                    response.public_id.as_str(),
                    &version,
                    &stratum,
                    &submitted,
                    question,
                    item,
                    &value,
                ])
                .map_err(csv_error)
        };
        for (question, answer) in &answers {
            match answer {
                serde_json::Value::Array(codes) => {
                    for code in codes {
                        write(question, "", scalar(code))?;
                    }
                }
                serde_json::Value::Object(items) => {
                    for (item, code) in items {
                        write(question, item, scalar(code))?;
                    }
                }
                other => write(question, "", scalar(other))?,
            }
        }
        Ok::<(), IntegrationError>(())
    })?;
    result?;
    writer.flush()?;
    Ok(rows)
}

fn scalar(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn csv_error(error: csv::Error) -> IntegrationError {
    match error.into_kind() {
        csv::ErrorKind::Io(e) => IntegrationError::Write(e),
        other => IntegrationError::Write(std::io::Error::other(format!("{other:?}"))),
    }
}

/// Publish the survey's current report (at `/r/{slug}`).
pub fn publish_report(_store: &Store, _slug: &str) -> Result<(), IntegrationError> {
    Err(IntegrationError::NotConnected)
}

/// Take the survey's published report down.
pub fn unpublish_report(_store: &Store, _slug: &str) -> Result<(), IntegrationError> {
    Err(IntegrationError::NotConnected)
}

/// Where the published report is, if the survey has one.
pub fn published_report_path(
    _store: &Store,
    _slug: &str,
) -> Result<Option<String>, IntegrationError> {
    Ok(None)
}
