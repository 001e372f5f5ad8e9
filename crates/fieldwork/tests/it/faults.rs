//! Faults survived with more than one server: two `fieldwork serve` processes on one
//! PostgreSQL database under concurrent load lose and duplicate nothing, and an invitation
//! used on both at the same moment is accepted exactly once.

use std::collections::BTreeSet;
use std::sync::{Arc, Barrier, Mutex};
use std::time::Duration;

use fieldwork_store::{testing, Store};
use fieldwork_survey::SyntheticRespondents;

use crate::durability::{free_port, prepared_study, start_server};

#[test]
fn two_servers_on_one_postgres_lose_and_duplicate_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let database = testing::postgres_database_url();
    let definition = prepared_study(dir.path(), &database);
    let invited = crate::fieldwork(
        dir.path(),
        &database,
        &[
            "invite",
            "--survey",
            "digital-leadership",
            "--stratum",
            "councils",
            "--count",
            "20",
            "--out",
            "invites.csv",
        ],
    );
    assert!(invited.status.success(), "{}", crate::stderr(&invited));
    let tokens: Vec<String> = std::fs::read_to_string(dir.path().join("invites.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.rsplit("invite=").next().unwrap().to_owned())
        .collect();
    assert_eq!(tokens.len(), 20);

    let ports = [free_port(), free_port()];
    let mut servers: Vec<_> = ports
        .iter()
        .map(|port| start_server(dir.path(), &database, *port))
        .collect();
    let urls: Vec<String> = ports
        .iter()
        .map(|p| format!("http://127.0.0.1:{p}/api/v1/surveys/digital-leadership/responses"))
        .collect();
    let bodies: Vec<serde_json::Value> = SyntheticRespondents::new(&definition, 21)
        .take(600)
        .map(|a| serde_json::json!({ "answers": a }))
        .collect();

    // Eight clients, each sending every key it takes to BOTH servers at once (a retry that
    // lands on the other server), and every invitation to both at the same moment.
    let bodies = Arc::new(bodies);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let ids: Arc<Mutex<Vec<(usize, String)>>> = Arc::default();
    let clients: Vec<_> = (0..8)
        .map(|_| {
            let (bodies, next, ids, urls) = (
                Arc::clone(&bodies),
                Arc::clone(&next),
                Arc::clone(&ids),
                urls.clone(),
            );
            std::thread::spawn(move || {
                let client = reqwest::blocking::Client::builder()
                    .timeout(Duration::from_secs(30))
                    .build()
                    .unwrap();
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(body) = bodies.get(i) else { break };
                    let barrier = Arc::new(Barrier::new(2));
                    let sends: Vec<_> = urls
                        .iter()
                        .map(|url| {
                            let (client, url, body, barrier) = (
                                client.clone(),
                                url.clone(),
                                body.clone(),
                                Arc::clone(&barrier),
                            );
                            std::thread::spawn(move || {
                                barrier.wait();
                                client
                                    .post(&url)
                                    .header("Idempotency-Key", format!("both-{i}"))
                                    .json(&body)
                                    .send()
                                    .unwrap()
                            })
                        })
                        .collect();
                    for send in sends {
                        let response = send.join().unwrap();
                        assert_eq!(response.status(), 201, "key both-{i}");
                        let id = response.json::<serde_json::Value>().unwrap()["id"]
                            .as_str()
                            .unwrap()
                            .to_owned();
                        ids.lock().unwrap().push((i, id));
                    }
                }
            })
        })
        .collect();
    for client in clients {
        client.join().unwrap();
    }
    // Each key answered with one id by both servers.
    let ids = ids.lock().unwrap();
    assert_eq!(ids.len(), 1200);
    let distinct: BTreeSet<&String> = ids.iter().map(|(_, id)| id).collect();
    assert_eq!(
        distinct.len(),
        600,
        "each key has one response id on both servers"
    );

    // Every invitation raced on both servers: exactly one 201, the other 409.
    let client = reqwest::blocking::Client::new();
    let mut accepted = 0;
    for (t, token) in tokens.iter().enumerate() {
        let barrier = Arc::new(Barrier::new(2));
        let sends: Vec<_> = urls
            .iter()
            .enumerate()
            .map(|(s, url)| {
                let (client, url, barrier) = (client.clone(), url.clone(), Arc::clone(&barrier));
                let mut body = bodies[t].clone();
                body["invitation"] = serde_json::json!(token);
                body["answers"]["sector"] = serde_json::json!("councils");
                std::thread::spawn(move || {
                    barrier.wait();
                    client
                        .post(&url)
                        .header("Idempotency-Key", format!("invite-{t}-{s}"))
                        .json(&body)
                        .send()
                        .unwrap()
                        .status()
                        .as_u16()
                })
            })
            .collect();
        let mut statuses: Vec<u16> = sends.into_iter().map(|s| s.join().unwrap()).collect();
        statuses.sort();
        assert_eq!(statuses, [201, 409], "invitation {t}");
        accepted += 1;
    }
    for server in &mut servers {
        let _ = server.kill();
        let _ = server.wait();
    }
    let store = Store::open(&database).unwrap();
    let stored: i64 = store
        .count_responses("digital-leadership")
        .unwrap()
        .iter()
        .map(|c| c.count)
        .sum();
    assert_eq!(stored, 600 + accepted, "no response lost or duplicated");
}

/// PostgreSQL stopped under a running server: submissions get a clear 503 (problem JSON) and
/// /healthz says so; once PostgreSQL is back the same server takes submissions again, with no
/// restart, and nothing from the outage is half-written.
#[test]
fn postgres_stopped_and_started_gives_503_then_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let mut cluster = testing::OwnedCluster::start().unwrap();
    let database = cluster.create_database("outage").unwrap();
    let definition = prepared_study(dir.path(), &database);
    let port = free_port();
    let mut server = start_server(dir.path(), &database, port);
    let url = format!("http://127.0.0.1:{port}/api/v1/surveys/digital-leadership/responses");
    let health = format!("http://127.0.0.1:{port}/healthz");
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let bodies: Vec<serde_json::Value> = SyntheticRespondents::new(&definition, 5)
        .take(3)
        .map(|a| serde_json::json!({ "answers": a }))
        .collect();
    let submit = |key: &str, body: &serde_json::Value| {
        client
            .post(&url)
            .header("Idempotency-Key", key)
            .json(body)
            .send()
            .unwrap()
    };
    assert_eq!(submit("before", &bodies[0]).status(), 201);

    cluster.stop();
    let during = submit("during", &bodies[1]);
    assert_eq!(during.status(), 503);
    assert_eq!(during.headers()["content-type"], "application/problem+json");
    let problem: serde_json::Value = during.json().unwrap();
    assert!(
        problem["detail"].as_str().unwrap_or_default().len() > 10,
        "{problem}"
    );
    assert_eq!(client.get(&health).send().unwrap().status(), 503);

    cluster.resume().unwrap();
    // The same server, never restarted: healthy again within a few seconds.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while client.get(&health).send().unwrap().status() != 200 {
        assert!(std::time::Instant::now() < deadline, "no recovery");
        std::thread::sleep(Duration::from_millis(200));
    }
    // The refused submission retried with its key is stored once; a new one too.
    assert_eq!(submit("during", &bodies[1]).status(), 201);
    assert_eq!(submit("after", &bodies[2]).status(), 201);
    let _ = server.kill();
    let _ = server.wait();
    let store = Store::open(&database).unwrap();
    let stored: i64 = store
        .count_responses("digital-leadership")
        .unwrap()
        .iter()
        .map(|c| c.count)
        .sum();
    assert_eq!(stored, 3);
}
