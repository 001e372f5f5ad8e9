//! What an operator relies on: the client's address behind a trusted proxy, the write rate
//! limit (in the database on PostgreSQL, in memory on SQLite), `/readyz`, and `/metrics`
//! behind its token. (Two servers behind a real nginx: the CLI's `behind_nginx.rs`.)

use fieldwork_server::{ForwardedHeader, MetricsToken, ServerConfig, TrustedProxies};
use fieldwork_store::testing::TestDatabase;
use reqwest::blocking::Client;
use serde_json::{json, Value};

use crate::{fixture_definition, spawn_app_with};

const TOKEN: &str = "metrics-token-for-tests-0123456789";

fn config(trusted: &[&str]) -> ServerConfig {
    ServerConfig {
        // A burst of 3, then nothing for the length of a test.
        rate_per_second: 0.0001,
        rate_burst: 3.0,
        trusted_proxies: TrustedProxies::parse(
            &trusted.iter().map(|t| (*t).to_owned()).collect::<Vec<_>>(),
            ForwardedHeader::XForwardedFor,
        )
        .unwrap(),
        metrics_token: Some(MetricsToken::new(TOKEN).unwrap()),
        ..Default::default()
    }
}

/// A write to the API as a client behind the proxy at `forwarded` (its status). The survey
/// takes invited respondents only, so what is not rate limited is refused for that (403);
/// the limit is checked first.
fn write_as(client: &Client, base: &str, forwarded: &str, key: &str) -> u16 {
    client
        .post(format!(
            "{base}/api/v1/surveys/digital-leadership/responses"
        ))
        .header("X-Forwarded-For", forwarded)
        .header("Idempotency-Key", key)
        .json(&json!({ "answers": {"sector": "police"} }))
        .send()
        .unwrap()
        .status()
        .as_u16()
}

fn each_client_behind_a_trusted_proxy_has_its_own_bucket(db: TestDatabase) {
    let app = spawn_app_with(db, fixture_definition(), config(&["127.0.0.0/8"]));
    let client = Client::new();
    let first: Vec<u16> = (0..4)
        .map(|i| write_as(&client, &app.base, "198.51.100.1", &format!("a{i}")))
        .collect();
    assert!(first[..3].iter().all(|s| *s != 429), "{first:?}");
    assert_eq!(first[3], 429, "{first:?}");
    // Another client behind the same proxy is not limited by the first...
    assert_ne!(write_as(&client, &app.base, "198.51.100.2", "b0"), 429);
    // ...and the first cannot escape by forging an address to the left of the proxy's.
    assert_eq!(
        write_as(&client, &app.base, "203.0.113.7, 198.51.100.1", "a9"),
        429
    );
}

fn an_untrusted_peer_cannot_choose_its_address(db: TestDatabase) {
    // The test client connects from 127.0.0.1, which is not trusted here.
    let app = spawn_app_with(db, fixture_definition(), config(&["10.0.0.0/8"]));
    let client = Client::new();
    let statuses: Vec<u16> = (0..4)
        .map(|i| {
            write_as(
                &client,
                &app.base,
                &format!("198.51.100.{i}"),
                &format!("k{i}"),
            )
        })
        .collect();
    assert_eq!(statuses[3], 429, "one bucket for the peer: {statuses:?}");
}

fn readyz_says_ready_and_metrics_need_the_token(db: TestDatabase) {
    let app = spawn_app_with(db, fixture_definition(), config(&[]));
    let client = Client::new();
    let ready = client.get(format!("{}/readyz", app.base)).send().unwrap();
    assert_eq!(ready.status(), 200);
    let ready: Value = ready.json().unwrap();
    assert_eq!(
        ready,
        json!({"status": "ready", "database": "ok", "migrations": "ok", "storage": "ok"})
    );
    // A refused write, to be counted.
    assert_eq!(write_as(&client, &app.base, "x", "m0"), 403);

    let metrics = |token: Option<&str>| {
        let mut request = client.get(format!("{}/metrics", app.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().unwrap()
    };
    for refused in [None, Some("wrong"), Some(&TOKEN[..TOKEN.len() - 1])] {
        let response = metrics(refused);
        assert_eq!(response.status(), 404, "token {refused:?}");
        assert!(!response.text().unwrap().contains("fieldwork_"));
    }
    let page = metrics(Some(TOKEN));
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let page = page.text().unwrap();
    let readyz = "fieldwork_http_requests_total{method=\"GET\",route=\"/readyz\",status=\"200\"} 1";
    assert!(page.contains(readyz), "{page}");
    assert!(
        page.contains(
            "fieldwork_http_requests_total{method=\"POST\",route=\"/api/v1/surveys/{slug}/responses\",status=\"403\"} 1"
        ),
        "{page}"
    );
    assert!(
        !page.contains("digital-leadership") && !page.contains("police"),
        "{page}"
    );
    // The emails this process's sender had accepted (none here: a counter at or above 0).
    assert!(page.contains("fieldwork_emails_sent_total "), "{page}");
}

fieldwork_store::on_both_backends!(
    each_client_behind_a_trusted_proxy_has_its_own_bucket,
    an_untrusted_peer_cannot_choose_its_address,
    readyz_says_ready_and_metrics_need_the_token,
);

#[test]
fn a_short_metrics_token_is_refused() {
    let error = MetricsToken::new("short").unwrap_err();
    assert!(error.contains("at least 24"), "{error}");
    assert!(format!("{:?}", MetricsToken::new(TOKEN).unwrap()).contains(".."));
}
