//! `csv-wide` and `csv-long`: each chunk of responses written as CSV text by a worker as the
//! responses are read ([`super::stream`]), and the text put out in the order read.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use fieldwork_store::Store;
use fieldwork_survey::{
    escape_cell, AnswerRef, Code, Labels, MetaColumn, ParsedAnswers, Question, QuestionKind,
    SurveyDefinition, WideLayout,
};

use super::csv_text::{self, Record, END};
use super::stream::{in_order, Chunk, Row};
use super::{corrupt_answers, layout, populations, timestamp, weights, ExportError, ExportOptions};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Responses a worker writes at a time: enough that handing chunks over costs nothing much,
/// few enough that the workers start at once.
const ROWS_PER_CHUNK: usize = 1024;

/// A chunk's CSV text, made by `write` (the last chunk's length is a guess at its length).
fn chunk_text(
    last_len: &mut usize,
    write: impl FnOnce(&mut Vec<u8>) -> Result<(), ExportError>,
) -> Result<Vec<u8>, ExportError> {
    let mut text = Vec::with_capacity(*last_len + *last_len / 8);
    write(&mut text)?;
    *last_len = text.len();
    Ok(text)
}

fn write_header(
    out: &mut dyn Write,
    options: &ExportOptions,
    header: &[&str],
) -> Result<(), ExportError> {
    let mut text = Vec::new();
    if options.bom {
        text.extend_from_slice(BOM);
    }
    csv_text::record(&mut text, header.iter().copied());
    out.write_all(&text)?;
    Ok(())
}

pub(super) fn wide(
    store: &Store,
    definition: &SurveyDefinition,
    options: &ExportOptions,
    out: &mut dyn Write,
) -> Result<u64, ExportError> {
    let layout = layout(definition, options);
    let meta = MetaCells {
        // Weights and populations as written, once per stratum.
        weights: weights(store, definition, options)?
            .into_iter()
            .map(|(stratum, weight)| (stratum, weight.to_string()))
            .collect(),
        populations: populations(definition)
            .into_iter()
            .map(|(stratum, population)| (stratum, population.to_string()))
            .collect(),
    };
    write_header(out, options, &layout.header())?;
    in_order(
        store,
        &definition.slug,
        options,
        ROWS_PER_CHUNK,
        || WideRows {
            answers: layout.parsed_answers(),
            last_len: 0,
            last_time: None,
        },
        |rows, chunk| rows.write(chunk, &layout, &meta, options.labels),
        |text| Ok(out.write_all(&text)?),
    )
}

/// The metadata cells that depend on the response's stratum, as written.
struct MetaCells {
    weights: BTreeMap<String, String>,
    populations: BTreeMap<String, String>,
}

/// A worker's rows of the wide table.
struct WideRows<'d> {
    answers: ParsedAnswers<'d>,
    last_len: usize,
    /// A time as written, once per distinct time (responses stored in one batch share theirs).
    last_time: Option<(chrono::NaiveDateTime, String)>,
}

impl WideRows<'_> {
    fn write(
        &mut self,
        chunk: &Chunk,
        layout: &WideLayout<'_>,
        meta: &MetaCells,
        labels: Labels,
    ) -> Result<Vec<u8>, ExportError> {
        let WideRows {
            answers,
            last_len,
            last_time,
        } = self;
        chunk_text(last_len, |text| {
            for row in chunk.rows() {
                answers
                    .read(row.answers)
                    .map_err(|e| corrupt_answers(row.public_id, e))?;
                let mut record = Record::new(text);
                for (column, _) in layout.meta() {
                    write_meta(&mut record, last_time, *column, &row, meta);
                }
                layout
                    .write_cells(answers, labels, |cell| {
                        record.field(cell);
                        Ok::<(), std::convert::Infallible>(())
                    })
                    .unwrap_or_else(|never| match never {});
                record.end();
            }
            Ok(())
        })
    }
}

fn write_meta(
    record: &mut Record<'_>,
    last_time: &mut Option<(chrono::NaiveDateTime, String)>,
    column: MetaColumn,
    row: &Row<'_>,
    meta: &MetaCells,
) {
    match column {
        MetaColumn::ResponseId => record.field(row.public_id),
        MetaColumn::SurveyVersion => record.field(itoa_u32(row.survey_version).as_str()),
        MetaColumn::Stratum => record.field(&escape_cell(row.stratum.unwrap_or(""))),
        MetaColumn::SubmittedAt => match row.submitted_at {
            Some(at) => {
                if last_time.as_ref().is_none_or(|(t, _)| *t != at) {
                    *last_time = Some((at, timestamp(at)));
                }
                record.field(last_time.as_ref().map_or("", |(_, s)| s.as_str()))
            }
            None => record.field(""),
        },
        MetaColumn::Weight => {
            let weight = row
                .stratum
                .filter(|_| row.complete)
                .and_then(|s| meta.weights.get(s));
            record.field(weight.map_or("", String::as_str))
        }
        MetaColumn::Population => {
            let population = row.stratum.and_then(|s| meta.populations.get(s));
            record.field(population.map_or("", String::as_str))
        }
        MetaColumn::Complete => record.field(if row.complete { "1" } else { "0" }),
    }
}

/// A survey version as text, without a heap allocation.
fn itoa_u32(n: u32) -> SmallText {
    let mut text = SmallText::default();
    let _ = write!(text, "{n}");
    text
}

/// Text of at most 16 bytes, on the stack.
#[derive(Default)]
struct SmallText {
    bytes: [u8; 16],
    len: usize,
}

impl SmallText {
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

impl std::fmt::Write for SmallText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let free = self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        free.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

pub(super) fn long(
    store: &Store,
    definition: &SurveyDefinition,
    options: &ExportOptions,
    out: &mut dyn Write,
) -> Result<u64, ExportError> {
    write_header(
        out,
        options,
        &["response_id", "question_id", "item", "value"],
    )?;
    let questions: Vec<LongQuestion<'_>> = definition
        .questions()
        .enumerate()
        .filter(|(_, q)| {
            options.include_sensitive
                || !(q.sensitive && matches!(q.kind, QuestionKind::Text { .. }))
        })
        .map(|(position, question)| LongQuestion::new(position, question, options.labels))
        .collect();
    in_order(
        store,
        &definition.slug,
        options,
        ROWS_PER_CHUNK,
        || LongRows {
            answers: ParsedAnswers::new(definition),
            last_len: 0,
            id: Vec::new(),
            number: String::new(),
        },
        |rows, chunk| rows.write(chunk, &questions),
        |text| Ok(out.write_all(&text)?),
    )
}

/// A question of the long table. Each of its records is the response id and then one of the
/// ends written here beforehand, or, for a value that is not one of its choices (a number,
/// free text), a beginning written here, the value, and [`END`].
struct LongQuestion<'d> {
    position: usize,
    question: &'d Question,
    labels: Labels,
    /// `,question_id,,`
    start: Vec<u8>,
    /// Per choice: `,question_id,,value` and [`END`].
    ends: Vec<Vec<u8>>,
    /// A grid's items: `,question_id,item,`, and per choice that and `value` and [`END`].
    items: Vec<(Vec<u8>, Vec<Vec<u8>>)>,
}

impl<'d> LongQuestion<'d> {
    fn new(position: usize, question: &'d Question, labels: Labels) -> Self {
        let beginning = |item: &str| {
            let mut start = vec![b','];
            csv_text::push_field(&mut start, &question.id);
            start.push(b',');
            csv_text::push_field(&mut start, item);
            start.push(b',');
            start
        };
        let ends = |start: &[u8]| -> Vec<Vec<u8>> {
            question
                .choices()
                .map(|choice| {
                    let value = match labels {
                        Labels::Codes => &choice.code,
                        Labels::Text => choice.label.as_str(),
                    };
                    let mut end = start.to_vec();
                    csv_text::push_field(&mut end, &escape_cell(value));
                    end.extend_from_slice(END);
                    end
                })
                .collect()
        };
        let start = beginning("");
        let items = match &question.kind {
            QuestionKind::LikertGrid { items, .. } => items
                .iter()
                .map(|item| {
                    let start = beginning(&item.id);
                    let ends = ends(&start);
                    (start, ends)
                })
                .collect(),
            _ => Vec::new(),
        };
        LongQuestion {
            position,
            question,
            labels,
            ends: ends(&start),
            start,
            items,
        }
    }

    /// The record of `code`, after the response id; `start` and `ends` are the item's.
    fn coded(out: &mut Vec<u8>, start: &[u8], ends: &[Vec<u8>], code: Code<'_>) {
        match code.choice.and_then(|i| ends.get(i)) {
            Some(end) => out.extend_from_slice(end),
            None => Self::value(out, start, &escape_cell(code.text)),
        }
    }

    fn value(out: &mut Vec<u8>, start: &[u8], value: &str) {
        out.extend_from_slice(start);
        csv_text::push_field(out, value);
        out.extend_from_slice(END);
    }

    /// A multi-choice code's choice.
    fn option<'c>(&self, code: &'c str) -> Code<'c> {
        let choice = match self.labels {
            // Written the same whether it is a choice or not: no need to look for it.
            Labels::Codes => None,
            Labels::Text => self.question.choices().position(|c| c.code == code),
        };
        Code { text: code, choice }
    }
}

/// A worker's rows of the long table.
struct LongRows<'d> {
    answers: ParsedAnswers<'d>,
    last_len: usize,
    /// The response id as written.
    id: Vec<u8>,
    number: String,
}

impl LongRows<'_> {
    fn write(
        &mut self,
        chunk: &Chunk,
        questions: &[LongQuestion<'_>],
    ) -> Result<Vec<u8>, ExportError> {
        let LongRows {
            answers,
            last_len,
            id,
            number,
        } = self;
        chunk_text(last_len, |text| {
            for row in chunk.rows() {
                answers
                    .read(row.answers)
                    .map_err(|e| corrupt_answers(row.public_id, e))?;
                id.clear();
                csv_text::push_field(id, row.public_id);
                for question in questions {
                    if let Some(answer) = answers.answer(question.position) {
                        write_answer(text, number, id, question, answer);
                    }
                }
            }
            Ok(())
        })
    }
}

/// One answer's records of the long table.
fn write_answer(
    out: &mut Vec<u8>,
    number: &mut String,
    id: &[u8],
    question: &LongQuestion<'_>,
    answer: AnswerRef<'_>,
) {
    let (start, ends) = (question.start.as_slice(), question.ends.as_slice());
    match answer {
        AnswerRef::Choice(code) => {
            out.extend_from_slice(id);
            LongQuestion::coded(out, start, ends, code);
        }
        AnswerRef::Choices { codes, .. } => {
            for code in codes {
                out.extend_from_slice(id);
                LongQuestion::coded(out, start, ends, question.option(code));
            }
        }
        AnswerRef::Grid(grid) => {
            // In the definition's item order.
            for (position, (start, ends)) in question.items.iter().enumerate() {
                if let Some(code) = grid.item(position) {
                    out.extend_from_slice(id);
                    LongQuestion::coded(out, start, ends, code);
                }
            }
        }
        AnswerRef::Integer(n) => {
            number.clear();
            let _ = write!(number, "{n}");
            out.extend_from_slice(id);
            LongQuestion::value(out, start, number);
        }
        AnswerRef::Decimal(x) => {
            number.clear();
            let _ = write!(number, "{x}");
            out.extend_from_slice(id);
            LongQuestion::value(out, start, number);
        }
        AnswerRef::Text(text) => {
            out.extend_from_slice(id);
            LongQuestion::value(out, start, &escape_cell(text));
        }
    }
}
