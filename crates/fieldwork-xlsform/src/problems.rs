//! What is wrong with a workbook, cell by cell.

use std::fmt;

use fieldwork_survey::{DefinitionErrors, DefinitionProblem};

/// Where a problem is: a sheet, and if known a row (as the spreadsheet numbers it, the header
/// being row 1 on a sheet that starts at the top) and a column (its letter and header).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    pub sheet: String,
    pub row: Option<usize>,
    /// Zero-based column index and the column's header.
    pub column: Option<(usize, String)>,
}

impl Location {
    pub(crate) fn sheet(sheet: &str) -> Location {
        Location {
            sheet: sheet.to_owned(),
            row: None,
            column: None,
        }
    }

    pub(crate) fn row(sheet: &str, row: usize) -> Location {
        Location {
            row: Some(row),
            ..Location::sheet(sheet)
        }
    }

    pub(crate) fn cell(sheet: &str, row: usize, column: usize, header: &str) -> Location {
        Location {
            row: Some(row),
            column: Some((column, header.to_owned())),
            ..Location::sheet(sheet)
        }
    }
}

impl fmt::Display for Location {
    /// `survey!J7 (relevant)`, `survey row 7`, or `settings`: the A1 notation spreadsheets use.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.row, &self.column) {
            (Some(row), Some((column, header))) => write!(
                f,
                "{}!{}{} ({header})",
                self.sheet,
                column_letters(*column),
                row
            ),
            (Some(row), None) => write!(f, "{} row {row}", self.sheet),
            (None, Some((column, header))) => {
                write!(
                    f,
                    "{} column {} ({header})",
                    self.sheet,
                    column_letters(*column)
                )
            }
            (None, None) => write!(f, "{}", self.sheet),
        }
    }
}

/// `A`, `B`, ... `Z`, `AA`: a zero-based column index as spreadsheets letter it.
pub fn column_letters(mut column: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(char::from(b'A' + (column % 26) as u8));
        if column < 26 {
            break;
        }
        column = column / 26 - 1;
    }
    letters.iter().rev().collect()
}

/// One thing wrong with a workbook, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XlsFormProblem {
    pub location: Location,
    pub message: String,
}

impl fmt::Display for XlsFormProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// Everything wrong with a workbook; never empty. Nothing is imported while there is any.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} problem{} in the XLSForm", .problems.len(), if .problems.len() == 1 { "" } else { "s" })]
pub struct XlsFormErrors {
    pub problems: Vec<XlsFormProblem>,
}

impl XlsFormErrors {
    pub(crate) fn one(location: Location, message: impl Into<String>) -> XlsFormErrors {
        XlsFormErrors {
            problems: vec![XlsFormProblem {
                location,
                message: message.into(),
            }],
        }
    }
}

impl From<XlsFormErrors> for DefinitionErrors {
    /// The problems in the shape every definition error takes, the cell in place of the JSON
    /// path, so that the CLI and the admin pages list them as they list a JSON file's.
    fn from(errors: XlsFormErrors) -> DefinitionErrors {
        DefinitionErrors {
            problems: errors
                .problems
                .into_iter()
                .map(|p| DefinitionProblem {
                    path: p.location.to_string(),
                    message: p.message,
                })
                .collect(),
        }
    }
}

/// Problems as they are found, then sorted into the workbook's order.
#[derive(Debug, Default)]
pub(crate) struct Problems {
    found: Vec<XlsFormProblem>,
}

impl Problems {
    pub(crate) fn add(&mut self, location: Location, message: impl Into<String>) {
        self.found.push(XlsFormProblem {
            location,
            message: message.into(),
        });
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    pub(crate) fn into_errors(mut self) -> XlsFormErrors {
        let order = |sheet: &str| match sheet.to_ascii_lowercase().as_str() {
            "survey" => 0,
            "choices" => 1,
            "settings" => 2,
            "fieldwork" => 3,
            _ => 4,
        };
        self.found.sort_by(|a, b| {
            (order(&a.location.sheet), &a.location).cmp(&(order(&b.location.sheet), &b.location))
        });
        self.found.dedup();
        XlsFormErrors {
            problems: self.found,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_lettered_as_spreadsheets_do() {
        let letters: Vec<String> = [0, 1, 25, 26, 27, 51, 52, 701, 702]
            .into_iter()
            .map(column_letters)
            .collect();
        assert_eq!(
            letters,
            ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]
        );
    }

    #[test]
    fn a_cell_reads_in_a1_notation_with_its_header() {
        assert_eq!(
            Location::cell("survey", 7, 9, "relevant").to_string(),
            "survey!J7 (relevant)"
        );
        assert_eq!(Location::row("choices", 3).to_string(), "choices row 3");
    }
}
