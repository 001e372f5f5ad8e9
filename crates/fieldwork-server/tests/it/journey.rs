use fieldwork_store::testing::TestDatabase;
use reqwest::blocking::Client;
use reqwest::StatusCode;

use crate::{browser, csrf, spawn_app, TestApp};

/// POST a question's form; returns the final response after redirects.
fn answer(
    client: &Client,
    app: &TestApp,
    question: &str,
    fields: &[(&str, &str)],
) -> reqwest::blocking::Response {
    let page = client
        .get(format!("{}/s/digital-leadership/q/{question}", app.base))
        .send()
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK, "GET {question}");
    let token = csrf(&page.text().unwrap());
    let mut form: Vec<(&str, &str)> = vec![("csrf_token", &token), ("action", "continue")];
    form.extend_from_slice(fields);
    client
        .post(format!("{}/s/digital-leadership/q/{question}", app.base))
        .form(&form)
        .send()
        .unwrap()
}

fn path(response: &reqwest::blocking::Response) -> String {
    response.url().path().to_owned()
}

fn full_journey(db: TestDatabase) {
    let app = spawn_app(db);
    let client = browser();
    let invite = &app.police_invites[0];
    let start = client
        .get(format!("{}/s/digital-leadership?invite={invite}", app.base))
        .send()
        .unwrap();
    assert_eq!(start.status(), StatusCode::OK);
    let html = start.text().unwrap();
    assert!(html.contains("<html lang=\"en\""));
    assert!(html.contains("Digital leadership in the UK public sector"));
    let token = csrf(&html);
    let started = client
        .post(format!("{}/s/digital-leadership/start", app.base))
        .form(&crate::with_consent(&[
            ("csrf_token", token.as_str()),
            ("invite", invite),
            ("start_id", "unused-for-invitations"),
        ]))
        .send()
        .unwrap();
    // The sector comes from the invitation: the first question asked is the role.
    assert_eq!(path(&started), "/s/digital-leadership/q/role");
    let page = started.text().unwrap();
    assert!(
        page.contains("<h1 class=\"govuk-fieldset__heading\">Which best describes your role?</h1>")
    );
    assert!(!page.contains("checked"), "radios are never pre-selected");

    // An error: the summary, the inline message, the title prefix.
    let error = answer(&client, &app, "role", &[]);
    assert_eq!(error.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = error.text().unwrap();
    assert!(html.contains("<title>Error: Which best describes your role?"));
    assert!(html.contains("There is a problem"));
    // The GOV.UK error message names what to do, in the definition's words.
    let message = "Select the option that best describes your role";
    assert!(html.contains(&format!("<a href=\"#role\">{message}</a>")));
    assert!(html.contains(&format!(
        "<span class=\"govuk-visually-hidden\">Error:</span> {message}"
    )));

    assert_eq!(
        path(&answer(&client, &app, "role", &[("role", "elected")])),
        "/s/digital-leadership/q/years_in_role"
    );
    // An invalid number keeps what was typed.
    let bad = answer(&client, &app, "years_in_role", &[("years_in_role", "lots")]);
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().unwrap().contains("value=\"lots\""));
    assert_eq!(
        path(&answer(
            &client,
            &app,
            "years_in_role",
            &[("years_in_role", "4")]
        )),
        "/s/digital-leadership/q/disrupted"
    );
    answer(&client, &app, "disrupted", &[("disrupted", "yes")]);
    // "capable = yes" hides the capability gaps question.
    assert_eq!(
        path(&answer(&client, &app, "capable", &[("capable", "yes")])),
        "/s/digital-leadership/q/leadership_understanding"
    );
    answer(
        &client,
        &app,
        "leadership_understanding",
        &[("leadership_understanding", "well")],
    );
    let grid = [
        ("behaviours.users", "agree"),
        ("behaviours.open_culture", "agree"),
        ("behaviours.experiments", "disagree"),
        ("behaviours.pace", "neither"),
        ("behaviours.privacy_security", "strongly_agree"),
        ("behaviours.ethics", "agree"),
        ("behaviours.skills", "dont_know"),
    ];
    let missing_item = answer(&client, &app, "behaviours", &grid);
    assert_eq!(missing_item.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing_item
        .text()
        .unwrap()
        .contains("href=\"#behaviours-spot_projects\""));
    let mut full_grid = grid.to_vec();
    full_grid.push(("behaviours.spot_projects", "disagree"));
    assert_eq!(
        path(&answer(&client, &app, "behaviours", &full_grid)),
        "/s/digital-leadership/q/barriers"
    );
    answer(
        &client,
        &app,
        "barriers",
        &[
            ("barriers", "legacy_technology"),
            ("barriers", "procurement"),
        ],
    );

    // Save and come back later, from another browser.
    let page = client
        .get(format!(
            "{}/s/digital-leadership/q/learning_needs",
            app.base
        ))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let saved = client
        .post(format!(
            "{}/s/digital-leadership/q/learning_needs",
            app.base
        ))
        .form(&[
            ("csrf_token", csrf(&page).as_str()),
            ("action", "save"),
            ("learning_needs", "data"),
        ])
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(saved.contains("Your answers have been saved"));
    let link_start = saved.find("/s/digital-leadership/resume?code=").unwrap();
    let resume_path: String = saved[link_start..]
        .chars()
        .take_while(|c| *c != '<' && !c.is_whitespace())
        .collect();
    assert!(
        !app.store.count_responses("digital-leadership").unwrap()[0].complete,
        "partial, not complete"
    );
    let other = browser();
    let resume_page = other
        .get(format!("{}{resume_path}", app.base))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let resumed = other
        .post(format!("{}/s/digital-leadership/resume", app.base))
        .form(&[
            ("csrf_token", csrf(&resume_page).as_str()),
            ("code", &crate::field(&resume_page, "code")),
        ])
        .send()
        .unwrap();
    // Required hostility question not answered yet: resuming lands on it.
    assert_eq!(path(&resumed), "/s/digital-leadership/q/hostility");
    assert_eq!(
        path(&answer(
            &other,
            &app,
            "hostility",
            &[("hostility", "witnessed")]
        )),
        "/s/digital-leadership/q/hostility_detail"
    );
    answer(
        &other,
        &app,
        "hostility_detail",
        &[(
            "hostility_detail",
            "<script>alert('x')</script> '; DROP TABLE responses; --",
        )],
    );
    // The pledge page offers a separate, unticked choice to publish it.
    let pledge_page = other
        .get(format!("{}/s/digital-leadership/q/pledge", app.base))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(pledge_page.contains("name=\"publish\" type=\"checkbox\" value=\"yes\">"));
    let check = answer(
        &other,
        &app,
        "pledge",
        &[
            ("pledge", "Open our roadmap"),
            ("publish", "yes"),
            ("attribution", "sector"),
        ],
    );
    assert_eq!(path(&check), "/s/digital-leadership/check");
    let response_id = app
        .store
        .load_responses(
            "digital-leadership",
            &fieldwork_store::ResponseFilter {
                include_partial: true,
                ..Default::default()
            },
        )
        .unwrap()[0]
        .id;
    assert_eq!(
        app.store.pledge_choice(response_id, "pledge").unwrap(),
        Some(fieldwork_store::Attribution::Sector)
    );
    let html = check.text().unwrap();
    // The consent given before the first question is on the check page, and stored.
    assert!(html.contains("Your consent"));
    assert!(html.contains("I have read the information above"));
    let consent = app.store.consent_of(response_id).unwrap().unwrap();
    assert_eq!(
        consent.statements,
        ["read_information", "voluntary", "published_figures"]
    );
    assert!(consent.information_version.starts_with("1.0"));
    assert!(html.contains("Check your answers before sending them"));
    assert!(
        html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"),
        "answers are escaped"
    );
    assert!(!html.contains("<script>"));
    assert!(html.contains("href=\"/s/digital-leadership/q/role?change=1\""));
    assert!(html.contains("Legacy technology<br>Procurement rules and contracts"));
    assert!(
        !html.contains("What does your organisation lack?"),
        "hidden questions are not listed"
    );

    // Change an answer from the check page, then come back to it.
    let changed = answer(&other, &app, "role?change=1", &[("role", "head")]);
    assert_eq!(path(&changed), "/s/digital-leadership/check");

    // Send twice (a double click): one response, the same confirmation.
    let token = csrf(
        &other
            .get(format!("{}/s/digital-leadership/check", app.base))
            .send()
            .unwrap()
            .text()
            .unwrap(),
    );
    let done = other
        .post(format!("{}/s/digital-leadership/submit", app.base))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .unwrap();
    assert_eq!(path(&done), "/s/digital-leadership/done");
    let done_html = done.text().unwrap();
    assert!(done_html.contains("Answers sent"));
    let again = other
        .post(format!("{}/s/digital-leadership/submit", app.base))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .unwrap();
    assert_eq!(path(&again), "/s/digital-leadership/done");
    let receipt = receipt_in(&done_html);
    assert_eq!(receipt, receipt_in(&again.text().unwrap()));
    let stored = app
        .store
        .load_responses("digital-leadership", &Default::default())
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].stratum.as_deref(), Some("police"));
    let answers: serde_json::Value = serde_json::from_str(&stored[0].answers).unwrap();
    assert_eq!(answers["role"], "head");
    assert_eq!(answers["sector"], "police");
    assert!(answers.get("capability_gaps").is_none());

    // The invitation cannot answer again. The browser that answered sees its confirmation
    // again; any other (a forwarded link) is told the link was used, and never the receipt,
    // which could withdraw the answers.
    let own = client
        .get(format!("{}/s/digital-leadership?invite={invite}", app.base))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(receipt_in(&own), receipt);
    let forwarded = browser()
        .get(format!("{}/s/digital-leadership?invite={invite}", app.base))
        .send()
        .unwrap();
    assert_eq!(forwarded.status(), StatusCode::CONFLICT);
    let forwarded = forwarded.text().unwrap();
    assert!(!forwarded.contains("fieldwork-receipt"), "{forwarded}");
    assert!(!forwarded.contains(&receipt));

    // Withdraw with the receipt: gone from the store.
    let third = browser();
    let form = third
        .get(format!("{}/s/digital-leadership/withdraw", app.base))
        .send()
        .unwrap()
        .text()
        .unwrap();
    // The receipt shows the respondent their own answers and consent, and downloads them.
    let own_answers = third
        .post(format!("{}/s/digital-leadership/answers", app.base))
        .form(&[
            ("csrf_token", csrf(&form).as_str()),
            ("receipt", receipt.as_str()),
        ])
        .send()
        .unwrap();
    assert_eq!(own_answers.status(), StatusCode::OK);
    let own_answers = own_answers.text().unwrap();
    assert!(own_answers.contains("Which best describes your role?"));
    assert!(own_answers.contains("Open our roadmap"));
    assert!(own_answers.contains("taking part is voluntary"));
    let download = third
        .post(format!(
            "{}/s/digital-leadership/answers/download",
            app.base
        ))
        .form(&[
            ("csrf_token", csrf(&form).as_str()),
            ("receipt", receipt.as_str()),
        ])
        .send()
        .unwrap();
    assert_eq!(download.status(), StatusCode::OK);
    assert!(download.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("digital-leadership-my-answers.csv"));
    let csv = download.text().unwrap();
    assert!(csv.starts_with("question,answer\n"), "{csv}");
    assert!(csv.contains("Which best describes your role?,Head of the organisation"));
    // A formula a respondent typed stays text in their own file too.
    assert!(csv.contains("Open our roadmap"));
    let unknown = third
        .post(format!("{}/s/digital-leadership/answers", app.base))
        .form(&[
            ("csrf_token", csrf(&form).as_str()),
            ("receipt", "AAAA-BBBB-CCCC-DDDD"),
        ])
        .send()
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let wrong = third
        .post(format!("{}/s/digital-leadership/withdraw", app.base))
        .form(&[
            ("csrf_token", csrf(&form).as_str()),
            ("receipt", "AAAA-BBBB-CCCC-DDDD"),
        ])
        .send()
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong
        .text()
        .unwrap()
        .contains("No answers were found with that receipt code"));
    let withdrawn = third
        .post(format!("{}/s/digital-leadership/withdraw", app.base))
        .form(&[
            ("csrf_token", csrf(&form).as_str()),
            ("receipt", receipt.to_lowercase().as_str()),
        ])
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(withdrawn.contains("Your answers have been withdrawn"));
    let all = fieldwork_store::ResponseFilter {
        include_partial: true,
        ..Default::default()
    };
    assert!(app
        .store
        .load_responses("digital-leadership", &all)
        .unwrap()
        .is_empty());
    // The consent and the pledge choice went with the answers.
    assert!(app.store.consent_of(response_id).unwrap().is_none());
    assert!(app
        .store
        .pledge_choice(response_id, "pledge")
        .unwrap()
        .is_none());
    // The withdrawal is in the audit log, without who or what.
    let withdrawals: Vec<_> = app
        .store
        .audit_entries(Some("digital-leadership"), 100)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "response.withdrawn")
        .collect();
    assert_eq!(withdrawals.len(), 1, "only the one that withdrew something");
    assert_eq!(withdrawals[0].actor, "respondent");
    assert_eq!(withdrawals[0].detail, serde_json::json!({"responses": 1}));
}

fn receipt_in(html: &str) -> String {
    let start = html.find("fieldwork-receipt\">").unwrap() + "fieldwork-receipt\">".len();
    html[start..].split('<').next().unwrap().to_owned()
}

fn closed_and_draft_surveys_answer_with_a_clear_page(db: TestDatabase) {
    let app = spawn_app(db);
    app.store
        .set_survey_status("digital-leadership", fieldwork_store::SurveyStatus::Closed)
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let page = browser()
        .get(format!(
            "{}/s/digital-leadership?invite={}",
            app.base, app.police_invites[0]
        ))
        .send()
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page
        .text()
        .unwrap()
        .contains("Digital leadership in the UK public sector has closed"));
    let unknown = browser()
        .get(format!("{}/s/no-such-survey", app.base))
        .send()
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(unknown.text().unwrap().contains("Page not found"));
}

fn invitation_links_are_checked(db: TestDatabase) {
    let app = spawn_app(db);
    let bogus = browser()
        .get(format!(
            "{}/s/digital-leadership?invite=not-a-real-token",
            app.base
        ))
        .send()
        .unwrap();
    assert_eq!(bogus.status(), StatusCode::NOT_FOUND);
    assert!(bogus
        .text()
        .unwrap()
        .contains("This invitation link is not valid"));
    let uninvited = browser()
        .get(format!("{}/s/digital-leadership", app.base))
        .send()
        .unwrap();
    assert_eq!(uninvited.status(), StatusCode::FORBIDDEN);
    assert!(uninvited
        .text()
        .unwrap()
        .contains("You need an invitation to take part"));
}

fn a_double_click_on_start_makes_one_response(db: TestDatabase) {
    let app = spawn_app(db);
    let client = browser();
    let invite = &app.police_invites[1];
    let html = client
        .get(format!("{}/s/digital-leadership?invite={invite}", app.base))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let token = csrf(&html);
    let form = crate::with_consent(&[("csrf_token", token.as_str()), ("invite", invite.as_str())]);
    let url = format!("{}/s/digital-leadership/start", app.base);
    let first = client.post(&url).form(&form).send().unwrap();
    let second = client.post(&url).form(&form).send().unwrap();
    assert_eq!(path(&first), path(&second));
    let all = fieldwork_store::ResponseFilter {
        include_partial: true,
        ..Default::default()
    };
    assert_eq!(
        app.store
            .load_responses("digital-leadership", &all)
            .unwrap()
            .len(),
        1
    );
}

/// Two tabs (or two servers) saving one response at the same moment: each save changes its
/// own question on the answers stored then, so neither answer is lost.
fn two_saves_at_once_lose_no_answer(db: TestDatabase) {
    let app = spawn_app(db);
    for invite in &app.police_invites {
        let client = browser();
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
                ("invite", invite.as_str()),
            ]))
            .send()
            .unwrap();
        let save = |question: &str, code: &str| {
            let response = client
                .post(format!("{}/s/digital-leadership/q/{question}", app.base))
                .form(&[
                    ("csrf_token", token.as_str()),
                    ("action", "save"),
                    (question, code),
                ])
                .send()
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{question}");
        };
        std::thread::scope(|scope| {
            scope.spawn(|| save("role", "head"));
            scope.spawn(|| save("disrupted", "yes"));
            scope.spawn(|| save("capable", "no"));
        });
    }
    let all = fieldwork_store::ResponseFilter {
        include_partial: true,
        ..Default::default()
    };
    let stored = app
        .store
        .load_responses("digital-leadership", &all)
        .unwrap();
    assert_eq!(stored.len(), app.police_invites.len());
    for response in stored {
        let answers: serde_json::Value = serde_json::from_str(&response.answers).unwrap();
        assert_eq!(answers["role"], "head", "{answers}");
        assert_eq!(answers["disrupted"], "yes", "{answers}");
        assert_eq!(answers["capable"], "no", "{answers}");
    }
}

fieldwork_store::on_both_backends!(
    full_journey,
    closed_and_draft_surveys_answer_with_a_clear_page,
    invitation_links_are_checked,
    a_double_click_on_start_makes_one_response,
    two_saves_at_once_lose_no_answer,
);
