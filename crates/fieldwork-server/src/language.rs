//! Which language a respondent's pages are in, and the GOV.UK language switcher.
//!
//! A respondent's wish is, in order: the switcher's `?lang=` on this request, the language
//! cookie the switcher set before, the language of their invitation or of the response they
//! started, their browser's `Accept-Language`; a page is in the first of those its survey
//! speaks, or in the survey's default language. fieldwork's own pages (an unknown address,
//! a refused form) use the same wish against the languages fieldwork has words in.

use std::future::Future;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::HttpRequest;
use fieldwork_survey::{interface_languages, Messages, SurveyDefinition};

/// The cookie that keeps the switcher's choice from page to page (and across surveys).
pub const LANGUAGE_COOKIE: &str = "fieldwork_lang";

tokio::task_local! {
    /// The wish of the request being served, for pages made without one at hand (the error
    /// pages `PageError` renders from any extractor or handler).
    static WISH: LanguageWish;
}

/// What a request asks for, most explicit first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LanguageWish {
    /// `?lang=` from the switcher.
    chosen: Option<String>,
    /// The switcher's earlier choice.
    remembered: Option<String>,
    /// The browser's languages, most preferred first (primary subtags: `cy-GB` is `cy`).
    accepted: Vec<String>,
}

impl LanguageWish {
    pub fn of(req: &HttpRequest) -> Self {
        let chosen = web_query_lang(req.query_string());
        let remembered = req.cookie(LANGUAGE_COOKIE).map(|c| c.value().to_owned());
        let accepted = req
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map(accepted_languages)
            .unwrap_or_default();
        LanguageWish {
            chosen,
            remembered,
            accepted,
        }
    }

    /// The language of a page of `definition`: the first wish it speaks, with `started` (the
    /// invitation's or the response's language) after the switcher's choices.
    pub fn choose(&self, definition: &SurveyDefinition, started: Option<&str>) -> String {
        let spoken = definition.languages();
        self.ordered(started)
            .find(|code| spoken.contains(code))
            .unwrap_or_else(|| definition.default_language())
            .to_owned()
    }

    /// The language of fieldwork's own pages: the first wish it has words in, else English.
    pub fn for_interface(&self) -> String {
        let known = interface_languages();
        self.ordered(None)
            .find(|code| known.contains(code))
            .unwrap_or("en")
            .to_owned()
    }

    fn ordered<'a>(&'a self, started: Option<&'a str>) -> impl Iterator<Item = &'a str> {
        self.chosen
            .as_deref()
            .into_iter()
            .chain(self.remembered.as_deref())
            .chain(started)
            .chain(self.accepted.iter().map(String::as_str))
    }

    /// The wish of the request being served (none outside one).
    pub fn current() -> LanguageWish {
        WISH.try_with(Clone::clone).unwrap_or_default()
    }

    /// Run `serve` with this wish as [`LanguageWish::current`].
    pub fn scope<F: Future>(self, serve: F) -> impl Future<Output = F::Output> {
        WISH.scope(self, serve)
    }

    /// The cookie remembering the switcher's choice, when this request made one fieldwork
    /// has words for.
    pub fn cookie_to_set(&self, secure: bool) -> Option<Cookie<'static>> {
        let chosen = self.chosen.as_deref()?;
        if !interface_languages().contains(&chosen) || self.remembered.as_deref() == Some(chosen) {
            return None;
        }
        Some(
            Cookie::build(LANGUAGE_COOKIE, chosen.to_owned())
                .path("/")
                .http_only(true)
                .secure(secure)
                .same_site(SameSite::Lax)
                .max_age(actix_web::cookie::time::Duration::days(365))
                .finish(),
        )
    }
}

/// `lang` from a query string (`?lang=cy`), when it looks like a language code.
fn web_query_lang(query: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == "lang")
        .map(|(_, value)| value.into_owned())
        .filter(|code| fieldwork_survey::is_language_code(code))
}

/// The languages of an `Accept-Language` header by preference (RFC 9110 §12.5.4), reduced to
/// their primary subtags; `*` and refused (`q=0`) ones left out.
fn accepted_languages(header: &str) -> Vec<String> {
    let mut weighted: Vec<(f32, usize, String)> = header
        .split(',')
        .take(32)
        .enumerate()
        .filter_map(|(i, part)| {
            let mut pieces = part.split(';');
            let tag = pieces.next()?.trim();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
            let primary = tag.split('-').next()?.to_ascii_lowercase();
            (q > 0.0 && primary != "*" && fieldwork_survey::is_language_code(&primary))
                .then_some((q, i, primary))
        })
        .collect();
    weighted.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut codes: Vec<String> = Vec::new();
    for (_, _, code) in weighted {
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    codes
}

/// One link of the language switcher: another language the page is available in.
#[derive(Debug, Clone)]
pub struct SwitchLink {
    pub href: String,
    /// The language's name in itself ("Cymraeg").
    pub name: String,
    pub code: String,
}

/// The page's language, fieldwork's words in it, and the switcher to the survey's others.
#[derive(Debug, Clone)]
pub struct Ui {
    pub lang: String,
    pub words: Messages,
    /// The current language's name, shown unlinked in the switcher.
    pub current_name: String,
    /// Empty for a page in one language only.
    pub switcher: Vec<SwitchLink>,
}

impl Ui {
    /// A page of a survey speaking `languages`, shown in `lang`, whose switcher links to
    /// `here` (a page a GET can show).
    pub fn new(lang: &str, languages: &[&str], here: &str) -> Ui {
        let words = Messages::new(lang);
        let switcher = if languages.len() > 1 {
            languages
                .iter()
                .filter(|code| **code != lang)
                .map(|code| SwitchLink {
                    href: format!("{here}?lang={code}"),
                    name: Messages::new(code).language_name(),
                    code: (*code).to_owned(),
                })
                .collect()
        } else {
            Vec::new()
        };
        Ui {
            lang: lang.to_owned(),
            current_name: words.language_name(),
            words,
            switcher,
        }
    }

    /// fieldwork's own pages, in the language of the request being served.
    pub fn interface() -> Ui {
        Ui::new(&LanguageWish::current().for_interface(), &[], "/")
    }

    /// Message `id` in the page's language.
    pub fn t(&self, id: &str) -> String {
        self.words.get(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_is_read_by_preference_and_reduced_to_primary_subtags() {
        assert_eq!(
            accepted_languages("en-GB;q=0.8, cy-GB, cy;q=0.9, fr;q=0, *;q=0.1"),
            vec!["cy", "en"]
        );
        assert_eq!(accepted_languages("nonsense;q=x, 12"), Vec::<String>::new());
    }

    #[test]
    fn the_switcher_beats_the_cookie_which_beats_the_invitation_and_the_browser() {
        let wish = LanguageWish {
            chosen: None,
            remembered: Some("en".into()),
            accepted: vec!["cy".into()],
        };
        let ordered: Vec<&str> = wish.ordered(Some("cy")).collect();
        assert_eq!(ordered, ["en", "cy", "cy"]);
        assert_eq!(web_query_lang("change=1&lang=cy"), Some("cy".into()));
        assert_eq!(web_query_lang("lang=<script>"), None);
    }
}
