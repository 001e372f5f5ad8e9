//! Withdrawing a response that was sent, with its receipt code.

use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use fieldwork_store::{StoreError, StoredSurvey};

use super::privacy_href;
use super::session_cookie_name;
use super::Localised;
use super::RespondentForm;
use super::RECEIPT_PURPOSE;
use crate::csrf::{csrf_token, FormFields};
use crate::extract::CheckedForm;
use crate::language::Ui;
use crate::pages::{html, html_with_cookie, with_cookies, MessagePage, PageError, SummaryError};
use crate::slug::Slug;
use crate::tokens::{hash, legacy_receipt, normalise_receipt};
use crate::AppState;

#[derive(Template)]
#[template(path = "withdraw.html")]
struct WithdrawPage {
    ui: Ui,
    service_name: String,
    has_errors: bool,
    privacy_href: Option<String>,
    errors: Vec<SummaryError>,
    slug: String,
    csrf_token: String,
    error: Option<String>,
    value: String,
}

pub(super) fn render_withdraw(
    state: &AppState,
    req: &HttpRequest,
    survey: &StoredSurvey,
    error: Option<String>,
    value: String,
) -> Result<HttpResponse, PageError> {
    let (csrf, cookie) = csrf_token(state, req);
    let Localised { definition, ui } = Localised::new(&survey.definition, req, None);
    let error = error.map(|id| ui.t(&id));
    let errors: Vec<SummaryError> = error
        .iter()
        .map(|e| SummaryError {
            href: "#receipt".into(),
            message: e.clone(),
        })
        .collect();
    let page = WithdrawPage {
        ui,
        service_name: definition.title.to_string(),
        has_errors: error.is_some(),
        privacy_href: privacy_href(&definition),
        errors,
        slug: definition.slug.clone(),
        csrf_token: csrf,
        error: error.clone(),
        value,
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    html_with_cookie(status, &page, cookie)
}

pub(super) async fn withdraw_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    // Withdrawal works whatever the survey's status: people may change their minds late.
    let survey = state.current_survey(&slug).await?;
    render_withdraw(&state, &req, &survey, None, String::new())
}

pub(super) async fn withdraw(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
    CheckedForm(form): RespondentForm,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    state.check_rate(&req).await?;
    let survey = state.current_survey(&slug).await?;
    let typed = typed_receipt(&form);
    let candidates = match receipt_candidates(&typed) {
        Ok(candidates) => candidates,
        Err(message) => return render_withdraw(&state, &req, &survey, Some(message.into()), typed),
    };
    let slug_owned = slug.clone();
    let withdrawn = state
        .store_call(move |store| -> Result<bool, StoreError> {
            for receipt_hash in &candidates {
                if store.withdraw_response(&slug_owned, receipt_hash)? {
                    return Ok(true);
                }
            }
            Ok(false)
        })
        .await?;
    if !withdrawn {
        return render_withdraw(&state, &req, &survey, Some(NO_SUCH_RECEIPT.into()), typed);
    }
    tracing::info!(survey = %slug, "response withdrawn");
    let mut gone = Cookie::build(session_cookie_name(&slug), "")
        .path(format!("/s/{slug}"))
        .finish();
    gone.make_removal();
    with_cookies(
        html(StatusCode::OK, &withdrawn_page(&req, &survey))?,
        [gone],
    )
}

/// What a receipt code that matches no response is told (a message id).
pub(super) const NO_SUCH_RECEIPT: &str = "receipt-not-found";

/// The receipt code as typed, cut short if it is far too long to be one.
pub(super) fn typed_receipt(form: &FormFields) -> String {
    form.first("receipt")
        .unwrap_or("")
        .chars()
        .take(64)
        .collect()
}

/// The hashes a typed receipt code may be stored under: the code as written now, and as codes
/// issued before Crockford's alphabet were written; or (the id of the message saying) what is
/// wrong with what was typed.
pub(super) fn receipt_candidates(typed: &str) -> Result<Vec<String>, &'static str> {
    let candidates: Vec<String> = normalise_receipt(typed)
        .into_iter()
        .chain(legacy_receipt(typed))
        .map(|code| hash(RECEIPT_PURPOSE, &code))
        .collect();
    if !candidates.is_empty() {
        Ok(candidates)
    } else if typed.trim().is_empty() {
        Err("receipt-missing")
    } else {
        Err("receipt-malformed")
    }
}

fn withdrawn_page(req: &HttpRequest, survey: &StoredSurvey) -> MessagePage {
    Localised::new(&survey.definition, req, None).message_page(
        "withdrawn-title",
        &["withdrawn-deleted", "withdrawn-published"],
        Some((format!("/s/{}", survey.slug()), "go-to-start")),
    )
}
