//! Deleting a survey: everything of it goes, in one transaction; nothing of any other survey
//! does; the audit log stays.

use std::collections::BTreeMap;

use chrono::{TimeDelta, Utc};
use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection};
use fieldwork_store::testing::TestDatabase;
use fieldwork_store::{
    ContactToStore, GivenConsent, NewReportFile, NewResponse, ResponseStart, Role, StartOutcome,
    StoreError, SurveyContents, TokenScope, CLI_ACTOR,
};
use fieldwork_survey::SurveyDefinition;

use crate::{complete_response, fixture_definition, on_both_backends};

const SLUG: &str = "digital-leadership";
const OTHER: &str = "other-survey";
const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";

/// Run one statement straight on the database, outside the store.
fn execute(db: &TestDatabase, statement: &str) -> Result<usize, diesel::result::Error> {
    if db.url.starts_with("sqlite") {
        let mut conn = SqliteConnection::establish(db.url.trim_start_matches("sqlite://")).unwrap();
        diesel::sql_query(statement).execute(&mut conn)
    } else {
        let mut conn = PgConnection::establish(&db.url).unwrap();
        diesel::sql_query(statement).execute(&mut conn)
    }
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Rows in every table a survey has rows in.
fn table_counts(db: &TestDatabase) -> BTreeMap<&'static str, i64> {
    let tables = [
        "surveys",
        "responses",
        "invitations",
        "survey_roles",
        "api_tokens",
        "published_reports",
        "report_files",
        "consents",
        "contacts",
        "email_messages",
        "audit_log",
        "users",
    ];
    tables
        .into_iter()
        .map(|table| {
            let query = format!("SELECT COUNT(*) AS n FROM {table}");
            let count: Count = if db.url.starts_with("sqlite") {
                let mut conn =
                    SqliteConnection::establish(db.url.trim_start_matches("sqlite://")).unwrap();
                diesel::sql_query(query).get_result(&mut conn).unwrap()
            } else {
                let mut conn = PgConnection::establish(&db.url).unwrap();
                diesel::sql_query(query).get_result(&mut conn).unwrap()
            };
            (table, count.n)
        })
        .collect()
}

/// Survey `slug` in two versions, with complete, partial and invited responses, invitations,
/// an owner and an analyst, API tokens and a published report.
fn populate(db: &TestDatabase, slug: &str) {
    let mut definition: SurveyDefinition = fixture_definition();
    definition.slug = slug.into();
    let first = db
        .store
        .import_survey(&definition)
        .unwrap()
        .survey()
        .clone();
    definition.version = 2;
    definition.title = definition.title.map(|t| format!("{t} (second version)"));
    let second = db
        .store
        .import_survey(&definition)
        .unwrap()
        .survey()
        .clone();
    let police = complete_response(
        &db.store.survey_version(slug, 1).unwrap().definition,
        "police",
    );
    db.store
        .insert_responses(
            &first,
            &[NewResponse {
                response: &police,
                submission_key: "v1-a",
            }],
        )
        .unwrap();
    let schools = complete_response(&definition, "schools");
    db.store
        .insert_responses(
            &second,
            &[NewResponse {
                response: &schools,
                submission_key: "v2-a",
            }],
        )
        .unwrap();
    db.store
        .create_invitations(
            slug,
            "police",
            &[format!("{slug}-i1"), format!("{slug}-i2")],
        )
        .unwrap();
    // Two contacts, each with an invitation of their own; one has an email queued.
    let contacts: Vec<ContactToStore> = ["a@example.org", "b@example.org"]
        .into_iter()
        .map(|email| ContactToStore {
            email: email.into(),
            name: None,
            stratum: "councils".into(),
            language: None,
            link_token: format!("{slug}-{email}-link"),
            invitation_hash: format!("{slug}-{email}-hash"),
            opt_out_hash: format!("{slug}-{email}-opt-out"),
        })
        .collect();
    db.store
        .import_contacts(slug, &contacts, CLI_ACTOR)
        .unwrap();
    db.store
        .opt_out(&format!("{slug}-b@example.org-opt-out"))
        .unwrap();
    assert_eq!(db.store.queue_invitations(slug).unwrap(), 1);
    // A respondent who started from an invitation and saved to resume later: a partial
    // response holding the invitation.
    let resume = Utc::now().naive_utc() + TimeDelta::days(30);
    let started = db
        .store
        .start_response(
            &second,
            &ResponseStart {
                key_hash: &format!("{slug}-resume-key"),
                stratum: Some("police"),
                invitation_hash: Some(&format!("{slug}-i1")),
                resume_expires_at: resume,
                consent: Some(&GivenConsent {
                    information_version: "1.0".into(),
                    statements: vec!["read_information".into()],
                }),
                language: "en",
            },
        )
        .unwrap();
    let StartOutcome::Started(started) = started else {
        panic!("{started:?}")
    };
    assert!(db.store.consent_of(started.id).unwrap().is_some());
    for (email, role) in [
        ("owner@example.org", Role::Owner),
        ("analyst@example.org", Role::Analyst),
    ] {
        db.store
            .set_survey_role(slug, email, Some(role), CLI_ACTOR)
            .unwrap();
    }
    db.store
        .create_api_token(
            &format!("{slug}-token"),
            "analyst@example.org",
            slug,
            TokenScope::Export,
            None,
            CLI_ACTOR,
        )
        .unwrap();
    let body = b"<h1>Findings</h1>".to_vec();
    db.store
        .publish_report(
            slug,
            2,
            None,
            &[
                NewReportFile {
                    path: "index.html",
                    content_type: "text/html; charset=utf-8",
                    body: &body,
                },
                NewReportFile {
                    path: "charts/a.svg",
                    content_type: "image/svg+xml",
                    body: &body,
                },
            ],
        )
        .unwrap();
}

fn two_surveys(db: &TestDatabase) {
    for email in ["owner@example.org", "analyst@example.org"] {
        db.store.create_user(email, HASH, false, CLI_ACTOR).unwrap();
    }
    populate(db, SLUG);
    populate(db, OTHER);
}

const FULL: SurveyContents = SurveyContents {
    versions: 2,
    complete_responses: 2,
    partial_responses: 1,
    invitations: 4,
    contacts: 2,
    roles: 2,
    api_tokens: 1,
    reports: 1,
    report_files: 2,
};

fn deleting_a_survey_removes_all_of_it_and_nothing_else(db: TestDatabase) {
    two_surveys(&db);
    assert_eq!(db.store.survey_contents(SLUG).unwrap(), FULL);
    assert_eq!(FULL.responses(), 3);
    let before = table_counts(&db);
    let audit_before = db.store.audit_entries(Some(SLUG), 1000).unwrap();

    let deleted = db.store.delete_survey(SLUG, "owner@example.org").unwrap();
    assert_eq!(deleted, FULL);

    // Nothing of the survey is left, in any table.
    let after = table_counts(&db);
    let expected_gone = [
        ("surveys", 2),
        ("responses", 3),
        ("invitations", 4),
        ("contacts", 2),
        ("email_messages", 1),
        ("survey_roles", 2),
        ("api_tokens", 1),
        ("published_reports", 1),
        ("report_files", 2),
        ("consents", 1),
        // survey.deleted and contacts.deleted
        ("audit_log", -2),
        ("users", 0),
    ];
    for (table, gone) in expected_gone {
        assert_eq!(after[table], before[table] - gone, "{table}");
    }
    for lookup in [
        db.store.latest_survey(SLUG).map(|_| ()),
        db.store.survey_contents(SLUG).map(|_| ()),
        db.store.delete_survey(SLUG, CLI_ACTOR).map(|_| ()),
    ] {
        assert!(
            matches!(lookup, Err(StoreError::SurveyNotFound(_))),
            "{lookup:?}"
        );
    }
    assert!(db.store.published_report(SLUG).unwrap().is_none());
    assert!(db
        .store
        .find_api_token(&format!("{SLUG}-token"))
        .unwrap()
        .is_none());
    assert!(db
        .store
        .find_invitation(&format!("{SLUG}-i2"))
        .unwrap()
        .is_none());
    let analyst = db.store.user_by_email("analyst@example.org").unwrap();
    assert_eq!(
        db.store.roles_of_user(analyst.id).unwrap(),
        [(OTHER.to_owned(), Role::Analyst)]
    );
    assert!(db
        .store
        .list_surveys()
        .unwrap()
        .iter()
        .all(|s| s.slug != SLUG));

    // The other survey is untouched.
    assert_eq!(db.store.survey_contents(OTHER).unwrap(), FULL);
    assert!(db.store.published_report(OTHER).unwrap().is_some());
    assert!(db
        .store
        .find_api_token(&format!("{OTHER}-token"))
        .unwrap()
        .is_some());

    // The audit log keeps every entry about the survey, and says who deleted what.
    let audit_after = db.store.audit_entries(Some(SLUG), 1000).unwrap();
    assert_eq!(audit_after[2..], audit_before[..]);
    let contacts_entry = &audit_after[1];
    assert_eq!(
        (contacts_entry.action.as_str(), &contacts_entry.detail),
        (
            "contacts.deleted",
            &serde_json::json!({"contacts": 2, "reason": "survey_deleted"})
        )
    );
    let entry = &audit_after[0];
    assert_eq!(
        (entry.actor.as_str(), entry.action.as_str()),
        ("owner@example.org", "survey.deleted")
    );
    assert_eq!(
        entry.detail,
        serde_json::json!({
            "versions": 2, "complete_responses": 2, "partial_responses": 1, "invitations": 4,
            "contacts": 2, "roles": 2, "api_tokens": 1, "reports": 1,
        })
    );

    // A new survey under the same slug starts with nothing: no old role grants access to it.
    let fresh = db.store.import_survey(&fixture_definition()).unwrap();
    assert_eq!(fresh.survey().version(), 1);
    assert_eq!(db.store.survey_members(SLUG).unwrap(), []);
    assert_eq!(db.store.survey_role(SLUG, analyst.id).unwrap(), None);
    assert_eq!(db.store.count_invitations(SLUG).unwrap(), []);
    assert!(db.store.count_responses(SLUG).unwrap().is_empty());
}

fn a_deletion_that_fails_midway_changes_nothing(db: TestDatabase) {
    two_surveys(&db);
    // Make the last step, deleting the survey's own rows, fail: every delete before it has
    // run by then, and must be undone.
    let trigger = if db.url.starts_with("sqlite") {
        vec![
            "CREATE TRIGGER refuse_survey_delete BEFORE DELETE ON surveys \
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
        ]
    } else {
        vec![
            "CREATE FUNCTION refuse_survey_delete() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN RAISE EXCEPTION 'injected failure'; END; $$;",
            "CREATE TRIGGER refuse_survey_delete BEFORE DELETE ON surveys \
             FOR EACH ROW EXECUTE FUNCTION refuse_survey_delete();",
        ]
    };
    for statement in trigger {
        execute(&db, statement).unwrap();
    }
    let before = table_counts(&db);
    let failed = db.store.delete_survey(SLUG, CLI_ACTOR);
    let error = failed.expect_err("the injected failure").to_string();
    assert!(error.contains("injected failure"), "{error}");
    assert_eq!(table_counts(&db), before, "every row is still there");
    assert_eq!(db.store.survey_contents(SLUG).unwrap(), FULL);
    assert_eq!(db.store.survey_contents(OTHER).unwrap(), FULL);
    assert!(db
        .store
        .audit_entries(None, 1000)
        .unwrap()
        .iter()
        .all(|e| e.action != "survey.deleted"));
    // Once the fault is gone, the same deletion goes through.
    execute(&db, "DROP TRIGGER refuse_survey_delete ON surveys")
        .or_else(|_| execute(&db, "DROP TRIGGER refuse_survey_delete"))
        .unwrap();
    assert_eq!(db.store.delete_survey(SLUG, CLI_ACTOR).unwrap(), FULL);
}

fn a_deleted_survey_cannot_be_shared_tokened_or_invited_to(db: TestDatabase) {
    two_surveys(&db);
    db.store.delete_survey(SLUG, CLI_ACTOR).unwrap();
    assert!(matches!(
        db.store
            .set_survey_role(SLUG, "analyst@example.org", Some(Role::Viewer), CLI_ACTOR),
        Err(StoreError::SurveyNotFound(_))
    ));
    assert!(matches!(
        db.store.create_api_token(
            "late-token",
            "analyst@example.org",
            SLUG,
            TokenScope::Read,
            None,
            CLI_ACTOR
        ),
        Err(StoreError::SurveyNotFound(_))
    ));
    assert!(matches!(
        db.store
            .create_invitations(SLUG, "police", &["late-invitation".to_owned()]),
        Err(StoreError::SurveyNotFound(_))
    ));
}

on_both_backends!(
    deleting_a_survey_removes_all_of_it_and_nothing_else,
    a_deletion_that_fails_midway_changes_nothing,
    a_deleted_survey_cannot_be_shared_tokened_or_invited_to,
);
