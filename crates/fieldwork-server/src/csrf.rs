//! Form bodies, and CSRF protection for every form POST.
//!
//! Double-submit token: a random token in an HttpOnly, SameSite=Strict cookie, repeated in a
//! hidden field, compared in constant time. On top, a request whose Fetch metadata or
//! `Origin` says it came from another site is refused outright (`Sender::judge`).

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
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
        // Invalid UTF-8 becomes U+FFFD: stored and shown escaped, never an error page. So do
        // control characters (NUL, escape...; not tab or line breaks), which no person types
        // and PostgreSQL refuses in text: a value means the same on both backends.
        FormFields(
            url::form_urlencoded::parse(bytes)
                .map(|(k, v)| (without_controls(&k), without_controls(&v)))
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

fn without_controls(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && !matches!(c, '\t' | '\n' | '\r') {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
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
    let state = req.app_data::<web::Data<AppState>>();
    let public_origin = state.and_then(|s| s.public.origin.as_deref());
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok());
    let sender = Sender::of(req);
    if let Err(reason) = sender.judge(public_origin, host) {
        tracing::warn!(path = %req.path(), reason, "cross-site form post refused");
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

/// What a request says about the page that sent it: the Fetch metadata and Origin headers.
///
/// The rule, after OWASP's CSRF cheat sheet (`docs/security.md` has the reasoning):
/// - `Sec-Fetch-Site`, set by every current browser and never by a page, must be
///   `same-origin` when present (`same-site` is a sibling subdomain, `cross-site` a foreign
///   page, `none` a typed URL, which cannot POST a form).
/// - An `Origin` must name this service: the configured public URL's origin, or, with none
///   configured, the host the request was sent to. `Origin: null` (an opaque origin: a
///   sandboxed frame, a `data:` page) passes only beside `Sec-Fetch-Site: same-origin`.
/// - With neither header (an older browser, or a client that is not a browser) the
///   double-submit token alone decides.
///
/// Pages are served with `Referrer-Policy: same-origin`, under which a browser sends the real
/// Origin on a same-origin POST; `no-referrer` would make it send `Origin: null`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sender<'a> {
    pub fetch_site: Option<&'a str>,
    pub origin: Option<&'a str>,
}

impl<'a> Sender<'a> {
    pub fn of(req: &'a HttpRequest) -> Self {
        let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
        Sender {
            fetch_site: header("sec-fetch-site"),
            origin: header("origin"),
        }
    }

    /// `Ok` when the request came from one of this service's pages; else why not.
    pub fn judge(
        &self,
        public_origin: Option<&str>,
        host: Option<&str>,
    ) -> Result<(), &'static str> {
        if let Some(site) = self.fetch_site {
            if !site.eq_ignore_ascii_case("same-origin") {
                return Err("Sec-Fetch-Site is not same-origin");
            }
        }
        match self.origin {
            // The browser vouched for the page with Fetch metadata; a privacy setting (a
            // stricter referrer policy of the user's own) may still have blanked the Origin.
            Some(origin) if origin.eq_ignore_ascii_case("null") => match self.fetch_site {
                Some(_) => Ok(()),
                None => Err("Origin is null"),
            },
            Some(origin) if !names_this_service(origin, public_origin, host) => {
                Err("Origin names another site")
            }
            _ => Ok(()),
        }
    }
}

/// Whether an Origin header names this service: the configured public URL's origin, or,
/// with none configured, the host the request was addressed to.
fn names_this_service(origin: &str, public_origin: Option<&str>, host: Option<&str>) -> bool {
    match public_origin {
        Some(public) => origin.eq_ignore_ascii_case(public),
        None => {
            let origin_host = origin.split_once("://").map(|(_, rest)| rest);
            matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_names_are_kept_and_bad_utf8_is_replaced() {
        let form =
            FormFields::parse(b"barriers=a&barriers=b&pledge=%FF%FEhi&x=&email=a%00b%1B%0D%0A%09c");
        assert_eq!(form.all("barriers"), ["a", "b"]);
        assert_eq!(form.first("pledge"), Some("\u{FFFD}\u{FFFD}hi"));
        assert_eq!(form.first("x"), Some(""));
        assert_eq!(form.first("missing"), None);
        assert_eq!(form.first("email"), Some("a\u{FFFD}b\u{FFFD}\r\n\tc"));
    }

    const PUBLIC: Option<&str> = Some("https://survey.example.org");

    fn sender<'a>(fetch_site: Option<&'a str>, origin: Option<&'a str>) -> Sender<'a> {
        Sender { fetch_site, origin }
    }

    #[test]
    fn what_chromium_sends_from_our_own_form_passes() {
        // What Chromium sends on a form POST from a page served with
        // `Referrer-Policy: same-origin`, directly and behind a proxy.
        let own = sender(Some("same-origin"), Some("http://127.0.0.1:8080"));
        assert_eq!(own.judge(None, Some("127.0.0.1:8080")), Ok(()));
        let behind_proxy = sender(Some("same-origin"), Some("https://survey.example.org"));
        assert_eq!(behind_proxy.judge(PUBLIC, Some("10.0.0.5:8080")), Ok(()));
        // The page under `no-referrer` (the old policy): Chromium sends `Origin: null` with
        // `Sec-Fetch-Site: same-origin`. The browser vouched for the page, so it passes.
        let blanked = sender(Some("same-origin"), Some("null"));
        assert_eq!(blanked.judge(PUBLIC, None), Ok(()));
    }

    #[test]
    fn fetch_metadata_from_anywhere_else_is_refused() {
        for site in ["cross-site", "same-site", "none", "bogus", ""] {
            for origin in [None, Some("null"), Some("https://survey.example.org")] {
                let s = sender(Some(site), origin);
                assert!(
                    s.judge(PUBLIC, Some("survey.example.org")).is_err(),
                    "{s:?}"
                );
                assert!(s.judge(None, Some("survey.example.org")).is_err(), "{s:?}");
            }
        }
    }

    #[test]
    fn origin_must_name_this_service() {
        for origin in [
            "https://evil.example",
            "http://survey.example.org", // the scheme differs from the public URL
            "https://survey.example.org:8443", // so does the port
            "https://survey.example.org.evil.example",
            "survey.example.org",
        ] {
            for site in [None, Some("same-origin")] {
                let s = sender(site, Some(origin));
                assert!(
                    s.judge(PUBLIC, Some("survey.example.org")).is_err(),
                    "{s:?}"
                );
            }
        }
        // Without a public URL, the Origin's host must be the one the request was sent to.
        let s = sender(None, Some("http://127.0.0.1:8080"));
        assert_eq!(s.judge(None, Some("127.0.0.1:8080")), Ok(()));
        assert!(s.judge(None, Some("127.0.0.1:9090")).is_err());
        assert!(s.judge(None, None).is_err());
        assert_eq!(
            sender(None, Some("HTTPS://Survey.Example.org")).judge(PUBLIC, None),
            Ok(())
        );
    }

    #[test]
    fn a_null_origin_without_fetch_metadata_is_refused() {
        // A sandboxed frame or `data:` page in a browser without Fetch metadata.
        assert!(sender(None, Some("null")).judge(PUBLIC, None).is_err());
        assert!(sender(None, Some("null")).judge(None, Some("h")).is_err());
    }

    #[test]
    fn with_neither_header_the_token_decides() {
        assert_eq!(sender(None, None).judge(PUBLIC, None), Ok(()));
    }
}
