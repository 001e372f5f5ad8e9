//! The one rule about invited respondents' answers: an invitation is for one stratum, and the
//! response's stratum comes from it, never from what was answered.

use serde_json::Value;

use crate::{SubmittedAnswers, SurveyDefinition};

/// Set the stratum question's answer in `answers` to the invitation's `stratum` (a survey
/// without strata is left alone). Returns the different stratum that had been answered, if any,
/// for a caller that refuses such a response rather than correcting it; an empty answer is no
/// answer.
pub fn fix_invited_stratum(
    definition: &SurveyDefinition,
    stratum: &str,
    answers: &mut SubmittedAnswers,
) -> Option<String> {
    let question = &definition.stratification.as_ref()?.question;
    let given = answers
        .get(question)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|given| !given.is_empty() && *given != stratum)
        .map(str::to_owned);
    answers.insert(question.clone(), Value::String(stratum.to_owned()));
    given
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_definition;

    fn definition() -> SurveyDefinition {
        parse_definition(include_str!(
            "../../../fixtures/surveys/digital-leadership.json"
        ))
        .unwrap()
    }

    #[test]
    fn the_invitation_sets_the_stratum_and_reports_a_different_answer() {
        let definition = definition();
        let question = definition.stratification.as_ref().unwrap().question.clone();
        let mut answers = SubmittedAnswers::new();
        assert_eq!(
            fix_invited_stratum(&definition, "police", &mut answers),
            None
        );
        assert_eq!(answers[&question], "police");
        for same in ["police", " police ", ""] {
            answers.insert(question.clone(), Value::String(same.into()));
            assert_eq!(
                fix_invited_stratum(&definition, "police", &mut answers),
                None
            );
        }
        answers.insert(question.clone(), Value::String("schools".into()));
        assert_eq!(
            fix_invited_stratum(&definition, "police", &mut answers),
            Some("schools".into())
        );
        assert_eq!(answers[&question], "police", "corrected all the same");
    }
}
