//! The report's sentences other than the key findings: the front page's summary, the facts
//! about the survey and its analysis, and the tests of association and reliability, in the
//! report's language.

use fieldwork_survey::QuestionKind;

use super::words::ReportLanguage;
use super::{Lookup, Provenance};
use crate::disclosure::REASON_SMALL;
use crate::format;
use crate::TestRow;

#[derive(Debug, Clone)]
pub struct Fact {
    pub term: String,
    pub value: String,
}

fn complete_responses(lookup: &Lookup<'_>) -> i64 {
    lookup
        .analysis
        .response_rates
        .iter()
        .map(|r| r.complete)
        .sum()
}

/// The front page's opening paragraph: the plan's own summary, or who responded and how
/// the figures were made. (The survey's description speaks to respondents, not readers.)
pub(super) fn report_summary(lookup: &Lookup<'_>) -> String {
    let (plan, analysis) = (lookup.plan, lookup.analysis);
    if let Some(summary) = plan
        .summary
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        return summary.to_owned();
    }
    let groups: Vec<String> = analysis
        .response_rates
        .iter()
        .map(|r| lookup.rates_label(r))
        .collect();
    let mut args = vec![
        (
            "count",
            format::thousands(complete_responses(lookup).max(0) as u64).into(),
        ),
        ("title", lookup.definition.title.to_string().into()),
        (
            "level",
            format!("{:.0}%", analysis.confidence_level * 100.0).into(),
        ),
        (
            "threshold",
            analysis.suppression_threshold.to_string().into(),
        ),
    ];
    match groups.as_slice() {
        [] | [_] => lookup.words.with("report-summary", &args),
        [init @ .., last] => {
            args.push(("groups", init.join(", ").into()));
            args.push(("last", last.clone().into()));
            lookup.words.with("report-summary-groups", &args)
        }
    }
}

/// What the front page and the methodology say about the survey, its responses and the
/// analysis that made the figures.
pub(super) fn provenance_facts(lookup: &Lookup<'_>, provenance: &Provenance) -> Vec<Fact> {
    let (w, definition, analysis) = (lookup.words, lookup.definition, lookup.analysis);
    let complete = complete_responses(lookup);
    let partial: i64 = analysis.response_rates.iter().map(|r| r.partial).sum();
    let population: u64 = analysis.response_rates.iter().map(|r| r.population).sum();
    let share = if population > 0 {
        w.with(
            "report-fact-share-of-population",
            &[
                (
                    "share",
                    format!("{:.1}%", complete as f64 / population as f64 * 100.0).into(),
                ),
                ("population", format::thousands(population).into()),
            ],
        )
    } else {
        w.t("report-fact-no-frame")
    };
    let fact = |term: &str, value: String| Fact {
        term: w.t(term),
        value,
    };
    let mut facts = vec![
        fact(
            "report-fact-survey",
            w.with(
                "report-fact-survey-value",
                &[
                    ("title", definition.title.to_string().into()),
                    ("slug", definition.slug.as_str().into()),
                    ("version", analysis.version.to_string().into()),
                ],
            ),
        ),
        fact(
            "report-fact-responses",
            w.with(
                "report-fact-responses-value",
                &[
                    ("complete", format::thousands(complete.max(0) as u64).into()),
                    ("share", share.into()),
                    ("partial", partial.to_string().into()),
                ],
            ),
        ),
    ];
    if let Some(fieldwork) = &lookup.plan.fieldwork {
        facts.push(fact("report-fact-fieldwork", fieldwork.clone()));
    }
    facts.push(fact(
        "report-fact-submitted",
        match provenance.submissions {
            Some((first, last)) => w.with(
                "report-fact-submitted-value",
                &[
                    ("first", date(w, first).into()),
                    ("last", date(w, last).into()),
                ],
            ),
            None => w.t("report-fact-none-yet"),
        },
    ));
    facts.push(fact(
        "report-fact-plan",
        provenance
            .plan_hash
            .clone()
            .unwrap_or_else(|| w.t("report-fact-default-plan")),
    ));
    if let Some(generated) = provenance.generated {
        facts.push(fact(
            "report-fact-generated",
            w.with(
                "report-fact-generated-value",
                &[
                    ("date", date(w, generated).into()),
                    ("time", generated.format("%H:%M").to_string().into()),
                    ("version", env!("CARGO_PKG_VERSION").into()),
                ],
            ),
        ));
    }
    facts
}

fn date(words: &ReportLanguage, d: chrono::NaiveDateTime) -> String {
    use chrono::Datelike;
    words.words.date(d.year(), d.month(), d.day())
}

/// A test of a question's answers, in a sentence; `None` for a test without its figures.
pub(super) fn describe_test(lookup: &Lookup<'_>, test: &TestRow) -> Option<String> {
    let w = lookup.words;
    let variable = if test.question_id.contains('.') {
        let (question, item) = test.question_id.split_once('.')?;
        lookup
            .definition
            .question(question)
            .and_then(|q| match &q.kind {
                QuestionKind::LikertGrid { items, .. } => items.iter().find(|i| i.id == item),
                _ => None,
            })
            .map_or_else(|| test.question_id.clone(), |i| format!("\"{}\"", i.text))
    } else {
        w.t("report-test-the-answers")
    };
    let group = lookup.stratum_label(&test.stratum);
    if test.suppressed {
        let what = if test.test == "cronbach_alpha" {
            w.with("report-test-alpha-in", &[("group", group.into())])
        } else {
            w.with("report-test-association", &[("variable", variable.into())])
        };
        let reason = if test.reason.is_empty() || test.reason == REASON_SMALL {
            w.t("report-test-base-below-threshold")
        } else {
            test.reason.clone()
        };
        return Some(w.with(
            "report-test-suppressed",
            &[("test", what.into()), ("reason", reason.into())],
        ));
    }
    match test.test.as_str() {
        "rao_scott_f" => {
            let (f, ndf, ddf, p) = (test.statistic?, test.ndf?, test.ddf?, test.p_value?);
            let p = if p < 0.001 {
                "p < 0.001".to_owned()
            } else {
                format!("p = {p:.3}")
            };
            Some(w.with(
                "report-test-rao-scott",
                &[
                    ("variable", variable.into()),
                    ("f", format!("{f:.2}").into()),
                    ("ndf", format!("{ndf:.2}").into()),
                    ("ddf", format!("{ddf:.1}").into()),
                    ("p", p.into()),
                ],
            ))
        }
        "cronbach_alpha" => test.statistic.map(|a| {
            w.with(
                "report-test-alpha",
                &[
                    ("group", group.into()),
                    ("alpha", format!("{a:.2}").into()),
                    ("n", test.n.to_string().into()),
                ],
            )
        }),
        _ => None,
    }
}
