//! Exports: a survey's responses for analysts, in the formats of `docs/exports.md`.
//!
//! [`export`] reads responses through [`Store::for_each_response`] and writes them as they
//! arrive, so memory stays flat however many there are. `csv-wide`, `csv-long` and `parquet`
//! read on one thread and hand chunks of responses to workers on the other cores
//! ([`stream`]), which parse each response's answers once, by question position
//! ([`fieldwork_survey::ParsedAnswers`]), and write its cells; `parquet` gathers the chunks'
//! columns into row groups of [`parquet::ROWS_PER_GROUP`] rows and writes each when full. The
//! layout of the wide table, and the conventions for skipped and hidden questions, come from
//! [`fieldwork_survey::WideLayout`], which the importer reads back with.
//!
//! The output is any [`Write`]: a file for the CLI, or a [`ChunkedWriter`] that hands chunks
//! to an HTTP response body as they are made.

mod codebook;
mod consent;
mod csv_text;
mod native;
mod parquet;
mod stream;
mod syntax;
mod tables;

use std::collections::BTreeMap;
use std::io::{self, Write};

use chrono::NaiveDateTime;
use fieldwork_store::{ResponseFilter, Store, StoreError, StoredResponse};
use fieldwork_survey::{Labels, ParsedAnswers, StoredAnswersError, SurveyDefinition, WideLayout};

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// One row per response, one column per variable.
    CsvWide,
    /// One row per answer: response_id, question_id, item, value.
    CsvLong,
    /// The wide table as Parquet, coded answers as categoricals (polars Enum).
    Parquet,
    /// One row per variable of the wide table, as CSV.
    Codebook,
    /// The codebook as JSON.
    CodebookJson,
    /// An R script that reads the csv-wide file and applies labels.
    R,
    /// A Stata do-file that reads the csv-wide file and applies labels.
    Stata,
    /// SPSS syntax that reads the csv-wide file and applies labels.
    Spss,
    /// The wide table as an SPSS system file, labelled, with user-missing codes.
    Sav,
    /// The wide table as a Stata 14+ data file, labelled, with extended missing values.
    Dta,
    /// The consent each respondent gave, one row per response, joined by `response_id`.
    Consent,
}

impl ExportFormat {
    /// Every format with its name on the command line and in the API.
    pub const ALL: [(ExportFormat, &'static str); 11] = [
        (ExportFormat::CsvWide, "csv-wide"),
        (ExportFormat::CsvLong, "csv-long"),
        (ExportFormat::Parquet, "parquet"),
        (ExportFormat::Codebook, "codebook"),
        (ExportFormat::CodebookJson, "codebook-json"),
        (ExportFormat::R, "r"),
        (ExportFormat::Stata, "stata"),
        (ExportFormat::Spss, "spss"),
        (ExportFormat::Sav, "sav"),
        (ExportFormat::Dta, "dta"),
        (ExportFormat::Consent, "consent"),
    ];

    pub const fn name(self) -> &'static str {
        match self {
            ExportFormat::CsvWide => "csv-wide",
            ExportFormat::CsvLong => "csv-long",
            ExportFormat::Parquet => "parquet",
            ExportFormat::Codebook => "codebook",
            ExportFormat::CodebookJson => "codebook-json",
            ExportFormat::R => "r",
            ExportFormat::Stata => "stata",
            ExportFormat::Spss => "spss",
            ExportFormat::Sav => "sav",
            ExportFormat::Dta => "dta",
            ExportFormat::Consent => "consent",
        }
    }

    /// The format with this name (`csv-wide`, ...).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().find(|(_, n)| *n == name).map(|(f, _)| *f)
    }

    /// The media type of an HTTP response carrying this format.
    pub const fn content_type(self) -> &'static str {
        match self {
            ExportFormat::CsvWide
            | ExportFormat::CsvLong
            | ExportFormat::Codebook
            | ExportFormat::Consent => "text/csv; charset=utf-8; header=present",
            ExportFormat::Parquet => "application/vnd.apache.parquet",
            ExportFormat::CodebookJson => "application/json",
            ExportFormat::R | ExportFormat::Stata | ExportFormat::Spss => {
                "text/plain; charset=utf-8"
            }
            // Neither has a registered media type; these are what SPSS and Stata files are
            // commonly served as.
            ExportFormat::Sav => "application/x-spss-sav",
            ExportFormat::Dta => "application/x-stata-dta",
        }
    }

    /// The usual file extension.
    pub const fn extension(self) -> &'static str {
        match self {
            ExportFormat::CsvWide
            | ExportFormat::CsvLong
            | ExportFormat::Codebook
            | ExportFormat::Consent => "csv",
            ExportFormat::Parquet => "parquet",
            ExportFormat::CodebookJson => "json",
            ExportFormat::R => "R",
            ExportFormat::Stata => "do",
            ExportFormat::Spss => "sps",
            ExportFormat::Sav => "sav",
            ExportFormat::Dta => "dta",
        }
    }
}

/// What to export, and how.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub format: ExportFormat,
    /// Codes or labels for coded answers (csv-wide, csv-long, parquet; the syntax files
    /// read a csv-wide made with the same choice).
    pub labels: Labels,
    /// Only this stratum.
    pub stratum: Option<String>,
    /// Only responses submitted (partial: last saved) at or after this time (UTC).
    pub since: Option<NaiveDateTime>,
    /// Partial responses too, with a `complete` column.
    pub include_partial: bool,
    /// Free text of questions marked sensitive. Only for someone whose role allows it: the
    /// caller decides; by default the columns are left out.
    pub include_sensitive: bool,
    /// Begin CSV files with a UTF-8 byte-order mark, for Excel.
    pub bom: bool,
    /// For the r, stata and spss formats: the csv-wide file the syntax reads.
    pub data_file: String,
    /// The language of labels (variable and value labels, coded cells as text): one of the
    /// survey's; `None` its default. Codes and figures are the same in every language.
    pub language: Option<String>,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            format: ExportFormat::CsvWide,
            labels: Labels::Codes,
            stratum: None,
            since: None,
            include_partial: false,
            include_sensitive: false,
            bom: false,
            data_file: "responses.csv".to_owned(),
            language: None,
        }
    }
}

/// What can stop an export.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("`{stratum}` is not a stratum of survey `{slug}`: use one of {strata}")]
    UnknownStratum {
        slug: String,
        stratum: String,
        strata: String,
    },
    #[error("survey `{0}` has no strata to filter by")]
    NotStratified(String),
    #[error("survey `{slug}` is not in `{language}`: use one of its languages, {languages}")]
    UnknownLanguage {
        slug: String,
        language: String,
        languages: String,
    },
    #[error("response {response}: {reason}")]
    CorruptAnswers { response: String, reason: String },
    #[error("the labels of `{0}` are not all different, so they cannot be categories; export with codes")]
    DuplicateLabels(String),
    #[error("cannot write the export: {0}")]
    Write(#[from] io::Error),
    #[error("dataframe: {0}")]
    Frame(#[from] polars::error::PolarsError),
    #[error("{0}")]
    NativeFile(fieldwork_readstat::ReadStatError),
    #[error("response {response}: the answer in `{column}` is {bytes} bytes, more than the {limit} this format's text holds; export it as csv-wide or parquet")]
    TooLongForFormat {
        response: String,
        column: String,
        bytes: usize,
        limit: usize,
    },
    /// The .sav and .dta headers state the number of rows, counted before they are read.
    #[error("a response was withdrawn or deleted while the export ran; export again")]
    ChangedDuringExport,
}

impl From<fieldwork_readstat::ReadStatError> for ExportError {
    fn from(error: fieldwork_readstat::ReadStatError) -> Self {
        match error {
            // The output's own failure (a full disk, a client gone) stays one.
            fieldwork_readstat::ReadStatError::Write(e) => ExportError::Write(e),
            other => ExportError::NativeFile(other),
        }
    }
}

impl From<csv::Error> for ExportError {
    fn from(error: csv::Error) -> Self {
        match error.into_kind() {
            csv::ErrorKind::Io(e) => ExportError::Write(e),
            other => ExportError::Write(io::Error::other(format!("{other:?}"))),
        }
    }
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExportSummary {
    /// Responses written (0 for the codebook and syntax formats, which read none).
    pub responses: u64,
    /// Bytes written.
    pub bytes: u64,
}

/// Export survey `slug` as `options` say, laid out by its latest version, into `out`.
///
/// Withdrawn responses are deleted from the store, so no export can hold one. Partial
/// responses only with `include_partial`; sensitive free text only with `include_sensitive`.
pub fn export(
    store: &Store,
    slug: &str,
    options: &ExportOptions,
    out: &mut dyn Write,
) -> Result<ExportSummary, ExportError> {
    let survey = store.latest_survey(slug)?;
    check_options(&survey.definition, options)?;
    let definition = &match &options.language {
        Some(language) => survey.definition.in_language(language),
        None => survey.definition,
    };
    let mut counted = CountingWriter {
        inner: out,
        bytes: 0,
    };
    let responses = match options.format {
        ExportFormat::CsvWide => tables::wide(store, definition, options, &mut counted)?,
        ExportFormat::CsvLong => tables::long(store, definition, options, &mut counted)?,
        ExportFormat::Parquet => parquet::write(store, definition, options, &mut counted)?,
        ExportFormat::Codebook => {
            codebook::csv(definition, options, &mut counted)?;
            0
        }
        ExportFormat::CodebookJson => {
            codebook::json(definition, options, &mut counted)?;
            0
        }
        ExportFormat::R => {
            syntax::r(definition, options, &mut counted)?;
            0
        }
        ExportFormat::Stata => {
            syntax::stata(definition, options, &mut counted)?;
            0
        }
        ExportFormat::Spss => {
            syntax::spss(definition, options, &mut counted)?;
            0
        }
        ExportFormat::Sav => native::sav(store, definition, options, &mut counted)?,
        ExportFormat::Dta => native::dta(store, definition, options, &mut counted)?,
        ExportFormat::Consent => consent::csv(store, definition, options, &mut counted)?,
    };
    counted.flush()?;
    Ok(ExportSummary {
        responses,
        bytes: counted.bytes,
    })
}

/// `--since` / `?since=`: a date (midnight UTC) or an RFC 3339 time.
pub fn parse_since(text: &str) -> Result<NaiveDateTime, String> {
    let text = text.trim();
    if let Ok(date) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(date.and_time(chrono::NaiveTime::MIN));
    }
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.naive_utc())
        .map_err(|_| {
            "use a date (2024-05-01) or an RFC 3339 time (2024-05-01T09:00:00Z)".to_owned()
        })
}

/// Check `options` against the survey before anything is written (an unknown stratum).
pub fn check_options(
    definition: &SurveyDefinition,
    options: &ExportOptions,
) -> Result<(), ExportError> {
    if let Some(language) = options.language.as_deref() {
        if !definition.speaks(language) {
            return Err(ExportError::UnknownLanguage {
                slug: definition.slug.clone(),
                language: language.to_owned(),
                languages: definition.languages().join(", "),
            });
        }
    }
    let Some(stratum) = &options.stratum else {
        return Ok(());
    };
    let strata = definition.strata();
    if strata.is_empty() {
        return Err(ExportError::NotStratified(definition.slug.clone()));
    }
    if !strata.iter().any(|c| &c.code == stratum) {
        return Err(ExportError::UnknownStratum {
            slug: definition.slug.clone(),
            stratum: stratum.clone(),
            strata: strata
                .iter()
                .map(|c| c.code.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    Ok(())
}

/// The layout of the wide table for these options.
pub(crate) fn layout<'d>(
    definition: &'d SurveyDefinition,
    options: &ExportOptions,
) -> WideLayout<'d> {
    WideLayout::new(
        definition,
        options.include_sensitive,
        options.include_partial,
    )
}

pub(crate) fn filter(options: &ExportOptions) -> ResponseFilter {
    ResponseFilter {
        include_partial: options.include_partial,
        stratum: options.stratum.clone(),
        since: options.since,
        version: None,
    }
}

/// The post-stratification weight N_h / n_h of each stratum: N_h from the frame, n_h the
/// complete responses of the stratum in this export. Empty when the survey has no frame.
pub(crate) fn weights(
    store: &Store,
    definition: &SurveyDefinition,
    options: &ExportOptions,
) -> Result<BTreeMap<String, f64>, ExportError> {
    let Some(stratification) = &definition.stratification else {
        return Ok(BTreeMap::new());
    };
    let counts = store.count_matching_responses(&definition.slug, &filter(options))?;
    Ok(counts
        .into_iter()
        .filter(|c| c.complete && c.count > 0)
        .filter_map(|c| {
            let stratum = c.stratum?;
            let population = *stratification.frame.population.get(&stratum)?;
            Some((stratum, population as f64 / c.count as f64))
        })
        .collect())
}

/// N_h of each stratum in the survey's frame: the fpc every response-level export carries
/// beside the weight. Empty when the survey has no frame.
pub(crate) fn populations(definition: &SurveyDefinition) -> BTreeMap<String, u64> {
    definition
        .stratification
        .as_ref()
        .map(|s| s.frame.population.clone().into_iter().collect())
        .unwrap_or_default()
}

/// Call `each` with every response the options select and its answers, read by `layout`'s
/// definition, one after another on this thread.
pub(crate) fn for_each_response(
    store: &Store,
    layout: &WideLayout<'_>,
    options: &ExportOptions,
    mut each: impl FnMut(&StoredResponse, &ParsedAnswers<'_>) -> Result<(), ExportError>,
) -> Result<u64, ExportError> {
    let mut count = 0u64;
    let mut answers = layout.parsed_answers();
    let slug = layout.definition().slug.clone();
    store.for_each_response(&slug, &filter(options), |response| {
        answers
            .read(&response.answers)
            .map_err(|e| corrupt_answers(&response.public_id, e))?;
        each(&response, &answers)?;
        count += 1;
        Ok::<(), ExportError>(())
    })??;
    Ok(count)
}

/// Append `answers`' cells (codes, not labels) to `record`.
pub(crate) fn push_cells(
    layout: &WideLayout<'_>,
    answers: &ParsedAnswers<'_>,
    record: &mut csv::StringRecord,
) {
    layout
        .write_cells(answers, Labels::Codes, |cell| {
            record.push_field(cell);
            Ok::<(), std::convert::Infallible>(())
        })
        .unwrap_or_else(|never| match never {});
}

/// The error for a response whose stored answers cannot be read.
pub(crate) fn corrupt_answers(response: &str, error: StoredAnswersError) -> ExportError {
    ExportError::CorruptAnswers {
        response: response.to_owned(),
        reason: error.to_string(),
    }
}

/// `submitted_at` as written: ISO 8601 in UTC, to the second.
pub(crate) fn timestamp(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A [`Write`] that counts what passes through.
struct CountingWriter<'a> {
    inner: &'a mut dyn Write,
    bytes: u64,
}

impl Write for CountingWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A [`Write`] that gathers bytes into chunks of about `chunk_size` and hands each to `send`,
/// for streaming an export as an HTTP body: run [`export`] on a blocking thread with a
/// `send` that puts the chunk on a channel (`tokio::sync::mpsc::Sender::blocking_send`) whose
/// receiver is the response's body stream. A `send` error (the client went away) stops the
/// export.
pub struct ChunkedWriter<F: FnMut(Vec<u8>) -> io::Result<()>> {
    buffer: Vec<u8>,
    chunk_size: usize,
    send: F,
}

impl<F: FnMut(Vec<u8>) -> io::Result<()>> std::fmt::Debug for ChunkedWriter<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChunkedWriter")
            .field("buffered", &self.buffer.len())
            .field("chunk_size", &self.chunk_size)
            .finish()
    }
}

impl<F: FnMut(Vec<u8>) -> io::Result<()>> ChunkedWriter<F> {
    pub fn new(chunk_size: usize, send: F) -> Self {
        let chunk_size = chunk_size.max(1);
        ChunkedWriter {
            buffer: Vec::with_capacity(chunk_size),
            chunk_size,
            send,
        }
    }

    fn send_buffer(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buffer, Vec::with_capacity(self.chunk_size));
        (self.send)(chunk)
    }
}

impl<F: FnMut(Vec<u8>) -> io::Result<()>> Write for ChunkedWriter<F> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(buf);
        if self.buffer.len() >= self.chunk_size {
            self.send_buffer()?;
        }
        Ok(buf.len())
    }

    /// Sends what is buffered: call it (or let [`export`] call it) at the end.
    fn flush(&mut self) -> io::Result<()> {
        self.send_buffer()
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::ChunkedWriter;

    #[test]
    fn chunks_carry_every_byte_in_order() {
        let mut chunks: Vec<Vec<u8>> = Vec::new();
        {
            let mut writer = ChunkedWriter::new(4, |chunk| {
                chunks.push(chunk);
                Ok(())
            });
            writer.write_all(b"abc").unwrap();
            writer.write_all(b"defgh").unwrap();
            writer.write_all(b"ij").unwrap();
            writer.flush().unwrap();
        }
        assert_eq!(chunks, vec![b"abcdefgh".to_vec(), b"ij".to_vec()]);
    }

    #[test]
    fn a_failed_send_stops_the_writer() {
        let mut writer = ChunkedWriter::new(2, |_| {
            Err(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "client gone",
            ))
        });
        let error = writer.write_all(b"abcd").unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe);
    }
}
