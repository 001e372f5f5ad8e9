//! A full disk and a read-only database file, on SQLite: a write is refused whole with the
//! fault named, the file stays sound, and the same store writes again once the fault is gone.
//!
//! The full disk is the `max_size` of the URL: SQLite's page cap fails a write with
//! SQLITE_FULL, the very error a full disk gives, so the whole path from there is the real one.
//! A real full file system is a small tmpfs where the tests may mount one (as root, as CI
//! runs). The read-only file is `testing::write_protect` (an immutable flag as root,
//! permissions otherwise). PostgreSQL's equivalents are not simulated here.

use chrono::Days;
use fieldwork_store::testing::{write_protect, Protection, SmallDisk};
use fieldwork_store::{StorageFault, Store, StoreError, StoredSurvey, Submission};
use fieldwork_survey::{SurveyDefinition, ValidatedResponse};

use crate::{complete_response, fixture_definition};

/// Submit `responses` to `survey` in one batch, keys `{prefix}{i}`.
fn submit(
    store: &Store,
    survey: &StoredSurvey,
    responses: &[ValidatedResponse],
    prefix: &str,
) -> Result<usize, StoreError> {
    let keys: Vec<String> = (0..responses.len())
        .map(|i| format!("{prefix}{i}"))
        .collect();
    let batch: Vec<Submission<'_>> = responses
        .iter()
        .zip(&keys)
        .map(|(response, key)| Submission {
            survey,
            response,
            key_hash: key,
            request_hash: None,
            invitation_hash: None,
        })
        .collect();
    store.submit_responses(&batch).map(|results| results.len())
}

fn stored(store: &Store, slug: &str) -> i64 {
    store
        .count_responses(slug)
        .unwrap()
        .iter()
        .map(|c| c.count)
        .sum()
}

/// `PRAGMA integrity_check`, from a store of its own on the file.
pub fn integrity(path: &std::path::Path) -> String {
    Store::open(&format!("sqlite://{}", path.display()))
        .unwrap()
        .sqlite_integrity_check()
        .unwrap()
        .unwrap()
}

fn scratch_definition() -> SurveyDefinition {
    let mut definition = fixture_definition();
    definition.slug = "scratch".into();
    definition
}

#[test]
fn a_full_database_refuses_whole_batches_and_writes_again_once_space_is_freed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("full.db");
    let store = Store::open(&format!("sqlite://{}?max_size=512K", path.display())).unwrap();
    let study_definition = fixture_definition();
    let study = store
        .import_survey(&study_definition)
        .unwrap()
        .survey()
        .clone();
    let scratch_definition = scratch_definition();
    let scratch = store
        .import_survey(&scratch_definition)
        .unwrap()
        .survey()
        .clone();
    // Set now, while there is room: freeing space later must need none.
    let yesterday = chrono::Utc::now().date_naive() - Days::new(1);
    store
        .set_retention("scratch", Some(yesterday - Days::new(1)), "test")
        .unwrap();

    // Fill the database with the scratch survey's responses, 50 to a batch, then one at a
    // time until not even one fits.
    let mut acknowledged = 0;
    for batch_size in [50, 1] {
        let batch: Vec<ValidatedResponse> = (0..batch_size)
            .map(|_| complete_response(&scratch_definition, "police"))
            .collect();
        let full = loop {
            assert!(acknowledged < 5000, "512K never filled");
            match submit(&store, &scratch, &batch, &format!("s{acknowledged}-")) {
                Ok(n) => acknowledged += n,
                Err(error) => break error,
            }
        };
        assert_eq!(full.storage_fault(), Some(StorageFault::Full), "{full}");
        assert!(full.is_transient());
    }
    assert!(acknowledged > 0, "some batches fitted before the cap");

    // Another batch is refused whole: nothing of it is stored, and the file is sound.
    let responses: Vec<ValidatedResponse> = (0..20)
        .map(|_| complete_response(&study_definition, "councils"))
        .collect();
    let refused = submit(&store, &study, &responses, "k").unwrap_err();
    assert_eq!(
        refused.storage_fault(),
        Some(StorageFault::Full),
        "{refused}"
    );
    assert_eq!(stored(&store, "digital-leadership"), 0);
    assert_eq!(stored(&store, "scratch"), acknowledged as i64);
    assert_eq!(integrity(&path), "ok");

    // Retention deletes the scratch responses: the same store, never reopened, writes again.
    let applied = store
        .apply_retention(chrono::Utc::now().date_naive(), "test")
        .unwrap();
    assert_eq!(applied.len(), 1);
    assert_eq!(submit(&store, &study, &responses, "k").unwrap(), 20);
    assert_eq!(stored(&store, "digital-leadership"), 20);
    assert_eq!(integrity(&path), "ok");
}

#[test]
fn max_size_must_be_a_size() {
    for url in [
        "sqlite://x.db?max_size=lots",
        "sqlite://x.db?max_size=0",
        "sqlite://x.db?max_size=5T",
        "sqlite://x.db?mode=ro",
    ] {
        let error = Store::open(url).unwrap_err();
        assert!(
            matches!(error, StoreError::BadUrlParameter(_)),
            "{url}: {error}"
        );
    }
    assert_eq!(
        fieldwork_store::DatabaseUrl::parse("sqlite://a.db?max_size=2M")
            .unwrap()
            .display(),
        "sqlite://a.db?max_size=2097152"
    );
}

#[test]
fn a_read_only_database_file_refuses_writes_and_takes_them_again_once_writable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ro.db");
    let url = format!("sqlite://{}", path.display());
    let definition = fixture_definition();
    let before = Store::open(&url).unwrap();
    let survey = before.import_survey(&definition).unwrap().survey().clone();
    let responses: Vec<ValidatedResponse> = (0..5)
        .map(|_| complete_response(&definition, "schools"))
        .collect();
    assert_eq!(submit(&before, &survey, &responses, "a").unwrap(), 5);

    let protected = write_protect(&path);
    // A store opened now has connections SQLite opened read-only.
    let during = Store::open(&url).unwrap();
    let refused = submit(&during, &survey, &responses, "b").unwrap_err();
    assert_eq!(
        refused.storage_fault(),
        Some(StorageFault::ReadOnly),
        "{refused}"
    );
    assert!(refused.is_transient());
    // Reads still work.
    assert_eq!(stored(&during, "digital-leadership"), 5);
    match protected.how {
        // Writes through connections opened before fail too, as an I/O error.
        Protection::Immutable => {
            let refused = submit(&before, &survey, &responses, "c").unwrap_err();
            assert!(refused.storage_fault().is_some(), "{refused}");
        }
        // Permissions are checked when a file is opened: open connections still write.
        Protection::Permissions => {
            assert_eq!(submit(&before, &survey, &responses, "c").unwrap(), 5);
        }
    }
    let expected = match protected.how {
        Protection::Immutable => 5,
        Protection::Permissions => 10,
    };
    assert_eq!(stored(&during, "digital-leadership"), expected);

    drop(protected);
    // Both stores write again, never reopened: the read-only connections are replaced.
    assert_eq!(submit(&during, &survey, &responses, "d").unwrap(), 5);
    assert_eq!(submit(&before, &survey, &responses, "e").unwrap(), 5);
    assert_eq!(stored(&before, "digital-leadership"), expected + 10);
    assert_eq!(integrity(&path), "ok");
}

#[test]
fn a_full_file_system_fails_a_large_transaction_as_full_and_recovers_when_it_grows() {
    let definition = scratch_definition();
    // More than SQLite's page cache holds: the transaction spills to the WAL before COMMIT,
    // and SQLite itself rolls it back when that write finds the disk full.
    let big: Vec<ValidatedResponse> = (0..4000)
        .map(|_| complete_response(&definition, "police"))
        .collect();
    let disk = match SmallDisk::mount(600 * 1024) {
        Ok(disk) => disk,
        Err(why) => {
            // No tmpfs here (not root): the same transaction against the max_size cap, which
            // fails at a page allocation instead.
            eprintln!("cannot mount a tmpfs ({why}); the full disk is the max_size cap");
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("capped.db");
            let store = Store::open(&format!("sqlite://{}?max_size=600K", path.display())).unwrap();
            let survey = store.import_survey(&definition).unwrap().survey().clone();
            let refused = submit(&store, &survey, &big, "big").unwrap_err();
            assert_eq!(
                refused.storage_fault(),
                Some(StorageFault::Full),
                "{refused}"
            );
            assert_eq!(stored(&store, "scratch"), 0);
            assert_eq!(integrity(&path), "ok");
            return;
        }
    };
    let path = disk.path().join("disk.db");
    let store = Store::open(&format!("sqlite://{}", path.display())).unwrap();
    let survey = store.import_survey(&definition).unwrap().survey().clone();
    // Without care the error would be diesel's failed ROLLBACK ("cannot rollback - no
    // transaction is active"), which says nothing of the disk.
    let refused = submit(&store, &survey, &big, "big").unwrap_err();
    assert_eq!(
        refused.storage_fault(),
        Some(StorageFault::Full),
        "{refused}"
    );
    assert_eq!(
        stored(&store, "scratch"),
        0,
        "nothing of the batch is stored"
    );
    // Small batches until the disk is full too.
    let mut acknowledged = 0;
    let full = loop {
        assert!(acknowledged < 5000, "600K never filled");
        match submit(&store, &survey, &big[..50], &format!("s{acknowledged}-")) {
            Ok(n) => acknowledged += n,
            Err(error) => break error,
        }
    };
    assert_eq!(full.storage_fault(), Some(StorageFault::Full), "{full}");
    assert_eq!(stored(&store, "scratch"), acknowledged as i64);
    assert_eq!(integrity(&path), "ok");

    disk.resize(8 * 1024 * 1024);
    assert_eq!(submit(&store, &survey, &big, "big").unwrap(), 4000);
    assert_eq!(stored(&store, "scratch"), acknowledged as i64 + 4000);
    assert_eq!(integrity(&path), "ok");
}
