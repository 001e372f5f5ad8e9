//! Importing a definition (and its frame) from an upload: a new survey or a new version.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use fieldwork_store::{AuditEvent, ImportOutcome, Role, User};
use fieldwork_survey::{parse_definition, resolve_frame_csv, SurveyDefinition};
use futures_util::StreamExt;
use serde_json::json;

use super::{audit, chrome, render, see_other, Chrome};
use crate::auth::Researcher;
use crate::auth::{standing, Need};
use crate::csrf::{check_csrf, FormFields};
use crate::pages::{PageError, SummaryError};
use crate::AppState;

/// Largest upload: a definition (the survey crate refuses more than 1 MiB) and its frame.
const UPLOAD_LIMIT: usize = 4 * 1024 * 1024;

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

/// The parts of an upload form.
#[derive(Debug, Default)]
struct Upload {
    csrf: Option<String>,
    definition: Option<Vec<u8>>,
    frame: Option<Vec<u8>>,
}

async fn read_upload(req: &HttpRequest, body: web::Payload) -> Result<Upload, PageError> {
    let bad = |text: &str| {
        PageError::message(
            StatusCode::BAD_REQUEST,
            "The upload could not be read",
            &[text],
        )
    };
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let boundary = multer::parse_boundary(content_type)
        .map_err(|_| bad("Send the form from the import page (multipart/form-data)."))?;
    let constraints = multer::Constraints::new()
        .allowed_fields(vec!["csrf_token", "definition", "frame"])
        .size_limit(
            multer::SizeLimit::new()
                .whole_stream(UPLOAD_LIMIT as u64)
                .for_field("csrf_token", 64),
        );
    // The whole upload is read first (it is bounded), since multer wants a Send stream and
    // actix's payload is not one.
    let too_large = || {
        PageError::message(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The files are too large",
            &["A definition and its frame may be 4 MB together at most."],
        )
    };
    let mut body = body;
    let mut bytes = web::BytesMut::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|_| bad("Go back and try again."))?;
        if bytes.len() + chunk.len() > UPLOAD_LIMIT {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    let whole = bytes.freeze();
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(whole) });
    let mut multipart = multer::Multipart::with_constraints(stream, boundary, constraints);
    let mut upload = Upload::default();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(
                multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. },
            ) => {
                return Err(PageError::message(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "The files are too large",
                    &["A definition and its frame may be 4 MB together at most."],
                ))
            }
            Err(multer::Error::UnknownField { .. }) => {
                return Err(bad("The form had a field it should not have."))
            }
            Err(_) => return Err(bad("Go back and try again.")),
        };
        let name = field.name().unwrap_or("").to_owned();
        let bytes = match field.bytes().await {
            Ok(bytes) => bytes.to_vec(),
            Err(
                multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. },
            ) => {
                return Err(PageError::message(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "The files are too large",
                    &["A definition and its frame may be 4 MB together at most."],
                ))
            }
            Err(_) => return Err(bad("Go back and try again.")),
        };
        match name.as_str() {
            "csrf_token" => upload.csrf = Some(String::from_utf8_lossy(&bytes).into_owned()),
            "definition" => upload.definition = Some(bytes),
            "frame" if !bytes.is_empty() => upload.frame = Some(bytes),
            _ => {}
        }
    }
    Ok(upload)
}

/// The definition of an upload, with its frame resolved, or every problem with it.
fn checked_definition(upload: &Upload) -> Result<SurveyDefinition, Vec<String>> {
    let Some(bytes) = upload.definition.as_deref().filter(|b| !b.is_empty()) else {
        return Err(vec!["Select a survey definition (a JSON file)".into()]);
    };
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Err(vec!["The definition must be a JSON file in UTF-8".into()]);
    };
    let problems = |e: fieldwork_survey::DefinitionErrors| -> Vec<String> {
        e.problems.iter().map(ToString::to_string).collect()
    };
    let mut definition = parse_definition(text).map_err(problems)?;
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

pub(super) async fn import(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
    researcher: Researcher,
) -> Result<HttpResponse, PageError> {
    let upload = read_upload(&req, body).await?;
    check_csrf(
        &req,
        &FormFields::from_pairs(vec![(
            crate::csrf::CSRF_FIELD.to_owned(),
            upload.csrf.clone().unwrap_or_default(),
        )]),
    )?;
    let user = researcher.user;
    let definition = match checked_definition(&upload) {
        Ok(definition) => definition,
        Err(problems) => {
            return render_import(
                &state,
                &req,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                problems,
            )
        }
    };
    let slug = definition.slug.clone();
    // A new version of an existing survey is for its owners (and administrators) only.
    match standing(&state, &user, &slug, Need::Manage).await {
        Ok(_) => {}
        Err(crate::auth::Refusal::NotFound) => {
            let s = slug.clone();
            let exists = state
                .store_call(move |store| match store.latest_survey(&s) {
                    Ok(_) => Ok(true),
                    Err(fieldwork_store::StoreError::SurveyNotFound(_)) => Ok(false),
                    Err(e) => Err(e),
                })
                .await?;
            if exists {
                return render_import(
                    &state,
                    &req,
                    &user,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    vec![format!(
                        "slug: the slug `{slug}` cannot be used; give this survey another slug"
                    )],
                );
            }
        }
        Err(refusal) => return Err(refusal.into()),
    }
    let email = user.email.clone();
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
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(
            e @ (fieldwork_store::StoreError::VersionConflict { .. }
            | fieldwork_store::StoreError::VersionNotNewer { .. }),
        ) => {
            return render_import(
                &state,
                &req,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                vec![format!("version: {e}")],
            )
        }
        Err(e) => return Err(e.into()),
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
