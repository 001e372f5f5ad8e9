//! A column being filled as responses are parsed, and made into a polars column without
//! copying its values.

use std::collections::BTreeMap;
use std::sync::Arc;

// FxHash: the keys are short codes, looked up once per answer.
use rustc_hash::FxHashMap as HashMap;

use polars::prelude::*;
use polars_arrow::bitmap::Bitmap;

use crate::AnalysisError;

/// A null in a code column.
const NULL_CODE: u32 = u32::MAX;

/// A column being filled, one value per row.
#[derive(Clone)]
pub(super) enum Builder {
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
    pub(super) fn codes<'a>(known: impl IntoIterator<Item = &'a str>) -> Self {
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

    pub(super) fn numbers() -> Self {
        Builder::Numbers(Vec::new())
    }

    pub(super) fn push_null(&mut self) {
        match self {
            Builder::Codes { values, .. } => values.push(NULL_CODE),
            Builder::Numbers(values) => values.push(f64::NAN),
        }
    }

    pub(super) fn truncate(&mut self, rows: usize) {
        match self {
            Builder::Codes { values, .. } => values.truncate(rows),
            Builder::Numbers(values) => values.truncate(rows),
        }
    }

    /// The dictionary index of `code`, added if new.
    pub(super) fn code_index(&mut self, code: &str) -> u32 {
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

    pub(super) fn code_name(&self, index: u32) -> &str {
        match self {
            Builder::Codes { names, .. } => &names[index as usize],
            Builder::Numbers(_) => unreachable!("a code of a number column"),
        }
    }

    /// Set this row's value to `code`; its dictionary index.
    pub(super) fn set_code(&mut self, code: &str) -> u32 {
        let index = self.code_index(code);
        self.set_index(index);
        index
    }

    pub(super) fn set_index(&mut self, index: u32) {
        if let Builder::Codes { values, .. } = self {
            if let Some(last) = values.last_mut() {
                *last = index;
            }
        }
    }

    pub(super) fn last_code(&self) -> Option<u32> {
        match self {
            Builder::Codes { values, .. } => values.last().copied().filter(|&c| c != NULL_CODE),
            Builder::Numbers(_) => None,
        }
    }

    pub(super) fn set_number(&mut self, x: f64) {
        if let Builder::Numbers(values) = self {
            if let Some(last) = values.last_mut() {
                *last = x;
            }
        }
    }

    pub(super) fn last_number(&self) -> Option<f64> {
        match self {
            Builder::Numbers(values) => values.last().copied().filter(|x| !x.is_nan()),
            Builder::Codes { .. } => None,
        }
    }

    /// How many rows hold each code.
    pub(super) fn code_counts(&self) -> BTreeMap<String, f64> {
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
    pub(super) fn into_column(
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
