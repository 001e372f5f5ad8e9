//! The respondent's journey: start, one question per page, check answers, confirmation,
//! save and return, withdrawal. Server-rendered, no JavaScript needed.
//!
//! A respondent's session is a secret in a cookie scoped to the survey's path; the store
//! keeps only its hash as the response's submission key. For an invited respondent the secret
//! is the invitation token, so the invitation link itself resumes the same response; for an
//! open-link respondent it is a random id issued with the start form, so a double click on
//! "Start" finds the response the first click made.

mod answers;
mod check;
mod consent;
mod opt_out;
mod question;
mod resume;
mod start;
mod withdraw;

use std::collections::BTreeMap;
use std::sync::Arc;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{Method, StatusCode};
use actix_web::{web, HttpRequest};
use fieldwork_store::{StoredResponse, StoredSurvey, SurveyStatus};
use fieldwork_survey::{
    answer_from_stored, fix_invited_stratum, is_shown, Answer, Messages, Page, Question,
    SubmittedAnswers, SurveyDefinition, Text,
};

use self::answers::{answers, download};
use self::check::check_page;
use self::check::done_page;
use self::check::submit;
use self::consent::{declined_page, privacy_page};
use self::question::answer_question;
use self::resume::resume;
use self::resume::resume_page;
use self::start::start;
use self::start::start_page;
use self::withdraw::withdraw;
use self::withdraw::withdraw_page;
use crate::extract::CheckedForm;
use crate::language::{LanguageWish, Ui};
use crate::pages::{Link, MessagePage, PageError};
use crate::respondent::question::question_page;
use crate::routing::Routes;
use crate::tokens::hash;
use crate::AppState;

/// Largest form body accepted: room for the longest text answer allowed, with margin.
pub const FORM_LIMIT: usize = 256 * 1024;

/// A respondent page's form, read and passed by the CSRF check before the handler runs.
type RespondentForm = CheckedForm<FORM_LIMIT>;

pub(super) const SESSION_PURPOSE: &str = "session";
pub(super) const RECEIPT_PURPOSE: &str = "receipt";

pub fn configure(cfg: &mut web::ServiceConfig) {
    let mut routes = Routes::default();
    routes
        .add(Method::GET, "/s/{slug}", web::route().to(start_page))
        .add(Method::POST, "/s/{slug}/start", web::route().to(start))
        .add(
            Method::GET,
            "/s/{slug}/declined",
            web::route().to(declined_page),
        )
        .add(
            Method::GET,
            "/s/{slug}/privacy",
            web::route().to(privacy_page),
        )
        .add(Method::POST, "/s/{slug}/answers", web::route().to(answers))
        .add(
            Method::POST,
            "/s/{slug}/answers/download",
            web::route().to(download),
        )
        .add(
            Method::GET,
            "/s/{slug}/q/{question}",
            web::route().to(question_page),
        )
        .add(
            Method::POST,
            "/s/{slug}/q/{question}",
            web::route().to(answer_question),
        )
        .add(Method::GET, "/s/{slug}/check", web::route().to(check_page))
        .add(Method::POST, "/s/{slug}/submit", web::route().to(submit))
        .add(Method::GET, "/s/{slug}/done", web::route().to(done_page))
        .add(
            Method::GET,
            "/s/{slug}/resume",
            web::route().to(resume_page),
        )
        .add(Method::POST, "/s/{slug}/resume", web::route().to(resume))
        .add(
            Method::GET,
            "/s/{slug}/withdraw",
            web::route().to(withdraw_page),
        )
        .add(
            Method::POST,
            "/s/{slug}/withdraw",
            web::route().to(withdraw),
        )
        .add(
            Method::GET,
            "/opt-out",
            web::route().to(opt_out::opt_out_page),
        )
        .add(Method::POST, "/opt-out", web::route().to(opt_out::opt_out));
    routes.register(cfg);
}

pub(super) fn session_cookie_name(slug: &str) -> String {
    format!("fieldwork_{slug}")
}

pub(super) fn session_cookie(state: &AppState, slug: &str, secret: &str) -> Cookie<'static> {
    Cookie::build(session_cookie_name(slug), secret.to_owned())
        .path(format!("/s/{slug}"))
        .http_only(true)
        .secure(state.config.secure_cookies)
        .same_site(SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::days(
            state.config.resume_days,
        ))
        .finish()
}

/// Where the survey's privacy notice is, for the footer of its every page (a survey without
/// one cannot be opened, but a draft may be previewed).
pub(super) fn privacy_href(definition: &fieldwork_survey::SurveyDefinition) -> Option<String> {
    definition
        .privacy_notice
        .as_ref()
        .map(|_| format!("/s/{}/privacy", definition.slug))
}

/// The survey respondents may answer now, or a page saying why not.
pub(super) async fn answerable_survey(
    state: &AppState,
    slug: &str,
) -> Result<Arc<StoredSurvey>, PageError> {
    let survey = state.current_survey(slug).await?;
    let (title, body) = match survey.status {
        SurveyStatus::Open => return Ok(survey),
        SurveyStatus::Closed => ("survey-closed-title", "survey-closed-body"),
        SurveyStatus::Draft => ("survey-not-open-title", "survey-not-open-body"),
    };
    let lang = LanguageWish::current().choose(&survey.definition, None);
    let words = Messages::new(&lang);
    let name = survey.definition.title.get(&lang).to_owned();
    let refusal = PageError::message(
        StatusCode::OK,
        &words.with(title, &[("title", name.into())]),
        &[&words.get(body)],
    );
    Err(refusal
        .in_language(&lang)
        .with_privacy(privacy_href(&survey.definition)))
}

/// A survey as one respondent page shows it: in the page's language, with fieldwork's words
/// in that language and the switcher to the survey's others.
#[derive(Debug, Clone)]
pub(super) struct Localised {
    /// The definition in the page's language alone (codes and ids as stored).
    pub definition: SurveyDefinition,
    pub ui: Ui,
}

impl Localised {
    /// `definition` in the language `req` wishes for, `started` being the language of the
    /// respondent's invitation or response.
    pub fn new(definition: &SurveyDefinition, req: &HttpRequest, started: Option<&str>) -> Self {
        let lang = LanguageWish::of(req).choose(definition, started);
        Localised {
            definition: definition.in_language(&lang),
            ui: Ui::new(
                &lang,
                &definition.languages(),
                &switch_target(req, &definition.slug),
            ),
        }
    }

    pub fn words(&self) -> &Messages {
        &self.ui.words
    }

    pub fn lang(&self) -> &str {
        &self.ui.lang
    }

    /// A page of this survey saying something in fieldwork's words: the heading and
    /// paragraphs are message ids, the link (if any) a path and the id of its text.
    pub fn message_page(
        self,
        heading: &str,
        paragraphs: &[&str],
        link: Option<(String, &str)>,
    ) -> MessagePage {
        let Localised { definition, ui } = self;
        MessagePage {
            service_name: definition.title.to_string(),
            has_errors: false,
            privacy_href: privacy_href(&definition),
            heading: ui.t(heading),
            paragraphs: paragraphs.iter().map(|id| ui.t(id)).collect(),
            link: link.map(|(href, text)| Link {
                href,
                text: ui.t(text),
            }),
            ui,
        }
    }
}

/// The page the language switcher shows again in another language: this one for a GET; for
/// the result of a form, the page a GET shows of the same step.
fn switch_target(req: &HttpRequest, slug: &str) -> String {
    if req.method() == Method::GET {
        return req.path().to_owned();
    }
    let path = req.path();
    if path.starts_with(&format!("/s/{slug}/q/")) {
        path.to_owned()
    } else if path == format!("/s/{slug}/submit") {
        format!("/s/{slug}/check")
    } else if path == format!("/s/{slug}/answers") || path == format!("/s/{slug}/withdraw") {
        format!("/s/{slug}/withdraw")
    } else {
        format!("/s/{slug}")
    }
}

/// An invited response's stratum comes from its invitation (`fix_invited_stratum`), filled in
/// wherever the answers are read from storage. The pages never ask the question, so any other
/// answer to it can only be a forged field: it is overwritten, not argued with.
pub(super) fn fill_fixed_stratum(
    definition: &fieldwork_survey::SurveyDefinition,
    stratum: Option<&str>,
    answers: &mut SubmittedAnswers,
) {
    if let Some(stratum) = stratum {
        fix_invited_stratum(definition, stratum, answers);
    }
}

/// A description's paragraphs, as the respondent pages show a survey's or a page's: split at
/// blank lines (each one a `govuk-body` paragraph, escaped by the template).
fn paragraphs(description: Option<&Text>) -> Vec<String> {
    description
        .map_or("", Text::as_str)
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

/// Everything a page of a started response needs.
pub(super) struct Session {
    survey: Arc<StoredSurvey>,
    /// The survey in the language of this page.
    localised: Localised,
    response: StoredResponse,
    answers: SubmittedAnswers,
    /// The stratum came from an invitation: the stratum question is not asked.
    stratum_fixed: bool,
}

impl Session {
    /// The session of `response` with its answers as stored; an invited response's stratum
    /// answer is filled from its invitation, so the question is never asked.
    fn new(
        survey: Arc<StoredSurvey>,
        response: StoredResponse,
        invited: bool,
        req: &HttpRequest,
    ) -> Self {
        let mut answers: SubmittedAnswers =
            serde_json::from_str(&response.answers).unwrap_or_default();
        if invited {
            fill_fixed_stratum(
                &survey.definition,
                response.stratum.as_deref(),
                &mut answers,
            );
        }
        let localised = Localised::new(&survey.definition, req, response.language.as_deref());
        Session {
            survey,
            localised,
            response,
            answers,
            stratum_fixed: invited,
        }
    }

    /// The survey in this page's language.
    fn definition(&self) -> &SurveyDefinition {
        &self.localised.definition
    }

    fn ui(&self) -> &Ui {
        &self.localised.ui
    }

    fn words(&self) -> &Messages {
        self.localised.words()
    }

    /// The answers as checked values, for show_if and for display.
    fn checked(&self) -> BTreeMap<String, Answer> {
        self.definition()
            .questions()
            .filter_map(|q| {
                let value = self.answers.get(&q.id)?;
                answer_from_stored(q, value).map(|a| (q.id.clone(), a))
            })
            .collect()
    }

    /// The questions this respondent is asked, in order, given their answers so far.
    fn asked(&self) -> Vec<&Question> {
        let checked = self.checked();
        let stratum_question = self
            .definition()
            .stratification
            .as_ref()
            .map(|s| s.question.as_str());
        self.definition()
            .questions()
            .filter(|q| !(self.stratum_fixed && Some(q.id.as_str()) == stratum_question))
            .filter(|q| is_shown(q, &checked))
            .collect()
    }

    fn page_of(&self, question_id: &str) -> Option<&Page> {
        self.definition()
            .pages
            .iter()
            .find(|p| p.questions.iter().any(|q| q.id == question_id))
    }

    fn section_of(&self, question_id: &str) -> String {
        self.page_of(question_id)
            .map(|p| p.title.to_string())
            .unwrap_or_default()
    }

    /// The paragraphs of the page's introduction, on the screen of the first of its questions
    /// this respondent is asked (one question a screen: repeated on each, it would be noise);
    /// a first question hidden by `show_if`, or an invited respondent's stratum question,
    /// passes it on to the next one, so that no respondent misses it.
    fn introduction_above(&self, question_id: &str) -> Vec<String> {
        let Some(page) = self.page_of(question_id) else {
            return Vec::new();
        };
        let first_asked = self
            .asked()
            .into_iter()
            .find(|asked| page.questions.iter().any(|q| q.id == asked.id));
        if first_asked.is_some_and(|q| q.id == question_id) {
            paragraphs(page.description.as_ref())
        } else {
            Vec::new()
        }
    }

    /// Where to carry on: the first question asked but not answered, else the check page.
    fn resume_href(&self) -> String {
        let slug = &self.survey.definition.slug;
        self.asked()
            .into_iter()
            .find(|q| !self.answers.contains_key(&q.id))
            .map_or_else(
                || format!("/s/{slug}/check"),
                |q| format!("/s/{slug}/q/{}", q.id),
            )
    }
}

pub(super) async fn load_session(
    state: &AppState,
    req: &HttpRequest,
    slug: &str,
) -> Result<Session, PageError> {
    let start = PageError::Redirect(format!("/s/{slug}"));
    let Some(cookie) = req.cookie(&session_cookie_name(slug)) else {
        return Err(start);
    };
    let key_hash = hash(SESSION_PURPOSE, cookie.value());
    let slug_owned = slug.to_owned();
    let response = state
        .store_call(move |store| store.response_by_key(&slug_owned, &key_hash))
        .await?;
    let Some(response) = response else {
        return Err(start);
    };
    let survey = state
        .survey_version(slug, response.survey_version, response.survey_id)
        .await?;
    let invited = survey.definition.stratification.is_some()
        && response.stratum.is_some()
        && state.is_invited(response.id).await?;
    Ok(Session::new(survey, response, invited, req))
}
