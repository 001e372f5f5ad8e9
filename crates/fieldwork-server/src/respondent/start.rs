//! The start page, and starting a response (open link or invitation).

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use fieldwork_store::{
    GivenConsent, ResponseStart, StartOutcome, StoreError, StoredResponse, StoredSurvey,
    SubmissionRefused,
};
use fieldwork_survey::Messages;

use super::answerable_survey;
use super::check::confirmation;
use super::consent::{
    block_views, consent_views, given_consent, BlockView, ConsentMissing, ConsentView,
};
use super::paragraphs;
use super::privacy_href;
use super::session_cookie;
use super::session_cookie_name;
use super::Localised;
use super::RespondentForm;
use super::Session;
use super::SESSION_PURPOSE;
use crate::csrf::{csrf_token, FormFields};
use crate::extract::CheckedForm;
use crate::invitations::INVITATION_PURPOSE;
use crate::language::{LanguageWish, Ui};
use crate::pages::{html_with_cookie, PageError, SummaryError};
use crate::slug::Slug;
use crate::tokens::{constant_time_eq, hash, new_token};
use crate::AppState;

#[derive(Template)]
#[template(path = "start.html")]
struct StartPage {
    ui: Ui,
    service_name: String,
    has_errors: bool,
    privacy_href: Option<String>,
    errors: Vec<SummaryError>,
    slug: String,
    /// The participant information, when the survey asks for consent before starting (and
    /// this respondent has not started already).
    information: Vec<BlockView>,
    consent: Vec<ConsentView>,
    consent_error: Option<String>,
    title: String,
    description: Vec<String>,
    question_count_text: String,
    csrf_token: String,
    start_id: String,
    invite: Option<String>,
    start_label: &'static str,
}

#[derive(serde::Deserialize)]
pub(super) struct InviteQuery {
    invite: Option<String>,
}

pub(super) async fn start_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
    query: web::Query<InviteQuery>,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    let survey = answerable_survey(&state, &slug).await?;
    let invite = query.into_inner().invite.filter(|t| !t.is_empty());
    let asks = if survey.definition.participant_information.is_some() {
        ConsentAsked::Yes
    } else {
        ConsentAsked::No
    };
    let (start_label, consent, started) = match &invite {
        Some(token) => match invitation_progress(&state, &slug, token).await? {
            InvitationProgress::Unused(language) => ("start-now", asks, language),
            InvitationProgress::Started(language) => ("carry-on", ConsentAsked::No, language),
            // The receipt (which can withdraw the answers) only for the browser that sent
            // them: a forwarded or leaked invitation link shows that it was used, no more.
            InvitationProgress::Finished(response) => {
                let own = req
                    .cookie(&session_cookie_name(&slug))
                    .is_some_and(|c| constant_time_eq(c.value(), token));
                return if own {
                    confirmation(&state, &req, &survey, &response)
                } else {
                    Err(used_invitation())
                };
            }
        },
        None if survey.definition.allow_open_link => ("start-now", asks, None),
        None => {
            let lang = LanguageWish::of(&req).choose(&survey.definition, None);
            return Err(invitation_needed(&lang).with_privacy(privacy_href(&survey.definition)));
        }
    };
    let (csrf, cookie) = csrf_token(&state, &req);
    let localised = Localised::new(&survey.definition, &req, started.as_deref());
    let page = StartPage::new(localised, csrf, invite, start_label, consent);
    html_with_cookie(StatusCode::OK, &page, cookie)
}

impl StartPage {
    /// The start page; `consent` is what the form sent when a statement was left unticked,
    /// `asks_consent` false for a respondent carrying on with a response already started.
    fn new(
        localised: Localised,
        csrf_token: String,
        invite: Option<String>,
        start_label: &'static str,
        consent: ConsentAsked<'_>,
    ) -> Self {
        let Localised { definition, ui } = localised;
        let definition = &definition;
        let (information, statements, consent_error) = match consent {
            ConsentAsked::No => (Vec::new(), Vec::new(), None),
            ConsentAsked::Yes => (
                definition
                    .participant_information
                    .as_ref()
                    .map(|info| block_views(info.text.as_str()))
                    .unwrap_or_default(),
                consent_views(definition, None),
                None,
            ),
            ConsentAsked::Missing(form) => (
                definition
                    .participant_information
                    .as_ref()
                    .map(|info| block_views(info.text.as_str()))
                    .unwrap_or_default(),
                consent_views(definition, Some(form)),
                Some(ui.t(ConsentMissing::MESSAGE)),
            ),
        };
        // Never the stratum question for an invited respondent; fewer when answers hide some.
        let question_count = definition
            .questions()
            .filter(|q| {
                invite.is_none()
                    || definition
                        .stratification
                        .as_ref()
                        .is_none_or(|s| s.question != q.id)
            })
            .count() as u64;
        StartPage {
            service_name: definition.title.to_string(),
            has_errors: consent_error.is_some(),
            errors: consent_error
                .iter()
                .map(|message| SummaryError {
                    href: "#consent".into(),
                    message: message.clone(),
                })
                .collect(),
            information,
            consent: statements,
            consent_error,
            privacy_href: privacy_href(definition),
            slug: definition.slug.clone(),
            title: definition.title.to_string(),
            description: paragraphs(definition.description.as_ref()),
            question_count_text: ui
                .words
                .with("start-question-count", &[("count", question_count.into())]),
            csrf_token,
            start_id: new_token(),
            invite,
            start_label,
            ui,
        }
    }
}

/// Whether the start page asks for consent, and what was ticked when a statement was not.
enum ConsentAsked<'a> {
    No,
    Yes,
    Missing(&'a FormFields),
}

/// How far the respondent holding an invitation link has got, with the language of the
/// invitation or of the response it started.
enum InvitationProgress {
    Unused(Option<String>),
    Started(Option<String>),
    Finished(StoredResponse),
}

/// Where the holder of `token` stands; a token that is not this survey's, or an invitation
/// used by a response since withdrawn, is refused.
async fn invitation_progress(
    state: &AppState,
    slug: &str,
    token: &str,
) -> Result<InvitationProgress, PageError> {
    let secret_hash = hash(SESSION_PURPOSE, token);
    let token_hash = hash(INVITATION_PURPOSE, token);
    let slug = slug.to_owned();
    let (response, invitation) = state
        .store_call(move |store| {
            let response = store.response_by_key(&slug, &secret_hash)?;
            let invitation = match response {
                Some(_) => None,
                None => store
                    .find_invitation(&token_hash)?
                    .filter(|i| i.survey_slug == slug)
                    .map(|i| (i.used_at.is_some(), i.language)),
            };
            Ok::<_, StoreError>((response, invitation))
        })
        .await?;
    match (response, invitation) {
        (Some(response), _) if response.complete => Ok(InvitationProgress::Finished(response)),
        (Some(response), _) => Ok(InvitationProgress::Started(response.language)),
        (None, Some((false, language))) => Ok(InvitationProgress::Unused(language)),
        (None, Some((true, _))) => Err(used_invitation()),
        (None, None) => Err(invalid_invitation()),
    }
}

fn invitation_needed(lang: &str) -> PageError {
    let words = Messages::new(lang);
    PageError::message(
        StatusCode::FORBIDDEN,
        &words.get("invitation-needed-title"),
        &[&words.get("invitation-needed-body")],
    )
    .in_language(lang)
}

/// A page about an invitation link, in the language of the request (no survey's at hand).
fn invitation_problem(status: StatusCode, title: &str, body: &str) -> PageError {
    let words = Ui::interface().words;
    PageError::message(status, &words.get(title), &[&words.get(body)]).in_language(words.code())
}

fn invalid_invitation() -> PageError {
    invitation_problem(
        StatusCode::NOT_FOUND,
        "invitation-invalid-title",
        "invitation-invalid-body",
    )
}

fn used_invitation() -> PageError {
    invitation_problem(
        StatusCode::CONFLICT,
        "invitation-used-title",
        "invitation-used-body",
    )
}

pub(super) async fn start(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Slug>,
    CheckedForm(form): RespondentForm,
) -> Result<HttpResponse, PageError> {
    let slug = path.into_inner().into_string();
    state.check_rate(&req).await?;
    let survey = answerable_survey(&state, &slug).await?;
    let invite = form.first("invite").filter(|t| !t.is_empty());
    let (secret, stratum, invited_in) = match invite {
        Some(token) => {
            let (stratum, language) = invited_stratum(&state, &slug, token).await?;
            (token.to_owned(), Some(stratum), language)
        }
        None if survey.definition.allow_open_link => {
            (open_link_start_id(&form, &slug)?, None, None)
        }
        None => return Err(PageError::Redirect(format!("/s/{slug}"))),
    };
    // The language the respondent saw the start page in, kept with the response.
    let language = LanguageWish::of(&req).choose(&survey.definition, invited_in.as_deref());
    let invited = invite.is_some();
    let consent = match given_consent(&survey.definition, &form) {
        Ok(consent) => consent,
        // Carrying on with a response already started needs no new consent.
        Err(ConsentMissing) if already_started(&state, &slug, &secret).await? => None,
        Err(ConsentMissing) => {
            let (csrf, cookie) = csrf_token(&state, &req);
            let asked = ConsentAsked::Missing(&form);
            let invite = invite.map(str::to_owned);
            let localised = Localised::new(&survey.definition, &req, Some(&language));
            let page = StartPage::new(localised, csrf, invite, "start-now", asked);
            return html_with_cookie(StatusCode::UNPROCESSABLE_ENTITY, &page, cookie);
        }
    };
    let start = NewStart {
        secret: &secret,
        language,
        invited,
        stratum,
        consent,
    };
    let response = start_response(&state, &survey, start).await?;
    let next = if response.complete {
        format!("/s/{slug}/done")
    } else {
        Session::new(survey, response, invited, &req).resume_href()
    };
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", next))
        .cookie(session_cookie(&state, &slug, &secret))
        .finish())
}

/// The stratum and language of the invitation `token`, which must be this survey's.
async fn invited_stratum(
    state: &AppState,
    slug: &str,
    token: &str,
) -> Result<(String, Option<String>), PageError> {
    let token_hash = hash(INVITATION_PURPOSE, token);
    let invitation = state
        .store_call(move |store| store.find_invitation(&token_hash))
        .await?;
    match invitation {
        Some(i) if i.survey_slug == slug => Ok((i.stratum, i.language)),
        _ => Err(invalid_invitation()),
    }
}

/// The open-link respondent's start id, issued with the start page so that a double click
/// finds the response the first click made; anything else starts again from that page.
fn open_link_start_id(form: &FormFields, slug: &str) -> Result<String, PageError> {
    let start_id = form.first("start_id").unwrap_or("");
    // The id must look like one we issued: 22 URL-safe characters.
    let issued = start_id.len() == 22
        && start_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if issued {
        Ok(start_id.to_owned())
    } else {
        Err(PageError::Redirect(format!("/s/{slug}")))
    }
}

/// Whether the respondent with this session secret has a response already.
async fn already_started(state: &AppState, slug: &str, secret: &str) -> Result<bool, PageError> {
    let key_hash = hash(SESSION_PURPOSE, secret);
    let slug = slug.to_owned();
    let existing = state
        .store_call(move |store| store.response_by_key(&slug, &key_hash))
        .await?;
    Ok(existing.is_some())
}

/// What starting a response needs: the respondent's session secret (an invitation token, or
/// an open-link start id), the invitation's stratum and the consent they gave.
struct NewStart<'a> {
    secret: &'a str,
    /// The language of the pages the respondent started on.
    language: String,
    invited: bool,
    stratum: Option<String>,
    consent: Option<GivenConsent>,
}

/// Starts the response keyed by the secret, or finds the one it already started.
async fn start_response(
    state: &AppState,
    survey: &Arc<StoredSurvey>,
    start: NewStart<'_>,
) -> Result<StoredResponse, PageError> {
    let NewStart {
        secret,
        language,
        invited,
        stratum,
        consent,
    } = start;
    let key_hash = hash(SESSION_PURPOSE, secret);
    let token_hash = invited.then(|| hash(INVITATION_PURPOSE, secret));
    let expires = state.resume_expiry();
    let survey_for_store = Arc::clone(survey);
    let outcome = state
        .store_call(move |store| {
            store.start_response(
                &survey_for_store,
                &ResponseStart {
                    key_hash: &key_hash,
                    stratum: stratum.as_deref(),
                    invitation_hash: token_hash.as_deref(),
                    resume_expires_at: expires,
                    consent: consent.as_ref(),
                    language: &language,
                },
            )
        })
        .await?;
    match outcome {
        StartOutcome::Started(response) => {
            tracing::info!(survey = %survey.slug(), invited, "response started");
            Ok(response)
        }
        StartOutcome::Existing(response) => Ok(response),
        StartOutcome::Refused(SubmissionRefused::InvitationUsed) => Err(used_invitation()),
        StartOutcome::Refused(SubmissionRefused::SurveyClosed) => {
            Err(StoreError::SurveyClosed(survey.slug().to_owned()).into())
        }
        StartOutcome::Refused(_) => Err(invalid_invitation()),
    }
}
