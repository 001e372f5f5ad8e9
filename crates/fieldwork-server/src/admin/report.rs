//! The draft report a researcher reads before publishing it, and publishing.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use fieldwork_analysis::report::labels::{answer_label, display_estimate, variable_label};
use fieldwork_analysis::EstimateRow;
use fieldwork_store::AuditEvent;
use fieldwork_survey::SurveyDefinition;
use serde_json::json;

use super::AdminForm;
use super::{audit, chrome, render, see_other, Chrome};
use crate::auth::Researcher;
use crate::auth::{standing, Need};
use crate::integration::{self, IntegrationError};
use crate::pages::PageError;
use crate::slug::Slug;
use crate::AppState;

#[derive(Debug, Clone)]
struct EstimateView {
    question: String,
    option: String,
    n: u64,
    estimate: String,
    interval: String,
}

#[derive(Template)]
#[template(path = "admin/report.html")]
struct ReportPage {
    chrome: Chrome,
    slug: String,
    title: String,
    can_manage: bool,
    published_path: Option<String>,
    problem: Option<String>,
    estimates: Vec<EstimateView>,
    suppressed: usize,
}

pub(super) async fn report_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
    researcher: Researcher,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    let standing = standing(&state, &researcher.user, &slug, Need::Report).await?;
    let s = slug.clone();
    let (definition, analysis, published_path) = state
        .store_call(move |store| {
            let survey = store.latest_survey(&s)?;
            let plan = fieldwork_analysis::Plan::default_for(&survey.definition);
            let analysis = fieldwork_analysis::analyze(store, &s, &plan);
            let published = integration::published_report_path(store, &s).ok().flatten();
            Ok::<_, fieldwork_store::StoreError>((survey.definition.clone(), analysis, published))
        })
        .await?;
    let (estimates, suppressed, problem) = match analysis {
        Ok(analysis) => {
            let (shown, suppressed) = all_strata_estimates(&definition, &analysis.estimates);
            (shown, suppressed, None)
        }
        Err(fieldwork_analysis::AnalysisError::Store(e)) => return Err(e.into()),
        Err(e) => (Vec::new(), 0, Some(e.to_string())),
    };
    let (chrome, cookie) = chrome(&state, &req, Some(&researcher.user), false);
    let page = ReportPage {
        chrome,
        slug,
        title: definition.title.to_string(),
        can_manage: standing.allows(Need::Manage),
        published_path,
        problem,
        estimates,
        suppressed,
    };
    render(StatusCode::OK, &page, cookie)
}

/// The all-strata estimates as the draft shows them, in the words respondents saw, and how
/// many were suppressed as too small to publish.
fn all_strata_estimates(
    definition: &SurveyDefinition,
    estimates: &[EstimateRow],
) -> (Vec<EstimateView>, usize) {
    let all: Vec<_> = estimates
        .iter()
        .filter(|e| e.stratum == fieldwork_analysis::ALL_STRATA)
        .collect();
    let suppressed = all.iter().filter(|e| e.suppressed).count();
    // The researchers' pages are in English.
    let english = fieldwork_survey::Messages::english();
    let figure = |value: Option<f64>, option: &str| {
        value.map_or_else(|| "–".to_owned(), |v| display_estimate(option, v, &english))
    };
    let shown = all
        .into_iter()
        .filter(|e| !e.suppressed)
        .map(|e| EstimateView {
            question: variable_label(definition, &e.question_id),
            option: answer_label(definition, &e.question_id, &e.option, &english),
            n: e.n,
            estimate: figure(e.estimate, &e.option),
            interval: match (e.ci_low, e.ci_high) {
                (Some(low), Some(high)) => format!(
                    "{} to {}",
                    figure(Some(low), &e.option),
                    figure(Some(high), &e.option)
                ),
                _ => "–".into(),
            },
        })
        .collect();
    (shown, suppressed)
}

pub(super) async fn publish(
    state: web::Data<AppState>,
    path: web::Path<Slug>,
    researcher: Researcher,
    _form: AdminForm,
) -> Result<HttpResponse, PageError> {
    change_publication(&state, path.into_inner(), researcher, true).await
}

pub(super) async fn unpublish(
    state: web::Data<AppState>,
    path: web::Path<Slug>,
    researcher: Researcher,
    _form: AdminForm,
) -> Result<HttpResponse, PageError> {
    change_publication(&state, path.into_inner(), researcher, false).await
}

async fn change_publication(
    state: &AppState,
    slug: Slug,
    researcher: Researcher,
    publish: bool,
) -> Result<HttpResponse, PageError> {
    let slug = slug.into_string();
    standing(state, &researcher.user, &slug, Need::Manage).await?;
    let s = slug.clone();
    let done = state
        .store_call(move |store| {
            // The store call itself succeeds; what publishing answered is inside.
            Ok(if publish {
                integration::publish_report(store, &s)
            } else {
                integration::unpublish_report(store, &s)
            })
        })
        .await?;
    match done {
        Ok(()) => {}
        Err(IntegrationError::Store(e)) => return Err(e.into()),
        Err(IntegrationError::Report(e)) => {
            return Err(PageError::message(
                StatusCode::UNPROCESSABLE_ENTITY,
                "The report cannot be published yet",
                &[&e.to_string(), "Nothing was changed."],
            ))
        }
        Err(e) => {
            tracing::error!(error = %e, "publishing failed");
            return Err(PageError::Internal);
        }
    }
    audit(
        state,
        AuditEvent {
            actor: &researcher.user.email,
            action: if publish {
                "report.published"
            } else {
                "report.unpublished"
            },
            survey: Some(&slug),
            detail: json!({}),
        },
    )
    .await?;
    Ok(see_other(&format!("/admin/surveys/{slug}/report")))
}
