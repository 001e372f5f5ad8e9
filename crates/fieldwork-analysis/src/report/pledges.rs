//! The report's pledges page: approved pledges, newest first, each with its attribution.
//!
//! The static site has it as `pledges.html`, read from the store when the site is built; the
//! server renders the same page from the store on every request at `/r/{slug}/pledges` (and
//! `pledges.html`), so a withdrawn response's pledge is gone from the served report at once.
//! That is why [`Site::published_files`](super::Site::published_files) leaves the built page
//! out of what is stored for serving.

use askama::Template;
use fieldwork_store::{Attribution, PublishedPledge};
use fieldwork_survey::SurveyDefinition;

use super::words::{PageUi, ReportLanguage};
use crate::AnalysisError;

/// The page's path in the site.
pub const PLEDGES_PAGE: &str = "pledges.html";

/// How a pledge is attributed when no sector may be named, in English (the report's
/// catalogue has it as `report-pledges-anonymous` in every language).
pub const PUBLIC_SECTOR_LEADER: &str = "A public sector leader";

/// The attribution shown with each pledge, in order.
///
/// A pledge whose respondent chose to be attributed anonymously shows
/// [`PUBLIC_SECTOR_LEADER`]. One whose respondent chose their sector shows the sector's label
/// (the stratum's option label), but only when at least `threshold` published pledges would
/// name that sector (the plan's suppression threshold); fewer, and naming the sector could
/// point at the few people who wrote them, so they show [`PUBLIC_SECTOR_LEADER`] too. Pledges
/// attributed anonymously are not counted: they name no one's sector. A pledge without a
/// stratum, or with one the survey does not offer, shows [`PUBLIC_SECTOR_LEADER`].
pub fn attributions(
    pledges: &[PublishedPledge],
    sectors: &[(String, String)],
    threshold: u32,
) -> Vec<String> {
    attributions_in(pledges, sectors, threshold, PUBLIC_SECTOR_LEADER)
}

/// [`attributions`], with `anonymous` (in the page's language) for [`PUBLIC_SECTOR_LEADER`].
fn attributions_in(
    pledges: &[PublishedPledge],
    sectors: &[(String, String)],
    threshold: u32,
    anonymous: &str,
) -> Vec<String> {
    let label = |code: &str| {
        sectors
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, label)| label.as_str())
    };
    let naming = |pledge: &PublishedPledge| match pledge.attribution {
        Attribution::Sector => pledge.stratum.as_deref().and_then(label),
        Attribution::Anonymous => None,
    };
    pledges
        .iter()
        .map(|pledge| {
            let named = naming(pledge).filter(|sector| {
                let count = pledges.iter().filter(|p| naming(p) == Some(sector)).count();
                count >= threshold as usize
            });
            named.unwrap_or(anonymous).to_owned()
        })
        .collect()
}

#[derive(Debug, Clone)]
struct PledgeView {
    text: String,
    attribution: String,
}

#[derive(Debug, Clone)]
struct QuestionPledges {
    text: String,
    pledges: Vec<PledgeView>,
}

#[derive(Template)]
#[template(path = "report/pledges.html")]
struct PledgesPage<'a> {
    ui: PageUi<'a>,
    site_title: &'a str,
    page_title: String,
    threshold: String,
    questions: Vec<QuestionPledges>,
}

/// The pledges page of survey `definition` (in the language of `words` alone:
/// `SurveyDefinition::in_language`): `pledges` (approved, newest first, as
/// `Store::published_pledges` gives them) under the publishable question each answers, with
/// the attribution [`attributions`] gives. Pledges to a question that is no longer
/// publishable are left out. The pledges are in the words their authors wrote.
pub fn pledges_page(
    definition: &SurveyDefinition,
    threshold: u32,
    pledges: &[PublishedPledge],
    words: &ReportLanguage,
) -> Result<String, AnalysisError> {
    let publishable: Vec<_> = definition.publishable_questions().collect();
    let shown: Vec<PublishedPledge> = pledges
        .iter()
        .filter(|p| publishable.iter().any(|q| q.id == p.question_id))
        .cloned()
        .collect();
    let sectors: Vec<(String, String)> = definition
        .strata()
        .iter()
        .map(|c| (c.code.clone(), c.label.to_string()))
        .collect();
    let anonymous = words.t("report-pledges-anonymous");
    let attributed = attributions_in(&shown, &sectors, threshold, &anonymous);
    let questions = publishable
        .iter()
        .map(|question| QuestionPledges {
            text: question.text.to_string(),
            pledges: shown
                .iter()
                .zip(&attributed)
                .filter(|(p, _)| p.question_id == question.id)
                .map(|(p, attribution)| PledgeView {
                    text: p.text.clone(),
                    attribution: attribution.clone(),
                })
                .collect(),
        })
        .collect();
    let page = PledgesPage {
        ui: words.ui(PLEDGES_PAGE),
        site_title: definition.title.as_str(),
        page_title: format!("{} – {}", words.t("report-pledges"), definition.title),
        threshold: threshold.to_string(),
        questions,
    };
    page.render()
        .map_err(|e| AnalysisError::Report(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pledge(attribution: Attribution, stratum: Option<&str>) -> PublishedPledge {
        PublishedPledge {
            question_id: "pledge".into(),
            text: "A pledge.".into(),
            attribution,
            stratum: stratum.map(str::to_owned),
            submitted_at: None,
        }
    }

    fn sectors() -> Vec<(String, String)> {
        [("councils", "Local government"), ("police", "Policing")]
            .iter()
            .map(|(c, l)| ((*c).to_owned(), (*l).to_owned()))
            .collect()
    }

    #[test]
    fn anonymous_pledges_never_name_a_sector() {
        let pledges = vec![pledge(Attribution::Anonymous, Some("councils")); 12];
        assert!(attributions(&pledges, &sectors(), 10)
            .iter()
            .all(|a| a == PUBLIC_SECTOR_LEADER));
    }

    #[test]
    fn a_sector_is_named_only_at_the_threshold() {
        let mut pledges = vec![pledge(Attribution::Sector, Some("councils")); 9];
        pledges.push(pledge(Attribution::Sector, Some("police")));
        // Anonymous pledges of the sector do not count towards naming it.
        pledges.extend(vec![pledge(Attribution::Anonymous, Some("councils")); 5]);
        let below = attributions(&pledges, &sectors(), 10);
        assert!(below.iter().all(|a| a == PUBLIC_SECTOR_LEADER), "{below:?}");

        pledges.push(pledge(Attribution::Sector, Some("councils")));
        let at = attributions(&pledges, &sectors(), 10);
        assert_eq!(at.iter().filter(|a| *a == "Local government").count(), 10);
        // Police's single pledge is still not named, and the anonymous ones never are.
        assert_eq!(at[9], PUBLIC_SECTOR_LEADER);
        assert_eq!(
            at.iter().filter(|a| *a == PUBLIC_SECTOR_LEADER).count(),
            1 + 5
        );
        assert_eq!(at.len(), pledges.len());
    }

    #[test]
    fn a_sector_the_survey_does_not_offer_is_never_named() {
        let pledges = vec![
            pledge(Attribution::Sector, Some("not-a-sector")),
            pledge(Attribution::Sector, None),
        ];
        assert_eq!(
            attributions(&pledges, &sectors(), 1),
            [PUBLIC_SECTOR_LEADER, PUBLIC_SECTOR_LEADER]
        );
        // With a threshold of 1 a real sector is named by its label, never its code.
        assert_eq!(
            attributions(
                &[pledge(Attribution::Sector, Some("police"))],
                &sectors(),
                1
            ),
            ["Policing"]
        );
    }
}
