//! Complete responses from the store into a polars DataFrame, one column per analysed variable,
//! and the per-stratum sums the estimators need, aggregated by polars.

use std::borrow::Cow;
use std::collections::BTreeMap;

// FxHash: the keys are short question ids and codes, looked up several times per response.
use rustc_hash::FxHashMap as HashMap;

use serde::de::DeserializeSeed as _;

use fieldwork_store::{ResponseFilter, Store};
use fieldwork_survey::{QuestionKind, SurveyDefinition};
use polars::prelude::*;

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
    let mut layout = Layout::new(definition, raking_questions)?;
    // Reading rows and parsing answers take about as long as each other, so on two cores
    // the store is read on this thread while another parses what was read, in chunks.
    let (chunks, parser_input) = std::sync::mpsc::sync_channel::<Vec<(String, String)>>(4);
    std::thread::scope(|scope| {
        let parser = scope.spawn(move || {
            for chunk in parser_input {
                for (stratum, answers) in chunk {
                    layout.add_row(&stratum, &answers)?;
                }
            }
            Ok::<_, AnalysisError>(layout)
        });
        let mut chunk = Vec::with_capacity(CHUNK_ROWS);
        let read = store.for_each_answers(slug, &ResponseFilter::default(), |stratum, answers| {
            if let Some(stratum) = stratum {
                chunk.push((stratum, answers));
            }
            if chunk.len() == CHUNK_ROWS {
                let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK_ROWS));
                // The parser stopped (at a corrupt response): stop reading; its error is
                // the one reported.
                chunks.send(full).map_err(|_| ())?;
            }
            Ok::<_, ()>(())
        });
        if !chunk.is_empty() {
            let _ = chunks.send(chunk);
        }
        drop(chunks);
        let parsed = parser
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        // A store error first; then the parser's, which is why reading stopped early if it did.
        let _stopped_for_the_parser = read?;
        parsed?.finish()
    })
}

/// Responses handed from the reading thread to the parsing one at a time.
const CHUNK_ROWS: usize = 2048;

/// The columns being filled, and where each question's answers go.
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

    fn finish(self) -> Result<ResponseFrame, AnalysisError> {
        if let Some((question, count)) = self.unanswered.into_iter().next() {
            return Err(AnalysisError::Weighting(format!(
                "raking on `{question}` needs every response to answer it, and {count} complete \
                 responses did not; choose a required question or leave it out of the plan's margins"
            )));
        }
        let sampled = self.columns[STRATUM_COLUMN].1.code_counts();
        let cells = self.columns[CELL_COLUMN].1.code_counts();
        let series: Vec<Column> = self
            .columns
            .into_iter()
            .map(|(name, builder)| builder.into_column(&name))
            .collect();
        Ok(ResponseFrame {
            frame: DataFrame::new(self.rows, series)?,
            sampled,
            cells,
        })
    }
}

/// Where one question's answer goes in the columns.
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

    fn into_column(self, name: &str) -> Column {
        match self {
            Builder::Codes { names, values, .. } => StringChunked::from_iter_options(
                name.into(),
                values
                    .iter()
                    .map(|&v| (v != NULL_CODE).then(|| names[v as usize].as_str())),
            )
            .into_column(),
            Builder::Numbers(values) => Float64Chunked::from_iter_options(
                name.into(),
                values.iter().map(|&x| (!x.is_nan()).then_some(x)),
            )
            .into_column(),
        }
    }
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
            let answer = map.next_value::<Answer<'de>>()?;
            place(target, answer, self.columns);
        }
        Ok(())
    }
}

/// Put one answer in its columns. An answer of another shape than the question's (asked
/// differently by an older version) is left out, as the question's export would.
fn place(target: &Target, answer: Answer<'_>, columns: &mut [(String, Builder)]) {
    match (target, answer) {
        (Target::Code(column), Answer::Code(code)) => {
            columns[*column].1.set_code(&code);
        }
        (Target::Scored(column, score, scale_len), Answer::Code(code)) => {
            let index = columns[*column].1.set_code(&code);
            if index < *scale_len {
                columns[*score].1.set_number(f64::from(index + 1));
            }
        }
        (Target::Options(options), Answer::Codes(chosen)) => {
            for (code, column) in options {
                let selected = chosen.iter().any(|c| c.as_ref() == code);
                columns[*column]
                    .1
                    .set_number(if selected { 1.0 } else { 0.0 });
            }
        }
        (
            Target::Grid {
                items,
                scores,
                scale_score,
                scale_len,
            },
            Answer::Grid(pairs),
        ) => {
            for (item, code) in pairs {
                if let Some((column, score)) = items.get(item.as_ref()) {
                    let index = columns[*column].1.set_code(&code);
                    if index < *scale_len {
                        columns[*score].1.set_number(f64::from(index + 1));
                    }
                }
            }
            // The scale score: the mean of the substantive item scores, summed in the
            // definition's item order.
            let (mut sum, mut count) = (0.0, 0usize);
            for score in scores {
                if let Some(x) = columns[*score].1.last_number() {
                    sum += x;
                    count += 1;
                }
            }
            if count > 0 {
                columns[*scale_score].1.set_number(sum / count as f64);
            }
        }
        (Target::Number(column), Answer::Number(x)) => columns[*column].1.set_number(x),
        _ => {}
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

/// One stored answer, in the shapes analysis reads.
enum Answer<'de> {
    Code(Cow<'de, str>),
    Number(f64),
    /// A multi-choice answer's codes.
    Codes(Vec<Cow<'de, str>>),
    /// A grid's item ids and codes.
    Grid(Vec<(Cow<'de, str>, Cow<'de, str>)>),
    Other,
}

impl<'de> serde::Deserialize<'de> for Answer<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Answer<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an answer")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Answer<'de>, E> {
                Ok(Answer::Code(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Answer<'de>, E> {
                Ok(Answer::Code(Cow::Owned(s.to_owned())))
            }
            fn visit_i64<E>(self, x: i64) -> Result<Answer<'de>, E> {
                Ok(Answer::Number(x as f64))
            }
            fn visit_u64<E>(self, x: u64) -> Result<Answer<'de>, E> {
                Ok(Answer::Number(x as f64))
            }
            fn visit_f64<E>(self, x: f64) -> Result<Answer<'de>, E> {
                Ok(Answer::Number(x))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Answer<'de>, E> {
                Ok(Answer::Other)
            }
            fn visit_unit<E>(self) -> Result<Answer<'de>, E> {
                Ok(Answer::Other)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Answer<'de>, A::Error> {
                let mut codes = Vec::new();
                while let Some(element) = seq.next_element::<Answer<'de>>()? {
                    if let Answer::Code(code) = element {
                        codes.push(code);
                    }
                }
                Ok(Answer::Codes(codes))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Answer<'de>, A::Error> {
                let mut pairs = Vec::new();
                while let Some((item, value)) = map.next_entry::<Text<'de>, Answer<'de>>()? {
                    if let Answer::Code(code) = value {
                        pairs.push((item.0, code));
                    }
                }
                Ok(Answer::Grid(pairs))
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
    let mut aggs = Vec::new();
    for (i, name) in columns.iter().enumerate() {
        aggs.push(
            col(name.as_str())
                .count()
                .cast(DataType::Float64)
                .alias(format!("n{i}")),
        );
        aggs.push(
            col(name.as_str())
                .sum()
                .cast(DataType::Float64)
                .alias(format!("s{i}")),
        );
        aggs.push(
            (col(name.as_str()) * col(name.as_str()))
                .sum()
                .cast(DataType::Float64)
                .alias(format!("q{i}")),
        );
    }
    let out = frame
        .clone()
        .lazy()
        .group_by([col(CELL)])
        .agg(aggs)
        .collect()?;
    let strata = out.column(CELL)?.str()?.clone();
    let mut result: BTreeMap<String, BTreeMap<String, Sums>> = BTreeMap::new();
    for (i, name) in columns.iter().enumerate() {
        let n = out.column(&format!("n{i}"))?.f64()?.clone();
        let s = out.column(&format!("s{i}"))?.f64()?.clone();
        let q = out.column(&format!("q{i}"))?.f64()?.clone();
        let per_stratum = result.entry(name.clone()).or_default();
        for row in 0..out.height() {
            if let Some(stratum) = strata.get(row) {
                per_stratum.insert(
                    stratum.to_owned(),
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

/// Per cell, how many chose each code of a categorical column (nulls left out).
pub fn code_counts(
    frame: &DataFrame,
    column: &str,
) -> Result<BTreeMap<String, BTreeMap<String, f64>>, AnalysisError> {
    let out = frame
        .clone()
        .lazy()
        .filter(col(column).is_not_null())
        .group_by([col(CELL), col(column)])
        .agg([len().cast(DataType::Float64).alias("_count")])
        .collect()?;
    let strata = out.column(CELL)?.str()?.clone();
    let codes = out.column(column)?.str()?.clone();
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

/// The values of a numeric column in one stratum with each one's cell, sorted by value, nulls
/// left out (for quantiles).
pub fn sorted_values(
    frame: &DataFrame,
    column: &str,
    stratum: &str,
) -> Result<Vec<(f64, String)>, AnalysisError> {
    let out = frame
        .clone()
        .lazy()
        .filter(col(STRATUM).eq(lit(stratum)).and(col(column).is_not_null()))
        .select([col(column), col(CELL)])
        .sort([column], SortMultipleOptions::default())
        .collect()?;
    let values = out.column(column)?.f64()?.clone();
    let cells = out.column(CELL)?.str()?.clone();
    Ok(values
        .iter()
        .zip(cells.iter())
        .filter_map(|(v, c)| Some((v?, c?.to_owned())))
        .collect())
}

/// Rows of one stratum where every listed numeric column is non-null, as a matrix of rows.
pub fn complete_cases(
    frame: &DataFrame,
    columns: &[String],
    stratum: &str,
) -> Result<Vec<Vec<f64>>, AnalysisError> {
    let mut predicate = col(STRATUM).eq(lit(stratum));
    for name in columns {
        predicate = predicate.and(col(name.as_str()).is_not_null());
    }
    let selected: Vec<Expr> = columns.iter().map(|c| col(c.as_str())).collect();
    let out = frame
        .clone()
        .lazy()
        .filter(predicate)
        .select(selected)
        .collect()?;
    let data: Vec<Vec<f64>> = columns
        .iter()
        .map(|c| Ok(out.column(c)?.f64()?.into_no_null_iter().collect()))
        .collect::<Result<_, AnalysisError>>()?;
    Ok((0..out.height())
        .map(|r| data.iter().map(|c| c[r]).collect())
        .collect())
}
