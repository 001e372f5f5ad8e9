//! `parquet`: the wide table written in row groups as responses are read. Workers build each
//! chunk of responses' columns ([`columns`]); this thread gathers chunks into a row group of
//! [`ROWS_PER_GROUP`] rows and writes it when full, so memory holds about one row group
//! whatever the number of responses.
//!
//! Coded answers are polars `Enum`s (categoricals with a fixed order: the definition's, a
//! Likert scale lowest first), multi-choice options `Int32` 0/1, integer questions `Int64`,
//! decimal ones `Float64`, free text `String`, `submitted_at` a `Datetime` in microseconds
//! (UTC, no zone attached). Skipped and not-shown cells are both null: the codebook's
//! `show_if` tells them apart.

mod columns;

use std::io::Write;

use fieldwork_store::Store;
use fieldwork_survey::SurveyDefinition;
use polars::prelude::*;
use polars_io::parquet::write::ParquetWriter;

use self::columns::{ChunkColumns, Plan};
use super::stream::in_order;
use super::{layout, populations, weights, ExportError, ExportOptions};

/// Rows per row group: a reader can take the file a group at a time, and the export holds
/// about one group in memory.
pub(crate) const ROWS_PER_GROUP: usize = 65_536;

/// Responses a worker makes columns of at a time (a row group is several chunks).
const ROWS_PER_CHUNK: usize = 4096;

/// How rows are gathered: a worker's chunk, and a row group (a whole number of chunks).
#[derive(Debug, Clone, Copy)]
struct Grouping {
    rows_per_chunk: usize,
    rows_per_group: usize,
}

pub(super) fn write(
    store: &Store,
    definition: &SurveyDefinition,
    options: &ExportOptions,
    out: &mut dyn Write,
) -> Result<u64, ExportError> {
    let grouping = Grouping {
        rows_per_chunk: ROWS_PER_CHUNK,
        rows_per_group: ROWS_PER_GROUP,
    };
    write_grouped(store, definition, options, out, grouping)
}

fn write_grouped(
    store: &Store,
    definition: &SurveyDefinition,
    options: &ExportOptions,
    out: &mut dyn Write,
    grouping: Grouping,
) -> Result<u64, ExportError> {
    let layout = layout(definition, options);
    let plan = Plan::new(
        &layout,
        options.labels,
        weights(store, definition, options)?,
        populations(definition),
    )?;
    let schema = ChunkColumns::new(&plan, layout.parsed_answers())
        .finish()?
        .schema()
        .clone();
    let mut writer = ParquetWriter::new(out).batched(&schema)?;
    let mut group: Option<DataFrame> = None;
    let rows = in_order(
        store,
        &definition.slug,
        options,
        grouping.rows_per_chunk,
        || ChunkColumns::new(&plan, layout.parsed_answers()),
        |columns, chunk| columns.fill(chunk),
        |frame| {
            let height = match &mut group {
                None => {
                    let height = frame.height();
                    group = Some(frame);
                    height
                }
                Some(group) => {
                    // The chunks are appended as they are, not copied.
                    group.vstack_mut_owned(frame)?;
                    group.height()
                }
            };
            if height >= grouping.rows_per_group {
                write_group(&mut writer, group.take())?;
            }
            Ok(())
        },
    )?;
    write_group(&mut writer, group)?;
    writer.finish()?;
    Ok(rows)
}

/// One row group: the chunks' columns made one (a group is one chunk of each column).
fn write_group<W: Write>(
    writer: &mut polars_io::parquet::write::BatchedWriter<W>,
    group: Option<DataFrame>,
) -> Result<(), ExportError> {
    if let Some(mut group) = group {
        group.rechunk_mut_par();
        writer.write_batch(&group)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use fieldwork_store::testing;
    use fieldwork_store::NewResponse;
    use fieldwork_survey::{
        parse_definition, validate_answers, Completeness, SurveyDefinition, SyntheticRespondents,
    };
    use polars::prelude::*;
    use polars_io::parquet::read::ParquetReader;

    use super::{write_grouped, Grouping};
    use crate::export::{ExportFormat, ExportOptions};

    fn pulse() -> SurveyDefinition {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fixtures/exports/pulse.json"
        ))
        .unwrap();
        parse_definition(&text).unwrap()
    }

    /// The file's frame and its number of row groups.
    fn read_back(bytes: Vec<u8>) -> (DataFrame, usize) {
        let mut reader = ParquetReader::new(std::io::Cursor::new(bytes));
        let groups = reader.get_metadata().unwrap().row_groups.len();
        (reader.finish().unwrap(), groups)
    }

    #[test]
    fn a_survey_larger_than_a_row_group_is_written_in_several_and_reads_back_whole() {
        let db = testing::sqlite();
        let definition = pulse();
        let survey = db
            .store
            .import_survey(&definition)
            .unwrap()
            .survey()
            .clone();
        let mut respondents = SyntheticRespondents::new(&definition, 7);
        let responses: Vec<_> = (0..50)
            .map(|_| {
                validate_answers(
                    &definition,
                    &respondents.respondent(None),
                    Completeness::Complete,
                )
                .unwrap()
            })
            .collect();
        let keys: Vec<String> = (0..responses.len()).map(|i| format!("key-{i}")).collect();
        let batch: Vec<NewResponse<'_>> = responses
            .iter()
            .zip(&keys)
            .map(|(response, key)| NewResponse {
                response,
                submission_key: key,
            })
            .collect();
        db.store.insert_responses(&survey, &batch).unwrap();
        let options = ExportOptions {
            format: ExportFormat::Parquet,
            include_partial: true,
            include_sensitive: true,
            ..ExportOptions::default()
        };
        let export = |rows_per_chunk, rows_per_group| {
            let mut bytes = Vec::new();
            let grouping = Grouping {
                rows_per_chunk,
                rows_per_group,
            };
            let rows = write_grouped(&db.store, &definition, &options, &mut bytes, grouping);
            assert_eq!(rows.unwrap(), 50);
            read_back(bytes)
        };
        let (whole, groups) = export(1000, 1000);
        assert_eq!(groups, 1);
        // Chunks of 4 rows dealt among the workers, gathered in groups of 12.
        let (grouped, groups) = export(4, 12);
        assert_eq!(groups, 5, "12, 12, 12, 12 and 2 rows");
        assert_eq!(grouped.schema(), whole.schema());
        assert_eq!(grouped.height(), 50);
        assert!(grouped.equals_missing(&whole));
        assert!(matches!(
            grouped.column("load").unwrap().dtype(),
            DataType::Enum(_, _)
        ));
    }
}
