//! Making single-use invitation links for a stratum, downloaded as CSV.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use fieldwork_store::{AuditEvent, User};
use fieldwork_survey::SurveyDefinition;
use serde_json::json;

use super::AdminForm;
use super::{audit, chrome, field_errors, render, Chrome};
use crate::auth::Researcher;
use crate::auth::{standing, Need};
use crate::csrf::FormFields;
use crate::extract::CheckedForm;
use crate::invitations::NewInvitations;
use crate::pages::{PageError, SummaryError};
use crate::slug::Slug;
use crate::AppState;

/// Most invitations made from the admin pages at once (the CLI makes more).
const MAX_INVITATIONS: u32 = 10_000;

#[derive(Debug, Clone)]
struct StratumOption {
    code: String,
    label: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "admin/invitations.html")]
struct InvitationsPage {
    chrome: Chrome,
    errors: Vec<SummaryError>,
    slug: String,
    title: String,
    strata: Vec<StratumOption>,
    stratum_error: Option<String>,
    count: String,
    count_error: Option<String>,
    max: u32,
}

/// The invitation form as typed, and what is wrong with each field.
#[derive(Default)]
struct InvitationForm {
    stratum: String,
    count: String,
    stratum_error: Option<String>,
    count_error: Option<String>,
}

impl InvitationForm {
    /// The stratum and number of invitations asked for, or the form with its errors.
    fn read(form: &FormFields, definition: &SurveyDefinition) -> Result<(String, u32), Self> {
        let stratum = form.first("stratum").unwrap_or("").to_owned();
        let typed_count: String = form
            .first("count")
            .unwrap_or("")
            .trim()
            .chars()
            .take(20)
            .collect();
        let stratum_error = (!definition.strata().iter().any(|c| c.code == stratum))
            .then(|| "Select the stratum the people you invite belong to".to_owned());
        let count = typed_count
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_INVITATIONS).contains(n));
        let count_error = match (&count, typed_count.is_empty()) {
            (Some(_), _) => None,
            (None, true) => Some("Enter how many invitations to make".to_owned()),
            (None, false) => Some(format!(
                "Enter a whole number of invitations between 1 and {MAX_INVITATIONS}"
            )),
        };
        match (count, &stratum_error) {
            (Some(count), None) => Ok((stratum, count)),
            _ => Err(InvitationForm {
                stratum,
                count: typed_count,
                stratum_error,
                count_error,
            }),
        }
    }
}

async fn render_invitations(
    state: &AppState,
    req: &HttpRequest,
    user: &User,
    slug: &str,
    status: StatusCode,
    form: InvitationForm,
) -> Result<HttpResponse, PageError> {
    let InvitationForm {
        stratum: chosen,
        count,
        stratum_error,
        count_error,
    } = form;
    let s = slug.to_owned();
    let survey = state
        .store_call(move |store| store.latest_survey(&s))
        .await?;
    let errors = field_errors(&[("#stratum", &stratum_error), ("#count", &count_error)]);
    let (chrome, cookie) = chrome(state, req, Some(user), !errors.is_empty());
    let page = InvitationsPage {
        chrome,
        errors,
        slug: slug.to_owned(),
        title: survey.definition.title.to_string(),
        strata: survey
            .definition
            .strata()
            .into_iter()
            .map(|c| StratumOption {
                checked: c.code == chosen,
                code: c.code.clone(),
                label: c.label.to_string(),
            })
            .collect(),
        stratum_error,
        count,
        count_error,
        max: MAX_INVITATIONS,
    };
    render(status, &page, cookie)
}

pub(super) async fn invitations_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
    researcher: Researcher,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    standing(&state, &researcher.user, &slug, Need::Manage).await?;
    let empty = InvitationForm::default();
    render_invitations(&state, &req, &researcher.user, &slug, StatusCode::OK, empty).await
}

pub(super) async fn create_invitations(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
    researcher: Researcher,
    CheckedForm(form): AdminForm,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    standing(&state, &researcher.user, &slug, Need::Manage).await?;
    let s = slug.clone();
    let survey = state
        .store_call(move |store| store.latest_survey(&s))
        .await?;
    let (stratum, count) = match InvitationForm::read(&form, &survey.definition) {
        Ok(asked) => asked,
        Err(form) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render_invitations(&state, &req, &researcher.user, &slug, status, form).await;
        }
    };
    let csv = issue_invitations(&state, &slug, &stratum, count).await?;
    audit(
        &state,
        AuditEvent {
            actor: &researcher.user.email,
            action: "invitations.created",
            survey: Some(&slug),
            detail: json!({"stratum": stratum, "count": count}),
        },
    )
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{slug}-{stratum}-invitations.csv\""),
        ))
        .body(csv))
}

/// Makes `count` invitations to `stratum` and gives their links as CSV. The file is made
/// before the invitations exist, so no link can be lost.
async fn issue_invitations(
    state: &AppState,
    slug: &str,
    stratum: &str,
    count: u32,
) -> Result<Vec<u8>, PageError> {
    let made = NewInvitations::make(count);
    let csv = made
        .write_csv(Vec::new(), &state.public.base, slug, stratum)
        .map_err(|_| PageError::Internal)?;
    let hashes = made.hashes;
    let (slug, stratum) = (slug.to_owned(), stratum.to_owned());
    state
        .store_call(move |store| store.create_invitations(&slug, &stratum, &hashes))
        .await?;
    Ok(csv)
}
