//! `fieldwork bench ingest`: HTTP ingest against the raw insert ceiling, one run.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use fieldwork_store::{Store, Submission, SurveyStatus};
use fieldwork_survey::{validate_answers, Completeness, SurveyDefinition, SyntheticRespondents};

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
        .map(|answers| serde_json::json!({ "answers": answers }).to_string())
        .collect();

    // The server, in this process on its own runtime, on a free loopback port.
    let (sender, receiver) = std::sync::mpsc::channel();
    let server_store = Arc::clone(&store);
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let config = fieldwork_server::ServerConfig {
                rate_per_second: 0.0,
                workers: std::env::var("FIELDWORK_BENCH_WORKERS")
                    .ok()
                    .and_then(|w| w.parse().ok()),
                ..Default::default()
            };
            match fieldwork_server::serve(server_store, "127.0.0.1:0", config) {
                Ok((server, addrs)) => {
                    let _ = sender.send(Ok((addrs[0], server.handle())));
                    let _ = server.await;
                }
                Err(e) => {
                    let _ = sender.send(Err(e));
                }
            }
        })
    });
    let (addr, handle) = receiver.recv().context("the server thread")??;
    let url = format!("http://{addr}/api/v1/surveys/{}/responses", definition.slug);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let (elapsed, mut latencies, acknowledged) =
        runtime.block_on(load(&url, bodies, concurrency))?;
    runtime.block_on(handle.stop(true));
    let stored: i64 = store
        .count_responses(&definition.slug)?
        .iter()
        .map(|c| c.count)
        .sum();

    let ceiling = ceiling(&store, &definition, n, seed)?;
    latencies.sort_by(f64::total_cmp);
    let percentile = |p: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };
    Ok(IngestReport {
        backend: format!("{:?}", store.backend()),
        responses: n,
        concurrency,
        http_per_second: acknowledged as f64 / elapsed.as_secs_f64(),
        p50_ms: percentile(0.5),
        p99_ms: percentile(0.99),
        acknowledged,
        stored,
        ceiling_per_second: ceiling,
    })
}

pub async fn load(
    url: &str,
    bodies: Vec<String>,
    concurrency: usize,
) -> Result<(Duration, Vec<f64>, usize)> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()?;
    let bodies = Arc::new(bodies);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, bodies, next, url) = (
            client.clone(),
            Arc::clone(&bodies),
            Arc::clone(&next),
            url.to_owned(),
        );
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut acknowledged = 0usize;
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(body) = bodies.get(i) else { break };
                let sent = Instant::now();
                let response = client
                    .post(&url)
                    .header("Idempotency-Key", format!("bench-{i}"))
                    .header("Content-Type", "application/json")
                    .body(body.clone())
                    .send()
                    .await;
                latencies.push(sent.elapsed().as_secs_f64() * 1000.0);
                if let Ok(response) = response {
                    if response.status().is_success() {
                        acknowledged += 1;
                    }
                }
            }
            (latencies, acknowledged)
        }));
    }
    let mut latencies = Vec::new();
    let mut acknowledged = 0;
    for task in tasks {
        let (l, a) = task.await?;
        latencies.extend(l);
        acknowledged += a;
    }
    Ok((started.elapsed(), latencies, acknowledged))
}

/// Responses per second inserted straight through the store, in batches as large as the
/// writer's, the same rows. Each batch is made and validated before its insert starts, and
/// only the inserts are timed, so memory holds one batch and the figure is the store's alone.
pub fn ceiling(store: &Store, definition: &SurveyDefinition, n: usize, seed: u64) -> Result<f64> {
    let mut definition = definition.clone();
    definition.slug = format!("bench-ceiling-{seed}");
    let survey = store.import_survey(&definition)?.survey().clone();
    let mut respondents = SyntheticRespondents::new(&definition, seed);
    let mut inserting = Duration::ZERO;
    let mut made = 0;
    while made < n {
        let size = (n - made).min(fieldwork_server::MAX_BATCH);
        let responses = (&mut respondents)
            .take(size)
            .map(|a| validate_answers(&definition, &a, Completeness::Complete))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| anyhow::anyhow!("synthetic answers invalid: {e:?}"))?;
        let keys: Vec<String> = (made..made + size)
            .map(|i| format!("ceiling-{i}"))
            .collect();
        let batch: Vec<Submission<'_>> = responses
            .iter()
            .zip(&keys)
            .map(|(response, key)| Submission {
                survey: &survey,
                response,
                key_hash: key,
                request_hash: Some(key),
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
