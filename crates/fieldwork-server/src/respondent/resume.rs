//! Saving and coming back: the saved page, and resuming with the link or code.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::answerable_survey;
use super::privacy_href;
use super::session_cookie;
use super::session_cookie_name;
use super::Localised;
use super::RespondentForm;
use super::Session;
use super::SESSION_PURPOSE;
use crate::csrf::csrf_token;
use crate::extract::CheckedForm;
use crate::language::Ui;
use crate::pages::{html, html_with_cookie, PageError};
use crate::slug::Slug;
use crate::tokens::hash;
use crate::AppState;
use chrono::Datelike;

#[derive(Template)]
#[template(path = "saved.html")]
struct SavedPage {
    ui: Ui,
    service_name: String,
    has_errors: bool,
    privacy_href: Option<String>,
    resume_url: String,
    /// "To carry on where you left off, use this link before 3 December 2026. ..."
    use_before: String,
    continue_href: String,
}

pub(super) fn saved_page(
    state: &AppState,
    req: &HttpRequest,
    session: &Session,
    expires: chrono::NaiveDateTime,
) -> Result<HttpResponse, PageError> {
    let slug = &session.definition().slug;
    let secret = req
        .cookie(&session_cookie_name(slug))
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    let base = &state.public.base;
    let words = session.words();
    let until = expires.date();
    let date = words.date(until.year(), until.month(), until.day());
    let page = SavedPage {
        ui: session.ui().clone(),
        service_name: session.definition().title.to_string(),
        has_errors: false,
        privacy_href: privacy_href(session.definition()),
        // The link brings the respondent back in the language they left in.
        resume_url: format!("{base}/s/{slug}/resume?code={secret}&lang={}", words.code()),
        use_before: words.with("saved-body", &[("date", date.into())]),
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
    ui: Ui,
    service_name: String,
    has_errors: bool,
    privacy_href: Option<String>,
    slug: String,
    /// "Your saved answers to ... are waiting for you."
    waiting: String,
    csrf_token: String,
    code: String,
}

fn expired_link() -> PageError {
    let words = Ui::interface().words;
    PageError::message(
        StatusCode::NOT_FOUND,
        &words.get("resume-expired-title"),
        &[&words.get("resume-expired-body")],
    )
    .in_language(words.code())
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
    let Localised { definition, ui } = Localised::new(&survey.definition, &req, None);
    let page = ResumePage {
        service_name: definition.title.to_string(),
        has_errors: false,
        privacy_href: privacy_href(&definition),
        slug,
        waiting: ui.words.with(
            "resume-body",
            &[("title", definition.title.to_string().into())],
        ),
        csrf_token: csrf,
        code,
        ui,
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
