//! Who may see and do what with a survey.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use fieldwork_store::{Role, User};

use super::AdminForm;
use super::{chrome, field_errors, render, see_other, Chrome};
use crate::accounts::parse_email;
use crate::auth::Researcher;
use crate::auth::{standing, Need};
use crate::extract::CheckedForm;
use crate::pages::{PageError, SummaryError};
use crate::slug::Slug;
use crate::AppState;

#[derive(Debug, Clone)]
struct MemberView {
    email: String,
    role: &'static str,
}

#[derive(Template)]
#[template(path = "admin/sharing.html")]
struct SharingPage {
    chrome: Chrome,
    errors: Vec<SummaryError>,
    slug: String,
    title: String,
    members: Vec<MemberView>,
    email: String,
    email_error: Option<String>,
    role: String,
    role_error: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn render_sharing(
    state: &AppState,
    req: &HttpRequest,
    user: &User,
    slug: &str,
    status: StatusCode,
    email: String,
    email_error: Option<String>,
    role: String,
    role_error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let s = slug.to_owned();
    let (survey, members) = state
        .store_call(move |store| Ok((store.latest_survey(&s)?, store.survey_members(&s)?)))
        .await?;
    let errors = field_errors(&[("#email", &email_error), ("#role", &role_error)]);
    let (chrome, cookie) = chrome(state, req, Some(user), !errors.is_empty());
    let page = SharingPage {
        chrome,
        errors,
        slug: slug.to_owned(),
        title: survey.definition.title.clone(),
        members: members
            .into_iter()
            .map(|(email, role)| MemberView {
                email,
                role: role.as_str(),
            })
            .collect(),
        email,
        email_error,
        role,
        role_error,
    };
    render(status, &page, cookie)
}

pub(super) async fn sharing_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
    researcher: Researcher,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    standing(&state, &researcher.user, &slug, Need::Manage).await?;
    render_sharing(
        &state,
        &req,
        &researcher.user,
        &slug,
        StatusCode::OK,
        String::new(),
        None,
        String::new(),
        None,
    )
    .await
}

pub(super) async fn share(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
    researcher: Researcher,
    CheckedForm(form): AdminForm,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    standing(&state, &researcher.user, &slug, Need::Manage).await?;
    let typed: String = form
        .first("email")
        .unwrap_or("")
        .chars()
        .take(300)
        .collect();
    let role_text = form.first("role").unwrap_or("").to_owned();
    let email = parse_email(&typed);
    let role = match role_text.as_str() {
        "remove" => Some(None),
        other => Role::parse(other).map(Some),
    };
    let (email, role) = match (email, role) {
        (Ok(email), Some(role)) => (email, role),
        (email, role) => {
            return render_sharing(
                &state,
                &req,
                &researcher.user,
                &slug,
                StatusCode::UNPROCESSABLE_ENTITY,
                typed,
                email.err(),
                role_text,
                role.is_none()
                    .then(|| "Select a role, or remove their access".to_owned()),
            )
            .await
        }
    };
    let (s, e, actor) = (slug.clone(), email.clone(), researcher.user.email.clone());
    let changed = state
        .store_call(move |store| store.set_survey_role(&s, &e, role, &actor))
        .await;
    let problem = match changed {
        Ok(()) => return Ok(see_other(&format!("/admin/surveys/{slug}/sharing"))),
        Err(fieldwork_store::StoreError::UserNotFound(_)) => (
            Some("There is no researcher with that email address: an administrator adds researchers with `fieldwork user add`".to_owned()),
            None,
        ),
        Err(e @ fieldwork_store::StoreError::LastOwner(_)) => {
            (None, Some(format!("{}{}", e.to_string()[..1].to_uppercase(), &e.to_string()[1..])))
        }
        Err(e) => return Err(e.into()),
    };
    render_sharing(
        &state,
        &req,
        &researcher.user,
        &slug,
        StatusCode::UNPROCESSABLE_ENTITY,
        typed,
        problem.0,
        role_text,
        problem.1,
    )
    .await
}
