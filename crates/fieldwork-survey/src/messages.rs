//! fieldwork's own words (buttons, hints, error messages, headings), in every language it has
//! a message catalogue for.
//!
//! The catalogues are Project Fluent files, `locales/<language>/*.ftl`, compiled into the
//! binary: a translator edits them without touching code, and a language is added by adding
//! a folder (`docs/translating.md`). Fluent over gettext (`.po` files through `gettext-rs`
//! need the C library and a build step) and over `rust-i18n` (YAML, no grammar): Fluent's
//! selectors carry Welsh's six plural forms and its mutations inside the translation, where
//! the translator can see them. `fluent-templates` loads the files at compile time and
//! falls back to English for a message a catalogue lacks; a test keeps that from happening.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};

fluent_templates::static_loader! {
    static CATALOGUES = {
        locales: "./locales",
        fallback_language: "en",
        // No Unicode isolation marks around placeables: the pages' words are one direction,
        // and the marks would show up in CSV downloads and plain-text emails.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// The languages fieldwork's own words exist in (the catalogues' folders), English first.
pub fn interface_languages() -> Vec<&'static str> {
    let mut codes: Vec<&'static str> = ["en", "cy"]
        .into_iter()
        .filter(|code| {
            CATALOGUES
                .locales()
                .any(|l| l.to_string().as_str() == *code)
        })
        .collect();
    // Any catalogue added later, after the two the project keeps itself.
    for locale in CATALOGUES.locales() {
        let code = locale.to_string();
        if !codes.contains(&code.as_str()) {
            codes.push(Box::leak(code.into_boxed_str()));
        }
    }
    codes
}

/// A value for a message's variable.
#[derive(Debug, Clone)]
pub enum Arg<'a> {
    Text(Cow<'a, str>),
    /// A count, which picks the message's plural form.
    Count(u64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(text: &'a str) -> Self {
        Arg::Text(Cow::Borrowed(text))
    }
}

impl From<String> for Arg<'_> {
    fn from(text: String) -> Self {
        Arg::Text(Cow::Owned(text))
    }
}

impl From<u64> for Arg<'_> {
    fn from(count: u64) -> Self {
        Arg::Count(count)
    }
}

/// fieldwork's words in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Messages {
    code: String,
    language: LanguageIdentifier,
}

impl Messages {
    /// The words in `code`, or in English when fieldwork has no catalogue for it.
    pub fn new(code: &str) -> Messages {
        match code.parse::<LanguageIdentifier>() {
            Ok(language) if interface_languages().contains(&code) => Messages {
                code: code.to_owned(),
                language,
            },
            _ => Messages::english(),
        }
    }

    pub fn english() -> Messages {
        Messages {
            code: "en".to_owned(),
            language: fluent_templates::langid!("en"),
        }
    }

    /// The language's code, as `<html lang>` and definitions write it.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// Message `id` (an id no catalogue has comes back as itself, so a typo shows on the page
    /// rather than a blank; the catalogue test finds it first).
    pub fn get(&self, id: &str) -> String {
        CATALOGUES
            .try_lookup(&self.language, id)
            .unwrap_or_else(|| id.to_owned())
    }

    /// Message `id` with its variables.
    pub fn with(&self, id: &str, args: &[(&'static str, Arg<'_>)]) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue<'_>> = args
            .iter()
            .map(|(name, value)| {
                let value = match value {
                    Arg::Text(text) => FluentValue::from(text.as_ref()),
                    Arg::Count(count) => FluentValue::from(*count),
                };
                (Cow::Borrowed(*name), value)
            })
            .collect();
        CATALOGUES
            .try_lookup_with_args(&self.language, id, &args)
            .unwrap_or_else(|| id.to_owned())
    }

    /// A date as the pages write it: "3 December 2026", "3 Rhagfyr 2026".
    pub fn date(&self, year: i32, month: u32, day: u32) -> String {
        self.with(
            "date",
            &[
                ("day", day.to_string().into()),
                ("month", u64::from(month).into()),
                ("year", year.to_string().into()),
            ],
        )
    }

    /// The name of this language in itself ("Cymraeg"), for the language switcher.
    pub fn language_name(&self) -> String {
        self.get("language-name")
    }
}

/// The message ids and each message's variables, of the catalogue of `code`, read from the
/// catalogue's source: for the test that every language has every message.
pub fn catalogue_source_messages(source: &str) -> Vec<(String, Vec<String>)> {
    use fluent_templates::fluent_bundle::FluentResource;
    let resource = match FluentResource::try_new(source.to_owned()) {
        Ok(resource) => resource,
        Err((resource, _)) => resource,
    };
    resource
        .entries()
        .filter_map(|entry| match entry {
            fluent_syntax::ast::Entry::Message(message) => Some((
                message.id.name.to_owned(),
                message.value.as_ref().map(variables_of).unwrap_or_default(),
            )),
            _ => None,
        })
        .collect()
}

fn variables_of(pattern: &fluent_syntax::ast::Pattern<&str>) -> Vec<String> {
    use fluent_syntax::ast::{Expression, InlineExpression, PatternElement};
    fn inline(expression: &InlineExpression<&str>, found: &mut Vec<String>) {
        if let InlineExpression::VariableReference { id } = expression {
            found.push(id.name.to_owned());
        }
    }
    fn walk(pattern: &fluent_syntax::ast::Pattern<&str>, found: &mut Vec<String>) {
        for element in &pattern.elements {
            if let PatternElement::Placeable { expression } = element {
                match expression {
                    Expression::Inline(expression) => inline(expression, found),
                    Expression::Select { selector, variants } => {
                        inline(selector, found);
                        for variant in variants {
                            walk(&variant.value, found);
                        }
                    }
                }
            }
        }
    }
    let mut found = Vec::new();
    walk(pattern, &mut found);
    found.sort();
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_and_welsh_words_with_variables_and_dates() {
        let english = Messages::new("en");
        let welsh = Messages::new("cy");
        assert_eq!(english.get("continue"), "Continue");
        assert_eq!(welsh.get("continue"), "Parhau");
        assert_eq!(english.date(2026, 12, 3), "3 December 2026");
        assert_eq!(welsh.date(2026, 12, 3), "3 Rhagfyr 2026");
        assert_eq!(
            english.with("character-limit", &[("max", "500".into())]),
            "You can enter up to 500 characters"
        );
        assert_eq!(Messages::new("fr"), english, "no catalogue: English");
        assert_eq!(interface_languages()[..2], ["en", "cy"]);
    }
}
