//! Analysing, publishing the report, and serving it all.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use fieldwork_store::Store;
use fieldwork_survey::SurveyDefinition;

use super::progress::Progress;
use super::signals::StopSignal;
use super::DEMO_EMAIL;
use crate::fixtures;

pub(super) fn analyse_and_publish(
    store: &Store,
    definition: &SurveyDefinition,
    out: &Path,
    progress: &Progress,
) -> Result<()> {
    let slug = &definition.slug;
    let plan = fieldwork_analysis::Plan::parse(fixtures::PLAN, definition)
        .context("in the built-in analysis plan")?;
    let spinner = progress.spinner("Analysing");
    let analysis = fieldwork_analysis::analyze(store, slug, &plan)?;
    let results = out.join("results");
    analysis.write(&results)?;
    spinner.finish_and_clear();
    let responses: i64 = analysis.response_rates.iter().map(|r| r.complete).sum();
    println!(
        "  analysed {responses} complete responses: {} estimates ({} suppressed), {} tests, in {}",
        analysis.estimates.len(),
        analysis.estimates.iter().filter(|r| r.suppressed).count(),
        analysis.tests.len(),
        results.display()
    );
    let spinner = progress.spinner("Building the report");
    let site = fieldwork_analysis::report::report(
        store,
        slug,
        &plan,
        Some(fixtures::PLAN.as_bytes()),
        None,
    )?;
    let report = out.join("report");
    site.write(&report)?;
    let files = crate::analyze::publish_site(store, slug, &site)?;
    spinner.finish_and_clear();
    println!(
        "  wrote the report to {} ({} key findings) and published it ({files} files)",
        report.join("index.html").display(),
        site.findings.len()
    );
    Ok(())
}

/// The links and credentials printed at the end.
pub(super) struct Links {
    pub(super) slug: String,
    pub(super) token: String,
    pub(super) password: String,
}

impl Links {
    pub(super) fn print(&self, base: &str) {
        let slug = &self.slug;
        println!(
            "  survey (an unused invitation): {base}/s/{slug}?invite={}",
            self.token
        );
        println!("  admin sign-in:                 {base}/admin/sign-in");
        println!("      email:    {DEMO_EMAIL}");
        println!(
            "      password: {} (shown once; a new one each run)",
            self.password
        );
        println!("  published report:              {base}/r/{slug}/");
        println!("  published pledges:             {base}/r/{slug}/pledges");
        println!("  JSON API:                      {base}/api/v1/openapi.json");
    }
}

/// Serve on `bind` until Ctrl-C, then stop gracefully.
pub(super) fn serve(
    store: Arc<Store>,
    bind: &str,
    links: &Links,
    mail: Option<fieldwork_server::outreach::MailConfig>,
    mut stop: StopSignal,
) -> Result<()> {
    let display = store.display_url();
    let config = fieldwork_server::ServerConfig {
        stop_on_signals: false,
        mail,
        ..Default::default()
    };
    let server = fieldwork_server::spawn(store, bind, config)
        .with_context(|| format!("cannot listen on {bind} (give another with --bind)"))?;
    let addr = server.addr();
    println!("fieldwork is serving the demo ({display}) on http://{addr} (Ctrl-C to stop)");
    links.print(&format!("http://{}", reachable(addr)));
    actix_web::rt::System::new().block_on(stop.wait());
    server.stop().context("the server stopped with an error")?;
    println!("stopped");
    Ok(())
}

/// The address to print for a bound one: loopback instead of "any address".
fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        std::net::IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, addr.port()))
        }
        std::net::IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, addr.port()))
        }
        _ => addr,
    }
}
