//! A survey's contacts and their emails, for its owners only: upload contacts, send the
//! invitations and reminders (in the background), see what failed, delete the contacts.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::Utc;
use fieldwork_store::{ContactDeletion, FailedMessage, User};

use super::upload::read_upload;
use super::AdminForm;
use super::{chrome, render, Chrome};
use crate::auth::Researcher;
use crate::auth::{standing, Need};
use crate::csrf::{check_csrf, FormFields, CSRF_FIELD};
use crate::extract::CheckedForm;
use crate::outreach::{
    import_contacts, outreach_rates, percent, send_in_background, ContactImportError,
    StratumOutreachRates,
};
use crate::pages::{PageError, SummaryError};
use crate::slug::Slug;
use crate::AppState;

#[derive(Template)]
#[template(path = "admin/contacts.html")]
struct ContactsPage {
    chrome: Chrome,
    errors: Vec<SummaryError>,
    slug: String,
    title: String,
    /// What the last action did, announced at the top.
    done: Option<String>,
    /// What is wrong with the uploaded file, in one line.
    problem_summary: Option<String>,
    /// Each problem, by row, when there are several.
    problems: Vec<String>,
    rows: Vec<StratumOutreachRates>,
    contacts: i64,
    failed: Vec<FailedMessage>,
    has_templates: bool,
    mail_configured: bool,
    reminders_allowed: u32,
}

impl ContactsPage {
    fn percent(&self, rate: &Option<f64>) -> String {
        percent(*rate)
    }
}

async fn render_contacts(
    state: &AppState,
    req: &HttpRequest,
    user: &User,
    slug: &str,
    outcome: Result<Option<String>, Vec<String>>,
) -> Result<HttpResponse, PageError> {
    let s = slug.to_owned();
    let (survey, rows, failed) = state
        .store_call(move |store| {
            Ok((
                store.latest_survey(&s)?,
                outreach_rates(store, &s)?,
                store.failed_messages(&s)?,
            ))
        })
        .await?;
    let (done, problems, status) = match outcome {
        Ok(done) => (done, Vec::new(), StatusCode::OK),
        Err(problems) => (None, problems, StatusCode::UNPROCESSABLE_ENTITY),
    };
    // One line in the summary and by the field; the rows' problems are listed below it.
    let problem_summary = match problems.as_slice() {
        [] => None,
        [only] => Some(only.clone()),
        many => Some(format!(
            "Fix the {} problems in the contacts file listed below; nothing was added",
            many.len()
        )),
    };
    let errors: Vec<SummaryError> = problem_summary
        .iter()
        .map(|message| SummaryError {
            href: "#contacts".into(),
            message: message.clone(),
        })
        .collect();
    let (chrome, cookie) = chrome(state, req, Some(user), !errors.is_empty());
    let page = ContactsPage {
        chrome,
        errors,
        slug: slug.to_owned(),
        title: survey.definition.title.to_string(),
        done,
        problem_summary,
        problems,
        contacts: rows.iter().map(|r| r.contacts).sum(),
        rows,
        failed,
        has_templates: survey.definition.email.is_some(),
        mail_configured: state.config.mail.is_some(),
        reminders_allowed: survey
            .definition
            .email
            .as_ref()
            .map_or(0, |e| e.reminders_allowed),
    };
    render(status, &page, cookie)
}

pub(super) async fn contacts_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
    researcher: Researcher,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    standing(&state, &researcher.user, &slug, Need::Manage).await?;
    render_contacts(&state, &req, &researcher.user, &slug, Ok(None)).await
}

pub(super) async fn upload_contacts(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
    researcher: Researcher,
    body: web::Payload,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    let upload = read_upload(&req, body).await?;
    let csrf = upload.csrf.clone().unwrap_or_default();
    check_csrf(
        &req,
        &FormFields::from_pairs(vec![(CSRF_FIELD.to_owned(), csrf)]),
    )?;
    standing(&state, &researcher.user, &slug, Need::Manage).await?;
    let text = match upload.contacts.as_deref().map(std::str::from_utf8) {
        None | Some(Ok("")) => Err(vec!["Select a contacts file (CSV)".to_owned()]),
        Some(Err(_)) => Err(vec!["The contacts file must be CSV in UTF-8".to_owned()]),
        Some(Ok(text)) => Ok(text.to_owned()),
    };
    let outcome = match text {
        Err(problems) => Err(problems),
        Ok(text) => {
            let (s, actor) = (slug.clone(), researcher.user.email.clone());
            let imported = state
                .store_call(move |store| Ok(import_contacts(store, &s, &text, &actor)))
                .await?;
            match imported {
                Ok(n) => Ok(Some(format!(
                    "Added {n} contacts, each with a single-use invitation"
                ))),
                Err(ContactImportError::File(e)) => Err(e
                    .problems
                    .iter()
                    .map(|p| format!("Row {}: {}", p.line, p.message))
                    .collect()),
                Err(ContactImportError::Store(e)) => return Err(e.into()),
            }
        }
    };
    render_contacts(&state, &req, &researcher.user, &slug, outcome).await
}

pub(super) async fn send_invitations(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
    researcher: Researcher,
    CheckedForm(_form): AdminForm,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    queue_and_send(&state, &req, &researcher, slug, false).await
}

pub(super) async fn send_reminders(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
    researcher: Researcher,
    CheckedForm(_form): AdminForm,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    queue_and_send(&state, &req, &researcher, slug, true).await
}

/// Queue the invitations (or the reminders due now), and start sending them.
async fn queue_and_send(
    state: &AppState,
    req: &HttpRequest,
    researcher: &Researcher,
    slug: String,
    remind: bool,
) -> Result<HttpResponse, PageError> {
    standing(state, &researcher.user, &slug, Need::Manage).await?;
    let Some(config) = state.config.mail.clone() else {
        return Err(PageError::message(
            StatusCode::CONFLICT,
            "No mail server is configured",
            &["Start the server with FIELDWORK_SMTP_HOST and the other settings in docs/email.md."],
        ));
    };
    let s = slug.clone();
    let queued = state
        .store_call(move |store| {
            if !remind {
                return store.queue_invitations(&s);
            }
            let allowed = store
                .latest_survey(&s)?
                .definition
                .email
                .map_or(0, |e| e.reminders_allowed);
            store.queue_reminders(&s, Utc::now().naive_utc(), allowed)
        })
        .await?;
    let base = state.public.base.clone();
    send_in_background(state.store.clone(), config, base, slug.clone());
    let kind = if remind { "reminders" } else { "invitations" };
    let done = format!("Queued {queued} {kind}; they are being sent in the background");
    render_contacts(state, req, &researcher.user, &slug, Ok(Some(done))).await
}

pub(super) async fn delete_contacts(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
    researcher: Researcher,
    CheckedForm(_form): AdminForm,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    standing(&state, &researcher.user, &slug, Need::Manage).await?;
    let (s, actor) = (slug.clone(), researcher.user.email.clone());
    let deleted = state
        .store_call(move |store| store.delete_contacts(&s, ContactDeletion::Owner, &actor))
        .await?;
    let done = format!("Deleted {deleted} contacts and their emails");
    render_contacts(&state, &req, &researcher.user, &slug, Ok(Some(done))).await
}
