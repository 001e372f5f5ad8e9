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
use crate::csrf::FormFields;
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

/// The sharing form as typed, and what is wrong with each field.
#[derive(Default)]
struct SharingForm {
    email: String,
    email_error: Option<String>,
    role: String,
    role_error: Option<String>,
}

impl SharingForm {
    fn typed(form: &FormFields) -> Self {
        SharingForm {
            email: form
                .first("email")
                .unwrap_or("")
                .chars()
                .take(300)
                .collect(),
            role: form.first("role").unwrap_or("").to_owned(),
            ..SharingForm::default()
        }
    }

    /// The researcher's email address and the role to give them (`None`: remove their
    /// access); None when a field is wrong, which then says why.
    fn check(&mut self) -> Option<(String, Option<Role>)> {
        let role = match self.role.as_str() {
            "remove" => Some(None),
            other => Role::parse(other).map(Some),
        };
        if role.is_none() {
            self.role_error = Some("Select a role, or remove their access".to_owned());
        }
        let email = parse_email(&self.email)
            .map_err(|problem| self.email_error = Some(problem))
            .ok();
        email.zip(role)
    }
}

async fn render_sharing(
    state: &AppState,
    req: &HttpRequest,
    user: &User,
    slug: &str,
    status: StatusCode,
    form: SharingForm,
) -> Result<HttpResponse, PageError> {
    let SharingForm {
        email,
        email_error,
        role,
        role_error,
    } = form;
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
        title: survey.definition.title.to_string(),
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
    let empty = SharingForm::default();
    render_sharing(&state, &req, &researcher.user, &slug, StatusCode::OK, empty).await
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
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    let mut typed = SharingForm::typed(&form);
    let Some((email, role)) = typed.check() else {
        return render_sharing(&state, &req, &researcher.user, &slug, status, typed).await;
    };
    let (s, actor) = (slug.clone(), researcher.user.email.clone());
    let changed = state
        .store_call(move |store| store.set_survey_role(&s, &email, role, &actor))
        .await;
    match changed {
        Ok(()) => return Ok(see_other(&format!("/admin/surveys/{slug}/sharing"))),
        Err(fieldwork_store::StoreError::UserNotFound(_)) => {
            typed.email_error = Some(
                "There is no researcher with that email address: an administrator adds \
                 researchers with `fieldwork user add`"
                    .to_owned(),
            );
        }
        Err(e @ fieldwork_store::StoreError::LastOwner(_)) => {
            let message = e.to_string();
            typed.role_error = Some(format!("{}{}", message[..1].to_uppercase(), &message[1..]));
        }
        Err(e) => return Err(e.into()),
    }
    render_sharing(&state, &req, &researcher.user, &slug, status, typed).await
}
