//! `fieldwork serve`: the respondent forms, the admin pages and the API.

use std::sync::Arc;

use anyhow::{Context, Result};
use fieldwork_server::outreach::send_in_background;
use fieldwork_server::{MetricsToken, TrustedProxies};

use crate::cli::ServeArgs;
use crate::open_store;

pub(crate) fn serve(database: &str, args: ServeArgs) -> Result<()> {
    let trusted_proxies = TrustedProxies::parse(&args.trusted_proxies, args.client_address_header)
        .map_err(anyhow::Error::msg)
        .context("--trusted-proxy")?;
    // Read from the environment only: a flag's value shows in the process list.
    let metrics_token = std::env::var("FIELDWORK_METRICS_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
        .map(|t| MetricsToken::new(&t))
        .transpose()
        .map_err(anyhow::Error::msg)
        .context("FIELDWORK_METRICS_TOKEN")?;
    if !(args.rate_limit.is_finite() && args.rate_limit >= 0.0) {
        anyhow::bail!("--rate-limit must be a number of writes per second, 0 or more");
    }
    let store = Arc::new(open_store(database)?);
    let mail = args.mail.settings().check()?;
    let (resume_mail, store_for_mail) = (mail.clone(), Arc::clone(&store));
    let public_url = args
        .public_url
        .as_ref()
        .map(|u| u.trim_end_matches('/').to_owned());
    let config = fieldwork_server::ServerConfig {
        secure_cookies: args.secure_cookies,
        public_url: public_url.clone(),
        rate_per_second: args.rate_limit,
        workers: args.workers,
        trusted_proxies,
        metrics_token,
        metrics_bind: args.metrics_bind,
        mail,
        ..Default::default()
    };
    let display = store.display_url();
    let server = fieldwork_server::spawn(store, &args.bind, config)
        .with_context(|| format!("cannot listen on {}", args.bind))?;
    for addr in &server.addrs {
        println!("fieldwork is serving {display} on http://{addr} (Ctrl-C to stop)");
    }
    if let Some(mail) = resume_mail {
        // Emails queued before a restart go on now, each at most once (docs/email.md).
        let base = public_url
            .or_else(|| server.addrs.first().map(|a| format!("http://{a}")))
            .unwrap_or_default();
        for slug in store_for_mail.surveys_with_queued_messages()? {
            send_in_background(
                Arc::clone(&store_for_mail),
                mail.clone(),
                base.clone(),
                slug,
            );
        }
    }
    server.wait().context("the server stopped with an error")
}
