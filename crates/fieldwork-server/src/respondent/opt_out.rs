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
use crate::csrf::{check_csrf, csrf_token, FormFields};
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
    service_name: String,
    has_errors: bool,
    privacy_href: Option<String>,
    code: String,
    csrf_token: String,
}

/// The contact a link names and their survey's title and privacy notice, or 404.
async fn target(
    state: &AppState,
    code: Option<String>,
) -> Result<(String, OptOutTarget, String, Option<String>), PageError> {
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
    let title = survey.definition.title.clone();
    Ok((code, found, title, privacy_href(&survey.definition)))
}

pub(super) async fn opt_out_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<OptOutQuery>,
) -> Result<HttpResponse, PageError> {
    let (code, found, title, privacy_href) = target(&state, query.into_inner().code).await?;
    if found.opted_out {
        return html(StatusCode::OK, &opted_out_page(title, privacy_href));
    }
    let (csrf, cookie) = csrf_token(&state, &req);
    let page = OptOutPage {
        service_name: title,
        has_errors: false,
        privacy_href,
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
    state.check_rate(&req)?;
    let form = FormFields::read(body, OPT_OUT_FORM_LIMIT).await?;
    let one_click = form.first("List-Unsubscribe") == Some("One-Click");
    if !one_click {
        check_csrf(&req, &form)?;
    }
    let (code, _, title, privacy_href) = target(&state, query.into_inner().code).await?;
    let hashed = opt_out_hash(&code);
    state
        .store_call(move |store| store.opt_out(&hashed))
        .await?
        .ok_or(PageError::NotFound)?;
    tracing::info!(one_click, "contact opted out");
    html(StatusCode::OK, &opted_out_page(title, privacy_href))
}

fn opted_out_page(title: String, privacy_href: Option<String>) -> MessagePage {
    MessagePage {
        service_name: title,
        has_errors: false,
        privacy_href,
        heading: "You will get no more emails about this survey".into(),
        paragraphs: vec![
            "We have stopped every invitation and reminder about this survey to your address."
                .into(),
            "Your invitation link still works if you change your mind and want to take part."
                .into(),
        ],
        link: None,
    }
}
