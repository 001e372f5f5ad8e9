//! `parquet`: the wide table as a polars DataFrame written to Parquet. Unlike the other
//! formats this holds every response in memory (as columns) before writing.
//!
//! Coded answers are polars `Enum`s (categoricals with a fixed order: the definition's, a
//! Likert scale lowest first), multi-choice options `Int32` 0/1, integer questions `Int64`,
//! decimal ones `Float64`, free text `String`, `submitted_at` a `Datetime` in microseconds
//! (UTC, no zone attached). Skipped and not-shown cells are both null: the codebook's
//! `show_if` tells them apart.

use std::collections::HashSet;
use std::io::Write;
use std::sync::Arc;

use fieldwork_store::Store;
use fieldwork_survey::{
    Answer, Labels, MetaColumn, NumberKind, QuestionKind, SurveyDefinition, VariableKind,
};
use polars::prelude::*;
use polars_io::parquet::write::ParquetWriter;

use super::{for_each_response, layout, populations, weights, ExportError, ExportOptions};

enum Builder {
    Text(Vec<Option<String>>),
    /// Cells of a coded column, and its categories in order.
    Coded(Vec<Option<String>>, Vec<String>),
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
    Tick(Vec<Option<i32>>),
    Version(Vec<Option<u32>>),
    Time(Vec<Option<i64>>),
    Bool(Vec<Option<bool>>),
}

pub(super) fn write(
    store: &Store,
    definition: &SurveyDefinition,
    options: &ExportOptions,
    out: &mut dyn Write,
) -> Result<u64, ExportError> {
    let layout = layout(definition, options);
    let weights = weights(store, definition, options)?;
    let populations = populations(definition);
    let categories = |choices: Vec<&fieldwork_survey::Choice>, id: &str| {
        let names: Vec<String> = choices
            .iter()
            .map(|c| match options.labels {
                Labels::Codes => c.code.clone(),
                Labels::Text => c.label.clone(),
            })
            .collect();
        let distinct: HashSet<&String> = names.iter().collect();
        if distinct.len() != names.len() {
            return Err(ExportError::DuplicateLabels(id.to_owned()));
        }
        Ok(names)
    };
    let strata: Vec<String> = definition.strata().iter().map(|c| c.code.clone()).collect();
    let mut columns: Vec<(String, Builder)> = Vec::new();
    for (column, name) in layout.meta() {
        let builder = match column {
            MetaColumn::ResponseId => Builder::Text(Vec::new()),
            MetaColumn::SurveyVersion => Builder::Version(Vec::new()),
            MetaColumn::Stratum if !strata.is_empty() => Builder::Coded(Vec::new(), strata.clone()),
            MetaColumn::Stratum => Builder::Text(Vec::new()),
            MetaColumn::SubmittedAt => Builder::Time(Vec::new()),
            MetaColumn::Weight => Builder::Float(Vec::new()),
            MetaColumn::Population => Builder::Int(Vec::new()),
            MetaColumn::Complete => Builder::Bool(Vec::new()),
        };
        columns.push((name.clone(), builder));
    }
    for variable in layout.variables() {
        let builder = match (&variable.kind, &variable.question.kind) {
            (VariableKind::Choice | VariableKind::GridItem(_), _) => {
                Builder::Coded(Vec::new(), categories(variable.codes(), &variable.name)?)
            }
            (VariableKind::Option(_), _) => Builder::Tick(Vec::new()),
            (
                VariableKind::Number,
                QuestionKind::Number {
                    kind: NumberKind::Integer,
                    ..
                },
            ) => Builder::Int(Vec::new()),
            (VariableKind::Number, _) => Builder::Float(Vec::new()),
            (VariableKind::Text, _) => Builder::Text(Vec::new()),
        };
        columns.push((variable.name.clone(), builder));
    }
    let meta_count = layout.meta().len();
    let label = |variable: &fieldwork_survey::Variable<'_>, code: &str| -> String {
        match options.labels {
            Labels::Codes => code.to_owned(),
            Labels::Text => variable
                .codes()
                .into_iter()
                .find(|c| c.code == code)
                .map_or_else(|| code.to_owned(), |c| c.label.clone()),
        }
    };
    let rows = for_each_response(store, &layout, options, |response, answers| {
        for ((column, _), (_, builder)) in layout.meta().iter().zip(columns.iter_mut()) {
            match (column, builder) {
                (MetaColumn::ResponseId, Builder::Text(v)) => {
                    v.push(Some(response.public_id.clone()))
                }
                (MetaColumn::SurveyVersion, Builder::Version(v)) => {
                    v.push(Some(response.survey_version))
                }
                (MetaColumn::Stratum, Builder::Coded(v, _) | Builder::Text(v)) => {
                    v.push(response.stratum.clone())
                }
                (MetaColumn::SubmittedAt, Builder::Time(v)) => v.push(
                    response
                        .submitted_at
                        .map(|at| at.and_utc().timestamp_micros()),
                ),
                (MetaColumn::Weight, Builder::Float(v)) => v.push(
                    response
                        .stratum
                        .as_ref()
                        .filter(|_| response.complete)
                        .and_then(|s| weights.get(s).copied()),
                ),
                (MetaColumn::Population, Builder::Int(v)) => v.push(
                    response
                        .stratum
                        .as_ref()
                        .and_then(|s| populations.get(s).map(|n| *n as i64)),
                ),
                (MetaColumn::Complete, Builder::Bool(v)) => v.push(Some(response.complete)),
                _ => {}
            }
        }
        for (variable, (_, builder)) in layout
            .variables()
            .iter()
            .zip(columns.iter_mut().skip(meta_count))
        {
            let answer = answers.get(&variable.question.id);
            match (builder, variable.kind, answer) {
                (Builder::Coded(v, _), VariableKind::Choice, Some(Answer::Choice(code))) => {
                    v.push(Some(label(variable, code)))
                }
                (Builder::Coded(v, _), VariableKind::GridItem(item), Some(Answer::Grid(grid))) => {
                    v.push(grid.get(&item.id).map(|code| label(variable, code)))
                }
                (Builder::Tick(v), VariableKind::Option(option), Some(Answer::Choices(chosen))) => {
                    v.push(Some(i32::from(chosen.contains(&option.code))))
                }
                (Builder::Int(v), _, Some(Answer::Integer(n))) => v.push(Some(*n)),
                (Builder::Float(v), _, Some(Answer::Decimal(x))) => v.push(Some(*x)),
                (Builder::Float(v), _, Some(Answer::Integer(n))) => v.push(Some(*n as f64)),
                (Builder::Text(v), _, Some(Answer::Text(t))) => v.push(Some(t.clone())),
                (Builder::Text(v) | Builder::Coded(v, _), _, _) => v.push(None),
                (Builder::Int(v) | Builder::Time(v), _, _) => v.push(None),
                (Builder::Float(v), _, _) => v.push(None),
                (Builder::Tick(v), _, _) => v.push(None),
                (Builder::Version(v), _, _) => v.push(None),
                (Builder::Bool(v), _, _) => v.push(None),
            }
        }
        Ok(())
    })?;
    let series = columns
        .into_iter()
        .map(|(name, builder)| -> Result<Column, ExportError> {
            let name: PlSmallStr = name.into();
            Ok(match builder {
                Builder::Text(v) => Column::new(name, v),
                Builder::Coded(v, categories) => {
                    let categories = FrozenCategories::new(categories.iter().map(String::as_str))?;
                    Column::new(name, v)
                        .cast(&DataType::from_frozen_categories(Arc::clone(&categories)))?
                }
                Builder::Int(v) => Column::new(name, v),
                Builder::Float(v) => Column::new(name, v),
                Builder::Tick(v) => Column::new(name, v),
                Builder::Version(v) => Column::new(name, v),
                Builder::Time(v) => {
                    Column::new(name, v).cast(&DataType::Datetime(TimeUnit::Microseconds, None))?
                }
                Builder::Bool(v) => Column::new(name, v),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut frame = DataFrame::new(rows as usize, series)?;
    ParquetWriter::new(out).finish(&mut frame)?;
    Ok(rows)
}
