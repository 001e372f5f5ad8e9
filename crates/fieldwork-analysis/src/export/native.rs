//! `sav` and `dta`: the wide table as an SPSS system file or a Stata data file, labelled as
//! the syntax exports label it, written through ReadStat (`fieldwork-readstat`).
//!
//! The columns, their conversions and their names are the syntax exports' own
//! (`syntax::columns`, `syntax::package_names`), so a `.sav` and the `.sps` run on csv-wide
//! give the same dictionary. The two missing kinds stay apart as there:
//!
//! | | not answered | not shown |
//! |---|---|---|
//! | SPSS | user-missing -2 (or below `min`) | user-missing -1 (or below `min`) |
//! | Stata | `.s` | `.n` (both labelled) |
//!
//! Free text has no missing codes in either format: empty when not shown or not answered.
//! The design columns (stratum, weight, stratum_population) and `submitted_at` are plain:
//! missing there is the system-missing value.
//!
//! Both formats state the number of rows in their header, so the rows are counted first; a
//! response stored after the count is left out (the file is the survey as it was counted), and
//! one withdrawn between the count and its row stops the export. Rows stream to the output as
//! they are read; only Stata's strLs (text that may be longer than the 2045 bytes a `str#`
//! holds) must all be in the header's reckoning before the first row, so a `.dta` with long
//! text questions reads the responses twice and holds that text in memory.

use std::collections::BTreeMap;
use std::io::Write;

use chrono::{NaiveDate, NaiveDateTime};
use fieldwork_readstat::{
    Cell, FileBuilder, FileFormat, LongStringId, Measure, Variable, VariableId, VariableType,
};
use fieldwork_store::{Store, StoredResponse};
use fieldwork_survey::{
    unescape_cell, Labels, MetaColumn, QuestionKind, SurveyDefinition, NOT_SHOWN,
};

use super::syntax::{
    columns, package_names, spss_missing, spss_reserved, stata_reserved, truncate_bytes,
    truncate_chars, Column, Conversion,
};
use super::{
    filter, for_each_response, layout, populations, push_cells, weights, ExportError, ExportOptions,
};

/// Stata's extended missing values, as the do-file codes them.
const STATA_NOT_SHOWN: char = 'n';
const STATA_NOT_ANSWERED: char = 's';
/// Text columns that are not answers (response id, an unstratified stratum): their width.
const META_TEXT_WIDTH: usize = 255;

pub(super) fn sav(
    store: &Store,
    definition: &SurveyDefinition,
    options: &ExportOptions,
    out: &mut dyn Write,
) -> Result<u64, ExportError> {
    write(FileFormat::Sav, store, definition, options, out)
}

pub(super) fn dta(
    store: &Store,
    definition: &SurveyDefinition,
    options: &ExportOptions,
    out: &mut dyn Write,
) -> Result<u64, ExportError> {
    write(FileFormat::Dta, store, definition, options, out)
}

/// How one column of the wide table is stored.
struct Stored<'c, 'd> {
    column: &'c Column<'d>,
    id: VariableId,
    /// A metadata column (plain missing values) rather than an answer.
    meta: Option<MetaColumn>,
    /// For text: its width, or `None` for a Stata strL.
    text_width: Option<usize>,
    /// SPSS: the user-missing codes of not shown and not answered.
    spss_codes: (f64, f64),
}

fn write(
    format: FileFormat,
    store: &Store,
    definition: &SurveyDefinition,
    options: &ExportOptions,
    out: &mut dyn Write,
) -> Result<u64, ExportError> {
    let layout = layout(definition, options);
    // Binary files hold each coded answer as its number with the label attached, so the
    // cells are read as codes whatever `--labels` says.
    let columns = columns(&layout, Labels::Codes);
    let header: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    let names = match format {
        FileFormat::Sav => package_names(&header, 64, &spss_reserved),
        FileFormat::Dta => package_names(&header, 32, &stata_reserved),
    };
    let mut file = FileBuilder::new(format);
    file.set_file_label(&match format {
        FileFormat::Sav => truncate_bytes(definition.title.as_str(), 64).to_owned(),
        FileFormat::Dta => truncate_chars(definition.title.as_str(), 80).to_owned(),
    })?;
    let mut stored = Vec::with_capacity(columns.len());
    for (index, (column, name)) in columns.iter().zip(&names).enumerate() {
        let meta = layout.meta().get(index).map(|(meta, _)| *meta);
        let text_width = text_width(format, &layout, column, meta);
        let spss_codes = spss_missing(&column.conversion);
        let variable = variable(format, column, name, meta, text_width, spss_codes);
        stored.push(Stored {
            column,
            id: file.add_variable(&variable)?,
            meta,
            text_width,
            spss_codes,
        });
    }

    let weights: BTreeMap<String, f64> = weights(store, definition, options)?;
    let populations = populations(definition);
    let has_strls = stored
        .iter()
        .any(|s| matches!(s.column.conversion, Conversion::Text { .. }) && s.text_width.is_none());
    // Stata's strLs, gathered before the rows: each row's response id and its strLs in column
    // order. Without strLs, the count is enough.
    let (rows, strls) = if has_strls {
        let strls = gather_strls(store, &layout, options, &stored, &mut file)?;
        (strls.rows.len() as u64, Some(strls))
    } else {
        let counts = store.count_matching_responses(&definition.slug, &filter(options))?;
        (counts.iter().map(|c| c.count.max(0) as u64).sum(), None)
    };

    let mut writer = file.begin(out, rows)?;
    let mut record = csv::StringRecord::new();
    let mut written = 0u64;
    for_each_response(store, &layout, options, |response, answers| {
        if written == rows {
            // Stored after the count: not in this export.
            return Ok(());
        }
        let row_strls = match &strls {
            Some(strls) => {
                let (id, ids) = &strls.rows[written as usize];
                if *id != response.public_id {
                    return Err(ExportError::ChangedDuringExport);
                }
                Some(ids.as_slice())
            }
            None => None,
        };
        record.clear();
        push_cells(&layout, answers, &mut record);
        let weight = response
            .stratum
            .as_ref()
            .filter(|_| response.complete)
            .and_then(|s| weights.get(s).copied());
        let population = response.stratum.as_ref().and_then(|s| populations.get(s));
        let mut answer_cells = record.iter();
        let mut strl_ids = row_strls.unwrap_or(&[]).iter();
        let mut row: Vec<(VariableId, Cell<'_>)> = Vec::with_capacity(stored.len());
        for column in &stored {
            let cell = match column.meta {
                Some(meta) => meta_cell(format, meta, column, response, weight, population),
                None => {
                    let text = answer_cells.next().unwrap_or("");
                    answer_cell(format, column, text, &mut strl_ids, response)?
                }
            };
            row.push((column.id, cell));
        }
        writer.write_row(&row)?;
        written += 1;
        Ok(())
    })?;
    if written < rows {
        return Err(ExportError::ChangedDuringExport);
    }
    writer.finish()?;
    Ok(written)
}

/// The bytes a text column is declared with; `None` for a Stata strL.
fn text_width(
    format: FileFormat,
    layout: &fieldwork_survey::WideLayout<'_>,
    column: &Column<'_>,
    meta: Option<MetaColumn>,
) -> Option<usize> {
    if !matches!(column.conversion, Conversion::Text { .. }) {
        return Some(0);
    }
    let max_length = meta.is_none().then(|| {
        layout
            .variables()
            .iter()
            .find(|v| v.name == column.name)
            .and_then(|v| match &v.question.kind {
                QuestionKind::Text { max_length, .. } => Some(*max_length as usize),
                _ => None,
            })
    });
    // A character is at most 4 bytes of UTF-8.
    let bytes = match max_length.flatten() {
        Some(characters) => characters.saturating_mul(4),
        None => META_TEXT_WIDTH,
    };
    let limit = format.max_string_width();
    match format {
        FileFormat::Dta if bytes > limit => None,
        _ => Some(bytes.clamp(1, limit)),
    }
}

fn variable(
    format: FileFormat,
    column: &Column<'_>,
    name: &str,
    meta: Option<MetaColumn>,
    text_width: Option<usize>,
    (not_shown, not_answered): (f64, f64),
) -> Variable {
    let kind = match column.conversion {
        Conversion::Text { .. } => match text_width {
            Some(width) => VariableType::String { width },
            None => VariableType::LongString,
        },
        _ => VariableType::Number,
    };
    let mut variable = Variable::new(name, kind);
    variable.label = match format {
        FileFormat::Sav => truncate_bytes(&column.label, 255).to_owned(),
        FileFormat::Dta => truncate_chars(&column.label, 80).to_owned(),
    };
    let answer = meta.is_none();
    let missing_codes = |variable: &mut Variable| {
        variable.user_missing = vec![not_shown, not_answered];
        variable.value_labels.extend([
            (not_shown, "Not shown".to_owned()),
            (not_answered, "Not answered".to_owned()),
        ]);
        variable.missing_labels = vec![
            (STATA_NOT_SHOWN, "Not shown".to_owned()),
            (STATA_NOT_ANSWERED, "Not answered".to_owned()),
        ];
    };
    match &column.conversion {
        Conversion::Text { .. } => {}
        Conversion::Coded {
            labels, ordinal, ..
        } => {
            variable.value_labels = labels
                .iter()
                .enumerate()
                .map(|(i, label)| {
                    let label = match format {
                        FileFormat::Sav => truncate_bytes(label, 120),
                        FileFormat::Dta => label,
                    };
                    ((i + 1) as f64, label.to_owned())
                })
                .collect();
            if answer {
                missing_codes(&mut variable);
            }
            variable.measure = Some(if *ordinal {
                Measure::Ordinal
            } else {
                Measure::Nominal
            });
            variable.format = numeric_format(format, true);
        }
        Conversion::Number { integer, .. } => {
            if answer {
                missing_codes(&mut variable);
            }
            variable.measure = Some(Measure::Scale);
            variable.format = numeric_format(format, *integer);
        }
        Conversion::Tick => {
            if answer {
                missing_codes(&mut variable);
            }
            variable.measure = Some(Measure::Nominal);
            variable.format = numeric_format(format, true);
        }
        Conversion::Timestamp => {
            variable.format = match format {
                FileFormat::Sav => "DATETIME20",
                FileFormat::Dta => "%tc",
            }
            .to_owned();
        }
    }
    if format == FileFormat::Sav {
        // Extended missing values are Stata's; SPSS marks the codes above as missing.
        variable.missing_labels.clear();
    } else {
        variable.user_missing.clear();
        variable
            .value_labels
            .retain(|(value, _)| *value != not_shown && *value != not_answered);
    }
    variable
}

fn numeric_format(format: FileFormat, integer: bool) -> String {
    match (format, integer) {
        (FileFormat::Sav, true) => "F12.0",
        (FileFormat::Sav, false) => "F16.6",
        (FileFormat::Dta, true) => "%12.0g",
        (FileFormat::Dta, false) => "%10.0g",
    }
    .to_owned()
}

fn meta_cell<'r>(
    format: FileFormat,
    meta: MetaColumn,
    column: &Stored<'_, '_>,
    response: &'r StoredResponse,
    weight: Option<f64>,
    population: Option<&u64>,
) -> Cell<'r> {
    let number = |value: Option<f64>| value.map_or(Cell::Missing, Cell::Number);
    match meta {
        MetaColumn::ResponseId => Cell::Text(&response.public_id),
        MetaColumn::SurveyVersion => Cell::Number(f64::from(response.survey_version)),
        MetaColumn::Stratum => match (&column.column.conversion, &response.stratum) {
            (Conversion::Coded { cells, .. }, Some(stratum)) => number(
                cells
                    .iter()
                    .position(|cell| unescape_cell(cell) == stratum)
                    .map(|i| (i + 1) as f64),
            ),
            (_, Some(stratum)) => Cell::Text(stratum),
            (_, None) => Cell::Missing,
        },
        MetaColumn::SubmittedAt => number(response.submitted_at.map(|at| timestamp(format, at))),
        MetaColumn::Weight => number(weight),
        MetaColumn::Population => number(population.map(|&n| n as f64)),
        MetaColumn::Complete => Cell::Number(if response.complete { 1.0 } else { 0.0 }),
    }
}

/// A time as each format counts it: SPSS in seconds since the Gregorian calendar's start
/// (1582-10-14), Stata's `%tc` in milliseconds since 1960.
fn timestamp(format: FileFormat, at: NaiveDateTime) -> f64 {
    let (epoch, unit) = match format {
        FileFormat::Sav => (NaiveDate::from_ymd_opt(1582, 10, 14), 1.0),
        FileFormat::Dta => (NaiveDate::from_ymd_opt(1960, 1, 1), 1000.0),
    };
    let epoch = epoch
        .expect("a valid calendar date")
        .and_time(chrono::NaiveTime::MIN);
    (at - epoch).num_seconds() as f64 * unit
}

/// The cell of an answer column, from its csv-wide text (the one place that decides what a
/// skipped or hidden question looks like).
fn answer_cell<'t>(
    format: FileFormat,
    column: &Stored<'_, '_>,
    text: &'t str,
    strls: &mut std::slice::Iter<'_, LongStringId>,
    response: &StoredResponse,
) -> Result<Cell<'t>, ExportError> {
    let (not_shown, not_answered) = match format {
        FileFormat::Sav => (
            Cell::Number(column.spss_codes.0),
            Cell::Number(column.spss_codes.1),
        ),
        FileFormat::Dta => (
            Cell::TaggedMissing(STATA_NOT_SHOWN),
            Cell::TaggedMissing(STATA_NOT_ANSWERED),
        ),
    };
    if let Conversion::Text { .. } = column.column.conversion {
        if column.text_width.is_none() {
            let id = strls.next().ok_or(ExportError::ChangedDuringExport)?;
            return Ok(Cell::LongText(*id));
        }
        let text = if text == NOT_SHOWN {
            ""
        } else {
            unescape_cell(text)
        };
        let width = column.text_width.unwrap_or(0);
        if text.len() > width {
            return Err(ExportError::TooLongForFormat {
                response: response.public_id.clone(),
                column: column.column.name.clone(),
                bytes: text.len(),
                limit: width,
            });
        }
        return Ok(if text.is_empty() {
            Cell::Missing
        } else {
            Cell::Text(text)
        });
    }
    if text == NOT_SHOWN {
        return Ok(not_shown);
    }
    if text.is_empty() {
        return Ok(not_answered);
    }
    Ok(match &column.column.conversion {
        // A code the latest version no longer offers has no number: system-missing, as the
        // syntax files' recodes leave it.
        Conversion::Coded { cells, .. } => cells
            .iter()
            .position(|cell| cell == text)
            .map_or(Cell::Missing, |i| Cell::Number((i + 1) as f64)),
        _ => text.parse().map_or(Cell::Missing, Cell::Number),
    })
}

/// The strLs of a `.dta`, gathered in a first reading of the responses.
struct Strls {
    /// Per row: the response id and the strL of each strL column, in column order.
    rows: Vec<(String, Vec<LongStringId>)>,
}

fn gather_strls(
    store: &Store,
    layout: &fieldwork_survey::WideLayout<'_>,
    options: &ExportOptions,
    stored: &[Stored<'_, '_>],
    file: &mut FileBuilder,
) -> Result<Strls, ExportError> {
    let meta_count = layout.meta().len();
    let strl_columns: Vec<usize> = stored
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            matches!(s.column.conversion, Conversion::Text { .. }) && s.text_width.is_none()
        })
        .map(|(index, _)| index - meta_count)
        .collect();
    // Empty cells share one strL, as Stata's own files do.
    let empty = file.add_long_string("")?;
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    for_each_response(store, layout, options, |response, answers| {
        record.clear();
        push_cells(layout, answers, &mut record);
        let mut ids = Vec::with_capacity(strl_columns.len());
        for &index in &strl_columns {
            let text = record.get(index).unwrap_or("");
            let text = if text == NOT_SHOWN {
                ""
            } else {
                unescape_cell(text)
            };
            ids.push(if text.is_empty() {
                empty
            } else {
                file.add_long_string(text)?
            });
        }
        rows.push((response.public_id.clone(), ids));
        Ok(())
    })?;
    Ok(Strls { rows })
}
