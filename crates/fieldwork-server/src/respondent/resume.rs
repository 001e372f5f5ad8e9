//! Saving and coming back: the saved page, and resuming with the link or code.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::answerable_survey;
use super::privacy_href;
use super::session_cookie;
use super::session_cookie_name;
use super::RespondentForm;
use super::Session;
use super::SESSION_PURPOSE;
use crate::csrf::csrf_token;
use crate::extract::CheckedForm;
use crate::pages::{html, html_with_cookie, PageError};
use crate::slug::Slug;
use crate::tokens::hash;
use crate::AppState;

#[derive(Template)]
#[template(path = "saved.html")]
struct SavedPage {
    service_name: String,
    has_errors: bool,
    privacy_href: Option<String>,
    resume_url: String,
    expires: String,
    continue_href: String,
}

pub(super) fn saved_page(
    state: &AppState,
    req: &HttpRequest,
    session: &Session,
    expires: chrono::NaiveDateTime,
) -> Result<HttpResponse, PageError> {
    let slug = &session.survey.definition.slug;
    let secret = req
        .cookie(&session_cookie_name(slug))
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    let base = &state.public.base;
    let page = SavedPage {
        service_name: session.survey.definition.title.clone(),
        has_errors: false,
        privacy_href: privacy_href(&session.survey.definition),
        resume_url: format!("{base}/s/{slug}/resume?code={secret}"),
        expires: expires.format("%-d %B %Y").to_string(),
        continue_href: session.resume_href(),
    };
    html(StatusCode::OK, &page)
}

#[derive(serde::Deserialize)]
pub(super) struct CodeQuery {
    code: Option<String>,
}

#[derive(Template)]
#[template(path = "resume.html")]
struct ResumePage {
    service_name: String,
    has_errors: bool,
    privacy_href: Option<String>,
    slug: String,
    title: String,
    csrf_token: String,
    code: String,
}

fn expired_link() -> PageError {
    PageError::message(
        StatusCode::NOT_FOUND,
        "This link has expired",
        &["Saved answers are kept for a limited time, or the link is not complete. Start again from your invitation or the survey's link."],
    )
}

pub(super) async fn resume_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
    query: web::Query<CodeQuery>,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    let survey = answerable_survey(&state, &slug).await?;
    let code = query.into_inner().code.unwrap_or_default();
    if code.is_empty() || code.len() > 64 {
        return Err(expired_link());
    }
    let (csrf, cookie) = csrf_token(&state, &req);
    let page = ResumePage {
        service_name: survey.definition.title.clone(),
        has_errors: false,
        privacy_href: privacy_href(&survey.definition),
        slug,
        title: survey.definition.title.clone(),
        csrf_token: csrf,
        code,
    };
    html_with_cookie(StatusCode::OK, &page, cookie)
}

pub(super) async fn resume(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
    CheckedForm(form): RespondentForm,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    state.check_rate(&req).await?;
    answerable_survey(&state, &slug).await?;
    let code = form.first("code").unwrap_or("").to_owned();
    let key_hash = hash(SESSION_PURPOSE, &code);
    let slug_owned = slug.clone();
    let found = state
        .store_call(move |store| store.response_by_key(&slug_owned, &key_hash))
        .await?;
    if found.is_none() {
        return Err(expired_link());
    }
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", format!("/s/{slug}/check")))
        .cookie(session_cookie(&state, &slug, &code))
        .finish())
}
