//! The wide table of responses (`csv-wide`): one row per response, one column per variable.
//!
//! [`WideLayout`] says which columns a survey's wide table has and what each cell holds; the
//! export writes rows with it and [`read_wide_csv`] reads them back, so the two cannot drift
//! apart. `docs/exports.md` is the reference for the format; in short:
//!
//! - metadata first (`response_id`, `survey_version`, `stratum`, `submitted_at`, `weight`,
//!   `stratum_population`, and `complete` when partial responses are included), then one column per question in form
//!   order: a multi-choice question has one `question__option` column per option (1 chosen,
//!   0 not), a Likert grid one `question__item` column per item;
//! - an empty cell is a question that was shown but not answered (skipped, or not reached in
//!   a partial response); [`NOT_SHOWN`] (`.n`) is a question its `show_if` hid;
//! - a text cell (a code, a label, free text) that a spreadsheet could take for a formula, one
//!   that starts with `'`, and one that is exactly `.n`, gets a leading `'`
//!   ([`escape_cell`]); readers take one leading `'` off ([`unescape_cell`]). Numbers are never
//!   changed.

mod import;
mod stored;

pub use self::import::{
    read_wide_csv, ImportErrors, ImportProblem, ImportedResponse, WideCsvReader,
};
pub use self::stored::{AnswerRef, Code, GridAnswer, ParsedAnswers, StoredAnswersError};

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::fmt::Display;

use serde_json::Value;

use crate::answers::{answer_from_stored, Answer};
use crate::definition::{Choice, GridItem, Question, QuestionKind, SurveyDefinition};

/// The cell of a question that was not shown to the respondent (its `show_if` was false).
pub const NOT_SHOWN: &str = ".n";

/// A cell an import reads as not answered in number and coded columns: R writes its missing
/// value so (`write.csv` without `na = ""`).
pub const NOT_AVAILABLE: &str = "NA";

/// The longest cell an import reads, in bytes (a text answer is at most 100,000 characters).
pub const MAX_CELL_BYTES: usize = 1 << 20;

/// How many problems an import lists before it only counts them.
pub const MAX_LISTED_PROBLEMS: usize = 1000;

/// What coded answers are written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Labels {
    /// Option codes (`civil_service`): stable, what analysis uses.
    #[default]
    Codes,
    /// Option labels (`Civil Service`): what respondents saw.
    Text,
}

/// The columns that describe a response rather than answer a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetaColumn {
    ResponseId,
    SurveyVersion,
    Stratum,
    SubmittedAt,
    Weight,
    /// N_h, the population of the response's stratum in the frame: the finite population
    /// correction a design needs beside the weight.
    Population,
    Complete,
}

impl MetaColumn {
    /// The column's name unless a variable already has it.
    pub fn base_name(self) -> &'static str {
        match self {
            MetaColumn::ResponseId => "response_id",
            MetaColumn::SurveyVersion => "survey_version",
            MetaColumn::Stratum => "stratum",
            MetaColumn::SubmittedAt => "submitted_at",
            MetaColumn::Weight => "weight",
            MetaColumn::Population => "stratum_population",
            MetaColumn::Complete => "complete",
        }
    }

    /// What the column holds, for codebooks and variable labels.
    pub fn description(self) -> &'static str {
        match self {
            MetaColumn::ResponseId => "Response id (public, stable)",
            MetaColumn::SurveyVersion => "Version of the survey definition answered",
            MetaColumn::Stratum => "Stratum (code of the answer to the stratum question)",
            MetaColumn::SubmittedAt => "When the response was submitted (UTC)",
            MetaColumn::Weight => "Design weight N_h / n_h of the response's stratum",
            MetaColumn::Population => {
                "Population N_h of the response's stratum in the frame (the finite population correction)"
            }
            MetaColumn::Complete => "1 complete response, 0 partial (unfinished)",
        }
    }
}

/// What one answer column holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum VariableKind<'a> {
    /// A single_choice or likert question: one code.
    Choice,
    /// One option of a multi_choice question: 1 chosen, 0 not.
    Option(&'a Choice),
    /// One item of a likert_grid question: one code.
    GridItem(&'a GridItem),
    /// A number question.
    Number,
    /// A free-text question.
    Text,
}

/// One answer column of the wide table.
#[derive(Debug, Clone, PartialEq)]
pub struct Variable<'a> {
    /// The column name: the question id, or `question__option` / `question__item`.
    pub name: String,
    pub question: &'a Question,
    pub kind: VariableKind<'a>,
}

impl<'a> Variable<'a> {
    /// Whether cells hold option codes (or labels).
    pub fn is_coded(&self) -> bool {
        matches!(self.kind, VariableKind::Choice | VariableKind::GridItem(_))
    }

    /// The codes a coded variable's cells may hold with their labels, in the definition's
    /// order (Likert: the scale from lowest to highest, then the non-substantive points).
    pub fn codes(&self) -> Vec<&'a Choice> {
        if !self.is_coded() {
            return Vec::new();
        }
        self.question.choices().collect()
    }

    /// Whether a coded cell of exactly `text` names one of the variable's choices.
    fn has_code_or_label(&self, text: &str) -> bool {
        self.codes()
            .iter()
            .any(|c| c.code == text || c.label.variants().iter().any(|(_, l)| l.trim() == text))
    }

    /// The variable's label: the question text, with the option or item for one of several
    /// columns of a question (`Question text: Option label`), in the default language (a
    /// layout of [`SurveyDefinition::in_language`] has labels in that language).
    pub fn label(&self) -> String {
        let text = self.question.text.primary();
        match self.kind {
            VariableKind::Option(option) => format!("{text}: {}", option.label),
            VariableKind::GridItem(item) => format!("{text}: {}", item.text),
            _ => text.to_owned(),
        }
    }

    /// Whether this variable is free text marked sensitive.
    pub fn is_sensitive_text(&self) -> bool {
        self.question.sensitive && self.kind == VariableKind::Text
    }
}

/// The columns of a survey's wide table.
#[derive(Debug, Clone)]
pub struct WideLayout<'a> {
    definition: &'a SurveyDefinition,
    meta: Vec<(MetaColumn, String)>,
    variables: Vec<Variable<'a>>,
    /// Beside each variable: where its cells come from, worked out once.
    cells: Vec<VariableCells>,
}

/// Where a variable's cells come from in [`ParsedAnswers`], and its coded cells as written.
#[derive(Debug, Clone)]
struct VariableCells {
    /// The position of the variable's question in form order.
    question: usize,
    /// The position of its option (multi-choice) or item (grid) in the question's.
    part: usize,
    /// Each of the question's choices as a cell, by code and by label (escaped), in the
    /// question's choice order; empty for a variable that is not coded.
    codes: Vec<String>,
    labels: Vec<String>,
}

impl VariableCells {
    fn new(question: usize, variable: &Variable<'_>) -> Self {
        let part = match variable.kind {
            VariableKind::Option(option) => variable
                .question
                .choices()
                .position(|c| c.code == option.code),
            VariableKind::GridItem(item) => match &variable.question.kind {
                QuestionKind::LikertGrid { items, .. } => {
                    items.iter().position(|i| i.id == item.id)
                }
                _ => None,
            },
            _ => None,
        };
        let codes = variable.codes();
        VariableCells {
            question,
            part: part.unwrap_or(0),
            codes: codes
                .iter()
                .map(|c| escape_cell(&c.code).into_owned())
                .collect(),
            labels: codes
                .iter()
                .map(|c| escape_cell(c.label.primary()).into_owned())
                .collect(),
        }
    }

    /// A coded cell: the choice's code or label as written, or the code as given when it is
    /// none of the question's.
    fn coded<'c>(&'c self, code: Code<'c>, labels: Labels) -> Cow<'c, str> {
        let written = match labels {
            Labels::Codes => &self.codes,
            Labels::Text => &self.labels,
        };
        match code.choice.and_then(|i| written.get(i)) {
            Some(cell) => Cow::Borrowed(cell),
            None => escape_cell(code.text),
        }
    }
}

impl<'a> WideLayout<'a> {
    /// Every column of `definition`'s wide table, with `complete` and sensitive free text.
    pub fn full(definition: &'a SurveyDefinition) -> Self {
        Self::new(definition, true, true)
    }

    /// The columns of `definition`'s wide table. Sensitive free text is left out unless
    /// `sensitive_text`; the `complete` column is there only with `complete_column`.
    pub fn new(
        definition: &'a SurveyDefinition,
        sensitive_text: bool,
        complete_column: bool,
    ) -> Self {
        let mut variables = Vec::new();
        let mut positions = Vec::new();
        for (position, question) in definition.questions().enumerate() {
            match &question.kind {
                QuestionKind::SingleChoice { .. } | QuestionKind::Likert { .. } => {
                    variables.push(Variable {
                        name: question.id.clone(),
                        question,
                        kind: VariableKind::Choice,
                    })
                }
                QuestionKind::MultiChoice { options, .. } => {
                    variables.extend(options.iter().map(|option| Variable {
                        name: format!("{}__{}", question.id, option.code),
                        question,
                        kind: VariableKind::Option(option),
                    }))
                }
                QuestionKind::LikertGrid { items, .. } => {
                    variables.extend(items.iter().map(|item| Variable {
                        name: format!("{}__{}", question.id, item.id),
                        question,
                        kind: VariableKind::GridItem(item),
                    }))
                }
                QuestionKind::Number { .. } => variables.push(Variable {
                    name: question.id.clone(),
                    question,
                    kind: VariableKind::Number,
                }),
                QuestionKind::Text { .. } => variables.push(Variable {
                    name: question.id.clone(),
                    question,
                    kind: VariableKind::Text,
                }),
            }
            positions.resize(variables.len(), position);
        }
        // Metadata names give way to question variables (compared without case, as SPSS
        // does): `fw_` is put in front until the name is free. Computed over every variable,
        // so the names do not depend on which columns an export leaves out.
        let taken: HashSet<String> = variables.iter().map(|v| v.name.to_lowercase()).collect();
        let mut columns = vec![
            MetaColumn::ResponseId,
            MetaColumn::SurveyVersion,
            MetaColumn::Stratum,
            MetaColumn::SubmittedAt,
            MetaColumn::Weight,
            MetaColumn::Population,
        ];
        if complete_column {
            columns.push(MetaColumn::Complete);
        }
        let meta = columns
            .into_iter()
            .map(|column| {
                let mut name = column.base_name().to_owned();
                while taken.contains(&name.to_lowercase()) {
                    name = format!("fw_{name}");
                }
                (column, name)
            })
            .collect();
        let mut cells: Vec<VariableCells> = variables
            .iter()
            .zip(positions)
            .map(|(variable, position)| VariableCells::new(position, variable))
            .collect();
        if !sensitive_text {
            let mut keep = variables.iter().map(|v| !v.is_sensitive_text());
            cells.retain(|_| keep.next().unwrap_or(true));
            variables.retain(|v| !v.is_sensitive_text());
        }
        WideLayout {
            definition,
            meta,
            variables,
            cells,
        }
    }

    pub fn definition(&self) -> &'a SurveyDefinition {
        self.definition
    }

    /// The metadata columns and their names, in order.
    pub fn meta(&self) -> &[(MetaColumn, String)] {
        &self.meta
    }

    /// The name of a metadata column (`None` if the layout does not have it).
    pub fn meta_name(&self, column: MetaColumn) -> Option<&str> {
        self.meta
            .iter()
            .find(|(c, _)| *c == column)
            .map(|(_, n)| n.as_str())
    }

    /// The answer columns, in order.
    pub fn variables(&self) -> &[Variable<'a>] {
        &self.variables
    }

    /// Every column name, metadata first.
    pub fn header(&self) -> Vec<&str> {
        self.meta
            .iter()
            .map(|(_, n)| n.as_str())
            .chain(self.variables.iter().map(|v| v.name.as_str()))
            .collect()
    }

    /// A stored answers object read back by the questions of this layout's definition.
    /// Answers to questions it does not have (from another version) are left out.
    pub fn answers_from_stored(
        &self,
        stored: &serde_json::Map<String, Value>,
    ) -> BTreeMap<String, Answer> {
        self.definition
            .questions()
            .filter_map(|q| {
                let value = stored.get(&q.id)?;
                answer_from_stored(q, value).map(|a| (q.id.clone(), a))
            })
            .collect()
    }

    /// A place to parse stored answers into for [`WideLayout::write_cells`], reused from
    /// response to response.
    pub fn parsed_answers(&self) -> ParsedAnswers<'a> {
        ParsedAnswers::new(self.definition)
    }

    /// Append one cell per answer column to `record`, for `answers` by question id. For many
    /// responses, parse each into one [`ParsedAnswers`] and use [`WideLayout::write_cells`].
    pub fn push_cells(
        &self,
        answers: &BTreeMap<String, Answer>,
        labels: Labels,
        record: &mut csv::StringRecord,
    ) {
        let mut parsed = self.parsed_answers();
        parsed.set(answers);
        self.write_cells(&parsed, labels, |cell| {
            record.push_field(cell);
            Ok::<(), std::convert::Infallible>(())
        })
        .unwrap_or_else(|never| match never {});
    }

    /// Hand `cell` each answer column's cell for `answers` (parsed by this layout's
    /// definition), in order.
    pub fn write_cells<E>(
        &self,
        answers: &ParsedAnswers<'_>,
        labels: Labels,
        mut cell: impl FnMut(&str) -> Result<(), E>,
    ) -> Result<(), E> {
        debug_assert!(std::ptr::eq(answers.definition(), self.definition));
        // Several columns of one question share one evaluation of its `show_if`.
        let mut shown_for: Option<(usize, bool)> = None;
        for (variable, place) in self.variables.iter().zip(&self.cells) {
            let Some(answer) = answers.answer(place.question) else {
                let shown = match shown_for {
                    Some((question, shown)) if question == place.question => shown,
                    _ => {
                        let shown = answers.is_shown(place.question);
                        shown_for = Some((place.question, shown));
                        shown
                    }
                };
                cell(if shown { "" } else { NOT_SHOWN })?;
                continue;
            };
            match (variable.kind, answer) {
                (VariableKind::Choice, AnswerRef::Choice(code)) => {
                    cell(&place.coded(code, labels))?
                }
                (VariableKind::Option(_), AnswerRef::Choices { chosen, .. }) => {
                    cell(if chosen.get(place.part) == Some(&true) {
                        "1"
                    } else {
                        "0"
                    })?
                }
                (VariableKind::GridItem(_), AnswerRef::Grid(grid)) => match grid.item(place.part) {
                    Some(code) => cell(&place.coded(code, labels))?,
                    None => cell("")?,
                },
                (VariableKind::Number, AnswerRef::Integer(n)) => with_text(n, &mut cell)?,
                (VariableKind::Number, AnswerRef::Decimal(x)) => with_text(x, &mut cell)?,
                (VariableKind::Text, AnswerRef::Text(text)) => cell(&escape_cell(text))?,
                // A stored answer of another shape (an older version's question of another
                // type) has no cell of its own here.
                _ => cell("")?,
            }
        }
        Ok(())
    }
}

/// `f` with `value` as text, formatted on the stack when it fits (numbers almost always do).
fn with_text<R>(value: impl Display, f: impl FnOnce(&str) -> R) -> R {
    use std::io::Write as _;
    let mut buffer = [0u8; 40];
    let mut free = &mut buffer[..];
    if write!(free, "{value}").is_ok() {
        let written = 40 - free.len();
        // Display writes UTF-8.
        return f(std::str::from_utf8(&buffer[..written]).unwrap_or_default());
    }
    f(&value.to_string())
}

/// A text cell as written: a leading `'` when a spreadsheet could run it as a formula (it
/// starts with `=`, `+`, `-`, `@`, tab, CR or LF), when it starts with `'` itself, and when it
/// is exactly [`NOT_SHOWN`]. Numbers are not passed through this.
#[inline]
pub fn escape_cell(text: &str) -> Cow<'_, str> {
    let risky = text.starts_with(['=', '+', '-', '@', '\t', '\r', '\n', '\'']) || text == NOT_SHOWN;
    if risky {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The text of a cell written by [`escape_cell`].
pub fn unescape_cell(cell: &str) -> &str {
    cell.strip_prefix('\'').unwrap_or(cell)
}

#[cfg(test)]
mod tests {
    use super::{escape_cell, unescape_cell, NOT_SHOWN};

    #[test]
    fn cells_that_a_spreadsheet_would_run_are_escaped_and_read_back() {
        for (text, written) in [
            ("=1+1", "'=1+1"),
            ("+44 20", "'+44 20"),
            ("-5 days", "'-5 days"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("\nx", "'\nx"),
            ("'quoted'", "''quoted'"),
            (NOT_SHOWN, "'.n"),
            ("plain", "plain"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(escape_cell(text), written, "{text:?}");
            assert_eq!(unescape_cell(&escape_cell(text)), text, "{text:?}");
        }
    }
}
