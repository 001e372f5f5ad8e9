//! XLSForm workbook to survey definition.
//!
//! The workbook is read into the JSON a researcher would have written by hand, each part
//! noted with the cell it came from; then the definition's own checker judges it, so a
//! workbook meets exactly the rules a JSON file meets, and the checker's problems (given by
//! JSON path) are put back on the cells they came from. What XLSForm can say but fieldwork
//! cannot is refused here, every instance at once; nothing is stored unless nothing is wrong.

use std::collections::{BTreeMap, HashMap, HashSet};

use fieldwork_survey::{parse_definition, SurveyDefinition};
use serde_json::{json, Map, Value};

use crate::conditions::{condition_from_relevant, equality_tested};
use crate::constraints::{bounds_from_constraint, Bounds, Constrained};
use crate::fieldwork_sheet::{read_fieldwork_sheet, FieldworkSheet};
use crate::languages::language_code;
use crate::problems::{Location, Problems, XlsFormErrors};
use crate::workbook::{Header, Row, Sheet, Workbook};

/// What the command line or the upload adds to the workbook.
#[derive(Debug, Default, Clone)]
pub struct ImportOptions {
    /// The file's name without its extension: XLSForm's `form_id` when settings give none.
    pub file_stem: Option<String>,
    /// The stratum question, when the workbook does not mark one (`--stratum`).
    pub stratum: Option<String>,
    /// A population frame CSV (`--frame`), kept as `stratification.frame.csv` for the caller
    /// to resolve as it resolves a JSON definition's.
    pub frame_csv: Option<String>,
}

/// Read an XLSForm workbook (.xlsx) as a survey definition.
pub fn read_xlsform(
    bytes: &[u8],
    options: &ImportOptions,
) -> Result<SurveyDefinition, XlsFormErrors> {
    let workbook = Workbook::read(bytes)?;
    let Some(survey) = workbook.sheet("survey") else {
        return Err(XlsFormErrors::one(
            Location::sheet("workbook"),
            "there is no `survey` sheet: an XLSForm lists its questions on a sheet named survey",
        ));
    };
    let mut reading = Reading {
        problems: Problems::default(),
        positions: Vec::new(),
        languages: Vec::new(),
        used_hints: HashSet::new(),
        frame_reported: false,
    };
    let json = reading.definition(&workbook, survey, options);
    let checked = parse_definition(&json.to_string());
    match checked {
        Ok(definition) if reading.problems.is_empty() => Ok(definition),
        Ok(_) => Err(reading.problems.into_errors()),
        Err(errors) => {
            for problem in errors.problems {
                if reading.frame_reported && problem.path.starts_with("stratification.frame") {
                    continue;
                }
                let location = reading.locate(&problem.path);
                reading
                    .problems
                    .add(location, in_xlsform_words(&problem.path, problem.message));
            }
            Err(reading.problems.into_errors())
        }
    }
}

/// Whether words hold an XLSForm reference, `${name}` (which fieldwork cannot fill in), as
/// opposed to a `$` or `${` that is just text.
fn has_reference(words: &str) -> bool {
    words.match_indices("${").any(|(at, _)| {
        let rest = &words[at + 2..];
        rest.find('}').is_some_and(|end| {
            let name = &rest[..end];
            name.chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_')
                && name
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
        })
    })
}

/// A checker's message about a missing JSON field, named as the workbook names it.
fn in_xlsform_words(path: &str, message: String) -> String {
    let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'))
    else {
        return message;
    };
    let in_form = path.starts_with("pages");
    let words = match field {
        "text" | "label" if in_form => "this row has no label: fill in its label column",
        "title" if in_form => "this group has no label: a group's label is its page's title",
        "title" => "the survey has no title: give settings a form_title",
        "id" | "code" if in_form => "this row has no name: fill in its name column",
        "slug" => "the survey has no form_id: give settings a form_id",
        _ => return message,
    };
    words.to_owned()
}

/// The columns of one translatable field (`label`, `hint`, ...): the plain column and each
/// `field::Language (code)` column.
struct TextColumns<'s> {
    plain: Option<&'s Header>,
    translated: Vec<(String, &'s Header)>,
}

struct Reading {
    problems: Problems,
    /// JSON paths of the definition being built, and the cells they came from.
    positions: Vec<(String, Location)>,
    /// Empty for a survey in one language with plain strings; the default first.
    languages: Vec<String>,
    /// The option hints of the fieldwork sheet that found their option.
    used_hints: HashSet<(String, String)>,
    /// Whether a missing frame is reported already (the checker would name each stratum).
    frame_reported: bool,
}

const MEDIA_REFUSED: &str =
    "media are not supported: fieldwork forms are text, for accessibility and low bandwidth";

/// Columns with a meaning fieldwork cannot keep: a cell in one is refused, saying why.
const REFUSED_SURVEY_COLUMNS: [(&str, &str); 14] = [
    ("calculation", "calculations are not supported: fieldwork stores answers only; derive variables in analysis"),
    ("choice_filter", "choice_filter (cascading selects) is not supported: give the question its own list"),
    ("repeat_count", "repeats are not supported: fieldwork asks each question once per response"),
    ("default", "default answers are not supported: a respondent gives every answer"),
    ("read_only", "read-only questions are not supported: show fixed text as a note"),
    ("trigger", "triggers are not supported: fieldwork does not recalculate answers"),
    ("parameters", "parameters are not supported: no fieldwork question type takes any"),
    ("image", MEDIA_REFUSED),
    ("big-image", MEDIA_REFUSED),
    ("audio", MEDIA_REFUSED),
    ("video", MEDIA_REFUSED),
    ("media", MEDIA_REFUSED),
    ("guidance_hint", "guidance hints are not supported: fieldwork shows one hint; put what respondents need in hint"),
    ("bind", "bind:: columns are not supported: fieldwork's columns are listed in docs/xlsform.md"),
];

const REFUSED_CHOICE_COLUMNS: [&str; 5] = ["image", "big-image", "audio", "video", "media"];

/// The `fieldwork` column's words on the survey sheet.
const QUESTION_FLAGS: [&str; 3] = ["stratum", "sensitive", "publishable"];

#[derive(Debug, Clone, PartialEq)]
enum RowType {
    BeginGroup,
    EndGroup,
    SelectOne(String),
    SelectMultiple(String),
    Integer,
    Decimal,
    Text,
    Note,
}

/// The survey sheet's rows as the tree their groups make.
enum Node<'w> {
    Question(&'w Row, RowType),
    Note(&'w Row),
    Group(&'w Row, Vec<Node<'w>>),
}

impl Node<'_> {
    fn row(&self) -> &Row {
        match self {
            Node::Question(row, _) | Node::Note(row) | Node::Group(row, _) => row,
        }
    }
}

impl Reading {
    fn definition(
        &mut self,
        workbook: &Workbook,
        survey: &Sheet,
        options: &ImportOptions,
    ) -> Value {
        let settings = workbook.sheet("settings");
        let choices = workbook.sheet("choices");
        self.refuse_sheets(workbook);
        self.find_languages(survey, choices, workbook.sheet("fieldwork"), settings);
        let extras = match workbook.sheet("fieldwork") {
            Some(sheet) => read_fieldwork_sheet(
                sheet,
                &self.languages,
                &mut self.problems,
                &mut self.positions,
            ),
            None => FieldworkSheet::default(),
        };
        let mut definition = Map::new();
        self.settings(settings, options, &extras, &mut definition);
        if !self.languages.is_empty() {
            definition.insert("languages".into(), json!(self.languages));
        }
        let lists = self.choice_lists(choices);
        let tree = self.tree(survey);
        let mut pages = Vec::new();
        let mut stratum = None;
        let mut description = Vec::new();
        let title = definition.get("title").cloned().unwrap_or(Value::Null);
        let settings_stratum = settings.and_then(|sheet| {
            let header = sheet.column("stratum")?;
            let row = sheet.rows.first()?;
            let name = row.text(header.column);
            (!name.is_empty()).then(|| (name, sheet.location(row, header)))
        });
        let context = Context {
            survey,
            settings_stratum,
            select_multiple: select_multiple_names(&tree, survey),
            choices,
            lists: &lists,
            hints: &extras.choice_hints,
        };
        self.pages(
            &tree,
            &context,
            &title,
            &mut pages,
            &mut description,
            &mut stratum,
        );
        for (key, value) in &extras.values {
            definition.insert(key.clone(), value.clone());
        }
        if !description.is_empty() {
            if definition.contains_key("description") {
                self.problems.add(
                    Location::row(&survey.name, description_row(&tree)),
                    "the survey has a description in the fieldwork sheet and notes before the \
                     first question: keep one",
                );
            }
            definition.insert("description".into(), join_texts(&description));
        }
        if let Some(stratification) = self.stratification(stratum, options, &context, &tree) {
            definition.insert("stratification".into(), stratification);
        }
        definition.insert("pages".into(), Value::Array(pages));
        self.check_unused_hints(&extras, &lists);
        Value::Object(definition)
    }

    fn refuse_sheets(&mut self, workbook: &Workbook) {
        for (name, why) in [
            (
                "external_choices",
                "external choices are not supported: put every list on the choices sheet",
            ),
            (
                "entities",
                "entities are not supported: fieldwork does not update data between forms",
            ),
        ] {
            if workbook.sheet(name).is_some_and(|s| !s.rows.is_empty()) {
                self.problems.add(Location::sheet(name), why);
            }
        }
    }

    /// The survey's languages: from every `label::Language (code)`-style column, the default
    /// (settings `default_language`, or English for plain columns beside translated ones)
    /// first. None when every text column is plain: a survey in one language.
    fn find_languages(
        &mut self,
        survey: &Sheet,
        choices: Option<&Sheet>,
        fieldwork: Option<&Sheet>,
        settings: Option<&Sheet>,
    ) {
        let mut found: Vec<String> = Vec::new();
        let mut first_column: HashMap<String, Location> = HashMap::new();
        let mut plain_beside = false;
        let sheets = [
            (
                Some(survey),
                &[
                    "label",
                    "hint",
                    "required_message",
                    "unit",
                    "constraint_message",
                ][..],
            ),
            (choices, &["label"][..]),
            (fieldwork, &["value"][..]),
        ];
        for (sheet, bases) in sheets {
            let Some(sheet) = sheet else { continue };
            for header in &sheet.headers {
                let single_colon = header.language.is_none()
                    && header
                        .base
                        .split_once(':')
                        .is_some_and(|(base, _)| bases.contains(&base));
                if single_colon {
                    self.problems.add(
                        sheet.header_location(header),
                        format!(
                            "`{}` has one colon: a translation's column is written with two \
                             and the language's code, as `label::English (en)`",
                            header.text
                        ),
                    );
                }
            }
            for header in sheet
                .headers
                .iter()
                .filter(|h| bases.contains(&h.base.as_str()))
            {
                match (
                    &header.language,
                    header.language.as_deref().and_then(language_code),
                ) {
                    (None, _) => plain_beside = true,
                    (Some(_), Some(code)) => {
                        first_column
                            .entry(code.clone())
                            .or_insert_with(|| sheet.header_location(header));
                        if !found.contains(&code) {
                            found.push(code);
                        }
                    }
                    (Some(label), None) => self.problems.add(
                        sheet.header_location(header),
                        format!(
                            "`{label}` gives no language code: write the column as \
                             `{}::{label} (xx)` with the language's ISO 639 code, such as \
                             `{}::Welsh (cy)`",
                            header.base, header.base
                        ),
                    ),
                }
            }
        }
        let declared = settings.and_then(|sheet| {
            let header = sheet.column("default_language")?;
            let row = sheet.rows.first()?;
            let label = row.text(header.column);
            if label.is_empty() {
                return None;
            }
            let code = language_code(&label);
            if code.is_none() {
                self.problems.add(
                    sheet.location(row, header),
                    format!(
                        "default_language `{label}` gives no language code: write it as \
                         `English (en)` or `Welsh (cy)`, as the columns name it"
                    ),
                );
            }
            code
        });
        if found.is_empty() && declared.as_deref().is_none_or(|code| code == "en") {
            return;
        }
        let default = declared
            .or_else(|| plain_beside.then(|| "en".to_owned()))
            .or_else(|| found.first().cloned())
            .unwrap_or_else(|| "en".to_owned());
        self.languages = std::iter::once(default.clone())
            .chain(found.into_iter().filter(|code| *code != default))
            .collect();
        for (index, code) in self.languages.clone().iter().enumerate() {
            if let Some(location) = first_column.get(code) {
                self.note(&format!("languages[{index}]"), location.clone());
            }
        }
    }

    /// The language of plain columns in a survey of several languages; `None` in a survey in
    /// one language.
    fn default_language(&self) -> Option<&str> {
        self.languages.first().map(String::as_str)
    }

    fn text_columns<'s>(&self, sheet: &'s Sheet, base: &'s str) -> TextColumns<'s> {
        TextColumns {
            plain: sheet.column(base),
            translated: sheet
                .columns(base)
                .filter_map(|h| {
                    let code = h.language.as_deref().and_then(language_code)?;
                    Some((code, h))
                })
                .collect(),
        }
    }

    /// A translatable cell as JSON: a string in a single-language survey, an object of the
    /// languages given otherwise; `None` when every cell is empty. Each cell is noted.
    fn text(&mut self, sheet: &Sheet, row: &Row, base: &str, path: &str) -> Option<Value> {
        let columns = self.text_columns(sheet, base);
        let first = columns
            .plain
            .or(columns.translated.first().map(|(_, h)| *h))?;
        self.note(path, sheet.location(row, first));
        for header in columns
            .plain
            .iter()
            .chain(columns.translated.iter().map(|(_, h)| h))
        {
            if has_reference(&row.words(header.column)) {
                self.problems.add(
                    sheet.location(row, header),
                    "references to answers (${...}) in texts are not supported: fieldwork shows \
                     every text as written",
                );
            }
        }
        let Some(default) = self.default_language().map(str::to_owned) else {
            let words = row.words(columns.plain?.column);
            return (!words.is_empty()).then_some(Value::String(words));
        };
        let mut words: BTreeMap<String, String> = BTreeMap::new();
        if let Some(plain) = columns.plain {
            let text = row.words(plain.column);
            if !text.is_empty() {
                words.insert(default.clone(), text);
            }
        }
        for (code, header) in &columns.translated {
            self.note(&format!("{path}.{code}"), sheet.location(row, header));
            let text = row.words(header.column);
            if !text.is_empty() {
                words.insert(code.clone(), text);
            }
        }
        if words.is_empty() {
            return None;
        }
        // In the survey's language order; a language it does not have is left for the
        // checker to name.
        let mut object = Map::new();
        for code in &self.languages {
            if let Some(text) = words.remove(code) {
                object.insert(code.clone(), Value::String(text));
            }
        }
        object.extend(words.into_iter().map(|(k, v)| (k, Value::String(v))));
        Some(Value::Object(object))
    }

    fn note(&mut self, path: &str, location: Location) {
        self.positions.push((path.to_owned(), location));
    }

    /// The cell a checker's JSON path came from: the longest noted path it starts with.
    fn locate(&self, path: &str) -> Location {
        let within = |noted: &str| {
            path == noted
                || path
                    .strip_prefix(noted)
                    .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
        };
        self.positions
            .iter()
            .filter(|(noted, _)| within(noted))
            .max_by_key(|(noted, _)| noted.len())
            .map_or_else(
                || {
                    // What no cell holds: the survey's own fields come from settings.
                    let top = path.split(['.', '[']).next().unwrap_or_default();
                    match top {
                        "$" | "slug" | "title" | "version" | "languages" => {
                            Location::sheet("settings")
                        }
                        _ => Location::sheet("survey"),
                    }
                },
                |(_, location)| location.clone(),
            )
    }

    fn settings(
        &mut self,
        settings: Option<&Sheet>,
        options: &ImportOptions,
        extras: &FieldworkSheet,
        definition: &mut Map<String, Value>,
    ) {
        let cell = |name: &str| -> Option<(String, Location)> {
            let sheet = settings?;
            let header = sheet.column(name)?;
            let row = sheet.rows.first()?;
            // A title's words are kept as written; the other settings are names and numbers.
            let text = if name == "form_title" {
                row.words(header.column)
            } else {
                row.text(header.column)
            };
            (!text.is_empty()).then(|| (text, sheet.location(row, header)))
        };
        for (name, why) in [
            ("instance_name", "instance names are expressions fieldwork does not evaluate: each response has its own id"),
            ("public_key", "encrypted forms are not supported: fieldwork keeps answers in its own database, access-checked"),
            ("submission_url", "fieldwork receives the answers itself: there is no submission URL to set"),
        ] {
            if let Some((_, location)) = cell(name) {
                self.problems.add(location, why);
            }
        }
        let form_id = cell("form_id");
        let slug = match (&form_id, &options.file_stem) {
            (Some((id, location)), _) => {
                self.note("slug", location.clone());
                slug_from_form_id(id)
            }
            (None, Some(stem)) => {
                self.note("slug", Location::sheet("the file's name"));
                slug_from_form_id(stem)
            }
            (None, None) => String::new(),
        };
        definition.insert("slug".into(), Value::String(slug));
        match (&extras.title, cell("form_title")) {
            (Some(_), _) => {}
            (None, Some((title, location))) => {
                self.note("title", location);
                let title = match self.default_language() {
                    Some(code) => json!({ code: title }),
                    None => Value::String(title),
                };
                definition.insert("title".into(), title);
            }
            (None, None) => {
                // XLSForm's form_title defaults to the form id, and that to the file's name.
                let fallback = form_id
                    .as_ref()
                    .map(|(id, _)| id.clone())
                    .or_else(|| options.file_stem.clone());
                if let Some(id) = fallback {
                    definition.insert("title".into(), self.all_languages(&id));
                }
            }
        }
        if let Some(title) = &extras.title {
            definition.insert("title".into(), title.clone());
        }
        match cell("version") {
            Some((version, location)) => match version.parse::<u32>() {
                Ok(number) => {
                    self.note("version", location);
                    definition.insert("version".into(), json!(number));
                }
                Err(_) => {
                    self.problems.add(
                        location,
                        format!(
                            "version `{version}` is not a whole number: fieldwork numbers a \
                             survey's versions 1, 2, 3 (a date such as 2026120301 will do)"
                        ),
                    );
                    // Stands in, so that the checker does not report it missing as well.
                    definition.insert("version".into(), json!(1));
                }
            },
            None => {
                definition.insert("version".into(), json!(1));
            }
        }
        if let Some((_, location)) = cell("default_language") {
            self.note("languages", location);
        }
    }

    /// The same words in every language (a form_id standing in for a missing title).
    fn all_languages(&self, words: &str) -> Value {
        if self.languages.is_empty() {
            return Value::String(words.to_owned());
        }
        Value::Object(
            self.languages
                .iter()
                .map(|code| (code.clone(), Value::String(words.to_owned())))
                .collect(),
        )
    }

    /// Each list of the choices sheet, its rows in order.
    fn choice_lists<'w>(&mut self, choices: Option<&'w Sheet>) -> HashMap<String, Vec<&'w Row>> {
        let mut lists: HashMap<String, Vec<&Row>> = HashMap::new();
        let Some(sheet) = choices else {
            return lists;
        };
        let Some(list_name) = sheet.column("list_name") else {
            if !sheet.rows.is_empty() {
                self.problems.add(
                    Location::sheet(&sheet.name),
                    "the choices sheet has no `list_name` column",
                );
            }
            return lists;
        };
        for header in &sheet.headers {
            let refused = REFUSED_CHOICE_COLUMNS.contains(&header.base.as_str());
            for row in &sheet.rows {
                if refused && !row.text(header.column).is_empty() {
                    self.problems
                        .add(sheet.location(row, header), MEDIA_REFUSED);
                }
            }
        }
        for row in &sheet.rows {
            let list = row.text(list_name.column);
            if list.is_empty() {
                self.problems.add(
                    sheet.location(row, list_name),
                    "this choice names no list: give its list_name",
                );
                continue;
            }
            lists.entry(list).or_default().push(row);
        }
        lists
    }

    /// The survey sheet as a tree of groups; unbalanced groups are problems.
    fn tree<'w>(&mut self, survey: &'w Sheet) -> Vec<Node<'w>> {
        let Some(type_column) = survey.column("type") else {
            self.problems.add(
                Location::sheet(&survey.name),
                "the survey sheet has no `type` column",
            );
            return Vec::new();
        };
        self.refuse_columns(survey);
        let mut stack: Vec<(Option<&Row>, Vec<Node>)> = vec![(None, Vec::new())];
        for row in &survey.rows {
            let location = survey.location(row, type_column);
            let row_type = match self.row_type(&row.text(type_column.column)) {
                Ok(Some(row_type)) => row_type,
                Ok(None) => {
                    self.problems.add(
                        location,
                        "this row has no type: give it one (text, integer, select_one LIST...)",
                    );
                    continue;
                }
                Err(why) => {
                    self.problems.add(location, why);
                    continue;
                }
            };
            match row_type {
                RowType::BeginGroup => stack.push((Some(row), Vec::new())),
                RowType::EndGroup => {
                    if stack.len() == 1 {
                        self.problems
                            .add(location, "end_group without a begin_group above it");
                        continue;
                    }
                    let (group, children) = stack.pop().unwrap_or_default();
                    if let (Some(group), Some((_, parent))) = (group, stack.last_mut()) {
                        parent.push(Node::Group(group, children));
                    }
                }
                RowType::Note => push(&mut stack, Node::Note(row)),
                other => push(&mut stack, Node::Question(row, other)),
            }
        }
        while stack.len() > 1 {
            let (group, children) = stack.pop().unwrap_or_default();
            if let Some(group) = group {
                self.problems.add(
                    survey.location(group, type_column),
                    "this group is never closed: add an end_group row after its last question",
                );
                if let Some((_, parent)) = stack.last_mut() {
                    parent.push(Node::Group(group, children));
                }
            }
        }
        stack.pop().map(|(_, nodes)| nodes).unwrap_or_default()
    }

    fn refuse_columns(&mut self, survey: &Sheet) {
        for header in &survey.headers {
            let Some((_, why)) = REFUSED_SURVEY_COLUMNS
                .iter()
                .find(|(name, _)| *name == header.base)
            else {
                continue;
            };
            for row in &survey.rows {
                if !row.text(header.column).is_empty() {
                    self.problems.add(survey.location(row, header), *why);
                }
            }
        }
    }

    /// A row's type, `None` for an empty type cell, or why it is refused.
    fn row_type(&self, text: &str) -> Result<Option<RowType>, String> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let Some(first) = words.first() else {
            return Ok(None);
        };
        let first = first.to_ascii_lowercase();
        let second = words.get(1).map(|w| w.to_ascii_lowercase());
        let list = |index: usize| -> Result<String, String> {
            match words.get(index..) {
                Some([list]) => Ok((*list).to_owned()),
                Some([_, extra, ..]) if extra.eq_ignore_ascii_case("or_other") => Err(
                    "or_other is not supported: add an \"Other\" option and a text question \
                     shown when it is selected"
                        .to_owned(),
                ),
                Some([]) | None => Err(format!("`{text}` names no choice list")),
                Some(_) => Err(format!("`{text}`: a select names one choice list")),
            }
        };
        let refused = |why: &str| Err(format!("type `{text}`: {why}"));
        let row_type = match (first.as_str(), second.as_deref()) {
            ("begin_group", _) | ("begin", Some("group")) => RowType::BeginGroup,
            ("end_group", _) | ("end", Some("group")) => RowType::EndGroup,
            ("select_one", _) => RowType::SelectOne(list(1)?),
            _ if text.to_ascii_lowercase().contains("or specify other") => {
                return refused(
                    "\"or specify other\" is not supported: add an \"Other\" option and a text \
                     question shown when it is selected",
                )
            }
            ("select", Some("one")) => RowType::SelectOne(list(2)?),
            ("select_multiple", _) => RowType::SelectMultiple(list(1)?),
            ("select", Some("multiple")) => RowType::SelectMultiple(list(2)?),
            ("select_all_that_apply", _) => RowType::SelectMultiple(list(1)?),
            ("integer" | "int", None) => RowType::Integer,
            ("decimal", None) => RowType::Decimal,
            ("text" | "string", None) => RowType::Text,
            ("note", None) => RowType::Note,
            ("begin_repeat" | "end_repeat", _) | ("begin" | "end", Some("repeat" | "loop")) => {
                return refused(
                    "repeats are not supported: fieldwork asks each question once per \
                     response; ask for a fixed number of items, or one text answer",
                )
            }
            ("calculate" | "hidden", _) => {
                return refused(
                    "calculations and hidden values are not supported: fieldwork stores \
                     answers only; derive variables in analysis",
                )
            }
            ("select_one_from_file" | "select_multiple_from_file" | "select_one_external", _) => {
                return refused(
                    "choices from a file are not supported: put the list on the choices sheet",
                )
            }
            ("date" | "time" | "datetime", _) => {
                return refused(
                    "fieldwork has no date or time question: ask for a year as an integer, or \
                     use text",
                )
            }
            ("geopoint" | "geotrace" | "geoshape" | "start-geopoint", _) => {
                return refused("locations are not supported: fieldwork does not collect them")
            }
            ("image" | "audio" | "video" | "file" | "background-audio" | "background-video", _) => {
                return refused(MEDIA_REFUSED)
            }
            ("rank" | "range", _) => {
                return refused(
                    "fieldwork has no rank or range question: use select_one (a range's points \
                     as options) or several select_one questions",
                )
            }
            (
                "start"
                | "end"
                | "today"
                | "deviceid"
                | "subscriberid"
                | "simserial"
                | "phonenumber"
                | "username"
                | "email"
                | "audit"
                | "start-geopoint-audit",
                _,
            ) => {
                return refused(
                    "device metadata is not collected: fieldwork records when each response \
                     was started and sent itself",
                )
            }
            ("acknowledge" | "trigger" | "barcode" | "xml-external" | "csv-external", _) => {
                return refused("not supported by fieldwork (docs/xlsform.md lists the types)")
            }
            _ => {
                return refused(
                    "unknown type; fieldwork reads select_one, select_multiple, integer, \
                     decimal, text, note, begin_group and end_group",
                )
            }
        };
        Ok(Some(row_type))
    }

    /// The pages: each top-level group is a page, a run of questions outside any group is a
    /// page titled as the survey, and notes before everything are the survey's description.
    fn pages(
        &mut self,
        tree: &[Node],
        context: &Context,
        survey_title: &Value,
        pages: &mut Vec<Value>,
        description: &mut Vec<Value>,
        stratum: &mut Option<(String, String, Location)>,
    ) {
        let mut loose: Vec<&Node> = Vec::new();
        let mut started = false;
        for node in tree {
            match node {
                Node::Note(row) if !started => {
                    if let Some(text) = self.text(context.survey, row, "label", "description") {
                        description.push(text);
                    }
                }
                Node::Group(row, children) => {
                    started = true;
                    if !loose.is_empty() {
                        let page = self.page(
                            None,
                            survey_title,
                            &std::mem::take(&mut loose),
                            context,
                            pages.len(),
                            stratum,
                        );
                        pages.push(page);
                    }
                    let page = if self.is_grid(context, row, children, true) {
                        let index = pages.len();
                        let path = format!("pages[{index}]");
                        let title =
                            self.text(context.survey, row, "label", &format!("{path}.title"));
                        let grid = self.grid(
                            row,
                            children,
                            context,
                            &format!("{path}.questions[0]"),
                            stratum,
                        );
                        let mut page = Map::new();
                        page.insert("title".into(), title.unwrap_or(Value::Null));
                        page.insert("questions".into(), Value::Array(vec![grid]));
                        Value::Object(page)
                    } else {
                        let nodes: Vec<&Node> = children.iter().collect();
                        self.page(
                            Some(row),
                            survey_title,
                            &nodes,
                            context,
                            pages.len(),
                            stratum,
                        )
                    };
                    pages.push(page);
                }
                other => {
                    started = true;
                    loose.push(other);
                }
            }
        }
        if !loose.is_empty() {
            let page = self.page(None, survey_title, &loose, context, pages.len(), stratum);
            pages.push(page);
        }
    }

    fn page(
        &mut self,
        group: Option<&Row>,
        survey_title: &Value,
        nodes: &[&Node],
        context: &Context,
        index: usize,
        stratum: &mut Option<(String, String, Location)>,
    ) -> Value {
        let path = format!("pages[{index}]");
        let survey = context.survey;
        let mut page = Map::new();
        match group {
            Some(row) => {
                self.note(&path, Location::row(&survey.name, row.number));
                // A group without a label (a field-list screen, say) takes the survey's title.
                let title = self.text(survey, row, "label", &format!("{path}.title"));
                page.insert(
                    "title".into(),
                    title.unwrap_or_else(|| survey_title.clone()),
                );
                for (column, why) in [
                    ("relevant", "a page (a top-level group) cannot be conditional in fieldwork: put the condition on each of its questions"),
                    ("fieldwork", "the fieldwork column applies to questions and grids, not pages"),
                    ("hint", "a page has no hint: put its words in a note at the start of the group, which becomes the page's introduction"),
                ] {
                    if let Some(header) = survey.columns(column).find(|h| !row.text(h.column).is_empty()) {
                        self.problems.add(survey.location(row, header), why);
                    }
                }
            }
            None => {
                if let Some(first) = nodes.first() {
                    self.note(&path, Location::row(&survey.name, first.row().number));
                }
                page.insert("title".into(), survey_title.clone());
            }
        }
        let mut intro = Vec::new();
        let mut questions = Vec::new();
        for node in nodes {
            let question_path = format!("{path}.questions[{}]", questions.len());
            match node {
                Node::Note(row) if questions.is_empty() && group.is_some() => {
                    if let Some(text) =
                        self.text(survey, row, "label", &format!("{path}.description"))
                    {
                        intro.push(text);
                    }
                }
                Node::Note(row) => self.problems.add(
                    Location::row(&survey.name, row.number),
                    "fieldwork shows a note only as the introduction of the survey (before its \
                     first question) or of a page (first in its group): move this note there, \
                     or make it the hint of the next question",
                ),
                Node::Question(row, row_type) => {
                    let question = self.question(row, row_type, context, &question_path, stratum);
                    questions.push(question);
                }
                Node::Group(row, children) => {
                    if self.is_grid(context, row, children, false) {
                        let grid = self.grid(row, children, context, &question_path, stratum);
                        questions.push(grid);
                    } else {
                        self.problems.add(
                            Location::row(&survey.name, row.number),
                            "fieldwork pages do not nest: a group inside a page must be a Likert \
                             grid (appearance field-list or table-list, every question in it a \
                             select_one from the same list)",
                        );
                    }
                }
            }
        }
        if !intro.is_empty() {
            page.insert("description".into(), join_texts(&intro));
        }
        page.insert("questions".into(), Value::Array(questions));
        Value::Object(page)
    }

    /// Whether a group is a Likert grid: appearance `table-list` (or, inside a page,
    /// `field-list`) and every question a select_one from one list.
    fn is_grid(
        &mut self,
        context: &Context,
        group: &Row,
        children: &[Node],
        top_level: bool,
    ) -> bool {
        let appearance = appearance(context.survey, group);
        let table = appearance.iter().any(|a| a == "table-list");
        let field = appearance.iter().any(|a| a == "field-list");
        if !(table || (field && !top_level)) {
            return false;
        }
        let mut lists = children.iter().map(|child| match child {
            Node::Question(_, RowType::SelectOne(list)) => Some(list),
            _ => None,
        });
        let first = lists.next().flatten();
        let one_list = first.is_some() && lists.all(|list| list == first);
        if !one_list && table {
            self.problems.add(
                Location::row(&context.survey.name, group.number),
                "a table-list group is a Likert grid in fieldwork: every row in it must be a \
                 select_one from the same list, with no notes or groups",
            );
        }
        one_list
    }

    fn grid(
        &mut self,
        group: &Row,
        children: &[Node],
        context: &Context,
        path: &str,
        stratum: &mut Option<(String, String, Location)>,
    ) -> Value {
        let survey = context.survey;
        self.note(path, Location::row(&survey.name, group.number));
        let mut grid = Map::new();
        grid.insert(
            "id".into(),
            Value::String(self.name(survey, group, &format!("{path}.id"))),
        );
        grid.insert("type".into(), json!("likert_grid"));
        self.put_text(&mut grid, survey, group, "label", "text", path);
        self.put_text(&mut grid, survey, group, "hint", "hint", path);
        self.put_condition(&mut grid, context, group, path);
        self.put_flags(&mut grid, survey, group, path, stratum, false);
        let mut items = Vec::new();
        let mut required = Vec::new();
        let mut messages = Vec::new();
        let mut list_name = None;
        for (index, child) in children.iter().enumerate() {
            let Node::Question(row, RowType::SelectOne(list)) = child else {
                continue;
            };
            list_name = Some(list.clone());
            let item_path = format!("{path}.items[{index}]");
            self.note(&item_path, Location::row(&survey.name, row.number));
            let mut item = Map::new();
            item.insert(
                "id".into(),
                Value::String(self.name(survey, row, &format!("{item_path}.id"))),
            );
            self.put_text(&mut item, survey, row, "label", "text", &item_path);
            items.push(Value::Object(item));
            required.push((row, self.required(survey, row)));
            messages.push(self.text(
                survey,
                row,
                "required_message",
                &format!("{path}.error_message"),
            ));
            for (column, why) in [
                ("relevant", "a statement of a grid cannot be conditional: put the condition on the group"),
                ("constraint", "a grid's statements take no constraint"),
                ("hint", "a grid's statements take no hint: put it on the group"),
                ("fieldwork", "the fieldwork column of a grid goes on its group"),
                ("appearance", "a grid's statements take no appearance: the group's table-list or field-list makes the grid"),
            ] {
                if let Some(header) = survey.columns(column).find(|h| !row.text(h.column).is_empty()) {
                    self.problems.add(survey.location(row, header), why);
                }
            }
        }
        let all_required = required.iter().all(|(_, r)| *r);
        if !all_required && required.iter().any(|(_, r)| *r) {
            let row = required
                .iter()
                .find(|(_, r)| !*r)
                .map_or(group, |(row, _)| *row);
            self.problems.add(
                Location::row(&survey.name, row.number),
                "the statements of a grid are required together or not at all: make every one \
                 required, or none",
            );
        }
        grid.insert("required".into(), Value::Bool(all_required));
        if let Some(message) = messages.first().cloned().flatten() {
            if messages.iter().any(|m| m.as_ref() != Some(&message)) {
                self.problems.add(
                    Location::row(&survey.name, group.number),
                    "the statements of a grid share one required_message: give each the same, \
                     or leave them all empty",
                );
            }
            grid.insert("error_message".into(), message);
        }
        grid.insert("items".into(), Value::Array(items));
        if let Some(list) = list_name {
            let (scale, non_substantive) =
                self.options(&list, context, &format!("{path}.scale"), true, &[]);
            grid.insert("scale".into(), Value::Array(scale));
            if !non_substantive.is_empty() {
                grid.insert("non_substantive".into(), Value::Array(non_substantive));
            }
        }
        Value::Object(grid)
    }

    fn question(
        &mut self,
        row: &Row,
        row_type: &RowType,
        context: &Context,
        path: &str,
        stratum: &mut Option<(String, String, Location)>,
    ) -> Value {
        let survey = context.survey;
        self.note(path, Location::row(&survey.name, row.number));
        let mut question = Map::new();
        let id = self.name(survey, row, &format!("{path}.id"));
        question.insert("id".into(), Value::String(id));
        self.put_text(&mut question, survey, row, "label", "text", path);
        self.put_text(&mut question, survey, row, "hint", "hint", path);
        self.put_text(
            &mut question,
            survey,
            row,
            "required_message",
            "error_message",
            path,
        );
        question.insert("required".into(), Value::Bool(self.required(survey, row)));
        self.put_condition(&mut question, context, row, path);
        let is_stratum_candidate = matches!(row_type, RowType::SelectOne(_));
        self.put_flags(
            &mut question,
            survey,
            row,
            path,
            stratum,
            is_stratum_candidate,
        );
        let appearance = appearance(survey, row);
        if appearance.iter().any(|a| a.starts_with("search(")) {
            if let Some(header) = survey.column("appearance") {
                self.problems.add(
                    survey.location(row, header),
                    "search() appearances read choices from a file, which fieldwork does not: \
                     put the list on the choices sheet",
                );
            }
        }
        let constrained = match row_type {
            RowType::Integer => Constrained::Integer,
            RowType::Decimal => Constrained::Decimal,
            RowType::SelectMultiple(_) => Constrained::SelectMultiple,
            RowType::Text => Constrained::Text,
            _ => Constrained::Other,
        };
        let bounds = self.bounds(survey, row, constrained, path);
        match row_type {
            RowType::SelectOne(list) => {
                let likert = appearance.iter().any(|a| a == "likert");
                let options_path = format!("{path}.{}", if likert { "scale" } else { "options" });
                let (options, non_substantive) =
                    self.options(list, context, &options_path, likert, &[]);
                if likert {
                    question.insert("type".into(), json!("likert"));
                    question.insert("scale".into(), Value::Array(options));
                    if !non_substantive.is_empty() {
                        question.insert("non_substantive".into(), Value::Array(non_substantive));
                    }
                } else {
                    question.insert("type".into(), json!("single_choice"));
                    question.insert("options".into(), Value::Array(options));
                }
            }
            RowType::SelectMultiple(list) => {
                let (options, _) = self.options(
                    list,
                    context,
                    &format!("{path}.options"),
                    false,
                    &bounds.exclusive,
                );
                question.insert("type".into(), json!("multi_choice"));
                question.insert("options".into(), Value::Array(options));
                put_number(&mut question, "min_selections", bounds.min_selections);
                put_number(&mut question, "max_selections", bounds.max_selections);
            }
            RowType::Integer | RowType::Decimal => {
                question.insert("type".into(), json!("number"));
                let kind = if *row_type == RowType::Integer {
                    "integer"
                } else {
                    "decimal"
                };
                question.insert("kind".into(), json!(kind));
                put_number(&mut question, "min", bounds.min);
                put_number(&mut question, "max", bounds.max);
                self.put_text(&mut question, survey, row, "unit", "unit", path);
            }
            RowType::Text => {
                question.insert("type".into(), json!("text"));
                let long = appearance.iter().any(|a| a == "multiline");
                question.insert("format".into(), json!(if long { "long" } else { "short" }));
                put_number(&mut question, "max_length", bounds.max_length);
            }
            RowType::BeginGroup | RowType::EndGroup | RowType::Note => {}
        }
        if !matches!(row_type, RowType::Integer | RowType::Decimal) {
            if let Some(header) = survey
                .columns("unit")
                .find(|h| !row.text(h.column).is_empty())
            {
                self.problems.add(
                    survey.location(row, header),
                    "a unit belongs to an integer or decimal question",
                );
            }
        }
        Value::Object(question)
    }

    fn name(&mut self, survey: &Sheet, row: &Row, path: &str) -> String {
        let Some(header) = survey.column("name") else {
            self.problems.add(
                Location::row(&survey.name, row.number),
                "the survey sheet has no `name` column: every question needs a name",
            );
            return String::new();
        };
        self.note(path, survey.location(row, header));
        row.text(header.column)
    }

    fn put_text(
        &mut self,
        object: &mut Map<String, Value>,
        sheet: &Sheet,
        row: &Row,
        column: &str,
        field: &str,
        path: &str,
    ) {
        if let Some(text) = self.text(sheet, row, column, &format!("{path}.{field}")) {
            object.insert(field.into(), text);
        }
    }

    fn required(&mut self, survey: &Sheet, row: &Row) -> bool {
        let Some(header) = survey.column("required") else {
            return false;
        };
        let value = row.text(header.column).to_ascii_lowercase();
        match value.as_str() {
            "yes" | "true" | "true()" | "1" => true,
            "" | "no" | "false" | "false()" | "0" => false,
            _ => {
                self.problems.add(
                    survey.location(row, header),
                    format!(
                        "required `{value}`: fieldwork takes yes or no here, not a condition; \
                         make the question conditional with relevant instead"
                    ),
                );
                false
            }
        }
    }

    fn put_condition(
        &mut self,
        object: &mut Map<String, Value>,
        context: &Context,
        row: &Row,
        path: &str,
    ) {
        let survey = context.survey;
        let Some(header) = survey.column("relevant") else {
            return;
        };
        let text = row.text(header.column);
        if text.is_empty() {
            return;
        }
        let location = survey.location(row, header);
        self.note(&format!("{path}.show_if"), location.clone());
        // In XPath `${q} = 'x'` on a select_multiple holds only when x is all that was chosen;
        // fieldwork's test is whether x is among the choices, which is selected().
        for question in equality_tested(&text) {
            if context.select_multiple.contains(&question) {
                self.problems.add(
                    location.clone(),
                    format!(
                        "`${{{question}}}` is a select_multiple: `=` and `!=` compare its whole \
                         answer; write selected(${{{question}}}, 'x') to test one option"
                    ),
                );
                return;
            }
        }
        match condition_from_relevant(&text) {
            Ok(condition) => {
                object.insert(
                    "show_if".into(),
                    serde_json::to_value(condition).unwrap_or(Value::Null),
                );
            }
            Err(why) => self.problems.add(location, why),
        }
    }

    fn bounds(&mut self, survey: &Sheet, row: &Row, on: Constrained, path: &str) -> Bounds {
        let Some(header) = survey.column("constraint") else {
            return Bounds::default();
        };
        let text = row.text(header.column);
        if text.is_empty() {
            return Bounds::default();
        }
        let location = survey.location(row, header);
        for field in [
            "min",
            "max",
            "min_selections",
            "max_selections",
            "max_length",
        ] {
            self.note(&format!("{path}.{field}"), location.clone());
        }
        match bounds_from_constraint(&text, on) {
            Ok(bounds) => bounds,
            Err(why) => {
                self.problems.add(location, why);
                Bounds::default()
            }
        }
    }

    /// The `fieldwork` column's words: `sensitive`, `publishable`, and `stratum`.
    fn put_flags(
        &mut self,
        object: &mut Map<String, Value>,
        survey: &Sheet,
        row: &Row,
        path: &str,
        stratum: &mut Option<(String, String, Location)>,
        may_be_stratum: bool,
    ) {
        let Some(header) = survey.column("fieldwork") else {
            return;
        };
        let location = survey.location(row, header);
        let text = row.text(header.column);
        for word in text
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|w| !w.is_empty())
        {
            let word = word.to_ascii_lowercase();
            match word.as_str() {
                "sensitive" | "publishable" => {
                    self.note(&format!("{path}.{word}"), location.clone());
                    object.insert(word, Value::Bool(true));
                }
                "stratum" if may_be_stratum => {
                    let id = object
                        .get("id")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned();
                    let list = survey
                        .column("type")
                        .map(|h| row.text(h.column))
                        .and_then(|t| t.split_whitespace().nth(1).map(str::to_owned))
                        .unwrap_or_default();
                    if let Some((other, _, _)) = stratum {
                        self.problems.add(
                            location.clone(),
                            format!("`{other}` is already the stratum question: a survey has one"),
                        );
                    } else {
                        *stratum = Some((id, list, location.clone()));
                    }
                }
                "stratum" => self.problems.add(
                    location.clone(),
                    "the stratum question must be a select_one whose options are the strata",
                ),
                other => self.problems.add(
                    location.clone(),
                    format!(
                        "`{other}` is not a fieldwork flag; the fieldwork column takes {}",
                        QUESTION_FLAGS.join(", ")
                    ),
                ),
            }
        }
    }

    /// A list's choices as options (and, for a Likert scale, its non-substantive points apart).
    fn options(
        &mut self,
        list: &str,
        context: &Context,
        path: &str,
        likert: bool,
        exclusive: &[String],
    ) -> (Vec<Value>, Vec<Value>) {
        let Some(sheet) = context.choices else {
            return (Vec::new(), Vec::new());
        };
        let Some(rows) = context.lists.get(list) else {
            self.note(path, Location::sheet(&sheet.name));
            self.problems.add(
                Location::sheet(&sheet.name),
                format!("there is no list `{list}` on the choices sheet"),
            );
            return (Vec::new(), Vec::new());
        };
        let name_column = sheet.column("name");
        let flag_column = sheet.column("fieldwork");
        let mut options = Vec::new();
        let mut non_substantive = Vec::new();
        let non_substantive_path = path.replace(".scale", ".non_substantive");
        for row in rows {
            let flags = flag_column
                .map(|h| row.text(h.column).to_ascii_lowercase())
                .unwrap_or_default();
            let is_non_substantive = match flags.as_str() {
                "" => false,
                "non_substantive" if likert => true,
                "non_substantive" => {
                    if let Some(h) = flag_column {
                        self.problems.add(
                            sheet.location(row, h),
                            format!(
                                "non_substantive marks points of a Likert scale; list `{list}` is \
                                 used by a question that is not (give it appearance likert, or \
                                 put it in a table-list group)"
                            ),
                        );
                    }
                    false
                }
                other => {
                    if let Some(h) = flag_column {
                        self.problems.add(
                            sheet.location(row, h),
                            format!("`{other}` is not a fieldwork flag for a choice; the one there is, is non_substantive"),
                        );
                    }
                    false
                }
            };
            let (target, target_path) = if is_non_substantive {
                (&mut non_substantive, non_substantive_path.as_str())
            } else {
                (&mut options, path)
            };
            let option_path = format!("{target_path}[{}]", target.len());
            self.note(&option_path, Location::row(&sheet.name, row.number));
            let mut option = Map::new();
            let code = match name_column {
                Some(h) => {
                    self.note(&format!("{option_path}.code"), sheet.location(row, h));
                    row.text(h.column)
                }
                None => String::new(),
            };
            option.insert("code".into(), Value::String(code.clone()));
            if let Some(label) = self.text(sheet, row, "label", &format!("{option_path}.label")) {
                option.insert("label".into(), label);
            }
            let key = (list.to_owned(), code.clone());
            if let Some((hint, location)) = context.hints.get(&key) {
                self.used_hints.insert(key);
                self.note(&format!("{option_path}.hint"), location.clone());
                option.insert("hint".into(), hint.clone());
            }
            if exclusive.contains(&code) {
                option.insert("exclusive".into(), Value::Bool(true));
            }
            target.push(Value::Object(option));
        }
        (options, non_substantive)
    }

    /// The stratification: the question marked `stratum` (or given by `--stratum`), and its
    /// frame from the list's `population` and `population_source` columns (or `--frame`).
    fn stratification(
        &mut self,
        marked: Option<(String, String, Location)>,
        options: &ImportOptions,
        context: &Context,
        tree: &[Node],
    ) -> Option<Value> {
        let named = options
            .stratum
            .clone()
            .map(|question| (question, Location::sheet(&context.survey.name)))
            .or_else(|| context.settings_stratum.clone());
        let (question, list, location) = match (named, marked) {
            (Some((question, location)), marked) => {
                if let Some((other, _, mark)) = marked.filter(|(id, _, _)| *id != question) {
                    self.problems.add(
                        mark,
                        format!(
                            "`{other}` is marked as the stratum, but `{question}` is named as \
                             it too: a survey has one stratum question"
                        ),
                    );
                }
                let list = find_list(tree, &question, context.survey).unwrap_or_default();
                // The question's own row says more than "survey" or a settings cell would.
                let location = find_row(tree, &question, context.survey)
                    .map_or(location, |row| Location::row(&context.survey.name, row));
                (question, list, location)
            }
            (None, Some(marked)) => marked,
            (None, None) => {
                if options.frame_csv.is_some() {
                    self.problems.add(
                        Location::sheet(&context.survey.name),
                        "a frame was given but no stratum question: mark one with `stratum` in \
                         the fieldwork column, name it in settings' stratum column, or pass \
                         --stratum",
                    );
                }
                return None;
            }
        };
        self.note("stratification", location.clone());
        let mut frame = Map::new();
        if let Some(csv) = &options.frame_csv {
            frame.insert("csv".into(), Value::String(csv.clone()));
        } else if let Some(sheet) = context.choices {
            let mut population = Map::new();
            let mut sources = Map::new();
            let rows = context.lists.get(&list).cloned().unwrap_or_default();
            let name = sheet.column("name");
            let population_column = sheet.column("population");
            let source_column = sheet.column("population_source");
            for row in rows {
                let code = name.map(|h| row.text(h.column)).unwrap_or_default();
                if let Some(h) = population_column {
                    let cell_location = sheet.location(row, h);
                    self.note(
                        &format!("stratification.frame.population.{code}"),
                        cell_location.clone(),
                    );
                    let text = row.text(h.column);
                    match text.parse::<u64>() {
                        Ok(number) => {
                            population.insert(code.clone(), json!(number));
                        }
                        Err(_) if text.is_empty() => {}
                        Err(_) => self.problems.add(
                            cell_location,
                            format!("population `{text}` is not a whole number of people"),
                        ),
                    }
                }
                if let Some(h) = source_column {
                    let text = row.text(h.column);
                    if !text.is_empty() {
                        sources.insert(code.clone(), Value::String(text));
                    }
                }
            }
            // Without a list (the question is not a select_one) the checker says what is wrong.
            if population.is_empty() && !list.is_empty() {
                self.frame_reported = true;
                self.problems.add(
                    location.clone(),
                    format!(
                        "the stratum question's list `{list}` gives no population: add a \
                         population column to the choices sheet with each stratum's size (and a \
                         population_source), or give a frame CSV (--frame, or the import page's \
                         frame file)"
                    ),
                );
            }
            if let Some(h) = population_column {
                self.note("stratification.frame", sheet.header_location(h));
            }
            frame.insert("population".into(), Value::Object(population));
            if !sources.is_empty() {
                frame.insert("sources".into(), Value::Object(sources));
            }
        }
        Some(json!({ "question": question, "frame": frame }))
    }

    fn check_unused_hints(&mut self, extras: &FieldworkSheet, lists: &HashMap<String, Vec<&Row>>) {
        for ((list, code), (_, location)) in &extras.choice_hints {
            if !lists.contains_key(list) {
                self.problems.add(
                    location.clone(),
                    format!("there is no list `{list}` on the choices sheet"),
                );
            } else if !self.used_hints.contains(&(list.clone(), code.clone())) {
                self.problems.add(
                    location.clone(),
                    format!("list `{list}` has no choice `{code}`"),
                );
            }
        }
    }
}

/// What every question's reading needs from the workbook.
struct Context<'a, 'w> {
    survey: &'w Sheet,
    /// Settings' `stratum` column: the stratum question's name, and its cell.
    settings_stratum: Option<(String, Location)>,
    /// The names of the select_multiple questions, whose answers `=` does not test as
    /// fieldwork's conditions do.
    select_multiple: HashSet<String>,
    choices: Option<&'w Sheet>,
    lists: &'a HashMap<String, Vec<&'w Row>>,
    hints: &'a HashMap<(String, String), (Value, Location)>,
}

fn push<'w>(stack: &mut [(Option<&'w Row>, Vec<Node<'w>>)], node: Node<'w>) {
    if let Some((_, nodes)) = stack.last_mut() {
        nodes.push(node);
    }
}

fn appearance(survey: &Sheet, row: &Row) -> Vec<String> {
    survey
        .column("appearance")
        .map(|h| {
            row.text(h.column)
                .split_whitespace()
                .map(|w| w.to_ascii_lowercase())
                .collect()
        })
        .unwrap_or_default()
}

fn put_number(object: &mut Map<String, Value>, field: &str, value: Option<f64>) {
    if let Some(value) = value {
        let number = if value.fract() == 0.0 && value.abs() < 1e15 {
            json!(value as i64)
        } else {
            json!(value)
        };
        object.insert(field.into(), number);
    }
}

/// XLSForm's form_id as a fieldwork slug: lower case, `_` and spaces as hyphens.
fn slug_from_form_id(id: &str) -> String {
    id.trim()
        .to_lowercase()
        .chars()
        .map(|c| if c == '_' || c == ' ' { '-' } else { c })
        .collect()
}

/// Several notes' words as one text, paragraphs apart, language by language.
fn join_texts(texts: &[Value]) -> Value {
    if let [one] = texts {
        return one.clone();
    }
    if texts.iter().all(Value::is_string) {
        let words: Vec<&str> = texts.iter().filter_map(Value::as_str).collect();
        return Value::String(words.join("\n\n"));
    }
    let mut joined: Map<String, Value> = Map::new();
    for text in texts {
        if let Value::Object(languages) = text {
            for (code, words) in languages {
                let words = words.as_str().unwrap_or_default();
                match joined.get_mut(code) {
                    Some(Value::String(existing)) => {
                        existing.push_str("\n\n");
                        existing.push_str(words);
                    }
                    _ => {
                        joined.insert(code.clone(), Value::String(words.to_owned()));
                    }
                }
            }
        }
    }
    Value::Object(joined)
}

fn description_row(tree: &[Node]) -> usize {
    tree.first().map_or(1, |node| node.row().number)
}

/// The names of every select_multiple question.
fn select_multiple_names(tree: &[Node], survey: &Sheet) -> HashSet<String> {
    let Some(name) = survey.column("name") else {
        return HashSet::new();
    };
    let mut names = HashSet::new();
    for node in tree {
        match node {
            Node::Question(row, RowType::SelectMultiple(_)) => {
                names.insert(row.text(name.column));
            }
            Node::Group(_, children) => names.extend(select_multiple_names(children, survey)),
            _ => {}
        }
    }
    names
}

/// The row of the question named `question`.
fn find_row(tree: &[Node], question: &str, survey: &Sheet) -> Option<usize> {
    let name = survey.column("name")?;
    tree.iter().find_map(|node| match node {
        Node::Question(row, _) if row.text(name.column) == question => Some(row.number),
        Node::Group(_, children) => find_row(children, question, survey),
        _ => None,
    })
}

/// The list of the select_one named `question`, for `--stratum`.
fn find_list(tree: &[Node], question: &str, survey: &Sheet) -> Option<String> {
    let name = survey.column("name")?;
    tree.iter().find_map(|node| match node {
        Node::Question(row, RowType::SelectOne(list)) if row.text(name.column) == question => {
            Some(list.clone())
        }
        Node::Group(_, children) => find_list(children, question, survey),
        _ => None,
    })
}
