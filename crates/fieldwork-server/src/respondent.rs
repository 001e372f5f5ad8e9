//! The respondent's journey: start, one question per page, check answers, confirmation,
//! save and return, withdrawal. Server-rendered, no JavaScript needed.
//!
//! A respondent's session is a secret in a cookie scoped to the survey's path; the store
//! keeps only its hash as the response's submission key. For an invited respondent the secret
//! is the invitation token, so the invitation link itself resumes the same response; for an
//! open-link respondent it is a random id issued with the start form, so a double click on
//! "Start" finds the response the first click made.

use std::collections::BTreeMap;
use std::sync::Arc;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use fieldwork_store::{
    StartOutcome, StorageFault, StoreError, StoredResponse, StoredSurvey, SubmissionRefused,
    SurveyStatus,
};
use fieldwork_survey::{
    answer_from_stored, drop_hidden_answers, fix_invited_stratum, is_shown, validate_answers,
    Answer, Completeness, FieldError, Question, QuestionKind, SubmittedAnswers,
};
use serde_json::Value;

use crate::csrf::{csrf_token, FormFields};
use crate::extract::CheckedForm;
use crate::invitations::INVITATION_PURPOSE;
use crate::pages::{
    answer_lines, html, question_view, storage_reason, Entered, Link, MessagePage, PageError,
    QuestionView, SummaryError,
};
use crate::problem::storage_refused;
use crate::routing::Routes;
use crate::slug::Slug;
use crate::tokens::{
    constant_time_eq, hash, legacy_receipt, new_token, normalise_receipt, receipt_code,
};
use crate::AppState;

/// Largest form body accepted: room for the longest text answer allowed, with margin.
pub const FORM_LIMIT: usize = 256 * 1024;

const SESSION_PURPOSE: &str = "session";
const RECEIPT_PURPOSE: &str = "receipt";

pub fn configure(cfg: &mut web::ServiceConfig) {
    let mut routes = Routes::default();
    routes
        .add(Method::GET, "/s/{slug}", web::route().to(start_page))
        .add(Method::POST, "/s/{slug}/start", web::route().to(start))
        .add(
            Method::GET,
            "/s/{slug}/q/{question}",
            web::route().to(question_page),
        )
        .add(
            Method::POST,
            "/s/{slug}/q/{question}",
            web::route().to(answer_question),
        )
        .add(Method::GET, "/s/{slug}/check", web::route().to(check_page))
        .add(Method::POST, "/s/{slug}/submit", web::route().to(submit))
        .add(Method::GET, "/s/{slug}/done", web::route().to(done_page))
        .add(
            Method::GET,
            "/s/{slug}/resume",
            web::route().to(resume_page),
        )
        .add(Method::POST, "/s/{slug}/resume", web::route().to(resume))
        .add(
            Method::GET,
            "/s/{slug}/withdraw",
            web::route().to(withdraw_page),
        )
        .add(
            Method::POST,
            "/s/{slug}/withdraw",
            web::route().to(withdraw),
        );
    routes.register(cfg);
}

fn session_cookie_name(slug: &str) -> String {
    format!("fieldwork_{slug}")
}

fn session_cookie(state: &AppState, slug: &str, secret: &str) -> Cookie<'static> {
    Cookie::build(session_cookie_name(slug), secret.to_owned())
        .path(format!("/s/{slug}"))
        .http_only(true)
        .secure(state.config.secure_cookies)
        .same_site(SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::days(
            state.config.resume_days,
        ))
        .finish()
}

/// The survey respondents may answer now, or a page saying why not.
async fn answerable_survey(state: &AppState, slug: &str) -> Result<Arc<StoredSurvey>, PageError> {
    let survey = state.current_survey(slug).await?;
    match survey.status {
        SurveyStatus::Open => Ok(survey),
        SurveyStatus::Closed => Err(PageError::message(
            StatusCode::OK,
            &format!("{} has closed", survey.definition.title),
            &["This survey is no longer taking answers. Thank you for your interest."],
        )),
        SurveyStatus::Draft => Err(PageError::message(
            StatusCode::OK,
            &format!("{} is not open yet", survey.definition.title),
            &["This survey has not started taking answers. Try the link again later."],
        )),
    }
}

/// An invited response's stratum comes from its invitation (`fix_invited_stratum`), filled in
/// wherever the answers are read from storage. The pages never ask the question, so any other
/// answer to it can only be a forged field: it is overwritten, not argued with.
fn fill_fixed_stratum(
    definition: &fieldwork_survey::SurveyDefinition,
    stratum: Option<&str>,
    answers: &mut SubmittedAnswers,
) {
    if let Some(stratum) = stratum {
        fix_invited_stratum(definition, stratum, answers);
    }
}

/// Everything a page of a started response needs.
struct Session {
    survey: Arc<StoredSurvey>,
    response: StoredResponse,
    answers: SubmittedAnswers,
    /// The stratum came from an invitation: the stratum question is not asked.
    stratum_fixed: bool,
}

impl Session {
    fn definition(&self) -> &fieldwork_survey::SurveyDefinition {
        &self.survey.definition
    }

    /// The answers as checked values, for show_if and for display.
    fn checked(&self) -> BTreeMap<String, Answer> {
        self.definition()
            .questions()
            .filter_map(|q| {
                let value = self.answers.get(&q.id)?;
                answer_from_stored(q, value).map(|a| (q.id.clone(), a))
            })
            .collect()
    }

    /// The questions this respondent is asked, in order, given their answers so far.
    fn asked(&self) -> Vec<&Question> {
        let checked = self.checked();
        let stratum_question = self
            .definition()
            .stratification
            .as_ref()
            .map(|s| s.question.as_str());
        self.definition()
            .questions()
            .filter(|q| !(self.stratum_fixed && Some(q.id.as_str()) == stratum_question))
            .filter(|q| is_shown(q, &checked))
            .collect()
    }

    fn section_of(&self, question_id: &str) -> String {
        self.definition()
            .pages
            .iter()
            .find(|p| p.questions.iter().any(|q| q.id == question_id))
            .map(|p| p.title.clone())
            .unwrap_or_default()
    }

    /// Where to carry on: the first question asked but not answered, else the check page.
    fn resume_href(&self) -> String {
        let slug = &self.survey.definition.slug;
        self.asked()
            .into_iter()
            .find(|q| !self.answers.contains_key(&q.id))
            .map_or_else(
                || format!("/s/{slug}/check"),
                |q| format!("/s/{slug}/q/{}", q.id),
            )
    }
}

async fn load_session(
    state: &AppState,
    req: &HttpRequest,
    slug: &str,
) -> Result<Session, PageError> {
    let start = PageError::Redirect(format!("/s/{slug}"));
    let Some(cookie) = req.cookie(&session_cookie_name(slug)) else {
        return Err(start);
    };
    let key_hash = hash(SESSION_PURPOSE, cookie.value());
    let slug_owned = slug.to_owned();
    let response = state
        .store_call(move |store| store.response_by_key(&slug_owned, &key_hash))
        .await?;
    let Some(response) = response else {
        return Err(start);
    };
    let survey = state
        .survey_version(slug, response.survey_version, response.survey_id)
        .await?;
    let answers: SubmittedAnswers = serde_json::from_str(&response.answers).unwrap_or_default();
    let stratum_question = survey
        .definition
        .stratification
        .as_ref()
        .map(|s| s.question.clone());
    // An invited response starts with its stratum and no answer to the stratum question;
    // the stratum answer is filled from it and never asked.
    let mut answers = answers;
    let stratum_fixed = match (&stratum_question, &response.stratum) {
        (Some(_), Some(_)) => state.is_invited(response.id).await?,
        _ => false,
    };
    if stratum_fixed {
        fill_fixed_stratum(
            &survey.definition,
            response.stratum.as_deref(),
            &mut answers,
        );
    }
    Ok(Session {
        survey,
        response,
        answers,
        stratum_fixed,
    })
}

#[derive(Template)]
#[template(path = "start.html")]
struct StartPage {
    service_name: String,
    has_errors: bool,
    slug: String,
    title: String,
    description: Vec<String>,
    question_count: usize,
    csrf_token: String,
    start_id: String,
    invite: Option<String>,
    start_label: &'static str,
}

#[derive(serde::Deserialize)]
struct InviteQuery {
    invite: Option<String>,
}

async fn start_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
    query: web::Query<InviteQuery>,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    let survey = answerable_survey(&state, &slug).await?;
    let invite = query.into_inner().invite.filter(|t| !t.is_empty());
    let mut start_label = "Start now";
    if let Some(token) = &invite {
        // A used invitation shows where its respondent got to.
        let secret_hash = hash(SESSION_PURPOSE, token);
        let slug_owned = slug.clone();
        let existing = state
            .store_call(move |store| store.response_by_key(&slug_owned, &secret_hash))
            .await?;
        match existing {
            // The receipt (which can withdraw the answers) only for the browser that sent
            // them: a forwarded or leaked invitation link shows that it was used, no more.
            Some(response) if response.complete => {
                let own = req
                    .cookie(&session_cookie_name(&slug))
                    .is_some_and(|c| constant_time_eq(c.value(), token));
                return if own {
                    confirmation(&state, &survey, &response)
                } else {
                    Err(used_invitation())
                };
            }
            Some(_) => start_label = "Carry on",
            None => {
                let token_hash = hash(INVITATION_PURPOSE, token);
                let invitation = state
                    .store_call(move |store| store.find_invitation(&token_hash))
                    .await?;
                if invitation.as_ref().is_none_or(|i| i.survey_slug != slug) {
                    return Err(invalid_invitation());
                }
                if invitation.is_some_and(|i| i.used_at.is_some()) {
                    return Err(used_invitation());
                }
            }
        }
    } else if !survey.definition.allow_open_link {
        return Err(PageError::message(
            StatusCode::FORBIDDEN,
            "You need an invitation to take part",
            &["This survey is by invitation only. Use the link in the invitation you were sent."],
        ));
    }
    let (csrf, cookie) = csrf_token(&state, &req);
    let definition = &survey.definition;
    let page = StartPage {
        service_name: definition.title.clone(),
        has_errors: false,
        slug: slug.clone(),
        title: definition.title.clone(),
        description: definition
            .description
            .as_deref()
            .unwrap_or("")
            .split("\n\n")
            .filter(|p| !p.trim().is_empty())
            .map(str::to_owned)
            .collect(),
        // Never the stratum question for an invited respondent; fewer when answers hide some.
        question_count: definition
            .questions()
            .filter(|q| {
                invite.is_none()
                    || definition
                        .stratification
                        .as_ref()
                        .is_none_or(|s| s.question != q.id)
            })
            .count(),
        csrf_token: csrf,
        start_id: new_token(),
        invite,
        start_label,
    };
    let mut response = html(StatusCode::OK, &page)?;
    if let Some(cookie) = cookie {
        response
            .add_cookie(&cookie)
            .map_err(|_| PageError::Internal)?;
    }
    Ok(response)
}

fn invalid_invitation() -> PageError {
    PageError::message(
        StatusCode::NOT_FOUND,
        "This invitation link is not valid",
        &["Check you used the whole link from your invitation. If it still does not work, contact the research team who invited you."],
    )
}

fn used_invitation() -> PageError {
    PageError::message(
        StatusCode::CONFLICT,
        "This invitation has already been used",
        &["Each invitation can be used to answer once. If you sent answers and want to take them back, use your receipt code to withdraw them."],
    )
}

async fn start(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
    CheckedForm(form): CheckedForm<FORM_LIMIT>,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    state.check_rate(&req)?;
    let survey = answerable_survey(&state, &slug).await?;
    let invite = form
        .first("invite")
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    let (secret, invitation) = match &invite {
        Some(token) => {
            let token_hash = hash(INVITATION_PURPOSE, token);
            let invitation = state
                .store_call(move |store| store.find_invitation(&token_hash))
                .await?;
            match invitation {
                Some(i) if i.survey_slug == slug => (token.clone(), Some(i)),
                _ => return Err(invalid_invitation()),
            }
        }
        None if survey.definition.allow_open_link => {
            let start_id = form.first("start_id").unwrap_or("");
            // The id must look like one we issued: 22 URL-safe characters.
            if start_id.len() != 22
                || !start_id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(PageError::Redirect(format!("/s/{slug}")));
            }
            (start_id.to_owned(), None)
        }
        None => return Err(PageError::Redirect(format!("/s/{slug}"))),
    };
    let key_hash = hash(SESSION_PURPOSE, &secret);
    let token_hash = invite.as_ref().map(|t| hash(INVITATION_PURPOSE, t));
    let stratum = invitation.map(|i| i.stratum);
    let expires = state.resume_expiry();
    let survey_for_store = Arc::clone(&survey);
    let outcome = state
        .store_call(move |store| {
            store.start_response(
                &survey_for_store,
                &key_hash,
                stratum.as_deref(),
                token_hash.as_deref(),
                expires,
            )
        })
        .await?;
    let response = match outcome {
        StartOutcome::Started(response) => {
            tracing::info!(survey = %slug, invited = invite.is_some(), "response started");
            response
        }
        StartOutcome::Existing(response) => response,
        StartOutcome::Refused(SubmissionRefused::InvitationUsed) => return Err(used_invitation()),
        StartOutcome::Refused(SubmissionRefused::SurveyClosed) => {
            return Err(StoreError::SurveyClosed(slug.clone()).into())
        }
        StartOutcome::Refused(_) => return Err(invalid_invitation()),
    };
    let next = if response.complete {
        format!("/s/{slug}/done")
    } else {
        // A fresh session: find the first question to ask.
        let session = Session {
            stratum_fixed: invite.is_some(),
            answers: {
                let mut answers: SubmittedAnswers =
                    serde_json::from_str(&response.answers).unwrap_or_default();
                if let (Some(s), Some(stratum)) =
                    (&survey.definition.stratification, &response.stratum)
                {
                    if invite.is_some() {
                        answers.insert(s.question.clone(), Value::String(stratum.clone()));
                    }
                }
                answers
            },
            survey,
            response,
        };
        session.resume_href()
    };
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", next))
        .cookie(session_cookie(&state, &slug, &secret))
        .finish())
}

#[derive(Template)]
#[template(path = "question.html")]
struct QuestionPage {
    service_name: String,
    has_errors: bool,
    errors: Vec<SummaryError>,
    slug: String,
    section: String,
    q: QuestionView,
    csrf_token: String,
    back_href: String,
    change: bool,
}

#[derive(serde::Deserialize)]
struct ChangeQuery {
    change: Option<String>,
}

/// The question page; with `unsaved`, shown again after the storage refused to save the
/// answer, which stays in the form (`entered`) for the respondent to send again.
#[allow(clippy::too_many_arguments)]
fn render_question(
    state: &AppState,
    req: &HttpRequest,
    session: &Session,
    question: &Question,
    entered: &Entered,
    errors: &[FieldError],
    change: bool,
    unsaved: Option<StorageFault>,
) -> Result<HttpResponse, PageError> {
    let status = if unsaved.is_some() {
        StatusCode::SERVICE_UNAVAILABLE
    } else if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let slug = &session.survey.definition.slug;
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
            message: format!(
                "Your answer has not been saved because {}. It is still in the form below: try again in a few minutes.",
                storage_reason(fault)
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
        service_name: session.survey.definition.title.clone(),
        has_errors: !summary.is_empty(),
        errors: summary,
        slug: slug.clone(),
        section: session.section_of(&question.id),
        q: question_view(question, entered, question_error, &item_errors),
        csrf_token: csrf,
        back_href,
        change,
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

async fn question_page(
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
    render_question(
        &state,
        &req,
        &session,
        question,
        &entered,
        &[],
        query.change.is_some(),
        None,
    )
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

async fn answer_question(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(Slug, String)>,
    query: web::Query<ChangeQuery>,
    CheckedForm(form): CheckedForm<FORM_LIMIT>,
) -> Result<HttpResponse, PageError> {
    let (slug, question_id) = path.into_inner();
    let slug = slug.into_string();
    state.check_rate(&req)?;
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
    match value.clone() {
        Some(value) => session.answers.insert(question.id.clone(), value),
        None => session.answers.remove(&question.id),
    };
    // A changed answer may hide later questions: their answers go, never to be stored.
    let survey = Arc::clone(&session.survey);
    drop_hidden_answers(&survey.definition, &mut session.answers);
    let mut errors: Vec<FieldError> = match validate_answers(
        session.definition(),
        &session.answers,
        Completeness::Partial,
    ) {
        Ok(_) => Vec::new(),
        Err(errors) => errors
            .into_iter()
            .filter(|e| e.question == question.id)
            .collect(),
    };
    if errors.is_empty() && !saving && question.required {
        // Partial validation asks for nothing; "Continue" needs this question answered.
        if let Err(all) = validate_answers(
            session.definition(),
            &session.answers,
            Completeness::Complete,
        ) {
            errors = all
                .into_iter()
                .filter(|e| e.question == question.id)
                .collect();
        }
    }
    if !errors.is_empty() {
        return render_question(
            &state, &req, &session, &question, &entered, &errors, change, None,
        );
    }
    // Only this question's answer is changed, on the answers stored now: what another tab
    // (or server) saved meanwhile stays (`Store::merge_partial`).
    let id = session.response.id;
    let expires = state.resume_expiry();
    let (question_id, stratum_fixed) = (question.id.clone(), session.stratum_fixed);
    let stratum = session.response.stratum.clone();
    let merge = move |stored: &str| {
        let mut answers: SubmittedAnswers = serde_json::from_str(stored).unwrap_or_default();
        if stratum_fixed {
            fill_fixed_stratum(&survey.definition, stratum.as_deref(), &mut answers);
        }
        match &value {
            Some(value) => answers.insert(question_id.clone(), value.clone()),
            None => answers.remove(&question_id),
        };
        drop_hidden_answers(&survey.definition, &mut answers);
        validate_answers(&survey.definition, &answers, Completeness::Partial).ok()
    };
    let saved = match state
        .store_call(move |store| store.merge_partial(id, expires, merge))
        .await
    {
        Ok(Some(merged)) => {
            // Go on from the answers as stored, another tab's included.
            session.answers = serde_json::from_str(&merged.answers_json()).unwrap_or_default();
            if session.stratum_fixed {
                fill_fixed_stratum(
                    &session.survey.definition,
                    session.response.stratum.as_deref(),
                    &mut session.answers,
                );
            }
            true
        }
        Ok(None) => false,
        Err(error) => match storage_refused(&error) {
            Some(fault) => {
                return render_question(
                    &state,
                    &req,
                    &session,
                    &question,
                    &entered,
                    &[],
                    change,
                    Some(fault),
                )
            }
            None => return Err(error.into()),
        },
    };
    if !saved {
        return Err(PageError::Redirect(format!("/s/{slug}/done")));
    }
    if saving {
        return saved_page(&state, &req, &session, expires);
    }
    let asked = session.asked();
    let next = if change {
        // Back to the check page, unless the change opened a question not yet answered.
        asked
            .iter()
            .find(|q| !session.answers.contains_key(&q.id) && q.required)
            .map_or_else(
                || format!("/s/{slug}/check"),
                |q| format!("/s/{slug}/q/{}?change=1", q.id),
            )
    } else {
        let position = asked.iter().position(|q| q.id == question.id).unwrap_or(0);
        asked.get(position + 1).map_or_else(
            || format!("/s/{slug}/check"),
            |q| format!("/s/{slug}/q/{}", q.id),
        )
    };
    Err(PageError::Redirect(next))
}

#[derive(Template)]
#[template(path = "saved.html")]
struct SavedPage {
    service_name: String,
    has_errors: bool,
    resume_url: String,
    expires: String,
    continue_href: String,
}

fn saved_page(
    state: &AppState,
    req: &HttpRequest,
    session: &Session,
    expires: chrono::NaiveDateTime,
) -> Result<HttpResponse, PageError> {
    let slug = &session.survey.definition.slug;
    let secret = req
        .cookie(&session_cookie_name(slug))
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    let base = &state.public.base;
    let page = SavedPage {
        service_name: session.survey.definition.title.clone(),
        has_errors: false,
        resume_url: format!("{base}/s/{slug}/resume?code={secret}"),
        expires: expires.format("%-d %B %Y").to_string(),
        continue_href: session.resume_href(),
    };
    html(StatusCode::OK, &page)
}

#[derive(serde::Deserialize)]
struct CodeQuery {
    code: Option<String>,
}

#[derive(Template)]
#[template(path = "resume.html")]
struct ResumePage {
    service_name: String,
    has_errors: bool,
    slug: String,
    title: String,
    csrf_token: String,
    code: String,
}

fn expired_link() -> PageError {
    PageError::message(
        StatusCode::NOT_FOUND,
        "This link has expired",
        &["Saved answers are kept for a limited time, or the link is not complete. Start again from your invitation or the survey's link."],
    )
}

async fn resume_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
    query: web::Query<CodeQuery>,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    let survey = answerable_survey(&state, &slug).await?;
    let code = query.into_inner().code.unwrap_or_default();
    if code.is_empty() || code.len() > 64 {
        return Err(expired_link());
    }
    let (csrf, cookie) = csrf_token(&state, &req);
    let page = ResumePage {
        service_name: survey.definition.title.clone(),
        has_errors: false,
        slug,
        title: survey.definition.title.clone(),
        csrf_token: csrf,
        code,
    };
    let mut response = html(StatusCode::OK, &page)?;
    if let Some(cookie) = cookie {
        response
            .add_cookie(&cookie)
            .map_err(|_| PageError::Internal)?;
    }
    Ok(response)
}

async fn resume(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
    CheckedForm(form): CheckedForm<FORM_LIMIT>,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    state.check_rate(&req)?;
    answerable_survey(&state, &slug).await?;
    let code = form.first("code").unwrap_or("").to_owned();
    let key_hash = hash(SESSION_PURPOSE, &code);
    let slug_owned = slug.clone();
    let found = state
        .store_call(move |store| store.response_by_key(&slug_owned, &key_hash))
        .await?;
    if found.is_none() {
        return Err(expired_link());
    }
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", format!("/s/{slug}/check")))
        .cookie(session_cookie(&state, &slug, &code))
        .finish())
}

#[derive(Template)]
#[template(path = "check.html")]
struct CheckPage {
    service_name: String,
    has_errors: bool,
    errors: Vec<SummaryError>,
    slug: String,
    sections: Vec<CheckSection>,
    csrf_token: String,
    back_href: String,
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
fn render_check(
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
            title: page.title.clone(),
            rows: page
                .questions
                .iter()
                .filter(|q| asked.iter().any(|a| a.id == q.id))
                .map(|q| CheckRow {
                    id: q.id.clone(),
                    question: q.text.clone(),
                    answer: answer_lines(q, checked.get(&q.id)),
                })
                .collect(),
        })
        .filter(|s| !s.rows.is_empty())
        .collect();
    let (csrf, cookie) = csrf_token(state, req);
    let summary: Vec<SummaryError> = unsaved
        .map(|fault| SummaryError {
            href: "#send".into(),
            message: format!(
                "Your answers have not been sent because {}. Nothing is lost: they are kept here. Try sending them again in a few minutes.",
                storage_reason(fault)
            ),
        })
        .into_iter()
        .chain(errors.iter().map(|e| SummaryError {
            href: format!("/s/{slug}/q/{}?change=1", e.question),
            message: e.message.clone(),
        }))
        .collect();
    let page = CheckPage {
        service_name: session.survey.definition.title.clone(),
        has_errors: !summary.is_empty(),
        errors: summary,
        slug: slug.clone(),
        sections,
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

async fn check_page(
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
    render_check(&state, &req, &session, &[], None)
}

async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
    _form: CheckedForm<FORM_LIMIT>,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    state.check_rate(&req)?;
    answerable_survey(&state, &slug).await?;
    let session = load_session(&state, &req, &slug).await?;
    if session.response.complete {
        // A second click, a retry, the back button: the response is stored once.
        return Err(PageError::Redirect(format!("/s/{slug}/done")));
    }
    let validated = match validate_answers(
        session.definition(),
        &session.answers,
        Completeness::Complete,
    ) {
        Ok(validated) => validated,
        Err(errors) => return render_check(&state, &req, &session, &errors, None),
    };
    let receipt = receipt_code(&state.secret, &session.response.public_id);
    let receipt_hash = hash(RECEIPT_PURPOSE, &receipt);
    let id = session.response.id;
    let completed = state
        .store_call(move |store| store.complete_response(id, &validated, &receipt_hash))
        .await;
    if let Err(error) = completed {
        return match storage_refused(&error) {
            Some(fault) => render_check(&state, &req, &session, &[], Some(fault)),
            None => Err(error.into()),
        };
    }
    tracing::info!(survey = %slug, "response completed");
    Err(PageError::Redirect(format!("/s/{slug}/done")))
}

#[derive(Template)]
#[template(path = "done.html")]
struct DonePage {
    service_name: String,
    has_errors: bool,
    slug: String,
    title: String,
    receipt: String,
}

fn confirmation(
    state: &AppState,
    survey: &StoredSurvey,
    response: &StoredResponse,
) -> Result<HttpResponse, PageError> {
    let page = DonePage {
        service_name: survey.definition.title.clone(),
        has_errors: false,
        slug: survey.definition.slug.clone(),
        title: survey.definition.title.clone(),
        receipt: receipt_code(&state.secret, &response.public_id),
    };
    html(StatusCode::OK, &page)
}

async fn done_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    let session = load_session(&state, &req, &slug).await?;
    if !session.response.complete {
        return Err(PageError::Redirect(format!("/s/{slug}/check")));
    }
    confirmation(&state, &session.survey, &session.response)
}

#[derive(Template)]
#[template(path = "withdraw.html")]
struct WithdrawPage {
    service_name: String,
    has_errors: bool,
    errors: Vec<SummaryError>,
    slug: String,
    csrf_token: String,
    error: Option<String>,
    value: String,
}

fn render_withdraw(
    state: &AppState,
    req: &HttpRequest,
    survey: &StoredSurvey,
    error: Option<String>,
    value: String,
) -> Result<HttpResponse, PageError> {
    let (csrf, cookie) = csrf_token(state, req);
    let errors: Vec<SummaryError> = error
        .iter()
        .map(|e| SummaryError {
            href: "#receipt".into(),
            message: e.clone(),
        })
        .collect();
    let page = WithdrawPage {
        service_name: survey.definition.title.clone(),
        has_errors: error.is_some(),
        errors,
        slug: survey.definition.slug.clone(),
        csrf_token: csrf,
        error: error.clone(),
        value,
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut response = html(status, &page)?;
    if let Some(cookie) = cookie {
        response
            .add_cookie(&cookie)
            .map_err(|_| PageError::Internal)?;
    }
    Ok(response)
}

async fn withdraw_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    // Withdrawal works whatever the survey's status: people may change their minds late.
    let survey = state.current_survey(&slug).await?;
    render_withdraw(&state, &req, &survey, None, String::new())
}

async fn withdraw(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
    CheckedForm(form): CheckedForm<FORM_LIMIT>,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    state.check_rate(&req)?;
    let survey = state.current_survey(&slug).await?;
    let typed = form
        .first("receipt")
        .unwrap_or("")
        .chars()
        .take(64)
        .collect::<String>();
    // The code as written now, and as codes issued before Crockford's alphabet were written.
    let candidates: Vec<String> = normalise_receipt(&typed)
        .into_iter()
        .chain(legacy_receipt(&typed))
        .collect();
    if candidates.is_empty() {
        let message = if typed.trim().is_empty() {
            "Enter your receipt code"
        } else {
            "Enter the receipt code in the right format: 16 letters and numbers, like 7K2M-9QXD-4RTA-HW3B"
        };
        return render_withdraw(&state, &req, &survey, Some(message.into()), typed);
    }
    let hashes: Vec<String> = candidates
        .iter()
        .map(|code| hash(RECEIPT_PURPOSE, code))
        .collect();
    let slug_owned = slug.clone();
    let withdrawn = state
        .store_call(move |store| -> Result<bool, StoreError> {
            for receipt_hash in &hashes {
                if store.withdraw_response(&slug_owned, receipt_hash)? {
                    return Ok(true);
                }
            }
            Ok(false)
        })
        .await?;
    if !withdrawn {
        return render_withdraw(
            &state,
            &req,
            &survey,
            Some("No answers were found with that receipt code. Check it and try again.".into()),
            typed,
        );
    }
    tracing::info!(survey = %slug, "response withdrawn");
    let page = MessagePage {
        service_name: survey.definition.title.clone(),
        has_errors: false,
        heading: "Your answers have been withdrawn".into(),
        paragraphs: vec![
            "We have deleted your answers. They will not appear in any analysis, report or export \
             made from now on."
                .into(),
            "Findings already published are figures for whole groups, in which no one person can \
             be picked out. They are worked out again without your answers the next time they \
             are updated."
                .into(),
        ],
        link: Some(Link {
            href: format!("/s/{slug}"),
            text: "Go to the start of the survey".into(),
        }),
    };
    let mut response = html(StatusCode::OK, &page)?;
    let mut gone = Cookie::build(session_cookie_name(&slug), "")
        .path(format!("/s/{slug}"))
        .finish();
    gone.make_removal();
    response
        .add_cookie(&gone)
        .map_err(|_| PageError::Internal)?;
    Ok(response)
}
