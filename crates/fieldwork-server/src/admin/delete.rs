//! Deleting a survey and everything of it, after the researcher types its slug.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use fieldwork_store::{SurveyStatus, User};

use crate::auth::{standing, Need};
use crate::pages::{PageError, SummaryError};
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
        title: survey.definition.title.clone(),
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
    render_delete(
        &state,
        &req,
        &researcher.user,
        &slug,
        StatusCode::OK,
        String::new(),
        None,
    )
    .await
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
    // Typing the slug, not ticking a box: a deliberate act that names what goes.
    let confirm_error = if typed.is_empty() {
        Some(format!(
            "Enter the survey's slug, {slug}, to confirm you want to delete it"
        ))
    } else if typed != slug {
        Some(format!(
            "The slug you entered does not match this survey's: enter {slug}"
        ))
    } else {
        None
    };
    if confirm_error.is_some() {
        return render_delete(
            &state,
            &req,
            &researcher.user,
            &slug,
            StatusCode::UNPROCESSABLE_ENTITY,
            typed,
            confirm_error,
        )
        .await;
    }
    let (s, actor) = (slug.clone(), researcher.user.email.clone());
    let deleted = state
        .store_call(move |store| store.delete_survey(&s, &actor))
        .await?;
    state.forget_survey(&slug);
    tracing::info!(survey = %slug, "survey deleted");
    let mut response = see_other("/admin");
    response
        .add_cookie(&notice_cookie(
            &state,
            &Notice::Deleted {
                slug,
                responses: deleted.responses(),
            },
        ))
        .map_err(|_| PageError::Internal)?;
    Ok(response)
}
