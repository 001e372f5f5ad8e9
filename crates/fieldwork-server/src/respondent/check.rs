//! Checking answers before sending, sending, and the confirmation with its receipt.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::Datelike;
use fieldwork_store::{ConsentRecord, StorageFault, StoredResponse, StoredSurvey};
use fieldwork_survey::{
    validate_answers_in, Completeness, FieldError, Messages, Question, SurveyDefinition,
};

use super::answerable_survey;
use super::load_session;
use super::privacy_href;
use super::Localised;
use super::RespondentForm;
use super::Session;
use super::RECEIPT_PURPOSE;
use crate::csrf::csrf_token;
use crate::language::Ui;
use crate::pages::{answer_lines, html, storage_reason, PageError, SummaryError};
use crate::problem::storage_refused;
use crate::slug::Slug;
use crate::tokens::{hash, receipt_code};
use crate::AppState;

#[derive(Template)]
#[template(path = "check.html")]
struct CheckPage {
    ui: Ui,
    service_name: String,
    has_errors: bool,
    privacy_href: Option<String>,
    errors: Vec<SummaryError>,
    slug: String,
    sections: Vec<CheckSection>,
    consent: Option<ConsentSummary>,
    csrf_token: String,
    back_href: String,
}

/// The consent the respondent gave, as the check page shows it.
struct ConsentSummary {
    statements: Vec<String>,
    /// "On 3 December 2026 you agreed to the following, having read ... (version 1.0):"
    intro: String,
}

impl ConsentSummary {
    /// `definition` in the page's language, `words` fieldwork's in it.
    fn of(definition: &SurveyDefinition, words: &Messages, given: ConsentRecord) -> Self {
        let lang = words.code();
        let on = given.given_at.date();
        ConsentSummary {
            statements: given
                .statements
                .iter()
                .map(|id| definition.consent_statement_text(id, lang))
                .collect(),
            intro: words.with(
                "check-consent-given",
                &[
                    ("date", words.date(on.year(), on.month(), on.day()).into()),
                    ("version", given.information_version.into()),
                ],
            ),
        }
    }
}

struct CheckSection {
    title: String,
    rows: Vec<CheckRow>,
}

struct CheckRow {
    id: String,
    question: String,
    answer: Vec<String>,
}

/// The check page; with `unsaved`, shown again after the storage refused to store the
/// response (the answers saved page by page are still there).
async fn render_check(
    state: &AppState,
    req: &HttpRequest,
    session: &Session,
    errors: &[FieldError],
    unsaved: Option<StorageFault>,
) -> Result<HttpResponse, PageError> {
    let slug = &session.survey.definition.slug;
    // Unanswered required questions send the respondent back to them first.
    if errors.is_empty() && unsaved.is_none() {
        if let Some(first) = session
            .asked()
            .into_iter()
            .find(|q| q.required && !session.answers.contains_key(&q.id))
        {
            return Err(PageError::Redirect(format!("/s/{slug}/q/{}", first.id)));
        }
    }
    let checked = session.checked();
    let asked: Vec<&Question> = session.asked();
    let sections = session
        .definition()
        .pages
        .iter()
        .map(|page| CheckSection {
            title: page.title.to_string(),
            rows: page
                .questions
                .iter()
                .filter(|q| asked.iter().any(|a| a.id == q.id))
                .map(|q| CheckRow {
                    id: q.id.clone(),
                    question: q.text.to_string(),
                    answer: answer_lines(session.words(), q, checked.get(&q.id)),
                })
                .collect(),
        })
        .filter(|s| !s.rows.is_empty())
        .collect();
    let response_id = session.response.id;
    let consent = state
        .store_call(move |store| store.consent_of(response_id))
        .await?
        .map(|given| ConsentSummary::of(session.definition(), session.words(), given));
    let (csrf, cookie) = csrf_token(state, req);
    let summary: Vec<SummaryError> = unsaved
        .map(|fault| SummaryError {
            href: "#send".into(),
            message: session.words().with(
                "answers-not-sent",
                &[("reason", session.ui().t(storage_reason(fault)).into())],
            ),
        })
        .into_iter()
        .chain(errors.iter().map(|e| SummaryError {
            href: format!("/s/{slug}/q/{}?change=1", e.question),
            message: e.message.clone(),
        }))
        .collect();
    let page = CheckPage {
        ui: session.ui().clone(),
        service_name: session.definition().title.to_string(),
        has_errors: !summary.is_empty(),
        privacy_href: privacy_href(&session.survey.definition),
        errors: summary,
        slug: slug.clone(),
        sections,
        consent,
        csrf_token: csrf,
        back_href: asked
            .last()
            .map_or_else(|| format!("/s/{slug}"), |q| format!("/s/{slug}/q/{}", q.id)),
    };
    let status = if unsaved.is_some() {
        StatusCode::SERVICE_UNAVAILABLE
    } else if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut response = html(status, &page)?;
    if unsaved.is_some() {
        response.headers_mut().insert(
            actix_web::http::header::RETRY_AFTER,
            actix_web::http::header::HeaderValue::from_static("60"),
        );
    }
    if let Some(cookie) = cookie {
        response
            .add_cookie(&cookie)
            .map_err(|_| PageError::Internal)?;
    }
    Ok(response)
}

pub(super) async fn check_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    answerable_survey(&state, &slug).await?;
    let session = load_session(&state, &req, &slug).await?;
    if session.response.complete {
        return Err(PageError::Redirect(format!("/s/{slug}/done")));
    }
    render_check(&state, &req, &session, &[], None).await
}

pub(super) async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
    _form: RespondentForm,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    state.check_rate(&req).await?;
    answerable_survey(&state, &slug).await?;
    let session = load_session(&state, &req, &slug).await?;
    if session.response.complete {
        // A second click, a retry, the back button: the response is stored once.
        return Err(PageError::Redirect(format!("/s/{slug}/done")));
    }
    let validated = match validate_answers_in(
        session.definition(),
        &session.answers,
        Completeness::Complete,
        session.words(),
    ) {
        Ok(validated) => validated,
        Err(errors) => return render_check(&state, &req, &session, &errors, None).await,
    };
    let receipt = receipt_code(&state.secret, &session.response.public_id);
    let receipt_hash = hash(RECEIPT_PURPOSE, &receipt);
    let id = session.response.id;
    let language = session.localised.lang().to_owned();
    let completed = state
        .store_call(move |store| store.complete_response(id, &validated, &receipt_hash, &language))
        .await;
    if let Err(error) = completed {
        return match storage_refused(&error) {
            Some(fault) => render_check(&state, &req, &session, &[], Some(fault)).await,
            None => Err(error.into()),
        };
    }
    tracing::info!(survey = %slug, "response completed");
    Err(PageError::Redirect(format!("/s/{slug}/done")))
}

#[derive(Template)]
#[template(path = "done.html")]
struct DonePage {
    ui: Ui,
    service_name: String,
    has_errors: bool,
    privacy_href: Option<String>,
    slug: String,
    /// "Thank you for taking part in ..."
    thanks: String,
    receipt: String,
}

pub(super) fn confirmation(
    state: &AppState,
    req: &HttpRequest,
    survey: &StoredSurvey,
    response: &StoredResponse,
) -> Result<HttpResponse, PageError> {
    let Localised { definition, ui } =
        Localised::new(&survey.definition, req, response.language.as_deref());
    let page = DonePage {
        service_name: definition.title.to_string(),
        has_errors: false,
        privacy_href: privacy_href(&definition),
        slug: definition.slug.clone(),
        thanks: ui.words.with(
            "done-thanks",
            &[("title", definition.title.to_string().into())],
        ),
        receipt: receipt_code(&state.secret, &response.public_id),
        ui,
    };
    html(StatusCode::OK, &page)
}

pub(super) async fn done_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    let session = load_session(&state, &req, &slug).await?;
    if !session.response.complete {
        return Err(PageError::Redirect(format!("/s/{slug}/check")));
    }
    confirmation(&state, &req, &session.survey, &session.response)
}
