//! Every survey fixture written as XLSForm reads back as the same definition, and pyxform (the
//! reference converter) turns every exported workbook into an XForm without errors.

use std::path::PathBuf;
use std::process::Command;

use fieldwork_xlsform::write_xlsform;

use crate::{fixtures, read};

#[test]
fn every_fixture_round_trips_through_xlsform_to_an_identical_definition() {
    for definition in fixtures() {
        let workbook = write_xlsform(&definition).unwrap();
        let back = read(&workbook)
            .unwrap_or_else(|e| panic!("{}: {:#?}", definition.slug, crate::problems(&e)));
        assert_eq!(
            back.to_canonical_json(),
            definition.to_canonical_json(),
            "{}",
            definition.slug
        );
        assert_eq!(back, definition, "{}", definition.slug);
    }
}

#[test]
fn the_study_in_welsh_and_english_keeps_both_languages_in_its_columns() {
    let definition = fixtures().remove(0);
    assert_eq!(definition.languages, ["en", "cy"]);
    let workbook = write_xlsform(&definition).unwrap();
    // Read back in Welsh alone: the Welsh words came from the `::Welsh (cy)` columns.
    let back = read(&workbook).unwrap().in_language("cy");
    assert_eq!(back.title.as_str(), definition.title.get("cy"));
    let sector = back.question("sector").unwrap();
    assert_eq!(
        sector
            .choices()
            .map(|c| c.label.as_str())
            .collect::<Vec<_>>(),
        definition
            .question("sector")
            .unwrap()
            .choices()
            .map(|c| c.label.get("cy"))
            .collect::<Vec<_>>()
    );
}

/// `xls2xform` from pyxform: `FIELDWORK_PYXFORM`, or on the PATH (README, "Test it").
fn pyxform() -> PathBuf {
    if let Some(path) = std::env::var_os("FIELDWORK_PYXFORM") {
        return PathBuf::from(path);
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("xls2xform"))
            .find(|candidate| candidate.is_file())
    });
    on_path.unwrap_or_else(|| {
        panic!(
            "pyxform's xls2xform is needed to check exported workbooks: set FIELDWORK_PYXFORM \
             or put it on the PATH (python3 -m venv v && v/bin/pip install -r \
             tests/xlsform/requirements.txt)"
        )
    })
}

/// The fixtures, and a dozen generated definitions (labels with quotes, line breaks and any
/// printable character, every question kind, conditions, strata).
fn exported_surveys() -> Vec<fieldwork_survey::SurveyDefinition> {
    use proptest::strategy::{Strategy, ValueTree};
    let mut surveys = fixtures();
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = crate::generated::generated_definition();
    while surveys.len() < fixtures().len() + 12 {
        let value = strategy.new_tree(&mut runner).unwrap().current();
        if let Ok(mut definition) = fieldwork_survey::parse_definition(&value.to_string()) {
            definition.slug = format!("generated-{}", surveys.len());
            surveys.push(definition);
        }
    }
    surveys
}

#[test]
fn pyxform_converts_every_exported_workbook_without_errors_or_warnings() {
    let converter = pyxform();
    let scratch = tempfile::tempdir().unwrap();
    for definition in exported_surveys() {
        let form = scratch.path().join(format!("{}.xlsx", definition.slug));
        let xform = scratch.path().join(format!("{}.xml", definition.slug));
        std::fs::write(&form, write_xlsform(&definition).unwrap()).unwrap();
        let output = Command::new(&converter)
            .args(["--json", "--skip_validate"])
            .arg(&form)
            .arg(&xform)
            .output()
            .unwrap_or_else(|e| panic!("{} could not be run: {e}", converter.display()));
        // `--json` prints its report on standard error.
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let report: serde_json::Value = serde_json::from_str(said.trim())
            .unwrap_or_else(|_| panic!("{}: pyxform said {said}", definition.slug));
        assert_eq!(report["code"], 100, "{}: {report}", definition.slug);
        assert_eq!(
            report["warnings"],
            serde_json::json!([]),
            "{}: {report}",
            definition.slug
        );
        let xml = std::fs::read_to_string(&xform).unwrap();
        // The XForm asks the same questions: every question id is a bound node.
        for question in definition.questions() {
            assert!(
                xml.contains(&format!("/{}\"", question.id))
                    || xml.contains(&format!("/{}/", question.id)),
                "{}: {} is not in the XForm",
                definition.slug,
                question.id
            );
        }
    }
}

/// The survey crate's generated definitions (any question kind, labels with quotes, padding,
/// line breaks and any printable character, bounds of any sign, conditions, page
/// introductions, strata) each read back from their workbook unchanged.
mod generated_definitions {
    use fieldwork_survey::parse_definition;
    use fieldwork_xlsform::write_xlsform;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn every_generated_definition_round_trips(value in crate::generated::generated_definition()) {
            if let Ok(definition) = parse_definition(&value.to_string()) {
                let workbook = write_xlsform(&definition).unwrap();
                let back = crate::read(&workbook)
                    .map_err(|e| format!("{:#?}", crate::problems(&e)));
                prop_assert_eq!(back, Ok(definition));
            }
        }
    }
}

/// The study's workbook in `fixtures/xlsform/` (an example for researchers to start from) is
/// the study itself: it imports as the JSON fixture does.
#[test]
fn the_checked_in_study_workbook_is_the_study() {
    let workbook =
        std::fs::read(crate::repository().join("fixtures/xlsform/digital-leadership.xlsx"))
            .unwrap();
    let study = fixtures().remove(0);
    assert_eq!(read(&workbook).unwrap(), study);
}
