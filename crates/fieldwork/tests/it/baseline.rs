//! The pandas baseline of `fieldwork bench analyze` computes the same estimates as fieldwork:
//! otherwise the benchmark's comparison would be void. It needs a Python with pandas and scipy
//! (`.ci/run` installs python3-pandas and python3-scipy; FIELDWORK_BENCH_PYTHON picks another).

use crate::{stderr, stdout};

#[test]
fn the_pandas_baseline_publishes_the_same_estimates() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("bench.db").display());
    let python =
        std::env::var("FIELDWORK_BENCH_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".to_owned());
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_fieldwork"))
        .current_dir(dir.path())
        .env("FIELDWORK_BENCH_PYTHON", &python)
        .args([
            "--database",
            &database,
            "bench",
            "analyze",
            "--responses",
            "3000",
        ])
        .output()
        .unwrap();
    let out = stdout(&output);
    assert!(
        output.status.success(),
        "bench analyze failed (is pandas installed for {python}?): {}{out}",
        stderr(&output)
    );
    // "... 812 estimates agree to 0.0e0 (estimate) and 1.1e-16 (SE)"
    let agreed: usize = out
        .split(" estimates agree")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no comparison in: {out}"));
    assert!(agreed > 500, "{out}");
}

/// `bench all` at a small size: every measurement, PostgreSQL included, lands in its row
/// of the marked section, and the rest of the file is left as it was.
#[test]
fn bench_all_writes_every_row_between_the_markers() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("performance.md");
    std::fs::write(
        &file,
        "# Performance\n\nbefore\n\n<!-- bench all: begin -->\nold table\n<!-- bench all: end -->\n\nafter\n",
    )
    .unwrap();
    let python =
        std::env::var("FIELDWORK_BENCH_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".to_owned());
    let postgres = fieldwork_store::testing::postgres_server_url();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_fieldwork"))
        .current_dir(dir.path())
        .env_remove("FIELDWORK_DATABASE_URL")
        .args(["bench", "all", "--sizes", "500", "--python", &python])
        .args(["--postgres", postgres, "--concurrency", "8", "--write"])
        .arg(&file)
        .output()
        .unwrap();
    let out = stdout(&output);
    assert!(output.status.success(), "{}{out}", stderr(&output));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.starts_with("# Performance\n\nbefore\n\n<!-- bench all: begin -->\n"),
        "{text}"
    );
    assert!(
        text.ends_with("<!-- bench all: end -->\n\nafter\n"),
        "{text}"
    );
    assert!(!text.contains("old table"), "{text}");
    for measurement in [
        "analysis end to end, against reading the responses' stratum and answers",
        "analysis end to end, against pandas on the csv-wide export",
        "export csv-wide, against reading the rows",
        "export csv-long, against reading the rows",
        "export parquet, against reading the rows",
        "responses import of the csv-wide export, against sqlite3 .import into a plain table",
        "ingest over HTTP, SQLite, against the raw insert ceiling",
        "ingest over HTTP, PostgreSQL, against the raw insert ceiling",
    ] {
        let row = text
            .lines()
            .find(|l| l.starts_with(&format!("| 500 | {measurement} |")))
            .unwrap_or_else(|| panic!("no row for {measurement}: {text}"));
        // size, measurement, two figures, the ratio, two peaks, notes.
        let cells: Vec<&str> = row.trim_matches('|').split(" | ").collect();
        assert_eq!(cells.len(), 8, "{row}");
        assert!(
            cells[4].trim().parse::<f64>().is_ok_and(|r| r > 0.0),
            "{row}"
        );
        assert!(
            cells[5].ends_with(" MiB") && cells[6].ends_with(" MiB"),
            "{row}"
        );
        assert!(out.contains(row), "the table is printed too: {out}");
    }
    assert!(text.contains("500 acknowledged = stored"), "{text}");
    assert!(
        text.contains(" estimates agree (largest difference "),
        "{text}"
    );
    for fact in [
        "Machine: ",
        " cores, ",
        "Software: rustc ",
        "SQLite 3.",
        "PostgreSQL ",
        "pandas ",
    ] {
        assert!(text.contains(fact), "{fact} in {text}");
    }
}
