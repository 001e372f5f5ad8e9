//! Which columns a definition's questions need, and one response's answers put in them.

use std::collections::BTreeMap;
use std::sync::Arc;

// FxHash: the keys are short question ids and codes, looked up several times per response.
use rustc_hash::FxHashMap as HashMap;

use serde::de::DeserializeSeed as _;

use fieldwork_survey::{QuestionKind, SurveyDefinition};
use polars::prelude::*;

use super::answers::RowAnswers;
use super::column::Builder;
use super::stream::Part;
use super::{cell_key, option_column, scale_column, score_column, CELL, STRATUM};
use crate::AnalysisError;

/// The columns being filled, and where each question's answers go.
#[derive(Clone)]
pub(super) struct Layout<'d> {
    pub(super) columns: Vec<(String, Builder)>,
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
    pub(super) fn new(
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
    pub(super) fn add_row(&mut self, stratum: &str, answers: &str) -> Result<(), AnalysisError> {
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

    pub(super) fn finish(
        self,
        categories: &[Option<Arc<Categories>>],
    ) -> Result<Part, AnalysisError> {
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
pub(super) enum Target {
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
