//! Signing in and out: the credentials check, throttling and a new session at every sign-in.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use fieldwork_store::{AuditEvent, NewSession, User};
use serde_json::json;

use super::{address, audit, chrome, field_errors, render, see_other, Chrome};
use super::{retry_after, AdminForm};
use crate::accounts::{parse_email, MAX_PASSWORD_CHARS};
use crate::auth::Researcher;
use crate::auth::{
    now, session_cookie, session_cookie_removal, session_hash, session_secret, signed_in,
};
use crate::credentials::{self, wait_text, Attempt};
use crate::extract::CheckedForm;
use crate::pages::{with_cookies, PageError, SummaryError};
use crate::tokens::new_token;
use crate::AppState;

#[derive(Template)]
#[template(path = "admin/sign_in.html")]
struct SignInPage {
    chrome: Chrome,
    errors: Vec<SummaryError>,
    email: String,
    email_error: Option<String>,
    password_error: Option<String>,
}

fn render_sign_in(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    email: String,
    email_error: Option<String>,
    password_error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let errors = field_errors(&[("#email", &email_error), ("#password", &password_error)]);
    let (chrome, cookie) = chrome(state, req, None, !errors.is_empty());
    let page = SignInPage {
        chrome,
        errors,
        email,
        email_error,
        password_error,
    };
    render(status, &page, cookie)
}

pub(super) async fn sign_in_page(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    if signed_in(&state, &req).await?.is_some() {
        return Ok(see_other("/admin"));
    }
    render_sign_in(&state, &req, StatusCode::OK, String::new(), None, None)
}

pub(super) async fn sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    CheckedForm(form): AdminForm,
) -> Result<HttpResponse, PageError> {
    let typed: String = form
        .first("email")
        .unwrap_or("")
        .chars()
        .take(300)
        .collect();
    let password = form.first("password").unwrap_or("").to_owned();
    let email = match check_sign_in_fields(&typed, &password) {
        Ok(email) => email,
        Err((email_error, password_error)) => {
            return render_sign_in(
                &state,
                &req,
                StatusCode::UNPROCESSABLE_ENTITY,
                typed,
                email_error,
                password_error,
            );
        }
    };
    let address = address(&req);
    let attempt = credentials::attempt(
        &state,
        &email,
        &address,
        password.clone(),
        "bad_password",
        |user| user,
    )
    .await?;
    let user = match attempt {
        Attempt::Passed(user) => user,
        refused => return refused_sign_in(&state, &req, typed, &password, refused),
    };
    let secret = start_session(&state, &req, user.id, address).await?;
    tracing::info!("researcher signed in");
    with_cookies(see_other("/admin"), [session_cookie(&state, &secret)])
}

/// The sign-in form again, saying why the attempt was refused.
fn refused_sign_in(
    state: &AppState,
    req: &HttpRequest,
    typed: String,
    password: &str,
    attempt: Attempt<User>,
) -> Result<HttpResponse, PageError> {
    match attempt {
        Attempt::Throttled { wait_seconds } => {
            let message = format!(
                "There have been too many failed attempts to sign in. Wait {}, then try again",
                wait_text(wait_seconds)
            );
            let status = StatusCode::TOO_MANY_REQUESTS;
            let page = render_sign_in(state, req, status, typed, None, Some(message))?;
            Ok(retry_after(page, wait_seconds))
        }
        Attempt::Refused { reason } => {
            tracing::info!(reason, "sign-in failed");
            let message = if password.chars().count() > MAX_PASSWORD_CHARS {
                format!("Enter a password of {MAX_PASSWORD_CHARS} characters or fewer")
            } else {
                "Enter a correct email address and password".into()
            };
            let status = StatusCode::UNAUTHORIZED;
            render_sign_in(state, req, status, typed, None, Some(message))
        }
        // Not a refusal: the caller takes a passed attempt before calling this.
        Attempt::Passed(_) => Err(PageError::Internal),
    }
}

/// A new session for `user_id`, whose secret goes in the cookie. A new session id at every
/// sign-in: the one the browser had (if any) ends here.
async fn start_session(
    state: &AppState,
    req: &HttpRequest,
    user_id: i64,
    address: String,
) -> Result<String, PageError> {
    let secret = new_token();
    let replaces = session_secret(state, req).map(|s| session_hash(&s));
    let id_hash = session_hash(&secret);
    let expires_at = now() + state.config.session_absolute;
    state
        .store_call(move |store| {
            store.create_session(NewSession {
                id_hash: &id_hash,
                user_id,
                expires_at,
                replaces: replaces.as_deref(),
                address: &address,
            })
        })
        .await?;
    Ok(secret)
}

pub(super) async fn sign_out(
    state: web::Data<AppState>,
    researcher: Researcher,
    _form: AdminForm,
) -> Result<HttpResponse, PageError> {
    let hash = researcher.session_hash.clone();
    state
        .store_call(move |store| store.delete_session(&hash))
        .await?;
    audit(
        &state,
        AuditEvent {
            actor: &researcher.user.email,
            action: "sign_out",
            survey: None,
            detail: json!({}),
        },
    )
    .await?;
    with_cookies(
        see_other("/admin/sign-in"),
        [session_cookie_removal(&state)],
    )
}

/// The email address typed, parsed, or what is wrong with each field (email, password).
fn check_sign_in_fields(
    typed: &str,
    password: &str,
) -> Result<String, (Option<String>, Option<String>)> {
    let password_error = password
        .is_empty()
        .then(|| "Enter your password".to_owned());
    match parse_email(typed) {
        Ok(email) if password_error.is_none() => Ok(email),
        Ok(_) => Err((None, password_error)),
        Err(message) => Err((Some(message), password_error)),
    }
}
