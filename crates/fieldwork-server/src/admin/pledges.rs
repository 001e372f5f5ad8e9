//! The pledges moderation queue (owners and analysts): pledges awaiting a decision, newest
//! first, with what looks like personal data marked so the moderator looks twice, and
//! approving or rejecting each. A respondent's words are shown as written and never edited:
//! a pledge is published as it is, or not at all.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use fieldwork_analysis::format::thousands;
use fieldwork_analysis::report::pledges::PUBLIC_SECTOR_LEADER;
use fieldwork_store::{Attribution, PendingPledge, PledgeStatus, Store, StoreError};
use fieldwork_survey::{personal_data_flags, Flag, SurveyDefinition};

use super::notices::{notice_cookie, take_notice, Notice, NoticeView};
use super::AdminForm;
use super::{chrome, render, see_other, Chrome};
use crate::auth::{standing, Need, Researcher};
use crate::extract::CheckedForm;
use crate::pages::{with_cookies, PageError};
use crate::slug::Slug;
use crate::AppState;

/// The longest rejection reason kept, in characters.
const REASON_MAX: usize = 500;

/// A stretch of a pledge's text, marked when it looks like personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Segment {
    text: String,
    flagged: bool,
}

#[derive(Debug, Clone)]
struct FlagView {
    kind: &'static str,
    text: String,
}

#[derive(Debug, Clone)]
struct QueuedPledge {
    id: i64,
    question: String,
    segments: Vec<Segment>,
    flags: Vec<FlagView>,
    attribution: String,
    received: String,
}

#[derive(Template)]
#[template(path = "admin/pledges.html")]
struct PledgesPage {
    chrome: Chrome,
    notice: Option<NoticeView>,
    slug: String,
    title: String,
    pledges: Vec<QueuedPledge>,
    published: String,
    report_published: bool,
}

/// What the queue page shows, read in one store call.
struct Queue {
    definition: SurveyDefinition,
    pending: Vec<PendingPledge>,
    published: usize,
    report_published: bool,
}

impl Queue {
    fn load(store: &Store, slug: &str) -> Result<Self, StoreError> {
        Ok(Queue {
            definition: store.latest_survey(slug)?.definition.clone(),
            pending: store.pending_pledges(slug)?,
            published: store.published_pledges(slug)?.len(),
            report_published: store.published_report(slug)?.is_some(),
        })
    }

    fn page(self, chrome: Chrome, notice: Option<NoticeView>, slug: String) -> PledgesPage {
        let threshold =
            fieldwork_analysis::Plan::default_for(&self.definition).suppression_threshold;
        let definition = &self.definition;
        PledgesPage {
            chrome,
            notice,
            slug,
            title: definition.title.to_string(),
            pledges: self
                .pending
                .iter()
                .map(|p| queued(definition, threshold, p))
                .collect(),
            published: match self.published {
                1 => "1 pledge is published.".to_owned(),
                n => format!("{} pledges are published.", thousands(n as u64)),
            },
            report_published: self.report_published,
        }
    }
}

fn queued(definition: &SurveyDefinition, threshold: u32, pledge: &PendingPledge) -> QueuedPledge {
    let flags = personal_data_flags(&pledge.text);
    QueuedPledge {
        id: pledge.id,
        question: definition
            .question(&pledge.question_id)
            .map_or_else(|| pledge.question_id.clone(), |q| q.text.to_string()),
        segments: segments(&pledge.text, &flags),
        flags: flags
            .iter()
            .map(|f| FlagView {
                kind: f.kind.label(),
                text: f.matched.clone(),
            })
            .collect(),
        attribution: attribution_text(definition, threshold, pledge),
        received: pledge.submitted_at.map_or_else(
            || "at an unknown time".to_owned(),
            |t| t.format("%-d %B %Y").to_string(),
        ),
    }
}

/// `text` cut into stretches, the flagged ones marked.
fn segments(text: &str, flags: &[Flag]) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut at = 0;
    for flag in flags {
        if flag.span.start > at {
            out.push(Segment {
                text: text[at..flag.span.start].to_owned(),
                flagged: false,
            });
        }
        out.push(Segment {
            text: flag.matched.clone(),
            flagged: true,
        });
        at = flag.span.end;
    }
    if at < text.len() {
        out.push(Segment {
            text: text[at..].to_owned(),
            flagged: false,
        });
    }
    out
}

/// How the respondent asked to be attributed, as the moderator should read it.
fn attribution_text(
    definition: &SurveyDefinition,
    threshold: u32,
    pledge: &PendingPledge,
) -> String {
    let sector = pledge.stratum.as_deref().and_then(|code| {
        definition
            .strata()
            .into_iter()
            .find(|c| c.code == code)
            .map(|c| c.label.clone())
    });
    match (pledge.attribution, sector) {
        (Attribution::Anonymous, _) => format!("Anonymously, as “{PUBLIC_SECTOR_LEADER}”"),
        (Attribution::Sector, Some(sector)) => format!(
            "With their sector, “{sector}”, once at least {threshold} published pledges name it; until then as “{PUBLIC_SECTOR_LEADER}”"
        ),
        (Attribution::Sector, None) => format!(
            "With their sector, which is not known: as “{PUBLIC_SECTOR_LEADER}”"
        ),
    }
}

/// The reason given for rejecting, if any: trimmed, at most [`REASON_MAX`] characters.
fn rejection_reason(form: &crate::csrf::FormFields) -> Option<String> {
    let reason: String = form
        .first("reason")
        .unwrap_or("")
        .trim()
        .chars()
        .take(REASON_MAX)
        .collect();
    (!reason.is_empty()).then_some(reason)
}

pub(super) async fn pledges_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
    researcher: Researcher,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    standing(&state, &researcher.user, &slug, Need::Moderate).await?;
    let s = slug.clone();
    let queue = state
        .store_call(move |store| Queue::load(store, &s))
        .await?;
    let (chrome, cookie) = chrome(&state, &req, Some(&researcher.user), false);
    let (notice, removal) = take_notice(&state, &req).unzip();
    let page = queue.page(chrome, notice, slug);
    with_cookies(render(StatusCode::OK, &page, cookie)?, removal)
}

pub(super) async fn approve(
    state: web::Data<AppState>,
    path: web::Path<(Slug, i64)>,
    researcher: Researcher,
    _form: AdminForm,
) -> Result<HttpResponse, PageError> {
    let (slug, id) = path.into_inner();
    decide(&state, slug, id, researcher, PledgeStatus::Approved, None).await
}

pub(super) async fn reject(
    state: web::Data<AppState>,
    path: web::Path<(Slug, i64)>,
    researcher: Researcher,
    CheckedForm(form): AdminForm,
) -> Result<HttpResponse, PageError> {
    let (slug, id) = path.into_inner();
    let reason = rejection_reason(&form);
    decide(&state, slug, id, researcher, PledgeStatus::Rejected, reason).await
}

async fn decide(
    state: &AppState,
    slug: Slug,
    id: i64,
    researcher: Researcher,
    decision: PledgeStatus,
    reason: Option<String>,
) -> Result<HttpResponse, PageError> {
    let slug = slug.into_string();
    standing(state, &researcher.user, &slug, Need::Moderate).await?;
    let (s, actor) = (slug.clone(), researcher.user.email);
    let decided = state
        .store_call(move |store| store.decide_pledge(&s, id, decision, &actor, reason.as_deref()))
        .await?;
    if !decided {
        return Err(PageError::message(
            StatusCode::CONFLICT,
            "This pledge is no longer waiting for a decision",
            &[
                "Someone may have decided it already, or the respondent withdrew their answers.",
                "Go back to the pledges to see the ones still waiting.",
            ],
        ));
    }
    let notice = Notice::PledgeDecided {
        approved: decision == PledgeStatus::Approved,
    };
    let queue = see_other(&format!("/admin/surveys/{slug}/pledges"));
    with_cookies(queue, [notice_cookie(state, &notice)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_mark_the_flagged_words_and_keep_every_other() {
        let text = "Call Cllr Brown on 07700 900123 today";
        let parts = segments(text, &personal_data_flags(text));
        let marked: Vec<&str> = parts
            .iter()
            .filter(|s| s.flagged)
            .map(|s| s.text.as_str())
            .collect();
        assert_eq!(marked, ["Cllr Brown", "07700 900123"]);
        let whole: String = parts.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(whole, text);
        assert_eq!(
            segments("Nothing here.", &[]),
            [Segment {
                text: "Nothing here.".into(),
                flagged: false
            }]
        );
    }
}
