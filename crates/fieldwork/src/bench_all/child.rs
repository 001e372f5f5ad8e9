//! One step of `bench all`, run in a child process of its own so its peak memory is its alone;
//! it prints its report as JSON for the parent.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use fieldwork_analysis::export::ExportFormat;
use fieldwork_store::{Store, SurveyStatus};
use serde::{Deserialize, Serialize};

use super::HTTP_SLUG;
use crate::bench_export::{export_pass, generate, peak, read_answers_pass, read_pass, reset_peak};
use crate::{bench, fixtures};

/// One measurement, run by `bench all` in a child process of its own.
#[derive(Debug, Subcommand)]
pub enum Step {
    /// Store N synthetic responses to the study in the database (not measured).
    Prepare {
        #[arg(long)]
        responses: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Read every complete response from the store, touching only its answers.
    Read,
    /// Read every complete response's stratum and answers only: what analysis reads.
    ReadAnswers,
    /// `analyze` end to end with the default plan, writing to OUT.
    Analyze {
        #[arg(long)]
        out: PathBuf,
    },
    /// Export the responses in FORMAT to the file OUT.
    Export {
        #[arg(long)]
        format: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Serve the study (open link) on a free loopback port until standard input closes.
    Serve,
    /// `responses import` of the wide CSV FILE into the study, which it imports first (not
    /// measured).
    Import {
        #[arg(long)]
        file: PathBuf,
    },
    /// Insert N synthetic responses straight through the store: the raw insert ceiling.
    Ceiling {
        #[arg(long)]
        responses: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

/// What a step prints: the figures that apply to it.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(super) struct StepReport {
    #[serde(default)]
    pub(super) seconds: f64,
    #[serde(default)]
    pub(super) rows: u64,
    #[serde(default)]
    pub(super) bytes: u64,
    /// The process's own peak resident set (VmHWM), in bytes.
    #[serde(default)]
    pub(super) peak_bytes: u64,
    #[serde(default)]
    pub(super) per_second: f64,
    #[serde(default)]
    pub(super) address: Option<String>,
}

pub(super) fn print_report(report: &StepReport) -> Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", serde_json::to_string(report)?)?;
    out.flush()?;
    Ok(())
}

/// Run one step in this process (the child's side).
pub fn step(database: &str, step: Step) -> Result<()> {
    let store = Store::open(database)?;
    let slug = fixtures::digital_leadership()?.slug;
    let report = match step {
        Step::Prepare { responses, seed } => {
            let started = std::time::Instant::now();
            generate(&store, &fixtures::digital_leadership()?, responses, seed)?;
            StepReport {
                seconds: started.elapsed().as_secs_f64(),
                rows: responses as u64,
                ..StepReport::default()
            }
        }
        Step::Read | Step::ReadAnswers => {
            let pass = if matches!(step, Step::Read) {
                read_pass(&store, &slug)?
            } else {
                read_answers_pass(&store, &slug)?
            };
            StepReport {
                seconds: pass.seconds,
                rows: pass.rows,
                bytes: pass.bytes,
                ..StepReport::default()
            }
        }
        Step::Analyze { out } => {
            let definition = store.latest_survey(&slug)?.definition;
            let plan = fieldwork_analysis::Plan::default_for(&definition);
            reset_peak();
            let started = std::time::Instant::now();
            let analysis = fieldwork_analysis::analyze(&store, &slug, &plan)?;
            analysis.write(&out)?;
            StepReport {
                seconds: started.elapsed().as_secs_f64(),
                rows: analysis
                    .response_rates
                    .iter()
                    .map(|r| r.complete as u64)
                    .sum(),
                ..StepReport::default()
            }
        }
        Step::Export { format, out } => {
            let format = ExportFormat::parse(&format)
                .with_context(|| format!("`{format}` is not an export format"))?;
            let pass = export_pass(&store, &slug, format, &out)?;
            StepReport {
                seconds: pass.seconds,
                rows: pass.rows,
                bytes: pass.bytes,
                ..StepReport::default()
            }
        }
        Step::Import { file } => {
            store.import_survey(&fixtures::digital_leadership()?)?;
            drop(store);
            reset_peak();
            let started = std::time::Instant::now();
            crate::responses::import(database, &slug, &file)?;
            StepReport {
                seconds: started.elapsed().as_secs_f64(),
                bytes: std::fs::metadata(&file)?.len(),
                ..StepReport::default()
            }
        }
        Step::Serve => serve_until_stdin_closes(store)?,
        Step::Ceiling { responses, seed } => {
            let definition = fixtures::digital_leadership()?;
            StepReport {
                per_second: bench::ceiling(&store, &definition, responses, seed)?,
                rows: responses as u64,
                ..StepReport::default()
            }
        }
    };
    print_report(&StepReport {
        peak_bytes: peak(),
        ..report
    })
}

/// The server side of HTTP ingest: print the address, serve until standard input closes,
/// then stop gracefully and count what was stored.
pub(super) fn serve_until_stdin_closes(store: Store) -> Result<StepReport> {
    let store = Arc::new(store);
    let mut definition = fixtures::digital_leadership()?;
    definition.allow_open_link = true;
    definition.slug = HTTP_SLUG.to_owned();
    store.import_survey(&definition)?;
    store.set_survey_status(HTTP_SLUG, SurveyStatus::Open)?;
    let config = fieldwork_server::ServerConfig {
        rate_per_second: 0.0,
        stop_on_signals: false,
        workers: std::env::var("FIELDWORK_BENCH_WORKERS")
            .ok()
            .and_then(|w| w.parse().ok()),
        ..Default::default()
    };
    let server = fieldwork_server::spawn(Arc::clone(&store), "127.0.0.1:0", config)
        .context("cannot start the server")?;
    print_report(&StepReport {
        address: Some(server.addr().to_string()),
        ..StepReport::default()
    })?;
    // The parent closes our stdin when its load is done.
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    server.stop().context("the server stopped with an error")?;
    let stored: i64 = store
        .count_responses(HTTP_SLUG)?
        .iter()
        .map(|c| c.count)
        .sum();
    Ok(StepReport {
        rows: stored as u64,
        ..StepReport::default()
    })
}

/// Run `fieldwork --database DATABASE bench step ARGS` and read its report.
pub(super) fn run_step(database: &str, args: &[&str]) -> Result<StepReport> {
    let output = step_command(database, args)
        .stdin(Stdio::null())
        .output()
        .context("cannot run this binary again")?;
    if !output.status.success() {
        bail!(
            "`bench step {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    parse_report(&String::from_utf8_lossy(&output.stdout), args)
}

pub(super) fn step_command(database: &str, args: &[&str]) -> Command {
    let exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("fieldwork"));
    let mut command = Command::new(exe);
    command
        .arg("--database")
        .arg(database)
        .args(["bench", "step"])
        .args(args)
        .env_remove("FIELDWORK_DATABASE_URL");
    command
}

pub(super) fn parse_report(stdout: &str, args: &[&str]) -> Result<StepReport> {
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .with_context(|| format!("`bench step {}` printed no figures", args.join(" ")))?;
    serde_json::from_str(line)
        .with_context(|| format!("`bench step {}` printed `{line}`", args.join(" ")))
}
