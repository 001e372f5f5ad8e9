//! Deleting a survey and everything of it, after the researcher types its slug.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use fieldwork_store::{SurveyStatus, User};

use crate::auth::{standing, Need};
use crate::pages::{with_cookies, PageError, SummaryError};
use crate::slug::Slug;
use crate::AppState;
use fieldwork_analysis::format::thousands;

use super::notices::{notice_cookie, Notice};
use super::AdminForm;
use super::{chrome, field_errors, render, see_other, Chrome};
use crate::auth::Researcher;
use crate::extract::CheckedForm;

#[derive(Template)]
#[template(path = "admin/delete.html")]
struct DeletePage {
    chrome: Chrome,
    errors: Vec<SummaryError>,
    slug: String,
    title: String,
    open: bool,
    versions: i64,
    complete: String,
    partial: String,
    invitations: String,
    roles: i64,
    api_tokens: i64,
    reports: i64,
    confirm: String,
    confirm_error: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn render_delete(
    state: &AppState,
    req: &HttpRequest,
    user: &User,
    slug: &str,
    status: StatusCode,
    confirm: String,
    confirm_error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let s = slug.to_owned();
    let (survey, contents) = state
        .store_call(move |store| Ok((store.latest_survey(&s)?, store.survey_contents(&s)?)))
        .await?;
    let errors = field_errors(&[("#confirm", &confirm_error)]);
    let (chrome, cookie) = chrome(state, req, Some(user), !errors.is_empty());
    let count = |n: i64| thousands(n.max(0) as u64);
    let page = DeletePage {
        chrome,
        errors,
        slug: slug.to_owned(),
        title: survey.definition.title.to_string(),
        open: survey.status == SurveyStatus::Open,
        versions: contents.versions,
        complete: count(contents.complete_responses),
        partial: count(contents.partial_responses),
        invitations: count(contents.invitations),
        roles: contents.roles,
        api_tokens: contents.api_tokens,
        reports: contents.reports,
        confirm,
        confirm_error,
    };
    render(status, &page, cookie)
}

pub(super) async fn delete_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
    researcher: Researcher,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    standing(&state, &researcher.user, &slug, Need::Manage).await?;
    let (status, typed) = (StatusCode::OK, String::new());
    render_delete(&state, &req, &researcher.user, &slug, status, typed, None).await
}

pub(super) async fn delete_survey(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
    researcher: Researcher,
    CheckedForm(form): AdminForm,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    standing(&state, &researcher.user, &slug, Need::Manage).await?;
    let typed: String = form
        .first("confirm")
        .unwrap_or("")
        .trim()
        .chars()
        .take(300)
        .collect();
    if let Some(error) = confirmation_error(&typed, &slug) {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        let user = &researcher.user;
        return render_delete(&state, &req, user, &slug, status, typed, Some(error)).await;
    }
    let (s, actor) = (slug.clone(), researcher.user.email.clone());
    let deleted = state
        .store_call(move |store| store.delete_survey(&s, &actor))
        .await?;
    state.forget_survey(&slug);
    tracing::info!(survey = %slug, "survey deleted");
    let notice = Notice::Deleted {
        slug,
        responses: deleted.responses(),
    };
    with_cookies(see_other("/admin"), [notice_cookie(&state, &notice)])
}

/// What is wrong with the slug typed to confirm the deletion. Typing the slug, not ticking a
/// box: a deliberate act that names what goes.
fn confirmation_error(typed: &str, slug: &str) -> Option<String> {
    if typed.is_empty() {
        Some(format!(
            "Enter the survey's slug, {slug}, to confirm you want to delete it"
        ))
    } else if typed != slug {
        Some(format!(
            "The slug you entered does not match this survey's: enter {slug}"
        ))
    } else {
        None
    }
}
