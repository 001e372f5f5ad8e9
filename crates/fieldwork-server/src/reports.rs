//! Published findings reports, served from the store so that every server sharing the database
//! serves the same report: `/r/{slug}/` is the report's `index.html`, `/r/{slug}/{path}` its
//! other files (pages, charts, CSVs). `fieldwork report --publish` puts a report there.
//!
//! A report in several languages has each language but the default in a folder of its own
//! (`/r/{slug}/cy/...`), stored like any other files.
//!
//! The pledges page (`/r/{slug}/pledges`, and `pledges.html` as the report's index links it;
//! `/r/{slug}/cy/pledges` in a language's folder) is not a stored file: it is rendered from the store on every request
//! ([`integration::live_pledges_page`]), only while the survey's report is published, so a
//! withdrawn pledge disappears at once without publishing again.
//!
//! Only files of a published report are served: a path is looked up exactly, after checking it
//! is a plain relative path, so nothing outside the report can be reached. The service-wide
//! security headers apply; the report needs no scripts, only its own stylesheet and images.

use actix_web::http::{header, Method};
use actix_web::{web, HttpResponse};
use fieldwork_store::{is_valid_report_path, ReportFile, REPORT_INDEX};

use crate::integration::{self, IntegrationError};
use crate::pages::PageError;
use crate::routing::Routes;
use crate::slug::Slug;
use crate::AppState;

/// How long a browser or proxy may keep a report's file: publishing again reaches readers
/// within this time.
const REPORT_CACHE: &str = "public, max-age=60";
/// The pledges page is asked for again each time: a withdrawn pledge must not linger in a cache.
const PLEDGES_CACHE: &str = "no-cache";

pub fn configure(cfg: &mut web::ServiceConfig) {
    let mut routes = Routes::default();
    routes
        .add(Method::GET, "/r/{slug}", web::route().to(report_root))
        .add(Method::GET, "/r/{slug}/", web::route().to(report_index))
        .add(Method::GET, "/r/{slug}/pledges", web::route().to(pledges))
        .add(
            Method::GET,
            "/r/{slug}/pledges.html",
            web::route().to(pledges),
        )
        .add(
            Method::GET,
            "/r/{slug}/{language}/pledges",
            web::route().to(pledges_in_language),
        )
        .add(
            Method::GET,
            "/r/{slug}/{language}/pledges.html",
            web::route().to(pledges_in_language),
        )
        .add(
            Method::GET,
            "/r/{slug}/{path:.+}",
            web::route().to(report_file),
        );
    routes.register(cfg);
}

async fn find(state: &AppState, slug: &str, path: &str) -> Result<Option<ReportFile>, PageError> {
    // The slug was checked by its extractor (`Slug`); the path is checked here.
    if !is_valid_report_path(path) {
        return Ok(None);
    }
    let (slug, path) = (slug.to_owned(), path.to_owned());
    Ok(state
        .store_call(move |store| store.report_file(&slug, &path))
        .await?)
}

/// `/r/{slug}` without the slash: relative links in the report need the slash, so send the
/// reader there (when there is a report to see).
async fn report_root(
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
) -> Result<HttpResponse, PageError> {
    match find(&state, &slug, REPORT_INDEX).await? {
        Some(_) => Ok(HttpResponse::PermanentRedirect()
            .insert_header((header::LOCATION, format!("/r/{slug}/")))
            .finish()),
        None => Err(PageError::NotFound),
    }
}

async fn report_index(
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
) -> Result<HttpResponse, PageError> {
    serve(find(&state, &slug, REPORT_INDEX).await?)
}

async fn report_file(
    state: web::Data<AppState>,
    path: web::Path<(Slug, String)>,
) -> Result<HttpResponse, PageError> {
    let (slug, path) = path.into_inner();
    let slug = slug.into_string();
    // A language's folder (`cy/`) is its front page, as the report's root is.
    let path = match path.strip_suffix('/') {
        Some(folder) => format!("{folder}/{REPORT_INDEX}"),
        None => path,
    };
    serve(find(&state, &slug, &path).await?)
}

fn serve(file: Option<ReportFile>) -> Result<HttpResponse, PageError> {
    let file = file.ok_or(PageError::NotFound)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, file.content_type))
        .insert_header((header::CACHE_CONTROL, REPORT_CACHE))
        .body(file.body))
}

async fn pledges(
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
) -> Result<HttpResponse, PageError> {
    live_pledges(state, slug.into_inner().into_string(), None).await
}

/// The pledges page of a report in several languages, in one of its folders (`cy/pledges`).
async fn pledges_in_language(
    state: web::Data<AppState>,
    path: web::Path<(Slug, String)>,
) -> Result<HttpResponse, PageError> {
    let (slug, folder) = path.into_inner();
    if !fieldwork_survey::is_language_code(&folder) {
        return Err(PageError::NotFound);
    }
    live_pledges(state, slug.into_string(), Some(folder)).await
}

async fn live_pledges(
    state: web::Data<AppState>,
    slug: String,
    folder: Option<String>,
) -> Result<HttpResponse, PageError> {
    let page = state
        .store_call(move |store| {
            Ok(integration::live_pledges_page(
                store,
                &slug,
                folder.as_deref(),
            ))
        })
        .await?;
    match page {
        Ok(Some(html)) => Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
            .insert_header((header::CACHE_CONTROL, PLEDGES_CACHE))
            .body(html)),
        Ok(None) => Err(PageError::NotFound),
        Err(IntegrationError::Store(e)) => Err(e.into()),
        Err(e) => {
            tracing::error!(error = %e, "the pledges page failed");
            Err(PageError::Internal)
        }
    }
}
