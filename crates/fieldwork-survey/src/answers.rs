//! Answers: checking what a respondent submitted against a definition.
//!
//! [`validate_answers`] is the only way to make a [`ValidatedResponse`], so the store, which
//! accepts nothing else, never holds an answer the definition does not allow.
//!
//! Hidden questions: an answer to a question whose `show_if` is false for the other answers is
//! **refused** with [`FieldErrorKind::HiddenQuestion`]. Clients that let respondents go back and
//! change an earlier answer (the web form) call [`drop_hidden_answers`] first, which removes
//! answers that the change has hidden; either way a hidden answer is never stored.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::messages::{Arg, Messages};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::definition::{
    Condition, GridItem, NumberKind, Question, QuestionKind, SurveyDefinition,
};

/// The largest whole number an integer answer may be (under 2^53, so exact as f64 and i64).
pub(crate) const LARGEST_WHOLE_NUMBER: f64 = 9.0e15;

/// Answers as submitted: question id to a JSON value (a code, a list of codes, an object of
/// grid item to code, a number, or text). Form fields arrive as strings and are accepted too.
pub type SubmittedAnswers = serde_json::Map<String, Value>;

/// One checked answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Answer {
    /// single_choice, likert: the chosen code.
    Choice(String),
    /// multi_choice: the chosen codes, in the definition's order.
    Choices(Vec<String>),
    /// likert_grid: item id to chosen code.
    Grid(BTreeMap<String, String>),
    Integer(i64),
    Decimal(f64),
    Text(String),
}

/// Whether the response claims to be finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Completeness {
    /// Every required, shown question must be answered.
    Complete,
    /// Saved to return to later: what is there must be valid, nothing is required yet.
    Partial,
}

/// A response that passed every check of its definition.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidatedResponse {
    slug: String,
    version: u32,
    stratum: Option<String>,
    completeness: Completeness,
    answers: BTreeMap<String, Answer>,
}

impl ValidatedResponse {
    pub fn survey_slug(&self) -> &str {
        &self.slug
    }
    pub fn survey_version(&self) -> u32 {
        self.version
    }
    /// The answer to the stratum question, if the survey is stratified and it was answered.
    pub fn stratum(&self) -> Option<&str> {
        self.stratum.as_deref()
    }
    pub fn completeness(&self) -> Completeness {
        self.completeness
    }
    pub fn answers(&self) -> &BTreeMap<String, Answer> {
        &self.answers
    }
    /// The answers as the compact JSON object the store keeps.
    pub fn answers_json(&self) -> String {
        serde_json::to_string(&self.answers).unwrap_or_else(|_| "{}".to_owned())
    }
}

/// Why one answer was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldErrorKind {
    UnknownQuestion,
    UnknownItem,
    HiddenQuestion,
    Required,
    WrongType,
    OptionNotOffered,
    TooFewSelections,
    TooManySelections,
    ExclusiveOptionCombined,
    NotANumber,
    NotAWholeNumber,
    OutOfRange,
    TooLong,
    DisallowedCharacter,
}

/// One refused answer: which question (and grid item), why, and a message for the respondent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub question: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    pub kind: FieldErrorKind,
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.item {
            Some(item) => write!(f, "{}.{}: {}", self.question, item, self.message),
            None => write!(f, "{}: {}", self.question, self.message),
        }
    }
}

/// Check submitted answers. Returns every refused answer (unknown question ids first, then
/// the rest in form order), or the response. Messages are in the survey's default language.
pub fn validate_answers(
    definition: &SurveyDefinition,
    submitted: &SubmittedAnswers,
    completeness: Completeness,
) -> Result<ValidatedResponse, Vec<FieldError>> {
    let words = Messages::new(definition.default_language());
    validate_answers_in(definition, submitted, completeness, &words)
}

/// [`validate_answers`], with the messages in the respondent's language.
pub fn validate_answers_in(
    definition: &SurveyDefinition,
    submitted: &SubmittedAnswers,
    completeness: Completeness,
    words: &Messages,
) -> Result<ValidatedResponse, Vec<FieldError>> {
    let mut errors = Vec::new();
    for id in submitted.keys() {
        if definition.question(id).is_none() {
            errors.push(FieldError {
                question: id.clone(),
                item: None,
                kind: FieldErrorKind::UnknownQuestion,
                message: words.get("answer-unknown-question"),
            });
        }
    }
    let mut answers = BTreeMap::new();
    for question in definition.questions() {
        let given = submitted.get(&question.id).filter(|v| !is_blank(v));
        let shown = question
            .show_if
            .as_ref()
            .is_none_or(|c| condition_holds(c, &answers));
        match (shown, given) {
            (false, Some(_)) => errors.push(error(
                question,
                None,
                FieldErrorKind::HiddenQuestion,
                words.get("answer-not-asked"),
            )),
            (false, None) => {}
            (true, None) => {
                if completeness == Completeness::Complete && question.required {
                    errors.extend(required_errors(question, words));
                }
            }
            (true, Some(value)) => {
                match check_answer(question, value, completeness, words, &mut errors) {
                    Some(answer) => {
                        answers.insert(question.id.clone(), answer);
                    }
                    None => continue,
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let stratum = definition
        .stratification
        .as_ref()
        .and_then(|s| match answers.get(&s.question) {
            Some(Answer::Choice(code)) => Some(code.clone()),
            _ => None,
        });
    Ok(ValidatedResponse {
        slug: definition.slug.clone(),
        version: definition.version,
        stratum,
        completeness,
        answers,
    })
}

/// Remove answers to questions that the other answers hide (see the module docs).
pub fn drop_hidden_answers(definition: &SurveyDefinition, submitted: &mut SubmittedAnswers) {
    let mut shown_answers = BTreeMap::new();
    for question in definition.questions() {
        let shown = question
            .show_if
            .as_ref()
            .is_none_or(|c| condition_holds(c, &shown_answers));
        if !shown {
            submitted.remove(&question.id);
        } else if let Some(value) = submitted.get(&question.id) {
            if let Some(answer) = loose_choice(value) {
                shown_answers.insert(question.id.clone(), answer);
            }
        }
    }
}

/// Whether a question is shown, given answers already checked.
pub fn is_shown(question: &Question, answers: &BTreeMap<String, Answer>) -> bool {
    question
        .show_if
        .as_ref()
        .is_none_or(|c| condition_holds(c, answers))
}

/// Read a stored answer back, using its question to tell codes from text.
pub fn answer_from_stored(question: &Question, value: &Value) -> Option<Answer> {
    match (&question.kind, value) {
        (QuestionKind::SingleChoice { .. } | QuestionKind::Likert { .. }, Value::String(s)) => {
            Some(Answer::Choice(s.clone()))
        }
        (QuestionKind::MultiChoice { .. }, Value::Array(list)) => Some(Answer::Choices(
            list.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
        )),
        (QuestionKind::LikertGrid { .. }, Value::Object(map)) => Some(Answer::Grid(
            map.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
                .collect(),
        )),
        (QuestionKind::Number { kind, .. }, Value::Number(n)) => match kind {
            NumberKind::Integer => n.as_i64().map(Answer::Integer),
            NumberKind::Decimal => n.as_f64().map(Answer::Decimal),
        },
        (QuestionKind::Text { .. }, Value::String(s)) => Some(Answer::Text(s.clone())),
        _ => None,
    }
}

fn condition_holds(condition: &Condition, answers: &BTreeMap<String, Answer>) -> bool {
    let selected = |question: &str, code: &str| match answers.get(question) {
        Some(Answer::Choice(chosen)) => chosen == code,
        Some(Answer::Choices(chosen)) => chosen.iter().any(|c| c == code),
        _ => false,
    };
    match condition {
        Condition::Equals { question, equals } => selected(question, equals),
        Condition::OneOf { question, one_of } => one_of.iter().any(|c| selected(question, c)),
        Condition::Not { not } => !condition_holds(not, answers),
        Condition::All { all } => all.iter().all(|c| condition_holds(c, answers)),
        Condition::Any { any } => any.iter().any(|c| condition_holds(c, answers)),
    }
}

/// The codes in a submitted value, for evaluating conditions before full checks.
fn loose_choice(value: &Value) -> Option<Answer> {
    // Trimmed as validate_answers trims, so both agree on what is shown.
    match value {
        Value::String(s) => Some(Answer::Choice(s.trim().to_owned())),
        Value::Array(list) => Some(Answer::Choices(
            list.iter()
                .filter_map(|v| v.as_str().map(|s| s.trim().to_owned()))
                .collect(),
        )),
        _ => None,
    }
}

/// A number as people type it: `1234`, `1,234` (commas only between groups of three digits),
/// `-3.5`. A comma anywhere else (`3,5`) is not a number rather than a silently different one.
fn parse_number(text: &str) -> Option<f64> {
    let (integer, fraction) = text.split_once('.').unwrap_or((text, ""));
    if integer.contains(',') {
        let digits = integer.trim_start_matches(['-', '+']);
        let mut groups = digits.split(',');
        let first = groups.next()?;
        let grouped = (1..=3).contains(&first.len())
            && groups.all(|g| g.len() == 3)
            && digits.chars().all(|c| c.is_ascii_digit() || c == ',');
        if !grouped || fraction.contains(',') {
            return None;
        }
    }
    text.replace(',', "").parse::<f64>().ok()
}

fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(list) => list.is_empty(),
        Value::Object(map) => map.is_empty(),
        _ => false,
    }
}

fn error(
    question: &Question,
    item: Option<&str>,
    kind: FieldErrorKind,
    message: String,
) -> FieldError {
    FieldError {
        question: question.id.clone(),
        item: item.map(str::to_owned),
        kind,
        message,
    }
}

/// The errors of a required question left blank: one per statement of a grid, so that each
/// row can show its own error and the summary can link to it; one for any other question.
fn required_errors(question: &Question, words: &Messages) -> Vec<FieldError> {
    match &question.kind {
        QuestionKind::LikertGrid { items, .. } => items
            .iter()
            .map(|item| {
                error(
                    question,
                    Some(&item.id),
                    FieldErrorKind::Required,
                    grid_item_required(item, words),
                )
            })
            .collect(),
        _ => vec![error(
            question,
            None,
            FieldErrorKind::Required,
            required_message(question, words),
        )],
    }
}

fn grid_item_required(item: &GridItem, words: &Messages) -> String {
    words.with(
        "answer-required-item",
        &[("item", item.text.get(words.code()).into())],
    )
}

/// What to do about an unanswered required question: the definition's own words, or
/// what to do with the question named (GOV.UK: say what to do, about what).
fn required_message(question: &Question, words: &Messages) -> String {
    if let Some(message) = &question.error_message {
        return message.get(words.code()).to_owned();
    }
    let id = match &question.kind {
        QuestionKind::SingleChoice { .. } | QuestionKind::Likert { .. } => "answer-required-choice",
        QuestionKind::MultiChoice { .. } => "answer-required-choices",
        QuestionKind::LikertGrid { .. } => "answer-required-grid",
        QuestionKind::Number { .. } => "answer-required-number",
        QuestionKind::Text { .. } => "answer-required-text",
    };
    let text = question.text.get(words.code()).trim();
    words.with(id, &[("question", text.into())])
}

fn check_answer(
    question: &Question,
    value: &Value,
    completeness: Completeness,
    words: &Messages,
    errors: &mut Vec<FieldError>,
) -> Option<Answer> {
    let wrong_type = |expected: &str| {
        error(
            question,
            None,
            FieldErrorKind::WrongType,
            words.with(
                "answer-expected",
                &[("expected", words.get(expected).into())],
            ),
        )
    };
    let label = |choice: &crate::Choice| choice.label.get(words.code()).to_owned();
    match &question.kind {
        QuestionKind::SingleChoice { .. } | QuestionKind::Likert { .. } => {
            let Value::String(code) = value else {
                errors.push(wrong_type("answer-expected-code"));
                return None;
            };
            let code = code.trim();
            if !question.offered_codes().contains(&code) {
                errors.push(error(
                    question,
                    None,
                    FieldErrorKind::OptionNotOffered,
                    words.get("answer-option-not-offered"),
                ));
                return None;
            }
            Some(Answer::Choice(code.to_owned()))
        }
        QuestionKind::MultiChoice {
            options,
            min_selections,
            max_selections,
        } => {
            let codes: Vec<&str> = match value {
                Value::String(code) => vec![code.trim()],
                Value::Array(list) => {
                    let mut codes = Vec::with_capacity(list.len());
                    for item in list {
                        match item {
                            Value::String(code) => codes.push(code.trim()),
                            _ => {
                                errors.push(wrong_type("answer-expected-codes"));
                                return None;
                            }
                        }
                    }
                    codes
                }
                _ => {
                    errors.push(wrong_type("answer-expected-codes"));
                    return None;
                }
            };
            if codes.iter().any(|c| !options.iter().any(|o| o.code == *c)) {
                errors.push(error(
                    question,
                    None,
                    FieldErrorKind::OptionNotOffered,
                    words.get("answer-options-not-offered"),
                ));
                return None;
            }
            let chosen: BTreeSet<&str> = codes.into_iter().collect();
            // Keep the definition's order, whatever order they arrived in.
            let in_order: Vec<String> = options
                .iter()
                .filter(|o| chosen.contains(o.code.as_str()))
                .map(|o| o.code.clone())
                .collect();
            if let Some(exclusive) = options
                .iter()
                .find(|o| o.exclusive && chosen.contains(o.code.as_str()))
            {
                if in_order.len() > 1 {
                    errors.push(error(
                        question,
                        None,
                        FieldErrorKind::ExclusiveOptionCombined,
                        words.with("answer-exclusive", &[("option", label(exclusive).into())]),
                    ));
                    return None;
                }
            }
            let count = in_order.len() as u32;
            let exclusive_alone =
                in_order.len() == 1 && options.iter().any(|o| o.exclusive && o.code == in_order[0]);
            if let Some(max) = max_selections {
                if count > *max {
                    errors.push(error(
                        question,
                        None,
                        FieldErrorKind::TooManySelections,
                        words.with("answer-too-many", &[("max", u64::from(*max).into())]),
                    ));
                    return None;
                }
            }
            if let Some(min) = min_selections {
                if completeness == Completeness::Complete && count < *min && !exclusive_alone {
                    errors.push(error(
                        question,
                        None,
                        FieldErrorKind::TooFewSelections,
                        words.with("answer-too-few", &[("min", u64::from(*min).into())]),
                    ));
                    return None;
                }
            }
            Some(Answer::Choices(in_order))
        }
        QuestionKind::LikertGrid { items, .. } => {
            let Value::Object(map) = value else {
                errors.push(wrong_type("answer-expected-grid"));
                return None;
            };
            let offered = question.offered_codes();
            let before = errors.len();
            let mut grid = BTreeMap::new();
            for key in map.keys() {
                if !items.iter().any(|i| &i.id == key) {
                    errors.push(error(
                        question,
                        Some(key),
                        FieldErrorKind::UnknownItem,
                        words.get("answer-unknown-item"),
                    ));
                }
            }
            for item in items {
                match map.get(&item.id).filter(|v| !is_blank(v)) {
                    Some(Value::String(code)) if offered.contains(&code.trim()) => {
                        grid.insert(item.id.clone(), code.trim().to_owned());
                    }
                    Some(Value::String(_)) => errors.push(error(
                        question,
                        Some(&item.id),
                        FieldErrorKind::OptionNotOffered,
                        words.with(
                            "answer-item-option-not-offered",
                            &[("item", item.text.get(words.code()).into())],
                        ),
                    )),
                    Some(_) => errors.push(error(
                        question,
                        Some(&item.id),
                        FieldErrorKind::WrongType,
                        words.with(
                            "answer-expected",
                            &[("expected", words.get("answer-expected-code").into())],
                        ),
                    )),
                    None if completeness == Completeness::Complete && question.required => errors
                        .push(error(
                            question,
                            Some(&item.id),
                            FieldErrorKind::Required,
                            grid_item_required(item, words),
                        )),
                    None => {}
                }
            }
            if errors.len() > before || grid.is_empty() {
                return None;
            }
            Some(Answer::Grid(grid))
        }
        QuestionKind::Number {
            kind,
            min,
            max,
            unit,
        } => {
            let number = match value {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => parse_number(s.trim()),
                _ => None,
            };
            let Some(number) = number.filter(|n| n.is_finite()) else {
                errors.push(error(
                    question,
                    None,
                    FieldErrorKind::NotANumber,
                    words.get(match kind {
                        NumberKind::Integer => "answer-whole-number-like",
                        NumberKind::Decimal => "answer-number-like",
                    }),
                ));
                return None;
            };
            if *kind == NumberKind::Integer && number.fract() != 0.0 {
                errors.push(error(
                    question,
                    None,
                    FieldErrorKind::NotAWholeNumber,
                    words.get("answer-whole-number"),
                ));
                return None;
            }
            let below = min.is_some_and(|m| number < m);
            let above = max.is_some_and(|m| number > m);
            if below || above {
                let unit = unit
                    .as_ref()
                    .map(|u| format!(" {}", u.get(words.code())))
                    .unwrap_or_default();
                let bound = |n: &f64| Arg::from(n.to_string());
                let message = match (min, max) {
                    (Some(lo), Some(hi)) => words.with(
                        "answer-between",
                        &[
                            ("min", bound(lo)),
                            ("max", bound(hi)),
                            ("unit", unit.into()),
                        ],
                    ),
                    (Some(lo), None) => words.with(
                        "answer-at-least",
                        &[("min", bound(lo)), ("unit", unit.into())],
                    ),
                    (None, Some(hi)) => words.with(
                        "answer-at-most",
                        &[("max", bound(hi)), ("unit", unit.into())],
                    ),
                    (None, None) => String::new(),
                };
                errors.push(error(question, None, FieldErrorKind::OutOfRange, message));
                return None;
            }
            Some(match kind {
                // Exact as f64 and i64 alike; parsing keeps integer bounds within it too.
                NumberKind::Integer if number.abs() <= LARGEST_WHOLE_NUMBER => {
                    Answer::Integer(number as i64)
                }
                NumberKind::Integer => {
                    errors.push(error(
                        question,
                        None,
                        FieldErrorKind::OutOfRange,
                        words.get("answer-smaller"),
                    ));
                    return None;
                }
                NumberKind::Decimal => Answer::Decimal(number),
            })
        }
        QuestionKind::Text { max_length, .. } => {
            let Value::String(text) = value else {
                errors.push(wrong_type("answer-expected-text"));
                return None;
            };
            let text = text.trim();
            if text.contains('\0') {
                errors.push(error(
                    question,
                    None,
                    FieldErrorKind::DisallowedCharacter,
                    words.get("answer-null-character"),
                ));
                return None;
            }
            let length = text.chars().count();
            if length > *max_length as usize {
                errors.push(error(
                    question,
                    None,
                    FieldErrorKind::TooLong,
                    words.with(
                        "answer-too-long",
                        &[
                            ("max", u64::from(*max_length).into()),
                            ("length", (length as u64).into()),
                        ],
                    ),
                ));
                return None;
            }
            Some(Answer::Text(text.to_owned()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_number;

    #[test]
    fn numbers_are_read_as_people_type_them() {
        assert_eq!(parse_number("1,234"), Some(1234.0));
        assert_eq!(parse_number("-1,234,567.5"), Some(-1_234_567.5));
        assert_eq!(parse_number("12"), Some(12.0));
        assert_eq!(
            parse_number("3,5"),
            None,
            "a decimal comma is refused, not read as 35"
        );
        assert_eq!(parse_number("12,34"), None);
        assert_eq!(parse_number("1,2345"), None);
        assert_eq!(parse_number("one"), None);
    }
}
