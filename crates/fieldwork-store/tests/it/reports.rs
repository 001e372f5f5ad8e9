use fieldwork_store::testing::TestDatabase;
use fieldwork_store::{NewReportFile, NewResponse, StoreError};

use crate::{complete_response, imported, on_both_backends};

const SLUG: &str = "digital-leadership";

fn site(index: &str) -> Vec<(String, &'static str, Vec<u8>)> {
    vec![
        (
            "index.html".into(),
            "text/html; charset=utf-8",
            index.as_bytes().to_vec(),
        ),
        (
            "charts/disrupted.png".into(),
            "image/png",
            // Not UTF-8: bodies are bytes on both backends.
            vec![0x89, b'P', b'N', b'G', 0, 0xff, 0xfe, 13, 10],
        ),
    ]
}

fn files<'a>(site: &'a [(String, &'static str, Vec<u8>)]) -> Vec<NewReportFile<'a>> {
    site.iter()
        .map(|(path, content_type, body)| NewReportFile {
            path,
            content_type,
            body,
        })
        .collect()
}

fn a_published_report_serves_its_files(db: TestDatabase) {
    imported(&db);
    assert_eq!(db.store.published_report(SLUG).unwrap(), None);
    assert_eq!(db.store.report_file(SLUG, "index.html").unwrap(), None);
    let first = site("<h1>First</h1>");
    let published = db
        .store
        .publish_report(SLUG, 1, Some("abc123"), &files(&first))
        .unwrap();
    assert_eq!(published.files, 2);
    let stored = db.store.published_report(SLUG).unwrap().expect("published");
    assert_eq!(stored, published);
    let png = db
        .store
        .report_file(SLUG, "charts/disrupted.png")
        .unwrap()
        .expect("a file");
    assert_eq!(png.content_type, "image/png");
    assert_eq!(png.body, first[1].2);
    assert_eq!(
        db.store.report_paths(SLUG).unwrap(),
        vec!["charts/disrupted.png", "index.html"]
    );
    assert_eq!(
        db.store.report_file(SLUG, "charts/other.png").unwrap(),
        None
    );
    assert_eq!(
        db.store.report_file("other-survey", "index.html").unwrap(),
        None
    );
    // Traversal never reaches the database.
    assert_eq!(db.store.report_file(SLUG, "../index.html").unwrap(), None);
}

fn publishing_again_replaces_the_report_whole(db: TestDatabase) {
    imported(&db);
    db.store
        .publish_report(SLUG, 1, None, &files(&site("<h1>First</h1>")))
        .unwrap();
    let second = vec![(
        "index.html".to_owned(),
        "text/html; charset=utf-8",
        b"<h1>Second</h1>".to_vec(),
    )];
    let published = db
        .store
        .publish_report(SLUG, 1, Some("def"), &files(&second))
        .unwrap();
    let stored = db.store.published_report(SLUG).unwrap().unwrap();
    assert_eq!(stored.id, published.id);
    assert_eq!(stored.files, 1);
    assert_eq!(stored.plan_hash.as_deref(), Some("def"));
    assert_eq!(
        db.store
            .report_file(SLUG, "index.html")
            .unwrap()
            .unwrap()
            .body,
        b"<h1>Second</h1>"
    );
    // The first report's chart went with it.
    assert_eq!(
        db.store.report_file(SLUG, "charts/disrupted.png").unwrap(),
        None
    );
}

fn unpublishing_takes_the_report_down(db: TestDatabase) {
    imported(&db);
    assert!(!db.store.unpublish_report(SLUG).unwrap());
    db.store
        .publish_report(SLUG, 1, None, &files(&site("<h1>Report</h1>")))
        .unwrap();
    assert!(db.store.unpublish_report(SLUG).unwrap());
    assert_eq!(db.store.published_report(SLUG).unwrap(), None);
    assert_eq!(db.store.report_file(SLUG, "index.html").unwrap(), None);
    assert!(db.store.report_paths(SLUG).unwrap().is_empty());
    assert!(matches!(
        db.store.unpublish_report("no-such-survey"),
        Err(StoreError::SurveyNotFound(_))
    ));
}

fn a_report_with_bad_paths_is_refused_whole(db: TestDatabase) {
    imported(&db);
    let body = b"x".as_slice();
    let file = |path| NewReportFile {
        path,
        content_type: "text/plain",
        body,
    };
    for (bad, message) in [
        (
            vec![file("index.html"), file("../etc/passwd")],
            "`../etc/passwd` is not a valid file path",
        ),
        (
            vec![file("index.html"), file("/abs")],
            "`/abs` is not a valid file path",
        ),
        (
            vec![file("index.html"), file("a//b")],
            "`a//b` is not a valid file path",
        ),
        (
            vec![file("index.html"), file("index.html")],
            "`index.html` is given twice",
        ),
        (vec![file("style.css")], "it has no index.html"),
    ] {
        match db.store.publish_report(SLUG, 1, None, &bad) {
            Err(StoreError::InvalidReport(m)) => assert_eq!(m, message),
            other => panic!("expected a refusal for {message}, got {other:?}"),
        }
    }
    assert_eq!(db.store.published_report(SLUG).unwrap(), None);
    assert!(matches!(
        db.store
            .publish_report(SLUG, 7, None, &[file("index.html")]),
        Err(StoreError::SurveyVersionNotFound { .. })
    ));
}

fn the_submission_span_covers_complete_responses(db: TestDatabase) {
    let survey = imported(&db);
    assert_eq!(db.store.submission_span(SLUG).unwrap(), None);
    let definition = crate::fixture_definition();
    let responses = [
        complete_response(&definition, "police"),
        complete_response(&definition, "schools"),
    ];
    let keys = ["a", "b"];
    for (response, key) in responses.iter().zip(keys) {
        db.store
            .insert_responses(
                &survey,
                &[NewResponse {
                    response,
                    submission_key: key,
                }],
            )
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let (first, last) = db.store.submission_span(SLUG).unwrap().expect("a span");
    assert!(first < last, "{first} < {last}");
}

on_both_backends!(
    a_published_report_serves_its_files,
    publishing_again_replaces_the_report_whole,
    unpublishing_takes_the_report_down,
    a_report_with_bad_paths_is_refused_whole,
    the_submission_span_covers_complete_responses,
);
