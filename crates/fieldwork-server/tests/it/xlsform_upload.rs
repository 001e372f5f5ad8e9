//! XLSForm workbooks through the admin import page: a survey uploaded as a workbook is stored
//! as its JSON definition would be, and a workbook with problems is refused with every problem
//! named by its cell, escaped, storing nothing.

use fieldwork_server::ServerConfig;
use fieldwork_store::testing::TestDatabase;
use reqwest::blocking::{Client, Response};
use reqwest::StatusCode;

use crate::researchers::{add_user, multipart, page_csrf, signed_in};
use crate::{fixture_definition, fixture_definition_edited, spawn_app_with, TestApp};

const RESEARCHER: &str = "ana@example.org";

fn fixture_bytes(path: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../../fixtures/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// A server whose only survey is not digital-leadership, so that slug is free to import, and
/// a researcher signed in who owns nothing.
fn app_and_researcher(db: TestDatabase) -> (TestApp, Client) {
    let elsewhere = fixture_definition_edited(|survey| survey["slug"] = "another-survey".into());
    let app = spawn_app_with(
        db,
        elsewhere,
        ServerConfig {
            rate_per_second: 0.0,
            ..Default::default()
        },
    );
    add_user(&app, RESEARCHER, false);
    let browser = signed_in(&app, RESEARCHER);
    (app, browser)
}

/// Posts the import form as a browser sends it: the page's CSRF token and the files chosen,
/// each `(field, file name, bytes)`.
fn upload(app: &TestApp, browser: &Client, files: &[(&str, &str, &[u8])]) -> Response {
    let token = page_csrf(browser, &app.base);
    let mut fields: Vec<(&str, Option<&str>, &[u8])> = vec![("csrf_token", None, token.as_bytes())];
    fields.extend(
        files
            .iter()
            .map(|(name, file, bytes)| (*name, Some(*file), *bytes)),
    );
    let (content_type, body) = multipart(&fields);
    browser
        .post(format!("{}/admin/import", app.base))
        .header("content-type", content_type)
        .body(body)
        .send()
        .unwrap()
}

/// The slugs of every stored survey.
fn stored_slugs(app: &TestApp) -> Vec<String> {
    let mut slugs: Vec<String> = app
        .store
        .list_surveys()
        .unwrap()
        .into_iter()
        .map(|s| s.slug)
        .collect();
    slugs.sort();
    slugs
}

/// Text as the page's templates escape it.
fn html_escaped(text: &str) -> String {
    text.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// The items of the page's list of problems, as sent (escaped).
fn listed_problems(page: &str) -> Vec<String> {
    let start = page
        .find("id=\"definition-problems\"")
        .unwrap_or_else(|| panic!("no list of problems in:\n{page}"));
    let list = &page[start..page[start..].find("</ul>").unwrap() + start];
    list.split("<li>")
        .skip(1)
        .map(|item| item.split("</li>").next().unwrap().to_owned())
        .collect()
}

/// Asserts a refusal: 422, the page's title and summary, and `problem` shown by the field.
fn assert_refused_with(response: Response, problem: &str) -> String {
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().unwrap();
    assert!(
        page.contains("<title>Error: Create or import a survey"),
        "{page}"
    );
    assert!(page.contains("There is a problem"), "{page}");
    assert!(page.contains(problem), "expected {problem:?} in:\n{page}");
    page
}

fn a_workbook_imports_as_its_json_would(db: TestDatabase) {
    let (app, browser) = app_and_researcher(db);
    let fixture = fixture_definition();
    let workbook = fieldwork_xlsform::write_xlsform(&fixture).unwrap();

    let created = upload(
        &app,
        &browser,
        &[("definition", "digital-leadership.xlsx", &workbook)],
    );
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        created.headers()["location"],
        "/admin/surveys/digital-leadership"
    );
    let stored = app.store.latest_survey("digital-leadership").unwrap();
    assert_eq!(
        stored.definition.to_canonical_json(),
        fixture.to_canonical_json(),
        "the workbook's survey is stored as the fixture's JSON"
    );
    assert_eq!(
        app.store.survey_members("digital-leadership").unwrap(),
        [(RESEARCHER.to_owned(), fieldwork_store::Role::Owner)]
    );
    let overview = browser
        .get(format!("{}/admin/surveys/digital-leadership", app.base))
        .send()
        .unwrap();
    assert_eq!(overview.status(), StatusCode::OK);
    assert!(overview
        .text()
        .unwrap()
        .contains("Digital leadership in the UK public sector"));

    // A frame CSV in its place gives the populations the workbook's column gave: the same
    // definition, so no new version.
    let frame = fixture_bytes("frames/uk-public-sector.csv");
    let again = upload(
        &app,
        &browser,
        &[
            ("definition", "digital-leadership.xlsx", &workbook),
            ("frame", "uk-public-sector.csv", &frame),
        ],
    );
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        again.headers()["location"],
        "/admin/surveys/digital-leadership"
    );
    assert_eq!(
        app.store
            .survey_versions("digital-leadership")
            .unwrap()
            .len(),
        1
    );
}

fn a_workbook_with_problems_is_refused_cell_by_cell(db: TestDatabase) {
    let (app, browser) = app_and_researcher(db);
    let before = stored_slugs(&app);
    let cascading = fixture_bytes("xlsform/spec/cascading_select.xlsx");

    let response = upload(
        &app,
        &browser,
        &[("definition", "cascading_select.xlsx", &cascading)],
    );
    let page = assert_refused_with(response, "problems in the survey definition listed below");
    // Every problem the reader finds is listed, once each, in its order, escaped.
    let expected: Vec<String> = fieldwork_xlsform::read_xlsform(
        &cascading,
        &fieldwork_xlsform::ImportOptions {
            file_stem: Some("cascading_select".into()),
            ..Default::default()
        },
    )
    .unwrap_err()
    .problems
    .iter()
    .map(|p| html_escaped(&p.to_string()))
    .collect();
    let listed = listed_problems(&page);
    assert_eq!(listed, expected);
    for cell in ["survey!D3 (choice_filter): ", "survey!D4 (choice_filter): "] {
        assert!(
            listed.iter().any(|p| p.starts_with(cell)),
            "{cell} is listed: {listed:#?}"
        );
    }
    assert!(page.contains(&format!(
        "Fix the {} problems in the survey definition listed below",
        listed.len()
    )));

    // What the workbook's problem quotes from the upload reaches the page as text: here the
    // file's name, which gives the slug.
    let select_one = fixture_bytes("xlsform/spec/spec_select_one.xlsx");
    let response = upload(
        &app,
        &browser,
        &[("definition", "Poll & <Co>.xlsx", &select_one)],
    );
    let page = assert_refused_with(
        response,
        "the file&#39;s name: `poll-&#38;-&#60;co&#62;` is not a valid slug",
    );
    assert!(!page.contains("<co>"), "{page}");

    // A frame for a workbook with no strata is a mistake, not something to ignore.
    let frame = fixture_bytes("frames/uk-public-sector.csv");
    let response = upload(
        &app,
        &browser,
        &[
            ("definition", "pizza_poll.xlsx", &select_one),
            ("frame", "uk-public-sector.csv", &frame),
        ],
    );
    assert_refused_with(
        response,
        "survey: a frame was given but no stratum question",
    );

    assert_eq!(stored_slugs(&app), before, "nothing is stored");
}

fn files_that_are_not_xlsx_workbooks_are_refused(db: TestDatabase) {
    let (app, browser) = app_and_researcher(db);
    let before = stored_slugs(&app);

    let xls = fixture_bytes("xlsform/spec/calculate.xls");
    let response = upload(&app, &browser, &[("definition", "calculate.xls", &xls)]);
    assert_refused_with(
        response,
        "workbook: the file is not an .xlsx workbook: save the XLSForm as Excel Workbook (.xlsx)",
    );

    // A zip's signature and then nothing a zip has: refused as a page, not a server error.
    let mut damaged = b"PK\x03\x04".to_vec();
    damaged.extend((0..2000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    let response = upload(&app, &browser, &[("definition", "survey.xlsx", &damaged)]);
    assert_refused_with(
        response,
        "workbook: the file is not a readable .xlsx workbook",
    );

    assert_eq!(stored_slugs(&app), before, "nothing is stored");
}

fn the_file_name_gives_the_slug_when_settings_give_no_form_id(db: TestDatabase) {
    let (app, browser) = app_and_researcher(db);
    // spec_select_one.xlsx has no settings sheet; XLSForm's form_id then comes from the file
    // name, its underscores made hyphens for a slug.
    let select_one = fixture_bytes("xlsform/spec/spec_select_one.xlsx");
    let created = upload(
        &app,
        &browser,
        &[("definition", "pizza_poll.xlsx", &select_one)],
    );
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    assert_eq!(created.headers()["location"], "/admin/surveys/pizza-poll");
    let stored = app.store.latest_survey("pizza-poll").unwrap().definition;
    let questions: Vec<&str> = stored
        .pages
        .iter()
        .flat_map(|page| page.questions.iter().map(|q| q.id.as_str()))
        .collect();
    assert_eq!(questions, ["likes_pizza"]);
    assert_eq!(
        app.store.survey_members("pizza-poll").unwrap(),
        [(RESEARCHER.to_owned(), fieldwork_store::Role::Owner)]
    );
}

fieldwork_store::on_both_backends!(
    a_workbook_imports_as_its_json_would,
    a_workbook_with_problems_is_refused_cell_by_cell,
    files_that_are_not_xlsx_workbooks_are_refused,
    the_file_name_gives_the_slug_when_settings_give_no_form_id,
);
