//! Researchers over real HTTP: the authorisation matrix, sessions, CSRF on admin forms,
//! sign-in throttling, uploads, exports, tokens in URLs, deleting surveys and changing
//! passwords.

use std::collections::BTreeSet;

use chrono::{TimeDelta, Utc};
use fieldwork_server::accounts::{api_token_hash, hash_password, new_api_token};
use fieldwork_server::ServerConfig;
use fieldwork_store::testing::{self, TestDatabase};
use fieldwork_store::{Role, TokenScope, CLI_ACTOR};
use reqwest::blocking::Client;
use reqwest::StatusCode;

use crate::{csrf, fixture_definition, spawn_app, spawn_app_with, TestApp};

const SLUG: &str = "digital-leadership";
const OTHER: &str = "other-survey";
const PASSWORD: &str = "a long enough password";

/// A browser that does not follow redirects, so each status is seen as sent.
pub(crate) fn client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub(crate) fn add_user(app: &TestApp, email: &str, admin: bool) {
    let hash = hash_password(PASSWORD).unwrap();
    app.store
        .create_user(email, &hash, admin, CLI_ACTOR)
        .unwrap();
}

pub(crate) fn token(
    app: &TestApp,
    email: &str,
    slug: &str,
    scope: TokenScope,
    expires_in: TimeDelta,
) -> String {
    let token = new_api_token();
    app.store
        .create_api_token(
            &api_token_hash(&token),
            email,
            slug,
            scope,
            Some(Utc::now().naive_utc() + expires_in),
            CLI_ACTOR,
        )
        .unwrap();
    token
}

/// Sign in with a browser of its own; returns the browser.
pub(crate) fn signed_in(app: &TestApp, email: &str) -> Client {
    let browser = client();
    let page = browser
        .get(format!("{}/admin/sign-in", app.base))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let response = browser
        .post(format!("{}/admin/sign-in", app.base))
        .form(&[
            ("csrf_token", csrf(&page).as_str()),
            ("email", email),
            ("password", PASSWORD),
        ])
        .send()
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{email} signs in");
    assert_eq!(response.headers()["location"], "/admin");
    browser
}

/// The CSRF token a browser's pages carry.
pub(crate) fn page_csrf(browser: &Client, base: &str) -> String {
    let page = browser.get(format!("{base}/admin/sign-in")).send().unwrap();
    let page = if page.status() == StatusCode::SEE_OTHER {
        browser.get(format!("{base}/admin")).send().unwrap()
    } else {
        page
    };
    csrf(&page.text().unwrap())
}

/// A multipart/form-data body of `(name, file name, content)` fields, and its content type.
pub(crate) fn multipart(fields: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "fieldwork-test-boundary-7f3a";
    let mut body = Vec::new();
    for (name, filename, content) in fields {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match filename {
            Some(file) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn fixture_files() -> (Vec<u8>, Vec<u8>) {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures");
    (
        std::fs::read(format!("{root}/surveys/digital-leadership.json")).unwrap(),
        std::fs::read(format!("{root}/frames/uk-public-sector.csv")).unwrap(),
    )
}

/// Who calls.
#[derive(Debug, Clone)]
enum Caller {
    Nobody,
    Token(String),
    Researcher(Client, String),
}

struct Matrix {
    app: TestApp,
    callers: Vec<Caller>,
}

const CALLERS: [&str; 8] = [
    "nobody",
    "revoked token",
    "expired token",
    "other-survey token",
    "viewer",
    "analyst",
    "owner",
    "admin",
];

fn matrix_app(db: TestDatabase) -> Matrix {
    let app = spawn_app(db);
    let mut other = fixture_definition();
    other.slug = OTHER.into();
    app.store.import_survey(&other).unwrap();
    for (email, admin) in [
        ("viewer@example.org", false),
        ("analyst@example.org", false),
        ("owner@example.org", false),
        ("admin@example.org", true),
        ("colleague@example.org", false),
    ] {
        add_user(&app, email, admin);
    }
    for (email, role) in [
        ("viewer@example.org", Role::Viewer),
        ("analyst@example.org", Role::Analyst),
        ("owner@example.org", Role::Owner),
    ] {
        app.store
            .set_survey_role(SLUG, email, Some(role), CLI_ACTOR)
            .unwrap();
    }
    // The owner of this survey owns the other one too; their token for it is no key here.
    app.store
        .set_survey_role(OTHER, "owner@example.org", Some(Role::Owner), CLI_ACTOR)
        .unwrap();
    let week = TimeDelta::days(7);
    let revoked = token(&app, "analyst@example.org", SLUG, TokenScope::Export, week);
    let id = app.store.list_api_tokens(None).unwrap()[0].id;
    app.store.revoke_api_token(id, CLI_ACTOR).unwrap();
    let expired = token(
        &app,
        "analyst@example.org",
        SLUG,
        TokenScope::Export,
        -TimeDelta::seconds(1),
    );
    let other_token = token(&app, "owner@example.org", OTHER, TokenScope::Export, week);
    let mut callers = vec![
        Caller::Nobody,
        Caller::Token(revoked),
        Caller::Token(expired),
        Caller::Token(other_token),
    ];
    for email in [
        "viewer@example.org",
        "analyst@example.org",
        "owner@example.org",
        "admin@example.org",
    ] {
        let browser = signed_in(&app, email);
        let api = token(&app, email, SLUG, TokenScope::Export, week);
        callers.push(Caller::Researcher(browser, api));
    }
    Matrix { app, callers }
}

/// What a route is sent.
#[derive(Debug, Clone, Copy)]
enum Body {
    None,
    Form(&'static [(&'static str, &'static str)]),
    Upload,
}

/// One row of the matrix: a route and the status each caller gets, in [`CALLERS`] order.
struct Case {
    method: &'static str,
    /// The route as registered.
    route: &'static str,
    /// The path called.
    path: &'static str,
    body: Body,
    expect: [u16; 8],
}

const SIGN_IN: u16 = 303;
/// A decision on a pledge that is not waiting for one: the caller's role let them ask.
const NOT_PENDING: u16 = 409;

#[rustfmt::skip]
const CASES: &[Case] = &[
    //     method  route                                   path                                             body                                                                     nobody revoked expired other viewer analyst owner admin
    Case { method: "GET",  route: "/admin/sign-in", path: "/admin/sign-in", body: Body::None, expect: [200, 200, 200, 200, 303, 303, 303, 303] },
    Case { method: "POST", route: "/admin/sign-in", path: "/admin/sign-in", body: Body::Form(&[("email", "stranger@example.org"), ("password", "not the password")]), expect: [401, 401, 401, 401, 401, 401, 401, 401] },
    Case { method: "GET",  route: "/admin", path: "/admin", body: Body::None, expect: [SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, 200, 200, 200, 200] },
    Case { method: "GET",  route: "/admin/import", path: "/admin/import", body: Body::None, expect: [SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, 200, 200, 200, 200] },
    Case { method: "POST", route: "/admin/import", path: "/admin/import", body: Body::Upload, expect: [SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, 403, 403, 303, 303] },
    Case { method: "GET",  route: "/admin/surveys/{slug}", path: "/admin/surveys/digital-leadership", body: Body::None, expect: [SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, 200, 200, 200, 200] },
    Case { method: "GET",  route: "/admin/surveys/{slug}", path: "/admin/surveys/other-survey", body: Body::None, expect: [SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, 404, 404, 200, 200] },
    Case { method: "GET",  route: "/admin/surveys/{slug}", path: "/admin/surveys/no-such-survey", body: Body::None, expect: [SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, 404, 404, 404, 404] },
    Case { method: "POST", route: "/admin/surveys/{slug}/status", path: "/admin/surveys/digital-leadership/status", body: Body::Form(&[("status", "open")]), expect: [SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, 403, 403, 303, 303] },
    Case { method: "GET",  route: "/admin/surveys/{slug}/invitations", path: "/admin/surveys/digital-leadership/invitations", body: Body::None, expect: [SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, 403, 403, 200, 200] },
    Case { method: "POST", route: "/admin/surveys/{slug}/invitations", path: "/admin/surveys/digital-leadership/invitations", body: Body::Form(&[("stratum", "police"), ("count", "2")]), expect: [SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, 403, 403, 200, 200] },
    // Contacts are owners' alone. The matrix's server has no mail server, so sending is refused.
    Case { method: "GET",  route: "/admin/surveys/{slug}/contacts", path: "/admin/surveys/digital-leadership/contacts", body: Body::None, expect: [SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, 403, 403, 200, 200] },
    Case { method: "GET",  route: "/admin/surveys/{slug}/contacts", path: "/admin/surveys/other-survey/contacts", body: Body::None, expect: [SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, 404, 404, 200, 200] },
    Case { method: "POST", route: "/admin/surveys/{slug}/contacts", path: "/admin/surveys/digital-leadership/contacts", body: Body::Upload, expect: [SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, 403, 403, 422, 422] },
    Case { method: "POST", route: "/admin/surveys/{slug}/contacts/send", path: "/admin/surveys/digital-leadership/contacts/send", body: Body::Form(&[]), expect: [SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, 403, 403, 409, 409] },
    Case { method: "POST", route: "/admin/surveys/{slug}/contacts/remind", path: "/admin/surveys/digital-leadership/contacts/remind", body: Body::Form(&[]), expect: [SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, 403, 403, 409, 409] },
    Case { method: "POST", route: "/admin/surveys/{slug}/contacts/delete", path: "/admin/surveys/digital-leadership/contacts/delete", body: Body::Form(&[]), expect: [SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, 403, 403, 200, 200] },
    Case { method: "GET",  route: "/admin/surveys/{slug}/export", path: "/admin/surveys/digital-leadership/export?format=csv-long", body: Body::None, expect: [SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, 403, 200, 200, 200] },
    Case { method: "GET",  route: "/admin/surveys/{slug}/export", path: "/admin/surveys/other-survey/export?format=csv-long", body: Body::None, expect: [SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, 404, 404, 200, 200] },
    Case { method: "GET",  route: "/admin/surveys/{slug}/report", path: "/admin/surveys/digital-leadership/report", body: Body::None, expect: [SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, 200, 200, 200, 200] },
    Case { method: "POST", route: "/admin/surveys/{slug}/report/publish", path: "/admin/surveys/digital-leadership/report/publish", body: Body::Form(&[]), expect: [SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, 403, 403, 303, 303] },
    Case { method: "POST", route: "/admin/surveys/{slug}/report/unpublish", path: "/admin/surveys/digital-leadership/report/unpublish", body: Body::Form(&[]), expect: [SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, 403, 403, 303, 303] },
    // Pledges: owners and analysts moderate. No pledge 999999 waits, so whoever may decide is
    // told it is not pending; a path that cannot name a pledge is no page at all.
    Case { method: "GET",  route: "/admin/surveys/{slug}/pledges", path: "/admin/surveys/digital-leadership/pledges", body: Body::None, expect: [SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, 403, 200, 200, 200] },
    Case { method: "GET",  route: "/admin/surveys/{slug}/pledges", path: "/admin/surveys/other-survey/pledges", body: Body::None, expect: [SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, 404, 404, 200, 200] },
    Case { method: "POST", route: "/admin/surveys/{slug}/pledges/{id}/approve", path: "/admin/surveys/digital-leadership/pledges/999999/approve", body: Body::Form(&[]), expect: [SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, 403, NOT_PENDING, NOT_PENDING, NOT_PENDING] },
    Case { method: "POST", route: "/admin/surveys/{slug}/pledges/{id}/approve", path: "/admin/surveys/other-survey/pledges/999999/approve", body: Body::Form(&[]), expect: [SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, 404, 404, NOT_PENDING, NOT_PENDING] },
    Case { method: "POST", route: "/admin/surveys/{slug}/pledges/{id}/reject", path: "/admin/surveys/digital-leadership/pledges/999999/reject", body: Body::Form(&[("reason", "names a person")]), expect: [SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, 403, NOT_PENDING, NOT_PENDING, NOT_PENDING] },
    Case { method: "POST", route: "/admin/surveys/{slug}/pledges/{id}/reject", path: "/admin/surveys/digital-leadership/pledges/not-a-number/reject", body: Body::Form(&[]), expect: [404, 404, 404, 404, 404, 404, 404, 404] },
    Case { method: "GET",  route: "/admin/surveys/{slug}/sharing", path: "/admin/surveys/digital-leadership/sharing", body: Body::None, expect: [SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, 403, 403, 200, 200] },
    Case { method: "POST", route: "/admin/surveys/{slug}/sharing", path: "/admin/surveys/digital-leadership/sharing", body: Body::Form(&[("email", "colleague@example.org"), ("role", "viewer")]), expect: [SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, 403, 403, 303, 303] },
    Case { method: "GET",  route: "/admin/surveys/{slug}/audit", path: "/admin/surveys/digital-leadership/audit", body: Body::None, expect: [SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, 403, 403, 200, 200] },
    // Wrong confirmations: whoever may delete gets the form back with an error, and nothing goes.
    Case { method: "GET",  route: "/admin/surveys/{slug}/delete", path: "/admin/surveys/digital-leadership/delete", body: Body::None, expect: [SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, 403, 403, 200, 200] },
    Case { method: "GET",  route: "/admin/surveys/{slug}/delete", path: "/admin/surveys/other-survey/delete", body: Body::None, expect: [SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, 404, 404, 200, 200] },
    Case { method: "POST", route: "/admin/surveys/{slug}/delete", path: "/admin/surveys/digital-leadership/delete", body: Body::Form(&[("confirm", "other-survey")]), expect: [SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, 403, 403, 422, 422] },
    Case { method: "POST", route: "/admin/surveys/{slug}/delete", path: "/admin/surveys/other-survey/delete", body: Body::Form(&[("confirm", "")]), expect: [SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, 404, 404, 422, 422] },
    Case { method: "POST", route: "/admin/surveys/{slug}/delete", path: "/admin/surveys/no-such-survey/delete", body: Body::Form(&[("confirm", "no-such-survey")]), expect: [SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, 404, 404, 404, 404] },
    Case { method: "GET",  route: "/admin/account/password", path: "/admin/account/password", body: Body::None, expect: [SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, 200, 200, 200, 200] },
    Case { method: "POST", route: "/admin/account/password", path: "/admin/account/password", body: Body::Form(&[]), expect: [SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, 422, 422, 422, 422] },
    Case { method: "GET",  route: "/api/v1/surveys/{slug}/progress", path: "/api/v1/surveys/digital-leadership/progress", body: Body::None, expect: [401, 401, 401, 404, 403, 200, 200, 200] },
    Case { method: "GET",  route: "/api/v1/surveys/{slug}/progress", path: "/api/v1/surveys/other-survey/progress", body: Body::None, expect: [401, 401, 401, 200, 404, 404, 404, 404] },
    Case { method: "GET",  route: "/api/v1/surveys/{slug}/outreach", path: "/api/v1/surveys/digital-leadership/outreach", body: Body::None, expect: [401, 401, 401, 404, 403, 200, 200, 200] },
    Case { method: "GET",  route: "/api/v1/surveys/{slug}/export", path: "/api/v1/surveys/digital-leadership/export?format=csv-long", body: Body::None, expect: [401, 401, 401, 404, 403, 200, 200, 200] },
    // Last: it ends the session.
    Case { method: "POST", route: "/admin/sign-out", path: "/admin/sign-out", body: Body::Form(&[]), expect: [SIGN_IN, SIGN_IN, SIGN_IN, SIGN_IN, 303, 303, 303, 303] },
];

fn call(base: &str, index: usize, caller: &Caller, case: &Case) -> reqwest::blocking::Response {
    let url = format!("{base}{}", case.path);
    let api = case.path.starts_with("/api/");
    // Callers without a session still have a browser with a CSRF cookie, so a refusal is
    // about who they are, not about a missing token.
    let anonymous = client();
    let (browser, bearer): (&Client, Option<&str>) = match caller {
        Caller::Nobody => (&anonymous, None),
        Caller::Token(token) => (&anonymous, Some(token)),
        // On the API researchers use their token; on the pages their session.
        Caller::Researcher(browser, token) => (browser, api.then_some(token.as_str())),
    };
    let mut request = match case.method {
        "GET" => browser.get(&url),
        _ => browser.post(&url),
    };
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    match case.body {
        Body::None => {}
        Body::Form(fields) => {
            let token = page_csrf(browser, base);
            // Failed sign-ins use an email per caller, so none is slowed down by the others.
            let stranger = format!("stranger{index}@example.org");
            let mut form: Vec<(&str, &str)> = vec![("csrf_token", &token)];
            form.extend(fields.iter().map(|(name, value)| {
                (
                    *name,
                    if *value == "stranger@example.org" {
                        stranger.as_str()
                    } else {
                        *value
                    },
                )
            }));
            return request.form(&form).send().unwrap();
        }
        Body::Upload => {
            let token = page_csrf(browser, base);
            let (definition, frame) = fixture_files();
            let (content_type, body) = multipart(&[
                ("csrf_token", None, token.as_bytes()),
                ("definition", Some("digital-leadership.json"), &definition),
                ("frame", Some("uk-public-sector.csv"), &frame),
            ]);
            return request
                .header("content-type", content_type)
                .body(body)
                .send()
                .unwrap();
        }
    }
    request.send().unwrap()
}

fn authorisation_matrix(db: TestDatabase) {
    let Matrix { app, callers } = matrix_app(db);
    let mut failures = Vec::new();
    for case in CASES {
        for (i, caller) in callers.iter().enumerate() {
            let response = call(&app.base, i, caller, case);
            let status = response.status().as_u16();
            let location = response
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned());
            let expected = case.expect[i];
            let signed_out = i < 4 && !case.path.starts_with("/api/") && expected == SIGN_IN;
            if status != expected || (signed_out && location.as_deref() != Some("/admin/sign-in")) {
                failures.push(format!(
                    "{} {} as {}: {status} (location {location:?}), expected {expected}",
                    case.method, case.path, CALLERS[i]
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every researcher route is in the table.
    let mut admin_routes = Vec::new();
    let _ = actix_web::App::new()
        .configure(|cfg| fieldwork_server::admin::register(cfg, &mut admin_routes));
    let covered: BTreeSet<(String, String)> = CASES
        .iter()
        .map(|c| (c.method.to_owned(), c.route.to_owned()))
        .collect();
    let mut researcher_routes: Vec<(String, String)> = admin_routes
        .iter()
        .map(|(m, p)| (m.to_string(), (*p).to_owned()))
        .collect();
    researcher_routes.push(("GET".into(), "/api/v1/surveys/{slug}/progress".into()));
    researcher_routes.push(("GET".into(), "/api/v1/surveys/{slug}/export".into()));
    for route in researcher_routes {
        assert!(covered.contains(&route), "{route:?} is not in the matrix");
    }
    // The wrong confirmations deleted nothing.
    for slug in [SLUG, OTHER] {
        assert!(
            app.store.latest_survey(slug).is_ok(),
            "{slug} is still there"
        );
    }
    // Owner and administrator each shared the survey once, made invitations, exported.
    let actions: Vec<String> = app
        .store
        .audit_entries(Some(SLUG), 1000)
        .unwrap()
        .into_iter()
        .map(|e| format!("{} {}", e.actor, e.action))
        .collect();
    for expected in [
        "owner@example.org invitations.created",
        "admin@example.org invitations.created",
        "owner@example.org role.granted",
        "analyst@example.org export",
        "owner@example.org survey.status",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected}: {actions:?}"
        );
    }
}

fn sessions_are_new_at_sign_in_and_end_on_the_server(db: TestDatabase) {
    let app = spawn_app(db);
    add_user(&app, "ana@example.org", false);
    // An attacker plants a session id before the victim signs in.
    let browser = client();
    let planted = "attacker-chosen-session-id";
    let page = browser
        .get(format!("{}/admin/sign-in", app.base))
        .header("cookie", format!("fieldwork_session={planted}"))
        .send()
        .unwrap();
    let csrf_cookie = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("fieldwork_csrf="))
        .unwrap();
    let csrf_value = csrf_cookie
        .trim_start_matches("fieldwork_csrf=")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let signed = client()
        .post(format!("{}/admin/sign-in", app.base))
        .header(
            "cookie",
            format!("fieldwork_session={planted}; fieldwork_csrf={csrf_value}"),
        )
        .form(&[
            ("csrf_token", csrf_value.as_str()),
            ("email", "ana@example.org"),
            ("password", PASSWORD),
        ])
        .send()
        .unwrap();
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    let cookie = signed.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "not over plain HTTP: {cookie}");
    let session = cookie
        .trim_start_matches("fieldwork_session=")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert_ne!(session, planted, "a new session id at sign-in");
    let with = |value: &str| {
        client()
            .get(format!("{}/admin", app.base))
            .header("cookie", format!("fieldwork_session={value}"))
            .send()
            .unwrap()
            .status()
    };
    assert_eq!(
        with(planted),
        StatusCode::SEE_OTHER,
        "the planted id is worth nothing"
    );
    assert_eq!(with(&session), StatusCode::OK);
    // Signing in again in the same browser replaces the session.
    let again = client()
        .post(format!("{}/admin/sign-in", app.base))
        .header(
            "cookie",
            format!("fieldwork_session={session}; fieldwork_csrf={csrf_value}"),
        )
        .form(&[
            ("csrf_token", csrf_value.as_str()),
            ("email", "ana@example.org"),
            ("password", PASSWORD),
        ])
        .send()
        .unwrap();
    let second = again.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .trim_start_matches("fieldwork_session=")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert_ne!(second, session);
    assert_eq!(
        with(&session),
        StatusCode::SEE_OTHER,
        "the old session ended"
    );
    assert_eq!(with(&second), StatusCode::OK);
    // Idle for longer than the idle timeout: signed out.
    let hash = fieldwork_server::auth::session_hash(&second);
    let idle = Utc::now().naive_utc() - TimeDelta::minutes(31);
    app.store.backdate_session(&hash, idle, idle).unwrap();
    assert_eq!(with(&second), StatusCode::SEE_OTHER, "idle timeout");
    // Sign-out ends the session on the server, not only in the browser.
    let browser = signed_in(&app, "ana@example.org");
    let token = page_csrf(&browser, &app.base);
    let jar_cookie = browser.get(format!("{}/admin", app.base)).send().unwrap();
    assert_eq!(jar_cookie.status(), StatusCode::OK);
    let out = browser
        .post(format!("{}/admin/sign-out", app.base))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let removal = out.headers()["set-cookie"].to_str().unwrap();
    assert!(removal.starts_with("fieldwork_session=;"), "{removal}");
    assert_eq!(
        app.store.audit_entries(None, 1).unwrap()[0].action,
        "sign_out"
    );
}

fn secure_cookies_are_host_prefixed() {
    let app = spawn_app_with(
        testing::sqlite(),
        fixture_definition(),
        ServerConfig {
            secure_cookies: true,
            rate_per_second: 0.0,
            ..Default::default()
        },
    );
    add_user(&app, "ana@example.org", false);
    // reqwest keeps Secure cookies off plain HTTP, so carry the CSRF cookie by hand.
    let page = client()
        .get(format!("{}/admin/sign-in", app.base))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let token = csrf(&page);
    let signed = client()
        .post(format!("{}/admin/sign-in", app.base))
        .header("cookie", format!("fieldwork_csrf={token}"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", "ana@example.org"),
            ("password", PASSWORD),
        ])
        .send()
        .unwrap();
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    let cookie = signed.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("__Host-fieldwork_session="), "{cookie}");
    assert!(
        cookie.contains("Secure") && cookie.contains("Path=/") && !cookie.contains("Domain"),
        "{cookie}"
    );
}

fn admin_forms_refuse_cross_site_and_tokenless_posts(db: TestDatabase) {
    let app = spawn_app(db);
    add_user(&app, "owner@example.org", false);
    add_user(&app, "colleague@example.org", false);
    app.store
        .set_survey_role(SLUG, "owner@example.org", Some(Role::Owner), CLI_ACTOR)
        .unwrap();
    let browser = signed_in(&app, "owner@example.org");
    let token = page_csrf(&browser, &app.base);
    let before = app.store.audit_entries(None, 1000).unwrap().len();
    let posts: &[(&str, &[(&str, &str)])] = &[
        (
            "/admin/surveys/digital-leadership/status",
            &[("status", "closed")],
        ),
        (
            "/admin/surveys/digital-leadership/invitations",
            &[("stratum", "police"), ("count", "3")],
        ),
        (
            "/admin/surveys/digital-leadership/sharing",
            &[("email", "colleague@example.org"), ("role", "owner")],
        ),
        ("/admin/surveys/digital-leadership/report/publish", &[]),
        (
            "/admin/surveys/digital-leadership/delete",
            &[("confirm", "digital-leadership")],
        ),
        (
            "/admin/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a brand new passphrase"),
                ("confirm_password", "a brand new passphrase"),
            ],
        ),
        ("/admin/sign-out", &[]),
        (
            "/admin/sign-in",
            &[("email", "owner@example.org"), ("password", PASSWORD)],
        ),
    ];
    for (path, fields) in posts {
        let url = format!("{}{path}", app.base);
        let without = browser.post(&url).form(fields).send().unwrap();
        assert_eq!(
            without.status(),
            StatusCode::FORBIDDEN,
            "{path} without a token"
        );
        let mut with_wrong: Vec<(&str, &str)> = vec![("csrf_token", "wrongwrongwrongwrong22")];
        with_wrong.extend_from_slice(fields);
        let wrong = browser.post(&url).form(&with_wrong).send().unwrap();
        assert_eq!(
            wrong.status(),
            StatusCode::FORBIDDEN,
            "{path} with a wrong token"
        );
        let mut with_token: Vec<(&str, &str)> = vec![("csrf_token", &token)];
        with_token.extend_from_slice(fields);
        let cross = browser
            .post(&url)
            .header("Origin", "https://evil.example")
            .form(&with_token)
            .send()
            .unwrap();
        assert_eq!(
            cross.status(),
            StatusCode::FORBIDDEN,
            "{path} from another site"
        );
    }
    // The upload form too.
    let (definition, frame) = fixture_files();
    let (content_type, body) = multipart(&[
        ("definition", Some("d.json"), &definition),
        ("frame", Some("f.csv"), &frame),
    ]);
    let upload = browser
        .post(format!("{}/admin/import", app.base))
        .header("content-type", content_type)
        .body(body)
        .send()
        .unwrap();
    assert_eq!(upload.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.store.latest_survey(SLUG).unwrap().status,
        fieldwork_store::SurveyStatus::Open,
        "not closed"
    );
    assert_eq!(
        app.store.count_invitations(SLUG).unwrap(),
        [("police".to_owned(), 10, 0)]
    );
    assert_eq!(
        app.store.survey_members(SLUG).unwrap().len(),
        1,
        "not shared, not deleted"
    );
    let (_, hash) = app
        .store
        .user_credentials("owner@example.org")
        .unwrap()
        .unwrap();
    assert!(
        fieldwork_server::accounts::verify_password(PASSWORD, &hash),
        "the password is unchanged"
    );
    assert_eq!(
        app.store.audit_entries(None, 1000).unwrap().len(),
        before,
        "nothing happened"
    );
    assert_eq!(
        browser
            .get(format!("{}/admin", app.base))
            .send()
            .unwrap()
            .status(),
        StatusCode::OK,
        "still signed in"
    );
}

fn sign_in_slows_down_per_account_and_per_address(db: TestDatabase) {
    let app = spawn_app(db);
    add_user(&app, "ana@example.org", false);
    add_user(&app, "bo@example.org", false);
    let attempt = |email: &str, password: &str| {
        let browser = client();
        let token = page_csrf(&browser, &app.base);
        browser
            .post(format!("{}/admin/sign-in", app.base))
            .form(&[
                ("csrf_token", token.as_str()),
                ("email", email),
                ("password", password),
            ])
            .send()
            .unwrap()
    };
    for _ in 0..5 {
        let failed = attempt("ana@example.org", "not the password!");
        assert_eq!(failed.status(), StatusCode::UNAUTHORIZED);
        let page = failed.text().unwrap();
        assert!(page.contains("<title>Error: Sign in"), "GOV.UK error title");
        assert!(page.contains("There is a problem"));
        assert!(page.contains("Enter a correct email address and password"));
    }
    // Now even the right password is refused for a while, with a clear page.
    let slowed = attempt("ana@example.org", PASSWORD);
    assert_eq!(slowed.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = slowed.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&wait), "{wait}");
    assert!(slowed.text().unwrap().contains("too many failed attempts"));
    // Another account from the same address is not held up...
    assert_eq!(
        attempt("bo@example.org", PASSWORD).status(),
        StatusCode::SEE_OTHER
    );
    // ...until the address itself has failed 20 times (unknown accounts count too).
    for i in 0..14 {
        let failed = attempt(&format!("guess{i}@example.org"), "whatever it may be");
        assert_eq!(failed.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    assert_eq!(
        attempt("bo@example.org", "wrong password here").status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        attempt("bo@example.org", PASSWORD).status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the address is slowed down"
    );
    let failed = app
        .store
        .audit_entries(None, 1000)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "sign_in.failed")
        .count();
    assert_eq!(
        failed,
        5 + 1 + 14 + 1 + 1,
        "every failure is in the audit log"
    );
}

fn tokens_are_refused_in_urls_and_sessions_on_the_api(db: TestDatabase) {
    let Matrix { app, callers } = matrix_app(db);
    let Caller::Researcher(browser, token) = &callers[6] else {
        unreachable!()
    };
    let base = format!("{}/api/v1/surveys/digital-leadership/progress", app.base);
    for query in [
        format!("access_token={token}"),
        format!("token={token}"),
        format!("x={token}"),
    ] {
        let response = client().get(format!("{base}?{query}")).send().unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        assert!(response.text().unwrap().contains("never accepted in a URL"));
    }
    // Even with a good header, a token in the URL is refused.
    let both = client()
        .get(format!("{base}?access_token={token}"))
        .bearer_auth(token)
        .send()
        .unwrap();
    assert_eq!(both.status(), StatusCode::BAD_REQUEST);
    // A signed-in browser's session is no API credential.
    let session_only = browser.get(&base).send().unwrap();
    assert_eq!(session_only.status(), StatusCode::UNAUTHORIZED);
    assert!(session_only.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Bearer"));
    // A token is no admin-page credential.
    let page = client()
        .get(format!("{}/admin/surveys/digital-leadership", app.base))
        .bearer_auth(token)
        .send()
        .unwrap();
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    // A read token may see progress but not export.
    let read = crate::researchers::token(
        &app,
        "owner@example.org",
        SLUG,
        TokenScope::Read,
        TimeDelta::days(1),
    );
    let progress = client().get(&base).bearer_auth(&read).send().unwrap();
    assert_eq!(progress.status(), StatusCode::OK);
    let strata: serde_json::Value = progress.json().unwrap();
    assert_eq!(strata[0]["stratum"], "civil_service");
    assert!(strata[0]["population"].as_u64().unwrap() > 0);
    let export = client()
        .get(format!(
            "{}/api/v1/surveys/digital-leadership/export?format=csv-long",
            app.base
        ))
        .bearer_auth(&read)
        .send()
        .unwrap();
    assert_eq!(export.status(), StatusCode::FORBIDDEN);
    let unknown_format = client()
        .get(format!(
            "{}/api/v1/surveys/digital-leadership/export?format=xlsx",
            app.base
        ))
        .bearer_auth(token)
        .send()
        .unwrap();
    assert_eq!(unknown_format.status(), StatusCode::BAD_REQUEST);
    // Losing the role on the survey revokes the token, and sharing again does not revive it.
    let unrevoked = app
        .store
        .list_api_tokens(Some("analyst@example.org"))
        .unwrap()
        .iter()
        .filter(|t| t.revoked_at.is_none())
        .count();
    assert!(unrevoked >= 1);
    app.store
        .set_survey_role(SLUG, "analyst@example.org", None, CLI_ACTOR)
        .unwrap();
    let Caller::Researcher(_, analyst_token) = &callers[5] else {
        unreachable!()
    };
    let status = || {
        client()
            .get(&base)
            .bearer_auth(analyst_token)
            .send()
            .unwrap()
            .status()
    };
    assert_eq!(status(), StatusCode::UNAUTHORIZED);
    let revoked = &app.store.audit_entries(Some(SLUG), 1).unwrap()[0];
    assert_eq!(revoked.action, "role.revoked");
    assert_eq!(revoked.detail["api_tokens_revoked"], unrevoked);
    app.store
        .set_survey_role(SLUG, "analyst@example.org", Some(Role::Analyst), CLI_ACTOR)
        .unwrap();
    assert_eq!(status(), StatusCode::UNAUTHORIZED);
    assert!(app
        .store
        .list_api_tokens(Some("analyst@example.org"))
        .unwrap()
        .iter()
        .all(|t| t.revoked_at.is_some()));
}

fn exports_are_real_streamed_and_audited(db: TestDatabase) {
    let Matrix { app, callers } = matrix_app(db);
    let Caller::Researcher(_, token) = &callers[5] else {
        unreachable!()
    };
    let answers = serde_json::json!({
        "role": "elected", "disrupted": "no", "capable": "no", "capability_gaps": ["skills"],
        "leadership_understanding": "poorly",
        "behaviours": {"users": "agree", "open_culture": "agree", "experiments": "disagree", "pace": "neither",
                       "privacy_security": "agree", "ethics": "agree", "skills": "dont_know", "spot_projects": "disagree"},
        "barriers": ["risk_aversion"], "learning_needs": ["data"], "hostility": "no"
    });
    for (i, invite) in app.police_invites.iter().take(3).enumerate() {
        let created = client()
            .post(format!("{}/api/v1/surveys/{SLUG}/responses", app.base))
            .header("Idempotency-Key", format!("k{i}"))
            .json(&serde_json::json!({"answers": answers, "invitation": invite}))
            .send()
            .unwrap();
        assert_eq!(
            created.status(),
            StatusCode::CREATED,
            "{}",
            created.text().unwrap()
        );
    }
    let export = client()
        .get(format!(
            "{}/api/v1/surveys/{SLUG}/export?format=csv-long",
            app.base
        ))
        .bearer_auth(token)
        .send()
        .unwrap();
    assert_eq!(export.status(), StatusCode::OK);
    assert_eq!(
        export.headers()["content-type"],
        "text/csv; charset=utf-8; header=present"
    );
    assert!(export.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("digital-leadership-csv-long.csv"));
    let csv = export.text().unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "response_id,question_id,item,value");
    // One row per answer, per chosen option and per grid item, counted from the store.
    let expected: usize = app
        .store
        .load_responses(SLUG, &Default::default())
        .unwrap()
        .iter()
        .map(|r| {
            let answers: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&r.answers).unwrap();
            answers
                .values()
                .map(|v| match v {
                    serde_json::Value::Array(a) => a.len(),
                    serde_json::Value::Object(o) => o.len(),
                    _ => 1,
                })
                .sum::<usize>()
        })
        .sum();
    assert_eq!(lines.len() - 1, expected, "{csv}");
    assert!(expected > 3 * 15);
    assert!(lines.iter().any(|l| l.contains(",sector,,police")), "{csv}");
    assert!(
        lines.iter().any(|l| l.contains(",behaviours,pace,neither")),
        "{csv}"
    );
    assert!(
        lines.iter().any(|l| l.contains(",capability_gaps,,skills")),
        "{csv}"
    );
    let entry = app
        .store
        .audit_entries(Some(SLUG), 1000)
        .unwrap()
        .into_iter()
        .find(|e| e.action == "export")
        .expect("the export is audited");
    assert_eq!(entry.actor, "analyst@example.org");
    assert_eq!(
        entry.detail,
        serde_json::json!({"format": "csv-long", "rows": 3, "via": "api", "include_sensitive": false})
    );
    // Sensitive free text is for owners only; an analyst asking for it is refused.
    let sensitive = client()
        .get(format!(
            "{}/api/v1/surveys/{SLUG}/export?format=csv-wide&include_sensitive=true",
            app.base
        ))
        .bearer_auth(token)
        .send()
        .unwrap();
    assert_eq!(sensitive.status(), StatusCode::FORBIDDEN);
    // The CLI's options work over HTTP too, and a wrong one is a 400 before anything streams.
    let get = |query: &str| {
        client()
            .get(format!("{}/api/v1/surveys/{SLUG}/export?{query}", app.base))
            .bearer_auth(token)
            .send()
            .unwrap()
    };
    let police = get("format=csv-wide&stratum=police&labels=text&since=2020-01-01");
    assert_eq!(police.status(), StatusCode::OK);
    let police = police.text().unwrap();
    assert_eq!(police.lines().count(), 4, "{police}");
    assert!(police.contains("Policing"), "{police}");
    let none = get("format=csv-wide&stratum=police&since=2999-01-01T00:00:00Z");
    assert_eq!(none.text().unwrap().lines().count(), 1);
    // A stratum the survey does not have is a thing that does not exist, as the document says.
    let nowhere = get("format=csv-wide&stratum=nowhere");
    assert_eq!(nowhere.status(), StatusCode::NOT_FOUND);
    let problem: serde_json::Value = nowhere.json().unwrap();
    assert_eq!(
        problem["type"],
        "https://fieldwork.invalid/problems/stratum-not-found"
    );
    assert!(
        problem["detail"].as_str().unwrap().contains("police"),
        "the detail lists the strata there are: {problem}"
    );
    // So is a language it is not in; one it is in labels the export in it.
    let french = get("format=csv-wide&language=fr");
    assert_eq!(french.status(), StatusCode::NOT_FOUND);
    let problem: serde_json::Value = french.json().unwrap();
    assert_eq!(
        problem["type"],
        "https://fieldwork.invalid/problems/language-not-found"
    );
    assert!(problem["detail"].as_str().unwrap().contains("en, cy"));
    let welsh = get("format=csv-wide&stratum=police&labels=text&language=cy");
    assert_eq!(welsh.status(), StatusCode::OK);
    assert!(welsh.text().unwrap().contains("Plismona"));
    for bad in [
        "format=csv-wide&since=yesterday",
        "format=csv-wide&labels=both",
        "format=csv-wide&colour=red",
        "format=xlsx",
    ] {
        let response = get(bad);
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json",
            "{bad}"
        );
    }
    // Every format is served.
    for format in [
        "csv-wide",
        "parquet",
        "codebook",
        "codebook-json",
        "r",
        "stata",
        "spss",
    ] {
        let response = client()
            .get(format!(
                "{}/api/v1/surveys/{SLUG}/export?format={format}",
                app.base
            ))
            .bearer_auth(token)
            .send()
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{format}");
        assert!(!response.bytes().unwrap().is_empty(), "{format}");
    }
}

fn uploads_are_checked_and_every_problem_shown(db: TestDatabase) {
    let app = spawn_app(db);
    add_user(&app, "ana@example.org", false);
    let browser = signed_in(&app, "ana@example.org");
    let upload = |fields: &[(&str, Option<&str>, &[u8])]| {
        let token = page_csrf(&browser, &app.base);
        let mut all: Vec<(&str, Option<&str>, &[u8])> =
            vec![("csrf_token", None, token.as_bytes())];
        all.extend_from_slice(fields);
        let (content_type, body) = multipart(&all);
        browser
            .post(format!("{}/admin/import", app.base))
            .header("content-type", content_type)
            .body(body)
            .send()
            .unwrap()
    };
    let malformed = upload(&[("definition", Some("bad.json"), b"{\"slug\": ")]);
    assert_eq!(malformed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = malformed.text().unwrap();
    assert!(page.contains("<title>Error: Create or import a survey"));
    assert!(page.contains("There is a problem"));
    let several = upload(&[(
        "definition",
        Some("bad.json"),
        br#"{"slug": "Not A Slug", "version": 0, "title": "", "pages": []}"#,
    )]);
    assert_eq!(several.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = several.text().unwrap();
    let problems = page.matches("<li>").count();
    assert!(problems >= 3, "every problem is listed: {page}");
    let (definition, frame) = fixture_files();
    let no_frame = upload(&[("definition", Some("d.json"), &definition)]);
    assert_eq!(no_frame.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_frame
        .text()
        .unwrap()
        .contains("select that CSV file too"));
    let binary = upload(&[("definition", Some("d.json"), &[0xff, 0xfe, 0x00])]);
    assert_eq!(binary.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let nothing = upload(&[]);
    assert_eq!(nothing.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let huge = vec![b' '; 5 * 1024 * 1024];
    let too_large = upload(&[("definition", Some("d.json"), &huge)]);
    assert_eq!(too_large.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let not_multipart = browser
        .post(format!("{}/admin/import", app.base))
        .form(&[("definition", "x")])
        .send()
        .unwrap();
    assert_eq!(not_multipart.status(), StatusCode::BAD_REQUEST);
    // Someone else's survey cannot be replaced by uploading its slug.
    let taken = upload(&[
        ("definition", Some("d.json"), &definition),
        ("frame", Some("f.csv"), &frame),
    ]);
    assert_eq!(taken.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Without saying whether a survey exists under a slug the uploader cannot see.
    let taken = taken.text().unwrap();
    assert!(taken.contains("cannot be used"), "{taken}");
    assert!(!taken.contains("exists"));
    // A new survey makes its uploader the owner.
    let mut text: serde_json::Value = serde_json::from_slice(&definition).unwrap();
    text["slug"] = "ana-survey".into();
    let new = serde_json::to_vec(&text).unwrap();
    let created = upload(&[
        ("definition", Some("d.json"), &new),
        ("frame", Some("f.csv"), &frame),
    ]);
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    assert_eq!(created.headers()["location"], "/admin/surveys/ana-survey");
    assert_eq!(
        app.store.survey_members("ana-survey").unwrap(),
        [("ana@example.org".to_owned(), Role::Owner)]
    );
    let overview = browser
        .get(format!("{}/admin/surveys/ana-survey", app.base))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(overview.contains("Responses per stratum"));
    assert!(overview.contains("Open the survey"));
}

fn sharing_and_invitation_forms_show_precise_errors(db: TestDatabase) {
    let app = spawn_app(db);
    add_user(&app, "owner@example.org", false);
    app.store
        .set_survey_role(SLUG, "owner@example.org", Some(Role::Owner), CLI_ACTOR)
        .unwrap();
    let browser = signed_in(&app, "owner@example.org");
    let post = |path: &str, fields: &[(&str, &str)]| {
        let token = page_csrf(&browser, &app.base);
        let mut form: Vec<(&str, &str)> = vec![("csrf_token", &token)];
        form.extend_from_slice(fields);
        browser
            .post(format!("{}{path}", app.base))
            .form(&form)
            .send()
            .unwrap()
    };
    let sharing = "/admin/surveys/digital-leadership/sharing";
    let long = format!("{}@example.org", "a".repeat(400));
    for (fields, message) in [
        (
            vec![("email", "not an email"), ("role", "viewer")],
            "Enter an email address in the correct format",
        ),
        (
            vec![("email", long.as_str()), ("role", "viewer")],
            "254 characters or fewer",
        ),
        (
            vec![("email", "nobody@example.org"), ("role", "viewer")],
            "There is no researcher with that email address",
        ),
        (
            vec![("email", "owner@example.org"), ("role", "superuser")],
            "Select a role",
        ),
        (
            vec![("email", "owner@example.org"), ("role", "remove")],
            "must keep an owner",
        ),
    ] {
        let response = post(sharing, &fields);
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{fields:?}"
        );
        let page = response.text().unwrap();
        assert!(page.contains(message), "{fields:?}: {page}");
        assert!(page.contains("<title>Error: Share the survey"));
    }
    let invitations = "/admin/surveys/digital-leadership/invitations";
    for (fields, message) in [
        (
            vec![("stratum", "police"), ("count", "0")],
            "between 1 and 10000",
        ),
        (
            vec![("stratum", "police"), ("count", "many")],
            "between 1 and 10000",
        ),
        (vec![("stratum", "police")], "Enter how many invitations"),
        (
            vec![("stratum", "<script>"), ("count", "2")],
            "Select the stratum",
        ),
        (
            vec![("stratum", "police"), ("count", "2"), ("language", "fr")],
            "Select a language the survey is in",
        ),
    ] {
        let response = post(invitations, &fields);
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{fields:?}"
        );
        let page = response.text().unwrap();
        assert!(page.contains(message), "{fields:?}");
        assert!(!page.contains("<script>"), "escaped");
    }
    let made = post(invitations, &[("stratum", "schools"), ("count", "4")]);
    assert_eq!(made.status(), StatusCode::OK);
    assert!(made.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("attachment"));
    let csv = made.text().unwrap();
    assert_eq!(csv.lines().count(), 5);
    assert!(csv
        .lines()
        .nth(1)
        .unwrap()
        .contains("/s/digital-leadership?invite="));
    assert!(app
        .store
        .count_invitations(SLUG)
        .unwrap()
        .contains(&("schools".to_owned(), 4, 0)));
    // A bilingual survey asks which language the invitees' pages open in; a Welsh
    // invitation opens its start page in Welsh.
    let form = browser
        .get(format!("{}{invitations}", app.base))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(form.contains("Which language should their pages open in?"));
    assert!(form.contains("lang=\"cy\">Cymraeg</label>"), "{form}");
    let welsh = post(
        invitations,
        &[("stratum", "mps"), ("count", "1"), ("language", "cy")],
    );
    assert_eq!(welsh.status(), StatusCode::OK);
    let csv = welsh.text().unwrap();
    let link = csv.lines().nth(1).unwrap();
    let token = link
        .split("invite=")
        .nth(1)
        .unwrap()
        .split([',', '"'])
        .next()
        .unwrap();
    let start = reqwest::blocking::Client::new()
        .get(format!("{}/s/digital-leadership?invite={token}", app.base))
        .header("Accept-Language", "en")
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(start.contains("<html lang=\"cy\""), "{start}");
}

fn signed_in_pages_render_for_each_role(db: TestDatabase) {
    let Matrix { app, callers } = matrix_app(db);
    let Caller::Researcher(viewer, _) = &callers[4] else {
        unreachable!()
    };
    let page = viewer
        .get(format!("{}/admin/surveys/{SLUG}", app.base))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(page.contains("View the report"));
    assert!(
        !page.contains("Responses per stratum"),
        "a viewer sees the report only"
    );
    assert!(!page.contains("/export?format="));
    let list = viewer
        .get(format!("{}/admin", app.base))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(list.contains("/admin/surveys/digital-leadership"));
    assert!(
        !list.contains("other-survey"),
        "only surveys shared with them"
    );
    let Caller::Researcher(admin, _) = &callers[7] else {
        unreachable!()
    };
    let list = admin
        .get(format!("{}/admin", app.base))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(list.contains("other-survey") && list.contains("administrator"));
    let report = admin
        .get(format!("{}/admin/surveys/{SLUG}/report", app.base))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(report.contains("This is the draft"));
}

/// An owner publishes from the admin pages: the report is then served at /r/{slug}/, and
/// unpublishing takes it down; both are audited.
fn owners_publish_and_unpublish_the_report(db: TestDatabase) {
    let app = spawn_app(db);
    add_user(&app, "owner@example.org", false);
    app.store
        .set_survey_role(SLUG, "owner@example.org", Some(Role::Owner), CLI_ACTOR)
        .unwrap();
    let browser = signed_in(&app, "owner@example.org");
    let public = format!("{}/r/{SLUG}/", app.base);
    assert_eq!(
        client().get(&public).send().unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let token = page_csrf(&browser, &app.base);
    let published = browser
        .post(format!("{}/admin/surveys/{SLUG}/report/publish", app.base))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .unwrap();
    assert_eq!(published.status(), StatusCode::SEE_OTHER);
    let page = client().get(&public).send().unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().unwrap().contains("<html"));
    let token = page_csrf(&browser, &app.base);
    let unpublished = browser
        .post(format!(
            "{}/admin/surveys/{SLUG}/report/unpublish",
            app.base
        ))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .unwrap();
    assert_eq!(unpublished.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        client().get(&public).send().unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let actions: Vec<String> = app
        .store
        .audit_entries(Some(SLUG), 100)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(
        actions.iter().any(|a| a == "report.published"),
        "{actions:?}"
    );
    assert!(
        actions.iter().any(|a| a == "report.unpublished"),
        "{actions:?}"
    );
}

/// Sign in with a client that keeps no cookies, so the session id is known; returns the
/// session id and the CSRF token (cookie and field alike).
fn sign_in_by_hand(app: &TestApp, email: &str, password: &str) -> (String, String) {
    let page = client()
        .get(format!("{}/admin/sign-in", app.base))
        .send()
        .unwrap();
    let csrf_value = cookie_value(&page, "fieldwork_csrf").expect("a CSRF cookie");
    let signed = client()
        .post(format!("{}/admin/sign-in", app.base))
        .header("cookie", format!("fieldwork_csrf={csrf_value}"))
        .form(&[
            ("csrf_token", csrf_value.as_str()),
            ("email", email),
            ("password", password),
        ])
        .send()
        .unwrap();
    assert_eq!(signed.status(), StatusCode::SEE_OTHER, "{email} signs in");
    let session = cookie_value(&signed, "fieldwork_session").expect("a session cookie");
    (session, csrf_value)
}

/// The value a response sets for cookie `name`, if it sets one.
fn cookie_value(response: &reqwest::blocking::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix(&format!("{name}=")))
        .map(|rest| rest.split(';').next().unwrap_or("").to_owned())
}

fn submit_police_responses(app: &TestApp, count: usize) {
    let answers = serde_json::json!({
        "role": "elected", "disrupted": "no", "capable": "no", "capability_gaps": ["skills"],
        "leadership_understanding": "poorly",
        "behaviours": {"users": "agree", "open_culture": "agree", "experiments": "disagree", "pace": "neither",
                       "privacy_security": "agree", "ethics": "agree", "skills": "dont_know", "spot_projects": "disagree"},
        "barriers": ["risk_aversion"], "learning_needs": ["data"], "hostility": "no"
    });
    for (i, invite) in app.police_invites.iter().take(count).enumerate() {
        let created = client()
            .post(format!("{}/api/v1/surveys/{SLUG}/responses", app.base))
            .header("Idempotency-Key", format!("delete-{i}"))
            .json(&serde_json::json!({"answers": answers, "invitation": invite}))
            .send()
            .unwrap();
        assert_eq!(created.status(), StatusCode::CREATED);
    }
}

fn owners_delete_a_survey_after_typing_its_slug(db: TestDatabase) {
    let app = spawn_app(db);
    let mut other = fixture_definition();
    other.slug = OTHER.into();
    app.store.import_survey(&other).unwrap();
    add_user(&app, "owner@example.org", false);
    add_user(&app, "analyst@example.org", false);
    for (email, role) in [
        ("owner@example.org", Role::Owner),
        ("analyst@example.org", Role::Analyst),
    ] {
        app.store
            .set_survey_role(SLUG, email, Some(role), CLI_ACTOR)
            .unwrap();
    }
    let api_token = token(
        &app,
        "analyst@example.org",
        SLUG,
        TokenScope::Read,
        TimeDelta::days(1),
    );
    submit_police_responses(&app, 2);
    let owner = signed_in(&app, "owner@example.org");
    let analyst = signed_in(&app, "analyst@example.org");
    // An invitation nobody has used yet: its link opens the survey until it is deleted.
    let unused = app.police_invites[9].clone();
    let respondent_page = || {
        client()
            .get(format!("{}/s/{SLUG}?invite={unused}", app.base))
            .send()
            .unwrap()
            .status()
    };
    assert_eq!(respondent_page(), StatusCode::OK);
    let overview = owner
        .get(format!("{}/admin/surveys/{SLUG}", app.base))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(overview.contains("/admin/surveys/digital-leadership/delete"));
    let page = owner
        .get(format!("{}/admin/surveys/{SLUG}/delete", app.base))
        .send()
        .unwrap()
        .text()
        .unwrap();
    for expected in [
        "govuk-warning-text",
        "Deleting a survey cannot be undone. 2 complete and 0 partial responses will be removed.",
        "The survey is open",
        "10 invitations",
        "the access of 2 researchers and 1 API token",
        "To confirm, type the survey's slug: digital-leadership",
        "govuk-button--warning",
    ] {
        assert!(page.contains(expected), "{expected}: {page}");
    }
    let post = |typed: &str| {
        let token = page_csrf(&owner, &app.base);
        owner
            .post(format!("{}/admin/surveys/{SLUG}/delete", app.base))
            .form(&[("csrf_token", token.as_str()), ("confirm", typed)])
            .send()
            .unwrap()
    };
    for (typed, message) in [
        (
            "",
            "Enter the survey&#39;s slug, digital-leadership, to confirm",
        ),
        ("digital", "does not match this survey&#39;s"),
        ("other-survey", "does not match"),
        ("<b>digital-leadership</b>", "does not match"),
    ] {
        let refused = post(typed);
        assert_eq!(
            refused.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{typed:?}"
        );
        let page = refused.text().unwrap();
        assert!(page.contains("<title>Error: Delete the survey"), "{page}");
        assert!(page.contains("There is a problem"));
        assert!(page.contains("href=\"#confirm\""));
        assert!(page.contains(message), "{typed:?}: {page}");
        assert!(!page.contains("<b>"), "escaped");
    }
    assert!(app.store.latest_survey(SLUG).is_ok(), "nothing deleted yet");

    let deleted = post(" digital-leadership ");
    assert_eq!(deleted.status(), StatusCode::SEE_OTHER);
    assert_eq!(deleted.headers()["location"], "/admin");
    let list = owner
        .get(format!("{}/admin", app.base))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        list.contains("govuk-notification-banner--success"),
        "{list}"
    );
    assert!(list.contains("Survey digital-leadership has been deleted"));
    assert!(list.contains("Its 2 responses, invitations"));
    assert!(!list.contains("href=\"/admin/surveys/digital-leadership\""));
    let again = owner
        .get(format!("{}/admin", app.base))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(!again.contains("has been deleted"), "the notice shows once");

    // Gone for everyone, everywhere: the pages, the respondents' form, the API.
    assert!(matches!(
        app.store.latest_survey(SLUG),
        Err(fieldwork_store::StoreError::SurveyNotFound(_))
    ));
    for browser in [&owner, &analyst] {
        for path in ["", "/delete", "/sharing"] {
            let status = browser
                .get(format!("{}/admin/surveys/{SLUG}{path}", app.base))
                .send()
                .unwrap()
                .status();
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        }
    }
    assert_eq!(respondent_page(), StatusCode::NOT_FOUND);
    let progress = client()
        .get(format!("{}/api/v1/surveys/{SLUG}/progress", app.base))
        .bearer_auth(&api_token)
        .send()
        .unwrap();
    assert_eq!(
        progress.status(),
        StatusCode::UNAUTHORIZED,
        "its tokens went"
    );
    assert!(
        app.store.latest_survey(OTHER).is_ok(),
        "the other survey stays"
    );
    let entry = &app.store.audit_entries(Some(SLUG), 1).unwrap()[0];
    assert_eq!(
        (entry.actor.as_str(), entry.action.as_str()),
        ("owner@example.org", "survey.deleted")
    );
    assert_eq!(entry.detail["complete_responses"], 2);
    assert_eq!(entry.detail["invitations"], 10);
}

const NEW_PASSWORD: &str = "an entirely new passphrase";

fn researchers_change_their_password_and_other_sessions_end(db: TestDatabase) {
    let app = spawn_app(db);
    add_user(&app, "ana@example.org", false);
    add_user(&app, "bo@example.org", false);
    let (session, csrf_value) = sign_in_by_hand(&app, "ana@example.org", PASSWORD);
    let elsewhere = signed_in(&app, "ana@example.org");
    let bo = signed_in(&app, "bo@example.org");
    let with_session =
        |session: &str| format!("fieldwork_session={session}; fieldwork_csrf={csrf_value}");
    let page = client()
        .get(format!("{}/admin/account/password", app.base))
        .header("cookie", with_session(&session))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(page.contains("<h1 class=\"govuk-heading-l\">Change your password</h1>"));
    assert!(page.contains("autocomplete=\"current-password\""));
    let change = |fields: &[(&str, &str)]| {
        let mut form: Vec<(&str, &str)> = vec![("csrf_token", &csrf_value)];
        form.extend_from_slice(fields);
        client()
            .post(format!("{}/admin/account/password", app.base))
            .header("cookie", with_session(&session))
            .form(&form)
            .send()
            .unwrap()
    };
    let too_long = "x".repeat(129);
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![], "Enter your current password"),
        (vec![], "Enter a new password"),
        (
            vec![
                ("current_password", PASSWORD),
                ("new_password", "too short"),
                ("confirm_password", "too short"),
            ],
            "Your new password must be at least 12 characters long",
        ),
        (
            vec![
                ("current_password", PASSWORD),
                ("new_password", &too_long),
                ("confirm_password", &too_long),
            ],
            "Your new password must be 128 characters or fewer",
        ),
        (
            vec![
                ("current_password", PASSWORD),
                ("new_password", PASSWORD),
                ("confirm_password", PASSWORD),
            ],
            "must be different from your current password",
        ),
        (
            vec![
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
                ("confirm_password", "an entirely new passphrasE"),
            ],
            "The passwords do not match",
        ),
        (
            vec![
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
            ],
            "Enter your new password again",
        ),
        (
            vec![
                ("current_password", "not my password at all"),
                ("new_password", NEW_PASSWORD),
                ("confirm_password", NEW_PASSWORD),
            ],
            "Your current password is not correct",
        ),
    ];
    for (fields, message) in cases {
        let refused = change(&fields);
        assert_eq!(
            refused.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{fields:?}"
        );
        let page = refused.text().unwrap();
        assert!(page.contains("<title>Error: Change your password"));
        assert!(page.contains("There is a problem"));
        assert!(page.contains(message), "{message}: {page}");
        assert!(
            !page.contains(NEW_PASSWORD) && !page.contains(PASSWORD),
            "passwords are never written back"
        );
    }
    let (_, hash) = app
        .store
        .user_credentials("ana@example.org")
        .unwrap()
        .unwrap();
    assert!(fieldwork_server::accounts::verify_password(PASSWORD, &hash));

    let changed = change(&[
        ("current_password", PASSWORD),
        ("new_password", NEW_PASSWORD),
        ("confirm_password", NEW_PASSWORD),
    ]);
    assert_eq!(changed.status(), StatusCode::SEE_OTHER);
    assert_eq!(changed.headers()["location"], "/admin");
    let rotated = cookie_value(&changed, "fieldwork_session").expect("a new session id");
    let notice = cookie_value(&changed, "fieldwork_notice").expect("a notice");
    assert_ne!(rotated, session, "the session id is rotated");
    let home = |cookie: String| {
        client()
            .get(format!("{}/admin", app.base))
            .header("cookie", cookie)
            .send()
            .unwrap()
    };
    assert_eq!(
        home(with_session(&session)).status(),
        StatusCode::SEE_OTHER,
        "the old id is worth nothing"
    );
    let here = home(format!(
        "{}; fieldwork_notice={notice}",
        with_session(&rotated)
    ));
    assert_eq!(here.status(), StatusCode::OK, "still signed in here");
    let here = here.text().unwrap();
    assert!(here.contains("Your password has been changed"), "{here}");
    assert!(here.contains("You have been signed out of 1 other session."));
    let elsewhere = elsewhere.get(format!("{}/admin", app.base)).send().unwrap();
    assert_eq!(
        elsewhere.status(),
        StatusCode::SEE_OTHER,
        "signed out elsewhere"
    );
    assert_eq!(elsewhere.headers()["location"], "/admin/sign-in");
    assert_eq!(
        bo.get(format!("{}/admin", app.base))
            .send()
            .unwrap()
            .status(),
        StatusCode::OK,
        "other researchers stay signed in"
    );
    // The old password no longer signs in; the new one does.
    let browser = client();
    let token = page_csrf(&browser, &app.base);
    let old = browser
        .post(format!("{}/admin/sign-in", app.base))
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", "ana@example.org"),
            ("password", PASSWORD),
        ])
        .send()
        .unwrap();
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    sign_in_by_hand(&app, "ana@example.org", NEW_PASSWORD);
    let entry = app
        .store
        .audit_entries(None, 100)
        .unwrap()
        .into_iter()
        .find(|e| e.action == "user.password_changed")
        .expect("audited");
    assert_eq!(entry.actor, "ana@example.org");
    assert_eq!(
        entry.detail,
        serde_json::json!({"user": "ana@example.org", "via": "admin", "sessions_ended": 1})
    );
}

fn a_wrong_current_password_counts_as_a_failed_sign_in(db: TestDatabase) {
    let app = spawn_app(db);
    add_user(&app, "ana@example.org", false);
    let (session, csrf_value) = sign_in_by_hand(&app, "ana@example.org", PASSWORD);
    let change = |current: &str| {
        client()
            .post(format!("{}/admin/account/password", app.base))
            .header(
                "cookie",
                format!("fieldwork_session={session}; fieldwork_csrf={csrf_value}"),
            )
            .form(&[
                ("csrf_token", csrf_value.as_str()),
                ("current_password", current),
                ("new_password", NEW_PASSWORD),
                ("confirm_password", NEW_PASSWORD),
            ])
            .send()
            .unwrap()
    };
    for _ in 0..5 {
        assert_eq!(
            change("a wrong guess at it").status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    // Now even the right one waits, here and at sign-in.
    let slowed = change(PASSWORD);
    assert_eq!(slowed.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(slowed.headers().contains_key("retry-after"));
    assert!(slowed.text().unwrap().contains("too many wrong passwords"));
    let browser = client();
    let token = page_csrf(&browser, &app.base);
    let sign_in = browser
        .post(format!("{}/admin/sign-in", app.base))
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", "ana@example.org"),
            ("password", PASSWORD),
        ])
        .send()
        .unwrap();
    assert_eq!(sign_in.status(), StatusCode::TOO_MANY_REQUESTS);
    let (_, hash) = app
        .store
        .user_credentials("ana@example.org")
        .unwrap()
        .unwrap();
    assert!(
        fieldwork_server::accounts::verify_password(PASSWORD, &hash),
        "unchanged"
    );
    let reasons: Vec<String> = app
        .store
        .audit_entries(None, 100)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "sign_in.failed")
        .map(|e| e.detail["reason"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        reasons
            .iter()
            .filter(|r| *r == "bad_current_password")
            .count(),
        5,
        "{reasons:?}"
    );
}

/// The admin "Open" refuses a survey without a privacy notice, saying why; it stays a draft.
fn a_survey_without_a_privacy_notice_cannot_be_opened(db: TestDatabase) {
    let app = spawn_app(db);
    add_user(&app, "admin@example.org", true);
    let mut definition = crate::fixture_definition();
    definition.slug = "no-notice".into();
    definition.privacy_notice = None;
    app.store.import_survey(&definition).unwrap();
    let browser = signed_in(&app, "admin@example.org");
    let token = page_csrf(&browser, &app.base);
    let refused = browser
        .post(format!("{}/admin/surveys/no-notice/status", app.base))
        .form(&[("csrf_token", token.as_str()), ("status", "open")])
        .send()
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().unwrap();
    assert!(page.contains("The survey cannot be opened yet"), "{page}");
    assert!(page.contains("has no privacy notice"), "{page}");
    assert_eq!(
        app.store.latest_survey("no-notice").unwrap().status,
        fieldwork_store::SurveyStatus::Draft
    );
}

fieldwork_store::on_both_backends!(
    a_survey_without_a_privacy_notice_cannot_be_opened,
    owners_delete_a_survey_after_typing_its_slug,
    researchers_change_their_password_and_other_sessions_end,
    a_wrong_current_password_counts_as_a_failed_sign_in,
    owners_publish_and_unpublish_the_report,
    authorisation_matrix,
    sessions_are_new_at_sign_in_and_end_on_the_server,
    admin_forms_refuse_cross_site_and_tokenless_posts,
    sign_in_slows_down_per_account_and_per_address,
    tokens_are_refused_in_urls_and_sessions_on_the_api,
    exports_are_real_streamed_and_audited,
    uploads_are_checked_and_every_problem_shown,
    sharing_and_invitation_forms_show_precise_errors,
    signed_in_pages_render_for_each_role,
);

#[test]
fn secure_cookies_use_the_host_prefix() {
    secure_cookies_are_host_prefixed();
}
