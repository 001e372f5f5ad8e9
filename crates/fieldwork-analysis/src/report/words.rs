//! The language a report is built in: its own words (the `report-*` messages of fieldwork's
//! catalogues, `crates/fieldwork-survey/locales/*/report.ftl`) and, when a report is published
//! in several languages, where each page's counterparts in the others are.
//!
//! A site in several languages keeps the survey's default language at its root and each other
//! language in a folder of its own (`cy/`), every language a complete site with the same file
//! names, so a page's counterpart is the same path in the other folder.

use fieldwork_survey::{Arg, Messages};

/// One language of a report's site.
#[derive(Debug, Clone)]
pub struct ReportLanguage {
    pub words: Messages,
    /// This language's folder within the whole site: `""` (the root) or `"cy/"`.
    pub folder: String,
    /// Every language of the site as (code, folder), this one too; one entry for a site in one
    /// language, which then has no switcher.
    pub site: Vec<(String, String)>,
}

/// A link to the same page in another language.
#[derive(Debug, Clone)]
pub struct SwitchLink {
    pub href: String,
    pub code: String,
    /// The language's name in itself ("Cymraeg").
    pub name: String,
}

/// What the frame of every page needs: the language tag, the words, the switcher.
#[derive(Debug, Clone)]
pub struct PageUi<'a> {
    /// `<html lang>`: "en-GB", "cy".
    pub lang: String,
    pub words: &'a Messages,
    /// The current language's name, shown unlinked in the switcher.
    pub current_name: String,
    /// Empty for a report in one language.
    pub switcher: Vec<SwitchLink>,
}

impl PageUi<'_> {
    /// Message `id` of the report's catalogue (askama templates call this).
    pub fn t(&self, id: &str) -> String {
        self.words.get(id)
    }

    /// Message `id` with its one variable `name` (askama templates call this).
    pub fn t_with(&self, id: &str, name: &'static str, value: &str) -> String {
        self.words.with(id, &[(name, value.into())])
    }
}

impl ReportLanguage {
    /// A report in `code` alone, at the site's root.
    pub fn alone(code: &str) -> ReportLanguage {
        let words = Messages::new(code);
        ReportLanguage {
            site: vec![(words.code().to_owned(), String::new())],
            folder: String::new(),
            words,
        }
    }

    /// The languages of a site that has each of `codes`: the first at the root, each other in
    /// a folder named by its code.
    pub fn all(codes: &[&str]) -> Vec<ReportLanguage> {
        let site: Vec<(String, String)> = codes
            .iter()
            .enumerate()
            .map(|(i, code)| {
                let folder = if i == 0 {
                    String::new()
                } else {
                    format!("{code}/")
                };
                ((*code).to_owned(), folder)
            })
            .collect();
        site.iter()
            .map(|(code, folder)| ReportLanguage {
                words: Messages::new(code),
                folder: folder.clone(),
                site: site.clone(),
            })
            .collect()
    }

    pub fn code(&self) -> &str {
        self.words.code()
    }

    /// Message `id`.
    pub fn t(&self, id: &str) -> String {
        self.words.get(id)
    }

    /// Message `id` with its variables.
    pub fn with(&self, id: &str, args: &[(&'static str, Arg<'_>)]) -> String {
        self.words.with(id, args)
    }

    /// The frame of page `page` (a path within this language's folder).
    pub fn ui(&self, page: &str) -> PageUi<'_> {
        PageUi {
            lang: self.t("report-html-lang"),
            words: &self.words,
            current_name: self.words.language_name(),
            switcher: self.switcher(page),
        }
    }

    /// A link to `page` in each other language of the site, relative to `page` in this one.
    pub fn switcher(&self, page: &str) -> Vec<SwitchLink> {
        if self.site.len() < 2 {
            return Vec::new();
        }
        let up = "../".repeat(self.folder.matches('/').count() + page.matches('/').count());
        self.site
            .iter()
            .filter(|(_, folder)| *folder != self.folder)
            .map(|(code, folder)| SwitchLink {
                href: format!("{up}{folder}{page}"),
                code: code.clone(),
                name: Messages::new(code).language_name(),
            })
            .collect()
    }
}

/// The languages of a published report of `definition`, read back from what the store has:
/// its root page `index` (whose `<html lang>` says the root's language, which is not the
/// default one when the report was built `--language` alone) and its files' `paths` (a
/// folder `CODE/` with an `index.html` for each other language). For pages the server renders
/// itself beside the stored ones, such as the pledges page.
pub fn published_languages(
    definition: &fieldwork_survey::SurveyDefinition,
    index: &str,
    paths: &[String],
) -> Vec<ReportLanguage> {
    let root = html_lang(index)
        .and_then(language_of_tag)
        .filter(|code| definition.speaks(code))
        .unwrap_or_else(|| definition.default_language());
    let mut codes = vec![root];
    codes.extend(
        definition
            .languages()
            .into_iter()
            .filter(|code| *code != root && paths.contains(&format!("{code}/index.html"))),
    );
    ReportLanguage::all(&codes)
}

/// The catalogue language whose report pages declare `lang` (`report-html-lang`), as read back
/// from a stored page: "en-GB" is "en".
pub fn language_of_tag(lang: &str) -> Option<&'static str> {
    // `iter().copied()`: the same code whether the list is a `Vec` or a slice.
    fieldwork_survey::interface_languages()
        .iter()
        .copied()
        .find(|code| Messages::new(code).get("report-html-lang") == lang)
}

/// The `lang` of a page's `<html>` element.
pub fn html_lang(page: &str) -> Option<&str> {
    let start = page.find("<html lang=\"")? + "<html lang=\"".len();
    let end = page[start..].find('"')?;
    Some(&page[start..start + end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_page_links_to_itself_in_the_other_languages() {
        let languages = ReportLanguage::all(&["en", "cy"]);
        let english = &languages[0].switcher("q-sector.html");
        assert_eq!(english.len(), 1);
        assert_eq!(english[0].href, "cy/q-sector.html");
        assert_eq!(english[0].name, "Cymraeg");
        let welsh = &languages[1].switcher("index.html");
        assert_eq!(welsh[0].href, "../index.html");
        assert_eq!(welsh[0].code, "en");
        assert!(ReportLanguage::alone("cy")
            .switcher("index.html")
            .is_empty());
        assert_eq!(languages[1].ui("index.html").lang, "cy");
        assert_eq!(languages[0].ui("index.html").lang, "en-GB");
    }

    #[test]
    fn a_page_says_which_language_it_is_in() {
        assert_eq!(html_lang("<!DOCTYPE html>\n<html lang=\"cy\">"), Some("cy"));
        assert_eq!(language_of_tag("en-GB"), Some("en"));
        assert_eq!(language_of_tag("cy"), Some("cy"));
        assert_eq!(language_of_tag("fr"), None);
    }
}
