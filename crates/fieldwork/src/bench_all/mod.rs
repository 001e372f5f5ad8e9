//! `fieldwork bench all`: every measurement of `docs/performance.md` beside its baseline, at
//! each size, in one run, with the peak memory of each.
//!
//! Each measurement runs in a child process of this binary (`fieldwork bench step ...`, hidden
//! from help), so its peak memory is that process's own: the child reports its `VmHWM` when
//! it is done, as the pandas script does (`ru_maxrss` of a child would carry over the
//! parent's peak across fork and exec). The child prints its figures as one JSON line.
//!
//! Per size: the responses are stored once in a scratch SQLite file (not measured); then the
//! plain read, `analyze` end to end, each export, and the pandas baseline on the csv-wide
//! export run on that file; then that export is imported with `responses import` into a fresh
//! file, and with `sqlite3`'s `.import` into a plain table beside it. HTTP ingest runs the real server in a child (this process posts,
//! as a client would) on a fresh database, and the raw insert ceiling in another child on
//! another fresh database: SQLite files, and on PostgreSQL scratch databases made on the server
//! given with `--postgres` and dropped afterwards.

mod child;

pub use child::{step, Step};

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use fieldwork_analysis::export::ExportFormat;
use fieldwork_store::Store;
use fieldwork_survey::SyntheticRespondents;

use self::child::parse_report;
use self::child::run_step;
use self::child::step_command;
use self::child::StepReport;
use crate::{bench, bench_analyze, bench_export, fixtures};

/// The slug the HTTP ingest posts to (an open-link copy of the study).
const HTTP_SLUG: &str = "bench-http";
/// Where the table goes in the file given with `--write`.
pub const BEGIN: &str = "<!-- bench all: begin -->";
pub const END: &str = "<!-- bench all: end -->";
/// The exports measured, each against the plain read.
const EXPORTS: [ExportFormat; 3] = [
    ExportFormat::CsvWide,
    ExportFormat::CsvLong,
    ExportFormat::Parquet,
];

#[derive(Debug, clap::Args)]
pub struct AllArgs {
    /// Numbers of responses to measure at, comma-separated.
    #[arg(long, default_value = "10000,100000,1000000", value_parser = parse_sizes)]
    pub sizes: Sizes,
    /// A PostgreSQL server whose user may create databases, for PostgreSQL ingest (scratch
    /// databases are made and dropped); without it that row says it was not run.
    #[arg(long, env = "FIELDWORK_BENCH_POSTGRES", hide_env_values = true)]
    pub postgres: Option<String>,
    /// The Python that runs the pandas baseline; it needs pandas and scipy.
    #[arg(long, env = "FIELDWORK_BENCH_PYTHON", default_value = "python3")]
    pub python: String,
    /// HTTP requests in flight during ingest.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Seed for the synthetic respondents.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Directory for the scratch databases and exports (about 4 GB at 1,000,000 responses).
    #[arg(long)]
    pub scratch: Option<PathBuf>,
    /// Also put the table, the command and the machine into this file, between the lines
    /// `<!-- bench all: begin -->` and `<!-- bench all: end -->` (docs/performance.md).
    #[arg(long)]
    pub write: Option<PathBuf>,
}

/// The sizes to measure at.
#[derive(Debug, Clone)]
pub struct Sizes(pub Vec<usize>);

fn parse_sizes(text: &str) -> Result<Sizes, String> {
    let sizes = text
        .split(',')
        .map(|s| {
            let s = s.trim().replace('_', "");
            match s.parse::<usize>() {
                Ok(n) if (1..=100_000_000).contains(&n) => Ok(n),
                _ => Err(format!(
                    "`{s}` is not a number of responses between 1 and 100000000"
                )),
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Sizes(sizes))
}

/// One row of the table.
#[derive(Debug)]
struct Row {
    size: usize,
    measurement: String,
    /// None: not run, with the reason in `notes`.
    ours: Option<Figure>,
    baseline: Option<Figure>,
    notes: String,
}

#[derive(Debug, Clone, Copy)]
enum Figure {
    /// Wall time of the whole job, seconds.
    Seconds { seconds: f64, peak_bytes: u64 },
    /// Responses per second.
    Rate { per_second: f64, peak_bytes: u64 },
}

impl Figure {
    /// Time per unit of work, so that every ratio reads "fieldwork takes x times as long".
    fn time(self) -> f64 {
        match self {
            Figure::Seconds { seconds, .. } => seconds,
            Figure::Rate { per_second, .. } => 1.0 / per_second,
        }
    }
    fn peak(self) -> u64 {
        match self {
            Figure::Seconds { peak_bytes, .. } | Figure::Rate { peak_bytes, .. } => peak_bytes,
        }
    }
    fn show(self) -> String {
        match self {
            Figure::Seconds { seconds, .. } if seconds < 1.0 => format!("{seconds:.3} s"),
            Figure::Seconds { seconds, .. } => format!("{seconds:.2} s"),
            Figure::Rate { per_second, .. } => {
                format!("{} resp/s", thousands(per_second.round() as u64))
            }
        }
    }
}

fn seconds(report: &StepReport) -> Figure {
    Figure::Seconds {
        seconds: report.seconds,
        peak_bytes: report.peak_bytes,
    }
}

/// Everything `bench all` does; the rows of its table.
pub fn run(args: &AllArgs) -> Result<()> {
    let started = chrono::Utc::now();
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned));
    let python = python_versions(&args.python)?;
    let scratch_root = match &args.scratch {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot make {}", dir.display()))?;
            tempfile::tempdir_in(dir)?
        }
        None => tempfile::tempdir()?,
    };
    if let Some(file) = &args.write {
        // Find out now, not after an hour, that the table has nowhere to go.
        replace_section(&read_file(file)?, "", file)?;
    }
    let definition = fixtures::digital_leadership()?;
    let mut rows = Vec::new();
    let mut versions = Versions {
        python,
        ..Versions::default()
    };
    for &n in &args.sizes.0 {
        let dir = scratch_root.path().join(n.to_string());
        std::fs::create_dir_all(&dir)?;
        eprintln!("{} responses:", thousands(n as u64));
        rows.extend(analysis_and_exports(
            args,
            &definition,
            n,
            &dir,
            &mut versions,
        )?);
        rows.push(ingest(args, n, Backend::Sqlite(&dir), &mut versions)?);
        rows.push(match &args.postgres {
            Some(server) => ingest(args, n, Backend::Postgres(server), &mut versions)?,
            None => Row {
                size: n,
                measurement: "ingest over HTTP, PostgreSQL".to_owned(),
                ours: None,
                baseline: None,
                notes: "not run: no --postgres".to_owned(),
            },
        });
        std::fs::remove_dir_all(&dir).ok();
    }
    let table = table(&rows);
    println!("{table}");
    if let Some(file) = &args.write {
        let section = section(&table, started, load, &versions);
        let text = replace_section(&read_file(file)?, &section, file)?;
        std::fs::write(file, text).with_context(|| format!("cannot write {}", file.display()))?;
        println!("wrote the table to {}", file.display());
    }
    Ok(())
}

#[derive(Debug, Default)]
struct Versions {
    sqlite: Option<String>,
    postgres: Option<String>,
    python: String,
}

fn read_file(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// The read, `analyze`, the exports and pandas on one stored set of `n` responses.
fn analysis_and_exports(
    args: &AllArgs,
    definition: &fieldwork_survey::SurveyDefinition,
    n: usize,
    dir: &Path,
    versions: &mut Versions,
) -> Result<Vec<Row>> {
    let data = format!("sqlite://{}", dir.join("data.db").display());
    let seed = args.seed.to_string();
    let responses = n.to_string();
    let prepared = run_step(
        &data,
        &["prepare", "--responses", &responses, "--seed", &seed],
    )?;
    eprintln!("  stored {n} responses in {:.1} s", prepared.seconds);
    versions.sqlite = Some(Store::open(&data)?.backend_version()?);

    let read = run_step(&data, &["read"])?;
    eprintln!("  read in {:.2} s", read.seconds);
    let read_answers = run_step(&data, &["read-answers"])?;
    eprintln!(
        "  read stratum and answers in {:.2} s",
        read_answers.seconds
    );
    let ours = dir.join("fieldwork");
    let analysed = run_step(&data, &["analyze", "--out", &ours.to_string_lossy()])?;
    eprintln!("  analysed in {:.2} s", analysed.seconds);
    let mut exports = Vec::new();
    for format in EXPORTS {
        let out = dir.join(format!("responses.{}", format.name()));
        let report = run_step(
            &data,
            &[
                "export",
                "--format",
                format.name(),
                "--out",
                &out.to_string_lossy(),
            ],
        )?;
        eprintln!("  exported {} in {:.2} s", format.name(), report.seconds);
        if format != ExportFormat::CsvWide {
            std::fs::remove_file(&out).ok();
        }
        exports.push((format, report));
    }

    // The pandas baseline reads the csv-wide export, the definition and the frame.
    let (definition_file, frame_file) = bench_analyze::write_pandas_inputs(dir, definition)?;
    let wide = dir.join(format!("responses.{}", ExportFormat::CsvWide.name()));
    let theirs = dir.join("pandas");
    let (pandas_seconds, pandas_peak) = bench_analyze::run_pandas(
        &args.python,
        &[&definition_file, &frame_file, &wide, &theirs],
    )?;
    eprintln!("  pandas in {pandas_seconds:.2} s");
    let (compared, max_estimate, max_se) =
        bench_analyze::compare(&ours.join("estimates.csv"), &theirs.join("estimates.csv"))?;
    if max_estimate > 1e-9 || max_se > 1e-9 {
        bail!(
            "the pandas baseline and fieldwork disagree at {n} responses: the comparison is void"
        );
    }

    let imported = import_against_sqlite3(n, &wide, dir)?;

    let mut rows = vec![
        Row {
            size: n,
            measurement: "analysis end to end, against reading the responses' stratum and answers"
                .to_owned(),
            ours: Some(seconds(&analysed)),
            baseline: Some(seconds(&read_answers)),
            notes: format!(
                "{} complete responses; whole rows read in {:.2} s",
                thousands(analysed.rows),
                read.seconds
            ),
        },
        Row {
            size: n,
            measurement: "analysis end to end, against pandas on the csv-wide export".to_owned(),
            ours: Some(seconds(&analysed)),
            baseline: Some(Figure::Seconds {
                seconds: pandas_seconds,
                peak_bytes: pandas_peak,
            }),
            notes: format!(
                "{compared} estimates agree (largest difference {:.1e}, SE {:.1e})",
                max_estimate, max_se
            ),
        },
    ];
    for (format, report) in exports {
        rows.push(Row {
            size: n,
            measurement: format!("export {}, against reading the rows", format.name()),
            ours: Some(seconds(&report)),
            baseline: Some(seconds(&read)),
            notes: format!(
                "{} rows, {:.1} MB",
                thousands(report.rows),
                report.bytes as f64 / 1e6
            ),
        });
    }
    rows.push(imported);
    Ok(rows)
}

/// `responses import` of the csv-wide export into a fresh database, against `sqlite3`'s own
/// `.import` of the same file into a plain table of text columns.
fn import_against_sqlite3(n: usize, wide: &Path, dir: &Path) -> Result<Row> {
    let target = format!("sqlite://{}", dir.join("import.db").display());
    let wide_name = wide.to_string_lossy();
    let ours = run_step(&target, &["import", "--file", &wide_name])?;
    eprintln!("  imported the csv-wide export in {:.2} s", ours.seconds);
    let plain = dir.join("sqlite3-import.db");
    let theirs = sqlite3_import(wide, &plain)?;
    eprintln!("  sqlite3 .import in {:.2} s", theirs.time());
    for file in [
        "import.db",
        "import.db-wal",
        "import.db-shm",
        "sqlite3-import.db",
    ] {
        std::fs::remove_file(dir.join(file)).ok();
    }
    Ok(Row {
        size: n,
        measurement:
            "responses import of the csv-wide export, against sqlite3 .import into a plain table"
                .to_owned(),
        ours: Some(seconds(&ours)),
        baseline: Some(theirs),
        notes: format!(
            "{:.1} MB file; every row checked, all or nothing in one transaction",
            ours.bytes as f64 / 1e6
        ),
    })
}

/// `sqlite3 DB ".import --csv FILE t"`: its time, and its peak memory, read from /proc while
/// it runs (VmHWM only grows, so the last reading is the peak; an exited process has none).
fn sqlite3_import(csv: &Path, database: &Path) -> Result<Figure> {
    let started = std::time::Instant::now();
    let mut child = Command::new("sqlite3")
        .arg(database)
        .arg(format!(".import --csv '{}' t", csv.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot run sqlite3 (Debian package sqlite3), the baseline of responses import")?;
    let pid = child.id().to_string();
    let mut peak_bytes = 0;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        peak_bytes = peak_bytes.max(bench_export::peak_of(&pid));
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    let seconds = started.elapsed().as_secs_f64();
    if !status.success() {
        let mut message = String::new();
        if let Some(mut stderr) = child.stderr.take() {
            std::io::Read::read_to_string(&mut stderr, &mut message)?;
        }
        bail!("sqlite3 .import failed: {}", message.trim());
    }
    Ok(Figure::Seconds {
        seconds,
        peak_bytes,
    })
}

#[derive(Debug, Clone, Copy)]
enum Backend<'a> {
    /// SQLite files in this directory.
    Sqlite(&'a Path),
    /// Scratch databases on this server.
    Postgres(&'a str),
}

/// HTTP ingest of `n` responses against the raw insert ceiling of the same rows.
fn ingest(args: &AllArgs, n: usize, backend: Backend<'_>, versions: &mut Versions) -> Result<Row> {
    let (http_db, ceiling_db) = match backend {
        Backend::Sqlite(dir) => (
            format!("sqlite://{}", dir.join("http.db").display()),
            format!("sqlite://{}", dir.join("ceiling.db").display()),
        ),
        Backend::Postgres(server) => (
            fieldwork_store::create_scratch_database(server, "fieldwork_bench")?,
            fieldwork_store::create_scratch_database(server, "fieldwork_bench")?,
        ),
    };
    let result = ingest_on(args, n, &http_db, &ceiling_db);
    if let Backend::Postgres(server) = backend {
        versions.postgres = Some(Store::open(&http_db)?.backend_version()?);
        for url in [&http_db, &ceiling_db] {
            fieldwork_store::drop_scratch_database(server, url)?;
        }
    }
    let (http, ceiling, latencies, stored) = result?;
    let name = match backend {
        Backend::Sqlite(_) => "SQLite",
        Backend::Postgres(_) => "PostgreSQL",
    };
    Ok(Row {
        size: n,
        measurement: format!("ingest over HTTP, {name}, against the raw insert ceiling"),
        ours: Some(http),
        baseline: Some(ceiling),
        notes: format!(
            "{} in flight; p50 {:.1} ms, p99 {:.1} ms; {} acknowledged = stored",
            args.concurrency,
            latencies.0,
            latencies.1,
            thousands(stored)
        ),
    })
}

type Ingested = (Figure, Figure, (f64, f64), u64);

fn ingest_on(args: &AllArgs, n: usize, http_db: &str, ceiling_db: &str) -> Result<Ingested> {
    let definition = fixtures::digital_leadership()?;
    let bodies: Vec<String> = SyntheticRespondents::new(&definition, args.seed)
        .take(n)
        .map(|answers| bench::request_body(&answers))
        .collect();
    let mut server = step_command(http_db, &["serve"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("cannot start the server")?;
    let mut lines = BufReader::new(server.stdout.take().context("no server output")?).lines();
    let first = lines.next().transpose()?.unwrap_or_default();
    let address = parse_report(&first, &["serve"])?
        .address
        .context("the server printed no address")?;
    let address: std::net::SocketAddr = address
        .parse()
        .with_context(|| format!("the server printed an address that does not parse: {address}"))?;
    let path = format!("/api/v1/surveys/{HTTP_SLUG}/responses");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let loaded = runtime.block_on(bench::load(address, &path, bodies, args.concurrency.max(1)));
    // Closing its standard input stops the server, which then reports.
    drop(server.stdin.take());
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = server.wait()?;
    let (elapsed, mut latencies, acknowledged) = loaded?;
    if !status.success() {
        bail!("the ingest server failed");
    }
    let served = parse_report(&rest.join("\n"), &["serve"])?;
    if served.rows != acknowledged as u64 || acknowledged != n {
        bail!(
            "{n} responses posted, {acknowledged} acknowledged, {} stored: the comparison is void",
            served.rows
        );
    }
    let http = Figure::Rate {
        per_second: acknowledged as f64 / elapsed.as_secs_f64(),
        peak_bytes: served.peak_bytes,
    };
    eprintln!("  HTTP ingest at {}", http.show());
    let ceiling = run_step(
        ceiling_db,
        &[
            "ceiling",
            "--responses",
            &n.to_string(),
            "--seed",
            &args.seed.to_string(),
        ],
    )?;
    let ceiling = Figure::Rate {
        per_second: ceiling.per_second,
        peak_bytes: ceiling.peak_bytes,
    };
    eprintln!("  raw inserts at {}", ceiling.show());
    Ok((
        http,
        ceiling,
        bench::p50_p99(&mut latencies),
        acknowledged as u64,
    ))
}

/// The Python's, pandas' and scipy's versions; an error now if the baseline cannot run.
fn python_versions(python: &str) -> Result<String> {
    let output = Command::new(python)
        .args([
            "-c",
            "import sys, pandas, scipy; print(sys.version.split()[0], pandas.__version__, scipy.__version__)",
        ])
        .output()
        .with_context(|| format!("cannot run {python} (give --python, a Python with pandas and scipy)"))?;
    if !output.status.success() {
        bail!(
            "{python} cannot import pandas and scipy (give --python, a Python with both): {}",
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .last()
                .unwrap_or_default()
        );
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let parts: Vec<&str> = text.split_whitespace().collect();
    Ok(match parts.as_slice() {
        [python, pandas, scipy] => format!("Python {python}, pandas {pandas}, scipy {scipy}"),
        _ => text.trim().to_owned(),
    })
}

fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| responses | measurement | fieldwork | baseline | fieldwork ÷ baseline (time) | peak memory, fieldwork | peak memory, baseline | notes |\n|---:|---|---:|---:|---:|---:|---:|---|\n",
    );
    for row in rows {
        let (ours, baseline, ratio, our_peak, their_peak) = match (row.ours, row.baseline) {
            (Some(ours), Some(baseline)) => (
                ours.show(),
                baseline.show(),
                format!("{:.2}", ours.time() / baseline.time()),
                mib(ours.peak()),
                mib(baseline.peak()),
            ),
            _ => ("–".into(), "–".into(), "–".into(), "–".into(), "–".into()),
        };
        out.push_str(&format!(
            "| {} | {} | {ours} | {baseline} | {ratio} | {our_peak} | {their_peak} | {} |\n",
            thousands(row.size as u64),
            row.measurement,
            row.notes
        ));
    }
    out
}

fn section(
    table: &str,
    started: chrono::DateTime<chrono::Utc>,
    load: Option<String>,
    versions: &Versions,
) -> String {
    // As typed, but never with a database password.
    let command: Vec<String> = std::env::args()
        .map(|a| fieldwork_store::redact(&a))
        .collect();
    let build = if cfg!(debug_assertions) {
        "debug build"
    } else {
        "release build"
    };
    let mut software = vec![env!("FIELDWORK_RUSTC_VERSION").to_owned()];
    software.extend(versions.sqlite.clone());
    software.push(
        versions
            .postgres
            .clone()
            .unwrap_or_else(|| "PostgreSQL not run".to_owned()),
    );
    software.push(versions.python.clone());
    format!(
        "Measured by `{}` on {} ({build}, commit {}; load average {} at the start).\n\n\
         Machine: {}.\nSoftware: {}.\n\n{table}\n",
        command.join(" "),
        started.format("%Y-%m-%d %H:%M UTC"),
        git_commit(),
        load.unwrap_or_else(|| "unknown".to_owned()),
        machine(),
        software.join(", "),
    )
}

/// Put `section` between the markers of `text`.
fn replace_section(text: &str, section: &str, file: &Path) -> Result<String> {
    let missing = || {
        anyhow::anyhow!(
            "{} has no `{BEGIN}` and `{END}` lines (in that order) to put the table between",
            file.display()
        )
    };
    let begin = text.find(BEGIN).ok_or_else(missing)?;
    let after_begin = begin + BEGIN.len();
    let end = text[after_begin..].find(END).ok_or_else(missing)? + after_begin;
    Ok(format!(
        "{}{BEGIN}\n{section}{}",
        &text[..begin],
        &text[end..]
    ))
}

fn git_commit() -> String {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .stderr(Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    match git(&["rev-parse", "--short=12", "HEAD"]) {
        Some(commit) => {
            let dirty = git(&["status", "--porcelain", "--untracked-files=no"])
                .is_some_and(|s| !s.is_empty());
            if dirty {
                format!("`{commit}` with uncommitted changes")
            } else {
                format!("`{commit}`")
            }
        }
        None => "unknown".to_owned(),
    }
}

/// CPU, cores, memory, OS and kernel, from /proc and /etc/os-release.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU".to_owned(), |(_, m)| m.trim().to_owned());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or("unknown memory".to_owned(), |kib| {
            format!("{:.1} GiB", kib as f64 / (1024.0 * 1024.0))
        });
    let os = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|r| {
            r.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_owned())
        })
        .unwrap_or_else(|| std::env::consts::OS.to_owned());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map_or_else(|_| String::new(), |k| format!(", Linux {}", k.trim()));
    format!("{cpu}, {cores} cores, {memory}, {os}{kernel}")
}

fn mib(bytes: u64) -> String {
    let tenths = (bytes as f64 / (1024.0 * 1024.0) * 10.0).round() as u64;
    format!("{}.{} MiB", thousands(tenths / 10), tenths % 10)
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_positive_numbers() {
        assert_eq!(
            parse_sizes("10000, 100_000,1").unwrap().0,
            [10_000, 100_000, 1]
        );
        assert!(parse_sizes("0").unwrap_err().contains("`0`"));
        assert!(parse_sizes("10k").unwrap_err().contains("`10k`"));
        assert!(parse_sizes("").is_err());
    }

    #[test]
    fn the_section_replaces_what_is_between_the_markers() {
        let file = Path::new("perf.md");
        let text = format!("# Title\n\n{BEGIN}\nold table\n{END}\n\nafter\n");
        let replaced = replace_section(&text, "new table\n", file).unwrap();
        assert_eq!(
            replaced,
            format!("# Title\n\n{BEGIN}\nnew table\n{END}\n\nafter\n")
        );
        let error = replace_section("# nothing\n", "x", file)
            .unwrap_err()
            .to_string();
        assert!(error.contains("perf.md has no"), "{error}");
        assert!(replace_section(&format!("{END}\n{BEGIN}\n"), "x", file).is_err());
    }

    #[test]
    fn figures_read_as_people_write_them() {
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
        assert_eq!(mib(1_503_238_553), "1,433.6 MiB");
        let rate = Figure::Rate {
            per_second: 10_000.0,
            peak_bytes: 0,
        };
        let ceiling = Figure::Rate {
            per_second: 20_000.0,
            peak_bytes: 0,
        };
        assert!((rate.time() / ceiling.time() - 2.0).abs() < 1e-12);
        assert_eq!(rate.show(), "10,000 resp/s");
    }
}
