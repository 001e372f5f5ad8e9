//! Survey definition to XLSForm workbook: the form [`crate::read_xlsform`] reads back as the
//! same definition, and that pyxform converts to an XForm.

use std::collections::HashSet;

use fieldwork_survey::{Choice, Question, QuestionKind, SurveyDefinition, Text, TextFormat};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use serde_json::Value;

use crate::conditions::relevant_from_condition;
use crate::constraints::{constraint_from_bounds, Bounds};
use crate::fieldwork_sheet::{fieldwork_rows, is_words};
use crate::languages::language_label;

/// A cell to write.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Bool(bool),
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        if text.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(text)
        }
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::from(text.to_owned())
    }
}

/// A sheet being written: its headers, then rows of cells by header.
struct Table {
    name: &'static str,
    headers: Vec<String>,
    rows: Vec<Vec<Cell>>,
}

impl Table {
    fn new(name: &'static str, headers: Vec<String>) -> Table {
        Table {
            name,
            headers,
            rows: Vec::new(),
        }
    }

    /// A row of cells, each given with its column's header.
    fn push<H: AsRef<str>>(&mut self, cells: impl IntoIterator<Item = (H, Cell)>) {
        let mut row = vec![Cell::Empty; self.headers.len()];
        for (header, cell) in cells {
            if let Some(index) = self.headers.iter().position(|h| h == header.as_ref()) {
                row[index] = cell;
            }
        }
        self.rows.push(row);
    }

    fn write(&self, sheet: &mut Worksheet, bold: &Format) -> Result<(), XlsxError> {
        sheet.set_name(self.name)?;
        for (column, header) in self.headers.iter().enumerate() {
            let column = u16::try_from(column).unwrap_or(u16::MAX);
            sheet.write_string_with_format(0, column, header, bold)?;
            let width = if header.starts_with("label") || header.starts_with("value") {
                48.0
            } else {
                16.0
            };
            sheet.set_column_width(column, width)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        for (index, row) in self.rows.iter().enumerate() {
            let at = u32::try_from(index + 1).unwrap_or(u32::MAX);
            for (column, cell) in row.iter().enumerate() {
                let column = u16::try_from(column).unwrap_or(u16::MAX);
                match cell {
                    Cell::Empty => {}
                    Cell::Text(text) => {
                        sheet.write_string(at, column, text)?;
                    }
                    Cell::Number(number) => {
                        sheet.write_number(at, column, *number)?;
                    }
                    Cell::Bool(value) => {
                        sheet.write_boolean(at, column, *value)?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// The definition as an XLSForm workbook (.xlsx bytes).
pub fn write_xlsform(definition: &SurveyDefinition) -> Result<Vec<u8>, XlsxError> {
    let mut writer = Writer::new(definition);
    writer.survey_rows();
    let settings = writer.settings_table();
    let tables = [writer.survey, writer.choices, settings, writer.fieldwork];
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    for table in &tables {
        if table.name == "fieldwork" && table.rows.is_empty() {
            continue;
        }
        table.write(workbook.add_worksheet(), &bold)?;
    }
    workbook.save_to_buffer()
}

struct Writer<'d> {
    definition: &'d SurveyDefinition,
    languages: Vec<String>,
    survey: Table,
    choices: Table,
    fieldwork: Table,
    taken: HashSet<String>,
}

impl<'d> Writer<'d> {
    fn new(definition: &'d SurveyDefinition) -> Writer<'d> {
        let languages = definition.languages.clone();
        let translated = |base: &str| -> Vec<String> {
            if languages.is_empty() {
                vec![base.to_owned()]
            } else {
                languages
                    .iter()
                    .map(|code| format!("{base}::{}", language_label(code)))
                    .collect()
            }
        };
        let mut survey_headers = vec!["type".to_owned(), "name".to_owned()];
        survey_headers.extend(translated("label"));
        survey_headers.extend(translated("hint"));
        survey_headers.push("required".to_owned());
        survey_headers.extend(translated("required_message"));
        survey_headers.extend(["relevant", "constraint", "appearance"].map(String::from));
        survey_headers.extend(translated("unit"));
        survey_headers.push("fieldwork".to_owned());
        let mut choice_headers = vec!["list_name".to_owned(), "name".to_owned()];
        choice_headers.extend(translated("label"));
        choice_headers.push("fieldwork".to_owned());
        if definition.stratification.is_some() {
            choice_headers.extend(["population", "population_source"].map(String::from));
        }
        let mut fieldwork_headers = vec!["key".to_owned(), "value".to_owned()];
        if !languages.is_empty() {
            fieldwork_headers.extend(translated("value"));
        }
        let taken = definition
            .questions()
            .flat_map(|q| {
                let items: Vec<String> = match &q.kind {
                    QuestionKind::LikertGrid { items, .. } => {
                        items.iter().map(|i| i.id.clone()).collect()
                    }
                    _ => Vec::new(),
                };
                std::iter::once(q.id.clone()).chain(items)
            })
            .collect();
        let mut writer = Writer {
            definition,
            languages,
            survey: Table::new("survey", survey_headers),
            choices: Table::new("choices", choice_headers),
            fieldwork: Table::new("fieldwork", fieldwork_headers),
            taken,
        };
        writer.fieldwork_values();
        writer
    }

    /// The columns of a translatable field and their cells for `text`.
    fn text_cells(&self, base: &str, text: Option<&Text>) -> Vec<(String, Cell)> {
        let Some(text) = text else {
            return Vec::new();
        };
        if self.languages.is_empty() {
            return vec![(base.to_owned(), Cell::from(text.primary()))];
        }
        self.languages
            .iter()
            .map(|code| {
                (
                    format!("{base}::{}", language_label(code)),
                    Cell::from(text.get(code)),
                )
            })
            .collect()
    }

    /// A name no question has, for the rows fieldwork makes up (pages, notes).
    fn fresh_name(&mut self, wanted: String) -> String {
        let mut name = wanted.clone();
        let mut n = 2;
        while self.taken.contains(&name) {
            name = format!("{wanted}_{n}");
            n += 1;
        }
        self.taken.insert(name.clone());
        name
    }

    fn row(&mut self, fixed: Vec<(&str, Cell)>, texts: Vec<(String, Cell)>) {
        let fixed = fixed.into_iter().map(|(h, c)| (h.to_owned(), c));
        self.survey.push(fixed.chain(texts));
    }

    fn note(&mut self, name: String, text: &Text) {
        let label = self.text_cells("label", Some(text));
        self.row(vec![("type", "note".into()), ("name", name.into())], label);
    }

    fn survey_rows(&mut self) {
        if let Some(description) = &self.definition.description {
            let name = self.fresh_name("intro".to_owned());
            self.note(name, description);
        }
        for (index, page) in self.definition.pages.iter().enumerate() {
            let name = self.fresh_name(format!("page_{}", index + 1));
            let label = self.text_cells("label", Some(&page.title));
            self.row(
                vec![
                    ("type", "begin_group".into()),
                    ("name", name.clone().into()),
                ],
                label,
            );
            if let Some(description) = &page.description {
                let intro = self.fresh_name(format!("{name}_intro"));
                self.note(intro, description);
            }
            for question in &page.questions {
                self.question(question);
            }
            self.row(vec![("type", "end_group".into())], Vec::new());
        }
    }

    fn flags(&self, question: &Question) -> Cell {
        let mut flags = Vec::new();
        let is_stratum = self
            .definition
            .stratification
            .as_ref()
            .is_some_and(|s| s.question == question.id);
        if is_stratum {
            flags.push("stratum");
        }
        if question.sensitive {
            flags.push("sensitive");
        }
        if question.publishable {
            flags.push("publishable");
        }
        Cell::from(flags.join(" "))
    }

    fn question(&mut self, question: &Question) {
        let relevant = question
            .show_if
            .as_ref()
            .map(|c| relevant_from_condition(c, self.definition))
            .unwrap_or_default();
        let required = Cell::from(if question.required { "yes" } else { "no" });
        let mut texts = self.text_cells("label", Some(&question.text));
        texts.extend(self.text_cells("hint", question.hint.as_ref()));
        let message = self.text_cells("required_message", question.error_message.as_ref());
        let flags = self.flags(question);
        let list = question.id.clone();
        let (row_type, appearance, bounds) = match &question.kind {
            QuestionKind::SingleChoice { options } => {
                self.list(&list, options, &[]);
                (format!("select_one {list}"), "", Bounds::default())
            }
            QuestionKind::Likert {
                scale,
                non_substantive,
            } => {
                self.list(&list, scale, non_substantive);
                (format!("select_one {list}"), "likert", Bounds::default())
            }
            QuestionKind::MultiChoice {
                options,
                min_selections,
                max_selections,
            } => {
                self.list(&list, options, &[]);
                let bounds = Bounds {
                    min_selections: min_selections.map(f64::from),
                    max_selections: max_selections.map(f64::from),
                    exclusive: options
                        .iter()
                        .filter(|o| o.exclusive)
                        .map(|o| o.code.clone())
                        .collect(),
                    ..Bounds::default()
                };
                (format!("select_multiple {list}"), "", bounds)
            }
            QuestionKind::Number {
                kind,
                min,
                max,
                unit,
            } => {
                texts.extend(self.text_cells("unit", unit.as_ref()));
                let row_type = match kind {
                    fieldwork_survey::NumberKind::Integer => "integer",
                    fieldwork_survey::NumberKind::Decimal => "decimal",
                };
                let bounds = Bounds {
                    min: *min,
                    max: *max,
                    ..Bounds::default()
                };
                (row_type.to_owned(), "", bounds)
            }
            QuestionKind::Text { format, max_length } => {
                let appearance = match format {
                    TextFormat::Short => "",
                    TextFormat::Long => "multiline",
                };
                let bounds = Bounds {
                    max_length: Some(f64::from(*max_length)),
                    ..Bounds::default()
                };
                ("text".to_owned(), appearance, bounds)
            }
            QuestionKind::LikertGrid {
                items,
                scale,
                non_substantive,
            } => {
                self.list(&list, scale, non_substantive);
                let mut group_texts = self.text_cells("label", Some(&question.text));
                group_texts.extend(self.text_cells("hint", question.hint.as_ref()));
                self.row(
                    vec![
                        ("type", "begin_group".into()),
                        ("name", question.id.clone().into()),
                        ("relevant", relevant.into()),
                        ("appearance", "table-list".into()),
                        ("fieldwork", flags),
                    ],
                    group_texts,
                );
                for item in items {
                    let mut item_texts = self.text_cells("label", Some(&item.text));
                    item_texts.extend(message.iter().cloned());
                    self.row(
                        vec![
                            ("type", format!("select_one {list}").into()),
                            ("name", item.id.clone().into()),
                            ("required", required.clone()),
                        ],
                        item_texts,
                    );
                }
                self.row(vec![("type", "end_group".into())], Vec::new());
                return;
            }
        };
        texts.extend(message);
        self.row(
            vec![
                ("type", row_type.into()),
                ("name", question.id.clone().into()),
                ("required", required),
                ("relevant", relevant.into()),
                ("constraint", constraint_from_bounds(&bounds).into()),
                ("appearance", appearance.into()),
                ("fieldwork", flags),
            ],
            texts,
        );
    }

    fn list(&mut self, list: &str, options: &[Choice], non_substantive: &[Choice]) {
        let frame = self
            .definition
            .stratification
            .as_ref()
            .filter(|s| s.question == list)
            .map(|s| &s.frame);
        let marked = options
            .iter()
            .map(|o| (o, false))
            .chain(non_substantive.iter().map(|o| (o, true)));
        for (option, is_non_substantive) in marked {
            let mut cells: Vec<(String, Cell)> = vec![
                ("list_name".to_owned(), list.into()),
                ("name".to_owned(), option.code.clone().into()),
            ];
            cells.extend(self.text_cells("label", Some(&option.label)));
            if is_non_substantive {
                cells.push(("fieldwork".to_owned(), "non_substantive".into()));
            }
            if let Some(frame) = frame {
                if let Some(population) = frame.population.get(&option.code) {
                    cells.push(("population".to_owned(), Cell::Number(*population as f64)));
                }
                if let Some(source) = frame.sources.get(&option.code) {
                    cells.push(("population_source".to_owned(), source.clone().into()));
                }
            }
            self.choices.push(cells);
            if let Some(hint) = &option.hint {
                let key = format!("choices.{list}.{}.hint", option.code);
                let value = serde_json::to_value(hint).unwrap_or(Value::Null);
                self.fieldwork_row(key, &value);
            }
        }
    }

    fn fieldwork_row(&mut self, key: String, value: &Value) {
        let mut cells: Vec<(String, Cell)> = vec![("key".to_owned(), key.into())];
        match value {
            Value::Object(words) if is_words(words, &self.languages) => {
                for code in &self.languages {
                    let text = words.get(code).and_then(Value::as_str).unwrap_or_default();
                    cells.push((format!("value::{}", language_label(code)), text.into()));
                }
            }
            Value::String(text) => cells.push(("value".to_owned(), text.as_str().into())),
            Value::Number(number) => cells.push((
                "value".to_owned(),
                Cell::Number(number.as_f64().unwrap_or_default()),
            )),
            Value::Bool(flag) => cells.push(("value".to_owned(), Cell::Bool(*flag))),
            Value::Null | Value::Array(_) | Value::Object(_) => return,
        }
        self.fieldwork.push(cells);
    }

    /// The title's translations and what XLSForm has no place for.
    fn fieldwork_values(&mut self) {
        let json = serde_json::to_value(self.definition).unwrap_or(Value::Null);
        let mut rows = Vec::new();
        if !self.languages.is_empty() {
            rows.push(("title".to_owned(), json["title"].clone()));
        }
        if self.definition.allow_open_link {
            rows.push(("allow_open_link".to_owned(), Value::Bool(true)));
        }
        for key in ["participant_information", "privacy_notice", "email"] {
            fieldwork_rows(key, &json[key], &self.languages, &mut rows);
        }
        for (key, value) in rows {
            self.fieldwork_row(key, &value);
        }
    }

    fn settings_table(&self) -> Table {
        let mut headers = vec!["form_id", "form_title", "version"];
        if !self.languages.is_empty() {
            headers.push("default_language");
        }
        let mut table = Table::new(
            "settings",
            headers.iter().map(|h| (*h).to_owned()).collect(),
        );
        table.push(vec![
            ("form_id", self.definition.slug.clone().into()),
            ("form_title", self.definition.title.primary().into()),
            ("version", Cell::Number(f64::from(self.definition.version))),
            (
                "default_language",
                Cell::from(
                    self.definition
                        .languages
                        .first()
                        .map(|code| language_label(code))
                        .unwrap_or_default(),
                ),
            ),
        ]);
        table
    }
}
