//! Checking a question's options, scale and grid items.

use std::collections::BTreeSet;

use super::check::Checker;
use super::is_code;
use super::is_identifier;
use super::raw::RawChoice;
use super::raw::RawGridItem;
use super::raw::RawQuestion;
use super::MAX_CODE_LEN;
use super::MAX_ID_LEN;
use crate::definition::{Choice, GridItem};

impl Checker {
    pub(super) fn choices(
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
                hint: self.optional_text(raw_choice.hint.clone(), &cpath, "hint"),
                exclusive: raw_choice.exclusive.unwrap_or(false),
            });
        }
        choices
    }

    pub(super) fn scale(&mut self, raw: &RawQuestion, path: &str) -> (Vec<Choice>, Vec<Choice>) {
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
    pub(super) fn distinct_labels(&mut self, path: &str, lists: &[(&str, &[Choice])]) {
        let all: Vec<(String, &Choice)> = lists
            .iter()
            .flat_map(|(field, list)| {
                list.iter()
                    .enumerate()
                    .map(move |(i, choice)| (format!("{path}.{field}[{i}].label"), choice))
            })
            .collect();
        // In every language: a respondent reading Welsh must tell the options apart too.
        let languages: Vec<Option<String>> = if self.languages.len() <= 1 {
            vec![None]
        } else {
            self.languages.iter().cloned().map(Some).collect()
        };
        for language in &languages {
            let label_of = |choice: &Choice| match language {
                Some(language) => choice.label.get(language).trim().to_owned(),
                None => choice.label.primary().trim().to_owned(),
            };
            for (n, (label_path, choice)) in all.iter().enumerate() {
                let label = label_of(choice);
                if label.is_empty() {
                    continue;
                }
                let label_path = match language {
                    Some(language) => format!("{label_path}.{language}"),
                    None => label_path.clone(),
                };
                // A repeated code is reported as such, not again by its label.
                if let Some((_, other)) = all[..n]
                    .iter()
                    .find(|(_, o)| label_of(o) == label && o.code != choice.code)
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
    }

    pub(super) fn grid_items(&mut self, raw: Option<&[RawGridItem]>, path: &str) -> Vec<GridItem> {
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
}
