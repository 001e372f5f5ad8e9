//! `fieldwork export` and `fieldwork responses import` as a user runs them.

use crate::{assert_one_line_error, fieldwork, stderr, stdout};

const PULSE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../fixtures/exports/pulse.json"
);

const GOOD: &str = "unit,load,tools__mail,tools__chat,tools__none,chat_hours,note\n\
                    ops,high,1,1,0,4.5,'=SUM(A1)\n\
                    policy,- don't know -,0,0,1,.n,\n\
                    ops,low,,,,.n,fine\n";

fn database(dir: &tempfile::TempDir, name: &str) -> String {
    format!("sqlite://{}", dir.path().join(name).display())
}

fn complete_responses(dir: &tempfile::TempDir, database: &str) -> String {
    let list = fieldwork(dir.path(), database, &["survey", "list"]);
    let line = stdout(&list)
        .lines()
        .find(|l| l.starts_with("pulse "))
        .unwrap()
        .to_owned();
    line.split_whitespace().nth(3).unwrap().to_owned()
}

#[test]
fn import_export_and_import_again_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let first = database(&dir, "first.db");
    assert!(fieldwork(dir.path(), &first, &["survey", "import", PULSE])
        .status
        .success());
    std::fs::write(dir.path().join("in.csv"), GOOD).unwrap();
    let imported = fieldwork(
        dir.path(),
        &first,
        &["responses", "import", "--survey", "pulse", "in.csv"],
    );
    assert!(imported.status.success(), "{}", stderr(&imported));
    assert_eq!(
        stdout(&imported),
        "imported 3 responses (0 partial) into `pulse` version 1 from in.csv\n"
    );
    // The same file again stores nothing twice.
    let again = fieldwork(
        dir.path(),
        &first,
        &["responses", "import", "--survey", "pulse", "in.csv"],
    );
    assert_one_line_error(&again, "in.csv was imported into `pulse` before");
    assert_eq!(complete_responses(&dir, &first), "3");

    let exported = fieldwork(
        dir.path(),
        &first,
        &[
            "export", "--survey", "pulse", "--format", "csv-wide", "--out", "out.csv",
        ],
    );
    assert!(exported.status.success(), "{}", stderr(&exported));
    assert!(stdout(&exported).starts_with("exported 3 responses of `pulse` as csv-wide to out.csv"));
    let text = std::fs::read_to_string(dir.path().join("out.csv")).unwrap();
    assert!(text.contains(",'=SUM(A1)\r\n"), "{text}");
    assert!(!dir.path().join("out.csv.partial").exists());

    let syntax = fieldwork(
        dir.path(),
        &first,
        &[
            "export", "--survey", "pulse", "--format", "r", "--out", "out.R",
        ],
    );
    assert!(syntax.status.success(), "{}", stderr(&syntax));
    let script = std::fs::read_to_string(dir.path().join("out.R")).unwrap();
    assert!(script.contains("path <- \"out.csv\""), "{script}");

    let second = database(&dir, "second.db");
    assert!(fieldwork(dir.path(), &second, &["survey", "import", PULSE])
        .status
        .success());
    let round = fieldwork(
        dir.path(),
        &second,
        &["responses", "import", "--survey", "pulse", "out.csv"],
    );
    assert!(round.status.success(), "{}", stderr(&round));
    let back = fieldwork(
        dir.path(),
        &second,
        &[
            "export", "--survey", "pulse", "--format", "csv-wide", "--out", "back.csv",
        ],
    );
    assert!(back.status.success());
    // Same answers, new response ids and times: compare everything after `weight`.
    let answers = |name: &str| -> Vec<String> {
        std::fs::read_to_string(dir.path().join(name))
            .unwrap()
            .lines()
            .map(|l| l.splitn(6, ',').nth(5).unwrap_or("").to_owned())
            .collect()
    };
    assert_eq!(answers("out.csv"), answers("back.csv"));
}

#[test]
fn a_file_with_problems_lists_each_by_row_and_column_and_imports_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(&dir, "cli.db");
    assert!(fieldwork(dir.path(), &db, &["survey", "import", PULSE])
        .status
        .success());
    std::fs::write(
        dir.path().join("bad.csv"),
        "unit,load,colour\nops,low,red\nops,heavy\n",
    )
    .unwrap();
    let output = fieldwork(
        dir.path(),
        &db,
        &["responses", "import", "--survey", "pulse", "bad.csv"],
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        "bad.csv: row 1, column colour: there is no question `colour` in survey `pulse`\n\
         error: 1 problem in bad.csv; nothing was imported\n"
    );
    std::fs::write(
        dir.path().join("bad.csv"),
        b"unit,load\nops,low\nops,heavy\nops,lo\xffw\nops\n".as_slice(),
    )
    .unwrap();
    let output = fieldwork(
        dir.path(),
        &db,
        &["responses", "import", "--survey", "pulse", "bad.csv"],
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        "bad.csv: row 3, column load: `heavy` is not a code or label of `load`; its codes are low, ok, high, dk\n\
         bad.csv: row 4, column load: the text is not UTF-8 (invalid byte at position 3); save the file as UTF-8\n\
         bad.csv: row 5: the row has 1 fields; the header row has 2\n\
         error: 3 problems in bad.csv; nothing was imported\n"
    );
    assert_eq!(complete_responses(&dir, &db), "0");
}

/// Rows stored as the file is read, a batch at a time, are all rolled back by a problem on
/// one of the last rows, and every problem is still listed.
fn a_bad_row_late_in_a_long_file_imports_nothing(database: &str) {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        fieldwork(dir.path(), database, &["survey", "import", PULSE])
            .status
            .success()
    );
    let mut csv = String::from("unit,load,tools__mail,tools__chat,tools__none,chat_hours,note\n");
    // Rows 2 to 3001; rows 2990 and 3000 are bad.
    for row in 2..=3001 {
        csv.push_str(match row {
            2990 => "ops,heavy,1,1,0,2,late\n",
            3000 => "ops,low,1,1,0,lots,later\n",
            _ => "ops,high,1,1,0,4.5,fine\n",
        });
    }
    std::fs::write(dir.path().join("long.csv"), &csv).unwrap();
    let output = fieldwork(
        dir.path(),
        database,
        &["responses", "import", "--survey", "pulse", "long.csv"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert_eq!(
        stderr(&output),
        "long.csv: row 2990, column load: `heavy` is not a code or label of `load`; its codes are low, ok, high, dk\n\
         long.csv: row 3000, column chat_hours: `lots` is not a number: `chat_hours` takes numbers written like 12, -3.5 or 1,200; leave the cell empty (or `NA`) if it was not answered (not_a_number)\n\
         error: 2 problems in long.csv; nothing was imported\n"
    );
    assert_eq!(complete_responses(&dir, database), "0");
    // Fixed, the same rows import whole.
    let fixed = csv
        .replace("ops,heavy,", "ops,high,")
        .replace(",lots,", ",3,");
    std::fs::write(dir.path().join("long.csv"), fixed).unwrap();
    let output = fieldwork(
        dir.path(),
        database,
        &["responses", "import", "--survey", "pulse", "long.csv"],
    );
    assert_eq!(
        stdout(&output),
        "imported 3000 responses (0 partial) into `pulse` version 1 from long.csv\n",
        "{}",
        stderr(&output)
    );
    assert_eq!(complete_responses(&dir, database), "3000");
}

#[test]
fn a_bad_row_late_in_a_long_file_imports_nothing_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    a_bad_row_late_in_a_long_file_imports_nothing(&database(&dir, "long.db"));
}

#[test]
fn a_bad_row_late_in_a_long_file_imports_nothing_on_postgres() {
    a_bad_row_late_in_a_long_file_imports_nothing(
        &fieldwork_store::testing::postgres_database_url(),
    );
}

#[test]
fn export_mistakes_are_one_line_each() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(&dir, "cli.db");
    assert!(fieldwork(dir.path(), &db, &["survey", "import", PULSE])
        .status
        .success());
    let output = fieldwork(
        dir.path(),
        &db,
        &[
            "export", "--survey", "nope", "--format", "csv-wide", "--out", "x.csv",
        ],
    );
    assert_one_line_error(&output, "there is no survey `nope`");
    let output = fieldwork(
        dir.path(),
        &db,
        &[
            "export",
            "--survey",
            "pulse",
            "--format",
            "csv-wide",
            "--stratum",
            "hr",
            "--out",
            "x.csv",
        ],
    );
    assert_one_line_error(
        &output,
        "`hr` is not a stratum of survey `pulse`: use one of ops, policy",
    );
    assert!(!dir.path().join("x.csv").exists());
    assert!(!dir.path().join("x.csv.partial").exists());
    let output = fieldwork(
        dir.path(),
        &db,
        &[
            "export", "--survey", "pulse", "--format", "xlsx", "--out", "x.csv",
        ],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("use one of csv-wide, csv-long, parquet"));
    let output = fieldwork(
        dir.path(),
        &db,
        &["responses", "import", "--survey", "pulse", "missing.csv"],
    );
    assert_one_line_error(&output, "cannot read missing.csv");
}

/// `--out -` writes the export to standard output, byte for byte what `--out FILE` writes,
/// with the summary line on standard error; syntax to standard output must name its data.
#[test]
fn out_dash_writes_to_standard_output() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(&dir, "cli.db");
    assert!(fieldwork(dir.path(), &db, &["survey", "import", PULSE])
        .status
        .success());
    std::fs::write(dir.path().join("in.csv"), GOOD).unwrap();
    assert!(fieldwork(
        dir.path(),
        &db,
        &["responses", "import", "--survey", "pulse", "in.csv"]
    )
    .status
    .success());
    let to_file = fieldwork(
        dir.path(),
        &db,
        &[
            "export", "--survey", "pulse", "--format", "csv-wide", "--out", "out.csv",
        ],
    );
    assert!(to_file.status.success(), "{}", stderr(&to_file));
    let to_stdout = fieldwork(
        dir.path(),
        &db,
        &[
            "export", "--survey", "pulse", "--format", "csv-wide", "--out", "-",
        ],
    );
    assert!(to_stdout.status.success(), "{}", stderr(&to_stdout));
    assert_eq!(
        to_stdout.stdout,
        std::fs::read(dir.path().join("out.csv")).unwrap()
    );
    assert!(
        stderr(&to_stdout)
            .starts_with("exported 3 responses of `pulse` as csv-wide to standard output"),
        "{}",
        stderr(&to_stdout)
    );
    assert!(!dir.path().join("-").exists(), "no file named `-`");

    let syntax = fieldwork(
        dir.path(),
        &db,
        &["export", "--survey", "pulse", "--format", "r", "--out", "-"],
    );
    assert_one_line_error(
        &syntax,
        "with --out -, name the csv-wide file the r syntax reads with --data",
    );
}
