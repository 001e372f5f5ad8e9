//! `.sav` and `.dta` read back by R's haven, and the SPSS syntax run by GNU PSPP.
//!
//! The binary files must say what csv-wide says (csv-wide has its golden files): each value,
//! both missing kinds, the variable labels and the value labels in the survey's order. The
//! fixture adds hostile text (quotes, line breaks, non-ASCII, an answer of thousands of
//! characters) to the export fixture's responses.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use fieldwork_analysis::export::{ExportFormat, ExportOptions};
use fieldwork_store::testing::{self, TestDatabase};
use fieldwork_store::NewResponse;
use fieldwork_survey::{
    unescape_cell, validate_answers, Completeness, MetaColumn, QuestionKind, VariableKind,
    WideLayout, NOT_SHOWN,
};
use serde_json::{json, Value};

use super::export::{exported, options, pulse, require_program, store_pulse};

/// Free text no file format should bend: quotes of both kinds, line breaks, a tab,
/// non-ASCII letters and an emoji, a leading `=` and `'`, repeated to thousands of characters
/// (more than Stata's 2045-byte `str#`, so it travels as a strL).
fn hostile_long_text() -> String {
    let piece = "Ligne « un » with \"double\" and 'single' quotes;\n\
                 deuxième ligne — ünïcödé 😀\ttab, back\\slash. ";
    let text = format!("='{}end", piece.repeat(45));
    assert!(text.len() > 2045 && text.chars().count() <= 5000);
    text
}

const HOSTILE_NOTE: &str = "'quoted' \"twice\"\nnew line, naïve café ✓";

/// The export fixture's responses and one more, answered with hostile text.
fn store_hostile_pulse(db: &TestDatabase) {
    store_pulse(db);
    let definition = pulse();
    let survey = db.store.latest_survey("pulse").unwrap();
    let answers = json!({
        "unit": "policy", "load": "high", "why": hostile_long_text(),
        "tools": ["mail"], "years": 50, "note": HOSTILE_NOTE
    });
    let response = validate_answers(
        &definition,
        answers.as_object().unwrap(),
        Completeness::Complete,
    )
    .unwrap();
    db.store
        .insert_responses(
            &survey,
            &[NewResponse {
                response: &response,
                submission_key: "hostile",
            }],
        )
        .unwrap();
}

fn everything(format: ExportFormat) -> ExportOptions {
    ExportOptions {
        include_partial: true,
        include_sensitive: true,
        ..options(format)
    }
}

/// haven's view of a file: per variable its label, class, value labels (tagged missing
/// values as `.n`), SPSS user-missing values and every value (`.n` for a tagged missing
/// value, null for system-missing).
const HAVEN_DESCRIBE: &str = r#"
args <- commandArgs(trailingOnly = TRUE)
path <- args[[1]]
data <- if (grepl("[.]sav$", path)) haven::read_sav(path, user_na = TRUE) else haven::read_dta(path)
or_empty <- function(x) if (is.null(x)) "" else x
tagged <- function(x) if (is.double(x)) haven::na_tag(x) else rep(NA_character_, length(x))
plain <- function(x) { x <- unclass(x); attributes(x) <- NULL; x }
values <- function(x) {
  if (inherits(x, "POSIXct")) return(as.list(format(x, "%Y-%m-%dT%H:%M:%SZ", tz = "UTC")))
  tags <- tagged(x)
  v <- plain(x)
  lapply(seq_along(v), function(i) if (!is.na(tags[i])) paste0(".", tags[i]) else v[i])
}
value_labels <- function(x) {
  labels <- attr(x, "labels", exact = TRUE)
  if (is.null(labels)) return(list())
  tags <- tagged(labels)
  v <- plain(labels)
  lapply(seq_along(v), function(i) list(
    value = if (!is.na(tags[i])) paste0(".", tags[i]) else v[i],
    label = names(labels)[i]))
}
described <- list(
  file_label = or_empty(attr(data, "label", exact = TRUE)),
  variables = lapply(names(data), function(name) {
    x <- data[[name]]
    list(name = name, label = or_empty(attr(x, "label", exact = TRUE)), class = class(x)[1],
         labels = value_labels(x),
         na_values = as.list(as.numeric(attr(x, "na_values", exact = TRUE))),
         values = values(x))
  }))
cat(jsonlite::toJSON(described, auto_unbox = TRUE, digits = NA, na = "null", null = "null"))
"#;

pub(crate) fn haven_reads(path: &Path) -> Value {
    let dir = path.parent().unwrap();
    std::fs::write(dir.join("describe.R"), HAVEN_DESCRIBE).unwrap();
    let output = Command::new("Rscript")
        .arg("describe.R")
        .arg(path)
        .current_dir(dir)
        .env("LANG", "C.UTF-8")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "haven failed on {path:?}:\n{stderr}"
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "haven's description is not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

/// How the two formats spell the two missing kinds of a numeric answer column.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Format {
    Sav,
    Dta,
}

impl Format {
    fn not_shown_and_not_answered(self, min: Option<f64>) -> (Value, Value) {
        match self {
            // docs/exports.md: -1 and -2, or below a negative minimum.
            Format::Sav => match min {
                Some(min) if min < 0.0 => (json!(min.floor() - 1.0), json!(min.floor() - 2.0)),
                _ => (json!(-1.0), json!(-2.0)),
            },
            Format::Dta => (json!(".n"), json!(".s")),
        }
    }
}

/// What a column should read back as, from its csv-wide cells.
struct Expected {
    label: String,
    /// Value labels in order, the missing codes' labels last.
    labels: Vec<(Value, String)>,
    /// SPSS user-missing values.
    na_values: Vec<Value>,
    values: Vec<Value>,
}

fn number(cell: &str) -> Value {
    if cell.is_empty() {
        Value::Null
    } else {
        json!(cell.parse::<f64>().unwrap())
    }
}

fn expected_columns(format: Format, wide_csv: &[u8]) -> Vec<(String, Expected)> {
    let definition = pulse();
    let layout = WideLayout::new(&definition, true, true);
    let mut reader = csv::Reader::from_reader(wide_csv);
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let cells = |index: usize| rows.iter().map(move |row| row[index].to_owned());
    let mut columns = Vec::new();
    for (index, name) in header.iter().enumerate() {
        let expected = if let Some((meta, _)) = layout.meta().get(index) {
            let label = meta.description().to_owned();
            let plain = |values: Vec<Value>| Expected {
                label: label.clone(),
                labels: Vec::new(),
                na_values: Vec::new(),
                values,
            };
            match meta {
                MetaColumn::ResponseId => plain(cells(index).map(Value::from).collect()),
                MetaColumn::Stratum => {
                    let strata = definition.strata();
                    Expected {
                        labels: (1..)
                            .zip(&strata)
                            .map(|(i, c)| (json!(f64::from(i)), c.label.to_string()))
                            .collect(),
                        values: cells(index)
                            .map(|cell| {
                                let at = strata.iter().position(|c| c.code == cell).unwrap();
                                json!((at + 1) as f64)
                            })
                            .collect(),
                        ..plain(Vec::new())
                    }
                }
                MetaColumn::SubmittedAt => plain(
                    cells(index)
                        .map(|cell| {
                            if cell.is_empty() {
                                Value::Null
                            } else {
                                json!(cell)
                            }
                        })
                        .collect(),
                ),
                _ => plain(cells(index).map(|cell| number(&cell)).collect()),
            }
        } else {
            let variable = &layout.variables()[index - layout.meta().len()];
            let min = match &variable.question.kind {
                QuestionKind::Number { min, .. } => *min,
                _ => None,
            };
            let (not_shown, not_answered) = format.not_shown_and_not_answered(min);
            let mut labels: Vec<(Value, String)> = (1..)
                .zip(variable.codes())
                .map(|(i, c)| (json!(f64::from(i)), c.label.to_string()))
                .collect();
            let text = variable.kind == VariableKind::Text;
            if !text {
                labels.push((not_shown.clone(), "Not shown".to_owned()));
                labels.push((not_answered.clone(), "Not answered".to_owned()));
            }
            let codes = variable.codes();
            let values = cells(index)
                .map(|cell| match cell.as_str() {
                    _ if text => json!(if cell == NOT_SHOWN {
                        ""
                    } else {
                        unescape_cell(&cell)
                    }),
                    NOT_SHOWN => not_shown.clone(),
                    "" => not_answered.clone(),
                    _ if variable.is_coded() => {
                        let at = codes.iter().position(|c| c.code == cell).unwrap();
                        json!((at + 1) as f64)
                    }
                    _ => number(&cell),
                })
                .collect();
            Expected {
                label: variable.label(),
                na_values: if text || format == Format::Dta {
                    Vec::new()
                } else {
                    vec![not_shown, not_answered]
                },
                labels,
                values,
            }
        };
        columns.push((name.clone(), expected));
    }
    columns
}

/// JSON numbers as f64, so that R's `1` and the expected `1.0` compare equal.
fn normal(value: &Value) -> Value {
    value.as_f64().map_or_else(|| value.clone(), |x| json!(x))
}

fn value_labels(variable: &Value) -> Vec<(Value, String)> {
    variable["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (normal(&l["value"]), l["label"].as_str().unwrap().to_owned()))
        .collect()
}

fn na_values(variable: &Value) -> Vec<Value> {
    variable["na_values"]
        .as_array()
        .unwrap()
        .iter()
        .map(normal)
        .collect()
}

fn check_file(format: Format, described: &Value, wide_csv: &[u8]) {
    assert_eq!(
        described["file_label"],
        json!(pulse().title),
        "{format:?} file label"
    );
    let variables = described["variables"].as_array().unwrap();
    let expected = expected_columns(format, wide_csv);
    let names: Vec<&str> = variables
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    let expected_names: Vec<&str> = expected.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, expected_names, "{format:?} variable names");
    for (variable, (name, expected)) in variables.iter().zip(&expected) {
        let what = format!("{format:?} `{name}`");
        // Stata's variable labels hold 80 characters.
        let label: String = match format {
            Format::Sav => expected.label.clone(),
            Format::Dta => expected.label.chars().take(80).collect(),
        };
        assert_eq!(variable["label"], json!(label), "{what}: label");
        assert_eq!(
            value_labels(variable),
            expected.labels,
            "{what}: value labels"
        );
        assert_eq!(
            na_values(variable),
            expected.na_values,
            "{what}: user-missing values"
        );
        let values = variable["values"].as_array().unwrap();
        assert_eq!(values.len(), expected.values.len(), "{what}: rows");
        for (row, (got, want)) in values.iter().zip(&expected.values).enumerate() {
            let same = match (got.as_f64(), want.as_f64()) {
                (Some(got), Some(want)) => got == want,
                _ => got == want,
            };
            assert!(same, "{what}, row {}: read {got}, expected {want}", row + 1);
        }
    }
}

/// Every value, variable label, value label and missing code of the `.sav` and `.dta`, as
/// haven reads them, is what csv-wide holds; the hostile long text comes back byte for byte;
/// dates are dates.
#[test]
fn haven_reads_back_the_sav_and_dta_as_exported() {
    require_program("Rscript", "r-base-core r-cran-haven r-cran-jsonlite");
    let db = testing::sqlite();
    store_hostile_pulse(&db);
    let dir = tempfile::tempdir().unwrap();
    let wide = exported(&db, "pulse", &everything(ExportFormat::CsvWide));
    for (format, export_format, file) in [
        (Format::Sav, ExportFormat::Sav, "pulse.sav"),
        (Format::Dta, ExportFormat::Dta, "pulse.dta"),
    ] {
        let path = dir.path().join(file);
        std::fs::write(&path, exported(&db, "pulse", &everything(export_format))).unwrap();
        let described = haven_reads(&path);
        check_file(format, &described, &wide);

        let column = |name: &str| -> BTreeMap<&str, &Value> {
            let variable = described["variables"]
                .as_array()
                .unwrap()
                .iter()
                .find(|v| v["name"] == name)
                .unwrap();
            [
                ("class", &variable["class"]),
                (
                    "last",
                    variable["values"].as_array().unwrap().last().unwrap(),
                ),
            ]
            .into_iter()
            .collect()
        };
        assert_eq!(column("why")["last"], &json!(hostile_long_text()), "{file}");
        assert_eq!(column("note")["last"], &json!(HOSTILE_NOTE), "{file}");
        assert_eq!(column("submitted_at")["class"], &json!("POSIXct"), "{file}");
        assert_eq!(
            column("response_id")["class"],
            &json!("character"),
            "{file}"
        );
        let labelled = match format {
            Format::Sav => "haven_labelled_spss",
            Format::Dta => "haven_labelled",
        };
        assert_eq!(column("load")["class"], &json!(labelled), "{file}");
    }
}

/// The weight and the fpc travel in the binary files as in csv-wide: R's survey package
/// makes the same design from the `.dta` as from the CSV.
#[test]
fn the_design_columns_are_numbers_in_both_files() {
    require_program("Rscript", "r-base-core r-cran-haven r-cran-jsonlite");
    let db = testing::sqlite();
    store_pulse(&db);
    let dir = tempfile::tempdir().unwrap();
    for (export_format, file) in [(ExportFormat::Sav, "d.sav"), (ExportFormat::Dta, "d.dta")] {
        let path = dir.path().join(file);
        std::fs::write(&path, exported(&db, "pulse", &options(export_format))).unwrap();
        let described = haven_reads(&path);
        let values = |name: &str| -> Vec<Value> {
            described["variables"]
                .as_array()
                .unwrap()
                .iter()
                .find(|v| v["name"] == name)
                .unwrap_or_else(|| panic!("{file} has no `{name}`"))["values"]
                .as_array()
                .unwrap()
                .clone()
        };
        // The fixture's frame: ops 120 with three complete responses, policy 45 with one.
        assert_eq!(
            values("weight").iter().map(normal).collect::<Vec<_>>(),
            [40.0, 45.0, 40.0, 40.0].map(|w| json!(w)),
            "{file}"
        );
        assert_eq!(
            values("stratum_population")
                .iter()
                .map(normal)
                .collect::<Vec<_>>(),
            [120.0, 45.0, 120.0, 120.0].map(|n| json!(n)),
            "{file}"
        );
    }
}

/// Responses of the export fixture's survey whose text has no line breaks, which SPSS's and
/// PSPP's `GET DATA /DELCASE=LINE` cannot read inside a quoted value (docs/exports.md): quotes,
/// non-ASCII, a leading `=`, thousands of characters, and both missing kinds.
fn store_single_line_pulse(db: &TestDatabase) {
    let definition = pulse();
    let survey = db
        .store
        .import_survey(&definition)
        .unwrap()
        .survey()
        .clone();
    let long = hostile_long_text().replace('\n', " ");
    let answers = [
        json!({"unit": "policy", "load": "high", "why": long, "tools": ["chat"],
               "chat_hours": -0.5, "grid": {"clear": "yes"}, "years": 7,
               "note": "'quoted' \"twice\", naïve café ✓"}),
        json!({"unit": "ops", "load": "low", "tools": ["none"], "grid": {"fair": "no"}}),
        json!({"unit": "ops", "load": "dk", "note": "=SUM(A1)"}),
    ];
    let responses: Vec<_> = answers
        .iter()
        .map(|a| {
            validate_answers(&definition, a.as_object().unwrap(), Completeness::Complete).unwrap()
        })
        .collect();
    let keys: Vec<String> = (0..responses.len())
        .map(|i| format!("single-{i}"))
        .collect();
    let batch: Vec<NewResponse<'_>> = responses
        .iter()
        .zip(&keys)
        .map(|(response, key)| NewResponse {
            response,
            submission_key: key,
        })
        .collect();
    db.store.insert_responses(&survey, &batch).unwrap();
}

/// GNU PSPP runs the SPSS syntax on csv-wide without an error and ends with the dictionary
/// it declares: variable labels, value labels in the survey's order and the user-missing
/// codes of both kinds.
#[test]
fn pspp_runs_the_spss_syntax_with_labels_and_missing_values() {
    require_program("pspp", "pspp");
    let db = testing::sqlite();
    store_single_line_pulse(&db);
    let dir = tempfile::tempdir().unwrap();
    let all = |format| ExportOptions {
        data_file: "pulse.csv".to_owned(),
        ..everything(format)
    };
    std::fs::write(
        dir.path().join("pulse.csv"),
        exported(&db, "pulse", &all(ExportFormat::CsvWide)),
    )
    .unwrap();
    let mut syntax = exported(&db, "pulse", &all(ExportFormat::Spss));
    // Saved as a .sav by PSPP itself and read back by haven: PSPP's own writer, independent
    // of the ReadStat behind `--format sav`, must give the same dictionary.
    syntax.extend_from_slice(b"SAVE OUTFILE='from-pspp.sav'.\nDISPLAY DICTIONARY.\n");
    std::fs::write(dir.path().join("pulse.sps"), syntax).unwrap();
    let output = Command::new("pspp")
        .args(["-O", "format=txt", "-o", "listing.txt", "pulse.sps"])
        .current_dir(dir.path())
        .env("LANG", "C.UTF-8")
        .output()
        .unwrap();
    let listing = std::fs::read_to_string(dir.path().join("listing.txt")).unwrap_or_default();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "pspp failed:\n{stdout}\n{}\n{listing}",
        String::from_utf8_lossy(&output.stderr)
    );
    for problem in ["error:", "warning:"] {
        assert!(
            !listing.contains(problem) && !stdout.contains(problem),
            "PSPP reported a problem:\n{listing}\n{stdout}"
        );
    }
    assert!(
        listing.contains("How heavy is your workload?") && listing.contains("Très lourd"),
        "the dictionary lacks labels:\n{listing}"
    );
    let described = haven_reads(&dir.path().join("from-pspp.sav"));
    let wide = exported(&db, "pulse", &everything(ExportFormat::CsvWide));
    let metadata = WideLayout::new(&pulse(), true, true).meta().to_vec();
    for (index, (variable, (name, mut expected))) in described["variables"]
        .as_array()
        .unwrap()
        .iter()
        .zip(expected_columns(Format::Sav, &wide))
        .enumerate()
    {
        // The syntax codes both missing kinds in every numeric column, the metadata too
        // (where `--format sav` leaves a plain system-missing value).
        let coded_metadata = metadata.get(index).is_some_and(|(meta, _)| {
            !matches!(meta, MetaColumn::ResponseId | MetaColumn::SubmittedAt)
        });
        if coded_metadata {
            expected.labels.push((json!(-1.0), "Not shown".to_owned()));
            expected
                .labels
                .push((json!(-2.0), "Not answered".to_owned()));
            expected.na_values = vec![json!(-1.0), json!(-2.0)];
        }
        assert_eq!(variable["name"], json!(name));
        let what = format!("PSPP's `{name}`");
        // SPSS variable labels stop at 255 bytes; the fixture's are shorter.
        assert_eq!(variable["label"], json!(expected.label), "{what}: label");
        let mut labels = value_labels(variable);
        let mut expected_labels = expected.labels.clone();
        // PSPP files value labels by value, the missing codes (negative) first.
        let sort = |labels: &mut Vec<(Value, String)>| {
            labels.sort_by(|a, b| {
                a.0.as_f64()
                    .partial_cmp(&b.0.as_f64())
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
        };
        sort(&mut labels);
        sort(&mut expected_labels);
        assert_eq!(labels, expected_labels, "{what}: value labels");
        let mut na_values = na_values(variable);
        let mut expected_na = expected.na_values.clone();
        let by_value = |a: &Value, b: &Value| {
            a.as_f64()
                .partial_cmp(&b.as_f64())
                .unwrap_or(std::cmp::Ordering::Equal)
        };
        na_values.sort_by(by_value);
        expected_na.sort_by(by_value);
        assert_eq!(na_values, expected_na, "{what}: user-missing values");
    }
}
