//! What each fuzz target checks, as a plain function of the input bytes. A panic is a finding.
//!
//! Beyond "never panic", each target checks the invariant that makes its input worth having:
//! a definition that parses comes back unchanged from its canonical JSON; answers that
//! validate validate again as the store keeps them; a wide CSV that imports imports again,
//! identically, once written back with the exporter's layout.
//!
//! This file is compiled twice: by the fuzz targets in `fuzz_targets/` (nightly, cargo-fuzz)
//! and, through `#[path]`, by `crates/fieldwork-survey/tests/it/fuzz_regressions.rs`, which
//! replays `corpus/` and `regressions/` under a normal `cargo test`.

use std::sync::OnceLock;

use fieldwork_survey::{
    drop_hidden_answers, escape_cell, parse_definition, read_wide_csv, resolve_frame_csv,
    validate_answers, Completeness, Labels, MetaColumn, SubmittedAnswers, SurveyDefinition,
    SyntheticRespondents, ValidatedResponse, WideLayout, MAX_LISTED_PROBLEMS,
};

const FIXTURE: &str = include_str!("../../fixtures/surveys/digital-leadership.json");
const FRAME: &str = include_str!("../../fixtures/frames/uk-public-sector.csv");

/// The study that the `answers` and `wide_csv` targets check their input against.
pub fn fixture() -> &'static SurveyDefinition {
    static DEFINITION: OnceLock<SurveyDefinition> = OnceLock::new();
    DEFINITION.get_or_init(|| {
        let mut definition = parse_definition(FIXTURE).expect("the fixture parses");
        resolve_frame_csv(&mut definition, FRAME).expect("the fixture's frame resolves");
        definition
    })
}

/// Target `definition`: a definition, optionally followed by a NUL byte and a frame CSV.
pub fn definition(data: &[u8]) {
    let (text, frame) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], Some(&data[at + 1..])),
        None => (data, None),
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let mut definition = match parse_definition(text) {
        Ok(definition) => definition,
        Err(errors) => {
            assert!(!errors.problems.is_empty(), "refused without a problem");
            return;
        }
    };
    if let Some(frame) = frame.and_then(|f| std::str::from_utf8(f).ok()) {
        if let Err(errors) = resolve_frame_csv(&mut definition, frame) {
            assert!(
                !errors.problems.is_empty(),
                "frame refused without a problem"
            );
            return;
        }
    }
    let canonical = definition.to_canonical_json();
    let again = parse_definition(&canonical)
        .unwrap_or_else(|e| panic!("the canonical JSON does not parse: {e:?}\n{canonical}"));
    assert_eq!(
        again, definition,
        "the canonical JSON reads back differently"
    );
    // What is built from any definition must cope with it: synthetic respondents (demos and
    // benchmarks) are valid, and their rows survive the wide table.
    let mut respondents = SyntheticRespondents::new(&definition, data.len() as u64);
    let responses: Vec<ValidatedResponse> = (0..3)
        .map(|_| {
            let answers = respondents.respondent(None);
            validate_answers(&definition, &answers, Completeness::Complete)
                .unwrap_or_else(|e| panic!("a synthetic respondent is refused: {e:?}\n{answers:?}"))
        })
        .collect();
    round_trip(&definition, &responses);
}

/// Target `answers`: a JSON object of answers to the fixture, checked as complete and as
/// partial.
pub fn answers(data: &[u8]) {
    let definition = fixture();
    let Ok(submitted) = serde_json::from_slice::<SubmittedAnswers>(data) else {
        return;
    };
    for completeness in [Completeness::Complete, Completeness::Partial] {
        let checked = validate_answers(definition, &submitted, completeness);
        let mut dropped = submitted.clone();
        drop_hidden_answers(definition, &mut dropped);
        let response = match checked {
            Ok(response) => response,
            Err(errors) => {
                assert!(!errors.is_empty(), "refused without an error");
                // The web form drops hidden answers, then validates again.
                if let Ok(response) = validate_answers(definition, &dropped, completeness) {
                    stored_again(definition, &response);
                }
                continue;
            }
        };
        // Valid answers lose nothing to the form's dropping of hidden ones (it may drop a
        // blank answer to a hidden question, which was no answer).
        assert_eq!(
            validate_answers(definition, &dropped, completeness).as_ref(),
            Ok(&response),
            "drop_hidden_answers changed valid answers"
        );
        stored_again(definition, &response);
    }
}

/// Target `wide_csv`: any bytes as a wide CSV of responses to the fixture.
pub fn wide_csv(data: &[u8]) {
    let definition = fixture();
    match read_wide_csv(definition, data) {
        Ok(rows) => {
            let responses: Vec<ValidatedResponse> = rows.into_iter().map(|r| r.response).collect();
            round_trip(definition, &responses);
        }
        Err(errors) => {
            assert!(!errors.problems.is_empty(), "refused without a problem");
            assert!(errors.problems.len() <= MAX_LISTED_PROBLEMS);
            assert!(errors.total >= errors.problems.len());
        }
    }
}

/// A validated response, as the store keeps it (its answers' JSON), validates again to the
/// same response, and survives the wide table.
fn stored_again(definition: &SurveyDefinition, response: &ValidatedResponse) {
    let stored: SubmittedAnswers =
        serde_json::from_str(&response.answers_json()).expect("stored answers are an object");
    let again = validate_answers(definition, &stored, response.completeness())
        .unwrap_or_else(|e| panic!("stored answers are refused: {e:?}\n{stored:?}"));
    assert_eq!(&again, response, "stored answers validate differently");
    round_trip(definition, std::slice::from_ref(response));
}

/// Write `responses` as the `csv-wide` export does (with codes, then with labels) and read
/// the file back: the same answers, completeness and stratum, row for row.
pub fn round_trip(definition: &SurveyDefinition, responses: &[ValidatedResponse]) {
    if responses.is_empty() {
        return;
    }
    for labels in [Labels::Codes, Labels::Text] {
        let csv = write_wide(definition, responses, labels);
        let read = read_wide_csv(definition, csv.as_slice()).unwrap_or_else(|e| {
            panic!(
                "a written file ({labels:?}) does not read back: {:?}\n{}",
                e.problems,
                String::from_utf8_lossy(&csv)
            )
        });
        assert_eq!(read.len(), responses.len());
        for (imported, response) in read.iter().zip(responses) {
            assert_eq!(
                imported.response.answers(),
                response.answers(),
                "answers read back differently ({labels:?}):\n{}",
                String::from_utf8_lossy(&csv)
            );
            assert_eq!(imported.response.completeness(), response.completeness());
            assert_eq!(imported.response.stratum(), response.stratum());
        }
    }
}

/// A wide CSV of `responses`, every column of the layout, as the export writes its cells.
pub fn write_wide(
    definition: &SurveyDefinition,
    responses: &[ValidatedResponse],
    labels: Labels,
) -> Vec<u8> {
    let layout = WideLayout::full(definition);
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    writer
        .write_record(layout.header())
        .expect("writing to memory");
    let mut record = csv::StringRecord::new();
    for (index, response) in responses.iter().enumerate() {
        record.clear();
        for (column, _) in layout.meta() {
            match column {
                MetaColumn::ResponseId => record.push_field(&format!("r{index}")),
                MetaColumn::SurveyVersion => record.push_field(&definition.version.to_string()),
                MetaColumn::Stratum => {
                    record.push_field(&escape_cell(response.stratum().unwrap_or("")))
                }
                MetaColumn::SubmittedAt
                | MetaColumn::Weight
                | MetaColumn::Population
                | MetaColumn::Language => record.push_field(""),
                MetaColumn::Complete => {
                    record.push_field(if response.completeness() == Completeness::Complete {
                        "1"
                    } else {
                        "0"
                    })
                }
            }
        }
        layout.push_cells(response.answers(), labels, &mut record);
        writer.write_record(&record).expect("writing to memory");
    }
    writer.into_inner().expect("writing to memory")
}
