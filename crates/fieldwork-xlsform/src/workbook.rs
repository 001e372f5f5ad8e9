//! Reading a workbook's sheets into rows of cells, safely.
//!
//! calamine does the reading, of .xlsx only: its .xls and .ods readers build each sheet as a
//! dense grid, so one cell far out would allocate gigabytes, where its .xlsx cell reader
//! yields only the cells there are. Before it inflates anything the declared sizes of the
//! workbook's parts are checked, so that a small hostile file cannot expand into gigabytes; a
//! panic inside the reader is caught and reported as an unreadable file.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use crate::problems::{Location, XlsFormErrors};

/// The largest workbook accepted, as uploaded.
pub const MAX_WORKBOOK_BYTES: usize = 10 * 1024 * 1024;
/// The most a zipped workbook may inflate to, all parts together.
const MAX_INFLATED_BYTES: u64 = 100 * 1024 * 1024;
/// More rows than any survey needs (the longest XLSForms in the wild have a few thousand).
const MAX_ROWS: usize = 20_000;
/// Cells with something in them, all sheets together.
const MAX_CELLS: usize = 500_000;

/// A sheet's header and its rows below.
#[derive(Debug)]
pub(crate) struct Sheet {
    /// The name as the workbook spells it.
    pub(crate) name: String,
    /// The row the headers are on (the first with anything in it).
    pub(crate) header_row: usize,
    pub(crate) headers: Vec<Header>,
    pub(crate) rows: Vec<Row>,
}

/// A column header, split at `::` into its base (`label`) and language (`Welsh (cy)`).
#[derive(Debug, Clone)]
pub(crate) struct Header {
    pub(crate) column: usize,
    /// The header as written, trimmed.
    pub(crate) text: String,
    /// Lower-cased, the part before any `::`.
    pub(crate) base: String,
    /// The part after `::`, trimmed.
    pub(crate) language: Option<String>,
}

/// A row with something in it, numbered as the spreadsheet shows it.
#[derive(Debug)]
pub(crate) struct Row {
    pub(crate) number: usize,
    /// The cells with something in them, by zero-based column.
    cells: BTreeMap<usize, Data>,
}

impl Row {
    pub(crate) fn value(&self, column: usize) -> &Data {
        self.cells.get(&column).unwrap_or(&Data::Empty)
    }

    /// The cell as text, trimmed: whole numbers without a decimal point, booleans as
    /// `true`/`false`, empty for an empty cell.
    pub(crate) fn text(&self, column: usize) -> String {
        cell_text(self.value(column))
    }

    /// The cell's words as written, spaces and all (a label's padding is part of it); empty
    /// when there is nothing but space.
    pub(crate) fn words(&self, column: usize) -> String {
        match self.value(column) {
            Data::String(words) if !words.trim().is_empty() => words.clone(),
            other => cell_text(other),
        }
    }
}

pub(crate) fn cell_text(value: &Data) -> String {
    match value {
        Data::Float(number) if number.fract() == 0.0 && number.abs() < 1e15 => {
            format!("{}", *number as i64)
        }
        other => other.to_string().trim().to_owned(),
    }
}

impl Sheet {
    /// The first column whose header is `base` with no language.
    pub(crate) fn column(&self, base: &str) -> Option<&Header> {
        self.headers
            .iter()
            .find(|h| h.base == base && h.language.is_none())
    }

    /// Every column whose header is `base`, with or without a language.
    pub(crate) fn columns<'s>(&'s self, base: &'s str) -> impl Iterator<Item = &'s Header> {
        self.headers.iter().filter(move |h| h.base == base)
    }

    pub(crate) fn location(&self, row: &Row, header: &Header) -> Location {
        Location::cell(&self.name, row.number, header.column, &header.text)
    }

    /// The header cell itself.
    pub(crate) fn header_location(&self, header: &Header) -> Location {
        Location::cell(&self.name, self.header_row, header.column, &header.text)
    }
}

/// The sheets of a workbook, found by name whatever their case.
#[derive(Debug)]
pub(crate) struct Workbook {
    sheets: Vec<Sheet>,
}

impl Workbook {
    pub(crate) fn sheet(&self, name: &str) -> Option<&Sheet> {
        self.sheets
            .iter()
            .find(|s| s.name.trim().eq_ignore_ascii_case(name))
    }

    pub(crate) fn read(bytes: &[u8]) -> Result<Workbook, XlsFormErrors> {
        let unreadable = |why: String| XlsFormErrors::one(Location::sheet("workbook"), why);
        if bytes.len() > MAX_WORKBOOK_BYTES {
            return Err(unreadable(format!(
                "the workbook is {} bytes; the limit is {MAX_WORKBOOK_BYTES}",
                bytes.len()
            )));
        }
        check_inflated_size(bytes).map_err(unreadable)?;
        let read = std::panic::catch_unwind(|| read_sheets(bytes));
        match read {
            Ok(Ok(sheets)) => Ok(Workbook { sheets }),
            Ok(Err(why)) => Err(unreadable(why)),
            Err(_) => Err(unreadable(
                "the file could not be read as an .xlsx workbook: it is damaged or not a \
                 workbook"
                    .to_owned(),
            )),
        }
    }
}

/// A zip (`.xlsx`, `.ods`) whose parts claim to inflate past the limit is refused before
/// anything is inflated. zip reads no more than a part's declared size, so the claim binds.
fn check_inflated_size(bytes: &[u8]) -> Result<(), String> {
    if !bytes.starts_with(b"PK") {
        return Ok(());
    }
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("the file is not a readable .xlsx workbook ({e}): save the XLSForm as Excel Workbook (.xlsx)"))?;
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let size = archive
            .by_index_raw(index)
            .map_err(|e| format!("the file is not a readable .xlsx workbook ({e})"))?
            .size();
        total = total.saturating_add(size);
    }
    if total > MAX_INFLATED_BYTES {
        return Err(format!(
            "the workbook would inflate to {total} bytes; the limit is {MAX_INFLATED_BYTES}"
        ));
    }
    Ok(())
}

fn read_sheets(bytes: &[u8]) -> Result<Vec<Sheet>, String> {
    if !bytes.starts_with(b"PK") {
        return Err(NOT_XLSX.to_owned());
    }
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|_| NOT_XLSX.to_owned())?;
    let mut sheets = Vec::new();
    let mut cells_read = 0;
    for name in workbook.sheet_names() {
        // Cell by cell, keeping only cells with something in them: a sheet's range may claim
        // thousands of empty columns, and calamine's dense range would allocate them all.
        let mut reader = workbook
            .worksheet_cells_reader(&name)
            .map_err(|e| format!("sheet `{name}` could not be read: {e}"))?;
        let mut rows: BTreeMap<u32, BTreeMap<usize, Data>> = BTreeMap::new();
        while let Some(cell) = reader
            .next_cell()
            .map_err(|e| format!("sheet `{name}` could not be read: {e}"))?
        {
            let value = Data::from(cell.get_value().clone());
            if cell_text(&value).is_empty() {
                continue;
            }
            cells_read += 1;
            if cells_read > MAX_CELLS {
                return Err(format!(
                    "the workbook has more than {MAX_CELLS} cells with something in them"
                ));
            }
            let (row, column) = cell.get_position();
            rows.entry(row).or_default().insert(column as usize, value);
            if rows.len() > MAX_ROWS + 1 {
                return Err(format!("sheet `{name}` has more than {MAX_ROWS} rows"));
            }
        }
        let mut rows = rows.into_iter().map(|(row, cells)| Row {
            number: row as usize + 1,
            cells,
        });
        let (header_row, headers) = match rows.next() {
            Some(first) => (
                first.number,
                first
                    .cells
                    .iter()
                    .filter_map(|(column, cell)| header(*column, &cell_text(cell)))
                    .collect(),
            ),
            None => (1, Vec::new()),
        };
        sheets.push(Sheet {
            name,
            header_row,
            headers,
            rows: rows.collect(),
        });
    }
    Ok(sheets)
}

const NOT_XLSX: &str = "the file is not an .xlsx workbook: save the XLSForm as Excel \
                        Workbook (.xlsx); .xls and .ods files are not read";

fn header(column: usize, text: &str) -> Option<Header> {
    if text.is_empty() {
        return None;
    }
    let (base, language) = match text.split_once("::") {
        Some((base, language)) => (base, Some(language.trim().to_owned())),
        None => (text, None),
    };
    Some(Header {
        column,
        text: text.to_owned(),
        base: base.trim().to_ascii_lowercase().replace(' ', "_"),
        language,
    })
}
