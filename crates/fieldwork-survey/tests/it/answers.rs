use fieldwork_survey::{
    drop_hidden_answers, validate_answers, Answer, Completeness, FieldErrorKind, SubmittedAnswers,
};
use serde_json::json;

/// A refused answer as `(question, item, kind)`.
type Refusal = (String, Option<String>, FieldErrorKind);

fn submitted(value: serde_json::Value) -> SubmittedAnswers {
    value.as_object().cloned().unwrap()
}

fn valid() -> serde_json::Value {
    json!({
        "sector": "police",
        "role": "elected",
        "years_in_role": 3,
        "disrupted": "yes",
        "capable": "no",
        "capability_gaps": ["structure", "skills"],
        "leadership_understanding": "dont_know",
        "behaviours": {
            "users": "agree", "open_culture": "agree", "experiments": "disagree",
            "pace": "neither", "privacy_security": "strongly_agree", "ethics": "agree",
            "skills": "dont_know", "spot_projects": "disagree"
        },
        "barriers": ["legacy_technology"],
        "learning_needs": ["data", "security"],
        "hostility": "witnessed",
        "hostility_detail": "  Shouted at in a meeting.  ",
        "pledge": "Publish our roadmap"
    })
}

/// The errors as `(question, item, kind)`, for compact expectations.
fn refused(value: serde_json::Value, completeness: Completeness) -> Vec<Refusal> {
    validate_answers(&crate::fixture(), &submitted(value), completeness)
        .expect_err("the answers should be refused")
        .into_iter()
        .map(|e| (e.question, e.item, e.kind))
        .collect()
}

fn one(question: &str, kind: FieldErrorKind) -> Vec<Refusal> {
    vec![(question.to_owned(), None, kind)]
}

#[test]
fn a_complete_valid_response_is_accepted() {
    let response = validate_answers(
        &crate::fixture(),
        &submitted(valid()),
        Completeness::Complete,
    )
    .unwrap();
    assert_eq!(response.stratum(), Some("police"));
    assert_eq!(response.survey_slug(), "digital-leadership");
    let answers = response.answers();
    // Multi-choice codes come back in the definition's order, text trimmed.
    assert_eq!(
        answers["capability_gaps"],
        Answer::Choices(vec!["skills".into(), "structure".into()])
    );
    assert_eq!(
        answers["hostility_detail"],
        Answer::Text("Shouted at in a meeting.".into())
    );
    assert_eq!(answers["years_in_role"], Answer::Integer(3));
    let stored: serde_json::Value = serde_json::from_str(&response.answers_json()).unwrap();
    assert_eq!(stored["behaviours"]["skills"], "dont_know");
}

#[test]
fn form_strings_are_accepted_for_numbers_and_single_codes() {
    let mut answers = valid();
    answers["years_in_role"] = json!(" 12 ");
    answers["barriers"] = json!("procurement");
    let response = validate_answers(
        &crate::fixture(),
        &submitted(answers),
        Completeness::Complete,
    )
    .unwrap();
    assert_eq!(response.answers()["years_in_role"], Answer::Integer(12));
    assert_eq!(
        response.answers()["barriers"],
        Answer::Choices(vec!["procurement".into()])
    );
}

#[test]
fn each_kind_of_wrong_answer_is_refused() {
    use FieldErrorKind::*;
    type Change = fn(&mut serde_json::Value);
    let cases: Vec<(Change, Vec<Refusal>)> = vec![
        (
            |a| a["mystery"] = json!("x"),
            one("mystery", UnknownQuestion),
        ),
        (
            |a| a["sector"] = json!("army"),
            one("sector", OptionNotOffered),
        ),
        (|a| a["sector"] = json!(3), one("sector", WrongType)),
        (
            |a| {
                a.as_object_mut().unwrap().remove("disrupted");
            },
            one("disrupted", Required),
        ),
        (
            |a| a["years_in_role"] = json!(61),
            one("years_in_role", OutOfRange),
        ),
        (
            |a| a["years_in_role"] = json!(2.5),
            one("years_in_role", NotAWholeNumber),
        ),
        (
            |a| a["years_in_role"] = json!("several"),
            one("years_in_role", NotANumber),
        ),
        (
            |a| a["years_in_role"] = json!("NaN"),
            one("years_in_role", NotANumber),
        ),
        (
            |a| a["learning_needs"] = json!(["data", "security", "ethics_ai", "user_research"]),
            one("learning_needs", TooManySelections),
        ),
        (
            |a| a["learning_needs"] = json!(["data", "none"]),
            one("learning_needs", ExclusiveOptionCombined),
        ),
        (
            |a| a["barriers"] = json!(["legacy_technology", 7]),
            one("barriers", WrongType),
        ),
        (
            |a| a["barriers"] = json!(["teleportation"]),
            one("barriers", OptionNotOffered),
        ),
        (
            |a| a["pledge"] = json!("x".repeat(1001)),
            one("pledge", TooLong),
        ),
        (
            |a| a["pledge"] = json!("nul\u{0}byte"),
            one("pledge", DisallowedCharacter),
        ),
        (
            |a| a["pledge"] = json!(["not", "text"]),
            one("pledge", WrongType),
        ),
        (
            |a| a["capable"] = json!("yes"),
            one("capability_gaps", HiddenQuestion),
        ),
        (
            |a| a["behaviours"]["pace"] = json!("maybe"),
            vec![("behaviours".into(), Some("pace".into()), OptionNotOffered)],
        ),
        (
            |a| a["behaviours"]["vibes"] = json!("agree"),
            vec![("behaviours".into(), Some("vibes".into()), UnknownItem)],
        ),
        (
            |a| {
                a["behaviours"].as_object_mut().unwrap().remove("ethics");
            },
            vec![("behaviours".into(), Some("ethics".into()), Required)],
        ),
        (
            |a| a["behaviours"] = json!("agree"),
            one("behaviours", WrongType),
        ),
    ];
    for (change, expected) in cases {
        let mut answers = valid();
        change(&mut answers);
        assert_eq!(
            refused(answers.clone(), Completeness::Complete),
            expected,
            "answers: {answers}"
        );
    }
}

#[test]
fn every_problem_is_reported_at_once_in_form_order() {
    let mut answers = valid();
    answers["sector"] = json!("army");
    answers["pledge"] = json!("x".repeat(1001));
    answers.as_object_mut().unwrap().remove("role");
    let kinds: Vec<_> = refused(answers, Completeness::Complete)
        .into_iter()
        .map(|(q, _, k)| (q, k))
        .collect();
    assert_eq!(
        kinds,
        [
            ("sector".to_owned(), FieldErrorKind::OptionNotOffered),
            ("role".to_owned(), FieldErrorKind::Required),
            ("pledge".to_owned(), FieldErrorKind::TooLong),
        ]
    );
}

#[test]
fn an_exclusive_option_alone_satisfies_a_minimum() {
    let mut answers = valid();
    answers["barriers"] = json!(["none"]);
    assert!(validate_answers(
        &crate::fixture(),
        &submitted(answers),
        Completeness::Complete
    )
    .is_ok());
    let mut empty = valid();
    empty["barriers"] = json!([]);
    assert_eq!(
        refused(empty, Completeness::Complete),
        one("barriers", FieldErrorKind::Required)
    );
}

#[test]
fn partial_responses_need_nothing_but_must_be_valid() {
    let response = validate_answers(
        &crate::fixture(),
        &submitted(json!({"sector": "mps"})),
        Completeness::Partial,
    )
    .unwrap();
    assert_eq!(response.completeness(), Completeness::Partial);
    assert_eq!(response.stratum(), Some("mps"));
    assert_eq!(
        refused(
            json!({"sector": "mps", "years_in_role": -1}),
            Completeness::Partial
        ),
        one("years_in_role", FieldErrorKind::OutOfRange)
    );
}

#[test]
fn blank_answers_count_as_unanswered() {
    let mut answers = valid();
    answers["pledge"] = json!("   ");
    answers["years_in_role"] = json!("");
    let response = validate_answers(
        &crate::fixture(),
        &submitted(answers),
        Completeness::Complete,
    )
    .unwrap();
    assert!(!response.answers().contains_key("pledge"));
    assert!(!response.answers().contains_key("years_in_role"));
}

#[test]
fn a_changed_earlier_answer_drops_the_answers_it_hides() {
    let definition = crate::fixture();
    let mut answers = submitted(valid());
    answers.insert("capable".into(), json!("yes"));
    answers.insert("hostility".into(), json!("no"));
    drop_hidden_answers(&definition, &mut answers);
    assert!(!answers.contains_key("capability_gaps"));
    assert!(!answers.contains_key("hostility_detail"));
    assert!(answers.contains_key("pledge"));
    assert!(validate_answers(&definition, &answers, Completeness::Complete).is_ok());
}

#[test]
fn error_messages_speak_to_the_respondent() {
    let mut answers = valid();
    answers["years_in_role"] = json!(99);
    answers["learning_needs"] = json!(["data", "none"]);
    let errors = validate_answers(
        &crate::fixture(),
        &submitted(answers),
        Completeness::Complete,
    )
    .unwrap_err();
    let messages: Vec<_> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "years_in_role: Enter a number between 0 and 60 years",
            "learning_needs: Select ‘None of these’ on its own, or other options without it",
        ]
    );
}

#[test]
fn synthetic_respondents_are_valid_reproducible_and_differ_by_sector() {
    let definition = crate::fixture();
    let first: Vec<_> = fieldwork_survey::SyntheticRespondents::new(&definition, 7)
        .take(2000)
        .collect();
    let again: Vec<_> = fieldwork_survey::SyntheticRespondents::new(&definition, 7)
        .take(2000)
        .collect();
    assert_eq!(first, again, "the same seed gives the same respondents");
    let mut yes = std::collections::BTreeMap::<String, (u32, u32)>::new();
    for answers in &first {
        let response = validate_answers(&definition, answers, Completeness::Complete)
            .unwrap_or_else(|e| panic!("synthetic answers must be valid: {e:?}\n{answers:?}"));
        let entry = yes
            .entry(response.stratum().unwrap().to_owned())
            .or_default();
        entry.1 += 1;
        if response.answers()["disrupted"] == Answer::Choice("yes".into()) {
            entry.0 += 1;
        }
    }
    assert_eq!(yes.len(), 5, "every sector is represented");
    let share = |s: &str| yes[s].0 as f64 / yes[s].1 as f64;
    assert!(share("mps") > share("civil_service") + 0.05, "{yes:?}");
}
