//! Disclosure control: nothing published may identify a respondent.
//!
//! 1. **Primary suppression.** A row whose unweighted base n is below the threshold is
//!    suppressed.
//! 2. **Unanimity.** Where everyone in a stratum who answered gave the same answer, the figure
//!    says what each of them answered. It is flagged; for questions marked sensitive it is
//!    suppressed.
//! 3. **Secondary suppression.** The all-strata figure is a known combination of the stratum
//!    figures (weights N_h/N), so if exactly one stratum of a question were hidden it could be
//!    recovered from the others and the total. When a question has exactly one suppressed
//!    stratum and the total is published, the published stratum with the smallest base is
//!    suppressed too. Within a stratum every option of a question shares one base, so options
//!    are hidden together and no complement (1 - the others) gives one away.
//!
//! A suppressed row stays in the output, figures blank, with its reason.

use std::collections::{BTreeMap, BTreeSet};

use crate::{EstimateRow, TestRow, ALL_STRATA};

pub const REASON_SMALL: &str = "base below threshold";
pub const REASON_SECONDARY: &str = "secondary: protects a suppressed stratum";
pub const REASON_UNANIMOUS: &str = "unanimous: everyone in the stratum gave this answer";

fn blank(row: &mut EstimateRow, reason: &str) {
    row.suppressed = true;
    row.reason = reason.to_owned();
    row.estimate = None;
    row.se = None;
    row.ci_low = None;
    row.ci_high = None;
    row.deff = None;
    row.effective_n = None;
}

/// The "table" a row belongs to for secondary suppression: the question (grid items are
/// questions of their own) and the base its options share.
fn table_key(row: &EstimateRow) -> (String, &'static str) {
    (row.question_id.clone(), row.table)
}

/// Apply the rules to the estimates. `sensitive` names the questions whose unanimous cells
/// are suppressed rather than flagged.
pub fn protect(rows: &mut [EstimateRow], threshold: u32, sensitive: &BTreeSet<String>) {
    let threshold = u64::from(threshold);
    for row in rows.iter_mut() {
        if row.n < threshold {
            blank(row, REASON_SMALL);
        }
    }
    // Unanimity: a stratum's proportion of exactly 1 on an option.
    let unanimous: Vec<(String, String)> = rows
        .iter()
        .filter(|r| {
            r.stratum != ALL_STRATA
                && !r.suppressed
                && !r.option.starts_with('_')
                && r.estimate == Some(1.0)
        })
        .map(|r| (r.question_id.clone(), r.stratum.clone()))
        .collect();
    for (question_id, stratum) in unanimous {
        // Grid items (`question.item`) take the sensitivity of their question.
        let question = question_id.split('.').next().unwrap_or_default();
        for row in rows
            .iter_mut()
            .filter(|r| r.question_id == question_id && r.stratum == stratum)
        {
            if sensitive.contains(question) {
                blank(row, REASON_UNANIMOUS);
            } else if row.estimate == Some(1.0) {
                row.reason = REASON_UNANIMOUS.to_owned();
            }
        }
    }
    // Secondary suppression, per question and base.
    let mut tables: BTreeMap<(String, &'static str), Vec<usize>> = BTreeMap::new();
    for (i, row) in rows.iter().enumerate() {
        tables.entry(table_key(row)).or_default().push(i);
    }
    for indices in tables.values() {
        let total_published = indices
            .iter()
            .any(|&i| rows[i].stratum == ALL_STRATA && !rows[i].suppressed);
        let strata_of = |suppressed: bool| -> BTreeSet<String> {
            indices
                .iter()
                .filter(|&&i| rows[i].stratum != ALL_STRATA && rows[i].suppressed == suppressed)
                .map(|&i| rows[i].stratum.clone())
                .collect()
        };
        let hidden = strata_of(true);
        let shown = strata_of(false);
        if total_published && hidden.len() == 1 && !shown.is_empty() {
            // The published stratum with the smallest base.
            let victim = indices
                .iter()
                .filter(|&&i| rows[i].stratum != ALL_STRATA && !rows[i].suppressed)
                .min_by_key(|&&i| (rows[i].n, rows[i].stratum.clone()))
                .map(|&i| rows[i].stratum.clone());
            if let Some(victim) = victim {
                for &i in indices {
                    if rows[i].stratum == victim {
                        blank(&mut rows[i], REASON_SECONDARY);
                    }
                }
            }
        }
    }
}

/// Tests computed over a base below the threshold are suppressed as well.
pub fn protect_tests(rows: &mut [TestRow], threshold: u32) {
    for row in rows.iter_mut() {
        if row.n < u64::from(threshold) && !row.suppressed {
            row.suppressed = true;
            row.reason = REASON_SMALL.to_owned();
            row.statistic = None;
            row.ndf = None;
            row.ddf = None;
            row.p_value = None;
        }
    }
}

/// Whether some suppressed stratum figure could be worked out from what is published: true
/// if any question has exactly one hidden stratum while its total is published.
pub fn recoverable(rows: &[EstimateRow]) -> bool {
    let mut tables: BTreeMap<(String, &'static str), Vec<&EstimateRow>> = BTreeMap::new();
    for row in rows {
        tables.entry(table_key(row)).or_default().push(row);
    }
    tables.values().any(|rows| {
        let total_published = rows
            .iter()
            .any(|r| r.stratum == ALL_STRATA && !r.suppressed);
        let hidden: BTreeSet<&str> = rows
            .iter()
            .filter(|r| r.stratum != ALL_STRATA && r.suppressed)
            .map(|r| r.stratum.as_str())
            .collect();
        let shown = rows
            .iter()
            .any(|r| r.stratum != ALL_STRATA && !r.suppressed);
        total_published && hidden.len() == 1 && shown
    })
}
