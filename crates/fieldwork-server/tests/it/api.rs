use fieldwork_store::testing::TestDatabase;
use reqwest::blocking::Client;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::spawn_app;

fn answers() -> Value {
    json!({
        "role": "elected", "disrupted": "no", "capable": "no", "capability_gaps": ["skills"],
        "leadership_understanding": "poorly",
        "behaviours": {"users": "agree", "open_culture": "agree", "experiments": "disagree", "pace": "neither",
                       "privacy_security": "agree", "ethics": "agree", "skills": "dont_know", "spot_projects": "disagree"},
        "barriers": ["risk_aversion"], "learning_needs": ["data"], "hostility": "no"
    })
}

fn post(
    client: &Client,
    base: &str,
    key: Option<&str>,
    body: &Value,
) -> reqwest::blocking::Response {
    let mut request = client
        .post(format!(
            "{base}/api/v1/surveys/digital-leadership/responses"
        ))
        .json(body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    request.send().unwrap()
}

fn idempotency_semantics(db: TestDatabase) {
    let app = spawn_app(db);
    let client = Client::new();
    let body = json!({"answers": answers(), "invitation": app.police_invites[0]});
    let first = post(&client, &app.base, Some("key-1"), &body);
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().unwrap();
    let again = post(&client, &app.base, Some("key-1"), &body);
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(
        again.json::<Value>().unwrap()["id"],
        first["id"],
        "the same result"
    );
    let mut different = body.clone();
    different["answers"]["disrupted"] = json!("yes");
    let reused = post(&client, &app.base, Some("key-1"), &different);
    assert_eq!(reused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reused.headers()["content-type"], "application/problem+json");
    assert_eq!(
        reused.json::<Value>().unwrap()["type"],
        "https://fieldwork.invalid/problems/idempotency-key-reused"
    );
    let stored = app
        .store
        .load_responses("digital-leadership", &Default::default())
        .unwrap();
    assert_eq!(stored.len(), 1, "stored once");
    assert_eq!(
        stored[0].stratum.as_deref(),
        Some("police"),
        "the stratum comes from the invitation"
    );
    // The invitation is used: another key cannot use it again.
    let second_use = post(&client, &app.base, Some("key-2"), &body);
    assert_eq!(second_use.status(), StatusCode::CONFLICT);
    assert_eq!(
        app.store
            .load_responses("digital-leadership", &Default::default())
            .unwrap()
            .len(),
        1
    );
}

fn validation_errors_list_every_field(db: TestDatabase) {
    let app = spawn_app(db);
    let client = Client::new();
    let mut bad = answers();
    bad["role"] = json!("emperor");
    bad["learning_needs"] = json!(["data", "none"]);
    bad["mystery"] = json!(1);
    bad["behaviours"]["pace"] = json!(5);
    let response = post(
        &client,
        &app.base,
        Some("k"),
        &json!({"answers": bad, "invitation": app.police_invites[1]}),
    );
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let problem: Value = response.json().unwrap();
    assert_eq!(problem["status"], 422);
    let kinds: Vec<(String, String)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["question"].as_str().unwrap().to_owned(),
                e["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("mystery".to_owned(), "unknown_question".to_owned()),
            ("role".to_owned(), "option_not_offered".to_owned()),
            ("behaviours".to_owned(), "wrong_type".to_owned()),
            (
                "learning_needs".to_owned(),
                "exclusive_option_combined".to_owned()
            ),
        ]
    );
    assert!(app
        .store
        .load_responses("digital-leadership", &Default::default())
        .unwrap()
        .is_empty());
    assert!(
        app.store
            .find_invitation(&fieldwork_server::tokens::hash(
                "invitation",
                &app.police_invites[1]
            ))
            .unwrap()
            .unwrap()
            .used_at
            .is_none(),
        "a refused response uses no invitation"
    );
}

fn bad_requests_get_clear_4xx(db: TestDatabase) {
    let app = spawn_app(db);
    let client = Client::new();
    let url = format!("{}/api/v1/surveys/digital-leadership/responses", app.base);
    let no_key = post(&client, &app.base, None, &json!({"answers": answers()}));
    assert_eq!(no_key.status(), StatusCode::BAD_REQUEST);
    assert!(no_key.json::<Value>().unwrap()["detail"]
        .as_str()
        .unwrap()
        .contains("Idempotency-Key"));
    let malformed = client
        .post(&url)
        .header("Idempotency-Key", "m")
        .header("content-type", "application/json")
        .body("{\"answers\": ")
        .send()
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    let not_utf8 = client
        .post(&url)
        .header("Idempotency-Key", "u")
        .body(vec![0xff, 0xfe, 0xfd])
        .send()
        .unwrap();
    assert_eq!(not_utf8.status(), StatusCode::BAD_REQUEST);
    let unknown_field = post(
        &client,
        &app.base,
        Some("f"),
        &json!({"answers": {}, "colour": "red"}),
    );
    assert_eq!(unknown_field.status(), StatusCode::BAD_REQUEST);
    let huge = json!({"answers": {"pledge": "x".repeat(1024 * 1024)}});
    let too_large = post(&client, &app.base, Some("h"), &huge);
    assert_eq!(too_large.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let uninvited = post(
        &client,
        &app.base,
        Some("o"),
        &json!({"answers": answers()}),
    );
    assert_eq!(uninvited.status(), StatusCode::FORBIDDEN);
    let bogus_invite = post(
        &client,
        &app.base,
        Some("b"),
        &json!({"answers": answers(), "invitation": "nope"}),
    );
    assert_eq!(bogus_invite.status(), StatusCode::FORBIDDEN);
    let mut wrong_stratum = answers();
    wrong_stratum["sector"] = json!("mps");
    let fixed = post(
        &client,
        &app.base,
        Some("s"),
        &json!({"answers": wrong_stratum, "invitation": app.police_invites[2]}),
    );
    assert_eq!(fixed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let missing = client
        .post(format!("{}/api/v1/surveys/ghost/responses", app.base))
        .header("Idempotency-Key", "g")
        .json(&json!({"answers": {}}))
        .send()
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(app
        .store
        .load_responses("digital-leadership", &Default::default())
        .unwrap()
        .is_empty());
}

fn the_definition_and_health_are_served(db: TestDatabase) {
    let app = spawn_app(db);
    let survey: Value =
        reqwest::blocking::get(format!("{}/api/v1/surveys/digital-leadership", app.base))
            .unwrap()
            .json()
            .unwrap();
    assert_eq!(survey["version"], 1);
    assert_eq!(survey["status"], "open");
    assert_eq!(
        survey["definition"]["pages"][0]["questions"][0]["id"],
        "sector"
    );
    let health = reqwest::blocking::get(format!("{}/healthz", app.base)).unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}

fieldwork_store::on_both_backends!(
    idempotency_semantics,
    validation_errors_list_every_field,
    bad_requests_get_clear_4xx,
    the_definition_and_health_are_served,
);

#[test]
fn the_openapi_document_lists_every_api_route() {
    let mut routes = Vec::new();
    let _app =
        actix_web::App::new().configure(|cfg| fieldwork_server::api::register(cfg, &mut routes));
    let document =
        serde_json::to_value(<fieldwork_server::api::ApiDoc as utoipa::OpenApi>::openapi())
            .unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    let paths = document["paths"].as_object().unwrap();
    assert!(!routes.is_empty());
    for (method, path) in &routes {
        let operation = paths
            .get(*path)
            .and_then(|p| p.get(method.as_str().to_lowercase()));
        assert!(
            operation.is_some(),
            "{method} {path} is missing from the OpenAPI document"
        );
    }
    let documented: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(
        documented,
        routes.len(),
        "the document lists no route that does not exist"
    );
}

/// The document allows only what the server takes, and names what it sends back.
#[test]
fn the_openapi_document_states_what_the_server_enforces() {
    let document =
        serde_json::to_value(<fieldwork_server::api::ApiDoc as utoipa::OpenApi>::openapi())
            .unwrap();
    let operation = |path: &str, method: &str| document["paths"][path][method].clone();
    let parameter = |operation: &serde_json::Value, name: &str| {
        operation["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("no parameter {name}"))
            .clone()
    };

    let submit = operation("/api/v1/surveys/{slug}/responses", "post");
    let key = parameter(&submit, "Idempotency-Key");
    assert_eq!(key["required"], true);
    assert_eq!(key["schema"]["minLength"], 1);
    assert_eq!(key["schema"]["maxLength"], 200);
    assert_eq!(key["schema"]["pattern"], "^[!-~]{1,200}$");
    for status in ["429", "503"] {
        assert!(
            submit["responses"][status]["headers"]["Retry-After"].is_object(),
            "{status} documents Retry-After"
        );
    }
    assert_eq!(
        parameter(&submit, "slug")["schema"]["pattern"],
        "^[a-z][a-z0-9-]{0,63}$"
    );

    let export = operation("/api/v1/surveys/{slug}/export", "get");
    let formats: Vec<&str> = fieldwork_server::integration::EXPORT_FORMATS
        .iter()
        .map(|f| f.name)
        .collect();
    assert_eq!(
        parameter(&export, "format")["schema"]["enum"],
        serde_json::json!(formats)
    );
    let since = parameter(&export, "since");
    let since_formats: Vec<&str> = since["schema"]["anyOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["format"].as_str().unwrap())
        .collect();
    assert_eq!(since_formats, ["date", "date-time"]);
    let ok = &export["responses"]["200"];
    for format in fieldwork_server::integration::EXPORT_FORMATS {
        let media_type = format.media_type.split(';').next().unwrap();
        assert!(
            ok["content"][media_type].is_object(),
            "{} is served as {media_type}, which the document must list",
            format.name
        );
    }
    assert!(ok["headers"]["Content-Disposition"].is_object());
    for route in [
        &export,
        &operation("/api/v1/surveys/{slug}/progress", "get"),
    ] {
        assert!(route["responses"]["401"]["headers"]["WWW-Authenticate"].is_object());
    }
}
