//! `fieldwork survey ...` and `fieldwork db migrate`: definitions in and out of the store.

use std::path::Path;

use std::io::Write;

use anyhow::{anyhow, bail, Context, Result};
use fieldwork_store::{ImportOutcome, Store, SurveyStatus};
use fieldwork_survey::{parse_definition, resolve_frame_csv, DefinitionErrors, SurveyDefinition};
use fieldwork_xlsform::{read_xlsform, write_xlsform, ImportOptions};

use crate::cli::{SurveyCommand, XlsFormArgs};
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

/// Read, parse and check a definition file (JSON, or an XLSForm workbook), resolving a CSV
/// frame: a JSON definition's relative to it, an XLSForm's `--frame` as given.
/// Every problem is printed on its own line before the error is returned.
fn load_definition(file: &Path, xlsform: &XlsFormArgs) -> Result<SurveyDefinition> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let is_workbook = fieldwork_xlsform::looks_like_workbook(&bytes);
    if !is_workbook && (xlsform.stratum.is_some() || xlsform.frame.is_some()) {
        bail!(
            "--stratum and --frame are for XLSForm workbooks; a JSON definition states its \
             stratification itself (docs/survey-format.md)"
        );
    }
    let parsed = if is_workbook {
        let options = ImportOptions {
            file_stem: file.file_stem().map(|s| s.to_string_lossy().into_owned()),
            stratum: xlsform.stratum.clone(),
            frame_csv: xlsform.frame.as_ref().map(|p| p.display().to_string()),
        };
        read_xlsform(&bytes, &options).map_err(DefinitionErrors::from)
    } else {
        let text = String::from_utf8(bytes).with_context(|| {
            format!(
                "{} is not UTF-8 text: neither a JSON definition nor an .xlsx workbook",
                file.display()
            )
        })?;
        parse_definition(&text)
    };
    let parsed = parsed.and_then(|mut definition| {
        let csv_path = definition
            .stratification
            .as_ref()
            .and_then(|s| s.frame.csv.clone());
        if let Some(csv_path) = csv_path {
            let path = if is_workbook {
                Path::new(&csv_path).to_path_buf()
            } else {
                file.parent().unwrap_or(Path::new(".")).join(&csv_path)
            };
            let csv_text = read_text(&path).map_err(|e| DefinitionErrors {
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

/// `fieldwork survey export`: a stored definition as an XLSForm workbook or as JSON.
fn export_definition(
    database: &str,
    slug: &str,
    format: &str,
    out: &Path,
    version: Option<u32>,
) -> Result<()> {
    let store = open_store(database)?;
    let survey = match version {
        Some(version) => store.survey_version(slug, version)?,
        None => store.latest_survey(slug)?,
    };
    let definition = &survey.definition;
    let bytes = match format {
        "json" => definition.to_canonical_json().into_bytes(),
        _ => write_xlsform(definition)
            .map_err(|e| anyhow!("the workbook could not be written: {e}"))?,
    };
    // Written beside the target and renamed, so that a failure leaves no half-written file.
    let directory = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temporary = tempfile::NamedTempFile::new_in(directory)
        .with_context(|| format!("cannot write in {}", directory.display()))?;
    temporary.write_all(&bytes)?;
    temporary
        .persist(out)
        .with_context(|| format!("cannot write {}", out.display()))?;
    println!(
        "wrote `{}` version {} to {} ({format})",
        definition.slug,
        definition.version,
        out.display()
    );
    Ok(())
}

pub(crate) fn run(database: &str, command: SurveyCommand) -> Result<()> {
    match command {
        SurveyCommand::Validate { file, xlsform } => {
            let definition = load_definition(&file, &xlsform)?;
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
        SurveyCommand::Import { file, xlsform } => {
            let definition = load_definition(&file, &xlsform)?;
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
        SurveyCommand::Export {
            slug,
            format,
            out,
            version,
        } => export_definition(database, &slug, &format, &out, version),
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
