//! One survey's page: progress per stratum, the downloads, opening and closing.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use fieldwork_analysis::StratumResponses;
use fieldwork_store::SurveyStatus;

use super::AdminForm;
use super::{chrome, render, see_other, Chrome};
use crate::auth::Researcher;
use crate::auth::{standing, Need, Standing};
use crate::extract::CheckedForm;
use crate::integration::EXPORT_FORMATS;
use crate::outreach::{outreach_rates, percent, StratumOutreachRates};
use crate::pages::PageError;
use crate::slug::Slug;
use crate::AppState;
use fieldwork_analysis::format::thousands;

#[derive(Debug, Clone)]
struct ProgressRow {
    label: String,
    /// Counts with thousands separators, as GOV.UK style writes them.
    population: String,
    invited: String,
    complete: String,
    partial: String,
    rate: String,
}

#[derive(Debug, Clone)]
struct FormatLink {
    name: &'static str,
    description: &'static str,
}

#[derive(Template)]
#[template(path = "admin/survey.html")]
struct SurveyPage {
    chrome: Chrome,
    slug: String,
    /// Why the survey cannot be opened (it has no privacy notice), shown instead of "Open".
    open_refusal: Option<String>,
    title: String,
    version: u32,
    status: &'static str,
    role: String,
    retain_until: String,
    can_results: bool,
    can_manage: bool,
    /// "3 pledges awaiting a decision", when the survey takes pledges and the caller moderates.
    pledges_waiting: Option<String>,
    progress: Vec<ProgressRow>,
    /// Per stratum with contacts: the emails and the response rates (`outreach`).
    outreach: Vec<OutreachRow>,
    formats: Vec<FormatLink>,
}

#[derive(Debug, Clone)]
struct OutreachRow {
    stratum: String,
    contacts: i64,
    sent: i64,
    failed: i64,
    opted_out: i64,
    started: i64,
    completed: i64,
    rate_of_frame: String,
    rate_of_contacts: String,
}

impl From<StratumOutreachRates> for OutreachRow {
    fn from(r: StratumOutreachRates) -> Self {
        OutreachRow {
            rate_of_frame: percent(r.rate_of_frame),
            rate_of_contacts: percent(r.rate_of_contacts),
            stratum: r.stratum,
            contacts: r.contacts,
            sent: r.sent,
            failed: r.failed,
            opted_out: r.opted_out,
            started: r.started,
            completed: r.completed,
        }
    }
}

pub(super) fn role_text(standing: Standing) -> String {
    match (standing.role, standing.admin) {
        (Some(role), _) => role.as_str().to_owned(),
        (None, _) => "administrator".to_owned(),
    }
}

pub(super) async fn survey_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
    researcher: Researcher,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    let standing = standing(&state, &researcher.user, &slug, Need::Report).await?;
    let can_results = standing.allows(Need::Results);
    let can_moderate = standing.allows(Need::Moderate);
    let s = slug.clone();
    let (survey, retain_until, (progress, outreach), waiting) = state
        .store_call(move |store| {
            let survey = store.latest_survey(&s)?;
            let retain = store.retention(&s)?;
            let progress = if can_results {
                let outreach = outreach_rates(store, &s)?;
                (fieldwork_analysis::fieldwork_progress(store, &s)?, outreach)
            } else {
                (Vec::new(), Vec::new())
            };
            let waiting = pledges_waiting(store, &survey.definition, can_moderate)?;
            Ok((survey, retain, progress, waiting))
        })
        .await?;
    let (chrome, cookie) = chrome(&state, &req, Some(&researcher.user), false);
    let page = SurveyPage {
        chrome,
        slug,
        title: survey.definition.title.to_string(),
        open_refusal: survey.definition.open_refusal(),
        version: survey.version(),
        status: survey.status.as_str(),
        role: role_text(standing),
        retain_until: retain_until.map_or_else(|| "Not set".to_owned(), |d| d.to_string()),
        can_results,
        can_manage: standing.allows(Need::Manage),
        pledges_waiting: waiting,
        progress: progress.into_iter().map(ProgressRow::from).collect(),
        outreach: outreach
            .into_iter()
            .filter(|r| r.contacts > 0)
            .map(OutreachRow::from)
            .collect(),
        formats: EXPORT_FORMATS
            .iter()
            .map(|f| FormatLink {
                name: f.name,
                description: f.description,
            })
            .collect(),
    };
    render(StatusCode::OK, &page, cookie)
}

/// How many pledges await a decision, in words, when the survey takes pledges and the caller
/// may moderate them.
fn pledges_waiting(
    store: &fieldwork_store::Store,
    definition: &fieldwork_survey::SurveyDefinition,
    can_moderate: bool,
) -> Result<Option<String>, fieldwork_store::StoreError> {
    if !can_moderate || definition.publishable_questions().next().is_none() {
        return Ok(None);
    }
    Ok(Some(match store.pending_pledges(&definition.slug)?.len() {
        1 => "1 pledge awaiting a decision".to_owned(),
        n => format!("{} pledges awaiting a decision", thousands(n as u64)),
    }))
}

impl From<StratumResponses> for ProgressRow {
    fn from(p: StratumResponses) -> Self {
        let count = |n: i64| thousands(n.max(0) as u64);
        ProgressRow {
            label: p.label,
            population: thousands(p.population),
            invited: count(p.invited),
            complete: count(p.complete),
            partial: count(p.partial),
            rate: percent(p.rate_invited.or(p.rate_frame)),
        }
    }
}

pub(super) async fn set_status(
    state: web::Data<AppState>,
    path: web::Path<Slug>,
    researcher: Researcher,
    CheckedForm(form): AdminForm,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    standing(&state, &researcher.user, &slug, Need::Manage).await?;
    let status = match form.first("status") {
        Some("open") => SurveyStatus::Open,
        Some("closed") => SurveyStatus::Closed,
        _ => {
            return Err(PageError::message(
                StatusCode::BAD_REQUEST,
                "The survey's status was not changed",
                &["Use the Open or Close button on the survey's page."],
            ))
        }
    };
    let (s, email) = (slug.clone(), researcher.user.email.clone());
    let refusal = state
        .store_call(move |store| {
            if status == SurveyStatus::Open {
                if let Some(problem) = store.latest_survey(&s)?.definition.open_refusal() {
                    return Ok(Some(problem));
                }
            }
            store.set_survey_status_as(&s, status, &email).map(|_| None)
        })
        .await?;
    if let Some(problem) = refusal {
        return Err(PageError::message(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The survey cannot be opened yet",
            &[&problem, "Nothing was changed."],
        ));
    }
    Ok(see_other(&format!("/admin/surveys/{slug}")))
}
