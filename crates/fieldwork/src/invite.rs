//! `fieldwork invite`: single-use invitation links for a stratum, as CSV.

use anyhow::{bail, Context, Result};

use crate::cli::InviteArgs;
use crate::open_store;

/// Largest batch of invitations made at once.
pub(crate) const MAX_INVITATIONS: u32 = 1_000_000;

pub(crate) fn invite(database: &str, args: InviteArgs) -> Result<()> {
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
    if let Some(language) = args.language.as_deref() {
        if !survey.definition.speaks(language) {
            bail!(
                "survey `{}` is not in `{language}`: use one of its languages, {}",
                args.survey,
                survey.definition.languages().join(", ")
            );
        }
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
    let language = args.language.as_deref();
    if let Err(error) = store.create_invitations_in(&args.survey, &args.stratum, language, &hashes)
    {
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
