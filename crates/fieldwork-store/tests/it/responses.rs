use fieldwork_store::testing::TestDatabase;
use fieldwork_store::{InsertOutcome, NewResponse, ResponseFilter, StratumCount};
use fieldwork_survey::{validate_answers, Completeness};

use crate::{answers, complete_response, on_both_backends};

fn the_same_submission_key_is_stored_once(db: TestDatabase) {
    let survey = crate::imported(&db);
    let response = complete_response(&survey.definition, "councils");
    let batch = [NewResponse {
        response: &response,
        submission_key: "key-1",
    }];
    let first = db.store.insert_responses(&survey, &batch).unwrap();
    let again = db.store.insert_responses(&survey, &batch).unwrap();
    assert!(matches!(first[0], InsertOutcome::Inserted { .. }));
    assert!(matches!(again[0], InsertOutcome::AlreadyStored { .. }));
    assert_eq!(first[0].public_id(), again[0].public_id());
    assert_eq!(
        db.store
            .load_responses("digital-leadership", &Default::default())
            .unwrap()
            .len(),
        1
    );
}

fn a_batch_lines_up_with_its_outcomes(db: TestDatabase) {
    let survey = crate::imported(&db);
    let responses: Vec<_> = ["police", "mps", "schools"]
        .iter()
        .map(|s| complete_response(&survey.definition, s))
        .collect();
    let keys = ["x", "y", "x"];
    let batch: Vec<_> = responses
        .iter()
        .zip(keys)
        .map(|(response, submission_key)| NewResponse {
            response,
            submission_key,
        })
        .collect();
    let outcomes = db.store.insert_responses(&survey, &batch).unwrap();
    assert!(matches!(outcomes[0], InsertOutcome::Inserted { .. }));
    assert!(matches!(outcomes[1], InsertOutcome::Inserted { .. }));
    assert_eq!(
        outcomes[2],
        InsertOutcome::AlreadyStored {
            id: outcomes[0].id(),
            public_id: outcomes[0].public_id().to_owned(),
        }
    );
}

fn answers_read_back_as_written(db: TestDatabase) {
    let survey = crate::imported(&db);
    let response = complete_response(&survey.definition, "civil_service");
    let outcome = db
        .store
        .insert_responses(
            &survey,
            &[NewResponse {
                response: &response,
                submission_key: "k",
            }],
        )
        .unwrap();
    let stored = db
        .store
        .find_response("digital-leadership", outcome[0].public_id())
        .unwrap()
        .expect("the response just stored");
    assert_eq!(stored.answers, response.answers_json());
    assert_eq!(stored.stratum.as_deref(), Some("civil_service"));
    assert!(stored.complete);
    assert!(stored.submitted_at.is_some());
    let parsed: serde_json::Value = serde_json::from_str(&stored.answers).unwrap();
    assert_eq!(parsed["behaviours"]["users"], "agree");
    assert!(db
        .store
        .find_response("digital-leadership", "not-an-id")
        .unwrap()
        .is_none());
}

fn partial_responses_are_kept_apart(db: TestDatabase) {
    let survey = crate::imported(&db);
    let complete = complete_response(&survey.definition, "police");
    let partial = validate_answers(
        &survey.definition,
        &answers(serde_json::json!({"sector": "police", "role": "elected"})),
        Completeness::Partial,
    )
    .unwrap();
    db.store
        .insert_responses(
            &survey,
            &[
                NewResponse {
                    response: &complete,
                    submission_key: "c",
                },
                NewResponse {
                    response: &partial,
                    submission_key: "p",
                },
            ],
        )
        .unwrap();
    let complete_only = db
        .store
        .load_responses("digital-leadership", &Default::default())
        .unwrap();
    assert_eq!(complete_only.len(), 1);
    let all = db
        .store
        .load_responses(
            "digital-leadership",
            &ResponseFilter {
                include_partial: true,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(all.len(), 2);
    assert!(!all[1].complete);
    assert!(all[1].submitted_at.is_none());
    assert_eq!(
        db.store.count_responses("digital-leadership").unwrap(),
        vec![
            StratumCount {
                stratum: Some("police".into()),
                complete: false,
                count: 1
            },
            StratumCount {
                stratum: Some("police".into()),
                complete: true,
                count: 1
            },
        ]
    );
}

fn filters_by_stratum_and_time(db: TestDatabase) {
    let survey = crate::imported(&db);
    let rows: Vec<_> = ["police", "mps", "police"]
        .iter()
        .map(|s| complete_response(&survey.definition, s))
        .collect();
    let keys = ["1", "2", "3"];
    let batch: Vec<_> = rows
        .iter()
        .zip(keys)
        .map(|(response, submission_key)| NewResponse {
            response,
            submission_key,
        })
        .collect();
    db.store.insert_responses(&survey, &batch).unwrap();
    let police = db
        .store
        .load_responses(
            "digital-leadership",
            &ResponseFilter {
                stratum: Some("police".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(police.len(), 2);
    let future = chrono::Utc::now().naive_utc() + chrono::TimeDelta::hours(1);
    let none = db
        .store
        .load_responses(
            "digital-leadership",
            &ResponseFilter {
                since: Some(future),
                ..Default::default()
            },
        )
        .unwrap();
    assert!(none.is_empty());
}

fn streaming_stops_at_the_first_error(db: TestDatabase) {
    let survey = crate::imported(&db);
    let rows: Vec<_> = (0..5)
        .map(|_| complete_response(&survey.definition, "mps"))
        .collect();
    let keys: Vec<String> = (0..5).map(|i| i.to_string()).collect();
    let batch: Vec<_> = rows
        .iter()
        .zip(&keys)
        .map(|(response, key)| NewResponse {
            response,
            submission_key: key,
        })
        .collect();
    db.store.insert_responses(&survey, &batch).unwrap();
    let mut seen = 0;
    let result = db
        .store
        .for_each_response("digital-leadership", &Default::default(), |_| {
            seen += 1;
            if seen == 2 {
                Err("stop")
            } else {
                Ok(())
            }
        })
        .unwrap();
    assert_eq!(result, Err("stop"));
    assert_eq!(seen, 2);
}

fn a_response_for_another_survey_is_refused(db: TestDatabase) {
    let survey = crate::imported(&db);
    let mut other = crate::fixture_definition();
    other.version = 2;
    let response = complete_response(&other, "mps");
    let error = db
        .store
        .insert_responses(
            &survey,
            &[NewResponse {
                response: &response,
                submission_key: "k",
            }],
        )
        .unwrap_err();
    assert!(error.to_string().contains("does not belong"), "{error}");
}

on_both_backends!(
    the_same_submission_key_is_stored_once,
    a_batch_lines_up_with_its_outcomes,
    answers_read_back_as_written,
    partial_responses_are_kept_apart,
    filters_by_stratum_and_time,
    streaming_stops_at_the_first_error,
    a_response_for_another_survey_is_refused,
);
