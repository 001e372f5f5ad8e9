//! Reading a wide CSV back: every row checked against the layout, every problem listed with
//! its row and column, nothing imported unless all is well.
//!
//! [`WideCsvReader`] streams: it holds one row at a time (and a fingerprint of each
//! `response_id`, to find repeats), so a caller can store rows as they come and throw them
//! all away if [`WideCsvReader::finish`] finds problems. [`read_wide_csv`] collects them.

mod header;
mod row;
mod seen_ids;

use std::borrow::Cow;
use std::fmt;
use std::io::Read;

use self::header::read_header;
use self::row::read_row;
use self::seen_ids::SeenIds;
use crate::answers::ValidatedResponse;
use crate::definition::SurveyDefinition;
use crate::MetaColumn;
use crate::WideLayout;
use crate::MAX_CELL_BYTES;
use crate::MAX_LISTED_PROBLEMS;

/// One problem in an imported file. Rows are counted as a spreadsheet shows them: the header
/// is row 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportProblem {
    pub row: u64,
    /// The column's name, or its position (`7`) when it has none.
    pub column: Option<String>,
    pub message: String,
}

impl fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(column) => write!(f, "row {}, column {}: {}", self.row, column, self.message),
            None => write!(f, "row {}: {}", self.row, self.message),
        }
    }
}

/// Why a file was not imported: the first [`MAX_LISTED_PROBLEMS`] problems, and how many
/// there were.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{total} problem{} in the file", if *.total == 1 { "" } else { "s" })]
pub struct ImportErrors {
    pub problems: Vec<ImportProblem>,
    pub total: usize,
}

/// A row of an imported file that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedResponse {
    /// The row it came from (the header is row 1).
    pub row: u64,
    pub response: ValidatedResponse,
}

/// Where a column of the file goes.
#[derive(Debug, Clone, Copy)]
enum Target {
    Meta(MetaColumn),
    Variable(usize),
}

#[derive(Debug, Default)]
struct Problems {
    listed: Vec<ImportProblem>,
    total: usize,
}

impl Problems {
    fn add(&mut self, row: u64, column: Option<&str>, message: impl Into<String>) {
        self.total += 1;
        if self.listed.len() < MAX_LISTED_PROBLEMS {
            self.listed.push(ImportProblem {
                row,
                column: column.map(str::to_owned),
                message: message.into(),
            });
        }
    }

    fn into_errors(self) -> ImportErrors {
        ImportErrors {
            problems: self.listed,
            total: self.total,
        }
    }
}

/// Read a wide CSV (as [`WideLayout`] writes it, or made by hand with columns named by
/// question id) and check every row against `definition`. Returns every row as a validated
/// response, or every problem (up to [`MAX_LISTED_PROBLEMS`]) by row and column.
///
/// This holds every row; [`WideCsvReader`] reads the same file a row at a time.
pub fn read_wide_csv(
    definition: &SurveyDefinition,
    input: impl Read,
) -> Result<Vec<ImportedResponse>, ImportErrors> {
    let mut reader = WideCsvReader::new(definition, input)?;
    let mut rows = Vec::new();
    while let Some(row) = reader.next_response() {
        if reader.has_problems() {
            // Nothing will be imported: keep checking, but stop keeping rows.
            rows = Vec::new();
        } else {
            rows.push(row);
        }
    }
    reader.finish()?;
    Ok(rows)
}

/// A wide CSV read a row at a time, each row checked against the survey as it is read.
///
/// Columns may come in any order; a column of a question may be left out (no row answers
/// it), except that a required question without `show_if` must have its column, and a
/// multi-choice question has all its option columns or none. Metadata columns are optional:
/// `response_id` must not repeat, `stratum` must agree with the stratum question's answer,
/// `complete` (1 or 0, default 1) says whether the row is a partial response;
/// `survey_version`, `submitted_at`, `weight` and `stratum_population` are not read (they
/// are the target's).
/// Coded cells take a code or a label.
///
/// Rows with problems are not handed out; their problems are kept for
/// [`WideCsvReader::finish`], which says whether the file as a whole may be imported.
pub struct WideCsvReader<'d, R> {
    layout: WideLayout<'d>,
    reader: csv::Reader<R>,
    /// The current row's fields, reused from row to row.
    record: csv::ByteRecord,
    columns: Vec<(String, Target)>,
    response_ids: SeenIds,
    problems: Problems,
    /// The last row read (the header is row 1).
    row: u64,
    responses: u64,
    /// The file cannot be read further (an I/O or encoding error of the file itself).
    stopped: bool,
}

impl<R> fmt::Debug for WideCsvReader<'_, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WideCsvReader")
            .field("survey", &self.layout.definition.slug)
            .field("row", &self.row)
            .field("problems", &self.problems.total)
            .finish_non_exhaustive()
    }
}

impl<'d, R: Read> WideCsvReader<'d, R> {
    /// Read the header row of `input`: the reader, or the header's problems.
    pub fn new(definition: &'d SurveyDefinition, input: R) -> Result<Self, ImportErrors> {
        let layout = WideLayout::full(definition);
        let mut problems = Problems::default();
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(input);
        let mut record = csv::ByteRecord::new();
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => problems.add(
                1,
                None,
                "the file is empty: it needs a header row of column names",
            ),
            Err(e) => problems.add(1, None, csv_error_message(&e)),
        }
        if problems.total > 0 {
            return Err(problems.into_errors());
        }
        let columns = read_header(&layout, &record, &mut problems);
        if problems.total > 0 {
            return Err(problems.into_errors());
        }
        Ok(WideCsvReader {
            layout,
            reader,
            record,
            columns,
            response_ids: SeenIds::default(),
            problems,
            row: 1,
            responses: 0,
            stopped: false,
        })
    }

    /// The next row that passed every check, or `None` at the end of the file. Rows with
    /// problems are skipped, their problems kept.
    pub fn next_response(&mut self) -> Option<ImportedResponse> {
        while !self.stopped {
            match self.reader.read_byte_record(&mut self.record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    // The reader cannot go on after an I/O or encoding error of the file itself.
                    self.problems.add(self.row + 1, None, csv_error_message(&e));
                    self.stopped = true;
                    break;
                }
            }
            self.row += 1;
            if let Some(response) = self.check_row() {
                self.responses += 1;
                return Some(ImportedResponse {
                    row: self.row,
                    response,
                });
            }
        }
        None
    }

    /// Whether a problem has been found so far: if so, nothing of the file will be imported,
    /// and a caller storing rows as they come can stop.
    pub fn has_problems(&self) -> bool {
        self.problems.total > 0
    }

    /// After the last row: how many responses the file holds, or its problems. A file with
    /// a header and no rows is a problem too.
    pub fn finish(mut self) -> Result<u64, ImportErrors> {
        if self.problems.total == 0 && self.responses == 0 {
            self.problems
                .add(2, None, "the file has a header row but no responses");
        }
        if self.problems.total > 0 {
            return Err(self.problems.into_errors());
        }
        Ok(self.responses)
    }

    /// The current record as a response, or `None` after reporting its problems.
    fn check_row(&mut self) -> Option<ValidatedResponse> {
        let (record, columns, row) = (&self.record, &self.columns, self.row);
        if record.len() != columns.len() {
            // A blank line in the middle of a file is read as one empty field.
            let blank = record.len() == 1 && record.get(0).is_some_and(|f| f.is_empty());
            self.problems.add(
                row,
                None,
                if blank {
                    "the row is empty".to_owned()
                } else {
                    format!(
                        "the row has {} fields; the header row has {}",
                        record.len(),
                        columns.len()
                    )
                },
            );
            return None;
        }
        let cells = row_cells(record, columns, row, &mut self.problems)?;
        read_row(
            &self.layout,
            columns,
            &cells,
            row,
            &mut self.response_ids,
            &mut self.problems,
        )
    }
}

fn csv_error_message(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::Io(e) => format!("cannot read the file: {e}"),
        _ => format!("the file is not CSV: {error}"),
    }
}

fn not_utf8(error: std::str::Utf8Error) -> String {
    format!(
        "the text is not UTF-8 (invalid byte at position {}); save the file as UTF-8",
        error.valid_up_to() + 1
    )
}

/// The row's cells as text, or `None` after reporting a cell that is not UTF-8 or too long.
fn row_cells<'r>(
    record: &'r csv::ByteRecord,
    columns: &[(String, Target)],
    row: u64,
    problems: &mut Problems,
) -> Option<Vec<&'r str>> {
    let mut cells = Vec::with_capacity(columns.len());
    let mut ok = true;
    for (field, (name, _)) in record.iter().zip(columns) {
        if field.len() > MAX_CELL_BYTES {
            problems.add(
                row,
                Some(name),
                format!(
                    "the value is {} bytes long; the limit is {MAX_CELL_BYTES}",
                    field.len()
                ),
            );
            ok = false;
            continue;
        }
        match std::str::from_utf8(field) {
            Ok(text) => cells.push(text),
            Err(e) => {
                problems.add(row, Some(name), not_utf8(e));
                ok = false;
            }
        }
    }
    ok.then_some(cells)
}

/// A value quoted in a message, cut short so that a huge cell does not make a huge message.
fn shorten(text: &str) -> Cow<'_, str> {
    const MAX: usize = 60;
    if text.chars().count() <= MAX {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(format!("{}…", text.chars().take(MAX).collect::<String>()))
    }
}
