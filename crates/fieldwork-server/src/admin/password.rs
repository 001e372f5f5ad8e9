//! Changing one's own password, which ends every other session.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use fieldwork_store::{PasswordChange, User};

use crate::accounts::{check_password, hash_password, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
use crate::auth::{session_cookie, session_hash};
use crate::pages::{with_cookies, PageError, SummaryError};
use crate::tokens::new_token;
use crate::AppState;

use super::notices::{notice_cookie, Notice};
use super::{address, chrome, field_errors, render, see_other, Chrome};
use super::{retry_after, AdminForm};
use crate::auth::Researcher;
use crate::credentials::{self, wait_text, Attempt};
use crate::extract::CheckedForm;

#[derive(Template)]
#[template(path = "admin/password.html")]
struct PasswordPage {
    chrome: Chrome,
    errors: Vec<SummaryError>,
    current_error: Option<String>,
    new_error: Option<String>,
    confirm_error: Option<String>,
    min: usize,
    max: usize,
}

/// The form again with its errors; passwords are never written back into it.
fn render_password(
    state: &AppState,
    req: &HttpRequest,
    user: &User,
    status: StatusCode,
    fields: PasswordFieldErrors,
) -> Result<HttpResponse, PageError> {
    let PasswordFieldErrors {
        current_error,
        new_error,
        confirm_error,
    } = fields;
    let errors = field_errors(&[
        ("#current_password", &current_error),
        ("#new_password", &new_error),
        ("#confirm_password", &confirm_error),
    ]);
    let (chrome, cookie) = chrome(state, req, Some(user), !errors.is_empty());
    let page = PasswordPage {
        chrome,
        errors,
        current_error,
        new_error,
        confirm_error,
        min: MIN_PASSWORD_CHARS,
        max: MAX_PASSWORD_CHARS,
    };
    render(status, &page, cookie)
}

pub(super) async fn password_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    researcher: Researcher,
) -> Result<HttpResponse, PageError> {
    let no_errors = PasswordFieldErrors::default();
    render_password(&state, &req, &researcher.user, StatusCode::OK, no_errors)
}

pub(super) async fn change_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    researcher: Researcher,
    CheckedForm(form): AdminForm,
) -> Result<HttpResponse, PageError> {
    let field = |name| form.first(name).unwrap_or("").to_owned();
    let (current, new) = (field("current_password"), field("new_password"));
    let fields = check_password_fields(&current, &new, &field("confirm_password"));
    if fields.any() {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render_password(&state, &req, &researcher.user, status, fields);
    }
    let new_hash = match hash_if_current(&state, &req, &researcher.user, current, new).await? {
        Ok(new_hash) => new_hash,
        Err(refused) => return Ok(refused),
    };
    // The session goes on under a new id; every other session of the account ends.
    let secret = new_token();
    let (email, current_session, new_session) = (
        researcher.user.email.clone(),
        researcher.session_hash,
        session_hash(&secret),
    );
    let ended = state
        .store_call(move |store| {
            store.change_password(PasswordChange {
                email: &email,
                password_hash: &new_hash,
                rotate: Some((&current_session, &new_session)),
                actor: &email,
                via: "admin",
            })
        })
        .await?;
    tracing::info!(sessions_ended = ended, "password changed");
    let changed = Notice::PasswordChanged {
        sessions_ended: ended,
    };
    let cookies = [
        session_cookie(&state, &secret),
        notice_cookie(&state, &changed),
    ];
    with_cookies(see_other("/admin"), cookies)
}

/// The hash of the `new` password once `current` proves to be the account's, or the form
/// again saying why not. The current password is guessed at here as at sign-in (by whoever
/// found a browser left signed in), so the same throttle applies and every wrong one counts
/// against it.
async fn hash_if_current(
    state: &AppState,
    req: &HttpRequest,
    user: &User,
    current: String,
    new: String,
) -> Result<Result<String, HttpResponse>, PageError> {
    let attempt = credentials::attempt(
        state,
        &user.email,
        &address(req),
        current,
        "bad_current_password",
        move |_| hash_password(&new),
    )
    .await?;
    let refusal = |status, message: String| {
        let fields = PasswordFieldErrors {
            current_error: Some(message),
            ..PasswordFieldErrors::default()
        };
        render_password(state, req, user, status, fields)
    };
    match attempt {
        Attempt::Passed(hashed) => Ok(Ok(hashed.map_err(|problem| {
            tracing::error!(error = %problem, "hashing a new password failed");
            PageError::Internal
        })?)),
        Attempt::Throttled { wait_seconds } => {
            let message = format!(
                "There have been too many wrong passwords. Wait {}, then try again",
                wait_text(wait_seconds)
            );
            let page = refusal(StatusCode::TOO_MANY_REQUESTS, message)?;
            Ok(Err(retry_after(page, wait_seconds)))
        }
        Attempt::Refused { reason } => {
            tracing::info!(reason, "password change refused");
            let message = "Your current password is not correct".to_owned();
            Ok(Err(refusal(StatusCode::UNPROCESSABLE_ENTITY, message)?))
        }
    }
}

/// What is wrong with each field of the change-password form, before any password is checked.
#[derive(Default)]
struct PasswordFieldErrors {
    current_error: Option<String>,
    new_error: Option<String>,
    confirm_error: Option<String>,
}

impl PasswordFieldErrors {
    fn any(&self) -> bool {
        self.current_error.is_some() || self.new_error.is_some() || self.confirm_error.is_some()
    }
}

fn check_password_fields(current: &str, new: &str, confirm: &str) -> PasswordFieldErrors {
    let current_error = current
        .is_empty()
        .then(|| "Enter your current password".to_owned());
    let new_error = if new.is_empty() {
        Some("Enter a new password".to_owned())
    } else if let Err(problem) = check_password(new) {
        Some(problem.replacen("The password", "Your new password", 1))
    } else if new == current {
        Some("Your new password must be different from your current password".to_owned())
    } else {
        None
    };
    let confirm_error = match (&new_error, confirm.is_empty()) {
        (Some(_), _) => None,
        (None, true) => Some("Enter your new password again".to_owned()),
        (None, false) if confirm != new => {
            Some("The passwords do not match: enter your new password again".to_owned())
        }
        (None, false) => None,
    };
    PasswordFieldErrors {
        current_error,
        new_error,
        confirm_error,
    }
}
