//! Opting out of a survey's emails: one click, no sign-in (`docs/email.md`).
//!
//! The link in every email (and its `List-Unsubscribe` header) is `/opt-out?code=SECRET`, the
//! secret in the query string so that request logs never hold it. Opening it changes nothing
//! (no state changes over GET): it shows one button, a form POST behind the CSRF check like
//! every form. A mail client's RFC 8058 one-click unsubscribe POSTs the body
//! `List-Unsubscribe=One-Click` to the same address without cookies; that request is
//! accepted on the secret alone, which is the link's whole authority either way (a foreign
//! page cannot forge a POST naming a secret it does not know).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use fieldwork_store::OptOutTarget;
use serde::Deserialize;

use super::privacy_href;
use super::Localised;
use crate::csrf::{check_csrf, csrf_token, FormFields};
use crate::language::Ui;
use crate::outreach::opt_out_hash;
use crate::pages::{html, html_with_cookie, MessagePage, PageError};
use crate::AppState;

/// The opt-out form's largest body.
const OPT_OUT_FORM_LIMIT: usize = 4 * 1024;

#[derive(Deserialize)]
pub(super) struct OptOutQuery {
    code: Option<String>,
}

#[derive(Template)]
#[template(path = "opt_out.html")]
struct OptOutPage {
    ui: Ui,
    service_name: String,
    /// "You were invited by email to take part in ..."
    body: String,
    has_errors: bool,
    privacy_href: Option<String>,
    code: String,
    csrf_token: String,
}

/// The contact a link names and their survey as the page shows it, or 404.
async fn target(
    state: &AppState,
    req: &HttpRequest,
    code: Option<String>,
) -> Result<(String, OptOutTarget, Localised), PageError> {
    let code: String = code.unwrap_or_default().chars().take(128).collect();
    let hashed = opt_out_hash(&code);
    let found = state
        .store_call(move |store| store.find_opt_out(&hashed))
        .await?
        .ok_or(PageError::NotFound)?;
    let slug = found.survey_slug.clone();
    let survey = state
        .store_call(move |store| store.latest_survey(&slug))
        .await?;
    Ok((code, found, Localised::new(&survey.definition, req, None)))
}

pub(super) async fn opt_out_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<OptOutQuery>,
) -> Result<HttpResponse, PageError> {
    let (code, found, localised) = target(&state, &req, query.into_inner().code).await?;
    if found.opted_out {
        return html(StatusCode::OK, &opted_out_page(localised));
    }
    let (csrf, cookie) = csrf_token(&state, &req);
    let Localised { definition, ui } = localised;
    let title = definition.title.to_string();
    let page = OptOutPage {
        body: ui
            .words
            .with("opt-out-body", &[("title", title.clone().into())]),
        ui,
        service_name: title,
        has_errors: false,
        privacy_href: privacy_href(&definition),
        code,
        csrf_token: csrf,
    };
    html_with_cookie(StatusCode::OK, &page, cookie)
}

pub(super) async fn opt_out(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<OptOutQuery>,
    body: web::Payload,
) -> Result<HttpResponse, PageError> {
    state.check_rate(&req).await?;
    let form = FormFields::read(body, OPT_OUT_FORM_LIMIT).await?;
    let one_click = form.first("List-Unsubscribe") == Some("One-Click");
    if !one_click {
        check_csrf(&req, &form)?;
    }
    let (code, _, localised) = target(&state, &req, query.into_inner().code).await?;
    let hashed = opt_out_hash(&code);
    state
        .store_call(move |store| store.opt_out(&hashed))
        .await?
        .ok_or(PageError::NotFound)?;
    tracing::info!(one_click, "contact opted out");
    html(StatusCode::OK, &opted_out_page(localised))
}

fn opted_out_page(localised: Localised) -> MessagePage {
    localised.message_page(
        "opted-out-title",
        &["opted-out-stopped", "opted-out-link-works"],
        None,
    )
}
