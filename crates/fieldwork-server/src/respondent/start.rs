//! The start page, and starting a response (open link or invitation).

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use fieldwork_store::{StartOutcome, StoreError, SubmissionRefused};
use fieldwork_survey::SubmittedAnswers;
use serde_json::Value;

use super::answerable_survey;
use super::check::confirmation;
use super::session_cookie;
use super::session_cookie_name;
use super::RespondentForm;
use super::Session;
use super::SESSION_PURPOSE;
use crate::csrf::csrf_token;
use crate::extract::CheckedForm;
use crate::invitations::INVITATION_PURPOSE;
use crate::pages::{html, PageError};
use crate::slug::Slug;
use crate::tokens::{constant_time_eq, hash, new_token};
use crate::AppState;

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
pub(super) struct InviteQuery {
    invite: Option<String>,
}

pub(super) async fn start_page(
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

pub(super) async fn start(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
    CheckedForm(form): RespondentForm,
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
