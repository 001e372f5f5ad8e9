//! Parsing a survey definition from JSON text, reporting every problem at once.
//!
//! Two layers: serde reads the text into permissive `Raw*` structs (every field optional, so a
//! missing field is a problem to report rather than a stop), noting unknown fields on the way;
//! then [`Checker`] turns the raw structs into a [`SurveyDefinition`], collecting each broken
//! rule with the JSON path where it is broken. Only a type mismatch (a string where a number
//! belongs) stops serde early; it is reported with its path too.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use serde::Deserialize;

use crate::definition::{
    Choice, Condition, Frame, GridItem, NumberKind, Page, Question, QuestionKind, Stratification,
    SurveyDefinition, TextFormat,
};

/// One thing wrong with a definition, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinitionProblem {
    /// JSON path such as `pages[1].questions[0].options`, or `(line 3, column 7)` for syntax.
    pub path: String,
    pub message: String,
}

impl fmt::Display for DefinitionProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Everything wrong with a definition; never empty.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} problem{} in the survey definition", .problems.len(), if .problems.len() == 1 { "" } else { "s" })]
pub struct DefinitionErrors {
    pub problems: Vec<DefinitionProblem>,
}

/// Largest definition accepted, so that a hostile upload cannot exhaust memory.
pub const MAX_DEFINITION_BYTES: usize = 1024 * 1024;

const MAX_ID_LEN: usize = 32;
const MAX_CODE_LEN: usize = 64;
const DEFAULT_SHORT_TEXT_MAX: u32 = 500;
const DEFAULT_LONG_TEXT_MAX: u32 = 5000;
/// Upper bound on any text answer, whatever the definition asks for.
pub const TEXT_ANSWER_HARD_MAX: u32 = 100_000;

/// Parse and check a survey definition.
pub fn parse_definition(text: &str) -> Result<SurveyDefinition, DefinitionErrors> {
    if text.len() > MAX_DEFINITION_BYTES {
        return Err(single(
            "$",
            format!(
                "the definition is {} bytes; the limit is {MAX_DEFINITION_BYTES}",
                text.len()
            ),
        ));
    }
    let mut unknown = Vec::new();
    let mut json = serde_json::Deserializer::from_str(text);
    let mut note_unknown = |path: serde_ignored::Path<'_>| unknown.push(ignored_path(&path));
    let ignoring = serde_ignored::Deserializer::new(&mut json, &mut note_unknown);
    let raw: Result<RawSurvey, _> = serde_path_to_error::deserialize(ignoring);
    let raw = match raw {
        Ok(raw) => raw,
        Err(error) => {
            let path = tracked_path(error.path());
            let inner = error.into_inner();
            let problem = if inner.is_syntax() || inner.is_eof() {
                DefinitionProblem {
                    path: format!("(line {}, column {})", inner.line(), inner.column()),
                    message: format!("malformed JSON: {}", strip_position(&inner.to_string())),
                }
            } else {
                DefinitionProblem {
                    path,
                    message: strip_position(&inner.to_string()),
                }
            };
            return Err(DefinitionErrors {
                problems: vec![problem],
            });
        }
    };
    if let Err(e) = json.end() {
        return Err(single(
            format!("(line {}, column {})", e.line(), e.column()),
            "unexpected text after the definition".to_owned(),
        ));
    }
    let mut checker = Checker::default();
    for path in unknown {
        let field = path.rsplit('.').next().unwrap_or(&path).to_owned();
        checker.problem(path, format!("unknown field `{field}`"));
    }
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        control_characters(&value, "", &mut checker);
    }
    let definition = checker.survey(raw);
    if checker.problems.is_empty() {
        Ok(definition)
    } else {
        Err(DefinitionErrors {
            problems: checker.problems,
        })
    }
}

/// Replace a CSV frame by the figures it holds. `csv_text` is the file named by `frame.csv`.
pub fn resolve_frame_csv(
    definition: &mut SurveyDefinition,
    csv_text: &str,
) -> Result<(), DefinitionErrors> {
    let Some(stratification) = definition.stratification.as_mut() else {
        return Ok(());
    };
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(csv_text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| single("stratification.frame.csv", format!("unreadable CSV: {e}")))?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let (Some(stratum_col), Some(population_col)) = (column("stratum"), column("population"))
    else {
        return Err(single(
            "stratification.frame.csv",
            "the frame CSV needs the columns `stratum` and `population`".to_owned(),
        ));
    };
    let source_col = column("source");
    let mut population = BTreeMap::new();
    let mut sources = BTreeMap::new();
    let mut problems = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                problems.push(DefinitionProblem {
                    path: format!("stratification.frame.csv line {line}"),
                    message: format!("unreadable row: {e}"),
                });
                continue;
            }
        };
        let stratum = record.get(stratum_col).unwrap_or("").to_owned();
        match record.get(population_col).unwrap_or("").parse::<u64>() {
            Ok(n) if n > 0 => {
                if population.insert(stratum.clone(), n).is_some() {
                    problems.push(DefinitionProblem {
                        path: format!("stratification.frame.csv line {line}"),
                        message: format!("stratum `{stratum}` is listed twice"),
                    });
                }
            }
            _ => problems.push(DefinitionProblem {
                path: format!("stratification.frame.csv line {line}"),
                message: format!(
                    "population `{}` is not a whole number above zero",
                    record.get(population_col).unwrap_or("")
                ),
            }),
        }
        if let Some(source) = source_col.and_then(|c| record.get(c)) {
            if !source.is_empty() {
                sources.insert(stratum, source.to_owned());
            }
        }
    }
    if !problems.is_empty() {
        return Err(DefinitionErrors { problems });
    }
    stratification.frame = Frame {
        population,
        sources,
        csv: None,
    };
    // The figures must match the stratum question like inline ones do.
    let text = definition.to_canonical_json();
    parse_definition(&text).map(|checked| *definition = checked)
}

fn single(path: impl Into<String>, message: String) -> DefinitionErrors {
    DefinitionErrors {
        problems: vec![DefinitionProblem {
            path: path.into(),
            message,
        }],
    }
}

/// serde_json appends " at line X column Y"; the path already says where.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

fn tracked_path(path: &serde_path_to_error::Path) -> String {
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            serde_path_to_error::Segment::Map { key } => push_key(&mut out, key),
            serde_path_to_error::Segment::Enum { variant } => push_key(&mut out, variant),
            serde_path_to_error::Segment::Unknown => push_key(&mut out, "?"),
        }
    }
    if out.is_empty() {
        "$".to_owned()
    } else {
        out
    }
}

fn ignored_path(path: &serde_ignored::Path<'_>) -> String {
    fn walk(path: &serde_ignored::Path<'_>, out: &mut String) {
        use serde_ignored::Path;
        match path {
            Path::Root => {}
            Path::Seq { parent, index } => {
                walk(parent, out);
                out.push_str(&format!("[{index}]"));
            }
            Path::Map { parent, key } => {
                walk(parent, out);
                push_key(out, key);
            }
            Path::Some { parent }
            | Path::NewtypeStruct { parent }
            | Path::NewtypeVariant { parent } => walk(parent, out),
        }
    }
    let mut out = String::new();
    walk(path, &mut out);
    out
}

fn push_key(out: &mut String, key: &str) {
    if !out.is_empty() {
        out.push('.');
    }
    out.push_str(key);
}

// ---- the permissive layer -------------------------------------------------------------------

#[derive(Deserialize)]
struct RawSurvey {
    slug: Option<String>,
    title: Option<String>,
    version: Option<u32>,
    description: Option<String>,
    allow_open_link: Option<bool>,
    stratification: Option<RawStratification>,
    pages: Option<Vec<RawPage>>,
}

#[derive(Deserialize)]
struct RawStratification {
    question: Option<String>,
    frame: Option<RawFrame>,
}

#[derive(Deserialize)]
struct RawFrame {
    population: Option<BTreeMap<String, u64>>,
    sources: Option<BTreeMap<String, String>>,
    csv: Option<String>,
}

#[derive(Deserialize)]
struct RawPage {
    title: Option<String>,
    questions: Option<Vec<RawQuestion>>,
}

#[derive(Deserialize)]
struct RawQuestion {
    id: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    text: Option<String>,
    hint: Option<String>,
    error_message: Option<String>,
    required: Option<bool>,
    show_if: Option<RawCondition>,
    options: Option<Vec<RawChoice>>,
    min_selections: Option<u32>,
    max_selections: Option<u32>,
    scale: Option<Vec<RawChoice>>,
    non_substantive: Option<Vec<RawChoice>>,
    items: Option<Vec<RawGridItem>>,
    #[serde(rename = "kind")]
    number_kind: Option<String>,
    min: Option<f64>,
    max: Option<f64>,
    unit: Option<String>,
    format: Option<String>,
    max_length: Option<u32>,
    sensitive: Option<bool>,
}

#[derive(Deserialize)]
struct RawChoice {
    code: Option<String>,
    label: Option<String>,
    hint: Option<String>,
    exclusive: Option<bool>,
}

#[derive(Deserialize)]
struct RawGridItem {
    id: Option<String>,
    text: Option<String>,
}

#[derive(Deserialize)]
struct RawCondition {
    question: Option<String>,
    equals: Option<String>,
    one_of: Option<Vec<String>>,
    not: Option<Box<RawCondition>>,
    all: Option<Vec<RawCondition>>,
    any: Option<Vec<RawCondition>>,
}

// ---- the checks -----------------------------------------------------------------------------

/// What an earlier question offers to a `show_if`: its type and its option codes.
struct EarlierQuestion {
    /// Its type was unusable (already reported): conditions on it are not checked further.
    broken: bool,
    type_name: &'static str,
    choice: bool,
    codes: BTreeSet<String>,
}

#[derive(Default)]
struct Checker {
    problems: Vec<DefinitionProblem>,
}

impl Checker {
    fn problem(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(DefinitionProblem {
            path: path.into(),
            message: message.into(),
        });
    }

    fn required_text(&mut self, value: Option<String>, path: &str, field: &str) -> String {
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

    fn survey(&mut self, raw: RawSurvey) -> SurveyDefinition {
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
        let title = self.required_text(raw.title, "", "title");
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
        SurveyDefinition {
            slug,
            title,
            version,
            description: raw.description,
            allow_open_link: raw.allow_open_link.unwrap_or(false),
            stratification,
            pages,
        }
    }

    fn page(
        &mut self,
        raw: RawPage,
        path: &str,
        earlier: &mut HashMap<String, EarlierQuestion>,
    ) -> Page {
        let title = self.required_text(raw.title, path, "title");
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
        Page { title, questions }
    }

    fn question(
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
        Some(Question {
            id,
            text,
            hint: raw.hint,
            error_message: raw
                .error_message
                .map(|m| m.trim().to_owned())
                .filter(|m| !m.is_empty()),
            required: raw.required.unwrap_or(true),
            show_if,
            sensitive: raw.sensitive.unwrap_or(false),
            kind,
        })
    }

    fn kind(&mut self, raw: &RawQuestion, path: &str) -> Option<QuestionKind> {
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
                    unit: raw.unit.clone(),
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

    fn choices(
        &mut self,
        raw: Option<&[RawChoice]>,
        path: &str,
        field: &str,
        exclusive_allowed: bool,
    ) -> Vec<Choice> {
        let Some(raw) = raw else {
            self.problem(path, format!("missing field `{field}`"));
            return Vec::new();
        };
        if raw.is_empty() {
            self.problem(
                format!("{path}.{field}"),
                format!("`{field}` must list at least one option"),
            );
        }
        let mut seen = BTreeSet::new();
        let mut choices = Vec::new();
        for (i, raw_choice) in raw.iter().enumerate() {
            let cpath = format!("{path}.{field}[{i}]");
            let code = match &raw_choice.code {
                Some(code) if is_code(code) => code.clone(),
                Some(code) => {
                    self.problem(
                        format!("{cpath}.code"),
                        format!("`{code}` is not a valid option code: use 1 to {MAX_CODE_LEN} letters, digits, `_` or `-`"),
                    );
                    code.clone()
                }
                None => {
                    self.problem(&cpath, "missing field `code`");
                    continue;
                }
            };
            if !seen.insert(code.clone()) {
                self.problem(
                    format!("{cpath}.code"),
                    format!("duplicate option code `{code}`"),
                );
            }
            let label = self.required_text(raw_choice.label.clone(), &cpath, "label");
            if raw_choice.exclusive.is_some() && !exclusive_allowed {
                self.problem(
                    format!("{cpath}.exclusive"),
                    "`exclusive` applies only to multi_choice options",
                );
            }
            choices.push(Choice {
                code,
                label,
                hint: raw_choice.hint.clone(),
                exclusive: raw_choice.exclusive.unwrap_or(false),
            });
        }
        choices
    }

    fn scale(&mut self, raw: &RawQuestion, path: &str) -> (Vec<Choice>, Vec<Choice>) {
        let scale = self.choices(raw.scale.as_deref(), path, "scale", false);
        if raw.scale.as_ref().is_some_and(|s| s.len() == 1) {
            self.problem(format!("{path}.scale"), "a scale needs at least two points");
        }
        let non_substantive = match raw.non_substantive.as_deref() {
            Some(list) => self.choices(Some(list), path, "non_substantive", false),
            None => Vec::new(),
        };
        for (i, choice) in non_substantive.iter().enumerate() {
            if scale.iter().any(|s| s.code == choice.code) {
                self.problem(
                    format!("{path}.non_substantive[{i}].code"),
                    format!("`{}` is already a point of the scale", choice.code),
                );
            }
        }
        self.distinct_labels(
            path,
            &[("scale", &scale), ("non_substantive", &non_substantive)],
        );
        (scale, non_substantive)
    }

    /// Labels must tell a question's options apart. A respondent cannot choose between two
    /// options labelled alike, and a CSV import reads a cell as a code, then as a label: a
    /// label that repeats another, or is another option's code, would read as that option.
    fn distinct_labels(&mut self, path: &str, lists: &[(&str, &[Choice])]) {
        let all: Vec<(String, &Choice)> = lists
            .iter()
            .flat_map(|(field, list)| {
                list.iter()
                    .enumerate()
                    .map(move |(i, choice)| (format!("{path}.{field}[{i}].label"), choice))
            })
            .collect();
        for (n, (label_path, choice)) in all.iter().enumerate() {
            let label = choice.label.trim();
            if label.is_empty() {
                continue;
            }
            // A repeated code is reported as such, not again by its label.
            if let Some((_, other)) = all[..n]
                .iter()
                .find(|(_, o)| o.label.trim() == label && o.code != choice.code)
            {
                self.problem(
                    label_path,
                    format!(
                        "option `{}` has the same label as option `{}`, `{label}`: labels must tell options apart",
                        choice.code, other.code
                    ),
                );
            } else if let Some((_, other)) = all
                .iter()
                .find(|(_, o)| o.code == label && o.code != choice.code)
            {
                self.problem(
                    label_path,
                    format!(
                        "the label of option `{}` is `{label}`, the code of another option: a file of labels would read it as `{}`",
                        choice.code, other.code
                    ),
                );
            }
        }
    }

    fn grid_items(&mut self, raw: Option<&[RawGridItem]>, path: &str) -> Vec<GridItem> {
        let Some(raw) = raw else {
            self.problem(path, "missing field `items`");
            return Vec::new();
        };
        if raw.is_empty() {
            self.problem(
                format!("{path}.items"),
                "`items` must list at least one item",
            );
        }
        let mut seen = BTreeSet::new();
        let mut items = Vec::new();
        for (i, item) in raw.iter().enumerate() {
            let ipath = format!("{path}.items[{i}]");
            let id = match &item.id {
                Some(id) if is_identifier(id) => id.clone(),
                Some(id) => {
                    self.problem(format!("{ipath}.id"), format!("`{id}` is not a valid item id: use a lower-case letter, then lower-case letters, digits or single `_`, at most {MAX_ID_LEN} characters"));
                    id.clone()
                }
                None => {
                    self.problem(&ipath, "missing field `id`");
                    continue;
                }
            };
            if !seen.insert(id.clone()) {
                self.problem(format!("{ipath}.id"), format!("duplicate item id `{id}`"));
            }
            let text = self.required_text(item.text.clone(), &ipath, "text");
            items.push(GridItem { id, text });
        }
        items
    }

    fn condition(
        &mut self,
        raw: &RawCondition,
        path: &str,
        earlier: &HashMap<String, EarlierQuestion>,
        own_id: &str,
    ) -> Option<Condition> {
        let forms = [
            raw.equals.is_some(),
            raw.one_of.is_some(),
            raw.not.is_some(),
            raw.all.is_some(),
            raw.any.is_some(),
        ]
        .iter()
        .filter(|present| **present)
        .count();
        if forms != 1 {
            self.problem(
                path,
                "a condition needs exactly one of `equals`, `one_of` (each with `question`), `not`, `all` or `any`",
            );
            return None;
        }
        if let Some(not) = &raw.not {
            return self
                .condition(not, &format!("{path}.not"), earlier, own_id)
                .map(|c| Condition::Not { not: Box::new(c) });
        }
        for (field, list) in [("all", &raw.all), ("any", &raw.any)] {
            if let Some(list) = list {
                if list.is_empty() {
                    self.problem(
                        format!("{path}.{field}"),
                        format!("`{field}` needs at least one condition"),
                    );
                    return None;
                }
                let conditions: Vec<_> = list
                    .iter()
                    .enumerate()
                    .filter_map(|(i, c)| {
                        self.condition(c, &format!("{path}.{field}[{i}]"), earlier, own_id)
                    })
                    .collect();
                if conditions.len() != list.len() {
                    return None;
                }
                return Some(if field == "all" {
                    Condition::All { all: conditions }
                } else {
                    Condition::Any { any: conditions }
                });
            }
        }
        let Some(question) = raw.question.clone() else {
            self.problem(path, "missing field `question`");
            return None;
        };
        let Some(target) = earlier.get(&question) else {
            let message = if question == own_id {
                format!("show_if refers to `{question}`, the question itself")
            } else {
                format!("show_if refers to `{question}`, which is not an earlier question")
            };
            self.problem(format!("{path}.question"), message);
            return None;
        };
        if target.broken {
            return None;
        }
        if !target.choice {
            self.problem(
                format!("{path}.question"),
                format!(
                    "show_if can only test single_choice, multi_choice or likert questions; `{question}` is {}",
                    target.type_name
                ),
            );
            return None;
        }
        let codes: Vec<(String, String)> = match (&raw.equals, &raw.one_of) {
            (Some(code), _) => vec![(format!("{path}.equals"), code.clone())],
            (_, Some(list)) => list
                .iter()
                .enumerate()
                .map(|(i, code)| (format!("{path}.one_of[{i}]"), code.clone()))
                .collect(),
            _ => Vec::new(),
        };
        if raw.one_of.as_ref().is_some_and(Vec::is_empty) {
            self.problem(
                format!("{path}.one_of"),
                "`one_of` needs at least one option",
            );
        }
        let mut ok = true;
        for (code_path, code) in &codes {
            if !target.codes.contains(code) {
                self.problem(
                    code_path.clone(),
                    format!("`{question}` has no option `{code}`"),
                );
                ok = false;
            }
        }
        if !ok {
            return None;
        }
        Some(match (&raw.equals, &raw.one_of) {
            (Some(code), _) => Condition::Equals {
                question,
                equals: code.clone(),
            },
            (_, list) => Condition::OneOf {
                question,
                one_of: list.clone().unwrap_or_default(),
            },
        })
    }

    fn stratification(&mut self, raw: RawStratification, pages: &[Page]) -> Stratification {
        let path = "stratification";
        let question = raw.question.unwrap_or_else(|| {
            self.problem(path, "missing field `question`");
            String::new()
        });
        let target = pages
            .iter()
            .flat_map(|p| p.questions.iter())
            .find(|q| q.id == question);
        let mut strata: Option<BTreeSet<String>> = None;
        match target {
            None if !question.is_empty() => self.problem(
                format!("{path}.question"),
                format!("the stratum question `{question}` does not exist"),
            ),
            None => {}
            Some(q) => match &q.kind {
                QuestionKind::SingleChoice { options } => {
                    // With no options, that problem is reported already; comparing the frame
                    // with nothing would only repeat it.
                    strata = (!options.is_empty())
                        .then(|| options.iter().map(|o| o.code.clone()).collect());
                    if !q.required || q.show_if.is_some() {
                        self.problem(
                            format!("{path}.question"),
                            format!("the stratum question `{question}` must be required and always shown"),
                        );
                    }
                }
                other => self.problem(
                    format!("{path}.question"),
                    format!(
                        "the stratum question `{question}` must be single_choice, not {}",
                        other.type_name()
                    ),
                ),
            },
        }
        let frame = match raw.frame {
            None => {
                self.problem(path, "missing field `frame`");
                Frame {
                    population: BTreeMap::new(),
                    sources: BTreeMap::new(),
                    csv: None,
                }
            }
            Some(frame) => self.frame(frame, strata.as_ref()),
        };
        Stratification { question, frame }
    }

    fn frame(&mut self, raw: RawFrame, strata: Option<&BTreeSet<String>>) -> Frame {
        let path = "stratification.frame";
        match (&raw.population, &raw.csv) {
            (Some(_), Some(_)) => self.problem(
                path,
                "give the frame either `population` or `csv`, not both",
            ),
            (None, None) => self.problem(path, "the frame needs `population` or `csv`"),
            _ => {}
        }
        let given = raw.population.is_some();
        let population = raw.population.unwrap_or_default();
        if let Some(strata) = strata {
            if given && raw.csv.is_none() {
                for missing in strata.iter().filter(|s| !population.contains_key(*s)) {
                    self.problem(
                        format!("{path}.population"),
                        format!("no population given for stratum `{missing}`"),
                    );
                }
                for extra in population.keys().filter(|s| !strata.contains(*s)) {
                    self.problem(
                        format!("{path}.population.{extra}"),
                        format!("`{extra}` is not an option of the stratum question"),
                    );
                }
            }
        }
        for (stratum, size) in &population {
            if *size == 0 {
                self.problem(
                    format!("{path}.population.{stratum}"),
                    "a stratum's population must be above zero",
                );
            }
        }
        let sources = raw.sources.unwrap_or_default();
        for stratum in sources.keys().filter(|s| !population.contains_key(*s)) {
            if raw.csv.is_none() {
                self.problem(
                    format!("{path}.sources.{stratum}"),
                    format!("a source is given for `{stratum}`, which has no population"),
                );
            }
        }
        Frame {
            population,
            sources,
            csv: raw.csv,
        }
    }
}

/// Every string holding a control character (NUL, escape, bell...; tab and line breaks are
/// text) is a problem: such a character means nothing to a respondent, and PostgreSQL refuses
/// NUL in text, so a definition must mean the same on both backends.
fn control_characters(value: &serde_json::Value, path: &str, checker: &mut Checker) {
    match value {
        serde_json::Value::String(text) => {
            if let Some(c) = text
                .chars()
                .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
            {
                checker.problem(
                    path_or_root(path),
                    format!(
                        "contains the control character U+{:04X}; remove it",
                        u32::from(c)
                    ),
                );
            }
        }
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                control_characters(item, &format!("{path}[{i}]"), checker);
            }
        }
        serde_json::Value::Object(fields) => {
            for (key, field) in fields {
                control_characters(field, &join_path(path, key), checker);
            }
        }
        _ => {}
    }
}

/// `parent.field`, or `field` alone at the top of the definition.
fn join_path(parent: &str, field: &str) -> String {
    if parent.is_empty() {
        field.to_owned()
    } else {
        format!("{parent}.{field}")
    }
}

fn path_or_root(path: &str) -> String {
    if path.is_empty() {
        "$".to_owned()
    } else {
        path.to_owned()
    }
}

/// Whether `s` has a slug's shape: a lower-case letter, then lower-case letters, digits or
/// `-`, at most 64 characters.
pub fn is_slug(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// A question or item id: usable as a variable name in R, Stata and SPSS.
pub(crate) fn is_identifier(s: &str) -> bool {
    (1..=MAX_ID_LEN).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !s.contains("__")
}

fn is_code(s: &str) -> bool {
    (1..=MAX_CODE_LEN).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}
