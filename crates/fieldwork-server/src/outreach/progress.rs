//! How far a survey's outreach has got, per stratum: what the survey page, the API and
//! `fieldwork invitations status` all show.

use fieldwork_store::{Store, StoreError};
use serde::Serialize;

/// One stratum's outreach and response rates.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct StratumOutreachRates {
    pub stratum: String,
    /// The stratum's population in the survey's frame (0 when the frame has none).
    pub frame: u64,
    pub contacts: i64,
    /// Contacts whose invitation the mail server accepted.
    pub sent: i64,
    /// Contacts whose invitation failed.
    pub failed: i64,
    pub reminders_sent: i64,
    pub opted_out: i64,
    /// Contacts who began answering through their invitation.
    pub started: i64,
    /// Contacts whose response is complete.
    pub completed: i64,
    /// Complete responses in the stratum, however they came (invitations, links, imports).
    pub completed_all: i64,
    /// `completed_all` over `frame`, as a fraction (absent without a frame).
    pub rate_of_frame: Option<f64>,
    /// `completed` over `contacts`, as a fraction (absent without contacts).
    pub rate_of_contacts: Option<f64>,
}

/// Every stratum of survey `slug` that has contacts or a frame figure.
pub fn outreach_rates(store: &Store, slug: &str) -> Result<Vec<StratumOutreachRates>, StoreError> {
    let survey = store.latest_survey(slug)?;
    let population = survey
        .definition
        .stratification
        .as_ref()
        .map(|s| s.frame.population.clone())
        .unwrap_or_default();
    let counts = store.count_responses(slug)?;
    let outreach = store.outreach_by_stratum(slug)?;
    let strata: Vec<String> = survey
        .definition
        .strata()
        .iter()
        .map(|c| c.code.clone())
        .collect();
    let mut rows = Vec::new();
    for stratum in strata {
        let frame = population.get(&stratum).copied().unwrap_or(0);
        let found = outreach
            .iter()
            .find(|o| o.stratum == stratum)
            .cloned()
            .unwrap_or_default();
        if frame == 0 && found.contacts == 0 {
            continue;
        }
        let completed_all: i64 = counts
            .iter()
            .filter(|c| c.complete && c.stratum.as_deref() == Some(stratum.as_str()))
            .map(|c| c.count)
            .sum();
        rows.push(StratumOutreachRates {
            rate_of_frame: (frame > 0).then(|| completed_all as f64 / frame as f64),
            rate_of_contacts: (found.contacts > 0)
                .then(|| found.completed as f64 / found.contacts as f64),
            stratum,
            frame,
            contacts: found.contacts,
            sent: found.sent,
            failed: found.failed,
            reminders_sent: found.reminders_sent,
            opted_out: found.opted_out,
            started: found.started,
            completed: found.completed,
            completed_all,
        });
    }
    Ok(rows)
}

/// A fraction as the pages and the CLI show it: `42.5%`, or a dash when there is none.
pub fn percent(rate: Option<f64>) -> String {
    rate.map(|r| format!("{:.1}%", r * 100.0))
        .unwrap_or_else(|| "–".to_owned())
}
