//! The report's pages (askama templates under `templates/report/`, every value escaped) and
//! the files of the site, in each of the report's languages.
//!
//! Each language is a complete site: the default language's at the root, every other one's
//! in its own folder (`cy/`), with the same file names, so relative links stay inside a
//! language and a page's switcher names the same page in the other folders. The data files
//! hold codes, so they are the same bytes in every language.

use askama::Template;
use fieldwork_store::PublishedPledge;
use fieldwork_survey::{QuestionKind, SurveyDefinition};

use super::findings::findings;
use super::pledges::{pledges_page, PLEDGES_PAGE};
use super::prose::{describe_test, provenance_facts, report_summary, Fact};
use super::tables::{estimate_table, figure, frame_table, FigureView, TableView};
use super::words::{PageUi, ReportLanguage};
use super::{
    charts as chart_list_for, stem, Finding, Lookup, Provenance, ReportChart, Site, SiteFile,
};
use crate::format;
use crate::{csv_bytes, Analysis, AnalysisError, EstimateRow, Plan, ALL_STRATA};

const STYLE: &str = include_str!("../../templates/report/style.css");

const HTML: &str = "text/html; charset=utf-8";
const CSV: &str = "text/csv; charset=utf-8";

#[derive(Debug, Clone)]
pub struct FindingView {
    pub text: String,
    pub question: String,
    pub option: String,
    pub strata: String,
    pub benchmark: String,
    pub page: String,
    /// The question the details link goes to, so the link makes sense out of context:
    /// "of the results for ‘…’".
    pub page_subject: String,
}

#[derive(Debug, Clone)]
pub struct Link {
    pub href: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "report/index.html")]
struct IndexPage<'a> {
    ui: PageUi<'a>,
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
    ui: PageUi<'a>,
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
    ui: PageUi<'a>,
    site_title: &'a str,
    page_title: String,
    facts: Vec<Fact>,
    frame: TableView,
    stratum_question: String,
    threshold: String,
    level: String,
    /// What the intervals are, in a sentence.
    intervals: String,
    sensitive: Vec<String>,
    fieldwork: String,
    benchmarks: Vec<Fact>,
}

fn question_page_name(id: &str) -> String {
    format!("q-{}.html", stem(id))
}

fn render(e: askama::Error) -> AnalysisError {
    AnalysisError::Report(e.to_string())
}

fn csv_error(e: csv::Error) -> AnalysisError {
    AnalysisError::Report(e.to_string())
}

/// Build every file of the report of `analysis` in each of `languages` (the first at the
/// site's root), with a pledges page of `pledges` (approved, newest first) when the survey has
/// a publishable question. `definition` is the survey in all its languages.
pub fn build_site(
    definition: &SurveyDefinition,
    plan: &Plan,
    analysis: &Analysis,
    provenance: &Provenance,
    pledges: &[PublishedPledge],
    languages: &[ReportLanguage],
) -> Result<Site, AnalysisError> {
    let mut files = Vec::new();
    let mut root_findings = None;
    for language in languages {
        let single = definition.in_language(language.code());
        let mut one = LanguageSite {
            definition: &single,
            lookup: Lookup::new(&single, plan, analysis, language),
            files: Vec::new(),
        };
        let found = one.build(provenance, pledges)?;
        root_findings.get_or_insert(found);
        files.extend(one.files.into_iter().map(|file| SiteFile {
            path: format!("{}{}", language.folder, file.path),
            ..file
        }));
    }
    Ok(Site {
        files,
        plan_hash: provenance.plan_hash.clone(),
        survey_version: analysis.version,
        findings: root_findings.unwrap_or_default(),
    })
}

/// The files of the report in one language, as they are made.
struct LanguageSite<'a> {
    /// The survey in this language alone.
    definition: &'a SurveyDefinition,
    lookup: Lookup<'a>,
    files: Vec<SiteFile>,
}

impl<'a> LanguageSite<'a> {
    fn add(&mut self, path: String, content_type: &'static str, body: Vec<u8>) {
        self.files.push(SiteFile {
            path,
            content_type,
            body,
        });
    }

    fn add_page(&mut self, path: String, page: &impl Template) -> Result<(), AnalysisError> {
        let body = page.render().map_err(render)?.into_bytes();
        self.add(path, HTML, body);
        Ok(())
    }

    fn ui(&self, page: &str) -> PageUi<'a> {
        self.lookup.words.ui(page)
    }

    fn build(
        &mut self,
        provenance: &Provenance,
        pledges: &[PublishedPledge],
    ) -> Result<Vec<Finding>, AnalysisError> {
        self.data_files()?;
        let charts = chart_list_for(
            self.definition,
            self.lookup.plan,
            self.lookup.analysis,
            self.lookup.words,
        );
        self.chart_files(&charts)?;
        let sections = self.question_pages()?;
        let facts = provenance_facts(&self.lookup, provenance);
        let takes_pledges = self.pledges_page(pledges)?;
        let found = self.index_page(&charts, sections, facts.clone(), takes_pledges)?;
        self.methodology_page(facts)?;
        Ok(found)
    }

    /// The analysis outputs, as `fieldwork analyze` writes them, and the stylesheet.
    fn data_files(&mut self) -> Result<(), AnalysisError> {
        let analysis = self.lookup.analysis;
        self.add(
            "estimates.csv".into(),
            CSV,
            csv_bytes(&analysis.estimates).map_err(csv_error)?,
        );
        let json = serde_json::to_string_pretty(&analysis.estimates)
            .map_err(|e| AnalysisError::Report(e.to_string()))?;
        self.add(
            "estimates.json".into(),
            "application/json",
            (json + "\n").into_bytes(),
        );
        self.add(
            "tests.csv".into(),
            CSV,
            csv_bytes(&analysis.tests).map_err(csv_error)?,
        );
        self.add(
            "response_rates.csv".into(),
            CSV,
            csv_bytes(&analysis.response_rates).map_err(csv_error)?,
        );
        self.add(
            "style.css".into(),
            "text/css; charset=utf-8",
            STYLE.as_bytes().to_vec(),
        );
        Ok(())
    }

    fn chart_files(&mut self, charts: &[ReportChart]) -> Result<(), AnalysisError> {
        for chart in charts {
            let name = &chart.chart.name;
            self.add(
                format!("charts/{name}.svg"),
                "image/svg+xml",
                chart.chart.svg()?.into_bytes(),
            );
            self.add(
                format!("charts/{name}.png"),
                "image/png",
                chart.chart.png()?,
            );
            if !chart.rows.is_empty() {
                let rows = csv_bytes(&chart.rows).map_err(csv_error)?;
                self.add(format!("data/{name}.csv"), CSV, rows);
            }
        }
        Ok(())
    }

    /// A page per planned question; the links to them, in order.
    fn question_pages(&mut self) -> Result<Vec<Link>, AnalysisError> {
        let questions = self.lookup.plan.questions(self.definition);
        let sections: Vec<Link> = questions
            .iter()
            .map(|q| Link {
                href: question_page_name(&q.id),
                text: q.text.to_string(),
            })
            .collect();
        for (i, question) in questions.iter().enumerate() {
            let previous = i.checked_sub(1).map(|p| sections[p].clone());
            let next = sections.get(i + 1).cloned();
            self.question_page(question, previous, next)?;
        }
        Ok(sections)
    }

    fn question_page(
        &mut self,
        question: &fieldwork_survey::Question,
        previous: Option<Link>,
        next: Option<Link>,
    ) -> Result<(), AnalysisError> {
        let (lookup, words) = (&self.lookup, self.lookup.words);
        let id = question.id.as_str();
        let own = |variable: &str| variable == id || variable.starts_with(&format!("{id}."));
        let rows: Vec<EstimateRow> = (lookup.analysis.estimates.iter())
            .filter(|r| own(&r.question_id))
            .cloned()
            .collect();
        let table_csv = format!("data/table-{}.csv", stem(id));
        let figures: Vec<FigureView> = super::question_charts(lookup, question)
            .iter()
            .map(|chart| figure(lookup, chart))
            .collect();
        let tables = question_tables(lookup, question, &rows, &table_csv);
        let tests: Vec<String> = (lookup.analysis.tests.iter())
            .filter(|t| own(&t.question_id))
            .filter_map(|t| describe_test(lookup, t))
            .collect();
        let base = rows
            .first()
            .and_then(|first| lookup.row(&first.question_id, &first.option, ALL_STRATA))
            .filter(|_| !matches!(question.kind, QuestionKind::LikertGrid { .. }))
            .map(|r| words.with("report-base", &[("count", format::thousands(r.n).into())]))
            .unwrap_or_default();
        let site_title = self.definition.title.as_str();
        let page_name = question_page_name(id);
        let page = QuestionPage {
            ui: self.ui(&page_name),
            site_title,
            page_title: format!("{} – {}", question.text, site_title),
            heading: question.text.to_string(),
            hint: (question.hint.as_ref())
                .map(ToString::to_string)
                .unwrap_or_default(),
            base,
            figures,
            tables,
            tests,
            previous,
            next,
        };
        let rows = csv_bytes(&rows).map_err(csv_error)?;
        self.add(table_csv, CSV, rows);
        self.add_page(page_name, &page)
    }

    /// The pledges page, when the survey takes pledges (linked even before any is published:
    /// the served report's page is read live, so pledges approved after publishing appear on
    /// it). Whether it did.
    fn pledges_page(&mut self, pledges: &[PublishedPledge]) -> Result<bool, AnalysisError> {
        if self.definition.publishable_questions().next().is_none() {
            return Ok(false);
        }
        let threshold = self.lookup.plan.suppression_threshold;
        let page = pledges_page(self.definition, threshold, pledges, self.lookup.words)?;
        self.add(PLEDGES_PAGE.into(), HTML, page.into_bytes());
        Ok(true)
    }

    fn index_page(
        &mut self,
        charts: &[ReportChart],
        sections: Vec<Link>,
        facts: Vec<Fact>,
        takes_pledges: bool,
    ) -> Result<Vec<Finding>, AnalysisError> {
        let lookup = &self.lookup;
        let words = lookup.words;
        let found = findings(lookup);
        let finding_views = found.iter().map(|f| self.finding_view(f)).collect();
        let rates_chart = charts
            .iter()
            .find(|c| c.chart.name == "response-rates")
            .ok_or_else(|| AnalysisError::Report("no response-rate chart".into()))?;
        let download = |href: &str, id: &str| Link {
            href: href.into(),
            text: words.t(id),
        };
        let site_title = self.definition.title.as_str();
        let index = IndexPage {
            ui: self.ui("index.html"),
            site_title,
            page_title: words.with("report-index-title", &[("title", site_title.into())]),
            description: report_summary(lookup),
            findings: finding_views,
            rates: figure(lookup, rates_chart),
            sections,
            downloads: vec![
                download("estimates.csv", "report-download-estimates-csv"),
                download("estimates.json", "report-download-estimates-json"),
                download("tests.csv", "report-download-tests"),
                download("response_rates.csv", "report-download-rates"),
            ],
            facts,
            pledges: takes_pledges.then_some(PLEDGES_PAGE),
        };
        self.add_page("index.html".into(), &index)?;
        Ok(found)
    }

    fn finding_view(&self, f: &Finding) -> FindingView {
        let question = f.question.split('.').next().unwrap_or(&f.question);
        FindingView {
            text: f.text.clone(),
            question: f.question.clone(),
            option: f.option.clone(),
            strata: f.strata.join(" "),
            benchmark: f.benchmark.map(|b| format!("{b}")).unwrap_or_default(),
            page: question_page_name(question),
            page_subject: self.lookup.words.with(
                "report-details-of",
                &[(
                    "question",
                    (self.definition.question(question))
                        .map(|q| q.text.to_string())
                        .unwrap_or_default()
                        .into(),
                )],
            ),
        }
    }

    fn methodology_page(&mut self, facts: Vec<Fact>) -> Result<(), AnalysisError> {
        let (lookup, words) = (&self.lookup, self.lookup.words);
        let (definition, plan, analysis) = (self.definition, lookup.plan, lookup.analysis);
        let site_title = definition.title.as_str();
        let level = format!("{:.0}%", analysis.confidence_level * 100.0);
        let interval_method = match plan.interval {
            crate::plan::IntervalChoice::Logit => "report-interval-logit",
            crate::plan::IntervalChoice::Wilson => "report-interval-wilson",
        };
        let methodology = MethodologyPage {
            ui: self.ui("methodology.html"),
            site_title,
            page_title: format!("{} – {site_title}", words.t("report-methodology")),
            facts,
            frame: frame_table(lookup),
            stratum_question: (definition.stratification.as_ref())
                .and_then(|s| definition.question(&s.question))
                .map(|q| q.text.to_string())
                .unwrap_or_default(),
            threshold: analysis.suppression_threshold.to_string(),
            level: level.clone(),
            intervals: words.with(
                "report-intervals",
                &[
                    ("level", level.into()),
                    ("method", words.t(interval_method).into()),
                ],
            ),
            sensitive: definition
                .questions()
                .filter(|q| q.sensitive && !matches!(q.kind, QuestionKind::Text { .. }))
                .map(|q| q.text.to_string())
                .collect(),
            fieldwork: plan.fieldwork.clone().unwrap_or_default(),
            benchmarks: (plan.benchmarks.iter())
                .map(|b| Fact {
                    term: format!("{} ({})", format::percent(b.value), b.label),
                    value: b.source.clone(),
                })
                .collect(),
        };
        self.add_page("methodology.html".into(), &methodology)
    }
}

/// A question's tables: one, or for a grid one per statement and one for its scale score.
fn question_tables(
    lookup: &Lookup<'_>,
    question: &fieldwork_survey::Question,
    rows: &[EstimateRow],
    csv: &str,
) -> Vec<TableView> {
    let words = lookup.words;
    let mut variables: Vec<&str> = Vec::new();
    for r in rows {
        if !variables.contains(&r.question_id.as_str()) {
            variables.push(&r.question_id);
        }
    }
    variables
        .into_iter()
        .map(|variable| {
            let item_rows: Vec<EstimateRow> = rows
                .iter()
                .filter(|r| r.question_id == variable)
                .cloned()
                .collect();
            let caption = match (&question.kind, variable.split_once('.')) {
                (QuestionKind::LikertGrid { items, .. }, Some((_, item))) => {
                    items.iter().find(|it| it.id == item).map_or_else(
                        || variable.to_owned(),
                        |it| {
                            words.with(
                                "report-estimates-item-caption",
                                &[("item", it.text.as_str().into())],
                            )
                        },
                    )
                }
                (QuestionKind::LikertGrid { .. }, None) => {
                    words.t("report-estimates-scale-caption")
                }
                _ => words.with(
                    "report-estimates-caption",
                    &[("question", question.text.as_str().into())],
                ),
            };
            let id = format!("table-{}", stem(variable));
            estimate_table(lookup, &id, caption, csv.to_owned(), &item_rows)
        })
        .collect()
}
