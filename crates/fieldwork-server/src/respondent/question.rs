//! One question a page: showing it, and saving its answer.

use std::collections::BTreeMap;
use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use fieldwork_store::StoreError;
use fieldwork_store::{Attribution, PledgeChoice, StorageFault};
use fieldwork_survey::{
    drop_hidden_answers, validate_answers, validate_answers_in, Completeness, FieldError, Question,
    QuestionKind, SubmittedAnswers,
};
use serde_json::Value;

use super::answerable_survey;
use super::fill_fixed_stratum;
use super::load_session;
use super::privacy_href;
use super::resume::saved_page;
use super::RespondentForm;
use super::Session;
use crate::csrf::{csrf_token, FormFields};
use crate::extract::CheckedForm;
use crate::language::Ui;
use crate::pages::{
    html, question_view, storage_reason, with_cookies, Entered, PageError, QuestionView,
    SummaryError,
};
use crate::problem::storage_refused;
use crate::slug::Slug;
use crate::AppState;

#[derive(Template)]
#[template(path = "question.html")]
struct QuestionPage {
    ui: Ui,
    service_name: String,
    has_errors: bool,
    privacy_href: Option<String>,
    errors: Vec<SummaryError>,
    slug: String,
    section: String,
    /// The paragraphs of the page's introduction, on its first question's screen only.
    introduction: Vec<String>,
    q: QuestionView,
    csrf_token: String,
    back_href: String,
    change: bool,
    /// A publishable answer (a pledge): the respondent's choice to publish it, and how.
    publishable: bool,
    publish: bool,
    publish_with_sector: bool,
}

#[derive(serde::Deserialize)]
pub(super) struct ChangeQuery {
    change: Option<String>,
}

/// What a question's form shows besides the question.
struct Shown<'a> {
    /// What the respondent entered (or had stored), put back into the fields.
    entered: &'a Entered,
    errors: &'a [FieldError],
    /// Reached from the check-answers page ("Change"): back and continue lead there.
    change: bool,
    /// The storage refused to save the answer, which stays in the form for the respondent
    /// to send again.
    unsaved: Option<StorageFault>,
    /// For a publishable question: publish the answer so, or (None) not at all.
    publish: Option<Attribution>,
}

/// The question page.
fn render_question(
    state: &AppState,
    req: &HttpRequest,
    session: &Session,
    question: &Question,
    shown: Shown<'_>,
) -> Result<HttpResponse, PageError> {
    let Shown {
        entered,
        errors,
        change,
        unsaved,
        publish,
    } = shown;
    let status = if unsaved.is_some() {
        StatusCode::SERVICE_UNAVAILABLE
    } else if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let slug = &session.definition().slug;
    let asked = session.asked();
    let position = asked.iter().position(|q| q.id == question.id).unwrap_or(0);
    let back_href = if change {
        format!("/s/{slug}/check")
    } else if position == 0 {
        format!("/s/{slug}")
    } else {
        format!("/s/{slug}/q/{}", asked[position - 1].id)
    };
    let question_error = errors
        .iter()
        .find(|e| e.item.is_none())
        .map(|e| e.message.clone());
    let item_errors: BTreeMap<String, String> = errors
        .iter()
        .filter_map(|e| e.item.clone().map(|i| (i, e.message.clone())))
        .collect();
    // Error links land on an input that exists: a grid's first statement, else the field.
    let field_anchor = match &question.kind {
        QuestionKind::LikertGrid { items, .. } => {
            items.first().map_or(question.id.clone(), |item| {
                format!("{}-{}", question.id, item.id)
            })
        }
        _ => question.id.clone(),
    };
    let summary = unsaved
        .map(|fault| SummaryError {
            href: format!("#{field_anchor}"),
            message: session.words().with(
                "answer-not-saved",
                &[("reason", session.ui().t(storage_reason(fault)).into())],
            ),
        })
        .into_iter()
        .chain(errors.iter().map(|e| SummaryError {
            href: match &e.item {
                Some(item) => format!("#{}-{}", question.id, item),
                None => format!("#{field_anchor}"),
            },
            message: e.message.clone(),
        }))
        .collect::<Vec<_>>();
    let (csrf, cookie) = csrf_token(state, req);
    let page = QuestionPage {
        ui: session.ui().clone(),
        service_name: session.definition().title.to_string(),
        has_errors: !summary.is_empty(),
        privacy_href: privacy_href(session.definition()),
        errors: summary,
        slug: slug.clone(),
        section: session.section_of(&question.id),
        introduction: session.introduction_above(&question.id),
        q: question_view(
            session.words(),
            question,
            entered,
            question_error,
            &item_errors,
        ),
        csrf_token: csrf,
        back_href,
        change,
        publishable: question.publishable,
        publish: publish.is_some(),
        publish_with_sector: publish == Some(Attribution::Sector),
    };
    let mut response = html(status, &page)?;
    if unsaved.is_some() {
        response.headers_mut().insert(
            actix_web::http::header::RETRY_AFTER,
            actix_web::http::header::HeaderValue::from_static("60"),
        );
    }
    with_cookies(response, cookie)
}

pub(super) async fn question_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(Slug, String)>,
    query: web::Query<ChangeQuery>,
) -> Result<HttpResponse, PageError> {
    let (slug, question_id) = path.into_inner();
    let slug = slug.into_string();
    answerable_survey(&state, &slug).await?;
    let session = load_session(&state, &req, &slug).await?;
    if session.response.complete {
        return Err(PageError::Redirect(format!("/s/{slug}/done")));
    }
    let asked = session.asked();
    let Some(question) = asked.iter().find(|q| q.id == question_id).copied() else {
        // Not asked of this respondent (hidden, fixed, or unknown): carry on where they are.
        return Err(PageError::Redirect(session.resume_href()));
    };
    let checked = session.checked();
    let entered = Entered::from_answer(checked.get(&question.id));
    let publish = match question.publishable {
        true => {
            let (response_id, id) = (session.response.id, question.id.clone());
            state
                .store_call(move |store| store.pledge_choice(response_id, &id))
                .await?
        }
        false => None,
    };
    let shown = Shown {
        publish,
        entered: &entered,
        errors: &[],
        change: query.change.is_some(),
        unsaved: None,
    };
    render_question(&state, &req, &session, question, shown)
}

/// The value a question's form fields give, or None when left blank.
fn submitted_value(question: &Question, form: &FormFields) -> (Option<Value>, Entered) {
    let mut entered = Entered::default();
    let value = match &question.kind {
        QuestionKind::SingleChoice { .. } | QuestionKind::Likert { .. } => {
            let code = form.first(&question.id).unwrap_or("").to_owned();
            if !code.is_empty() {
                entered.codes.push(code.clone());
            }
            (!code.is_empty()).then_some(Value::String(code))
        }
        QuestionKind::MultiChoice { .. } => {
            let codes: Vec<String> = form
                .all(&question.id)
                .into_iter()
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect();
            entered.codes.clone_from(&codes);
            (!codes.is_empty())
                .then(|| Value::Array(codes.into_iter().map(Value::String).collect()))
        }
        QuestionKind::LikertGrid { items, .. } => {
            let mut grid = serde_json::Map::new();
            for item in items {
                if let Some(code) = form
                    .first(&format!("{}.{}", question.id, item.id))
                    .filter(|c| !c.is_empty())
                {
                    entered.grid.insert(item.id.clone(), code.to_owned());
                    grid.insert(item.id.clone(), Value::String(code.to_owned()));
                }
            }
            (!grid.is_empty()).then_some(Value::Object(grid))
        }
        QuestionKind::Number { .. } | QuestionKind::Text { .. } => {
            let text = form.first(&question.id).unwrap_or("").to_owned();
            entered.text.clone_from(&text);
            (!text.trim().is_empty()).then_some(Value::String(text))
        }
    };
    (value, entered)
}

pub(super) async fn answer_question(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(Slug, String)>,
    query: web::Query<ChangeQuery>,
    CheckedForm(form): RespondentForm,
) -> Result<HttpResponse, PageError> {
    let (slug, question_id) = path.into_inner();
    let slug = slug.into_string();
    state.check_rate(&req).await?;
    answerable_survey(&state, &slug).await?;
    let mut session = load_session(&state, &req, &slug).await?;
    if session.response.complete {
        return Err(PageError::Redirect(format!("/s/{slug}/done")));
    }
    let change = query.change.is_some();
    let Some(question) = session
        .asked()
        .into_iter()
        .find(|q| q.id == question_id)
        .cloned()
    else {
        return Err(PageError::Redirect(session.resume_href()));
    };
    let saving = form.first("action") == Some("save");
    let (value, entered) = submitted_value(&question, &form);
    let errors = answer_errors(&mut session, &question, value.clone(), !saving);
    let publish = publish_choice(&question, &form);
    let mut shown = Shown {
        entered: &entered,
        errors: &errors,
        change,
        unsaved: None,
        publish,
    };
    if !errors.is_empty() {
        return render_question(&state, &req, &session, &question, shown);
    }
    match save_answer(&state, &mut session, &question, value).await {
        Ok(true) => {}
        Ok(false) => return Err(PageError::Redirect(format!("/s/{slug}/done"))),
        Err(error) => {
            shown.unsaved = Some(storage_refused(&error).ok_or(error)?);
            return render_question(&state, &req, &session, &question, shown);
        }
    }
    if question.publishable {
        let (response_id, id) = (session.response.id, question.id.clone());
        // An empty answer has nothing to publish.
        let publish = publish.filter(|_| session.answers.contains_key(&question.id));
        state
            .store_call(move |store| {
                store.choose_pledge(PledgeChoice {
                    response_id,
                    question_id: &id,
                    publish,
                })
            })
            .await?;
    }
    if saving {
        return saved_page(&state, &req, &session, state.resume_expiry());
    }
    Err(PageError::Redirect(next_page(
        &session, &slug, &question, change,
    )))
}

/// The respondent's choice to publish a publishable answer: a separate, unticked checkbox, and
/// how it is attributed (anonymously unless they chose their sector).
fn publish_choice(question: &Question, form: &FormFields) -> Option<Attribution> {
    if !question.publishable || form.first("publish") != Some("yes") {
        return None;
    }
    match form.first("attribution") {
        Some("sector") => Some(Attribution::Sector),
        _ => Some(Attribution::Anonymous),
    }
}

/// Put `value` into the session's answers and say what is wrong with this question's answer
/// (a changed answer may hide later questions: their answers go, never to be stored).
/// `continuing` ("Continue", not "Save and come back later") needs a required question answered.
fn answer_errors(
    session: &mut Session,
    question: &Question,
    value: Option<Value>,
    continuing: bool,
) -> Vec<FieldError> {
    match value {
        Some(value) => session.answers.insert(question.id.clone(), value),
        None => session.answers.remove(&question.id),
    };
    let localised = session.localised.clone();
    let (definition, words) = (&localised.definition, localised.words());
    drop_hidden_answers(definition, &mut session.answers);
    let this_question = |errors: Vec<FieldError>| -> Vec<FieldError> {
        errors
            .into_iter()
            .filter(|e| e.question == question.id)
            .collect()
    };
    let errors =
        match validate_answers_in(definition, &session.answers, Completeness::Partial, words) {
            Ok(_) => Vec::new(),
            Err(errors) => this_question(errors),
        };
    if !errors.is_empty() || !continuing || !question.required {
        return errors;
    }
    // Partial validation asks for nothing; "Continue" needs this question answered.
    match validate_answers_in(definition, &session.answers, Completeness::Complete, words) {
        Ok(_) => Vec::new(),
        Err(all) => this_question(all),
    }
}

/// Store this question's answer on the answers stored now: what another tab (or server) saved
/// meanwhile stays (`Store::merge_partial`), and the session goes on from the merged answers.
/// False when the response can no longer be saved (sent meanwhile).
async fn save_answer(
    state: &AppState,
    session: &mut Session,
    question: &Question,
    value: Option<Value>,
) -> Result<bool, StoreError> {
    let survey = Arc::clone(&session.survey);
    let id = session.response.id;
    let expires = state.resume_expiry();
    let question_id = question.id.clone();
    let stratum = session
        .stratum_fixed
        .then(|| session.response.stratum.clone())
        .flatten();
    let merge = move |stored: &str| {
        let mut answers: SubmittedAnswers = serde_json::from_str(stored).unwrap_or_default();
        fill_fixed_stratum(&survey.definition, stratum.as_deref(), &mut answers);
        match &value {
            Some(value) => answers.insert(question_id.clone(), value.clone()),
            None => answers.remove(&question_id),
        };
        drop_hidden_answers(&survey.definition, &mut answers);
        validate_answers(&survey.definition, &answers, Completeness::Partial).ok()
    };
    let Some(merged) = state
        .store_call(move |store| store.merge_partial(id, expires, merge))
        .await?
    else {
        return Ok(false);
    };
    session.answers = serde_json::from_str(&merged.answers_json()).unwrap_or_default();
    if session.stratum_fixed {
        fill_fixed_stratum(
            &session.survey.definition,
            session.response.stratum.as_deref(),
            &mut session.answers,
        );
    }
    Ok(true)
}

/// Where "Continue" goes: the next question asked, or the check page; after a change, back to
/// the check page unless the change opened a required question not yet answered.
fn next_page(session: &Session, slug: &str, question: &Question, change: bool) -> String {
    let asked = session.asked();
    if change {
        return asked
            .iter()
            .find(|q| !session.answers.contains_key(&q.id) && q.required)
            .map_or_else(
                || format!("/s/{slug}/check"),
                |q| format!("/s/{slug}/q/{}?change=1", q.id),
            );
    }
    let position = asked.iter().position(|q| q.id == question.id).unwrap_or(0);
    asked.get(position + 1).map_or_else(
        || format!("/s/{slug}/check"),
        |q| format!("/s/{slug}/q/{}", q.id),
    )
}
