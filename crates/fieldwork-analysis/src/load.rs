//! Complete responses from the store into a polars DataFrame, one column per analysed variable,
//! and the per-stratum sums the estimators need, aggregated by polars.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

// FxHash: the keys are short question ids and codes, looked up several times per response.
use rustc_hash::FxHashMap as HashMap;

use serde::de::DeserializeSeed as _;

use fieldwork_store::{ResponseFilter, Store};
use fieldwork_survey::{QuestionKind, SurveyDefinition};
use polars::prelude::*;
use polars_arrow::bitmap::Bitmap;

use crate::AnalysisError;

/// The name of the stratum column.
pub const STRATUM: &str = "_stratum";
/// The name of the cell column: the stratum, followed by the answer to each raking question
/// (joined by [`CELL_SEPARATOR`]). Responses of a cell share a weight.
pub const CELL: &str = "_cell";
pub const CELL_SEPARATOR: char = '\u{1f}';

/// A variable's column name: `question`, `question.item` for grid items, and a suffix for
/// derived columns (`#score` for a Likert point's position, `#scale` for a grid's scale score,
/// `__option` for a multi-choice option's 0/1).
pub fn score_column(variable: &str) -> String {
    format!("{variable}#score")
}
pub fn scale_column(question: &str) -> String {
    format!("{question}#scale")
}
pub fn option_column(question: &str, option: &str) -> String {
    format!("{question}__{option}")
}

/// The responses of one survey, one row each, ready for estimation.
#[derive(Debug)]
pub struct ResponseFrame {
    pub frame: DataFrame,
    /// Complete responses per stratum code (n_h).
    pub sampled: BTreeMap<String, f64>,
    /// Complete responses per cell key.
    pub cells: BTreeMap<String, f64>,
}

/// The cell key of a stratum and the answers to the raking questions.
pub fn cell_key(stratum: &str, codes: &[&str]) -> String {
    let mut key = stratum.to_owned();
    for code in codes {
        key.push(CELL_SEPARATOR);
        key.push_str(code);
    }
    key
}

/// Read every complete response of `slug` (all versions) through the store, laid out by
/// `definition` (normally the latest version). Free text is not loaded: it is never analysed.
/// Each response's cell is its stratum and its answers to `raking_questions` (single
/// choice), every one of which it must have answered.
///
/// Only each response's stratum and answers are read, and the answers are parsed straight
/// into the columns with codes kept as dictionary indexes: at a million responses, owned
/// strings and a JSON tree per response were most of the analysis's time.
pub fn load_responses(
    store: &Store,
    slug: &str,
    definition: &SurveyDefinition,
    raking_questions: &[String],
) -> Result<ResponseFrame, AnalysisError> {
    let started = std::time::Instant::now();
    let layout = Layout::new(definition, raking_questions)?;
    // Every parser's code columns share one polars Categories per column, so the parts'
    // frames give a code the same id and stack without copying.
    let categories: Vec<Option<Arc<Categories>>> = layout
        .columns
        .iter()
        .map(|(name, builder)| {
            matches!(builder, Builder::Codes { .. })
                .then(|| Categories::random(name.as_str().into(), CategoricalPhysical::U32))
        })
        .collect();
    // Parsing answers costs about twice what reading them does, so this thread reads while
    // parsers, one per core, take the chunks read in turn (so the rows' order, and every
    // sum, is the same on every run with the same number of cores).
    let parsers = std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_PARSERS));
    let parts = std::thread::scope(|scope| {
        let mut inputs = Vec::with_capacity(parsers);
        let mut handles = Vec::with_capacity(parsers);
        for _ in 0..parsers {
            let (input, chunks) = std::sync::mpsc::sync_channel::<Chunk>(2);
            let mut layout = layout.clone();
            let categories = &categories;
            inputs.push(input);
            handles.push(scope.spawn(move || {
                for chunk in chunks {
                    for (stratum, answers) in chunk.rows() {
                        layout.add_row(stratum, answers)?;
                    }
                }
                layout.finish(categories)
            }));
        }
        let mut chunk = Chunk::default();
        let mut sent = 0usize;
        let read = store.for_each_answers(slug, &ResponseFilter::default(), |stratum, answers| {
            if let Some(stratum) = stratum {
                chunk.push(&stratum, &answers);
            }
            if chunk.ends.len() == CHUNK_ROWS {
                // The next chunk will be about as long: no growing it as it fills.
                let next = Chunk {
                    text: String::with_capacity(chunk.text.len() + chunk.text.len() / 8),
                    ends: Vec::with_capacity(CHUNK_ROWS),
                };
                let full = std::mem::replace(&mut chunk, next);
                // A parser stopped (at a corrupt response): stop reading; its error is the
                // one reported.
                inputs[sent % parsers].send(full).map_err(|_| ())?;
                sent += 1;
            }
            Ok::<_, ()>(())
        });
        if !chunk.ends.is_empty() {
            let _ = inputs[sent % parsers].send(chunk);
        }
        drop(inputs);
        let parts: Vec<Result<Part, AnalysisError>> = handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect();
        // A store error first; then a parser's, which is why reading stopped early if it did.
        let _stopped_for_a_parser = read?;
        parts
            .into_iter()
            .collect::<Result<Vec<Part>, AnalysisError>>()
    })?;
    let parsed_at = started.elapsed();
    let frame = Part::stack(parts)?;
    tracing::debug!(
        parsers,
        parse_ms = parsed_at.as_millis() as u64,
        stack_ms = (started.elapsed() - parsed_at).as_millis() as u64,
        "responses loaded"
    );
    Ok(frame)
}

/// Responses handed from the reading thread to a parser at a time.
const CHUNK_ROWS: usize = 2048;

/// Responses' strata and answers, one after another in one string: a parser frees one
/// allocation per chunk instead of two per response made on another thread.
#[derive(Default)]
struct Chunk {
    text: String,
    /// Where each response's stratum ends and where its answers end.
    ends: Vec<(usize, usize)>,
}

impl Chunk {
    fn push(&mut self, stratum: &str, answers: &str) {
        self.text.push_str(stratum);
        let stratum_end = self.text.len();
        self.text.push_str(answers);
        self.ends.push((stratum_end, self.text.len()));
    }

    fn rows(&self) -> impl Iterator<Item = (&str, &str)> {
        let mut start = 0;
        self.ends.iter().map(move |&(stratum_end, answers_end)| {
            let row = (
                &self.text[start..stratum_end],
                &self.text[stratum_end..answers_end],
            );
            start = answers_end;
            row
        })
    }
}
/// More parsers than this would wait for the one thread reading the store.
const MAX_PARSERS: usize = 4;

/// What one parser made of its share of the responses.
struct Part {
    frame: DataFrame,
    sampled: BTreeMap<String, f64>,
    cells: BTreeMap<String, f64>,
    /// Complete responses left out because a raking question was unanswered, per question.
    unanswered: BTreeMap<String, u64>,
}

impl Part {
    /// The parts' frames one above another (their chunks, not copied) and their counts added.
    fn stack(parts: Vec<Part>) -> Result<ResponseFrame, AnalysisError> {
        let mut frame: Option<DataFrame> = None;
        let mut sampled = BTreeMap::new();
        let mut cells = BTreeMap::new();
        let mut unanswered: BTreeMap<String, u64> = BTreeMap::new();
        for part in parts {
            match &mut frame {
                None => frame = Some(part.frame),
                Some(frame) => {
                    frame.vstack_mut_owned(part.frame)?;
                }
            }
            add_counts(&mut sampled, part.sampled);
            add_counts(&mut cells, part.cells);
            for (question, count) in part.unanswered {
                *unanswered.entry(question).or_default() += count;
            }
        }
        if let Some((question, count)) = unanswered.into_iter().next() {
            return Err(AnalysisError::Weighting(format!(
                "raking on `{question}` needs every response to answer it, and {count} complete \
                 responses did not; choose a required question or leave it out of the plan's margins"
            )));
        }
        let mut frame = frame.unwrap_or_default();
        // One chunk per column: every query would otherwise gather the chunks again.
        frame.rechunk_mut_par();
        Ok(ResponseFrame {
            frame,
            sampled,
            cells,
        })
    }
}

fn add_counts(total: &mut BTreeMap<String, f64>, part: BTreeMap<String, f64>) {
    for (key, count) in part {
        *total.entry(key).or_default() += count;
    }
}

/// The columns being filled, and where each question's answers go.
#[derive(Clone)]
struct Layout<'d> {
    columns: Vec<(String, Builder)>,
    targets: HashMap<&'d str, Target>,
    /// The code columns of the raking questions, in the plan's order.
    raking: Vec<(&'d str, usize)>,
    /// The cell (an index into the cell column's dictionary) of each stratum-and-raking-codes
    /// key, the key as dictionary indexes.
    cell_of: HashMap<Vec<u32>, u32>,
    key: Vec<u32>,
    rows: usize,
    /// Rows left out because a raking question was unanswered, per question.
    unanswered: BTreeMap<&'d str, u64>,
}

/// The stratum column's index in [`Layout::columns`], then the cell column's.
const STRATUM_COLUMN: usize = 0;
const CELL_COLUMN: usize = 1;

impl<'d> Layout<'d> {
    fn new(
        definition: &'d SurveyDefinition,
        raking_questions: &'d [String],
    ) -> Result<Self, AnalysisError> {
        let codes = |choices: &[&[fieldwork_survey::Choice]]| {
            Builder::codes(
                choices
                    .iter()
                    .flat_map(|c| c.iter().map(|c| c.code.as_str())),
            )
        };
        let strata: Vec<&str> = definition
            .strata()
            .iter()
            .map(|c| c.code.as_str())
            .collect();
        let mut columns: Vec<(String, Builder)> = vec![
            (STRATUM.to_owned(), Builder::codes(strata)),
            (CELL.to_owned(), Builder::codes([])),
        ];
        let mut targets = HashMap::default();
        let add = |columns: &mut Vec<(String, Builder)>, name: String, builder: Builder| {
            columns.push((name, builder));
            columns.len() - 1
        };
        for question in definition.questions() {
            let id = question.id.as_str();
            let target = match &question.kind {
                QuestionKind::SingleChoice { options } => {
                    Target::Code(add(&mut columns, id.to_owned(), codes(&[options])))
                }
                QuestionKind::Likert {
                    scale,
                    non_substantive,
                } => {
                    // Scale codes first, so a code's index below the scale's length is its
                    // position on the scale.
                    let code = add(
                        &mut columns,
                        id.to_owned(),
                        codes(&[scale, non_substantive]),
                    );
                    let score = add(&mut columns, score_column(id), Builder::numbers());
                    Target::Scored(code, score, scale.len() as u32)
                }
                QuestionKind::MultiChoice { options, .. } => Target::Options(
                    options
                        .iter()
                        .map(|o| {
                            let column =
                                add(&mut columns, option_column(id, &o.code), Builder::numbers());
                            (o.code.clone(), column)
                        })
                        .collect(),
                ),
                QuestionKind::LikertGrid {
                    items,
                    scale,
                    non_substantive,
                } => {
                    let mut by_item = HashMap::default();
                    let mut in_order = Vec::new();
                    for item in items {
                        let variable = format!("{id}.{}", item.id);
                        let score = add(&mut columns, score_column(&variable), Builder::numbers());
                        let code = add(&mut columns, variable, codes(&[scale, non_substantive]));
                        by_item.insert(item.id.clone(), (code, score));
                        in_order.push(score);
                    }
                    let scale_score = add(&mut columns, scale_column(id), Builder::numbers());
                    Target::Grid {
                        items: by_item,
                        scores: in_order,
                        scale_score,
                        scale_len: scale.len() as u32,
                    }
                }
                QuestionKind::Number { .. } => {
                    Target::Number(add(&mut columns, id.to_owned(), Builder::numbers()))
                }
                QuestionKind::Text { .. } => continue,
            };
            targets.insert(id, target);
        }
        let raking = raking_questions
            .iter()
            .map(|question| match targets.get(question.as_str()) {
                Some(Target::Code(column)) => Ok((question.as_str(), *column)),
                _ => Err(AnalysisError::Weighting(format!(
                    "raking on `{question}` needs a single-choice question of the survey"
                ))),
            })
            .collect::<Result<_, _>>()?;
        Ok(Layout {
            columns,
            targets,
            raking,
            cell_of: HashMap::default(),
            key: Vec::new(),
            rows: 0,
            unanswered: BTreeMap::new(),
        })
    }

    /// One response: every column gets a value (or null) for it, or, when it lacks a raking
    /// answer, none does.
    fn add_row(&mut self, stratum: &str, answers: &str) -> Result<(), AnalysisError> {
        for (_, builder) in &mut self.columns {
            builder.push_null();
        }
        let stratum_code = self.columns[STRATUM_COLUMN].1.set_code(stratum);
        let mut deserializer = serde_json::Deserializer::from_str(answers);
        RowAnswers {
            targets: &self.targets,
            columns: &mut self.columns,
        }
        .deserialize(&mut deserializer)
        .and_then(|()| deserializer.end())
        .map_err(|e| AnalysisError::CorruptAnswers(e.to_string()))?;

        self.key.clear();
        self.key.push(stratum_code);
        for (question, column) in &self.raking {
            match self.columns[*column].1.last_code() {
                Some(code) => self.key.push(code),
                None => {
                    *self.unanswered.entry(question).or_default() += 1;
                    for (_, builder) in &mut self.columns {
                        builder.truncate(self.rows);
                    }
                    return Ok(());
                }
            }
        }
        let cell = match self.cell_of.get(self.key.as_slice()) {
            Some(&cell) => cell,
            None => {
                let codes: Vec<&str> = self
                    .raking
                    .iter()
                    .zip(&self.key[1..])
                    .map(|((_, column), &code)| self.columns[*column].1.code_name(code))
                    .collect();
                let name = cell_key(stratum, &codes);
                let cell = self.columns[CELL_COLUMN].1.code_index(&name);
                self.cell_of.insert(self.key.clone(), cell);
                cell
            }
        };
        self.columns[CELL_COLUMN].1.set_index(cell);
        self.rows += 1;
        Ok(())
    }

    fn finish(self, categories: &[Option<Arc<Categories>>]) -> Result<Part, AnalysisError> {
        let sampled = self.columns[STRATUM_COLUMN].1.code_counts();
        let cells = self.columns[CELL_COLUMN].1.code_counts();
        let series: Vec<Column> = self
            .columns
            .into_iter()
            .zip(categories)
            .map(|((name, builder), categories)| builder.into_column(&name, categories.as_ref()))
            .collect::<Result<_, _>>()?;
        Ok(Part {
            frame: DataFrame::new(self.rows, series)?,
            sampled,
            cells,
            unanswered: self
                .unanswered
                .into_iter()
                .map(|(question, count)| (question.to_owned(), count))
                .collect(),
        })
    }
}

/// Where one question's answer goes in the columns.
#[derive(Clone)]
enum Target {
    Code(usize),
    /// The code's column, its score's, and the scale's length.
    Scored(usize, usize, u32),
    /// Each option's code and 0/1 column.
    Options(Vec<(String, usize)>),
    Grid {
        /// Each item's code and score columns, by item id.
        items: HashMap<String, (usize, usize)>,
        /// The items' score columns in the definition's order.
        scores: Vec<usize>,
        scale_score: usize,
        scale_len: u32,
    },
    Number(usize),
}

/// A null in a code column.
const NULL_CODE: u32 = u32::MAX;

/// A column being filled, one value per row.
#[derive(Clone)]
enum Builder {
    /// Codes as indexes into `names` ([`NULL_CODE`] for null): no allocation per value.
    Codes {
        names: Vec<String>,
        index_of: HashMap<String, u32>,
        values: Vec<u32>,
    },
    /// NaN for null: stored answers are JSON numbers, never NaN.
    Numbers(Vec<f64>),
}

impl Builder {
    fn codes<'a>(known: impl IntoIterator<Item = &'a str>) -> Self {
        let mut builder = Builder::Codes {
            names: Vec::new(),
            index_of: HashMap::default(),
            values: Vec::new(),
        };
        for code in known {
            builder.code_index(code);
        }
        builder
    }

    fn numbers() -> Self {
        Builder::Numbers(Vec::new())
    }

    fn push_null(&mut self) {
        match self {
            Builder::Codes { values, .. } => values.push(NULL_CODE),
            Builder::Numbers(values) => values.push(f64::NAN),
        }
    }

    fn truncate(&mut self, rows: usize) {
        match self {
            Builder::Codes { values, .. } => values.truncate(rows),
            Builder::Numbers(values) => values.truncate(rows),
        }
    }

    /// The dictionary index of `code`, added if new.
    fn code_index(&mut self, code: &str) -> u32 {
        let Builder::Codes {
            names, index_of, ..
        } = self
        else {
            unreachable!("a code for a number column");
        };
        // Most questions have a handful of codes: a scan beats hashing them.
        let found = if names.len() <= 16 {
            names.iter().position(|n| n == code).map(|i| i as u32)
        } else {
            index_of.get(code).copied()
        };
        match found {
            Some(index) => index,
            None => {
                let index = names.len() as u32;
                names.push(code.to_owned());
                index_of.insert(code.to_owned(), index);
                index
            }
        }
    }

    fn code_name(&self, index: u32) -> &str {
        match self {
            Builder::Codes { names, .. } => &names[index as usize],
            Builder::Numbers(_) => unreachable!("a code of a number column"),
        }
    }

    /// Set this row's value to `code`; its dictionary index.
    fn set_code(&mut self, code: &str) -> u32 {
        let index = self.code_index(code);
        self.set_index(index);
        index
    }

    fn set_index(&mut self, index: u32) {
        if let Builder::Codes { values, .. } = self {
            if let Some(last) = values.last_mut() {
                *last = index;
            }
        }
    }

    fn last_code(&self) -> Option<u32> {
        match self {
            Builder::Codes { values, .. } => values.last().copied().filter(|&c| c != NULL_CODE),
            Builder::Numbers(_) => None,
        }
    }

    fn set_number(&mut self, x: f64) {
        if let Builder::Numbers(values) = self {
            if let Some(last) = values.last_mut() {
                *last = x;
            }
        }
    }

    fn last_number(&self) -> Option<f64> {
        match self {
            Builder::Numbers(values) => values.last().copied().filter(|x| !x.is_nan()),
            Builder::Codes { .. } => None,
        }
    }

    /// How many rows hold each code.
    fn code_counts(&self) -> BTreeMap<String, f64> {
        let mut counts = BTreeMap::new();
        if let Builder::Codes { names, values, .. } = self {
            let mut per_index = vec![0u64; names.len()];
            for &value in values {
                if value != NULL_CODE {
                    per_index[value as usize] += 1;
                }
            }
            for (name, count) in names.iter().zip(per_index) {
                if count > 0 {
                    counts.insert(name.clone(), count as f64);
                }
            }
        }
        counts
    }

    /// The column, made from the values without copying them: codes as a polars Categorical
    /// of 32-bit ids over `categories` (so grouping compares integers, and no string is made
    /// per value), numbers as Float64.
    fn into_column(
        self,
        name: &str,
        categories: Option<&Arc<Categories>>,
    ) -> Result<Column, AnalysisError> {
        Ok(match self {
            Builder::Codes {
                names, mut values, ..
            } => {
                // An Enum would do, but polars sizes an Enum's ids to its categories (8 bits
                // here), which needs polars' `dtype-u8` feature: a rebuild of polars for nothing.
                let categories = categories
                    .cloned()
                    .unwrap_or_else(|| Categories::random(name.into(), CategoricalPhysical::U32));
                let mapping = categories.mapping();
                let ids = names
                    .iter()
                    .map(|code| mapping.insert_cat(code))
                    .collect::<PolarsResult<Vec<CatSize>>>()?;
                if ids
                    .iter()
                    .enumerate()
                    .any(|(index, &id)| id as usize != index)
                {
                    for value in values.iter_mut().filter(|v| **v != NULL_CODE) {
                        *value = ids[*value as usize];
                    }
                }
                let validity = validity(&values, |&v| v != NULL_CODE);
                let physical = UInt32Chunked::from_vec_validity(name.into(), values, validity);
                Series::from_cats_and_dtype(
                    &physical.into_series(),
                    &DataType::from_categories(categories),
                    true,
                )?
                .into_column()
            }
            Builder::Numbers(values) => {
                let validity = validity(&values, |x| !x.is_nan());
                Float64Chunked::from_vec_validity(name.into(), values, validity).into_column()
            }
        })
    }
}

/// Which values are not null, or `None` when all of them are.
fn validity<T>(values: &[T], present: impl Fn(&T) -> bool) -> Option<Bitmap> {
    let bitmap: Bitmap = values.iter().map(present).collect();
    (bitmap.unset_bits() > 0).then_some(bitmap)
}

/// Deserializes one response's answers object straight into the current row of the columns.
struct RowAnswers<'a, 'd> {
    targets: &'a HashMap<&'d str, Target>,
    columns: &'a mut [(String, Builder)],
}

impl<'de> serde::de::DeserializeSeed<'de> for RowAnswers<'_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for RowAnswers<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object of answers")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(question) = map.next_key::<Text<'de>>()? {
            let Some(target) = self.targets.get(question.0.as_ref()) else {
                // Free text, or a question the latest version no longer asks.
                map.next_value::<serde::de::IgnoredAny>()?;
                continue;
            };
            map.next_value_seed(PlaceAnswer {
                target,
                columns: &mut *self.columns,
            })?;
        }
        Ok(())
    }
}

/// Puts one answer in its columns as it is parsed, with nothing allocated for it. An answer
/// of another shape than the question's (asked differently by an older version) is left out,
/// as the question's export would.
struct PlaceAnswer<'a> {
    target: &'a Target,
    columns: &'a mut [(String, Builder)],
}

impl PlaceAnswer<'_> {
    fn code(self, code: &str) {
        match self.target {
            Target::Code(column) => {
                self.columns[*column].1.set_code(code);
            }
            Target::Scored(column, score, scale_len) => {
                set_scored(self.columns, *column, *score, *scale_len, code);
            }
            _ => {}
        }
    }

    fn number(self, x: f64) {
        if let Target::Number(column) = self.target {
            self.columns[*column].1.set_number(x);
        }
    }
}

/// A Likert answer's code, and its position on the scale as its score when it has one.
fn set_scored(
    columns: &mut [(String, Builder)],
    column: usize,
    score: usize,
    scale_len: u32,
    code: &str,
) {
    let index = columns[column].1.set_code(code);
    if index < scale_len {
        columns[score].1.set_number(f64::from(index + 1));
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for PlaceAnswer<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for PlaceAnswer<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an answer")
    }
    fn visit_str<E>(self, s: &str) -> Result<(), E> {
        self.code(s);
        Ok(())
    }
    fn visit_i64<E>(self, x: i64) -> Result<(), E> {
        self.number(x as f64);
        Ok(())
    }
    fn visit_u64<E>(self, x: u64) -> Result<(), E> {
        self.number(x as f64);
        Ok(())
    }
    fn visit_f64<E>(self, x: f64) -> Result<(), E> {
        self.number(x);
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    /// A multi-choice answer: each option's column 1 if it was chosen, else 0.
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Target::Options(options) = self.target else {
            while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
            return Ok(());
        };
        for (_, column) in options {
            self.columns[*column].1.set_number(0.0);
        }
        while let Some(element) = seq.next_element::<Scalar<'de>>()? {
            if let Scalar::Text(code) = element {
                if let Some((_, column)) = options.iter().find(|(c, _)| *c == *code) {
                    self.columns[*column].1.set_number(1.0);
                }
            }
        }
        Ok(())
    }

    /// A grid's answers, item by item, then the scale score: the mean of the substantive
    /// item scores, summed in the definition's item order.
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Target::Grid {
            items,
            scores,
            scale_score,
            scale_len,
        } = self.target
        else {
            while map
                .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                .is_some()
            {}
            return Ok(());
        };
        while let Some(item) = map.next_key::<Text<'de>>()? {
            let value = map.next_value::<Scalar<'de>>()?;
            if let (Some((column, score)), Scalar::Text(code)) = (items.get(item.0.as_ref()), value)
            {
                set_scored(self.columns, *column, *score, *scale_len, &code);
            }
        }
        let (mut sum, mut count) = (0.0, 0usize);
        for score in scores {
            if let Some(x) = self.columns[*score].1.last_number() {
                sum += x;
                count += 1;
            }
        }
        if count > 0 {
            self.columns[*scale_score].1.set_number(sum / count as f64);
        }
        Ok(())
    }
}

/// A JSON string, borrowed from the stored text unless it has escapes.
struct Text<'de>(Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Text<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(s.to_owned())))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// An element of a multi-choice answer or a grid: a code, or anything else (skipped).
enum Scalar<'de> {
    Text(Cow<'de, str>),
    Other,
}

impl<'de> serde::Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Scalar<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a code")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Text(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Text(Cow::Owned(s.to_owned())))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Other)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Other)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Other)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Other)
            }
            fn visit_unit<E>(self) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Other)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Scalar<'de>, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Scalar<'de>, A::Error> {
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(Scalar::Other)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// A stratum's count of non-null values, Σx and Σx².
pub type Sums = (f64, f64, f64);

/// Per cell: count of non-null values, Σx and Σx², for each numeric column.
pub fn numeric_sums(
    frame: &DataFrame,
    columns: &[String],
) -> Result<BTreeMap<String, BTreeMap<String, Sums>>, AnalysisError> {
    sums(frame, columns, false)
}

/// [`numeric_sums`] for the 0/1 columns of one multi-choice question's options: they are
/// null together, and Σx² = Σx, so each cell needs one count and a sum per option.
pub fn share_sums(
    frame: &DataFrame,
    columns: &[String],
) -> Result<BTreeMap<String, BTreeMap<String, Sums>>, AnalysisError> {
    sums(frame, columns, true)
}

fn sums(
    frame: &DataFrame,
    columns: &[String],
    shares: bool,
) -> Result<BTreeMap<String, BTreeMap<String, Sums>>, AnalysisError> {
    let float = |expr: Expr, name: String| expr.cast(DataType::Float64).alias(name);
    let count = |i: usize| {
        if shares {
            "n0".to_owned()
        } else {
            format!("n{i}")
        }
    };
    let square = |i: usize| {
        if shares {
            format!("s{i}")
        } else {
            format!("q{i}")
        }
    };
    let mut aggs = Vec::new();
    for (i, name) in columns.iter().enumerate() {
        let x = || col(name.as_str());
        if i == 0 || !shares {
            aggs.push(float(x().count(), count(i)));
        }
        aggs.push(float(x().sum(), format!("s{i}")));
        if !shares {
            aggs.push(float((x() * x()).sum(), square(i)));
        }
    }
    let out = frame
        .clone()
        .lazy()
        .group_by([col(CELL)])
        .agg(aggs)
        .collect()?;
    let cells = as_strings(out.column(CELL)?)?;
    let mut result: BTreeMap<String, BTreeMap<String, Sums>> = BTreeMap::new();
    for (i, name) in columns.iter().enumerate() {
        let n = out.column(&count(i))?.f64()?;
        let s = out.column(&format!("s{i}"))?.f64()?;
        let q = out.column(&square(i))?.f64()?;
        let per_cell = result.entry(name.clone()).or_default();
        for row in 0..out.height() {
            if let Some(cell) = cells.get(row) {
                per_cell.insert(
                    cell.to_owned(),
                    (
                        n.get(row).unwrap_or(0.0),
                        s.get(row).unwrap_or(0.0),
                        q.get(row).unwrap_or(0.0),
                    ),
                );
            }
        }
    }
    Ok(result)
}

/// A code column (an Enum) of an aggregate's few rows as strings.
fn as_strings(column: &Column) -> Result<StringChunked, AnalysisError> {
    Ok(column.cast(&DataType::String)?.str()?.clone())
}

/// Per cell, how many chose each code of a categorical column (nulls left out).
pub fn code_counts(
    frame: &DataFrame,
    column: &str,
) -> Result<BTreeMap<String, BTreeMap<String, f64>>, AnalysisError> {
    let out = frame
        .clone()
        .lazy()
        // Nulls make a group of their own, left out below: cheaper than filtering them first.
        .group_by([col(CELL), col(column)])
        .agg([len().cast(DataType::Float64).alias("_count")])
        .collect()?;
    let strata = as_strings(out.column(CELL)?)?;
    let codes = as_strings(out.column(column)?)?;
    let counts = out.column("_count")?.f64()?.clone();
    let mut result: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
    for row in 0..out.height() {
        if let (Some(stratum), Some(code), Some(count)) =
            (strata.get(row), codes.get(row), counts.get(row))
        {
            result
                .entry(stratum.to_owned())
                .or_default()
                .insert(code.to_owned(), count);
        }
    }
    Ok(result)
}

/// The values of a numeric column in one stratum with the weight of each one's cell (from
/// `weight`, asked once per cell), sorted by value, nulls left out (for quantiles).
pub fn sorted_values(
    frame: &DataFrame,
    column: &str,
    stratum: &str,
    weight: impl Fn(&str) -> f64,
) -> Result<Vec<(f64, f64)>, AnalysisError> {
    let out = frame
        .clone()
        .lazy()
        .filter(col(STRATUM).eq(lit(stratum)).and(col(column).is_not_null()))
        .select([col(column), col(CELL)])
        .sort([column], SortMultipleOptions::default())
        .collect()?;
    let values = out.column(column)?.f64()?;
    let cells = out.column(CELL)?.as_materialized_series().cat32()?;
    let mapping = cells.get_mapping();
    let mut weight_of: HashMap<CatSize, f64> = HashMap::default();
    Ok(values
        .iter()
        .zip(cells.physical().iter())
        .filter_map(|(value, cell)| {
            let (value, cell) = (value?, cell?);
            let weight = *weight_of
                .entry(cell)
                .or_insert_with(|| mapping.cat_to_str(cell).map_or(0.0, &weight));
            Some((value, weight))
        })
        .collect())
}

/// Respondents with every item of a scale answered, each item's sample variance, and that of
/// their totals.
pub type ScaleVariances = (u64, Vec<f64>, f64);

/// For each stratum, over its rows where none of the listed numeric columns is null: how many
/// there are, each column's sample variance, and the sample variance of the rows' totals
/// (what Cronbach's alpha needs). A variance is NaN where there are fewer than two rows.
pub fn scale_variances(
    frame: &DataFrame,
    columns: &[String],
) -> Result<BTreeMap<String, ScaleVariances>, AnalysisError> {
    let complete = columns
        .iter()
        .fold(lit(true), |all, c| all.and(col(c.as_str()).is_not_null()));
    let total = columns
        .iter()
        .fold(lit(0.0), |sum, c| sum + col(c.as_str()));
    let mut aggs = vec![
        len().cast(DataType::Float64).alias("_n"),
        total.var(1).alias("_total"),
    ];
    for (i, c) in columns.iter().enumerate() {
        aggs.push(col(c.as_str()).var(1).alias(format!("v{i}")));
    }
    let out = frame
        .clone()
        .lazy()
        .filter(complete)
        .group_by([col(STRATUM)])
        .agg(aggs)
        .collect()?;
    let strata = as_strings(out.column(STRATUM)?)?;
    let n = out.column("_n")?.f64()?;
    let total = out.column("_total")?.f64()?;
    let items = (0..columns.len())
        .map(|i| Ok(out.column(&format!("v{i}"))?.f64()?.clone()))
        .collect::<Result<Vec<_>, AnalysisError>>()?;
    let mut result = BTreeMap::new();
    for row in 0..out.height() {
        if let Some(stratum) = strata.get(row) {
            result.insert(
                stratum.to_owned(),
                (
                    n.get(row).unwrap_or(0.0) as u64,
                    items
                        .iter()
                        .map(|v| v.get(row).unwrap_or(f64::NAN))
                        .collect(),
                    total.get(row).unwrap_or(f64::NAN),
                ),
            );
        }
    }
    Ok(result)
}
