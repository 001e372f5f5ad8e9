//! `fieldwork survey ...` and `fieldwork db migrate`: definitions in and out of the store.

use std::path::Path;

use anyhow::{bail, Result};
use fieldwork_store::{ImportOutcome, Store, SurveyStatus};
use fieldwork_survey::{parse_definition, resolve_frame_csv, SurveyDefinition};

use crate::cli::SurveyCommand;
use crate::{accounts, open_store, read_text};

pub(crate) fn set_status(database: &str, slug: &str, status: SurveyStatus) -> Result<()> {
    let store = open_store(database)?;
    if status == SurveyStatus::Open {
        if let Some(problem) = store.latest_survey(slug)?.definition.open_refusal() {
            bail!(problem);
        }
    }
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
pub(crate) fn load_definition(file: &Path) -> Result<SurveyDefinition> {
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

pub(crate) fn run(database: &str, command: SurveyCommand) -> Result<()> {
    match command {
        SurveyCommand::Validate { file } => {
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
        SurveyCommand::Import { file } => {
            let definition = load_definition(&file)?;
            let store = open_store(database)?;
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
        SurveyCommand::List => {
            let store = open_store(database)?;
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
        SurveyCommand::Open { slug } => set_status(database, &slug, SurveyStatus::Open),
        SurveyCommand::Close { slug } => set_status(database, &slug, SurveyStatus::Closed),
        SurveyCommand::Share(args) => accounts::share(&open_store(database)?, args),
        SurveyCommand::Retention(args) => accounts::set_retention(&open_store(database)?, args),
        SurveyCommand::Delete(args) => accounts::delete_survey(&open_store(database)?, args),
        SurveyCommand::Schema => {
            let schema = fieldwork_survey::definition_json_schema();
            println!("{}", serde_json::to_string_pretty(&schema)?);
            Ok(())
        }
    }
}

pub(crate) fn migrate(database: &str) -> Result<()> {
    let store = Store::open_without_migrating(database)?;
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
