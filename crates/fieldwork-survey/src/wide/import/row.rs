//! One data row of an imported file: its answers built from the cells, validated, and every
//! problem reported by column.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::header::stratum_question;
use super::seen_ids::SeenIds;
use super::{shorten, Problems, Target};
use crate::answers::{is_shown, validate_answers, Completeness};
use crate::answers::{FieldError, SubmittedAnswers, ValidatedResponse};
use crate::definition::{Choice, Question};
use crate::{unescape_cell, MetaColumn, Variable, VariableKind, WideLayout};
use crate::{NOT_AVAILABLE, NOT_SHOWN};

/// A cell of a multi-choice option column.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Tick {
    Empty,
    NotShown,
    Chosen,
    NotChosen,
}

/// One data row: its answers built from the cells, validated, and the markers and metadata
/// checked against the result.
pub(super) fn read_row(
    layout: &WideLayout<'_>,
    columns: &[(String, Target)],
    cells: &[&str],
    row: u64,
    response_ids: &mut SeenIds,
    problems: &mut Problems,
) -> Option<ValidatedResponse> {
    let before = problems.total;
    let mut submitted = SubmittedAnswers::new();
    let mut marked_not_shown: Vec<(&Question, &str)> = Vec::new();
    let mut ticks: BTreeMap<&str, Vec<(Tick, &Choice, &str)>> = BTreeMap::new();
    let mut completeness = Completeness::Complete;
    let mut stratum_cell: Option<(&str, &str)> = None;
    let mut answered_columns: HashMap<&str, &str> = HashMap::new();
    for ((name, target), raw) in columns.iter().zip(cells) {
        let cell = raw.trim();
        match *target {
            Target::Meta(MetaColumn::ResponseId) => {
                let id = unescape_cell(cell);
                if !id.is_empty() {
                    if let Some(first) = response_ids.first_row(id, row) {
                        problems.add(
                            row,
                            Some(name),
                            format!("response `{id}` is also on row {first}"),
                        );
                    }
                }
            }
            Target::Meta(MetaColumn::Complete) => match cell {
                "" | "1" => {}
                "0" => completeness = Completeness::Partial,
                other => problems.add(
                    row,
                    Some(name),
                    format!("`{other}` is not 1 (complete) or 0 (partial)"),
                ),
            },
            Target::Meta(MetaColumn::Stratum) => {
                if !cell.is_empty() {
                    stratum_cell = Some((name, unescape_cell(cell)));
                }
            }
            Target::Meta(_) => {}
            Target::Variable(index) => {
                let variable = &layout.variables[index];
                let question = variable.question;
                if cell == NOT_SHOWN {
                    match variable.kind {
                        VariableKind::Option(option) => ticks
                            .entry(&question.id)
                            .or_default()
                            .push((Tick::NotShown, option, name)),
                        _ => {
                            if !marked_not_shown.iter().any(|(q, _)| q.id == question.id) {
                                marked_not_shown.push((question, name));
                            }
                        }
                    }
                    continue;
                }
                match variable.kind {
                    VariableKind::Option(option) => {
                        let tick = match cell {
                            "" | NOT_AVAILABLE => Tick::Empty,
                            "1" => Tick::Chosen,
                            "0" => Tick::NotChosen,
                            other => {
                                problems.add(
                                    row,
                                    Some(name),
                                    format!(
                                        "`{}` is not 1 (chosen) or 0 (not chosen); leave the cell empty if the question was not answered",
                                        shorten(other)
                                    ),
                                );
                                continue;
                            }
                        };
                        ticks
                            .entry(&question.id)
                            .or_default()
                            .push((tick, option, name));
                    }
                    _ if cell.is_empty() => {}
                    // R's missing value, unless the question has a code or label `NA`. Text
                    // keeps it: a respondent may have written it.
                    VariableKind::Choice | VariableKind::GridItem(_) | VariableKind::Number
                        if cell == NOT_AVAILABLE && !variable.has_code_or_label(cell) => {}
                    VariableKind::Choice => {
                        let Some(code) = read_code(variable, cell, row, name, problems) else {
                            continue;
                        };
                        answered_columns.insert(&question.id, name);
                        submitted.insert(question.id.clone(), Value::String(code.to_owned()));
                    }
                    VariableKind::GridItem(item) => {
                        let Some(code) = read_code(variable, cell, row, name, problems) else {
                            continue;
                        };
                        let grid = submitted
                            .entry(question.id.clone())
                            .or_insert_with(|| Value::Object(serde_json::Map::new()));
                        if let Value::Object(grid) = grid {
                            grid.insert(item.id.clone(), Value::String(code.to_owned()));
                        }
                        answered_columns.entry(&question.id).or_insert(name);
                    }
                    VariableKind::Number => {
                        answered_columns.insert(&question.id, name);
                        submitted.insert(question.id.clone(), Value::String(cell.to_owned()));
                    }
                    VariableKind::Text => {
                        answered_columns.insert(&question.id, name);
                        submitted.insert(
                            question.id.clone(),
                            Value::String(unescape_cell(cell).to_owned()),
                        );
                    }
                }
            }
        }
    }
    // Multi-choice: all option cells empty, all not shown, or all 0/1.
    for (question_id, cells) in &ticks {
        let count = |t: Tick| cells.iter().filter(|(tick, _, _)| *tick == t).count();
        let (empty, not_shown) = (count(Tick::Empty), count(Tick::NotShown));
        let name = cells[0].2;
        if empty == cells.len() {
            continue;
        }
        if not_shown == cells.len() {
            if let Some(question) = layout.definition.question(question_id) {
                marked_not_shown.push((question, name));
            }
        } else if empty > 0 || not_shown > 0 {
            problems.add(
                row,
                Some(name),
                format!(
                    "the option columns of `{question_id}` mix 0/1 with empty or `{NOT_SHOWN}` cells: give 0 or 1 in every one, or leave them all empty"
                ),
            );
        } else {
            let chosen: Vec<Value> = cells
                .iter()
                .filter(|(tick, _, _)| *tick == Tick::Chosen)
                .map(|(_, option, _)| Value::String(option.code.clone()))
                .collect();
            // No option chosen is an unanswered question, as an empty list is.
            if !chosen.is_empty() {
                answered_columns.insert(question_id, name);
                submitted.insert((*question_id).to_owned(), Value::Array(chosen));
            }
        }
    }
    // The stratum from the `stratum` column when the stratum question has no cell.
    if let (Some((column, stratum)), Some(question)) = (
        stratum_cell,
        stratum_question(layout.definition).and_then(|id| layout.definition.question(id)),
    ) {
        if !submitted.contains_key(&question.id) {
            let variable = Variable {
                name: column.to_owned(),
                question,
                kind: VariableKind::Choice,
            };
            if let Some(code) = read_code(&variable, stratum, row, column, problems) {
                submitted.insert(question.id.clone(), Value::String(code.to_owned()));
                answered_columns.insert(&question.id, column);
            }
        }
    }
    if problems.total > before {
        return None;
    }
    let response = match validate_answers(layout.definition, &submitted, completeness) {
        Ok(response) => response,
        Err(errors) => {
            for error in errors {
                let column = error_column(layout, &error, &answered_columns);
                let found = submitted.get(&error.question).and_then(Value::as_str);
                problems.add(row, Some(&column), error_message(&error, found));
            }
            return None;
        }
    };
    for (question, column) in marked_not_shown {
        if is_shown(question, response.answers()) {
            problems.add(
                row,
                Some(column),
                format!(
                    "`{NOT_SHOWN}` says the question was not shown, but the answers to earlier questions show it; leave the cell empty if it was not answered"
                ),
            );
        }
    }
    if let (Some((column, stratum)), Some(answered)) = (stratum_cell, response.stratum()) {
        let label = layout
            .definition
            .strata()
            .into_iter()
            .find(|c| c.code == answered)
            .map(|c| c.label.variants());
        let labelled = label.is_some_and(|labels| labels.iter().any(|(_, l)| *l == stratum));
        if stratum != answered && !labelled {
            problems.add(
                row,
                Some(column),
                format!(
                    "the stratum `{}` differs from the answer to the stratum question, `{answered}`",
                    shorten(stratum)
                ),
            );
        }
    }
    (problems.total == before).then_some(response)
}

/// The code in a coded cell (a code, or a label), or `None` after reporting it.
fn read_code<'v>(
    variable: &Variable<'v>,
    cell: &str,
    row: u64,
    column: &str,
    problems: &mut Problems,
) -> Option<&'v str> {
    let text = unescape_cell(cell).trim();
    let codes = variable.codes();
    if let Some(choice) = codes.iter().find(|c| c.code == text) {
        return Some(&choice.code);
    }
    // A label in any of the survey's languages: a file exported with Welsh labels reads back.
    if let Some(choice) = codes
        .iter()
        .find(|c| c.label.variants().iter().any(|(_, l)| l.trim() == text))
    {
        return Some(&choice.code);
    }
    let listed: Vec<&str> = codes.iter().map(|c| c.code.as_str()).collect();
    problems.add(
        row,
        Some(column),
        format!(
            "`{}` is not a code or label of `{}`; its codes are {}",
            shorten(text),
            variable.question.id,
            listed.join(", ")
        ),
    );
    None
}

/// The column a validation error belongs to.
fn error_column(
    layout: &WideLayout<'_>,
    error: &FieldError,
    answered: &HashMap<&str, &str>,
) -> String {
    if let Some(item) = &error.item {
        return format!("{}__{item}", error.question);
    }
    if let Some(column) = answered.get(error.question.as_str()) {
        return (*column).to_owned();
    }
    layout
        .variables
        .iter()
        .find(|v| v.question.id == error.question)
        .map_or_else(|| error.question.clone(), |v| v.name.clone())
}

/// A validation error in the words of someone fixing a file, not answering a form: what the
/// cell holds (`found`, for a question of one cell) and what was expected.
fn error_message(error: &FieldError, found: Option<&str>) -> String {
    use crate::answers::FieldErrorKind as Kind;
    let question = &error.question;
    let quoted = || found.map_or_else(|| "the value".to_owned(), |v| format!("`{}`", shorten(v)));
    match error.kind {
        Kind::Required => format!(
            "question `{question}` is required in a complete response, but the cell is empty or `{NOT_AVAILABLE}`"
        ),
        Kind::HiddenQuestion => format!(
            "question `{question}` is answered, but the answers to earlier questions hide it; leave it empty or `{NOT_SHOWN}`"
        ),
        Kind::NotANumber => match found.and_then(with_decimal_point) {
            Some(pointed) => format!(
                "{} has a decimal comma: write it with a point, `{pointed}` (a comma may only separate thousands, as in 1,200) (not_a_number)",
                quoted()
            ),
            None => format!(
                "{} is not a number: `{question}` takes numbers written like 12, -3.5 or 1,200; leave the cell empty (or `{NOT_AVAILABLE}`) if it was not answered (not_a_number)",
                quoted()
            ),
        },
        Kind::NotAWholeNumber => format!(
            "{} is not a whole number, which `{question}` takes (not_a_whole_number)",
            quoted()
        ),
        // "Enter a number between 0 and 50 years" becomes what was expected.
        Kind::OutOfRange => format!(
            "{} is out of range: `{question}` takes {} (out_of_range)",
            quoted(),
            error
                .message
                .strip_prefix("Enter ")
                .unwrap_or(&error.message)
        ),
        _ => format!("{} ({})", error.message, kind_name(error)),
    }
}

/// `3,5` as `3.5`: a number whose one comma cannot be a thousands separator.
fn with_decimal_point(text: &str) -> Option<String> {
    let (whole, fraction) = text.trim().split_once(',')?;
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let sign_free = whole.strip_prefix(['-', '+']).unwrap_or(whole);
    (digits(sign_free) && digits(fraction) && fraction.len() != 3)
        .then(|| format!("{whole}.{fraction}"))
}

fn kind_name(error: &FieldError) -> String {
    serde_json::to_value(error.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}
