//! One response's answers, parsed from the JSON text the store keeps straight into a slot per
//! question of a definition, by the question's position in form order.
//!
//! Exports read every response this way: a `serde_json` map and then a string-keyed map of
//! owned answers per response, looked up by id per cell, were most of an export's time. The
//! slots are reused from one response to the next, so once warm a response is parsed without
//! allocating, and each code is matched to its choice's position once, as it is read.

use std::collections::BTreeMap;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::answers::Answer;
use crate::definition::{Condition, NumberKind, Question, QuestionKind, SurveyDefinition};
use crate::stored_json::{Scalar, Text};

// The keys are short question ids and codes, looked up once per answer: FxHash, not SipHash.
type FastMap<K, V> = std::collections::HashMap<K, V, rustc_hash::FxBuildHasher>;

/// One response's answers to the questions of a definition, by question position (the order
/// of [`SurveyDefinition::questions`]). Answers to questions the definition does not have, and
/// answers of another shape than their question's (from an older version), are left out.
#[derive(Debug)]
pub struct ParsedAnswers<'d> {
    definition: &'d SurveyDefinition,
    slots: Vec<Slot<'d>>,
    position_of: FastMap<&'d str, usize>,
}

/// A code as answered, and its position among its question's choices
/// ([`Question::choices`]) when it is one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code<'a> {
    pub text: &'a str,
    pub choice: Option<usize>,
}

/// One answer, borrowed from [`ParsedAnswers`].
#[derive(Debug, Clone, Copy)]
pub enum AnswerRef<'a> {
    /// single_choice, likert.
    Choice(Code<'a>),
    /// multi_choice: the codes in the stored order, and whether each option (in the
    /// definition's order) is among them.
    Choices {
        codes: &'a [String],
        chosen: &'a [bool],
    },
    /// likert_grid: each item's code, in the definition's item order.
    Grid(&'a GridAnswer),
    Integer(i64),
    Decimal(f64),
    Text(&'a str),
}

/// A Likert grid's answer: a code per item of the definition, or none.
#[derive(Debug, Default)]
pub struct GridAnswer {
    items: Vec<Option<CodeSlot>>,
}

impl GridAnswer {
    /// The code given for the item at `position` (in the definition's item order).
    #[inline]
    pub fn item(&self, position: usize) -> Option<Code<'_>> {
        self.items.get(position)?.as_ref().map(CodeSlot::code)
    }
}

/// The codes a question's answers may hold, for finding a code's position.
#[derive(Debug)]
struct Choices<'d> {
    codes: Vec<&'d str>,
    /// Only for long lists: a scan of a handful of short codes beats hashing.
    position_of: Option<FastMap<&'d str, usize>>,
}

impl<'d> Choices<'d> {
    fn new(codes: Vec<&'d str>) -> Self {
        let position_of = (codes.len() > 16).then(|| {
            let mut map = FastMap::default();
            for (position, code) in codes.iter().enumerate() {
                map.entry(*code).or_insert(position);
            }
            map
        });
        Choices { codes, position_of }
    }

    #[inline]
    fn position(&self, code: &str) -> Option<usize> {
        match &self.position_of {
            Some(map) => map.get(code).copied(),
            None => self.codes.iter().position(|c| *c == code),
        }
    }
}

#[derive(Debug, Default)]
struct CodeSlot {
    text: String,
    choice: Option<usize>,
}

impl CodeSlot {
    #[inline]
    fn code(&self) -> Code<'_> {
        Code {
            text: &self.text,
            choice: self.choice,
        }
    }
}

/// A question's answer, kept between responses so that its buffers are reused.
#[derive(Debug)]
struct Slot<'d> {
    question: &'d Question,
    choices: Choices<'d>,
    /// Grid items' ids, in the definition's order.
    items: Choices<'d>,
    present: bool,
    value: Value,
}

#[derive(Debug)]
enum Value {
    Code(CodeSlot),
    Codes {
        /// The first `len` are this response's; the rest are buffers kept for reuse.
        codes: Vec<String>,
        len: usize,
        chosen: Vec<bool>,
    },
    Grid(GridAnswer),
    /// A number question's answer: as stored, an integer for an integer question and a
    /// decimal for a decimal one.
    Number {
        integer_question: bool,
        value: Number,
    },
    Text(String),
}

#[derive(Debug, Clone, Copy)]
enum Number {
    Integer(i64),
    Decimal(f64),
}

impl<'d> ParsedAnswers<'d> {
    pub fn new(definition: &'d SurveyDefinition) -> Self {
        let mut position_of = FastMap::default();
        let slots = definition
            .questions()
            .enumerate()
            .map(|(position, question)| {
                position_of.entry(question.id.as_str()).or_insert(position);
                let choices = Choices::new(question.choices().map(|c| c.code.as_str()).collect());
                let (items, value) = match &question.kind {
                    QuestionKind::SingleChoice { .. } | QuestionKind::Likert { .. } => {
                        (Vec::new(), Value::Code(CodeSlot::default()))
                    }
                    QuestionKind::MultiChoice { options, .. } => (
                        Vec::new(),
                        Value::Codes {
                            codes: Vec::new(),
                            len: 0,
                            chosen: vec![false; options.len()],
                        },
                    ),
                    QuestionKind::LikertGrid { items, .. } => (
                        items.iter().map(|i| i.id.as_str()).collect(),
                        Value::Grid(GridAnswer {
                            items: items.iter().map(|_| None).collect(),
                        }),
                    ),
                    QuestionKind::Number { kind, .. } => (
                        Vec::new(),
                        Value::Number {
                            integer_question: *kind == NumberKind::Integer,
                            value: Number::Integer(0),
                        },
                    ),
                    QuestionKind::Text { .. } => (Vec::new(), Value::Text(String::new())),
                };
                Slot {
                    question,
                    choices,
                    items: Choices::new(items),
                    present: false,
                    value,
                }
            })
            .collect();
        ParsedAnswers {
            definition,
            slots,
            position_of,
        }
    }

    pub fn definition(&self) -> &'d SurveyDefinition {
        self.definition
    }

    /// The position of the question `id` in form order.
    #[inline]
    pub fn position(&self, id: &str) -> Option<usize> {
        self.position_of.get(id).copied()
    }

    /// Replace the answers held with those of a stored answers object (JSON text).
    pub fn read(&mut self, stored: &str) -> Result<(), StoredAnswersError> {
        self.clear();
        let mut deserializer = serde_json::Deserializer::from_str(stored);
        ReadAnswers(self)
            .deserialize(&mut deserializer)
            .and_then(|()| deserializer.end())
            .map_err(|e| StoredAnswersError(e.to_string()))
    }

    /// Replace the answers held with `answers` (by question id), as [`ParsedAnswers::read`]
    /// would from their stored form.
    pub fn set(&mut self, answers: &BTreeMap<String, Answer>) {
        self.clear();
        for (id, answer) in answers {
            let Some(position) = self.position(id) else {
                continue;
            };
            let slot = &mut self.slots[position];
            match answer {
                Answer::Choice(code) => slot.code(code),
                Answer::Choices(codes) => {
                    slot.begin_codes();
                    for code in codes {
                        slot.add_code(code);
                    }
                }
                Answer::Grid(grid) => {
                    slot.begin_grid();
                    for (item, code) in grid {
                        slot.grid_item(item, code);
                    }
                }
                Answer::Integer(n) => slot.given_number(Number::Integer(*n)),
                Answer::Decimal(x) => slot.given_number(Number::Decimal(*x)),
                Answer::Text(text) => slot.text(text),
            }
        }
    }

    fn clear(&mut self) {
        for slot in &mut self.slots {
            slot.present = false;
        }
    }

    /// The answer to the question at `position`, if it has one.
    #[inline]
    pub fn answer(&self, position: usize) -> Option<AnswerRef<'_>> {
        let slot = self.slots.get(position).filter(|s| s.present)?;
        Some(match &slot.value {
            Value::Code(code) => AnswerRef::Choice(code.code()),
            Value::Codes { codes, len, chosen } => AnswerRef::Choices {
                codes: &codes[..*len],
                chosen,
            },
            Value::Grid(grid) => AnswerRef::Grid(grid),
            Value::Number {
                value: Number::Integer(n),
                ..
            } => AnswerRef::Integer(*n),
            Value::Number {
                value: Number::Decimal(x),
                ..
            } => AnswerRef::Decimal(*x),
            Value::Text(text) => AnswerRef::Text(text),
        })
    }

    /// Whether the question at `position` was shown, given these answers (its `show_if`).
    pub fn is_shown(&self, position: usize) -> bool {
        self.slots[position]
            .question
            .show_if
            .as_ref()
            .is_none_or(|c| self.holds(c))
    }

    fn holds(&self, condition: &Condition) -> bool {
        let selected =
            |question: &str, code: &str| match self.position(question).and_then(|p| self.answer(p))
            {
                Some(AnswerRef::Choice(chosen)) => chosen.text == code,
                Some(AnswerRef::Choices { codes, .. }) => codes.iter().any(|c| c == code),
                _ => false,
            };
        match condition {
            Condition::Equals { question, equals } => selected(question, equals),
            Condition::OneOf { question, one_of } => one_of.iter().any(|c| selected(question, c)),
            Condition::Not { not } => !self.holds(not),
            Condition::All { all } => all.iter().all(|c| self.holds(c)),
            Condition::Any { any } => any.iter().any(|c| self.holds(c)),
        }
    }
}

impl Slot<'_> {
    fn code(&mut self, text: &str) {
        if let Value::Code(slot) = &mut self.value {
            slot.text.clear();
            slot.text.push_str(text);
            slot.choice = self.choices.position(text);
            self.present = true;
        }
    }

    fn begin_codes(&mut self) {
        if let Value::Codes { len, chosen, .. } = &mut self.value {
            *len = 0;
            chosen.fill(false);
            self.present = true;
        }
    }

    fn add_code(&mut self, text: &str) {
        if let Value::Codes { codes, len, chosen } = &mut self.value {
            match codes.get_mut(*len) {
                Some(buffer) => {
                    buffer.clear();
                    buffer.push_str(text);
                }
                None => codes.push(text.to_owned()),
            }
            *len += 1;
            if let Some(option) = self.choices.position(text) {
                chosen[option] = true;
            }
        }
    }

    fn begin_grid(&mut self) {
        if let Value::Grid(grid) = &mut self.value {
            grid.items.iter_mut().for_each(|item| *item = None);
            self.present = true;
        }
    }

    fn grid_item(&mut self, item: &str, text: &str) {
        let (Value::Grid(grid), Some(position)) = (&mut self.value, self.items.position(item))
        else {
            return;
        };
        let slot = grid.items[position].get_or_insert_with(CodeSlot::default);
        slot.text.clear();
        slot.text.push_str(text);
        slot.choice = self.choices.position(text);
    }

    /// A stored JSON number, read as `serde_json::Number::as_i64` (an integer question) or
    /// `as_f64` (a decimal one) would: `whole` when it was written as an integer that fits.
    fn number(&mut self, whole: Option<i64>, x: f64) {
        if let Value::Number {
            integer_question,
            value,
        } = &mut self.value
        {
            match (*integer_question, whole) {
                (true, Some(n)) => *value = Number::Integer(n),
                (true, None) => return,
                (false, _) => *value = Number::Decimal(x),
            }
            self.present = true;
        }
    }

    /// A number given directly (through [`ParsedAnswers::set`]), kept as given.
    fn given_number(&mut self, number: Number) {
        if let Value::Number { value, .. } = &mut self.value {
            *value = number;
            self.present = true;
        }
    }

    fn text(&mut self, text: &str) {
        if let Value::Text(buffer) = &mut self.value {
            buffer.clear();
            buffer.push_str(text);
            self.present = true;
        }
    }

    /// A JSON string: a code or free text, as the question asks.
    fn string(&mut self, s: &str) {
        match self.value {
            Value::Code(_) => self.code(s),
            _ => self.text(s),
        }
    }
}

/// Stored answers that are not a JSON object (the store never writes such).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the stored answers are not a JSON object: {0}")]
pub struct StoredAnswersError(String);

/// Deserializes a stored answers object into the slots.
struct ReadAnswers<'a, 'd>(&'a mut ParsedAnswers<'d>);

impl<'de> DeserializeSeed<'de> for ReadAnswers<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ReadAnswers<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object of answers")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(id) = map.next_key::<Text<'de>>()? {
            match self.0.position(&id.0) {
                Some(position) => {
                    // A repeated key: the last one counts, as in a JSON map.
                    let slot = &mut self.0.slots[position];
                    slot.present = false;
                    map.next_value_seed(ReadAnswer(slot))?;
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// Deserializes one answer into its question's slot; an answer of another shape leaves the
/// slot empty.
struct ReadAnswer<'a, 'd>(&'a mut Slot<'d>);

impl<'de> DeserializeSeed<'de> for ReadAnswer<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ReadAnswer<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an answer")
    }

    fn visit_str<E>(self, s: &str) -> Result<(), E> {
        self.0.string(s);
        Ok(())
    }
    fn visit_i64<E>(self, n: i64) -> Result<(), E> {
        self.0.number(Some(n), n as f64);
        Ok(())
    }
    fn visit_u64<E>(self, n: u64) -> Result<(), E> {
        self.0.number(i64::try_from(n).ok(), n as f64);
        Ok(())
    }
    fn visit_f64<E>(self, x: f64) -> Result<(), E> {
        self.0.number(None, x);
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let slot = self.0;
        if !matches!(slot.value, Value::Codes { .. }) {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(());
        }
        slot.begin_codes();
        while let Some(element) = seq.next_element::<Scalar<'de>>()? {
            if let Scalar::Text(code) = element {
                slot.add_code(&code);
            }
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let slot = self.0;
        if !matches!(slot.value, Value::Grid(_)) {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(());
        }
        slot.begin_grid();
        while let Some(item) = map.next_key::<Text<'de>>()? {
            if let Scalar::Text(code) = map.next_value::<Scalar<'de>>()? {
                slot.grid_item(&item.0, &code);
            }
        }
        Ok(())
    }
}
