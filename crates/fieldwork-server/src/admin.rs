//! The researchers' pages: sign-in, their surveys, importing, opening and closing, progress,
//! invitations, exports, the report, sharing, the audit log, deleting a survey and changing
//! one's password. Server-rendered like the respondent pages; every form is a POST behind the
//! CSRF check, nothing changes over GET.

use std::sync::Arc;

use actix_web::http::{header, Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use fieldwork_store::{
    AuditEvent, ImportOutcome, NewSession, PasswordChange, Role, SurveyStatus, User,
};
use fieldwork_survey::{parse_definition, resolve_frame_csv, SurveyDefinition};
use futures_util::StreamExt;
use serde_json::json;

use crate::accounts::{
    check_password, hash_password, parse_email, verify_against_dummy, verify_password,
    MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS,
};
use crate::audit_view::AuditLine;
use crate::auth::{
    now, require_researcher, session_cookie, session_cookie_removal, session_hash, session_secret,
    sign_in_delay, signed_in, standing, Need, Researcher, Standing, FAILURE_WINDOW,
};
use crate::csrf::{check_csrf, csrf_token, FormFields};
use crate::integration::{self, IntegrationError, EXPORT_FORMATS};
use crate::invitations::NewInvitations;
use crate::pages::{PageError, SummaryError};
use crate::routing::Routes;
use crate::slug::Slug;
use crate::tokens::new_token;
use crate::AppState;
use fieldwork_analysis::report::charts::thousands;

/// Largest admin form body (sign-in, sharing, invitations).
const ADMIN_FORM_LIMIT: usize = 16 * 1024;
/// Largest upload: a definition (the survey crate refuses more than 1 MiB) and its frame.
pub const UPLOAD_LIMIT: usize = 4 * 1024 * 1024;
/// Most invitations made from the admin pages at once (the CLI makes more).
const MAX_INVITATIONS: u32 = 10_000;
/// Audit entries shown on a survey's audit page.
const AUDIT_SHOWN: i64 = 500;

/// Register every admin route, noting each in `routes` (the authorisation test covers them).
pub fn register(cfg: &mut web::ServiceConfig, routes: &mut Vec<(Method, &'static str)>) {
    let mut table = Routes::default();
    let mut route = |method: Method, path: &'static str, handler: actix_web::Route| {
        table.add(method, path, handler);
    };
    route(Method::GET, "/admin/sign-in", web::route().to(sign_in_page));
    route(Method::POST, "/admin/sign-in", web::route().to(sign_in));
    route(Method::POST, "/admin/sign-out", web::route().to(sign_out));
    route(Method::GET, "/admin", web::route().to(home));
    route(Method::GET, "/admin/import", web::route().to(import_page));
    route(Method::POST, "/admin/import", web::route().to(import));
    route(
        Method::GET,
        "/admin/surveys/{slug}",
        web::route().to(survey_page),
    );
    route(
        Method::POST,
        "/admin/surveys/{slug}/status",
        web::route().to(set_status),
    );
    route(
        Method::GET,
        "/admin/surveys/{slug}/invitations",
        web::route().to(invitations_page),
    );
    route(
        Method::POST,
        "/admin/surveys/{slug}/invitations",
        web::route().to(create_invitations),
    );
    route(
        Method::GET,
        "/admin/surveys/{slug}/export",
        web::route().to(export),
    );
    route(
        Method::GET,
        "/admin/surveys/{slug}/report",
        web::route().to(report_page),
    );
    route(
        Method::POST,
        "/admin/surveys/{slug}/report/publish",
        web::route().to(publish),
    );
    route(
        Method::POST,
        "/admin/surveys/{slug}/report/unpublish",
        web::route().to(unpublish),
    );
    route(
        Method::GET,
        "/admin/surveys/{slug}/sharing",
        web::route().to(sharing_page),
    );
    route(
        Method::POST,
        "/admin/surveys/{slug}/sharing",
        web::route().to(share),
    );
    route(
        Method::GET,
        "/admin/surveys/{slug}/audit",
        web::route().to(audit_page),
    );
    route(
        Method::GET,
        "/admin/surveys/{slug}/delete",
        web::route().to(delete_page),
    );
    route(
        Method::POST,
        "/admin/surveys/{slug}/delete",
        web::route().to(delete_survey),
    );
    route(
        Method::GET,
        "/admin/account/password",
        web::route().to(password_page),
    );
    route(
        Method::POST,
        "/admin/account/password",
        web::route().to(change_password),
    );
    routes.extend(table.listed());
    table.register(cfg);
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    register(cfg, &mut Vec::new());
}

/// What every admin page's frame shows.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub signed_in_as: Option<String>,
    pub csrf_token: String,
    pub has_errors: bool,
}

/// A page with its CSRF cookie set when the browser has none yet.
struct Rendered {
    status: StatusCode,
    html: String,
    cookie: Option<actix_web::cookie::Cookie<'static>>,
}

fn chrome(
    state: &AppState,
    req: &HttpRequest,
    who: Option<&User>,
    has_errors: bool,
) -> (Chrome, Option<actix_web::cookie::Cookie<'static>>) {
    let (csrf, cookie) = csrf_token(state, req);
    (
        Chrome {
            signed_in_as: who.map(|u| u.email.clone()),
            csrf_token: csrf,
            has_errors,
        },
        cookie,
    )
}

fn respond(page: Rendered) -> Result<HttpResponse, PageError> {
    let mut response = HttpResponse::build(page.status)
        .content_type("text/html; charset=utf-8")
        .body(page.html);
    if let Some(cookie) = page.cookie {
        response
            .add_cookie(&cookie)
            .map_err(|_| PageError::Internal)?;
    }
    Ok(response)
}

fn render(
    status: StatusCode,
    page: &impl Template,
    cookie: Option<actix_web::cookie::Cookie<'static>>,
) -> Result<HttpResponse, PageError> {
    respond(Rendered {
        status,
        html: page.render()?,
        cookie,
    })
}

fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .finish()
}

fn address(req: &HttpRequest) -> String {
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// The error summary's entries for the fields that have an error, in form order.
fn field_errors(fields: &[(&str, &Option<String>)]) -> Vec<SummaryError> {
    fields
        .iter()
        .filter_map(|(href, error)| {
            error.as_ref().map(|message| SummaryError {
                href: (*href).to_owned(),
                message: message.clone(),
            })
        })
        .collect()
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, fieldwork_store::StoreError> + Send + 'static,
) -> Result<T, PageError> {
    Ok(web::block(f).await.map_err(|_| PageError::Internal)??)
}

async fn audit(state: &AppState, event: AuditEvent<'_>) -> Result<(), PageError> {
    let store = Arc::clone(&state.store);
    let (actor, action, survey, detail) = (
        event.actor.to_owned(),
        event.action.to_owned(),
        event.survey.map(str::to_owned),
        event.detail,
    );
    blocking(move || {
        store.record_audit(&AuditEvent {
            actor: &actor,
            action: &action,
            survey: survey.as_deref(),
            detail,
        })
    })
    .await
}

/// A POST's form, checked for CSRF, from a signed-in researcher.
async fn signed_in_form(
    state: &AppState,
    req: &HttpRequest,
    body: web::Payload,
) -> Result<(Researcher, FormFields), PageError> {
    let researcher = require_researcher(state, req).await?;
    let form = FormFields::read(body, ADMIN_FORM_LIMIT).await?;
    check_csrf(req, &form)?;
    Ok((researcher, form))
}

// ---- sign-in and sign-out ----

#[derive(Template)]
#[template(path = "admin/sign_in.html")]
struct SignInPage {
    chrome: Chrome,
    errors: Vec<SummaryError>,
    email: String,
    email_error: Option<String>,
    password_error: Option<String>,
}

fn render_sign_in(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    email: String,
    email_error: Option<String>,
    password_error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let errors = field_errors(&[("#email", &email_error), ("#password", &password_error)]);
    let (chrome, cookie) = chrome(state, req, None, !errors.is_empty());
    let page = SignInPage {
        chrome,
        errors,
        email,
        email_error,
        password_error,
    };
    render(status, &page, cookie)
}

async fn sign_in_page(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    if signed_in(&state, &req).await?.is_some() {
        return Ok(see_other("/admin"));
    }
    render_sign_in(&state, &req, StatusCode::OK, String::new(), None, None)
}

async fn sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, PageError> {
    let form = FormFields::read(body, ADMIN_FORM_LIMIT).await?;
    check_csrf(&req, &form)?;
    let typed: String = form
        .first("email")
        .unwrap_or("")
        .chars()
        .take(300)
        .collect();
    let password = form.first("password").unwrap_or("").to_owned();
    let email = match parse_email(&typed) {
        Ok(email) => email,
        Err(message) => {
            let password_error = password
                .is_empty()
                .then(|| "Enter your password".to_owned());
            return render_sign_in(
                &state,
                &req,
                StatusCode::UNPROCESSABLE_ENTITY,
                typed,
                Some(message),
                password_error,
            );
        }
    };
    if password.is_empty() {
        return render_sign_in(
            &state,
            &req,
            StatusCode::UNPROCESSABLE_ENTITY,
            typed,
            None,
            Some("Enter your password".into()),
        );
    }
    let address = address(&req);
    let store = Arc::clone(&state.store);
    let (e, a) = (email.clone(), address.clone());
    let failures = blocking(move || store.sign_in_failures(&e, &a, now() - FAILURE_WINDOW)).await?;
    if let Some(wait) = sign_in_delay(&failures, now()) {
        let store = Arc::clone(&state.store);
        let (e, a) = (email.clone(), address.clone());
        blocking(move || store.record_sign_in_failure(&e, &a, "throttled", false)).await?;
        let seconds = wait.num_seconds().max(1);
        let wait_text = wait_text(seconds);
        let mut response = render_sign_in(
            &state,
            &req,
            StatusCode::TOO_MANY_REQUESTS,
            typed,
            None,
            Some(format!(
                "There have been too many failed attempts to sign in. Wait {wait_text}, then try again"
            )),
        )?;
        response.headers_mut().insert(
            header::RETRY_AFTER,
            header::HeaderValue::from(seconds as u64),
        );
        return Ok(response);
    }
    let store = Arc::clone(&state.store);
    let e = email.clone();
    let credentials = blocking(move || store.user_credentials(&e)).await?;
    // At most a few Argon2id verifications at once: each takes 19 MiB.
    let _permit = state
        .password_checks
        .acquire()
        .await
        .map_err(|_| PageError::Internal)?;
    let checked = password.clone();
    let user = web::block(move || match credentials {
        Some((user, hash)) => verify_password(&checked, &hash)
            .then_some(user)
            .ok_or("bad_password"),
        None => {
            verify_against_dummy(&checked);
            Err("unknown_account")
        }
    })
    .await
    .map_err(|_| PageError::Internal)?;
    drop(_permit);
    let user = match user {
        Ok(user) => user,
        Err(reason) => {
            let store = Arc::clone(&state.store);
            let (e, a) = (email.clone(), address.clone());
            blocking(move || store.record_sign_in_failure(&e, &a, reason, true)).await?;
            tracing::info!(reason, "sign-in failed");
            let too_long = password.chars().count() > MAX_PASSWORD_CHARS;
            return render_sign_in(
                &state,
                &req,
                StatusCode::UNAUTHORIZED,
                typed,
                None,
                Some(if too_long {
                    format!("Enter a password of {MAX_PASSWORD_CHARS} characters or fewer")
                } else {
                    "Enter a correct email address and password".into()
                }),
            );
        }
    };
    // A new session id at every sign-in; the one the browser had (if any) ends here.
    let secret = new_token();
    let replaces = session_secret(&state, &req).map(|s| session_hash(&s));
    let store = Arc::clone(&state.store);
    let id_hash = session_hash(&secret);
    let expires_at = now() + state.config.session_absolute;
    let user_id = user.id;
    blocking(move || {
        store.create_session(NewSession {
            id_hash: &id_hash,
            user_id,
            expires_at,
            replaces: replaces.as_deref(),
            address: &address,
        })
    })
    .await?;
    tracing::info!("researcher signed in");
    let mut response = see_other("/admin");
    response
        .add_cookie(&session_cookie(&state, &secret))
        .map_err(|_| PageError::Internal)?;
    Ok(response)
}

async fn sign_out(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, PageError> {
    let (researcher, _form) = signed_in_form(&state, &req, body).await?;
    let store = Arc::clone(&state.store);
    let hash = researcher.session_hash.clone();
    blocking(move || store.delete_session(&hash)).await?;
    audit(
        &state,
        AuditEvent {
            actor: &researcher.user.email,
            action: "sign_out",
            survey: None,
            detail: json!({}),
        },
    )
    .await?;
    let mut response = see_other("/admin/sign-in");
    response
        .add_cookie(&session_cookie_removal(&state))
        .map_err(|_| PageError::Internal)?;
    Ok(response)
}

// ---- my surveys ----

#[derive(Debug, Clone)]
struct SurveyRow {
    slug: String,
    title: String,
    status: &'static str,
    role: String,
    /// Live counts are progress, for analysts and above (`docs/security.md`).
    complete: Option<i64>,
    partial: Option<i64>,
}

#[derive(Template)]
#[template(path = "admin/surveys.html")]
struct SurveysPage {
    chrome: Chrome,
    notice: Option<NoticeView>,
    surveys: Vec<SurveyRow>,
    admin: bool,
}

async fn home(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let researcher = require_researcher(&state, &req).await?;
    let store = Arc::clone(&state.store);
    let user = researcher.user.clone();
    let (all, roles) =
        blocking(move || Ok((store.list_surveys()?, store.roles_of_user(user.id)?))).await?;
    let surveys = all
        .into_iter()
        .filter_map(|s| {
            let role = roles
                .iter()
                .find(|(slug, _)| *slug == s.slug)
                .map(|(_, r)| *r);
            if role.is_none() && !researcher.user.is_admin {
                return None;
            }
            let sees_progress = Standing {
                role,
                admin: researcher.user.is_admin,
            }
            .allows(Need::Results);
            Some(SurveyRow {
                role: role.map_or("administrator".to_owned(), |r| r.as_str().to_owned()),
                slug: s.slug,
                title: s.title,
                status: s.status.as_str(),
                complete: sees_progress.then_some(s.complete_responses),
                partial: sees_progress.then_some(s.partial_responses),
            })
        })
        .collect();
    let (chrome, cookie) = chrome(&state, &req, Some(&researcher.user), false);
    let (notice, removal) = take_notice(&state, &req).unzip();
    let mut response = render(
        StatusCode::OK,
        &SurveysPage {
            chrome,
            notice,
            surveys,
            admin: researcher.user.is_admin,
        },
        cookie,
    )?;
    if let Some(removal) = removal {
        response
            .add_cookie(&removal)
            .map_err(|_| PageError::Internal)?;
    }
    Ok(response)
}

// ---- import ----

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

async fn import_page(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let researcher = require_researcher(&state, &req).await?;
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

async fn import(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, PageError> {
    let researcher = require_researcher(&state, &req).await?;
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
            let store = Arc::clone(&state.store);
            let s = slug.clone();
            let exists = blocking(move || match store.latest_survey(&s) {
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
    let store = Arc::clone(&state.store);
    let email = user.email.clone();
    let outcome = web::block(move || {
        let outcome = store.import_survey(&definition)?;
        if let ImportOutcome::Created(survey) = &outcome {
            if survey.version() == 1 || store.survey_members(survey.slug())?.is_empty() {
                store.set_survey_role(survey.slug(), &email, Some(Role::Owner), &email)?;
            }
        }
        Ok::<_, fieldwork_store::StoreError>(outcome)
    })
    .await
    .map_err(|_| PageError::Internal)?;
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

// ---- one survey ----

#[derive(Debug, Clone)]
struct ProgressRow {
    label: String,
    /// Counts with thousands separators, as GOV.UK style writes them.
    population: String,
    invited: String,
    complete: String,
    partial: String,
    rate: String,
}

#[derive(Debug, Clone)]
struct FormatLink {
    name: &'static str,
    description: &'static str,
}

#[derive(Template)]
#[template(path = "admin/survey.html")]
struct SurveyPage {
    chrome: Chrome,
    slug: String,
    title: String,
    version: u32,
    status: &'static str,
    role: String,
    retain_until: String,
    can_results: bool,
    can_manage: bool,
    progress: Vec<ProgressRow>,
    formats: Vec<FormatLink>,
}

fn role_text(standing: Standing) -> String {
    match (standing.role, standing.admin) {
        (Some(role), _) => role.as_str().to_owned(),
        (None, _) => "administrator".to_owned(),
    }
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "–".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

async fn survey_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    let researcher = require_researcher(&state, &req).await?;
    let standing = standing(&state, &researcher.user, &slug, Need::Report).await?;
    let can_results = standing.allows(Need::Results);
    let store = Arc::clone(&state.store);
    let s = slug.clone();
    let (survey, retain_until, progress) = blocking(move || {
        let survey = store.latest_survey(&s)?;
        let retain = store.retention(&s)?;
        let progress = if can_results {
            fieldwork_analysis::fieldwork_progress(&store, &s)?
        } else {
            Vec::new()
        };
        Ok((survey, retain, progress))
    })
    .await?;
    let (chrome, cookie) = chrome(&state, &req, Some(&researcher.user), false);
    let page = SurveyPage {
        chrome,
        slug,
        title: survey.definition.title.clone(),
        version: survey.version(),
        status: survey.status.as_str(),
        role: role_text(standing),
        retain_until: retain_until.map_or_else(|| "Not set".to_owned(), |d| d.to_string()),
        can_results,
        can_manage: standing.allows(Need::Manage),
        progress: progress
            .into_iter()
            .map(|p| {
                let count = |n: i64| thousands(n.max(0) as u64);
                ProgressRow {
                    label: p.label,
                    population: thousands(p.population),
                    invited: count(p.invited),
                    complete: count(p.complete),
                    partial: count(p.partial),
                    rate: percent(p.rate_invited.or(p.rate_frame)),
                }
            })
            .collect(),
        formats: EXPORT_FORMATS
            .iter()
            .map(|f| FormatLink {
                name: f.name,
                description: f.description,
            })
            .collect(),
    };
    render(StatusCode::OK, &page, cookie)
}

async fn set_status(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
    body: web::Payload,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    let (researcher, form) = signed_in_form(&state, &req, body).await?;
    standing(&state, &researcher.user, &slug, Need::Manage).await?;
    let status = match form.first("status") {
        Some("open") => SurveyStatus::Open,
        Some("closed") => SurveyStatus::Closed,
        _ => {
            return Err(PageError::message(
                StatusCode::BAD_REQUEST,
                "The survey's status was not changed",
                &["Use the Open or Close button on the survey's page."],
            ))
        }
    };
    let store = Arc::clone(&state.store);
    let (s, email) = (slug.clone(), researcher.user.email.clone());
    blocking(move || store.set_survey_status_as(&s, status, &email)).await?;
    Ok(see_other(&format!("/admin/surveys/{slug}")))
}

// ---- invitations ----

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

#[allow(clippy::too_many_arguments)]
async fn render_invitations(
    state: &AppState,
    req: &HttpRequest,
    user: &User,
    slug: &str,
    status: StatusCode,
    chosen: &str,
    count: String,
    stratum_error: Option<String>,
    count_error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let store = Arc::clone(&state.store);
    let s = slug.to_owned();
    let survey = blocking(move || store.latest_survey(&s)).await?;
    let errors = field_errors(&[("#stratum", &stratum_error), ("#count", &count_error)]);
    let (chrome, cookie) = chrome(state, req, Some(user), !errors.is_empty());
    let page = InvitationsPage {
        chrome,
        errors,
        slug: slug.to_owned(),
        title: survey.definition.title.clone(),
        strata: survey
            .definition
            .strata()
            .into_iter()
            .map(|c| StratumOption {
                checked: c.code == chosen,
                code: c.code.clone(),
                label: c.label.clone(),
            })
            .collect(),
        stratum_error,
        count,
        count_error,
        max: MAX_INVITATIONS,
    };
    render(status, &page, cookie)
}

async fn invitations_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    let researcher = require_researcher(&state, &req).await?;
    standing(&state, &researcher.user, &slug, Need::Manage).await?;
    render_invitations(
        &state,
        &req,
        &researcher.user,
        &slug,
        StatusCode::OK,
        "",
        String::new(),
        None,
        None,
    )
    .await
}

async fn create_invitations(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
    body: web::Payload,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    let (researcher, form) = signed_in_form(&state, &req, body).await?;
    standing(&state, &researcher.user, &slug, Need::Manage).await?;
    let store = Arc::clone(&state.store);
    let s = slug.clone();
    let survey = blocking(move || store.latest_survey(&s)).await?;
    let stratum = form.first("stratum").unwrap_or("").to_owned();
    let typed_count: String = form
        .first("count")
        .unwrap_or("")
        .trim()
        .chars()
        .take(20)
        .collect();
    let stratum_error = (!survey.definition.strata().iter().any(|c| c.code == stratum))
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
    let (Some(count), None) = (count, &stratum_error) else {
        return render_invitations(
            &state,
            &req,
            &researcher.user,
            &slug,
            StatusCode::UNPROCESSABLE_ENTITY,
            &stratum,
            typed_count,
            stratum_error,
            count_error,
        )
        .await;
    };
    let made = NewInvitations::make(count);
    // The file is made before the invitations exist, so no link can be lost.
    let csv = made
        .write_csv(Vec::new(), &state.public.base, &slug, &stratum)
        .map_err(|_| PageError::Internal)?;
    let hashes = made.hashes;
    let store = Arc::clone(&state.store);
    let (s, st) = (slug.clone(), stratum.clone());
    blocking(move || store.create_invitations(&s, &st, &hashes)).await?;
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

// ---- exports ----

async fn export(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
    query: web::Query<integration::ExportRequest>,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    let researcher = require_researcher(&state, &req).await?;
    let standing = standing(&state, &researcher.user, &slug, Need::Results).await?;
    if query.include_sensitive && !standing.allows(Need::Manage) {
        return Err(PageError::message(
            StatusCode::FORBIDDEN,
            "Only the survey's owners can export sensitive free text",
            &["Export without it, or ask an owner of the survey."],
        ));
    }
    let store = Arc::clone(&state.store);
    let s = slug.clone();
    let survey = blocking(move || store.latest_survey(&s)).await?;
    let choice = query.choose(&survey.definition).map_err(|problem| {
        let status = match problem {
            integration::ExportRequestError::Malformed(_) => StatusCode::BAD_REQUEST,
            integration::ExportRequestError::NoSuchStratum(_) => StatusCode::NOT_FOUND,
        };
        PageError::message(
            status,
            "That export cannot be made",
            &[
                &problem.to_string(),
                "Choose one of the exports on the survey's page.",
            ],
        )
    })?;
    Ok(stream_export(
        &state,
        slug,
        choice,
        researcher.user.email,
        "admin",
    ))
}

/// The export as a download, written while it is sent; its audit entry (with the number of
/// rows) is recorded once it has all been written.
pub fn stream_export(
    state: &AppState,
    slug: String,
    choice: integration::ExportChoice,
    actor: String,
    via: &'static str,
) -> HttpResponse {
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<web::Bytes, std::io::Error>>(8);
    let store = Arc::clone(&state.store);
    let format = choice.format;
    let include_sensitive = choice.options.include_sensitive;
    let filename = format!("{slug}-{}.{}", format.name, format.extension);
    actix_web::rt::task::spawn_blocking(move || {
        let mut out = ChannelWriter {
            sender: sender.clone(),
            buffer: Vec::with_capacity(CHUNK),
        };
        let written =
            integration::write_export(&store, &slug, &choice, &mut out).and_then(|rows| {
                std::io::Write::flush(&mut out)?;
                Ok(rows)
            });
        match written {
            Ok(rows) => {
                let recorded = store.record_audit(&AuditEvent {
                    actor: &actor,
                    action: "export",
                    survey: Some(&slug),
                    detail: json!({"format": format.name, "rows": rows, "via": via, "include_sensitive": include_sensitive}),
                });
                if let Err(e) = recorded {
                    tracing::error!(error = %e, "the export's audit entry was not recorded");
                }
            }
            Err(IntegrationError::Write(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                tracing::info!(survey = %slug, "export abandoned by the client");
            }
            Err(e) => {
                tracing::error!(survey = %slug, error = %e, "export failed");
                // Cut the download off rather than let a partial file look complete.
                let _ = sender.blocking_send(Err(std::io::Error::other("export failed")));
            }
        }
    });
    let body = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|item| (item, receiver))
    });
    HttpResponse::Ok()
        .content_type(format.media_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .streaming(body)
}

const CHUNK: usize = 64 * 1024;

/// Sends what is written to the response body in chunks; a gone client is a broken pipe.
struct ChannelWriter {
    sender: tokio::sync::mpsc::Sender<Result<web::Bytes, std::io::Error>>,
    buffer: Vec<u8>,
}

impl std::io::Write for ChannelWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK {
            self.flush()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = web::Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(CHUNK),
        ));
        self.sender
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))
    }
}

// ---- the report ----

#[derive(Debug, Clone)]
struct EstimateView {
    question: String,
    option: String,
    n: u64,
    estimate: String,
    interval: String,
}

#[derive(Template)]
#[template(path = "admin/report.html")]
struct ReportPage {
    chrome: Chrome,
    slug: String,
    title: String,
    can_manage: bool,
    published_path: Option<String>,
    problem: Option<String>,
    estimates: Vec<EstimateView>,
    suppressed: usize,
}

fn figure(value: Option<f64>, option: &str) -> String {
    match value {
        None => "–".into(),
        Some(v) if option.starts_with('_') => format!("{v:.2}"),
        Some(v) => format!("{:.1}%", v * 100.0),
    }
}

async fn report_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    let researcher = require_researcher(&state, &req).await?;
    let standing = standing(&state, &researcher.user, &slug, Need::Report).await?;
    let store = Arc::clone(&state.store);
    let s = slug.clone();
    let (title, analysis, published_path) = web::block(move || {
        let survey = store.latest_survey(&s)?;
        let plan = fieldwork_analysis::Plan::default_for(&survey.definition);
        let analysis = fieldwork_analysis::analyze(&store, &s, &plan);
        let published = integration::published_report_path(&store, &s)
            .ok()
            .flatten();
        Ok::<_, fieldwork_store::StoreError>((survey.definition.title.clone(), analysis, published))
    })
    .await
    .map_err(|_| PageError::Internal)??;
    let (estimates, suppressed, problem) = match analysis {
        Ok(analysis) => {
            let all: Vec<_> = analysis
                .estimates
                .iter()
                .filter(|e| e.stratum == fieldwork_analysis::ALL_STRATA)
                .collect();
            let suppressed = all.iter().filter(|e| e.suppressed).count();
            let shown = all
                .into_iter()
                .filter(|e| !e.suppressed)
                .map(|e| EstimateView {
                    question: e.question_id.clone(),
                    option: e.option.clone(),
                    n: e.n,
                    estimate: figure(e.estimate, &e.option),
                    interval: match (e.ci_low, e.ci_high) {
                        (Some(low), Some(high)) => {
                            format!(
                                "{} to {}",
                                figure(Some(low), &e.option),
                                figure(Some(high), &e.option)
                            )
                        }
                        _ => "–".into(),
                    },
                })
                .collect();
            (shown, suppressed, None)
        }
        Err(fieldwork_analysis::AnalysisError::Store(e)) => return Err(e.into()),
        Err(e) => (Vec::new(), 0, Some(e.to_string())),
    };
    let (chrome, cookie) = chrome(&state, &req, Some(&researcher.user), false);
    render(
        StatusCode::OK,
        &ReportPage {
            chrome,
            slug,
            title,
            can_manage: standing.allows(Need::Manage),
            published_path,
            problem,
            estimates,
            suppressed,
        },
        cookie,
    )
}

async fn publish(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
    body: web::Payload,
) -> Result<HttpResponse, PageError> {
    change_publication(state, req, path, body, true).await
}

async fn unpublish(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
    body: web::Payload,
) -> Result<HttpResponse, PageError> {
    change_publication(state, req, path, body, false).await
}

async fn change_publication(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
    body: web::Payload,
    publish: bool,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    let (researcher, _form) = signed_in_form(&state, &req, body).await?;
    standing(&state, &researcher.user, &slug, Need::Manage).await?;
    let store = Arc::clone(&state.store);
    let s = slug.clone();
    let done = web::block(move || {
        if publish {
            integration::publish_report(&store, &s)
        } else {
            integration::unpublish_report(&store, &s)
        }
    })
    .await
    .map_err(|_| PageError::Internal)?;
    match done {
        Ok(()) => {}
        Err(IntegrationError::Store(e)) => return Err(e.into()),
        Err(IntegrationError::Report(e)) => {
            return Err(PageError::message(
                StatusCode::UNPROCESSABLE_ENTITY,
                "The report cannot be published yet",
                &[&e.to_string(), "Nothing was changed."],
            ))
        }
        Err(e) => {
            tracing::error!(error = %e, "publishing failed");
            return Err(PageError::Internal);
        }
    }
    audit(
        &state,
        AuditEvent {
            actor: &researcher.user.email,
            action: if publish {
                "report.published"
            } else {
                "report.unpublished"
            },
            survey: Some(&slug),
            detail: json!({}),
        },
    )
    .await?;
    Ok(see_other(&format!("/admin/surveys/{slug}/report")))
}

// ---- sharing ----

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
    let store = Arc::clone(&state.store);
    let s = slug.to_owned();
    let (survey, members) =
        blocking(move || Ok((store.latest_survey(&s)?, store.survey_members(&s)?))).await?;
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

async fn sharing_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    let researcher = require_researcher(&state, &req).await?;
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

async fn share(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
    body: web::Payload,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    let (researcher, form) = signed_in_form(&state, &req, body).await?;
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
    let store = Arc::clone(&state.store);
    let (s, e, actor) = (slug.clone(), email.clone(), researcher.user.email.clone());
    let changed = web::block(move || store.set_survey_role(&s, &e, role, &actor))
        .await
        .map_err(|_| PageError::Internal)?;
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

// ---- the audit log ----

#[derive(Debug, Clone, Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    chrome: Chrome,
    slug: String,
    title: String,
    entries: Vec<AuditLine>,
}

async fn audit_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    let researcher = require_researcher(&state, &req).await?;
    standing(&state, &researcher.user, &slug, Need::Manage).await?;
    let store = Arc::clone(&state.store);
    let s = slug.clone();
    let (survey, entries) = blocking(move || {
        Ok((
            store.latest_survey(&s)?,
            store.audit_entries(Some(&s), AUDIT_SHOWN)?,
        ))
    })
    .await?;
    let (chrome, cookie) = chrome(&state, &req, Some(&researcher.user), false);
    render(
        StatusCode::OK,
        &AuditPage {
            chrome,
            slug,
            title: survey.definition.title.clone(),
            entries: entries.iter().map(AuditLine::of).collect(),
        },
        cookie,
    )
}

// ---- notices shown once after a redirect ----

/// A one-off cookie carrying what the page after a redirect should announce (a GOV.UK
/// notification banner). Short-lived, and only the kind and a slug: nothing a forged one
/// could use, and the server keeps no state for it.
const NOTICE_COOKIE: &str = "fieldwork_notice";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Notice {
    Deleted { slug: String, responses: i64 },
    PasswordChanged { sessions_ended: i64 },
}

impl Notice {
    fn encode(&self) -> String {
        match self {
            Notice::Deleted { slug, responses } => format!("deleted:{slug}:{responses}"),
            Notice::PasswordChanged { sessions_ended } => format!("password:{sessions_ended}"),
        }
    }

    fn decode(value: &str) -> Option<Self> {
        let slug_like = |s: &str| {
            !s.is_empty()
                && s.len() <= 100
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        };
        let mut parts = value.split(':');
        let notice = match (parts.next()?, parts.next(), parts.next()) {
            ("deleted", Some(slug), Some(n)) if slug_like(slug) => Notice::Deleted {
                slug: slug.to_owned(),
                responses: n.parse().ok()?,
            },
            ("password", Some(n), None) => Notice::PasswordChanged {
                sessions_ended: n.parse().ok()?,
            },
            _ => return None,
        };
        parts.next().is_none().then_some(notice)
    }

    fn view(&self) -> NoticeView {
        match self {
            Notice::Deleted { slug, responses } => NoticeView {
                heading: format!("Survey {slug} has been deleted"),
                body: format!(
                    "Its {} response{}, invitations, access and published report were removed. The audit log keeps its entries.",
                    thousands((*responses).max(0) as u64),
                    if *responses == 1 { "" } else { "s" }
                ),
            },
            Notice::PasswordChanged { sessions_ended } => NoticeView {
                heading: "Your password has been changed".into(),
                body: match sessions_ended {
                    0 => "You were not signed in anywhere else.".into(),
                    1 => "You have been signed out of 1 other session.".into(),
                    n => format!("You have been signed out of {n} other sessions."),
                },
            },
        }
    }
}

#[derive(Debug, Clone)]
struct NoticeView {
    heading: String,
    body: String,
}

fn notice_cookie(state: &AppState, notice: &Notice) -> actix_web::cookie::Cookie<'static> {
    actix_web::cookie::Cookie::build(NOTICE_COOKIE, notice.encode())
        .path("/admin")
        .http_only(true)
        .secure(state.config.secure_cookies)
        .same_site(actix_web::cookie::SameSite::Strict)
        .max_age(actix_web::cookie::time::Duration::seconds(60))
        .finish()
}

/// The notice the browser carries, if any, and the cookie that removes it once shown.
fn take_notice(
    state: &AppState,
    req: &HttpRequest,
) -> Option<(NoticeView, actix_web::cookie::Cookie<'static>)> {
    let cookie = req.cookie(NOTICE_COOKIE)?;
    let mut removal = notice_cookie(state, &Notice::PasswordChanged { sessions_ended: 0 });
    removal.make_removal();
    Some((Notice::decode(cookie.value())?.view(), removal))
}

// ---- deleting a survey ----

#[derive(Template)]
#[template(path = "admin/delete.html")]
struct DeletePage {
    chrome: Chrome,
    errors: Vec<SummaryError>,
    slug: String,
    title: String,
    open: bool,
    versions: i64,
    complete: String,
    partial: String,
    invitations: String,
    roles: i64,
    api_tokens: i64,
    reports: i64,
    confirm: String,
    confirm_error: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn render_delete(
    state: &AppState,
    req: &HttpRequest,
    user: &User,
    slug: &str,
    status: StatusCode,
    confirm: String,
    confirm_error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let store = Arc::clone(&state.store);
    let s = slug.to_owned();
    let (survey, contents) =
        blocking(move || Ok((store.latest_survey(&s)?, store.survey_contents(&s)?))).await?;
    let errors = field_errors(&[("#confirm", &confirm_error)]);
    let (chrome, cookie) = chrome(state, req, Some(user), !errors.is_empty());
    let count = |n: i64| thousands(n.max(0) as u64);
    let page = DeletePage {
        chrome,
        errors,
        slug: slug.to_owned(),
        title: survey.definition.title.clone(),
        open: survey.status == SurveyStatus::Open,
        versions: contents.versions,
        complete: count(contents.complete_responses),
        partial: count(contents.partial_responses),
        invitations: count(contents.invitations),
        roles: contents.roles,
        api_tokens: contents.api_tokens,
        reports: contents.reports,
        confirm,
        confirm_error,
    };
    render(status, &page, cookie)
}

async fn delete_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    let researcher = require_researcher(&state, &req).await?;
    standing(&state, &researcher.user, &slug, Need::Manage).await?;
    render_delete(
        &state,
        &req,
        &researcher.user,
        &slug,
        StatusCode::OK,
        String::new(),
        None,
    )
    .await
}

async fn delete_survey(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
    body: web::Payload,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    let (researcher, form) = signed_in_form(&state, &req, body).await?;
    standing(&state, &researcher.user, &slug, Need::Manage).await?;
    let typed: String = form
        .first("confirm")
        .unwrap_or("")
        .trim()
        .chars()
        .take(300)
        .collect();
    // Typing the slug, not ticking a box: a deliberate act that names what goes.
    let confirm_error = if typed.is_empty() {
        Some(format!(
            "Enter the survey's slug, {slug}, to confirm you want to delete it"
        ))
    } else if typed != slug {
        Some(format!(
            "The slug you entered does not match this survey's: enter {slug}"
        ))
    } else {
        None
    };
    if confirm_error.is_some() {
        return render_delete(
            &state,
            &req,
            &researcher.user,
            &slug,
            StatusCode::UNPROCESSABLE_ENTITY,
            typed,
            confirm_error,
        )
        .await;
    }
    let store = Arc::clone(&state.store);
    let (s, actor) = (slug.clone(), researcher.user.email.clone());
    let deleted = blocking(move || store.delete_survey(&s, &actor)).await?;
    state.forget_survey(&slug);
    tracing::info!(survey = %slug, "survey deleted");
    let mut response = see_other("/admin");
    response
        .add_cookie(&notice_cookie(
            &state,
            &Notice::Deleted {
                slug,
                responses: deleted.responses(),
            },
        ))
        .map_err(|_| PageError::Internal)?;
    Ok(response)
}

// ---- changing one's password ----

#[derive(Template)]
#[template(path = "admin/password.html")]
struct PasswordPage {
    chrome: Chrome,
    errors: Vec<SummaryError>,
    current_error: Option<String>,
    new_error: Option<String>,
    confirm_error: Option<String>,
    min: usize,
    max: usize,
}

/// The form again with its errors; passwords are never written back into it.
fn render_password(
    state: &AppState,
    req: &HttpRequest,
    user: &User,
    status: StatusCode,
    current_error: Option<String>,
    new_error: Option<String>,
    confirm_error: Option<String>,
) -> Result<HttpResponse, PageError> {
    let errors = field_errors(&[
        ("#current_password", &current_error),
        ("#new_password", &new_error),
        ("#confirm_password", &confirm_error),
    ]);
    let (chrome, cookie) = chrome(state, req, Some(user), !errors.is_empty());
    let page = PasswordPage {
        chrome,
        errors,
        current_error,
        new_error,
        confirm_error,
        min: MIN_PASSWORD_CHARS,
        max: MAX_PASSWORD_CHARS,
    };
    render(status, &page, cookie)
}

async fn password_page(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let researcher = require_researcher(&state, &req).await?;
    render_password(
        &state,
        &req,
        &researcher.user,
        StatusCode::OK,
        None,
        None,
        None,
    )
}

async fn change_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, PageError> {
    let (researcher, form) = signed_in_form(&state, &req, body).await?;
    let user = researcher.user.clone();
    let current = form.first("current_password").unwrap_or("").to_owned();
    let new = form.first("new_password").unwrap_or("").to_owned();
    let confirm = form.first("confirm_password").unwrap_or("").to_owned();
    let current_error = current
        .is_empty()
        .then(|| "Enter your current password".to_owned());
    let new_error = if new.is_empty() {
        Some("Enter a new password".to_owned())
    } else if let Err(problem) = check_password(&new) {
        Some(problem.replacen("The password", "Your new password", 1))
    } else if new == current {
        Some("Your new password must be different from your current password".to_owned())
    } else {
        None
    };
    let confirm_error = match (&new_error, confirm.is_empty()) {
        (Some(_), _) => None,
        (None, true) => Some("Enter your new password again".to_owned()),
        (None, false) if confirm != new => {
            Some("The passwords do not match: enter your new password again".to_owned())
        }
        (None, false) => None,
    };
    if current_error.is_some() || new_error.is_some() || confirm_error.is_some() {
        return render_password(
            &state,
            &req,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            current_error,
            new_error,
            confirm_error,
        );
    }
    // The current password is guessed at here as at sign-in (by whoever found a browser left
    // signed in), so the same throttle applies and every wrong one counts against it.
    let address = address(&req);
    let store = Arc::clone(&state.store);
    let (e, a) = (user.email.clone(), address.clone());
    let failures = blocking(move || store.sign_in_failures(&e, &a, now() - FAILURE_WINDOW)).await?;
    if let Some(wait) = sign_in_delay(&failures, now()) {
        let store = Arc::clone(&state.store);
        let (e, a) = (user.email.clone(), address.clone());
        blocking(move || store.record_sign_in_failure(&e, &a, "throttled", false)).await?;
        let seconds = wait.num_seconds().max(1);
        let mut response = render_password(
            &state,
            &req,
            &user,
            StatusCode::TOO_MANY_REQUESTS,
            Some(format!(
                "There have been too many wrong passwords. Wait {}, then try again",
                wait_text(seconds)
            )),
            None,
            None,
        )?;
        response.headers_mut().insert(
            header::RETRY_AFTER,
            header::HeaderValue::from(seconds as u64),
        );
        return Ok(response);
    }
    let store = Arc::clone(&state.store);
    let e = user.email.clone();
    let Some((_, stored_hash)) = blocking(move || store.user_credentials(&e)).await? else {
        return Err(PageError::Redirect("/admin/sign-in".into()));
    };
    // Verifying and hashing each take 19 MiB: at most a few at once, as at sign-in.
    let permit = state
        .password_checks
        .acquire()
        .await
        .map_err(|_| PageError::Internal)?;
    let new_hash = web::block(move || {
        if !verify_password(&current, &stored_hash) {
            return Ok(None);
        }
        hash_password(&new).map(Some)
    })
    .await
    .map_err(|_| PageError::Internal)?;
    drop(permit);
    let new_hash = match new_hash {
        Ok(Some(hash)) => hash,
        Ok(None) => {
            let store = Arc::clone(&state.store);
            let (e, a) = (user.email.clone(), address.clone());
            blocking(move || store.record_sign_in_failure(&e, &a, "bad_current_password", true))
                .await?;
            tracing::info!(reason = "bad_current_password", "password change refused");
            return render_password(
                &state,
                &req,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("Your current password is not correct".into()),
                None,
                None,
            );
        }
        Err(problem) => {
            tracing::error!(error = %problem, "hashing a new password failed");
            return Err(PageError::Internal);
        }
    };
    // The session goes on under a new id; every other session of the account ends.
    let secret = new_token();
    let store = Arc::clone(&state.store);
    let (email, current_session, new_session) = (
        user.email.clone(),
        researcher.session_hash.clone(),
        session_hash(&secret),
    );
    let ended = blocking(move || {
        store.change_password(PasswordChange {
            email: &email,
            password_hash: &new_hash,
            rotate: Some((&current_session, &new_session)),
            actor: &email,
            via: "admin",
        })
    })
    .await?;
    tracing::info!(sessions_ended = ended, "password changed");
    let mut response = see_other("/admin");
    response
        .add_cookie(&session_cookie(&state, &secret))
        .map_err(|_| PageError::Internal)?;
    response
        .add_cookie(&notice_cookie(
            &state,
            &Notice::PasswordChanged {
                sessions_ended: ended,
            },
        ))
        .map_err(|_| PageError::Internal)?;
    Ok(response)
}

/// A wait as a person reads it: seconds under two minutes, minutes (rounded up) after.
fn wait_text(seconds: i64) -> String {
    if seconds >= 120 {
        format!("{} minutes", (seconds + 59) / 60)
    } else {
        format!("{seconds} seconds")
    }
}

#[cfg(test)]
mod tests {
    use super::Notice;

    #[test]
    fn notices_round_trip_and_anything_else_is_ignored() {
        for notice in [
            Notice::Deleted {
                slug: "digital-leadership".into(),
                responses: 1234,
            },
            Notice::PasswordChanged { sessions_ended: 2 },
        ] {
            assert_eq!(Notice::decode(&notice.encode()), Some(notice));
        }
        for forged in [
            "",
            "deleted",
            "deleted:<script>:1",
            "deleted:x:many",
            "deleted:x:1:more",
            "password:",
            "password:1:2",
            "other:1",
        ] {
            assert_eq!(Notice::decode(forged), None, "{forged}");
        }
    }
}
