//! Key findings, written from the numbers: only estimates that are published (not suppressed),
//! as whole percentages with their 95% intervals rounded the same way.

use fieldwork_survey::{Question, QuestionKind};

use super::words::ReportLanguage;
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
fn quoted(words: &ReportLanguage, row: Option<&EstimateRow>) -> Option<String> {
    let row = row.filter(|r| !r.suppressed)?;
    let value = row.estimate?;
    Some(match (row.ci_low, row.ci_high) {
        (Some(low), Some(high)) => words.with(
            "report-share-ci",
            &[
                ("share", percent(value).into()),
                ("low", whole(low).into()),
                ("high", percent(high).into()),
            ],
        ),
        _ => percent(value),
    })
}

/// What a finding quotes respondents as having answered: an option of a question, or the
/// top two points of a scale. The sentences are whole messages, so that a language can put
/// the verb where it goes.
enum Said<'a> {
    Option { option: String, question: &'a str },
    Positive { positive: String, question: &'a str },
}

impl Said<'_> {
    fn args(&self) -> Vec<(&'static str, fieldwork_survey::Arg<'_>)> {
        match self {
            Said::Option { option, question } => vec![
                ("option", option.as_str().into()),
                ("question", (*question).into()),
            ],
            Said::Positive { positive, question } => vec![
                ("positive", positive.as_str().into()),
                ("question", (*question).into()),
            ],
        }
    }

    fn range_message(&self) -> &'static str {
        match self {
            Said::Option { .. } => "report-finding-option-range",
            Said::Positive { .. } => "report-finding-positive-range",
        }
    }
}

/// A whole percentage without its sign: the lower bound of "65–78%".
fn whole(p: f64) -> String {
    format!("{:.0}", (p * 100.0).round())
}

pub(crate) fn findings(lookup: &Lookup<'_>) -> Vec<Finding> {
    let words = lookup.words;
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
                    let said = Said::Option {
                        option: option.label.to_string(),
                        question: question.text.as_str(),
                    };
                    let all_row = lookup.row(&question.id, &option.code, ALL_STRATA);
                    if let Some(all) = quoted(words, all_row) {
                        let mut args = said.args();
                        args.extend([
                            ("share", all.into()),
                            ("benchmark", percent(benchmark.value).into()),
                            ("label", benchmark.label.as_str().into()),
                            ("source", benchmark.source.as_str().into()),
                        ]);
                        out.push(Finding {
                            text: words.with("report-finding-benchmark", &args),
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
                let said = Said::Positive {
                    positive: positive_labels(words, scale),
                    question: question.text.as_str(),
                };
                if let Some(all) = quoted(words, lookup.row(&question.id, "_positive", ALL_STRATA))
                {
                    let mut args = said.args();
                    args.push(("share", all.into()));
                    out.push(Finding {
                        text: words.with("report-finding-positive", &args),
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
                    let all_row = lookup.row(&question.id, &option.code, ALL_STRATA);
                    if let Some(all) = quoted(words, all_row) {
                        out.push(Finding {
                            text: words.with(
                                "report-finding-most-chosen",
                                &[
                                    ("question", question.text.as_str().into()),
                                    ("option", option.label.as_str().into()),
                                    ("share", all.into()),
                                ],
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
fn range(lookup: &Lookup<'_>, question: &str, option: &str, said: &Said<'_>) -> Option<Finding> {
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
    let mut args = said.args();
    args.extend([
        ("high", lookup.stratum_label(high.0).into()),
        ("high-share", quoted(lookup.words, Some(high.1))?.into()),
        ("low", lookup.stratum_label(low.0).into()),
        ("low-share", quoted(lookup.words, Some(low.1))?.into()),
    ]);
    Some(Finding {
        text: lookup.words.with(said.range_message(), &args),
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
    let words = lookup.words;
    let positive = positive_labels(words, scale);
    let mut out = Vec::new();
    for (message, (item, variable, _)) in [("report-finding-grid-most", most)].into_iter().chain(
        least
            .filter(|l| l.1 != most.1)
            .map(|l| ("report-finding-grid-least", l)),
    ) {
        if let Some(all) = quoted(words, lookup.row(variable, "_positive", ALL_STRATA)) {
            out.push(Finding {
                text: words.with(
                    message,
                    &[
                        ("question", question.text.as_str().into()),
                        ("positive", positive.as_str().into()),
                        ("item", item.text.as_str().into()),
                        ("share", all.into()),
                    ],
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
