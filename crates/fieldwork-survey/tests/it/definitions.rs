use fieldwork_survey::{parse_definition, resolve_frame_csv, QuestionKind};
use serde_json::json;

/// Parse `definition` and return its problems as `path: message` lines.
fn problems(definition: serde_json::Value) -> Vec<String> {
    match parse_definition(&definition.to_string()) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.problems.iter().map(ToString::to_string).collect(),
    }
}

/// A small valid survey to break one rule at a time.
fn base() -> serde_json::Value {
    json!({
        "slug": "tiny", "title": "Tiny", "version": 1,
        "stratification": {"question": "sector", "frame": {"population": {"a": 10, "b": 20}}},
        "pages": [{"title": "Only page", "questions": [
            {"id": "sector", "type": "single_choice", "text": "Sector?",
             "options": [{"code": "a", "label": "A"}, {"code": "b", "label": "B"}]},
            {"id": "tools", "type": "multi_choice", "text": "Tools?",
             "options": [{"code": "x", "label": "X"}, {"code": "none", "label": "None", "exclusive": true}]},
            {"id": "mood", "type": "likert", "text": "Mood?",
             "scale": [{"code": "bad", "label": "Bad"}, {"code": "good", "label": "Good"}]},
            {"id": "grid", "type": "likert_grid", "text": "Agree?",
             "items": [{"id": "one", "text": "One"}],
             "scale": [{"code": "no", "label": "No"}, {"code": "yes", "label": "Yes"}]},
            {"id": "age", "type": "number", "kind": "integer", "text": "Age?", "min": 16, "max": 99},
            {"id": "why", "type": "text", "text": "Why?", "required": false,
             "show_if": {"any": [{"question": "sector", "equals": "a"}, {"not": {"question": "tools", "one_of": ["none"]}}]}}
        ]}]
    })
}

fn question(survey: &mut serde_json::Value, index: usize) -> &mut serde_json::Value {
    &mut survey["pages"][0]["questions"][index]
}

#[test]
fn the_fixture_is_valid_and_complete() {
    let definition = crate::fixture();
    assert_eq!(definition.slug, "digital-leadership");
    let strata: Vec<_> = definition
        .strata()
        .iter()
        .map(|c| c.code.as_str())
        .collect();
    assert_eq!(
        strata,
        ["civil_service", "councils", "schools", "police", "mps"]
    );
    let frame = &definition.stratification.as_ref().unwrap().frame;
    assert_eq!(frame.population["police"], 41);
    assert_eq!(frame.population["mps"], 650);
    assert!(frame.csv.is_none(), "import resolves the CSV");
    assert!(frame.sources["schools"].starts_with("Estimate"));
    let kinds: Vec<_> = definition.questions().map(|q| q.kind.type_name()).collect();
    for kind in [
        "single_choice",
        "multi_choice",
        "likert",
        "likert_grid",
        "number",
        "text",
    ] {
        assert!(
            kinds.contains(&kind),
            "the fixture uses every type; {kind} missing"
        );
    }
    assert!(definition.question("hostility").unwrap().sensitive);
    assert!(matches!(
        definition.question("behaviours").unwrap().kind,
        QuestionKind::LikertGrid { ref items, .. } if items.len() == 8
    ));
}

#[test]
fn canonical_json_parses_back_to_the_same_definition() {
    let definition = crate::fixture();
    let again = parse_definition(&definition.to_canonical_json()).unwrap();
    assert_eq!(again, definition);
}

#[test]
fn the_base_survey_is_valid() {
    assert_eq!(problems(base()), Vec::<String>::new());
}

#[test]
fn five_distinct_mistakes_give_five_messages_with_paths() {
    let mut survey = base();
    survey["colour"] = json!("blue");
    question(&mut survey, 1)["id"] = json!("sector");
    question(&mut survey, 2)["scale"] = json!([{"code": "only", "label": "Only"}]);
    question(&mut survey, 4)["min"] = json!(120);
    question(&mut survey, 5)["show_if"] = json!({"question": "later", "equals": "x"});
    assert_eq!(
        problems(survey),
        [
            "colour: unknown field `colour`",
            "pages[0].questions[1].id: duplicate question id `sector`",
            "pages[0].questions[2].scale: a scale needs at least two points",
            "pages[0].questions[4].min: min (120) is greater than max (99)",
            "pages[0].questions[5].show_if.question: show_if refers to `later`, which is not an earlier question",
        ]
    );
}

/// Each case: a change to the base survey, and the one problem it must produce.
#[test]
fn each_rule_is_reported_with_its_path() {
    type Change = fn(&mut serde_json::Value);
    let cases: Vec<(Change, &str)> = vec![
        (|s| s["slug"] = json!("Not A Slug"), "slug: `Not A Slug` is not a valid slug: use 1 to 64 lower-case letters, digits and hyphens, starting with a letter"),
        (|s| { s.as_object_mut().unwrap().remove("title"); }, "$: missing field `title`"),
        (|s| s["version"] = json!(0), "version: `version` starts at 1"),
        (|s| { s["pages"] = json!([]); s.as_object_mut().unwrap().remove("stratification"); }, "pages: a survey needs at least one page"),
        (|s| { s["pages"][0]["questions"][1]["options"] = json!([]); s["pages"][0]["questions"][5].as_object_mut().unwrap().remove("show_if"); }, "pages[0].questions[1].options: `options` must list at least one option"),
        (|s| s["pages"][0]["questions"][2]["scale"][1]["code"] = json!("bad"), "pages[0].questions[2].scale[1].code: duplicate option code `bad`"),
        (|s| s["pages"][0]["questions"][1]["type"] = json!("ranking"), "pages[0].questions[1].type: unknown question type `ranking`: use one of single_choice, multi_choice, likert, likert_grid, number or text"),
        (|s| s["pages"][0]["questions"][1]["min_selections"] = json!(3), "pages[0].questions[1].min_selections: min_selections (3) is more than the 2 options offered"),
        (|s| s["pages"][0]["questions"][4]["options"] = json!([]), "pages[0].questions[4].options: `options` does not apply to a number question"),
        (|s| s["pages"][0]["questions"][4]["min"] = json!(1.5), "pages[0].questions[4].min: min (1.5) is not a whole number, but the question takes integers"),
        (|s| s["pages"][0]["questions"][4]["max"] = json!(1e16), "pages[0].questions[4].max: max (10000000000000000) is beyond ±9000000000000000, the largest whole number an answer may be"),
        (|s| s["pages"][0]["questions"][3]["items"][0]["id"] = json!("Bad-Id"), "pages[0].questions[3].items[0].id: `Bad-Id` is not a valid item id: use a lower-case letter, then lower-case letters, digits or single `_`, at most 32 characters"),
        (|s| s["pages"][0]["questions"][2]["non_substantive"] = json!([{"code": "good", "label": "Good"}]), "pages[0].questions[2].non_substantive[0].code: `good` is already a point of the scale"),
        (|s| s["pages"][0]["questions"][0]["options"][1]["label"] = json!("A "), "pages[0].questions[0].options[1].label: option `b` has the same label as option `a`, `A`: labels must tell options apart"),
        (|s| s["pages"][0]["questions"][2]["non_substantive"] = json!([{"code": "dk", "label": "bad"}]), "pages[0].questions[2].non_substantive[0].label: the label of option `dk` is `bad`, the code of another option: a file of labels would read it as `bad`"),
        (|s| s["pages"][0]["questions"][5]["show_if"] = json!({"question": "age", "equals": "1"}), "pages[0].questions[5].show_if.question: show_if can only test single_choice, multi_choice or likert questions; `age` is number"),
        (|s| s["pages"][0]["questions"][5]["show_if"] = json!({"question": "why", "equals": "1"}), "pages[0].questions[5].show_if.question: show_if refers to `why`, the question itself"),
        (|s| s["pages"][0]["questions"][5]["show_if"] = json!({"all": []}), "pages[0].questions[5].show_if.all: `all` needs at least one condition"),
        (|s| s["pages"][0]["questions"][5]["show_if"] = json!({"question": "sector", "equals": "a", "one_of": ["b"]}), "pages[0].questions[5].show_if: a condition needs exactly one of `equals`, `one_of` (each with `question`), `not`, `all` or `any`"),
        (|s| s["pages"][0]["questions"][5]["show_if"]["any"][1]["not"]["one_of"] = json!(["nothing"]), "pages[0].questions[5].show_if.any[1].not.one_of[0]: `tools` has no option `nothing`"),
        (|s| s["pages"][0]["questions"][0]["shape"] = json!("round"), "pages[0].questions[0].shape: unknown field `shape`"),
        (|s| s["pages"][0]["questions"][5]["max_length"] = json!(0), "pages[0].questions[5].max_length: max_length must be between 1 and 100000"),
        (|s| s["stratification"]["question"] = json!("tools"), "stratification.question: the stratum question `tools` must be single_choice, not multi_choice"),
        (|s| s["stratification"]["question"] = json!("nowhere"), "stratification.question: the stratum question `nowhere` does not exist"),
        (|s| s["pages"][0]["questions"][0]["required"] = json!(false), "stratification.question: the stratum question `sector` must be required and always shown"),
        (|s| s["stratification"]["frame"]["population"]["a"] = json!(0), "stratification.frame.population.a: a stratum's population must be above zero"),
        (|s| s["stratification"]["frame"] = json!({}), "stratification.frame: the frame needs `population` or `csv`"),
        (|s| s["pages"][0]["questions"][4]["min"] = json!("sixteen"), "pages[0].questions[4].min: invalid type: string \"sixteen\", expected f64"),
    ];
    for (change, expected) in cases {
        let mut survey = base();
        change(&mut survey);
        assert_eq!(problems(survey), [expected]);
    }
}

#[test]
fn malformed_json_is_located() {
    let errors = parse_definition("{\n  \"slug\": \"x\",\n  oops\n}").unwrap_err();
    assert_eq!(errors.problems.len(), 1);
    assert_eq!(errors.problems[0].path, "(line 3, column 3)");
    assert!(errors.problems[0].message.starts_with("malformed JSON"));
    let trailing = parse_definition(&format!("{} {{}}", base())).unwrap_err();
    assert!(trailing.problems[0]
        .message
        .contains("after the definition"));
}

#[test]
fn oversized_definitions_are_refused_before_parsing() {
    let huge = format!("\"{}\"", "x".repeat(fieldwork_survey::MAX_DEFINITION_BYTES));
    let errors = parse_definition(&huge).unwrap_err();
    assert!(errors.problems[0].message.contains("the limit is"));
}

#[test]
fn a_frame_csv_is_checked_against_the_strata() {
    let mut survey = base();
    survey["stratification"]["frame"] = json!({"csv": "frame.csv"});
    let mut definition = parse_definition(&survey.to_string()).unwrap();
    let mut copy = definition.clone();
    resolve_frame_csv(
        &mut definition,
        "stratum,population,source\na,10,count\nb,20,\n",
    )
    .unwrap();
    let frame = &definition.stratification.as_ref().unwrap().frame;
    assert_eq!(frame.population["b"], 20);
    assert_eq!(frame.sources.len(), 1);
    let missing = resolve_frame_csv(&mut copy.clone(), "stratum,population\na,10\n").unwrap_err();
    assert_eq!(
        missing.problems[0].to_string(),
        "stratification.frame.population: no population given for stratum `b`"
    );
    let bad = resolve_frame_csv(&mut copy, "stratum,population\na,ten\nb,0\n").unwrap_err();
    assert_eq!(bad.problems.len(), 2);
    assert_eq!(
        bad.problems[0].to_string(),
        "stratification.frame.csv line 2: population `ten` is not a whole number above zero"
    );
    let no_columns = resolve_frame_csv(&mut definition.clone(), "name,size\n").unwrap_err();
    assert!(no_columns.problems[0]
        .message
        .contains("`stratum` and `population`"));
}

/// The schema checked in for editors is the one the types generate. To refresh it after a
/// change to the types: `FIELDWORK_UPDATE_SCHEMA=1 cargo test -p fieldwork-survey`.
#[test]
fn the_checked_in_json_schema_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/survey.schema.json");
    let generated =
        serde_json::to_string_pretty(&fieldwork_survey::definition_json_schema()).unwrap() + "\n";
    if std::env::var_os("FIELDWORK_UPDATE_SCHEMA").is_some() {
        std::fs::write(path, &generated).unwrap();
    }
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "docs/survey.schema.json is out of date: run FIELDWORK_UPDATE_SCHEMA=1 cargo test -p fieldwork-survey"
    );
    let schema: serde_json::Value = serde_json::from_str(&checked_in).unwrap();
    let types = schema.to_string();
    for kind in [
        "single_choice",
        "multi_choice",
        "likert_grid",
        "show_if",
        "stratification",
    ] {
        assert!(types.contains(kind), "{kind} is in the schema");
    }
}

/// Editors validate definitions with the checked-in schema: the real study must pass it, and
/// a definition with a misspelt top-level field or a wrong type must not.
#[test]
fn the_schema_accepts_the_fixture_and_refuses_mistakes() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/survey.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let fixture: serde_json::Value = serde_json::from_str(&crate::fixture_text()).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&fixture)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(validator.is_valid(&base()));
    let mut misspelt = base();
    misspelt["titel"] = json!("x");
    assert!(!validator.is_valid(&misspelt));
    let mut wrong_type = base();
    wrong_type["version"] = json!("one");
    assert!(!validator.is_valid(&wrong_type));
    let mut zero = base();
    zero["version"] = json!(0);
    assert!(!validator.is_valid(&zero));
}

#[test]
fn control_characters_in_any_text_are_refused_with_their_path() {
    let mut survey = base();
    survey["title"] = json!("Tiny\u{0}");
    question(&mut survey, 0)["text"] = json!("Sector\u{1b}[31m?");
    question(&mut survey, 1)["options"][0]["label"] = json!("X\u{7}");
    // Tabs and line breaks are text.
    question(&mut survey, 2)["hint"] = json!("one\ttwo\nthree\r\n");
    let mut found = problems(survey);
    found.sort();
    assert_eq!(
        found,
        [
            "pages[0].questions[0].text: contains the control character U+001B; remove it",
            "pages[0].questions[1].options[0].label: contains the control character U+0007; remove it",
            "title: contains the control character U+0000; remove it",
        ]
    );
}

#[test]
fn a_required_question_left_blank_is_named_in_its_error() {
    use fieldwork_survey::{validate_answers, Completeness, SubmittedAnswers};
    let mut survey = base();
    question(&mut survey, 2)["error_message"] = json!("Select how you feel");
    let definition = parse_definition(&survey.to_string()).unwrap();
    let mut answers = SubmittedAnswers::new();
    answers.insert("sector".into(), json!("b"));
    let errors = validate_answers(&definition, &answers, Completeness::Complete).unwrap_err();
    let messages: Vec<(String, Option<String>, String)> = errors
        .into_iter()
        .map(|e| (e.question, e.item, e.message))
        .collect();
    assert_eq!(
        messages,
        [
            (
                "tools".into(),
                None,
                "Select at least one option for ‘Tools?’".into()
            ),
            ("mood".into(), None, "Select how you feel".into()),
            // A grid names each statement left blank, so each row can show its error.
            (
                "grid".into(),
                Some("one".into()),
                "Select an answer for ‘One’".into()
            ),
            ("age".into(), None, "Enter a number for ‘Age?’".into()),
        ]
    );
}

/// The `email` section: every broken rule with its path, at once.
#[test]
fn the_email_section_is_checked_with_paths() {
    let template = json!({"subject": "Hi", "text": "{{link}} {{opt_out_link}}", "html": "<p>{{link}} {{opt_out_link}}</p>"});
    let mut good = base();
    good["email"] = json!({
        "contact": {"name": "Ana", "email": "ana@example.org"},
        "invitation": {"en": template.clone()},
    });
    assert_eq!(problems(good.clone()), Vec::<String>::new());
    let parsed = parse_definition(&good.to_string()).unwrap();
    let email = parsed.email.unwrap();
    assert_eq!(
        (
            email.default_language.as_str(),
            email.reminders_allowed,
            email.contact_retention_days
        ),
        ("en", 2, 30)
    );

    let mut bad = base();
    bad["email"] = json!({
        "contact": {"name": "Ana", "email": "not an address"},
        "invitation": {
            "en": {"subject": "Hi {{nmae}}", "text": "no link here", "html": "<p>{{link}}</p>"},
            "Welsh": template,
        },
        "reminders_allowed": 9,
        "contact_retention_days": 0,
        "colour": "blue",
    });
    assert_eq!(
        problems(bad),
        [
            "email.colour: unknown field `colour`",
            "email.contact.email: `not an address` is not an email address",
            "email.invitation.Welsh: `Welsh` is not a language code: use a code such as `en` or `cy`",
            "email.invitation.en.subject: unknown placeholder `{{nmae}}`: use {{name}}, {{link}}, {{opt_out_link}}, {{survey_title}}, {{contact_name}}, {{contact_email}}",
            "email.invitation.en.text: `text` must hold `{{link}}`",
            "email.invitation.en.text: `text` must hold `{{opt_out_link}}`",
            "email.invitation.en.html: `html` must hold `{{opt_out_link}}`",
            "email: missing field `default_language`: with templates in several languages, name the one for contacts whose language has none",
            "email.reminders_allowed: `reminders_allowed` is at most 5",
            "email.contact_retention_days: `contact_retention_days` must be between 1 and 365",
        ]
    );
}
