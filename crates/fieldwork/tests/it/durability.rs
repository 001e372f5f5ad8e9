//! SIGKILL of the server in the middle of a load: every acknowledged response survives,
//! exactly once, and the database opens cleanly.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fieldwork_store::Store;
use fieldwork_survey::{parse_definition, resolve_frame_csv, SyntheticRespondents};

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn start_server(dir: &Path, database: &str, port: u16) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fieldwork"))
        .current_dir(dir)
        .env("FIELDWORK_DATABASE_URL", database)
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--rate-limit",
            "0",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if reqwest::blocking::get(format!("http://127.0.0.1:{port}/healthz"))
            .is_ok_and(|r| r.status().is_success())
        {
            return child;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not start");
}

/// Import the study into `database`, opened to anyone (so a load needs no invitations), with
/// its frame; the definition as stored.
pub fn prepared_study(dir: &Path, database: &str) -> fieldwork_survey::SurveyDefinition {
    // The study, opened to anyone so the load needs no invitations.
    std::fs::create_dir_all(dir.join("surveys")).unwrap();
    std::fs::create_dir_all(dir.join("frames")).unwrap();
    let fixture = std::fs::read_to_string(crate::FIXTURE)
        .unwrap()
        .replace("\"allow_open_link\": false", "\"allow_open_link\": true");
    std::fs::write(dir.join("surveys/open.json"), &fixture).unwrap();
    let frame = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/frames/uk-public-sector.csv"
    ))
    .unwrap();
    std::fs::write(dir.join("frames/uk-public-sector.csv"), &frame).unwrap();
    assert!(
        crate::fieldwork(dir, database, &["survey", "import", "surveys/open.json"])
            .status
            .success()
    );
    assert!(
        crate::fieldwork(dir, database, &["survey", "open", "digital-leadership"])
            .status
            .success()
    );

    let mut definition = parse_definition(&fixture).unwrap();
    resolve_frame_csv(&mut definition, &frame).unwrap();
    definition
}

#[test]
fn sigkill_mid_load_loses_no_acknowledged_response() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("kill.db").display());
    let definition = prepared_study(dir.path(), &database);
    let bodies: Vec<String> = SyntheticRespondents::new(&definition, 9)
        .take(4000)
        .map(|a| serde_json::json!({ "answers": a }).to_string())
        .collect();
    let bodies = Arc::new(bodies);

    let port = free_port();
    let mut server = start_server(dir.path(), &database, port);
    let url = format!("http://127.0.0.1:{port}/api/v1/surveys/digital-leadership/responses");
    // key -> response id, for every 2xx.
    let acknowledged: Arc<Mutex<BTreeMap<usize, String>>> = Arc::default();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let clients: Vec<_> = (0..8)
        .map(|_| {
            let (bodies, acknowledged, next, url) = (
                Arc::clone(&bodies),
                Arc::clone(&acknowledged),
                Arc::clone(&next),
                url.clone(),
            );
            std::thread::spawn(move || {
                let client = reqwest::blocking::Client::builder()
                    .timeout(Duration::from_secs(5))
                    .build()
                    .unwrap();
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(body) = bodies.get(i) else { break };
                    let sent = client
                        .post(&url)
                        .header("Idempotency-Key", format!("k{i}"))
                        .header("content-type", "application/json")
                        .body(body.clone())
                        .send();
                    match sent {
                        Ok(r) if r.status().is_success() => {
                            let id = r.json::<serde_json::Value>().unwrap()["id"]
                                .as_str()
                                .unwrap()
                                .to_owned();
                            acknowledged.lock().unwrap().insert(i, id);
                        }
                        // The server is gone: stop this client.
                        Err(_) => break,
                        Ok(r) => panic!("unexpected {}", r.status()),
                    }
                }
            })
        })
        .collect();
    // Kill it while the load is running.
    let deadline = Instant::now() + Duration::from_secs(30);
    while acknowledged.lock().unwrap().len() < 300 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    for client in clients {
        client.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    let sent = next
        .load(std::sync::atomic::Ordering::SeqCst)
        .min(bodies.len());
    eprintln!(
        "killed after {} acknowledged of {} sent",
        acknowledged.len(),
        sent
    );
    assert!(
        acknowledged.len() >= 300,
        "the load was running when the server was killed"
    );
    assert!(acknowledged.len() < bodies.len(), "the kill came mid-load");

    // The database opens cleanly and holds every acknowledged response exactly once.
    let store = Store::open(&database).unwrap();
    store.check_health().unwrap();
    let stored = store
        .load_responses("digital-leadership", &Default::default())
        .unwrap();
    let stored_ids: Vec<&str> = stored.iter().map(|r| r.public_id.as_str()).collect();
    let unique: BTreeSet<&str> = stored_ids.iter().copied().collect();
    assert_eq!(
        unique.len(),
        stored_ids.len(),
        "no response is stored twice"
    );
    for id in acknowledged.values() {
        assert!(
            unique.contains(id.as_str()),
            "acknowledged response {id} was lost"
        );
    }
    drop(store);

    // Clients retry what they never heard back about: still exactly once each.
    let port = free_port();
    let mut server = start_server(dir.path(), &database, port);
    let url = format!("http://127.0.0.1:{port}/api/v1/surveys/digital-leadership/responses");
    let client = reqwest::blocking::Client::new();
    for i in (0..sent).filter(|i| !acknowledged.contains_key(i)) {
        let r = client
            .post(&url)
            .header("Idempotency-Key", format!("k{i}"))
            .header("content-type", "application/json")
            .body(bodies[i].clone())
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 201);
    }
    for (i, id) in acknowledged.iter().take(50) {
        let r = client
            .post(&url)
            .header("Idempotency-Key", format!("k{i}"))
            .header("content-type", "application/json")
            .body(bodies[*i].clone())
            .send()
            .unwrap();
        assert_eq!(
            &r.json::<serde_json::Value>().unwrap()["id"],
            id,
            "a retry returns the original response"
        );
    }
    server.kill().unwrap();
    server.wait().unwrap();
    let store = Store::open(&database).unwrap();
    let stored = store
        .load_responses("digital-leadership", &Default::default())
        .unwrap();
    assert_eq!(
        stored.len(),
        sent,
        "every response sent is stored once, retries included"
    );
}

#[test]
fn sigterm_finishes_in_flight_requests_and_logs_hold_no_answers() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("term.db").display());
    assert!(
        crate::fieldwork(dir.path(), &database, &["survey", "import", crate::FIXTURE])
            .status
            .success()
    );
    assert!(crate::fieldwork(
        dir.path(),
        &database,
        &["survey", "open", "digital-leadership"]
    )
    .status
    .success());
    let invites = dir.path().join("invites.csv");
    assert!(crate::fieldwork(
        dir.path(),
        &database,
        &[
            "invite",
            "--survey",
            "digital-leadership",
            "--stratum",
            "mps",
            "--count",
            "20",
            "--out",
            invites.to_str().unwrap()
        ]
    )
    .status
    .success());
    let tokens: Vec<String> = std::fs::read_to_string(&invites)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.rsplit("invite=").next().unwrap().to_owned())
        .collect();
    assert_eq!(tokens.len(), 20);

    let port = free_port();
    let log = dir.path().join("server.log");
    let mut server = Command::new(env!("CARGO_BIN_EXE_fieldwork"))
        .current_dir(dir.path())
        .env("FIELDWORK_DATABASE_URL", &database)
        .env("FIELDWORK_LOG", "trace")
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--rate-limit",
            "0",
        ])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while reqwest::blocking::get(format!("{base}/healthz")).is_err() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let marker = "Secret-Answer-Marker-7731";
    let answers = serde_json::json!({
        "role": "elected", "disrupted": "yes", "capable": "yes", "leadership_understanding": "well",
        "behaviours": {"users": "agree", "open_culture": "agree", "experiments": "agree", "pace": "agree",
                       "privacy_security": "agree", "ethics": "agree", "skills": "agree", "spot_projects": "agree"},
        "barriers": ["funding"], "learning_needs": ["data"], "hostility": "experienced",
        "hostility_detail": marker, "pledge": marker,
    });
    // Requests in flight while SIGTERM arrives all get their answer.
    let senders: Vec<_> = tokens
        .iter()
        .enumerate()
        .map(|(i, token)| {
            let body = serde_json::json!({"answers": answers, "invitation": token});
            let url = format!("{base}/api/v1/surveys/digital-leadership/responses");
            std::thread::spawn(move || {
                reqwest::blocking::Client::new()
                    .post(url)
                    .header("Idempotency-Key", format!("t{i}"))
                    .json(&body)
                    .send()
                    .map(|r| r.status().as_u16())
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(20));
    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let statuses: Vec<_> = senders.into_iter().map(|s| s.join().unwrap()).collect();
    let status = server.wait().unwrap();
    assert!(status.success(), "a clean exit on SIGTERM, not {status:?}");
    let acknowledged = statuses.iter().filter(|s| matches!(s, Ok(201))).count();
    // Requests that reached the server before it stopped listening were answered; any that
    // arrived after were refused at connect, never half-written.
    assert!(
        statuses.iter().all(|s| matches!(s, Ok(201)) || s.is_err()),
        "{statuses:?}"
    );
    let store = Store::open(&database).unwrap();
    assert_eq!(
        store
            .load_responses("digital-leadership", &Default::default())
            .unwrap()
            .len(),
        acknowledged
    );

    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("request"),
        "the server logged its requests: {logged}"
    );
    assert!(!logged.contains(marker), "answer contents reached the log");
    for token in &tokens {
        assert!(
            !logged.contains(token.as_str()),
            "an invitation token reached the log"
        );
    }
}
