//! The collection service over real HTTP: a server on port 0 over a real database.

mod api;
mod consent;
mod hardening;
mod journey;
mod languages;
mod operations;
mod opt_out;
mod page_introduction;
mod pledges;
mod reports;
mod researchers;
mod xlsform_upload;

use std::sync::Arc;

use fieldwork_server::{tokens, ServerConfig};
use fieldwork_store::testing::TestDatabase;
use fieldwork_store::{Store, SurveyStatus};
use fieldwork_survey::{parse_definition, resolve_frame_csv, SurveyDefinition};

#[derive(Debug)]
pub struct TestApp {
    pub base: String,
    pub store: Arc<Store>,
    /// Invitation tokens for the police stratum.
    pub police_invites: Vec<String>,
    _db: TestDatabase,
}

pub fn fixture_definition() -> SurveyDefinition {
    fixture_definition_edited(|_| {})
}

/// The fixture with `edit` made to its JSON before it is parsed and checked, as a researcher
/// would make it.
pub fn fixture_definition_edited(edit: impl FnOnce(&mut serde_json::Value)) -> SurveyDefinition {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures");
    let mut json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{root}/surveys/digital-leadership.json")).unwrap(),
    )
    .unwrap();
    edit(&mut json);
    let mut definition = parse_definition(&json.to_string()).unwrap();
    resolve_frame_csv(
        &mut definition,
        &std::fs::read_to_string(format!("{root}/frames/uk-public-sector.csv")).unwrap(),
    )
    .unwrap();
    definition
}

/// A server on a free port over `db`, with the fixture survey imported and open, and ten
/// police invitations.
pub fn spawn_app(db: TestDatabase) -> TestApp {
    spawn_app_with(
        db,
        fixture_definition(),
        ServerConfig {
            rate_per_second: 0.0,
            ..Default::default()
        },
    )
}

pub fn spawn_app_with(
    db: TestDatabase,
    definition: SurveyDefinition,
    config: ServerConfig,
) -> TestApp {
    let store = Arc::new(Store::open(&db.url).unwrap());
    store.import_survey(&definition).unwrap();
    store
        .set_survey_status(&definition.slug, SurveyStatus::Open)
        .unwrap();
    let police_invites: Vec<String> = (0..10).map(|_| tokens::new_token()).collect();
    let hashes: Vec<String> = police_invites
        .iter()
        .map(|t| tokens::hash("invitation", t))
        .collect();
    if definition.stratification.is_some() {
        store
            .create_invitations(&definition.slug, "police", &hashes)
            .unwrap();
    }
    let server = fieldwork_server::spawn(
        Arc::clone(&store),
        "127.0.0.1:0",
        ServerConfig {
            workers: Some(2),
            ..config
        },
    )
    .unwrap();
    let addr = server.addr();
    TestApp {
        base: format!("http://{addr}"),
        store,
        police_invites,
        _db: db,
    }
}

/// A browser: a cookie jar, following redirects.
pub fn browser() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap()
}

/// The CSRF token in a page's form.
pub fn csrf(html: &str) -> String {
    field(html, "csrf_token")
}

/// The value of a hidden field.
pub fn field(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} field in:\n{html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// The consent statements of the digital-leadership study (`with_consent` checks them against
/// the fixture, so they cannot drift apart).
const CONSENT: [&str; 3] = ["read_information", "voluntary", "published_figures"];

/// A start form's fields with every consent statement of the digital-leadership study ticked,
/// as a respondent who agrees sends them.
pub fn with_consent<'a>(fields: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let definition = fixture_definition();
    let statements: Vec<&str> = definition
        .consent_statements()
        .map(|s| s.id.as_str())
        .collect();
    assert_eq!(statements, CONSENT, "the fixture's consent statements");
    let mut fields = fields.to_vec();
    fields.extend(CONSENT.iter().map(|id| ("consent", *id)));
    fields
}
