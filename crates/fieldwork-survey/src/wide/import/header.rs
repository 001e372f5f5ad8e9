//! The header row of an imported file: each column mapped to where it goes, and the columns
//! that are unknown, repeated or missing reported.

use std::collections::{HashMap, HashSet};

use super::{not_utf8, Problems, Target};
use crate::definition::{QuestionKind, SurveyDefinition};
use crate::{MetaColumn, Variable, WideLayout};

/// Map the header row to columns, reporting unknown, duplicate and missing ones.
pub(super) fn read_header(
    layout: &WideLayout<'_>,
    record: &csv::ByteRecord,
    problems: &mut Problems,
) -> Vec<(String, Target)> {
    let mut columns = Vec::with_capacity(record.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut unnamed = false;
    for (index, field) in record.iter().enumerate() {
        let position = (index + 1).to_string();
        // A byte-order mark (written for Excel) is not part of the first name.
        let field = if index == 0 {
            field.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(field)
        } else {
            field
        };
        let name = match std::str::from_utf8(field) {
            Ok(name) => name.trim().to_owned(),
            Err(e) => {
                problems.add(1, Some(&position), not_utf8(e));
                unnamed = true;
                continue;
            }
        };
        if name.is_empty() {
            problems.add(1, Some(&position), "the column has no name");
            unnamed = true;
            continue;
        }
        if name.len() > 200 {
            problems.add(
                1,
                Some(&position),
                format!(
                    "the column name is {} bytes long; no column of this survey is longer than 200",
                    name.len()
                ),
            );
            continue;
        }
        if let Some(first) = seen.insert(name.clone(), index) {
            problems.add(
                1,
                Some(&name),
                format!(
                    "the column appears twice (columns {} and {})",
                    first + 1,
                    index + 1
                ),
            );
            continue;
        }
        let target = layout
            .meta
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(c, _)| Target::Meta(*c))
            .or_else(|| {
                layout
                    .variables
                    .iter()
                    .position(|v| v.name == name)
                    .map(Target::Variable)
            });
        match target {
            Some(target) => columns.push((name, target)),
            None => problems.add(1, Some(&name), unknown_column(layout, &name)),
        }
    }
    if unnamed {
        // A column without a readable name may be the one that looks missing.
        return columns;
    }
    let present: HashSet<usize> = columns
        .iter()
        .filter_map(|(_, t)| match t {
            Target::Variable(i) => Some(*i),
            Target::Meta(_) => None,
        })
        .collect();
    for question in layout.definition.questions() {
        let own: Vec<(usize, &Variable<'_>)> = layout
            .variables
            .iter()
            .enumerate()
            .filter(|(_, v)| v.question.id == question.id)
            .collect();
        let missing: Vec<&str> = own
            .iter()
            .filter(|(i, _)| !present.contains(i))
            .map(|(_, v)| v.name.as_str())
            .collect();
        if missing.is_empty() {
            continue;
        }
        let is_multi = matches!(question.kind, QuestionKind::MultiChoice { .. });
        if is_multi && missing.len() < own.len() {
            problems.add(
                1,
                Some(missing[0]),
                format!(
                    "the column is missing: give every option column of `{}` ({} missing: {}) or none",
                    question.id,
                    missing.len(),
                    missing.join(", ")
                ),
            );
        } else if question.required
            && question.show_if.is_none()
            && missing.len() == own.len()
            && (question.id != stratum_question(layout.definition).unwrap_or_default())
        {
            problems.add(
                1,
                Some(missing[0]),
                format!(
                    "the column is missing, and question `{}` must be answered in every complete response",
                    question.id
                ),
            );
        }
    }
    // The stratum question may come from the `stratum` column instead of its own.
    if let Some(stratum_question) = stratum_question(layout.definition) {
        let has_question = layout
            .variables
            .iter()
            .enumerate()
            .any(|(i, v)| v.question.id == stratum_question && present.contains(&i));
        let has_stratum = columns
            .iter()
            .any(|(_, t)| matches!(t, Target::Meta(MetaColumn::Stratum)));
        if !has_question && !has_stratum {
            problems.add(
                1,
                Some(stratum_question),
                format!(
                    "the column is missing: each response needs its stratum, in column `{stratum_question}` or `{}`",
                    layout.meta_name(MetaColumn::Stratum).unwrap_or("stratum")
                ),
            );
        }
    }
    columns
}

pub(super) fn stratum_question(definition: &SurveyDefinition) -> Option<&str> {
    definition
        .stratification
        .as_ref()
        .map(|s| s.question.as_str())
}

fn unknown_column(layout: &WideLayout<'_>, name: &str) -> String {
    // Say what was probably meant: a question id used where option columns are expected.
    if let Some(question) = layout.definition.question(name) {
        let kind = question.kind.type_name();
        return format!(
            "`{name}` is a {kind} question, which has one column per {}: `{name}__...`",
            if kind == "likert_grid" {
                "item"
            } else {
                "option"
            }
        );
    }
    if let Some((question, rest)) = name.split_once("__") {
        if let Some(q) = layout.definition.question(question) {
            return match &q.kind {
                QuestionKind::MultiChoice { .. } => {
                    format!("question `{question}` has no option `{rest}`")
                }
                QuestionKind::LikertGrid { .. } => {
                    format!("question `{question}` has no item `{rest}`")
                }
                _ => format!("question `{question}` has a single column, `{question}`"),
            };
        }
    }
    format!(
        "there is no question `{name}` in survey `{}`",
        layout.definition.slug
    )
}
