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

use super::stream::{in_order, Chunk, Row};
use super::{corrupt_answers, layout, populations, timestamp, weights, ExportError, ExportOptions};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Responses a worker writes at a time: enough that handing chunks over costs nothing much,
/// few enough that the workers start at once.
const ROWS_PER_CHUNK: usize = 1024;

/// RFC 4180: fields quoted when they hold a comma, a quote or a line break; CRLF after each
/// record.
fn csv_writer<W: Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .buffer_capacity(64 * 1024)
        .from_writer(out)
}

/// A chunk's CSV text, made by `write` (the last chunk's length is a guess at its length).
fn chunk_text(
    last_len: &mut usize,
    write: impl FnOnce(&mut csv::Writer<&mut Vec<u8>>) -> Result<(), ExportError>,
) -> Result<Vec<u8>, ExportError> {
    let mut text = Vec::with_capacity(*last_len + *last_len / 8);
    let mut writer = csv_writer(&mut text);
    write(&mut writer)?;
    writer.flush()?;
    drop(writer);
    *last_len = text.len();
    Ok(text)
}

fn write_header(
    out: &mut dyn Write,
    options: &ExportOptions,
    header: &[&str],
) -> Result<(), ExportError> {
    if options.bom {
        out.write_all(BOM)?;
    }
    let mut writer = csv_writer(&mut *out);
    writer.write_record(header)?;
    writer.flush()?;
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
        chunk_text(last_len, |csv| {
            for row in chunk.rows() {
                answers
                    .read(row.answers)
                    .map_err(|e| corrupt_answers(row.public_id, e))?;
                for (column, _) in layout.meta() {
                    write_meta(csv, last_time, *column, &row, meta)?;
                }
                layout.write_cells(answers, labels, |cell| csv.write_field(cell))?;
                csv.write_record(None::<&[u8]>)?;
            }
            Ok(())
        })
    }
}

fn write_meta(
    csv: &mut csv::Writer<&mut Vec<u8>>,
    last_time: &mut Option<(chrono::NaiveDateTime, String)>,
    column: MetaColumn,
    row: &Row<'_>,
    meta: &MetaCells,
) -> Result<(), csv::Error> {
    {
        match column {
            MetaColumn::ResponseId => csv.write_field(row.public_id),
            MetaColumn::SurveyVersion => csv.write_field(itoa_u32(row.survey_version).as_str()),
            MetaColumn::Stratum => {
                csv.write_field(escape_cell(row.stratum.unwrap_or("")).as_bytes())
            }
            MetaColumn::SubmittedAt => match row.submitted_at {
                Some(at) => {
                    if last_time.as_ref().is_none_or(|(t, _)| *t != at) {
                        *last_time = Some((at, timestamp(at)));
                    }
                    csv.write_field(last_time.as_ref().map_or("", |(_, s)| s.as_str()))
                }
                None => csv.write_field(""),
            },
            MetaColumn::Weight => {
                let weight = row
                    .stratum
                    .filter(|_| row.complete)
                    .and_then(|s| meta.weights.get(s));
                csv.write_field(weight.map_or("", String::as_str))
            }
            MetaColumn::Population => {
                let population = row.stratum.and_then(|s| meta.populations.get(s));
                csv.write_field(population.map_or("", String::as_str))
            }
            MetaColumn::Complete => csv.write_field(if row.complete { "1" } else { "0" }),
        }
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
            number: String::new(),
        },
        |rows, chunk| rows.write(chunk, &questions),
        |text| Ok(out.write_all(&text)?),
    )
}

/// A question of the long table, and its choices as written in its value cells.
struct LongQuestion<'d> {
    position: usize,
    question: &'d Question,
    /// Each choice's cell (its code or label, escaped), in the question's choice order.
    coded: Vec<String>,
    labels: Labels,
}

impl<'d> LongQuestion<'d> {
    fn new(position: usize, question: &'d Question, labels: Labels) -> Self {
        let coded = question
            .choices()
            .map(|c| match labels {
                Labels::Codes => escape_cell(&c.code).into_owned(),
                Labels::Text => escape_cell(&c.label).into_owned(),
            })
            .collect();
        LongQuestion {
            position,
            question,
            coded,
            labels,
        }
    }

    /// A code's value cell: its choice's cell, or the code as given when it is none of them.
    fn coded<'c>(&'c self, code: Code<'c>) -> std::borrow::Cow<'c, str> {
        match code.choice.and_then(|i| self.coded.get(i)) {
            Some(cell) => cell.into(),
            None => escape_cell(code.text),
        }
    }

    /// A multi-choice code's value cell.
    fn option<'c>(&'c self, code: &'c str) -> std::borrow::Cow<'c, str> {
        let choice = match self.labels {
            // The code's own cell either way: no need to look for it.
            Labels::Codes => None,
            Labels::Text => self.question.choices().position(|c| c.code == code),
        };
        self.coded(Code { text: code, choice })
    }
}

/// A worker's rows of the long table.
struct LongRows<'d> {
    answers: ParsedAnswers<'d>,
    last_len: usize,
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
            number,
        } = self;
        chunk_text(last_len, |csv| {
            for row in chunk.rows() {
                answers
                    .read(row.answers)
                    .map_err(|e| corrupt_answers(row.public_id, e))?;
                for question in questions {
                    if let Some(answer) = answers.answer(question.position) {
                        write_answer(csv, number, row.public_id, question, answer)?;
                    }
                }
            }
            Ok(())
        })
    }
}

/// One answer's rows of the long table.
fn write_answer(
    csv: &mut csv::Writer<&mut Vec<u8>>,
    number: &mut String,
    id: &str,
    question: &LongQuestion<'_>,
    answer: AnswerRef<'_>,
) -> Result<(), csv::Error> {
    let qid = question.question.id.as_str();
    match answer {
        AnswerRef::Choice(code) => csv.write_record([id, qid, "", &*question.coded(code)]),
        AnswerRef::Choices { codes, .. } => {
            for code in codes {
                csv.write_record([id, qid, "", &*question.option(code)])?;
            }
            Ok(())
        }
        AnswerRef::Grid(grid) => {
            // In the definition's item order.
            if let QuestionKind::LikertGrid { items, .. } = &question.question.kind {
                for (position, item) in items.iter().enumerate() {
                    if let Some(code) = grid.item(position) {
                        csv.write_record([id, qid, &item.id, &*question.coded(code)])?;
                    }
                }
            }
            Ok(())
        }
        AnswerRef::Integer(n) => {
            number.clear();
            let _ = write!(number, "{n}");
            csv.write_record([id, qid, "", number.as_str()])
        }
        AnswerRef::Decimal(x) => {
            number.clear();
            let _ = write!(number, "{x}");
            csv.write_record([id, qid, "", number.as_str()])
        }
        AnswerRef::Text(text) => csv.write_record([id, qid, "", &*escape_cell(text)]),
    }
}
