//! `fieldwork`: the command line of the fieldwork survey platform.

mod accounts;
mod bench;
mod bench_all;
mod bench_analyze;
mod bench_export;
mod demo;
mod export;
mod fixtures;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use fieldwork_store::{ImportOutcome, Store, SurveyStatus, DEFAULT_DATABASE_URL};
use fieldwork_survey::{parse_definition, resolve_frame_csv, SurveyDefinition};

#[derive(Debug, Parser)]
#[command(
    name = "fieldwork",
    version,
    about = "Run research surveys end to end: define, field, analyse, export."
)]
struct Cli {
    /// Database URL: sqlite://PATH (created if missing) or postgres://USER@HOST/DB.
    #[arg(long, global = true, env = "FIELDWORK_DATABASE_URL", default_value = DEFAULT_DATABASE_URL, hide_env_values = true)]
    database: String,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The whole platform on synthetic data: import the study, submit N synthetic respondents
    /// over HTTP, analyse, publish the report, and serve it all.
    ///
    /// Its database is sqlite://fieldwork-demo.db unless --database names another
    /// (FIELDWORK_DATABASE_URL is left alone). A finished demo database is reused, one stopped
    /// part-way is replaced, and a database the demo did not make is never touched.
    Demo(demo::DemoArgs),
    /// Survey definitions: validate, import, list, open and close.
    #[command(subcommand)]
    Survey(SurveyCommand),
    /// The database itself.
    #[command(subcommand)]
    Db(DbCommand),
    /// Serve the respondent forms and the JSON API.
    Serve(ServeArgs),
    /// Write single-use invitation links for a stratum of a survey to a CSV file.
    Invite(InviteArgs),
    /// Estimate what the survey found: per-stratum estimates, tests, response rates.
    Analyze(AnalyzeArgs),
    /// Build the findings report (a static site with charts and tables), and publish it.
    Report(ReportArgs),
    /// Measure fieldwork against its baselines.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Export a survey's responses, codebook or R/Stata/SPSS syntax for analysts.
    Export(export::ExportArgs),
    /// Responses: import from a wide CSV.
    #[command(subcommand)]
    Responses(export::ResponsesCommand),
    /// Researchers' accounts.
    #[command(subcommand)]
    User(accounts::UserCommand),
    /// API tokens for scripts: create, list, revoke.
    #[command(subcommand)]
    Token(accounts::TokenCommand),
    /// The audit log: sign-ins, exports, withdrawals, status, sharing and token changes.
    Audit(accounts::AuditArgs),
    /// Delete raw responses past their survey's retention date.
    #[command(subcommand)]
    Retention(accounts::RetentionCommand),
}

#[derive(Debug, clap::Args)]
struct AnalyzeArgs {
    /// The survey's slug.
    #[arg(long)]
    survey: String,
    /// The analysis plan (TOML); by default every question but free text, threshold 10.
    #[arg(long)]
    plan: Option<PathBuf>,
    /// Directory to write estimates.csv, estimates.json, tests.csv and response_rates.csv to.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("action").required(true).args(["out", "publish", "unpublish"]).multiple(true)))]
struct ReportArgs {
    /// The survey's slug.
    #[arg(long)]
    survey: String,
    /// The analysis plan (TOML); by default every question but free text, threshold 10.
    #[arg(long, conflicts_with = "unpublish")]
    plan: Option<PathBuf>,
    /// Directory to write the site to: index.html, a page per question, charts (SVG and
    /// PNG), the CSV behind every chart and table.
    #[arg(long, conflicts_with = "unpublish")]
    out: Option<PathBuf>,
    /// Store the report in the database, so `fieldwork serve` serves it at /r/SLUG/
    /// (replacing any report published before).
    #[arg(long, conflicts_with = "unpublish")]
    publish: bool,
    /// Take the survey's published report down.
    #[arg(long)]
    unpublish: bool,
}

#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// HTTP ingest on loopback against the raw insert ceiling of the same rows.
    Ingest {
        /// Responses to post.
        #[arg(long, default_value_t = 20_000)]
        responses: usize,
        /// Requests in flight at once.
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        /// Seed for the synthetic respondents.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// `analyze` end to end against a plain read of the same responses, and against the
    /// pandas baseline (benchmarks/analysis_pandas.py) on the csv-wide export.
    Analyze {
        /// Synthetic responses to store and analyse.
        #[arg(long, default_value_t = 100_000)]
        responses: usize,
        /// Seed for the synthetic respondents.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The Python that runs the baseline; it needs pandas and scipy.
        #[arg(long, env = "FIELDWORK_BENCH_PYTHON", default_value = "python3")]
        python: String,
    },
    /// Every measurement beside its baseline at 10k, 100k and 1M responses, each in a
    /// process of its own (peak memory); prints the table and can write it into
    /// docs/performance.md.
    All(bench_all::AllArgs),
    /// One measurement of `bench all`, run in a child process.
    #[command(subcommand, hide = true)]
    Step(bench_all::Step),
    /// Export throughput and peak memory against a plain read of the same rows.
    Export {
        /// Synthetic responses to store and export.
        #[arg(long, default_value_t = 100_000)]
        responses: usize,
        /// Seed for the synthetic respondents.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "FIELDWORK_BIND")]
    bind: String,
    /// Public base URL for links the server writes (resume links), e.g. https://survey.example.org.
    #[arg(long, env = "FIELDWORK_PUBLIC_URL")]
    public_url: Option<String>,
    /// Mark cookies Secure: use when served over TLS (behind a proxy that terminates it).
    #[arg(long)]
    secure_cookies: bool,
    /// Form and API writes allowed per second from one client address (0: no limit).
    #[arg(long, default_value_t = 5.0)]
    rate_limit: f64,
    /// Worker threads (default: one per core).
    #[arg(long)]
    workers: Option<usize>,
}

#[derive(Debug, clap::Args)]
struct InviteArgs {
    /// The survey's slug.
    #[arg(long)]
    survey: String,
    /// The stratum (an option code of the survey's stratum question) the invitees belong to.
    #[arg(long)]
    stratum: String,
    /// How many invitations to make.
    #[arg(long)]
    count: u32,
    /// The CSV file to write: one row per invitation, with its link.
    #[arg(long)]
    out: PathBuf,
    /// Base URL of the survey service, for the links.
    #[arg(
        long,
        default_value = "http://127.0.0.1:8080",
        env = "FIELDWORK_PUBLIC_URL"
    )]
    base_url: String,
}

#[derive(Debug, Subcommand)]
enum SurveyCommand {
    /// Check a definition and report every problem in it, each with its JSON path.
    Validate { file: PathBuf },
    /// Store a definition: a new survey, or a new version of an existing one.
    Import { file: PathBuf },
    /// List surveys with their latest version, status and response counts.
    List,
    /// Let the survey's latest version take responses.
    Open { slug: String },
    /// Stop the survey taking responses.
    Close { slug: String },
    /// Print the JSON Schema of survey definitions.
    Schema,
    /// Give a researcher a role on a survey (owner, analyst, viewer), or remove it.
    Share(accounts::ShareArgs),
    /// Set the date after which the survey's raw responses are deleted.
    Retention(accounts::RetentionArgs),
    /// Delete a survey: every version, response, invitation, role, API token and published
    /// report of it. The audit log keeps its entries.
    Delete(accounts::DeleteArgs),
}

#[derive(Debug, Subcommand)]
enum DbCommand {
    /// Apply database migrations not yet applied (they also run whenever the database opens).
    Migrate,
}

fn main() -> ExitCode {
    end_quietly_when_the_reader_goes();
    let parsed = Cli::command()
        .try_get_matches()
        .and_then(|matches| Ok((Cli::from_arg_matches(&matches)?, matches)));
    let (cli, matches) = match parsed {
        Ok(parsed) => parsed,
        Err(error) => {
            // clap prints usage and help itself, with exit code 2 for usage mistakes.
            let _ = error.print();
            return ExitCode::from(error.exit_code().clamp(0, 255) as u8);
        }
    };
    init_logging();
    // The demo uses a database of its own unless one is named on its command line.
    let database_given = matches!(
        matches
            .subcommand()
            .and_then(|(_, sub)| sub.value_source("database"))
            .or_else(|| matches.value_source("database")),
        Some(clap::parser::ValueSource::CommandLine)
    );
    let result = match cli.command {
        Command::Demo(args) => demo::run(database_given.then_some(cli.database), args),
        command => run(Cli {
            database: cli.database,
            command,
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.is::<demo::Interrupted>() => {
            eprintln!(
                "stopped before the demo was ready; run `fieldwork demo` again to make it anew"
            );
            ExitCode::from(130)
        }
        // Output piped to a reader that has gone (`| head`): as for `println!` above.
        Err(error) if reader_gone(&error) => ExitCode::from(141),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn reader_gone(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// `fieldwork export ... --out - | head`: once the reader has gone, `println!` panics on the
/// closed pipe (Rust ignores SIGPIPE, so the write fails instead of ending the process). That
/// is no fault of fieldwork's: end quietly with 141 (128 + SIGPIPE), what a shell reports for
/// a Unix tool ended by a closed pipe, and print nothing. Every other panic is reported as
/// usual. (Restoring SIGPIPE's default would need `unsafe`, which the workspace forbids.)
fn end_quietly_when_the_reader_goes() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        let closed_pipe = (message.starts_with("failed printing to stdout")
            || message.starts_with("failed printing to stderr"))
            && message.contains("Broken pipe");
        if closed_pipe {
            std::process::exit(141);
        }
        report(info);
    }));
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("FIELDWORK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Survey(SurveyCommand::Validate { file }) => {
            let definition = load_definition(&file)?;
            let questions = definition.questions().count();
            println!(
                "{}: survey `{}` version {} is valid: {} pages, {} questions, {} strata",
                file.display(),
                definition.slug,
                definition.version,
                definition.pages.len(),
                questions,
                definition.strata().len()
            );
            Ok(())
        }
        Command::Survey(SurveyCommand::Import { file }) => {
            let definition = load_definition(&file)?;
            let store = open_store(&cli.database)?;
            match store.import_survey(&definition)? {
                ImportOutcome::Created(survey) => println!(
                    "imported `{}` version {} as a draft (open it with `fieldwork survey open {}`)",
                    survey.slug(),
                    survey.version(),
                    survey.slug()
                ),
                ImportOutcome::Unchanged(survey) => println!(
                    "`{}` version {} is already stored with this definition; nothing changed",
                    survey.slug(),
                    survey.version()
                ),
            }
            Ok(())
        }
        Command::Survey(SurveyCommand::List) => {
            let store = open_store(&cli.database)?;
            let surveys = store.list_surveys()?;
            if surveys.is_empty() {
                println!("no surveys yet: import one with `fieldwork survey import FILE`");
                return Ok(());
            }
            println!(
                "{:<32} {:>7} {:<7} {:>9} {:>8}  TITLE",
                "SLUG", "VERSION", "STATUS", "COMPLETE", "PARTIAL"
            );
            for s in surveys {
                println!(
                    "{:<32} {:>7} {:<7} {:>9} {:>8}  {}",
                    s.slug,
                    s.latest_version,
                    s.status.as_str(),
                    s.complete_responses,
                    s.partial_responses,
                    s.title
                );
            }
            Ok(())
        }
        Command::Survey(SurveyCommand::Open { slug }) => {
            set_status(&cli.database, &slug, SurveyStatus::Open)
        }
        Command::Survey(SurveyCommand::Close { slug }) => {
            set_status(&cli.database, &slug, SurveyStatus::Closed)
        }
        Command::Survey(SurveyCommand::Schema) => {
            let schema = fieldwork_survey::definition_json_schema();
            println!("{}", serde_json::to_string_pretty(&schema)?);
            Ok(())
        }
        Command::Demo(_) => unreachable!("main runs the demo"),
        Command::Serve(args) => serve(&cli.database, args),
        Command::Analyze(args) => analyze(&cli.database, args),
        Command::Report(args) => report(&cli.database, args),
        Command::Bench(BenchCommand::Ingest {
            responses,
            concurrency,
            seed,
        }) => {
            // Without --database, a new SQLite file that is removed afterwards.
            let scratch = tempfile::tempdir()?;
            let database = bench_database(&cli.database, scratch.path());
            let report = bench::ingest(&database, responses, concurrency.max(1), seed)?;
            println!(
                "{} ingest of {} responses, {} in flight: HTTP {:.0}/s (p50 {:.1} ms, p99 {:.1} ms); raw insert ceiling {:.0}/s; HTTP/ceiling {:.2}; acknowledged {}, stored {}",
                report.backend, report.responses, report.concurrency, report.http_per_second, report.p50_ms, report.p99_ms,
                report.ceiling_per_second, report.ratio(), report.acknowledged, report.stored
            );
            if report.stored != report.acknowledged as i64 {
                bail!(
                    "{} responses acknowledged but {} stored",
                    report.acknowledged,
                    report.stored
                );
            }
            Ok(())
        }
        Command::Invite(args) => invite(&cli.database, args),
        Command::Export(args) => export::run_export(&cli.database, args),
        Command::Responses(command) => export::run_responses(&cli.database, command),
        Command::Bench(BenchCommand::All(args)) => bench_all::run(&args),
        Command::Bench(BenchCommand::Step(step)) => bench_all::step(&cli.database, step),
        Command::Bench(BenchCommand::Export { responses, seed }) => {
            bench_export(&cli.database, responses, seed)
        }
        Command::Bench(BenchCommand::Analyze {
            responses,
            seed,
            python,
        }) => bench_analyze(&cli.database, responses, seed, &python),
        Command::Survey(SurveyCommand::Share(args)) => {
            accounts::share(&open_store(&cli.database)?, args)
        }
        Command::Survey(SurveyCommand::Retention(args)) => {
            accounts::set_retention(&open_store(&cli.database)?, args)
        }
        Command::Survey(SurveyCommand::Delete(args)) => {
            accounts::delete_survey(&open_store(&cli.database)?, args)
        }
        Command::User(command) => accounts::user(&open_store(&cli.database)?, command),
        Command::Token(command) => accounts::token(&open_store(&cli.database)?, command),
        Command::Audit(args) => accounts::audit(&open_store(&cli.database)?, args),
        Command::Retention(command) => accounts::retention(&open_store(&cli.database)?, command),
        Command::Db(DbCommand::Migrate) => {
            let store = Store::open_without_migrating(&cli.database)?;
            let applied = store.migrate()?;
            if applied.is_empty() {
                println!("{}: the schema is up to date", store.display_url());
            } else {
                println!(
                    "{}: applied {} migration{}: {}",
                    store.display_url(),
                    applied.len(),
                    if applied.len() == 1 { "" } else { "s" },
                    applied.join(", ")
                );
            }
            Ok(())
        }
    }
}

/// The database a benchmark uses: the one given, or a new SQLite file in `scratch`.
fn bench_database(database: &str, scratch: &std::path::Path) -> String {
    if std::env::var_os("FIELDWORK_DATABASE_URL").is_some() || database != DEFAULT_DATABASE_URL {
        database.to_owned()
    } else {
        format!("sqlite://{}", scratch.join("bench.db").display())
    }
}

fn bench_analyze(database: &str, responses: usize, seed: u64, python: &str) -> Result<()> {
    let scratch = tempfile::tempdir()?;
    let database = bench_database(database, scratch.path());
    let report = bench_analyze::run(&database, responses, seed, python, scratch.path())?;
    let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
    println!("{:<34} {:>9} {:>10}", "PASS", "SECONDS", "PEAK MiB");
    for read in [&report.rows_read, &report.answers_read] {
        println!(
            "{:<34} {:>9.2} {:>10.1}",
            read.name,
            read.seconds,
            mib(read.peak_bytes)
        );
    }
    println!(
        "{:<34} {:>9.2} {:>10.1}",
        "fieldwork analyze (end to end)",
        report.analyze_seconds,
        mib(report.analyze_peak_bytes)
    );
    println!(
        "{:<34} {:>9.2} {:>10.1}",
        "pandas baseline on the csv-wide",
        report.pandas_seconds,
        mib(report.pandas_peak_bytes)
    );
    println!(
        "{} responses; analyze / read (stratum and answers) {:.2}; pandas / analyze {:.2}; export for pandas {:.2} s, {:.1} MB; {} estimates agree to {:.1e} (estimate) and {:.1e} (SE)",
        report.responses,
        report.analyze_seconds / report.answers_read.seconds,
        report.pandas_seconds / report.analyze_seconds,
        report.export_seconds,
        report.export_bytes as f64 / 1e6,
        report.compared,
        report.max_estimate_difference,
        report.max_se_difference
    );
    if report.max_estimate_difference > 1e-9 || report.max_se_difference > 1e-9 {
        bail!("the pandas baseline and fieldwork disagree: the comparison is void");
    }
    Ok(())
}

fn bench_export(database: &str, responses: usize, seed: u64) -> Result<()> {
    let scratch = tempfile::tempdir()?;
    let database = bench_database(database, scratch.path());
    let passes = bench_export::run(&database, responses, seed, scratch.path())?;
    println!(
        "{:<22} {:>9} {:>12} {:>8} {:>10} {:>8} {:>10}",
        "PASS", "ROWS", "BYTES", "SECONDS", "ROWS/S", "MB/S", "PEAK MiB"
    );
    for pass in passes {
        println!(
            "{:<22} {:>9} {:>12} {:>8.2} {:>10.0} {:>8.1} {:>10.1}",
            pass.name,
            pass.rows,
            pass.bytes,
            pass.seconds,
            pass.rows_per_second(),
            pass.megabytes_per_second(),
            pass.peak_bytes as f64 / (1024.0 * 1024.0)
        );
    }
    Ok(())
}

fn serve(database: &str, args: ServeArgs) -> Result<()> {
    let store = std::sync::Arc::new(open_store(database)?);
    let config = fieldwork_server::ServerConfig {
        secure_cookies: args.secure_cookies,
        public_url: args.public_url.map(|u| u.trim_end_matches('/').to_owned()),
        rate_per_second: args.rate_limit,
        workers: args.workers,
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

/// Largest batch of invitations made at once.
const MAX_INVITATIONS: u32 = 1_000_000;

fn invite(database: &str, args: InviteArgs) -> Result<()> {
    if args.count == 0 || args.count > MAX_INVITATIONS {
        bail!("--count must be between 1 and {MAX_INVITATIONS}");
    }
    let store = open_store(database)?;
    let survey = store.latest_survey(&args.survey)?;
    let strata: Vec<String> = survey
        .definition
        .strata()
        .iter()
        .map(|c| c.code.clone())
        .collect();
    if strata.is_empty() {
        bail!("survey `{}` has no strata to invite by", args.survey);
    }
    if !strata.contains(&args.stratum) {
        bail!(
            "`{}` is not a stratum of survey `{}`: use one of {}",
            args.stratum,
            args.survey,
            strata.join(", ")
        );
    }
    if args.out.exists() {
        bail!(
            "{} already exists; choose another --out so no links are lost",
            args.out.display()
        );
    }
    let made = fieldwork_server::invitations::NewInvitations::make(args.count);
    // Write the file first: if that fails, no invitation exists whose link was lost.
    let partial = args.out.with_extension("partial");
    let file = std::fs::File::create(&partial)
        .with_context(|| format!("cannot write {}", partial.display()))?;
    made.write_csv(
        std::io::BufWriter::new(file),
        &args.base_url,
        &args.survey,
        &args.stratum,
    )
    .and_then(|mut out| std::io::Write::flush(&mut out).map_err(csv::Error::from))
    .with_context(|| format!("cannot write {}", partial.display()))?;
    let hashes = made.hashes;
    if let Err(error) = store.create_invitations(&args.survey, &args.stratum, &hashes) {
        let _ = std::fs::remove_file(&partial);
        return Err(error.into());
    }
    std::fs::rename(&partial, &args.out)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    println!(
        "wrote {} single-use invitation links for `{}` ({}) to {}",
        args.count,
        args.survey,
        args.stratum,
        args.out.display()
    );
    Ok(())
}

fn analyze(database: &str, args: AnalyzeArgs) -> Result<()> {
    let store = open_store(database)?;
    let survey = store.latest_survey(&args.survey)?;
    let plan = match &args.plan {
        Some(path) => {
            let text = read_text(path)?;
            fieldwork_analysis::Plan::parse(&text, &survey.definition)
                .with_context(|| format!("in the plan {}", path.display()))?
        }
        None => fieldwork_analysis::Plan::default_for(&survey.definition),
    };
    let analysis = fieldwork_analysis::analyze(&store, &args.survey, &plan)?;
    analysis.write(&args.out)?;
    let suppressed = analysis.estimates.iter().filter(|r| r.suppressed).count();
    let responses: i64 = analysis.response_rates.iter().map(|r| r.complete).sum();
    println!(
        "analysed {} complete responses of `{}` version {}: {} estimates ({} suppressed), {} tests, written to {}",
        responses,
        analysis.survey,
        analysis.version,
        analysis.estimates.len(),
        suppressed,
        analysis.tests.len(),
        args.out.display()
    );
    if let Some(summary) = analysis.weighting.summary() {
        println!("{summary}");
    }
    Ok(())
}

fn report(database: &str, args: ReportArgs) -> Result<()> {
    let store = open_store(database)?;
    if args.unpublish {
        if store.unpublish_report(&args.survey)? {
            println!("the report of `{}` is no longer published", args.survey);
        } else {
            println!("`{}` had no published report; nothing changed", args.survey);
        }
        return Ok(());
    }
    let survey = store.latest_survey(&args.survey)?;
    let (plan, plan_file) = match &args.plan {
        Some(path) => {
            let bytes =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            let text = String::from_utf8(bytes.clone())
                .with_context(|| format!("{} is not UTF-8 text", path.display()))?;
            let plan = fieldwork_analysis::Plan::parse(&text, &survey.definition)
                .with_context(|| format!("in the plan {}", path.display()))?;
            (plan, Some(bytes))
        }
        None => (
            fieldwork_analysis::Plan::default_for(&survey.definition),
            None,
        ),
    };
    let site =
        fieldwork_analysis::report::report(&store, &args.survey, &plan, plan_file.as_deref())?;
    let charts = site
        .files
        .iter()
        .filter(|f| f.path.starts_with("charts/") && f.path.ends_with(".svg"))
        .count();
    if let Some(out) = &args.out {
        site.write(out)?;
        println!(
            "wrote the report of `{}` version {} to {}: {} files, {} charts, {} key findings (open {})",
            args.survey,
            site.survey_version,
            out.display(),
            site.files.len(),
            charts,
            site.findings.len(),
            out.join("index.html").display()
        );
    }
    if args.publish {
        let files = publish_site(&store, &args.survey, &site)?;
        println!(
            "published the report of `{}` version {} ({files} files): `fieldwork serve` serves it at /r/{}/",
            args.survey, site.survey_version, args.survey
        );
    }
    Ok(())
}

/// Store a built report as the survey's published one (served at /r/SLUG/); its file count.
fn publish_site(store: &Store, slug: &str, site: &fieldwork_analysis::report::Site) -> Result<i64> {
    let files: Vec<fieldwork_store::NewReportFile<'_>> = site
        .files
        .iter()
        .map(|f| fieldwork_store::NewReportFile {
            path: &f.path,
            content_type: f.content_type,
            body: &f.body,
        })
        .collect();
    let published =
        store.publish_report(slug, site.survey_version, site.plan_hash.as_deref(), &files)?;
    Ok(published.files)
}

fn open_store(url: &str) -> Result<Store> {
    Ok(Store::open(url)?)
}

fn set_status(database: &str, slug: &str, status: SurveyStatus) -> Result<()> {
    let store = open_store(database)?;
    let survey = store.set_survey_status_as(slug, status, fieldwork_store::CLI_ACTOR)?;
    println!(
        "`{}` version {} is now {}",
        survey.slug(),
        survey.version(),
        survey.status.as_str()
    );
    Ok(())
}

/// Read, parse and check a definition file, resolving a CSV frame relative to it.
/// Every problem is printed on its own line before the error is returned.
fn load_definition(file: &Path) -> Result<SurveyDefinition> {
    let text = read_text(file)?;
    let parsed = parse_definition(&text).and_then(|mut definition| {
        let csv_path = definition
            .stratification
            .as_ref()
            .and_then(|s| s.frame.csv.clone());
        if let Some(csv_path) = csv_path {
            let path = file.parent().unwrap_or(Path::new(".")).join(&csv_path);
            let csv_text = read_text(&path).map_err(|e| fieldwork_survey::DefinitionErrors {
                problems: vec![fieldwork_survey::DefinitionProblem {
                    path: "stratification.frame.csv".to_owned(),
                    message: format!("{e:#}"),
                }],
            })?;
            resolve_frame_csv(&mut definition, &csv_text)?;
        }
        Ok(definition)
    });
    match parsed {
        Ok(definition) => Ok(definition),
        Err(errors) => {
            for problem in &errors.problems {
                eprintln!("{}: {problem}", file.display());
            }
            bail!("{} in {}", errors, file.display())
        }
    }
}

fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    String::from_utf8(bytes).with_context(|| format!("{} is not UTF-8 text", path.display()))
}
