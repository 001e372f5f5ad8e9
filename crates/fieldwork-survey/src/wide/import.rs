//! Reading a wide CSV back: every row checked against the layout, every problem listed with its row and column, nothing imported unless all is well.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::io::Read;

use serde_json::Value;

use crate::answers::{is_shown, validate_answers, Completeness};
use crate::answers::{FieldError, SubmittedAnswers, ValidatedResponse};
use crate::definition::{Choice, Question, QuestionKind, SurveyDefinition};
use crate::unescape_cell;
use crate::MetaColumn;
use crate::Variable;
use crate::VariableKind;
use crate::WideLayout;
use crate::MAX_CELL_BYTES;
use crate::MAX_LISTED_PROBLEMS;
use crate::NOT_AVAILABLE;
use crate::NOT_SHOWN;

/// One problem in an imported file. Rows are counted as a spreadsheet shows them: the header
/// is row 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportProblem {
    pub row: u64,
    /// The column's name, or its position (`7`) when it has none.
    pub column: Option<String>,
    pub message: String,
}

impl fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(column) => write!(f, "row {}, column {}: {}", self.row, column, self.message),
            None => write!(f, "row {}: {}", self.row, self.message),
        }
    }
}

/// Why a file was not imported: the first [`MAX_LISTED_PROBLEMS`] problems, and how many
/// there were.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{total} problem{} in the file", if *.total == 1 { "" } else { "s" })]
pub struct ImportErrors {
    pub problems: Vec<ImportProblem>,
    pub total: usize,
}

/// A row of an imported file that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedResponse {
    /// The row it came from (the header is row 1).
    pub row: u64,
    pub response: ValidatedResponse,
}

/// Where a column of the file goes.
#[derive(Debug, Clone, Copy)]
enum Target {
    Meta(MetaColumn),
    Variable(usize),
}

#[derive(Debug, Default)]
struct Problems {
    listed: Vec<ImportProblem>,
    total: usize,
}

impl Problems {
    fn add(&mut self, row: u64, column: Option<&str>, message: impl Into<String>) {
        self.total += 1;
        if self.listed.len() < MAX_LISTED_PROBLEMS {
            self.listed.push(ImportProblem {
                row,
                column: column.map(str::to_owned),
                message: message.into(),
            });
        }
    }
}

/// Read a wide CSV (as [`WideLayout`] writes it, or made by hand with columns named by
/// question id) and check every row against `definition`. Returns every row as a validated
/// response, or every problem (up to [`MAX_LISTED_PROBLEMS`]) by row and column.
///
/// Columns may come in any order; a column of a question may be left out (no row answers
/// it), except that a required question without `show_if` must have its column, and a
/// multi-choice question has all its option columns or none. Metadata columns are optional:
/// `response_id` must not repeat, `stratum` must agree with the stratum question's answer,
/// `complete` (1 or 0, default 1) says whether the row is a partial response;
/// `survey_version`, `submitted_at`, `weight` and `stratum_population` are not read (they
/// are the target's).
/// Coded cells take a code or a label.
pub fn read_wide_csv(
    definition: &SurveyDefinition,
    input: impl Read,
) -> Result<Vec<ImportedResponse>, ImportErrors> {
    let layout = WideLayout::full(definition);
    let mut problems = Problems::default();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input);
    let mut record = csv::ByteRecord::new();
    let fail = |problems: Problems| ImportErrors {
        total: problems.total,
        problems: problems.listed,
    };
    match reader.read_byte_record(&mut record) {
        Ok(true) => {}
        Ok(false) => {
            problems.add(
                1,
                None,
                "the file is empty: it needs a header row of column names",
            );
            return Err(fail(problems));
        }
        Err(e) => {
            problems.add(1, None, csv_error_message(&e));
            return Err(fail(problems));
        }
    }
    let header = read_header(&layout, &record, &mut problems);
    if problems.total > 0 {
        return Err(fail(problems));
    }
    let columns: Vec<(String, Target)> = header;
    let mut imported = Vec::new();
    let mut response_ids: HashMap<String, u64> = HashMap::new();
    let mut row = 1u64;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                // The reader cannot go on after an I/O or encoding error of the file itself.
                problems.add(row + 1, None, csv_error_message(&e));
                break;
            }
        }
        row += 1;
        if record.len() != columns.len() {
            // A blank line in the middle of a file is read as one empty field.
            let blank = record.len() == 1 && record.get(0).is_some_and(|f| f.is_empty());
            problems.add(
                row,
                None,
                if blank {
                    "the row is empty".to_owned()
                } else {
                    format!(
                        "the row has {} fields; the header row has {}",
                        record.len(),
                        columns.len()
                    )
                },
            );
            continue;
        }
        let Some(cells) = row_cells(&record, &columns, row, &mut problems) else {
            continue;
        };
        if let Some(response) = read_row(
            &layout,
            &columns,
            &cells,
            row,
            &mut response_ids,
            &mut problems,
        ) {
            if problems.total == 0 {
                imported.push(ImportedResponse { row, response });
            }
        }
        if problems.total > 0 {
            // Nothing will be imported: keep checking, but stop keeping rows.
            imported = Vec::new();
        }
    }
    if problems.total > 0 {
        return Err(fail(problems));
    }
    if imported.is_empty() {
        problems.add(2, None, "the file has a header row but no responses");
        return Err(fail(problems));
    }
    Ok(imported)
}

fn csv_error_message(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::Io(e) => format!("cannot read the file: {e}"),
        _ => format!("the file is not CSV: {error}"),
    }
}

/// Map the header row to columns, reporting unknown, duplicate and missing ones.
fn read_header(
    layout: &WideLayout<'_>,
    record: &csv::ByteRecord,
    problems: &mut Problems,
) -> Vec<(String, Target)> {
    let mut columns = Vec::with_capacity(record.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut unnamed = false;
    for (index, field) in record.iter().enumerate() {
        let position = (index + 1).to_string();
        // A byte-order mark (written for Excel) is not part of the first name.
        let field = if index == 0 {
            field.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(field)
        } else {
            field
        };
        let name = match std::str::from_utf8(field) {
            Ok(name) => name.trim().to_owned(),
            Err(e) => {
                problems.add(1, Some(&position), not_utf8(e));
                unnamed = true;
                continue;
            }
        };
        if name.is_empty() {
            problems.add(1, Some(&position), "the column has no name");
            unnamed = true;
            continue;
        }
        if name.len() > 200 {
            problems.add(
                1,
                Some(&position),
                format!(
                    "the column name is {} bytes long; no column of this survey is longer than 200",
                    name.len()
                ),
            );
            continue;
        }
        if let Some(first) = seen.insert(name.clone(), index) {
            problems.add(
                1,
                Some(&name),
                format!(
                    "the column appears twice (columns {} and {})",
                    first + 1,
                    index + 1
                ),
            );
            continue;
        }
        let target = layout
            .meta
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(c, _)| Target::Meta(*c))
            .or_else(|| {
                layout
                    .variables
                    .iter()
                    .position(|v| v.name == name)
                    .map(Target::Variable)
            });
        match target {
            Some(target) => columns.push((name, target)),
            None => problems.add(1, Some(&name), unknown_column(layout, &name)),
        }
    }
    if unnamed {
        // A column without a readable name may be the one that looks missing.
        return columns;
    }
    let present: HashSet<usize> = columns
        .iter()
        .filter_map(|(_, t)| match t {
            Target::Variable(i) => Some(*i),
            Target::Meta(_) => None,
        })
        .collect();
    for question in layout.definition.questions() {
        let own: Vec<(usize, &Variable<'_>)> = layout
            .variables
            .iter()
            .enumerate()
            .filter(|(_, v)| v.question.id == question.id)
            .collect();
        let missing: Vec<&str> = own
            .iter()
            .filter(|(i, _)| !present.contains(i))
            .map(|(_, v)| v.name.as_str())
            .collect();
        if missing.is_empty() {
            continue;
        }
        let is_multi = matches!(question.kind, QuestionKind::MultiChoice { .. });
        if is_multi && missing.len() < own.len() {
            problems.add(
                1,
                Some(missing[0]),
                format!(
                    "the column is missing: give every option column of `{}` ({} missing: {}) or none",
                    question.id,
                    missing.len(),
                    missing.join(", ")
                ),
            );
        } else if question.required
            && question.show_if.is_none()
            && missing.len() == own.len()
            && (question.id != stratum_question(layout.definition).unwrap_or_default())
        {
            problems.add(
                1,
                Some(missing[0]),
                format!(
                    "the column is missing, and question `{}` must be answered in every complete response",
                    question.id
                ),
            );
        }
    }
    // The stratum question may come from the `stratum` column instead of its own.
    if let Some(stratum_question) = stratum_question(layout.definition) {
        let has_question = layout
            .variables
            .iter()
            .enumerate()
            .any(|(i, v)| v.question.id == stratum_question && present.contains(&i));
        let has_stratum = columns
            .iter()
            .any(|(_, t)| matches!(t, Target::Meta(MetaColumn::Stratum)));
        if !has_question && !has_stratum {
            problems.add(
                1,
                Some(stratum_question),
                format!(
                    "the column is missing: each response needs its stratum, in column `{stratum_question}` or `{}`",
                    layout.meta_name(MetaColumn::Stratum).unwrap_or("stratum")
                ),
            );
        }
    }
    columns
}

fn stratum_question(definition: &SurveyDefinition) -> Option<&str> {
    definition
        .stratification
        .as_ref()
        .map(|s| s.question.as_str())
}

fn unknown_column(layout: &WideLayout<'_>, name: &str) -> String {
    // Say what was probably meant: a question id used where option columns are expected.
    if let Some(question) = layout.definition.question(name) {
        let kind = question.kind.type_name();
        return format!(
            "`{name}` is a {kind} question, which has one column per {}: `{name}__...`",
            if kind == "likert_grid" {
                "item"
            } else {
                "option"
            }
        );
    }
    if let Some((question, rest)) = name.split_once("__") {
        if let Some(q) = layout.definition.question(question) {
            return match &q.kind {
                QuestionKind::MultiChoice { .. } => {
                    format!("question `{question}` has no option `{rest}`")
                }
                QuestionKind::LikertGrid { .. } => {
                    format!("question `{question}` has no item `{rest}`")
                }
                _ => format!("question `{question}` has a single column, `{question}`"),
            };
        }
    }
    format!(
        "there is no question `{name}` in survey `{}`",
        layout.definition.slug
    )
}

fn not_utf8(error: std::str::Utf8Error) -> String {
    format!(
        "the text is not UTF-8 (invalid byte at position {}); save the file as UTF-8",
        error.valid_up_to() + 1
    )
}

/// The row's cells as text, or `None` after reporting a cell that is not UTF-8 or too long.
fn row_cells<'r>(
    record: &'r csv::ByteRecord,
    columns: &[(String, Target)],
    row: u64,
    problems: &mut Problems,
) -> Option<Vec<&'r str>> {
    let mut cells = Vec::with_capacity(columns.len());
    let mut ok = true;
    for (field, (name, _)) in record.iter().zip(columns) {
        if field.len() > MAX_CELL_BYTES {
            problems.add(
                row,
                Some(name),
                format!(
                    "the value is {} bytes long; the limit is {MAX_CELL_BYTES}",
                    field.len()
                ),
            );
            ok = false;
            continue;
        }
        match std::str::from_utf8(field) {
            Ok(text) => cells.push(text),
            Err(e) => {
                problems.add(row, Some(name), not_utf8(e));
                ok = false;
            }
        }
    }
    ok.then_some(cells)
}

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
fn read_row(
    layout: &WideLayout<'_>,
    columns: &[(String, Target)],
    cells: &[&str],
    row: u64,
    response_ids: &mut HashMap<String, u64>,
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
                    if let Some(first) = response_ids.insert(id.to_owned(), row) {
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
            .map(|c| c.label.as_str());
        if stratum != answered && Some(stratum) != label {
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
    if let Some(choice) = codes.iter().find(|c| c.label.trim() == text) {
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

/// A value quoted in a message, cut short so that a huge cell does not make a huge message.
fn shorten(text: &str) -> Cow<'_, str> {
    const MAX: usize = 60;
    if text.chars().count() <= MAX {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(format!("{}…", text.chars().take(MAX).collect::<String>()))
    }
}
