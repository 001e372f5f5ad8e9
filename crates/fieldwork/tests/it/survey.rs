use crate::{assert_one_line_error, fieldwork, stderr, stdout, FIXTURE};

fn sqlite_in(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}", dir.path().join("cli.db").display())
}

#[test]
fn the_fixture_validates() {
    let dir = tempfile::tempdir().unwrap();
    let output = fieldwork(
        dir.path(),
        &sqlite_in(&dir),
        &["survey", "validate", FIXTURE],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains(
        "survey `digital-leadership` version 1 is valid: 6 pages, 13 questions, 5 strata"
    ));
}

#[test]
fn five_mistakes_give_five_messages_with_paths() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.json");
    std::fs::write(
        &file,
        r#"{
  "slug": "broken", "title": "Broken", "version": 1, "colour": "blue",
  "pages": [{"title": "P", "questions": [
    {"id": "sector", "type": "single_choice", "text": "Sector?", "options": [{"code": "a", "label": "A"}]},
    {"id": "sector", "type": "multi_choice", "text": "Again", "options": []},
    {"id": "age", "type": "number", "text": "Age", "min": 90, "max": 18},
    {"id": "why", "type": "text", "text": "Why?", "show_if": {"question": "sector", "equals": "z"}}
  ]}]
}"#,
    )
    .unwrap();
    let output = fieldwork(
        dir.path(),
        &sqlite_in(&dir),
        &["survey", "validate", file.to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    let lines: Vec<&str> = err.lines().collect();
    let name = file.display().to_string();
    assert_eq!(
        lines,
        [
            format!("{name}: colour: unknown field `colour`"),
            format!("{name}: pages[0].questions[1].id: duplicate question id `sector`"),
            format!(
                "{name}: pages[0].questions[1].options: `options` must list at least one option"
            ),
            format!("{name}: pages[0].questions[2].min: min (90) is greater than max (18)"),
            format!("{name}: pages[0].questions[3].show_if.equals: `sector` has no option `z`"),
            format!("error: 5 problems in the survey definition in {name}"),
        ]
    );
}

#[test]
fn malformed_json_missing_files_and_bad_urls_are_one_line_each() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_in(&dir);
    let missing = fieldwork(dir.path(), &db, &["survey", "validate", "nowhere.json"]);
    assert_one_line_error(&missing, "cannot read nowhere.json");

    std::fs::write(dir.path().join("cut.json"), "{\"slug\": \"x\",").unwrap();
    let malformed = fieldwork(dir.path(), &db, &["survey", "import", "cut.json"]);
    assert_eq!(malformed.status.code(), Some(1));
    let err = stderr(&malformed);
    assert!(
        err.starts_with("cut.json: (line 1, column 13): malformed JSON"),
        "{err}"
    );
    assert_eq!(
        err.lines().last().unwrap(),
        "error: 1 problem in the survey definition in cut.json"
    );

    let unreachable = fieldwork(
        dir.path(),
        "postgres://fieldwork@127.0.0.1:1/none",
        &["survey", "list"],
    );
    assert_one_line_error(
        &unreachable,
        "cannot open the database at postgres://fieldwork@127.0.0.1:1/none",
    );

    let secret = fieldwork(
        dir.path(),
        "postgres://user:hunter2@127.0.0.1:1/x",
        &["db", "migrate"],
    );
    assert_one_line_error(&secret, "postgres://user:***@127.0.0.1:1/x");
    assert!(
        !stderr(&secret).contains("hunter2"),
        "passwords are never printed"
    );

    let scheme = fieldwork(dir.path(), "mysql://x", &["survey", "list"]);
    assert_one_line_error(&scheme, "`mysql://x` is not a database URL");

    let unknown = fieldwork(dir.path(), &db, &["survey", "open", "ghost"]);
    assert_one_line_error(&unknown, "there is no survey `ghost`");

    std::fs::write(dir.path().join("binary.json"), [0xff, 0xfe, 0x00]).unwrap();
    let binary = fieldwork(dir.path(), &db, &["survey", "validate", "binary.json"]);
    assert_one_line_error(&binary, "binary.json is not UTF-8 text");
}

fn import_list_open_close(database: &str) {
    let dir = tempfile::tempdir().unwrap();
    let migrate = fieldwork(dir.path(), database, &["db", "migrate"]);
    assert!(migrate.status.success(), "{}", stderr(&migrate));
    let imported = fieldwork(dir.path(), database, &["survey", "import", FIXTURE]);
    assert!(
        stdout(&imported).contains("imported `digital-leadership` version 1 as a draft"),
        "{}",
        stderr(&imported)
    );
    let again = fieldwork(dir.path(), database, &["survey", "import", FIXTURE]);
    assert!(stdout(&again).contains("already stored with this definition"));
    let opened = fieldwork(
        dir.path(),
        database,
        &["survey", "open", "digital-leadership"],
    );
    assert!(stdout(&opened).contains("is now open"));
    let list = stdout(&fieldwork(dir.path(), database, &["survey", "list"]));
    let row = list.lines().nth(1).expect("one survey listed");
    assert!(row.starts_with("digital-leadership"), "{list}");
    assert!(
        row.contains(" open ") && row.contains("Digital leadership in the UK public sector"),
        "{list}"
    );

    // A changed definition with the same version is refused, with the way out.
    let text = std::fs::read_to_string(FIXTURE)
        .unwrap()
        .replace("about 10 minutes", "about 12 minutes");
    let frames = dir.path().join("frames");
    std::fs::create_dir_all(dir.path().join("surveys")).unwrap();
    std::fs::create_dir_all(&frames).unwrap();
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fixtures/frames/uk-public-sector.csv"
        ),
        frames.join("uk-public-sector.csv"),
    )
    .unwrap();
    let changed = dir.path().join("surveys/changed.json");
    std::fs::write(&changed, &text).unwrap();
    let conflict = fieldwork(
        dir.path(),
        database,
        &["survey", "import", changed.to_str().unwrap()],
    );
    assert_one_line_error(&conflict, "already has version 1 with a different definition; give the new definition a higher version");
    std::fs::write(&changed, text.replace("\"version\": 1", "\"version\": 2")).unwrap();
    let v2 = fieldwork(
        dir.path(),
        database,
        &["survey", "import", changed.to_str().unwrap()],
    );
    assert!(
        stdout(&v2).contains("version 2 as a draft"),
        "{}",
        stderr(&v2)
    );
    let closed = fieldwork(
        dir.path(),
        database,
        &["survey", "close", "digital-leadership"],
    );
    assert!(stdout(&closed).contains("version 2 is now closed"));
}

#[test]
fn import_list_open_close_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    import_list_open_close(&sqlite_in(&dir));
}

#[test]
fn import_list_open_close_on_postgres() {
    import_list_open_close(&fieldwork_store::testing::postgres_database_url());
}

#[test]
fn the_default_database_is_a_file_in_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_fieldwork"))
        .current_dir(dir.path())
        .env_remove("FIELDWORK_DATABASE_URL")
        .args(["survey", "list"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("no surveys yet"));
    assert!(dir.path().join("fieldwork.db").exists());
}

#[test]
fn the_schema_command_prints_the_checked_in_schema() {
    let dir = tempfile::tempdir().unwrap();
    let output = fieldwork(dir.path(), &sqlite_in(&dir), &["survey", "schema"]);
    let checked_in = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/survey.schema.json"
    ))
    .unwrap();
    assert_eq!(stdout(&output), checked_in);
}

/// `fieldwork ... | head` once `head` has gone: the write fails with a closed pipe, and the
/// program ends quietly with 141 (as a shell reports for a tool ended by SIGPIPE), never a
/// panic message. The pipe's reading end is closed before the program starts, so its first
/// line always meets the closed pipe.
#[test]
fn a_closed_stdout_ends_the_program_quietly() {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let definition = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/surveys/digital-leadership.json"
    );
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_fieldwork"))
        .args(["survey", "validate", definition])
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(141), "{stderr}");
    assert!(stderr.is_empty(), "nothing on stderr: {stderr}");
}

/// No answer may be collected before people are told who holds their data and why: a survey
/// without a privacy notice stays a draft, and the message says how to add one.
#[test]
fn a_survey_without_a_privacy_notice_cannot_open() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_in(&dir);
    let mut definition: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(FIXTURE).unwrap()).unwrap();
    let object = definition.as_object_mut().unwrap();
    object.remove("privacy_notice");
    object.remove("participant_information");
    object.insert("slug".into(), "no-notice".into());
    // The frame is read relative to the definition: point at the fixture's own.
    let frame = std::path::Path::new(FIXTURE)
        .parent()
        .unwrap()
        .join("../frames/uk-public-sector.csv");
    let stratification = object.get_mut("stratification").unwrap();
    stratification["frame"]["csv"] = frame.to_str().unwrap().into();
    let file = dir.path().join("no-notice.json");
    std::fs::write(&file, definition.to_string()).unwrap();
    let imported = fieldwork(
        dir.path(),
        &db,
        &["survey", "import", file.to_str().unwrap()],
    );
    assert!(imported.status.success(), "{}", stderr(&imported));
    let refused = fieldwork(dir.path(), &db, &["survey", "open", "no-notice"]);
    assert_one_line_error(
        &refused,
        "`no-notice` has no privacy notice, and a survey cannot take answers without one",
    );
    let list = stdout(&fieldwork(dir.path(), &db, &["survey", "list"]));
    assert!(list.contains(" draft "), "{list}");
}
