//! The report's tables as its pages show them: the estimates of a question or a chart, and
//! the responses against the population frame, with their headers in the report's language.

use super::labels::{answer_label, display_estimate};
use super::words::ReportLanguage;
use super::{Lookup, ReportChart};
use crate::disclosure::REASON_UNANIMOUS;
use crate::{Analysis, EstimateRow};

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

const DASH: &str = "–";

fn pct1(p: f64) -> String {
    format!("{:.1}%", p * 100.0)
}

fn headers(words: &ReportLanguage, ids: &[&str]) -> Vec<String> {
    ids.iter().map(|id| words.t(id)).collect()
}

/// The estimates `rows`, a row each.
pub(super) fn estimate_table(
    lookup: &Lookup<'_>,
    id: &str,
    caption: String,
    csv: String,
    rows: &[EstimateRow],
) -> TableView {
    let words = lookup.words;
    let headers = headers(
        words,
        &[
            "report-header-group",
            "report-header-answer",
            "report-header-estimate",
            "report-header-ci",
            "report-header-base",
            "report-header-deff",
            "report-header-note",
        ],
    );
    let rows = rows.iter().map(|r| estimate_row(lookup, r)).collect();
    TableView {
        id: id.to_owned(),
        caption,
        csv,
        headers,
        rows,
    }
}

fn estimate_row(lookup: &Lookup<'_>, r: &EstimateRow) -> RowView {
    let words = lookup.words;
    let figure = |v: f64| display_estimate(&r.option, v, &words.words);
    let (estimate, ci) = match (r.suppressed, r.estimate) {
        (false, Some(v)) => (
            figure(v),
            match (r.ci_low, r.ci_high) {
                (Some(l), Some(h)) => words.with(
                    "report-range",
                    &[("low", figure(l).into()), ("high", figure(h).into())],
                ),
                _ => DASH.to_owned(),
            },
        ),
        (true, _) => (words.t("report-suppressed"), DASH.to_owned()),
        (false, None) => (DASH.to_owned(), DASH.to_owned()),
    };
    let note = if r.suppressed {
        words.with(
            "report-suppressed-because",
            &[("reason", lookup.short_reason(Some(r)).into())],
        )
    } else if r.reason == REASON_UNANIMOUS {
        words.t("report-note-unanimous")
    } else {
        r.reason.clone()
    };
    RowView {
        cells: vec![
            lookup.stratum_label(&r.stratum),
            answer_label(lookup.definition, &r.question_id, &r.option, &words.words),
            estimate,
            ci,
            r.n.to_string(),
            r.deff
                .map(|d| format!("{d:.2}"))
                .unwrap_or_else(|| DASH.to_owned()),
            note,
        ],
        suppressed: r.suppressed,
    }
}

/// Responses and response rates by stratum, with a row for all strata.
pub(super) fn rates_table(lookup: &Lookup<'_>) -> TableView {
    let analysis = lookup.analysis;
    let words = lookup.words;
    let headers = headers(
        words,
        &[
            "report-header-stratum",
            "report-header-population",
            "report-header-invited",
            "report-header-complete",
            "report-header-partial",
            "report-header-rate-population",
            "report-header-rate-invited",
        ],
    );
    let mut rows: Vec<RowView> = analysis
        .response_rates
        .iter()
        .map(|r| RowView {
            cells: vec![
                lookup.rates_label(r),
                r.population.to_string(),
                r.invited.to_string(),
                r.complete.to_string(),
                r.partial.to_string(),
                r.rate_frame.map(pct1).unwrap_or_else(|| DASH.to_owned()),
                r.rate_invited.map(pct1).unwrap_or_else(|| DASH.to_owned()),
            ],
            suppressed: false,
        })
        .collect();
    rows.push(all_strata_rates(words, analysis));
    TableView {
        id: "table-response-rates".to_owned(),
        caption: words.t("report-rates-caption"),
        csv: "response_rates.csv".to_owned(),
        headers,
        rows,
    }
}

fn all_strata_rates(words: &ReportLanguage, analysis: &Analysis) -> RowView {
    let population: u64 = analysis.response_rates.iter().map(|r| r.population).sum();
    let invited: i64 = analysis.response_rates.iter().map(|r| r.invited).sum();
    let complete: i64 = analysis.response_rates.iter().map(|r| r.complete).sum();
    let partial: i64 = analysis.response_rates.iter().map(|r| r.partial).sum();
    let share = |over: f64| {
        if over > 0.0 {
            pct1(complete as f64 / over)
        } else {
            DASH.to_owned()
        }
    };
    RowView {
        cells: vec![
            words.t("report-all-strata"),
            population.to_string(),
            invited.to_string(),
            complete.to_string(),
            partial.to_string(),
            share(population as f64),
            share(invited as f64),
        ],
        suppressed: false,
    }
}

/// The methodology's table: the response rates with the source of each stratum's population.
pub(super) fn frame_table(lookup: &Lookup<'_>) -> TableView {
    let frame_sources = lookup
        .definition
        .stratification
        .as_ref()
        .map(|s| s.frame.sources.clone())
        .unwrap_or_default();
    let mut frame = rates_table(lookup);
    frame.id = "table-frame".into();
    frame.caption = lookup.words.t("report-frame-caption");
    frame
        .headers
        .push(lookup.words.t("report-header-frame-source"));
    for (row, rate) in frame.rows.iter_mut().zip(&lookup.analysis.response_rates) {
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
    frame
}

/// A chart as its page shows it, with the table of its data.
pub(super) fn figure(lookup: &Lookup<'_>, chart: &ReportChart) -> FigureView {
    let (width, height) = chart.chart.size();
    let table = if chart.chart.name == "response-rates" {
        TableView {
            id: "data-response-rates".to_owned(),
            ..rates_table(lookup)
        }
    } else {
        estimate_table(
            lookup,
            &format!("data-{}", chart.chart.name),
            lookup.words.with(
                "report-chart-data-caption",
                &[("title", chart.chart.title.as_str().into())],
            ),
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
