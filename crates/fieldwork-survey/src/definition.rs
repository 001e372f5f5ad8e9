//! The typed survey definition.
//!
//! A [`SurveyDefinition`] can only be built by [`crate::parse_definition`], which checks
//! every rule in `docs/survey-format.md`; code that holds one may rely on those rules (ids are
//! unique, `show_if` only looks backwards, the frame matches the stratum question, ...).
//!
//! These types also generate the JSON Schema checked in at `docs/survey.schema.json`, and
//! serialise to the canonical JSON that the store keeps.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;

use crate::email::EmailSettings;
use crate::text::Text;
use crate::trust::{ConsentStatement, ParticipantInformation, PrivacyNotice};

/// A whole survey: metadata, pages of questions, and how it is stratified.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SurveyDefinition {
    /// URL-safe name, lower-case letters, digits and hyphens (`digital-leadership`).
    pub slug: String,
    pub title: Text,
    /// Whole number from 1; a new import of the same slug must carry a higher version.
    pub version: u32,
    /// The languages respondents may answer in, as ISO 639 codes (`["en", "cy"]`); the first is
    /// the default. Each respondent-facing string then gives its words in every one of them.
    /// Absent: the survey is in English only, and its strings are plain strings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
    /// Whether anyone with the survey's link may respond, not only invited respondents.
    #[serde(default)]
    pub allow_open_link: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stratification: Option<Stratification>,
    /// Shown before the first question, with the statements a respondent must agree to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participant_information: Option<ParticipantInformation>,
    /// Required before the survey can be opened; every respondent page links to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub privacy_notice: Option<PrivacyNotice>,
    pub pages: Vec<Page>,
    /// How invitations and reminders are emailed to the survey's contacts (`docs/email.md`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<EmailSettings>,
}

/// Which question holds the stratum, and the population of each stratum.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Stratification {
    /// Id of a required single-choice question whose option codes are the strata.
    pub question: String,
    pub frame: Frame,
}

/// The population frame. Either `population` inline, or `csv` naming a file (relative to the
/// definition) with columns `stratum,population,source`; import resolves a CSV to inline figures.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Frame {
    /// Population size per stratum code.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub population: BTreeMap<String, u64>,
    /// Where each figure comes from, and whether it is an estimate.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub sources: BTreeMap<String, String>,
    /// Path of a frame CSV, relative to the definition file. Absent once resolved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csv: Option<String>,
}

/// A section of the survey. The web form asks one question per screen and shows the
/// section's title above each.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Page {
    pub title: Text,
    /// A short introduction shown above the page's first question (on that screen only).
    /// Blank lines separate its paragraphs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
    pub questions: Vec<Question>,
}

/// A question: what every question has, and what its type adds.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Question {
    /// Stable id: a lower-case letter, then lower-case letters, digits or `_` (never `__`,
    /// which exports use between a question and an option); at most 32 characters so that it
    /// is a valid variable name in R, Stata and SPSS.
    pub id: String,
    pub text: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<Text>,
    /// What a respondent who left it unanswered is told to do, in the GOV.UK error-message
    /// style: "Select whether your organisation is being disrupted by digital". Without one,
    /// the message quotes the question. A grid names each unanswered statement instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<Text>,
    /// Whether a complete response must answer it (when it is shown). Default true.
    pub required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub show_if: Option<Condition>,
    /// Answers that could harm or identify the respondent (experience of hostility, free text
    /// about colleagues). Sensitive free text never appears in published outputs, and only in
    /// exports for researchers whose role allows it; the codebook carries the flag.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sensitive: bool,
    /// A free-text answer the respondent may choose to have published, such as a pledge: they
    /// are offered a separate, unticked choice to publish it. Never a sensitive question.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub publishable: bool,
    #[serde(flatten)]
    pub kind: QuestionKind,
}

/// The question types.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QuestionKind {
    /// Pick exactly one option (radios).
    SingleChoice { options: Vec<Choice> },
    /// Pick any number of options (checkboxes), within limits.
    MultiChoice {
        options: Vec<Choice>,
        #[serde(skip_serializing_if = "Option::is_none")]
        min_selections: Option<u32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        max_selections: Option<u32>,
    },
    /// An ordered scale, listed from the lowest (most negative) point to the highest.
    Likert {
        scale: Vec<Choice>,
        /// Answers outside the scale, such as "Don't know" or "Prefer not to say".
        #[serde(skip_serializing_if = "Vec::is_empty")]
        non_substantive: Vec<Choice>,
    },
    /// Several items answered on one shared scale.
    LikertGrid {
        items: Vec<GridItem>,
        scale: Vec<Choice>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        non_substantive: Vec<Choice>,
    },
    /// A number, whole or decimal, within optional bounds.
    Number {
        kind: NumberKind,
        #[serde(skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        unit: Option<Text>,
    },
    /// Free text.
    Text { format: TextFormat, max_length: u32 },
}

impl QuestionKind {
    /// The `type` name as written in definitions.
    pub fn type_name(&self) -> &'static str {
        match self {
            QuestionKind::SingleChoice { .. } => "single_choice",
            QuestionKind::MultiChoice { .. } => "multi_choice",
            QuestionKind::Likert { .. } => "likert",
            QuestionKind::LikertGrid { .. } => "likert_grid",
            QuestionKind::Number { .. } => "number",
            QuestionKind::Text { .. } => "text",
        }
    }
}

/// An answer option: a stable code (stored, exported) and the label respondents see.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Choice {
    pub code: String,
    pub label: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<Text>,
    /// In a multi-choice question: this option cannot be combined with others ("None of these").
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    #[serde(default)]
    pub exclusive: bool,
}

impl Choice {
    fn localise(&mut self, localise: &impl Fn(&mut Text)) {
        localise(&mut self.label);
        self.hint.iter_mut().for_each(localise);
    }
}

/// One row of a Likert grid.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct GridItem {
    pub id: String,
    pub text: Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NumberKind {
    Integer,
    Decimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TextFormat {
    /// One line (a text input).
    Short,
    /// Several lines (a textarea).
    Long,
}

/// When a question is shown, from answers to earlier questions. Exactly one form per object.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Condition {
    /// The earlier question's answer is this code (for multi-choice: this code is selected).
    Equals {
        question: String,
        equals: String,
    },
    /// The earlier question's answer is one of these codes (multi-choice: any is selected).
    OneOf {
        question: String,
        one_of: Vec<String>,
    },
    Not {
        not: Box<Condition>,
    },
    All {
        all: Vec<Condition>,
    },
    Any {
        any: Vec<Condition>,
    },
}

impl SurveyDefinition {
    /// Every question in form order.
    pub fn questions(&self) -> impl Iterator<Item = &Question> {
        self.pages.iter().flat_map(|page| page.questions.iter())
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions().find(|q| q.id == id)
    }

    /// The stratum codes with their labels, in the stratum question's order.
    pub fn strata(&self) -> Vec<&Choice> {
        let Some(stratification) = &self.stratification else {
            return Vec::new();
        };
        match self.question(&stratification.question).map(|q| &q.kind) {
            Some(QuestionKind::SingleChoice { options }) => options.iter().collect(),
            _ => Vec::new(),
        }
    }

    /// Why respondents cannot be let in yet, if they cannot: under UK GDPR no answer may be
    /// collected before people are told who holds their data and why, so a survey without a
    /// privacy notice is not opened (by `fieldwork survey open` or the admin pages).
    pub fn open_refusal(&self) -> Option<String> {
        self.privacy_notice.is_none().then(|| {
            format!(
                "`{}` has no privacy notice, and a survey cannot take answers without one: add \
                 `privacy_notice` to the definition (docs/survey-format.md, \"Privacy notice\") \
                 and import it as a new version",
                self.slug
            )
        })
    }

    /// The consent statements a respondent agrees to before starting (none without
    /// participant information), in the definition's order.
    pub fn consent_statements(&self) -> impl Iterator<Item = &ConsentStatement> {
        self.participant_information
            .iter()
            .flat_map(|info| &info.consent)
    }

    /// The words of consent statement `id` in `language`, as the respondent agreed to them;
    /// an id this version does not have (a consent given to another wording) is shown as it is.
    pub fn consent_statement_text(&self, id: &str, language: &str) -> String {
        self.consent_statements()
            .find(|s| s.id == id)
            .map_or_else(|| id.to_owned(), |s| s.text.get(language).to_owned())
    }

    /// The language respondents get unless they choose another: the first declared, or
    /// English for a definition that declares none.
    pub fn default_language(&self) -> &str {
        self.languages.first().map_or("en", String::as_str)
    }

    /// The languages respondents may answer in, the default first.
    pub fn languages(&self) -> Vec<&str> {
        if self.languages.is_empty() {
            vec!["en"]
        } else {
            self.languages.iter().map(String::as_str).collect()
        }
    }

    /// Whether respondents may answer in `language`.
    pub fn speaks(&self, language: &str) -> bool {
        self.languages().contains(&language)
    }

    /// The questions whose answer a respondent may choose to publish.
    pub fn publishable_questions(&self) -> impl Iterator<Item = &Question> {
        self.questions().filter(|q| q.publishable)
    }

    /// This definition as a survey in `language` alone: every respondent-facing string in that
    /// language's words, `languages` just that one. Researchers' outputs (exports, the
    /// codebook, reports) in a language are built from it; codes and ids do not change, so
    /// neither does any figure. A language the definition does not speak gives the default.
    pub fn in_language(&self, language: &str) -> SurveyDefinition {
        let language = if self.speaks(language) {
            language
        } else {
            self.default_language()
        };
        let mut single = self.clone();
        let localise = |text: &mut Text| *text = Text::Plain(text.get(language).to_owned());
        single.languages = if self.languages.is_empty() {
            Vec::new()
        } else {
            vec![language.to_owned()]
        };
        localise(&mut single.title);
        single.description.iter_mut().for_each(localise);
        if let Some(info) = &mut single.participant_information {
            localise(&mut info.version);
            localise(&mut info.text);
            info.consent.iter_mut().for_each(|s| localise(&mut s.text));
        }
        if let Some(notice) = &mut single.privacy_notice {
            notice.texts_mut().into_iter().for_each(localise);
        }
        for page in &mut single.pages {
            localise(&mut page.title);
            page.description.iter_mut().for_each(localise);
            for question in &mut page.questions {
                localise(&mut question.text);
                question.hint.iter_mut().for_each(localise);
                question.error_message.iter_mut().for_each(localise);
                match &mut question.kind {
                    QuestionKind::SingleChoice { options }
                    | QuestionKind::MultiChoice { options, .. } => {
                        options.iter_mut().for_each(|c| c.localise(&localise));
                    }
                    QuestionKind::Likert {
                        scale,
                        non_substantive,
                    } => scale
                        .iter_mut()
                        .chain(non_substantive)
                        .for_each(|c| c.localise(&localise)),
                    QuestionKind::LikertGrid {
                        items,
                        scale,
                        non_substantive,
                    } => {
                        items.iter_mut().for_each(|i| localise(&mut i.text));
                        scale
                            .iter_mut()
                            .chain(non_substantive)
                            .for_each(|c| c.localise(&localise));
                    }
                    QuestionKind::Number { unit, .. } => unit.iter_mut().for_each(localise),
                    QuestionKind::Text { .. } => {}
                }
            }
        }
        single
    }

    /// The canonical JSON of this definition, as the store keeps it.
    pub fn to_canonical_json(&self) -> String {
        // Serialising plain data with string keys cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

impl Question {
    /// The choices a respondent is offered, in the definition's order: a choice question's
    /// options; a Likert question's or grid's scale from lowest to highest, then its
    /// non-substantive points; nothing for numbers and free text.
    pub fn choices(&self) -> impl Iterator<Item = &Choice> {
        let (first, then): (&[Choice], &[Choice]) = match &self.kind {
            QuestionKind::SingleChoice { options } | QuestionKind::MultiChoice { options, .. } => {
                (options, &[])
            }
            QuestionKind::Likert {
                scale,
                non_substantive,
            }
            | QuestionKind::LikertGrid {
                scale,
                non_substantive,
                ..
            } => (scale, non_substantive),
            QuestionKind::Number { .. } | QuestionKind::Text { .. } => (&[], &[]),
        };
        first.iter().chain(then)
    }

    /// The codes of [`Question::choices`].
    pub fn offered_codes(&self) -> Vec<&str> {
        self.choices().map(|c| c.code.as_str()).collect()
    }

    /// Whether this question's answers are option codes that a `show_if` may test.
    pub fn is_choice(&self) -> bool {
        matches!(
            self.kind,
            QuestionKind::SingleChoice { .. }
                | QuestionKind::MultiChoice { .. }
                | QuestionKind::Likert { .. }
        )
    }

    pub fn is_sensitive(&self) -> bool {
        self.sensitive
    }
}

/// Fields the parser lets a definition leave out (they have defaults). The types above are the
/// canonical, stored form, where every field is present; the schema is for people writing
/// definitions, so these are taken out of every `required` list.
const OPTIONAL_IN_DEFINITIONS: [&str; 8] = [
    "allow_open_link",
    "required",
    "kind",
    "format",
    "max_length",
    "non_substantive",
    "population",
    "sources",
];

/// The JSON Schema of survey definitions as people write them, generated from these types.
pub fn definition_json_schema() -> serde_json::Value {
    fn relax(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::Array(required)) = map.get_mut("required") {
                    required.retain(|r| {
                        !r.as_str()
                            .is_some_and(|r| OPTIONAL_IN_DEFINITIONS.contains(&r))
                    });
                }
                map.values_mut().for_each(relax);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(relax),
            _ => {}
        }
    }
    let schema = schemars::schema_for!(SurveyDefinition);
    let mut value = serde_json::to_value(&schema).unwrap_or_default();
    relax(&mut value);
    if let Some(version) = value.pointer_mut("/properties/version") {
        version["minimum"] = serde_json::json!(1);
    }
    value
}
