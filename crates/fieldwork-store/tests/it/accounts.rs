use chrono::{NaiveDate, TimeDelta, Utc};
use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection};
use fieldwork_store::testing::TestDatabase;
use fieldwork_store::{
    NewResponse, NewSession, PasswordChange, Role, StoreError, SurveyStatus, TokenScope, CLI_ACTOR,
};

use crate::{complete_response, fixture_definition, imported, on_both_backends};

const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";
fn micros(at: chrono::NaiveDateTime) -> chrono::NaiveDateTime {
    chrono::DurationRound::duration_trunc(at, TimeDelta::microseconds(1)).unwrap()
}

const SLUG: &str = "digital-leadership";

fn actions(db: &TestDatabase, survey: Option<&str>) -> Vec<String> {
    let mut entries = db.store.audit_entries(survey, 1000).unwrap();
    entries.reverse();
    entries.into_iter().map(|e| e.action).collect()
}

fn emails_are_unique_whatever_their_case(db: TestDatabase) {
    let ana = db
        .store
        .create_user("Ana@Example.org", HASH, false, CLI_ACTOR)
        .unwrap();
    assert_eq!(ana.email, "ana@example.org");
    assert!(!ana.is_admin);
    assert!(matches!(
        db.store.create_user("ana@EXAMPLE.org ", HASH, true, CLI_ACTOR),
        Err(StoreError::UserExists(email)) if email == "ana@example.org"
    ));
    let (found, hash) = db
        .store
        .user_credentials("ANA@example.ORG")
        .unwrap()
        .unwrap();
    assert_eq!((found, hash.as_str()), (ana, HASH));
    assert!(db
        .store
        .user_credentials("bo@example.org")
        .unwrap()
        .is_none());
    assert!(matches!(
        db.store.user_by_email("bo@example.org"),
        Err(StoreError::UserNotFound(_))
    ));
    let entry = &db.store.audit_entries(None, 10).unwrap()[0];
    assert_eq!(entry.action, "user.created");
    assert_eq!(entry.actor, "cli");
    assert_eq!(
        entry.detail,
        serde_json::json!({"user": "ana@example.org", "admin": false})
    );
    assert!(
        !entry.detail.to_string().contains("argon2"),
        "no hash in the log"
    );
}

fn sessions_end_when_idle_expired_replaced_or_deleted(db: TestDatabase) {
    let ana = db
        .store
        .create_user("ana@example.org", HASH, false, CLI_ACTOR)
        .unwrap();
    let later = micros(Utc::now().naive_utc() + TimeDelta::hours(12));
    let idle = TimeDelta::minutes(30);
    let start = |id: &str, replaces: Option<&str>| {
        db.store
            .create_session(NewSession {
                id_hash: id,
                user_id: ana.id,
                expires_at: later,
                replaces,
                address: "127.0.0.1",
            })
            .unwrap()
    };
    start("s1", None);
    let session = db.store.session("s1", idle).unwrap().expect("live");
    assert_eq!(session.user, ana);
    assert_eq!(session.expires_at, later);
    // Idle for longer than the idle timeout: gone, and deleted.
    let long_ago = Utc::now().naive_utc() - TimeDelta::minutes(31);
    db.store.backdate_session("s1", long_ago, long_ago).unwrap();
    assert!(db.store.session("s1", idle).unwrap().is_none());
    assert!(!db.store.delete_session("s1").unwrap(), "already deleted");
    // Past its absolute expiry, however recently used.
    db.store
        .create_session(NewSession {
            id_hash: "s2",
            user_id: ana.id,
            expires_at: Utc::now().naive_utc() - TimeDelta::seconds(1),
            replaces: None,
            address: "127.0.0.1",
        })
        .unwrap();
    assert!(db.store.session("s2", idle).unwrap().is_none());
    // A new sign-in ends the session the browser had.
    start("s3", None);
    start("s4", Some("s3"));
    assert!(db.store.session("s3", idle).unwrap().is_none());
    assert!(db.store.session("s4", idle).unwrap().is_some());
    assert!(db.store.delete_session("s4").unwrap());
    assert!(db.store.session("s4", idle).unwrap().is_none());
    assert_eq!(
        actions(&db, None),
        ["user.created", "sign_in", "sign_in", "sign_in", "sign_in"]
    );
}

fn a_password_change_ends_every_other_session_and_rotates_the_current_one(db: TestDatabase) {
    let ana = db
        .store
        .create_user("ana@example.org", HASH, false, CLI_ACTOR)
        .unwrap();
    let bo = db
        .store
        .create_user("bo@example.org", HASH, false, CLI_ACTOR)
        .unwrap();
    let idle = TimeDelta::minutes(30);
    let expires = micros(Utc::now().naive_utc() + TimeDelta::hours(12));
    for (id, user) in [("a1", &ana), ("a2", &ana), ("a3", &ana), ("b1", &bo)] {
        db.store
            .create_session(NewSession {
                id_hash: id,
                user_id: user.id,
                expires_at: expires,
                replaces: None,
                address: "127.0.0.1",
            })
            .unwrap();
    }
    let signed_in_at = db.store.session("a1", idle).unwrap().unwrap().created_at;
    let new_hash = "$argon2id$v=19$m=19456,t=2,p=1$bmV3c2FsdA$bmV3aGFzaG5ld2hhc2g";
    let ended = db
        .store
        .change_password(PasswordChange {
            email: "ANA@example.org",
            password_hash: new_hash,
            rotate: Some(("a1", "a1-rotated")),
            actor: "ana@example.org",
            via: "admin",
        })
        .unwrap();
    assert_eq!(ended, 2, "a2 and a3");
    for gone in ["a1", "a2", "a3"] {
        assert!(db.store.session(gone, idle).unwrap().is_none(), "{gone}");
    }
    let rotated = db
        .store
        .session("a1-rotated", idle)
        .unwrap()
        .expect("rotated");
    assert_eq!(rotated.user, ana);
    assert_eq!(
        (rotated.created_at, rotated.expires_at),
        (signed_in_at, expires),
        "a new id, not a longer session"
    );
    assert!(
        db.store.session("b1", idle).unwrap().is_some(),
        "others' sessions stay"
    );
    let (_, stored) = db
        .store
        .user_credentials("ana@example.org")
        .unwrap()
        .unwrap();
    assert_eq!(stored, new_hash);
    // A reset ends every session.
    let ended = db
        .store
        .change_password(PasswordChange {
            email: "ana@example.org",
            password_hash: HASH,
            rotate: None,
            actor: CLI_ACTOR,
            via: "cli",
        })
        .unwrap();
    assert_eq!(ended, 1);
    assert!(db.store.session("a1-rotated", idle).unwrap().is_none());
    let entries = db.store.audit_entries(None, 2).unwrap();
    assert_eq!(
        entries
            .iter()
            .map(|e| (e.actor.as_str(), e.action.as_str(), e.detail.clone()))
            .collect::<Vec<_>>(),
        [
            (
                "cli",
                "user.password_changed",
                serde_json::json!({"user": "ana@example.org", "via": "cli", "sessions_ended": 1})
            ),
            (
                "ana@example.org",
                "user.password_changed",
                serde_json::json!({"user": "ana@example.org", "via": "admin", "sessions_ended": 2})
            ),
        ]
    );
    assert!(!entries
        .iter()
        .any(|e| e.detail.to_string().contains("argon2")));
    assert!(matches!(
        db.store.change_password(PasswordChange {
            email: "nobody@example.org",
            password_hash: HASH,
            rotate: None,
            actor: CLI_ACTOR,
            via: "cli",
        }),
        Err(StoreError::UserNotFound(_))
    ));
}

fn failed_sign_ins_count_per_account_and_address_until_a_good_one(db: TestDatabase) {
    let ana = db
        .store
        .create_user("ana@example.org", HASH, false, CLI_ACTOR)
        .unwrap();
    let since = Utc::now().naive_utc() - TimeDelta::minutes(15);
    for _ in 0..3 {
        db.store
            .record_sign_in_failure("Ana@example.org", "10.0.0.1", "bad_password", true)
            .unwrap();
    }
    db.store
        .record_sign_in_failure("nobody@example.org", "10.0.0.1", "unknown_account", true)
        .unwrap();
    db.store
        .record_sign_in_failure("ana@example.org", "10.0.0.2", "throttled", false)
        .unwrap();
    let failures = db
        .store
        .sign_in_failures("ana@example.org", "10.0.0.1", since)
        .unwrap();
    assert_eq!((failures.account, failures.address), (3, 4));
    assert!(failures.account_latest.is_some() && failures.address_latest.is_some());
    let elsewhere = db
        .store
        .sign_in_failures("ana@example.org", "10.0.0.9", since)
        .unwrap();
    assert_eq!((elsewhere.account, elsewhere.address), (3, 0));
    assert_eq!(elsewhere.address_latest, None);
    db.store
        .create_session(NewSession {
            id_hash: "s",
            user_id: ana.id,
            expires_at: Utc::now().naive_utc() + TimeDelta::hours(1),
            replaces: None,
            address: "10.0.0.1",
        })
        .unwrap();
    let after = db
        .store
        .sign_in_failures("ana@example.org", "10.0.0.1", since)
        .unwrap();
    assert_eq!(
        (after.account, after.address),
        (0, 1),
        "the account is forgiven, the address is not"
    );
    let failed = db
        .store
        .audit_entries(None, 100)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "sign_in.failed")
        .count();
    assert_eq!(failed, 5, "every failure is audited, throttled ones too");
}

fn roles_are_per_survey_and_a_survey_keeps_an_owner(db: TestDatabase) {
    imported(&db);
    for email in ["ana@example.org", "bo@example.org"] {
        db.store.create_user(email, HASH, false, CLI_ACTOR).unwrap();
    }
    let ana = db.store.user_by_email("ana@example.org").unwrap();
    assert_eq!(db.store.survey_role(SLUG, ana.id).unwrap(), None);
    db.store
        .set_survey_role(SLUG, "ana@example.org", Some(Role::Owner), CLI_ACTOR)
        .unwrap();
    db.store
        .set_survey_role(
            SLUG,
            "BO@example.org",
            Some(Role::Viewer),
            "ana@example.org",
        )
        .unwrap();
    // Setting the same role again records nothing.
    db.store
        .set_survey_role(
            SLUG,
            "bo@example.org",
            Some(Role::Viewer),
            "ana@example.org",
        )
        .unwrap();
    assert_eq!(
        db.store.survey_role(SLUG, ana.id).unwrap(),
        Some(Role::Owner)
    );
    assert_eq!(
        db.store.survey_members(SLUG).unwrap(),
        [
            ("ana@example.org".to_owned(), Role::Owner),
            ("bo@example.org".to_owned(), Role::Viewer)
        ]
    );
    assert!(matches!(
        db.store
            .set_survey_role(SLUG, "ana@example.org", Some(Role::Analyst), CLI_ACTOR),
        Err(StoreError::LastOwner(_))
    ));
    assert!(matches!(
        db.store
            .set_survey_role(SLUG, "ana@example.org", None, CLI_ACTOR),
        Err(StoreError::LastOwner(_))
    ));
    db.store
        .set_survey_role(SLUG, "bo@example.org", Some(Role::Owner), CLI_ACTOR)
        .unwrap();
    db.store
        .set_survey_role(SLUG, "ana@example.org", None, "bo@example.org")
        .unwrap();
    assert_eq!(db.store.roles_of_user(ana.id).unwrap(), []);
    assert!(matches!(
        db.store.set_survey_role(
            "no-such-survey",
            "bo@example.org",
            Some(Role::Owner),
            CLI_ACTOR
        ),
        Err(StoreError::SurveyNotFound(_))
    ));
    assert!(matches!(
        db.store
            .set_survey_role(SLUG, "carl@example.org", Some(Role::Owner), CLI_ACTOR),
        Err(StoreError::UserNotFound(_))
    ));
    assert_eq!(
        actions(&db, Some(SLUG)),
        [
            "role.granted",
            "role.granted",
            "role.granted",
            "role.revoked"
        ]
    );
    let revoked = &db.store.audit_entries(Some(SLUG), 1).unwrap()[0];
    assert_eq!(revoked.actor, "bo@example.org");
    assert_eq!(
        revoked.detail,
        serde_json::json!({"user": "ana@example.org", "role": null, "previous": "owner", "api_tokens_revoked": 0})
    );
}

fn api_tokens_need_a_role_and_can_expire_and_be_revoked(db: TestDatabase) {
    imported(&db);
    db.store
        .create_user("ana@example.org", HASH, false, CLI_ACTOR)
        .unwrap();
    db.store
        .create_user("root@example.org", HASH, true, CLI_ACTOR)
        .unwrap();
    assert!(matches!(
        db.store.create_api_token(
            "h1",
            "ana@example.org",
            SLUG,
            TokenScope::Read,
            None,
            CLI_ACTOR
        ),
        Err(StoreError::NoRole { .. })
    ));
    // An administrator needs no role.
    db.store
        .create_api_token(
            "h0",
            "root@example.org",
            SLUG,
            TokenScope::Export,
            None,
            CLI_ACTOR,
        )
        .unwrap();
    db.store
        .set_survey_role(SLUG, "ana@example.org", Some(Role::Analyst), CLI_ACTOR)
        .unwrap();
    let expires = micros(Utc::now().naive_utc() + TimeDelta::days(7));
    let token = db
        .store
        .create_api_token(
            "h1",
            "ana@example.org",
            SLUG,
            TokenScope::Export,
            Some(expires),
            CLI_ACTOR,
        )
        .unwrap();
    assert_eq!(token.user.email, "ana@example.org");
    assert_eq!(token.scope, TokenScope::Export);
    assert_eq!(token.expires_at, Some(expires));
    let found = db.store.find_api_token("h1").unwrap().unwrap();
    assert_eq!(found, token);
    let now = Utc::now().naive_utc();
    assert!(found.is_usable_at(now));
    assert!(!found.is_usable_at(expires + TimeDelta::seconds(1)));
    assert!(db.store.find_api_token("nope").unwrap().is_none());
    let revoked = db.store.revoke_api_token(token.id, CLI_ACTOR).unwrap();
    assert!(revoked.revoked_at.is_some());
    assert!(!revoked.is_usable_at(now));
    // Revoking twice is harmless and recorded once.
    db.store.revoke_api_token(token.id, CLI_ACTOR).unwrap();
    assert!(matches!(
        db.store.revoke_api_token(9999, CLI_ACTOR),
        Err(StoreError::TokenNotFound(9999))
    ));
    assert_eq!(db.store.list_api_tokens(None).unwrap().len(), 2);
    assert_eq!(
        db.store.list_api_tokens(Some("ANA@example.org")).unwrap(),
        [revoked]
    );
    assert_eq!(
        actions(&db, Some(SLUG)),
        [
            "token.created",
            "role.granted",
            "token.created",
            "token.revoked"
        ]
    );
    let log = serde_json::to_string(
        &db.store
            .audit_entries(None, 100)
            .unwrap()
            .iter()
            .map(|e| e.detail.clone())
            .collect::<Vec<_>>(),
    )
    .unwrap();
    assert!(
        !log.contains("\"h1\"") && !log.contains("\"h0\""),
        "no token hashes: {log}"
    );
}

fn the_audit_log_is_append_only(db: TestDatabase) {
    db.store
        .record_audit(&fieldwork_store::AuditEvent {
            actor: "ana@example.org",
            action: "export",
            survey: Some(SLUG),
            detail: serde_json::json!({"rows": 3}),
        })
        .unwrap();
    let statements = [
        "UPDATE audit_log SET actor = 'mallory'",
        "DELETE FROM audit_log",
    ];
    for statement in statements {
        let refused = if db.url.starts_with("sqlite") {
            let path = db.url.trim_start_matches("sqlite://");
            let mut conn = SqliteConnection::establish(path).unwrap();
            diesel::sql_query(statement).execute(&mut conn)
        } else {
            let mut conn = PgConnection::establish(&db.url).unwrap();
            diesel::sql_query(statement).execute(&mut conn)
        };
        let error = refused.expect_err(statement).to_string();
        assert!(error.contains("append-only"), "{statement}: {error}");
    }
    let entries = db.store.audit_entries(Some(SLUG), 10).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].actor, "ana@example.org");
    assert_eq!(entries[0].detail, serde_json::json!({"rows": 3}));
    assert!(db
        .store
        .audit_entries(Some("other"), 10)
        .unwrap()
        .is_empty());
}

fn status_changes_are_audited(db: TestDatabase) {
    imported(&db);
    db.store
        .set_survey_status_as(SLUG, SurveyStatus::Open, "ana@example.org")
        .unwrap();
    let entry = &db.store.audit_entries(Some(SLUG), 1).unwrap()[0];
    assert_eq!(entry.action, "survey.status");
    assert_eq!(
        entry.detail,
        serde_json::json!({"version": 1, "from": "draft", "to": "open"})
    );
}

fn retention_deletes_responses_but_keeps_invitation_counts(db: TestDatabase) {
    let survey = imported(&db);
    let definition = fixture_definition();
    let police = complete_response(&definition, "police");
    let schools = complete_response(&definition, "schools");
    let stored = db
        .store
        .insert_responses(
            &survey,
            &[
                NewResponse {
                    response: &police,
                    submission_key: "a",
                },
                NewResponse {
                    response: &schools,
                    submission_key: "b",
                },
            ],
        )
        .unwrap();
    db.store
        .create_invitations(SLUG, "police", &["i1".to_owned(), "i2".to_owned()])
        .unwrap();
    db.store.claim_invitation("i1", stored[0].id()).unwrap();
    let today = NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
    assert_eq!(db.store.retention(SLUG).unwrap(), None);
    // Not yet due: the date itself is still kept.
    db.store
        .set_retention(SLUG, Some(today), CLI_ACTOR)
        .unwrap();
    assert!(db
        .store
        .apply_retention(today, CLI_ACTOR)
        .unwrap()
        .is_empty());
    assert_eq!(db.store.count_responses(SLUG).unwrap().len(), 2);
    let due = today.pred_opt().unwrap();
    db.store.set_retention(SLUG, Some(due), CLI_ACTOR).unwrap();
    assert_eq!(db.store.retention(SLUG).unwrap(), Some(due));
    let applied = db.store.apply_retention(today, CLI_ACTOR).unwrap();
    assert_eq!(applied.len(), 1);
    assert_eq!(
        (
            applied[0].slug.as_str(),
            applied[0].retain_until,
            applied[0].complete,
            applied[0].partial
        ),
        (SLUG, due, 2, 0)
    );
    assert!(db.store.count_responses(SLUG).unwrap().is_empty());
    assert_eq!(
        db.store.count_invitations(SLUG).unwrap(),
        [("police".to_owned(), 2, 1)],
        "invitations sent and used are kept"
    );
    assert!(
        db.store
            .apply_retention(today, CLI_ACTOR)
            .unwrap()
            .is_empty(),
        "nothing more to delete"
    );
    assert_eq!(
        actions(&db, Some(SLUG)),
        ["retention.set", "retention.set", "retention.applied"]
    );
    let entry = &db.store.audit_entries(Some(SLUG), 1).unwrap()[0];
    assert_eq!(
        entry.detail,
        serde_json::json!({"retain_until": due.to_string(), "complete_deleted": 2, "partial_deleted": 0})
    );
    db.store.set_retention(SLUG, None, CLI_ACTOR).unwrap();
    assert_eq!(db.store.retention(SLUG).unwrap(), None);
    assert!(matches!(
        db.store.set_retention("nope", Some(due), CLI_ACTOR),
        Err(StoreError::SurveyNotFound(_))
    ));
}

fn a_new_password_replaces_the_old_and_ends_sessions(db: TestDatabase) {
    let ana = db
        .store
        .create_user("ana@example.org", HASH, false, CLI_ACTOR)
        .unwrap();
    let later = micros(Utc::now().naive_utc() + TimeDelta::hours(12));
    db.store
        .create_session(NewSession {
            id_hash: "s1",
            user_id: ana.id,
            expires_at: later,
            replaces: None,
            address: "127.0.0.1",
        })
        .unwrap();
    const NEW: &str = "$argon2id$v=19$m=19456,t=2,p=1$bmV3c2FsdA$bmV3aGFzaG5ld2hhc2g";
    let reset = |email| PasswordChange {
        email,
        password_hash: NEW,
        rotate: None,
        actor: CLI_ACTOR,
        via: "cli",
    };
    let ended = db.store.change_password(reset("ANA@example.org")).unwrap();
    assert_eq!(ended, 1);
    let (_, hash) = db
        .store
        .user_credentials("ana@example.org")
        .unwrap()
        .unwrap();
    assert_eq!(hash, NEW);
    assert!(
        db.store
            .session("s1", TimeDelta::minutes(30))
            .unwrap()
            .is_none(),
        "signed out everywhere"
    );
    let entry = &db.store.audit_entries(None, 10).unwrap()[0];
    assert_eq!(entry.action, "user.password_changed");
    assert_eq!(
        entry.detail,
        serde_json::json!({"user": "ana@example.org", "via": "cli", "sessions_ended": 1})
    );
    assert!(matches!(
        db.store.change_password(reset("bo@example.org")),
        Err(StoreError::UserNotFound(_))
    ));
}

fn settings_read_back_only_once_set(db: TestDatabase) {
    assert_eq!(db.store.setting("demo").unwrap(), None);
    assert_eq!(db.store.shared_setting("demo", || "1".into()).unwrap(), "1");
    assert_eq!(db.store.shared_setting("demo", || "2".into()).unwrap(), "1");
    assert_eq!(db.store.setting("demo").unwrap().as_deref(), Some("1"));
    let version = db.store.backend_version().unwrap();
    assert!(
        version.starts_with("SQLite 3.") || version.starts_with("PostgreSQL "),
        "{version}"
    );
}

on_both_backends!(
    emails_are_unique_whatever_their_case,
    sessions_end_when_idle_expired_replaced_or_deleted,
    a_password_change_ends_every_other_session_and_rotates_the_current_one,
    failed_sign_ins_count_per_account_and_address_until_a_good_one,
    roles_are_per_survey_and_a_survey_keeps_an_owner,
    api_tokens_need_a_role_and_can_expire_and_be_revoked,
    the_audit_log_is_append_only,
    status_changes_are_audited,
    retention_deletes_responses_but_keeps_invitation_counts,
    a_new_password_replaces_the_old_and_ends_sessions,
    settings_read_back_only_once_set,
);

#[test]
fn scratch_databases_are_made_and_dropped() {
    let server = fieldwork_store::testing::postgres_server_url();
    let url = fieldwork_store::create_scratch_database(server, "fieldwork_scratch").unwrap();
    let store = fieldwork_store::Store::open(&url).unwrap();
    assert!(store.backend_version().unwrap().starts_with("PostgreSQL "));
    drop(store);
    fieldwork_store::drop_scratch_database(server, &url).unwrap();
    assert!(fieldwork_store::Store::open(&url).is_err(), "dropped");
    assert!(fieldwork_store::create_scratch_database(server, "Bad-Name").is_err());
    assert!(fieldwork_store::create_scratch_database("sqlite://x.db", "ok").is_err());
}
