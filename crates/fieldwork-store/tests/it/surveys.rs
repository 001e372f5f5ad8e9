use fieldwork_store::testing::TestDatabase;
use fieldwork_store::{Backend, ImportOutcome, NewResponse, StoreError, SurveyStatus};

use crate::{complete_response, fixture_definition, on_both_backends};

fn import_creates_then_recognises_the_same_definition(db: TestDatabase) {
    let definition = fixture_definition();
    let first = db.store.import_survey(&definition).unwrap();
    assert!(matches!(first, ImportOutcome::Created(_)));
    assert_eq!(first.survey().status, SurveyStatus::Draft);
    assert_eq!(first.survey().definition, definition);
    let again = db.store.import_survey(&definition).unwrap();
    assert!(matches!(again, ImportOutcome::Unchanged(_)));
    assert_eq!(again.survey().id, first.survey().id);
}

fn a_changed_definition_needs_a_higher_version(db: TestDatabase) {
    let mut definition = fixture_definition();
    db.store.import_survey(&definition).unwrap();
    definition.title = definition.title.map(|t| format!("{t} (revised)"));
    let conflict = db.store.import_survey(&definition).unwrap_err();
    assert!(
        matches!(conflict, StoreError::VersionConflict { version: 1, .. }),
        "{conflict}"
    );
    definition.version = 3;
    db.store.import_survey(&definition).unwrap();
    definition.version = 2;
    let older = db.store.import_survey(&definition).unwrap_err();
    assert!(
        matches!(
            older,
            StoreError::VersionNotNewer {
                latest: 3,
                given: 2,
                ..
            }
        ),
        "{older}"
    );
}

fn old_versions_keep_their_responses(db: TestDatabase) {
    let v1 = crate::imported(&db);
    let response = complete_response(&v1.definition, "schools");
    db.store
        .insert_responses(
            &v1,
            &[NewResponse {
                response: &response,
                submission_key: "k1",
            }],
        )
        .unwrap();
    let mut definition = fixture_definition();
    definition.version = 2;
    let v2 = db
        .store
        .import_survey(&definition)
        .unwrap()
        .survey()
        .clone();
    assert_ne!(v1.id, v2.id);
    let stored = db
        .store
        .load_responses("digital-leadership", &Default::default())
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].survey_version, 1);
    assert_eq!(
        db.store
            .latest_survey("digital-leadership")
            .unwrap()
            .version(),
        2
    );
    assert_eq!(
        db.store
            .survey_versions("digital-leadership")
            .unwrap()
            .len(),
        2
    );
}

fn opening_a_version_closes_the_others(db: TestDatabase) {
    crate::imported(&db);
    let opened = db
        .store
        .set_survey_status("digital-leadership", SurveyStatus::Open)
        .unwrap();
    assert_eq!(opened.status, SurveyStatus::Open);
    let mut definition = fixture_definition();
    definition.version = 2;
    db.store.import_survey(&definition).unwrap();
    db.store
        .set_survey_status("digital-leadership", SurveyStatus::Open)
        .unwrap();
    let v1 = db.store.survey_version("digital-leadership", 1).unwrap();
    assert_eq!(v1.status, SurveyStatus::Closed);
    let closed = db
        .store
        .set_survey_status("digital-leadership", SurveyStatus::Closed)
        .unwrap();
    assert_eq!(closed.status, SurveyStatus::Closed);
}

fn unknown_surveys_are_reported_by_name(db: TestDatabase) {
    let error = db.store.latest_survey("no-such-survey").unwrap_err();
    assert_eq!(error.to_string(), "there is no survey `no-such-survey`");
    let error = db
        .store
        .set_survey_status("nope", SurveyStatus::Open)
        .unwrap_err();
    assert!(matches!(error, StoreError::SurveyNotFound(_)));
}

fn list_shows_latest_version_and_counts(db: TestDatabase) {
    let survey = crate::imported(&db);
    let a = complete_response(&survey.definition, "police");
    let b = complete_response(&survey.definition, "mps");
    db.store
        .insert_responses(
            &survey,
            &[
                NewResponse {
                    response: &a,
                    submission_key: "a",
                },
                NewResponse {
                    response: &b,
                    submission_key: "b",
                },
            ],
        )
        .unwrap();
    let list = db.store.list_surveys().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].slug, "digital-leadership");
    assert_eq!(list[0].latest_version, 1);
    assert_eq!(list[0].complete_responses, 2);
    assert_eq!(list[0].partial_responses, 0);
}

fn migrations_are_idempotent_and_sqlite_is_durable(db: TestDatabase) {
    assert!(
        db.store.migrate().unwrap().is_empty(),
        "a second migrate applies nothing"
    );
    db.store.check_health().unwrap();
    if db.store.backend() == Backend::Sqlite {
        let pragmas = db.store.sqlite_pragmas().unwrap().expect("SQLite pragmas");
        assert_eq!(pragmas.journal_mode, "wal");
        assert_eq!(pragmas.synchronous, 2, "synchronous=FULL");
        assert!(pragmas.busy_timeout_ms >= 1000);
    }
}

on_both_backends!(
    import_creates_then_recognises_the_same_definition,
    a_changed_definition_needs_a_higher_version,
    old_versions_keep_their_responses,
    opening_a_version_closes_the_others,
    unknown_surveys_are_reported_by_name,
    list_shows_latest_version_and_counts,
    migrations_are_idempotent_and_sqlite_is_durable,
);
