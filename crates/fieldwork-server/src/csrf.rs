//! Form bodies, and CSRF protection for every form POST.
//!
//! Double-submit token: a random token in an HttpOnly, SameSite=Strict cookie, repeated in a
//! hidden field, compared in constant time. On top, a request whose `Origin` (or, lacking
//! one, `Sec-Fetch-Site`) says it came from another site is refused outright.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{web, HttpRequest};
use futures_util::StreamExt;

use crate::pages::PageError;
use crate::tokens::{constant_time_eq, new_token};
use crate::AppState;

pub const CSRF_COOKIE: &str = "fieldwork_csrf";
pub const CSRF_FIELD: &str = "csrf_token";

/// A urlencoded form body, in order, repeated names kept (checkboxes).
#[derive(Debug, Default)]
pub struct FormFields(Vec<(String, String)>);

impl FormFields {
    /// Read at most `limit` bytes; more is refused with 413 before it is all read.
    pub async fn read(mut body: web::Payload, limit: usize) -> Result<Self, PageError> {
        let mut bytes = web::BytesMut::new();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|_| {
                PageError::message(
                    actix_web::http::StatusCode::BAD_REQUEST,
                    "Your answers could not be read",
                    &["Go back and try again."],
                )
            })?;
            if bytes.len() + chunk.len() > limit {
                return Err(PageError::TooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Self::parse(&bytes))
    }

    /// Fields already separated, such as the text parts of a multipart upload.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        FormFields(pairs)
    }

    pub fn parse(bytes: &[u8]) -> Self {
        // Invalid UTF-8 becomes U+FFFD: stored and shown escaped, never an error page.
        FormFields(
            url::form_urlencoded::parse(bytes)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    pub fn first(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// The CSRF token for a form, and the cookie to set if the browser has none yet.
pub fn csrf_token(state: &AppState, req: &HttpRequest) -> (String, Option<Cookie<'static>>) {
    if let Some(existing) = req.cookie(CSRF_COOKIE) {
        if existing.value().len() == 22 {
            return (existing.value().to_owned(), None);
        }
    }
    let token = new_token();
    let cookie = Cookie::build(CSRF_COOKIE, token.clone())
        .path("/")
        .http_only(true)
        .secure(state.config.secure_cookies)
        .same_site(SameSite::Strict)
        .finish();
    (token, Some(cookie))
}

/// Refuse a form POST that did not come from one of our own pages.
pub fn check_csrf(req: &HttpRequest, form: &FormFields) -> Result<(), PageError> {
    if !same_origin(req) {
        tracing::warn!(path = %req.path(), "cross-site form post refused");
        return Err(PageError::Csrf);
    }
    let cookie = req.cookie(CSRF_COOKIE);
    let field = form.first(CSRF_FIELD);
    match (cookie, field) {
        (Some(cookie), Some(field))
            if !field.is_empty() && constant_time_eq(cookie.value(), field) =>
        {
            Ok(())
        }
        _ => {
            tracing::warn!(path = %req.path(), "form post without a valid CSRF token refused");
            Err(PageError::Csrf)
        }
    }
}

/// Whether the request's Origin (or Sec-Fetch-Site) agrees it came from this host.
pub fn same_origin(req: &HttpRequest) -> bool {
    let headers = req.headers();
    if let Some(origin) = headers.get("origin").and_then(|v| v.to_str().ok()) {
        let host = req.connection_info().host().to_owned();
        let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
        return origin != "null" && origin_host.eq_ignore_ascii_case(&host);
    }
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some(site) => site == "same-origin" || site == "none",
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_names_are_kept_and_bad_utf8_is_replaced() {
        let form = FormFields::parse(b"barriers=a&barriers=b&pledge=%FF%FEhi&x=");
        assert_eq!(form.all("barriers"), ["a", "b"]);
        assert_eq!(form.first("pledge"), Some("\u{FFFD}\u{FFFD}hi"));
        assert_eq!(form.first("x"), Some(""));
        assert_eq!(form.first("missing"), None);
    }
}
