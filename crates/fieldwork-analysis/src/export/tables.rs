//! `csv-wide` and `csv-long`, written row by row as responses are read.

use std::io::Write;

use fieldwork_store::Store;
use fieldwork_survey::{
    escape_cell, Answer, Labels, MetaColumn, QuestionKind, SurveyDefinition, WideLayout,
};

use super::{
    for_each_response, layout, populations, timestamp, weights, ExportError, ExportOptions,
};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// RFC 4180: fields quoted when they hold a comma, a quote or a line break; CRLF after each
/// record.
fn csv_writer(out: &mut dyn Write) -> csv::Writer<&mut dyn Write> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .buffer_capacity(64 * 1024)
        .from_writer(out)
}

pub(super) fn wide(
    store: &Store,
    definition: &SurveyDefinition,
    options: &ExportOptions,
    out: &mut dyn Write,
) -> Result<u64, ExportError> {
    let layout = layout(definition, options);
    let weights = weights(store, definition, options)?;
    let populations = populations(definition);
    if options.bom {
        out.write_all(BOM)?;
    }
    let mut writer = csv_writer(out);
    writer.write_record(layout.header())?;
    // Weights as written, once per stratum; a time as written, once per distinct time
    // (responses stored in one batch share theirs).
    let weights: std::collections::BTreeMap<String, String> = weights
        .into_iter()
        .map(|(stratum, weight)| (stratum, weight.to_string()))
        .collect();
    let mut last_time: Option<(chrono::NaiveDateTime, String)> = None;
    let mut record = csv::StringRecord::new();
    let count = for_each_response(store, &layout, options, |response, answers| {
        record.clear();
        for (column, _) in layout.meta() {
            match column {
                MetaColumn::ResponseId => record.push_field(&response.public_id),
                MetaColumn::SurveyVersion => {
                    record.push_field(&response.survey_version.to_string())
                }
                MetaColumn::Stratum => {
                    record.push_field(&escape_cell(response.stratum.as_deref().unwrap_or("")))
                }
                MetaColumn::SubmittedAt => match response.submitted_at {
                    Some(at) => {
                        if last_time.as_ref().is_none_or(|(t, _)| *t != at) {
                            last_time = Some((at, timestamp(at)));
                        }
                        record.push_field(last_time.as_ref().map_or("", |(_, s)| s.as_str()));
                    }
                    None => record.push_field(""),
                },
                MetaColumn::Weight => {
                    let weight = response
                        .stratum
                        .as_ref()
                        .filter(|_| response.complete)
                        .and_then(|s| weights.get(s));
                    record.push_field(weight.map_or("", String::as_str));
                }
                MetaColumn::Population => {
                    let population = response.stratum.as_ref().and_then(|s| populations.get(s));
                    record.push_field(&population.map_or_else(String::new, u64::to_string));
                }
                MetaColumn::Complete => {
                    record.push_field(if response.complete { "1" } else { "0" })
                }
            }
        }
        layout.push_cells(answers, options.labels, &mut record);
        writer.write_record(&record)?;
        Ok(())
    })?;
    writer.flush()?;
    Ok(count)
}

pub(super) fn long(
    store: &Store,
    definition: &SurveyDefinition,
    options: &ExportOptions,
    out: &mut dyn Write,
) -> Result<u64, ExportError> {
    let layout: WideLayout<'_> = layout(definition, options);
    if options.bom {
        out.write_all(BOM)?;
    }
    let mut writer = csv_writer(out);
    writer.write_record(["response_id", "question_id", "item", "value"])?;
    let questions: Vec<_> = definition
        .questions()
        .filter(|q| {
            options.include_sensitive
                || !(q.sensitive && matches!(q.kind, QuestionKind::Text { .. }))
        })
        .collect();
    let label = |question: &fieldwork_survey::Question, code: &str| -> String {
        let text = match options.labels {
            Labels::Codes => code,
            Labels::Text => question
                .choices()
                .find(|c| c.code == code)
                .map_or(code, |c| c.label.as_str()),
        };
        escape_cell(text).into_owned()
    };
    let count = for_each_response(store, &layout, options, |response, answers| {
        let id = response.public_id.as_str();
        for question in &questions {
            let Some(answer) = answers.get(&question.id) else {
                continue;
            };
            let qid = question.id.as_str();
            match answer {
                Answer::Choice(code) => {
                    writer.write_record([id, qid, "", &label(question, code)])?
                }
                Answer::Choices(codes) => {
                    for code in codes {
                        writer.write_record([id, qid, "", &label(question, code)])?;
                    }
                }
                Answer::Grid(grid) => {
                    // In the definition's item order.
                    if let QuestionKind::LikertGrid { items, .. } = &question.kind {
                        for item in items {
                            if let Some(code) = grid.get(&item.id) {
                                writer.write_record([id, qid, &item.id, &label(question, code)])?;
                            }
                        }
                    }
                }
                Answer::Integer(n) => writer.write_record([id, qid, "", &n.to_string()])?,
                Answer::Decimal(x) => writer.write_record([id, qid, "", &x.to_string()])?,
                Answer::Text(text) => writer.write_record([id, qid, "", &escape_cell(text)])?,
            }
        }
        Ok(())
    })?;
    writer.flush()?;
    Ok(count)
}
