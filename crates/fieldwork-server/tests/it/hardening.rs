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
    assert_eq!(headers["referrer-policy"], "no-referrer");
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
        .form(&[("csrf_token", token.as_str()), ("invite", invite)])
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
        .form(&[
            ("csrf_token", csrf(&html).as_str()),
            ("start_id", crate::field(&html, "start_id").as_str()),
        ])
        .send()
        .unwrap();
    assert_eq!(
        started.url().path(),
        "/s/digital-leadership/q/sector",
        "the sector is asked"
    );
}
