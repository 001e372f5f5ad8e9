//! What an operator watches: `/metrics` in Prometheus' text format.
//!
//! Every metric is about the service, never about what respondents said: labels are route
//! patterns (`/s/{slug}/q/{page}`, never the slug or a token), methods, statuses, storage
//! fault kinds, export formats and sign-in failure reasons, each from a fixed set, so no
//! answer, address or survey name can reach the page and the number of series stays bounded.
//!
//! The page is served on its own address (`serve --metrics-bind`, for a network only the
//! monitoring system reaches), or on the main address to a caller with the metrics token
//! (`FIELDWORK_METRICS_TOKEN`, sent as `Authorization: Bearer ...`, compared in constant time),
//! or both. With neither configured, `/metrics` is not served at all.
//!
//! Each server has its own registry (not the crate's global one), so that tests running many
//! servers in one process each see their own counts.

use std::time::Duration;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use fieldwork_store::{StorageFault, StoreError};
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, Opts, Registry,
    TextEncoder,
};

use crate::tokens::constant_time_eq;
use crate::AppState;

/// The counters and histograms of one server.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    request_seconds: HistogramVec,
    submission_seconds: Histogram,
    batch_size: Histogram,
    storage_errors: IntCounterVec,
    sign_in_failures: IntCounterVec,
    exports: IntCounterVec,
    rate_limited: IntCounter,
    emails_sent: IntCounter,
}

/// Seconds, from a millisecond to ten seconds: what a submission or a page takes.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Submissions per group commit, up to the writer's `MAX_BATCH`.
const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0];

impl Metrics {
    pub fn new() -> Self {
        let registry =
            Registry::new_custom(Some("fieldwork".into()), None).expect("a fixed, valid prefix");
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests answered, by route pattern, method and status",
            ),
            &["route", "method", "status"],
        )
        .expect("valid metric");
        let request_seconds = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time to answer an HTTP request (until the body starts), by route pattern",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["route"],
        )
        .expect("valid metric");
        let submission_seconds = Histogram::with_opts(
            HistogramOpts::new(
                "submission_duration_seconds",
                "Time from handing a submission to the group-commit writer to its batch's outcome",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
        )
        .expect("valid metric");
        let batch_size = Histogram::with_opts(
            HistogramOpts::new(
                "group_commit_batch_size",
                "Submissions committed together in one transaction by the writer",
            )
            .buckets(BATCH_BUCKETS.to_vec()),
        )
        .expect("valid metric");
        let storage_errors = IntCounterVec::new(
            Opts::new(
                "storage_errors_total",
                "Writes the database's storage refused, by kind (full, read_only, io)",
            ),
            &["kind"],
        )
        .expect("valid metric");
        let sign_in_failures = IntCounterVec::new(
            Opts::new(
                "sign_in_failures_total",
                "Failed or throttled password checks, by reason",
            ),
            &["reason"],
        )
        .expect("valid metric");
        let exports = IntCounterVec::new(
            Opts::new("exports_total", "Exports written in full, by format"),
            &["format"],
        )
        .expect("valid metric");
        let rate_limited = IntCounter::new(
            "rate_limited_total",
            "Writes refused by the per-address rate limit",
        )
        .expect("valid metric");
        let emails_sent = IntCounter::new(
            "emails_sent_total",
            "Invitations and reminders the mail server accepted from this server",
        )
        .expect("valid metric");
        for collector in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(request_seconds.clone()),
            Box::new(submission_seconds.clone()),
            Box::new(batch_size.clone()),
            Box::new(storage_errors.clone()),
            Box::new(sign_in_failures.clone()),
            Box::new(exports.clone()),
            Box::new(rate_limited.clone()),
            Box::new(emails_sent.clone()),
        ] {
            registry
                .register(collector)
                .expect("each metric registered once");
        }
        Metrics {
            registry,
            requests,
            request_seconds,
            submission_seconds,
            batch_size,
            storage_errors,
            sign_in_failures,
            exports,
            rate_limited,
            emails_sent,
        }
    }

    /// One request answered. `route` is the matched pattern (or `unmatched`).
    pub fn request(&self, route: &str, method: &str, status: u16, took: Duration) {
        // A client may send any method name; a label from an open set would let it make
        // series without end.
        let method = match method {
            "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS" => method,
            _ => "other",
        };
        self.requests
            .with_label_values(&[route, method, &status.to_string()])
            .inc();
        self.request_seconds
            .with_label_values(&[route])
            .observe(took.as_secs_f64());
    }

    /// The writer committed (or failed) a batch of `size` submissions.
    pub fn batch(&self, size: usize) {
        self.batch_size.observe(size as f64);
    }

    /// A submission's wait for the writer, from handing it over to its batch's outcome.
    pub fn submission(&self, took: Duration) {
        self.submission_seconds.observe(took.as_secs_f64());
    }

    /// Count `error` if it is the storage refusing a write.
    pub fn store_error(&self, error: &StoreError) {
        if let Some(fault) = error.storage_fault() {
            let kind = match fault {
                StorageFault::Full => "full",
                StorageFault::ReadOnly => "read_only",
                StorageFault::Io => "io",
            };
            self.storage_errors.with_label_values(&[kind]).inc();
        }
    }

    /// `reason` is one of the fixed reasons of `credentials::Attempt` (never an email).
    pub fn sign_in_failure(&self, reason: &'static str) {
        self.sign_in_failures.with_label_values(&[reason]).inc();
    }

    pub fn export(&self, format: &'static str) {
        self.exports.with_label_values(&[format]).inc();
    }

    pub fn rate_limited(&self) {
        self.rate_limited.inc();
    }

    /// The page, in Prometheus' text format.
    pub fn render(&self) -> String {
        // The sender counts for itself (it also runs in the CLI, without a registry).
        let sent = crate::outreach::emails_sent_total();
        self.emails_sent
            .inc_by(sent.saturating_sub(self.emails_sent.get()));
        let mut out = Vec::new();
        // Encoding into a Vec fails only on a metric the registry itself refused.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

/// The bearer token for `/metrics` on the main address. Its `Debug` hides it, so that a
/// logged configuration does not carry it.
#[derive(Clone, PartialEq, Eq)]
pub struct MetricsToken(String);

/// Shortest token taken: guessing 24 random characters over the network is hopeless.
const MIN_TOKEN: usize = 24;

impl MetricsToken {
    pub fn new(token: &str) -> Result<Self, String> {
        let token = token.trim();
        if token.len() < MIN_TOKEN || !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(format!(
                "the metrics token must be at least {MIN_TOKEN} visible ASCII characters \
                 (`openssl rand -hex 24` makes one)"
            ));
        }
        Ok(MetricsToken(token.to_owned()))
    }
}

impl std::fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsToken(..)")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// Whether this request may read the metrics: it came in on the metrics address, or it
/// carries the metrics token.
fn may_read(state: &AppState, req: &HttpRequest) -> bool {
    if state.on_metrics_address(req) {
        return true;
    }
    let Some(MetricsToken(token)) = &state.config.metrics_token else {
        return false;
    };
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|sent| constant_time_eq(sent.trim(), token))
}

/// `GET /metrics`. Without the token (or off the metrics address) it is a 404, as for any
/// path that names nothing, so the page's existence is not advertised.
pub async fn page(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    if !may_read(&state, &req) {
        return crate::not_found(req).await;
    }
    HttpResponse::Ok()
        .content_type(prometheus::TEXT_FORMAT)
        .body(state.metrics.render())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_has_every_metric_and_no_slugs() {
        let metrics = Metrics::new();
        metrics.request("/s/{slug}", "GET", 200, Duration::from_millis(3));
        metrics.batch(3);
        for _ in 0..3 {
            metrics.submission(Duration::from_millis(4));
        }
        metrics.store_error(&StoreError::Storage {
            fault: StorageFault::Full,
            reason: "database or disk is full".into(),
        });
        metrics.sign_in_failure("bad_password");
        metrics.export("csv-wide");
        metrics.rate_limited();
        metrics.request("unmatched", "BREW", 405, Duration::from_millis(1));
        let page = metrics.render();
        for line in [
            "fieldwork_http_requests_total{method=\"GET\",route=\"/s/{slug}\",status=\"200\"} 1",
            "fieldwork_group_commit_batch_size_count 1",
            "fieldwork_group_commit_batch_size_sum 3",
            "fieldwork_submission_duration_seconds_count 3",
            "fieldwork_storage_errors_total{kind=\"full\"} 1",
            "fieldwork_sign_in_failures_total{reason=\"bad_password\"} 1",
            "fieldwork_exports_total{format=\"csv-wide\"} 1",
            "fieldwork_rate_limited_total 1",
            "fieldwork_http_requests_total{method=\"other\",route=\"unmatched\",status=\"405\"} 1",
        ] {
            assert!(page.contains(line), "{line} is not in\n{page}");
        }
    }
}
