//! The `fieldwork` sheet: what a survey has beyond XLSForm's questions.
//!
//! Participant information, the privacy notice, email settings, translations of the title
//! and the hints of options have no XLSForm column. They go on a sheet of their own, one row a
//! value: `key` is the value's place in the definition (`privacy_notice.controller`,
//! `participant_information.consent.0.text`, numbers counting a list's entries from 0), then
//! `value`, or one `value::Language (code)` column a language. pyxform ignores sheets it does
//! not know, so the workbook still converts to an XForm.

use std::collections::HashMap;

use calamine::Data;
use serde_json::{Map, Value};

use crate::languages::language_code;
use crate::problems::{Location, Problems};
use crate::workbook::{Row, Sheet};

/// The keys the sheet may set at the top of the definition.
const TOP_KEYS: [&str; 7] = [
    "title",
    "description",
    "allow_open_link",
    "participant_information",
    "privacy_notice",
    "email",
    "choices",
];

/// What the sheet said.
#[derive(Debug, Default)]
pub(crate) struct FieldworkSheet {
    /// The title in every language, overriding settings' form_title.
    pub(crate) title: Option<Value>,
    /// Other top-level fields, in the sheet's order.
    pub(crate) values: Vec<(String, Value)>,
    /// `choices.LIST.CODE.hint`: an option's hint, and its cell.
    pub(crate) choice_hints: HashMap<(String, String), (Value, Location)>,
}

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Key(String),
    Index(usize),
}

pub(crate) fn read_fieldwork_sheet(
    sheet: &Sheet,
    languages: &[String],
    problems: &mut Problems,
    positions: &mut Vec<(String, Location)>,
) -> FieldworkSheet {
    let mut read = FieldworkSheet::default();
    // A plain `value` column holds the default language's words.
    let default_language = languages.first().map(String::as_str);
    let Some(key_column) = sheet.column("key") else {
        if !sheet.rows.is_empty() {
            problems.add(
                Location::sheet(&sheet.name),
                "the fieldwork sheet needs a `key` column and a `value` column (or one \
                 `value::Language (code)` column a language)",
            );
        }
        return read;
    };
    let plain = sheet.column("value");
    let translated: Vec<(String, &crate::workbook::Header)> = sheet
        .columns("value")
        .filter_map(|h| Some((h.language.as_deref().and_then(language_code)?, h)))
        .collect();
    let mut tree = Value::Object(Map::new());
    for row in &sheet.rows {
        let key_location = sheet.location(row, key_column);
        let key = row.text(key_column.column);
        let segments = match parse_key(&key) {
            Ok(segments) => segments,
            Err(why) => {
                problems.add(key_location, why);
                continue;
            }
        };
        let value_location = plain
            .or(translated.first().map(|(_, h)| *h))
            .map_or(key_location.clone(), |h| sheet.location(row, h));
        let value = if languages.is_empty() {
            plain.map_or(Value::Null, |h| cell_value(&key, row, h.column))
        } else {
            let mut words = Map::new();
            for code in languages {
                let from_column = translated
                    .iter()
                    .find(|(c, _)| c == code)
                    .map(|(_, h)| row.words(h.column))
                    .filter(|t| !t.is_empty())
                    .or_else(|| {
                        (Some(code.as_str()) == default_language)
                            .then(|| plain.map(|h| row.words(h.column)))
                            .flatten()
                            .filter(|t| !t.is_empty())
                    });
                if let Some(text) = from_column {
                    words.insert(code.clone(), Value::String(text));
                }
            }
            // A value given only in `value` (a number, an address, a flag) is not words.
            let only_plain = translated
                .iter()
                .all(|(_, h)| row.text(h.column).is_empty());
            match (only_plain, plain) {
                (true, Some(h)) => cell_value(&key, row, h.column),
                _ if words.is_empty() => Value::Null,
                _ => Value::Object(words),
            }
        };
        if value.is_null() {
            problems.add(value_location, format!("`{key}` has no value"));
            continue;
        }
        let path = json_path(&segments);
        // Each enclosing object is placed at its first row, so that a problem with it (a
        // missing field) names a cell too.
        for end in 1..segments.len() {
            let enclosing = json_path(&segments[..end]);
            if !positions.iter().any(|(noted, _)| *noted == enclosing) {
                positions.push((enclosing, key_location.clone()));
            }
        }
        positions.push((path.clone(), value_location.clone()));
        for (code, header) in &translated {
            positions.push((format!("{path}.{code}"), sheet.location(row, header)));
        }
        match segments.as_slice() {
            [Segment::Key(top), ..] if !TOP_KEYS.contains(&top.as_str()) => problems.add(
                key_location,
                format!(
                    "`{top}` is not something the fieldwork sheet sets; its keys begin with {} \
                     (the rest is on the survey, choices and settings sheets)",
                    TOP_KEYS.join(", ")
                ),
            ),
            [Segment::Key(top)] if top == "title" => read.title = Some(value),
            [Segment::Key(top), Segment::Key(list), Segment::Key(code), Segment::Key(field)]
                if top == "choices" && field == "hint" =>
            {
                read.choice_hints
                    .insert((list.clone(), code.clone()), (value, value_location));
            }
            [Segment::Key(top), ..] if top == "choices" => problems.add(
                key_location,
                "an option's hint is keyed choices.LIST.NAME.hint",
            ),
            _ => {
                if let Err(why) = insert(&mut tree, &segments, value) {
                    problems.add(key_location, why);
                }
            }
        }
    }
    if let Value::Object(map) = tree {
        read.values = map.into_iter().collect();
    }
    read
}

fn parse_key(key: &str) -> Result<Vec<Segment>, String> {
    if key.is_empty() {
        return Err("this row has a value but no key".to_owned());
    }
    key.split('.')
        .map(|part| {
            let part = part.trim();
            if part.is_empty() {
                Err(format!("`{key}` has an empty part between dots"))
            } else if part.bytes().all(|b| b.is_ascii_digit()) {
                part.parse()
                    .map(Segment::Index)
                    .map_err(|_| format!("`{part}` in `{key}` is too large a number"))
            } else {
                Ok(Segment::Key(part.to_owned()))
            }
        })
        .collect()
}

/// `participant_information.consent[0].text`: the path the definition's checker names.
fn json_path(segments: &[Segment]) -> String {
    let mut path = String::new();
    for segment in segments {
        match segment {
            Segment::Key(key) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            Segment::Index(index) => path.push_str(&format!("[{index}]")),
        }
    }
    path
}

fn insert(tree: &mut Value, segments: &[Segment], value: Value) -> Result<(), String> {
    let Some((first, rest)) = segments.split_first() else {
        return Ok(());
    };
    let here = json_path(&segments[..1]);
    let slot: &mut Value = match (first, tree) {
        (Segment::Key(key), Value::Object(map)) => {
            map.entry(key.clone()).or_insert_with(|| empty_for(rest))
        }
        (Segment::Index(index), Value::Array(items)) => {
            let next = items.len();
            if *index == next {
                items.push(empty_for(rest));
            }
            items.get_mut(*index).ok_or_else(|| {
                format!(
                    "entry {index} comes before entry {next} of its list: number a list's \
                     entries 0, 1, 2 in order"
                )
            })?
        }
        (Segment::Key(_), _) => {
            return Err(format!(
                "`{here}` is a list here: its entries are numbered, as .0, .1"
            ))
        }
        (Segment::Index(_), _) => {
            return Err(format!(
                "`{here}` is not a list here; an earlier row gave it a value or fields"
            ))
        }
    };
    if rest.is_empty() {
        if !slot.is_null() {
            return Err("this key is set twice".to_owned());
        }
        *slot = value;
        return Ok(());
    }
    if !(slot.is_object() || slot.is_array()) {
        return Err(
            "an earlier row gave this key a value, so it cannot have fields too".to_owned(),
        );
    }
    insert(slot, rest, value)
}

fn empty_for(rest: &[Segment]) -> Value {
    match rest.first() {
        Some(Segment::Index(_)) => Value::Array(Vec::new()),
        Some(Segment::Key(_)) => Value::Object(Map::new()),
        None => Value::Null,
    }
}

/// The keys whose values are not words: a flag, and whole numbers.
const FLAG_KEYS: [&str; 1] = ["allow_open_link"];
const NUMBER_KEYS: [&str; 2] = ["email.reminders_allowed", "email.contact_retention_days"];

/// A cell as the JSON its key takes: a flag from TRUE/FALSE (a spreadsheet's boolean or the
/// words yes, no, true, false), a whole number where one belongs, and text everywhere else
/// (so that a version typed as 1.0 stays words). What does not fit is left for the checker to
/// name.
fn cell_value(key: &str, row: &Row, column: usize) -> Value {
    let cell = row.value(column);
    let text = row.words(column);
    if text.is_empty() {
        return Value::Null;
    }
    if FLAG_KEYS.contains(&key) {
        return match (cell, text.trim().to_ascii_lowercase().as_str()) {
            (Data::Bool(flag), _) => Value::Bool(*flag),
            (_, "true" | "yes") => Value::Bool(true),
            (_, "false" | "no") => Value::Bool(false),
            _ => Value::String(text),
        };
    }
    if NUMBER_KEYS.contains(&key) {
        return text
            .trim()
            .parse::<u64>()
            .map_or(Value::String(text), Value::from);
    }
    Value::String(text)
}

/// The rows that say `value` (the definition's JSON), each key with its scalar or its
/// words; translated words are objects whose keys are all the survey's languages.
pub(crate) fn fieldwork_rows(
    prefix: &str,
    value: &Value,
    languages: &[String],
    rows: &mut Vec<(String, Value)>,
) {
    match value {
        Value::Null => {}
        Value::Object(map) if is_words(map, languages) => {
            rows.push((prefix.to_owned(), value.clone()))
        }
        Value::Object(map) => {
            for (key, inner) in map {
                fieldwork_rows(&format!("{prefix}.{key}"), inner, languages, rows);
            }
        }
        Value::Array(items) => {
            for (index, inner) in items.iter().enumerate() {
                fieldwork_rows(&format!("{prefix}.{index}"), inner, languages, rows);
            }
        }
        scalar => rows.push((prefix.to_owned(), scalar.clone())),
    }
}

/// Whether an object is a text in each language (`{"en": "...", "cy": "..."}`).
pub(crate) fn is_words(map: &Map<String, Value>, languages: &[String]) -> bool {
    !languages.is_empty()
        && !map.is_empty()
        && map
            .iter()
            .all(|(code, words)| languages.contains(code) && words.is_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_build_nested_values_and_lists_in_order() {
        let mut tree = Value::Object(Map::new());
        for (key, value) in [
            ("participant_information.consent.0.id", "a"),
            ("participant_information.consent.0.text", "A"),
            ("participant_information.consent.1.id", "b"),
            ("privacy_notice.controller", "Us"),
        ] {
            insert(
                &mut tree,
                &parse_key(key).unwrap(),
                Value::String(value.into()),
            )
            .unwrap();
        }
        assert_eq!(
            tree,
            serde_json::json!({
                "participant_information": {"consent": [{"id": "a", "text": "A"}, {"id": "b"}]},
                "privacy_notice": {"controller": "Us"}
            })
        );
        let skipped = insert(
            &mut tree,
            &parse_key("participant_information.consent.3.id").unwrap(),
            Value::Null,
        );
        assert!(skipped.unwrap_err().contains("in order"));
        let twice = insert(
            &mut tree,
            &parse_key("privacy_notice.controller").unwrap(),
            Value::Bool(true),
        );
        assert!(twice.unwrap_err().contains("set twice"));
        assert!(parse_key("a..b").unwrap_err().contains("empty part"));
    }

    #[test]
    fn rows_flatten_what_keys_rebuild() {
        let languages = vec!["en".to_owned(), "cy".to_owned()];
        let value = serde_json::json!({
            "contact": {"name": "Team", "email": "t@example.org"},
            "reminders_allowed": 2,
            "invitation": {"en": {"subject": "S", "text": "T"}},
            "note": {"en": "Hi", "cy": "Helo"}
        });
        let mut rows = Vec::new();
        fieldwork_rows("email", &value, &languages, &mut rows);
        let keys: Vec<&str> = rows.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "email.contact.email",
                "email.contact.name",
                "email.invitation.en.subject",
                "email.invitation.en.text",
                "email.note",
                "email.reminders_allowed"
            ]
        );
        let mut tree = Value::Object(Map::new());
        for (key, value) in rows {
            insert(&mut tree, &parse_key(&key).unwrap(), value).unwrap();
        }
        assert_eq!(tree["email"], value);
    }
}
