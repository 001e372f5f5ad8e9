//! The report's pages (askama templates under `templates/report/`, every value escaped) and
//! the files of the site.

use askama::Template;
use fieldwork_survey::{QuestionKind, SurveyDefinition};

use super::findings::findings;
use super::labels::{answer_label, display_estimate};
use super::pledges::{pledges_page, PLEDGES_PAGE};
use super::{
    charts as chart_list_for, question_charts, stem, Lookup, Provenance, ReportChart, Site,
    SiteFile,
};
use crate::format;
use crate::{csv_bytes, Analysis, AnalysisError, EstimateRow, Plan, TestRow, ALL_STRATA};

const STYLE: &str = include_str!("../../templates/report/style.css");

const HTML: &str = "text/html; charset=utf-8";
const CSV: &str = "text/csv; charset=utf-8";

/// A table as the page shows it.
#[derive(Debug, Clone)]
pub struct TableView {
    pub id: String,
    pub caption: String,
    /// The CSV with the same rows, relative to the site's root.
    pub csv: String,
    pub headers: Vec<String>,
    pub rows: Vec<RowView>,
}

#[derive(Debug, Clone)]
pub struct RowView {
    pub cells: Vec<String>,
    pub suppressed: bool,
}

#[derive(Debug, Clone)]
pub struct FigureView {
    pub name: String,
    pub title: String,
    pub alt: String,
    pub width: u32,
    pub height: u32,
    pub table: TableView,
}

#[derive(Debug, Clone)]
pub struct FindingView {
    pub text: String,
    pub question: String,
    pub option: String,
    pub strata: String,
    pub benchmark: String,
    pub page: String,
    /// The question the details link goes to, so the link makes sense out of context.
    pub page_subject: String,
}

#[derive(Debug, Clone)]
pub struct Link {
    pub href: String,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct Fact {
    pub term: String,
    pub value: String,
}

#[derive(Template)]
#[template(path = "report/index.html")]
struct IndexPage<'a> {
    site_title: &'a str,
    page_title: String,
    description: String,
    findings: Vec<FindingView>,
    rates: FigureView,
    sections: Vec<Link>,
    downloads: Vec<Link>,
    facts: Vec<Fact>,
    /// The pledges page, when the survey has a publishable question.
    pledges: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "report/question.html")]
struct QuestionPage<'a> {
    site_title: &'a str,
    page_title: String,
    heading: String,
    hint: String,
    base: String,
    figures: Vec<FigureView>,
    tables: Vec<TableView>,
    tests: Vec<String>,
    previous: Option<Link>,
    next: Option<Link>,
}

#[derive(Template)]
#[template(path = "report/methodology.html")]
struct MethodologyPage<'a> {
    site_title: &'a str,
    page_title: String,
    facts: Vec<Fact>,
    frame: TableView,
    stratum_question: String,
    threshold: u32,
    level: String,
    interval: String,
    sensitive: Vec<String>,
    fieldwork: String,
    benchmarks: Vec<Fact>,
}

fn pct1(p: f64) -> String {
    format!("{:.1}%", p * 100.0)
}

fn estimate_table(
    lookup: &Lookup<'_>,
    id: &str,
    caption: String,
    csv: String,
    rows: &[EstimateRow],
) -> TableView {
    let headers = [
        "Group",
        "Answer",
        "Estimate",
        "95% CI",
        "Base n",
        "Design effect",
        "Note",
    ]
    .iter()
    .map(|h| (*h).to_owned())
    .collect();
    let rows = rows
        .iter()
        .map(|r| {
            let answer = answer_label(lookup.definition, &r.question_id, &r.option);
            let (estimate, ci) = match (r.suppressed, r.estimate) {
                (false, Some(v)) => (
                    display_estimate(&r.option, v),
                    match (r.ci_low, r.ci_high) {
                        (Some(l), Some(h)) => {
                            format!(
                                "{} to {}",
                                display_estimate(&r.option, l),
                                display_estimate(&r.option, h)
                            )
                        }
                        _ => "–".to_owned(),
                    },
                ),
                (true, _) => ("Suppressed".to_owned(), "–".to_owned()),
                (false, None) => ("–".to_owned(), "–".to_owned()),
            };
            let note = if r.suppressed {
                format!("Suppressed: {}", lookup.short_reason(Some(r)))
            } else {
                r.reason.clone()
            };
            RowView {
                cells: vec![
                    lookup.stratum_label(&r.stratum),
                    answer,
                    estimate,
                    ci,
                    r.n.to_string(),
                    r.deff
                        .map(|d| format!("{d:.2}"))
                        .unwrap_or_else(|| "–".to_owned()),
                    note,
                ],
                suppressed: r.suppressed,
            }
        })
        .collect();
    TableView {
        id: id.to_owned(),
        caption,
        csv,
        headers,
        rows,
    }
}

fn rates_table(analysis: &Analysis) -> TableView {
    let headers = [
        "Stratum",
        "Population (frame)",
        "Invited",
        "Complete",
        "Partial",
        "Complete / population",
        "Complete / invited",
    ]
    .iter()
    .map(|h| (*h).to_owned())
    .collect();
    let mut rows: Vec<RowView> = analysis
        .response_rates
        .iter()
        .map(|r| RowView {
            cells: vec![
                r.label.clone(),
                r.population.to_string(),
                r.invited.to_string(),
                r.complete.to_string(),
                r.partial.to_string(),
                r.rate_frame.map(pct1).unwrap_or_else(|| "–".to_owned()),
                r.rate_invited.map(pct1).unwrap_or_else(|| "–".to_owned()),
            ],
            suppressed: false,
        })
        .collect();
    let population: u64 = analysis.response_rates.iter().map(|r| r.population).sum();
    let invited: i64 = analysis.response_rates.iter().map(|r| r.invited).sum();
    let complete: i64 = analysis.response_rates.iter().map(|r| r.complete).sum();
    let partial: i64 = analysis.response_rates.iter().map(|r| r.partial).sum();
    rows.push(RowView {
        cells: vec![
            "All strata".to_owned(),
            population.to_string(),
            invited.to_string(),
            complete.to_string(),
            partial.to_string(),
            if population > 0 {
                pct1(complete as f64 / population as f64)
            } else {
                "–".to_owned()
            },
            if invited > 0 {
                pct1(complete as f64 / invited as f64)
            } else {
                "–".to_owned()
            },
        ],
        suppressed: false,
    });
    TableView {
        id: "table-response-rates".to_owned(),
        caption: "Responses and response rates by stratum".to_owned(),
        csv: "response_rates.csv".to_owned(),
        headers,
        rows,
    }
}

fn figure(lookup: &Lookup<'_>, chart: &ReportChart, analysis: &Analysis) -> FigureView {
    let (width, height) = chart.chart.size();
    let table = if chart.chart.name == "response-rates" {
        TableView {
            id: "data-response-rates".to_owned(),
            ..rates_table(analysis)
        }
    } else {
        estimate_table(
            lookup,
            &format!("data-{}", chart.chart.name),
            format!("Data for the chart: {}", chart.chart.title),
            format!("data/{}.csv", chart.chart.name),
            &chart.rows,
        )
    };
    FigureView {
        name: chart.chart.name.clone(),
        title: chart.chart.title.clone(),
        alt: chart.alt.clone(),
        width,
        height,
        table,
    }
}

fn question_page_name(id: &str) -> String {
    format!("q-{}.html", stem(id))
}

fn date(d: chrono::NaiveDateTime) -> String {
    d.format("%-d %B %Y").to_string()
}

/// Build every file of the report of `analysis`, with a pledges page of `pledges` (approved,
/// newest first) when the survey has a publishable question.
pub fn build_site(
    definition: &SurveyDefinition,
    plan: &Plan,
    analysis: &Analysis,
    provenance: &Provenance,
    pledges: &[fieldwork_store::PublishedPledge],
) -> Result<Site, AnalysisError> {
    let lookup = Lookup::new(definition, plan, analysis);
    let mut files: Vec<SiteFile> = Vec::new();
    let mut add = |path: String, content_type: &'static str, body: Vec<u8>| {
        files.push(SiteFile {
            path,
            content_type,
            body,
        });
    };
    let render = |e: askama::Error| AnalysisError::Report(e.to_string());
    let csv = |e: csv::Error| AnalysisError::Report(e.to_string());
    let site_title = definition.title.as_str();

    // The analysis outputs, as `fieldwork analyze` writes them.
    add(
        "estimates.csv".into(),
        CSV,
        csv_bytes(&analysis.estimates).map_err(csv)?,
    );
    add(
        "estimates.json".into(),
        "application/json",
        (serde_json::to_string_pretty(&analysis.estimates)
            .map_err(|e| AnalysisError::Report(e.to_string()))?
            + "\n")
            .into_bytes(),
    );
    add(
        "tests.csv".into(),
        CSV,
        csv_bytes(&analysis.tests).map_err(csv)?,
    );
    add(
        "response_rates.csv".into(),
        CSV,
        csv_bytes(&analysis.response_rates).map_err(csv)?,
    );
    add(
        "style.css".into(),
        "text/css; charset=utf-8",
        STYLE.as_bytes().to_vec(),
    );

    let all_charts = chart_list_for(definition, plan, analysis);
    for chart in &all_charts {
        add(
            format!("charts/{}.svg", chart.chart.name),
            "image/svg+xml",
            chart.chart.svg()?.into_bytes(),
        );
        add(
            format!("charts/{}.png", chart.chart.name),
            "image/png",
            chart.chart.png()?,
        );
        if !chart.rows.is_empty() {
            add(
                format!("data/{}.csv", chart.chart.name),
                CSV,
                csv_bytes(&chart.rows).map_err(csv)?,
            );
        }
    }

    // A page per question.
    let questions = plan.questions(definition);
    let sections: Vec<Link> = questions
        .iter()
        .map(|q| Link {
            href: question_page_name(&q.id),
            text: q.text.to_string(),
        })
        .collect();
    for (i, question) in questions.iter().enumerate() {
        let id = question.id.as_str();
        let mut figures = Vec::new();
        for chart in question_charts(&lookup, question) {
            figures.push(figure(&lookup, &chart, analysis));
        }
        let own =
            |r: &&EstimateRow| r.question_id == id || r.question_id.starts_with(&format!("{id}."));
        let rows: Vec<EstimateRow> = analysis.estimates.iter().filter(own).cloned().collect();
        let table_csv = format!("data/table-{}.csv", stem(id));
        add(table_csv.clone(), CSV, csv_bytes(&rows).map_err(csv)?);
        let mut tables = Vec::new();
        // A grid gets a table per item (and one for its scale score); other questions one.
        let mut variables: Vec<String> = Vec::new();
        for r in &rows {
            if !variables.contains(&r.question_id) {
                variables.push(r.question_id.clone());
            }
        }
        for variable in &variables {
            let item_rows: Vec<EstimateRow> = rows
                .iter()
                .filter(|r| &r.question_id == variable)
                .cloned()
                .collect();
            let caption = match (&question.kind, variable.split_once('.')) {
                (QuestionKind::LikertGrid { items, .. }, Some((_, item))) => {
                    items.iter().find(|it| it.id == item).map_or_else(
                        || variable.clone(),
                        |it| format!("Estimates: \"{}\"", it.text),
                    )
                }
                (QuestionKind::LikertGrid { .. }, None) => {
                    "Estimates: mean scale score over the statements".to_owned()
                }
                _ => format!("Estimates: {}", question.text),
            };
            tables.push(estimate_table(
                &lookup,
                &format!("table-{}", stem(variable)),
                caption,
                table_csv.clone(),
                &item_rows,
            ));
        }
        let tests: Vec<String> = analysis
            .tests
            .iter()
            .filter(|t| t.question_id == id || t.question_id.starts_with(&format!("{id}.")))
            .filter_map(|t| describe_test(&lookup, t))
            .collect();
        let base = lookup
            .row(
                &rows
                    .first()
                    .map(|r| r.question_id.clone())
                    .unwrap_or_default(),
                &rows.first().map(|r| r.option.clone()).unwrap_or_default(),
                ALL_STRATA,
            )
            .filter(|_| !matches!(question.kind, QuestionKind::LikertGrid { .. }))
            .map(|r| format!("Base: {} responses in all strata.", format::thousands(r.n)))
            .unwrap_or_default();
        let page = QuestionPage {
            site_title,
            page_title: format!("{} – {}", question.text, site_title),
            heading: question.text.to_string(),
            hint: question
                .hint
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            base,
            figures,
            tables,
            tests,
            previous: i.checked_sub(1).map(|p| sections[p].clone()),
            next: sections.get(i + 1).cloned(),
        };
        add(
            question_page_name(id),
            HTML,
            page.render().map_err(render)?.into_bytes(),
        );
    }

    // The front page.
    let found = findings(&lookup);
    let finding_views: Vec<FindingView> = found
        .iter()
        .map(|f| FindingView {
            text: f.text.clone(),
            question: f.question.clone(),
            option: f.option.clone(),
            strata: f.strata.join(" "),
            benchmark: f.benchmark.map(|b| format!("{b}")).unwrap_or_default(),
            page: question_page_name(f.question.split('.').next().unwrap_or(&f.question)),
            page_subject: definition
                .question(f.question.split('.').next().unwrap_or(&f.question))
                .map(|q| q.text.to_string())
                .unwrap_or_default(),
        })
        .collect();
    let rates_chart = all_charts
        .iter()
        .find(|c| c.chart.name == "response-rates")
        .ok_or_else(|| AnalysisError::Report("no response-rate chart".into()))?;
    let facts = provenance_facts(definition, plan, analysis, provenance);
    // Linked whenever the survey takes pledges, none published yet included: the served
    // report's page is read live, so pledges approved after publishing appear on it.
    let takes_pledges = definition.publishable_questions().next().is_some();
    if takes_pledges {
        let page = pledges_page(definition, plan.suppression_threshold, pledges)?;
        add(PLEDGES_PAGE.into(), HTML, page.into_bytes());
    }
    let index = IndexPage {
        site_title,
        page_title: format!("{site_title}: findings"),
        description: report_summary(plan, analysis),
        findings: finding_views,
        rates: figure(&lookup, rates_chart, analysis),
        sections,
        downloads: vec![
            Link {
                href: "estimates.csv".into(),
                text: "Every estimate (CSV)".into(),
            },
            Link {
                href: "estimates.json".into(),
                text: "Every estimate (JSON)".into(),
            },
            Link {
                href: "tests.csv".into(),
                text: "Tests of association and reliability (CSV)".into(),
            },
            Link {
                href: "response_rates.csv".into(),
                text: "Responses and response rates (CSV)".into(),
            },
        ],
        facts: facts.clone(),
        pledges: takes_pledges.then_some(PLEDGES_PAGE),
    };
    add(
        "index.html".into(),
        HTML,
        index.render().map_err(render)?.into_bytes(),
    );

    let stratum_question = definition
        .stratification
        .as_ref()
        .and_then(|s| definition.question(&s.question))
        .map(|q| q.text.to_string())
        .unwrap_or_default();
    let frame_sources = definition
        .stratification
        .as_ref()
        .map(|s| s.frame.sources.clone())
        .unwrap_or_default();
    let mut frame = rates_table(analysis);
    frame.id = "table-frame".into();
    frame.caption = "The population frame and the responses in each stratum".into();
    frame.headers.push("Source of the population figure".into());
    for (row, rate) in frame.rows.iter_mut().zip(&analysis.response_rates) {
        row.cells.push(
            frame_sources
                .get(&rate.stratum)
                .cloned()
                .unwrap_or_default(),
        );
    }
    if let Some(total) = frame.rows.last_mut() {
        if total.cells.len() < frame.headers.len() {
            total.cells.push(String::new());
        }
    }
    let methodology = MethodologyPage {
        site_title,
        page_title: format!("Methodology – {site_title}"),
        facts,
        frame,
        stratum_question,
        threshold: analysis.suppression_threshold,
        level: format!("{:.0}%", analysis.confidence_level * 100.0),
        interval: match plan.interval {
            crate::plan::IntervalChoice::Logit => {
                "the logit method (as R's svyciprop does by default)".into()
            }
            crate::plan::IntervalChoice::Wilson => {
                "Wilson's method with the design-based effective sample size".into()
            }
        },
        sensitive: definition
            .questions()
            .filter(|q| q.sensitive && !matches!(q.kind, QuestionKind::Text { .. }))
            .map(|q| q.text.to_string())
            .collect(),
        fieldwork: plan.fieldwork.clone().unwrap_or_default(),
        benchmarks: plan
            .benchmarks
            .iter()
            .map(|b| Fact {
                term: format!("{} ({})", format::percent(b.value), b.label),
                value: b.source.clone(),
            })
            .collect(),
    };
    add(
        "methodology.html".into(),
        HTML,
        methodology.render().map_err(render)?.into_bytes(),
    );

    Ok(Site {
        files,
        plan_hash: provenance.plan_hash.clone(),
        survey_version: analysis.version,
        findings: found,
    })
}

/// The front page's opening paragraph: the plan's own summary, or who responded and how
/// the figures were made. (The survey's description speaks to respondents, not readers.)
fn report_summary(plan: &Plan, analysis: &Analysis) -> String {
    if let Some(summary) = plan
        .summary
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        return summary.to_owned();
    }
    let complete: i64 = analysis.response_rates.iter().map(|r| r.complete).sum();
    let groups: Vec<&str> = analysis
        .response_rates
        .iter()
        .map(|r| r.label.as_str())
        .collect();
    let across = match groups.as_slice() {
        [] | [_] => String::new(),
        [init @ .., last] => format!(" across {} and {last}", init.join(", ")),
    };
    format!(
        "What {} people who completed {}{across} told us. Each figure is weighted to the \
         population of its group, with a {:.0}% confidence interval; figures resting on fewer \
         than {} responses are withheld, so that no one who took part can be identified.",
        format::thousands(complete.max(0) as u64),
        analysis.title,
        analysis.confidence_level * 100.0,
        analysis.suppression_threshold,
    )
}

fn provenance_facts(
    definition: &SurveyDefinition,
    plan: &Plan,
    analysis: &Analysis,
    provenance: &Provenance,
) -> Vec<Fact> {
    let complete: i64 = analysis.response_rates.iter().map(|r| r.complete).sum();
    let partial: i64 = analysis.response_rates.iter().map(|r| r.partial).sum();
    let population: u64 = analysis.response_rates.iter().map(|r| r.population).sum();
    let mut facts = vec![
        Fact {
            term: "Survey".into(),
            value: format!(
                "{} ({}), version {}",
                definition.title, definition.slug, analysis.version
            ),
        },
        Fact {
            term: "Responses".into(),
            value: format!(
                "{} complete ({}), {partial} partial (not analysed)",
                format::thousands(complete.max(0) as u64),
                if population > 0 {
                    format!(
                        "{} of a population of {}",
                        pct1(complete as f64 / population as f64),
                        format::thousands(population)
                    )
                } else {
                    "no population frame".to_owned()
                }
            ),
        },
    ];
    if let Some(fieldwork) = &plan.fieldwork {
        facts.push(Fact {
            term: "Fieldwork".into(),
            value: fieldwork.clone(),
        });
    }
    facts.push(Fact {
        term: "Responses submitted".into(),
        value: match provenance.submissions {
            Some((first, last)) => format!("{} to {}", date(first), date(last)),
            None => "none yet".to_owned(),
        },
    });
    facts.push(Fact {
        term: "Analysis plan (SHA-256)".into(),
        value: provenance
            .plan_hash
            .clone()
            .unwrap_or_else(|| "the default plan (every question but free text)".to_owned()),
    });
    if let Some(generated) = provenance.generated {
        facts.push(Fact {
            term: "Report generated".into(),
            value: format!(
                "{} by fieldwork {}",
                generated.format("%-d %B %Y %H:%M UTC"),
                env!("CARGO_PKG_VERSION")
            ),
        });
    }
    facts
}

fn describe_test(lookup: &Lookup<'_>, test: &TestRow) -> Option<String> {
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
        "the answers".to_owned()
    };
    if test.suppressed {
        let what = if test.test == "cronbach_alpha" {
            format!(
                "Cronbach's alpha in {}",
                lookup.stratum_label(&test.stratum)
            )
        } else {
            format!("Association of {variable} with the stratum")
        };
        let reason = if test.reason.is_empty() {
            "base below the threshold"
        } else {
            test.reason.as_str()
        };
        return Some(format!("{what}: suppressed ({reason})."));
    }
    match test.test.as_str() {
        "rao_scott_f" => {
            let (f, ndf, ddf, p) = (test.statistic?, test.ndf?, test.ddf?, test.p_value?);
            let p = if p < 0.001 {
                "p < 0.001".to_owned()
            } else {
                format!("p = {p:.3}")
            };
            Some(format!(
                "Association of {variable} with the stratum (Rao-Scott F): F = {f:.2} on {ndf:.2} and {ddf:.1} degrees of freedom, {p}."
            ))
        }
        "cronbach_alpha" => test.statistic.map(|a| {
            format!(
                "Cronbach's alpha of the statements in {}: {a:.2} (n = {}).",
                lookup.stratum_label(&test.stratum),
                test.n
            )
        }),
        _ => None,
    }
}
