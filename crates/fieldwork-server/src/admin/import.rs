//! Importing a definition (and its frame) from an upload: a new survey or a new version.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use fieldwork_store::{AuditEvent, ImportOutcome, Role, User};
use fieldwork_survey::{parse_definition, resolve_frame_csv, SurveyDefinition};
use serde_json::json;

use super::upload::{read_upload, Upload};
use super::{audit, chrome, render, see_other, Chrome};
use crate::auth::Researcher;
use crate::auth::{standing, Need};
use crate::csrf::{check_csrf, FormFields};
use crate::pages::{PageError, SummaryError};
use crate::AppState;

#[derive(Template)]
#[template(path = "admin/import.html")]
struct ImportPage {
    chrome: Chrome,
    errors: Vec<SummaryError>,
    problems: Vec<String>,
}

fn render_import(
    state: &AppState,
    req: &HttpRequest,
    user: &User,
    status: StatusCode,
    problems: Vec<String>,
) -> Result<HttpResponse, PageError> {
    // One line in the summary; the problems themselves are listed once, by the field.
    let errors: Vec<SummaryError> = match problems.as_slice() {
        [] => Vec::new(),
        [only] => vec![SummaryError {
            href: "#definition".into(),
            message: only.clone(),
        }],
        many => vec![SummaryError {
            href: "#definition".into(),
            message: format!(
                "Fix the {} problems in the survey definition listed below",
                many.len()
            ),
        }],
    };
    let (chrome, cookie) = chrome(state, req, Some(user), !errors.is_empty());
    render(
        status,
        &ImportPage {
            chrome,
            errors,
            problems,
        },
        cookie,
    )
}

pub(super) async fn import_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    researcher: Researcher,
) -> Result<HttpResponse, PageError> {
    render_import(&state, &req, &researcher.user, StatusCode::OK, Vec::new())
}

/// The definition of an upload (JSON, or an XLSForm workbook), with its frame resolved, or
/// every problem with it.
fn checked_definition(upload: &Upload) -> Result<SurveyDefinition, Vec<String>> {
    let Some(bytes) = upload.definition.as_deref().filter(|b| !b.is_empty()) else {
        return Err(vec![
            "Select a survey definition (a JSON file or an XLSForm workbook)".into(),
        ]);
    };
    let problems = |e: fieldwork_survey::DefinitionErrors| -> Vec<String> {
        e.problems.iter().map(ToString::to_string).collect()
    };
    let mut definition = if fieldwork_xlsform::looks_like_workbook(bytes) {
        let options = fieldwork_xlsform::ImportOptions {
            file_stem: upload.definition_name.as_deref().map(file_stem),
            stratum: None,
            // An uploaded frame stands in for the workbook's population column.
            frame_csv: upload
                .frame
                .as_ref()
                .map(|_| "the uploaded frame".to_owned()),
        };
        fieldwork_xlsform::read_xlsform(bytes, &options).map_err(|e| problems(e.into()))?
    } else {
        let Ok(text) = std::str::from_utf8(bytes) else {
            return Err(vec![
                "The definition must be a JSON file in UTF-8 or an XLSForm (.xlsx)".into(),
            ]);
        };
        parse_definition(text).map_err(problems)?
    };
    let frame_file = definition
        .stratification
        .as_ref()
        .and_then(|s| s.frame.csv.clone());
    if let Some(frame_file) = frame_file {
        let Some(frame) = upload.frame.as_deref() else {
            return Err(vec![format!(
                "stratification.frame.csv: the definition reads its population frame from `{frame_file}`: select that CSV file too"
            )]);
        };
        let Ok(frame) = std::str::from_utf8(frame) else {
            return Err(vec!["The frame must be a CSV file in UTF-8".into()]);
        };
        resolve_frame_csv(&mut definition, frame).map_err(problems)?;
    }
    Ok(definition)
}

/// `survey.xlsx` gives `survey`; the browser may send a path.
fn file_stem(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    base.rsplit_once('.')
        .map_or(base, |(stem, _)| stem)
        .to_owned()
}

pub(super) async fn import(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
    researcher: Researcher,
) -> Result<HttpResponse, PageError> {
    let upload = read_upload(&req, body).await?;
    let csrf = upload.csrf.clone().unwrap_or_default();
    check_csrf(
        &req,
        &FormFields::from_pairs(vec![(crate::csrf::CSRF_FIELD.to_owned(), csrf)]),
    )?;
    let user = researcher.user;
    let refused = StatusCode::UNPROCESSABLE_ENTITY;
    // Reading a workbook (or a large JSON file) is CPU work: off the async workers.
    let checked = web::block(move || checked_definition(&upload))
        .await
        .map_err(|_| PageError::Internal)?;
    let definition = match checked {
        Ok(definition) => definition,
        Err(problems) => return render_import(&state, &req, &user, refused, problems),
    };
    if let Some(problem) = slug_taken(&state, &user, &definition.slug).await? {
        return render_import(&state, &req, &user, refused, vec![problem]);
    }
    let outcome = match import_as_owner(&state, definition, &user.email).await? {
        Ok(outcome) => outcome,
        Err(problem) => return render_import(&state, &req, &user, refused, vec![problem]),
    };
    let survey = outcome.survey();
    audit(
        &state,
        AuditEvent {
            actor: &user.email,
            action: "survey.imported",
            survey: Some(survey.slug()),
            detail: json!({
                "version": survey.version(),
                "changed": matches!(outcome, ImportOutcome::Created(_)),
            }),
        },
    )
    .await?;
    Ok(see_other(&format!("/admin/surveys/{}", survey.slug())))
}

/// Why `user` may not import a survey with this slug: a new version of an existing survey is
/// for its owners (and administrators) only. The message does not say whose the survey is.
async fn slug_taken(
    state: &AppState,
    user: &User,
    slug: &str,
) -> Result<Option<String>, PageError> {
    match standing(state, user, slug, Need::Manage).await {
        Ok(_) => Ok(None),
        Err(crate::auth::Refusal::NotFound) => {
            let s = slug.to_owned();
            let exists = state
                .store_call(move |store| match store.latest_survey(&s) {
                    Ok(_) => Ok(true),
                    Err(fieldwork_store::StoreError::SurveyNotFound(_)) => Ok(false),
                    Err(e) => Err(e),
                })
                .await?;
            Ok(exists.then(|| {
                format!("slug: the slug `{slug}` cannot be used; give this survey another slug")
            }))
        }
        Err(refusal) => Err(refusal.into()),
    }
}

/// Stores the definition (a new survey, or a new version when it changed); whoever imports a
/// new survey, or a version of one nobody else has, owns it. A version number the store
/// refuses comes back as the problem to show.
async fn import_as_owner(
    state: &AppState,
    definition: SurveyDefinition,
    email: &str,
) -> Result<Result<ImportOutcome, String>, PageError> {
    let email = email.to_owned();
    let outcome = state
        .store_call(move |store| {
            let outcome = store.import_survey(&definition)?;
            if let ImportOutcome::Created(survey) = &outcome {
                if survey.version() == 1 || store.survey_members(survey.slug())?.is_empty() {
                    store.set_survey_role(survey.slug(), &email, Some(Role::Owner), &email)?;
                }
            }
            Ok::<_, fieldwork_store::StoreError>(outcome)
        })
        .await;
    match outcome {
        Ok(outcome) => Ok(Ok(outcome)),
        Err(
            e @ (fieldwork_store::StoreError::VersionConflict { .. }
            | fieldwork_store::StoreError::VersionNotNewer { .. }),
        ) => Ok(Err(format!("version: {e}"))),
        Err(e) => Err(e.into()),
    }
}
