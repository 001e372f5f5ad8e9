//! The sender: takes a survey's queued emails one at a time, writes each from the
//! definition's template, hands it to the SMTP server and records what happened. The CLI runs
//! it in the foreground; the admin pages run the same code on a thread of its own.
//!
//! At most once (`fieldwork_store` `outbox.rs`): a message is claimed before the SMTP
//! conversation and finished after it. Temporary failures (4xx replies, a server that cannot
//! be reached) are queued again after a delay that doubles each time, up to
//! `MailConfig::max_attempts` tries; a permanent one (5xx, such as a refused recipient) marks
//! that message failed with the server's reply, and the sender goes on with the next.
//!
//! Nothing here logs a contact's address or a server reply (which may quote it): log lines
//! carry message ids and states only.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::TimeDelta;
use fieldwork_store::{ClaimedMessage, Store, StoreError, StoredSurvey};
use fieldwork_survey::{EmailFill, EmailKind};
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{Message, SmtpTransport, Transport};

use super::config::{MailConfig, MailConfigError};
use super::contacts::{opt_out_link, opt_out_token};
use crate::invitations::invitation_link;

/// A claim older than this belongs to a sender that died: no SMTP conversation lasts this
/// long (the transport's timeout is 30 seconds a command).
const CLAIM_LEASE: TimeDelta = TimeDelta::minutes(10);

/// Emails the mail server accepted since this process started. A hook for metrics.
static EMAILS_SENT: AtomicU64 = AtomicU64::new(0);

/// How many emails this process has had accepted by the mail server.
pub fn emails_sent_total() -> u64 {
    EMAILS_SENT.load(Ordering::Relaxed)
}

/// Why sending stopped early.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error(transparent)]
    Config(#[from] MailConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("survey `{0}` has no `email` section in its definition: add the templates first (docs/email.md)")]
    NoTemplates(String),
}

/// What a run of the sender did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SendReport {
    pub sent: u64,
    pub failed: u64,
    /// Temporary failures that will be tried again.
    pub retried: u64,
}

/// What became of one message, for progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    Failed,
    Retried,
}

/// Sends one survey's queued emails.
pub struct Sender {
    store: Arc<Store>,
    config: MailConfig,
    transport: SmtpTransport,
    /// The configured public URL the links are built from.
    base: String,
    surveys: HashMap<String, StoredSurvey>,
}

impl std::fmt::Debug for Sender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sender")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Sender {
    pub fn new(store: Arc<Store>, config: MailConfig, base: &str) -> Result<Self, SendError> {
        let transport = config.transport()?;
        Ok(Sender {
            store,
            config,
            transport,
            base: base.trim_end_matches('/').to_owned(),
            surveys: HashMap::new(),
        })
    }

    /// Send survey `slug`'s queued emails until none is left (waiting for retries that are
    /// due), or until `stop` is set. `progress` hears of each message.
    pub fn run(
        &mut self,
        slug: &str,
        stop: &AtomicBool,
        progress: &mut dyn FnMut(Outcome),
    ) -> Result<SendReport, SendError> {
        let survey = self.store.latest_survey(slug)?;
        if survey.definition.email.is_none() {
            return Err(SendError::NoTemplates(slug.to_owned()));
        }
        let released = self
            .store
            .release_stale_claims(slug, chrono::Utc::now().naive_utc() - CLAIM_LEASE)?;
        if released > 0 {
            tracing::warn!(
                released,
                "emails interrupted mid-send marked failed, not resent"
            );
        }
        let mut report = SendReport::default();
        let pause = Duration::from_secs_f64(1.0 / self.config.rate_per_second);
        let mut last_send: Option<Instant> = None;
        while !stop.load(Ordering::Relaxed) {
            let Some(message) = self.store.claim_next_message(slug)? else {
                let pending = self.store.pending_messages(slug)?;
                match pending.next_attempt_at {
                    Some(next) if pending.queued > 0 => {
                        let wait = (next - chrono::Utc::now().naive_utc())
                            .to_std()
                            .unwrap_or_default()
                            .min(Duration::from_millis(500));
                        std::thread::sleep(wait.max(Duration::from_millis(20)));
                        continue;
                    }
                    _ => break,
                }
            };
            if let Some(last) = last_send {
                let since = last.elapsed();
                if since < pause {
                    std::thread::sleep(pause - since);
                }
            }
            last_send = Some(Instant::now());
            let outcome = self.deliver(&message)?;
            match outcome {
                Outcome::Sent => report.sent += 1,
                Outcome::Failed => report.failed += 1,
                Outcome::Retried => report.retried += 1,
            }
            progress(outcome);
        }
        Ok(report)
    }

    /// Write, send and record one claimed message.
    fn deliver(&mut self, message: &ClaimedMessage) -> Result<Outcome, SendError> {
        let email = match self.compose(message) {
            Ok(email) => email,
            Err(reason) => {
                self.store.mark_message_failed(message.id, &reason)?;
                tracing::info!(message = message.id, "email could not be written");
                return Ok(Outcome::Failed);
            }
        };
        match self.transport.send(&email) {
            Ok(_) => {
                self.store.mark_message_sent(message.id)?;
                EMAILS_SENT.fetch_add(1, Ordering::Relaxed);
                tracing::info!(message = message.id, "email sent");
                Ok(Outcome::Sent)
            }
            Err(error) if error.is_permanent() => {
                self.store
                    .mark_message_failed(message.id, &error.to_string())?;
                tracing::info!(message = message.id, code = ?error.status().map(|c| c.to_string()), "email refused");
                Ok(Outcome::Failed)
            }
            Err(error) if message.attempts >= self.config.max_attempts => {
                self.store
                    .mark_message_failed(message.id, &error.to_string())?;
                tracing::info!(message = message.id, "email failed after its last try");
                Ok(Outcome::Failed)
            }
            Err(error) => {
                let delay = self.config.retry_after * 2u32.pow(message.attempts.saturating_sub(1));
                let retry_at = chrono::Utc::now().naive_utc()
                    + TimeDelta::from_std(delay).unwrap_or(TimeDelta::hours(1));
                self.store
                    .retry_message(message.id, &error.to_string(), retry_at)?;
                tracing::info!(
                    message = message.id,
                    attempts = message.attempts,
                    "email will be tried again"
                );
                Ok(Outcome::Retried)
            }
        }
    }

    /// The email for one message, or why it cannot be written.
    fn compose(&mut self, message: &ClaimedMessage) -> Result<Message, String> {
        if !self.surveys.contains_key(&message.survey_slug) {
            let survey = self
                .store
                .latest_survey(&message.survey_slug)
                .map_err(|e| e.to_string())?;
            self.surveys.insert(message.survey_slug.clone(), survey);
        }
        let survey = &self.surveys[&message.survey_slug];
        let settings = survey
            .definition
            .email
            .as_ref()
            .ok_or("the survey's definition has no email templates")?;
        let link = invitation_link(&self.base, &message.survey_slug, &message.link_token);
        // The opt-out page opens in the contact's language.
        let mut opt_out = opt_out_link(&self.base, &opt_out_token(&message.link_token));
        let language = message.language.as_deref();
        if let Some(language) = language.filter(|l| survey.definition.speaks(l)) {
            opt_out.push_str(&format!("&lang={language}"));
        }
        let written = settings.compose(
            EmailKind::from_number(message.reminder),
            message.language.as_deref(),
            &EmailFill {
                name: message.name.as_deref(),
                link: &link,
                opt_out_link: &opt_out,
                survey_title: language.map_or_else(
                    || survey.definition.title.primary(),
                    |language| survey.definition.title.get(language),
                ),
            },
        );
        let to: Mailbox = Mailbox::new(
            message.name.clone(),
            message
                .email
                .parse()
                .map_err(|_| "the contact's address cannot be sent to".to_owned())?,
        );
        let reply_to = Mailbox::new(
            Some(settings.contact.name.clone()),
            settings
                .contact
                .email
                .parse()
                .map_err(|_| "the study contact's address cannot be used".to_owned())?,
        );
        Message::builder()
            .from(self.config.from.clone())
            .reply_to(reply_to)
            .to(to)
            .subject(written.subject)
            // RFC 8058: one-click unsubscribe from the mail client, by a POST to the link.
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{opt_out}>"),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".to_owned(),
            ))
            .multipart(MultiPart::alternative_plain_html(
                written.text,
                written.html,
            ))
            .map_err(|e| format!("the email cannot be written: {e}"))
    }
}

/// Run the sender for survey `slug` on a thread of its own (the admin pages' Send button),
/// unless one is already running for it in this process. Returns whether one was started.
pub fn send_in_background(
    store: Arc<Store>,
    config: MailConfig,
    base: String,
    slug: String,
) -> bool {
    static RUNNING: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    fn forget(slug: &str) {
        let mut running = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
        running.retain(|s| s != slug);
    }
    let slug_again = slug.clone();
    {
        let mut running = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
        if running.contains(&slug) {
            return false;
        }
        running.push(slug.clone());
    }
    let spawned = std::thread::Builder::new()
        .name("email-sender".into())
        .spawn(move || {
            let result = Sender::new(store, config, &base)
                .and_then(|mut sender| sender.run(&slug, &AtomicBool::new(false), &mut |_| {}));
            match result {
                Ok(report) => tracing::info!(
                    sent = report.sent,
                    failed = report.failed,
                    "sending finished"
                ),
                Err(error) => tracing::error!(%error, "sending stopped"),
            }
            forget(&slug);
        });
    if spawned.is_err() {
        forget(&slug_again);
        tracing::error!("cannot start the sender's thread");
    }
    spawned.is_ok()
}
