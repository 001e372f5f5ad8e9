//! SIGKILL of the server in the middle of a load: every acknowledged response survives,
//! exactly once, and the database opens cleanly.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fieldwork_store::Store;
use fieldwork_survey::{parse_definition, resolve_frame_csv, SyntheticRespondents};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn start_server(dir: &Path, database: &str, port: u16) -> Child {
    let child = Command::new(env!("CARGO_BIN_EXE_fieldwork"))
        .current_dir(dir)
        .env("FIELDWORK_DATABASE_URL", database)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--rate-limit", "0"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if reqwest::blocking::get(format!("http://127.0.0.1:{port}/healthz")).is_ok_and(|r| r.status().is_success()) {
            return child;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the server did not start");
}

#[test]
fn sigkill_mid_load_loses_no_acknowledged_response() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("kill.db").display());
    // The study, opened to anyone so the load needs no invitations.
    std::fs::create_dir_all(dir.path().join("surveys")).unwrap();
    std::fs::create_dir_all(dir.path().join("frames")).unwrap();
    let fixture = std::fs::read_to_string(crate::FIXTURE).unwrap().replace("\"allow_open_link\": false", "\"allow_open_link\": true");
    std::fs::write(dir.path().join("surveys/open.json"), &fixture).unwrap();
    let frame = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/frames/uk-public-sector.csv")).unwrap();
    std::fs::write(dir.path().join("frames/uk-public-sector.csv"), &frame).unwrap();
    assert!(crate::fieldwork(dir.path(), &database, &["survey", "import", "surveys/open.json"]).status.success());
    assert!(crate::fieldwork(dir.path(), &database, &["survey", "open", "digital-leadership"]).status.success());

    let mut definition = parse_definition(&fixture).unwrap();
    resolve_frame_csv(&mut definition, &frame).unwrap();
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
            let (bodies, acknowledged, next, url) = (Arc::clone(&bodies), Arc::clone(&acknowledged), Arc::clone(&next), url.clone());
            std::thread::spawn(move || {
                let client = reqwest::blocking::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(body) = bodies.get(i) else { break };
                    let sent = client.post(&url).header("Idempotency-Key", format!("k{i}")).header("content-type", "application/json").body(body.clone()).send();
                    match sent {
                        Ok(r) if r.status().is_success() => {
                            let id = r.json::<serde_json::Value>().unwrap()["id"].as_str().unwrap().to_owned();
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
    let sent = next.load(std::sync::atomic::Ordering::SeqCst).min(bodies.len());
    eprintln!("killed after {} acknowledged of {} sent", acknowledged.len(), sent);
    assert!(acknowledged.len() >= 300, "the load was running when the server was killed");
    assert!(acknowledged.len() < bodies.len(), "the kill came mid-load");

    // The database opens cleanly and holds every acknowledged response exactly once.
    let store = Store::open(&database).unwrap();
    store.check_health().unwrap();
    let stored = store.load_responses("digital-leadership", &Default::default()).unwrap();
    let stored_ids: Vec<&str> = stored.iter().map(|r| r.public_id.as_str()).collect();
    let unique: BTreeSet<&str> = stored_ids.iter().copied().collect();
    assert_eq!(unique.len(), stored_ids.len(), "no response is stored twice");
    for id in acknowledged.values() {
        assert!(unique.contains(id.as_str()), "acknowledged response {id} was lost");
    }
    drop(store);

    // Clients retry what they never heard back about: still exactly once each.
    let port = free_port();
    let mut server = start_server(dir.path(), &database, port);
    let url = format!("http://127.0.0.1:{port}/api/v1/surveys/digital-leadership/responses");
    let client = reqwest::blocking::Client::new();
    for i in (0..sent).filter(|i| !acknowledged.contains_key(i)) {
        let r = client.post(&url).header("Idempotency-Key", format!("k{i}")).header("content-type", "application/json").body(bodies[i].clone()).send().unwrap();
        assert_eq!(r.status().as_u16(), 201);
    }
    for (i, id) in acknowledged.iter().take(50) {
        let r = client.post(&url).header("Idempotency-Key", format!("k{i}")).header("content-type", "application/json").body(bodies[*i].clone()).send().unwrap();
        assert_eq!(&r.json::<serde_json::Value>().unwrap()["id"], id, "a retry returns the original response");
    }
    server.kill().unwrap();
    server.wait().unwrap();
    let store = Store::open(&database).unwrap();
    let stored = store.load_responses("digital-leadership", &Default::default()).unwrap();
    assert_eq!(stored.len(), sent, "every response sent is stored once, retries included");
}
