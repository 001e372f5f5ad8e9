//! Pledges over HTTP: the moderation queue (personal data marked), approving and rejecting,
//! and the served report's pledges page following every decision, withdrawal and deletion at
//! once, with a sector named only at the suppression threshold.

use fieldwork_server::tokens;
use fieldwork_store::testing::TestDatabase;
use fieldwork_store::{
    Attribution, NewResponse, PledgeChoice, PledgeStatus, Role, StoredSurvey, CLI_ACTOR,
};
use fieldwork_survey::{validate_answers, Completeness};
use reqwest::blocking::Client;
use reqwest::StatusCode;

use crate::researchers::{add_user, client, page_csrf, signed_in};
use crate::{browser, csrf, spawn_app, TestApp};

const SLUG: &str = "digital-leadership";

fn survey(app: &TestApp) -> StoredSurvey {
    app.store.latest_survey(SLUG).unwrap()
}

/// A complete response in `sector` answering the pledge question with `text`, stored
/// directly; its id.
fn respond(app: &TestApp, sector: &str, text: &str) -> i64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let survey = survey(app);
    let answers = serde_json::json!({
        "sector": sector, "role": "head", "disrupted": "yes", "capable": "no",
        "capability_gaps": ["skills"], "leadership_understanding": "well",
        "behaviours": {"users": "agree", "open_culture": "agree", "experiments": "disagree",
                       "pace": "neither", "privacy_security": "agree", "ethics": "agree",
                       "skills": "dont_know", "spot_projects": "disagree"},
        "barriers": ["procurement"], "learning_needs": ["data"], "hostility": "no",
        "pledge": text,
    });
    let response = validate_answers(
        &survey.definition,
        answers.as_object().unwrap(),
        Completeness::Complete,
    )
    .unwrap();
    let key = format!("pledge-{}", NEXT.fetch_add(1, Ordering::Relaxed));
    app.store
        .insert_responses(
            &survey,
            &[NewResponse {
                response: &response,
                submission_key: &key,
            }],
        )
        .unwrap()[0]
        .id()
}

/// A response whose respondent chose to publish its pledge `text` so.
fn pledge(app: &TestApp, sector: &str, text: &str, attribution: Attribution) -> i64 {
    let id = respond(app, sector, text);
    app.store
        .choose_pledge(PledgeChoice {
            response_id: id,
            question_id: "pledge",
            publish: Some(attribution),
        })
        .unwrap();
    id
}

/// The queue id of the pending pledge with this text.
fn pending_id(app: &TestApp, text: &str) -> i64 {
    app.store
        .pending_pledges(SLUG)
        .unwrap()
        .into_iter()
        .find(|p| p.text == text)
        .unwrap_or_else(|| panic!("{text} is not pending"))
        .id
}

fn approve_directly(app: &TestApp, text: &str) {
    let id = pending_id(app, text);
    assert!(app
        .store
        .decide_pledge(SLUG, id, PledgeStatus::Approved, CLI_ACTOR, None)
        .unwrap());
}

fn moderators(app: &TestApp) {
    for (email, role) in [
        ("viewer@example.org", Role::Viewer),
        ("analyst@example.org", Role::Analyst),
        ("owner@example.org", Role::Owner),
    ] {
        add_user(app, email, false);
        app.store
            .set_survey_role(SLUG, email, Some(role), CLI_ACTOR)
            .unwrap();
    }
}

fn decide(
    browser: &Client,
    app: &TestApp,
    id: i64,
    what: &str,
    reason: &str,
) -> reqwest::blocking::Response {
    let token = page_csrf(browser, &app.base);
    browser
        .post(format!(
            "{}/admin/surveys/{SLUG}/pledges/{id}/{what}",
            app.base
        ))
        .form(&[("csrf_token", token.as_str()), ("reason", reason)])
        .send()
        .unwrap()
}

fn get(browser: &Client, url: &str) -> (StatusCode, String) {
    let response = browser.get(url).send().unwrap();
    (response.status(), response.text().unwrap())
}

/// The served pledges page: its status and body.
fn served(app: &TestApp) -> (StatusCode, String) {
    get(&client(), &format!("{}/r/{SLUG}/pledges", app.base))
}

fn publish_report(app: &TestApp) {
    fieldwork_server::integration::publish_report(&app.store, SLUG).unwrap();
}

const QUIET: &str = "Spend a day a month with frontline staff.";
const CONTACT: &str = "Email me at head@oakwood.sch.uk or call 07700 900123.";
const HOSTILE: &str = "<script>alert(1)</script> & work with Jane Smith";
const PRIVATE: &str = "Words I did not want published.";

fn moderators_approve_and_reject_and_the_served_report_follows(db: TestDatabase) {
    let app = spawn_app(db);
    moderators(&app);
    // Answered, but never chosen for publishing.
    respond(&app, "mps", PRIVATE);
    pledge(&app, "police", QUIET, Attribution::Anonymous);
    pledge(&app, "schools", CONTACT, Attribution::Sector);
    pledge(&app, "councils", HOSTILE, Attribution::Sector);

    // Before the report is published there is no pledges page.
    assert_eq!(served(&app).0, StatusCode::NOT_FOUND);
    publish_report(&app);
    let (status, page) = served(&app);
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("No pledges have been published yet."),
        "{page}"
    );
    for text in [QUIET, "oakwood", "alert(1)", PRIVATE] {
        assert!(!page.contains(text), "{text} before any decision");
    }

    // The queue: newest first, personal data marked, the hostile text escaped.
    let analyst = signed_in(&app, "analyst@example.org");
    let queue_url = format!("{}/admin/surveys/{SLUG}/pledges", app.base);
    let (status, queue) = get(&analyst, &queue_url);
    assert_eq!(status, StatusCode::OK);
    let at = |text: &str| {
        queue
            .find(text)
            .unwrap_or_else(|| panic!("{text} in {queue}"))
    };
    assert!(at("Jane Smith") < at("oakwood") && at("oakwood") < at(QUIET));
    assert!(!queue.contains(PRIVATE));
    assert!(
        queue.contains("<mark>head@oakwood.sch.uk</mark>"),
        "{queue}"
    );
    assert!(queue.contains("<mark>07700 900123</mark>"));
    assert!(queue.contains("<mark>Jane Smith</mark>"));
    for label in [
        "Email address",
        "Phone number",
        "Possible name of a person or organisation",
    ] {
        assert!(queue.contains(label), "{label}");
    }
    assert!(!queue.contains("<script>alert(1)"));
    assert!(queue.contains("&lt;script&gt;") || queue.contains("&#60;script&#62;"));
    assert_eq!(
        queue
            .matches("This pledge may contain personal data")
            .count(),
        2
    );
    assert!(queue.contains("Anonymously"));
    assert!(queue.contains("“Schools”"));

    // The survey page links the queue with the count waiting, for moderators only.
    let survey_url = format!("{}/admin/surveys/{SLUG}", app.base);
    let (_, survey_page) = get(&analyst, &survey_url);
    assert!(survey_page.contains("Moderate pledges"));
    assert!(survey_page.contains("3 pledges awaiting a decision"));
    let viewer = signed_in(&app, "viewer@example.org");
    let (_, viewer_page) = get(&viewer, &survey_url);
    assert!(!viewer_page.contains("Moderate pledges"));

    // Approve: on the served report at once, anonymously.
    let approved = decide(&analyst, &app, pending_id(&app, QUIET), "approve", "");
    assert_eq!(approved.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        approved.headers()["location"],
        format!("/admin/surveys/{SLUG}/pledges")
    );
    let (_, queue) = get(&analyst, &queue_url);
    assert!(queue.contains("The pledge has been approved"));
    assert!(!queue.contains(QUIET));
    let (_, page) = served(&app);
    assert!(page.contains(QUIET), "{page}");
    assert!(page.contains("<figcaption>A public sector leader</figcaption>"));
    assert!(!page.contains("No pledges have been published yet."));

    // Reject, with a reason: never published, the reason in the audit log.
    let owner = signed_in(&app, "owner@example.org");
    let contact_id = pending_id(&app, CONTACT);
    let rejected = decide(
        &owner,
        &app,
        contact_id,
        "reject",
        "  gives contact details ",
    );
    assert_eq!(rejected.status(), StatusCode::SEE_OTHER);
    let again = decide(&owner, &app, contact_id, "approve", "");
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let (_, page) = served(&app);
    assert!(!page.contains("oakwood"));
    let entry = app
        .store
        .audit_entries(Some(SLUG), 100)
        .unwrap()
        .into_iter()
        .find(|e| e.action == "pledge.rejected")
        .unwrap();
    assert_eq!(entry.actor, "owner@example.org");
    assert_eq!(
        entry.detail,
        serde_json::json!({"pledge": contact_id, "reason": "gives contact details"})
    );
    let (_, audit) = get(&owner, &format!("{}/admin/surveys/{SLUG}/audit", app.base));
    assert!(audit.contains("Rejected a pledge") && audit.contains("gives contact details"));
    assert!(audit.contains("Approved a pledge for publishing"));
    assert!(!audit.contains("oakwood"), "the words are never in the log");

    // Approved as written: escaped, never edited. Its sector has one pledge: not named.
    decide(&owner, &app, pending_id(&app, HOSTILE), "approve", "");
    let (_, page) = served(&app);
    assert!(!page.contains("<script>alert(1)"));
    assert!(page.contains("alert(1)") && page.contains("Jane Smith"));
    assert!(!page.contains("Local government"));
    assert_eq!(
        page.matches("<figcaption>A public sector leader</figcaption>")
            .count(),
        2
    );
    assert!(page.find("Jane Smith") < page.find(QUIET), "newest first");

    // The report's index links the page, served live under both names; the stored report
    // holds no copy of it; nothing not chosen for publishing is anywhere public.
    let (_, index) = get(&client(), &format!("{}/r/{SLUG}/", app.base));
    assert!(index.contains("href=\"pledges.html\""), "{index}");
    let (status, html_page) = get(&client(), &format!("{}/r/{SLUG}/pledges.html", app.base));
    assert_eq!((status, html_page.contains(QUIET)), (StatusCode::OK, true));
    assert!(app
        .store
        .report_file(SLUG, "pledges.html")
        .unwrap()
        .is_none());
    // The survey speaks Welsh too: the Welsh report's pledges page is live as well, in
    // Welsh, with the same pledges in their authors' words, linked to the English one.
    for path in ["cy/pledges", "cy/pledges.html"] {
        let (status, welsh) = get(&client(), &format!("{}/r/{SLUG}/{path}", app.base));
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(welsh.contains("<html lang=\"cy\">"), "{welsh}");
        assert!(welsh.contains("<h1>Addunedau</h1>"), "{welsh}");
        assert!(welsh.contains(QUIET) && welsh.contains("Jane Smith"));
        assert!(welsh.contains("<figcaption>Arweinydd yn y sector cyhoeddus</figcaption>"));
        assert!(welsh.contains("href=\"../pledges.html\" hreflang=\"en\""));
    }
    let (_, english) = served(&app);
    assert!(english.contains("href=\"cy/pledges.html\" hreflang=\"cy\""));
    let (_, welsh_index) = get(&client(), &format!("{}/r/{SLUG}/cy/", app.base));
    assert!(
        welsh_index.contains("href=\"pledges.html\""),
        "{welsh_index}"
    );
    for path in ["fr/pledges", "xx-1/pledges.html", "charts/pledges"] {
        let (status, _) = get(&client(), &format!("{}/r/{SLUG}/{path}", app.base));
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    assert!(app
        .store
        .report_file(SLUG, "cy/pledges.html")
        .unwrap()
        .is_none());
    for path in [
        "",
        "pledges",
        "methodology.html",
        "estimates.csv",
        "cy/",
        "cy/pledges",
    ] {
        let (_, body) = get(&client(), &format!("{}/r/{SLUG}/{path}", app.base));
        assert!(
            !body.contains(PRIVATE) && !body.contains("oakwood"),
            "{path}"
        );
    }
}

fn withdrawal_and_deletion_take_published_pledges_down_at_once(db: TestDatabase) {
    let app = spawn_app(db);
    let gone = pledge(
        &app,
        "schools",
        "Withdrawn after publishing.",
        Attribution::Anonymous,
    );
    pledge(&app, "schools", "Stays published.", Attribution::Anonymous);
    approve_directly(&app, "Withdrawn after publishing.");
    approve_directly(&app, "Stays published.");
    let receipt = tokens::receipt_code("a test secret", "a response");
    app.store
        .set_receipt(gone, &tokens::hash("receipt", &receipt))
        .unwrap();
    publish_report(&app);
    let response = client()
        .get(format!("{}/r/{SLUG}/pledges", app.base))
        .send()
        .unwrap();
    assert_eq!(response.headers()["cache-control"], "no-cache");
    let page = response.text().unwrap();
    assert!(page.contains("Withdrawn after publishing.") && page.contains("Stays published."));

    // The respondent withdraws with their receipt: gone from the served page, no republishing.
    let respondent = browser();
    let form = respondent
        .get(format!("{}/s/{SLUG}/withdraw", app.base))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let withdrawn = respondent
        .post(format!("{}/s/{SLUG}/withdraw", app.base))
        .form(&[
            ("csrf_token", csrf(&form).as_str()),
            ("receipt", receipt.as_str()),
        ])
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        withdrawn.contains("Your answers have been withdrawn"),
        "{withdrawn}"
    );
    let (_, page) = served(&app);
    assert!(!page.contains("Withdrawn after publishing."));
    assert!(page.contains("Stays published."));

    // Unpublished report: no pledges page either.
    app.store.unpublish_report(SLUG).unwrap();
    assert_eq!(served(&app).0, StatusCode::NOT_FOUND);
    publish_report(&app);
    assert_eq!(served(&app).0, StatusCode::OK);

    // Deleting the survey takes its pledges: none comes back with a survey of the same name.
    app.store.delete_survey(SLUG, CLI_ACTOR).unwrap();
    assert_eq!(served(&app).0, StatusCode::NOT_FOUND);
    app.store
        .import_survey(&crate::fixture_definition())
        .unwrap();
    publish_report(&app);
    let (status, page) = served(&app);
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("Stays published."));
    assert!(app.store.published_pledges(SLUG).unwrap().is_empty());
}

fn a_sector_is_named_only_with_enough_published_pledges(db: TestDatabase) {
    let app = spawn_app(db);
    // The default plan's threshold is 10: ten school pledges name Schools, nine council
    // pledges do not name Local government, and anonymous ones never count or name.
    for i in 0..10 {
        pledge(
            &app,
            "schools",
            &format!("School pledge {i}."),
            Attribution::Sector,
        );
    }
    for i in 0..9 {
        pledge(
            &app,
            "councils",
            &format!("Council pledge {i}."),
            Attribution::Sector,
        );
    }
    for i in 0..3 {
        pledge(
            &app,
            "councils",
            &format!("Anonymous pledge {i}."),
            Attribution::Anonymous,
        );
    }
    for pledge in app.store.pending_pledges(SLUG).unwrap() {
        app.store
            .decide_pledge(SLUG, pledge.id, PledgeStatus::Approved, CLI_ACTOR, None)
            .unwrap();
    }
    publish_report(&app);
    let (_, page) = served(&app);
    let named = |sector: &str| {
        page.matches(&format!("<figcaption>{sector}</figcaption>"))
            .count()
    };
    assert_eq!(named("Schools"), 10);
    assert_eq!(named("Local government"), 0);
    assert_eq!(named("A public sector leader"), 12);

    // The tenth council pledge: now Local government is named too.
    pledge(&app, "councils", "Council pledge 9.", Attribution::Sector);
    approve_directly(&app, "Council pledge 9.");
    let (_, page) = served(&app);
    let named = |sector: &str| {
        page.matches(&format!("<figcaption>{sector}</figcaption>"))
            .count()
    };
    assert_eq!(named("Local government"), 10);
    assert_eq!(named("A public sector leader"), 3);
}

fieldwork_store::on_both_backends!(
    moderators_approve_and_reject_and_the_served_report_follows,
    withdrawal_and_deletion_take_published_pledges_down_at_once,
    a_sector_is_named_only_with_enough_published_pledges,
);
