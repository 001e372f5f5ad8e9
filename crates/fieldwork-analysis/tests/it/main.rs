//! Analysis tests: estimates against the R survey package, and properties of the outputs.

mod export;
mod languages;
mod native_files;
mod properties;
mod reference;
mod report;
mod weighting;

use fieldwork_analysis::{analyze, Analysis, Plan};
use fieldwork_store::testing::TestDatabase;
use fieldwork_store::NewResponse;
use fieldwork_survey::{parse_definition, validate_answers, Completeness, SurveyDefinition};
use serde_json::{json, Value};

/// A survey laid out like `fixtures/analysis/small.csv`, with its frame.
pub fn small_definition() -> SurveyDefinition {
    let frame = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/analysis/small-frame.csv"
    ))
    .unwrap();
    let population: serde_json::Map<String, Value> = frame
        .lines()
        .skip(1)
        .map(|l| {
            let (s, n) = l.split_once(',').unwrap();
            (s.to_owned(), json!(n.parse::<u64>().unwrap()))
        })
        .collect();
    let choice = |codes: &[&str]| {
        codes
            .iter()
            .map(|c| json!({"code": c, "label": c}))
            .collect::<Vec<_>>()
    };
    let definition = json!({
        "slug": "small", "title": "Small", "version": 1,
        "stratification": {"question": "stratum", "frame": {"population": population}},
        "pages": [{"title": "All", "questions": [
            {"id": "stratum", "type": "single_choice", "text": "Stratum", "options": choice(&["police", "mps", "councils", "schools"])},
            {"id": "role", "type": "single_choice", "text": "Role", "required": false, "options": choice(&["head", "senior_leader", "elected", "other"])},
            {"id": "q", "type": "single_choice", "text": "Q", "required": false, "options": choice(&["yes", "no", "dont_know"])},
            {"id": "l", "type": "likert", "text": "L", "required": false, "scale": choice(&["1", "2", "3", "4", "5"]), "non_substantive": choice(&["dont_know"])},
            {"id": "y", "type": "number", "text": "Y", "required": false},
            {"id": "m", "type": "multi_choice", "text": "M", "required": false,
             "options": [{"code": "m1", "label": "m1"}, {"code": "m2", "label": "m2"}, {"code": "none", "label": "none", "exclusive": true}]}
        ]}]
    });
    parse_definition(&definition.to_string()).unwrap()
}

/// The rows of small.csv as answers.
pub fn small_answers() -> Vec<serde_json::Map<String, Value>> {
    let mut reader = csv::Reader::from_path(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/analysis/small.csv"
    ))
    .unwrap();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let mut answers = serde_json::Map::new();
            answers.insert("stratum".into(), json!(&r[1]));
            answers.insert("role".into(), json!(&r[2]));
            for (i, name) in [(3, "q"), (4, "l")] {
                if !r[i].is_empty() {
                    answers.insert(name.into(), json!(&r[i]));
                }
            }
            if !r[5].is_empty() {
                answers.insert("y".into(), json!(r[5].parse::<f64>().unwrap()));
            }
            let mut chosen: Vec<&str> = Vec::new();
            if &r[6] == "1" {
                chosen.push("m1");
            }
            if &r[7] == "1" {
                chosen.push("m2");
            }
            if chosen.is_empty() {
                chosen.push("none");
            }
            answers.insert("m".into(), json!(chosen));
            answers
        })
        .collect()
}

/// Store `answers` as complete responses of `definition` and analyse them.
pub fn analysed(
    db: &TestDatabase,
    definition: &SurveyDefinition,
    answers: &[serde_json::Map<String, Value>],
    plan: &Plan,
) -> Analysis {
    let survey = db.store.import_survey(definition).unwrap().survey().clone();
    let responses: Vec<_> = answers
        .iter()
        .map(|a| validate_answers(definition, a, Completeness::Complete).unwrap())
        .collect();
    let keys: Vec<String> = (0..responses.len()).map(|i| i.to_string()).collect();
    let batch: Vec<NewResponse<'_>> = responses
        .iter()
        .zip(&keys)
        .map(|(response, key)| NewResponse {
            response,
            submission_key: key,
        })
        .collect();
    db.store.insert_responses(&survey, &batch).unwrap();
    analyze(&db.store, &definition.slug, plan).unwrap()
}
