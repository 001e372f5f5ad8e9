//! The report's figures: which charts each planned question gets, and for each its data,
//! its alternative text and its notes, read from the estimates through [`Lookup`]. Drawing
//! them is [`super::charts`]'s job.

use fieldwork_survey::{QuestionKind, SurveyDefinition};

use super::charts::{Bar, Cell, Chart, ChartKind, LikertRow, Panel, RateRow, Reference};
use super::words::ReportLanguage;
use super::{Lookup, ReportChart};
use crate::format;
use crate::{Analysis, EstimateRow, Plan, ALL_STRATA};

/// Every chart of the report, in report order, in the language of `words` (`definition` in
/// that language alone: `SurveyDefinition::in_language`).
pub fn charts(
    definition: &SurveyDefinition,
    plan: &Plan,
    analysis: &Analysis,
    words: &ReportLanguage,
) -> Vec<ReportChart> {
    let lookup = Lookup::new(definition, plan, analysis, words);
    let mut out = vec![response_rate_chart(&lookup)];
    for question in plan.questions(definition) {
        out.extend(question_charts(&lookup, question));
    }
    out
}

/// The charts of one question.
pub(crate) fn question_charts(
    lookup: &Lookup<'_>,
    question: &fieldwork_survey::Question,
) -> Vec<ReportChart> {
    let stratum_question = lookup
        .definition
        .stratification
        .as_ref()
        .map(|s| s.question.as_str());
    if Some(question.id.as_str()) == stratum_question {
        return Vec::new();
    }
    let id = question.id.as_str();
    match &question.kind {
        QuestionKind::SingleChoice { options } => {
            let benchmarks: Vec<_> = lookup
                .plan
                .benchmarks
                .iter()
                .filter(|b| b.question == id)
                .collect();
            if benchmarks.is_empty() {
                vec![ranked_chart(lookup, question, options, false)]
            } else {
                benchmarks
                    .iter()
                    .filter_map(|b| {
                        let option = options.iter().find(|o| o.code == b.option)?;
                        Some(proportion_chart(lookup, question, option, Some(b)))
                    })
                    .collect()
            }
        }
        QuestionKind::MultiChoice { options, .. } => {
            vec![ranked_chart(lookup, question, options, true)]
        }
        QuestionKind::Likert {
            scale,
            non_substantive,
        } => vec![likert_chart(
            lookup,
            id,
            question.text.as_str(),
            None,
            scale,
            non_substantive,
        )],
        QuestionKind::LikertGrid {
            items,
            scale,
            non_substantive,
        } => {
            let mut charts = vec![heatmap_chart(lookup, question, items, scale)];
            for item in items {
                charts.push(likert_chart(
                    lookup,
                    &format!("{id}.{}", item.id),
                    item.text.as_str(),
                    Some(question.text.as_str()),
                    scale,
                    non_substantive,
                ));
            }
            charts
        }
        QuestionKind::Number { .. } | QuestionKind::Text { .. } => Vec::new(),
    }
}

/// A file-name-safe stem for a variable (`behaviours.users` becomes `behaviours-users`).
pub fn stem(variable: &str) -> String {
    variable
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

fn pct_ci(words: &ReportLanguage, cell: &Cell) -> String {
    match cell {
        Cell::Shown { value, low, high } => words.with(
            "report-share-ci",
            &[
                ("share", format::percent(*value).into()),
                ("low", format::percent(*low).into()),
                ("high", format::percent(*high).into()),
            ],
        ),
        Cell::Suppressed(reason) => words.with(
            "report-cell-suppressed-because",
            &[("reason", reason.as_str().into())],
        ),
    }
}

fn base_n(lookup: &Lookup<'_>, question: &str, option: &str) -> String {
    lookup
        .row(question, option, ALL_STRATA)
        .map(|r| {
            lookup
                .words
                .with("report-base-n", &[("n", format::thousands(r.n).into())])
        })
        .unwrap_or_else(|| lookup.words.t("report-no-responses"))
}

fn proportion_chart(
    lookup: &Lookup<'_>,
    question: &fieldwork_survey::Question,
    option: &fieldwork_survey::Choice,
    benchmark: Option<&&crate::plan::Benchmark>,
) -> ReportChart {
    let id = question.id.as_str();
    let bars: Vec<Bar> = lookup
        .strata
        .iter()
        .map(|(code, label)| {
            let row = lookup.row(id, &option.code, code);
            Bar {
                label: label.clone(),
                n: row.map_or(0, |r| r.n),
                cell: lookup.cell(row),
            }
        })
        .collect();
    let all_row = lookup.row(id, &option.code, ALL_STRATA);
    let all = match lookup.cell(all_row) {
        Cell::Shown { value, .. } => Some(Reference {
            label: lookup.words.t("report-all-strata"),
            value,
        }),
        Cell::Suppressed(_) => None,
    };
    let words = lookup.words;
    let benchmark_line = benchmark.map(|b| Reference {
        label: words.with(
            "report-benchmark-line",
            &[("source", short_source(&b.source).into())],
        ),
        value: b.value,
    });
    let mut rows: Vec<EstimateRow> = all_row.into_iter().cloned().collect();
    rows.extend(
        lookup
            .strata
            .iter()
            .filter_map(|(code, _)| lookup.row(id, &option.code, code).cloned()),
    );
    let mut alt = words.with(
        "report-proportion-alt",
        &[
            ("option", option.label.to_string().into()),
            ("question", question.text.to_string().into()),
            ("by", lookup.by().into()),
            ("all", pct_ci(words, &lookup.cell(all_row)).into()),
        ],
    );
    for bar in &bars {
        alt.push(' ');
        alt.push_str(&alt_group(words, &bar.label, pct_ci(words, &bar.cell)));
    }
    let cited = |b: &crate::plan::Benchmark| {
        [
            ("value", format::percent(b.value).into()),
            ("label", b.label.clone().into()),
            ("source", b.source.clone().into()),
        ]
    };
    if let Some(b) = benchmark {
        alt.push(' ');
        alt.push_str(&words.with("report-proportion-alt-benchmark", &cited(b)));
    }
    let mut subtitle = vec![words.with(
        "report-proportion-subtitle",
        &[
            ("option", option.label.to_string().into()),
            ("by", lookup.by().into()),
            ("base", base_n(lookup, id, &option.code).into()),
        ],
    )];
    if let Some(b) = benchmark {
        subtitle.push(words.with("report-proportion-subtitle-benchmark", &cited(b)));
    }
    ReportChart {
        chart: Chart {
            name: format!("{}-{}", stem(id), stem(&option.code)),
            title: question.text.to_string(),
            subtitle,
            kind: ChartKind::Proportion {
                bars,
                all,
                benchmark: benchmark_line,
            },
            note: lookup.note(),
            words: words.words.clone(),
        },
        alt,
        rows,
    }
}

/// "Local government: 46% (95% CI 41–51%)." in the alternative text.
fn alt_group(words: &ReportLanguage, group: &str, value: String) -> String {
    words.with(
        "report-alt-group",
        &[("group", group.into()), ("value", value.into())],
    )
}

/// "Harvard Business Review / MIT survey of executives, as quoted by Doteveryone" becomes
/// "Harvard Business Review / MIT" for a chart label: the text before " survey", or the
/// first comma.
fn short_source(source: &str) -> String {
    let cut = source
        .find(" survey")
        .or_else(|| source.find(','))
        .unwrap_or(source.len());
    let short = source[..cut].trim();
    if short.is_empty() {
        source.to_owned()
    } else {
        short.to_owned()
    }
}

fn ranked_chart(
    lookup: &Lookup<'_>,
    question: &fieldwork_survey::Question,
    options: &[fieldwork_survey::Choice],
    multi: bool,
) -> ReportChart {
    let id = question.id.as_str();
    // Ranked by the all-strata share; options without one keep their order at the end.
    let mut ranked: Vec<&fieldwork_survey::Choice> = options.iter().collect();
    let share = |code: &str| {
        lookup
            .cell(lookup.row(id, code, ALL_STRATA))
            .value()
            .unwrap_or(-1.0)
    };
    ranked.sort_by(|a, b| share(&b.code).total_cmp(&share(&a.code)));
    let panels: Vec<Panel> = lookup
        .groups()
        .into_iter()
        .map(|(code, label)| {
            let n = ranked
                .first()
                .and_then(|o| lookup.row(id, &o.code, &code))
                .map_or(0, |r| r.n);
            Panel {
                label,
                n,
                cells: ranked
                    .iter()
                    .map(|o| lookup.cell(lookup.row(id, &o.code, &code)))
                    .collect(),
            }
        })
        .collect();
    let rows: Vec<EstimateRow> = ranked
        .iter()
        .flat_map(|o| {
            lookup
                .groups()
                .into_iter()
                .filter_map(|(code, _)| lookup.row(id, &o.code, &code).cloned())
                .collect::<Vec<_>>()
        })
        .collect();
    let words = lookup.words;
    let what = words.t(if multi {
        "report-ranked-multi"
    } else {
        "report-ranked-single"
    });
    let mut alt = words.with(
        "report-ranked-alt",
        &[
            ("question", question.text.to_string().into()),
            ("what", what.as_str().into()),
        ],
    );
    for panel in &panels {
        let parts: Vec<String> = ranked
            .iter()
            .zip(&panel.cells)
            .map(|(o, cell)| format!("{} {}", o.label, short_cell(words, cell)))
            .collect();
        alt.push(' ');
        alt.push_str(&alt_group(words, &panel.label, parts.join("; ")));
    }
    let first = ranked.first().map(|o| o.code.as_str()).unwrap_or_default();
    ReportChart {
        chart: Chart {
            name: stem(id),
            title: question.text.to_string(),
            subtitle: vec![words.with(
                "report-ranked-subtitle",
                &[
                    ("what", what.as_str().into()),
                    ("by", lookup.by().into()),
                    ("base", base_n(lookup, id, first).into()),
                ],
            )],
            kind: ChartKind::Ranked {
                options: ranked.iter().map(|o| o.label.to_string()).collect(),
                panels,
            },
            note: lookup.note(),
            words: words.words.clone(),
        },
        alt,
        rows,
    }
}

fn short_cell(words: &ReportLanguage, cell: &Cell) -> String {
    match cell {
        Cell::Shown { value, .. } => format::percent(*value),
        Cell::Suppressed(_) => words.t("report-cell-suppressed"),
    }
}

fn likert_chart(
    lookup: &Lookup<'_>,
    variable: &str,
    text: &str,
    stem_text: Option<&str>,
    scale: &[fieldwork_survey::Choice],
    non_substantive: &[fieldwork_survey::Choice],
) -> ReportChart {
    let rows: Vec<LikertRow> = lookup
        .groups()
        .into_iter()
        .map(|(code, label)| {
            let points: Vec<Option<&EstimateRow>> = scale
                .iter()
                .map(|p| lookup.row(variable, &p.code, &code))
                .collect();
            let shown: Option<Vec<f64>> = points
                .iter()
                .map(|r| match lookup.cell(*r) {
                    Cell::Shown { value, .. } => Some(value),
                    Cell::Suppressed(_) => None,
                })
                .collect();
            let scale_cell = match shown {
                Some(shares) => Ok(shares),
                None => Err(lookup.short_reason(points.first().copied().flatten())),
            };
            LikertRow {
                label,
                n: points.first().copied().flatten().map_or(0, |r| r.n),
                scale: scale_cell,
                other: non_substantive
                    .iter()
                    .map(|p| lookup.cell(lookup.row(variable, &p.code, &code)).value())
                    .collect(),
            }
        })
        .collect();
    let data: Vec<EstimateRow> = lookup
        .groups()
        .into_iter()
        .flat_map(|(code, _)| {
            scale
                .iter()
                .chain(non_substantive)
                .filter_map(|p| lookup.row(variable, &p.code, &code).cloned())
                .collect::<Vec<_>>()
        })
        .collect();
    let words = lookup.words;
    let mut alt = words.with(
        "report-likert-alt",
        &[
            ("question", text.into()),
            ("by", lookup.by().into()),
            (
                "scale",
                scale
                    .iter()
                    .map(|p| p.label.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
                    .into(),
            ),
        ],
    );
    for row in &rows {
        let mut parts = match &row.scale {
            Ok(shares) => scale
                .iter()
                .zip(shares)
                .map(|(p, s)| format!("{} {}", p.label, format::percent(*s)))
                .collect::<Vec<_>>()
                .join(", "),
            Err(reason) => words.with(
                "report-cell-suppressed-because",
                &[("reason", reason.as_str().into())],
            ),
        };
        for (p, s) in non_substantive.iter().zip(&row.other) {
            if let Some(s) = s {
                parts.push_str("; ");
                parts.push_str(&words.with(
                    "report-likert-alt-other",
                    &[
                        ("answer", p.label.to_string().into()),
                        ("share", format::percent(*s).into()),
                    ],
                ));
            }
        }
        alt.push(' ');
        alt.push_str(&alt_group(words, &row.label, parts));
    }
    let mut subtitle = Vec::new();
    if let Some(stem_text) = stem_text {
        subtitle.push(stem_text.to_owned());
    }
    let base = base_n(
        lookup,
        variable,
        &scale.first().map(|p| p.code.clone()).unwrap_or_default(),
    );
    subtitle.push(if non_substantive.is_empty() {
        words.with(
            "report-likert-subtitle",
            &[("by", lookup.by().into()), ("base", base.into())],
        )
    } else {
        let and = format!(" {} ", words.t("report-and"));
        let other = non_substantive
            .iter()
            .map(|p| format!("\"{}\"", p.label))
            .collect::<Vec<_>>()
            .join(&and);
        words.with(
            "report-likert-subtitle-other",
            &[
                ("by", lookup.by().into()),
                ("base", base.into()),
                ("other", other.into()),
            ],
        )
    });
    ReportChart {
        chart: Chart {
            name: stem(variable),
            title: if stem_text.is_some() {
                format!("\"{text}\"")
            } else {
                text.to_owned()
            },
            subtitle,
            kind: ChartKind::Likert {
                scale: scale.iter().map(|p| p.label.to_string()).collect(),
                non_substantive: non_substantive
                    .iter()
                    .map(|p| p.label.to_string())
                    .collect(),
                rows,
            },
            note: lookup.note(),
            words: words.words.clone(),
        },
        alt,
        rows: data,
    }
}

/// The labels of the top two points of a scale, "Agree" or "Strongly agree".
pub(crate) fn positive_labels(
    words: &ReportLanguage,
    scale: &[fieldwork_survey::Choice],
) -> String {
    let top: Vec<&str> = scale
        .iter()
        .rev()
        .take(2)
        .map(|p| p.label.as_str())
        .collect();
    top.iter()
        .rev()
        .map(|l| format!("\"{l}\""))
        .collect::<Vec<_>>()
        .join(&format!(" {} ", words.t("report-or")))
}

fn heatmap_chart(
    lookup: &Lookup<'_>,
    question: &fieldwork_survey::Question,
    items: &[fieldwork_survey::GridItem],
    scale: &[fieldwork_survey::Choice],
) -> ReportChart {
    let id = question.id.as_str();
    let groups = lookup.groups();
    let cells: Vec<Vec<Cell>> = items
        .iter()
        .map(|item| {
            let variable = format!("{id}.{}", item.id);
            groups
                .iter()
                .map(|(code, _)| lookup.cell(lookup.row(&variable, "_positive", code)))
                .collect()
        })
        .collect();
    let rows: Vec<EstimateRow> = items
        .iter()
        .flat_map(|item| {
            let variable = format!("{id}.{}", item.id);
            groups
                .iter()
                .filter_map(|(code, _)| lookup.row(&variable, "_positive", code).cloned())
                .collect::<Vec<_>>()
        })
        .collect();
    let words = lookup.words;
    let positive = positive_labels(words, scale);
    let mut alt = words.with(
        "report-heatmap-alt",
        &[
            ("question", question.text.to_string().into()),
            ("positive", positive.as_str().into()),
            ("by", lookup.by().into()),
        ],
    );
    for (item, row) in items.iter().zip(&cells) {
        let parts: Vec<String> = groups
            .iter()
            .zip(row)
            .map(|((_, label), cell)| format!("{label} {}", short_cell(words, cell)))
            .collect();
        alt.push(' ');
        alt.push_str(&alt_group(
            words,
            &format!("\"{}\"", item.text),
            parts.join(", "),
        ));
    }
    ReportChart {
        chart: Chart {
            name: format!("{}-positive", stem(id)),
            title: words.with(
                "report-heatmap-title",
                &[
                    ("positive", positive.as_str().into()),
                    ("by", lookup.by().into()),
                ],
            ),
            subtitle: vec![
                question.text.to_string(),
                words.with(
                    "report-heatmap-subtitle",
                    &[
                        ("positive", positive.as_str().into()),
                        ("base", heatmap_base(words, &rows).into()),
                    ],
                ),
            ],
            kind: ChartKind::Heatmap {
                rows: items.iter().map(|i| i.text.to_string()).collect(),
                columns: groups.iter().map(|(_, l)| l.clone()).collect(),
                cells,
            },
            note: lookup.note(),
            words: words.words.clone(),
        },
        alt,
        rows,
    }
}

/// "n = 2,480 to 2,569 in all strata": the all-strata bases of a heatmap's statements.
fn heatmap_base(words: &ReportLanguage, rows: &[EstimateRow]) -> String {
    let bases: Vec<u64> = rows
        .iter()
        .filter(|r| r.stratum == ALL_STRATA)
        .map(|r| r.n)
        .collect();
    match (bases.iter().min(), bases.iter().max()) {
        (Some(low), Some(high)) if low == high => words.with(
            "report-heatmap-base",
            &[("n", format::thousands(*low).into())],
        ),
        (Some(low), Some(high)) => words.with(
            "report-heatmap-base-range",
            &[
                ("low", format::thousands(*low).into()),
                ("high", format::thousands(*high).into()),
            ],
        ),
        _ => words.t("report-no-responses"),
    }
}

fn response_rate_chart(lookup: &Lookup<'_>) -> ReportChart {
    let rows: Vec<RateRow> = lookup
        .analysis
        .response_rates
        .iter()
        .map(|r| RateRow {
            label: lookup.rates_label(r),
            complete: r.complete,
            population: r.population,
        })
        .collect();
    let complete: i64 = rows.iter().map(|r| r.complete).sum();
    let population: u64 = rows.iter().map(|r| r.population).sum();
    let words = lookup.words;
    let mut alt = words.with(
        "report-rates-alt",
        &[
            ("by", lookup.by().into()),
            ("complete", complete.to_string().into()),
            ("population", population.to_string().into()),
        ],
    );
    for r in &lookup.analysis.response_rates {
        alt.push(' ');
        alt.push_str(
            &words.with(
                "report-rates-alt-group",
                &[
                    ("group", lookup.rates_label(r).into()),
                    ("complete", r.complete.to_string().into()),
                    ("population", r.population.to_string().into()),
                    (
                        "rate",
                        r.rate_frame
                            .map(|x| format!(" ({:.1}%)", x * 100.0))
                            .unwrap_or_default()
                            .into(),
                    ),
                ],
            ),
        );
    }
    ReportChart {
        chart: Chart {
            name: "response-rates".to_owned(),
            title: words.with("report-rates-title", &[("by", lookup.by().into())]),
            subtitle: vec![words.with(
                "report-rates-subtitle",
                &[
                    ("complete", format::thousands(complete.max(0) as u64).into()),
                    ("population", format::thousands(population).into()),
                ],
            )],
            kind: ChartKind::ResponseRates { rows },
            note: words.with(
                "report-rates-note",
                &[
                    ("title", lookup.definition.title.to_string().into()),
                    ("version", lookup.analysis.version.to_string().into()),
                ],
            ),
            words: words.words.clone(),
        },
        alt,
        rows: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_are_safe_file_names() {
        assert_eq!(
            stem("behaviours.privacy_security"),
            "behaviours-privacy-security"
        );
        assert_eq!(stem("Q1"), "q1");
    }

    #[test]
    fn sources_are_shortened_for_chart_labels() {
        assert_eq!(
            short_source(
                "Harvard Business Review / MIT survey of executives, as quoted by Doteveryone"
            ),
            "Harvard Business Review / MIT"
        );
        assert_eq!(short_source("ONS, 2024"), "ONS");
        assert_eq!(short_source("Ipsos"), "Ipsos");
    }
}
