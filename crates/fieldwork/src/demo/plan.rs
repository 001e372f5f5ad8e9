//! Who the synthetic respondents are: how many per stratum, and what becomes of each.

use anyhow::{bail, Result};
use fieldwork_server::tokens;
use fieldwork_store::Store;
use fieldwork_survey::{SubmittedAnswers, SurveyDefinition, SyntheticRespondents};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use super::progress::Progress;
use super::signals::StopSignal;
use super::MAX_SHARE_OF_POPULATION;
use super::PARTIAL_PERCENT;
use super::WITHDRAWN_PERCENT;

/// What becomes of a respondent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fate {
    /// Answers everything; submitted through the JSON API.
    Complete,
    /// Answers this many questions on the web form, then saves and never comes back.
    Partial(usize),
    /// Answers everything on the web form, then withdraws with the receipt code.
    Withdrawn,
}

#[derive(Debug)]
pub(super) struct Respondent {
    stratum: String,
    pub(super) answers: SubmittedAnswers,
    pub(super) fate: Fate,
    /// The invitation's token (its hash is in the store).
    pub(super) token: String,
}

/// Respondents per stratum: in proportion to the square root of its population (small strata
/// over-sampled, as a real design would), but never more than a plausible share of it.
pub(super) fn allocate(definition: &SurveyDefinition, n: usize) -> Result<Vec<(String, usize)>> {
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

pub(super) fn plan_respondents(
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
pub(super) fn invite(store: &Store, slug: &str, respondents: &[Respondent]) -> Result<()> {
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
