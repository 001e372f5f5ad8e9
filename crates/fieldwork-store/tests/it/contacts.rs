//! Contacts and their emails in the store: all-or-nothing import, one claim per message
//! however many senders race, opting out, and deletion after the survey closes.

use chrono::{TimeDelta, Utc};
use fieldwork_store::testing::TestDatabase;
use fieldwork_store::{ContactToStore, StoreError, SurveyStatus, CLI_ACTOR};

use crate::{imported, on_both_backends};

const SLUG: &str = "digital-leadership";

fn contact(email: &str) -> ContactToStore {
    ContactToStore {
        email: email.into(),
        name: Some("A person".into()),
        stratum: "police".into(),
        language: None,
        link_token: format!("link-{email}"),
        invitation_hash: format!("hash-{email}"),
        opt_out_hash: format!("opt-out-{email}"),
    }
}

fn a_list_with_a_stored_address_is_refused_whole(db: TestDatabase) {
    imported(&db);
    db.store
        .import_contacts(SLUG, &[contact("a@example.org")], CLI_ACTOR)
        .unwrap();
    let refused = db.store.import_contacts(
        SLUG,
        &[contact("b@example.org"), contact("a@example.org")],
        CLI_ACTOR,
    );
    assert!(
        matches!(&refused, Err(StoreError::ContactsAlreadyListed(p)) if p == &[1]),
        "{refused:?}"
    );
    assert_eq!(db.store.contacts(SLUG).unwrap().len(), 1);
    assert_eq!(db.store.count_invitations(SLUG).unwrap()[0].1, 1);
}

fn racing_senders_claim_each_message_once(db: TestDatabase) {
    imported(&db);
    let list: Vec<ContactToStore> = (0..20)
        .map(|i| contact(&format!("p{i}@example.org")))
        .collect();
    db.store.import_contacts(SLUG, &list, CLI_ACTOR).unwrap();
    assert_eq!(db.store.queue_invitations(SLUG).unwrap(), 20);
    assert_eq!(db.store.queue_invitations(SLUG).unwrap(), 0);
    let store = std::sync::Arc::new(db.store);
    let claimed: Vec<i64> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..4)
            .map(|_| {
                let store = std::sync::Arc::clone(&store);
                scope.spawn(move || {
                    let mut mine = Vec::new();
                    while let Some(message) = store.claim_next_message(SLUG).unwrap() {
                        store.mark_message_sent(message.id).unwrap();
                        mine.push(message.id);
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    let mut unique = claimed.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((claimed.len(), unique.len()), (20, 20));
    assert!(store
        .message_states(SLUG)
        .unwrap()
        .iter()
        .all(|(_, _, state)| state == "sent"));
}

fn an_interrupted_claim_is_never_sent_again(db: TestDatabase) {
    imported(&db);
    db.store
        .import_contacts(SLUG, &[contact("a@example.org")], CLI_ACTOR)
        .unwrap();
    db.store.queue_invitations(SLUG).unwrap();
    let message = db.store.claim_next_message(SLUG).unwrap().unwrap();
    assert_eq!(message.link_token, "link-a@example.org");
    // The sender dies here. Nothing else can claim it...
    assert_eq!(db.store.claim_next_message(SLUG).unwrap(), None);
    // ...and once its claim is stale it is failed as interrupted, not queued again.
    let later = Utc::now().naive_utc() + TimeDelta::minutes(1);
    assert_eq!(db.store.release_stale_claims(SLUG, later).unwrap(), 1);
    assert_eq!(db.store.claim_next_message(SLUG).unwrap(), None);
    let failed = db.store.failed_messages(SLUG).unwrap();
    assert_eq!(failed[0].reply, fieldwork_store::INTERRUPTED_REPLY);
}

fn contacts_go_a_set_time_after_the_survey_closes(db: TestDatabase) {
    imported(&db);
    db.store
        .import_contacts(
            SLUG,
            &[contact("a@example.org"), contact("b@example.org")],
            CLI_ACTOR,
        )
        .unwrap();
    let now = Utc::now().naive_utc();
    // Open: kept, however late.
    db.store
        .set_survey_status(SLUG, SurveyStatus::Open)
        .unwrap();
    let far = now + TimeDelta::days(400);
    assert_eq!(
        db.store.apply_contact_retention(far, CLI_ACTOR).unwrap(),
        []
    );
    // Closed: kept for the fixture's 30 days, then deleted, audited.
    db.store
        .set_survey_status(SLUG, SurveyStatus::Closed)
        .unwrap();
    let day_29 = now + TimeDelta::days(29);
    assert_eq!(
        db.store.apply_contact_retention(day_29, CLI_ACTOR).unwrap(),
        []
    );
    let day_31 = now + TimeDelta::days(31);
    assert_eq!(
        db.store.apply_contact_retention(day_31, CLI_ACTOR).unwrap(),
        [(SLUG.to_owned(), 2)]
    );
    assert!(db.store.contacts(SLUG).unwrap().is_empty());
    let entry = &db.store.audit_entries(Some(SLUG), 1).unwrap()[0];
    assert_eq!(entry.action, "contacts.deleted");
    assert_eq!(
        entry.detail,
        serde_json::json!({"contacts": 2, "reason": "retention"})
    );
    // The invitations stay, so what was sent and used still counts.
    assert_eq!(db.store.count_invitations(SLUG).unwrap()[0].1, 2);
}

fn opting_out_stops_queued_and_later_emails(db: TestDatabase) {
    imported(&db);
    db.store
        .import_contacts(SLUG, &[contact("a@example.org")], CLI_ACTOR)
        .unwrap();
    db.store.queue_invitations(SLUG).unwrap();
    let target = db.store.opt_out("opt-out-a@example.org").unwrap().unwrap();
    assert!(target.opted_out);
    assert_eq!(db.store.claim_next_message(SLUG).unwrap(), None);
    assert_eq!(db.store.message_states(SLUG).unwrap()[0].2, "opted_out");
    let past = Utc::now().naive_utc() + TimeDelta::days(1);
    assert_eq!(db.store.queue_reminders(SLUG, past, 5).unwrap(), 0);
    assert_eq!(db.store.opt_out("no-such-secret").unwrap(), None);
}

on_both_backends!(
    a_list_with_a_stored_address_is_refused_whole,
    racing_senders_claim_each_message_once,
    an_interrupted_claim_is_never_sent_again,
    contacts_go_a_set_time_after_the_survey_closes,
    opting_out_stops_queued_and_later_emails,
);
