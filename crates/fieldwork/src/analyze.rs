//! `fieldwork analyze` and `fieldwork report`: the estimates, and the report built and published from them.

use anyhow::{Context, Result};
use fieldwork_store::Store;

use crate::cli::{AnalyzeArgs, ReportArgs};
use crate::{open_store, read_text};

pub(crate) fn analyze(database: &str, args: AnalyzeArgs) -> Result<()> {
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

pub(crate) fn report(database: &str, args: ReportArgs) -> Result<()> {
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
    let site = fieldwork_analysis::report::report(
        &store,
        &args.survey,
        &plan,
        plan_file.as_deref(),
        args.language.as_deref(),
    )?;
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
pub(crate) fn publish_site(
    store: &Store,
    slug: &str,
    site: &fieldwork_analysis::report::Site,
) -> Result<i64> {
    let files: Vec<fieldwork_store::NewReportFile<'_>> = site
        .published_files()
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
