//! `fieldwork bench export`: export throughput and peak memory beside a plain read of the
//! same rows from the store (`docs/performance.md`).

use std::io::{BufWriter, Write};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use fieldwork_analysis::export::{export, ExportFormat, ExportOptions};
use fieldwork_store::{NewResponse, ResponseFilter, Store};
use fieldwork_survey::{validate_answers, Completeness, SurveyDefinition, SyntheticRespondents};

use crate::fixtures;

/// One measured pass.
#[derive(Debug)]
pub struct Pass {
    pub name: String,
    pub rows: u64,
    pub bytes: u64,
    pub seconds: f64,
    /// Peak resident memory of the process during this pass (VmHWM after a reset), in bytes.
    pub peak_bytes: u64,
}

impl Pass {
    pub fn megabytes_per_second(&self) -> f64 {
        self.bytes as f64 / 1e6 / self.seconds
    }
    pub fn rows_per_second(&self) -> f64 {
        self.rows as f64 / self.seconds
    }
}

pub fn run(database: &str, n: usize, seed: u64, dir: &std::path::Path) -> Result<Vec<Pass>> {
    let store = Store::open(database)?;
    let definition = fixtures::digital_leadership()?;
    let slug = definition.slug.clone();
    generate(&store, &definition, n, seed)?;
    let mut passes = vec![read_pass(&store, &slug)?];
    for format in [
        ExportFormat::CsvWide,
        ExportFormat::CsvLong,
        ExportFormat::Parquet,
    ] {
        let path = dir.join(format!("export.{}", format.name()));
        passes.push(export_pass(&store, &slug, format, &path)?);
        std::fs::remove_file(&path).ok();
    }
    Ok(passes)
}

/// The baseline: every row read from the store, its answers JSON counted, nothing else.
pub fn read_pass(store: &Store, slug: &str) -> Result<Pass> {
    timed_read("read from the store", |count| {
        store.for_each_response(slug, &ResponseFilter::default(), |r| {
            count(r.answers.len());
            Ok::<(), std::convert::Infallible>(())
        })
    })
}

/// The analysis's baseline: each response's stratum and answers read from the store (the two
/// columns analysis reads), the answers counted, nothing else.
pub fn read_answers_pass(store: &Store, slug: &str) -> Result<Pass> {
    timed_read("read stratum and answers", |count| {
        store.for_each_answers(slug, &ResponseFilter::default(), |_, answers| {
            count(answers.len());
            Ok::<(), std::convert::Infallible>(())
        })
    })
}

type ReadResult = Result<Result<(), std::convert::Infallible>, fieldwork_store::StoreError>;

fn timed_read(name: &str, read: impl FnOnce(&mut dyn FnMut(usize)) -> ReadResult) -> Result<Pass> {
    reset_peak();
    let start = Instant::now();
    let (mut rows, mut bytes) = (0u64, 0u64);
    read(&mut |answers| {
        rows += 1;
        bytes += answers as u64;
    })?
    .unwrap_or_else(|never| match never {});
    Ok(Pass {
        name: name.to_owned(),
        rows,
        bytes,
        seconds: start.elapsed().as_secs_f64(),
        peak_bytes: peak(),
    })
}

/// Export `format` (codes, default options) to the file `path`.
pub fn export_pass(
    store: &Store,
    slug: &str,
    format: ExportFormat,
    path: &std::path::Path,
) -> Result<Pass> {
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
    let mut writer = BufWriter::with_capacity(256 * 1024, file);
    let options = ExportOptions {
        format,
        ..ExportOptions::default()
    };
    reset_peak();
    let start = Instant::now();
    let summary = export(store, slug, &options, &mut writer)?;
    writer.flush()?;
    let seconds = start.elapsed().as_secs_f64();
    Ok(Pass {
        name: format!("export {}", format.name()),
        rows: summary.responses,
        bytes: summary.bytes,
        seconds,
        peak_bytes: peak(),
    })
}

/// Import `definition` into `store` (which must hold no responses to it) and store `n`
/// synthetic complete responses, in batches, so that making the data does not set the peak.
pub fn generate(store: &Store, definition: &SurveyDefinition, n: usize, seed: u64) -> Result<()> {
    let slug = &definition.slug;
    let survey = store.import_survey(definition)?.survey().clone();
    let stored: i64 = store.count_responses(slug)?.iter().map(|c| c.count).sum();
    if stored != 0 {
        bail!("the database already holds responses to `{slug}`; give an empty one");
    }
    let mut respondents = SyntheticRespondents::new(definition, seed);
    let mut made = 0usize;
    while made < n {
        let size = (n - made).min(10_000);
        let responses = (0..size)
            .map(|_| {
                validate_answers(
                    definition,
                    &respondents.respondent(None),
                    Completeness::Complete,
                )
                .map_err(|e| anyhow::anyhow!("a synthetic response is invalid: {e:?}"))
            })
            .collect::<Result<Vec<_>>>()?;
        let keys: Vec<String> = (made..made + size).map(|i| format!("bench-{i}")).collect();
        let batch: Vec<NewResponse<'_>> = responses
            .iter()
            .zip(&keys)
            .map(|(response, key)| NewResponse {
                response,
                submission_key: key,
            })
            .collect();
        store.insert_responses(&survey, &batch)?;
        made += size;
    }
    Ok(())
}

/// Reset the process's peak resident set size (Linux: `/proc/self/clear_refs`, value 5).
pub fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The peak resident set size since the last reset (VmHWM), in bytes; 0 where unknown.
pub fn peak() -> u64 {
    peak_of("self")
}

/// The peak resident set size (VmHWM) of process `pid` (`self`, or a number), in bytes; 0
/// where unknown, as once the process has exited.
pub fn peak_of(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}
