//! XLSForm import and export, on workbooks written here, on the XLSForm specification's
//! examples, and on every survey fixture round-tripped and converted by pyxform.

mod constructs;
/// The survey crate's generator of definitions, shared by path.
#[path = "../../../fieldwork-survey/tests/it/generated.rs"]
mod generated;
mod hostile;
mod round_trip;
mod spec_examples;

use std::path::{Path, PathBuf};

use fieldwork_survey::{parse_definition, resolve_frame_csv, SurveyDefinition};
use fieldwork_xlsform::{read_xlsform, ImportOptions, XlsFormErrors};
use rust_xlsxwriter::Workbook;

pub fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A workbook of sheets given as rows of cells, all written as strings (as a researcher
/// types them); a cell `""` is left empty.
pub fn workbook(sheets: &[(&str, &[&[&str]])]) -> Vec<u8> {
    let mut workbook = Workbook::new();
    for (name, rows) in sheets {
        let sheet = workbook.add_worksheet();
        sheet.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                if !cell.is_empty() {
                    sheet.write_string(r as u32, c as u16, *cell).unwrap();
                }
            }
        }
    }
    workbook.save_to_buffer().unwrap()
}

pub fn read(bytes: &[u8]) -> Result<SurveyDefinition, XlsFormErrors> {
    read_xlsform(bytes, &ImportOptions::default())
}

/// Each problem as `sheet!A1` (or `sheet row N`, `sheet`) and its message.
pub fn problems(errors: &XlsFormErrors) -> Vec<(String, String)> {
    errors
        .problems
        .iter()
        .map(|p| {
            let place = match (&p.location.row, &p.location.column) {
                (Some(row), Some((column, _))) => format!(
                    "{}!{}{}",
                    p.location.sheet,
                    fieldwork_xlsform::column_letters(*column),
                    row
                ),
                (Some(row), None) => format!("{} row {row}", p.location.sheet),
                _ => p.location.sheet.clone(),
            };
            (place, p.message.clone())
        })
        .collect()
}

/// The survey fixtures: the study's own and the browser tests' surveys, frames resolved.
pub fn fixtures() -> Vec<SurveyDefinition> {
    let root = repository();
    let mut paths = vec![root.join("fixtures/surveys/digital-leadership.json")];
    let mut browser: Vec<PathBuf> = std::fs::read_dir(root.join("tests/browser/fixtures"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    browser.sort();
    paths.extend(browser);
    paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).unwrap();
            let mut definition =
                parse_definition(&text).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
            if let Some(csv) = definition
                .stratification
                .as_ref()
                .and_then(|s| s.frame.csv.clone())
            {
                let frame = std::fs::read_to_string(path.parent().unwrap().join(csv)).unwrap();
                resolve_frame_csv(&mut definition, &frame).unwrap();
            }
            definition
        })
        .collect()
}
