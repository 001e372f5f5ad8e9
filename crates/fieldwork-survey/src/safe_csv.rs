//! CSV that a spreadsheet opens without running anything: every CSV fieldwork writes (exports,
//! results, report downloads, invitation lists) goes through here or through
//! [`escape_cell`], so a stratum label, an answer or a survey title that starts like a
//! formula (`=`, `+`, `-`, `@`, tab, CR) is written with a leading `'`.
//!
//! Numbers stay numbers: a cell that is a plain decimal number (`-0.25`, `1e-9`) cannot run,
//! and a spreadsheet must still read it as a number.

use std::io::Write;

use serde::Serialize;

use crate::wide::escape_cell;

/// A CSV writer that neutralises every cell that is not a plain number.
#[derive(Debug)]
pub struct SafeCsvWriter<W: Write> {
    inner: csv::Writer<W>,
}

impl<W: Write> SafeCsvWriter<W> {
    pub fn new(out: W) -> Self {
        SafeCsvWriter {
            inner: csv::Writer::from_writer(out),
        }
    }

    /// Write one record, each cell neutralised.
    pub fn write_record<I, S>(&mut self, cells: I) -> csv::Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut record = csv::StringRecord::new();
        for cell in cells {
            record.push_field(&safe_cell(cell.as_ref()));
        }
        self.inner.write_record(&record)
    }

    pub fn into_inner(self) -> csv::Result<W> {
        self.inner
            .into_inner()
            .map_err(|e| csv::Error::from(e.into_error()))
    }
}

/// One cell as written: a plain number as it is, anything else through [`escape_cell`].
pub fn safe_cell(text: &str) -> std::borrow::Cow<'_, str> {
    if is_plain_number(text) {
        std::borrow::Cow::Borrowed(text)
    } else {
        escape_cell(text)
    }
}

fn is_plain_number(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'))
        && text.parse::<f64>().is_ok_and(f64::is_finite)
}

/// Serde rows as neutralised CSV, with a header of their field names.
pub fn rows_to_safe_csv<T: Serialize>(rows: &[T]) -> csv::Result<Vec<u8>> {
    let mut plain = csv::Writer::from_writer(Vec::new());
    for row in rows {
        plain.serialize(row)?;
    }
    let plain = plain
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(plain.as_slice());
    let mut safe = SafeCsvWriter::new(Vec::new());
    for record in reader.records() {
        safe.write_record(record?.iter())?;
    }
    safe.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Row {
        stratum: &'static str,
        label: &'static str,
        rate: f64,
        delta: f64,
    }

    #[test]
    fn formulas_are_neutralised_and_numbers_are_not() {
        let rows = [
            Row {
                stratum: "=cmd|' /C calc'!A0",
                label: "+1",
                rate: 0.25,
                delta: -0.5,
            },
            Row {
                stratum: "@SUM(A1)",
                label: "-2+3",
                rate: 1e-9,
                delta: -1e-12,
            },
            Row {
                stratum: "\tx",
                label: "\rx",
                rate: 0.0,
                delta: 3.0,
            },
            Row {
                stratum: "councils",
                label: "Local government",
                rate: 1.0,
                delta: 0.0,
            },
        ];
        let text = String::from_utf8(rows_to_safe_csv(&rows).unwrap()).unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let cells: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect();
        let text_cells: Vec<[&str; 2]> = cells
            .iter()
            .map(|r| [r[0].as_str(), r[1].as_str()])
            .collect();
        assert_eq!(
            text_cells,
            [
                ["'=cmd|' /C calc'!A0", "+1"],
                ["'@SUM(A1)", "'-2+3"],
                ["'\tx", "'\rx"],
                ["councils", "Local government"],
            ]
        );
        // Numbers, negative and tiny ones included, are written as numbers.
        let numbers: Vec<f64> = cells
            .iter()
            .flat_map(|r| [r[2].parse().unwrap(), r[3].parse().unwrap()])
            .collect();
        assert_eq!(numbers, [0.25, -0.5, 1e-9, -1e-12, 0.0, 3.0, 1.0, 0.0]);
        for row in &cells {
            for cell in row {
                assert!(
                    !cell.starts_with(['=', '@', '\t', '\r'])
                        && (!cell.starts_with(['+', '-']) || cell.parse::<f64>().is_ok()),
                    "{cell:?} could run as a formula"
                );
            }
        }
    }
}
