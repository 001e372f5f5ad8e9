//! `fieldwork demo`: the whole platform on synthetic data, in one command.
//!
//! On an embedded SQLite database it imports the digital-leadership study, makes a researcher,
//! invites synthetic respondents by sector and sends their answers through the real HTTP
//! paths of a real server: the JSON API for complete responses, and the respondent's web
//! journey (CSRF, cookies, one question per page) for those who save part-way and for those
//! who submit and then withdraw with their receipt code. Some respondents choose to publish
//! their pledge and most of those are approved. Then it analyses, publishes the report (with
//! its pledges page) and serves it all until Ctrl-C.

mod email;
mod plan;
mod pledges;
mod progress;
mod signals;
mod site;
mod submit;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use fieldwork_server::accounts::{generate_password, hash_password};
use fieldwork_server::tokens;
use fieldwork_store::{DatabaseUrl, PasswordChange, Role, Store, SurveyStatus, CLI_ACTOR};
use serde_json::Value;

use self::plan::allocate;
use self::plan::invite;
use self::plan::plan_respondents;
use self::pledges::publish_pledges;
use self::progress::Progress;
use self::signals::StopSignal;
use self::site::analyse_and_publish;
use self::site::serve;
use self::site::Links;
use self::submit::submit;
use crate::fixtures;

/// Where the demo keeps its data unless told otherwise (not `fieldwork.db`, so that trying
/// the demo never touches a real database).
pub const DEMO_DATABASE: &str = "sqlite://fieldwork-demo.db";
/// The demo researcher, owner of the survey.
pub const DEMO_EMAIL: &str = "demo@example.org";
/// Shares of respondents who save part-way and never finish, and who submit then withdraw.
pub(super) const PARTIAL_PERCENT: usize = 8;
pub(super) const WITHDRAWN_PERCENT: usize = 2;
/// No more than this share of a stratum's population answers (a census is not a demo).
pub(super) const MAX_SHARE_OF_POPULATION: f64 = 0.8;
/// Requests in flight while submitting.
pub(super) const CONCURRENCY: usize = 16;
/// Settings that mark a database as the demo's: made when it starts, and when it finished.
const MARKER: &str = "demo";
const FINISHED: &str = "demo_finished";

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Synthetic respondents to generate and submit (some save part-way, some withdraw).
    #[arg(long, default_value_t = 5000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub responses: u32,
    /// Seed for the synthetic respondents: the same seed gives the same answers.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Address to serve on, as for `serve` (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Directory for the analysis (results/) and the report site (report/).
    #[arg(long, default_value = "demo-output")]
    pub out: PathBuf,
    /// Replace an existing demo database instead of reusing it.
    #[arg(long)]
    pub fresh: bool,
    /// Do everything but serve: exit once the report is published.
    #[arg(long)]
    pub no_serve: bool,
    /// No progress bars.
    #[arg(long)]
    pub quiet: bool,
    /// An SMTP sink on this machine (HOST:PORT, plain SMTP), such as
    /// `python3 -m aiosmtpd -n -l 127.0.0.1:1025`: synthetic contacts get their invitations
    /// through it, and the admin pages can send reminders (docs/email.md).
    #[arg(long)]
    pub mail_sink: Option<String>,
}

/// The demo stopped on Ctrl-C before it finished; the exit code is 130.
#[derive(Debug)]
pub struct Interrupted;

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("stopped on Ctrl-C")
    }
}

impl std::error::Error for Interrupted {}

/// What happens to the database given.
#[derive(Debug, PartialEq, Eq)]
enum DatabasePlan {
    Create,
    Reuse,
    Replace(&'static str),
}

/// `database` is the URL given with `--database`, if one was.
pub fn run(database: Option<String>, args: DemoArgs) -> Result<()> {
    let stop = StopSignal::install()?;
    if database.is_none() && std::env::var_os("FIELDWORK_DATABASE_URL").is_some() {
        println!("(the demo leaves FIELDWORK_DATABASE_URL alone; give --database to choose its database)");
    }
    let url = database.unwrap_or_else(|| DEMO_DATABASE.to_owned());
    let n = args.responses as usize;
    let definition = fixtures::digital_leadership()?;
    let slug = definition.slug.clone();
    if !args.no_serve {
        // Fail now rather than after the submissions if the address is taken.
        drop(std::net::TcpListener::bind(&args.bind).with_context(|| {
            format!("cannot listen on {} (give another with --bind)", args.bind)
        })?);
    }
    // Checked before the database is touched: a mistake leaves nothing behind.
    let allocation = allocate(&definition, n)?;
    let mail = args
        .mail_sink
        .as_deref()
        .map(email::sink_config)
        .transpose()?;
    let progress = Progress::new(args.quiet);

    let (store, plan) = open_demo_database(&url, args.fresh)?;
    let store = Arc::new(store);
    let display = store.display_url();
    let password = generate_password();
    let hash = hash_password(&password).map_err(anyhow::Error::msg)?;
    match plan {
        DatabasePlan::Reuse => {
            let made = store.setting(MARKER)?.unwrap_or_default();
            println!(
                "Reusing the demo database {display} ({}); `fieldwork demo --fresh` makes it anew",
                describe_marker(&made)
            );
            let made: Value = serde_json::from_str(&made).unwrap_or(Value::Null);
            if made["respondents"].as_u64() != Some(n as u64)
                || made["seed"].as_u64() != Some(args.seed)
            {
                println!("  (--responses and --seed shape a new demo database only: add --fresh for one with yours)");
            }
            store.change_password(PasswordChange {
                email: DEMO_EMAIL,
                password_hash: &hash,
                rotate: None,
                actor: CLI_ACTOR,
                via: "demo",
            })?;
        }
        DatabasePlan::Create | DatabasePlan::Replace(_) => {
            match plan {
                DatabasePlan::Replace(why) => {
                    println!("Replacing the demo database {display} ({why})")
                }
                _ => println!("Creating the demo database {display}"),
            }
            // The marker first: a run stopped part-way is known as the demo's and replaced.
            let marker = serde_json::json!({
                "respondents": n,
                "seed": args.seed,
                "made": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            });
            store.shared_setting(MARKER, || marker.to_string())?;
            let survey = store.import_survey(&definition)?;
            store.set_survey_status_as(&slug, SurveyStatus::Open, CLI_ACTOR)?;
            println!(
                "  imported `{slug}` version {} with its frame ({} strata) and opened it",
                survey.survey().version(),
                definition.strata().len()
            );
            store.create_user(DEMO_EMAIL, &hash, false, CLI_ACTOR)?;
            store.set_survey_role(&slug, DEMO_EMAIL, Some(Role::Owner), CLI_ACTOR)?;
            println!("  added the researcher {DEMO_EMAIL}, owner of `{slug}`");
            let respondents =
                plan_respondents(&definition, &allocation, args.seed, &progress, &stop)?;
            invite(&store, &slug, &respondents)?;
            submit(
                &store,
                &definition,
                &respondents,
                args.seed,
                &progress,
                &stop,
            )?;
            publish_pledges(&store, &definition)?;
        }
    }
    stop.check()?;
    analyse_and_publish(&store, &definition, &args.out, &progress)?;
    stop.check()?;
    if let Some(mail) = &mail {
        email::invite_by_email(&store, &definition, mail, &format!("http://{}", args.bind))?;
    }
    store.shared_setting(FINISHED, || chrono::Utc::now().to_rfc3339())?;

    // One more invitation, for whoever runs the demo to answer the survey themselves.
    let token = tokens::new_token();
    let first_stratum = definition
        .strata()
        .first()
        .map(|c| c.code.clone())
        .context("the study has no strata")?;
    store.create_invitations(
        &slug,
        &first_stratum,
        &[tokens::hash(
            fieldwork_server::invitations::INVITATION_PURPOSE,
            &token,
        )],
    )?;
    let links = Links {
        slug: slug.clone(),
        token,
        password,
    };
    if args.no_serve {
        println!("Done. To serve it: fieldwork --database {display} serve");
        links.print("http://127.0.0.1:8080");
        return Ok(());
    }
    serve(store, &args.bind, &links, mail, stop)
}

/// Open `url` and decide whether to make, reuse or replace the demo there. Never replaces a
/// database the demo did not make.
fn open_demo_database(url: &str, fresh: bool) -> Result<(Store, DatabasePlan)> {
    let parsed = DatabaseUrl::parse(url)?;
    if let DatabaseUrl::Sqlite { path, .. } = &parsed {
        if !path.exists() {
            return Ok((Store::open(url)?, DatabasePlan::Create));
        }
    }
    let store = Store::open(url)?;
    let plan = if store.setting(MARKER)?.is_some() {
        if store.setting(FINISHED)?.is_none() {
            DatabasePlan::Replace("an earlier run stopped before it finished")
        } else if fresh {
            DatabasePlan::Replace("--fresh")
        } else {
            DatabasePlan::Reuse
        }
    } else if store.list_surveys()?.is_empty() && store.list_users()?.is_empty() {
        DatabasePlan::Create
    } else {
        bail!(
            "{} holds data that `fieldwork demo` did not make; give the demo another --database (it never replaces a database it did not make)",
            store.display_url()
        );
    };
    let DatabasePlan::Replace(_) = plan else {
        return Ok((store, plan));
    };
    let DatabaseUrl::Sqlite { path, .. } = parsed else {
        bail!(
            "cannot replace the demo database {}: only an SQLite demo database is replaced; give an empty PostgreSQL database",
            store.display_url()
        );
    };
    drop(store);
    for suffix in ["", "-wal", "-shm"] {
        let file = PathBuf::from(format!("{}{suffix}", path.display()));
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot remove {}", file.display())),
        }
    }
    Ok((Store::open(url)?, plan))
}

fn describe_marker(marker: &str) -> String {
    let value: Value = serde_json::from_str(marker).unwrap_or(Value::Null);
    match (
        value["respondents"].as_u64(),
        value["seed"].as_u64(),
        value["made"].as_str(),
    ) {
        (Some(n), Some(seed), Some(made)) => {
            format!("made {made} with {n} respondents, seed {seed}")
        }
        _ => "made by an earlier run".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::plan::allocate;
    use super::submit::form_fields;
    use super::*;

    fn allocation_of(n: usize) -> BTreeMap<String, usize> {
        let definition = fixtures::digital_leadership().unwrap();
        allocate(&definition, n).unwrap().into_iter().collect()
    }

    #[test]
    fn allocation_places_everyone_within_a_plausible_share_of_each_stratum() {
        let definition = fixtures::digital_leadership().unwrap();
        let population = &definition.stratification.as_ref().unwrap().frame.population;
        for n in [1, 7, 300, 5000, 20_000] {
            let allocation = allocation_of(n);
            assert_eq!(allocation.values().sum::<usize>(), n, "{n}: {allocation:?}");
            for (code, count) in &allocation {
                assert!(
                    (*count as f64) <= population[code] as f64 * MAX_SHARE_OF_POPULATION,
                    "{n}: {code} {count}"
                );
            }
        }
        // 41 police and crime commissioners: at most 32 answer, however many are asked for.
        assert_eq!(allocation_of(5000)["police"], 32);
        let too_many = allocate(&definition, 40_000).unwrap_err().to_string();
        assert!(too_many.contains("at most 31"), "{too_many}");
    }

    #[test]
    fn answers_become_the_form_fields_a_browser_sends() {
        let grid = serde_json::json!({"users": "agree", "open_culture": "disagree"});
        assert_eq!(
            form_fields("behaviours", Some(&grid)),
            [
                ("behaviours.open_culture".to_owned(), "disagree".to_owned()),
                ("behaviours.users".to_owned(), "agree".to_owned())
            ]
        );
        assert_eq!(
            form_fields("barriers", Some(&serde_json::json!(["a", "b"]))).len(),
            2
        );
        assert_eq!(
            form_fields("years_in_role", Some(&serde_json::json!(12))),
            [("years_in_role".to_owned(), "12".to_owned())]
        );
        assert!(form_fields("pledge", None).is_empty());
    }
}
