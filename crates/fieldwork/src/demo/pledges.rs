//! Some synthetic respondents choose to publish their pledge, and the researcher approves most
//! of them, so the published report has a pledges page and the moderation queue has a few
//! waiting. Straight through the store: the choice a respondent makes on the pledge's page
//! and the moderator's buttons end in the same calls.

use anyhow::Result;
use fieldwork_store::{Attribution, PledgeChoice, PledgeStatus, ResponseFilter, Store, CLI_ACTOR};
use fieldwork_survey::SurveyDefinition;

/// One respondent in this many of those who wrote a pledge chooses to publish it.
const ONE_IN: usize = 4;
/// At most this many pledges are chosen for publishing.
const MOST: usize = 60;
/// The newest this many stay in the queue, for whoever tries the moderation pages.
const LEFT_WAITING: usize = 6;

/// Who chooses to publish, and how: every [`ONE_IN`]th respondent who answered a publishable
/// question, one in three of them anonymously, the others with their sector.
fn choices(
    definition: &SurveyDefinition,
    responses: &[(i64, String)],
) -> Vec<(i64, String, Attribution)> {
    let questions: Vec<&str> = definition
        .publishable_questions()
        .map(|q| q.id.as_str())
        .collect();
    responses
        .iter()
        .filter_map(|(id, answers)| {
            let answers: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(answers).ok()?;
            let question = questions.iter().find(|q| {
                answers
                    .get(**q)
                    .and_then(|a| a.as_str())
                    .is_some_and(|text| !text.trim().is_empty())
            })?;
            Some((*id, (*question).to_owned()))
        })
        .step_by(ONE_IN)
        .take(MOST)
        .enumerate()
        .map(|(i, (id, question))| {
            let attribution = if i % 3 == 0 {
                Attribution::Anonymous
            } else {
                Attribution::Sector
            };
            (id, question, attribution)
        })
        .collect()
}

/// Make the choices and approve all but the newest [`LEFT_WAITING`]; prints what it did.
pub(super) fn publish_pledges(store: &Store, definition: &SurveyDefinition) -> Result<()> {
    let slug = &definition.slug;
    let responses: Vec<(i64, String)> = store
        .load_responses(slug, &ResponseFilter::default())?
        .into_iter()
        .map(|r| (r.id, r.answers))
        .collect();
    let chosen = choices(definition, &responses);
    if chosen.is_empty() {
        return Ok(());
    }
    for (response_id, question_id, attribution) in &chosen {
        store.choose_pledge(PledgeChoice {
            response_id: *response_id,
            question_id,
            publish: Some(*attribution),
        })?;
    }
    let pending = store.pending_pledges(slug)?;
    let mut approved = 0;
    for pledge in pending.iter().skip(LEFT_WAITING) {
        if store.decide_pledge(slug, pledge.id, PledgeStatus::Approved, CLI_ACTOR, None)? {
            approved += 1;
        }
    }
    println!(
        "  {} respondents chose to publish their pledge: {approved} approved, {} left for moderation",
        chosen.len(),
        pending.len() - approved.min(pending.len())
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn some_pledges_are_chosen_some_anonymously() {
        let definition = crate::fixtures::digital_leadership().unwrap();
        let responses: Vec<(i64, String)> = (0..1000)
            .map(|i| {
                let answers = if i % 2 == 0 {
                    serde_json::json!({"pledge": format!("Pledge {i}")})
                } else {
                    serde_json::json!({"sector": "schools"})
                };
                (i, answers.to_string())
            })
            .collect();
        let chosen = choices(&definition, &responses);
        assert_eq!(chosen.len(), MOST);
        assert!(chosen
            .iter()
            .all(|(id, question, _)| id % 2 == 0 && question == "pledge"));
        let anonymous = chosen
            .iter()
            .filter(|(_, _, a)| *a == Attribution::Anonymous)
            .count();
        assert_eq!(anonymous, MOST / 3);
    }
}
