//! A survey's audit log, in words.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::{blocking, chrome, render, Chrome, AUDIT_SHOWN};
use crate::audit_view::AuditLine;
use crate::auth::{require_researcher, standing, Need};
use crate::pages::PageError;
use crate::slug::Slug;
use crate::AppState;

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
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    let researcher = require_researcher(&state, &req).await?;
    standing(&state, &researcher.user, &slug, Need::Manage).await?;
    let store = Arc::clone(&state.store);
    let s = slug.clone();
    let (survey, entries) = blocking(move || {
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
            title: survey.definition.title.clone(),
            entries: entries.iter().map(AuditLine::of).collect(),
        },
        cookie,
    )
}
