use std::sync::{Arc, Barrier};

use fieldwork_store::testing::TestDatabase;
use fieldwork_store::{InvitationClaim, NewResponse};

use crate::{complete_response, on_both_backends};

fn hashes(n: usize, prefix: &str) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}-{i:04}")).collect()
}

fn invitations_are_recorded_and_counted(db: TestDatabase) {
    crate::imported(&db);
    // More than one INSERT chunk.
    assert_eq!(
        db.store
            .create_invitations("digital-leadership", "councils", &hashes(1200, "c"))
            .unwrap(),
        1200
    );
    assert_eq!(
        db.store
            .create_invitations("digital-leadership", "police", &hashes(41, "p"))
            .unwrap(),
        41
    );
    let found = db.store.find_invitation("p-0007").unwrap().expect("stored");
    assert_eq!(found.stratum, "police");
    assert!(found.used_at.is_none());
    assert!(db.store.find_invitation("nope").unwrap().is_none());
    assert_eq!(
        db.store.count_invitations("digital-leadership").unwrap(),
        vec![
            ("councils".to_owned(), 1200, 0),
            ("police".to_owned(), 41, 0)
        ]
    );
}

fn a_duplicate_token_hash_adds_nothing(db: TestDatabase) {
    crate::imported(&db);
    let mut batch = hashes(3, "d");
    db.store
        .create_invitations("digital-leadership", "schools", &batch)
        .unwrap();
    batch.push("new".into());
    assert!(db
        .store
        .create_invitations("digital-leadership", "schools", &batch)
        .is_err());
    assert!(
        db.store.find_invitation("new").unwrap().is_none(),
        "all or nothing"
    );
}

fn invitations_for_unknown_surveys_are_refused(db: TestDatabase) {
    let error = db
        .store
        .create_invitations("ghost", "police", &hashes(1, "g"))
        .unwrap_err();
    assert_eq!(error.to_string(), "there is no survey `ghost`");
}

fn an_invitation_is_used_once_even_under_a_race(db: TestDatabase) {
    let survey = crate::imported(&db);
    db.store
        .create_invitations("digital-leadership", "police", &["race".to_owned()])
        .unwrap();
    let response = complete_response(&survey.definition, "police");
    let id = db
        .store
        .insert_responses(
            &survey,
            &[NewResponse {
                response: &response,
                submission_key: "r",
            }],
        )
        .unwrap()[0]
        .id();
    let store = Arc::new(db.store);
    let barrier = Arc::new(Barrier::new(8));
    let claims: Vec<InvitationClaim> = (0..8)
        .map(|_| {
            let store = Arc::clone(&store);
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                store.claim_invitation("race", id).unwrap()
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().unwrap())
        .collect();
    assert_eq!(
        claims
            .iter()
            .filter(|c| **c == InvitationClaim::Claimed)
            .count(),
        1
    );
    assert_eq!(
        claims
            .iter()
            .filter(|c| **c
                == InvitationClaim::AlreadyUsed {
                    response_id: Some(id)
                })
            .count(),
        7
    );
    assert_eq!(
        store.claim_invitation("missing", id).unwrap(),
        InvitationClaim::NotFound
    );
}

on_both_backends!(
    invitations_are_recorded_and_counted,
    a_duplicate_token_hash_adds_nothing,
    invitations_for_unknown_surveys_are_refused,
    an_invitation_is_used_once_even_under_a_race,
);
