//! A survey's audit log, in words.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::{chrome, render, Chrome};
use crate::audit_view::AuditLine;
use crate::auth::Researcher;
use crate::auth::{standing, Need};
use crate::pages::PageError;
use crate::slug::Slug;
use crate::AppState;

/// Audit entries shown on a survey's audit page.
const AUDIT_SHOWN: i64 = 500;

#[derive(Debug, Clone, Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    chrome: Chrome,
    slug: String,
    title: String,
    entries: Vec<AuditLine>,
}

pub(super) async fn audit_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
    researcher: Researcher,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    standing(&state, &researcher.user, &slug, Need::Manage).await?;
    let s = slug.clone();
    let (survey, entries) = state
        .store_call(move |store| {
            Ok((
                store.latest_survey(&s)?,
                store.audit_entries(Some(&s), AUDIT_SHOWN)?,
            ))
        })
        .await?;
    let (chrome, cookie) = chrome(&state, &req, Some(&researcher.user), false);
    render(
        StatusCode::OK,
        &AuditPage {
            chrome,
            slug,
            title: survey.definition.title.to_string(),
            entries: entries.iter().map(AuditLine::of).collect(),
        },
        cookie,
    )
}
