//! The analysis plan: what a report publishes, and how (`analysis/*.toml`).

use std::collections::BTreeMap;

use fieldwork_survey::{QuestionKind, SurveyDefinition};
use serde::Deserialize;

use crate::design::IntervalMethod;

/// Default smallest unweighted base that may be published.
pub const DEFAULT_THRESHOLD: u32 = 10;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// The survey's slug; must match the survey analysed.
    pub survey: String,
    /// Questions to estimate, in report order. Default: every question but free text.
    #[serde(default)]
    pub questions: Vec<String>,
    /// Cells whose unweighted base is below this are suppressed.
    #[serde(default = "default_threshold")]
    pub suppression_threshold: u32,
    /// Confidence level of intervals.
    #[serde(default = "default_level")]
    pub confidence_level: f64,
    /// `logit` (svyciprop's default) or `wilson`.
    #[serde(default)]
    pub interval: IntervalChoice,
    /// Published figures to set the results beside.
    #[serde(default, rename = "benchmark")]
    pub benchmarks: Vec<Benchmark>,
    /// Fieldwork dates, for the methodology section.
    #[serde(default)]
    pub fieldwork: Option<String>,
    /// The report's opening summary, written for its readers. Without one the report says
    /// who responded and how the figures were made.
    #[serde(default)]
    pub summary: Option<String>,
    /// Weighting beyond post-stratification to the frame.
    #[serde(default)]
    pub weighting: Weighting,
}

/// Raking to population margins besides the strata (survey's `rake()`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Weighting {
    /// Most raking rounds (rake()'s `maxit`).
    #[serde(default = "default_max_iterations")]
    pub max_iterations: u32,
    /// Converged when no cell's weighted count moves by this much in a round (rake()'s
    /// `epsilon`, in weighted respondents).
    #[serde(default = "default_epsilon")]
    pub epsilon: f64,
    /// Margins to rake to, after the strata.
    #[serde(default, rename = "rake")]
    pub margins: Vec<Margin>,
}

impl Default for Weighting {
    fn default() -> Self {
        Weighting {
            max_iterations: default_max_iterations(),
            epsilon: default_epsilon(),
            margins: Vec::new(),
        }
    }
}

/// A population margin: how many members of the population gave each answer to a single
/// choice question, overall or within each stratum.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Margin {
    pub question: String,
    pub population: MarginPopulation,
    /// Where the figures come from, for the methodology.
    #[serde(default)]
    pub source: Option<String>,
}

/// `{ code = count }`, or within strata `{ stratum = { code = count } }`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum MarginPopulation {
    Overall(BTreeMap<String, f64>),
    WithinStratum(BTreeMap<String, BTreeMap<String, f64>>),
}

fn default_max_iterations() -> u32 {
    10
}

fn default_epsilon() -> f64 {
    1.0
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum IntervalChoice {
    #[default]
    Logit,
    Wilson,
}

impl IntervalChoice {
    pub fn method(self) -> IntervalMethod {
        match self {
            IntervalChoice::Logit => IntervalMethod::Logit,
            IntervalChoice::Wilson => IntervalMethod::Wilson,
        }
    }
}

/// A published figure for comparison, cited as quoted.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Benchmark {
    pub question: String,
    pub option: String,
    /// A proportion between 0 and 1.
    pub value: f64,
    pub label: String,
    pub source: String,
}

fn default_threshold() -> u32 {
    DEFAULT_THRESHOLD
}

fn default_level() -> f64 {
    0.95
}

/// Something wrong with a plan, said so a researcher can fix it.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("the plan is not valid TOML: {0}")]
    Syntax(String),
    #[error("the plan is for survey `{plan}`, not `{survey}`")]
    WrongSurvey { plan: String, survey: String },
    #[error("the plan names question `{0}`, which the survey does not have")]
    UnknownQuestion(String),
    #[error("the plan names option `{option}` of question `{question}`, which it does not offer")]
    UnknownOption { question: String, option: String },
    #[error("question `{0}` is free text, which is never estimated or published")]
    TextQuestion(String),
    #[error("the plan's {0}")]
    Invalid(String),
}

impl Plan {
    /// The default plan for a survey: every question but free text, threshold 10.
    pub fn default_for(definition: &SurveyDefinition) -> Plan {
        Plan {
            survey: definition.slug.clone(),
            questions: Vec::new(),
            suppression_threshold: DEFAULT_THRESHOLD,
            confidence_level: 0.95,
            interval: IntervalChoice::Logit,
            benchmarks: Vec::new(),
            fieldwork: None,
            summary: None,
            weighting: Weighting::default(),
        }
    }

    /// Parse a plan and check it against the survey.
    pub fn parse(text: &str, definition: &SurveyDefinition) -> Result<Plan, PlanError> {
        let plan: Plan = toml::from_str(text).map_err(|e| PlanError::Syntax(e.to_string()))?;
        plan.check(definition)?;
        Ok(plan)
    }

    fn check(&self, definition: &SurveyDefinition) -> Result<(), PlanError> {
        if self.survey != definition.slug {
            return Err(PlanError::WrongSurvey {
                plan: self.survey.clone(),
                survey: definition.slug.clone(),
            });
        }
        for id in &self.questions {
            let question = definition
                .question(id)
                .ok_or_else(|| PlanError::UnknownQuestion(id.clone()))?;
            if matches!(question.kind, QuestionKind::Text { .. }) {
                return Err(PlanError::TextQuestion(id.clone()));
            }
        }
        if !(0.5..1.0).contains(&self.confidence_level) {
            return Err(PlanError::Invalid(format!(
                "confidence_level must be between 0.5 and 1, not {}",
                self.confidence_level
            )));
        }
        if self.suppression_threshold == 0 {
            return Err(PlanError::Invalid(
                "suppression_threshold must be at least 1".into(),
            ));
        }
        let check_option = |question: &str, option: &str| -> Result<(), PlanError> {
            let q = definition
                .question(question)
                .ok_or_else(|| PlanError::UnknownQuestion(question.to_owned()))?;
            if q.offered_codes().contains(&option) {
                Ok(())
            } else {
                Err(PlanError::UnknownOption {
                    question: question.to_owned(),
                    option: option.to_owned(),
                })
            }
        };
        self.check_weighting(definition)?;
        for benchmark in &self.benchmarks {
            check_option(&benchmark.question, &benchmark.option)?;
            if !(0.0..=1.0).contains(&benchmark.value) {
                return Err(PlanError::Invalid(format!(
                    "benchmark for `{}` must be a proportion between 0 and 1, not {}",
                    benchmark.question, benchmark.value
                )));
            }
        }
        Ok(())
    }

    fn check_weighting(&self, definition: &SurveyDefinition) -> Result<(), PlanError> {
        let weighting = &self.weighting;
        if weighting.max_iterations == 0 || weighting.max_iterations > 1000 {
            return Err(PlanError::Invalid(format!(
                "weighting.max_iterations must be between 1 and 1000, not {}",
                weighting.max_iterations
            )));
        }
        if !(weighting.epsilon.is_finite() && weighting.epsilon > 0.0) {
            return Err(PlanError::Invalid(format!(
                "weighting.epsilon must be a positive number, not {}",
                weighting.epsilon
            )));
        }
        let strata: Vec<&str> = definition
            .strata()
            .iter()
            .map(|c| c.code.as_str())
            .collect();
        let stratum_question = definition
            .stratification
            .as_ref()
            .map(|s| s.question.as_str());
        for margin in &weighting.margins {
            let question = definition
                .question(&margin.question)
                .ok_or_else(|| PlanError::UnknownQuestion(margin.question.clone()))?;
            if !matches!(question.kind, QuestionKind::SingleChoice { .. })
                || Some(question.id.as_str()) == stratum_question
            {
                return Err(PlanError::Invalid(format!(
                    "raking margin `{}` must be a single choice question other than the stratum",
                    margin.question
                )));
            }
            let codes = question.offered_codes();
            let check_counts = |counts: &BTreeMap<String, f64>| -> Result<(), PlanError> {
                for (code, count) in counts {
                    if !codes.contains(&code.as_str()) {
                        return Err(PlanError::UnknownOption {
                            question: margin.question.clone(),
                            option: code.clone(),
                        });
                    }
                    if !(count.is_finite() && *count >= 0.0) {
                        return Err(PlanError::Invalid(format!(
                            "raking margin `{}` gives `{code}` a population of {count}",
                            margin.question
                        )));
                    }
                }
                Ok(())
            };
            match &margin.population {
                MarginPopulation::Overall(counts) => check_counts(counts)?,
                MarginPopulation::WithinStratum(by_stratum) => {
                    for (stratum, counts) in by_stratum {
                        if !strata.contains(&stratum.as_str()) {
                            return Err(PlanError::Invalid(format!(
                                "raking margin `{}` names stratum `{stratum}`, which the survey does not have",
                                margin.question
                            )));
                        }
                        check_counts(counts)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// The questions the plan rakes to, in order.
    pub fn raking_questions(&self) -> Vec<String> {
        self.weighting
            .margins
            .iter()
            .map(|m| m.question.clone())
            .collect()
    }

    /// The questions to estimate, in order.
    pub fn questions<'d>(
        &self,
        definition: &'d SurveyDefinition,
    ) -> Vec<&'d fieldwork_survey::Question> {
        let stratum = definition
            .stratification
            .as_ref()
            .map(|s| s.question.as_str());
        if self.questions.is_empty() {
            definition
                .questions()
                .filter(|q| !matches!(q.kind, QuestionKind::Text { .. }))
                .filter(|q| Some(q.id.as_str()) != stratum)
                .collect()
        } else {
            self.questions
                .iter()
                .filter_map(|id| definition.question(id))
                .collect()
        }
    }
}
