//! Workbooks written for fieldwork: every supported construct, mapped exactly; every refusal,
//! listed at once with its cell.

use fieldwork_xlsform::{read_xlsform, write_xlsform, ImportOptions};
use serde_json::json;

use crate::{problems, read, workbook};

const SURVEY_HEADER: &[&str] = &[
    "type",
    "name",
    "label",
    "hint",
    "required",
    "required_message",
    "relevant",
    "constraint",
    "constraint_message",
    "appearance",
    "unit",
    "fieldwork",
    "notes for us",
];

/// Every construct fieldwork reads, in one survey in one language.
fn every_construct() -> Vec<u8> {
    workbook(&[
        (
            "survey",
            &[
                SURVEY_HEADER,
                &["note", "welcome", "We ask about your team.", "", "", "", "", "", "", "", "", "", ""],
                &["note", "welcome_2", "It takes five minutes.", "", "", "", "", "", "", "", "", "", ""],
                &["begin_group", "about", "About you", "", "", "", "", "", "", "", "", "", ""],
                &["note", "about_intro", "First, your part of the organisation.", "", "", "", "", "", "", "", "", "", ""],
                &["select_one team", "team", "Which team are you in?", "Pick one", "yes", "Select your team", "", "", "", "minimal", "", "stratum", "the stratum"],
                &["integer", "years", "Years in the team", "", "no", "", "", ". >= 0 and . <= 40", "0 to 40", "", "years", "", ""],
                &["decimal", "hours", "Hours a week", "", "TRUE", "", "", "0.5 <= . and . <= 80.5", "", "", "hours", "", ""],
                &["end_group", "", "", "", "", "", "", "", "", "", "", "", ""],
                &["begin group", "work", "Your work", "", "", "", "", "", "", "", "", "", ""],
                &["select_one yes_no", "remote", "Do you work remotely?", "", "yes", "", "", "", "", "", "", "", ""],
                &["select_multiple tools", "tools", "Which tools do you use?", "", "yes", "", "${remote} = 'yes'", "count-selected(.) >= 1 and count-selected(.) <= 2 and not(selected(., 'none') and count-selected(.) > 1)", "", "", "", "", ""],
                &["select_one agree", "trust", "I trust my manager", "", "yes", "", "not(${remote} != 'no') or selected(${tools}, 'chat')", "", "", "likert", "", "sensitive", ""],
                &["begin_group", "culture", "How far do you agree?", "Think of the last month.", "", "", "${team} = 'ops' or ${team} = 'dev'", "", "", "table-list", "", "", ""],
                &["select_one agree", "open", "We are open", "", "yes", "Answer every statement", "", "", "", "", "", "", ""],
                &["select_one agree", "kind", "We are kind", "", "yes", "Answer every statement", "", "", "", "", "", "", ""],
                &["end_group", "", "", "", "", "", "", "", "", "", "", "", ""],
                &["text", "story", "Tell us more", "", "no", "", "(${remote} = 'yes' and ${team} != 'ops')", "string-length(.) <= 800", "", "multiline", "", "sensitive", ""],
                &["end group", "", "", "", "", "", "", "", "", "", "", "", ""],
                &["text", "pledge", "Your pledge", "", "no", "", "", "", "", "", "", "publishable", ""],
                &["int", "age", "Your age", "", "no", "", "", ". > 15 and . < 100", "", "", "", "", ""],
            ],
        ),
        (
            "choices",
            &[
                &["list_name", "name", "label", "fieldwork", "population", "population_source", "filter"],
                &["team", "ops", "Operations", "", "120", "HR records, March", "x"],
                &["team", "dev", "Development", "", "80", "HR records, March", ""],
                &["yes_no", "yes", "Yes", "", "", "", ""],
                &["yes_no", "no", "No", "", "", "", ""],
                &["tools", "chat", "Chat", "", "", "", ""],
                &["tools", "email", "Email", "", "", "", ""],
                &["tools", "none", "None of these", "", "", "", ""],
                &["agree", "1", "Disagree", "", "", "", ""],
                &["agree", "2", "Agree", "", "", "", ""],
                &["agree", "dk", "Don't know", "non_substantive", "", "", ""],
            ],
        ),
        (
            "settings",
            &[
                &["form_title", "form_id", "version", "style"],
                &["Team pulse", "Team_Pulse", "3", "pages"],
            ],
        ),
        (
            "fieldwork",
            &[
                &["key", "value"],
                &["allow_open_link", "TRUE"],
                &["choices.tools.none.hint", "Choose this alone"],
                &["privacy_notice.controller", "The team"],
                &["privacy_notice.purpose", "To learn"],
                &["privacy_notice.lawful_basis", "Consent"],
                &["privacy_notice.data_kept", "Answers"],
                &["privacy_notice.retention", "A year"],
                &["privacy_notice.recipients", "Nobody"],
                &["privacy_notice.rights", "See and withdraw"],
                &["privacy_notice.contact", "team@example.org"],
            ],
        ),
    ])
}

/// Each `(cell, words)` is among the problems found: a problem at that cell saying those words.
#[track_caller]
fn assert_problems(found: &[(String, String)], expected: &[(&str, &str)]) {
    for (place, words) in expected {
        assert!(
            found.iter().any(|(p, m)| p == place && m.contains(words)),
            "expected {place}: {words}, in {found:#?}"
        );
    }
}

#[test]
fn every_supported_construct_maps_onto_the_definition() {
    let definition = read(&every_construct()).unwrap_or_else(|e| panic!("{:#?}", problems(&e)));
    let json: serde_json::Value = serde_json::from_str(&definition.to_canonical_json()).unwrap();
    let expected = json!({
        "slug": "team-pulse",
        "title": "Team pulse",
        "version": 3,
        "description": "We ask about your team.\n\nIt takes five minutes.",
        "allow_open_link": true,
        "stratification": {
            "question": "team",
            "frame": {
                "population": {"dev": 80, "ops": 120},
                "sources": {"dev": "HR records, March", "ops": "HR records, March"}
            }
        },
        "privacy_notice": {
            "controller": "The team", "purpose": "To learn", "lawful_basis": "Consent",
            "data_kept": "Answers", "retention": "A year", "recipients": "Nobody",
            "rights": "See and withdraw", "contact": "team@example.org"
        },
        "pages": [
            {
                "title": "About you",
                "description": "First, your part of the organisation.",
                "questions": [
                    {
                        "id": "team", "text": "Which team are you in?", "hint": "Pick one",
                        "error_message": "Select your team", "required": true,
                        "type": "single_choice",
                        "options": [
                            {"code": "ops", "label": "Operations"},
                            {"code": "dev", "label": "Development"}
                        ]
                    },
                    {
                        "id": "years", "text": "Years in the team", "required": false,
                        "type": "number", "kind": "integer", "min": 0.0, "max": 40.0,
                        "unit": "years"
                    },
                    {
                        "id": "hours", "text": "Hours a week", "required": true,
                        "type": "number", "kind": "decimal", "min": 0.5, "max": 80.5,
                        "unit": "hours"
                    }
                ]
            },
            {
                "title": "Your work",
                "questions": [
                    {
                        "id": "remote", "text": "Do you work remotely?", "required": true,
                        "type": "single_choice",
                        "options": [{"code": "yes", "label": "Yes"}, {"code": "no", "label": "No"}]
                    },
                    {
                        "id": "tools", "text": "Which tools do you use?", "required": true,
                        "show_if": {"question": "remote", "equals": "yes"},
                        "type": "multi_choice",
                        "options": [
                            {"code": "chat", "label": "Chat"},
                            {"code": "email", "label": "Email"},
                            {"code": "none", "label": "None of these", "hint": "Choose this alone", "exclusive": true}
                        ],
                        "min_selections": 1, "max_selections": 2
                    },
                    {
                        "id": "trust", "text": "I trust my manager", "required": true,
                        "show_if": {"any": [
                            {"not": {"not": {"question": "remote", "equals": "no"}}},
                            {"question": "tools", "equals": "chat"}
                        ]},
                        "sensitive": true,
                        "type": "likert",
                        "scale": [{"code": "1", "label": "Disagree"}, {"code": "2", "label": "Agree"}],
                        "non_substantive": [{"code": "dk", "label": "Don't know"}]
                    },
                    {
                        "id": "culture", "text": "How far do you agree?",
                        "hint": "Think of the last month.",
                        "error_message": "Answer every statement", "required": true,
                        "show_if": {"question": "team", "one_of": ["ops", "dev"]},
                        "type": "likert_grid",
                        "items": [{"id": "open", "text": "We are open"}, {"id": "kind", "text": "We are kind"}],
                        "scale": [{"code": "1", "label": "Disagree"}, {"code": "2", "label": "Agree"}],
                        "non_substantive": [{"code": "dk", "label": "Don't know"}]
                    },
                    {
                        "id": "story", "text": "Tell us more", "required": false,
                        "show_if": {"all": [
                            {"question": "remote", "equals": "yes"},
                            {"not": {"question": "team", "equals": "ops"}}
                        ]},
                        "sensitive": true,
                        "type": "text", "format": "long", "max_length": 800
                    }
                ]
            },
            {
                "title": "Team pulse",
                "questions": [
                    {
                        "id": "pledge", "text": "Your pledge", "required": false,
                        "publishable": true, "type": "text", "format": "short", "max_length": 500
                    },
                    {
                        "id": "age", "text": "Your age", "required": false,
                        "type": "number", "kind": "integer", "min": 16.0, "max": 99.0
                    }
                ]
            }
        ]
    });
    assert_eq!(
        json,
        expected,
        "{}",
        serde_json::to_string_pretty(&json).unwrap()
    );
    // And it goes back out and in unchanged.
    assert_eq!(
        read(&write_xlsform(&definition).unwrap()).unwrap(),
        definition
    );
}

#[test]
fn translations_come_from_language_columns_with_the_default_first() {
    let bytes = workbook(&[
        (
            "survey",
            &[
                &[
                    "type",
                    "name",
                    "label::Welsh (cy)",
                    "label",
                    "hint::English (en)",
                    "hint::Welsh (cy)",
                    "required",
                    "required_message::Welsh (cy)",
                    "required_message",
                ],
                &["begin_group", "p1", "Tudalen", "Page", "", "", "", "", ""],
                &["note", "p1_intro", "Croeso", "Welcome", "", "", "", "", ""],
                &[
                    "select_one yn",
                    "ok",
                    "Iawn?",
                    "OK?",
                    "Choose one",
                    "Dewiswch un",
                    "yes",
                    "Dewiswch",
                    "Choose",
                ],
                &["end_group", "", "", "", "", "", "", "", ""],
            ],
        ),
        (
            "choices",
            &[
                &["list_name", "name", "label", "label::Welsh (cy)"],
                &["yn", "yes", "Yes", "Ie"],
                &["yn", "no", "No", "Na"],
            ],
        ),
        (
            "settings",
            &[
                &["form_id", "form_title", "default_language"],
                &["bilingual", "Both", "English (en)"],
            ],
        ),
        (
            "fieldwork",
            &[
                &["key", "value::English (en)", "value::Welsh (cy)"],
                &["title", "Both languages", "Y ddwy iaith"],
            ],
        ),
    ]);
    let definition = read(&bytes).unwrap_or_else(|e| panic!("{:#?}", problems(&e)));
    assert_eq!(definition.languages, ["en", "cy"]);
    let json: serde_json::Value = serde_json::from_str(&definition.to_canonical_json()).unwrap();
    assert_eq!(
        json["title"],
        json!({"en": "Both languages", "cy": "Y ddwy iaith"})
    );
    assert_eq!(
        json["pages"][0]["title"],
        json!({"en": "Page", "cy": "Tudalen"})
    );
    assert_eq!(
        json["pages"][0]["description"],
        json!({"en": "Welcome", "cy": "Croeso"})
    );
    let question = &json["pages"][0]["questions"][0];
    // A plain column is the default language's words; columns may come in any order.
    assert_eq!(question["text"], json!({"en": "OK?", "cy": "Iawn?"}));
    assert_eq!(
        question["hint"],
        json!({"en": "Choose one", "cy": "Dewiswch un"})
    );
    assert_eq!(
        question["error_message"],
        json!({"en": "Choose", "cy": "Dewiswch"})
    );
    assert_eq!(
        question["options"][1]["label"],
        json!({"en": "No", "cy": "Na"})
    );

    // A missing Welsh label is named by its cell.
    let missing = workbook(&[
        (
            "survey",
            &[
                &["type", "name", "label::English (en)", "label::Welsh (cy)"],
                &["text", "name", "Your name", ""],
            ],
        ),
        ("settings", &[&["form_id"], &["missing-welsh"]]),
    ]);
    let found = problems(&read(&missing).unwrap_err());
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].0, "survey!D2");
    assert!(found[0].1.contains("cy"), "{found:#?}");
}

#[test]
fn the_stratum_and_frame_may_come_from_the_command_line() {
    let bytes = workbook(&[
        (
            "survey",
            &[
                &["type", "name", "label", "required"],
                &["select_one s", "sector", "Sector", "yes"],
            ],
        ),
        (
            "choices",
            &[
                &["list_name", "name", "label"],
                &["s", "a", "A"],
                &["s", "b", "B"],
            ],
        ),
        ("settings", &[&["form_id"], &["flags"]]),
    ]);
    let options = ImportOptions {
        stratum: Some("sector".into()),
        frame_csv: Some("frame.csv".into()),
        ..ImportOptions::default()
    };
    let definition = read_xlsform(&bytes, &options).unwrap();
    let stratification = definition.stratification.unwrap();
    assert_eq!(stratification.question, "sector");
    assert_eq!(stratification.frame.csv.as_deref(), Some("frame.csv"));

    // Marked in the workbook, but its list gives no population and no frame was given.
    let unframed = workbook(&[
        (
            "survey",
            &[
                &["type", "name", "label", "required", "fieldwork"],
                &["select_one s", "sector", "Sector", "yes", "stratum"],
            ],
        ),
        (
            "choices",
            &[&["list_name", "name", "label"], &["s", "a", "A"]],
        ),
    ]);
    let found = problems(&read(&unframed).unwrap_err());
    assert!(
        found
            .iter()
            .any(|(place, message)| place == "survey!E2" && message.contains("population")),
        "{found:#?}"
    );
}

#[test]
fn every_refusal_is_listed_at_once_with_its_cell() {
    let bytes = workbook(&[
        (
            "survey",
            &[
                &[
                    "type",
                    "name",
                    "label",
                    "required",
                    "relevant",
                    "constraint",
                    "appearance",
                    "calculation",
                    "fieldwork",
                    "label::Cymraeg",
                    "media::image",
                ],
                &["begin_group", "p", "Page", "", "", "", "", "", "", "", ""],
                &["calculate", "c", "", "", "", "", "", "${a} * 2", "", "", ""],
                &[
                    "integer",
                    "a",
                    "A",
                    "yes",
                    "${a} > 3",
                    "regex(., '[0-9]')",
                    "",
                    "",
                    "",
                    "",
                    "",
                ],
                &[
                    "select_one nowhere",
                    "b",
                    "B",
                    "${a} = 1",
                    "",
                    "",
                    "",
                    "",
                    "secret",
                    "",
                    "",
                ],
                &[
                    "text",
                    "d",
                    "D ${a}",
                    "",
                    "",
                    "string-length(.) >= 2",
                    "",
                    "",
                    "",
                    "",
                    "d.png",
                ],
                &[
                    "select_multiple tools or_other",
                    "e",
                    "E",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                ],
                &[
                    "note",
                    "late",
                    "A note after questions",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                ],
                &[
                    "begin_group",
                    "inner",
                    "Inner",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                ],
                &["text", "f", "F", "", "", "", "", "", "", "", ""],
                &["end_group", "", "", "", "", "", "", "", "", "", ""],
                &["geopoint", "g", "G", "", "", "", "", "", "", "", ""],
                &[
                    "select_one l",
                    "h",
                    "H",
                    "",
                    "${b} = 'x' and",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                ],
            ],
        ),
        (
            "choices",
            &[&["list_name", "name", "label"], &["l", "x", "X"]],
        ),
        ("settings", &[&["form_id", "version"], &["refusals", "1.5"]]),
        ("fieldwork", &[&["key", "value"], &["nonsense.key", "1"]]),
    ]);
    let found = problems(&read(&bytes).unwrap_err());
    let expected = [
        ("survey!J1", "gives no language code"),
        (
            "survey!A3",
            "calculations and hidden values are not supported",
        ),
        ("survey!H3", "calculations are not supported"),
        ("survey!E4", "compares numbers"),
        ("survey!F4", "not a bound fieldwork has"),
        ("survey!D5", "yes or no here, not a condition"),
        ("survey!I5", "not a fieldwork flag"),
        ("survey!C6", "references to answers"),
        ("survey!F6", "maximum length only"),
        ("survey!K6", "media are not supported"),
        ("survey!A7", "or_other is not supported"),
        (
            "survey row 8",
            "fieldwork shows a note only as the introduction",
        ),
        ("survey row 9", "fieldwork pages do not nest"),
        ("survey!A12", "locations are not supported"),
        ("survey!E13", "does not parse"),
        ("survey!A2", "never closed"),
        ("choices", "there is no list `nowhere`"),
        ("settings!B2", "not a whole number"),
        ("fieldwork!A2", "not something the fieldwork sheet sets"),
    ];
    assert_problems(&found, &expected);
}

#[test]
fn a_grid_needs_one_list_and_statements_required_alike() {
    let bytes = workbook(&[
        (
            "survey",
            &[
                &[
                    "type",
                    "name",
                    "label",
                    "required",
                    "relevant",
                    "appearance",
                ],
                &["begin_group", "p", "Page", "", "", ""],
                &["begin_group", "grid", "Agree?", "", "", "table-list"],
                &["select_one agree", "a", "A", "yes", "", ""],
                &["select_one agree", "b", "B", "no", "${a} = '1'", ""],
                &["end_group", "", "", "", "", ""],
                &["begin_group", "mixed", "Mixed", "", "", "table-list"],
                &["select_one agree", "c", "C", "yes", "", ""],
                &["select_one other", "d", "D", "yes", "", ""],
                &["end_group", "", "", "", "", ""],
                &["end_group", "", "", "", "", ""],
            ],
        ),
        (
            "choices",
            &[
                &["list_name", "name", "label"],
                &["agree", "1", "No"],
                &["agree", "2", "Yes"],
                &["other", "x", "X"],
            ],
        ),
    ]);
    let found = problems(&read(&bytes).unwrap_err());
    assert_problems(
        &found,
        &[
            ("survey row 5", "required together or not at all"),
            ("survey!E5", "put the condition on the group"),
            (
                "survey row 7",
                "every row in it must be a select_one from the same list",
            ),
        ],
    );
}

#[test]
fn fieldworks_own_columns_and_sheet_are_checked_cell_by_cell() {
    let bytes = workbook(&[
        (
            "survey",
            &[
                &["type", "name", "label", "hint", "relevant", "required"],
                &["begin_group", "p", "Page", "A page hint", "", ""],
                &["select_one s", "sector", "Sector", "", "", "yes"],
                &["select_multiple t", "tools", "Tools", "", "", ""],
                &["text", "why", "Why?", "", "${tools} = 'chat'", ""],
                &["end_group", "", "", "", "", ""],
            ],
        ),
        (
            "choices",
            &[
                &["list_name", "name", "label", "population"],
                &["s", "a", "A", "10"],
                &["s", "b", "B", "many"],
                &["t", "chat", "Chat", ""],
            ],
        ),
        (
            "settings",
            &[&["form_id", "stratum"], &["checked", "sector"]],
        ),
        (
            "fieldwork",
            &[
                &["key", "value"],
                &["privacy_notice.controller", "Us"],
                &["choices.t.nothing.hint", "No such option"],
                &["choices.nowhere.a.hint", "No such list"],
            ],
        ),
    ]);
    let found = problems(&read(&bytes).unwrap_err());
    assert_problems(
        &found,
        &[
            ("survey!D2", "a page has no hint"),
            ("survey!E5", "write selected(${tools}, 'x')"),
            ("choices!D3", "not a whole number of people"),
            ("fieldwork!A2", "missing field"),
            ("fieldwork!B3", "list `t` has no choice `nothing`"),
            ("fieldwork!B4", "there is no list `nowhere`"),
        ],
    );

    // A value of the wrong type stops the checker at it, by its cell.
    let typed = workbook(&[
        ("survey", &[&["type", "name", "label"], &["text", "a", "A"]]),
        ("settings", &[&["form_id"], &["typed"]]),
        (
            "fieldwork",
            &[&["key", "value"], &["email.reminders_allowed", "two"]],
        ),
    ]);
    let found = problems(&read(&typed).unwrap_err());
    assert!(
        found
            .iter()
            .any(|(p, m)| p == "fieldwork!B2" && m.contains("expected u32")),
        "{found:#?}"
    );

    // The stratum named in settings, with its population from the choices sheet.
    let named = workbook(&[
        (
            "survey",
            &[
                &["type", "name", "label", "required"],
                &["select_one s", "sector", "Sector", "yes"],
            ],
        ),
        (
            "choices",
            &[
                &["list_name", "name", "label", "population"],
                &["s", "a", "A", "10"],
                &["s", "b", "B", "20"],
            ],
        ),
        ("settings", &[&["form_id", "stratum"], &["named", "sector"]]),
    ]);
    let definition = read(&named).unwrap_or_else(|e| panic!("{:#?}", problems(&e)));
    let stratification = definition.stratification.unwrap();
    assert_eq!(stratification.question, "sector");
    assert_eq!(stratification.frame.population.get("b"), Some(&20));
}
