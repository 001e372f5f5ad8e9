//! `fieldwork serve`: the respondent forms, the admin pages and the API.

use anyhow::{Context, Result};

use crate::cli::ServeArgs;
use crate::open_store;

pub(crate) fn serve(database: &str, args: ServeArgs) -> Result<()> {
    let store = std::sync::Arc::new(open_store(database)?);
    let mail = args.mail.settings().check()?;
    let config = fieldwork_server::ServerConfig {
        secure_cookies: args.secure_cookies,
        public_url: args.public_url.map(|u| u.trim_end_matches('/').to_owned()),
        rate_per_second: args.rate_limit,
        workers: args.workers,
        mail,
        ..Default::default()
    };
    let display = store.display_url();
    let server = fieldwork_server::spawn(store, &args.bind, config)
        .with_context(|| format!("cannot listen on {}", args.bind))?;
    for addr in &server.addrs {
        println!("fieldwork is serving {display} on http://{addr} (Ctrl-C to stop)");
    }
    server.wait().context("the server stopped with an error")
}
