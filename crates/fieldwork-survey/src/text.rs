//! Words a respondent reads, in each of the survey's languages.
//!
//! A definition in one language writes its strings as JSON strings, exactly as before
//! languages existed; a definition that declares `languages` writes each respondent-facing
//! string as an object with one entry per language (`{"en": "Yes", "cy": "Ydy"}`). The
//! checker makes sure every declared language has its words, so a [`Text`] in a checked
//! definition never lacks one.

use std::borrow::Cow;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};

/// A respondent-facing string: one string, or one per language in the definition's order
/// (the first is the default language's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Text {
    /// The string of a single-language definition.
    Plain(String),
    /// Language code and words, in the order of the definition's `languages`.
    Translated(Vec<(String, String)>),
}

impl Text {
    /// The words in the default language (the only ones, in a single-language definition).
    pub fn primary(&self) -> &str {
        match self {
            Text::Plain(text) => text,
            Text::Translated(texts) => texts.first().map_or("", |(_, text)| text),
        }
    }

    /// [`Text::primary`], for code that handles one language's definition
    /// ([`crate::SurveyDefinition::in_language`]).
    pub fn as_str(&self) -> &str {
        self.primary()
    }

    /// The words in `language`, or in the default language when these have none in it (a
    /// checked definition has every declared language; a single-language one has no codes).
    pub fn get(&self, language: &str) -> &str {
        match self {
            Text::Plain(text) => text,
            Text::Translated(texts) => texts
                .iter()
                .find(|(code, _)| code == language)
                .map_or_else(|| self.primary(), |(_, text)| text),
        }
    }

    /// Every language's words, with the language's code (`None` for a plain string).
    pub fn variants(&self) -> Vec<(Option<&str>, &str)> {
        match self {
            Text::Plain(text) => vec![(None, text.as_str())],
            Text::Translated(texts) => texts
                .iter()
                .map(|(code, text)| (Some(code.as_str()), text.as_str()))
                .collect(),
        }
    }

    /// The same words with `edit` applied in every language.
    pub fn map(&self, edit: impl Fn(&str) -> String) -> Text {
        match self {
            Text::Plain(text) => Text::Plain(edit(text)),
            Text::Translated(texts) => Text::Translated(
                texts
                    .iter()
                    .map(|(code, text)| (code.clone(), edit(text)))
                    .collect(),
            ),
        }
    }
}

/// The default language's words: what researchers' outputs (exports, the codebook, reports)
/// show for a definition they have put in one language with
/// [`crate::SurveyDefinition::in_language`].
impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.primary())
    }
}

impl Default for Text {
    fn default() -> Self {
        Text::Plain(String::new())
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Self {
        Text::Plain(text.to_owned())
    }
}

impl From<String> for Text {
    fn from(text: String) -> Self {
        Text::Plain(text)
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Text::Plain(text) => serializer.serialize_str(text),
            Text::Translated(texts) => {
                // In the definition's language order, not sorted: the first is the default.
                let mut map = serializer.serialize_map(Some(texts.len()))?;
                for (code, text) in texts {
                    map.serialize_entry(code, text)?;
                }
                map.end()
            }
        }
    }
}

impl JsonSchema for Text {
    fn schema_name() -> Cow<'static, str> {
        "Text".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Words a respondent reads: a string in a single-language survey, or \
                an object giving the words in each of the survey's `languages` \
                (`{\"en\": \"Yes\", \"cy\": \"Ydy\"}`).",
            "anyOf": [
                { "type": "string" },
                {
                    "type": "object",
                    "additionalProperties": { "type": "string" },
                    "minProperties": 1
                }
            ]
        })
    }
}

/// A string as written in a definition, before the checker knows the survey's languages.
#[derive(Debug, Clone)]
pub(crate) enum RawText {
    Plain(String),
    /// Language code and words in the order written (serde's maps would sort them, or keep
    /// only the last of a repeated code).
    ByLanguage(Vec<(String, String)>),
}

impl<'de> Deserialize<'de> for RawText {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RawText;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string, or an object of language code to string")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<RawText, E> {
                Ok(RawText::Plain(text.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, text: String) -> Result<RawText, E> {
                Ok(RawText::Plain(text))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<RawText, A::Error> {
                let mut texts = Vec::new();
                while let Some(entry) = map.next_entry::<String, String>()? {
                    texts.push(entry);
                }
                Ok(RawText::ByLanguage(texts))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl RawText {
    /// Whether every variant is blank.
    pub(crate) fn is_blank(&self) -> bool {
        match self {
            RawText::Plain(text) => text.trim().is_empty(),
            RawText::ByLanguage(texts) => texts.iter().all(|(_, text)| text.trim().is_empty()),
        }
    }
}

/// A language code as definitions and the message catalogues write it: two or three
/// lower-case letters (ISO 639), optionally a region (`en-GB`).
pub fn is_language_code(code: &str) -> bool {
    let (language, region) = match code.split_once('-') {
        Some((language, region)) => (language, Some(region)),
        None => (code, None),
    };
    (2..=3).contains(&language.len())
        && language.bytes().all(|b| b.is_ascii_lowercase())
        && region.is_none_or(|r| r.len() == 2 && r.bytes().all(|b| b.is_ascii_uppercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_text_is_the_same_in_every_language_and_a_translated_one_falls_back_to_the_first() {
        let plain = Text::from("Yes");
        assert_eq!((plain.primary(), plain.get("cy")), ("Yes", "Yes"));
        let both = Text::Translated(vec![
            ("en".into(), "Yes".into()),
            ("cy".into(), "Ie".into()),
        ]);
        assert_eq!(
            (both.primary(), both.get("cy"), both.get("fr")),
            ("Yes", "Ie", "Yes")
        );
        assert_eq!(
            serde_json::to_string(&both).unwrap(),
            r#"{"en":"Yes","cy":"Ie"}"#
        );
        assert_eq!(serde_json::to_string(&plain).unwrap(), r#""Yes""#);
    }

    #[test]
    fn language_codes_are_iso_639_with_an_optional_region() {
        for good in ["en", "cy", "gd", "fil", "en-GB"] {
            assert!(is_language_code(good), "{good}");
        }
        for bad in ["", "e", "EN", "english", "en-gb", "en_GB", "cy-", "c1"] {
            assert!(!is_language_code(bad), "{bad}");
        }
    }
}
