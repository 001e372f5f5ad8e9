//! `fieldwork survey validate|import FORM.xlsx` and `fieldwork survey export --format xlsform`
//! as a researcher runs them, on SQLite and PostgreSQL.

use crate::{assert_one_line_error, fieldwork, stderr, stdout, FIXTURE};

const FRAME: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../fixtures/frames/uk-public-sector.csv"
);

const SPEC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/xlsform/spec");

/// The study out as a workbook and back in elsewhere: the same definition, whichever store.
fn export_and_import_again_elsewhere(first: &str, second: &str) {
    let dir = tempfile::tempdir().unwrap();
    let run = |database: &str, args: &[&str]| {
        let output = fieldwork(dir.path(), database, args);
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        stdout(&output)
    };
    run(first, &["survey", "import", FIXTURE]);
    let said = run(
        first,
        &[
            "survey",
            "export",
            "digital-leadership",
            "--out",
            "study.xlsx",
        ],
    );
    assert_eq!(
        said,
        "wrote `digital-leadership` version 1 to study.xlsx (xlsform)\n"
    );
    run(
        first,
        &[
            "survey",
            "export",
            "digital-leadership",
            "--format",
            "json",
            "--out",
            "first.json",
        ],
    );
    let valid = run(second, &["survey", "validate", "study.xlsx"]);
    assert_eq!(
        valid,
        "study.xlsx: survey `digital-leadership` version 1 is valid: 6 pages, 13 questions, 5 strata\n"
    );
    run(second, &["survey", "import", "study.xlsx"]);
    run(
        second,
        &[
            "survey",
            "export",
            "digital-leadership",
            "--format",
            "json",
            "--out",
            "second.json",
        ],
    );
    let first_json = std::fs::read_to_string(dir.path().join("first.json")).unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.path().join("second.json")).unwrap(),
        first_json
    );
    // Importing the same workbook again changes nothing.
    let again = run(second, &["survey", "import", "study.xlsx"]);
    assert!(again.contains("nothing changed"), "{again}");
}

#[test]
fn the_study_goes_out_as_xlsform_and_back_from_sqlite_to_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("first.db").display());
    export_and_import_again_elsewhere(&sqlite, &fieldwork_store::testing::postgres_database_url());
}

#[test]
fn the_study_goes_out_as_xlsform_and_back_from_postgres_to_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("second.db").display());
    export_and_import_again_elsewhere(&fieldwork_store::testing::postgres_database_url(), &sqlite);
}

#[test]
fn a_workbook_with_problems_lists_each_by_cell_and_imports_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("cli.db").display());
    let form = format!("{SPEC}/cascading_select.xlsx");
    for command in ["validate", "import"] {
        let output = fieldwork(dir.path(), &database, &["survey", command, &form]);
        assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
        let err = stderr(&output);
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 3, "{err}");
        assert!(lines[0].ends_with(
            "cascading_select.xlsx: survey!D3 (choice_filter): choice_filter (cascading selects) is not supported: give the question its own list"
        ), "{err}");
        assert!(lines[1].contains("survey!D4 (choice_filter)"), "{err}");
        assert!(lines[2].starts_with("error: 2 problems"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let list = fieldwork(dir.path(), &database, &["survey", "list"]);
    assert!(
        stdout(&list).contains("no surveys yet"),
        "{}",
        stdout(&list)
    );
}

#[test]
fn the_stratum_and_frame_flags_complete_a_workbook_that_names_neither() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("cli.db").display());
    let run = |args: &[&str]| fieldwork(dir.path(), &database, args);
    assert!(run(&["survey", "import", FIXTURE]).status.success());
    assert!(run(&[
        "survey",
        "export",
        "digital-leadership",
        "--out",
        "study.xlsx"
    ])
    .status
    .success());
    // Take the stratum mark and the population columns out, as a workbook from elsewhere
    // would have them.
    let bare = strip_strata(&std::fs::read(dir.path().join("study.xlsx")).unwrap());
    std::fs::write(dir.path().join("bare.xlsx"), bare).unwrap();
    let valid = run(&["survey", "validate", "bare.xlsx"]);
    assert!(stdout(&valid).contains("0 strata"), "{}", stderr(&valid));
    let flagged = run(&[
        "survey",
        "validate",
        "bare.xlsx",
        "--stratum",
        "sector",
        "--frame",
        FRAME,
    ]);
    assert!(
        stdout(&flagged).contains("5 strata"),
        "{}",
        stderr(&flagged)
    );
    let unknown = run(&[
        "survey",
        "validate",
        "bare.xlsx",
        "--stratum",
        "nowhere",
        "--frame",
        FRAME,
    ]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(stderr(&unknown).contains("nowhere"), "{}", stderr(&unknown));
    assert_one_line_error(
        &run(&["survey", "validate", FIXTURE, "--stratum", "sector"]),
        "--stratum and --frame are for XLSForm workbooks",
    );
}

#[test]
fn export_mistakes_are_one_line_each() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("cli.db").display());
    let run = |args: &[&str]| fieldwork(dir.path(), &database, args);
    assert!(run(&["survey", "import", FIXTURE]).status.success());
    assert_one_line_error(
        &run(&["survey", "export", "nowhere", "--out", "x.xlsx"]),
        "nowhere",
    );
    assert_one_line_error(
        &run(&[
            "survey",
            "export",
            "digital-leadership",
            "--version",
            "9",
            "--out",
            "x.xlsx",
        ]),
        "9",
    );
    assert_one_line_error(
        &run(&[
            "survey",
            "export",
            "digital-leadership",
            "--out",
            "no/such/dir/x.xlsx",
        ]),
        "cannot write",
    );
    assert!(!dir.path().join("x.xlsx").exists());
}

/// The workbook without the `stratum` mark and the choices' population columns, rewritten
/// with the same writer fieldwork uses.
fn strip_strata(workbook: &[u8]) -> Vec<u8> {
    let definition =
        fieldwork_xlsform::read_xlsform(workbook, &fieldwork_xlsform::ImportOptions::default())
            .unwrap();
    let mut bare = definition.clone();
    bare.stratification = None;
    fieldwork_xlsform::write_xlsform(&bare).unwrap()
}
