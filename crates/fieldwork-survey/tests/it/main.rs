//! Survey domain tests: definitions in, verdicts out.

mod answers;
mod definitions;
mod fuzz_regressions;
mod generated;
mod languages;
mod properties;
mod wide;

/// The fuzz targets' checks, shared by `fuzz_regressions` and `properties`.
#[path = "../../../../fuzz/src/lib.rs"]
mod harness;

use fieldwork_survey::{parse_definition, resolve_frame_csv, SurveyDefinition};

pub fn fixture_text() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/surveys/digital-leadership.json"
    ))
    .unwrap()
}

pub fn fixture() -> SurveyDefinition {
    let mut definition = parse_definition(&fixture_text()).unwrap();
    let frame = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/frames/uk-public-sector.csv"
    ))
    .unwrap();
    resolve_frame_csv(&mut definition, &frame).unwrap();
    definition
}
