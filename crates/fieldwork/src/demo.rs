//! `fieldwork demo`: the whole platform on synthetic data, in one command.
//!
//! On an embedded SQLite database it imports the digital-leadership study, makes a researcher,
//! invites synthetic respondents by sector and sends their answers through the real HTTP
//! paths of a real server: the JSON API for complete responses, and the respondent's web
//! journey (CSRF, cookies, one question per page) for those who save part-way and for those
//! who submit and then withdraw with their receipt code. Then it analyses, publishes the
//! report and serves it all until Ctrl-C.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use fieldwork_server::accounts::{generate_password, hash_password};
use fieldwork_server::tokens;
use fieldwork_store::{DatabaseUrl, PasswordChange, Role, Store, SurveyStatus, CLI_ACTOR};
use fieldwork_survey::{SubmittedAnswers, SurveyDefinition, SyntheticRespondents};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::Value;

use crate::fixtures;

/// Where the demo keeps its data unless told otherwise (not `fieldwork.db`, so that trying
/// the demo never touches a real database).
pub const DEMO_DATABASE: &str = "sqlite://fieldwork-demo.db";
/// The demo researcher, owner of the survey.
pub const DEMO_EMAIL: &str = "demo@example.org";
/// Shares of respondents who save part-way and never finish, and who submit then withdraw.
const PARTIAL_PERCENT: usize = 8;
const WITHDRAWN_PERCENT: usize = 2;
/// No more than this share of a stratum's population answers (a census is not a demo).
const MAX_SHARE_OF_POPULATION: f64 = 0.8;
/// Requests in flight while submitting.
const CONCURRENCY: usize = 16;
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
        }
    }
    stop.check()?;
    analyse_and_publish(&store, &definition, &args.out, &progress)?;
    stop.check()?;
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
    serve(store, &args.bind, &links, stop)
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

/// What becomes of a respondent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    /// Answers everything; submitted through the JSON API.
    Complete,
    /// Answers this many questions on the web form, then saves and never comes back.
    Partial(usize),
    /// Answers everything on the web form, then withdraws with the receipt code.
    Withdrawn,
}

#[derive(Debug)]
struct Respondent {
    stratum: String,
    answers: SubmittedAnswers,
    fate: Fate,
    /// The invitation's token (its hash is in the store).
    token: String,
}

/// Respondents per stratum: in proportion to the square root of its population (small strata
/// over-sampled, as a real design would), but never more than a plausible share of it.
fn allocate(definition: &SurveyDefinition, n: usize) -> Result<Vec<(String, usize)>> {
    let population = definition
        .stratification
        .as_ref()
        .map(|s| s.frame.population.clone())
        .unwrap_or_default();
    let strata: Vec<(String, f64, f64)> = definition
        .strata()
        .iter()
        .map(|c| {
            let size = population.get(&c.code).copied().unwrap_or(0) as f64;
            (
                c.code.clone(),
                size.sqrt(),
                (size * MAX_SHARE_OF_POPULATION).floor(),
            )
        })
        .collect();
    let capacity: f64 = strata.iter().map(|s| s.2).sum();
    if n as f64 > capacity {
        bail!(
            "--responses must be at most {capacity} for this frame ({:.0}% of each sector's population)",
            MAX_SHARE_OF_POPULATION * 100.0
        );
    }
    // Fill strata in proportion, capping those that reach their limit, until all are placed.
    let mut counts = vec![0usize; strata.len()];
    let mut capped = vec![false; strata.len()];
    loop {
        let left = n - counts.iter().sum::<usize>();
        let open: f64 = strata
            .iter()
            .zip(&capped)
            .filter(|(_, c)| !**c)
            .map(|(s, _)| s.1)
            .sum();
        if left == 0 || open == 0.0 {
            break;
        }
        let mut placed = 0;
        for (i, (_, weight, cap)) in strata.iter().enumerate() {
            if capped[i] {
                continue;
            }
            let share = ((left as f64) * weight / open).floor() as usize;
            let room = *cap as usize - counts[i];
            let add = share.min(room);
            counts[i] += add;
            placed += add;
            if counts[i] == *cap as usize {
                capped[i] = true;
            }
        }
        if placed == 0 {
            // Rounding left a few: give them one at a time to the largest open strata.
            let mut order: Vec<usize> = (0..strata.len()).filter(|i| !capped[*i]).collect();
            order.sort_by(|a, b| strata[*b].1.total_cmp(&strata[*a].1));
            for i in order.into_iter().take(left) {
                counts[i] += 1;
                if counts[i] == strata[i].2 as usize {
                    capped[i] = true;
                }
            }
        }
    }
    Ok(strata
        .into_iter()
        .zip(counts)
        .map(|((code, _, _), count)| (code, count))
        .collect())
}

fn plan_respondents(
    definition: &SurveyDefinition,
    allocation: &[(String, usize)],
    seed: u64,
    progress: &Progress,
    stop: &StopSignal,
) -> Result<Vec<Respondent>> {
    let n = allocation.iter().map(|(_, count)| count).sum();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed ^ 0x6465_6d6f);
    let mut strata: Vec<&str> = allocation
        .iter()
        .flat_map(|(code, count)| std::iter::repeat_n(code.as_str(), *count))
        .collect();
    strata.shuffle(&mut rng);
    let mut fates = vec![Fate::Complete; n];
    let withdrawn = n * WITHDRAWN_PERCENT / 100;
    let partial = n * PARTIAL_PERCENT / 100;
    for fate in fates.iter_mut().take(withdrawn) {
        *fate = Fate::Withdrawn;
    }
    for fate in fates.iter_mut().skip(withdrawn).take(partial) {
        // Every invited respondent is asked at least nine questions.
        *fate = Fate::Partial(rng.random_range(1..=8));
    }
    fates.shuffle(&mut rng);

    let bar = progress.bar(n as u64, "Generating respondents");
    let mut synthetic = SyntheticRespondents::new(definition, seed);
    let mut respondents = Vec::with_capacity(n);
    for (stratum, fate) in strata.into_iter().zip(fates) {
        stop.check()?;
        respondents.push(Respondent {
            stratum: stratum.to_owned(),
            answers: synthetic.respondent(Some(stratum)),
            fate,
            token: tokens::new_token(),
        });
        bar.inc(1);
    }
    bar.finish_and_clear();
    let per_stratum: Vec<String> = allocation
        .iter()
        .map(|(code, count)| format!("{code} {count}"))
        .collect();
    println!(
        "  generated {n} synthetic respondents (seed {seed}): {}",
        per_stratum.join(", ")
    );
    Ok(respondents)
}

/// Invitations per stratum: one for each respondent, and more for those who never answer,
/// at a response rate that differs by sector (seeded), within the frame.
fn invite(store: &Store, slug: &str, respondents: &[Respondent]) -> Result<()> {
    let survey = store.latest_survey(slug)?;
    let population = survey
        .definition
        .stratification
        .as_ref()
        .map(|s| s.frame.population.clone())
        .unwrap_or_default();
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x696e_7669_7465);
    let mut total = 0;
    for choice in survey.definition.strata() {
        let mut hashes: Vec<String> = respondents
            .iter()
            .filter(|r| r.stratum == choice.code)
            .map(|r| tokens::hash(fieldwork_server::invitations::INVITATION_PURPOSE, &r.token))
            .collect();
        let answering = hashes.len();
        let rate = rng.random_range(0.45..0.8);
        let size = population.get(&choice.code).copied().unwrap_or(0) as usize;
        let invited =
            ((answering as f64 / rate).ceil() as usize).clamp(answering, size.max(answering));
        // Tokens nobody will use: only their hashes are kept, so they are never shown.
        hashes.extend((answering..invited).map(|_| {
            tokens::hash(
                fieldwork_server::invitations::INVITATION_PURPOSE,
                &tokens::new_token(),
            )
        }));
        if !hashes.is_empty() {
            store.create_invitations(slug, &choice.code, &hashes)?;
        }
        total += hashes.len();
    }
    println!("  made {total} single-use invitations across the strata");
    Ok(())
}

/// What the submission did.
#[derive(Debug, Default)]
struct Submitted {
    complete: AtomicUsize,
    partial: AtomicUsize,
    withdrawn: AtomicUsize,
}

/// Send every respondent's answers to a real server on a loopback port (rate limit off):
/// complete ones to the JSON API, the others through the web journey.
fn submit(
    store: &Arc<Store>,
    definition: &SurveyDefinition,
    respondents: &[Respondent],
    seed: u64,
    progress: &Progress,
    stop: &StopSignal,
) -> Result<()> {
    let server = fieldwork_server::spawn(
        Arc::clone(store),
        "127.0.0.1:0",
        fieldwork_server::ServerConfig {
            rate_per_second: 0.0,
            stop_on_signals: false,
            ..Default::default()
        },
    )
    .context("cannot start the server")?;
    let base = format!("http://{}", server.addr());
    let bar = progress.bar(respondents.len() as u64, "Submitting over HTTP");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let submitted = Submitted::default();
    let result = runtime.block_on(submit_all(
        &base,
        definition,
        respondents,
        seed,
        &bar,
        stop,
        &submitted,
    ));
    // Whatever happened, the requests in flight have finished: stop the server gracefully.
    drop(runtime);
    server.stop()?;
    bar.finish_and_clear();
    let (complete, partial, withdrawn) = (
        submitted.complete.load(Ordering::Relaxed),
        submitted.partial.load(Ordering::Relaxed),
        submitted.withdrawn.load(Ordering::Relaxed),
    );
    let done = complete + partial + withdrawn;
    result?;
    if stop.requested() {
        println!(
            "  stopped after {done} of {} respondents; every response acknowledged is stored",
            respondents.len()
        );
        return Err(Interrupted.into());
    }
    println!(
        "  submitted {done} respondents over HTTP: {complete} complete (JSON API), {partial} saved part-way and {withdrawn} submitted then withdrawn (web form)"
    );
    Ok(())
}

async fn submit_all(
    base: &str,
    definition: &SurveyDefinition,
    respondents: &[Respondent],
    seed: u64,
    bar: &ProgressBar,
    stop: &StopSignal,
    submitted: &Submitted,
) -> Result<()> {
    let api = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()?;
    let next = AtomicUsize::new(0);
    let failure: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    // The workers borrow all this; they run on this task, so nothing needs to be 'static.
    let (api, next, failure_ref) = (&api, &next, &failure);
    let worker = move || async move {
        let failure = failure_ref;
        loop {
            if stop.requested() || failure.lock().map(|f| f.is_some()).unwrap_or(true) {
                return;
            }
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(respondent) = respondents.get(i) else {
                return;
            };
            let outcome = match respondent.fate {
                Fate::Complete => post_api(api, base, definition, respondent, seed, i)
                    .await
                    .map(|()| &submitted.complete),
                Fate::Partial(questions) => journey(base, definition, respondent, Some(questions))
                    .await
                    .map(|_| &submitted.partial),
                Fate::Withdrawn => async {
                    let (client, csrf, receipt) =
                        journey(base, definition, respondent, None).await?;
                    withdraw(&client, base, &definition.slug, &csrf, &receipt).await
                }
                .await
                .map(|()| &submitted.withdrawn),
            };
            match outcome {
                Ok(counter) => {
                    counter.fetch_add(1, Ordering::Relaxed);
                    bar.inc(1);
                }
                Err(error) => {
                    if let Ok(mut failure) = failure.lock() {
                        failure.get_or_insert(error);
                    }
                    return;
                }
            }
        }
    };
    let workers: Vec<_> = (0..CONCURRENCY).map(|_| worker()).collect();
    futures_util::future::join_all(workers).await;
    match failure.into_inner().ok().flatten() {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

async fn post_api(
    client: &reqwest::Client,
    base: &str,
    definition: &SurveyDefinition,
    respondent: &Respondent,
    seed: u64,
    i: usize,
) -> Result<()> {
    let body = serde_json::json!({
        "answers": respondent.answers,
        "invitation": respondent.token,
    });
    let response = client
        .post(format!(
            "{base}/api/v1/surveys/{}/responses",
            definition.slug
        ))
        .header("Idempotency-Key", format!("demo-{seed}-{i}"))
        .json(&body)
        .send()
        .await
        .context("the API did not answer")?;
    let status = response.status();
    if status != reqwest::StatusCode::CREATED {
        let text = response.text().await.unwrap_or_default();
        bail!("the API refused a synthetic response ({status}): {text}");
    }
    Ok(())
}

/// A respondent's visit to the web form with their invitation link. With `save_after`, they
/// answer that many questions and then "Save and come back later"; without, they answer
/// everything and submit. Returns their browser (cookies), CSRF token and, once submitted,
/// receipt code.
async fn journey(
    base: &str,
    definition: &SurveyDefinition,
    respondent: &Respondent,
    save_after: Option<usize>,
) -> Result<(reqwest::Client, String, String)> {
    let slug = &definition.slug;
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .timeout(Duration::from_secs(60))
        .build()?;
    let start = page(
        client
            .get(format!("{base}/s/{slug}"))
            .query(&[("invite", &respondent.token)]),
    )
    .await?;
    let csrf = hidden_value(&start.1, "csrf_token").context("no CSRF token on the start page")?;
    let mut current = page(client.post(format!("{base}/s/{slug}/start")).form(&[
        ("csrf_token", csrf.as_str()),
        ("invite", respondent.token.as_str()),
    ]))
    .await?;
    let question_prefix = format!("/s/{slug}/q/");
    let mut answered = 0;
    loop {
        let path = current.0.path().to_owned();
        let Some(question_id) = path.strip_prefix(&question_prefix) else {
            break;
        };
        let question = definition
            .questions()
            .find(|q| q.id == question_id)
            .with_context(|| format!("the form asked an unknown question {path}"))?;
        let mut fields = vec![("csrf_token".to_owned(), csrf.clone())];
        fields.extend(form_fields(
            &question.id,
            respondent.answers.get(&question.id),
        ));
        answered += 1;
        let saving = save_after == Some(answered);
        fields.push((
            "action".to_owned(),
            if saving { "save" } else { "continue" }.to_owned(),
        ));
        current = page(client.post(format!("{base}{path}")).form(&fields)).await?;
        if saving {
            if !current.1.contains("resume?code=") {
                bail!("saving answers on {path} did not give a resume link");
            }
            return Ok((client, csrf, String::new()));
        }
    }
    if save_after.is_some() {
        // Fewer questions were asked than planned: every answer is saved as it is given.
        return Ok((client, csrf, String::new()));
    }
    if !current.0.path().ends_with("/check") {
        bail!("the form went to {} instead of the check page", current.0);
    }
    let done = page(
        client
            .post(format!("{base}/s/{slug}/submit"))
            .form(&[("csrf_token", csrf.as_str())]),
    )
    .await?;
    let receipt = between(&done.1, "class=\"fieldwork-receipt\">", "<")
        .context("no receipt code on the confirmation page")?;
    Ok((client, csrf, receipt))
}

async fn withdraw(
    client: &reqwest::Client,
    base: &str,
    slug: &str,
    csrf: &str,
    receipt: &str,
) -> Result<()> {
    let (_, body) = page(
        client
            .post(format!("{base}/s/{slug}/withdraw"))
            .form(&[("csrf_token", csrf), ("receipt", receipt)]),
    )
    .await?;
    if !body.contains("Your answers have been withdrawn") {
        bail!("withdrawing with the receipt code did not work");
    }
    Ok(())
}

/// Send a request (redirects followed); the final URL and the page, which must be a 200.
async fn page(request: reqwest::RequestBuilder) -> Result<(reqwest::Url, String)> {
    let response = request.send().await.context("the server did not answer")?;
    let (status, url) = (response.status(), response.url().clone());
    let body = response
        .text()
        .await
        .context("the page could not be read")?;
    if status != reqwest::StatusCode::OK {
        let heading = between(&body, "<h1", "</h1>").unwrap_or_default();
        bail!("{url} answered {status}: {heading}");
    }
    Ok((url, body))
}

/// The form fields that give `value` as the answer to question `id` (none: left blank).
fn form_fields(id: &str, value: Option<&Value>) -> Vec<(String, String)> {
    match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(code)) => vec![(id.to_owned(), code.clone())],
        Some(Value::Number(number)) => vec![(id.to_owned(), number.to_string())],
        Some(Value::Bool(b)) => vec![(id.to_owned(), b.to_string())],
        Some(Value::Array(codes)) => codes
            .iter()
            .filter_map(Value::as_str)
            .map(|code| (id.to_owned(), code.to_owned()))
            .collect(),
        Some(Value::Object(grid)) => grid
            .iter()
            .filter_map(|(item, code)| Some((format!("{id}.{item}"), code.as_str()?.to_owned())))
            .collect(),
    }
}

fn hidden_value(html: &str, name: &str) -> Option<String> {
    between(html, &format!("name=\"{name}\" value=\""), "\"")
}

fn between(text: &str, start: &str, end: &str) -> Option<String> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)?;
    Some(text[from..from + to].to_owned())
}

fn analyse_and_publish(
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
    let site =
        fieldwork_analysis::report::report(store, slug, &plan, Some(fixtures::PLAN.as_bytes()))?;
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
struct Links {
    slug: String,
    token: String,
    password: String,
}

impl Links {
    fn print(&self, base: &str) {
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
        println!("  JSON API:                      {base}/api/v1/openapi.json");
    }
}

/// Serve on `bind` until Ctrl-C, then stop gracefully.
fn serve(store: Arc<Store>, bind: &str, links: &Links, mut stop: StopSignal) -> Result<()> {
    let display = store.display_url();
    let config = fieldwork_server::ServerConfig {
        stop_on_signals: false,
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

/// Ctrl-C (or SIGTERM) asks the demo to stop at the next safe point; a second one stops it
/// at once.
#[derive(Debug, Clone)]
struct StopSignal(tokio::sync::watch::Receiver<bool>);

impl StopSignal {
    fn install() -> Result<Self> {
        use actix_web::rt::signal::unix::{signal, SignalKind};
        let (sender, receiver) = tokio::sync::watch::channel(false);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        // Registered here, before any work starts, so no Ctrl-C can kill the process outright.
        let (mut interrupt, mut terminate) = {
            let _entered = runtime.enter();
            (
                signal(SignalKind::interrupt()).context("cannot handle Ctrl-C")?,
                signal(SignalKind::terminate()).context("cannot handle SIGTERM")?,
            )
        };
        std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || {
                runtime.block_on(async move {
                    loop {
                        tokio::select! {
                            _ = interrupt.recv() => {}
                            _ = terminate.recv() => {}
                        }
                        if *sender.borrow() {
                            eprintln!("stopping now");
                            std::process::exit(130);
                        }
                        eprintln!(
                            "stopping: finishing what is in flight (Ctrl-C again to stop at once)"
                        );
                        let _ = sender.send(true);
                    }
                })
            })?;
        Ok(StopSignal(receiver))
    }

    fn requested(&self) -> bool {
        *self.0.borrow()
    }

    /// An error if a stop was asked for: call between steps.
    fn check(&self) -> Result<()> {
        if self.requested() {
            Err(Interrupted.into())
        } else {
            Ok(())
        }
    }

    async fn wait(&mut self) {
        let _ = self.0.wait_for(|stop| *stop).await;
    }
}

/// Progress bars on the terminal, unless standard output is not one or `--quiet`.
#[derive(Debug)]
struct Progress {
    visible: bool,
}

impl Progress {
    fn new(quiet: bool) -> Self {
        Progress {
            visible: !quiet && std::io::stdout().is_terminal() && std::io::stderr().is_terminal(),
        }
    }

    fn bar(&self, length: u64, message: &'static str) -> ProgressBar {
        let bar = ProgressBar::with_draw_target(Some(length), self.target());
        bar.set_style(
            ProgressStyle::with_template(
                "{msg:24} [{bar:40}] {human_pos}/{human_len} ({per_sec:0}, {eta} left)",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_message(message);
        bar
    }

    fn spinner(&self, message: &'static str) -> ProgressBar {
        let spinner = ProgressBar::with_draw_target(None, self.target());
        spinner.set_message(message);
        spinner.enable_steady_tick(Duration::from_millis(120));
        spinner
    }

    fn target(&self) -> ProgressDrawTarget {
        if self.visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

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
