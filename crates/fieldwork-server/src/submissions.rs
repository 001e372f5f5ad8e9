//! Taking a response through the API: the `Idempotency-Key` and the body, read and checked
//! before the handler runs, then the rules a response must pass before the group-commit writer
//! stores it (the survey open, the invitation valid and its stratum kept, the answers valid),
//! and what a refusal is called.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use fieldwork_store::{InsertOutcome, StoredSurvey, SubmissionRefused, SurveyStatus};
use fieldwork_survey::{
    fix_invited_stratum, validate_answers, Completeness, FieldError, FieldErrorKind,
    SubmittedAnswers,
};
use futures_util::StreamExt;

use crate::api::{SubmitRequest, JSON_LIMIT};
use crate::invitations::INVITATION_PURPOSE;
use crate::problem::ApiError;
use crate::tokens::hash;
use crate::writer::PendingSubmission;
use crate::AppState;

/// Longest `Idempotency-Key` taken (the OpenAPI document states it too).
const MAX_IDEMPOTENCY_KEY: usize = 200;

/// The caller is within the per-address rate limit of writes; checked before the body is read.
#[derive(Debug)]
pub struct WithinRateLimit;

impl FromRequest for WithinRateLimit {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let Some(state) = req.app_data::<web::Data<AppState>>() else {
                return Ok(WithinRateLimit);
            };
            if state.within_rate_limit(&req).await? {
                Ok(WithinRateLimit)
            } else {
                Err(ApiError::RateLimited)
            }
        })
    }
}

/// The request's `Idempotency-Key`: 1 to 200 visible ASCII characters.
#[derive(Debug)]
pub struct IdempotencyKey(String);

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let key = req
            .headers()
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|k| {
                (1..=MAX_IDEMPOTENCY_KEY).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic())
            })
            .map(|k| IdempotencyKey(k.to_owned()))
            .ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "an Idempotency-Key header of 1 to {MAX_IDEMPOTENCY_KEY} visible ASCII characters is required"
                ))
            });
        std::future::ready(key)
    }
}

/// A response's body: read within [`JSON_LIMIT`], parsed, and hashed as sent (a retry under
/// the same key must send the same bytes).
#[derive(Debug)]
pub struct SubmitBody {
    pub request: SubmitRequest,
    request_hash: String,
}

impl FromRequest for SubmitBody {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(_: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let mut payload = payload.take();
        Box::pin(async move {
            let mut bytes = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| {
                    ApiError::BadRequest(format!("the body could not be read: {e}"))
                })?;
                if bytes.len() + chunk.len() > JSON_LIMIT {
                    return Err(ApiError::TooLarge { limit: JSON_LIMIT });
                }
                bytes.extend_from_slice(&chunk);
            }
            let request: SubmitRequest = serde_json::from_slice(&bytes).map_err(|e| {
                ApiError::BadRequest(format!("the body is not a valid response: {e}"))
            })?;
            Ok(SubmitBody {
                request,
                request_hash: hash("request", &String::from_utf8_lossy(&bytes)),
            })
        })
    }
}

/// Check and store one response to survey `slug`: its public id and the survey version it
/// answered. A retry under the same key answers what the first attempt stored.
pub async fn accept(
    state: &AppState,
    slug: &str,
    key: IdempotencyKey,
    body: SubmitBody,
) -> Result<(String, u32), ApiError> {
    let survey = state.current_survey(slug).await?;
    match survey.status {
        SurveyStatus::Open => {}
        SurveyStatus::Draft => {
            return Err(ApiError::Conflict(format!(
                "survey `{slug}` is not open yet"
            )))
        }
        SurveyStatus::Closed => {
            return Err(ApiError::Conflict(format!("survey `{slug}` has closed")))
        }
    }
    let SubmitBody {
        request,
        request_hash,
    } = body;
    let mut answers = request.answers;
    let invitation_hash = request
        .invitation
        .as_deref()
        .map(|t| hash(INVITATION_PURPOSE, t));
    match &invitation_hash {
        Some(token_hash) => apply_invitation(state, &survey, token_hash, &mut answers).await?,
        None if !survey.definition.allow_open_link => {
            return Err(ApiError::Forbidden(format!("survey `{slug}` takes responses only from invited respondents: give their `invitation` token")));
        }
        None => {}
    }
    let completeness = if request.complete {
        Completeness::Complete
    } else {
        Completeness::Partial
    };
    let response =
        validate_answers(&survey.definition, &answers, completeness).map_err(ApiError::Invalid)?;
    let submitted = state
        .writer
        .submit(PendingSubmission {
            survey: Arc::clone(&survey),
            response,
            key_hash: hash("idempotency", &key.0),
            request_hash: request_hash.clone(),
            invitation_hash,
        })
        .await?
        .map_err(|refused| match refused {
            SubmissionRefused::InvitationUsed => {
                ApiError::Conflict("the invitation has already been used".into())
            }
            SubmissionRefused::SurveyClosed => {
                ApiError::Conflict(format!("survey `{slug}` has closed"))
            }
            _ => ApiError::Forbidden("the invitation token is not valid for this survey".into()),
        })?;
    if matches!(submitted.outcome, InsertOutcome::AlreadyStored { .. })
        && submitted.stored_request_hash.as_deref() != Some(request_hash.as_str())
    {
        return Err(ApiError::IdempotencyKeyReused);
    }
    Ok((
        submitted.outcome.public_id().to_owned(),
        survey.definition.version,
    ))
}

/// An invited response: the invitation must be this survey's, and its stratum is the
/// response's (`fix_invited_stratum`); a different stratum answered is refused, not corrected.
async fn apply_invitation(
    state: &AppState,
    survey: &StoredSurvey,
    token_hash: &str,
    answers: &mut SubmittedAnswers,
) -> Result<(), ApiError> {
    let token_hash = token_hash.to_owned();
    let invitation = state
        .store_call(move |store| store.find_invitation(&token_hash))
        .await?
        .filter(|i| i.survey_slug == survey.definition.slug)
        .ok_or_else(|| {
            ApiError::Forbidden("the invitation token is not valid for this survey".into())
        })?;
    let Some(given) = fix_invited_stratum(&survey.definition, &invitation.stratum, answers) else {
        return Ok(());
    };
    let question = survey
        .definition
        .stratification
        .as_ref()
        .map(|s| s.question.clone());
    Err(ApiError::Invalid(vec![FieldError {
        question: question.unwrap_or_default(),
        item: None,
        kind: FieldErrorKind::OptionNotOffered,
        message: format!(
            "The invitation is for `{}`, not `{given}`; leave this answer out or give that",
            invitation.stratum
        ),
    }]))
}
