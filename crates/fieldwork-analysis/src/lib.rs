#![doc = include_str!("../README.md")]

use fieldwork_store::{Store, StoreError};

/// Responses and the population of one stratum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StratumResponses {
    pub stratum: String,
    pub label: String,
    /// Size of the stratum in the population frame.
    pub population: u64,
    pub complete: i64,
    pub partial: i64,
    pub invited: i64,
}

/// Fieldwork progress of a survey: responses and invitations per stratum, in the stratum
/// question's order, against the population frame of the survey's latest version.
pub fn fieldwork_progress(store: &Store, slug: &str) -> Result<Vec<StratumResponses>, StoreError> {
    let survey = store.latest_survey(slug)?;
    let counts = store.count_responses(slug)?;
    let invitations = store.count_invitations(slug)?;
    let population = survey
        .definition
        .stratification
        .as_ref()
        .map(|s| s.frame.population.clone())
        .unwrap_or_default();
    Ok(survey
        .definition
        .strata()
        .into_iter()
        .map(|choice| {
            let count = |complete: bool| {
                counts
                    .iter()
                    .filter(|c| {
                        c.complete == complete && c.stratum.as_deref() == Some(&choice.code)
                    })
                    .map(|c| c.count)
                    .sum()
            };
            StratumResponses {
                stratum: choice.code.clone(),
                label: choice.label.clone(),
                population: population.get(&choice.code).copied().unwrap_or(0),
                complete: count(true),
                partial: count(false),
                invited: invitations
                    .iter()
                    .filter(|(s, _, _)| s == &choice.code)
                    .map(|(_, sent, _)| *sent)
                    .sum(),
            }
        })
        .collect())
}
