//! `fieldwork demo`: synthetic respondents through the real HTTP paths, the report published,
//! a second run reusing or replacing the demo database, and serving until Ctrl-C.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use fieldwork_server::accounts::verify_password;
use fieldwork_store::{Role, Store};

use crate::{assert_one_line_error, stderr, stdout};

const SLUG: &str = "digital-leadership";

fn demo(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fieldwork"))
        .current_dir(dir)
        .env_remove("FIELDWORK_DATABASE_URL")
        .env_remove("FIELDWORK_LOG")
        .arg("demo")
        .args(args)
        .output()
        .expect("the fieldwork binary runs")
}

/// The password printed on the `password:` line.
fn password(out: &str) -> String {
    out.lines()
        .find_map(|l| l.trim().strip_prefix("password: "))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no password in: {out}"))
        .to_owned()
}

/// Complete and partial responses stored, and withdrawals in the audit log.
fn counts(store: &Store) -> (i64, i64, usize) {
    let survey = store
        .list_surveys()
        .unwrap()
        .into_iter()
        .find(|s| s.slug == SLUG)
        .expect("the study is stored");
    let withdrawn = store
        .audit_entries(Some(SLUG), 10_000)
        .unwrap()
        .iter()
        .filter(|e| e.action == "response.withdrawn")
        .count();
    (
        survey.complete_responses,
        survey.partial_responses,
        withdrawn,
    )
}

fn stored_hash(store: &Store) -> String {
    store
        .user_credentials("demo@example.org")
        .unwrap()
        .expect("the demo researcher")
        .1
}

#[test]
fn the_demo_submits_analyses_publishes_and_runs_again() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let args = ["--responses", "300", "--no-serve", "--database", &url];

    let first = demo(dir.path(), &args);
    let out = stdout(&first);
    assert!(first.status.success(), "{}{out}", stderr(&first));
    assert!(out.contains("Creating the demo database"), "{out}");
    // 300 respondents: 2% submit then withdraw, 8% save part-way, the rest complete.
    assert!(
        out.contains("270 complete (JSON API), 24 saved part-way and 6 submitted then withdrawn"),
        "{out}"
    );
    {
        let store = Store::open(&url).unwrap();
        assert_eq!(counts(&store), (270, 24, 6));
        let report = store.published_report(SLUG).unwrap().expect("published");
        assert!(report.files > 10, "{report:?}");
        let researcher = store.user_by_email("demo@example.org").unwrap();
        assert_eq!(
            store.survey_role(SLUG, researcher.id).unwrap(),
            Some(Role::Owner)
        );
        assert!(verify_password(&password(&out), &stored_hash(&store)));
        // Each sector gets invitations beyond those who answered.
        let rates = fieldwork_analysis::fieldwork_progress(&store, SLUG).unwrap();
        assert_eq!(rates.len(), 5);
        assert!(
            rates
                .iter()
                .all(|r| r.invited as f64 >= (r.complete + r.partial) as f64),
            "{rates:?}"
        );
    }
    for file in [
        "results/estimates.csv",
        "results/tests.csv",
        "report/index.html",
    ] {
        assert!(
            dir.path().join("demo-output").join(file).is_file(),
            "{file}"
        );
    }

    // Again: the finished demo is reused, with a new password.
    let second = demo(dir.path(), &args);
    let out2 = stdout(&second);
    assert!(second.status.success(), "{}{out2}", stderr(&second));
    assert!(out2.contains("Reusing the demo database"), "{out2}");
    assert!(
        !out2.contains("submitted"),
        "nothing submitted again: {out2}"
    );
    {
        let store = Store::open(&url).unwrap();
        assert_eq!(counts(&store), (270, 24, 6));
        let hash = stored_hash(&store);
        assert!(verify_password(&password(&out2), &hash));
        assert!(
            !verify_password(&password(&out), &hash),
            "the old password is gone"
        );
    }

    // --fresh replaces it: the same seed gives the same respondents.
    let mut fresh = args.to_vec();
    fresh.push("--fresh");
    let third = demo(dir.path(), &fresh);
    let out3 = stdout(&third);
    assert!(third.status.success(), "{}{out3}", stderr(&third));
    assert!(out3.contains("Replacing the demo database"), "{out3}");
    assert_eq!(counts(&Store::open(&url).unwrap()), (270, 24, 6));
}

#[test]
fn the_demo_never_touches_a_database_it_did_not_make() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("real.db").display());
    let store = Store::open(&url).unwrap();
    store
        .create_user(
            "ana@example.org",
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
            false,
            "cli",
        )
        .unwrap();
    drop(store);
    for extra in [&[][..], &["--fresh"][..]] {
        let mut args = vec!["--no-serve", "--responses", "10", "--database", &url];
        args.extend_from_slice(extra);
        assert_one_line_error(&demo(dir.path(), &args), "did not make");
    }
    let store = Store::open(&url).unwrap();
    assert!(store.list_surveys().unwrap().is_empty());
    assert_eq!(store.list_users().unwrap().len(), 1);

    assert_eq!(
        demo(dir.path(), &["--responses", "0"]).status.code(),
        Some(2)
    );
    assert_one_line_error(
        &demo(dir.path(), &["--responses", "40000", "--no-serve"]),
        "--responses must be at most",
    );
}

#[test]
fn the_demo_serves_what_it_prints_until_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_fieldwork"))
        .current_dir(dir.path())
        .env_remove("FIELDWORK_LOG")
        .args([
            "demo",
            "--responses",
            "60",
            "--bind",
            "127.0.0.1:0",
            "--database",
            &url,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (sender, lines) = std::sync::mpsc::channel();
    let out = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = sender.send(line);
        }
    });
    let mut printed = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    while !printed.iter().any(|l: &String| l.contains("JSON API:")) {
        match lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) => printed.push(line),
            Err(_) => {
                let _ = child.kill();
                panic!("the demo printed no URLs: {printed:#?}");
            }
        }
    }
    let url_after = |label: &str| {
        printed
            .iter()
            .find_map(|l| l.trim().strip_prefix(label))
            .map(|rest| rest.trim().to_owned())
            .unwrap_or_else(|| panic!("no {label} in {printed:#?}"))
    };
    let (survey, sign_in, report) = (
        url_after("survey (an unused invitation):"),
        url_after("admin sign-in:"),
        url_after("published report:"),
    );
    let password = password(&printed.join("\n"));
    {
        let client = reqwest::blocking::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        for url in [&survey, &sign_in, &report] {
            let response = client.get(url).send().unwrap();
            assert_eq!(response.status(), 200, "{url}");
        }
        let form = client.get(&sign_in).send().unwrap().text().unwrap();
        let csrf = form
            .split("name=\"csrf_token\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("a CSRF token")
            .to_owned();
        let signed_in = client
            .post(&sign_in)
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("email", "demo@example.org"),
                ("password", password.as_str()),
            ])
            .send()
            .unwrap();
        assert_eq!(signed_in.status(), 200);
        assert!(signed_in.url().path() == "/admin", "{}", signed_in.url());
        assert!(signed_in.text().unwrap().contains(SLUG));
    }

    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the demo did not stop on Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    printed.extend(lines.try_iter());
    assert_eq!(exit.code(), Some(0), "{printed:#?}");
    assert_eq!(printed.last().map(String::as_str), Some("stopped"));
}
