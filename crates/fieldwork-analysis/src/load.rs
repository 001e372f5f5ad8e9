//! Complete responses from the store into a polars DataFrame, one column per analysed variable,
//! and the per-stratum sums the estimators need, aggregated by polars.

use std::collections::BTreeMap;

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

enum Builder {
    Text(Vec<Option<String>>),
    Number(Vec<Option<f64>>),
}

/// Read every complete response of `slug` (all versions) through the store, laid out by
/// `definition` (normally the latest version). Free text is not loaded: it is never analysed.
/// Each response's cell is its stratum and its answers to `raking_questions` (single
/// choice), every one of which it must have answered.
pub fn load_responses(
    store: &Store,
    slug: &str,
    definition: &SurveyDefinition,
    raking_questions: &[String],
) -> Result<ResponseFrame, AnalysisError> {
    // Column order and builders, from the definition.
    let mut columns: Vec<(String, Builder)> = vec![
        (STRATUM.to_owned(), Builder::Text(Vec::new())),
        (CELL.to_owned(), Builder::Text(Vec::new())),
    ];
    for question in definition.questions() {
        match &question.kind {
            QuestionKind::SingleChoice { .. } => {
                columns.push((question.id.clone(), Builder::Text(Vec::new())));
            }
            QuestionKind::Likert { .. } => {
                columns.push((question.id.clone(), Builder::Text(Vec::new())));
                columns.push((score_column(&question.id), Builder::Number(Vec::new())));
            }
            QuestionKind::MultiChoice { options, .. } => {
                for option in options {
                    columns.push((
                        option_column(&question.id, &option.code),
                        Builder::Number(Vec::new()),
                    ));
                }
            }
            QuestionKind::LikertGrid { items, .. } => {
                for item in items {
                    let variable = format!("{}.{}", question.id, item.id);
                    columns.push((score_column(&variable), Builder::Number(Vec::new())));
                    columns.push((variable, Builder::Text(Vec::new())));
                }
                columns.push((scale_column(&question.id), Builder::Number(Vec::new())));
            }
            QuestionKind::Number { .. } => {
                columns.push((question.id.clone(), Builder::Number(Vec::new())));
            }
            QuestionKind::Text { .. } => {}
        }
    }
    let index: BTreeMap<String, usize> = columns
        .iter()
        .enumerate()
        .map(|(i, (name, _))| (name.clone(), i))
        .collect();
    let position = |scale: &[fieldwork_survey::Choice], code: &str| {
        scale
            .iter()
            .position(|c| c.code == code)
            .map(|p| (p + 1) as f64)
    };
    // Where each question's answers go, worked out once rather than per response.
    let targets: Vec<(&fieldwork_survey::Question, Target)> = definition
        .questions()
        .filter_map(|question| {
            let id = question.id.as_str();
            let target = match &question.kind {
                QuestionKind::SingleChoice { .. } => Target::Code(index[id]),
                QuestionKind::Likert { .. } => Target::Scored(index[id], index[&score_column(id)]),
                QuestionKind::MultiChoice { options, .. } => Target::Options(
                    options
                        .iter()
                        .map(|o| (o.code.clone(), index[&option_column(id, &o.code)]))
                        .collect(),
                ),
                QuestionKind::LikertGrid { items, .. } => Target::Grid(
                    items
                        .iter()
                        .map(|item| {
                            let variable = format!("{id}.{}", item.id);
                            (
                                item.id.clone(),
                                index[&variable],
                                index[&score_column(&variable)],
                            )
                        })
                        .collect(),
                    index[&scale_column(id)],
                ),
                QuestionKind::Number { .. } => Target::Number(index[id]),
                QuestionKind::Text { .. } => return None,
            };
            Some((question, target))
        })
        .collect();
    let mut sampled: BTreeMap<String, f64> = BTreeMap::new();
    let mut cells: BTreeMap<String, f64> = BTreeMap::new();
    let mut unanswered: BTreeMap<&str, u64> = BTreeMap::new();
    let mut rows = 0usize;
    let result = store.for_each_response(slug, &ResponseFilter::default(), |response| {
        let Some(stratum) = response.stratum else {
            return Ok(());
        };
        let mut answers: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&response.answers)
                .map_err(|e| AnalysisError::CorruptAnswers(e.to_string()))?;
        let mut codes = Vec::with_capacity(raking_questions.len());
        for question in raking_questions {
            match answers.get(question).and_then(|a| a.as_str()) {
                Some(code) => codes.push(code.to_owned()),
                None => *unanswered.entry(question.as_str()).or_default() += 1,
            }
        }
        if codes.len() < raking_questions.len() {
            return Ok(());
        }
        let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
        let cell = cell_key(&stratum, &codes);
        match cells.get_mut(&cell) {
            Some(count) => *count += 1.0,
            None => {
                cells.insert(cell.clone(), 1.0);
            }
        }
        match sampled.get_mut(&stratum) {
            Some(count) => *count += 1.0,
            None => {
                sampled.insert(stratum.clone(), 1.0);
            }
        }
        rows += 1;
        // Every column gets a value (or null) for this row.
        let mut values: Vec<Option<Value>> = vec![None; columns.len()];
        values[0] = Some(Value::Text(stratum));
        values[1] = Some(Value::Text(cell));
        for (question, target) in &targets {
            let Some(answer) = answers.remove(&question.id) else {
                continue;
            };
            match (target, &question.kind, answer) {
                (Target::Code(i), _, serde_json::Value::String(code)) => {
                    values[*i] = Some(Value::Text(code));
                }
                (
                    Target::Scored(i, score),
                    QuestionKind::Likert { scale, .. },
                    serde_json::Value::String(code),
                ) => {
                    values[*score] = position(scale, &code).map(Value::Number);
                    values[*i] = Some(Value::Text(code));
                }
                (Target::Options(options), _, serde_json::Value::Array(chosen)) => {
                    for (code, i) in options {
                        let selected = chosen.iter().any(|c| c.as_str() == Some(code.as_str()));
                        values[*i] = Some(Value::Number(if selected { 1.0 } else { 0.0 }));
                    }
                }
                (
                    Target::Grid(items, scale_index),
                    QuestionKind::LikertGrid { scale, .. },
                    serde_json::Value::Object(mut grid),
                ) => {
                    let mut scores = Vec::new();
                    for (item, i, score_index) in items {
                        if let Some(serde_json::Value::String(code)) = grid.remove(item) {
                            if let Some(score) = position(scale, &code) {
                                values[*score_index] = Some(Value::Number(score));
                                scores.push(score);
                            }
                            values[*i] = Some(Value::Text(code));
                        }
                    }
                    // The scale score: the mean of the substantive item scores.
                    if !scores.is_empty() {
                        values[*scale_index] = Some(Value::Number(
                            scores.iter().sum::<f64>() / scores.len() as f64,
                        ));
                    }
                }
                (Target::Number(i), _, serde_json::Value::Number(n)) => {
                    values[*i] = n.as_f64().map(Value::Number);
                }
                _ => {}
            }
        }
        for ((_, builder), value) in columns.iter_mut().zip(values) {
            match (builder, value) {
                (Builder::Text(v), Some(Value::Text(t))) => v.push(Some(t)),
                (Builder::Text(v), _) => v.push(None),
                (Builder::Number(v), Some(Value::Number(x))) => v.push(Some(x)),
                (Builder::Number(v), _) => v.push(None),
            }
        }
        Ok::<(), AnalysisError>(())
    })?;
    result?;
    if let Some((question, count)) = unanswered.into_iter().next() {
        return Err(AnalysisError::Weighting(format!(
            "raking on `{question}` needs every response to answer it, and {count} complete \
             responses did not; choose a required question or leave it out of the plan's margins"
        )));
    }
    let series: Vec<Column> = columns
        .into_iter()
        .map(|(name, builder)| match builder {
            Builder::Text(v) => Column::new(name.into(), v),
            Builder::Number(v) => Column::new(name.into(), v),
        })
        .collect();
    let frame = DataFrame::new(rows, series)?;
    Ok(ResponseFrame {
        frame,
        sampled,
        cells,
    })
}

/// Where one question's answer goes in the columns.
enum Target {
    Code(usize),
    /// The code's column and its score's.
    Scored(usize, usize),
    /// Each option's code and 0/1 column.
    Options(Vec<(String, usize)>),
    /// Each item's id, code column and score column; the scale score's column.
    Grid(Vec<(String, usize, usize)>, usize),
    Number(usize),
}

#[derive(Clone)]
enum Value {
    Text(String),
    Number(f64),
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
