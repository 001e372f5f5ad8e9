//! Key findings, written from the numbers: only estimates that are published (not suppressed),
//! as whole percentages with their 95% intervals rounded the same way.

use fieldwork_survey::{Question, QuestionKind};

use super::{positive_labels, Lookup};
use crate::format::percent;
use crate::{EstimateRow, ALL_STRATA};

/// One sentence of the key findings, with the estimates it quotes.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub text: String,
    /// The `question_id` and `option` of the rows quoted (in `estimates.csv`).
    pub question: String,
    pub option: String,
    /// The strata of the rows quoted (`all` for all strata).
    pub strata: Vec<String>,
    /// A benchmark quoted beside them (a proportion from the plan), if any.
    pub benchmark: Option<f64>,
}

/// "63% (95% CI 60–66%)" for a published row; `None` for a suppressed one.
fn quoted(row: Option<&EstimateRow>) -> Option<String> {
    let row = row.filter(|r| !r.suppressed)?;
    let value = row.estimate?;
    Some(match (row.ci_low, row.ci_high) {
        (Some(low), Some(high)) => format!(
            "{} (95% CI {}–{})",
            percent(value),
            whole(low),
            percent(high)
        ),
        _ => percent(value),
    })
}

/// A whole percentage without its sign: the lower bound of "65–78%".
fn whole(p: f64) -> String {
    format!("{:.0}", (p * 100.0).round())
}

pub(crate) fn findings(lookup: &Lookup<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for question in lookup.plan.questions(lookup.definition) {
        match &question.kind {
            QuestionKind::SingleChoice { options } => {
                for benchmark in lookup
                    .plan
                    .benchmarks
                    .iter()
                    .filter(|b| b.question == question.id)
                {
                    let Some(option) = options.iter().find(|o| o.code == benchmark.option) else {
                        continue;
                    };
                    let said = format!("answered \"{}\" to \"{}\"", option.label, question.text);
                    if let Some(all) = quoted(lookup.row(&question.id, &option.code, ALL_STRATA)) {
                        out.push(Finding {
                            text: format!(
                                "Across all strata, {all} {said}. The benchmark is {}: \"{}\" ({}).",
                                percent(benchmark.value),
                                benchmark.label,
                                benchmark.source
                            ),
                            question: question.id.clone(),
                            option: option.code.clone(),
                            strata: vec![ALL_STRATA.to_owned()],
                            benchmark: Some(benchmark.value),
                        });
                    }
                    out.extend(range(lookup, &question.id, &option.code, &said));
                }
            }
            QuestionKind::Likert { scale, .. } => {
                let said = format!(
                    "answered {} to \"{}\"",
                    positive_labels(scale),
                    question.text
                );
                if let Some(all) = quoted(lookup.row(&question.id, "_positive", ALL_STRATA)) {
                    out.push(Finding {
                        text: format!(
                            "Across all strata, {all} {said} (of those who answered on the scale)."
                        ),
                        question: question.id.clone(),
                        option: "_positive".to_owned(),
                        strata: vec![ALL_STRATA.to_owned()],
                        benchmark: None,
                    });
                }
                out.extend(range(lookup, &question.id, "_positive", &said));
            }
            QuestionKind::LikertGrid { items, scale, .. } => {
                out.extend(grid_extremes(lookup, question, items, scale));
            }
            QuestionKind::MultiChoice { options, .. } => {
                let top = options
                    .iter()
                    .filter(|o| !o.exclusive)
                    .filter_map(|o| {
                        let row = lookup
                            .row(&question.id, &o.code, ALL_STRATA)
                            .filter(|r| !r.suppressed)?;
                        Some((o, row.estimate?))
                    })
                    .max_by(|a, b| a.1.total_cmp(&b.1));
                if let Some((option, _)) = top {
                    if let Some(all) = quoted(lookup.row(&question.id, &option.code, ALL_STRATA)) {
                        out.push(Finding {
                            text: format!(
                                "The answer chosen most often to \"{}\" was \"{}\": {all} of all who answered chose it.",
                                question.text, option.label
                            ),
                            question: question.id.clone(),
                            option: option.code.clone(),
                            strata: vec![ALL_STRATA.to_owned()],
                            benchmark: None,
                        });
                    }
                }
            }
            QuestionKind::Number { .. } | QuestionKind::Text { .. } => {}
        }
    }
    out
}

/// The lowest and the highest published stratum, when at least two are published.
fn range(lookup: &Lookup<'_>, question: &str, option: &str, said: &str) -> Option<Finding> {
    let shown: Vec<(&str, &EstimateRow)> = lookup
        .strata
        .iter()
        .filter_map(|(code, _)| {
            let row = lookup.row(question, option, code)?;
            (!row.suppressed && row.estimate.is_some()).then_some((code.as_str(), row))
        })
        .collect();
    if shown.len() < 2 {
        return None;
    }
    let value = |r: &EstimateRow| r.estimate.unwrap_or(0.0);
    let low = shown
        .iter()
        .min_by(|a, b| value(a.1).total_cmp(&value(b.1)))?;
    let high = shown
        .iter()
        .max_by(|a, b| value(a.1).total_cmp(&value(b.1)))?;
    if low.0 == high.0 {
        return None;
    }
    Some(Finding {
        text: format!(
            "In {}, {} {said}; in {}, {}.",
            lookup.stratum_label(high.0),
            quoted(Some(high.1))?,
            lookup.stratum_label(low.0),
            quoted(Some(low.1))?
        ),
        question: question.to_owned(),
        option: option.to_owned(),
        strata: vec![high.0.to_owned(), low.0.to_owned()],
        benchmark: None,
    })
}

fn grid_extremes(
    lookup: &Lookup<'_>,
    question: &Question,
    items: &[fieldwork_survey::GridItem],
    scale: &[fieldwork_survey::Choice],
) -> Vec<Finding> {
    let shown: Vec<(&fieldwork_survey::GridItem, String, f64)> = items
        .iter()
        .filter_map(|item| {
            let variable = format!("{}.{}", question.id, item.id);
            let row = lookup
                .row(&variable, "_positive", ALL_STRATA)
                .filter(|r| !r.suppressed)?;
            Some((item, variable, row.estimate?))
        })
        .collect();
    let Some(most) = shown.iter().max_by(|a, b| a.2.total_cmp(&b.2)) else {
        return Vec::new();
    };
    let least = shown.iter().min_by(|a, b| a.2.total_cmp(&b.2));
    let positive = positive_labels(scale);
    let mut out = Vec::new();
    for (which, (item, variable, _)) in [("most", most)]
        .into_iter()
        .chain(least.filter(|l| l.1 != most.1).map(|l| ("least", l)))
    {
        if let Some(all) = quoted(lookup.row(variable, "_positive", ALL_STRATA)) {
            out.push(Finding {
                text: format!(
                    "Of the statements in \"{}\", leaders {which} often answered {positive} to \"{}\": {all} of those who answered on the scale.",
                    question.text, item.text
                ),
                question: variable.clone(),
                option: "_positive".to_owned(),
                strata: vec![ALL_STRATA.to_owned()],
                benchmark: None,
            });
        }
    }
    out
}
