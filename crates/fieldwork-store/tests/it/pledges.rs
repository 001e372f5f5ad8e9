//! Pledges: a respondent's choice to publish an answer, the moderation queue, decisions, and
//! what is published; withdrawal and deleting the survey take pledges with them.

use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection};
use fieldwork_store::testing::TestDatabase;
use fieldwork_store::{
    Attribution, NewResponse, PledgeChoice, PledgeStatus, StoredSurvey, CLI_ACTOR,
};
use fieldwork_survey::{validate_answers, Completeness, ValidatedResponse};

use crate::{answers, on_both_backends};

const SLUG: &str = "digital-leadership";
const MODERATOR: &str = "analyst@example.org";

/// A complete response of the fixture survey in `sector`, pledging `pledge` (or not answering).
fn pledging(survey: &StoredSurvey, sector: &str, pledge: Option<&str>) -> ValidatedResponse {
    let mut submitted = answers(serde_json::json!({
        "sector": sector,
        "role": "head",
        "disrupted": "yes",
        "capable": "no",
        "capability_gaps": ["skills"],
        "leadership_understanding": "well",
        "behaviours": {
            "users": "agree", "open_culture": "agree", "experiments": "disagree",
            "pace": "neither", "privacy_security": "strongly_agree", "ethics": "agree",
            "skills": "dont_know", "spot_projects": "disagree"
        },
        "barriers": ["legacy_technology", "procurement"],
        "learning_needs": ["data"],
        "hostility": "no",
    }));
    if let Some(pledge) = pledge {
        submitted.insert("pledge".into(), pledge.into());
    }
    validate_answers(&survey.definition, &submitted, Completeness::Complete).unwrap()
}

/// Store one response; its id.
fn insert(db: &TestDatabase, survey: &StoredSurvey, response: &ValidatedResponse) -> i64 {
    let key = unique_key();
    db.store
        .insert_responses(
            survey,
            &[NewResponse {
                response,
                submission_key: &key,
            }],
        )
        .unwrap()[0]
        .id()
}

fn unique_key() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("pledge-key-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

fn choose(db: &TestDatabase, response_id: i64, publish: Option<Attribution>) {
    db.store
        .choose_pledge(PledgeChoice {
            response_id,
            question_id: "pledge",
            publish,
        })
        .unwrap();
}

fn texts_pending(db: &TestDatabase) -> Vec<String> {
    db.store
        .pending_pledges(SLUG)
        .unwrap()
        .into_iter()
        .map(|p| p.text)
        .collect()
}

fn texts_published(db: &TestDatabase, slug: &str) -> Vec<String> {
    db.store
        .published_pledges(slug)
        .unwrap()
        .into_iter()
        .map(|p| p.text)
        .collect()
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Rows in the pledges table, of every survey.
fn pledge_rows(db: &TestDatabase) -> i64 {
    let query = "SELECT COUNT(*) AS n FROM pledges";
    let count: Count = if db.url.starts_with("sqlite") {
        let mut conn = SqliteConnection::establish(db.url.trim_start_matches("sqlite://")).unwrap();
        diesel::sql_query(query).get_result(&mut conn).unwrap()
    } else {
        let mut conn = PgConnection::establish(&db.url).unwrap();
        diesel::sql_query(query).get_result(&mut conn).unwrap()
    };
    count.n
}

fn a_choice_queues_the_pledge_and_can_be_changed(db: TestDatabase) {
    let survey = crate::imported(&db);
    let first = insert(
        &db,
        &survey,
        &pledging(&survey, "police", Some("Open data first.")),
    );
    let second = insert(
        &db,
        &survey,
        &pledging(&survey, "schools", Some("  Teach code.  ")),
    );
    let kept = insert(
        &db,
        &survey,
        &pledging(&survey, "mps", Some("Not for publishing.")),
    );
    let unanswered = insert(&db, &survey, &pledging(&survey, "councils", None));
    choose(&db, first, Some(Attribution::Anonymous));
    choose(&db, second, Some(Attribution::Sector));
    choose(&db, kept, None);
    choose(&db, unanswered, Some(Attribution::Anonymous));

    // Newest first; the words as written (trimmed); no pledge without words or without a
    // choice to publish.
    let pending = db.store.pending_pledges(SLUG).unwrap();
    assert_eq!(texts_pending(&db), ["Teach code.", "Open data first."]);
    assert_eq!(pending[0].attribution, Attribution::Sector);
    assert_eq!(pending[0].stratum.as_deref(), Some("schools"));
    assert_eq!(pending[0].question_id, "pledge");
    assert!(pending[0].submitted_at.is_some());
    assert_eq!(pending[1].attribution, Attribution::Anonymous);
    assert_eq!(
        db.store.pledge_choice(second, "pledge").unwrap(),
        Some(Attribution::Sector)
    );
    assert_eq!(db.store.pledge_choice(kept, "pledge").unwrap(), None);
    assert_eq!(texts_published(&db, SLUG), Vec::<String>::new());

    // Choosing again replaces the choice; choosing not to publish takes it off the queue.
    choose(&db, first, Some(Attribution::Sector));
    assert_eq!(
        db.store.pledge_choice(first, "pledge").unwrap(),
        Some(Attribution::Sector)
    );
    choose(&db, first, None);
    assert_eq!(texts_pending(&db), ["Teach code."]);
    assert_eq!(db.store.pledge_choice(first, "pledge").unwrap(), None);
}

fn approved_pledges_are_published_and_rejected_ones_never(db: TestDatabase) {
    let survey = crate::imported(&db);
    let approved = insert(
        &db,
        &survey,
        &pledging(&survey, "police", Some("Approve me.")),
    );
    let rejected = insert(
        &db,
        &survey,
        &pledging(&survey, "schools", Some("Call 07700 900123.")),
    );
    let waiting = insert(
        &db,
        &survey,
        &pledging(&survey, "mps", Some("Still waiting.")),
    );
    for id in [approved, rejected, waiting] {
        choose(&db, id, Some(Attribution::Sector));
    }
    let id_of = |text: &str| {
        db.store
            .pending_pledges(SLUG)
            .unwrap()
            .into_iter()
            .find(|p| p.text == text)
            .unwrap()
            .id
    };
    let (approve_id, reject_id) = (id_of("Approve me."), id_of("Call 07700 900123."));

    // Another survey's moderator cannot decide this survey's pledge by naming it.
    assert!(!db
        .store
        .decide_pledge(
            "other-survey",
            approve_id,
            PledgeStatus::Approved,
            MODERATOR,
            None
        )
        .unwrap());
    assert!(db
        .store
        .decide_pledge(SLUG, approve_id, PledgeStatus::Approved, MODERATOR, None)
        .unwrap());
    assert!(db
        .store
        .decide_pledge(
            SLUG,
            reject_id,
            PledgeStatus::Rejected,
            MODERATOR,
            Some("a phone number")
        )
        .unwrap());
    // A decision is made once.
    assert!(!db
        .store
        .decide_pledge(SLUG, reject_id, PledgeStatus::Approved, MODERATOR, None)
        .unwrap());
    assert!(!db
        .store
        .decide_pledge(SLUG, 999_999, PledgeStatus::Approved, MODERATOR, None)
        .unwrap());
    let waiting_id = id_of("Still waiting.");
    assert!(!db
        .store
        .decide_pledge(SLUG, waiting_id, PledgeStatus::Pending, MODERATOR, None)
        .unwrap());

    let published = db.store.published_pledges(SLUG).unwrap();
    assert_eq!(published.len(), 1);
    assert_eq!(published[0].text, "Approve me.");
    assert_eq!(published[0].attribution, Attribution::Sector);
    assert_eq!(published[0].stratum.as_deref(), Some("police"));
    assert_eq!(texts_pending(&db), ["Still waiting."]);

    // Each decision is in the audit log, with who made it and why.
    let entries = db.store.audit_entries(Some(SLUG), 100).unwrap();
    let decision = |action: &str| {
        entries
            .iter()
            .find(|e| e.action == action)
            .unwrap_or_else(|| panic!("{action} in {entries:?}"))
    };
    let approved_entry = decision("pledge.approved");
    assert_eq!(approved_entry.actor, MODERATOR);
    assert_eq!(
        approved_entry.detail,
        serde_json::json!({"pledge": approve_id, "reason": null})
    );
    assert_eq!(
        decision("pledge.rejected").detail,
        serde_json::json!({"pledge": reject_id, "reason": "a phone number"})
    );
    // The words are never copied into the log.
    assert!(entries
        .iter()
        .all(|e| !e.detail.to_string().contains("07700")));

    // Choosing again after a decision sends the pledge back to the queue, unpublished.
    choose(&db, approved, Some(Attribution::Anonymous));
    assert_eq!(texts_published(&db, SLUG), Vec::<String>::new());
    assert_eq!(texts_pending(&db), ["Still waiting.", "Approve me."]);
}

fn withdrawing_a_response_unpublishes_its_pledge_at_once(db: TestDatabase) {
    let survey = crate::imported(&db);
    let gone = insert(
        &db,
        &survey,
        &pledging(&survey, "police", Some("Withdrawn later.")),
    );
    let stays = insert(&db, &survey, &pledging(&survey, "police", Some("Stays.")));
    for id in [gone, stays] {
        choose(&db, id, Some(Attribution::Anonymous));
    }
    for pledge in db.store.pending_pledges(SLUG).unwrap() {
        db.store
            .decide_pledge(SLUG, pledge.id, PledgeStatus::Approved, MODERATOR, None)
            .unwrap();
    }
    assert_eq!(texts_published(&db, SLUG), ["Stays.", "Withdrawn later."]);
    db.store.set_receipt(gone, "receipt-hash").unwrap();
    assert!(db.store.withdraw_response(SLUG, "receipt-hash").unwrap());
    assert_eq!(texts_published(&db, SLUG), ["Stays."]);
    assert_eq!(
        pledge_rows(&db),
        1,
        "the withdrawn response's pledge row went too"
    );
}

fn deleting_the_survey_removes_its_pledges(db: TestDatabase) {
    let survey = crate::imported(&db);
    let mut other_definition = survey.definition.clone();
    other_definition.slug = "other-survey".into();
    let other = db
        .store
        .import_survey(&other_definition)
        .unwrap()
        .survey()
        .clone();
    for (survey, text) in [(&survey, "Ours."), (&other, "Theirs.")] {
        let id = insert(&db, survey, &pledging(survey, "schools", Some(text)));
        choose(&db, id, Some(Attribution::Sector));
        let pledge = &db.store.pending_pledges(survey.slug()).unwrap()[0];
        db.store
            .decide_pledge(
                survey.slug(),
                pledge.id,
                PledgeStatus::Approved,
                CLI_ACTOR,
                None,
            )
            .unwrap();
    }
    assert_eq!(pledge_rows(&db), 2);
    db.store.delete_survey(SLUG, CLI_ACTOR).unwrap();
    assert_eq!(pledge_rows(&db), 1);
    assert_eq!(texts_published(&db, "other-survey"), ["Theirs."]);
    assert_eq!(texts_published(&db, SLUG), Vec::<String>::new());
}

on_both_backends!(
    a_choice_queues_the_pledge_and_can_be_changed,
    approved_pledges_are_published_and_rejected_ones_never,
    withdrawing_a_response_unpublishes_its_pledge_at_once,
    deleting_the_survey_removes_its_pledges,
);
