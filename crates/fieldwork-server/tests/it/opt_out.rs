//! Opting out of a survey's emails over real HTTP: opening the link changes nothing, one
//! button stops every later email, a forged form is refused, and a mail client's RFC 8058
//! one-click POST works without cookies.

use chrono::TimeDelta;
use fieldwork_server::outreach::contacts::{opt_out_hash, opt_out_token};
use fieldwork_store::testing::TestDatabase;
use fieldwork_store::{on_both_backends, ContactToStore, Role, TokenScope, CLI_ACTOR};

use crate::{browser, csrf, spawn_app};

const SLUG: &str = "digital-leadership";

/// Two contacts; returns their opt-out secrets.
fn contacts(store: &fieldwork_store::Store) -> Vec<String> {
    let links = ["link-a", "link-b"];
    let list: Vec<ContactToStore> = links
        .iter()
        .enumerate()
        .map(|(i, link)| ContactToStore {
            email: format!("c{i}@example.org"),
            name: None,
            stratum: "police".into(),
            language: None,
            link_token: (*link).into(),
            invitation_hash: format!("hash-{link}"),
            opt_out_hash: opt_out_hash(&opt_out_token(link)),
        })
        .collect();
    store.import_contacts(SLUG, &list, CLI_ACTOR).unwrap();
    store.queue_invitations(SLUG).unwrap();
    links.iter().map(|l| opt_out_token(l)).collect()
}

fn opted_out(store: &fieldwork_store::Store) -> i64 {
    store.outreach_by_stratum(SLUG).unwrap()[0].opted_out
}

fn one_button_opts_out_and_nothing_else_does(db: TestDatabase) {
    let app = spawn_app(db);
    let codes = contacts(&app.store);
    let client = browser();
    let url = format!("{}/opt-out?code={}", app.base, codes[0]);

    let page = client.get(&url).send().unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().unwrap();
    assert!(html.contains("Stop emails about this survey"), "{html}");
    assert_eq!(opted_out(&app.store), 0, "opening the link changes nothing");

    // A form from another site, without the page's token, is refused.
    let forged = reqwest::blocking::Client::new()
        .post(&url)
        .header("Origin", "https://evil.example")
        .form(&[("csrf_token", "guess")])
        .send()
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert_eq!(opted_out(&app.store), 0);

    let done = client
        .post(&url)
        .form(&[("csrf_token", csrf(&html))])
        .send()
        .unwrap();
    assert_eq!(done.status(), 200);
    assert!(done.text().unwrap().contains("You will get no more emails"));
    assert_eq!(opted_out(&app.store), 1);
    let states = app.store.message_states(SLUG).unwrap();
    assert_eq!(states[0].2, "opted_out");
    assert_eq!(states[1].2, "queued");
    // The link again says so; an unknown code is a 404.
    let again = client.get(&url).send().unwrap().text().unwrap();
    assert!(again.contains("You will get no more emails"));
    let unknown = client
        .get(format!("{}/opt-out?code=nothing", app.base))
        .send()
        .unwrap();
    assert_eq!(unknown.status(), 404);
}

fn a_mail_clients_one_click_post_opts_out_without_cookies(db: TestDatabase) {
    let app = spawn_app(db);
    let codes = contacts(&app.store);
    let response = reqwest::blocking::Client::new()
        .post(format!("{}/opt-out?code={}", app.base, codes[1]))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(opted_out(&app.store), 1);
    assert_eq!(app.store.message_states(SLUG).unwrap()[1].2, "opted_out");
}

/// The API gives analysts the counts per stratum, and never a contact.
fn the_outreach_counts_are_served_over_the_api(db: TestDatabase) {
    let app = spawn_app(db);
    let codes = contacts(&app.store);
    app.store.opt_out(&opt_out_hash(&codes[0])).unwrap();
    crate::researchers::add_user(&app, "analyst@example.org", false);
    app.store
        .set_survey_role(SLUG, "analyst@example.org", Some(Role::Analyst), CLI_ACTOR)
        .unwrap();
    let token = crate::researchers::token(
        &app,
        "analyst@example.org",
        SLUG,
        TokenScope::Read,
        TimeDelta::days(1),
    );
    let body = reqwest::blocking::Client::new()
        .get(format!("{}/api/v1/surveys/{SLUG}/outreach", app.base))
        .bearer_auth(token)
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(!body.contains("@example.org"), "{body}");
    let rows: serde_json::Value = serde_json::from_str(&body).unwrap();
    let police = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["stratum"] == "police")
        .unwrap();
    assert_eq!(
        police,
        &serde_json::json!({
            "stratum": "police", "frame": 41, "contacts": 2, "sent": 0, "failed": 0,
            "reminders_sent": 0, "opted_out": 1, "started": 0, "completed": 0,
            "completed_all": 0, "rate_of_frame": 0.0, "rate_of_contacts": 0.0,
        })
    );
}

on_both_backends!(
    one_button_opts_out_and_nothing_else_does,
    a_mail_clients_one_click_post_opts_out_without_cookies,
    the_outreach_counts_are_served_over_the_api,
);
