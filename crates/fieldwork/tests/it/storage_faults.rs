//! A full disk and a read-only database file under a running `fieldwork serve` (SQLite):
//! submissions get a clear 503 (problem JSON for the API, a page that keeps the answer for
//! respondents), nothing is half-written, the file stays sound, the log says what happened
//! without the answers, and the same server takes submissions again once the fault is gone.
//!
//! The full disk is the database URL's `max_size` cap: SQLite then fails writes with
//! SQLITE_FULL, the error a full disk gives (the store suite also fills a real tmpfs where it
//! may mount one). The read-only file is `testing::write_protect`: as root (CI) an immutable
//! flag, which fails writes through the server's open files as a file system gone read-only
//! would; as another user, file permissions, which only files opened later obey, so the
//! server is restarted on the protected file.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fieldwork_store::testing::{write_protect, Protection};
use fieldwork_store::Store;
use fieldwork_survey::{QuestionKind, SurveyDefinition, SyntheticRespondents};
use reqwest::blocking::{Client, Response};
use serde_json::{json, Value};

use crate::durability::{free_port, prepared_study};

/// Marks answer text, to look for in the log (it must not be there).
const MARKER: &str = "Zeugnisü";

/// `fieldwork serve` logging to `log`.
fn serve(dir: &Path, database: &str, port: u16, log: &Path) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fieldwork"))
        .current_dir(dir)
        .env("FIELDWORK_DATABASE_URL", database)
        .env("FIELDWORK_LOG", "info")
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--rate-limit",
            "0",
        ])
        .stdout(Stdio::null())
        .stderr(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
                .unwrap(),
        )
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if reqwest::blocking::get(format!("http://127.0.0.1:{port}/healthz"))
            .is_ok_and(|r| r.status().is_success())
        {
            return child;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "the server exited ({status}): {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not start");
}

fn stop(mut server: Child) {
    let _ = server.kill();
    let _ = server.wait();
}

/// A response with long answers: whatever the free space in its page, storing it needs new
/// pages, so a full database cannot take it.
fn long_answers(definition: &SurveyDefinition, seed: u64) -> Value {
    let mut answers = SyntheticRespondents::new(definition, seed).respondent(Some("councils"));
    answers.insert("hostility".into(), json!("experienced"));
    answers.insert("hostility_detail".into(), json!(long_text(2000)));
    answers.insert("pledge".into(), json!(long_text(1000)));
    json!({ "answers": answers })
}

/// `chars` characters of two bytes each, starting with the marker.
fn long_text(chars: usize) -> String {
    let mut text = MARKER.to_owned();
    text.extend(std::iter::repeat_n('ü', chars - MARKER.chars().count()));
    text
}

fn post(client: &Client, url: &str, key: &str, body: &Value) -> Response {
    client
        .post(url)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .unwrap()
}

/// The 503 problem a refused submission gets, checked; its `type`.
fn storage_problem(response: Response) -> String {
    assert_eq!(response.status(), 503);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    assert_eq!(response.headers()["retry-after"], "60");
    let problem: Value = response.json().unwrap();
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("the response was not stored"),
        "{problem}"
    );
    assert!(detail.contains("same Idempotency-Key"), "{problem}");
    problem["type"].as_str().unwrap().to_owned()
}

/// The value of a form field in a page.
fn field(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} field in:\n{html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// A respondent in a browser (cookies kept, redirects followed).
struct Respondent {
    client: Client,
    base: String,
}

impl Respondent {
    /// Start answering the open-link survey; the first question's page.
    fn start(base: &str) -> Respondent {
        let client = Client::builder().cookie_store(true).build().unwrap();
        let page = client
            .get(format!("{base}/s/digital-leadership"))
            .send()
            .unwrap()
            .text()
            .unwrap();
        let started = client
            .post(format!("{base}/s/digital-leadership/start"))
            .form(&[
                ("csrf_token", field(&page, "csrf_token")),
                ("start_id", field(&page, "start_id")),
                ("consent", "read_information".into()),
                ("consent", "voluntary".into()),
                ("consent", "published_figures".into()),
            ])
            .send()
            .unwrap();
        assert_eq!(started.status(), 200);
        Respondent {
            client,
            base: base.to_owned(),
        }
    }

    /// POST a question's form with `fields`; the final response after redirects.
    fn answer(&self, question: &str, fields: &[(String, String)]) -> Response {
        let url = format!("{}/s/digital-leadership/q/{question}", self.base);
        let page = self.client.get(&url).send().unwrap();
        assert_eq!(page.status(), 200, "GET {question}");
        let mut form = vec![
            (
                "csrf_token".to_owned(),
                field(&page.text().unwrap(), "csrf_token"),
            ),
            ("action".to_owned(), "continue".to_owned()),
        ];
        form.extend_from_slice(fields);
        self.client.post(&url).form(&form).send().unwrap()
    }

    /// Answer every question asked, from `answers`, until the check page.
    fn answer_all(&self, definition: &SurveyDefinition, answers: &Value) {
        for _ in 0..40 {
            let check = self
                .client
                .get(format!("{}/s/digital-leadership/check", self.base))
                .send()
                .unwrap();
            let path = check.url().path().to_owned();
            let Some(id) = path.strip_prefix("/s/digital-leadership/q/") else {
                assert_eq!(path, "/s/digital-leadership/check");
                return;
            };
            let question = definition.question(id).unwrap();
            let answered = self.answer(id, &form_fields(question, &answers[id]));
            assert_eq!(answered.status(), 200, "answering {id}");
        }
        panic!("the check page was never reached");
    }

    /// POST the check page's form; the final response.
    fn send(&self) -> Response {
        let url = format!("{}/s/digital-leadership/check", self.base);
        let page = self.client.get(&url).send().unwrap().text().unwrap();
        self.client
            .post(format!("{}/s/digital-leadership/submit", self.base))
            .form(&[("csrf_token", field(&page, "csrf_token"))])
            .send()
            .unwrap()
    }
}

/// The form fields that give `value` as the answer to `question`.
fn form_fields(question: &fieldwork_survey::Question, value: &Value) -> Vec<(String, String)> {
    let id = question.id.clone();
    match (&question.kind, value) {
        (QuestionKind::LikertGrid { .. }, Value::Object(grid)) => grid
            .iter()
            .map(|(item, code)| (format!("{id}.{item}"), code.as_str().unwrap().to_owned()))
            .collect(),
        (_, Value::Array(codes)) => codes
            .iter()
            .map(|c| (id.clone(), c.as_str().unwrap().to_owned()))
            .collect(),
        (_, Value::String(text)) => vec![(id, text.clone())],
        (_, Value::Number(n)) => vec![(id, n.to_string())],
        _ => Vec::new(),
    }
}

/// `path` (`/readyz` or `/healthz`) answers `status`; `/readyz`'s storage check says `storage`.
#[track_caller]
fn assert_readiness(base: &str, status: u16, storage: &str, path: &str) {
    let response = reqwest::blocking::get(format!("{base}{path}")).unwrap();
    assert_eq!(response.status(), status, "{path}");
    let body: Value = response.json().unwrap();
    if path == "/readyz" {
        assert_eq!(body["storage"], storage, "{body}");
        assert_eq!(body["database"], "ok", "{body}");
        assert_eq!(body["migrations"], "ok", "{body}");
        let word = if status == 200 { "ready" } else { "not_ready" };
        assert_eq!(body["status"], word, "{body}");
    }
}

/// `PRAGMA integrity_check` on the file finds nothing wrong.
fn integrity_ok(path: &Path) {
    let store = Store::open(&format!("sqlite://{}", path.display())).unwrap();
    assert_eq!(
        store.sqlite_integrity_check().unwrap().as_deref(),
        Some("ok")
    );
}

fn complete_count(database: &str, slug: &str) -> i64 {
    let store = Store::open(database).unwrap();
    store
        .count_responses(slug)
        .unwrap()
        .iter()
        .filter(|c| c.complete)
        .map(|c| c.count)
        .sum()
}

fn assert_logged_without_answers(log: &Path, expected: &str) {
    let logged = std::fs::read_to_string(log).unwrap();
    assert!(
        logged
            .lines()
            .any(|l| l.contains("ERROR") && l.contains(expected)),
        "an error-level line with {expected:?} in:\n{logged}"
    );
    assert!(!logged.contains(MARKER), "answer text reached the log");
    assert!(!logged.contains("üüü"), "answer text reached the log");
}

#[test]
fn a_full_database_gives_503_keeps_the_answer_and_recovers_without_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("full.db");
    let database = format!("sqlite://{}?max_size=1M", path.display());
    let definition = prepared_study(dir.path(), &database);
    // A second survey to fill the database with, whose responses retention may delete.
    let scratch = std::fs::read_to_string(dir.path().join("surveys/open.json"))
        .unwrap()
        .replace("\"slug\": \"digital-leadership\"", "\"slug\": \"scratch\"");
    std::fs::write(dir.path().join("surveys/scratch.json"), scratch).unwrap();
    for args in [
        &["survey", "import", "surveys/scratch.json"][..],
        &["survey", "open", "scratch"],
        &["survey", "retention", "scratch", "--until", "2000-01-01"],
    ] {
        let output = crate::fieldwork(dir.path(), &database, args);
        assert!(output.status.success(), "{}", crate::stderr(&output));
    }
    let port = free_port();
    let log = dir.path().join("server.log");
    let server = serve(dir.path(), &database, port, &log);
    let base = format!("http://127.0.0.1:{port}");
    let study_url = format!("{base}/api/v1/surveys/digital-leadership/responses");
    let client = Client::new();

    // A respondent gets as far as the hostility question while there is room.
    let respondent = Respondent::start(&base);
    let to = |id: &str, value: &str| vec![(id.to_owned(), value.to_owned())];
    assert_eq!(
        respondent
            .answer("sector", &to("sector", "councils"))
            .status(),
        200
    );
    assert_eq!(
        respondent
            .answer("hostility", &to("hostility", "experienced"))
            .status(),
        200
    );

    // Clients fill the database through the API until it is full.
    let scratch_url = format!("{base}/api/v1/surveys/scratch/responses");
    let bodies: Arc<Vec<Value>> = Arc::new(
        SyntheticRespondents::new(&definition, 3)
            .take(6000)
            .map(|a| json!({ "answers": a }))
            .collect(),
    );
    let next = Arc::new(AtomicUsize::new(0));
    let created = Arc::new(AtomicUsize::new(0));
    let full = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let (bodies, next, created, full, url) = (
                Arc::clone(&bodies),
                Arc::clone(&next),
                Arc::clone(&created),
                Arc::clone(&full),
                scratch_url.clone(),
            );
            std::thread::spawn(move || {
                let client = Client::new();
                while !full.load(Ordering::SeqCst) {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(body) = bodies.get(i) else { break };
                    let response = post(&client, &url, &format!("fill-{i}"), body);
                    match response.status().as_u16() {
                        201 => {
                            created.fetch_add(1, Ordering::SeqCst);
                        }
                        503 => {
                            assert!(storage_problem(response).ends_with("/storage-full"));
                            full.store(true, Ordering::SeqCst);
                        }
                        other => panic!("unexpected {other}"),
                    }
                }
            })
        })
        .collect();
    for client in clients {
        client.join().unwrap();
    }
    assert!(full.load(Ordering::SeqCst), "1M never filled");
    // Top up one response at a time: the batch that first met a full disk may have been
    // several responses, leaving room for a page or two that a lone answer could still use.
    for i in next.load(Ordering::SeqCst)..bodies.len() {
        match post(&client, &scratch_url, &format!("fill-{i}"), &bodies[i])
            .status()
            .as_u16()
        {
            201 => {
                created.fetch_add(1, Ordering::SeqCst);
            }
            503 => break,
            other => panic!("unexpected {other}"),
        }
    }
    let filled = created.load(Ordering::SeqCst);

    // A submission now is refused with a clear 503, and so is its retry.
    let long = long_answers(&definition, 1);
    for _ in 0..2 {
        let kind = storage_problem(post(&client, &study_url, "long-1", &long));
        assert_eq!(kind, "https://fieldwork.invalid/problems/storage-full");
    }
    // The respondent's long answer is not saved, and comes back in the form.
    let detail = long_text(2000);
    let refused = respondent.answer("hostility_detail", &to("hostility_detail", &detail));
    assert_eq!(refused.status(), 503);
    assert_eq!(refused.headers()["retry-after"], "60");
    let page = refused.text().unwrap();
    assert!(
        page.contains("Your answer has not been saved because our storage is full"),
        "{page}"
    );
    assert!(page.contains(&detail), "the answer is kept in the form");
    integrity_ok(&path);
    // Alive, but not ready: a load balancer sends submissions elsewhere.
    assert_readiness(&base, 200, "ok", "/healthz");
    assert_readiness(&base, 503, "full", "/readyz");

    // Space is freed (retention deletes the scratch responses) and the same server, never
    // restarted, takes what it refused.
    let applied = crate::fieldwork(dir.path(), &database, &["retention", "apply"]);
    assert!(applied.status.success(), "{}", crate::stderr(&applied));
    assert_eq!(post(&client, &study_url, "long-1", &long).status(), 201);
    assert_eq!(
        post(&client, &study_url, "long-2", &long_answers(&definition, 2)).status(),
        201
    );
    let saved = respondent.answer("hostility_detail", &to("hostility_detail", &detail));
    assert_eq!(saved.status(), 200);
    assert_eq!(saved.url().path(), "/s/digital-leadership/q/pledge");
    assert_readiness(&base, 200, "ok", "/readyz");
    stop(server);

    // Stored: exactly what was acknowledged.
    assert_eq!(complete_count(&database, "digital-leadership"), 2);
    assert_eq!(complete_count(&database, "scratch"), 0);
    eprintln!("{filled} scratch responses filled the 1M database");
    integrity_ok(&path);
    assert_logged_without_answers(&log, "storage refused");
}

#[test]
fn a_read_only_database_file_gives_503_keeps_the_answers_and_recovers_without_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ro.db");
    let database = format!("sqlite://{}", path.display());
    let definition = prepared_study(dir.path(), &database);
    let port = free_port();
    let log = dir.path().join("server.log");
    let mut server = serve(dir.path(), &database, port, &log);
    let base = format!("http://127.0.0.1:{port}");
    let url = format!("{base}/api/v1/surveys/digital-leadership/responses");
    let client = Client::new();
    let bodies: Vec<Value> = (0..4).map(|i| long_answers(&definition, i)).collect();
    assert_eq!(post(&client, &url, "k0", &bodies[0]).status(), 201);
    // A respondent answers everything but has not sent it yet.
    let respondent = Respondent::start(&base);
    let answers = json!(SyntheticRespondents::new(&definition, 11).respondent(Some("schools")));
    respondent.answer_all(&definition, &answers);

    let protected = write_protect(&path);
    if protected.how == Protection::Permissions {
        // Not root: permissions bind files opened from now on, so the server starts again
        // on the read-only file (it must be able to).
        stop(server);
        server = serve(dir.path(), &database, port, &log);
    }
    let kind = storage_problem(post(&client, &url, "k1", &bodies[1]));
    assert!(
        kind.ends_with("/storage-read-only") || kind.ends_with("/storage-error"),
        "{kind}"
    );
    // Reads still work.
    assert_eq!(
        client
            .get(format!("{base}/healthz"))
            .send()
            .unwrap()
            .status(),
        200
    );
    // ...but the server is not ready to store.
    let ready = client.get(format!("{base}/readyz")).send().unwrap();
    assert_eq!(ready.status(), 503);
    let ready: Value = ready.json().unwrap();
    assert!(
        ready["storage"] == "read_only" || ready["storage"] == "failing",
        "{ready}"
    );
    // Sending the answers is refused; they are all still on the check page.
    let refused = respondent.send();
    assert_eq!(refused.status(), 503);
    let page = refused.text().unwrap();
    assert!(
        page.contains("Your answers have not been sent because our storage cannot save anything at the moment"),
        "{page}"
    );
    assert!(page.contains("Check your answers before sending them"));
    // Changing an answer is refused too, and the new answer stays in the form.
    let pledge = long_text(1000);
    let refused = respondent.answer("pledge", &[("pledge".into(), pledge.clone())]);
    assert_eq!(refused.status(), 503);
    assert!(refused.text().unwrap().contains(&pledge));

    // Writable again: the same server takes the refused submission and the answers.
    drop(protected);
    assert_eq!(post(&client, &url, "k1", &bodies[1]).status(), 201);
    assert_eq!(post(&client, &url, "k2", &bodies[2]).status(), 201);
    let sent = respondent.send();
    assert_eq!(sent.status(), 200);
    assert_eq!(sent.url().path(), "/s/digital-leadership/done");
    assert_readiness(&base, 200, "ok", "/readyz");
    stop(server);

    // The three acknowledged API responses and the respondent's.
    assert_eq!(complete_count(&database, "digital-leadership"), 4);
    integrity_ok(&path);
    assert_logged_without_answers(&log, "storage refused");
}
