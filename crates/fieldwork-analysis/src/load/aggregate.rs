//! The aggregations the estimators need, computed by polars over the loaded frame: per-cell
//! counts and sums, the sorted values of a stratum (quantiles) and a scale's variances.

use std::collections::BTreeMap;

// FxHash: the keys are a stratum's few cells, looked up once per value.
use rustc_hash::FxHashMap as HashMap;

use polars::prelude::*;

use super::{CELL, STRATUM};
use crate::AnalysisError;

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
