//! A respondent's own answers, seen and downloaded with their receipt code. The code travels
//! only in POST bodies (never in a URL a log or a browser history keeps), under the same rate
//! limit as withdrawal, and a wrong code says no more than withdrawal does.

use std::sync::Arc;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use fieldwork_store::{StoreError, StoredResponse, StoredSurvey};
use fieldwork_survey::{answer_from_stored, SubmittedAnswers};
use serde::Serialize;

use super::privacy_href;
use super::withdraw::{receipt_candidates, render_withdraw, typed_receipt, NO_SUCH_RECEIPT};
use super::Localised;
use super::RespondentForm;
use crate::csrf::{csrf_token, FormFields};
use crate::extract::CheckedForm;
use crate::language::Ui;
use crate::pages::{answer_lines, html_with_cookie, PageError};
use crate::slug::Slug;
use crate::AppState;
use chrono::Datelike;

#[derive(Template)]
#[template(path = "answers.html")]
struct AnswersPage {
    ui: Ui,
    service_name: String,
    has_errors: bool,
    privacy_href: Option<String>,
    slug: String,
    /// "The answers you sent to ... on 3 December 2026."
    sent_to: String,
    receipt: String,
    rows: Vec<AnswerRow>,
    consent: Vec<String>,
    csrf_token: String,
}

/// One question and the answer given, as the respondent saw them.
#[derive(Serialize)]
struct AnswerRow {
    question: String,
    answer: String,
}

/// The response with the typed receipt code, or the receipt page again saying why not.
async fn response_for_receipt(
    state: &AppState,
    req: &HttpRequest,
    survey: &StoredSurvey,
    typed: String,
) -> Result<Result<StoredResponse, HttpResponse>, PageError> {
    let candidates = match receipt_candidates(&typed) {
        Ok(candidates) => candidates,
        Err(message) => {
            return Ok(Err(render_withdraw(
                state,
                req,
                survey,
                Some(message.into()),
                typed,
            )?))
        }
    };
    let slug = survey.slug().to_owned();
    let found = state
        .store_call(move |store| -> Result<Option<StoredResponse>, StoreError> {
            for receipt_hash in &candidates {
                if let Some(response) = store.response_by_receipt(&slug, receipt_hash)? {
                    return Ok(Some(response));
                }
            }
            Ok(None)
        })
        .await?;
    match found {
        Some(response) => Ok(Ok(response)),
        None => Ok(Err(render_withdraw(
            state,
            req,
            survey,
            Some(NO_SUCH_RECEIPT.into()),
            typed,
        )?)),
    }
}

/// The questions answered, in form order, with the answers in the words respondents saw
/// (`answered` the definition they answered, in the page's language).
fn answer_rows(answered: &Localised, response: &StoredResponse) -> Vec<AnswerRow> {
    let answers: SubmittedAnswers = serde_json::from_str(&response.answers).unwrap_or_default();
    answered
        .definition
        .questions()
        .filter_map(|question| {
            let value = answers.get(&question.id)?;
            let answer = answer_from_stored(question, value);
            Some(AnswerRow {
                question: question.text.to_string(),
                answer: answer_lines(answered.words(), question, answer.as_ref()).join("; "),
            })
        })
        .collect()
}

/// A sent response found by its receipt code.
struct Receipted {
    /// The survey as it is now, for the page's frame.
    survey: Arc<StoredSurvey>,
    /// The version the response answered: its questions and consent wording are the ones
    /// to show.
    answered: Arc<StoredSurvey>,
    response: StoredResponse,
    /// The code as typed, for the forms that act on the response next.
    receipt: String,
}

/// The response whose receipt code the form carries, under the same rate limit as
/// withdrawal, or the receipt page again saying why not.
async fn receipted(
    state: &AppState,
    req: &HttpRequest,
    slug: &str,
    form: &FormFields,
) -> Result<Result<Receipted, HttpResponse>, PageError> {
    state.check_rate(req).await?;
    let survey = state.current_survey(slug).await?;
    let receipt = typed_receipt(form);
    let response = match response_for_receipt(state, req, &survey, receipt.clone()).await? {
        Ok(response) => response,
        Err(page) => return Ok(Err(page)),
    };
    let answered = state
        .survey_version(slug, response.survey_version, response.survey_id)
        .await?;
    Ok(Ok(Receipted {
        survey,
        answered,
        response,
        receipt,
    }))
}

pub(super) async fn answers(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
    CheckedForm(form): RespondentForm,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    let Receipted {
        survey,
        answered,
        response,
        receipt,
    } = match receipted(&state, &req, &slug, &form).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    let response_id = response.id;
    let consent = state
        .store_call(move |store| store.consent_of(response_id))
        .await?;
    let (csrf, cookie) = csrf_token(&state, &req);
    let language = response.language.as_deref();
    let answered = Localised::new(&answered.definition, &req, language);
    let frame = Localised::new(&survey.definition, &req, language);
    let words = answered.words();
    let title = answered.definition.title.to_string();
    let sent_to = match response.submitted_at.map(|t| t.date()) {
        Some(on) => words.with(
            "answers-sent-to-on",
            &[
                ("title", title.into()),
                ("date", words.date(on.year(), on.month(), on.day()).into()),
            ],
        ),
        None => words.with("answers-sent-to", &[("title", title.into())]),
    };
    let page = AnswersPage {
        service_name: frame.definition.title.to_string(),
        has_errors: false,
        privacy_href: privacy_href(&frame.definition),
        slug,
        sent_to,
        receipt,
        rows: answer_rows(&answered, &response),
        consent: consent
            .map(|c| {
                let text = |id: &String| {
                    answered
                        .definition
                        .consent_statement_text(id, answered.lang())
                };
                c.statements.iter().map(text).collect()
            })
            .unwrap_or_default(),
        csrf_token: csrf,
        ui: frame.ui,
    };
    html_with_cookie(StatusCode::OK, &page, cookie)
}

/// The respondent's answers as a CSV file: one row per question answered.
pub(super) async fn download(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
    CheckedForm(form): RespondentForm,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    let found = match receipted(&state, &req, &slug, &form).await? {
        Ok(found) => found,
        Err(page) => return Ok(page),
    };
    let language = found.response.language.as_deref();
    let answered = Localised::new(&found.answered.definition, &req, language);
    let csv = fieldwork_survey::rows_to_safe_csv(&answer_rows(&answered, &found.response))
        .map_err(|_| PageError::Internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{slug}-my-answers.csv\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(csv))
}
