//! The report's figures: which charts each planned question gets, and for each its data,
//! its alternative text and its notes, read from the estimates through [`Lookup`]. Drawing
//! them is [`super::charts`]'s job.

use fieldwork_survey::{QuestionKind, SurveyDefinition};

use super::charts::{Bar, Cell, Chart, ChartKind, LikertRow, Panel, RateRow, Reference};
use super::{Lookup, ReportChart};
use crate::format;
use crate::{Analysis, EstimateRow, Plan, ALL_STRATA};

/// Every chart of the report, in report order.
pub fn charts(definition: &SurveyDefinition, plan: &Plan, analysis: &Analysis) -> Vec<ReportChart> {
    let lookup = Lookup::new(definition, plan, analysis);
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

fn pct_ci(cell: &Cell) -> String {
    match cell {
        Cell::Shown { value, low, high } => format!(
            "{} (95% CI {}–{})",
            format::percent(*value),
            format::percent(*low),
            format::percent(*high)
        ),
        Cell::Suppressed(reason) => format!("suppressed ({reason})"),
    }
}

fn base_n(lookup: &Lookup<'_>, question: &str, option: &str) -> String {
    lookup
        .row(question, option, ALL_STRATA)
        .map(|r| format!("n = {}", format::thousands(r.n)))
        .unwrap_or_else(|| "no responses".to_owned())
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
            label: "All strata".to_owned(),
            value,
        }),
        Cell::Suppressed(_) => None,
    };
    let benchmark_line = benchmark.map(|b| Reference {
        label: format!("Benchmark ({})", short_source(&b.source)),
        value: b.value,
    });
    let mut rows: Vec<EstimateRow> = all_row.into_iter().cloned().collect();
    rows.extend(
        lookup
            .strata
            .iter()
            .filter_map(|(code, _)| lookup.row(id, &option.code, code).cloned()),
    );
    let mut alt = format!(
        "Bar chart: share answering \"{}\" to \"{}\", {}. All strata: {}.",
        option.label,
        question.text,
        lookup.by(),
        pct_ci(&lookup.cell(all_row))
    );
    for bar in &bars {
        alt.push_str(&format!(" {}: {}.", bar.label, pct_ci(&bar.cell)));
    }
    if let Some(b) = benchmark {
        alt.push_str(&format!(
            " Benchmark line at {}: {} ({}).",
            format::percent(b.value),
            b.label,
            b.source
        ));
    }
    let mut subtitle = vec![format!(
        "Share answering \"{}\", {}, with 95% confidence intervals. Base: all who answered ({} in all strata).",
        option.label,
        lookup.by(),
        base_n(lookup, id, &option.code)
    )];
    if let Some(b) = benchmark {
        subtitle.push(format!("Benchmark: {} ({}).", b.label, b.source));
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
        },
        alt,
        rows,
    }
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
    let what = if multi {
        "Share choosing each option (respondents could choose more than one)"
    } else {
        "Share giving each answer"
    };
    let mut alt = format!(
        "Bar charts, one per group: \"{}\". {}, ranked by the all-strata share.",
        question.text, what
    );
    for panel in &panels {
        alt.push_str(&format!(" {}:", panel.label));
        let parts: Vec<String> = ranked
            .iter()
            .zip(&panel.cells)
            .map(|(o, cell)| format!(" {} {}", o.label, short_cell(cell)))
            .collect();
        alt.push_str(&parts.join(";"));
        alt.push('.');
    }
    let first = ranked.first().map(|o| o.code.as_str()).unwrap_or_default();
    ReportChart {
        chart: Chart {
            name: stem(id),
            title: question.text.to_string(),
            subtitle: vec![format!(
                "{}, ranked by the share across all strata; {}. Base: all who answered ({} in all strata). Lines show 95% confidence intervals.",
                what,
                lookup.by(),
                base_n(lookup, id, first)
            )],
            kind: ChartKind::Ranked {
                options: ranked.iter().map(|o| o.label.to_string()).collect(),
                panels,
            },
            note: lookup.note(),
        },
        alt,
        rows,
    }
}

fn short_cell(cell: &Cell) -> String {
    match cell {
        Cell::Shown { value, .. } => format::percent(*value),
        Cell::Suppressed(_) => "suppressed".to_owned(),
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
    let mut alt = format!(
        "Diverging bar chart: answers to \"{}\" {}, as shares of answers on the scale ({}).",
        text,
        lookup.by(),
        scale
            .iter()
            .map(|p| p.label.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    for row in &rows {
        match &row.scale {
            Ok(shares) => {
                let parts: Vec<String> = scale
                    .iter()
                    .zip(shares)
                    .map(|(p, s)| format!("{} {}", p.label, format::percent(*s)))
                    .collect();
                alt.push_str(&format!(" {}: {}", row.label, parts.join(", ")));
            }
            Err(reason) => alt.push_str(&format!(" {}: suppressed ({reason})", row.label)),
        }
        for (p, s) in non_substantive.iter().zip(&row.other) {
            if let Some(s) = s {
                alt.push_str(&format!(
                    "; {} {} of all answers",
                    p.label,
                    format::percent(*s)
                ));
            }
        }
        alt.push('.');
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
        format!(
            "Shares of answers {}, centred on the middle of the scale. Base: all who answered ({base} in all strata).",
            lookup.by()
        )
    } else {
        format!(
            "Shares of answers on the scale {}, centred on the middle of the scale ({base} in all strata); {} shown apart, in grey, as a share of all answers.",
            lookup.by(),
            non_substantive
                .iter()
                .map(|p| format!("\"{}\"", p.label))
                .collect::<Vec<_>>()
                .join(" and ")
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
        },
        alt,
        rows: data,
    }
}

/// The labels of the top two points of a scale, "Agree" or "Strongly agree".
pub(crate) fn positive_labels(scale: &[fieldwork_survey::Choice]) -> String {
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
        .join(" or ")
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
    let positive = positive_labels(scale);
    let mut alt = format!(
        "Heatmap: for each statement of \"{}\", the share answering {} {}.",
        question.text,
        positive,
        lookup.by()
    );
    for (item, row) in items.iter().zip(&cells) {
        let parts: Vec<String> = groups
            .iter()
            .zip(row)
            .map(|((_, label), cell)| format!("{label} {}", short_cell(cell)))
            .collect();
        alt.push_str(&format!(" \"{}\": {}.", item.text, parts.join(", ")));
    }
    ReportChart {
        chart: Chart {
            name: format!("{}-positive", stem(id)),
            title: format!("Share answering {positive} to each statement, {}", lookup.by()),
            subtitle: vec![
                question.text.to_string(),
                format!(
                    "Each cell: % of those with an answer on the scale who chose {positive}. Darker cells are lower. Base: {}.",
                    heatmap_base(&rows)
                ),
            ],
            kind: ChartKind::Heatmap {
                rows: items.iter().map(|i| i.text.to_string()).collect(),
                columns: groups.iter().map(|(_, l)| l.clone()).collect(),
                cells,
            },
            note: lookup.note(),
        },
        alt,
        rows,
    }
}

/// "n = 2,480 to 2,569 in all strata": the all-strata bases of a heatmap's statements.
fn heatmap_base(rows: &[EstimateRow]) -> String {
    let bases: Vec<u64> = rows
        .iter()
        .filter(|r| r.stratum == ALL_STRATA)
        .map(|r| r.n)
        .collect();
    match (bases.iter().min(), bases.iter().max()) {
        (Some(low), Some(high)) if low == high => {
            format!("n = {} in all strata", format::thousands(*low))
        }
        (Some(low), Some(high)) => format!(
            "n = {} to {} in all strata, by statement",
            format::thousands(*low),
            format::thousands(*high)
        ),
        _ => "no responses".to_owned(),
    }
}

fn response_rate_chart(lookup: &Lookup<'_>) -> ReportChart {
    let rows: Vec<RateRow> = lookup
        .analysis
        .response_rates
        .iter()
        .map(|r| RateRow {
            label: r.label.clone(),
            complete: r.complete,
            population: r.population,
        })
        .collect();
    let complete: i64 = rows.iter().map(|r| r.complete).sum();
    let population: u64 = rows.iter().map(|r| r.population).sum();
    let mut alt = format!(
        "Bar chart: complete responses as a share of the population frame, {}. In all, {complete} of {population}.",
        lookup.by()
    );
    for r in &lookup.analysis.response_rates {
        alt.push_str(&format!(
            " {}: {} of {}{}.",
            r.label,
            r.complete,
            r.population,
            r.rate_frame
                .map(|x| format!(" ({:.1}%)", x * 100.0))
                .unwrap_or_default()
        ));
    }
    ReportChart {
        chart: Chart {
            name: "response-rates".to_owned(),
            title: format!("Responses against the population frame, {}", lookup.by()),
            subtitle: vec![format!(
                "Complete responses as a share of the population in the frame. In all, {} complete responses from a population of {}.",
                format::thousands(complete.max(0) as u64),
                format::thousands(population)
            )],
            kind: ChartKind::ResponseRates { rows },
            note: format!(
                "Source: {} (survey version {}); population frame as given in the survey definition.",
                lookup.definition.title, lookup.analysis.version
            ),
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
