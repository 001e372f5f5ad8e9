//! `fieldwork export` and `fieldwork responses import`.

use std::io::{BufReader, BufWriter, Read, Write as _};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use chrono::NaiveDateTime;
use fieldwork_analysis::export::{export, parse_since, ExportFormat, ExportOptions, ExportSummary};
use fieldwork_store::{InsertOutcome, NewResponse, Store};
use fieldwork_survey::{read_wide_csv, Labels};
use sha2::{Digest, Sha256};

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The survey's slug.
    #[arg(long)]
    survey: String,
    /// csv-wide, csv-long, parquet, codebook, codebook-json, r, stata or spss.
    #[arg(long, value_parser = parse_format)]
    format: ExportFormat,
    /// Coded answers as option codes or as the labels respondents saw.
    #[arg(long, value_enum, default_value = "codes")]
    labels: LabelsArg,
    /// Only this stratum (an option code of the stratum question).
    #[arg(long)]
    stratum: Option<String>,
    /// Only responses submitted on or after this date (YYYY-MM-DD, UTC) or time (RFC 3339).
    #[arg(long, value_parser = parse_since)]
    since: Option<NaiveDateTime>,
    /// Include partial (unfinished) responses, with a `complete` column.
    #[arg(long)]
    include_partial: bool,
    /// Include free text of questions marked sensitive. Only for researchers allowed to see it.
    #[arg(long)]
    include_sensitive: bool,
    /// Begin CSV output with a UTF-8 byte-order mark, so that Excel reads it as UTF-8.
    #[arg(long)]
    bom: bool,
    /// For r, stata and spss: the csv-wide file the syntax reads (default: --out with .csv).
    #[arg(long)]
    data: Option<PathBuf>,
    /// The file to write, or `-` for standard output (the summary line then goes to
    /// standard error).
    #[arg(long)]
    out: PathBuf,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum LabelsArg {
    Codes,
    Text,
}

fn parse_format(name: &str) -> Result<ExportFormat, String> {
    ExportFormat::parse(name).ok_or_else(|| {
        let names: Vec<&str> = ExportFormat::ALL.iter().map(|(_, n)| *n).collect();
        format!("use one of {}", names.join(", "))
    })
}

#[derive(Debug, clap::Subcommand)]
pub enum ResponsesCommand {
    /// Import responses from a wide CSV (one row per response, columns named by question id).
    /// Every row is checked first; a file with any problem imports nothing.
    Import {
        /// The survey's slug; rows are checked against its open version (else its latest).
        #[arg(long)]
        survey: String,
        /// The CSV file.
        file: PathBuf,
    },
}

pub fn run_export(database: &str, args: ExportArgs) -> Result<()> {
    let to_stdout = args.out.as_os_str() == "-";
    let syntax = matches!(
        args.format,
        ExportFormat::R | ExportFormat::Stata | ExportFormat::Spss
    );
    if to_stdout && syntax && args.data.is_none() {
        bail!(
            "with --out -, name the csv-wide file the {} syntax reads with --data",
            args.format.name()
        );
    }
    let store = Store::open(database)?;
    let data_file = args
        .data
        .clone()
        .unwrap_or_else(|| args.out.with_extension("csv"));
    let options = ExportOptions {
        format: args.format,
        labels: match args.labels {
            LabelsArg::Codes => Labels::Codes,
            LabelsArg::Text => Labels::Text,
        },
        stratum: args.stratum.clone(),
        since: args.since,
        include_partial: args.include_partial,
        include_sensitive: args.include_sensitive,
        bom: args.bom,
        data_file: data_file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| data_file.display().to_string()),
    };
    if to_stdout {
        let mut writer = BufWriter::with_capacity(256 * 1024, std::io::stdout().lock());
        let summary = export(&store, &args.survey, &options, &mut writer)?;
        writer
            .flush()
            .context("cannot write the export to standard output")?;
        eprintln!("{}", done(&args, &summary, "standard output"));
        return Ok(());
    }
    // Written beside the target and renamed into place, so a failed export leaves no
    // half-written file behind.
    let mut partial = args.out.clone().into_os_string();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let written = write_export(&store, &args.survey, &options, &partial);
    let summary = match written {
        Ok(summary) => summary,
        Err(error) => {
            let _ = std::fs::remove_file(&partial);
            return Err(error);
        }
    };
    std::fs::rename(&partial, &args.out)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    println!("{}", done(&args, &summary, &args.out.display().to_string()));
    Ok(())
}

/// What an export wrote, and where.
fn done(args: &ExportArgs, summary: &ExportSummary, to: &str) -> String {
    match args.format {
        ExportFormat::CsvWide
        | ExportFormat::CsvLong
        | ExportFormat::Parquet
        | ExportFormat::Sav
        | ExportFormat::Dta => format!(
            "exported {} responses of `{}` as {} to {to} ({} bytes)",
            summary.responses,
            args.survey,
            args.format.name(),
            summary.bytes
        ),
        _ => format!(
            "wrote the {} of `{}` to {to}",
            args.format.name(),
            args.survey
        ),
    }
}

fn write_export(
    store: &Store,
    slug: &str,
    options: &ExportOptions,
    path: &Path,
) -> Result<fieldwork_analysis::export::ExportSummary> {
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
    let mut writer = BufWriter::with_capacity(256 * 1024, file);
    let summary = export(store, slug, options, &mut writer)?;
    let file = writer
        .into_inner()
        .map_err(|e| e.into_error())
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.sync_all()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(summary)
}

pub fn run_responses(database: &str, command: ResponsesCommand) -> Result<()> {
    match command {
        ResponsesCommand::Import { survey, file } => import(database, &survey, &file),
    }
}

fn import(database: &str, slug: &str, file: &Path) -> Result<()> {
    let store = Store::open(database)?;
    let survey = store.current_survey(slug)?;
    let digest = file_digest(file)?;
    let reader =
        std::fs::File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
    let rows = match read_wide_csv(
        &survey.definition,
        BufReader::with_capacity(256 * 1024, reader),
    ) {
        Ok(rows) => rows,
        Err(errors) => {
            for problem in &errors.problems {
                eprintln!("{}: {problem}", file.display());
            }
            let listed = if errors.total > errors.problems.len() {
                format!(" (the first {} are listed)", errors.problems.len())
            } else {
                String::new()
            };
            bail!(
                "{} problem{} in {}{listed}; nothing was imported",
                errors.total,
                if errors.total == 1 { "" } else { "s" },
                file.display()
            );
        }
    };
    // A row's key is its file's digest and its row number: importing the same file again
    // stores nothing twice.
    let keys: Vec<String> = rows
        .iter()
        .map(|r| {
            let mut hash = Sha256::new();
            hash.update(b"fieldwork responses import\n");
            hash.update(digest.as_bytes());
            hash.update(format!("\n{}", r.row).as_bytes());
            format!("{:x}", hash.finalize())
        })
        .collect();
    if let Some(existing) = store.response_by_key(slug, &keys[0])? {
        bail!(
            "{} was imported into `{slug}` before (its row {} is response {}); nothing was imported",
            file.display(),
            rows[0].row,
            existing.public_id
        );
    }
    let batch: Vec<NewResponse<'_>> = rows
        .iter()
        .zip(&keys)
        .map(|(row, key)| NewResponse {
            response: &row.response,
            submission_key: key,
        })
        .collect();
    let outcomes = store.insert_responses(&survey, &batch)?;
    let inserted = outcomes
        .iter()
        .filter(|o| matches!(o, InsertOutcome::Inserted { .. }))
        .count();
    let partial = rows
        .iter()
        .filter(|r| r.response.completeness() == fieldwork_survey::Completeness::Partial)
        .count();
    println!(
        "imported {inserted} responses ({partial} partial) into `{slug}` version {} from {}",
        survey.version(),
        file.display()
    );
    if inserted < rows.len() {
        println!(
            "{} rows were stored already by an earlier import of the same file",
            rows.len() - inserted
        );
    }
    Ok(())
}

/// SHA-256 of a file, in hex.
fn file_digest(path: &Path) -> Result<String> {
    let mut file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut hash = Sha256::new();
    let mut buffer = vec![0u8; 256 * 1024];
    loop {
        let n = file
            .read(&mut buffer)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if n == 0 {
            break;
        }
        hash.update(&buffer[..n]);
    }
    Ok(format!("{:x}", hash.finalize()))
}
