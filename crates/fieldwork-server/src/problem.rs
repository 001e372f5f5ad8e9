//! API errors as RFC 9457 `application/problem+json`, with one explicit status per kind.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use fieldwork_store::{StorageFault, StoreError};
use fieldwork_survey::FieldError;
use serde::Serialize;

/// Everything an API call can answer besides success.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("there is no survey `{0}`")]
    SurveyNotFound(String),
    /// A survey that does not exist or that the caller has no role on: the same answer.
    #[error("there is no such survey, or it is not shared with you")]
    NotFound,
    /// A stratum the survey does not have, named in a query.
    #[error("{0}")]
    StratumNotFound(String),
    /// A language the survey is not in (an export's labels).
    #[error("{0}")]
    LanguageNotFound(String),
    /// A path under `/api/` that names no resource.
    #[error("there is nothing at this address; /api/v1/openapi.json describes the API")]
    NoSuchResource,
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{method} is not allowed here; this address takes {allow}")]
    MethodNotAllowed { method: String, allow: String },
    #[error("{0}")]
    Forbidden(String),
    #[error("the request body is larger than the limit of {limit} bytes")]
    TooLarge { limit: usize },
    #[error("the answers are not valid for this survey")]
    Invalid(Vec<FieldError>),
    #[error("this Idempotency-Key was used before with a different request body")]
    IdempotencyKeyReused,
    #[error("too many requests from this address; try again shortly")]
    RateLimited,
    #[error("the service is temporarily unavailable; try again shortly")]
    Unavailable,
    /// The database's storage refused the write; the transaction rolled back.
    #[error("{}", storage_detail(*.0))]
    Storage(StorageFault),
    #[error("something went wrong on our side")]
    Internal,
}

/// The body of a problem response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// For invalid answers: one entry per refused answer.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

/// One refused answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProblemField {
    pub question: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// Machine-readable reason, such as `option_not_offered` or `required`.
    pub kind: String,
    pub message: String,
}

impl ApiError {
    fn slug(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad-request",
            ApiError::SurveyNotFound(_) | ApiError::NotFound => "survey-not-found",
            ApiError::StratumNotFound(_) => "stratum-not-found",
            ApiError::LanguageNotFound(_) => "language-not-found",
            ApiError::NoSuchResource => "not-found",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Conflict(_) => "conflict",
            ApiError::MethodNotAllowed { .. } => "method-not-allowed",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::TooLarge { .. } => "payload-too-large",
            ApiError::Invalid(_) => "invalid-answers",
            ApiError::IdempotencyKeyReused => "idempotency-key-reused",
            ApiError::RateLimited => "rate-limited",
            ApiError::Unavailable => "unavailable",
            ApiError::Storage(StorageFault::Full) => "storage-full",
            ApiError::Storage(StorageFault::ReadOnly) => "storage-read-only",
            ApiError::Storage(StorageFault::Io) => "storage-error",
            ApiError::Internal => "internal",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "Bad request",
            ApiError::SurveyNotFound(_) | ApiError::NotFound => "Survey not found",
            ApiError::StratumNotFound(_) => "Stratum not found",
            ApiError::LanguageNotFound(_) => "Language not found",
            ApiError::NoSuchResource => "Not found",
            ApiError::Unauthorized(_) => "Unauthorized",
            ApiError::Conflict(_) => "Conflict",
            ApiError::MethodNotAllowed { .. } => "Method not allowed",
            ApiError::Forbidden(_) => "Forbidden",
            ApiError::TooLarge { .. } => "Payload too large",
            ApiError::Invalid(_) => "Invalid answers",
            ApiError::IdempotencyKeyReused => "Idempotency key reused",
            ApiError::RateLimited => "Too many requests",
            ApiError::Unavailable => "Service unavailable",
            ApiError::Storage(StorageFault::Full) => "Storage full",
            ApiError::Storage(StorageFault::ReadOnly) => "Storage read-only",
            ApiError::Storage(StorageFault::Io) => "Storage error",
            ApiError::Internal => "Internal error",
        }
    }

    pub fn problem(&self) -> Problem {
        let errors = match self {
            ApiError::Invalid(errors) => errors
                .iter()
                .map(|e| ProblemField {
                    question: e.question.clone(),
                    item: e.item.clone(),
                    kind: serde_json::to_value(e.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    message: e.message.clone(),
                })
                .collect(),
            _ => Vec::new(),
        };
        Problem {
            kind: format!("https://fieldwork.invalid/problems/{}", self.slug()),
            title: self.title().to_owned(),
            status: self.status_code().as_u16(),
            detail: self.to_string(),
            errors,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::SurveyNotFound(_)
            | ApiError::NotFound
            | ApiError::StratumNotFound(_)
            | ApiError::LanguageNotFound(_)
            | ApiError::NoSuchResource => StatusCode::NOT_FOUND,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Invalid(_) | ApiError::IdempotencyKeyReused => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable | ApiError::Storage(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        response.content_type("application/problem+json");
        if matches!(self, ApiError::RateLimited | ApiError::Unavailable) {
            response.insert_header(("Retry-After", "1"));
        }
        if matches!(self, ApiError::Storage(_)) {
            // Space is freed or a file system repaired by a person, not in a second.
            response.insert_header(("Retry-After", "60"));
        }
        if matches!(self, ApiError::Unauthorized(_)) {
            response.insert_header(("WWW-Authenticate", "Bearer realm=\"fieldwork\""));
        }
        response.json(self.problem())
    }
}

/// What a client is told when the storage refused its write.
fn storage_detail(fault: StorageFault) -> &'static str {
    match fault {
        StorageFault::Full => "the response was not stored: the database's storage is full. Nothing of it was kept; send it again later with the same Idempotency-Key",
        StorageFault::ReadOnly => "the response was not stored: the database cannot be written to at the moment. Nothing of it was kept; send it again later with the same Idempotency-Key",
        StorageFault::Io => "the response was not stored: the database's storage is failing. Nothing of it was kept; send it again later with the same Idempotency-Key",
    }
}

/// The storage fault behind `error`, logged for the operator (at error level: someone must
/// free space or repair the file system). Only the database's message is logged, never what
/// was being written.
pub fn storage_refused(error: &StoreError) -> Option<StorageFault> {
    let fault = error.storage_fault()?;
    // `Storage` comes from the group-commit writer, which logged its batch once already.
    if !matches!(error, StoreError::Storage { .. }) {
        tracing::error!(fault = %fault, error = %error, "the storage refused a write; nothing of it was stored");
    }
    Some(fault)
}

/// What a store error means to a caller, pages and API alike: the one place that decides which
/// store errors are "not found" (404), "closed" (409), the storage refusing (503, saying so),
/// the database away (503) or a fault of ours (500, logged).
pub(crate) enum StoreFailure {
    SurveyNotFound(String),
    SurveyClosed(String),
    Storage(StorageFault),
    Unavailable,
    Internal,
}

impl From<StoreError> for StoreFailure {
    fn from(error: StoreError) -> Self {
        if let Some(fault) = storage_refused(&error) {
            return StoreFailure::Storage(fault);
        }
        match error {
            StoreError::SurveyNotFound(slug) | StoreError::SurveyVersionNotFound { slug, .. } => {
                StoreFailure::SurveyNotFound(slug)
            }
            StoreError::SurveyClosed(slug) => StoreFailure::SurveyClosed(slug),
            e if e.is_transient() => {
                tracing::warn!(error = %e, "database unavailable");
                StoreFailure::Unavailable
            }
            e => {
                tracing::error!(error = %e, "store error");
                StoreFailure::Internal
            }
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match StoreFailure::from(error) {
            StoreFailure::SurveyNotFound(slug) => ApiError::SurveyNotFound(slug),
            StoreFailure::SurveyClosed(slug) => {
                ApiError::Conflict(format!("survey `{slug}` has closed"))
            }
            StoreFailure::Storage(fault) => ApiError::Storage(fault),
            StoreFailure::Unavailable => ApiError::Unavailable,
            StoreFailure::Internal => ApiError::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fieldwork_survey::FieldErrorKind;

    #[test]
    fn invalid_answers_have_this_exact_shape() {
        let error = ApiError::Invalid(vec![FieldError {
            question: "sector".into(),
            item: None,
            kind: FieldErrorKind::OptionNotOffered,
            message: "Select one of the options given".into(),
        }]);
        assert_eq!(error.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            serde_json::to_value(error.problem()).unwrap(),
            serde_json::json!({
                "type": "https://fieldwork.invalid/problems/invalid-answers",
                "title": "Invalid answers",
                "status": 422,
                "detail": "the answers are not valid for this survey",
                "errors": [{
                    "question": "sector",
                    "kind": "option_not_offered",
                    "message": "Select one of the options given"
                }]
            })
        );
    }

    #[test]
    fn transient_store_errors_are_503_and_the_rest_500_without_detail() {
        let unavailable = ApiError::from(StoreError::Unavailable("pool timed out".into()));
        assert_eq!(unavailable.status_code(), StatusCode::SERVICE_UNAVAILABLE);
        let internal = ApiError::from(StoreError::Migration("SQL text".into()));
        assert_eq!(internal.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(
            !internal.problem().detail.contains("SQL"),
            "no internals leak"
        );
    }

    #[test]
    fn a_full_disk_is_a_503_that_says_so_and_when_to_retry() {
        let error = ApiError::from(StoreError::Storage {
            fault: StorageFault::Full,
            reason: "database error: database or disk is full".into(),
        });
        assert_eq!(error.status_code(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            serde_json::to_value(error.problem()).unwrap(),
            serde_json::json!({
                "type": "https://fieldwork.invalid/problems/storage-full",
                "title": "Storage full",
                "status": 503,
                "detail": "the response was not stored: the database's storage is full. Nothing of it was kept; send it again later with the same Idempotency-Key"
            })
        );
        assert_eq!(
            error.error_response().headers().get("retry-after").unwrap(),
            "60"
        );
        let read_only = ApiError::from(StoreError::Storage {
            fault: StorageFault::ReadOnly,
            reason: "attempt to write a readonly database".into(),
        });
        assert_eq!(read_only.status_code(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(read_only.problem().title, "Storage read-only");
    }
}
