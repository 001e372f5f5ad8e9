//! Published reports over HTTP: nothing before publishing, the report and its files after,
//! nothing again once unpublished; no path leaves the report.

use fieldwork_store::testing::{self, TestDatabase};
use fieldwork_store::NewReportFile;
use reqwest::StatusCode;

use crate::spawn_app;

const SLUG: &str = "digital-leadership";
const INDEX: &str = "<!DOCTYPE html><title>Findings</title><link rel=\"stylesheet\" href=\"style.css\"><img src=\"charts/disrupted-yes.svg\" alt=\"A chart\">";
/// A report in two languages keeps the second in a folder of its own.
const WELSH_INDEX: &str = "<!DOCTYPE html><html lang=\"cy\"><title>Canfyddiadau</title>";
const SVG: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"></svg>";
const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 13, 10, 26, 10, 0, 0xff];

fn publish(app: &crate::TestApp) {
    let files = [
        NewReportFile {
            path: "index.html",
            content_type: "text/html; charset=utf-8",
            body: INDEX.as_bytes(),
        },
        NewReportFile {
            path: "cy/index.html",
            content_type: "text/html; charset=utf-8",
            body: WELSH_INDEX.as_bytes(),
        },
        NewReportFile {
            path: "cy/charts/disrupted-yes.svg",
            content_type: "image/svg+xml",
            body: SVG.as_bytes(),
        },
        NewReportFile {
            path: "charts/disrupted-yes.svg",
            content_type: "image/svg+xml",
            body: SVG.as_bytes(),
        },
        NewReportFile {
            path: "charts/disrupted-yes.png",
            content_type: "image/png",
            body: PNG,
        },
        NewReportFile {
            path: "data/disrupted-yes.csv",
            content_type: "text/csv; charset=utf-8",
            body: b"question_id,option\ndisrupted,yes\n",
        },
    ];
    app.store
        .publish_report(SLUG, 1, Some("abc"), &files)
        .unwrap();
}

fn a_published_report_is_served_and_unpublished_reports_are_not(db: TestDatabase) {
    let app = spawn_app(db);
    let client = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let get = |path: &str| client.get(format!("{}{path}", app.base)).send().unwrap();
    for path in [
        "/r/digital-leadership",
        "/r/digital-leadership/",
        "/r/digital-leadership/charts/disrupted-yes.svg",
        "/r/no-such-survey/",
    ] {
        assert_eq!(
            get(path).status(),
            StatusCode::NOT_FOUND,
            "{path} before publishing"
        );
    }

    publish(&app);
    let root = get("/r/digital-leadership");
    assert_eq!(root.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(root.headers()["location"], "/r/digital-leadership/");

    let index = get("/r/digital-leadership/");
    assert_eq!(index.status(), StatusCode::OK);
    assert_eq!(index.headers()["content-type"], "text/html; charset=utf-8");
    let csp = index.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(
        csp.contains("style-src 'self'") && csp.contains("img-src 'self'"),
        "{csp}"
    );
    assert!(!csp.contains("script-src"), "no scripts: {csp}");
    assert_eq!(index.headers()["x-content-type-options"], "nosniff");
    assert_eq!(index.headers()["cache-control"], "public, max-age=60");
    assert_eq!(index.text().unwrap(), INDEX);

    // A browser following the redirect lands on the report.
    let followed = reqwest::blocking::get(format!("{}/r/digital-leadership", app.base)).unwrap();
    assert_eq!(followed.status(), StatusCode::OK);
    assert!(followed.text().unwrap().contains("<title>Findings</title>"));

    let svg = get("/r/digital-leadership/charts/disrupted-yes.svg");
    assert_eq!(svg.status(), StatusCode::OK);
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    assert_eq!(svg.text().unwrap(), SVG);
    let png = get("/r/digital-leadership/charts/disrupted-yes.png");
    assert_eq!(png.headers()["content-type"], "image/png");
    assert_eq!(png.bytes().unwrap().as_ref(), PNG);
    for path in [
        "/r/digital-leadership/cy/",
        "/r/digital-leadership/cy/index.html",
    ] {
        let welsh = get(path);
        assert_eq!(welsh.status(), StatusCode::OK, "{path}");
        assert_eq!(welsh.text().unwrap(), WELSH_INDEX);
    }
    let welsh_svg = get("/r/digital-leadership/cy/charts/disrupted-yes.svg");
    assert_eq!(welsh_svg.headers()["content-type"], "image/svg+xml");
    let csv = get("/r/digital-leadership/data/disrupted-yes.csv");
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");

    for path in [
        "/r/digital-leadership/charts/missing.svg",
        "/r/digital-leadership/index.html/",
        "/r/digital-leadership/%2e%2e/index.html",
        "/r/digital-leadership/charts/..%2fcharts/disrupted-yes.svg",
        "/r/digital-leadership//index.html",
        "/r/Digital-Leadership/",
        "/r/no-such-survey/index.html",
    ] {
        let response = get(path);
        assert!(
            response.status() == StatusCode::NOT_FOUND,
            "{path}: {}",
            response.status()
        );
    }

    app.store.unpublish_report(SLUG).unwrap();
    assert_eq!(
        get("/r/digital-leadership/").status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get("/r/digital-leadership/charts/disrupted-yes.svg").status(),
        StatusCode::NOT_FOUND
    );
}

#[test]
fn reports_are_served_from_sqlite() {
    a_published_report_is_served_and_unpublished_reports_are_not(testing::sqlite());
}

#[test]
fn reports_are_served_from_postgres() {
    a_published_report_is_served_and_unpublished_reports_are_not(testing::postgres());
}
