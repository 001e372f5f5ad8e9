//! Every estimate of the small dataset against the R survey package (4.1.1).
//!
//! The expected values, and beside each the exact R call that produced it, are in
//! `reference.json`, written by `analysis/reference/small.R` on
//! `svydesign(id = ~1, strata = ~stratum, fpc = ~N, data = dat)`.

use fieldwork_analysis::{EstimateRow, Plan, TestRow};
use fieldwork_store::testing;
use serde_json::Value;

use crate::{analysed, small_answers, small_definition};

const TOLERANCE: f64 = 1e-6;

fn reference() -> Vec<Value> {
    serde_json::from_str(include_str!("reference.json")).unwrap()
}

/// The same calls on `rake(d, list(~stratum, ~role), ...)` with the role margin of
/// fixtures/analysis/small-roles.csv (`Rscript analysis/reference/small.R raked`).
fn raked_reference() -> Vec<Value> {
    serde_json::from_str(include_str!("reference-raked.json")).unwrap()
}

/// The plan's form of fixtures/analysis/small-roles.csv.
fn raked_plan(definition: &fieldwork_survey::SurveyDefinition) -> Plan {
    let roles = include_str!("../../../../fixtures/analysis/small-roles.csv");
    let population: String = roles
        .lines()
        .skip(1)
        .map(|line| line.replace(',', " = "))
        .collect::<Vec<_>>()
        .join(", ");
    let text = format!(
        "survey = \"{}\"\nsuppression_threshold = 1\n[[weighting.rake]]\nquestion = \"role\"\npopulation = {{ {population} }}\n",
        definition.slug
    );
    Plan::parse(&text, definition).unwrap()
}

fn close(what: &str, ours: Option<f64>, theirs: &Value) {
    match (ours, theirs.as_f64()) {
        (Some(a), Some(b)) => assert!((a - b).abs() <= TOLERANCE, "{what}: ours {a}, R {b}"),
        (None, None) => {}
        (a, _) => panic!("{what}: ours {a:?}, R {theirs}"),
    }
}

fn find<'a>(
    rows: &'a [EstimateRow],
    question: &str,
    option: &str,
    stratum: &str,
) -> &'a EstimateRow {
    rows.iter()
        .find(|r| r.question_id == question && r.option == option && r.stratum == stratum)
        .unwrap_or_else(|| panic!("no row {question} {option} {stratum}"))
}

fn test_row<'a>(rows: &'a [TestRow], question: &str) -> &'a TestRow {
    rows.iter()
        .find(|r| r.question_id == question && r.test == "rao_scott_f")
        .unwrap()
}

#[test]
fn every_estimate_agrees_with_the_r_survey_package() {
    let db = testing::sqlite();
    let definition = small_definition();
    let mut plan = Plan::default_for(&definition);
    plan.suppression_threshold = 1; // compare everything; suppression is tested apart
    let analysis = analysed(&db, &definition, &small_answers(), &plan);
    let compared = compare(&analysis, &reference());
    assert!(compared > 150, "compared only {compared} values");
    assert_eq!(analysis.weighting.method, "post-stratification");
}

#[test]
fn raked_estimates_agree_with_the_r_survey_package() {
    let db = testing::sqlite();
    let definition = small_definition();
    let plan = raked_plan(&definition);
    let analysis = analysed(&db, &definition, &small_answers(), &plan);
    let reference = raked_reference();
    let compared = compare(&analysis, &reference);
    assert!(compared > 150, "compared only {compared} values");

    let weighting = &analysis.weighting;
    assert_eq!(weighting.method, "raking");
    assert_eq!(weighting.margins, ["stratum", "role"]);
    assert!(weighting.converged, "{weighting:?}");
    assert!(weighting.iterations > 1 && weighting.max_change < weighting.epsilon);
    // R: unique(data.frame(stratum = dat$stratum, role = dat$role, weight = weights(d)))
    let r = reference
        .iter()
        .find(|e| e["name"] == "raked_weights")
        .unwrap();
    let cells = r["weight"].as_array().unwrap();
    assert_eq!(weighting.cells.len(), cells.len());
    for (i, weight) in cells.iter().enumerate() {
        let (stratum, role) = (
            r["stratum"][i].as_str().unwrap(),
            r["role"][i].as_str().unwrap(),
        );
        let ours = weighting
            .cells
            .iter()
            .find(|c| c.stratum == stratum && c.answers == format!("role={role}"))
            .unwrap_or_else(|| panic!("no cell {stratum} {role}"));
        // rake() stops once no cell moves by epsilon = 1 weighted respondent, as ours does,
        // after the same rounds; the weights then agree to rounding.
        close(
            &format!("weight {stratum} {role}"),
            Some(ours.weight),
            weight,
        );
    }
}

/// The role margin is what the weights are raked to, so its all-strata shares are the
/// population's (fixtures/analysis/small-roles.csv: 4000, 20000, 1236 and 8000 of 33236)
/// with no sampling error. R agrees only to rounding: on the same design
/// `svymean(~role, d, deff = TRUE)` gives SEs of 1.9e-17 to 2.8e-16 and deffs of 3.6e-31 to
/// 1.8e-28, and `svyciprop(~I(role == "head"), d, method = "logit")` the interval
/// (0.12035142617662405, 0.12035142617662403), upside down. fieldwork publishes SE 0, deff 0 and
/// the point, the same way every time (docs/analysis-methods.md, "Edges").
#[test]
fn a_raked_margin_is_known_exactly() {
    let db = testing::sqlite();
    let definition = small_definition();
    let mut plan = raked_plan(&definition);
    plan.questions = vec!["role".to_owned(), "q".to_owned()];
    let analysis = analysed(&db, &definition, &small_answers(), &plan);
    for (role, population) in [
        ("head", 4000.0),
        ("senior_leader", 20000.0),
        ("elected", 1236.0),
        ("other", 8000.0),
    ] {
        let row = find(&analysis.estimates, "role", role, "all");
        let p = row.estimate.unwrap();
        assert!((p - population / 33236.0).abs() < 1e-9, "{row:?}");
        assert_eq!(row.se, Some(0.0), "{row:?}");
        assert_eq!((row.ci_low, row.ci_high), (Some(p), Some(p)), "{row:?}");
        assert_eq!(row.deff, Some(0.0), "{row:?}");
    }
    // Within a stratum the role margin (raked over all strata) is estimated, not fixed.
    let within = find(&analysis.estimates, "role", "head", "schools");
    assert!(within.se.unwrap() > 1e-3, "{within:?}");
    // Nor is an ordinary question, raked or not.
    let q = find(&analysis.estimates, "q", "yes", "all");
    assert!(q.se.unwrap() > 1e-3 && q.ci_low < q.estimate, "{q:?}");
    // No design effect is negative anywhere.
    assert!(analysis
        .estimates
        .iter()
        .all(|r| r.deff.is_none_or(|d| d >= 0.0)));
}

/// Compare every estimate and test with an R reference; how many values were compared.
fn compare(analysis: &fieldwork_analysis::Analysis, reference: &[Value]) -> usize {
    let rows = &analysis.estimates;
    let mut compared = 0;
    for entry in reference.iter().skip(1) {
        let name = entry["name"].as_str().unwrap();
        if name == "raked_weights" {
            continue; // compared on their own
        }
        let stratum = entry["stratum"].as_str().unwrap();
        let what = format!("{name} {stratum} {} ({})", entry["option"], entry["r"]);
        let (question, option) = match name {
            "q_prop" | "q_prop_ciprop_logit" => ("q", entry["option"].as_str().unwrap()),
            "l_mean" => ("l", "_mean"),
            "l_pos_prop" | "l_pos_prop_ciprop_logit" => ("l", "_positive"),
            "y_mean" => ("y", "_mean"),
            "m1_prop" => ("m", "m1"),
            "m2_prop" => ("m", "m2"),
            "chisq_stratum_q_F" | "chisq_stratum_role_F" => {
                let question = if name.contains("role") { "role" } else { "q" };
                let test = test_row(&analysis.tests, question);
                close(&format!("{what} F"), test.statistic, &entry["statistic"]);
                close(&format!("{what} ndf"), test.ndf, &entry["ndf"]);
                close(&format!("{what} ddf"), test.ddf, &entry["ddf"]);
                close(&format!("{what} p"), test.p_value, &entry["p_value"]);
                compared += 4;
                continue;
            }
            "y_quartiles" if stratum != "all" => {
                for (i, option) in ["_q1", "_median", "_q3"].iter().enumerate() {
                    close(
                        &format!("{what} {option}"),
                        find(rows, "y", option, stratum).estimate,
                        &entry["quantiles"][i],
                    );
                    compared += 1;
                }
                continue;
            }
            // Weighted quartiles over all strata, the Chisq form and the na.rm variant of
            // svyciprop are not what fieldwork publishes.
            _ => continue,
        };
        let row = find(rows, question, option, stratum);
        if name.ends_with("ciprop_logit") {
            let p = row.estimate.unwrap();
            if p == 0.0 || p == 1.0 {
                // R's glm does not converge at the edge (it reports ~2e-11 or ~1 - 2e-11); our
                // documented rule applies instead. It must still contain the estimate.
                assert!(
                    row.ci_low.unwrap() <= p && p <= row.ci_high.unwrap(),
                    "{what}"
                );
                continue;
            }
            close(&format!("{what} ci_low"), row.ci_low, &entry["ci_low"]);
            close(&format!("{what} ci_high"), row.ci_high, &entry["ci_high"]);
            compared += 2;
        } else {
            close(
                &format!("{what} estimate"),
                row.estimate,
                &entry["estimate"],
            );
            close(&format!("{what} se"), row.se, &entry["se"]);
            close(&format!("{what} deff"), row.deff, &entry["deff"]);
            compared += 3;
            if ["l_mean", "y_mean"].contains(&name) {
                close(&format!("{what} ci_low"), row.ci_low, &entry["ci_low"]);
                close(&format!("{what} ci_high"), row.ci_high, &entry["ci_high"]);
                compared += 2;
            }
        }
    }
    compared
}

/// Cronbach's alpha per stratum, end to end, against base R on the same answers. Respondents
/// with a non-substantive answer to any item are left out. In R:
///
/// ```r
/// alpha <- function(X) { k <- ncol(X); k / (k - 1) * (1 - sum(apply(X, 2, var)) / var(rowSums(X))) }
/// police <- rbind(c(1, 2, 2), c(2, 3, 3), c(3, 5, 4), c(4, 4, 5), c(2, 1, 2))
/// mps <- rbind(c(5, 5, 4), c(4, 4, 4), c(1, 3, 2), c(3, 2, 3))
/// sprintf("%.15f", c(alpha(police), alpha(mps)))   # "0.923076923076923" "0.881250000000000"
/// ```
#[test]
fn cronbach_alpha_agrees_with_base_r() {
    let points: Vec<serde_json::Value> = ["1", "2", "3", "4", "5"]
        .iter()
        .map(|c| serde_json::json!({"code": c, "label": c}))
        .collect();
    let definition = fieldwork_survey::parse_definition(
        &serde_json::json!({
            "slug": "grid", "title": "Grid", "version": 1,
            "stratification": {"question": "stratum", "frame": {"population": {"police": 41, "mps": 650}}},
            "pages": [{"title": "All", "questions": [
                {"id": "stratum", "type": "single_choice", "text": "Stratum",
                 "options": [{"code": "police", "label": "Police"}, {"code": "mps", "label": "MPs"}]},
                {"id": "g", "type": "likert_grid", "text": "G", "required": false,
                 "items": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}, {"id": "c", "text": "C"}],
                 "scale": points, "non_substantive": [{"code": "dont_know", "label": "Don't know"}]}
            ]}]
        })
        .to_string(),
    )
    .unwrap();
    let rows = [
        ("police", ["1", "2", "2"]),
        ("police", ["2", "3", "3"]),
        ("police", ["3", "5", "4"]),
        ("police", ["4", "4", "5"]),
        ("police", ["5", "4", "dont_know"]),
        ("police", ["2", "1", "2"]),
        ("mps", ["5", "5", "4"]),
        ("mps", ["4", "4", "4"]),
        ("mps", ["1", "3", "2"]),
        ("mps", ["dont_know", "2", "2"]),
        ("mps", ["3", "2", "3"]),
    ];
    let answers: Vec<serde_json::Map<String, Value>> = rows
        .iter()
        .map(|(stratum, [a, b, c])| {
            serde_json::json!({"stratum": stratum, "g": {"a": a, "b": b, "c": c}})
                .as_object()
                .unwrap()
                .clone()
        })
        .collect();
    let mut plan = Plan::default_for(&definition);
    plan.suppression_threshold = 1;
    let analysis = analysed(&testing::sqlite(), &definition, &answers, &plan);
    for (stratum, n, r) in [
        ("police", 5, 0.923076923076923),
        ("mps", 4, 0.881250000000000),
    ] {
        let alpha = analysis
            .tests
            .iter()
            .find(|t| t.question_id == "g" && t.test == "cronbach_alpha" && t.stratum == stratum)
            .unwrap_or_else(|| panic!("no alpha for {stratum}"));
        assert_eq!(
            alpha.n, n,
            "{stratum}: respondents with every item answered"
        );
        close(
            &format!("alpha {stratum}"),
            alpha.statistic,
            &serde_json::json!(r),
        );
    }
}
