//! Backups as an operator takes them: `fieldwork db backup` of a live SQLite database while
//! the server takes submissions, `fieldwork db restore`, and the `pg_dump`/`pg_restore`
//! procedure of `docs/operations.md` for PostgreSQL.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fieldwork_store::{testing, Store};
use fieldwork_survey::SyntheticRespondents;

use crate::durability::{free_port, prepared_study, start_server};

/// The public ids of the stored responses of the study.
fn stored_ids(database: &str) -> BTreeSet<String> {
    let store = Store::open(database).unwrap();
    store
        .load_responses("digital-leadership", &Default::default())
        .unwrap()
        .into_iter()
        .map(|r| r.public_id)
        .collect()
}

#[test]
fn a_backup_taken_under_load_restores_every_response_acknowledged_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.db");
    let database = format!("sqlite://{}", path.display());
    let definition = prepared_study(dir.path(), &database);
    let port = free_port();
    let mut server = start_server(dir.path(), &database, port);
    let url = format!("http://127.0.0.1:{port}/api/v1/surveys/digital-leadership/responses");

    // Four clients submit until told to stop; each 201's response id is kept.
    let bodies: Arc<Vec<serde_json::Value>> = Arc::new(
        SyntheticRespondents::new(&definition, 5)
            .take(20_000)
            .map(|a| serde_json::json!({ "answers": a }))
            .collect(),
    );
    let acknowledged: Arc<Mutex<BTreeMap<usize, String>>> = Arc::default();
    let next = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let (bodies, acknowledged, next, stop, url) = (
                Arc::clone(&bodies),
                Arc::clone(&acknowledged),
                Arc::clone(&next),
                Arc::clone(&stop),
                url.clone(),
            );
            std::thread::spawn(move || {
                let client = reqwest::blocking::Client::new();
                while !stop.load(Ordering::SeqCst) {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(body) = bodies.get(i) else { break };
                    let response = client
                        .post(&url)
                        .header("Idempotency-Key", format!("b{i}"))
                        .json(body)
                        .send()
                        .unwrap();
                    assert_eq!(response.status(), 201, "submission {i}");
                    let id = response.json::<serde_json::Value>().unwrap()["id"]
                        .as_str()
                        .unwrap()
                        .to_owned();
                    acknowledged.lock().unwrap().insert(i, id);
                }
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    while acknowledged.lock().unwrap().len() < 300 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    // Everything acknowledged by now must be in the backup.
    let before: BTreeMap<usize, String> = acknowledged.lock().unwrap().clone();
    let backup = dir.path().join("backup.db");
    let taken = crate::fieldwork(
        dir.path(),
        &database,
        &["db", "backup", "--out", &backup.to_string_lossy()],
    );
    let after_backup = acknowledged.lock().unwrap().len();
    // The load goes on after the backup too.
    let deadline = Instant::now() + Duration::from_secs(30);
    while acknowledged.lock().unwrap().len() < after_backup + 100 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    stop.store(true, Ordering::SeqCst);
    for client in clients {
        client.join().unwrap();
    }
    assert!(taken.status.success(), "{}", crate::stderr(&taken));
    let said = crate::stdout(&taken);
    assert!(said.contains("integrity check ok"), "{said}");
    let all = acknowledged.lock().unwrap().len();
    assert!(
        all >= after_backup + 100,
        "the server went on taking submissions"
    );
    eprintln!(
        "{} acknowledged before the backup, {after_backup} when it finished, {all} in all",
        before.len()
    );

    // A second backup to the same file is refused rather than overwriting it.
    let again = crate::fieldwork(
        dir.path(),
        &database,
        &["db", "backup", "--out", &backup.to_string_lossy()],
    );
    crate::assert_one_line_error(&again, "already exists: choose a new file");

    // Restoring over the live database is refused while the server has it open.
    let refused = crate::fieldwork(
        dir.path(),
        &database,
        &["db", "restore", "--from", "backup.db", "--replace"],
    );
    crate::assert_one_line_error(&refused, "is in use");
    assert!(
        stored_ids(&database).len() >= all,
        "the refused restore changed nothing"
    );

    // Restored to a new file: sound, and holding every response acknowledged before it began.
    let restored = dir.path().join("restored.db");
    let restored_url = format!("sqlite://{}", restored.display());
    let output = crate::fieldwork(
        dir.path(),
        &restored_url,
        &["db", "restore", "--from", "backup.db"],
    );
    assert!(output.status.success(), "{}", crate::stderr(&output));
    let store = Store::open(&restored_url).unwrap();
    assert_eq!(
        store.sqlite_integrity_check().unwrap().as_deref(),
        Some("ok")
    );
    drop(store);
    let in_backup = stored_ids(&restored_url);
    for (i, id) in &before {
        assert!(
            in_backup.contains(id),
            "submission {i} ({id}) acknowledged before the backup is missing"
        );
    }
    assert!(in_backup.len() >= before.len() && in_backup.len() <= all);

    // With the server stopped, the backup replaces the live database.
    let _ = server.kill();
    let _ = server.wait();
    let output = crate::fieldwork(
        dir.path(),
        &database,
        &["db", "restore", "--from", "backup.db"],
    );
    crate::assert_one_line_error(&output, "pass --replace");
    let output = crate::fieldwork(
        dir.path(),
        &database,
        &["db", "restore", "--from", "backup.db", "--replace"],
    );
    assert!(output.status.success(), "{}", crate::stderr(&output));
    assert_eq!(stored_ids(&database), in_backup);

    // Not a database: a clear refusal.
    std::fs::write(dir.path().join("junk.db"), "not a database").unwrap();
    let output = crate::fieldwork(
        dir.path(),
        &restored_url,
        &["db", "restore", "--from", "junk.db", "--replace"],
    );
    crate::assert_one_line_error(&output, "junk.db");
}

/// The PostgreSQL procedure of docs/operations.md, as written there: `pg_dump -Fc` of a live
/// database, `pg_restore` into a new one, which a server then opens with every response.
#[test]
fn pg_dump_and_pg_restore_bring_a_postgres_database_back() {
    let dir = tempfile::tempdir().unwrap();
    let database = testing::postgres_database_url();
    let definition = prepared_study(dir.path(), &database);
    let port = free_port();
    let mut server = start_server(dir.path(), &database, port);
    let url = format!("http://127.0.0.1:{port}/api/v1/surveys/digital-leadership/responses");
    let client = reqwest::blocking::Client::new();
    for (i, answers) in SyntheticRespondents::new(&definition, 8)
        .take(50)
        .enumerate()
    {
        let response = client
            .post(&url)
            .header("Idempotency-Key", format!("p{i}"))
            .json(&serde_json::json!({ "answers": answers }))
            .send()
            .unwrap();
        assert_eq!(response.status(), 201);
    }
    // fieldwork's own commands say what to use instead.
    let output = crate::fieldwork(dir.path(), &database, &["db", "backup", "--out", "x.db"]);
    crate::assert_one_line_error(&output, "back PostgreSQL up with pg_dump");
    let output = crate::fieldwork(
        dir.path(),
        &database,
        &["db", "restore", "--from", "x.db", "--replace"],
    );
    crate::assert_one_line_error(&output, "restore PostgreSQL with pg_restore");
    let dump = dir.path().join("fieldwork.dump");
    run_pg_tool(
        "pg_dump",
        &[
            "--format=custom",
            "--file",
            &dump.to_string_lossy(),
            &database,
        ],
    );
    let _ = server.kill();
    let _ = server.wait();

    let server_url = testing::postgres_server_url();
    let restored = fieldwork_store::create_scratch_database(server_url, "fw_restored").unwrap();
    run_pg_tool(
        "pg_restore",
        &[
            "--no-owner",
            "--exit-on-error",
            "--dbname",
            &restored,
            &dump.to_string_lossy(),
        ],
    );
    assert_eq!(stored_ids(&restored), stored_ids(&database));
    assert_eq!(stored_ids(&restored).len(), 50);
    // The restored database is current and takes writes.
    let store = Store::open(&restored).unwrap();
    assert!(store.pending_migrations().unwrap().is_empty());
    store.probe_write().unwrap();
    drop(store);
    fieldwork_store::drop_scratch_database(server_url, &restored).unwrap();
}

/// Run PostgreSQL's `tool` (from the newest server installed, or PATH); its standard output.
pub fn run_pg_tool(tool: &str, args: &[&str]) -> String {
    let program = std::fs::read_dir("/usr/lib/postgresql")
        .ok()
        .and_then(|versions| {
            versions
                .filter_map(|v| v.ok())
                .map(|v| v.path().join("bin").join(tool))
                .filter(|p| p.exists())
                .max()
        })
        .unwrap_or_else(|| Path::new(tool).to_owned());
    let output = Command::new(&program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{} cannot run ({e}): install postgresql", program.display()));
    assert!(
        output.status.success(),
        "{tool}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}
