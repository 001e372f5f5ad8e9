//! `fieldwork contacts ...` and `fieldwork invitations send|remind|status`: a survey's
//! contacts, and emailing them their invitations and reminders (`docs/email.md`).

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use chrono::{TimeDelta, Utc};
use fieldwork_server::outreach::{
    import_contacts, outreach_rates, percent, ContactImportError, MailSettings, Outcome, Sender,
};
use fieldwork_store::{ContactDeletion, Store, CLI_ACTOR};
use indicatif::{ProgressBar, ProgressStyle};

use crate::open_store;

#[derive(Debug, clap::Subcommand)]
pub(crate) enum ContactsCommand {
    /// Add contacts from a CSV file (columns email, stratum, and optionally name and
    /// language); every row is checked, and nothing is added unless all are good.
    Import {
        /// The survey's slug.
        #[arg(long)]
        survey: String,
        file: PathBuf,
    },
    /// Delete every contact of a survey now (they are also deleted a set time after it
    /// closes, by `fieldwork retention apply`).
    Delete {
        #[arg(long)]
        survey: String,
    },
}

#[derive(Debug, clap::Subcommand)]
pub(crate) enum InvitationsCommand {
    /// Email each contact their invitation (once), then send whatever is queued.
    Send(SendArgs),
    /// Email a reminder, with the same link, to each contact who has neither completed nor
    /// opted out, up to the number of reminders the survey allows.
    Remind {
        #[command(flatten)]
        send: SendArgs,
        /// Only contacts whose last email went at least this many days ago.
        #[arg(long, default_value_t = 7.0)]
        after: f64,
    },
    /// Per stratum: contacts, sent, failed, opted out, started, completed, response rates.
    Status {
        #[arg(long)]
        survey: String,
    },
}

#[derive(Debug, clap::Args)]
pub(crate) struct SendArgs {
    /// The survey's slug.
    #[arg(long)]
    pub(crate) survey: String,
    /// Base URL of the survey service, for the links in the emails.
    #[arg(long, env = "FIELDWORK_PUBLIC_URL")]
    pub(crate) public_url: String,
    #[command(flatten)]
    pub(crate) mail: MailArgs,
    /// No progress bar.
    #[arg(long)]
    pub(crate) quiet: bool,
}

/// The SMTP server. The password comes only from FIELDWORK_SMTP_PASSWORD, never the command
/// line (which other users of the machine can read).
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct MailArgs {
    /// SMTP server's host name.
    #[arg(long, env = "FIELDWORK_SMTP_HOST")]
    pub(crate) smtp_host: Option<String>,
    /// SMTP port (default 587 for starttls, 465 for tls, 25 for none).
    #[arg(long, env = "FIELDWORK_SMTP_PORT")]
    pub(crate) smtp_port: Option<u16>,
    /// starttls (default), tls (implicit, SMTPS) or none (this machine only).
    #[arg(long, env = "FIELDWORK_SMTP_TLS")]
    pub(crate) smtp_tls: Option<String>,
    /// SMTP user name; the password is read from FIELDWORK_SMTP_PASSWORD.
    #[arg(long, env = "FIELDWORK_SMTP_USERNAME")]
    pub(crate) smtp_username: Option<String>,
    /// The From of every email, such as "Survey team <survey@example.org>".
    #[arg(long, env = "FIELDWORK_SMTP_FROM")]
    pub(crate) smtp_from: Option<String>,
    /// A PEM file of a CA to trust besides the system's.
    #[arg(long, env = "FIELDWORK_SMTP_CA_FILE")]
    pub(crate) smtp_ca_file: Option<PathBuf>,
    /// Emails a second, at most (default 2).
    #[arg(long, env = "FIELDWORK_SMTP_RATE")]
    pub(crate) smtp_rate: Option<f64>,
    /// Seconds before the first retry of a temporary failure (default 60; doubles each time).
    #[arg(long, env = "FIELDWORK_SMTP_RETRY_SECONDS")]
    pub(crate) smtp_retry_seconds: Option<f64>,
}

impl MailArgs {
    pub(crate) fn settings(&self) -> MailSettings {
        MailSettings {
            host: self.smtp_host.clone(),
            port: self.smtp_port,
            tls: self.smtp_tls.clone(),
            username: self.smtp_username.clone(),
            password: None,
            from: self.smtp_from.clone(),
            ca_file: self.smtp_ca_file.clone(),
            rate_per_second: self.smtp_rate,
            retry_seconds: self.smtp_retry_seconds,
        }
        .with_environment()
    }
}

pub(crate) fn contacts(database: &str, command: ContactsCommand) -> Result<()> {
    let store = open_store(database)?;
    match command {
        ContactsCommand::Import { survey, file } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let text = String::from_utf8(bytes)
                .with_context(|| format!("{} is not UTF-8 text", file.display()))?;
            match import_contacts(&store, &survey, &text, CLI_ACTOR) {
                Ok(count) => {
                    println!(
                        "added {count} contacts to `{survey}`, each with a single-use invitation"
                    );
                    Ok(())
                }
                Err(ContactImportError::File(problems)) => bail!("{problems}"),
                Err(ContactImportError::Store(error)) => Err(error.into()),
            }
        }
        ContactsCommand::Delete { survey } => {
            store.latest_survey(&survey)?;
            let count = store.delete_contacts(&survey, ContactDeletion::Owner, CLI_ACTOR)?;
            println!("deleted {count} contacts of `{survey}`");
            Ok(())
        }
    }
}

pub(crate) fn invitations(database: &str, command: InvitationsCommand) -> Result<()> {
    let store = Arc::new(open_store(database)?);
    match command {
        InvitationsCommand::Send(args) => {
            if store
                .latest_survey(&args.survey)?
                .definition
                .email
                .is_none()
            {
                bail!(
                    "survey `{}` has no `email` section in its definition (docs/email.md)",
                    args.survey
                );
            }
            let queued = store.queue_invitations(&args.survey)?;
            println!("queued {queued} invitations");
            send(store, &args)
        }
        InvitationsCommand::Remind { send: args, after } => {
            if !(0.0..=3650.0).contains(&after) {
                bail!("--after must be a number of days between 0 and 3650");
            }
            let survey = store.latest_survey(&args.survey)?;
            let Some(email) = survey.definition.email.as_ref() else {
                bail!(
                    "survey `{}` has no `email` section in its definition (docs/email.md)",
                    args.survey
                );
            };
            let before =
                Utc::now().naive_utc() - TimeDelta::milliseconds((after * 86_400_000.0) as i64);
            let queued = store.queue_reminders(&args.survey, before, email.reminders_allowed)?;
            println!("queued {queued} reminders");
            send(store, &args)
        }
        InvitationsCommand::Status { survey } => status(&store, &survey),
    }
}

fn send(store: Arc<Store>, args: &SendArgs) -> Result<()> {
    let Some(config) = args.mail.settings().check()? else {
        bail!(
            "no SMTP server is configured: set FIELDWORK_SMTP_HOST or --smtp-host (docs/email.md)"
        );
    };
    let pending = store.pending_messages(&args.survey)?;
    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(pending.queued as u64)
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} emails {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut sender = Sender::new(store, config, &args.public_url)?;
    let stop = AtomicBool::new(false);
    let report = sender.run(&args.survey, &stop, &mut |outcome| {
        if outcome != Outcome::Retried {
            bar.inc(1);
        }
    })?;
    bar.finish_and_clear();
    println!(
        "sent {} emails, {} failed ({} temporary failures tried again)",
        report.sent, report.failed, report.retried
    );
    Ok(())
}

fn status(store: &Store, slug: &str) -> Result<()> {
    println!("stratum,frame,contacts,sent,failed,reminders_sent,opted_out,started,completed,completed_all,rate_of_frame,rate_of_contacts");
    for row in outreach_rates(store, slug)? {
        println!(
            "{},{},{},{},{},{},{},{},{},{},{},{}",
            row.stratum,
            row.frame,
            row.contacts,
            row.sent,
            row.failed,
            row.reminders_sent,
            row.opted_out,
            row.started,
            row.completed,
            row.completed_all,
            percent(row.rate_of_frame),
            percent(row.rate_of_contacts),
        );
    }
    Ok(())
}
