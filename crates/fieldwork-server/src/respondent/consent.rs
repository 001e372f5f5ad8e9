//! Informed consent before the first question, the exit page for those who decline, and the
//! survey's privacy notice. Declining stores nothing: no response exists until a respondent
//! who agreed to every statement starts one.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use fieldwork_store::GivenConsent;
use fieldwork_survey::{formatted_blocks, Block, SurveyDefinition};

use super::privacy_href;
use super::Localised;
use crate::csrf::FormFields;
use crate::language::Ui;
use crate::pages::{html, PageError};
use crate::slug::Slug;
use crate::AppState;

/// A block of formatted text as the templates show it.
pub(super) struct BlockView {
    /// `heading`, `subheading`, `paragraph` or `list`.
    pub kind: &'static str,
    pub text: String,
    pub items: Vec<String>,
}

/// Formatted text from a definition as blocks for a template; it is escaped there like any
/// other text, so a definition cannot put markup on a page.
pub(super) fn block_views(text: &str) -> Vec<BlockView> {
    formatted_blocks(text)
        .into_iter()
        .map(|block| match block {
            Block::Heading(text) => BlockView {
                kind: "heading",
                text,
                items: Vec::new(),
            },
            Block::Subheading(text) => BlockView {
                kind: "subheading",
                text,
                items: Vec::new(),
            },
            Block::Paragraph(text) => BlockView {
                kind: "paragraph",
                text,
                items: Vec::new(),
            },
            Block::List(items) => BlockView {
                kind: "list",
                text: String::new(),
                items,
            },
        })
        .collect()
}

/// A consent statement's checkbox.
pub(super) struct ConsentView {
    pub id: String,
    pub text: String,
    pub checked: bool,
}

/// The statements of the survey's consent as checkboxes, ticked as the form sent them.
pub(super) fn consent_views(
    definition: &SurveyDefinition,
    form: Option<&FormFields>,
) -> Vec<ConsentView> {
    let ticked = form.map(|f| f.all("consent")).unwrap_or_default();
    definition
        .consent_statements()
        .map(|statement| ConsentView {
            id: statement.id.clone(),
            text: statement.text.to_string(),
            checked: ticked.contains(&statement.id.as_str()),
        })
        .collect()
}

/// What the start form says of consent: `Ok(None)` for a survey that asks none, the consent
/// when every statement was ticked, and `Err` when one was not.
pub(super) fn given_consent(
    definition: &SurveyDefinition,
    form: &FormFields,
) -> Result<Option<GivenConsent>, ConsentMissing> {
    let Some(information) = &definition.participant_information else {
        return Ok(None);
    };
    let ticked = form.all("consent");
    let statements: Vec<String> = information.consent.iter().map(|s| s.id.clone()).collect();
    if statements.iter().all(|id| ticked.contains(&id.as_str())) {
        Ok(Some(GivenConsent {
            // The default language's name of the wording: one version, whatever language
            // it was read in.
            information_version: information.version.primary().to_owned(),
            statements,
        }))
    } else {
        Err(ConsentMissing)
    }
}

/// A statement of consent was left unticked.
#[derive(Debug)]
pub(super) struct ConsentMissing;

impl ConsentMissing {
    /// The id of the message saying what to do.
    pub const MESSAGE: &'static str = "consent-missing";
}

/// The exit page for a respondent who does not want to take part. A GET of a plain page:
/// nothing was stored, so there is nothing to change.
pub(super) async fn declined_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    let survey = state.current_survey(&slug).await?;
    let page = Localised::new(&survey.definition, &req, None).message_page(
        "declined-title",
        &["declined-thanks", "declined-close"],
        Some((format!("/s/{slug}"), "declined-back")),
    );
    html(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "privacy.html")]
struct PrivacyPage {
    ui: Ui,
    service_name: String,
    has_errors: bool,
    privacy_href: Option<String>,
    slug: String,
    sections: Vec<(String, Vec<BlockView>)>,
}

/// The survey's privacy notice, whatever the survey's status: people may ask after it ends.
pub(super) async fn privacy_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    let survey = state.current_survey(&slug).await?;
    let Localised { definition, ui } = Localised::new(&survey.definition, &req, None);
    let Some(notice) = &definition.privacy_notice else {
        return Err(PageError::NotFound);
    };
    let page = PrivacyPage {
        service_name: definition.title.to_string(),
        has_errors: false,
        privacy_href: privacy_href(&definition),
        slug,
        sections: notice
            .sections()
            .into_iter()
            .map(|(heading, text)| (ui.t(heading), block_views(text.as_str())))
            .collect(),
        ui,
    };
    html(StatusCode::OK, &page)
}
