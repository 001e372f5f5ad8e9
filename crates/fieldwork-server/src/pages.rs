//! HTML pages: the templates' data, and the one error type of the respondent pages.

use crate::problem::StoreFailure;
use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;
use fieldwork_store::StoreError;
use fieldwork_survey::{Answer, Messages, NumberKind, Question, QuestionKind, TextFormat};

use crate::language::Ui;

/// A link in the error summary, to the field with the problem.
#[derive(Debug, Clone)]
pub struct SummaryError {
    pub href: String,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct OptionView {
    pub id: String,
    pub value: String,
    pub label: String,
    pub hint: Option<String>,
    pub checked: bool,
    /// GOV.UK puts an "or" before a "None of these" or "Don't know" option.
    pub divider_before: bool,
}

#[derive(Debug, Clone)]
pub struct GridRowView {
    pub id: String,
    pub name: String,
    pub text: String,
    pub error: Option<String>,
    pub options: Vec<OptionView>,
}

/// One question as the form shows it.
#[derive(Debug, Clone)]
pub struct QuestionView {
    pub id: String,
    pub text: String,
    pub hint: Option<String>,
    pub optional: bool,
    pub error: Option<String>,
    /// radios, checkboxes, grid, number, text or textarea.
    pub kind: &'static str,
    pub options: Vec<OptionView>,
    pub rows: Vec<GridRowView>,
    pub value: String,
    pub unit: Option<String>,
    pub inputmode: &'static str,
    pub max_length: u32,
    /// "You can enter up to 500 characters", for long text.
    pub limit_message: String,
    pub described_by: String,
}

/// What the respondent entered, to show again: either a stored answer or the raw form values.
#[derive(Debug, Clone, Default)]
pub struct Entered {
    /// Selected codes (radios, checkboxes).
    pub codes: Vec<String>,
    /// Grid item id to code.
    pub grid: std::collections::BTreeMap<String, String>,
    /// Typed text (numbers and text).
    pub text: String,
}

impl Entered {
    pub fn from_answer(answer: Option<&Answer>) -> Self {
        let mut entered = Entered::default();
        match answer {
            Some(Answer::Choice(code)) => entered.codes.push(code.clone()),
            Some(Answer::Choices(codes)) => entered.codes.clone_from(codes),
            Some(Answer::Grid(grid)) => entered.grid.clone_from(grid),
            Some(Answer::Integer(n)) => entered.text = n.to_string(),
            Some(Answer::Decimal(x)) => entered.text = x.to_string(),
            Some(Answer::Text(text)) => entered.text.clone_from(text),
            None => {}
        }
        entered
    }
}

/// The radios or checkboxes of `choices` for the field `name`; the last `non_substantive`
/// ("Don't know", ...) and any exclusive choice stand apart behind a divider.
fn option_views(
    name: &str,
    choices: &[&fieldwork_survey::Choice],
    non_substantive: usize,
    chosen: &dyn Fn(&str) -> bool,
) -> Vec<OptionView> {
    let first_non_substantive = choices.len() - non_substantive;
    choices
        .iter()
        .enumerate()
        .map(|(i, c)| OptionView {
            // The first input carries the field's own id, so error links land on it.
            id: if i == 0 {
                name.to_owned()
            } else {
                format!("{name}-{}", i + 1)
            },
            value: c.code.clone(),
            label: c.label.to_string(),
            hint: c.hint.as_ref().map(ToString::to_string),
            checked: chosen(&c.code),
            divider_before: (c.exclusive && i > 0)
                || (non_substantive > 0 && i == first_non_substantive && i > 0),
        })
        .collect()
}

/// Build the view of `question` (of a definition in the page's language) with what was
/// entered and the errors (question-level, and per grid item).
pub fn question_view(
    words: &Messages,
    question: &Question,
    entered: &Entered,
    error: Option<String>,
    item_errors: &std::collections::BTreeMap<String, String>,
) -> QuestionView {
    let mut described_by = Vec::new();
    if question.hint.is_some() {
        described_by.push(format!("{}-hint", question.id));
    }
    if error.is_some() {
        described_by.push(format!("{}-error", question.id));
    }
    let mut view = QuestionView {
        id: question.id.clone(),
        text: question.text.to_string(),
        hint: question.hint.as_ref().map(ToString::to_string),
        optional: !question.required,
        error,
        kind: "radios",
        options: Vec::new(),
        rows: Vec::new(),
        value: entered.text.clone(),
        unit: None,
        inputmode: "numeric",
        max_length: 0,
        limit_message: String::new(),
        described_by: String::new(),
    };
    let selected = |code: &str| entered.codes.iter().any(|c| c == code);
    match &question.kind {
        QuestionKind::SingleChoice { options } => {
            let choices: Vec<_> = options.iter().collect();
            view.options = option_views(&question.id, &choices, 0, &selected);
        }
        QuestionKind::MultiChoice { options, .. } => {
            view.kind = "checkboxes";
            let choices: Vec<_> = options.iter().collect();
            view.options = option_views(&question.id, &choices, 0, &selected);
        }
        QuestionKind::Likert {
            scale,
            non_substantive,
        } => {
            let choices: Vec<_> = scale.iter().chain(non_substantive).collect();
            view.options = option_views(&question.id, &choices, non_substantive.len(), &selected);
        }
        QuestionKind::LikertGrid {
            items,
            scale,
            non_substantive,
        } => {
            view.kind = "grid";
            let choices: Vec<_> = scale.iter().chain(non_substantive).collect();
            view.rows = items
                .iter()
                .map(|item| {
                    let name = format!("{}.{}", question.id, item.id);
                    let id = format!("{}-{}", question.id, item.id);
                    let chosen = |code: &str| entered.grid.get(&item.id).is_some_and(|c| c == code);
                    GridRowView {
                        options: option_views(&id, &choices, non_substantive.len(), &chosen),
                        id,
                        name,
                        text: item.text.to_string(),
                        error: item_errors.get(&item.id).cloned(),
                    }
                })
                .collect();
        }
        QuestionKind::Number { kind, unit, .. } => {
            view.kind = "number";
            view.unit = unit.as_ref().map(ToString::to_string);
            view.inputmode = match kind {
                NumberKind::Integer => "numeric",
                NumberKind::Decimal => "decimal",
            };
        }
        QuestionKind::Text { format, max_length } => {
            view.kind = match format {
                TextFormat::Short => "text",
                TextFormat::Long => "textarea",
            };
            view.max_length = *max_length;
            view.limit_message =
                words.with("character-limit", &[("max", u64::from(*max_length).into())]);
            if *format == TextFormat::Long {
                described_by.push(format!("{}-limit", question.id));
            }
        }
    }
    view.described_by = described_by.join(" ");
    view
}

/// The answer as the check-your-answers page shows it, one line per entry (`question` of a
/// definition in the page's language).
pub fn answer_lines(words: &Messages, question: &Question, answer: Option<&Answer>) -> Vec<String> {
    let label = |code: &str| -> String {
        question
            .choices()
            .find(|c| c.code == code)
            .map_or_else(|| code.to_owned(), |c| c.label.to_string())
    };
    match answer {
        None => vec![words.get("not-answered")],
        Some(Answer::Choice(code)) => vec![label(code)],
        Some(Answer::Choices(codes)) => codes.iter().map(|c| label(c)).collect(),
        Some(Answer::Grid(grid)) => match &question.kind {
            QuestionKind::LikertGrid { items, .. } => items
                .iter()
                .map(|item| {
                    let answer = grid
                        .get(&item.id)
                        .map_or_else(|| words.get("not-answered"), |c| label(c));
                    format!("{}: {}", item.text, answer)
                })
                .collect(),
            _ => Vec::new(),
        },
        Some(Answer::Integer(n)) => vec![with_unit(question, &n.to_string())],
        Some(Answer::Decimal(x)) => vec![with_unit(question, &x.to_string())],
        Some(Answer::Text(text)) => text.lines().map(str::to_owned).collect(),
    }
}

fn with_unit(question: &Question, number: &str) -> String {
    match &question.kind {
        QuestionKind::Number {
            unit: Some(unit), ..
        } => format!("{number} {unit}"),
        _ => number.to_owned(),
    }
}

#[derive(Debug, Clone)]
pub struct Link {
    pub href: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub ui: Ui,
    pub service_name: String,
    pub has_errors: bool,
    /// The survey's privacy notice, linked from the footer of every page.
    pub privacy_href: Option<String>,
    pub heading: String,
    pub paragraphs: Vec<String>,
    pub link: Option<Link>,
}

/// A respondent page that could not be served as asked: each becomes a clear page with the
/// right status, never a stack trace or SQL.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("page not found")]
    NotFound,
    #[error("redirect to {0}")]
    Redirect(String),
    #[error("{heading}")]
    Message {
        status: StatusCode,
        heading: String,
        paragraphs: Vec<String>,
        /// The survey's privacy notice, for a page about a survey that has one.
        privacy_href: Option<String>,
        /// The language the heading and paragraphs are in (`None`: the request's).
        lang: Option<String>,
    },
    #[error("the form was not sent from this site")]
    Csrf,
    #[error("too large")]
    TooLarge,
    #[error("too many requests")]
    RateLimited,
    #[error("unavailable")]
    Unavailable,
    /// The database's storage refused a write; nothing of it was saved.
    #[error("storage: {0}")]
    Storage(fieldwork_store::StorageFault),
    #[error("internal error")]
    Internal,
}

impl PageError {
    pub fn message(status: StatusCode, heading: &str, paragraphs: &[&str]) -> Self {
        PageError::Message {
            status,
            heading: heading.to_owned(),
            paragraphs: paragraphs.iter().map(|p| (*p).to_owned()).collect(),
            privacy_href: None,
            lang: None,
        }
    }

    /// This page, its words being in `language`.
    pub fn in_language(mut self, language: &str) -> Self {
        if let PageError::Message { lang, .. } = &mut self {
            *lang = Some(language.to_owned());
        }
        self
    }

    /// This page, linking to a survey's privacy notice (`None`: the survey has none).
    pub fn with_privacy(mut self, href: Option<String>) -> Self {
        if let PageError::Message { privacy_href, .. } = &mut self {
            *privacy_href = href;
        }
        self
    }
}

impl From<StoreError> for PageError {
    fn from(error: StoreError) -> Self {
        match StoreFailure::from(error) {
            StoreFailure::SurveyNotFound(_) => PageError::NotFound,
            StoreFailure::SurveyClosed(_) => {
                let words = Ui::interface().words;
                PageError::message(
                    StatusCode::CONFLICT,
                    &words.get("survey-closed-while-answering-title"),
                    &[&words.get("survey-closed-while-answering-body")],
                )
            }
            StoreFailure::Storage(fault) => PageError::Storage(fault),
            StoreFailure::Unavailable => PageError::Unavailable,
            StoreFailure::Internal => PageError::Internal,
        }
    }
}

impl From<askama::Error> for PageError {
    fn from(error: askama::Error) -> Self {
        tracing::error!(error = %error, "template error");
        PageError::Internal
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::NotFound => StatusCode::NOT_FOUND,
            PageError::Redirect(_) => StatusCode::SEE_OTHER,
            PageError::Message { status, .. } => *status,
            PageError::Csrf => StatusCode::FORBIDDEN,
            PageError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            PageError::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            PageError::Unavailable | PageError::Storage(_) => StatusCode::SERVICE_UNAVAILABLE,
            PageError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let PageError::Redirect(to) = self {
            return HttpResponse::SeeOther()
                .insert_header(("Location", to.as_str()))
                .finish();
        }
        let ui = match self {
            PageError::Message {
                lang: Some(lang), ..
            } => Ui::new(lang, &[], "/"),
            _ => Ui::interface(),
        };
        let said = |heading: &str, paragraphs: &[&str]| {
            (
                ui.t(heading),
                paragraphs.iter().map(|p| ui.t(p)).collect::<Vec<_>>(),
            )
        };
        let (heading, paragraphs): (String, Vec<String>) = match self {
            PageError::NotFound => said("not-found-title", &["not-found-body"]),
            PageError::Message {
                heading,
                paragraphs,
                ..
            } => (heading.clone(), paragraphs.clone()),
            PageError::Csrf => said("csrf-title", &["csrf-body"]),
            PageError::TooLarge => said("too-large-title", &["too-large-body"]),
            PageError::RateLimited => said("rate-limited-title", &["rate-limited-body"]),
            PageError::Unavailable => said("unavailable-title", &["unavailable-body"]),
            PageError::Storage(fault) => (
                ui.t("unavailable-title"),
                vec![
                    ui.words.with(
                        "storage-not-saved",
                        &[("reason", ui.t(storage_reason(*fault)).into())],
                    ),
                    ui.t("storage-try-again"),
                ],
            ),
            PageError::Internal | PageError::Redirect(_) => {
                said("internal-title", &["internal-body"])
            }
        };
        let privacy_href = match self {
            PageError::Message { privacy_href, .. } => privacy_href.clone(),
            _ => None,
        };
        let page = MessagePage {
            ui,
            service_name: "fieldwork".into(),
            has_errors: false,
            privacy_href,
            heading: heading.clone(),
            paragraphs,
            link: None,
        };
        let mut response = HttpResponse::build(self.status_code());
        if matches!(
            self,
            PageError::RateLimited | PageError::Unavailable | PageError::Storage(_)
        ) {
            response.insert_header(("Retry-After", "60"));
        }
        match page.render() {
            Ok(html) => response.content_type("text/html; charset=utf-8").body(html),
            Err(_) => response
                .content_type("text/plain; charset=utf-8")
                .body(heading),
        }
    }
}

/// Why the storage refused, in a respondent's words: the id of the message saying it.
pub fn storage_reason(fault: fieldwork_store::StorageFault) -> &'static str {
    match fault {
        fieldwork_store::StorageFault::Full => "storage-full",
        fieldwork_store::StorageFault::ReadOnly | fieldwork_store::StorageFault::Io => {
            "storage-unavailable"
        }
    }
}

/// A rendered page with the given status.
pub fn html(status: StatusCode, page: &impl Template) -> Result<HttpResponse, PageError> {
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(page.render()?))
}

/// A rendered page that also sets the CSRF cookie when this visit was the one to issue it
/// ([`crate::csrf::csrf_token`]).
pub fn html_with_cookie(
    status: StatusCode,
    page: &impl Template,
    cookie: Option<Cookie<'static>>,
) -> Result<HttpResponse, PageError> {
    with_cookies(html(status, page)?, cookie)
}

/// `response` setting (or, for a removal cookie, clearing) `cookies`.
pub fn with_cookies(
    mut response: HttpResponse,
    cookies: impl IntoIterator<Item = Cookie<'static>>,
) -> Result<HttpResponse, PageError> {
    for cookie in cookies {
        response
            .add_cookie(&cookie)
            .map_err(|_| PageError::Internal)?;
    }
    Ok(response)
}
