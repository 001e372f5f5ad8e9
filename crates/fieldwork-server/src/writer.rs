//! Group commit: API submissions from many requests are written in one transaction.
//!
//! Each request hands its submission to the writer thread and waits. The writer takes every
//! submission waiting (up to [`MAX_BATCH`]), commits them together, and only then answers each
//! request: a 2xx means the response is durable, yet a burst of N submissions costs one
//! commit (one fsync on SQLite), not N.

use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fieldwork_store::{Store, StoreError, StoredSurvey, Submission, SubmissionRefused, Submitted};
use fieldwork_survey::ValidatedResponse;
use tokio::sync::oneshot;

use crate::metrics::Metrics;

/// Most submissions in one transaction: large enough to amortise the commit, small enough to
/// keep a transaction short.
pub const MAX_BATCH: usize = 512;

/// Retries of a batch that lost a race with another transaction.
const RETRIES: u64 = 3;

/// A submission with everything it needs, owned, to cross to the writer thread.
#[derive(Debug)]
pub struct PendingSubmission {
    pub survey: Arc<StoredSurvey>,
    pub response: ValidatedResponse,
    pub key_hash: String,
    pub request_hash: String,
    pub invitation_hash: Option<String>,
}

pub type SubmitResult = Result<Result<Submitted, SubmissionRefused>, StoreError>;

type Job = (PendingSubmission, oneshot::Sender<SubmitResult>);

/// The handle requests use to reach the writer thread. Cheap to clone.
#[derive(Debug, Clone)]
pub struct GroupCommitWriter {
    sender: mpsc::Sender<Job>,
    metrics: Metrics,
}

impl GroupCommitWriter {
    /// Start the writer thread; it ends when every handle is dropped.
    pub fn start(store: Arc<Store>, metrics: Metrics) -> Self {
        let (sender, receiver) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("fieldwork-writer".into())
            .spawn({
                let metrics = metrics.clone();
                move || run(&store, &receiver, &metrics)
            })
            .expect("spawning the writer thread");
        GroupCommitWriter { sender, metrics }
    }

    /// Store one submission; resolves once its batch has committed.
    pub async fn submit(&self, submission: PendingSubmission) -> SubmitResult {
        let queued = Instant::now();
        let (reply, answer) = oneshot::channel();
        if self.sender.send((submission, reply)).is_err() {
            return Err(StoreError::Unavailable("the writer has stopped".into()));
        }
        let result = answer
            .await
            .unwrap_or_else(|_| Err(StoreError::Unavailable("the writer has stopped".into())));
        self.metrics.submission(queued.elapsed());
        result
    }
}

fn run(store: &Store, receiver: &mpsc::Receiver<Job>, metrics: &Metrics) {
    while let Ok(first) = receiver.recv() {
        // Whatever is waiting joins the batch; no lingering for more. A linger (PostgreSQL's
        // commit_delay idea) was measured and lowered throughput here: on two cores the
        // writer committing while the workers validate the next requests beats waiting.
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let batch: Vec<Submission<'_>> = jobs
            .iter()
            .map(|(p, _)| Submission {
                survey: &p.survey,
                response: &p.response,
                key_hash: &p.key_hash,
                request_hash: Some(&p.request_hash),
                invitation_hash: p.invitation_hash.as_deref(),
            })
            .collect();
        // A batch that lost a race with another server's (a deadlock or a serialization
        // failure) is run again a few times before the requests hear of it; an unreachable
        // database is reported at once.
        let mut attempt = 0;
        let results = loop {
            match store.submit_responses(&batch) {
                Err(error) if error.is_conflict() && attempt < RETRIES => {
                    attempt += 1;
                    std::thread::sleep(Duration::from_millis(10 * attempt));
                }
                other => break other,
            }
        };
        drop(batch);
        metrics.batch(jobs.len());
        if let Err(error) = &results {
            metrics.store_error(error);
        }
        match results {
            Ok(results) => {
                for ((_, reply), result) in jobs.into_iter().zip(results) {
                    let _ = reply.send(Ok(result));
                }
            }
            Err(error) => {
                // Logged once per batch; the database's message only, never the answers.
                if error.storage_fault().is_some() {
                    tracing::error!(error = %error, size = jobs.len(), "the storage refused a batch of submissions; none was stored");
                } else {
                    tracing::warn!(error = %error, size = jobs.len(), "a batch of submissions failed");
                }
                for (_, reply) in jobs {
                    let _ = reply.send(Err(error.shared()));
                }
            }
        }
    }
}
