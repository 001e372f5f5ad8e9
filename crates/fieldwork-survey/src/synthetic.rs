//! Seeded synthetic respondents, for demos, tests and benchmarks.
//!
//! Answers are always valid for the definition (they pass [`crate::validate_answers`]) and
//! differ between strata in a stable, plausible way: each respondent has a latent "digital
//! maturity" whose mean depends on their stratum, and it tilts their Likert answers and their
//! choice of the first options (conventionally "yes") of single-choice questions. The same seed
//! gives the same respondents.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Map, Value};

use crate::answers::{is_shown, SubmittedAnswers, LARGEST_WHOLE_NUMBER};
use crate::definition::{NumberKind, QuestionKind, SurveyDefinition};
use crate::Answer;

/// An endless, reproducible stream of respondents' answers.
#[derive(Debug)]
pub struct SyntheticRespondents<'a> {
    definition: &'a SurveyDefinition,
    rng: StdRng,
    /// Share of respondents per stratum, in the stratum question's order.
    stratum_shares: Vec<f64>,
}

impl<'a> SyntheticRespondents<'a> {
    /// Respondents spread over strata in proportion to the square root of each stratum's
    /// population (small strata are over-sampled, as a real design would).
    pub fn new(definition: &'a SurveyDefinition, seed: u64) -> Self {
        let population = definition
            .stratification
            .as_ref()
            .map(|s| s.frame.population.clone())
            .unwrap_or_default();
        let strata = definition.strata();
        let raw: Vec<f64> = strata
            .iter()
            .map(|c| (population.get(&c.code).copied().unwrap_or(1) as f64).sqrt())
            .collect();
        let total: f64 = raw.iter().sum();
        Self {
            definition,
            rng: StdRng::seed_from_u64(seed),
            stratum_shares: raw.iter().map(|r| r / total).collect(),
        }
    }

    /// Fix the share of respondents per stratum (in the stratum question's order).
    pub fn with_stratum_shares(mut self, shares: Vec<f64>) -> Self {
        let total: f64 = shares.iter().sum();
        self.stratum_shares = shares.iter().map(|s| s / total).collect();
        self
    }

    /// One respondent's complete answers, in stratum `stratum` when given.
    pub fn respondent(&mut self, stratum: Option<&str>) -> SubmittedAnswers {
        let strata: Vec<String> = self
            .definition
            .strata()
            .iter()
            .map(|c| c.code.clone())
            .collect();
        let stratum_index = match stratum {
            Some(code) => strata.iter().position(|s| s == code).unwrap_or(0),
            None => pick_weighted(&mut self.rng, &self.stratum_shares),
        };
        // Latent maturity in [0, 1]: strata differ by up to 0.3 on average.
        let base = 0.35 + 0.3 * (stratum_index as f64 / strata.len().max(1) as f64);
        let maturity = (base + 0.25 * (self.rng.random::<f64>() - 0.5)).clamp(0.0, 1.0);
        let stratum_question = self
            .definition
            .stratification
            .as_ref()
            .map(|s| s.question.clone());
        let mut submitted = Map::new();
        let mut checked = std::collections::BTreeMap::new();
        for question in self.definition.questions() {
            if !is_shown(question, &checked) {
                continue;
            }
            let optional_skip = !question.required && self.rng.random::<f64>() < 0.4;
            if optional_skip {
                continue;
            }
            let value = if Some(&question.id) == stratum_question.as_ref() {
                json!(strata.get(stratum_index).cloned().unwrap_or_default())
            } else {
                self.answer(&question.kind, maturity)
            };
            if let Some(answer) = loose(&value) {
                checked.insert(question.id.clone(), answer);
            }
            submitted.insert(question.id.clone(), value);
        }
        submitted
    }

    fn answer(&mut self, kind: &QuestionKind, maturity: f64) -> Value {
        let rng = &mut self.rng;
        match kind {
            QuestionKind::SingleChoice { options } => {
                // The first option is favoured by maturity, the rest share what is left.
                let first = 0.2 + 0.6 * maturity;
                let index = if rng.random::<f64>() < first || options.len() == 1 {
                    0
                } else {
                    rng.random_range(1..options.len())
                };
                json!(options[index].code)
            }
            QuestionKind::Likert {
                scale,
                non_substantive,
            } => json!(likert_point(
                rng,
                scale.len(),
                non_substantive,
                maturity,
                scale
            )),
            QuestionKind::LikertGrid {
                items,
                scale,
                non_substantive,
            } => {
                let mut grid = Map::new();
                for (i, item) in items.iter().enumerate() {
                    // Items differ a little from each other.
                    let shifted = (maturity + 0.08 * (i as f64 - items.len() as f64 / 2.0) / 2.0)
                        .clamp(0.0, 1.0);
                    grid.insert(
                        item.id.clone(),
                        json!(likert_point(
                            rng,
                            scale.len(),
                            non_substantive,
                            shifted,
                            scale
                        )),
                    );
                }
                Value::Object(grid)
            }
            QuestionKind::MultiChoice {
                options,
                min_selections,
                max_selections,
            } => {
                let ordinary: Vec<&str> = options
                    .iter()
                    .filter(|o| !o.exclusive)
                    .map(|o| o.code.as_str())
                    .collect();
                let exclusive = options.iter().find(|o| o.exclusive);
                let max = max_selections.map_or(ordinary.len(), |m| m as usize);
                let min = min_selections.map_or(0, |m| m as usize).max(1);
                if let Some(exclusive) = exclusive {
                    // Also when the other options cannot make up the minimum: the exclusive
                    // option alone is the only valid answer then.
                    if rng.random::<f64>() < 0.05 || ordinary.len() < min {
                        return json!([exclusive.code]);
                    }
                }
                let mut chosen: Vec<&str> = ordinary
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| {
                        // Earlier options are more popular; less mature strata tick more.
                        let p = (0.55 - 0.04 * *i as f64 + 0.2 * (0.5 - maturity)).clamp(0.05, 0.9);
                        rng.random::<f64>() < p
                    })
                    .map(|(_, c)| *c)
                    .collect();
                while chosen.len() > max {
                    let drop = rng.random_range(0..chosen.len());
                    chosen.remove(drop);
                }
                while chosen.len() < min.min(ordinary.len()) {
                    let add = ordinary[rng.random_range(0..ordinary.len())];
                    if !chosen.contains(&add) {
                        chosen.push(add);
                    }
                }
                json!(chosen)
            }
            QuestionKind::Number { kind, min, max, .. } => {
                // Within the bounds given; without a minimum from 0 (or 100 below a negative
                // maximum), without a maximum up to 100 above the minimum.
                let (lo, hi) = match (*min, *max) {
                    (Some(lo), Some(hi)) => (lo, hi),
                    (Some(lo), None) => (lo, lo + 100.0),
                    (None, Some(hi)) if hi < 0.0 => (hi - 100.0, hi),
                    (None, Some(hi)) => (0.0, hi),
                    (None, None) => (0.0, 100.0),
                };
                let (lo, hi) = match kind {
                    NumberKind::Integer => {
                        (lo.max(-LARGEST_WHOLE_NUMBER), hi.min(LARGEST_WHOLE_NUMBER))
                    }
                    NumberKind::Decimal => (lo, hi),
                };
                // Skewed towards the low end, as durations and counts are.
                let x = lo + (hi - lo) * rng.random::<f64>().powi(3);
                match kind {
                    // Integer bounds are whole numbers, so rounding stays within them.
                    NumberKind::Integer => json!(x.round().clamp(lo, hi) as i64),
                    NumberKind::Decimal => json!(((x * 10.0).round() / 10.0).clamp(lo, hi)),
                }
            }
            QuestionKind::Text { max_length, .. } => {
                const PHRASES: [&str; 6] = [
                    "Publish our service roadmap in the open",
                    "Put a user researcher in every team",
                    "Stop buying large IT contracts",
                    "Learn how our data is used",
                    "Spend a day a month with frontline staff",
                    "Make it safe to say a project is failing",
                ];
                let text = PHRASES[rng.random_range(0..PHRASES.len())];
                json!(text.chars().take(*max_length as usize).collect::<String>())
            }
        }
    }
}

impl Iterator for SyntheticRespondents<'_> {
    type Item = SubmittedAnswers;
    fn next(&mut self) -> Option<Self::Item> {
        Some(self.respondent(None))
    }
}

fn likert_point<'c>(
    rng: &mut StdRng,
    points: usize,
    non_substantive: &'c [crate::Choice],
    maturity: f64,
    scale: &'c [crate::Choice],
) -> &'c str {
    if !non_substantive.is_empty() && rng.random::<f64>() < 0.06 {
        return &non_substantive[rng.random_range(0..non_substantive.len())].code;
    }
    let position = maturity * (points - 1) as f64 + (rng.random::<f64>() - 0.5) * 2.2;
    let index = position.round().clamp(0.0, (points - 1) as f64) as usize;
    &scale[index].code
}

fn pick_weighted(rng: &mut StdRng, weights: &[f64]) -> usize {
    let mut x = rng.random::<f64>();
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len().saturating_sub(1)
}

fn loose(value: &Value) -> Option<Answer> {
    match value {
        Value::String(s) => Some(Answer::Choice(s.clone())),
        Value::Array(list) => Some(Answer::Choices(
            list.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
        )),
        _ => None,
    }
}
