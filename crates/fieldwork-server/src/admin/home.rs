//! The signed-in researcher's surveys.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use crate::auth::{Need, Standing};
use crate::pages::{with_cookies, PageError};
use crate::AppState;

use super::notices::{take_notice, NoticeView};
use super::{chrome, render, Chrome};
use crate::auth::Researcher;

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

pub(super) async fn home(
    state: web::Data<AppState>,
    req: HttpRequest,
    researcher: Researcher,
) -> Result<HttpResponse, PageError> {
    let user = researcher.user.clone();
    let (all, roles) = state
        .store_call(move |store| Ok((store.list_surveys()?, store.roles_of_user(user.id)?)))
        .await?;
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
    let page = SurveysPage {
        chrome,
        notice,
        surveys,
        admin: researcher.user.is_admin,
    };
    with_cookies(render(StatusCode::OK, &page, cookie)?, removal)
}
