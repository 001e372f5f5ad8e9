//! Downloading an export from the survey's page (the stream is `crate::exports`).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

use crate::auth::{standing, Need};
use crate::integration::{self};
use crate::pages::PageError;
use crate::slug::Slug;
use crate::AppState;

use crate::auth::Researcher;
use crate::exports::stream_export;

pub(super) async fn export(
    state: web::Data<AppState>,
    path: web::Path<Slug>,
    query: web::Query<integration::ExportRequest>,
    researcher: Researcher,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    let standing = standing(&state, &researcher.user, &slug, Need::Results).await?;
    if query.include_sensitive && !standing.allows(Need::Manage) {
        return Err(PageError::message(
            StatusCode::FORBIDDEN,
            "Only the survey's owners can export sensitive free text",
            &["Export without it, or ask an owner of the survey."],
        ));
    }
    let s = slug.clone();
    let survey = state
        .store_call(move |store| store.latest_survey(&s))
        .await?;
    let choice = query.choose(&survey.definition).map_err(|problem| {
        let status = match problem {
            integration::ExportRequestError::Malformed(_) => StatusCode::BAD_REQUEST,
            integration::ExportRequestError::NoSuchStratum(_)
            | integration::ExportRequestError::NoSuchLanguage(_) => StatusCode::NOT_FOUND,
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
