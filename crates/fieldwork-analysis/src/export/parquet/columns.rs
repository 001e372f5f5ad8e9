//! The wide table's columns for one chunk of responses, built straight from the parsed
//! answers: coded answers as their choices' positions, made into `Enum` columns without a
//! string per cell.

use std::collections::{BTreeMap, HashSet};

use fieldwork_survey::{
    AnswerRef, Labels, MetaColumn, NumberKind, ParsedAnswers, QuestionKind, VariableKind,
    WideLayout,
};
use polars::prelude::*;
use polars_arrow::bitmap::Bitmap;

use super::super::corrupt_answers;
use super::super::stream::{Chunk, Row};
use super::ExportError;

/// A null in a coded column.
const NULL_CODE: u32 = u32::MAX;

/// The table's columns: their names, types and where their values come from. Made once, and
/// shared by the workers.
pub(super) struct Plan {
    columns: Vec<PlannedColumn>,
    /// The stratum codes, in the definition's order (the stratum column's categories).
    strata: Vec<String>,
    weights: BTreeMap<String, f64>,
    populations: BTreeMap<String, u64>,
}

struct PlannedColumn {
    name: PlSmallStr,
    kind: Kind,
    /// The question's position in [`ParsedAnswers`] for an answer column.
    question: Option<usize>,
    source: Source,
}

#[derive(Clone, Copy)]
enum Source {
    Meta(MetaColumn),
    /// An answer column, with its option's or item's position in its question's.
    Variable {
        part: usize,
    },
}

#[derive(Clone)]
enum Kind {
    Text,
    /// An `Enum` of these categories; a cell is a category's position.
    Coded(DataType),
    Int,
    Float,
    Tick,
    Version,
    Time,
    Bool,
}

impl Plan {
    pub(super) fn new(
        layout: &WideLayout<'_>,
        labels: Labels,
        weights: BTreeMap<String, f64>,
        populations: BTreeMap<String, u64>,
    ) -> Result<Self, ExportError> {
        let definition = layout.definition();
        let strata: Vec<String> = definition.strata().iter().map(|c| c.code.clone()).collect();
        let mut columns = Vec::new();
        for (column, name) in layout.meta() {
            let kind = match column {
                MetaColumn::ResponseId => Kind::Text,
                MetaColumn::SurveyVersion => Kind::Version,
                MetaColumn::Stratum if !strata.is_empty() => Kind::Coded(enum_type(&strata)?),
                MetaColumn::Stratum => Kind::Text,
                MetaColumn::SubmittedAt => Kind::Time,
                MetaColumn::Weight => Kind::Float,
                MetaColumn::Population => Kind::Int,
                MetaColumn::Language => Kind::Text,
                MetaColumn::Complete => Kind::Bool,
            };
            columns.push(PlannedColumn {
                name: name.as_str().into(),
                kind,
                question: None,
                source: Source::Meta(*column),
            });
        }
        let position_of = layout.parsed_answers();
        for variable in layout.variables() {
            let question = position_of.position(&variable.question.id);
            let (kind, part) = match (&variable.kind, &variable.question.kind) {
                (VariableKind::Choice, _) => (coded(variable, labels)?, 0),
                (VariableKind::GridItem(item), QuestionKind::LikertGrid { items, .. }) => (
                    coded(variable, labels)?,
                    items.iter().position(|i| i.id == item.id).unwrap_or(0),
                ),
                (VariableKind::GridItem(_), _) => (coded(variable, labels)?, 0),
                (VariableKind::Option(option), _) => (
                    Kind::Tick,
                    variable
                        .question
                        .choices()
                        .position(|c| c.code == option.code)
                        .unwrap_or(0),
                ),
                (
                    VariableKind::Number,
                    QuestionKind::Number {
                        kind: NumberKind::Integer,
                        ..
                    },
                ) => (Kind::Int, 0),
                (VariableKind::Number, _) => (Kind::Float, 0),
                (VariableKind::Text, _) => (Kind::Text, 0),
            };
            columns.push(PlannedColumn {
                name: variable.name.as_str().into(),
                kind,
                question,
                source: Source::Variable { part },
            });
        }
        Ok(Plan {
            columns,
            strata,
            weights,
            populations,
        })
    }
}

/// A coded variable's `Enum`: its codes, or labels, in the definition's order.
fn coded(variable: &fieldwork_survey::Variable<'_>, labels: Labels) -> Result<Kind, ExportError> {
    let names: Vec<&str> = variable
        .codes()
        .iter()
        .map(|c| match labels {
            Labels::Codes => c.code.as_str(),
            Labels::Text => c.label.as_str(),
        })
        .collect();
    if names.iter().collect::<HashSet<_>>().len() != names.len() {
        return Err(ExportError::DuplicateLabels(variable.name.clone()));
    }
    Ok(Kind::Coded(enum_type(&names)?))
}

fn enum_type(categories: &[impl AsRef<str>]) -> Result<DataType, ExportError> {
    let categories = FrozenCategories::new(categories.iter().map(AsRef::as_ref))?;
    Ok(DataType::from_frozen_categories(categories))
}

/// One worker's columns for the chunk at hand.
pub(super) struct ChunkColumns<'p, 'd> {
    plan: &'p Plan,
    answers: ParsedAnswers<'d>,
    values: Vec<Values>,
}

enum Values {
    Text(StringChunkedBuilder),
    Coded(Vec<u32>),
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
    Tick(Vec<Option<i32>>),
    Version(Vec<Option<u32>>),
    Time(Vec<Option<i64>>),
    Bool(Vec<Option<bool>>),
}

impl<'p, 'd> ChunkColumns<'p, 'd> {
    pub(super) fn new(plan: &'p Plan, answers: ParsedAnswers<'d>) -> Self {
        let mut columns = ChunkColumns {
            plan,
            answers,
            values: Vec::new(),
        };
        columns.start(0);
        columns
    }

    /// Empty columns with room for `rows`.
    fn start(&mut self, rows: usize) {
        self.values = self
            .plan
            .columns
            .iter()
            .map(|column| match column.kind {
                Kind::Text => Values::Text(StringChunkedBuilder::new(column.name.clone(), rows)),
                Kind::Coded(_) => Values::Coded(Vec::with_capacity(rows)),
                Kind::Int => Values::Int(Vec::with_capacity(rows)),
                Kind::Float => Values::Float(Vec::with_capacity(rows)),
                Kind::Tick => Values::Tick(Vec::with_capacity(rows)),
                Kind::Version => Values::Version(Vec::with_capacity(rows)),
                Kind::Time => Values::Time(Vec::with_capacity(rows)),
                Kind::Bool => Values::Bool(Vec::with_capacity(rows)),
            })
            .collect();
    }

    /// The chunk's responses as a frame.
    pub(super) fn fill(&mut self, chunk: &Chunk) -> Result<DataFrame, ExportError> {
        self.start(chunk.len());
        for row in chunk.rows() {
            self.answers
                .read(row.answers)
                .map_err(|e| corrupt_answers(row.public_id, e))?;
            for (column, values) in self.plan.columns.iter().zip(&mut self.values) {
                match column.source {
                    Source::Meta(meta) => push_meta(self.plan, meta, &row, values),
                    Source::Variable { part } => {
                        let answer = column.question.and_then(|q| self.answers.answer(q));
                        push_answer(answer, part, values)
                    }
                }
            }
        }
        self.finish()
    }

    /// The columns filled so far, as a frame; the columns are left empty.
    pub(super) fn finish(&mut self) -> Result<DataFrame, ExportError> {
        let values = std::mem::take(&mut self.values);
        let mut height = 0;
        let columns = self
            .plan
            .columns
            .iter()
            .zip(values)
            .map(|(column, values)| -> Result<Column, ExportError> {
                let name = column.name.clone();
                let made = match (values, &column.kind) {
                    (Values::Text(builder), _) => builder.finish().into_column(),
                    (Values::Coded(ids), Kind::Coded(dtype)) => enum_column(name, &ids, dtype)?,
                    (Values::Coded(_), _) => unreachable!("coded values of a column not coded"),
                    (Values::Int(v), _) => Column::new(name, v),
                    (Values::Float(v), _) => Column::new(name, v),
                    (Values::Tick(v), _) => Column::new(name, v),
                    (Values::Version(v), _) => Column::new(name, v),
                    (Values::Time(v), _) => Column::new(name, v)
                        .cast(&DataType::Datetime(TimeUnit::Microseconds, None))?,
                    (Values::Bool(v), _) => Column::new(name, v),
                };
                height = made.len();
                Ok(made)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(DataFrame::new(height, columns)?)
    }
}

fn push_meta(plan: &Plan, meta: MetaColumn, row: &Row<'_>, values: &mut Values) {
    match (meta, values) {
        (MetaColumn::ResponseId, Values::Text(v)) => v.append_value(row.public_id),
        (MetaColumn::SurveyVersion, Values::Version(v)) => v.push(Some(row.survey_version)),
        (MetaColumn::Stratum, Values::Coded(v)) => v.push(
            row.stratum
                .and_then(|s| plan.strata.iter().position(|c| c == s))
                .map_or(NULL_CODE, |i| i as u32),
        ),
        (MetaColumn::Stratum, Values::Text(v)) => v.append_option(row.stratum),
        (MetaColumn::SubmittedAt, Values::Time(v)) => {
            v.push(row.submitted_at.map(|at| at.and_utc().timestamp_micros()))
        }
        (MetaColumn::Weight, Values::Float(v)) => v.push(
            row.stratum
                .filter(|_| row.complete)
                .and_then(|s| plan.weights.get(s).copied()),
        ),
        (MetaColumn::Population, Values::Int(v)) => v.push(
            row.stratum
                .and_then(|s| plan.populations.get(s).map(|n| *n as i64)),
        ),
        (MetaColumn::Language, Values::Text(v)) => v.append_option(row.language),
        (MetaColumn::Complete, Values::Bool(v)) => v.push(Some(row.complete)),
        (_, values) => push_null(values),
    }
}

/// A variable's cell: `part` is its option's or item's position in its question's.
fn push_answer(answer: Option<AnswerRef<'_>>, part: usize, values: &mut Values) {
    match (values, answer) {
        (Values::Coded(v), Some(AnswerRef::Choice(code))) => v.push(code_id(code.choice)),
        (Values::Coded(v), Some(AnswerRef::Grid(grid))) => v.push(
            grid.item(part)
                .map_or(NULL_CODE, |code| code_id(code.choice)),
        ),
        (Values::Tick(v), Some(AnswerRef::Choices { chosen, .. })) => {
            v.push(Some(i32::from(chosen.get(part) == Some(&true))))
        }
        (Values::Int(v), Some(AnswerRef::Integer(n))) => v.push(Some(n)),
        (Values::Float(v), Some(AnswerRef::Decimal(x))) => v.push(Some(x)),
        (Values::Float(v), Some(AnswerRef::Integer(n))) => v.push(Some(n as f64)),
        (Values::Text(v), Some(AnswerRef::Text(text))) => v.append_value(text),
        (values, _) => push_null(values),
    }
}

/// A code's cell: its choice's position, or null for a code none of the choices has.
fn code_id(choice: Option<usize>) -> u32 {
    choice.map_or(NULL_CODE, |i| i as u32)
}

fn push_null(values: &mut Values) {
    match values {
        Values::Text(v) => v.append_null(),
        Values::Coded(v) => v.push(NULL_CODE),
        Values::Int(v) | Values::Time(v) => v.push(None),
        Values::Float(v) => v.push(None),
        Values::Tick(v) => v.push(None),
        Values::Version(v) => v.push(None),
        Values::Bool(v) => v.push(None),
    }
}

/// An `Enum` column of category positions ([`NULL_CODE`] for null), in the physical type the
/// categories take (8 bits for up to 255 of them).
fn enum_column(name: PlSmallStr, ids: &[u32], dtype: &DataType) -> Result<Column, ExportError> {
    let DataType::Enum(categories, _) = dtype else {
        unreachable!("an Enum column of another type");
    };
    Ok(match categories.physical() {
        CategoricalPhysical::U8 => enum_of::<Categorical8Type>(name, ids, dtype),
        CategoricalPhysical::U16 => enum_of::<Categorical16Type>(name, ids, dtype),
        CategoricalPhysical::U32 => enum_of::<Categorical32Type>(name, ids, dtype),
    })
}

fn enum_of<C: PolarsCategoricalType>(name: PlSmallStr, ids: &[u32], dtype: &DataType) -> Column {
    let values: Vec<C::Native> = ids
        .iter()
        .map(|&id| C::Native::from_cat(if id == NULL_CODE { 0 } else { id }))
        .collect();
    let validity: Bitmap = ids.iter().map(|&id| id != NULL_CODE).collect();
    let validity = (validity.unset_bits() > 0).then_some(validity);
    let physical = ChunkedArray::<C::PolarsPhysical>::from_vec_validity(name, values, validity);
    CategoricalChunked::<C>::from_cats_and_dtype(physical, dtype.clone())
        .into_series()
        .into_column()
}
