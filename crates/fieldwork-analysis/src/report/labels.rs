//! How an estimate row reads to a person: the question or statement it is about, the answer
//! in the words respondents saw, and the figure in its unit. The static report and the admin
//! draft report both use these, so the two read alike. The words of a summary row and of a
//! net score's unit are the report's (`report-answer-*`, `report-points`), in the language of
//! `words`; the admin pages pass English.

use fieldwork_survey::{Messages, QuestionKind, SurveyDefinition};

/// How an estimate reads in a table: shares as percentages to one decimal, a net score in
/// percentage points, means and quartiles as numbers.
pub fn display_estimate(option: &str, value: f64, words: &Messages) -> String {
    match option {
        "_net" => words.with(
            "report-points",
            &[("value", format!("{:+.1}", value * 100.0).into())],
        ),
        "_mean" | "_scale_mean" | "_median" | "_q1" | "_q3" => format!("{value:.2}"),
        _ => format!("{:.1}%", value * 100.0),
    }
}

/// The answer an estimate is of: the option's label, or what a summary row (`_mean`, ...)
/// measures. An unknown code is shown as it is.
pub fn answer_label(
    definition: &SurveyDefinition,
    variable: &str,
    option: &str,
    words: &Messages,
) -> String {
    let summary = match option {
        "_positive" => Some("report-answer-positive"),
        "_negative" => Some("report-answer-negative"),
        "_net" => Some("report-answer-net"),
        "_mean" => Some("report-answer-mean"),
        "_scale_mean" => Some("report-answer-scale-mean"),
        "_median" => Some("report-answer-median"),
        "_q1" => Some("report-answer-q1"),
        "_q3" => Some("report-answer-q3"),
        _ => None,
    };
    if let Some(id) = summary {
        return words.get(id);
    }
    let question = variable.split('.').next().unwrap_or(variable);
    definition
        .question(question)
        .and_then(|q| q.choices().find(|c| c.code == option))
        .map_or_else(|| option.to_owned(), |c| c.label.to_string())
}

/// The question an estimate's variable is (`question`), or a grid's statement
/// (`question.item`) after its question. An unknown id is shown as it is.
pub fn variable_label(definition: &SurveyDefinition, variable: &str) -> String {
    let (question_id, item_id) = match variable.split_once('.') {
        Some((question, item)) => (question, Some(item)),
        None => (variable, None),
    };
    let Some(question) = definition.question(question_id) else {
        return variable.to_owned();
    };
    let item = match (&question.kind, item_id) {
        (QuestionKind::LikertGrid { items, .. }, Some(item_id)) => {
            items.iter().find(|i| i.id == item_id)
        }
        _ => None,
    };
    match item {
        Some(item) => format!("{}: {}", question.text, item.text),
        None => question.text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn definition() -> SurveyDefinition {
        fieldwork_survey::parse_definition(include_str!(
            "../../../../fixtures/surveys/digital-leadership.json"
        ))
        .unwrap()
    }

    #[test]
    fn rows_read_in_the_words_respondents_saw() {
        let definition = definition();
        let english = Messages::english();
        assert_eq!(
            variable_label(&definition, "sector"),
            "Which part of the public sector do you lead in?"
        );
        let statement = variable_label(&definition, "behaviours.users");
        assert!(statement.starts_with("How far do you agree with each statement"));
        assert!(statement
            .ends_with(": We focus relentlessly on the needs of the people who use our services"));
        assert_eq!(
            answer_label(&definition, "sector", "councils", &english),
            "Local government"
        );
        assert_eq!(
            answer_label(
                &definition,
                "behaviours.users",
                "strongly_disagree",
                &english
            ),
            "Strongly disagree"
        );
        assert_eq!(
            answer_label(&definition, "behaviours.users", "_net", &english),
            "Net (positive − negative)"
        );
        // Ids the definition does not have are shown as they are, not dropped.
        assert_eq!(variable_label(&definition, "gone.item"), "gone.item");
        assert_eq!(
            answer_label(&definition, "sector", "gone", &english),
            "gone"
        );
        // In Welsh: the survey's words from the definition in Welsh, the report's own from
        // the catalogue.
        let welsh = Messages::new("cy");
        let cymraeg = definition.in_language("cy");
        assert_ne!(
            answer_label(&cymraeg, "sector", "councils", &welsh),
            "Local government"
        );
        assert_eq!(
            answer_label(&cymraeg, "behaviours.users", "_mean", &welsh),
            "Cymedr"
        );
    }

    #[test]
    fn figures_read_in_their_units() {
        let english = Messages::english();
        assert_eq!(display_estimate("yes", 0.4567, &english), "45.7%");
        assert_eq!(display_estimate("_positive", 0.5, &english), "50.0%");
        assert_eq!(display_estimate("_net", -0.125, &english), "-12.5 pts");
        assert_eq!(display_estimate("_mean", 3.21987, &english), "3.22");
        let welsh = Messages::new("cy");
        assert_eq!(display_estimate("_net", 0.125, &welsh), "+12.5 pwynt");
    }
}
