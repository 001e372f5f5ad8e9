//! Properties of a full analysis of the digital-leadership study on synthetic respondents.

use std::collections::BTreeMap;

use fieldwork_analysis::{disclosure, Analysis, Plan, ALL_STRATA};
use fieldwork_store::testing;
use fieldwork_survey::{
    parse_definition, resolve_frame_csv, SurveyDefinition, SyntheticRespondents,
};

use crate::analysed;

fn study() -> SurveyDefinition {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures");
    let mut definition = parse_definition(
        &std::fs::read_to_string(format!("{root}/surveys/digital-leadership.json")).unwrap(),
    )
    .unwrap();
    resolve_frame_csv(
        &mut definition,
        &std::fs::read_to_string(format!("{root}/frames/uk-public-sector.csv")).unwrap(),
    )
    .unwrap();
    definition
}

/// 800 respondents, police few enough (about 1%) to fall under the threshold.
fn analysis(seed: u64) -> Analysis {
    let definition = study();
    let answers: Vec<_> = SyntheticRespondents::new(&definition, seed)
        .with_stratum_shares(vec![0.3, 0.25, 0.3, 0.01, 0.14])
        .take(800)
        .collect();
    let db = testing::sqlite();
    analysed(&db, &definition, &answers, &Plan::default_for(&definition))
}

#[test]
fn proportions_of_a_question_sum_to_one_in_each_stratum() {
    let analysis = analysis(3);
    let definition = study();
    let mut sums: BTreeMap<(String, String), f64> = BTreeMap::new();
    for question in definition
        .questions()
        .filter(|q| matches!(q.kind, fieldwork_survey::QuestionKind::SingleChoice { .. }))
    {
        for row in analysis
            .estimates
            .iter()
            .filter(|r| r.question_id == question.id && !r.suppressed)
        {
            *sums
                .entry((row.question_id.clone(), row.stratum.clone()))
                .or_default() += row.estimate.unwrap();
        }
    }
    assert!(sums.len() > 10);
    for (key, sum) in sums {
        assert!((sum - 1.0).abs() < 1e-9, "{key:?} sums to {sum}");
    }
}

#[test]
fn every_interval_contains_its_estimate() {
    for seed in [1, 2, 3] {
        let analysis = analysis(seed);
        let mut checked = 0;
        for row in &analysis.estimates {
            if let (Some(low), Some(estimate), Some(high)) = (row.ci_low, row.estimate, row.ci_high)
            {
                assert!(
                    low <= estimate + 1e-12 && estimate <= high + 1e-12,
                    "{row:?}"
                );
                checked += 1;
            }
        }
        assert!(checked > 300, "{checked}");
    }
}

#[test]
fn suppression_never_leaves_a_recoverable_cell() {
    for seed in [1, 2, 3, 4] {
        let analysis = analysis(seed);
        assert!(!disclosure::recoverable(&analysis.estimates), "seed {seed}");
        let police: Vec<_> = analysis
            .estimates
            .iter()
            .filter(|r| r.stratum == "police")
            .collect();
        assert!(
            police.iter().all(|r| r.suppressed && r.estimate.is_none()),
            "police is under the threshold"
        );
        assert!(police.iter().all(|r| r.reason == disclosure::REASON_SMALL));
        // Its partner: another stratum hidden for each question whose total is shown.
        assert!(analysis
            .estimates
            .iter()
            .any(|r| r.reason == disclosure::REASON_SECONDARY));
        // Every suppressed row is still there, with its reason.
        for row in analysis.estimates.iter().filter(|r| r.suppressed) {
            assert!(!row.reason.is_empty() && row.estimate.is_none() && row.se.is_none());
        }
        // Tests over small bases are suppressed too.
        assert!(analysis
            .tests
            .iter()
            .filter(|t| t.n < 10)
            .all(|t| t.suppressed));
    }
}

#[test]
fn free_text_never_reaches_the_outputs() {
    let analysis = analysis(5);
    let dir = tempfile_dir();
    analysis.write(&dir).unwrap();
    for file in [
        "estimates.csv",
        "estimates.json",
        "tests.csv",
        "response_rates.csv",
    ] {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        for phrase in [
            "roadmap",
            "user researcher",
            "frontline",
            "pledge",
            "hostility_detail",
        ] {
            assert!(!text.contains(phrase), "{phrase} in {file}");
        }
    }
    let header = std::fs::read_to_string(dir.join("estimates.csv")).unwrap();
    assert!(header.starts_with("question_id,option,stratum,n,estimate,se,ci_low,ci_high,deff,effective_n,suppressed,reason\n"));
    assert!(analysis.estimates.iter().any(|r| r.stratum == ALL_STRATA));
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("fieldwork-analysis-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}
