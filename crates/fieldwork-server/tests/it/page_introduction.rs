//! A page's introduction (its `description`): shown, escaped, in paragraphs, on the screen of
//! the first of the page's questions a respondent is asked, and on no other screen.

use fieldwork_server::ServerConfig;
use fieldwork_store::testing::TestDatabase;
use reqwest::blocking::Client;
use serde_json::json;

use crate::{browser, csrf, field, fixture_definition_edited, spawn_app_with, TestApp};

/// The first page's introduction, with markup and an ampersand that must reach the page as
/// text, in two paragraphs.
const FIRST_PARAGRAPH: &str = "These questions are about you & your role.";
const SECOND_PARAGRAPH: &str = "They take <b>a minute</b>.";
const WELSH_PARAGRAPH: &str = "Mae'r cwestiynau hyn amdanoch chi a'ch rôl.";

/// The paragraphs as the page must show them: escaped, one `govuk-body` paragraph each, after
/// the section's caption (whitespace squeezed).
const SHOWN_ENGLISH: &str = "<span class=\"govuk-caption-l\">About you</span> \
     <p class=\"govuk-body\">These questions are about you &#38; your role.</p>\
     <p class=\"govuk-body\">They take &#60;b&#62;a minute&#60;/b&#62;.</p>";

fn app_with_an_introduction(db: TestDatabase) -> TestApp {
    let definition = fixture_definition_edited(|survey| {
        survey["allow_open_link"] = json!(true);
        survey["pages"][0]["description"] = json!({
            "en": format!("{FIRST_PARAGRAPH}\n\n{SECOND_PARAGRAPH}"),
            "cy": WELSH_PARAGRAPH,
        });
    });
    spawn_app_with(
        db,
        definition,
        ServerConfig {
            rate_per_second: 0.0,
            ..Default::default()
        },
    )
}

/// Starts a response (by the open link, or by `invite`); the first question's page.
fn start(client: &Client, app: &TestApp, invite: Option<&str>) -> reqwest::blocking::Response {
    let start = match invite {
        Some(invite) => format!("{}/s/digital-leadership?invite={invite}", app.base),
        None => format!("{}/s/digital-leadership", app.base),
    };
    let html = client.get(start).send().unwrap().text().unwrap();
    let token = csrf(&html);
    let start_id = field(&html, "start_id");
    let mut fields = vec![("csrf_token", token.as_str()), ("start_id", &start_id)];
    if let Some(invite) = invite {
        fields.push(("invite", invite));
    }
    client
        .post(format!("{}/s/digital-leadership/start", app.base))
        .form(&crate::with_consent(&fields))
        .send()
        .unwrap()
}

fn question_page(client: &Client, app: &TestApp, question: &str) -> String {
    client
        .get(format!("{}/s/digital-leadership/q/{question}", app.base))
        .send()
        .unwrap()
        .text()
        .unwrap()
}

/// The page with each run of whitespace made one space.
fn squeezed(html: &str) -> String {
    html.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The introduction comes before the form, between the section's caption and the question,
/// and the question's legend then holds the question alone (no paragraph in a legend).
fn assert_introduced(html: &str) {
    let html = squeezed(html);
    let introduction = html.find(SHOWN_ENGLISH).expect(&html);
    assert!(
        introduction < html.find("<form method=\"post\"").unwrap(),
        "{html}"
    );
    assert_eq!(html.matches("govuk-caption-l").count(), 1, "{html}");
    assert!(
        html.contains("<legend class=\"govuk-fieldset__legend govuk-fieldset__legend--l\"> <h1 class=\"govuk-fieldset__heading\">"),
        "{html}"
    );
}

/// No introduction, and the caption back in the question's heading.
fn assert_not_introduced(html: &str) {
    let html = squeezed(html);
    assert!(!html.contains("These questions"), "{html}");
    assert!(!html.contains("<p class=\"govuk-body\">"), "{html}");
    assert!(
        html.contains("<span class=\"govuk-caption-l\">About you</span> <h1"),
        "{html}"
    );
}

fn a_page_introduction_is_shown_on_its_first_question_s_screen_only(db: TestDatabase) {
    let app = app_with_an_introduction(db);

    // By the open link the sector, the page's first question, is asked: the introduction is
    // on its screen, and not on the next.
    let client = browser();
    let started = start(&client, &app, None);
    assert_eq!(started.url().path(), "/s/digital-leadership/q/sector");
    assert_introduced(&started.text().unwrap());
    let token = csrf(&question_page(&client, &app, "sector"));
    let role = client
        .post(format!("{}/s/digital-leadership/q/sector", app.base))
        .form(&[
            ("csrf_token", token.as_str()),
            ("action", "continue"),
            ("sector", "police"),
        ])
        .send()
        .unwrap();
    assert_eq!(role.url().path(), "/s/digital-leadership/q/role");
    assert_not_introduced(&role.text().unwrap());
    // The answer's error page is the same screen: still introduced.
    let refused = client
        .post(format!("{}/s/digital-leadership/q/sector", app.base))
        .form(&[("csrf_token", token.as_str()), ("action", "continue")])
        .send()
        .unwrap();
    assert_eq!(refused.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert_introduced(&refused.text().unwrap());
    // In Welsh, the Welsh words.
    let welsh = question_page(&client, &app, "sector?lang=cy");
    assert!(
        welsh.contains(
            "<p class=\"govuk-body\">Mae&#39;r cwestiynau hyn amdanoch chi a&#39;ch rôl.</p>"
        ),
        "{welsh}"
    );
    assert!(!welsh.contains("These questions"), "{welsh}");

    // An invited respondent is never asked the sector: the introduction moves to the first
    // question they are asked, so they do not miss it.
    let invited = browser();
    let started = start(&invited, &app, Some(&app.police_invites[0]));
    assert_eq!(started.url().path(), "/s/digital-leadership/q/role");
    assert_introduced(&started.text().unwrap());
    assert_not_introduced(&question_page(&invited, &app, "years_in_role"));
}

fieldwork_store::on_both_backends!(
    a_page_introduction_is_shown_on_its_first_question_s_screen_only
);
