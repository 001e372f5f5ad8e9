//! XLSForm in and out.
//!
//! Researchers write surveys as XLSForm, the spreadsheet format of ODK, KoboToolbox,
//! SurveyCTO and Ona. [`read_xlsform`] reads a workbook's `survey`, `choices` and `settings`
//! sheets (and fieldwork's own `fieldwork` sheet) into a [`SurveyDefinition`], checked by the
//! same rules as a JSON definition, or lists every problem by sheet, row and column.
//! [`write_xlsform`] writes a definition as a workbook that reads back as the same definition
//! and that pyxform, the reference converter, turns into an XForm. `docs/xlsform.md` gives the
//! mapping column by column.
//!
//! Rooms: `workbook` reads cells safely; `expression` parses XPath's subset; `conditions` and
//! `constraints` give those trees their meaning; `import` and `export` are the two directions;
//! `fieldwork_sheet` is the sheet for what XLSForm has no column for.

mod conditions;
mod constraints;
mod export;
mod expression;
mod fieldwork_sheet;
mod import;
mod languages;
mod problems;
mod workbook;

pub use export::write_xlsform;
pub use import::{read_xlsform, ImportOptions};
pub use problems::{column_letters, Location, XlsFormErrors, XlsFormProblem};
pub use workbook::MAX_WORKBOOK_BYTES;

/// Whether a file is an XLSForm workbook rather than a JSON definition, by its first bytes
/// (an .xlsx is a zip archive; JSON starts with `{` or whitespace).
pub fn looks_like_workbook(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
}
