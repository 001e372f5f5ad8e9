//! `fieldwork report`: write the site, publish it to the database, take it down.

use fieldwork_store::{NewResponse, Store};
use fieldwork_survey::{
    parse_definition, resolve_frame_csv, validate_answers, Completeness, SyntheticRespondents,
};

use crate::{assert_one_line_error, fieldwork, stderr, stdout, FIXTURE};

const PLAN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../analysis/digital-leadership.toml"
);

/// The fixture survey with synthetic responses in every stratum, in a new SQLite file.
fn database_with_responses(dir: &tempfile::TempDir) -> String {
    let url = format!("sqlite://{}", dir.path().join("fieldwork.db").display());
    let store = Store::open(&url).unwrap();
    let mut definition = parse_definition(&std::fs::read_to_string(FIXTURE).unwrap()).unwrap();
    resolve_frame_csv(
        &mut definition,
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fixtures/frames/uk-public-sector.csv"
        ))
        .unwrap(),
    )
    .unwrap();
    let survey = store.import_survey(&definition).unwrap().survey().clone();
    let mut synthetic = SyntheticRespondents::new(&definition, 5);
    let responses: Vec<_> = ["civil_service", "councils", "schools", "police", "mps"]
        .iter()
        .flat_map(|s| std::iter::repeat_n(*s, 40))
        .map(|s| {
            validate_answers(
                &definition,
                &synthetic.respondent(Some(s)),
                Completeness::Complete,
            )
            .unwrap()
        })
        .collect();
    let keys: Vec<String> = (0..responses.len()).map(|i| i.to_string()).collect();
    let batch: Vec<NewResponse<'_>> = responses
        .iter()
        .zip(&keys)
        .map(|(response, submission_key)| NewResponse {
            response,
            submission_key,
        })
        .collect();
    store.insert_responses(&survey, &batch).unwrap();
    url
}

#[test]
fn the_report_is_written_published_and_unpublished() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_with_responses(&dir);
    let written = fieldwork(
        dir.path(),
        &db,
        &[
            "report",
            "--survey",
            "digital-leadership",
            "--plan",
            PLAN,
            "--out",
            "site",
            "--publish",
        ],
    );
    assert!(written.status.success(), "{}", stderr(&written));
    let out = stdout(&written);
    assert!(
        out.contains("wrote the report of `digital-leadership` version 1 to site: "),
        "{out}"
    );
    assert!(
        out.contains("published the report of `digital-leadership` version 1"),
        "{out}"
    );
    let index = std::fs::read_to_string(dir.path().join("site/index.html")).unwrap();
    assert!(index.contains("<h2 id=\"key-findings\">Key findings</h2>"));
    assert!(dir.path().join("site/charts/disrupted-yes.png").exists());
    assert!(dir.path().join("site/data/disrupted-yes.csv").exists());
    // The survey speaks English and Welsh: both, the Welsh under cy/, each linking the other.
    let welsh = std::fs::read_to_string(dir.path().join("site/cy/index.html")).unwrap();
    assert!(welsh.contains("<html lang=\"cy\">"), "{welsh}");
    assert!(welsh.contains("<h2 id=\"key-findings\">Prif ganfyddiadau</h2>"));
    assert!(welsh.contains("href=\"../index.html\" hreflang=\"en\""));
    assert!(index.contains("href=\"cy/index.html\" hreflang=\"cy\""));
    assert!(dir.path().join("site/cy/charts/disrupted-yes.png").exists());

    let store = Store::open(&db).unwrap();
    let published = store
        .published_report("digital-leadership")
        .unwrap()
        .expect("published");
    let on_disk = std::fs::read_dir(dir.path().join("site/charts"))
        .unwrap()
        .count();
    assert!(published.files as usize > on_disk);
    assert_eq!(
        published.plan_hash.as_deref().map(str::len),
        Some(64),
        "the plan's SHA-256"
    );
    assert_eq!(
        store
            .report_file("digital-leadership", "index.html")
            .unwrap()
            .unwrap()
            .body,
        index.as_bytes()
    );
    assert_eq!(
        store
            .report_file("digital-leadership", "cy/index.html")
            .unwrap()
            .unwrap()
            .body,
        welsh.as_bytes()
    );

    let down = fieldwork(
        dir.path(),
        &db,
        &["report", "--survey", "digital-leadership", "--unpublish"],
    );
    assert!(
        stdout(&down).contains("is no longer published"),
        "{}",
        stderr(&down)
    );
    assert_eq!(store.published_report("digital-leadership").unwrap(), None);
    let again = fieldwork(
        dir.path(),
        &db,
        &["report", "--survey", "digital-leadership", "--unpublish"],
    );
    assert!(stdout(&again).contains("had no published report; nothing changed"));
}

#[test]
fn report_mistakes_are_one_line_or_usage() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_with_responses(&dir);
    // Nothing to do: a usage mistake.
    let nothing = fieldwork(
        dir.path(),
        &db,
        &["report", "--survey", "digital-leadership"],
    );
    assert_eq!(nothing.status.code(), Some(2), "{}", stderr(&nothing));
    let both = fieldwork(
        dir.path(),
        &db,
        &[
            "report",
            "--survey",
            "digital-leadership",
            "--publish",
            "--unpublish",
        ],
    );
    assert_eq!(both.status.code(), Some(2), "{}", stderr(&both));
    let unknown = fieldwork(
        dir.path(),
        &db,
        &["report", "--survey", "ghost", "--out", "x"],
    );
    assert_one_line_error(&unknown, "there is no survey `ghost`");
    let french = fieldwork(
        dir.path(),
        &db,
        &[
            "report",
            "--survey",
            "digital-leadership",
            "--language",
            "fr",
            "--out",
            "x",
        ],
    );
    assert_one_line_error(
        &french,
        "the survey `digital-leadership` is not in the language `fr`: its languages are en, cy",
    );
    assert!(!dir.path().join("x").exists());
    std::fs::write(dir.path().join("plan.toml"), "survey = \"other\"\n").unwrap();
    let wrong_plan = fieldwork(
        dir.path(),
        &db,
        &[
            "report",
            "--survey",
            "digital-leadership",
            "--plan",
            "plan.toml",
            "--publish",
        ],
    );
    assert_one_line_error(
        &wrong_plan,
        "in the plan plan.toml: the plan is for survey `other`, not `digital-leadership`",
    );
}

#[test]
fn the_report_in_one_language_is_that_language_alone() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_with_responses(&dir);
    let written = fieldwork(
        dir.path(),
        &db,
        &[
            "report",
            "--survey",
            "digital-leadership",
            "--language",
            "cy",
            "--out",
            "adroddiad",
        ],
    );
    assert!(written.status.success(), "{}", stderr(&written));
    let index = std::fs::read_to_string(dir.path().join("adroddiad/index.html")).unwrap();
    assert!(index.contains("<html lang=\"cy\">"));
    assert!(index
        .contains("<title>Arweinyddiaeth ddigidol yn sector cyhoeddus y DU: canfyddiadau</title>"));
    assert!(
        !index.contains("language-select"),
        "one language: no switcher"
    );
    assert!(!dir.path().join("adroddiad/cy").exists());
}
