//! The store suite: every test runs on a new SQLite file and on a new PostgreSQL database.

mod accounts;
mod contacts;
mod deletion;
mod imports;
mod invitations;
mod pledges;
mod reports;
mod responses;
mod schema;
mod storage_faults;
mod surveys;

use fieldwork_store::testing::TestDatabase;
use fieldwork_survey::{
    parse_definition, resolve_frame_csv, validate_answers, Completeness, SurveyDefinition,
    ValidatedResponse,
};

pub use fieldwork_store::on_both_backends;

pub fn fixture_definition() -> SurveyDefinition {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures");
    let text = std::fs::read_to_string(format!("{root}/surveys/digital-leadership.json")).unwrap();
    let frame = std::fs::read_to_string(format!("{root}/frames/uk-public-sector.csv")).unwrap();
    let mut definition = parse_definition(&text).unwrap();
    resolve_frame_csv(&mut definition, &frame).unwrap();
    definition
}

pub fn answers(json: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    json.as_object().cloned().unwrap()
}

/// A complete, valid response of the fixture survey in the given sector.
pub fn complete_response(definition: &SurveyDefinition, sector: &str) -> ValidatedResponse {
    let submitted = answers(serde_json::json!({
        "sector": sector,
        "role": "head",
        "disrupted": "yes",
        "capable": "no",
        "capability_gaps": ["skills"],
        "leadership_understanding": "well",
        "behaviours": {
            "users": "agree", "open_culture": "agree", "experiments": "disagree",
            "pace": "neither", "privacy_security": "strongly_agree", "ethics": "agree",
            "skills": "dont_know", "spot_projects": "disagree"
        },
        "barriers": ["legacy_technology", "procurement"],
        "learning_needs": ["data"],
        "hostility": "no",
    }));
    validate_answers(definition, &submitted, Completeness::Complete).unwrap()
}

pub fn imported(db: &TestDatabase) -> fieldwork_store::StoredSurvey {
    db.store
        .import_survey(&fixture_definition())
        .unwrap()
        .survey()
        .clone()
}
