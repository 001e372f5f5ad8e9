//! The command line's shape: every command, its arguments and their help, apart from what the
//! commands do (ripgrep keeps its flags apart from `main` the same way).

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use fieldwork_store::DEFAULT_DATABASE_URL;

use crate::{accounts, bench_all, demo, export, outreach, responses};

#[derive(Debug, Parser)]
#[command(
    name = "fieldwork",
    version,
    about = "Run research surveys end to end: define, field, analyse, export."
)]
pub(crate) struct Cli {
    /// Database URL: sqlite://PATH (created if missing) or postgres://USER@HOST/DB.
    #[arg(long, global = true, env = "FIELDWORK_DATABASE_URL", default_value = DEFAULT_DATABASE_URL, hide_env_values = true)]
    pub(crate) database: String,

    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
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
    /// A survey's contacts, the people it invites by email: import, delete.
    #[command(subcommand)]
    Contacts(outreach::ContactsCommand),
    /// Email contacts their invitations and reminders, and follow the response rate.
    #[command(subcommand)]
    Invitations(outreach::InvitationsCommand),
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
    Responses(responses::ResponsesCommand),
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
pub(crate) struct AnalyzeArgs {
    /// The survey's slug.
    #[arg(long)]
    pub(crate) survey: String,
    /// The analysis plan (TOML); by default every question but free text, threshold 10.
    #[arg(long)]
    pub(crate) plan: Option<PathBuf>,
    /// Directory to write estimates.csv, estimates.json, tests.csv and response_rates.csv to.
    #[arg(long)]
    pub(crate) out: PathBuf,
}

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("action").required(true).args(["out", "publish", "unpublish"]).multiple(true)))]
pub(crate) struct ReportArgs {
    /// The survey's slug.
    #[arg(long)]
    pub(crate) survey: String,
    /// The analysis plan (TOML); by default every question but free text, threshold 10.
    #[arg(long, conflicts_with = "unpublish")]
    pub(crate) plan: Option<PathBuf>,
    /// Directory to write the site to: index.html, a page per question, charts (SVG and
    /// PNG), the CSV behind every chart and table.
    #[arg(long, conflicts_with = "unpublish")]
    pub(crate) out: Option<PathBuf>,
    /// Store the report in the database, so `fieldwork serve` serves it at /r/SLUG/
    /// (replacing any report published before).
    #[arg(long, conflicts_with = "unpublish")]
    pub(crate) publish: bool,
    /// Build the report in this language alone (a language the survey speaks, such as
    /// `cy`). By default a survey in several languages gets them all: its default language
    /// at the site's root and each other in a folder named by its code (`cy/index.html`).
    #[arg(long, value_name = "CODE", conflicts_with = "unpublish")]
    pub(crate) language: Option<String>,
    /// Take the survey's published report down.
    #[arg(long)]
    pub(crate) unpublish: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum BenchCommand {
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
    /// HTTP ingest through nginx into one and into two `fieldwork serve` processes on one
    /// PostgreSQL database (--database postgres://...), against one server without the
    /// proxy, measured in the same run.
    Proxy {
        /// Responses to post in each of the three passes.
        #[arg(long, default_value_t = 20_000)]
        responses: usize,
        /// Requests in flight at once.
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        /// Seed for the synthetic respondents.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The nginx binary.
        #[arg(long, default_value = "/usr/sbin/nginx")]
        nginx: PathBuf,
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
pub(crate) struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "FIELDWORK_BIND")]
    pub(crate) bind: String,
    /// Public base URL for links the server writes (resume links), e.g. https://survey.example.org.
    #[arg(long, env = "FIELDWORK_PUBLIC_URL")]
    pub(crate) public_url: Option<String>,
    /// Mark cookies Secure: use when served over TLS (behind a proxy that terminates it).
    #[arg(long)]
    pub(crate) secure_cookies: bool,
    /// Form and API writes allowed per second from one client address (0: no limit).
    #[arg(long, default_value_t = 5.0)]
    pub(crate) rate_limit: f64,
    /// Worker threads (default: one per core).
    #[arg(long)]
    pub(crate) workers: Option<usize>,
    /// A reverse proxy (address or CIDR block, repeatable) whose X-Forwarded-For (or
    /// Forwarded) names the client, for the rate limit, sign-in throttling and the audit log.
    #[arg(
        long = "trusted-proxy",
        value_name = "CIDR",
        env = "FIELDWORK_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub(crate) trusted_proxies: Vec<String>,
    /// The header the trusted proxies set: x-forwarded-for or forwarded (RFC 7239).
    #[arg(long, default_value = "x-forwarded-for")]
    pub(crate) client_address_header: fieldwork_server::ForwardedHeader,
    /// Also serve /metrics (and nothing else) on this address, without a token. To serve it on
    /// the main address too, to `Authorization: Bearer TOKEN`, set FIELDWORK_METRICS_TOKEN
    /// (24+ characters; the environment only, so that it never shows in the process list).
    #[arg(long, env = "FIELDWORK_METRICS_BIND")]
    pub(crate) metrics_bind: Option<String>,
    /// The mail server for invitations and reminders sent from the admin pages
    /// (docs/email.md); without a host, email is off.
    #[command(flatten)]
    pub(crate) mail: outreach::MailArgs,
}

#[derive(Debug, clap::Args)]
pub(crate) struct InviteArgs {
    /// The survey's slug.
    #[arg(long)]
    pub(crate) survey: String,
    /// The stratum (an option code of the survey's stratum question) the invitees belong to.
    #[arg(long)]
    pub(crate) stratum: String,
    /// How many invitations to make.
    #[arg(long)]
    pub(crate) count: u32,
    /// The language the invitees' pages open in: one of the survey's languages (default:
    /// the language their browser asks for).
    #[arg(long)]
    pub(crate) language: Option<String>,
    /// The CSV file to write: one row per invitation, with its link.
    #[arg(long)]
    pub(crate) out: PathBuf,
    /// Base URL of the survey service, for the links.
    #[arg(
        long,
        default_value = "http://127.0.0.1:8080",
        env = "FIELDWORK_PUBLIC_URL"
    )]
    pub(crate) base_url: String,
}

#[derive(Debug, Subcommand)]
pub(crate) enum SurveyCommand {
    /// Check a definition (JSON, or an XLSForm .xlsx) and report every problem in it, each
    /// with its JSON path or its sheet, row and column.
    Validate {
        file: PathBuf,
        #[command(flatten)]
        xlsform: XlsFormArgs,
    },
    /// Store a definition (JSON, or an XLSForm .xlsx): a new survey, or a new version of an
    /// existing one.
    Import {
        file: PathBuf,
        #[command(flatten)]
        xlsform: XlsFormArgs,
    },
    /// Write a survey's definition out: as an XLSForm workbook (docs/xlsform.md) or as JSON.
    Export {
        slug: String,
        /// xlsform (an .xlsx workbook) or json (the canonical definition).
        #[arg(long, default_value = "xlsform", value_parser = ["xlsform", "json"])]
        format: String,
        /// The file to write (it is replaced if it exists).
        #[arg(long)]
        out: PathBuf,
        /// Which version (default: the latest).
        #[arg(long)]
        version: Option<u32>,
    },
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

/// What an XLSForm may leave to the command line (docs/xlsform.md, "Strata and frame").
#[derive(Debug, clap::Args)]
pub(crate) struct XlsFormArgs {
    /// The stratum question (a select_one whose options are the strata), when the workbook
    /// marks none with `stratum` in its fieldwork column. XLSForm only.
    #[arg(long)]
    pub(crate) stratum: Option<String>,
    /// A population frame CSV (`stratum,population,source`) in place of the choices sheet's
    /// population column. XLSForm only.
    #[arg(long)]
    pub(crate) frame: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum DbCommand {
    /// Apply database migrations not yet applied (they also run whenever the database opens).
    Migrate,
    /// Copy a live SQLite database consistently (while a server keeps writing), checked.
    /// PostgreSQL: use pg_dump (docs/operations.md).
    Backup {
        /// The file to write; must not exist.
        #[arg(long)]
        out: PathBuf,
    },
    /// Put an SQLite backup in place of the database. Refuses while anything has the
    /// database open: stop the server first.
    Restore {
        /// The backup file (made by `fieldwork db backup`).
        #[arg(long)]
        from: PathBuf,
        /// Overwrite the database if it exists.
        #[arg(long)]
        replace: bool,
    },
}
