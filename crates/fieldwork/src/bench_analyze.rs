//! `fieldwork bench analyze`: the analysis end to end beside merely reading the responses from
//! the store, and beside the pandas baseline (`benchmarks/analysis_pandas.py`) computing the
//! same estimates from the csv-wide export, in one run (`docs/performance.md`).

use std::collections::HashMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use fieldwork_analysis::export::{export, ExportOptions};
use fieldwork_analysis::{analyze, Plan};
use fieldwork_store::Store;

use crate::bench_export::{generate, peak, read_answers_pass, read_pass, reset_peak, Pass};
use crate::fixtures;

/// What one run measured.
#[derive(Debug)]
pub struct AnalyzeReport {
    pub responses: u64,
    /// Whole rows read (what an export reads).
    pub rows_read: Pass,
    /// Stratum and answers read (what analysis reads): the ratio's baseline.
    pub answers_read: Pass,
    pub analyze_seconds: f64,
    pub analyze_peak_bytes: u64,
    pub export_seconds: f64,
    pub export_bytes: u64,
    pub pandas_seconds: f64,
    pub pandas_peak_bytes: u64,
    /// Estimates both published, and the largest difference in estimate and in SE.
    pub compared: usize,
    pub max_estimate_difference: f64,
    pub max_se_difference: f64,
}

/// Generate `n` synthetic responses into `database` (which must hold none), then measure.
/// `python` runs the pandas baseline; `dir` holds the export and both sets of estimates.
pub fn run(database: &str, n: usize, seed: u64, python: &str, dir: &Path) -> Result<AnalyzeReport> {
    let store = Store::open(database)?;
    let definition = fixtures::digital_leadership()?;
    let slug = definition.slug.clone();
    generate(&store, &definition, n, seed)?;
    let plan = Plan::default_for(&definition);

    // The baselines: every complete response read from the store, nothing else done; whole
    // rows, and only the stratum and answers that analysis reads (the ratio's baseline).
    let rows_read = read_pass(&store, &slug)?;
    let answers_read = read_answers_pass(&store, &slug)?;
    let responses = answers_read.rows;

    // fieldwork analyze, end to end: load, estimate, write.
    let ours = dir.join("fieldwork");
    reset_peak();
    let start = Instant::now();
    let analysis = analyze(&store, &slug, &plan)?;
    analysis.write(&ours)?;
    let analyze_seconds = start.elapsed().as_secs_f64();
    let analyze_peak_bytes = peak();

    // The export the pandas script reads (not part of either timing).
    let wide = dir.join("responses.csv");
    let start = Instant::now();
    let file =
        std::fs::File::create(&wide).with_context(|| format!("cannot write {}", wide.display()))?;
    let mut writer = BufWriter::with_capacity(256 * 1024, file);
    let summary = export(&store, &slug, &ExportOptions::default(), &mut writer)?;
    writer.flush()?;
    let export_seconds = start.elapsed().as_secs_f64();
    let (definition_file, frame_file) = write_pandas_inputs(dir, &definition)?;

    let theirs = dir.join("pandas");
    let (pandas_seconds, pandas_peak_bytes) =
        run_pandas(python, &[&definition_file, &frame_file, &wide, &theirs])?;
    let (compared, max_estimate_difference, max_se_difference) =
        compare(&ours.join("estimates.csv"), &theirs.join("estimates.csv"))?;
    Ok(AnalyzeReport {
        responses,
        rows_read,
        answers_read,
        analyze_seconds,
        analyze_peak_bytes,
        export_seconds,
        export_bytes: summary.bytes,
        pandas_seconds,
        pandas_peak_bytes,
        compared,
        max_estimate_difference,
        max_se_difference,
    })
}

/// Run the pandas baseline; its wall time and peak memory (the script reports its own
/// `ru_maxrss` on its last line of standard error).
/// The pandas baseline's inputs besides the csv-wide export, written into `dir`: the
/// definition as JSON and the population frame as CSV. Their paths, in that order.
pub fn write_pandas_inputs(
    dir: &Path,
    definition: &fieldwork_survey::SurveyDefinition,
) -> Result<(PathBuf, PathBuf)> {
    let definition_file = dir.join("definition.json");
    std::fs::write(&definition_file, serde_json::to_vec(definition)?)?;
    let frame_file = dir.join("frame.csv");
    let mut frame = String::from("stratum,population\n");
    if let Some(stratification) = &definition.stratification {
        for (stratum, population) in &stratification.frame.population {
            frame.push_str(&format!("{stratum},{population}\n"));
        }
    }
    std::fs::write(&frame_file, frame)?;
    Ok((definition_file, frame_file))
}

pub fn run_pandas(python: &str, args: &[&PathBuf]) -> Result<(f64, u64)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../benchmarks/analysis_pandas.py");
    let start = Instant::now();
    let output = Command::new(python)
        .arg(&script)
        .args(args)
        .env("FIELDWORK_REPORT_PEAK", "1")
        .output()
        .with_context(|| format!("cannot run {python} (set FIELDWORK_BENCH_PYTHON to a Python with pandas and scipy)"))?;
    let seconds = start.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        bail!("the pandas baseline failed: {stderr}");
    }
    let peak_kib = stderr
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("peak_kib="))
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(0);
    Ok((seconds, peak_kib * 1024))
}

/// Compare the estimates both sides published: how many, and the largest absolute
/// differences of `estimate` and `se`.
pub fn compare(ours: &Path, theirs: &Path) -> Result<(usize, f64, f64)> {
    type Key = (String, String, String);
    type Figures = HashMap<Key, (Option<f64>, Option<f64>)>;
    let read = |path: &Path| -> Result<Figures> {
        let mut reader = csv::Reader::from_path(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let headers = reader.headers()?.clone();
        let at = |name: &str| headers.iter().position(|h| h == name);
        let (q, o, s, e, se) = (
            at("question_id").context("no question_id")?,
            at("option").context("no option")?,
            at("stratum").context("no stratum")?,
            at("estimate").context("no estimate")?,
            at("se").context("no se")?,
        );
        let mut rows = HashMap::new();
        for record in reader.records() {
            let record = record?;
            let number = |i: usize| record.get(i).and_then(|v| v.parse::<f64>().ok());
            rows.insert(
                (
                    record[q].to_owned(),
                    record[o].to_owned(),
                    record[s].to_owned(),
                ),
                (number(e), number(se)),
            );
        }
        Ok(rows)
    };
    let (ours, theirs) = (read(ours)?, read(theirs)?);
    let (mut compared, mut estimate, mut se) = (0, 0.0f64, 0.0f64);
    for (key, (our_estimate, our_se)) in &ours {
        let Some(Some(our_estimate)) = Some(our_estimate) else {
            continue;
        };
        let Some((Some(their_estimate), their_se)) = theirs.get(key) else {
            bail!("pandas published no estimate for {key:?}");
        };
        compared += 1;
        estimate = estimate.max((our_estimate - their_estimate).abs());
        if let (Some(a), Some(b)) = (our_se, their_se) {
            se = se.max((a - b).abs());
        }
    }
    Ok((compared, estimate, se))
}
