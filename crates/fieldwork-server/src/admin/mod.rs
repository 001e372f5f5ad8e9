//! The researchers' pages: sign-in, their surveys, importing, opening and closing, progress,
//! invitations, exports, the report, moderating pledges, sharing, the audit log, deleting a
//! survey and changing one's password. Server-rendered like the respondent pages; every form is a POST behind the
//! CSRF check, nothing changes over GET.

mod audit_log;
mod contacts;
mod delete;
mod export;
mod home;
mod import;
mod invitations;
mod notices;
mod password;
mod pledges;
mod report;
mod sharing;
mod sign_in;
mod survey;
mod upload;

use actix_web::http::{header, Method};
use actix_web::{web, HttpRequest, HttpResponse};
use fieldwork_store::{AuditEvent, User};

use crate::csrf::csrf_token;
use crate::extract::CheckedForm;
use crate::pages::{PageError, SummaryError};
use crate::routing::Routes;
use crate::AppState;

/// Largest admin form body (sign-in, sharing, invitations).
const ADMIN_FORM_LIMIT: usize = 16 * 1024;
/// An admin page's form, read and passed by the CSRF check before the handler runs.
type AdminForm = CheckedForm<ADMIN_FORM_LIMIT>;

/// Register every admin route, noting each in `routes` (the authorisation test covers them).
pub fn register(cfg: &mut web::ServiceConfig, routes: &mut Vec<(Method, &'static str)>) {
    let mut table = Routes::default();
    let mut route = |method: Method, path: &'static str, handler: actix_web::Route| {
        table.add(method, path, handler);
    };
    route(
        Method::GET,
        "/admin/sign-in",
        web::route().to(sign_in::sign_in_page),
    );
    route(
        Method::POST,
        "/admin/sign-in",
        web::route().to(sign_in::sign_in),
    );
    route(
        Method::POST,
        "/admin/sign-out",
        web::route().to(sign_in::sign_out),
    );
    route(Method::GET, "/admin", web::route().to(home::home));
    route(
        Method::GET,
        "/admin/import",
        web::route().to(import::import_page),
    );
    route(
        Method::POST,
        "/admin/import",
        web::route().to(import::import),
    );
    route(
        Method::GET,
        "/admin/surveys/{slug}",
        web::route().to(survey::survey_page),
    );
    route(
        Method::POST,
        "/admin/surveys/{slug}/status",
        web::route().to(survey::set_status),
    );
    route(
        Method::GET,
        "/admin/surveys/{slug}/invitations",
        web::route().to(invitations::invitations_page),
    );
    route(
        Method::POST,
        "/admin/surveys/{slug}/invitations",
        web::route().to(invitations::create_invitations),
    );
    route(
        Method::GET,
        "/admin/surveys/{slug}/contacts",
        web::route().to(contacts::contacts_page),
    );
    route(
        Method::POST,
        "/admin/surveys/{slug}/contacts",
        web::route().to(contacts::upload_contacts),
    );
    route(
        Method::POST,
        "/admin/surveys/{slug}/contacts/send",
        web::route().to(contacts::send_invitations),
    );
    route(
        Method::POST,
        "/admin/surveys/{slug}/contacts/remind",
        web::route().to(contacts::send_reminders),
    );
    route(
        Method::POST,
        "/admin/surveys/{slug}/contacts/delete",
        web::route().to(contacts::delete_contacts),
    );
    route(
        Method::GET,
        "/admin/surveys/{slug}/export",
        web::route().to(export::export),
    );
    route(
        Method::GET,
        "/admin/surveys/{slug}/report",
        web::route().to(report::report_page),
    );
    route(
        Method::POST,
        "/admin/surveys/{slug}/report/publish",
        web::route().to(report::publish),
    );
    route(
        Method::POST,
        "/admin/surveys/{slug}/report/unpublish",
        web::route().to(report::unpublish),
    );
    route(
        Method::GET,
        "/admin/surveys/{slug}/pledges",
        web::route().to(pledges::pledges_page),
    );
    route(
        Method::POST,
        "/admin/surveys/{slug}/pledges/{id}/approve",
        web::route().to(pledges::approve),
    );
    route(
        Method::POST,
        "/admin/surveys/{slug}/pledges/{id}/reject",
        web::route().to(pledges::reject),
    );
    route(
        Method::GET,
        "/admin/surveys/{slug}/sharing",
        web::route().to(sharing::sharing_page),
    );
    route(
        Method::POST,
        "/admin/surveys/{slug}/sharing",
        web::route().to(sharing::share),
    );
    route(
        Method::GET,
        "/admin/surveys/{slug}/audit",
        web::route().to(audit_log::audit_page),
    );
    route(
        Method::GET,
        "/admin/surveys/{slug}/delete",
        web::route().to(delete::delete_page),
    );
    route(
        Method::POST,
        "/admin/surveys/{slug}/delete",
        web::route().to(delete::delete_survey),
    );
    route(
        Method::GET,
        "/admin/account/password",
        web::route().to(password::password_page),
    );
    route(
        Method::POST,
        "/admin/account/password",
        web::route().to(password::change_password),
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

pub(super) fn chrome(
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

/// A page with its CSRF cookie set when the browser has none yet.
pub(super) use crate::pages::html_with_cookie as render;

pub(super) fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .finish()
}

/// The client's address for the sign-in throttle and the audit log: the peer, or what a
/// trusted proxy said (`proxy.rs`).
pub(super) fn address(req: &HttpRequest) -> String {
    crate::proxy::client_ip(req)
        .map(|ip| ip.to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// The error summary's entries for the fields that have an error, in form order.
pub(super) fn field_errors(fields: &[(&str, &Option<String>)]) -> Vec<SummaryError> {
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

pub(super) async fn audit(state: &AppState, event: AuditEvent<'_>) -> Result<(), PageError> {
    let (actor, action, survey, detail) = (
        event.actor.to_owned(),
        event.action.to_owned(),
        event.survey.map(str::to_owned),
        event.detail,
    );
    state
        .store_call(move |store| {
            store.record_audit(&AuditEvent {
                actor: &actor,
                action: &action,
                survey: survey.as_deref(),
                detail,
            })
        })
        .await?;
    Ok(())
}

/// `response` with `Retry-After`, for a throttled attempt.
pub(super) fn retry_after(mut response: HttpResponse, seconds: i64) -> HttpResponse {
    response.headers_mut().insert(
        header::RETRY_AFTER,
        header::HeaderValue::from(seconds.max(1) as u64),
    );
    response
}
