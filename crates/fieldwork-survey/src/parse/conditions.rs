//! Checking `show_if` conditions, the stratification and the population frame.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::check::Checker;
use super::check::EarlierQuestion;
use super::raw::RawCondition;
use super::raw::RawFrame;
use super::raw::RawStratification;
use crate::definition::{Condition, Frame, Page, QuestionKind, Stratification};

impl Checker {
    pub(super) fn condition(
        &mut self,
        raw: &RawCondition,
        path: &str,
        earlier: &HashMap<String, EarlierQuestion>,
        own_id: &str,
    ) -> Option<Condition> {
        let forms = [
            raw.equals.is_some(),
            raw.one_of.is_some(),
            raw.not.is_some(),
            raw.all.is_some(),
            raw.any.is_some(),
        ]
        .iter()
        .filter(|present| **present)
        .count();
        if forms != 1 {
            self.problem(
                path,
                "a condition needs exactly one of `equals`, `one_of` (each with `question`), `not`, `all` or `any`",
            );
            return None;
        }
        if let Some(not) = &raw.not {
            return self
                .condition(not, &format!("{path}.not"), earlier, own_id)
                .map(|c| Condition::Not { not: Box::new(c) });
        }
        for (field, list) in [("all", &raw.all), ("any", &raw.any)] {
            if let Some(list) = list {
                if list.is_empty() {
                    self.problem(
                        format!("{path}.{field}"),
                        format!("`{field}` needs at least one condition"),
                    );
                    return None;
                }
                let conditions: Vec<_> = list
                    .iter()
                    .enumerate()
                    .filter_map(|(i, c)| {
                        self.condition(c, &format!("{path}.{field}[{i}]"), earlier, own_id)
                    })
                    .collect();
                if conditions.len() != list.len() {
                    return None;
                }
                return Some(if field == "all" {
                    Condition::All { all: conditions }
                } else {
                    Condition::Any { any: conditions }
                });
            }
        }
        let Some(question) = raw.question.clone() else {
            self.problem(path, "missing field `question`");
            return None;
        };
        let Some(target) = earlier.get(&question) else {
            let message = if question == own_id {
                format!("show_if refers to `{question}`, the question itself")
            } else {
                format!("show_if refers to `{question}`, which is not an earlier question")
            };
            self.problem(format!("{path}.question"), message);
            return None;
        };
        if target.broken {
            return None;
        }
        if !target.choice {
            self.problem(
                format!("{path}.question"),
                format!(
                    "show_if can only test single_choice, multi_choice or likert questions; `{question}` is {}",
                    target.type_name
                ),
            );
            return None;
        }
        let codes: Vec<(String, String)> = match (&raw.equals, &raw.one_of) {
            (Some(code), _) => vec![(format!("{path}.equals"), code.clone())],
            (_, Some(list)) => list
                .iter()
                .enumerate()
                .map(|(i, code)| (format!("{path}.one_of[{i}]"), code.clone()))
                .collect(),
            _ => Vec::new(),
        };
        if raw.one_of.as_ref().is_some_and(Vec::is_empty) {
            self.problem(
                format!("{path}.one_of"),
                "`one_of` needs at least one option",
            );
        }
        let mut ok = true;
        for (code_path, code) in &codes {
            if !target.codes.contains(code) {
                self.problem(
                    code_path.clone(),
                    format!("`{question}` has no option `{code}`"),
                );
                ok = false;
            }
        }
        if !ok {
            return None;
        }
        Some(match (&raw.equals, &raw.one_of) {
            (Some(code), _) => Condition::Equals {
                question,
                equals: code.clone(),
            },
            (_, list) => Condition::OneOf {
                question,
                one_of: list.clone().unwrap_or_default(),
            },
        })
    }

    pub(super) fn stratification(
        &mut self,
        raw: RawStratification,
        pages: &[Page],
    ) -> Stratification {
        let path = "stratification";
        let question = raw.question.unwrap_or_else(|| {
            self.problem(path, "missing field `question`");
            String::new()
        });
        let target = pages
            .iter()
            .flat_map(|p| p.questions.iter())
            .find(|q| q.id == question);
        let mut strata: Option<BTreeSet<String>> = None;
        match target {
            None if !question.is_empty() => self.problem(
                format!("{path}.question"),
                format!("the stratum question `{question}` does not exist"),
            ),
            None => {}
            Some(q) => match &q.kind {
                QuestionKind::SingleChoice { options } => {
                    // With no options, that problem is reported already; comparing the frame
                    // with nothing would only repeat it.
                    strata = (!options.is_empty())
                        .then(|| options.iter().map(|o| o.code.clone()).collect());
                    if !q.required || q.show_if.is_some() {
                        self.problem(
                            format!("{path}.question"),
                            format!("the stratum question `{question}` must be required and always shown"),
                        );
                    }
                }
                other => self.problem(
                    format!("{path}.question"),
                    format!(
                        "the stratum question `{question}` must be single_choice, not {}",
                        other.type_name()
                    ),
                ),
            },
        }
        let frame = match raw.frame {
            None => {
                self.problem(path, "missing field `frame`");
                Frame {
                    population: BTreeMap::new(),
                    sources: BTreeMap::new(),
                    csv: None,
                }
            }
            Some(frame) => self.frame(frame, strata.as_ref()),
        };
        Stratification { question, frame }
    }

    pub(super) fn frame(&mut self, raw: RawFrame, strata: Option<&BTreeSet<String>>) -> Frame {
        let path = "stratification.frame";
        match (&raw.population, &raw.csv) {
            (Some(_), Some(_)) => self.problem(
                path,
                "give the frame either `population` or `csv`, not both",
            ),
            (None, None) => self.problem(path, "the frame needs `population` or `csv`"),
            _ => {}
        }
        let given = raw.population.is_some();
        let population = raw.population.unwrap_or_default();
        if let Some(strata) = strata {
            if given && raw.csv.is_none() {
                for missing in strata.iter().filter(|s| !population.contains_key(*s)) {
                    self.problem(
                        format!("{path}.population"),
                        format!("no population given for stratum `{missing}`"),
                    );
                }
                for extra in population.keys().filter(|s| !strata.contains(*s)) {
                    self.problem(
                        format!("{path}.population.{extra}"),
                        format!("`{extra}` is not an option of the stratum question"),
                    );
                }
            }
        }
        for (stratum, size) in &population {
            if *size == 0 {
                self.problem(
                    format!("{path}.population.{stratum}"),
                    "a stratum's population must be above zero",
                );
            }
        }
        let sources = raw.sources.unwrap_or_default();
        for stratum in sources.keys().filter(|s| !population.contains_key(*s)) {
            if raw.csv.is_none() {
                self.problem(
                    format!("{path}.sources.{stratum}"),
                    format!("a source is given for `{stratum}`, which has no population"),
                );
            }
        }
        Frame {
            population,
            sources,
            csv: raw.csv,
        }
    }
}
