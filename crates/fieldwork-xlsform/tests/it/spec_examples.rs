//! The XLSForm specification's documented examples and pyxform's example forms
//! (`fixtures/xlsform/spec/`, whose README gives each one's source and verdict): those within
//! the supported subset import as what they say; the rest are refused, naming every offending
//! cell.

use fieldwork_survey::{Condition, NumberKind, QuestionKind, SurveyDefinition};
use fieldwork_xlsform::{read_xlsform, ImportOptions, XlsFormErrors};

use crate::{problems, repository};

fn spec_file(name: &str) -> Result<SurveyDefinition, XlsFormErrors> {
    let path = repository().join("fixtures/xlsform/spec").join(name);
    let bytes = std::fs::read(&path).unwrap();
    let options = ImportOptions {
        file_stem: path.file_stem().map(|s| s.to_string_lossy().into_owned()),
        ..ImportOptions::default()
    };
    read_xlsform(&bytes, &options)
}

fn imported(name: &str) -> SurveyDefinition {
    spec_file(name).unwrap_or_else(|e| panic!("{name}: {:#?}", problems(&e)))
}

/// The kinds of the questions, in order, as `id:type`.
fn shape(definition: &SurveyDefinition) -> Vec<String> {
    definition
        .questions()
        .map(|q| format!("{}:{}", q.id, q.kind.type_name()))
        .collect()
}

fn codes(definition: &SurveyDefinition, question: &str) -> Vec<String> {
    definition
        .question(question)
        .unwrap()
        .offered_codes()
        .into_iter()
        .map(str::to_owned)
        .collect()
}

fn number_bounds(definition: &SurveyDefinition, question: &str) -> (Option<f64>, Option<f64>) {
    match &definition.question(question).unwrap().kind {
        QuestionKind::Number {
            min,
            max,
            kind: NumberKind::Integer,
            ..
        } => (*min, *max),
        other => panic!("{question} is {other:?}"),
    }
}

#[test]
fn the_examples_within_the_subset_import_as_they_say() {
    let select_one = imported("spec_select_one.xlsx");
    assert_eq!(shape(&select_one), ["likes_pizza:single_choice"]);
    assert_eq!(codes(&select_one, "likes_pizza"), ["yes", "no"]);
    // No settings sheet: the form id, and so the slug and title, come from the file's name.
    assert_eq!(select_one.slug, "spec-select-one");
    assert_eq!(select_one.title.as_str(), "spec_select_one");

    let select_multiple = imported("spec_select_multiple.xlsx");
    assert_eq!(shape(&select_multiple), ["favorite_toppings:multi_choice"]);
    assert_eq!(
        codes(&select_multiple, "favorite_toppings"),
        ["cheese", "pepperoni", "sausage"]
    );

    let constraint = imported("spec_constraint.xlsx");
    assert_eq!(number_bounds(&constraint, "age"), (None, Some(150.0)));
    assert!(!constraint.question("age").unwrap().required);

    // `. >=18`, with its constraint_message accepted and left aside.
    let message = imported("spec_constraint_message.xlsx");
    assert_eq!(
        number_bounds(&message, "respondent_age"),
        (Some(18.0), None)
    );

    let required = imported("spec_required.xlsx");
    assert!(required.question("age").unwrap().required);
    assert_eq!(number_bounds(&required, "age"), (None, Some(150.0)));

    let required_message = imported("spec_required_message.xlsx");
    let age = required_message.question("respondent_age").unwrap();
    assert!(age.required);
    assert_eq!(
        age.error_message.as_ref().map(|m| m.as_str()),
        Some("Sorry, this answer is required.")
    );

    let relevant = imported("spec_relevant_other.xlsx");
    assert_eq!(
        shape(&relevant),
        [
            "favorite_toppings:multi_choice",
            "favorite_toppings_other:text"
        ]
    );
    assert_eq!(
        relevant
            .question("favorite_toppings_other")
            .unwrap()
            .show_if,
        Some(Condition::Equals {
            question: "favorite_toppings".into(),
            equals: "other".into()
        })
    );

    // `begin group` spelled with a space: one page, titled by the group's label.
    let group = imported("spec_group.xlsx");
    assert_eq!(group.pages.len(), 1);
    assert_eq!(group.pages[0].title.as_str(), "Respondent");
    assert_eq!(shape(&group), ["name:text", "position:text"]);

    // A field-list group without a label: a page titled as the survey.
    let field_list = imported("spec_field_list_page.xlsx");
    assert_eq!(field_list.pages.len(), 1);
    assert_eq!(
        field_list.pages[0].title.as_str(),
        field_list.title.as_str()
    );
    assert_eq!(
        shape(&field_list),
        ["name:text", "age:number", "address:text"]
    );

    let extra_columns = imported("extra_columns.xlsx");
    assert_eq!(shape(&extra_columns), ["a:text"]);
    let extra_sheets = imported("extra_sheet_names.xlsx");
    assert_eq!(shape(&extra_sheets), ["test:text"]);
}

/// Each file refused, with the cells it must name among the problems (the README's
/// "offences"); nothing is imported from any of them.
#[test]
fn the_examples_beyond_the_subset_are_refused_naming_every_offending_cell() {
    let cases: &[(&str, &[&str])] = &[
        ("spec_basic_format.xlsx", &["survey!A2"]),
        (
            "spec_metadata.xlsx",
            &[
                "survey!A2",
                "survey!A3",
                "survey!A4",
                "survey!A5",
                "survey!A6",
                "survey!A7",
                "survey!A8",
                "survey!A9",
            ],
        ),
        ("spec_hints.xlsx", &["survey!A3"]),
        ("spec_or_other.xlsx", &["survey!A2"]),
        ("spec_relevant_select_one.xlsx", &["survey!A3"]),
        ("spec_relevant_select_multiple.xlsx", &["survey!A3"]),
        ("spec_calculate.xlsx", &["survey!A3", "survey!D3"]),
        ("spec_nested_groups.xlsx", &["survey row 4"]),
        ("spec_group_relevant.xlsx", &["survey!D3"]),
        ("spec_repeat.xlsx", &["survey!A2", "survey!A6"]),
        ("spec_media.xlsx", &["survey!D2", "survey!E2"]),
        ("spec_settings.xlsx", &["settings!D2", "settings!F2"]),
        ("cascading_select.xlsx", &["survey!D3", "survey!D4"]),
        ("or_other.xlsx", &["survey!A2", "survey!D3"]),
        ("specify_other.xlsx", &["survey!A2"]),
        ("loop.xlsx", &["survey!A2", "survey!A3", "survey!A5"]),
        ("group.xlsx", &["survey!A4"]),
        (
            "case_insensitivity.xlsx",
            &["SURVEY!A3", "SURVEY!D3", "SURVEY!A4"],
        ),
        ("text_and_integer.xlsx", &["survey!C1"]),
        // Languages fieldwork has no catalogue for (its own words are in en and cy only).
        ("spec_multiple_languages.xlsx", &["survey!D1"]),
        ("spec_default_language.xlsx", &["survey!C1"]),
    ];
    for (file, offences) in cases {
        let errors = spec_file(file).expect_err(file);
        let found = problems(&errors);
        for offence in *offences {
            assert!(
                found.iter().any(|(place, _)| place == offence),
                "{file}: {offence} not among {found:#?}"
            );
        }
        assert!(
            found.iter().all(|(_, message)| !message.is_empty()),
            "{file}: {found:#?}"
        );
    }
}

#[test]
fn the_messages_say_what_to_do_instead() {
    let said = |file: &str| -> Vec<(String, String)> { problems(&spec_file(file).unwrap_err()) };
    let message_at = |found: &[(String, String)], place: &str| -> String {
        found
            .iter()
            .find(|(p, _)| p == place)
            .map(|(_, m)| m.clone())
            .unwrap_or_default()
    };
    let cascading = said("cascading_select.xlsx");
    assert!(message_at(&cascading, "survey!D3").contains("give the question its own list"));
    let repeat = said("spec_repeat.xlsx");
    assert!(message_at(&repeat, "survey!A2").contains("repeats are not supported"));
    let calculate = said("spec_calculate.xlsx");
    assert!(message_at(&calculate, "survey!D3").contains("derive variables in analysis"));
    let grouped = said("spec_group_relevant.xlsx");
    assert!(
        message_at(&grouped, "survey!D3").contains("put the condition on each of its questions")
    );
    // A typo in the specification's own example: `favorite_topping` for `favorite_toppings`.
    let misspelt = said("spec_relevant_select_multiple.xlsx");
    assert!(message_at(&misspelt, "survey!D4")
        .contains("`favorite_topping`, which is not an earlier question"));
    let colon = said("text_and_integer.xlsx");
    assert!(message_at(&colon, "survey!C1").contains("label::English (en)"));
}

#[test]
fn legacy_xls_workbooks_are_refused_with_how_to_save_them() {
    for file in ["calculate.xls", "table-list.xls"] {
        let found = problems(&spec_file(file).unwrap_err());
        assert_eq!(found.len(), 1, "{file}: {found:#?}");
        assert_eq!(found[0].0, "workbook");
        assert!(
            found[0]
                .1
                .contains("save the XLSForm as Excel Workbook (.xlsx)"),
            "{found:#?}"
        );
    }
}
