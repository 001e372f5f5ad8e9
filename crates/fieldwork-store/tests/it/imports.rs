//! `Store::import_responses`: many batches in one transaction, all kept or none.

use fieldwork_store::testing::TestDatabase;
use fieldwork_store::{ImportFailed, Imported, PreparedResponse, ResponseFilter};

use crate::{complete_response, on_both_backends};

/// More than a few batches of the sink's 512 rows.
const ROWS: u64 = 1_300;

fn stored(db: &TestDatabase) -> usize {
    db.store
        .load_responses("digital-leadership", &ResponseFilter::default())
        .unwrap()
        .len()
}

fn a_refusal_after_many_batches_stores_nothing(db: TestDatabase) {
    let survey = crate::imported(&db);
    let response = complete_response(&survey.definition, "councils");
    let response = PreparedResponse::new(&survey, &response).unwrap();
    let refused = db.store.import_responses(&survey, |sink| {
        for row in 0..ROWS {
            sink.push(response.clone(), format!("import:file:{row:012}"))?;
        }
        // A problem found on the file's last row.
        Err::<(), _>(ImportFailed::Refused("row 1302 has a problem"))
    });
    assert!(
        matches!(
            refused,
            Err(ImportFailed::Refused("row 1302 has a problem"))
        ),
        "{refused:?}"
    );
    assert_eq!(stored(&db), 0);
}

fn an_import_again_stores_nothing_twice(db: TestDatabase) {
    let survey = crate::imported(&db);
    let response = complete_response(&survey.definition, "police");
    let response = PreparedResponse::new(&survey, &response).unwrap();
    let import = |rows: u64| {
        db.store
            .import_responses(&survey, |sink| {
                for row in 0..rows {
                    sink.push(response.clone(), format!("import:file:{row:012}"))?;
                }
                Ok::<_, ImportFailed<()>>(rows)
            })
            .unwrap()
    };
    let first = import(ROWS);
    assert_eq!(
        first,
        Imported {
            value: ROWS,
            inserted: ROWS,
            already_stored: 0
        }
    );
    // The same rows and one more: only the new one is stored.
    let again = import(ROWS + 1);
    assert_eq!((again.inserted, again.already_stored), (1, ROWS));
    assert_eq!(stored(&db), ROWS as usize + 1);
}

fn a_response_to_another_survey_is_refused_and_nothing_stays(db: TestDatabase) {
    let survey = crate::imported(&db);
    let mut other_definition = survey.definition.clone();
    other_definition.slug = "another".to_owned();
    let other = complete_response(&other_definition, "police");
    assert!(matches!(
        PreparedResponse::new(&survey, &other),
        Err(fieldwork_store::StoreError::WrongSurvey { .. })
    ));
    // Prepared for a survey, pushed into an import of another version of it.
    let mut next = survey.definition.clone();
    next.version += 1;
    db.store.import_survey(&next).unwrap();
    let later = db.store.latest_survey("digital-leadership").unwrap();
    let response = complete_response(&survey.definition, "police");
    let refused = db.store.import_responses(&later, |sink| {
        sink.push(
            PreparedResponse::new(&survey, &response)?,
            "import:file:000000000002".to_owned(),
        )?;
        Ok::<_, ImportFailed<()>>(())
    });
    assert!(
        matches!(
            refused,
            Err(ImportFailed::Store(
                fieldwork_store::StoreError::WrongSurvey { .. }
            ))
        ),
        "{refused:?}"
    );
    assert_eq!(stored(&db), 0);
}

on_both_backends!(
    a_refusal_after_many_batches_stores_nothing,
    an_import_again_stores_nothing_twice,
    a_response_to_another_survey_is_refused_and_nothing_stays,
);
