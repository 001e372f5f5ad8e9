//! Contacts, invitations and reminders by email, against a real SMTP server started on
//! loopback (`tests/smtp-sink/sink.py`, Debian's python3-aiosmtpd), plain and with STARTTLS,
//! on both backends.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fieldwork_store::on_both_backends;
use fieldwork_store::testing::TestDatabase;

use crate::{assert_one_line_error, fieldwork, stderr, stdout, FIXTURE};

const SLUG: &str = "digital-leadership";
const SINK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/smtp-sink/sink.py");
const PUBLIC: &str = "https://survey.example.org";

/// Debian's Python, which has python3-aiosmtpd (a pyenv or venv on PATH may not).
fn python() -> String {
    std::env::var("FIELDWORK_TEST_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".into())
}

/// The SMTP sink, stopped when dropped.
struct Sink {
    child: Child,
    port: u16,
    dir: PathBuf,
}

/// A message the sink accepted.
#[derive(Debug, Clone)]
struct Received {
    rcpt_tos: Vec<String>,
    tls: bool,
    raw: String,
}

impl Sink {
    fn start(dir: &Path, extra: &[&str]) -> Sink {
        let out = dir.join("mail");
        let mut child = Command::new(python())
            .arg(SINK)
            .arg("--dir")
            .arg(&out)
            .args(extra)
            .stdout(Stdio::piped())
            // The sink prints a traceback for each refused TLS handshake, which the
            // certificate test provokes on purpose.
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs the SMTP sink (apt-get install python3-aiosmtpd)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("the sink did not start: {line:?}"))
            .parse()
            .unwrap();
        Sink {
            child,
            port,
            dir: out,
        }
    }

    fn received(&self) -> Vec<Received> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map(|entries| entries.map(|e| e.unwrap().path()).collect())
            .unwrap_or_default();
        names.sort();
        names
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .map(|meta| {
                let envelope: serde_json::Value =
                    serde_json::from_str(&std::fs::read_to_string(&meta).unwrap()).unwrap();
                Received {
                    rcpt_tos: envelope["rcpt_tos"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|a| a.as_str().unwrap().to_owned())
                        .collect(),
                    tls: envelope["tls"].as_bool().unwrap(),
                    raw: std::fs::read_to_string(meta.with_extension("eml")).unwrap(),
                }
            })
            .collect()
    }

    /// `fieldwork invitations ARGS` sending through this sink.
    fn command(&self, dir: &Path, db: &str, args: &[&str], tls: Option<&Path>) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_fieldwork"));
        command
            .current_dir(dir)
            .env("FIELDWORK_DATABASE_URL", db)
            .env("FIELDWORK_PUBLIC_URL", PUBLIC)
            .args(["invitations"])
            .args(args)
            .arg("--quiet");
        self.mail_env(&mut command, tls);
        command
    }

    /// The SMTP settings naming this sink, plain or (with the CA to trust) STARTTLS; the log at
    /// trace level, which must hold no contact's address.
    fn mail_env(&self, command: &mut Command, tls: Option<&Path>) {
        command
            .env("FIELDWORK_LOG", "trace")
            .env("FIELDWORK_SMTP_PORT", self.port.to_string())
            .env("FIELDWORK_SMTP_FROM", "Survey team <survey@example.org>")
            .env("FIELDWORK_SMTP_RATE", "200")
            .env("FIELDWORK_SMTP_RETRY_SECONDS", "0.2");
        match tls {
            None => command
                .env("FIELDWORK_SMTP_HOST", "127.0.0.1")
                .env("FIELDWORK_SMTP_TLS", "none"),
            Some(ca) => command
                .env("FIELDWORK_SMTP_HOST", "localhost")
                .env("FIELDWORK_SMTP_TLS", "starttls")
                .env("FIELDWORK_SMTP_CA_FILE", ca),
        };
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A self-signed certificate for `localhost` and its key, as `NAME.pem` and `NAME.key`.
fn certificate(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let (cert, key) = (
        dir.join(format!("{name}.pem")),
        dir.join(format!("{name}.key")),
    );
    let status = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args([
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    (cert, key)
}

fn setup(dir: &Path, db: &TestDatabase, contacts: &str) {
    let url = db.url.as_str();
    for args in [
        vec!["survey", "import", FIXTURE],
        vec!["survey", "open", SLUG],
    ] {
        let out = fieldwork(dir, url, &args);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let file = dir.join("contacts.csv");
    std::fs::write(&file, contacts).unwrap();
    let out = fieldwork(
        dir,
        url,
        &[
            "contacts",
            "import",
            "--survey",
            SLUG,
            file.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
}

fn contacts_csv(n: usize) -> String {
    let mut csv = String::from("email,stratum,name,language\n");
    for i in 0..n {
        let language = if i % 3 == 0 { "cy" } else { "" };
        csv.push_str(&format!(
            "person{i}@example.org,police,Person {i},{language}\n"
        ));
    }
    csv
}

fn run(mut command: Command) -> std::process::Output {
    let out = command.output().unwrap();
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    out
}

/// The invitation link in a message (quoted-printable may wrap it; lettre picks the
/// encoding, so the test unwraps soft line breaks first).
fn link_in(raw: &str) -> String {
    let unwrapped = raw.replace("=\r\n", "").replace("=3D", "=");
    let start = unwrapped
        .find(&format!("{PUBLIC}/s/{SLUG}?invite="))
        .expect("an invitation link");
    unwrapped[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "/:.?=-_".contains(*c))
        .collect()
}

fn opt_out_in(raw: &str) -> String {
    let unwrapped = raw.replace("=\r\n", "").replace("=3D", "=");
    let start = unwrapped
        .find(&format!("{PUBLIC}/opt-out?code="))
        .expect("an opt-out link");
    unwrapped[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "/:.-_?=".contains(*c))
        .collect()
}

fn per_recipient(received: &[Received]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for message in received {
        assert_eq!(message.rcpt_tos.len(), 1, "one recipient per message");
        *counts.entry(message.rcpt_tos[0].clone()).or_default() += 1;
    }
    counts
}

fn every_contact_gets_one_invitation_and_reminders_reach_only_non_responders(db: TestDatabase) {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start(dir.path(), &["--refuse", "person4@example.org"]);
    setup(dir.path(), &db, &contacts_csv(6));

    let sent = run(sink.command(dir.path(), &db.url, &["send", "--survey", SLUG], None));
    assert!(
        stdout(&sent).contains("sent 5 emails, 1 failed"),
        "{}",
        stdout(&sent)
    );
    let received = sink.received();
    let counts = per_recipient(&received);
    assert_eq!(counts.len(), 5);
    assert!(counts.values().all(|&n| n == 1), "{counts:?}");
    assert!(!counts.contains_key("person4@example.org"));
    // Nothing reveals one contact to another, and no address reaches the log.
    let log = stderr(&sent);
    for (i, message) in received.iter().enumerate() {
        let to = &message.rcpt_tos[0];
        for other in 0..6 {
            let address = format!("person{other}@example.org");
            if &address != to {
                assert!(
                    !message.raw.contains(&address),
                    "message {i} names {address}"
                );
            }
        }
        assert!(message
            .raw
            .contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
        assert!(!message.tls);
    }
    for other in 0..6 {
        assert!(
            !log.contains(&format!("person{other}@")),
            "the log names a contact: {log}"
        );
    }
    // Welsh for those who read it, English for the rest.
    let welsh = received
        .iter()
        .find(|m| m.rcpt_tos[0] == "person0@example.org")
        .unwrap();
    assert!(
        welsh.raw.contains("Subject: Arweinyddiaeth ddigidol"),
        "{}",
        welsh.raw
    );
    let english = received
        .iter()
        .find(|m| m.rcpt_tos[0] == "person1@example.org")
        .unwrap();
    assert!(english.raw.contains("will you take part?"));

    // The refused recipient is marked failed with the server's reply; the rest were sent.
    let failed = db.store.failed_messages(SLUG).unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].email, "person4@example.org");
    assert!(failed[0].reply.contains("550"), "{}", failed[0].reply);

    // Sending again sends nothing twice.
    let again = run(sink.command(dir.path(), &db.url, &["send", "--survey", SLUG], None));
    assert!(
        stdout(&again).contains("queued 0 invitations"),
        "{}",
        stdout(&again)
    );
    assert_eq!(sink.received().len(), 5);

    // The links work: person1 completes through theirs, person2 opts out through theirs.
    let link = link_in(&english.raw);
    let token = link.rsplit("invite=").next().unwrap().to_owned();
    let invitation = db
        .store
        .find_invitation(&fieldwork_server::tokens::hash(
            fieldwork_server::invitations::INVITATION_PURPOSE,
            &token,
        ))
        .unwrap()
        .expect("the link's invitation exists");
    assert_eq!(invitation.stratum, "police");
    let survey = db.store.latest_survey(SLUG).unwrap();
    let response = complete_police_response(&survey.definition);
    let started = db
        .store
        .start_response(
            &survey,
            &fieldwork_store::ResponseStart {
                key_hash: "key-1",
                stratum: Some("police"),
                invitation_hash: Some(&invitation_hash(&token)),
                resume_expires_at: chrono::Utc::now().naive_utc() + chrono::TimeDelta::days(1),
                consent: None,
                language: "en",
            },
        )
        .unwrap();
    let fieldwork_store::StartOutcome::Started(started) = started else {
        panic!("{started:?}")
    };
    assert!(db
        .store
        .complete_response(started.id, &response, "receipt-1", "en")
        .unwrap());
    let person2 = received
        .iter()
        .find(|m| m.rcpt_tos[0] == "person2@example.org")
        .unwrap();
    let opt_out_token = opt_out_in(&person2.raw)
        .rsplit("code=")
        .next()
        .unwrap()
        .to_owned();
    assert!(db
        .store
        .opt_out(&fieldwork_server::outreach::opt_out_hash(&opt_out_token))
        .unwrap()
        .is_some());

    // Reminders: not to person1 (completed), person2 (opted out) or person4 (failed).
    let reminded = run(sink.command(
        dir.path(),
        &db.url,
        &["remind", "--survey", SLUG, "--after", "0"],
        None,
    ));
    assert!(
        stdout(&reminded).contains("queued 3 reminders"),
        "{}",
        stdout(&reminded)
    );
    let received = sink.received();
    let reminders: Vec<&Received> = received[5..].iter().collect();
    let mut reminded_to: Vec<&str> = reminders.iter().map(|m| m.rcpt_tos[0].as_str()).collect();
    reminded_to.sort();
    assert_eq!(
        reminded_to,
        [
            "person0@example.org",
            "person3@example.org",
            "person5@example.org"
        ]
    );
    // A reminder carries the same link as the invitation.
    let first = received
        .iter()
        .find(|m| m.rcpt_tos[0] == "person3@example.org")
        .unwrap();
    let reminder = reminders
        .iter()
        .find(|m| m.rcpt_tos[0] == "person3@example.org")
        .unwrap();
    assert_eq!(link_in(&first.raw), link_in(&reminder.raw));
    assert!(
        reminder.raw.contains("Subject: Reminder: "),
        "{}",
        reminder.raw
    );

    // At most the number the survey allows (2): a third round sends nothing.
    for expected in ["queued 3 reminders", "queued 0 reminders"] {
        let out = run(sink.command(
            dir.path(),
            &db.url,
            &["remind", "--survey", SLUG, "--after", "0"],
            None,
        ));
        assert!(stdout(&out).contains(expected), "{}", stdout(&out));
    }
    assert_eq!(per_recipient(&sink.received())["person3@example.org"], 3);

    // The status per stratum.
    let status = fieldwork(
        dir.path(),
        &db.url,
        &["invitations", "status", "--survey", SLUG],
    );
    let text = stdout(&status);
    assert!(
        text.lines()
            .any(|l| l.starts_with("police,41,6,5,1,6,1,1,1,1,2.4%,16.7%")),
        "{text}"
    );
}

fn complete_police_response(
    definition: &fieldwork_survey::SurveyDefinition,
) -> fieldwork_survey::ValidatedResponse {
    let answers = serde_json::json!({
        "sector": "police", "role": "head", "disrupted": "yes", "capable": "no",
        "capability_gaps": ["skills"], "leadership_understanding": "well",
        "behaviours": {
            "users": "agree", "open_culture": "agree", "experiments": "disagree",
            "pace": "neither", "privacy_security": "strongly_agree", "ethics": "agree",
            "skills": "dont_know", "spot_projects": "disagree"
        },
        "barriers": ["legacy_technology", "procurement"], "learning_needs": ["data"],
        "hostility": "no",
    });
    fieldwork_survey::validate_answers(
        definition,
        answers.as_object().unwrap(),
        fieldwork_survey::Completeness::Complete,
    )
    .unwrap()
}

fn invitation_hash(token: &str) -> String {
    fieldwork_server::tokens::hash(fieldwork_server::invitations::INVITATION_PURPOSE, token)
}

fn a_restart_mid_send_sends_nothing_twice(db: TestDatabase) {
    let dir = tempfile::tempdir().unwrap();
    // Each message takes the sink 0.3 s, so the sender is killed part-way.
    let sink = Sink::start(dir.path(), &["--delay", "0.3"]);
    setup(dir.path(), &db, &contacts_csv(8));
    let mut first = sink
        .command(dir.path(), &db.url, &["send", "--survey", SLUG], None)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while sink.received().len() < 3 {
        assert!(Instant::now() < deadline, "the sender never got going");
        std::thread::sleep(Duration::from_millis(20));
    }
    first.kill().unwrap(); // SIGKILL: no chance to record anything more
    first.wait().unwrap();
    std::thread::sleep(Duration::from_millis(500)); // a message in DATA still lands

    run(sink.command(dir.path(), &db.url, &["send", "--survey", SLUG], None));
    let counts = per_recipient(&sink.received());
    assert!(counts.values().all(|&n| n == 1), "sent twice: {counts:?}");
    // At most the one message in flight at the kill is missing, and it is not `sent`.
    assert!(counts.len() >= 7, "{counts:?}");
    let states = db.store.message_states(SLUG).unwrap();
    let sent = states.iter().filter(|(_, _, s)| s == "sent").count();
    let unsettled = states.iter().filter(|(_, _, s)| s == "sending").count();
    assert!(sent <= counts.len() && sent + unsettled >= 7, "{states:?}");
    assert_eq!(sent + unsettled, 8, "{states:?}");
}

fn a_temporary_failure_is_tried_again_and_sent_once(db: TestDatabase) {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start(dir.path(), &["--tempfail-once", "person1@example.org"]);
    setup(dir.path(), &db, &contacts_csv(3));
    let sent = run(sink.command(dir.path(), &db.url, &["send", "--survey", SLUG], None));
    assert!(
        stdout(&sent).contains("sent 3 emails, 0 failed (1 temporary failures tried again)"),
        "{}",
        stdout(&sent)
    );
    let counts = per_recipient(&sink.received());
    assert_eq!(counts.len(), 3);
    assert!(counts.values().all(|&n| n == 1), "{counts:?}");
}

/// Emails queued when a server stopped go out when it starts again, without a press of Send.
fn a_server_resumes_queued_emails_when_it_starts(db: TestDatabase) {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start(dir.path(), &[]);
    setup(dir.path(), &db, &contacts_csv(3));
    assert_eq!(db.store.queue_invitations(SLUG).unwrap(), 3);
    let mut server = Command::new(env!("CARGO_BIN_EXE_fieldwork"));
    sink.mail_env(&mut server, None);
    let mut server = server
        .current_dir(dir.path())
        .env("FIELDWORK_DATABASE_URL", &db.url)
        .env_remove("FIELDWORK_PUBLIC_URL")
        .args(["serve", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while sink.received().len() < 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let received = sink.received();
    let _ = server.kill();
    server.wait().unwrap();
    let counts = per_recipient(&received);
    assert_eq!(counts.len(), 3, "{counts:?}");
    assert!(counts.values().all(|&n| n == 1), "{counts:?}");
    // Without --public-url the links name the server's own loopback address.
    assert!(link_in_any(&received[0].raw).starts_with("http://127.0.0.1:"));
}

/// The invitation link in a message, whatever the base.
fn link_in_any(raw: &str) -> String {
    let unwrapped = raw.replace("=\r\n", "").replace("=3D", "=");
    let end = unwrapped
        .find(&format!("/s/{SLUG}?invite="))
        .expect("a link");
    let start = unwrapped[..end].rfind("http").unwrap();
    unwrapped[start..end].to_owned()
}

fn starttls_is_used_and_the_certificate_is_checked(db: TestDatabase) {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = certificate(dir.path(), "sink");
    let sink = Sink::start(
        dir.path(),
        &["--starttls", cert.to_str().unwrap(), key.to_str().unwrap()],
    );
    setup(dir.path(), &db, &contacts_csv(2));
    // Without trusting the sink's certificate, nothing is sent: each try fails and is retried
    // until the last, then marked failed.
    let (untrusted, _) = certificate(dir.path(), "other");
    let refused = run(sink.command(
        dir.path(),
        &db.url,
        &["send", "--survey", SLUG],
        Some(&untrusted),
    ));
    assert!(
        stdout(&refused).contains("sent 0 emails, 2 failed"),
        "{}",
        stdout(&refused)
    );
    assert!(sink.received().is_empty());

    // Trusted: sent over TLS. A new pair of contacts, since the first two failed for good.
    let more = dir.path().join("more.csv");
    std::fs::write(
        &more,
        "email,stratum\nnew1@example.org,schools\nnew2@example.org,schools\n",
    )
    .unwrap();
    let out = fieldwork(
        dir.path(),
        &db.url,
        &[
            "contacts",
            "import",
            "--survey",
            SLUG,
            more.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let sent = run(sink.command(
        dir.path(),
        &db.url,
        &["send", "--survey", SLUG],
        Some(&cert),
    ));
    assert!(
        stdout(&sent).contains("sent 2 emails, 0 failed"),
        "{}",
        stdout(&sent)
    );
    let received = sink.received();
    assert_eq!(received.len(), 2);
    assert!(received.iter().all(|m| m.tls));
}

fn a_bad_contacts_file_is_refused_whole_with_its_problems_by_line(db: TestDatabase) {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), &db, "email,stratum\nfirst@example.org,police\n");
    let file = dir.path().join("bad.csv");
    std::fs::write(
        &file,
        "email,stratum,name\nok@example.org,police,Ok\nFIRST@example.org,police,\nnope,nowhere,=HYPERLINK(\"x\")\n",
    )
    .unwrap();
    let out = fieldwork(
        dir.path(),
        &db.url,
        &[
            "contacts",
            "import",
            "--survey",
            SLUG,
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("line 4: `nope` is not an email address"),
        "{err}"
    );
    assert!(
        err.contains("line 4: `nowhere` is not a stratum of the survey"),
        "{err}"
    );
    // The duplicate of a stored contact is found once the file itself is clean.
    std::fs::write(
        &file,
        "email,stratum\nok@example.org,police\nFIRST@example.org,police\n",
    )
    .unwrap();
    let out = fieldwork(
        dir.path(),
        &db.url,
        &[
            "contacts",
            "import",
            "--survey",
            SLUG,
            file.to_str().unwrap(),
        ],
    );
    let err = stderr(&out);
    assert!(
        err.contains("line 3: this email is already a contact of the survey"),
        "{err}"
    );
    // Nothing of either file was stored.
    let contacts = db.store.contacts(SLUG).unwrap();
    assert_eq!(contacts.len(), 1);
    assert_eq!(db.store.count_invitations(SLUG).unwrap()[0].1, 1);

    let missing = fieldwork(
        dir.path(),
        &db.url,
        &[
            "invitations",
            "send",
            "--survey",
            SLUG,
            "--public-url",
            PUBLIC,
        ],
    );
    assert_one_line_error(&missing, "no SMTP server is configured");
}

fn no_contact_address_reaches_an_export_or_the_audit_log(db: TestDatabase) {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), &db, &contacts_csv(3));
    for format in ["csv-wide", "csv-long", "codebook-json"] {
        let file = dir.path().join(format!("out.{format}"));
        let out = fieldwork(
            dir.path(),
            &db.url,
            &[
                "export",
                "--survey",
                SLUG,
                "--format",
                format,
                "--out",
                file.to_str().unwrap(),
            ],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let text = std::fs::read_to_string(&file).unwrap();
        for i in 0..3 {
            assert!(!text.contains(&format!("person{i}@")), "{format}");
        }
    }
    let audit = fieldwork(dir.path(), &db.url, &["audit", "--survey", SLUG]);
    assert!(stdout(&audit).contains("contacts.imported"));
    assert!(!stdout(&audit).contains("person0"));
    // Deleting the survey deletes its contacts, audited.
    let out = fieldwork(dir.path(), &db.url, &["survey", "delete", SLUG, "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(db.store.contacts(SLUG).unwrap().is_empty());
    let entries = db.store.audit_entries(Some(SLUG), 10).unwrap();
    assert!(entries.iter().any(|e| e.action == "contacts.deleted"
        && e.detail == serde_json::json!({"contacts": 3, "reason": "survey_deleted"})));
}

on_both_backends!(
    every_contact_gets_one_invitation_and_reminders_reach_only_non_responders,
    a_restart_mid_send_sends_nothing_twice,
    a_temporary_failure_is_tried_again_and_sent_once,
    a_server_resumes_queued_emails_when_it_starts,
    starttls_is_used_and_the_certificate_is_checked,
    a_bad_contacts_file_is_refused_whole_with_its_problems_by_line,
    no_contact_address_reaches_an_export_or_the_audit_log,
);
