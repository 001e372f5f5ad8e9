//! Raking plans that cannot work fail with a message that says why, and nothing is written.

use fieldwork_analysis::{analyze, AnalysisError, Plan, PlanError};
use fieldwork_store::testing;

use crate::{analysed, small_answers, small_definition};

fn plan(margin: &str) -> Result<Plan, PlanError> {
    Plan::parse(
        &format!("survey = \"small\"\n[[weighting.rake]]\nquestion = \"role\"\n{margin}\n"),
        &small_definition(),
    )
}

#[test]
fn margins_must_name_offered_answers_and_sensible_counts() {
    let unknown = plan("population = { head = 1, chief = 2 }").unwrap_err();
    assert!(
        matches!(&unknown, PlanError::UnknownOption { option, .. } if option == "chief"),
        "{unknown}"
    );
    let negative = plan("population = { head = -5 }").unwrap_err();
    assert!(
        negative.to_string().contains("population of -5"),
        "{negative}"
    );
    let stratum = plan("population = { prisons = { head = 3 } }").unwrap_err();
    assert!(stratum.to_string().contains("`prisons`"), "{stratum}");
    let wrong_kind = Plan::parse(
        "survey = \"small\"\n[[weighting.rake]]\nquestion = \"y\"\npopulation = { a = 1 }\n",
        &small_definition(),
    )
    .unwrap_err();
    assert!(
        wrong_kind.to_string().contains("single choice"),
        "{wrong_kind}"
    );
}

#[test]
fn a_margin_that_leaves_respondents_without_a_population_is_refused() {
    let db = testing::sqlite();
    let definition = small_definition();
    // Seed the store through the helper with the default plan, then analyse with a margin
    // that has no population for `other`, which respondents gave.
    analysed(
        &db,
        &definition,
        &small_answers(),
        &Plan::default_for(&definition),
    );
    let missing =
        plan("population = { head = 4000, senior_leader = 20000, elected = 9236 }").unwrap();
    let error = analyze(&db.store, "small", &missing).unwrap_err();
    assert!(
        matches!(&error, AnalysisError::Weighting(m) if m.contains("`other`")),
        "{error}"
    );
}

#[test]
fn a_raking_round_limit_is_reported_as_not_converged() {
    let db = testing::sqlite();
    let definition = small_definition();
    analysed(
        &db,
        &definition,
        &small_answers(),
        &Plan::default_for(&definition),
    );
    let mut one_round =
        plan("population = { head = 4000, senior_leader = 20000, elected = 1236, other = 8000 }")
            .unwrap();
    one_round.weighting.max_iterations = 1;
    one_round.weighting.epsilon = 1e-9;
    let analysis = analyze(&db.store, "small", &one_round).unwrap();
    assert_eq!(analysis.weighting.iterations, 1);
    assert!(!analysis.weighting.converged);
    assert!(analysis.weighting.max_change > 0.0);
    // Raked weights still reproduce the last margin raked (role) exactly.
    let role_total: f64 = analysis
        .weighting
        .cells
        .iter()
        .filter(|c| c.answers == "role=head")
        .map(|c| c.weight * c.n as f64)
        .sum();
    assert!((role_total - 4000.0).abs() < 1e-6, "{role_total}");
}
