//! `fieldwork user`, `token`, `survey share`, `audit` and `retention`, and a server at trace
//! level whose log must hold no password, token, session or answer.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{assert_one_line_error, fieldwork, stdout, FIXTURE};

const PASSWORD: &str = "Pass-Phrase-Marker-4411 horse";

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
    for secret in [
        PASSWORD,
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
