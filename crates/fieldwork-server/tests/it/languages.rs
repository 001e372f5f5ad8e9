//! A bilingual survey over HTTP: the page's language from the switcher, the cookie it
//! leaves, the invitation, the response and the browser, in that order; every word of the
//! page in it; the language kept with the response and exported.

use fieldwork_store::testing::TestDatabase;
use reqwest::blocking::Client;
use reqwest::header::ACCEPT_LANGUAGE;
use reqwest::StatusCode;

use crate::{browser, csrf, spawn_app, TestApp};

const WELSH_TITLE: &str = "Arweinyddiaeth ddigidol yn sector cyhoeddus y DU";
const ENGLISH_TITLE: &str = "Digital leadership in the UK public sector";

fn get(client: &Client, app: &TestApp, path: &str, accept: &str) -> (StatusCode, String) {
    let response = client
        .get(format!("{}{path}", app.base))
        .header(ACCEPT_LANGUAGE, accept)
        .send()
        .unwrap();
    (response.status(), response.text().unwrap())
}

fn lang_of(html: &str) -> &str {
    let start = html.find("<html lang=\"").expect("<html lang>") + 12;
    html[start..].split('"').next().unwrap()
}

fn browser_language_then_switcher_then_cookie(db: TestDatabase) {
    let app = spawn_app(db);
    let client = browser();
    let invite = &app.police_invites[0];
    let start = format!("/s/digital-leadership?invite={invite}");
    // The browser asks for Welsh first: the page is Welsh, with a switcher to English.
    let (status, html) = get(&client, &app, &start, "cy-GB, en;q=0.8");
    assert_eq!(status, StatusCode::OK);
    assert_eq!(lang_of(&html), "cy");
    assert!(html.contains(WELSH_TITLE), "{html}");
    assert!(
        html.contains("Cytuno a dechrau"),
        "fieldwork's own words in Welsh: {html}"
    );
    assert!(
        html.contains(&format!("<title>{WELSH_TITLE}")),
        "the title follows it"
    );
    assert!(
        html.contains("hreflang=\"en\" lang=\"en\""),
        "a switcher to English"
    );
    assert!(html.contains(">English</a>"));
    // The switcher: English, remembered in a cookie for the next pages whatever the browser
    // asks for.
    let (_, html) = get(&client, &app, &format!("{start}&lang=en"), "cy");
    assert_eq!(lang_of(&html), "en");
    assert!(html.contains(ENGLISH_TITLE) && html.contains(">Cymraeg</a>"));
    let (_, html) = get(&client, &app, &start, "cy");
    assert_eq!(lang_of(&html), "en", "the switcher's choice is kept");
    // fieldwork's own pages follow the choice too.
    let (status, html) = get(&client, &app, "/s/digital-leadership/nowhere", "cy");
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(lang_of(&html), "en");
    let (_, html) = get(&browser(), &app, "/s/no-such-survey", "cy");
    assert_eq!(lang_of(&html), "cy");
    assert!(html.contains("Heb ddod o hyd i"), "{html}");
    // A language the survey does not speak changes nothing.
    let (_, html) = get(&browser(), &app, &format!("{start}&lang=fr"), "en");
    assert_eq!(lang_of(&html), "en");
}

fn start(client: &Client, app: &TestApp, invite: &str) -> reqwest::blocking::Response {
    let html = client
        .get(format!("{}/s/digital-leadership?invite={invite}", app.base))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(lang_of(&html), "cy", "the invitation's language: {html}");
    let token = csrf(&html);
    client
        .post(format!("{}/s/digital-leadership/start", app.base))
        .form(&crate::with_consent(&[
            ("csrf_token", token.as_str()),
            ("invite", invite),
        ]))
        .send()
        .unwrap()
}

fn a_welsh_invitation_is_answered_in_welsh_and_the_response_keeps_its_language(db: TestDatabase) {
    let app = spawn_app(db);
    let invite = fieldwork_server::tokens::new_token();
    app.store
        .create_invitations_in(
            "digital-leadership",
            "police",
            Some("cy"),
            &[fieldwork_server::tokens::hash("invitation", &invite)],
        )
        .unwrap();
    let client = browser();
    let started = start(&client, &app, &invite);
    assert_eq!(started.url().path(), "/s/digital-leadership/q/role");
    let html = started.text().unwrap();
    assert_eq!(lang_of(&html), "cy");
    assert!(html.contains(">Parhau</button>"), "{html}");
    // An error in Welsh: the summary, the inline message, the title's prefix.
    let token = csrf(&html);
    let refused = client
        .post(format!("{}/s/digital-leadership/q/role", app.base))
        .form(&[("csrf_token", token.as_str()), ("action", "continue")])
        .send()
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().unwrap();
    assert!(html.contains("<title>Gwall:"), "{html}");
    assert!(html.contains("Mae problem wedi codi"), "{html}");
    assert!(!html.contains("There is a problem") && !html.contains(">Continue<"));
    // Save and come back: the link brings the respondent back in Welsh, on another device.
    let saved = client
        .post(format!("{}/s/digital-leadership/q/role", app.base))
        .form(&[
            ("csrf_token", token.as_str()),
            ("action", "save"),
            ("role", "head"),
        ])
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(lang_of(&saved), "cy");
    let link_start = saved.find("/s/digital-leadership/resume?code=").unwrap();
    let link = saved[link_start..]
        .split('<')
        .next()
        .unwrap()
        .replace("&#38;", "&");
    assert!(link.ends_with("&lang=cy"), "{link}");
    let elsewhere = browser();
    let (_, html) = get(&elsewhere, &app, &link, "en");
    assert_eq!(lang_of(&html), "cy", "the resume link keeps the language");
    // The stored response carries the language, and exports show it.
    let responses = app
        .store
        .load_responses(
            "digital-leadership",
            &fieldwork_store::ResponseFilter {
                include_partial: true,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(responses.len(), 1);
    assert_eq!(responses[0].language.as_deref(), Some("cy"));
    let options = fieldwork_analysis::export::ExportOptions {
        include_partial: true,
        language: Some("cy".into()),
        labels: fieldwork_survey::Labels::Text,
        ..Default::default()
    };
    let mut csv = Vec::new();
    fieldwork_analysis::export::export(&app.store, "digital-leadership", &options, &mut csv)
        .unwrap();
    let csv = String::from_utf8(csv).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    assert_eq!(row[column("language")], "cy");
    assert_eq!(row[column("stratum")], "police", "codes stay codes");
    assert_eq!(
        row[column("role")],
        "Pennaeth y sefydliad",
        "labels in Welsh: {csv}"
    );
}

fieldwork_store::on_both_backends!(
    browser_language_then_switcher_then_cookie,
    a_welsh_invitation_is_answered_in_welsh_and_the_response_keeps_its_language,
);
