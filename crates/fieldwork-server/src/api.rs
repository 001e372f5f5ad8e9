//! The JSON API, version 1, and its OpenAPI document.

use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse};
use fieldwork_store::{SurveyStatus, TokenScope};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{OpenApi, ToSchema};

use crate::auth::{self, Need};
use crate::health;
use crate::integration::{ExportRequestError, EXPORT_FORMATS};
use crate::outreach::{outreach_rates, StratumOutreachRates};
use crate::problem::{ApiError, Problem};
use crate::routing::Routes;
use crate::slug::Slug;
use crate::submissions::{self, IdempotencyKey, SubmitBody, WithinRateLimit};
use crate::AppState;

/// Largest response body accepted by the API.
pub const JSON_LIMIT: usize = 256 * 1024;
const EXPORT_PATH: &str = "/api/v1/surveys/{slug}/export";

/// Register every API route, noting each in `routes` (the OpenAPI test compares them).
pub fn register(cfg: &mut web::ServiceConfig, routes: &mut Vec<(Method, &'static str)>) {
    let mut table = Routes::default();
    let mut route = |method: Method, path: &'static str, handler: actix_web::Route| {
        table.add(method, path, handler);
    };
    route(Method::GET, "/healthz", web::route().to(health::healthz));
    route(Method::GET, "/readyz", web::route().to(health::readyz));
    route(
        Method::GET,
        "/api/v1/openapi.json",
        web::route().to(openapi_json),
    );
    route(
        Method::GET,
        "/api/v1/surveys/{slug}",
        web::route().to(get_survey),
    );
    route(
        Method::POST,
        "/api/v1/surveys/{slug}/responses",
        web::route().to(submit_response),
    );
    route(
        Method::GET,
        "/api/v1/surveys/{slug}/progress",
        web::route().to(get_progress),
    );
    route(
        Method::GET,
        "/api/v1/surveys/{slug}/outreach",
        web::route().to(get_outreach),
    );
    route(Method::GET, EXPORT_PATH, web::route().to(get_export));
    routes.extend(table.listed());
    table.register(cfg);
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    register(cfg, &mut Vec::new());
}

#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "fieldwork API",
        version = "1",
        description = "Submit survey responses and read survey definitions; researchers read progress and download exports with an API token (`fieldwork token create`) sent as `Authorization: Bearer`, never in the URL."
    ),
    paths(health::healthz, health::readyz, openapi_json, get_survey, submit_response, get_progress, get_outreach, get_export),
    modifiers(&BearerAuth, &ExportDocument),
    components(schemas(
        StratumProgress,
        StratumOutreachRates,
        SubmitRequest,
        ResponseCreated,
        SurveyResource,
        health::Health,
        health::Readiness,
        ExportLabels,
        Problem,
        crate::problem::ProblemField
    ))
)]
pub struct ApiDoc;

/// What the export route answers is decided by [`EXPORT_FORMATS`]: the `format` enum and the
/// 200 response's media types are written from that table, so the document cannot drift from
/// what the server sends.
#[derive(Debug)]
struct ExportDocument;

impl utoipa::Modify for ExportDocument {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::schema::{
            AnyOfBuilder, KnownFormat, ObjectBuilder, SchemaFormat, Type,
        };
        use utoipa::openapi::{ContentBuilder, RefOr, Schema};
        let Some(export) = openapi
            .paths
            .paths
            .get_mut(EXPORT_PATH)
            .and_then(|item| item.get.as_mut())
        else {
            return;
        };
        let names: Vec<&str> = EXPORT_FORMATS.iter().map(|f| f.name).collect();
        let string = |format: KnownFormat| {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(format)))
        };
        for parameter in export.parameters.iter_mut().flatten() {
            match parameter.name.as_str() {
                "format" => {
                    parameter.schema = Some(RefOr::T(Schema::Object(
                        ObjectBuilder::new()
                            .schema_type(Type::String)
                            .enum_values(Some(names.clone()))
                            .build(),
                    )))
                }
                // What `parse_since` reads: a date, or an RFC 3339 time.
                "since" => {
                    parameter.schema = Some(RefOr::T(Schema::AnyOf(
                        AnyOfBuilder::new()
                            .item(string(KnownFormat::Date))
                            .item(string(KnownFormat::DateTime))
                            .build(),
                    )))
                }
                _ => {}
            }
        }
        let Some(RefOr::T(ok)) = export.responses.responses.get_mut("200") else {
            return;
        };
        ok.content.clear();
        for format in EXPORT_FORMATS {
            let media_type = format
                .media_type
                .split(';')
                .next()
                .unwrap_or_default()
                .trim();
            if ok.content.contains_key(media_type) {
                continue;
            }
            let names: Vec<String> = EXPORT_FORMATS
                .iter()
                .filter(|f| f.media_type == format.media_type)
                .map(|f| format!("`{}`", f.name))
                .collect();
            let schema = if media_type == "application/json" {
                // The JSON codebook: its shape is in docs/exports.md.
                ObjectBuilder::new().schema_type(Type::Object)
            } else {
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            };
            let schema = schema.description(Some(format!("format {}", names.join(", "))));
            ok.content.insert(
                media_type.to_owned(),
                ContentBuilder::new().schema(Some(schema.build())).build(),
            );
        }
    }
}

/// The `bearer` security scheme of the researcher routes.
#[derive(Debug)]
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token from `fieldwork token create` (fwk_...)"))
                    .build(),
            ),
        );
    }
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", responses(
    (status = 200, description = "The OpenAPI 3 document of this API"),
))]
async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}

/// A survey's definition, as respondents answer it now.
#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyResource {
    slug: String,
    version: u32,
    title: String,
    /// `open` or `closed`.
    status: &'static str,
    /// The definition, in the format of `docs/survey-format.md`.
    #[schema(value_type = Object)]
    definition: Value,
}

/// The definition of an open or closed survey. Drafts are not public: 404.
#[utoipa::path(get, path = "/api/v1/surveys/{slug}",
    params(("slug" = String, Path, description = "The survey's slug", pattern = r"^[a-z][a-z0-9-]{0,63}$")),
    responses(
        (status = 200, description = "The survey", body = SurveyResource),
        (status = 404, description = "No such survey (or a draft)", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_survey(
    state: web::Data<AppState>,
    path: web::Path<Slug>,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner().into_string();
    let survey = state.current_survey(&slug).await?;
    if survey.status == SurveyStatus::Draft {
        return Err(ApiError::SurveyNotFound(slug));
    }
    Ok(HttpResponse::Ok().json(SurveyResource {
        slug: survey.definition.slug.clone(),
        version: survey.definition.version,
        title: survey.definition.title.to_string(),
        status: survey.status.as_str(),
        definition: serde_json::to_value(&survey.definition).map_err(|_| ApiError::Internal)?,
    }))
}

/// A response to submit.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitRequest {
    /// Question id to answer: an option code, a list of codes (multi_choice), an object of
    /// item id to code (likert_grid), a number, or text.
    #[schema(value_type = Object)]
    pub(crate) answers: serde_json::Map<String, Value>,
    /// False to store a partial response. Default true.
    #[serde(default = "default_true")]
    pub(crate) complete: bool,
    /// The invitation token, for invited respondents; their stratum comes from it.
    pub(crate) invitation: Option<String>,
}

fn default_true() -> bool {
    true
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResponseCreated {
    /// The response's id.
    id: String,
    survey: String,
    version: u32,
    complete: bool,
}

/// Submit a response. Idempotent: the same `Idempotency-Key` with the same body returns the
/// same result and stores nothing new; with a different body it is refused with 422.
#[utoipa::path(post, path = "/api/v1/surveys/{slug}/responses",
    params(
        ("slug" = String, Path, description = "The survey's slug", pattern = r"^[a-z][a-z0-9-]{0,63}$"),
        ("Idempotency-Key" = String, Header, description = "A unique key per response, 1 to 200 visible ASCII characters; retry with the same key", min_length = 1, max_length = 200, pattern = r"^[!-~]{1,200}$"),
    ),
    request_body = SubmitRequest,
    responses(
        (status = 201, description = "Stored (or stored before under this key)", body = ResponseCreated),
        (status = 400, description = "Malformed JSON or a missing Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Invitation-only survey without a valid invitation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such survey", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The survey is not open, or the invitation was used", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over 256 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid answers (one entry per field), or the key was used with another body", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before trying again"))),
        (status = 503, description = "Nothing was stored: the database is unavailable, or its storage refused the write (problem type `storage-full`, `storage-read-only` or `storage-error`, Retry-After 60); retry with the same key", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before trying again"))),
    ))]
async fn submit_response(
    _: WithinRateLimit,
    state: web::Data<AppState>,
    path: web::Path<Slug>,
    key: IdempotencyKey,
    body: SubmitBody,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner().into_string();
    let complete = body.request.complete;
    let (id, version) = submissions::accept(&state, &slug, key, body).await?;
    Ok(HttpResponse::Created().json(ResponseCreated {
        id,
        survey: slug,
        version,
        complete,
    }))
}

/// Fieldwork progress in one stratum.
#[derive(Debug, Serialize, ToSchema)]
pub struct StratumProgress {
    /// The stratum's option code.
    stratum: String,
    label: String,
    /// Its size in the population frame.
    population: u64,
    invited: i64,
    complete: i64,
    partial: i64,
    /// Complete responses over the population.
    rate_frame: Option<f64>,
    /// Complete responses over invitations sent, when any were.
    rate_invited: Option<f64>,
}

/// Responses per stratum against the frame and the invitations sent. Needs a token of scope
/// `read` or `export` for this survey, held by an analyst or owner.
#[utoipa::path(get, path = "/api/v1/surveys/{slug}/progress",
    params(("slug" = String, Path, description = "The survey's slug", pattern = r"^[a-z][a-z0-9-]{0,63}$")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One entry per stratum, in the survey's order", body = [StratumProgress]),
        (status = 400, description = "A token was sent in the URL", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an unknown, revoked or expired one", body = Problem, content_type = "application/problem+json", headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"fieldwork\"`"))),
        (status = 403, description = "The token's holder is a viewer of this survey", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such survey, or the token is not for it", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_progress(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner().into_string();
    let token = auth::api_token(&state, &req).await?;
    auth::api_access(&state, &token, &slug, Need::Results, TokenScope::Read).await?;
    let progress = state
        .store_call(move |store| fieldwork_analysis::fieldwork_progress(store, &slug))
        .await?;
    Ok(HttpResponse::Ok().json(
        progress
            .into_iter()
            .map(|p| StratumProgress {
                stratum: p.stratum,
                label: p.label,
                population: p.population,
                invited: p.invited,
                complete: p.complete,
                partial: p.partial,
                rate_frame: p.rate_frame,
                rate_invited: p.rate_invited,
            })
            .collect::<Vec<_>>(),
    ))
}

/// Per stratum: contacts, emails sent, failed and opted out, contacts who started and
/// completed, and the response rate against the frame and against the contacts. Counts only,
/// never a contact. Needs a token of scope `read` or `export` for this survey, held by an
/// analyst or owner.
#[utoipa::path(get, path = "/api/v1/surveys/{slug}/outreach",
    params(("slug" = String, Path, description = "The survey's slug", pattern = r"^[a-z][a-z0-9-]{0,63}$")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One entry per stratum with contacts or a frame figure, in the survey's order", body = [StratumOutreachRates]),
        (status = 400, description = "A token was sent in the URL", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an unknown, revoked or expired one", body = Problem, content_type = "application/problem+json", headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"fieldwork\"`"))),
        (status = 403, description = "The token's holder is a viewer of this survey", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such survey, or the token is not for it", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_outreach(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner().into_string();
    let token = auth::api_token(&state, &req).await?;
    auth::api_access(&state, &token, &slug, Need::Results, TokenScope::Read).await?;
    let rates = state
        .store_call(move |store| outreach_rates(store, &slug))
        .await?;
    Ok(HttpResponse::Ok().json(rates))
}

/// How answers are written in an export. Documentation only: `ExportRequest::choose` reads the
/// query, so a wrong value gets its own message rather than serde's.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
enum ExportLabels {
    Codes,
    Text,
}

/// Download the survey's responses. Needs a token of scope `export` for this survey, held by
/// an analyst or owner. Streamed; recorded in the audit log with its row count.
#[utoipa::path(get, path = "/api/v1/surveys/{slug}/export",
    params(
        ("slug" = String, Path, description = "The survey's slug", pattern = r"^[a-z][a-z0-9-]{0,63}$"),
        ("format" = String, Query, description = "What to download (docs/exports.md)"),
        ("labels" = Option<ExportLabels>, Query, description = "Answers as option codes (default) or as their text"),
        ("stratum" = Option<String>, Query, description = "One stratum only: the code of one of the survey's strata", pattern = r"^[A-Za-z0-9_-]{1,64}$"),
        ("since" = Option<String>, Query, description = "Responses submitted then or later: a date (2024-05-01) or an RFC 3339 time"),
        ("include_partial" = Option<bool>, Query, description = "Partial responses too, with a `complete` column"),
        ("include_sensitive" = Option<bool>, Query, description = "Free text of sensitive questions too: owners only (403 otherwise)"),
        ("bom" = Option<bool>, Query, description = "Begin CSV with a UTF-8 byte-order mark, for Excel"),
        ("language" = Option<String>, Query, description = "The language of labels: one of the survey's languages (default: its first)", pattern = r"^[a-z]{2,3}(-[A-Z]{2})?$"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The export, streamed, in the media type of its format", headers(
            ("Content-Disposition" = String, description = "`attachment; filename=\"{slug}-{format}.{extension}\"`"),
        )),
        (status = 400, description = "An unknown format or labels, a date that is not one, or a token in the URL", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an unknown, revoked or expired one", body = Problem, content_type = "application/problem+json", headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"fieldwork\"`"))),
        (status = 403, description = "A `read` token, or its holder is a viewer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such survey, the token is not for it, or the survey has no such stratum", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_export(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner().into_string();
    let token = auth::api_token(&state, &req).await?;
    let standing =
        auth::api_access(&state, &token, &slug, Need::Results, TokenScope::Export).await?;
    let query = web::Query::<crate::integration::ExportRequest>::from_query(req.query_string())
        .map_err(|e| ApiError::BadRequest(format!("the query is not valid: {e}")))?;
    if query.include_sensitive && !standing.allows(Need::Manage) {
        return Err(ApiError::Forbidden(
            "only the survey's owners can export sensitive free text".into(),
        ));
    }
    let s = slug.clone();
    let survey = state
        .store_call(move |store| store.latest_survey(&s))
        .await?;
    let choice = query.choose(&survey.definition).map_err(|e| match e {
        ExportRequestError::Malformed(detail) => ApiError::BadRequest(detail),
        ExportRequestError::NoSuchStratum(detail) => ApiError::StratumNotFound(detail),
        ExportRequestError::NoSuchLanguage(detail) => ApiError::LanguageNotFound(detail),
    })?;
    Ok(crate::exports::stream_export(
        &state,
        slug,
        choice,
        token.user.email.clone(),
        "api",
    ))
}
