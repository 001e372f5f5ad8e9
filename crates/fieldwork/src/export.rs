//! `fieldwork export`.

use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use chrono::NaiveDateTime;
use fieldwork_analysis::export::{export, parse_since, ExportFormat, ExportOptions, ExportSummary};
use fieldwork_store::Store;
use fieldwork_survey::Labels;

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
    /// The language of labels (variable and value labels, answers as text): one of the
    /// survey's languages (default: its first).
    #[arg(long)]
    language: Option<String>,
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
        language: args.language.clone(),
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
