//! The consent export: for each response, the participant information's version the
//! respondent read, when they agreed, and each statement (1 agreed, 0 not). Consent is personal
//! data kept apart from the answers, so it has a file of its own, joined to the others by
//! `response_id`. Responses sent through the API or imported from a file have no consent record
//! and no row.

use std::io::Write;

use fieldwork_store::{ResponseFilter, Store};
use fieldwork_survey::{SafeCsvWriter, SurveyDefinition};

use super::{ExportError, ExportOptions};

/// Rows read from the store at a time.
const PAGE: i64 = 5_000;

/// The statement ids of the survey's consent, in the definition's order.
fn statement_ids(definition: &SurveyDefinition) -> Vec<&str> {
    definition
        .consent_statements()
        .map(|s| s.id.as_str())
        .collect()
}

pub(super) fn csv(
    store: &Store,
    definition: &SurveyDefinition,
    options: &ExportOptions,
    out: &mut dyn Write,
) -> Result<u64, ExportError> {
    if options.bom {
        out.write_all("\u{feff}".as_bytes())?;
    }
    let statements = statement_ids(definition);
    let mut writer = SafeCsvWriter::new(out);
    let mut header = vec![
        "response_id".to_owned(),
        "consent_version".to_owned(),
        "consent_given_at".to_owned(),
    ];
    header.extend(statements.iter().map(|id| format!("consent__{id}")));
    writer.write_record(&header)?;
    let filter = ResponseFilter {
        include_partial: options.include_partial,
        stratum: options.stratum.clone(),
        since: options.since,
        version: None,
    };
    let mut written = 0;
    let mut after = 0;
    loop {
        let page = store.consents_page(&definition.slug, &filter, after, PAGE)?;
        for row in &page.consents {
            let given = &row.consent;
            let mut record = vec![
                row.public_id.clone(),
                given.information_version.clone(),
                given.given_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            ];
            record.extend(statements.iter().map(|id| {
                let agreed = given.statements.iter().any(|s| s == id);
                if agreed { "1" } else { "0" }.to_owned()
            }));
            writer.write_record(&record)?;
            written += 1;
        }
        match page.next_after {
            Some(next) => after = next,
            None => break,
        }
    }
    writer.into_inner()?;
    Ok(written)
}
