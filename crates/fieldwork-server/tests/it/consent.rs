//! Informed consent and the privacy notice: nothing is stored for a respondent who does not
//! agree to every statement, and the notice is there on every page.

use fieldwork_store::testing::TestDatabase;
use fieldwork_store::ResponseFilter;
use reqwest::StatusCode;

use fieldwork_server::tokens;

use crate::{browser, csrf, spawn_app};

const SLUG: &str = "digital-leadership";

fn everything() -> ResponseFilter {
    ResponseFilter {
        include_partial: true,
        ..Default::default()
    }
}

/// The start page shows the participant information and a checkbox per statement; a
/// respondent who leaves one unticked is told so and nothing is kept, and one who declines
/// gets an exit page. The invitation stays unused either way.
fn declining_consent_stores_nothing(db: TestDatabase) {
    let app = spawn_app(db);
    let client = browser();
    let invite = &app.police_invites[0];
    let start = client
        .get(format!("{}/s/{SLUG}?invite={invite}", app.base))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(start.contains("<h2 class=\"govuk-heading-m\">Why we are doing this study</h2>"));
    assert!(start.contains("<li>We publish only figures for groups of at least 10 people"));
    assert_eq!(
        start.matches("name=\"consent\" type=\"checkbox\"").count(),
        3
    );
    assert!(
        !start.contains(" checked>"),
        "no statement is ticked for the respondent"
    );
    assert!(start.contains(&format!("href=\"/s/{SLUG}/declined\"")));
    assert!(start.contains(&format!("href=\"/s/{SLUG}/privacy\">Privacy notice</a>")));

    let token = csrf(&start);
    let partly = client
        .post(format!("{}/s/{SLUG}/start", app.base))
        .form(&[
            ("csrf_token", token.as_str()),
            ("invite", invite.as_str()),
            ("consent", "read_information"),
            ("consent", "voluntary"),
        ])
        .send()
        .unwrap();
    assert_eq!(partly.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = partly.text().unwrap();
    assert!(page.contains("<title>Error: "));
    assert!(page.contains("<a href=\"#consent\">Tick each statement to take part"));
    // What was ticked stays ticked.
    assert_eq!(page.matches(" checked>").count(), 2);
    let nothing = client
        .post(format!("{}/s/{SLUG}/start", app.base))
        .form(&[("csrf_token", token.as_str()), ("invite", invite.as_str())])
        .send()
        .unwrap();
    assert_eq!(nothing.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app
        .store
        .load_responses(SLUG, &everything())
        .unwrap()
        .is_empty());
    let invitation = app
        .store
        .find_invitation(&tokens::hash("invitation", invite))
        .unwrap()
        .unwrap();
    assert!(
        invitation.used_at.is_none(),
        "the invitation can still be used"
    );

    let declined = client
        .get(format!("{}/s/{SLUG}/declined", app.base))
        .send()
        .unwrap();
    assert_eq!(declined.status(), StatusCode::OK);
    assert!(declined
        .text()
        .unwrap()
        .contains("You have chosen not to take part"));
    assert!(app
        .store
        .load_responses(SLUG, &everything())
        .unwrap()
        .is_empty());

    // Agreeing to every statement starts the response, with its consent.
    let agreed = client
        .post(format!("{}/s/{SLUG}/start", app.base))
        .form(&crate::with_consent(&[
            ("csrf_token", token.as_str()),
            ("invite", invite.as_str()),
        ]))
        .send()
        .unwrap();
    assert_eq!(agreed.url().path(), format!("/s/{SLUG}/q/role"));
    let started = app.store.load_responses(SLUG, &everything()).unwrap();
    assert_eq!(started.len(), 1);
    assert!(app.store.consent_of(started[0].id).unwrap().is_some());
    // The consent export lists it, apart from the answers; the codebook describes it.
    let export = |format| {
        let options = fieldwork_analysis::export::ExportOptions {
            format,
            include_partial: true,
            ..Default::default()
        };
        let mut out = Vec::new();
        fieldwork_analysis::export::export(&app.store, SLUG, &options, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    };
    let consents = export(fieldwork_analysis::export::ExportFormat::Consent);
    let lines: Vec<&str> = consents.lines().collect();
    assert_eq!(
        lines[0],
        "response_id,consent_version,consent_given_at,consent__read_information,consent__voluntary,consent__published_figures"
    );
    assert_eq!(lines.len(), 2, "{consents}");
    assert!(lines[1].starts_with(&format!("{},", started[0].public_id)));
    assert!(lines[1].ends_with(",1,1,1"), "{consents}");
    let codebook = export(fieldwork_analysis::export::ExportFormat::CodebookJson);
    let codebook: serde_json::Value = serde_json::from_str(&codebook).unwrap();
    assert_eq!(codebook["consent"]["export"], "consent");
    assert_eq!(
        codebook["consent"]["variables"][2]["name"],
        "consent__read_information"
    );
    // Coming back with the invitation carries on without asking again.
    let again = client
        .get(format!("{}/s/{SLUG}?invite={invite}", app.base))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(!again.contains("name=\"consent\""));
    let carried_on = client
        .post(format!("{}/s/{SLUG}/start", app.base))
        .form(&[
            ("csrf_token", csrf(&again).as_str()),
            ("invite", invite.as_str()),
        ])
        .send()
        .unwrap();
    assert_eq!(carried_on.url().path(), format!("/s/{SLUG}/q/role"));
    assert_eq!(
        app.store.load_responses(SLUG, &everything()).unwrap().len(),
        1
    );
}

/// The privacy notice is a page of its own, every section under its heading, linked from
/// every respondent page; a survey without one has no such page.
fn the_privacy_notice_is_linked_from_every_page(db: TestDatabase) {
    let app = spawn_app(db);
    let notice = browser()
        .get(format!("{}/s/{SLUG}/privacy", app.base))
        .send()
        .unwrap();
    assert_eq!(notice.status(), StatusCode::OK);
    let notice = notice.text().unwrap();
    for heading in [
        "Who is responsible for your data",
        "Our lawful basis",
        "How long we keep it",
        "Your rights",
        "If you withdraw your answers",
    ] {
        assert!(
            notice.contains(&format!("<h2 class=\"govuk-heading-m\">{heading}</h2>")),
            "{heading}"
        );
    }
    assert!(notice.contains("UK GDPR article 6(1)(a)"));
    for page in ["", "/withdraw", "/declined"] {
        let html = browser()
            .get(format!("{}/s/{SLUG}{page}", app.base))
            .send()
            .unwrap()
            .text()
            .unwrap();
        assert!(
            html.contains(&format!("href=\"/s/{SLUG}/privacy\">Privacy notice</a>")),
            "{page}"
        );
    }
    let missing = browser()
        .get(format!("{}/s/no-such-survey/privacy", app.base))
        .send()
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

fieldwork_store::on_both_backends!(
    declining_consent_stores_nothing,
    the_privacy_notice_is_linked_from_every_page,
);
