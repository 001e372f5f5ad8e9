//! `fieldwork`: the command line of the fieldwork survey platform.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
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
    /// Survey definitions: validate, import, list, open and close.
    #[command(subcommand)]
    Survey(SurveyCommand),
    /// The database itself.
    #[command(subcommand)]
    Db(DbCommand),
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
}

#[derive(Debug, Subcommand)]
enum DbCommand {
    /// Apply database migrations not yet applied (they also run whenever the database opens).
    Migrate,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // clap prints usage and help itself, with exit code 2 for usage mistakes.
            let _ = error.print();
            return ExitCode::from(error.exit_code().clamp(0, 255) as u8);
        }
    };
    init_logging();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
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

fn open_store(url: &str) -> Result<Store> {
    Ok(Store::open(url)?)
}

fn set_status(database: &str, slug: &str, status: SurveyStatus) -> Result<()> {
    let store = open_store(database)?;
    let survey = store.set_survey_status(slug, status)?;
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
