//! `fieldwork demo --mail-sink HOST:PORT`: the email flow against a local SMTP sink. A few
//! synthetic contacts per stratum (at `example.invalid`, which no mail server delivers to)
//! get their invitations through the sink, and the served admin pages can send reminders.
//! Only a sink on this machine is accepted, over plain SMTP: the demo never reaches a real
//! mail service, whatever FIELDWORK_SMTP_* says.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use anyhow::{Context, Result};
use fieldwork_server::outreach::{import_contacts, MailConfig, MailSettings, Sender};
use fieldwork_store::{Store, CLI_ACTOR};
use fieldwork_survey::SurveyDefinition;

/// Contacts made per stratum.
const PER_STRATUM: usize = 3;

/// The mail configuration for a sink at `sink` (`HOST:PORT`, on this machine).
pub(super) fn sink_config(sink: &str) -> Result<MailConfig> {
    let (host, port) = sink
        .rsplit_once(':')
        .context("--mail-sink takes HOST:PORT, such as 127.0.0.1:1025")?;
    let port: u16 = port
        .parse()
        .context("--mail-sink takes HOST:PORT, such as 127.0.0.1:1025")?;
    let settings = MailSettings {
        host: Some(host.trim_matches(|c| c == '[' || c == ']').to_owned()),
        port: Some(port),
        tls: Some("none".into()),
        from: Some("fieldwork demo <demo@example.org>".into()),
        rate_per_second: Some(20.0),
        retry_seconds: Some(1.0),
        ..Default::default()
    };
    settings
        .check()
        .context("--mail-sink")?
        .context("--mail-sink names no host")
}

/// Add the demo's contacts (once) and email them their invitations through the sink.
pub(super) fn invite_by_email(
    store: &Arc<Store>,
    definition: &SurveyDefinition,
    config: &MailConfig,
    base: &str,
) -> Result<()> {
    let slug = &definition.slug;
    if store.contacts(slug)?.is_empty() {
        let mut csv = String::from("email,stratum,name,language\n");
        for choice in definition.strata() {
            for i in 1..=PER_STRATUM {
                let language = if i == 1 { "cy" } else { "" };
                csv.push_str(&format!(
                    "{}.{i}@example.invalid,{},Demo contact {i},{language}\n",
                    choice.code.replace('_', "-"),
                    choice.code
                ));
            }
        }
        let added =
            import_contacts(store, slug, &csv, CLI_ACTOR).map_err(|e| anyhow::anyhow!("{e}"))?;
        println!("  added {added} synthetic contacts (@example.invalid)");
    }
    let queued = store.queue_invitations(slug)?;
    let mut sender = Sender::new(Arc::clone(store), config.clone(), base)?;
    let report = sender.run(slug, &AtomicBool::new(false), &mut |_| {})?;
    println!(
        "  emailed {queued} invitations through the sink at {}:{}: {} sent, {} failed",
        config.host, config.port, report.sent, report.failed
    );
    Ok(())
}
