//! `fieldwork user`, `token`, `survey share`, `survey delete`, `audit` and `retention`, and a
//! server at trace level whose log must hold no password, token, session or answer.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{assert_one_line_error, fieldwork, stdout, FIXTURE};

const PASSWORD: &str = "Pass-Phrase-Marker-4411 horse";
const NEW_PASSWORD: &str = "New-Phrase-Marker-8080 battery";

fn with_stdin(
    dir: &std::path::Path,
    database: &str,
    args: &[&str],
    input: &str,
) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fieldwork"))
        .current_dir(dir)
        .env("FIELDWORK_DATABASE_URL", database)
        .env_remove("FIELDWORK_LOG")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn users_tokens_sharing_audit_and_retention_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("a.db").display());
    let run = |args: &[&str]| fieldwork(dir.path(), &db, args);
    assert!(run(&["survey", "import", FIXTURE]).status.success());
    let added = with_stdin(
        dir.path(),
        &db,
        &["user", "add", "Ana@Example.org"],
        &format!("{PASSWORD}\n"),
    );
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    assert_eq!(stdout(&added), "added ana@example.org\n");
    let short = with_stdin(
        dir.path(),
        &db,
        &["user", "add", "bo@example.org"],
        "too short\n",
    );
    assert_one_line_error(&short, "at least 12 characters");
    assert_one_line_error(
        &run(&["user", "add", "not-an-email", "--generate-password"]),
        "correct format",
    );
    assert_one_line_error(
        &run(&["user", "add", "ana@example.org", "--generate-password"]),
        "already an account",
    );
    let generated = run(&[
        "user",
        "add",
        "root@example.org",
        "--admin",
        "--generate-password",
    ]);
    assert!(generated.status.success());
    assert!(stdout(&generated).contains("password (shown once): "));
    assert!(stdout(&run(&["user", "list"])).contains("root@example.org"));

    // A token needs a role first.
    let create = [
        "token",
        "create",
        "--user",
        "ana@example.org",
        "--survey",
        "digital-leadership",
        "--scope",
        "export",
    ];
    assert_one_line_error(&run(&create), "has no role on survey `digital-leadership`");
    let shared = run(&[
        "survey",
        "share",
        "digital-leadership",
        "--email",
        "ana@example.org",
        "--role",
        "analyst",
    ]);
    assert_eq!(
        stdout(&shared),
        "ana@example.org is now analyst of `digital-leadership`\n"
    );
    assert_one_line_error(
        &run(&[
            "survey",
            "share",
            "nope",
            "--email",
            "ana@example.org",
            "--role",
            "owner",
        ]),
        "there is no survey `nope`",
    );
    let made = run(&create);
    assert!(made.status.success());
    let out = stdout(&made);
    let token = out.lines().nth(1).unwrap();
    assert!(token.starts_with("fwk_"), "{out}");
    let listed = stdout(&run(&["token", "list"]));
    assert!(
        listed.contains("active") && !listed.contains(token),
        "{listed}"
    );
    assert!(run(&["token", "revoke", "1"]).status.success());
    assert!(stdout(&run(&["token", "list"])).contains("revoked"));
    assert_one_line_error(&run(&["token", "revoke", "99"]), "no API token with id 99");

    assert!(run(&[
        "survey",
        "retention",
        "digital-leadership",
        "--until",
        "2001-01-01"
    ])
    .status
    .success());
    assert_eq!(
        stdout(&run(&["retention", "apply"])),
        "no survey is past its retention date with responses left\n"
    );
    let audit = stdout(&run(&["audit", "--survey", "digital-leadership"]));
    let actions: Vec<&str> = audit
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().nth(3).unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "role.granted",
            "token.created",
            "token.revoked",
            "retention.set"
        ],
        "{audit}"
    );
    assert!(!audit.contains(token));
    let everything = stdout(&run(&["audit"]));
    assert!(everything.contains("user.created") && !everything.contains(PASSWORD));
    assert_one_line_error(
        &run(&["audit", "--survey", "nope"]),
        "there is no survey `nope`",
    );
}

#[test]
fn the_server_log_holds_no_password_token_session_or_answer() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("log.db").display());
    let run = |args: &[&str]| fieldwork(dir.path(), &db, args);
    assert!(run(&["survey", "import", FIXTURE]).status.success());
    assert!(run(&["survey", "open", "digital-leadership"])
        .status
        .success());
    assert!(with_stdin(
        dir.path(),
        &db,
        &["user", "add", "ana@example.org"],
        &format!("{PASSWORD}\n")
    )
    .status
    .success());
    assert!(run(&[
        "survey",
        "share",
        "digital-leadership",
        "--email",
        "ana@example.org",
        "--role",
        "owner"
    ])
    .status
    .success());
    let made = run(&[
        "token",
        "create",
        "--user",
        "ana@example.org",
        "--survey",
        "digital-leadership",
        "--scope",
        "export",
    ]);
    let token = stdout(&made).lines().nth(1).unwrap().to_owned();

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log = dir.path().join("server.log");
    let mut server = Command::new(env!("CARGO_BIN_EXE_fieldwork"))
        .current_dir(dir.path())
        .env("FIELDWORK_DATABASE_URL", &db)
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
    let browser = reqwest::blocking::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let csrf = |html: &str| {
        let marker = "name=\"csrf_token\" value=\"";
        let start = html.find(marker).unwrap() + marker.len();
        html[start..].split('"').next().unwrap().to_owned()
    };
    let page = browser
        .get(format!("{base}/admin/sign-in"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let form_token = csrf(&page);
    let wrong = browser
        .post(format!("{base}/admin/sign-in"))
        .form(&[
            ("csrf_token", form_token.as_str()),
            ("email", "ana@example.org"),
            ("password", "Wrong-Password-Marker-99"),
        ])
        .send()
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 401);
    let signed = browser
        .post(format!("{base}/admin/sign-in"))
        .form(&[
            ("csrf_token", form_token.as_str()),
            ("email", "ana@example.org"),
            ("password", PASSWORD),
        ])
        .send()
        .unwrap();
    assert_eq!(signed.status().as_u16(), 303);
    let session = signed.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .split('=')
        .nth(1)
        .unwrap()
        .to_owned();
    // Invitations made on the admin pages, then answered through the API.
    let page = browser
        .get(format!(
            "{base}/admin/surveys/digital-leadership/invitations"
        ))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let invitations = browser
        .post(format!(
            "{base}/admin/surveys/digital-leadership/invitations"
        ))
        .form(&[
            ("csrf_token", csrf(&page).as_str()),
            ("stratum", "police"),
            ("count", "2"),
        ])
        .send()
        .unwrap()
        .text()
        .unwrap();
    let invite = invitations
        .lines()
        .nth(1)
        .unwrap()
        .rsplit("invite=")
        .next()
        .unwrap()
        .to_owned();
    let marker = "Secret-Answer-Marker-5150";
    let answers = serde_json::json!({
        "role": "elected", "disrupted": "yes", "capable": "yes", "leadership_understanding": "well",
        "behaviours": {"users": "agree", "open_culture": "agree", "experiments": "agree", "pace": "agree",
                       "privacy_security": "agree", "ethics": "agree", "skills": "agree", "spot_projects": "agree"},
        "barriers": ["funding"], "learning_needs": ["data"], "hostility": "experienced",
        "hostility_detail": marker, "pledge": marker,
    });
    let created = reqwest::blocking::Client::new()
        .post(format!(
            "{base}/api/v1/surveys/digital-leadership/responses"
        ))
        .header("Idempotency-Key", "log-1")
        .json(&serde_json::json!({"answers": answers, "invitation": invite}))
        .send()
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    let api = reqwest::blocking::Client::new();
    let export = api
        .get(format!(
            "{base}/api/v1/surveys/digital-leadership/export?format=csv-long"
        ))
        .bearer_auth(&token)
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(export.contains(marker), "the export carries the answers");
    let in_url = api
        .get(format!(
            "{base}/api/v1/surveys/digital-leadership/progress?access_token={token}"
        ))
        .send()
        .unwrap();
    assert_eq!(in_url.status().as_u16(), 400);
    // A password change on the admin pages: a wrong current password, then a good change.
    let page = browser
        .get(format!("{base}/admin/account/password"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let change = |current: &str| {
        browser
            .post(format!("{base}/admin/account/password"))
            .form(&[
                ("csrf_token", csrf(&page).as_str()),
                ("current_password", current),
                ("new_password", NEW_PASSWORD),
                ("confirm_password", NEW_PASSWORD),
            ])
            .send()
            .unwrap()
    };
    assert_eq!(change("Wrong-Current-Marker-77").status().as_u16(), 422);
    let changed = change(PASSWORD);
    assert_eq!(changed.status().as_u16(), 303);
    let rotated = changed
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("fieldwork_session="))
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_owned();
    std::thread::sleep(Duration::from_millis(200));
    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    let _ = server.wait();

    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("/admin/sign-in"),
        "requests are logged: {logged}"
    );
    assert!(
        logged.contains("sign-in failed"),
        "failures are logged: {logged}"
    );
    assert!(
        logged.contains("password change refused") && logged.contains("password changed"),
        "password changes are logged: {logged}"
    );
    for secret in [
        PASSWORD,
        NEW_PASSWORD,
        "Wrong-Current-Marker-77",
        rotated.as_str(),
        "Wrong-Password-Marker-99",
        token.as_str(),
        session.as_str(),
        invite.as_str(),
        marker,
        form_token.as_str(),
    ] {
        assert!(!logged.contains(secret), "{secret} reached the log");
    }
    assert!(!logged.contains("fwk_"), "no API token reached the log");
}

/// The pulse fixture with three responses, the leadership fixture beside it, and a researcher
/// who owns pulse and holds a token for it.
fn two_surveys(dir: &std::path::Path, db: &str) {
    let run = |args: &[&str]| fieldwork(dir, db, args);
    assert!(run(&["survey", "import", PULSE]).status.success());
    assert!(run(&["survey", "import", FIXTURE]).status.success());
    std::fs::write(
        dir.join("in.csv"),
        "unit,load,tools__mail,tools__chat,tools__none,chat_hours,note\n\
         ops,high,1,1,0,4.5,\n\
         policy,low,0,0,1,.n,\n\
         ops,low,,,,.n,fine\n",
    )
    .unwrap();
    let imported = run(&["responses", "import", "--survey", "pulse", "in.csv"]);
    assert!(imported.status.success(), "{}", crate::stderr(&imported));
    assert!(with_stdin(
        dir,
        db,
        &["user", "add", "ana@example.org"],
        &format!("{PASSWORD}\n")
    )
    .status
    .success());
    for slug in ["pulse", "digital-leadership"] {
        assert!(run(&[
            "survey",
            "share",
            slug,
            "--email",
            "ana@example.org",
            "--role",
            "owner"
        ])
        .status
        .success());
    }
    assert!(run(&[
        "token",
        "create",
        "--user",
        "ana@example.org",
        "--survey",
        "pulse",
        "--scope",
        "read"
    ])
    .status
    .success());
}

const PULSE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../fixtures/exports/pulse.json"
);

#[test]
fn survey_delete_asks_for_confirmation_and_says_what_it_removed() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("d.db").display());
    let run = |args: &[&str]| fieldwork(dir.path(), &db, args);
    two_surveys(dir.path(), &db);
    // No terminal to type the slug at, and no --yes: refused, nothing deleted.
    let refused = with_stdin(dir.path(), &db, &["survey", "delete", "pulse"], "pulse\n");
    assert_one_line_error(
        &refused,
        "refusing to delete `pulse` without confirmation: standard input is not a terminal, so pass --yes",
    );
    assert!(stdout(&run(&["survey", "list"])).contains("pulse "));
    assert_one_line_error(
        &run(&["survey", "delete", "nope", "--yes"]),
        "there is no survey `nope`",
    );

    let deleted = run(&["survey", "delete", "pulse", "--yes"]);
    assert!(deleted.status.success(), "{}", crate::stderr(&deleted));
    assert_eq!(
        stdout(&deleted),
        "deleted `pulse`: 1 version, 3 complete and 0 partial responses, 0 invitations, 1 role, 1 API token, 0 published reports\n\
         the audit log keeps its entries about `pulse` (`fieldwork audit --survey pulse`)\n"
    );
    let list = stdout(&run(&["survey", "list"]));
    assert!(
        !list.contains("pulse") && list.contains("digital-leadership"),
        "{list}"
    );
    assert!(!stdout(&run(&["token", "list"])).contains("pulse"));
    assert_one_line_error(
        &run(&["survey", "delete", "pulse", "--yes"]),
        "there is no survey `pulse`",
    );
    // The deleted survey's audit log can still be read.
    let audit = stdout(&run(&["audit", "--survey", "pulse"]));
    let actions: Vec<&str> = audit
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().nth(3).unwrap())
        .collect();
    assert_eq!(
        actions,
        ["role.granted", "token.created", "survey.deleted"],
        "{audit}"
    );
    assert!(audit.contains("\"complete_responses\":3"), "{audit}");
    assert_one_line_error(
        &run(&["audit", "--survey", "nope"]),
        "there is no survey `nope`",
    );
}

/// Run `fieldwork ARGS` on a terminal of its own (util-linux `script`), typing `input`.
fn on_a_terminal(
    dir: &std::path::Path,
    database: &str,
    args: &str,
    input: &str,
) -> std::process::Output {
    let command = format!("{} {args}", env!("CARGO_BIN_EXE_fieldwork"));
    let mut child = Command::new("script")
        .args(["-q", "-e", "-c", &command, "/dev/null"])
        .current_dir(dir)
        .env("FIELDWORK_DATABASE_URL", database)
        .env_remove("FIELDWORK_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script (util-linux) runs");
    let mut stdin = child.stdin.take().unwrap();
    // Type only once the prompt is up, as a person would.
    std::thread::sleep(Duration::from_millis(500));
    stdin.write_all(input.as_bytes()).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    drop(stdin);
    child.wait_with_output().unwrap()
}

#[test]
fn survey_delete_at_a_terminal_needs_the_slug_typed() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("t.db").display());
    two_surveys(dir.path(), &db);
    let wrong = on_a_terminal(dir.path(), &db, "survey delete pulse", "puls\n");
    let shown = stdout(&wrong);
    assert_eq!(wrong.status.code(), Some(1), "{shown}");
    assert!(
        shown.contains("has 1 version, 3 complete and 0 partial responses"),
        "{shown}"
    );
    assert!(shown.contains("To delete it, type its slug:"), "{shown}");
    assert!(
        shown.contains("what you typed is not `pulse`; nothing was deleted"),
        "{shown}"
    );
    assert!(stdout(&fieldwork(dir.path(), &db, &["survey", "list"])).contains("pulse "));
    let typed = on_a_terminal(dir.path(), &db, "survey delete pulse", "pulse\n");
    let shown = stdout(&typed);
    assert!(typed.status.success(), "{shown}");
    assert!(shown.contains("deleted `pulse`: 1 version"), "{shown}");
    assert!(!stdout(&fieldwork(dir.path(), &db, &["survey", "list"])).contains("pulse "));
}

#[test]
fn user_password_resets_a_password_and_ends_every_session() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("p.db").display());
    let run = |args: &[&str]| fieldwork(dir.path(), &db, args);
    assert!(with_stdin(
        dir.path(),
        &db,
        &["user", "add", "ana@example.org"],
        &format!("{PASSWORD}\n")
    )
    .status
    .success());
    // Two sessions, as two browsers signed in would have.
    let store = fieldwork_store::Store::open(&db).unwrap();
    let ana = store.user_by_email("ana@example.org").unwrap();
    for id in ["s1", "s2"] {
        store
            .create_session(fieldwork_store::NewSession {
                id_hash: id,
                user_id: ana.id,
                expires_at: chrono::Utc::now().naive_utc() + chrono::TimeDelta::hours(1),
                replaces: None,
                address: "127.0.0.1",
            })
            .unwrap();
    }
    let changed = with_stdin(
        dir.path(),
        &db,
        &["user", "password", "Ana@Example.org"],
        &format!("{NEW_PASSWORD}\n"),
    );
    assert!(changed.status.success(), "{}", crate::stderr(&changed));
    assert_eq!(
        stdout(&changed),
        "changed the password of ana@example.org; ended 2 sessions\n"
    );
    let idle = chrono::TimeDelta::minutes(30);
    assert!(store.session("s1", idle).unwrap().is_none());
    assert!(store.session("s2", idle).unwrap().is_none());
    let hash = || {
        store
            .user_credentials("ana@example.org")
            .unwrap()
            .unwrap()
            .1
    };
    assert!(fieldwork_server::accounts::verify_password(
        NEW_PASSWORD,
        &hash()
    ));
    assert!(!fieldwork_server::accounts::verify_password(
        PASSWORD,
        &hash()
    ));

    let generated = run(&["user", "password", "ana@example.org", "--generate"]);
    assert!(generated.status.success());
    let out = stdout(&generated);
    let shown = out
        .lines()
        .find_map(|l| l.strip_prefix("password (shown once): "))
        .expect("the password, once");
    assert!(fieldwork_server::accounts::verify_password(shown, &hash()));
    assert!(out.starts_with("changed the password of ana@example.org; ended 0 sessions\n"));

    let short = with_stdin(
        dir.path(),
        &db,
        &["user", "password", "ana@example.org"],
        "too short\n",
    );
    assert_one_line_error(&short, "at least 12 characters");
    assert_one_line_error(
        &run(&["user", "password", "bo@example.org", "--generate"]),
        "there is no account for bo@example.org",
    );
    assert_one_line_error(
        &run(&["user", "password", "not-an-email", "--generate"]),
        "correct format",
    );
    let audit = stdout(&run(&["audit"]));
    assert_eq!(audit.matches("user.password_changed").count(), 2, "{audit}");
    assert!(audit.contains("\"sessions_ended\":2"), "{audit}");
    for secret in [PASSWORD, NEW_PASSWORD, shown] {
        assert!(!audit.contains(secret));
    }
}
