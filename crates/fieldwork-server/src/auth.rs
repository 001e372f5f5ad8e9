//! Who is calling, and what they may do with a survey.
//!
//! The admin pages know researchers by a session cookie, the API by an `Authorization:
//! Bearer` token; neither accepts the other's credential. A survey the caller has no role on
//! answers 404, exactly as one that does not exist, so survey names do not leak; a role too
//! small for what was asked answers 403.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::HttpRequest;
use chrono::{NaiveDateTime, TimeDelta, Utc};
use fieldwork_store::{ApiToken, Role, SignInFailures, StoreError, TokenScope, User};

use crate::accounts::{api_token_hash, TOKEN_PREFIX};
use crate::pages::PageError;
use crate::problem::ApiError;
use crate::tokens::hash;
use crate::AppState;

const SESSION_PURPOSE: &str = "admin-session";

/// What a route needs of the caller's role on a survey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// The report: any role.
    Report,
    /// Results and exports: analyst or owner.
    Results,
    /// Moderating pledges (approving or rejecting them for publishing): analyst or owner.
    Moderate,
    /// Status, invitations, sharing, the audit log: owner.
    Manage,
}

impl Need {
    fn least_role(self) -> Role {
        match self {
            Need::Report => Role::Viewer,
            Need::Results | Need::Moderate => Role::Analyst,
            Need::Manage => Role::Owner,
        }
    }
}

/// A caller's standing on a survey: their role, or administrator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub role: Option<Role>,
    pub admin: bool,
}

impl Standing {
    pub fn allows(self, need: Need) -> bool {
        self.admin || self.role.is_some_and(|role| role >= need.least_role())
    }
}

/// Why access to a survey was refused.
#[derive(Debug)]
pub enum Refusal {
    /// No such survey, or no role on it.
    NotFound,
    /// A role, but not enough.
    Forbidden,
    Store(StoreError),
}

/// The caller's standing on survey `slug`, if it exists and they may see it at all.
pub async fn standing(
    state: &AppState,
    user: &User,
    slug: &str,
    need: Need,
) -> Result<Standing, Refusal> {
    let (slug, user_id) = (slug.to_owned(), user.id);
    let role = state
        .store_call(move |store| {
            store.latest_survey(&slug)?;
            store.survey_role(&slug, user_id)
        })
        .await;
    let role = match role {
        Ok(role) => role,
        Err(StoreError::SurveyNotFound(_)) => return Err(Refusal::NotFound),
        Err(e) => return Err(Refusal::Store(e)),
    };
    let standing = Standing {
        role,
        admin: user.is_admin,
    };
    if !standing.admin && standing.role.is_none() {
        return Err(Refusal::NotFound);
    }
    if !standing.allows(need) {
        return Err(Refusal::Forbidden);
    }
    Ok(standing)
}

impl From<Refusal> for PageError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::NotFound => PageError::NotFound,
            Refusal::Forbidden => PageError::message(
                StatusCode::FORBIDDEN,
                "You cannot do this on this survey",
                &["Your role on this survey does not allow it. Ask one of its owners if you need more access."],
            ),
            Refusal::Store(e) => e.into(),
        }
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::NotFound => ApiError::NotFound,
            Refusal::Forbidden => {
                ApiError::Forbidden("your role on this survey does not allow this".into())
            }
            Refusal::Store(e) => e.into(),
        }
    }
}

// ---- sessions (admin pages) ----

/// A signed-in researcher on the admin pages.
#[derive(Debug, Clone)]
pub struct Researcher {
    pub user: User,
    /// The hash of the session id, to end it at sign-out.
    pub session_hash: String,
}

/// The session cookie's name: `__Host-` prefixed when Secure, so no subdomain or path can
/// set or shadow it.
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-fieldwork_session"
    } else {
        "fieldwork_session"
    }
}

pub fn session_hash(secret: &str) -> String {
    hash(SESSION_PURPOSE, secret)
}

/// The cookie carrying a new session's secret. No Max-Age: it ends with the browser, and
/// the server ends it sooner (idle and absolute timeouts).
pub fn session_cookie(state: &AppState, secret: &str) -> Cookie<'static> {
    Cookie::build(
        session_cookie_name(state.config.secure_cookies),
        secret.to_owned(),
    )
    .path("/")
    .http_only(true)
    .secure(state.config.secure_cookies)
    .same_site(SameSite::Lax)
    .finish()
}

/// A cookie that removes the session cookie.
pub fn session_cookie_removal(state: &AppState) -> Cookie<'static> {
    let mut cookie = session_cookie(state, "");
    cookie.make_removal();
    cookie
}

/// The session secret the browser sent, if any.
pub fn session_secret(state: &AppState, req: &HttpRequest) -> Option<String> {
    req.cookie(session_cookie_name(state.config.secure_cookies))
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 64)
}

/// The researcher signed in on this request, if any.
pub async fn signed_in(
    state: &AppState,
    req: &HttpRequest,
) -> Result<Option<Researcher>, PageError> {
    let Some(secret) = session_secret(state, req) else {
        return Ok(None);
    };
    let session_hash = session_hash(&secret);
    let idle = state.config.session_idle;
    let owned = session_hash.clone();
    let session = state
        .store_call(move |store| store.session(&owned, idle))
        .await?;
    Ok(session.map(|s| Researcher {
        user: s.user,
        session_hash,
    }))
}

/// The signed-in researcher, or a redirect to the sign-in page.
pub async fn require_researcher(
    state: &AppState,
    req: &HttpRequest,
) -> Result<Researcher, PageError> {
    signed_in(state, req)
        .await?
        .ok_or_else(|| PageError::Redirect("/admin/sign-in".into()))
}

// ---- sign-in throttling ----

/// Failed sign-ins counted: those of the last quarter hour.
pub const FAILURE_WINDOW: TimeDelta = TimeDelta::minutes(15);
/// Failures per account, and per address, before sign-in slows down.
pub const ACCOUNT_FAILURES_ALLOWED: i64 = 5;
pub const ADDRESS_FAILURES_ALLOWED: i64 = 20;
const FIRST_DELAY: TimeDelta = TimeDelta::seconds(30);
const LONGEST_DELAY: TimeDelta = TimeDelta::minutes(15);

/// How long to wait before trying again, if sign-in is slowed down now: 30 seconds after
/// reaching a limit, doubling with each further failure, at most 15 minutes.
pub fn sign_in_delay(failures: &SignInFailures, now: NaiveDateTime) -> Option<TimeDelta> {
    let wait = |count: i64, latest: Option<NaiveDateTime>, allowed: i64| {
        if count < allowed {
            return None;
        }
        let doublings = (count - allowed).min(10) as i32;
        let delay = (FIRST_DELAY * 2i32.pow(doublings as u32)).min(LONGEST_DELAY);
        let until = latest? + delay;
        (until > now).then(|| until - now)
    };
    let account = wait(
        failures.account,
        failures.account_latest,
        ACCOUNT_FAILURES_ALLOWED,
    );
    let address = wait(
        failures.address,
        failures.address_latest,
        ADDRESS_FAILURES_ALLOWED,
    );
    account.max(address)
}

pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

// ---- API tokens ----

/// The API token of a request, checked: present in the Authorization header only, known,
/// not revoked, not expired.
pub async fn api_token(state: &AppState, req: &HttpRequest) -> Result<ApiToken, ApiError> {
    if carries_a_token(req.query_string()) {
        return Err(ApiError::BadRequest(
            "API tokens are never accepted in a URL: send the token in an `Authorization: Bearer` header, and revoke the one you sent".into(),
        ));
    }
    let header = req
        .headers()
        .get("authorization")
        .ok_or_else(|| {
            ApiError::Unauthorized("an `Authorization: Bearer` API token is required".into())
        })?
        .to_str()
        .map_err(|_| ApiError::Unauthorized("the Authorization header is not valid".into()))?;
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| t.starts_with(TOKEN_PREFIX) && t.len() <= 128)
        .ok_or_else(|| {
            ApiError::Unauthorized("the Authorization header must be `Bearer fwk_...`".into())
        })?;
    let token_hash = api_token_hash(token);
    let found = state
        .store_call(move |store| store.find_api_token(&token_hash))
        .await?;
    match found {
        Some(token) if token.is_usable_at(now()) => Ok(token),
        _ => Err(ApiError::Unauthorized(
            "the API token is not valid: unknown, revoked or expired".into(),
        )),
    }
}

/// Whether a query string carries an API token: a parameter named for one (`token`,
/// `access_token`, `bearer`...), or a value that is one. Ordinary values that merely contain
/// such words (`stratum=bearers`) are not tokens.
fn carries_a_token(query: &str) -> bool {
    const TOKEN_NAMES: &[&str] = &[
        "token",
        "access_token",
        "api_token",
        "api_key",
        "bearer",
        "authorization",
    ];
    url::form_urlencoded::parse(query.as_bytes()).any(|(name, value)| {
        TOKEN_NAMES.iter().any(|t| name.eq_ignore_ascii_case(t))
            || value.trim().starts_with(TOKEN_PREFIX)
            || value
                .trim()
                .get(..7)
                .is_some_and(|start| start.eq_ignore_ascii_case("bearer "))
    })
}

/// Check that `token` may do what `need` and `scope` say on survey `slug`.
pub async fn api_access(
    state: &AppState,
    token: &ApiToken,
    slug: &str,
    need: Need,
    scope: TokenScope,
) -> Result<Standing, ApiError> {
    // A token for another survey learns nothing about this one.
    if token.survey_slug != slug {
        return Err(ApiError::NotFound);
    }
    let standing = standing(state, &token.user, slug, need).await?;
    if token.scope < scope {
        return Err(ApiError::Forbidden(format!(
            "this token's scope is `{}`; this needs a token of scope `{}`",
            token.scope.as_str(),
            scope.as_str()
        )));
    }
    Ok(standing)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failures(account: i64, address: i64, at: NaiveDateTime) -> SignInFailures {
        SignInFailures {
            account,
            account_latest: Some(at),
            address,
            address_latest: Some(at),
        }
    }

    #[test]
    fn sign_in_slows_down_after_the_limits_and_doubles() {
        let t = now();
        assert_eq!(sign_in_delay(&failures(4, 19, t), t), None);
        assert_eq!(
            sign_in_delay(&failures(5, 0, t), t),
            Some(TimeDelta::seconds(30))
        );
        assert_eq!(
            sign_in_delay(&failures(7, 0, t), t),
            Some(TimeDelta::seconds(120))
        );
        assert_eq!(
            sign_in_delay(&failures(0, 21, t), t),
            Some(TimeDelta::seconds(60))
        );
        assert_eq!(
            sign_in_delay(&failures(50, 0, t), t),
            Some(TimeDelta::minutes(15)),
            "capped"
        );
        assert_eq!(
            sign_in_delay(&failures(5, 0, t), t + TimeDelta::seconds(31)),
            None,
            "the delay passes"
        );
    }

    #[test]
    fn roles_allow_what_they_should() {
        let viewer = Standing {
            role: Some(Role::Viewer),
            admin: false,
        };
        let analyst = Standing {
            role: Some(Role::Analyst),
            admin: false,
        };
        let admin = Standing {
            role: None,
            admin: true,
        };
        assert!(viewer.allows(Need::Report) && !viewer.allows(Need::Results));
        assert!(analyst.allows(Need::Results) && !analyst.allows(Need::Manage));
        assert!(admin.allows(Need::Manage));
    }

    #[test]
    fn only_what_really_is_a_token_counts_as_one_in_a_url() {
        for query in [
            "token=abc",
            "format=csv-wide&access_token=abc",
            "Bearer=x",
            "x=fwk_0123456789",
            "x=Bearer%20fwk_abc",
            "authorization=Bearer%20abc",
        ] {
            assert!(carries_a_token(query), "{query}");
        }
        for query in [
            "stratum=bearers",
            "format=csv-wide&stratum=police",
            "since=2026-01-01&labels=text",
            "stratum=tokens",
            "",
        ] {
            assert!(!carries_a_token(query), "{query}");
        }
    }
}
