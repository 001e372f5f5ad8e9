//! The codebook: one entry per column of the wide table, as CSV or JSON.

use std::io::Write;

use fieldwork_survey::{
    Labels, MetaColumn, NumberKind, QuestionKind, SurveyDefinition, VariableKind, WideLayout,
    NOT_SHOWN,
};
use serde::Serialize;

use super::{layout, ExportError, ExportOptions};

#[derive(Debug, Serialize)]
struct Codebook {
    survey: String,
    version: u32,
    title: String,
    /// What coded cells of the csv-wide export hold: `codes` or `labels`.
    cells: &'static str,
    /// The missing-value conventions of the wide table.
    missing: Missing,
    variables: Vec<Entry>,
    /// The consent export's variables, when the survey asks for consent.
    #[serde(skip_serializing_if = "Option::is_none")]
    consent: Option<ConsentEntries>,
}

/// What the `consent` export holds: personal data kept apart from the answers, joined to them
/// by `response_id`, never an answer the analysis reads.
#[derive(Debug, Serialize)]
struct ConsentEntries {
    export: &'static str,
    information_version: String,
    variables: Vec<ConsentVariable>,
}

#[derive(Debug, Serialize)]
struct ConsentVariable {
    name: String,
    label: String,
}

fn consent_entries(definition: &SurveyDefinition) -> Option<ConsentEntries> {
    let information = definition.participant_information.as_ref()?;
    let mut variables = vec![
        ConsentVariable {
            name: "consent_version".into(),
            label: "The version of the participant information the respondent read".into(),
        },
        ConsentVariable {
            name: "consent_given_at".into(),
            label: "When the respondent agreed (UTC)".into(),
        },
    ];
    variables.extend(information.consent.iter().map(|statement| ConsentVariable {
        name: format!("consent__{}", statement.id),
        label: format!("1 if agreed: {}", statement.text),
    }));
    Some(ConsentEntries {
        export: "consent",
        information_version: information.version.to_string(),
        variables,
    })
}

#[derive(Debug, Serialize)]
struct Missing {
    empty: &'static str,
    not_shown: &'static str,
    not_shown_meaning: &'static str,
    escaping: &'static str,
}

#[derive(Debug, Serialize)]
struct Entry {
    name: String,
    /// `metadata` for the columns that describe the response; else the question's type.
    #[serde(rename = "type")]
    kind: String,
    label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    question_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    item: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    option: Option<String>,
    /// Codes and labels, for coded columns, in order (a Likert scale lowest first, then its
    /// non-substantive points).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    codes: Vec<Code>,
    /// What the cells hold, in words.
    values: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    show_if: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    required: Option<bool>,
    sensitive: bool,
    /// False for a column this export leaves out (sensitive free text without permission).
    exported: bool,
    missing: String,
}

#[derive(Debug, Serialize)]
struct Code {
    code: String,
    label: String,
    /// False for a Likert question's non-substantive points ("Don't know").
    substantive: bool,
}

fn entries(definition: &SurveyDefinition, options: &ExportOptions) -> Vec<Entry> {
    let exported = layout(definition, options);
    let full = WideLayout::new(definition, true, options.include_partial);
    let mut entries: Vec<Entry> = full
        .meta()
        .iter()
        .map(|(column, name)| Entry {
            name: name.clone(),
            kind: "metadata".to_owned(),
            label: column.description().to_owned(),
            question_id: None,
            item: None,
            option: None,
            codes: if *column == MetaColumn::Stratum {
                definition
                    .strata()
                    .into_iter()
                    .map(|c| Code {
                        code: c.code.clone(),
                        label: c.label.to_string(),
                        substantive: true,
                    })
                    .collect()
            } else {
                Vec::new()
            },
            values: match column {
                MetaColumn::ResponseId => "text (UUID)",
                MetaColumn::SurveyVersion => "whole number",
                MetaColumn::Stratum => "stratum code",
                MetaColumn::SubmittedAt => "date and time, ISO 8601, UTC (2024-05-01T09:30:00Z)",
                MetaColumn::Weight => "number",
                MetaColumn::Population => "whole number",
                MetaColumn::Complete => "1 = complete, 0 = partial",
            }
            .to_owned(),
            show_if: None,
            required: None,
            sensitive: false,
            exported: true,
            missing: match column {
                MetaColumn::Stratum => "empty: the response has no stratum",
                MetaColumn::SubmittedAt => "empty: a partial response, not yet submitted",
                MetaColumn::Weight => {
                    "empty: the survey has no population frame, or the response is partial or has no stratum"
                }
                MetaColumn::Population => {
                    "empty: the survey has no population frame, or the response has no stratum"
                }
                _ => "",
            }
            .to_owned(),
        })
        .collect();
    for variable in full.variables() {
        let question = variable.question;
        let substantive_count = match &question.kind {
            QuestionKind::Likert { scale, .. } | QuestionKind::LikertGrid { scale, .. } => {
                Some(scale.len())
            }
            _ => None,
        };
        let codes: Vec<Code> = variable
            .codes()
            .into_iter()
            .enumerate()
            .map(|(i, c)| Code {
                code: c.code.clone(),
                label: c.label.to_string(),
                substantive: substantive_count.is_none_or(|n| i < n),
            })
            .collect();
        let values = match (&variable.kind, &question.kind) {
            (VariableKind::Option(_), _) => "1 = chosen, 0 = not chosen".to_owned(),
            (
                VariableKind::Number,
                QuestionKind::Number {
                    kind,
                    min,
                    max,
                    unit,
                },
            ) => {
                let kind = match kind {
                    NumberKind::Integer => "whole number",
                    NumberKind::Decimal => "number",
                };
                let range = match (min, max) {
                    (Some(lo), Some(hi)) => format!(" from {lo} to {hi}"),
                    (Some(lo), None) => format!(" of at least {lo}"),
                    (None, Some(hi)) => format!(" of at most {hi}"),
                    (None, None) => String::new(),
                };
                let unit = unit.as_ref().map(|u| format!(" ({u})")).unwrap_or_default();
                format!("{kind}{range}{unit}")
            }
            (VariableKind::Text, QuestionKind::Text { max_length, .. }) => {
                format!("free text, at most {max_length} characters")
            }
            _ => match options.labels {
                Labels::Codes => "option code".to_owned(),
                Labels::Text => "option label".to_owned(),
            },
        };
        let mut missing = "empty: not answered".to_owned();
        if question.show_if.is_some() {
            missing.push_str(&format!("; {NOT_SHOWN}: not shown (show_if false)"));
        }
        entries.push(Entry {
            name: variable.name.clone(),
            kind: question.kind.type_name().to_owned(),
            label: variable.label(),
            question_id: Some(question.id.clone()),
            item: match variable.kind {
                VariableKind::GridItem(item) => Some(item.id.clone()),
                _ => None,
            },
            option: match variable.kind {
                VariableKind::Option(option) => Some(option.code.clone()),
                _ => None,
            },
            codes,
            values,
            show_if: question
                .show_if
                .as_ref()
                .and_then(|c| serde_json::to_value(c).ok()),
            required: Some(question.required),
            sensitive: question.sensitive,
            exported: exported.variables().iter().any(|v| v.name == variable.name),
            missing,
        });
    }
    entries
}

pub(super) fn json(
    definition: &SurveyDefinition,
    options: &ExportOptions,
    out: &mut dyn Write,
) -> Result<(), ExportError> {
    let codebook = Codebook {
        survey: definition.slug.clone(),
        version: definition.version,
        title: definition.title.to_string(),
        cells: match options.labels {
            Labels::Codes => "codes",
            Labels::Text => "labels",
        },
        missing: Missing {
            empty: "not answered: the question was shown but left unanswered, or not reached in a partial response",
            not_shown: NOT_SHOWN,
            not_shown_meaning: "not shown: the question's show_if was false for the respondent's earlier answers",
            escaping: "a text cell that starts with = + - @ tab CR LF or ', or is exactly .n, has a ' put in front",
        },
        variables: entries(definition, options),
        consent: consent_entries(definition),
    };
    serde_json::to_writer_pretty(&mut *out, &codebook).map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    Ok(())
}

pub(super) fn csv(
    definition: &SurveyDefinition,
    options: &ExportOptions,
    out: &mut dyn Write,
) -> Result<(), ExportError> {
    if options.bom {
        out.write_all(b"\xEF\xBB\xBF")?;
    }
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    writer.write_record([
        "variable",
        "type",
        "label",
        "question_id",
        "item",
        "option",
        "codes",
        "values",
        "show_if",
        "required",
        "sensitive",
        "exported",
        "missing",
    ])?;
    let yes_no = |b: bool| if b { "true" } else { "false" };
    for entry in entries(definition, options) {
        let codes: Vec<String> = entry
            .codes
            .iter()
            .map(|c| format!("{} = {}", c.code, c.label))
            .collect();
        let show_if = entry
            .show_if
            .as_ref()
            .map(|v| v.to_string())
            .unwrap_or_default();
        writer.write_record([
            entry.name.as_str(),
            &entry.kind,
            &fieldwork_survey::escape_cell(&entry.label),
            entry.question_id.as_deref().unwrap_or(""),
            entry.item.as_deref().unwrap_or(""),
            entry.option.as_deref().unwrap_or(""),
            &fieldwork_survey::escape_cell(&codes.join("\n")),
            &entry.values,
            &show_if,
            entry.required.map(yes_no).unwrap_or(""),
            yes_no(entry.sensitive),
            yes_no(entry.exported),
            &entry.missing,
        ])?;
    }
    writer.flush()?;
    Ok(())
}
