//! The checks: `Checker` builds the typed model from the permissive one, collecting each
//! broken rule with its JSON path.

use std::collections::{BTreeSet, HashMap};

use super::is_identifier;
use super::join_path;
use super::path_or_root;
use super::raw::RawPage;
use super::raw::RawQuestion;
use super::raw::RawSurvey;
use super::DEFAULT_LONG_TEXT_MAX;
use super::DEFAULT_SHORT_TEXT_MAX;
use super::MAX_ID_LEN;
use crate::definition::{NumberKind, Page, Question, QuestionKind, SurveyDefinition, TextFormat};
use crate::is_slug;
use crate::text::{is_language_code, RawText, Text};
use crate::DefinitionProblem;
use crate::TEXT_ANSWER_HARD_MAX;

/// What an earlier question offers to a `show_if`: its type and its option codes.
pub(super) struct EarlierQuestion {
    /// Its type was unusable (already reported): conditions on it are not checked further.
    pub(super) broken: bool,
    pub(super) type_name: &'static str,
    pub(super) choice: bool,
    pub(super) codes: BTreeSet<String>,
}

#[derive(Default)]
pub(super) struct Checker {
    pub(super) problems: Vec<DefinitionProblem>,
    /// The survey's declared languages, the default first (empty: a single-language survey).
    pub(super) languages: Vec<String>,
}

impl Checker {
    pub(super) fn problem(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(DefinitionProblem {
            path: path.into(),
            message: message.into(),
        });
    }

    /// A string that is not words for respondents (an id): present and not blank.
    pub(super) fn required_string(
        &mut self,
        value: Option<String>,
        path: &str,
        field: &str,
    ) -> String {
        match value {
            Some(text) if !text.trim().is_empty() => text,
            Some(_) => {
                self.problem(
                    join_path(path, field),
                    format!("`{field}` must not be empty"),
                );
                String::new()
            }
            None => {
                self.problem(path_or_root(path), format!("missing field `{field}`"));
                String::new()
            }
        }
    }

    /// Words for respondents that must be there, in every language of the survey.
    pub(super) fn required_text(
        &mut self,
        value: Option<RawText>,
        path: &str,
        field: &str,
    ) -> Text {
        match value {
            Some(text) => self.text(text, &join_path(path, field), field),
            None => {
                self.problem(path_or_root(path), format!("missing field `{field}`"));
                Text::Plain(String::new())
            }
        }
    }

    /// Words for respondents that may be left out; given, they must be there in every
    /// language of the survey.
    pub(super) fn optional_text(
        &mut self,
        value: Option<RawText>,
        path: &str,
        field: &str,
    ) -> Option<Text> {
        value.map(|text| self.text(text, &join_path(path, field), field))
    }

    /// Checks one respondent-facing string against the survey's languages: a plain string in
    /// a single-language survey, or the words in each declared language (and no other).
    fn text(&mut self, raw: RawText, path: &str, field: &str) -> Text {
        if raw.is_blank() {
            self.problem(path, format!("`{field}` must not be empty"));
        }
        let texts = match raw {
            RawText::Plain(text) if self.languages.len() <= 1 => return Text::Plain(text),
            RawText::Plain(text) => {
                let default = self.languages[0].clone();
                let others = &self.languages[1..];
                let missing = others
                    .iter()
                    .map(|l| format!("`{l}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let message = format!("missing in {missing}: the survey's languages are {}, so write `{field}` as an object of each language's words, such as {{\"{default}\": \"...\", \"{}\": \"...\"}}", self.languages.join(", "), others[0]);
                self.problem(path, message);
                return Text::Translated(vec![(default, text)]);
            }
            RawText::ByLanguage(texts) => texts,
        };
        if self.languages.is_empty() {
            self.problem(
                path,
                format!("`{field}` gives words by language, but the survey declares no `languages`: add `\"languages\": [...]` listing them, the default first"),
            );
            return Text::Translated(texts);
        }
        let mut seen = BTreeSet::new();
        for (code, text) in &texts {
            if !self.languages.contains(code) {
                self.problem(
                    format!("{path}.{code}"),
                    format!(
                        "`{code}` is not one of the survey's languages ({})",
                        self.languages.join(", ")
                    ),
                );
            } else if !seen.insert(code.clone()) {
                self.problem(format!("{path}.{code}"), format!("`{code}` is given twice"));
            } else if text.trim().is_empty() {
                self.problem(
                    format!("{path}.{code}"),
                    format!("the `{code}` words must not be empty"),
                );
            }
        }
        let ordered: Vec<(String, String)> = self
            .languages
            .iter()
            .filter_map(|language| {
                let found = texts.iter().find(|(code, _)| code == language);
                if found.is_none() {
                    self.problems.push(DefinitionProblem {
                        path: format!("{path}.{language}"),
                        message: format!("missing in `{language}`"),
                    });
                }
                found.cloned()
            })
            .collect();
        Text::Translated(ordered)
    }

    /// The declared languages: ISO 639 codes, each once; remembered for checking every string.
    fn languages(&mut self, raw: Option<Vec<String>>) -> Vec<String> {
        let languages = raw.unwrap_or_default();
        if languages.is_empty() {
            return languages;
        }
        let catalogued = crate::messages::interface_languages();
        let mut seen = BTreeSet::new();
        for (i, code) in languages.iter().enumerate() {
            let path = format!("languages[{i}]");
            if !is_language_code(code) {
                self.problem(path, format!("`{code}` is not a language code: use the ISO 639 code, such as `en` or `cy`"));
            } else if !seen.insert(code.as_str()) {
                self.problem(path, format!("`{code}` is listed twice"));
            } else if !catalogued.contains(&code.as_str()) {
                self.problem(path, format!("fieldwork's own words are not yet translated into `{code}` (it has {}): add a catalogue `crates/fieldwork-survey/locales/{code}/fieldwork.ftl` (docs/translating.md)", catalogued.join(", ")));
            }
        }
        languages
    }

    pub(super) fn survey(&mut self, raw: RawSurvey) -> SurveyDefinition {
        let slug = match raw.slug {
            Some(slug) if is_slug(&slug) => slug,
            Some(slug) => {
                self.problem(
                    "slug",
                    format!("`{slug}` is not a valid slug: use 1 to 64 lower-case letters, digits and hyphens, starting with a letter"),
                );
                slug
            }
            None => {
                self.problem("$", "missing field `slug`");
                String::new()
            }
        };
        let languages = self.languages(raw.languages);
        self.languages.clone_from(&languages);
        let title = self.required_text(raw.title, "", "title");
        let description = self.optional_text(raw.description, "", "description");
        let version = match raw.version {
            Some(0) => {
                self.problem("version", "`version` starts at 1");
                0
            }
            Some(v) => v,
            None => {
                self.problem("$", "missing field `version`");
                0
            }
        };
        let mut pages = Vec::new();
        let mut earlier: HashMap<String, EarlierQuestion> = HashMap::new();
        match raw.pages {
            None => self.problem("$", "missing field `pages`"),
            Some(raw_pages) if raw_pages.is_empty() => {
                self.problem("pages", "a survey needs at least one page")
            }
            Some(raw_pages) => {
                for (p, raw_page) in raw_pages.into_iter().enumerate() {
                    let path = format!("pages[{p}]");
                    pages.push(self.page(raw_page, &path, &mut earlier));
                }
            }
        }
        let stratification = raw
            .stratification
            .map(|raw| self.stratification(raw, &pages));
        let participant_information = raw
            .participant_information
            .map(|raw| self.participant_information(raw));
        let privacy_notice = raw.privacy_notice.map(|raw| self.privacy_notice(raw));
        let email = raw.email.map(|raw| self.email(raw));
        SurveyDefinition {
            slug,
            title,
            version,
            languages,
            description,
            allow_open_link: raw.allow_open_link.unwrap_or(false),
            stratification,
            participant_information,
            privacy_notice,
            pages,
            email,
        }
    }

    pub(super) fn page(
        &mut self,
        raw: RawPage,
        path: &str,
        earlier: &mut HashMap<String, EarlierQuestion>,
    ) -> Page {
        let title = self.required_text(raw.title, path, "title");
        let description = self.optional_text(raw.description, path, "description");
        let mut questions = Vec::new();
        match raw.questions {
            None => self.problem(path, "missing field `questions`"),
            Some(raw_questions) if raw_questions.is_empty() => self.problem(
                format!("{path}.questions"),
                "a page needs at least one question",
            ),
            Some(raw_questions) => {
                for (q, raw_question) in raw_questions.into_iter().enumerate() {
                    let qpath = format!("{path}.questions[{q}]");
                    let id = raw_question.id.clone();
                    let question = self.question(raw_question, &qpath, earlier);
                    if let (None, Some(id)) = (&question, id) {
                        earlier.entry(id).or_insert(EarlierQuestion {
                            broken: true,
                            type_name: "",
                            choice: false,
                            codes: BTreeSet::new(),
                        });
                    }
                    if let Some(question) = question {
                        earlier.insert(
                            question.id.clone(),
                            EarlierQuestion {
                                broken: false,
                                type_name: question.kind.type_name(),
                                choice: question.is_choice(),
                                codes: question
                                    .offered_codes()
                                    .into_iter()
                                    .map(str::to_owned)
                                    .collect(),
                            },
                        );
                        questions.push(question);
                    }
                }
            }
        }
        Page {
            title,
            description,
            questions,
        }
    }

    pub(super) fn question(
        &mut self,
        raw: RawQuestion,
        path: &str,
        earlier: &HashMap<String, EarlierQuestion>,
    ) -> Option<Question> {
        let id = match raw.id.clone() {
            Some(id) if is_identifier(&id) => id,
            Some(id) => {
                self.problem(
                    format!("{path}.id"),
                    format!("`{id}` is not a valid question id: use a lower-case letter, then lower-case letters, digits or single `_`, at most {MAX_ID_LEN} characters"),
                );
                id
            }
            None => {
                self.problem(path, "missing field `id`");
                String::new()
            }
        };
        if !id.is_empty() && earlier.contains_key(&id) {
            self.problem(
                format!("{path}.id"),
                format!("duplicate question id `{id}`"),
            );
        }
        let text = self.required_text(raw.text.clone(), path, "text");
        let show_if = raw
            .show_if
            .as_ref()
            .and_then(|c| self.condition(c, &format!("{path}.show_if"), earlier, &id));
        let kind = self.kind(&raw, path)?;
        let publishable = self.publishable(&raw, path, &kind);
        Some(Question {
            id,
            text,
            hint: self.optional_text(raw.hint.clone(), path, "hint"),
            error_message: self
                .optional_text(raw.error_message.clone(), path, "error_message")
                .map(|m| m.map(|m| m.trim().to_owned())),
            required: raw.required.unwrap_or(true),
            show_if,
            sensitive: raw.sensitive.unwrap_or(false),
            publishable,
            kind,
        })
    }

    pub(super) fn kind(&mut self, raw: &RawQuestion, path: &str) -> Option<QuestionKind> {
        const TYPES: &str = "single_choice, multi_choice, likert, likert_grid, number or text";
        let Some(type_name) = raw.kind.as_deref() else {
            self.problem(path, format!("missing field `type` (one of {TYPES})"));
            return None;
        };
        let applies: &[&str] = match type_name {
            "single_choice" => &["options"],
            "multi_choice" => &["options", "min_selections", "max_selections"],
            "likert" => &["scale", "non_substantive"],
            "likert_grid" => &["items", "scale", "non_substantive"],
            "number" => &["kind", "min", "max", "unit"],
            "text" => &["format", "max_length"],
            other => {
                self.problem(
                    format!("{path}.type"),
                    format!("unknown question type `{other}`: use one of {TYPES}"),
                );
                return None;
            }
        };
        let present = [
            ("options", raw.options.is_some()),
            ("min_selections", raw.min_selections.is_some()),
            ("max_selections", raw.max_selections.is_some()),
            ("scale", raw.scale.is_some()),
            ("non_substantive", raw.non_substantive.is_some()),
            ("items", raw.items.is_some()),
            ("kind", raw.number_kind.is_some()),
            ("min", raw.min.is_some()),
            ("max", raw.max.is_some()),
            ("unit", raw.unit.is_some()),
            ("format", raw.format.is_some()),
            ("max_length", raw.max_length.is_some()),
        ];
        for (field, is_present) in present {
            if is_present && !applies.contains(&field) {
                self.problem(
                    format!("{path}.{field}"),
                    format!("`{field}` does not apply to a {type_name} question"),
                );
            }
        }
        let kind = match type_name {
            "single_choice" => {
                let options = self.choices(raw.options.as_deref(), path, "options", false);
                self.distinct_labels(path, &[("options", &options)]);
                QuestionKind::SingleChoice { options }
            }
            "multi_choice" => {
                let options = self.choices(raw.options.as_deref(), path, "options", true);
                self.distinct_labels(path, &[("options", &options)]);
                if let (Some(min), Some(max)) = (raw.min_selections, raw.max_selections) {
                    if min > max {
                        self.problem(
                            format!("{path}.min_selections"),
                            format!(
                                "min_selections ({min}) is greater than max_selections ({max})"
                            ),
                        );
                    }
                }
                if let Some(min) = raw.min_selections {
                    if !options.is_empty() && min as usize > options.len() {
                        self.problem(
                            format!("{path}.min_selections"),
                            format!(
                                "min_selections ({min}) is more than the {} options offered",
                                options.len()
                            ),
                        );
                    }
                }
                if raw.max_selections == Some(0) {
                    self.problem(
                        format!("{path}.max_selections"),
                        "max_selections must be at least 1",
                    );
                }
                QuestionKind::MultiChoice {
                    options,
                    min_selections: raw.min_selections,
                    max_selections: raw.max_selections,
                }
            }
            "likert" => {
                let (scale, non_substantive) = self.scale(raw, path);
                QuestionKind::Likert {
                    scale,
                    non_substantive,
                }
            }
            "likert_grid" => {
                let (scale, non_substantive) = self.scale(raw, path);
                QuestionKind::LikertGrid {
                    items: self.grid_items(raw.items.as_deref(), path),
                    scale,
                    non_substantive,
                }
            }
            "number" => {
                let kind = match raw.number_kind.as_deref() {
                    None | Some("decimal") => NumberKind::Decimal,
                    Some("integer") => NumberKind::Integer,
                    Some(other) => {
                        self.problem(
                            format!("{path}.kind"),
                            format!("unknown number kind `{other}`: use integer or decimal"),
                        );
                        NumberKind::Decimal
                    }
                };
                for (field, bound) in [("min", raw.min), ("max", raw.max)] {
                    if let Some(bound) = bound {
                        if kind == NumberKind::Integer && bound.fract() != 0.0 {
                            self.problem(
                                format!("{path}.{field}"),
                                format!("{field} ({bound}) is not a whole number, but the question takes integers"),
                            );
                        } else if kind == NumberKind::Integer
                            && bound.abs() > crate::answers::LARGEST_WHOLE_NUMBER
                        {
                            // No answer could reach it: whole-number answers stop there.
                            self.problem(
                                format!("{path}.{field}"),
                                format!(
                                    "{field} ({bound}) is beyond ±{}, the largest whole number an answer may be",
                                    crate::answers::LARGEST_WHOLE_NUMBER
                                ),
                            );
                        }
                    }
                }
                if let (Some(min), Some(max)) = (raw.min, raw.max) {
                    if min > max {
                        self.problem(
                            format!("{path}.min"),
                            format!("min ({min}) is greater than max ({max})"),
                        );
                    }
                }
                QuestionKind::Number {
                    kind,
                    min: raw.min,
                    max: raw.max,
                    unit: self.optional_text(raw.unit.clone(), path, "unit"),
                }
            }
            _text => {
                let format = match raw.format.as_deref() {
                    None | Some("short") => TextFormat::Short,
                    Some("long") => TextFormat::Long,
                    Some(other) => {
                        self.problem(
                            format!("{path}.format"),
                            format!("unknown text format `{other}`: use short or long"),
                        );
                        TextFormat::Short
                    }
                };
                let max_length = raw.max_length.unwrap_or(match format {
                    TextFormat::Short => DEFAULT_SHORT_TEXT_MAX,
                    TextFormat::Long => DEFAULT_LONG_TEXT_MAX,
                });
                if max_length == 0 || max_length > TEXT_ANSWER_HARD_MAX {
                    self.problem(
                        format!("{path}.max_length"),
                        format!("max_length must be between 1 and {TEXT_ANSWER_HARD_MAX}"),
                    );
                }
                QuestionKind::Text { format, max_length }
            }
        };
        Some(kind)
    }
}
