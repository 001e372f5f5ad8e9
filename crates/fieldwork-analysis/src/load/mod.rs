//! Complete responses from the store into a polars DataFrame, one column per analysed variable,
//! and the per-cell sums the estimators need, aggregated by polars over it.
//!
//! [`stream`] reads the responses (one thread reading the store, a parser per core);
//! [`layout`] says which columns a definition needs and fills them from one response's
//! answers, which [`answers`] deserialises straight into [`column`]s; [`aggregate`] holds the
//! polars queries the estimators run over the finished frame.

mod aggregate;
mod answers;
mod column;
mod layout;
mod stream;

use std::collections::BTreeMap;

use polars::prelude::DataFrame;

pub use aggregate::{code_counts, numeric_sums, scale_variances, share_sums, sorted_values, Sums};
pub use stream::load_responses;

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
