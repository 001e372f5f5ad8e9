//! Analysis is blind to language: responses given on Welsh pages and on English ones with the
//! same codes count the same, whichever language a researcher's outputs are in.

use chrono::{TimeDelta, Utc};
use fieldwork_analysis::export::{export, ExportFormat, ExportOptions};
use fieldwork_analysis::{analyze, Plan};
use fieldwork_store::testing::{self, TestDatabase};
use fieldwork_store::{NewResponse, ResponseStart, StartOutcome};
use fieldwork_survey::{
    parse_definition, resolve_frame_csv, validate_answers, Completeness, Labels, SurveyDefinition,
    SyntheticRespondents, ValidatedResponse,
};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

fn bilingual_fixture() -> SurveyDefinition {
    let text = std::fs::read_to_string(format!("{ROOT}/fixtures/surveys/digital-leadership.json"))
        .unwrap();
    let frame =
        std::fs::read_to_string(format!("{ROOT}/fixtures/frames/uk-public-sector.csv")).unwrap();
    let mut definition = parse_definition(&text).unwrap();
    resolve_frame_csv(&mut definition, &frame).unwrap();
    assert_eq!(definition.languages(), ["en", "cy"]);
    definition
}

fn responses(definition: &SurveyDefinition) -> Vec<ValidatedResponse> {
    let mut synthetic = SyntheticRespondents::new(definition, 7);
    ["civil_service", "councils", "schools", "police", "mps"]
        .iter()
        .flat_map(|stratum| std::iter::repeat_n(*stratum, 30))
        .map(|stratum| {
            let answers = synthetic.respondent(Some(stratum));
            validate_answers(definition, &answers, Completeness::Complete).unwrap()
        })
        .collect()
}

/// The responses stored as the API stores them: no language.
fn stored_without_language(db: &TestDatabase, definition: &SurveyDefinition) {
    let survey = db.store.import_survey(definition).unwrap().survey().clone();
    let responses = responses(definition);
    let keys: Vec<String> = (0..responses.len()).map(|i| format!("k{i}")).collect();
    let batch: Vec<NewResponse<'_>> = responses
        .iter()
        .zip(&keys)
        .map(|(response, submission_key)| NewResponse {
            response,
            submission_key,
        })
        .collect();
    db.store.insert_responses(&survey, &batch).unwrap();
}

/// The same responses given on the web pages, every other one in Welsh.
fn stored_in_both_languages(db: &TestDatabase, definition: &SurveyDefinition) {
    let survey = db.store.import_survey(definition).unwrap().survey().clone();
    db.store
        .set_survey_status(&definition.slug, fieldwork_store::SurveyStatus::Open)
        .unwrap();
    for (i, response) in responses(definition).iter().enumerate() {
        let language = if i % 2 == 0 { "cy" } else { "en" };
        let key = format!("k{i}");
        let started = db
            .store
            .start_response(
                &survey,
                &ResponseStart {
                    key_hash: &key,
                    stratum: None,
                    invitation_hash: None,
                    resume_expires_at: Utc::now().naive_utc() + TimeDelta::days(1),
                    consent: None,
                    language,
                },
            )
            .unwrap();
        let StartOutcome::Started(started) = started else {
            panic!("response {i} was not started: {started:?}");
        };
        assert!(db
            .store
            .complete_response(started.id, response, &format!("r{i}"), language)
            .unwrap());
    }
}

#[test]
fn a_welsh_and_an_english_response_with_the_same_codes_count_the_same() {
    let definition = bilingual_fixture();
    let plan = Plan::default_for(&definition);
    let (plain, mixed) = (testing::sqlite(), testing::sqlite());
    stored_without_language(&plain, &definition);
    stored_in_both_languages(&mixed, &definition);
    let languages: Vec<Option<String>> = mixed
        .store
        .load_responses(&definition.slug, &Default::default())
        .unwrap()
        .into_iter()
        .map(|r| r.language)
        .collect();
    assert_eq!(
        languages
            .iter()
            .filter(|l| l.as_deref() == Some("cy"))
            .count(),
        75
    );
    let plain = analyze(&plain.store, &definition.slug, &plan).unwrap();
    let mixed = analyze(&mixed.store, &definition.slug, &plan).unwrap();
    assert!(!plain.estimates.is_empty());
    assert_eq!(plain.estimates, mixed.estimates);
    assert_eq!(plain.tests.len(), mixed.tests.len());
}

fn exported(db: &TestDatabase, format: ExportFormat, language: Option<&str>) -> String {
    let options = ExportOptions {
        format,
        labels: Labels::Text,
        language: language.map(str::to_owned),
        ..ExportOptions::default()
    };
    let mut out = Vec::new();
    export(&db.store, "digital-leadership", &options, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn codebooks_syntax_and_labelled_exports_are_in_the_language_asked_for() {
    let definition = bilingual_fixture();
    let db = testing::sqlite();
    stored_in_both_languages(&db, &definition);
    let question = definition.question("disrupted").unwrap();
    // Up to any apostrophe, which each syntax escapes its own way.
    fn before_quote(text: &str) -> &str {
        text.split('\'').next().unwrap()
    }
    let (english, welsh) = (
        before_quote(question.text.get("en")),
        before_quote(question.text.get("cy")),
    );
    for format in [
        ExportFormat::Codebook,
        ExportFormat::CodebookJson,
        ExportFormat::R,
        ExportFormat::Stata,
        ExportFormat::Spss,
    ] {
        let cy = exported(&db, format, Some("cy"));
        assert!(
            cy.contains(welsh) && !cy.contains(english),
            "{format:?} in Welsh"
        );
        let en = exported(&db, format, None);
        assert!(
            en.contains(english) && !en.contains(welsh),
            "{format:?} in English"
        );
    }
    // Answers as text: the Welsh labels, the same codes under them.
    let yes = question.choices().find(|c| c.code == "yes").unwrap();
    let cy = exported(&db, ExportFormat::CsvWide, Some("cy"));
    let en = exported(&db, ExportFormat::CsvWide, Some("en"));
    assert!(cy.contains(yes.label.get("cy")) && en.contains(yes.label.get("en")));
    assert_eq!(cy.lines().count(), en.lines().count());
    assert_eq!(cy.lines().next(), en.lines().next(), "the same columns");
    // A language the survey does not have is refused, naming those it has.
    let refused = export(
        &db.store,
        "digital-leadership",
        &ExportOptions {
            language: Some("fr".into()),
            ..ExportOptions::default()
        },
        &mut Vec::new(),
    )
    .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "survey `digital-leadership` is not in `fr`: use one of its languages, en, cy"
    );
}
