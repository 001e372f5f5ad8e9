//! Exports: golden files for a small fixture in every format, what never leaves (withdrawn
//! responses, sensitive text, partial responses unless asked), formula injection, weights,
//! the import round trip and R reading the CSV with its labels.

use std::collections::BTreeMap;

use fieldwork_analysis::export::{export, ChunkedWriter, ExportFormat, ExportOptions};
use fieldwork_analysis::{analyze, Plan};
use fieldwork_store::testing::{self, TestDatabase};
use fieldwork_store::{on_both_backends, NewResponse, ResponseFilter, Submission};
use fieldwork_survey::{
    parse_definition, read_wide_csv, resolve_frame_csv, validate_answers, Completeness, Labels,
    SurveyDefinition, SyntheticRespondents,
};
use polars::prelude::*;
use polars_io::parquet::read::ParquetReader;
use serde_json::{json, Value};

const WITHDRAWN: &str = "WITHDRAWN-MARKER";
const PARTIAL: &str = "PARTIAL-MARKER";
const SENSITIVE: &str = "SENSITIVE-MARKER";

pub(crate) fn pulse() -> SurveyDefinition {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/exports/pulse.json"
    ))
    .unwrap();
    parse_definition(&text).unwrap()
}

/// The fixture's responses: four complete, one withdrawn, one partial.
pub(crate) fn store_pulse(db: &TestDatabase) {
    let definition = pulse();
    let survey = db
        .store
        .import_survey(&definition)
        .unwrap()
        .survey()
        .clone();
    let complete = [
        json!({"unit": "ops", "load": "high", "why": format!("=HYPERLINK(\"http://x\") {SENSITIVE}"),
               "tools": ["mail", "chat"], "chat_hours": -0.5, "grid": {"clear": "yes", "fair": "no"},
               "years": 3, "note": "+44 20 7946 0000"}),
        json!({"unit": "policy", "load": "dk", "tools": ["none"], "grid": {"clear": "no"},
               "note": "@channel, \"quoted\"\nsecond line"}),
        json!({"unit": "ops", "load": "ok", "years": 0, "note": "-minus"}),
        json!({"unit": "ops", "load": "low", "tools": ["chat"], "chat_hours": 12.25,
               "note": ".n"}),
        json!({"unit": "policy", "load": "high", "why": WITHDRAWN, "note": WITHDRAWN}),
    ];
    let responses: Vec<_> = complete
        .iter()
        .map(|a| {
            validate_answers(&definition, a.as_object().unwrap(), Completeness::Complete).unwrap()
        })
        .collect();
    let keys: Vec<String> = (0..responses.len()).map(|i| format!("key-{i}")).collect();
    let submissions: Vec<Submission<'_>> = responses
        .iter()
        .zip(&keys)
        .map(|(response, key)| Submission {
            survey: &survey,
            response,
            key_hash: key,
            request_hash: None,
            invitation_hash: None,
        })
        .collect();
    let results = db.store.submit_responses(&submissions).unwrap();
    let withdrawn = results.last().unwrap().as_ref().unwrap().outcome.id();
    db.store.set_receipt(withdrawn, "receipt").unwrap();
    assert!(db.store.withdraw_response("pulse", "receipt").unwrap());
    let partial = validate_answers(
        &definition,
        json!({"unit": "ops", "load": "low", "note": PARTIAL})
            .as_object()
            .unwrap(),
        Completeness::Partial,
    )
    .unwrap();
    db.store
        .insert_responses(
            &survey,
            &[NewResponse {
                response: &partial,
                submission_key: "partial",
            }],
        )
        .unwrap();
}

pub(crate) fn exported(db: &TestDatabase, slug: &str, options: &ExportOptions) -> Vec<u8> {
    let mut out = Vec::new();
    export(&db.store, slug, options, &mut out).unwrap();
    out
}

pub(crate) fn options(format: ExportFormat) -> ExportOptions {
    ExportOptions {
        format,
        data_file: "pulse.csv".to_owned(),
        ..ExportOptions::default()
    }
}

/// Response ids and times replaced by stable stand-ins (R1, R2, ... in stored order).
fn normalized(db: &TestDatabase, bytes: &[u8]) -> String {
    let mut text = String::from_utf8(bytes.to_vec()).unwrap();
    let filter = ResponseFilter {
        include_partial: true,
        ..ResponseFilter::default()
    };
    for (i, response) in db
        .store
        .load_responses("pulse", &filter)
        .unwrap()
        .iter()
        .enumerate()
    {
        text = text.replace(&response.public_id, &format!("R{}", i + 1));
        if let Some(at) = response.submitted_at {
            text = text.replace(&at.format("%Y-%m-%dT%H:%M:%SZ").to_string(), "SUBMITTED_AT");
        }
    }
    text
}

#[test]
fn every_text_format_matches_its_golden_file() {
    let db = testing::sqlite();
    store_pulse(&db);
    for (format, name) in ExportFormat::ALL {
        // Binary: parquet is read back below, .sav and .dta by haven (native_files.rs).
        if matches!(
            format,
            ExportFormat::Parquet | ExportFormat::Sav | ExportFormat::Dta
        ) {
            continue;
        }
        let text = normalized(&db, &exported(&db, "pulse", &options(format)));
        insta::assert_snapshot!(format!("pulse_{name}"), text);
    }
    // Labels, partial responses and sensitive text, with a byte-order mark.
    let everything = |format| ExportOptions {
        labels: Labels::Text,
        include_partial: true,
        include_sensitive: true,
        bom: true,
        ..options(format)
    };
    for format in [ExportFormat::CsvWide, ExportFormat::CsvLong] {
        let bytes = exported(&db, "pulse", &everything(format));
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        insta::assert_snapshot!(
            format!("pulse_{}_labels_partial_sensitive", format.name()),
            normalized(&db, &bytes[3..])
        );
    }
    for format in [ExportFormat::R, ExportFormat::Stata, ExportFormat::Spss] {
        insta::assert_snapshot!(
            format!("pulse_{}_labels_partial_sensitive", format.name()),
            normalized(&db, &exported(&db, "pulse", &everything(format)))
        );
    }
}

fn values<T: PolarsNumericType>(ca: &ChunkedArray<T>) -> Vec<Option<T::Native>> {
    (0..ca.len()).map(|i| ca.get(i)).collect()
}

fn parquet_frame(bytes: Vec<u8>) -> DataFrame {
    ParquetReader::new(std::io::Cursor::new(bytes))
        .finish()
        .unwrap()
}

#[test]
fn parquet_reads_back_as_the_wide_table_with_categoricals() {
    let db = testing::sqlite();
    store_pulse(&db);
    let frame = parquet_frame(exported(&db, "pulse", &options(ExportFormat::Parquet)));
    let wide = String::from_utf8(exported(&db, "pulse", &options(ExportFormat::CsvWide))).unwrap();
    let header: Vec<&str> = wide.lines().next().unwrap().split(',').collect();
    let names: Vec<&str> = frame
        .get_column_names()
        .iter()
        .map(|n| n.as_str())
        .collect();
    assert_eq!(names, header);
    assert_eq!(frame.height(), 4);
    let load = frame.column("load").unwrap();
    match load.dtype() {
        DataType::Enum(categories, _) => assert_eq!(
            categories.categories().iter().flatten().collect::<Vec<_>>(),
            ["low", "ok", "high", "dk"]
        ),
        other => panic!("load is {other:?}"),
    }
    let strings = |name: &str| -> Vec<Option<String>> {
        let column = frame.column(name).unwrap().cast(&DataType::String).unwrap();
        let ca = column.str().unwrap();
        (0..ca.len())
            .map(|i| ca.get(i).map(str::to_owned))
            .collect()
    };
    assert_eq!(
        strings("load"),
        [Some("high"), Some("dk"), Some("ok"), Some("low")].map(|v| v.map(str::to_owned))
    );
    assert_eq!(
        strings("grid__fair"),
        [Some("no".to_owned()), None, None, None]
    );
    assert_eq!(
        values(frame.column("chat_hours").unwrap().f64().unwrap()),
        [Some(-0.5), None, None, Some(12.25)]
    );
    assert_eq!(
        values(frame.column("years").unwrap().i64().unwrap()),
        [Some(3), None, Some(0), None]
    );
    assert_eq!(
        values(frame.column("tools__chat").unwrap().i32().unwrap()),
        [Some(1), Some(0), None, Some(1)]
    );
    assert_eq!(
        values(frame.column("weight").unwrap().f64().unwrap()),
        [Some(40.0), Some(45.0), Some(40.0), Some(40.0)]
    );
    assert!(matches!(
        frame.column("submitted_at").unwrap().dtype(),
        DataType::Datetime(TimeUnit::Microseconds, None)
    ));
    assert!(!names.contains(&"why"), "sensitive text needs permission");
    // With labels, the categories are the labels.
    let labelled = parquet_frame(exported(
        &db,
        "pulse",
        &ExportOptions {
            labels: Labels::Text,
            ..options(ExportFormat::Parquet)
        },
    ));
    let unit = labelled
        .column("unit")
        .unwrap()
        .cast(&DataType::String)
        .unwrap();
    assert_eq!(
        unit.str().unwrap().get(1),
        Some("Policy, strategy & \"reform\"")
    );
}

/// Every cell of a frame as text, one line per column.
fn frame_text(frame: &DataFrame) -> String {
    frame
        .columns()
        .iter()
        .map(|column| {
            let text = column.cast(&DataType::String).unwrap();
            let ca = text.str().unwrap();
            (0..ca.len())
                .map(|i| ca.get(i).unwrap_or("").to_owned())
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every response-carrying format, with every permission, as text (parquet as its frame,
/// .sav and .dta as haven reads them).
fn everything_exported(db: &TestDatabase) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    for (format, name) in ExportFormat::ALL {
        for (include_partial, include_sensitive) in [(false, false), (true, true)] {
            let options = ExportOptions {
                include_partial,
                include_sensitive,
                ..options(format)
            };
            let bytes = exported(db, "pulse", &options);
            let text = match format {
                ExportFormat::Parquet => frame_text(&parquet_frame(bytes)),
                ExportFormat::Sav | ExportFormat::Dta => {
                    let path = dir.path().join(format!("export.{}", format.extension()));
                    std::fs::write(&path, bytes).unwrap();
                    super::native_files::haven_reads(&path).to_string()
                }
                _ => String::from_utf8(bytes).unwrap(),
            };
            outputs.push((
                format!("{name} {include_partial} {include_sensitive}"),
                text,
            ));
        }
    }
    outputs
}

fn a_withdrawn_response_is_in_no_format(db: TestDatabase) {
    store_pulse(&db);
    let outputs = everything_exported(&db);
    assert_eq!(outputs.len(), 22);
    for (name, text) in outputs {
        assert!(!text.contains(WITHDRAWN), "{name}");
    }
}

fn partial_responses_and_sensitive_text_only_when_asked(db: TestDatabase) {
    store_pulse(&db);
    for (name, text) in everything_exported(&db) {
        let asked = name.ends_with("true true");
        let carries_responses = ["csv-wide", "csv-long", "parquet", "sav", "dta"]
            .iter()
            .any(|f| name.starts_with(&format!("{f} ")));
        if carries_responses {
            assert_eq!(text.contains(PARTIAL), asked, "{name}");
            assert_eq!(text.contains(SENSITIVE), asked, "{name}");
        }
    }
}

on_both_backends!(
    a_withdrawn_response_is_in_no_format,
    partial_responses_and_sensitive_text_only_when_asked,
    round_trip_gives_identical_estimates
);

fn wide_rows(db: &TestDatabase, options: &ExportOptions) -> Vec<BTreeMap<String, String>> {
    let bytes = exported(db, "pulse", options);
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let header = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            header
                .iter()
                .zip(r.unwrap().iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect()
        })
        .collect()
}

#[test]
fn formula_injection_is_neutralised_in_text_and_numbers_are_untouched() {
    let db = testing::sqlite();
    store_pulse(&db);
    let rows = wide_rows(
        &db,
        &ExportOptions {
            include_sensitive: true,
            ..options(ExportFormat::CsvWide)
        },
    );
    let notes: Vec<&str> = rows.iter().map(|r| r["note"].as_str()).collect();
    assert_eq!(
        notes,
        [
            "'+44 20 7946 0000",
            "'@channel, \"quoted\"\nsecond line",
            "'-minus",
            "'.n"
        ]
    );
    assert!(rows[0]["why"].starts_with("'=HYPERLINK"));
    assert_eq!(rows[0]["chat_hours"], "-0.5");
    // Labels that start like a formula are escaped as well.
    let labelled = wide_rows(
        &db,
        &ExportOptions {
            labels: Labels::Text,
            ..options(ExportFormat::CsvWide)
        },
    );
    assert_eq!(labelled[1]["load"], "'- don't know -");
    // csv-long too.
    let long = String::from_utf8(exported(&db, "pulse", &options(ExportFormat::CsvLong))).unwrap();
    assert!(long.contains(",note,,'+44 20 7946 0000\r\n"), "{long}");
    assert!(long.contains(",chat_hours,,-0.5\r\n"), "{long}");
}

#[test]
fn skipped_and_not_shown_are_told_apart() {
    let db = testing::sqlite();
    store_pulse(&db);
    let rows = wide_rows(&db, &options(ExportFormat::CsvWide));
    // Row 3 did not answer `tools`, so `chat_hours` was not shown; `grid` was skipped.
    assert_eq!(rows[2]["tools__chat"], "");
    assert_eq!(rows[2]["chat_hours"], ".n");
    assert_eq!(rows[2]["grid__clear"], "");
    // Row 2 answered only one grid item: the other is empty.
    assert_eq!(
        (
            rows[1]["grid__clear"].as_str(),
            rows[1]["grid__fair"].as_str()
        ),
        ("no", "")
    );
}

#[test]
fn weights_are_the_frame_over_the_responses_in_the_export() {
    let db = testing::sqlite();
    store_pulse(&db);
    // ops: 120 in the frame, 3 complete responses; policy: 45 and 1.
    let rows = wide_rows(&db, &options(ExportFormat::CsvWide));
    let weights: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r["stratum"].as_str(), r["weight"].as_str()))
        .collect();
    assert_eq!(
        weights,
        [
            ("ops", "40"),
            ("policy", "45"),
            ("ops", "40"),
            ("ops", "40")
        ]
    );
    let partial = wide_rows(
        &db,
        &ExportOptions {
            include_partial: true,
            stratum: Some("ops".to_owned()),
            ..options(ExportFormat::CsvWide)
        },
    );
    // A partial response has no weight, and does not count in n_h.
    let weights: Vec<(&str, &str)> = partial
        .iter()
        .map(|r| (r["complete"].as_str(), r["weight"].as_str()))
        .collect();
    assert_eq!(weights, [("1", "40"), ("1", "40"), ("1", "40"), ("0", "")]);
    let none = wide_rows(
        &db,
        &ExportOptions {
            since: Some(chrono::Utc::now().naive_utc() + chrono::TimeDelta::days(1)),
            ..options(ExportFormat::CsvWide)
        },
    );
    assert!(none.is_empty());
}

#[test]
fn an_unknown_stratum_is_refused() {
    let db = testing::sqlite();
    store_pulse(&db);
    let mut out = Vec::new();
    let error = export(
        &db.store,
        "pulse",
        &ExportOptions {
            stratum: Some("hr".to_owned()),
            ..options(ExportFormat::CsvWide)
        },
        &mut out,
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "`hr` is not a stratum of survey `pulse`: use one of ops, policy"
    );
}

#[test]
fn an_export_streams_through_a_channel_as_an_http_body_would() {
    let db = testing::sqlite();
    store_pulse(&db);
    let direct = exported(&db, "pulse", &options(ExportFormat::CsvLong));
    let (send, receive) = std::sync::mpsc::sync_channel::<Vec<u8>>(2);
    let store = std::sync::Arc::new(db);
    let writer_store = std::sync::Arc::clone(&store);
    let producer = std::thread::spawn(move || {
        let mut writer = ChunkedWriter::new(64, |chunk| {
            send.send(chunk)
                .map_err(|e| std::io::Error::other(e.to_string()))
        });
        export(
            &writer_store.store,
            "pulse",
            &options(ExportFormat::CsvLong),
            &mut writer,
        )
        .unwrap();
    });
    let chunks: Vec<Vec<u8>> = receive.iter().collect();
    producer.join().unwrap();
    assert!(!chunks.is_empty());
    assert!(chunks.iter().all(|c| !c.is_empty()));
    assert_eq!(chunks.concat(), direct);
}

fn study() -> SurveyDefinition {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures");
    let mut definition = parse_definition(
        &std::fs::read_to_string(format!("{root}/surveys/digital-leadership.json")).unwrap(),
    )
    .unwrap();
    resolve_frame_csv(
        &mut definition,
        &std::fs::read_to_string(format!("{root}/frames/uk-public-sector.csv")).unwrap(),
    )
    .unwrap();
    definition
}

fn same_backend(db: &TestDatabase) -> TestDatabase {
    match db.store.backend() {
        fieldwork_store::Backend::Sqlite => testing::sqlite(),
        fieldwork_store::Backend::Postgres => testing::postgres(),
    }
}

/// Synthetic responses, stored, exported as csv-wide, imported into a new database: the
/// analysis gives the same estimates, with codes and with labels in the cells.
fn round_trip_gives_identical_estimates(db: TestDatabase) {
    let definition = study();
    let answers: Vec<_> = SyntheticRespondents::new(&definition, 11)
        .take(600)
        .collect();
    let plan = Plan::default_for(&definition);
    let original = crate::analysed(&db, &definition, &answers, &plan);
    assert!(original.estimates.len() > 300);
    for labels in [Labels::Codes, Labels::Text] {
        let options = ExportOptions {
            labels,
            include_sensitive: true,
            ..ExportOptions::default()
        };
        let mut csv = Vec::new();
        let summary = export(&db.store, "digital-leadership", &options, &mut csv).unwrap();
        assert_eq!(summary.responses, 600);
        let target = same_backend(&db);
        let survey = target
            .store
            .import_survey(&definition)
            .unwrap()
            .survey()
            .clone();
        let rows = read_wide_csv(&definition, csv.as_slice()).unwrap();
        let keys: Vec<String> = rows.iter().map(|r| r.row.to_string()).collect();
        let batch: Vec<NewResponse<'_>> = rows
            .iter()
            .zip(&keys)
            .map(|(row, key)| NewResponse {
                response: &row.response,
                submission_key: key,
            })
            .collect();
        target.store.insert_responses(&survey, &batch).unwrap();
        let again = analyze(&target.store, "digital-leadership", &plan).unwrap();
        assert_eq!(again.estimates.len(), original.estimates.len());
        let close = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) => (a - b).abs() <= 1e-12 || (a.is_nan() && b.is_nan()),
            (None, None) => true,
            _ => false,
        };
        for (a, b) in original.estimates.iter().zip(&again.estimates) {
            assert_eq!(
                (
                    &a.question_id,
                    &a.option,
                    &a.stratum,
                    a.n,
                    a.suppressed,
                    &a.reason
                ),
                (
                    &b.question_id,
                    &b.option,
                    &b.stratum,
                    b.n,
                    b.suppressed,
                    &b.reason
                )
            );
            for (x, y) in [
                (a.estimate, b.estimate),
                (a.se, b.se),
                (a.ci_low, b.ci_low),
                (a.ci_high, b.ci_high),
                (a.deff, b.deff),
                (a.effective_n, b.effective_n),
            ] {
                assert!(close(x, y), "{a:?}\n{b:?}");
            }
        }
        // And the stored answers themselves are the same, response by response.
        let stored = |db: &TestDatabase| -> Vec<Value> {
            db.store
                .load_responses("digital-leadership", &ResponseFilter::default())
                .unwrap()
                .into_iter()
                .map(|r| serde_json::from_str(&r.answers).unwrap())
                .collect()
        };
        assert_eq!(stored(&db), stored(&target), "{labels:?}");
    }
}

/// Fail, saying what to install, when a program a test checks its output with is missing:
/// CI installs them (.ci/run), so a check that could not run must not pass quietly.
pub(crate) fn require_program(program: &str, debian_package: &str) {
    if let Err(error) = std::process::Command::new(program)
        .arg("--version")
        .output()
    {
        panic!(
            "`{program}` cannot run ({error}): this test checks the export with it; install it \
             with `apt-get install -y {debian_package}` (.ci/run does)"
        );
    }
}

/// The R script, run by Rscript on the csv-wide export, gives factors with the survey's
/// labels, variable labels, numbers and the not-shown rows.
#[test]
fn the_r_script_loads_the_csv_with_labels() {
    require_program("Rscript", "r-base-core");
    let db = testing::sqlite();
    store_pulse(&db);
    let dir = tempfile::tempdir().unwrap();
    let everything = |format| ExportOptions {
        include_partial: true,
        include_sensitive: true,
        bom: true,
        ..options(format)
    };
    std::fs::write(
        dir.path().join("pulse.csv"),
        exported(&db, "pulse", &everything(ExportFormat::CsvWide)),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("pulse.R"),
        exported(&db, "pulse", &everything(ExportFormat::R)),
    )
    .unwrap();
    let check = r#"source("pulse.R")
out <- function(...) cat(..., "\n", sep = "")
out("rows=", nrow(fw), " cols=", ncol(fw))
out("unit levels=", paste(levels(fw$unit), collapse = "|"))
out("unit=", paste(as.character(fw$unit), collapse = "|"))
out("load=", paste(as.character(fw$load), collapse = "|"))
out("load label=", attr(fw$load, "label"))
out("grid__fair label=", attr(fw$grid__fair, "label"))
out("chat_hours=", paste(fw$chat_hours, collapse = "|"))
out("chat_hours not shown=", paste(attr(fw$chat_hours, "not_shown"), collapse = "|"))
out("tools__chat=", paste(fw$tools__chat, collapse = "|"))
out("years class=", class(fw$years))
out("note=", paste(fw$note, collapse = "|"))
out("weight=", paste(fw$weight, collapse = "|"))
out("complete=", paste(fw$complete, collapse = "|"))
out("submitted_at class=", class(fw$submitted_at)[1])
"#;
    std::fs::write(dir.path().join("check.R"), check).unwrap();
    let output = std::process::Command::new("Rscript")
        .arg("check.R")
        .current_dir(dir.path())
        .env("LANG", "C.UTF-8")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert_eq!(stderr, "", "R warned");
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            "rows=5 cols=19",
            "unit levels=Operations|Policy, strategy & \"reform\"",
            "unit=Operations|Policy, strategy & \"reform\"|Operations|Operations|Operations",
            "load=Très lourd|- don't know -|About right|Light|Light",
            "load label=How heavy is your workload?",
            "grid__fair label=Do you agree?: Work is shared fairly",
            "chat_hours=-0.5|NA|NA|12.25|NA",
            "chat_hours not shown=2|3|5",
            "tools__chat=1|0|NA|1|NA",
            "years class=integer",
            "note=+44 20 7946 0000|@channel, \"quoted\"\nsecond line|-minus|.n|PARTIAL-MARKER",
            "weight=40|45|40|40|NA",
            "complete=1|1|1|1|0",
            "submitted_at class=POSIXct",
        ]
        .into_iter()
        .flat_map(|l| l.split('\n'))
        .collect::<Vec<_>>()
    );
}

/// The design travels with the data: the R script's `fw_design`, built by the survey package
/// from an exported csv-wide alone (stratum, weight, stratum_population), gives fieldwork's
/// published estimates and standard errors, on the small dataset of the reference tests.
#[test]
fn the_exported_design_reproduces_the_published_estimates_in_r() {
    let db = testing::sqlite();
    let definition = crate::small_definition();
    let mut plan = Plan::default_for(&definition);
    plan.suppression_threshold = 1;
    let analysis = crate::analysed(&db, &definition, &crate::small_answers(), &plan);
    let dir = tempfile::tempdir().unwrap();
    let options = ExportOptions {
        data_file: "small.csv".to_owned(),
        ..ExportOptions::default()
    };
    for (format, file) in [
        (ExportFormat::CsvWide, "small.csv"),
        (ExportFormat::R, "small.R"),
    ] {
        let bytes = exported(
            &db,
            "small",
            &ExportOptions {
                format,
                ..options.clone()
            },
        );
        std::fs::write(dir.path().join(file), bytes).unwrap();
    }
    // One line per estimate: question|option|stratum|estimate|se.
    let check = r#"source("small.R")
stopifnot(exists("fw_design"))
library(survey)
out <- function(question, option, stratum, m) cat(question, option, stratum,
  sprintf("%.17g", coef(m)[[1]]), sprintf("%.17g", SE(m)[[1]]), sep = "|", fill = TRUE)
for (stratum in c("all", levels(fw$stratum))) {
  within <- function(answered) {
    keep <- answered & (stratum == "all" | fw_design$variables$stratum == stratum)
    subset(fw_design, keep)
  }
  v <- fw_design$variables
  for (code in levels(v$q)) out("q", code, stratum, svymean(~as.numeric(q == code), within(!is.na(v$q))))
  out("y", "_mean", stratum, svymean(~y, within(!is.na(v$y))))
  out("m", "m1", stratum, svymean(~m__m1, within(!is.na(v$m__m1))))
}
"#;
    std::fs::write(dir.path().join("check.R"), check).unwrap();
    let output = std::process::Command::new("Rscript")
        .arg("check.R")
        .current_dir(dir.path())
        .env("LANG", "C.UTF-8")
        .output()
        .expect("Rscript runs (apt-get install r-base-core r-cran-survey)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut largest: f64 = 0.0;
    let mut compared = 0;
    for line in stdout.lines() {
        let fields: Vec<&str> = line.trim().split('|').collect();
        let [question, option, stratum, estimate, se] = fields[..] else {
            panic!("unexpected line from R: {line}");
        };
        let row = analysis
            .estimates
            .iter()
            .find(|r| r.question_id == question && r.option == option && r.stratum == stratum)
            .unwrap_or_else(|| panic!("no published row {question} {option} {stratum}"));
        for (ours, theirs) in [(row.estimate, estimate), (row.se, se)] {
            let theirs: f64 = theirs.parse().unwrap();
            let difference = (ours.unwrap() - theirs).abs();
            assert!(difference < 1e-9, "{line}: ours {ours:?}");
            largest = largest.max(difference);
            compared += 1;
        }
    }
    assert_eq!(compared, 2 * 5 * 5, "{stdout}");
    println!("{compared} values agree with R; the largest difference is {largest:e}");
}
