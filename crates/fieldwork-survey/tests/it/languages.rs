//! Surveys in more than one language: every string in every language, found missing all at
//! once; fieldwork's own words in every language it has a catalogue for; answers the same
//! whatever language they were given in.

use std::collections::BTreeMap;

use fieldwork_survey::{
    catalogue_source_messages, interface_languages, parse_definition, validate_answers,
    validate_answers_in, Completeness, Messages, SubmittedAnswers, Text,
};
use serde_json::json;

fn problems(definition: serde_json::Value) -> Vec<String> {
    match parse_definition(&definition.to_string()) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.problems.iter().map(ToString::to_string).collect(),
    }
}

fn bilingual() -> serde_json::Value {
    json!({
        "slug": "dwyieithog", "version": 1, "languages": ["en", "cy"],
        "title": {"en": "Digital leadership", "cy": "Arweinyddiaeth ddigidol"},
        "pages": [{"title": {"en": "About you", "cy": "Amdanoch chi"}, "questions": [
            {"id": "disrupted", "type": "single_choice",
             "text": {"en": "Is digital disrupting your organisation?", "cy": "A yw digidol yn tarfu ar eich sefydliad?"},
             "hint": {"en": "Think of the last year.", "cy": "Meddyliwch am y flwyddyn ddiwethaf."},
             "options": [
                {"code": "yes", "label": {"en": "Yes", "cy": "Ydy"}},
                {"code": "no", "label": {"en": "No", "cy": "Nac ydy"}}]},
            {"id": "staff", "type": "number", "kind": "integer", "min": 1, "max": 100,
             "text": {"en": "How many staff?", "cy": "Faint o staff?"},
             "unit": {"en": "people", "cy": "o bobl"}}
        ]}]
    })
}

#[test]
fn a_bilingual_definition_is_valid_and_keeps_its_language_order() {
    let definition = parse_definition(&bilingual().to_string()).unwrap();
    assert_eq!(definition.languages(), ["en", "cy"]);
    assert_eq!(definition.default_language(), "en");
    let question = definition.question("disrupted").unwrap();
    assert_eq!(
        question.text.get("cy"),
        "A yw digidol yn tarfu ar eich sefydliad?"
    );
    assert_eq!(
        question.text.primary(),
        "Is digital disrupting your organisation?"
    );
    let canonical = definition.to_canonical_json();
    assert!(canonical.contains(
        r#""title": {
    "en": "Digital leadership",
    "cy": "Arweinyddiaeth ddigidol"
  }"#
    ));
    assert_eq!(parse_definition(&canonical).unwrap(), definition);
}

#[test]
fn every_string_missing_in_a_language_is_listed_with_its_path_at_once() {
    let mut survey = bilingual();
    survey["title"] = json!({"en": "Digital leadership"});
    survey["pages"][0]["questions"][0]["hint"] =
        json!({"en": "Think of the last year.", "cy": " "});
    survey["pages"][0]["questions"][0]["options"][1]["label"] = json!("No");
    survey["pages"][0]["questions"][1]["unit"] =
        json!({"en": "people", "cy": "o bobl", "fr": "personnes"});
    assert_eq!(
        problems(survey),
        [
            "title.cy: missing in `cy`",
            "pages[0].questions[0].options[1].label: missing in `cy`: the survey's languages are en, cy, so write `label` as an object of each language's words, such as {\"en\": \"...\", \"cy\": \"...\"}",
            "pages[0].questions[0].hint.cy: the `cy` words must not be empty",
            "pages[0].questions[1].unit.fr: `fr` is not one of the survey's languages (en, cy)",
        ]
    );
}

/// A page's introduction is words for respondents like any other: checked in every language
/// by its path, left out of the canonical JSON when absent, and put into one language.
#[test]
fn a_page_description_is_checked_in_every_language_round_tripped_and_localised() {
    let mut survey = bilingual();
    let without = parse_definition(&survey.to_string()).unwrap();
    assert_eq!(without.pages[0].description, None);
    assert!(
        !without.to_canonical_json().contains("description"),
        "a page without a description keeps the canonical JSON it had"
    );

    survey["pages"][0]["description"] = json!({
        "en": "First, about you.\n\nIt takes a minute.",
        "cy": "Yn gyntaf, amdanoch chi.\n\nMae'n cymryd munud."
    });
    let definition = parse_definition(&survey.to_string()).unwrap();
    let canonical = definition.to_canonical_json();
    assert!(
        canonical.contains(
            r#""title": {
        "en": "About you",
        "cy": "Amdanoch chi"
      },
      "description": {
        "en": "First, about you.\n\nIt takes a minute.",
        "cy": "Yn gyntaf, amdanoch chi.\n\nMae'n cymryd munud."
      },
      "questions": ["#
        ),
        "{canonical}"
    );
    assert_eq!(parse_definition(&canonical).unwrap(), definition);

    let welsh = definition.in_language("cy");
    assert_eq!(
        welsh.pages[0].description,
        Some(Text::Plain(
            "Yn gyntaf, amdanoch chi.\n\nMae'n cymryd munud.".into()
        ))
    );
    assert_eq!(parse_definition(&welsh.to_canonical_json()).unwrap(), welsh);

    survey["pages"][0]["description"] = json!({"en": "First, about you."});
    assert_eq!(
        problems(survey.clone()),
        ["pages[0].description.cy: missing in `cy`"]
    );
    survey["pages"][0]["description"] = json!("First, about you.");
    assert_eq!(
        problems(survey.clone()),
        ["pages[0].description: missing in `cy`: the survey's languages are en, cy, so write `description` as an object of each language's words, such as {\"en\": \"...\", \"cy\": \"...\"}"]
    );
    survey["pages"][0]["description"] = json!({"en": "First, about you.", "cy": " "});
    assert_eq!(
        problems(survey),
        ["pages[0].description.cy: the `cy` words must not be empty"]
    );
}

#[test]
fn languages_must_be_codes_fieldwork_has_words_for_each_once() {
    let mut survey = bilingual();
    survey["languages"] = json!(["en", "cy", "cy", "Welsh", "fr"]);
    let found = problems(survey);
    assert!(
        found.contains(&"languages[2]: `cy` is listed twice".to_owned()),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("languages[3]: `Welsh` is not a language code")),
        "{found:?}"
    );
    assert!(
        found.iter().any(|p| p
            .starts_with("languages[4]: fieldwork's own words are not yet translated into `fr`")),
        "{found:?}"
    );
}

#[test]
fn words_by_language_need_declared_languages_and_a_single_language_survey_stays_as_it_was() {
    let mut survey = bilingual();
    survey.as_object_mut().unwrap().remove("languages");
    let found = problems(survey);
    assert!(found.contains(&"title: `title` gives words by language, but the survey declares no `languages`: add `\"languages\": [...]` listing them, the default first".to_owned()), "{found:?}");
    // The fixture before languages, and any single-language definition: plain strings, and
    // its canonical JSON has no `languages`.
    let single = parse_definition(
        &json!({
            "slug": "tiny", "title": "Tiny", "version": 1,
            "pages": [{"title": "Only page", "questions": [
                {"id": "why", "type": "text", "text": "Why?"}]}]
        })
        .to_string(),
    )
    .unwrap();
    assert_eq!(single.languages(), ["en"]);
    assert!(!single.to_canonical_json().contains("languages"));
}

#[test]
fn duplicate_labels_are_found_in_each_language() {
    let mut survey = bilingual();
    survey["pages"][0]["questions"][0]["options"][1]["label"] = json!({"en": "No", "cy": "Ydy"});
    assert_eq!(
        problems(survey),
        ["pages[0].questions[0].options[1].label.cy: option `no` has the same label as option `yes`, `Ydy`: labels must tell options apart"]
    );
}

#[test]
fn a_definition_in_one_language_has_every_string_in_it_and_the_same_codes() {
    let definition = crate::fixture();
    assert_eq!(
        definition.languages(),
        ["en", "cy"],
        "the fixture is bilingual"
    );
    let welsh = definition.in_language("cy");
    assert_eq!(welsh.languages(), ["cy"]);
    assert_eq!(welsh.title.as_str(), definition.title.get("cy"));
    for (english, cymraeg) in definition.questions().zip(welsh.questions()) {
        assert_eq!(english.id, cymraeg.id);
        assert_eq!(english.offered_codes(), cymraeg.offered_codes());
        assert_eq!(cymraeg.text.as_str(), english.text.get("cy"));
        assert_ne!(
            cymraeg.text.as_str(),
            english.text.primary(),
            "{}",
            english.id
        );
    }
    // Canonical JSON of the Welsh-only definition is itself a valid definition.
    assert_eq!(parse_definition(&welsh.to_canonical_json()).unwrap(), welsh);
}

#[test]
fn answers_count_the_same_whatever_language_they_were_given_in() {
    let definition = crate::fixture();
    let welsh = definition.in_language("cy");
    let mut answers = SubmittedAnswers::new();
    answers.insert("sector".into(), json!("police"));
    answers.insert("disrupted".into(), json!("yes"));
    let english = validate_answers(&definition, &answers, Completeness::Partial).unwrap();
    let cymraeg = validate_answers_in(
        &welsh,
        &answers,
        Completeness::Partial,
        &Messages::new("cy"),
    )
    .unwrap();
    assert_eq!(english.answers_json(), cymraeg.answers_json());
    assert_eq!(english.stratum(), cymraeg.stratum());
}

#[test]
fn problems_with_an_answer_are_told_in_the_respondent_s_language() {
    let definition = parse_definition(&bilingual().to_string()).unwrap();
    let mut answers = SubmittedAnswers::new();
    answers.insert("staff".into(), json!("500"));
    let refused = |words: &Messages| {
        validate_answers_in(
            &definition.in_language(words.code()),
            &answers,
            Completeness::Complete,
            words,
        )
        .unwrap_err()
        .into_iter()
        .map(|e| e.message)
        .collect::<Vec<_>>()
    };
    assert_eq!(
        refused(&Messages::new("en")),
        [
            "Select an answer to ‘Is digital disrupting your organisation?’",
            "Enter a number between 1 and 100 people"
        ]
    );
    let welsh = refused(&Messages::new("cy"));
    assert!(
        welsh[0].contains("A yw digidol yn tarfu ar eich sefydliad?"),
        "{welsh:?}"
    );
    assert!(
        welsh[1].contains("o bobl") && !welsh[1].contains("Enter"),
        "{welsh:?}"
    );
}

/// Every catalogue has every message of the English one, with the same variables, and
/// nothing the English one lacks: a translator's slip shows here, not as English on a Welsh
/// page (the loader would fall back to English silently).
#[test]
fn every_language_has_every_message_with_its_variables() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/locales");
    let read = |code: &str| -> BTreeMap<String, Vec<String>> {
        let mut messages = BTreeMap::new();
        for entry in std::fs::read_dir(format!("{dir}/{code}")).unwrap() {
            let source = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            messages.extend(catalogue_source_messages(&source));
        }
        messages
    };
    let english = read("en");
    assert!(english.len() > 100, "{}", english.len());
    let languages = interface_languages();
    assert!(languages.contains(&"cy"));
    for code in languages {
        let other = read(code);
        let missing: Vec<&String> = english
            .keys()
            .filter(|id| !other.contains_key(*id))
            .collect();
        let extra: Vec<&String> = other
            .keys()
            .filter(|id| !english.contains_key(*id))
            .collect();
        let different: Vec<&String> = english
            .iter()
            .filter(|(id, vars)| other.get(*id).is_some_and(|v| v != *vars))
            .map(|(id, _)| id)
            .collect();
        assert!(
            missing.is_empty() && extra.is_empty() && different.is_empty(),
            "`{code}`: missing {missing:?}, not in English {extra:?}, other variables {different:?}"
        );
        // And each message renders (a syntax slip in a catalogue would come back as its id).
        let words = Messages::new(code);
        let render = |words: &Messages, id: &str| {
            words.with(
                id,
                &[
                    ("count", 3u64.into()),
                    ("max", 5u64.into()),
                    ("min", 1u64.into()),
                    ("length", 9u64.into()),
                    ("month", 3u64.into()),
                    ("day", "1".into()),
                    ("year", "2026".into()),
                    ("title", "T".into()),
                    ("question", "Q".into()),
                    ("item", "I".into()),
                    ("option", "O".into()),
                    ("reason", "R".into()),
                    ("date", "D".into()),
                    ("version", "V".into()),
                    ("unit", "U".into()),
                    ("expected", "E".into()),
                ],
            )
        };
        for id in english.keys() {
            let text = render(&words, id);
            // An id comes back when the message cannot be formatted ("or" is its own word).
            let english_text = render(&Messages::english(), id);
            assert!(
                !text.is_empty() && (text != *id || english_text == *id),
                "`{code}` {id}: {text:?}"
            );
        }
    }
}
