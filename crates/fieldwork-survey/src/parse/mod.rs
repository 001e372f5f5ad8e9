//! Parsing a survey definition from JSON text, reporting every problem at once.
//!
//! Two layers: serde reads the text into permissive `Raw*` structs (every field optional, so a
//! missing field is a problem to report rather than a stop), noting unknown fields on the way;
//! then [`Checker`] turns the raw structs into a [`SurveyDefinition`], collecting each broken
//! rule with the JSON path where it is broken. Only a type mismatch (a string where a number
//! belongs) stops serde early; it is reported with its path too.

mod check;
mod conditions;
pub(crate) mod email;
mod questions;
mod raw;
mod trust;

use std::collections::BTreeMap;
use std::fmt;

use self::check::Checker;
use self::raw::RawSurvey;
use crate::definition::{Frame, SurveyDefinition};

/// One thing wrong with a definition, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinitionProblem {
    /// JSON path such as `pages[1].questions[0].options`, or `(line 3, column 7)` for syntax.
    pub path: String,
    pub message: String,
}

impl fmt::Display for DefinitionProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Everything wrong with a definition; never empty.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} problem{} in the survey definition", .problems.len(), if .problems.len() == 1 { "" } else { "s" })]
pub struct DefinitionErrors {
    pub problems: Vec<DefinitionProblem>,
}

/// Largest definition accepted, so that a hostile upload cannot exhaust memory.
pub const MAX_DEFINITION_BYTES: usize = 1024 * 1024;

const MAX_ID_LEN: usize = 32;
const MAX_CODE_LEN: usize = 64;
const DEFAULT_SHORT_TEXT_MAX: u32 = 500;
const DEFAULT_LONG_TEXT_MAX: u32 = 5000;
/// Upper bound on any text answer, whatever the definition asks for.
pub const TEXT_ANSWER_HARD_MAX: u32 = 100_000;

/// Parse and check a survey definition.
pub fn parse_definition(text: &str) -> Result<SurveyDefinition, DefinitionErrors> {
    if text.len() > MAX_DEFINITION_BYTES {
        return Err(single(
            "$",
            format!(
                "the definition is {} bytes; the limit is {MAX_DEFINITION_BYTES}",
                text.len()
            ),
        ));
    }
    let mut unknown = Vec::new();
    let mut json = serde_json::Deserializer::from_str(text);
    let mut note_unknown = |path: serde_ignored::Path<'_>| unknown.push(ignored_path(&path));
    let ignoring = serde_ignored::Deserializer::new(&mut json, &mut note_unknown);
    let raw: Result<RawSurvey, _> = serde_path_to_error::deserialize(ignoring);
    let raw = match raw {
        Ok(raw) => raw,
        Err(error) => {
            let path = tracked_path(error.path());
            let inner = error.into_inner();
            let problem = if inner.is_syntax() || inner.is_eof() {
                DefinitionProblem {
                    path: format!("(line {}, column {})", inner.line(), inner.column()),
                    message: format!("malformed JSON: {}", strip_position(&inner.to_string())),
                }
            } else {
                DefinitionProblem {
                    path,
                    message: strip_position(&inner.to_string()),
                }
            };
            return Err(DefinitionErrors {
                problems: vec![problem],
            });
        }
    };
    if let Err(e) = json.end() {
        return Err(single(
            format!("(line {}, column {})", e.line(), e.column()),
            "unexpected text after the definition".to_owned(),
        ));
    }
    let mut checker = Checker::default();
    for path in unknown {
        let field = path.rsplit('.').next().unwrap_or(&path).to_owned();
        checker.problem(path, format!("unknown field `{field}`"));
    }
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        control_characters(&value, "", &mut checker);
    }
    let definition = checker.survey(raw);
    if checker.problems.is_empty() {
        Ok(definition)
    } else {
        Err(DefinitionErrors {
            problems: checker.problems,
        })
    }
}

/// Replace a CSV frame by the figures it holds. `csv_text` is the file named by `frame.csv`.
pub fn resolve_frame_csv(
    definition: &mut SurveyDefinition,
    csv_text: &str,
) -> Result<(), DefinitionErrors> {
    let Some(stratification) = definition.stratification.as_mut() else {
        return Ok(());
    };
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(csv_text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| single("stratification.frame.csv", format!("unreadable CSV: {e}")))?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let (Some(stratum_col), Some(population_col)) = (column("stratum"), column("population"))
    else {
        return Err(single(
            "stratification.frame.csv",
            "the frame CSV needs the columns `stratum` and `population`".to_owned(),
        ));
    };
    let source_col = column("source");
    let mut population = BTreeMap::new();
    let mut sources = BTreeMap::new();
    let mut problems = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                problems.push(DefinitionProblem {
                    path: format!("stratification.frame.csv line {line}"),
                    message: format!("unreadable row: {e}"),
                });
                continue;
            }
        };
        let stratum = record.get(stratum_col).unwrap_or("").to_owned();
        match record.get(population_col).unwrap_or("").parse::<u64>() {
            Ok(n) if n > 0 => {
                if population.insert(stratum.clone(), n).is_some() {
                    problems.push(DefinitionProblem {
                        path: format!("stratification.frame.csv line {line}"),
                        message: format!("stratum `{stratum}` is listed twice"),
                    });
                }
            }
            _ => problems.push(DefinitionProblem {
                path: format!("stratification.frame.csv line {line}"),
                message: format!(
                    "population `{}` is not a whole number above zero",
                    record.get(population_col).unwrap_or("")
                ),
            }),
        }
        if let Some(source) = source_col.and_then(|c| record.get(c)) {
            if !source.is_empty() {
                sources.insert(stratum, source.to_owned());
            }
        }
    }
    if !problems.is_empty() {
        return Err(DefinitionErrors { problems });
    }
    stratification.frame = Frame {
        population,
        sources,
        csv: None,
    };
    // The figures must match the stratum question like inline ones do.
    let text = definition.to_canonical_json();
    parse_definition(&text).map(|checked| *definition = checked)
}

fn single(path: impl Into<String>, message: String) -> DefinitionErrors {
    DefinitionErrors {
        problems: vec![DefinitionProblem {
            path: path.into(),
            message,
        }],
    }
}

/// serde_json appends " at line X column Y"; the path already says where.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

fn tracked_path(path: &serde_path_to_error::Path) -> String {
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            serde_path_to_error::Segment::Map { key } => push_key(&mut out, key),
            serde_path_to_error::Segment::Enum { variant } => push_key(&mut out, variant),
            serde_path_to_error::Segment::Unknown => push_key(&mut out, "?"),
        }
    }
    if out.is_empty() {
        "$".to_owned()
    } else {
        out
    }
}

fn ignored_path(path: &serde_ignored::Path<'_>) -> String {
    fn walk(path: &serde_ignored::Path<'_>, out: &mut String) {
        use serde_ignored::Path;
        match path {
            Path::Root => {}
            Path::Seq { parent, index } => {
                walk(parent, out);
                out.push_str(&format!("[{index}]"));
            }
            Path::Map { parent, key } => {
                walk(parent, out);
                push_key(out, key);
            }
            Path::Some { parent }
            | Path::NewtypeStruct { parent }
            | Path::NewtypeVariant { parent } => walk(parent, out),
        }
    }
    let mut out = String::new();
    walk(path, &mut out);
    out
}

fn push_key(out: &mut String, key: &str) {
    if !out.is_empty() {
        out.push('.');
    }
    out.push_str(key);
}

/// Every string holding a control character (NUL, escape, bell...; tab and line breaks are
/// text) is a problem: such a character means nothing to a respondent, and PostgreSQL refuses
/// NUL in text, so a definition must mean the same on both backends.
fn control_characters(value: &serde_json::Value, path: &str, checker: &mut Checker) {
    match value {
        serde_json::Value::String(text) => {
            if let Some(c) = text
                .chars()
                .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
            {
                checker.problem(
                    path_or_root(path),
                    format!(
                        "contains the control character U+{:04X}; remove it",
                        u32::from(c)
                    ),
                );
            }
        }
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                control_characters(item, &format!("{path}[{i}]"), checker);
            }
        }
        serde_json::Value::Object(fields) => {
            for (key, field) in fields {
                control_characters(field, &join_path(path, key), checker);
            }
        }
        _ => {}
    }
}

/// `parent.field`, or `field` alone at the top of the definition.
fn join_path(parent: &str, field: &str) -> String {
    if parent.is_empty() {
        field.to_owned()
    } else {
        format!("{parent}.{field}")
    }
}

fn path_or_root(path: &str) -> String {
    if path.is_empty() {
        "$".to_owned()
    } else {
        path.to_owned()
    }
}

/// Whether `s` has a slug's shape: a lower-case letter, then lower-case letters, digits or
/// `-`, at most 64 characters.
pub fn is_slug(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// A question or item id: usable as a variable name in R, Stata and SPSS.
pub(crate) fn is_identifier(s: &str) -> bool {
    (1..=MAX_ID_LEN).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !s.contains("__")
}

fn is_code(s: &str) -> bool {
    (1..=MAX_CODE_LEN).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}
