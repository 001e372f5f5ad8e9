//! `fieldwork bench ingest`: HTTP ingest against the raw insert ceiling, one run.

use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::cli::BenchCommand;
use crate::{bench_all, bench_analyze, bench_export, bench_proxy};
use anyhow::{bail, Context, Result};
use fieldwork_server::tokens;
use fieldwork_store::DEFAULT_DATABASE_URL;
use fieldwork_store::{Store, Submission, SurveyStatus};
use fieldwork_survey::{validate_answers, Completeness, SurveyDefinition, SyntheticRespondents};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What one ingest measurement found.
#[derive(Debug)]
pub struct IngestReport {
    pub backend: String,
    pub responses: usize,
    pub concurrency: usize,
    pub http_per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub acknowledged: usize,
    pub stored: i64,
    pub ceiling_per_second: f64,
}

impl IngestReport {
    pub fn ratio(&self) -> f64 {
        self.http_per_second / self.ceiling_per_second
    }
}

/// Post `n` synthetic responses to a server on loopback over `database`, then insert the same
/// rows straight through the store in batches, and compare.
pub fn ingest(database: &str, n: usize, concurrency: usize, seed: u64) -> Result<IngestReport> {
    let store = Arc::new(Store::open(database)?);
    let mut definition = crate::fixtures::digital_leadership()?;
    // Open link so the load needs no invitations; the questions and rows are the study's own.
    definition.allow_open_link = true;
    definition.slug = format!("bench-ingest-{seed}");
    store.import_survey(&definition)?;
    store.set_survey_status(&definition.slug, SurveyStatus::Open)?;
    let bodies: Vec<String> = SyntheticRespondents::new(&definition, seed)
        .take(n)
        .map(|answers| request_body(&answers))
        .collect();

    // The server, in this process on its own runtime, on a free loopback port.
    let config = fieldwork_server::ServerConfig {
        rate_per_second: 0.0,
        workers: std::env::var("FIELDWORK_BENCH_WORKERS")
            .ok()
            .and_then(|w| w.parse().ok()),
        ..Default::default()
    };
    let server = fieldwork_server::spawn(Arc::clone(&store), "127.0.0.1:0", config)
        .context("cannot start the server")?;
    let addr = server.addr();
    let path = format!("/api/v1/surveys/{}/responses", definition.slug);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let (elapsed, mut latencies, acknowledged) =
        runtime.block_on(load(addr, &path, bodies, concurrency))?;
    drop(runtime);
    server.stop()?;
    let stored: i64 = store
        .count_responses(&definition.slug)?
        .iter()
        .map(|c| c.count)
        .sum();

    let ceiling = ceiling(&store, &definition, n, seed)?;
    let (p50_ms, p99_ms) = p50_p99(&mut latencies);
    Ok(IngestReport {
        backend: format!("{:?}", store.backend()),
        responses: n,
        concurrency,
        http_per_second: acknowledged as f64 / elapsed.as_secs_f64(),
        p50_ms,
        p99_ms,
        acknowledged,
        stored,
        ceiling_per_second: ceiling,
    })
}

/// The median and 99th percentile of request latencies (nearest rank; 0 with none).
pub fn p50_p99(latencies: &mut [f64]) -> (f64, f64) {
    latencies.sort_by(f64::total_cmp);
    let percentile = |p: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };
    (percentile(0.5), percentile(0.99))
}

/// The load generator: `concurrency` keep-alive HTTP/1.1 connections, each posting the next
/// unsent body and waiting for its answer. Requests are written straight to the socket and
/// answers parsed with `httparse`, as `wrk` does: client, server and writer share this
/// machine's cores, so a heavyweight client (reqwest measured ~18% of the CPU) would be
/// measured as the server's slowness.
pub async fn load(
    addr: SocketAddr,
    path: &str,
    bodies: Vec<String>,
    concurrency: usize,
) -> Result<(Duration, Vec<f64>, usize)> {
    let bodies = Arc::new(bodies);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (bodies, next, path) = (Arc::clone(&bodies), Arc::clone(&next), path.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut connection = None;
            let mut request = Vec::with_capacity(4096);
            let mut buffer = Vec::with_capacity(4096);
            let mut latencies = Vec::new();
            let mut acknowledged = 0usize;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = bodies.get(i) else { break };
                request.clear();
                write!(
                    request,
                    "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nIdempotency-Key: {}\r\nContent-Length: {}\r\n\r\n",
                    idempotency_key(i),
                    body.len()
                )?;
                request.extend_from_slice(body.as_bytes());
                let sent = Instant::now();
                let status = exchange(&mut connection, addr, &request, &mut buffer).await;
                latencies.push(sent.elapsed().as_secs_f64() * 1000.0);
                match status {
                    Ok(status) if (200..300).contains(&status) => acknowledged += 1,
                    Ok(_) => {}
                    // A broken connection: this request counts as failed, the next reconnects.
                    Err(_) => connection = None,
                }
            }
            Ok::<_, anyhow::Error>((latencies, acknowledged))
        }));
    }
    let mut latencies = Vec::new();
    let mut acknowledged = 0;
    for task in tasks {
        let (l, a) = task.await??;
        latencies.extend(l);
        acknowledged += a;
    }
    Ok((started.elapsed(), latencies, acknowledged))
}

/// Send one request on the connection (opening it if need be) and read the whole answer;
/// returns its status code.
async fn exchange(
    connection: &mut Option<TcpStream>,
    addr: SocketAddr,
    request: &[u8],
    buffer: &mut Vec<u8>,
) -> Result<u16> {
    if connection.is_none() {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        *connection = Some(stream);
    }
    let stream = connection.as_mut().expect("connected above");
    stream.write_all(request).await?;
    buffer.clear();
    let mut chunk = [0u8; 4096];
    loop {
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            bail!("the server closed the connection");
        }
        buffer.extend_from_slice(&chunk[..read]);
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut response = httparse::Response::new(&mut headers);
        let httparse::Status::Complete(head) = response.parse(buffer)? else {
            continue;
        };
        let length = response
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case("content-length"))
            .and_then(|h| {
                std::str::from_utf8(h.value)
                    .ok()?
                    .trim()
                    .parse::<usize>()
                    .ok()
            })
            .context("an answer without Content-Length")?;
        let status = response.code.context("an answer without a status")?;
        let close = response.headers.iter().any(|h| {
            h.name.eq_ignore_ascii_case("connection") && h.value.eq_ignore_ascii_case(b"close")
        });
        if buffer.len() >= head + length {
            if close {
                *connection = None;
            }
            return Ok(status);
        }
    }
}

/// The body the load generator posts for one synthetic respondent.
pub fn request_body(answers: &serde_json::Map<String, serde_json::Value>) -> String {
    serde_json::json!({ "answers": answers }).to_string()
}

/// The `Idempotency-Key` of the load generator's `i`th request.
pub fn idempotency_key(i: usize) -> String {
    format!("bench-{i}")
}

/// Responses per second inserted straight through the store, in batches as large as the
/// writer's: the same rows the server stores for the load generator's requests, down to the
/// hashes of their idempotency keys and bodies (random, so each lands on its own page of the
/// unique index, as the server's do). Each batch is made and validated before its insert
/// starts, and only the inserts are timed, so memory holds one batch and the figure is the
/// store's alone.
pub fn ceiling(store: &Store, definition: &SurveyDefinition, n: usize, seed: u64) -> Result<f64> {
    let mut definition = definition.clone();
    definition.slug = format!("bench-ceiling-{seed}");
    store.import_survey(&definition)?;
    // Open, as the server's survey is: a submission checks that in its transaction.
    let survey = store.set_survey_status(&definition.slug, SurveyStatus::Open)?;
    let mut respondents = SyntheticRespondents::new(&definition, seed);
    let mut inserting = Duration::ZERO;
    let mut made = 0;
    while made < n {
        let size = (n - made).min(fieldwork_server::MAX_BATCH);
        let mut responses = Vec::with_capacity(size);
        let mut hashes = Vec::with_capacity(size);
        for (i, answers) in (made..made + size).zip(&mut respondents) {
            responses.push(
                validate_answers(&definition, &answers, Completeness::Complete)
                    .map_err(|e| anyhow::anyhow!("synthetic answers invalid: {e:?}"))?,
            );
            hashes.push((
                tokens::hash("idempotency", &idempotency_key(i)),
                tokens::hash("request", &request_body(&answers)),
            ));
        }
        let batch: Vec<Submission<'_>> = responses
            .iter()
            .zip(&hashes)
            .map(|(response, (key_hash, request_hash))| Submission {
                survey: &survey,
                response,
                key_hash,
                request_hash: Some(request_hash),
                invitation_hash: None,
            })
            .collect();
        let started = Instant::now();
        store.submit_responses(&batch)?;
        inserting += started.elapsed();
        made += size;
    }
    let stored: i64 = store
        .count_responses(&definition.slug)?
        .iter()
        .map(|c| c.count)
        .sum();
    if stored as usize != n {
        bail!("the ceiling run stored {stored} of {n}");
    }
    Ok(n as f64 / inserting.as_secs_f64())
}

/// The database a benchmark uses: the one given, or a new SQLite file in `scratch`.
fn bench_database(database: &str, scratch: &std::path::Path) -> String {
    if std::env::var_os("FIELDWORK_DATABASE_URL").is_some() || database != DEFAULT_DATABASE_URL {
        database.to_owned()
    } else {
        format!("sqlite://{}", scratch.join("bench.db").display())
    }
}

fn bench_analyze(database: &str, responses: usize, seed: u64, python: &str) -> Result<()> {
    let scratch = tempfile::tempdir()?;
    let database = bench_database(database, scratch.path());
    let report = bench_analyze::run(&database, responses, seed, python, scratch.path())?;
    let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
    println!("{:<34} {:>9} {:>10}", "PASS", "SECONDS", "PEAK MiB");
    for read in [&report.rows_read, &report.answers_read] {
        println!(
            "{:<34} {:>9.2} {:>10.1}",
            read.name,
            read.seconds,
            mib(read.peak_bytes)
        );
    }
    println!(
        "{:<34} {:>9.2} {:>10.1}",
        "fieldwork analyze (end to end)",
        report.analyze_seconds,
        mib(report.analyze_peak_bytes)
    );
    println!(
        "{:<34} {:>9.2} {:>10.1}",
        "pandas baseline on the csv-wide",
        report.pandas_seconds,
        mib(report.pandas_peak_bytes)
    );
    println!(
        "{} responses; analyze / read (stratum and answers) {:.2}; pandas / analyze {:.2}; export for pandas {:.2} s, {:.1} MB; {} estimates agree to {:.1e} (estimate) and {:.1e} (SE)",
        report.responses,
        report.analyze_seconds / report.answers_read.seconds,
        report.pandas_seconds / report.analyze_seconds,
        report.export_seconds,
        report.export_bytes as f64 / 1e6,
        report.compared,
        report.max_estimate_difference,
        report.max_se_difference
    );
    if report.max_estimate_difference > 1e-9 || report.max_se_difference > 1e-9 {
        bail!("the pandas baseline and fieldwork disagree: the comparison is void");
    }
    Ok(())
}

fn bench_export(database: &str, responses: usize, seed: u64) -> Result<()> {
    let scratch = tempfile::tempdir()?;
    let database = bench_database(database, scratch.path());
    let passes = bench_export::run(&database, responses, seed, scratch.path())?;
    println!(
        "{:<22} {:>9} {:>12} {:>8} {:>10} {:>8} {:>10}",
        "PASS", "ROWS", "BYTES", "SECONDS", "ROWS/S", "MB/S", "PEAK MiB"
    );
    for pass in passes {
        println!(
            "{:<22} {:>9} {:>12} {:>8.2} {:>10.0} {:>8.1} {:>10.1}",
            pass.name,
            pass.rows,
            pass.bytes,
            pass.seconds,
            pass.rows_per_second(),
            pass.megabytes_per_second(),
            pass.peak_bytes as f64 / (1024.0 * 1024.0)
        );
    }
    Ok(())
}

pub(crate) fn run(database: &str, command: BenchCommand) -> Result<()> {
    match command {
        BenchCommand::Ingest {
            responses,
            concurrency,
            seed,
        } => {
            // Without --database, a new SQLite file that is removed afterwards.
            let scratch = tempfile::tempdir()?;
            let database = bench_database(database, scratch.path());
            let report = ingest(&database, responses, concurrency.max(1), seed)?;
            println!(
                "{} ingest of {} responses, {} in flight: HTTP {:.0}/s (p50 {:.1} ms, p99 {:.1} ms); raw insert ceiling {:.0}/s; HTTP/ceiling {:.2}; acknowledged {}, stored {}",
                report.backend, report.responses, report.concurrency, report.http_per_second, report.p50_ms, report.p99_ms,
                report.ceiling_per_second, report.ratio(), report.acknowledged, report.stored
            );
            if report.stored != report.acknowledged as i64 {
                bail!(
                    "{} responses acknowledged but {} stored",
                    report.acknowledged,
                    report.stored
                );
            }
            Ok(())
        }
        BenchCommand::Proxy {
            responses,
            concurrency,
            seed,
            nginx,
        } => bench_proxy::run(database, responses, concurrency.max(1), seed, &nginx),
        BenchCommand::All(args) => bench_all::run(&args),
        BenchCommand::Step(step) => bench_all::step(database, step),
        BenchCommand::Export { responses, seed } => bench_export(database, responses, seed),
        BenchCommand::Analyze {
            responses,
            seed,
            python,
        } => bench_analyze(database, responses, seed, &python),
    }
}
