use fieldwork_server::ServerConfig;
use fieldwork_store::testing;
use reqwest::StatusCode;

use crate::{browser, csrf, fixture_definition, spawn_app, spawn_app_with};

#[test]
fn forms_without_a_valid_csrf_token_or_from_another_origin_are_refused() {
    let app = spawn_app(testing::sqlite());
    let client = browser();
    let invite = &app.police_invites[0];
    let html = client
        .get(format!("{}/s/digital-leadership?invite={invite}", app.base))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let url = format!("{}/s/digital-leadership/start", app.base);
    let no_token = client
        .post(&url)
        .form(&[("invite", invite.as_str())])
        .send()
        .unwrap();
    assert_eq!(no_token.status(), StatusCode::FORBIDDEN);
    let wrong = client
        .post(&url)
        .form(&[("csrf_token", "x".repeat(22).as_str()), ("invite", invite)])
        .send()
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    let cross_site = client
        .post(&url)
        .header("Origin", "https://evil.example")
        .form(&[("csrf_token", csrf(&html).as_str()), ("invite", invite)])
        .send()
        .unwrap();
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
    assert!(cross_site
        .text()
        .unwrap()
        .contains("Your answers could not be sent"));
    let all = fieldwork_store::ResponseFilter {
        include_partial: true,
        ..Default::default()
    };
    assert!(
        app.store
            .load_responses("digital-leadership", &all)
            .unwrap()
            .is_empty(),
        "nothing was started"
    );
}

/// Start a response with a valid token and cookie, the given headers added; the status.
fn start_with_headers(app: &crate::TestApp, invite: &str, headers: &[(&str, &str)]) -> StatusCode {
    let client = reqwest::blocking::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let html = client
        .get(format!("{}/s/digital-leadership?invite={invite}", app.base))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let mut post = client.post(format!("{}/s/digital-leadership/start", app.base));
    for (name, value) in headers {
        post = post.header(*name, *value);
    }
    post.form(&crate::with_consent(&[
        ("csrf_token", csrf(&html).as_str()),
        ("invite", invite),
    ]))
    .send()
    .unwrap()
    .status()
}

#[test]
fn form_posts_are_judged_by_fetch_metadata_and_origin_as_browsers_send_them() {
    let app = spawn_app(testing::sqlite());
    let own = app.base.clone();
    let host = own.trim_start_matches("http://").to_owned();
    let refused: &[&[(&str, &str)]] = &[
        &[("Origin", "https://evil.example")],
        &[
            ("Sec-Fetch-Site", "cross-site"),
            ("Origin", "https://evil.example"),
        ],
        &[("Sec-Fetch-Site", "cross-site"), ("Origin", "null")],
        &[
            ("Sec-Fetch-Site", "same-site"),
            ("Origin", "http://sub.127.0.0.1"),
        ],
        &[("Sec-Fetch-Site", "none")],
        &[("Sec-Fetch-Site", "cross-site")],
        // A sandboxed frame in a browser without Fetch metadata.
        &[("Origin", "null")],
        // Forwarded headers do not make a foreign Origin ours.
        &[
            ("Origin", "https://evil.example"),
            ("X-Forwarded-Host", "evil.example"),
        ],
        &[
            ("Origin", "https://evil.example"),
            ("Forwarded", "host=evil.example;proto=https"),
        ],
        // Same-origin claimed, but the Origin names another host.
        &[
            ("Sec-Fetch-Site", "same-origin"),
            ("Origin", "https://evil.example"),
        ],
    ];
    for (i, headers) in refused.iter().enumerate() {
        let status = start_with_headers(&app, &app.police_invites[i % 10], headers);
        assert_eq!(status, StatusCode::FORBIDDEN, "{headers:?}");
    }
    let all = fieldwork_store::ResponseFilter {
        include_partial: true,
        ..Default::default()
    };
    assert!(app
        .store
        .load_responses("digital-leadership", &all)
        .unwrap()
        .is_empty());
    // What Chromium sends from our own page under `Referrer-Policy: same-origin`; the same
    // under a stricter policy of the user's (Origin blanked); and a client with neither.
    let accepted: &[&[(&str, &str)]] = &[
        &[("Sec-Fetch-Site", "same-origin"), ("Origin", &own)],
        &[("Sec-Fetch-Site", "same-origin"), ("Origin", "null")],
        &[("Origin", &own)],
        &[],
    ];
    for (i, headers) in accepted.iter().enumerate() {
        let status = start_with_headers(&app, &app.police_invites[i], headers);
        assert_eq!(status, StatusCode::SEE_OTHER, "{headers:?} ({host})");
    }
}

#[test]
fn links_name_the_configured_address_whatever_the_request_says() {
    let app = spawn_app_with(
        testing::sqlite(),
        fixture_definition(),
        ServerConfig {
            rate_per_second: 0.0,
            public_url: Some("https://survey.example.org/".into()),
            ..Default::default()
        },
    );
    let client = browser();
    let invite = &app.police_invites[0];
    let html = client
        .get(format!("{}/s/digital-leadership?invite={invite}", app.base))
        .send()
        .unwrap()
        .text()
        .unwrap();
    // With a public URL, the Origin must be its origin.
    let started = client
        .post(format!("{}/s/digital-leadership/start", app.base))
        .header("Sec-Fetch-Site", "same-origin")
        .header("Origin", "https://survey.example.org")
        .form(&crate::with_consent(&[
            ("csrf_token", csrf(&html).as_str()),
            ("invite", invite),
        ]))
        .send()
        .unwrap();
    assert_eq!(started.status(), StatusCode::OK);
    let page = started.text().unwrap();
    let saved = client
        .post(format!("{}/s/digital-leadership/q/role", app.base))
        .header("X-Forwarded-Host", "evil.example")
        .header("Forwarded", "host=evil.example;proto=http")
        .header("X-Forwarded-Proto", "http")
        .form(&[
            ("csrf_token", csrf(&page).as_str()),
            ("action", "save"),
            ("role", "head"),
        ])
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(saved.contains("Your answers have been saved"), "{saved}");
    assert!(
        saved.contains("https://survey.example.org/s/digital-leadership/resume?code="),
        "{saved}"
    );
    assert!(!saved.contains("evil.example"));
}

#[test]
fn without_a_public_url_the_server_listens_on_loopback_only() {
    let no_url = fieldwork_server::PublicUrl::settle(None, &["0.0.0.0:8080".parse().unwrap()]);
    assert!(no_url.unwrap_err().contains("--public-url"));
    let loopback =
        fieldwork_server::PublicUrl::settle(None, &["127.0.0.1:8080".parse().unwrap()]).unwrap();
    assert_eq!(loopback.base, "http://127.0.0.1:8080");
    assert_eq!(loopback.origin, None);
    let configured = fieldwork_server::PublicUrl::settle(
        Some("https://Survey.Example.org:8443/"),
        &["0.0.0.0:8080".parse().unwrap()],
    )
    .unwrap();
    assert_eq!(configured.base, "https://survey.example.org:8443");
    assert_eq!(
        configured.origin.as_deref(),
        Some("https://survey.example.org:8443")
    );
    for bad in [
        "survey.example.org",
        "ftp://x.example",
        "https://u:p@x.example",
        "https://x.example/?a=1",
    ] {
        assert!(
            fieldwork_server::PublicUrl::settle(Some(bad), &[]).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn nothing_changes_over_get() {
    let app = spawn_app(testing::sqlite());
    let client = browser();
    for path in [
        "/s/digital-leadership/start",
        "/s/digital-leadership/submit",
        "/api/v1/surveys/digital-leadership/responses",
    ] {
        let response = client.get(format!("{}{path}", app.base)).send().unwrap();
        assert!(
            response.status().is_client_error(),
            "GET {path} gave {}",
            response.status()
        );
    }
    let all = fieldwork_store::ResponseFilter {
        include_partial: true,
        ..Default::default()
    };
    assert!(app
        .store
        .load_responses("digital-leadership", &all)
        .unwrap()
        .is_empty());
}

#[test]
fn security_headers_are_on_every_page() {
    let app = spawn_app(testing::sqlite());
    let response = browser()
        .get(format!(
            "{}/s/digital-leadership?invite={}",
            app.base, app.police_invites[0]
        ))
        .send()
        .unwrap();
    let headers = response.headers();
    assert!(headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    assert_eq!(headers["x-content-type-options"], "nosniff");
    // Not `no-referrer`: under it browsers send `Origin: null` on our own form POSTs.
    assert_eq!(headers["referrer-policy"], "same-origin");
    assert_eq!(headers["cache-control"], "no-store");
    let cookie = headers["set-cookie"].to_str().unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
}

#[test]
fn the_front_page_sends_respondents_to_their_link_and_researchers_to_sign_in() {
    let app = spawn_app(testing::sqlite());
    let response = browser().get(format!("{}/", app.base)).send().unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["x-content-type-options"],
        "nosniff",
        "the security headers are on it too"
    );
    let page = response.text().unwrap();
    assert!(page.contains("<html lang=\"en\""), "{page}");
    assert!(page.contains("use the link in your invitation"), "{page}");
    assert!(page.contains("href=\"/admin/sign-in\""), "{page}");
    // Which surveys run here is not the front page's to say.
    assert!(!page.contains("digital-leadership"), "{page}");
}

#[test]
fn hostile_form_input_never_gives_a_500() {
    let app = spawn_app(testing::sqlite());
    let client = browser();
    let invite = &app.police_invites[3];
    let html = client
        .get(format!("{}/s/digital-leadership?invite={invite}", app.base))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let token = csrf(&html);
    client
        .post(format!("{}/s/digital-leadership/start", app.base))
        .form(&crate::with_consent(&[
            ("csrf_token", token.as_str()),
            ("invite", invite),
        ]))
        .send()
        .unwrap();
    let url = format!("{}/s/digital-leadership/q/pledge", app.base);
    let cases: Vec<Vec<u8>> = vec![
        format!("csrf_token={token}&pledge=%FF%FE%00bad").into_bytes(),
        format!("csrf_token={token}&pledge=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E").into_bytes(),
        format!("csrf_token={token}&role=%27%3B%20DROP%20TABLE%20surveys%3B--").into_bytes(),
        format!("csrf_token={token}&pledge={}", "a".repeat(2000)).into_bytes(),
        format!("csrf_token={token}&pledge=&&&==&%%%").into_bytes(),
    ];
    for body in cases {
        let response = client
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.clone())
            .send()
            .unwrap();
        assert!(
            response.status().as_u16() < 500,
            "{} for {}",
            response.status(),
            String::from_utf8_lossy(&body)
        );
        let page = response.text().unwrap();
        assert!(!page.contains("<img src=x"), "escaped");
    }
    let megabyte = format!("csrf_token={token}&pledge={}", "a".repeat(1024 * 1024));
    let too_large = client
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(megabyte)
        .send()
        .unwrap();
    assert_eq!(too_large.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(too_large
        .text()
        .unwrap()
        .contains("Your answer is too long"));
    let unknown_question = client
        .get(format!(
            "{}/s/digital-leadership/q/no_such_question",
            app.base
        ))
        .send()
        .unwrap();
    assert!(
        unknown_question.status().is_success(),
        "redirected to where the respondent is"
    );
}

#[test]
fn submissions_are_rate_limited_per_address() {
    let mut definition = fixture_definition();
    definition.allow_open_link = true;
    let app = spawn_app_with(
        testing::sqlite(),
        definition,
        ServerConfig {
            rate_per_second: 0.01,
            rate_burst: 3.0,
            ..Default::default()
        },
    );
    let client = reqwest::blocking::Client::new();
    let statuses: Vec<u16> = (0..5)
        .map(|i| {
            client
                .post(format!(
                    "{}/api/v1/surveys/digital-leadership/responses",
                    app.base
                ))
                .header("Idempotency-Key", format!("r{i}"))
                .json(&serde_json::json!({"answers": {}}))
                .send()
                .unwrap()
                .status()
                .as_u16()
        })
        .collect();
    assert_eq!(&statuses[3..], [429, 429], "{statuses:?}");
}

#[test]
fn an_open_link_survey_needs_no_invitation() {
    let mut definition = fixture_definition();
    definition.allow_open_link = true;
    let app = spawn_app_with(
        testing::sqlite(),
        definition,
        ServerConfig {
            rate_per_second: 0.0,
            ..Default::default()
        },
    );
    let client = browser();
    let html = client
        .get(format!("{}/s/digital-leadership", app.base))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let started = client
        .post(format!("{}/s/digital-leadership/start", app.base))
        .form(&crate::with_consent(&[
            ("csrf_token", csrf(&html).as_str()),
            ("start_id", crate::field(&html, "start_id").as_str()),
        ]))
        .send()
        .unwrap();
    assert_eq!(
        started.url().path(),
        "/s/digital-leadership/q/sector",
        "the sector is asked"
    );
}

/// Control bytes, NUL (which PostgreSQL refuses in text) and markup in every path parameter:
/// a clear 404 at the boundary, the same on both backends, never a 500.
fn hostile_path_segments_are_not_found_on_either_backend(
    db: fieldwork_store::testing::TestDatabase,
) {
    let app = spawn_app(db);
    let client = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let segments = [
        "a%00b",
        "digital-leadership%00",
        "x%0D%0ALocation:%20evil",
        "a%7Fb",
        "%3Cscript%3E",
        "..%2F..",
        "A",
    ];
    for segment in segments {
        for path in [
            format!("/s/{segment}"),
            format!("/s/{segment}/done"),
            format!("/s/{segment}/check"),
            format!("/s/{segment}/q/role"),
            format!("/s/digital-leadership/q/{segment}"),
            format!("/r/{segment}/"),
            format!("/r/digital-leadership/{segment}"),
            format!("/admin/surveys/{segment}"),
            format!("/api/v1/surveys/{segment}"),
            format!("/api/v1/surveys/{segment}/progress"),
        ] {
            let response = client.get(format!("{}{path}", app.base)).send().unwrap();
            let status = response.status();
            // A question id is checked against the respondent's own questions: without a
            // session, the respondent is sent to the start.
            let expected = if path.starts_with("/s/digital-leadership/q/") {
                status.is_redirection()
            } else {
                status == StatusCode::NOT_FOUND
            };
            assert!(expected, "GET {path}: {status}");
            if path.starts_with("/api/") {
                assert_eq!(
                    response.headers()["content-type"],
                    "application/problem+json",
                    "{path}"
                );
            }
        }
        let post = client
            .post(format!("{}/api/v1/surveys/{segment}/responses", app.base))
            .header("Idempotency-Key", "k")
            .body("{}")
            .send()
            .unwrap();
        assert_eq!(post.status(), StatusCode::NOT_FOUND, "{segment}");
    }
}

fn methods_and_unknown_api_paths_answer_as_http_says(db: fieldwork_store::testing::TestDatabase) {
    let app = spawn_app(db);
    let client = reqwest::blocking::Client::new();
    // A known path with a method it does not take: 405 with Allow.
    let put = client
        .put(format!("{}/api/v1/surveys/digital-leadership", app.base))
        .send()
        .unwrap();
    assert_eq!(put.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(put.headers()["allow"], "GET, HEAD");
    assert_eq!(put.headers()["content-type"], "application/problem+json");
    let get_start = client
        .delete(format!("{}/s/digital-leadership/start", app.base))
        .send()
        .unwrap();
    assert_eq!(get_start.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(get_start.headers()["allow"], "POST");
    // HEAD on GET routes, /healthz included.
    for path in ["/healthz", "/api/v1/openapi.json", "/admin/sign-in", "/"] {
        let head = client.head(format!("{}{path}", app.base)).send().unwrap();
        assert_eq!(head.status(), StatusCode::OK, "HEAD {path}");
    }
    // A path under /api/ that names nothing: a problem document, not a page.
    let unknown = client
        .get(format!("{}/api/v1/nothing/here", app.base))
        .send()
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        unknown.headers()["content-type"],
        "application/problem+json"
    );
    let body: serde_json::Value = unknown.json().unwrap();
    assert_eq!(body["status"], 404);
}

fieldwork_store::on_both_backends!(
    hostile_path_segments_are_not_found_on_either_backend,
    methods_and_unknown_api_paths_answer_as_http_says,
);
