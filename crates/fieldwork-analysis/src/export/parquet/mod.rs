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

pub(super) fn write(
    store: &Store,
    definition: &SurveyDefinition,
    options: &ExportOptions,
    out: &mut dyn Write,
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
        ROWS_PER_CHUNK,
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
            if height >= ROWS_PER_GROUP {
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
