//! `relevant` expressions to and from fieldwork's `show_if` conditions.
//!
//! fieldwork shows a question on the strength of earlier choice answers, so the expressions
//! that map are tests of a choice: `${q} = 'x'`, `${q} != 'x'`, `selected(${q}, 'x')`,
//! combined with `not()`, `and`, `or` and parentheses. Whether `q` exists, comes earlier and
//! offers `x` is checked afterwards by the definition's own checker.

use fieldwork_survey::{Condition, QuestionKind, SurveyDefinition};

use crate::expression::{self, quoted, Comparison, Expr};

/// The condition a `relevant` cell states, or why it cannot be one.
pub(crate) fn condition_from_relevant(text: &str) -> Result<Condition, String> {
    let expr = expression::parse(text).map_err(|e| format!("`{text}` does not parse: {e}"))?;
    condition(&expr)
}

fn condition(expr: &Expr) -> Result<Condition, String> {
    match expr {
        Expr::Or(parts) => {
            let any = parts.iter().map(condition).collect::<Result<Vec<_>, _>>()?;
            Ok(one_of_if_same_question(flatten_any(any)))
        }
        Expr::And(parts) => {
            let all = parts.iter().map(condition).collect::<Result<Vec<_>, _>>()?;
            Ok(Condition::All {
                all: all
                    .into_iter()
                    .flat_map(|c| match c {
                        Condition::All { all } => all,
                        other => vec![other],
                    })
                    .collect(),
            })
        }
        Expr::Call(name, args) if name == "not" => match args.as_slice() {
            [inner] => Ok(Condition::Not {
                not: Box::new(condition(inner)?),
            }),
            _ => Err(format!("`{expr}`: not() takes one condition")),
        },
        Expr::Call(name, args) if name == "selected" => match args.as_slice() {
            [Expr::Reference(question), code] => Ok(Condition::Equals {
                question: question.clone(),
                equals: code_literal(code, expr)?,
            }),
            _ => Err(format!(
                "`{expr}`: selected() takes a question and an option, as in selected(${{q}}, 'x')"
            )),
        },
        Expr::Compare(left, _, right)
            if matches!(left.as_ref(), Expr::Call(..))
                || matches!(right.as_ref(), Expr::Call(..)) =>
        {
            let name = match (left.as_ref(), right.as_ref()) {
                (Expr::Call(name, _), _) | (_, Expr::Call(name, _)) => name.as_str(),
                _ => "",
            };
            Err(format!(
                "`{expr}`: the function {name}() is not supported in relevant; fieldwork reads \
                 selected(), not(), and, or"
            ))
        }
        Expr::Compare(left, op, right) => {
            let (question, code) = match (left.as_ref(), right.as_ref()) {
                (Expr::Reference(question), code) | (code, Expr::Reference(question))
                    if !matches!(code, Expr::Reference(_)) =>
                {
                    (question.clone(), code_literal(code, expr)?)
                }
                _ => {
                    return Err(format!(
                        "`{expr}`: a condition compares one earlier question with an option, as \
                         in ${{q}} = 'x'"
                    ))
                }
            };
            let equals = Condition::Equals {
                question,
                equals: code,
            };
            match op {
                Comparison::Equal => Ok(equals),
                Comparison::NotEqual => Ok(Condition::Not {
                    not: Box::new(equals),
                }),
                _ => Err(format!(
                    "`{expr}`: show_if tests choice answers only (=, !=, selected()); `{}` \
                     compares numbers, which fieldwork conditions cannot",
                    op.symbol()
                )),
            }
        }
        Expr::Call(name, _) => Err(format!(
            "`{expr}`: the function {name}() is not supported in relevant; fieldwork reads \
             selected(), not(), and, or"
        )),
        Expr::Reference(_) | Expr::Current | Expr::String(_) | Expr::Number(_) => Err(format!(
            "`{expr}` is a value, not a condition: compare it, as in ${{q}} = 'x'"
        )),
    }
}

/// The questions an expression compares with `=` or `!=` (none if it does not parse).
pub(crate) fn equality_tested(text: &str) -> Vec<String> {
    fn walk(expr: &Expr, found: &mut Vec<String>) {
        match expr {
            Expr::Or(parts) | Expr::And(parts) | Expr::Call(_, parts) => {
                parts.iter().for_each(|p| walk(p, found));
            }
            Expr::Compare(left, Comparison::Equal | Comparison::NotEqual, right) => {
                for side in [left, right] {
                    if let Expr::Reference(question) = side.as_ref() {
                        found.push(question.clone());
                    }
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    if let Ok(expr) = expression::parse(text) {
        walk(&expr, &mut found);
    }
    found
}

/// An option code written as a string or a number (`${q} = 1` for the code `1`).
fn code_literal(code: &Expr, whole: &Expr) -> Result<String, String> {
    match code {
        Expr::String(text) => Ok(text.clone()),
        Expr::Number(number) => Ok(expression::number_literal(*number)),
        _ => Err(format!(
            "`{whole}`: compare with an option's name in quotes, as in ${{q}} = 'x'"
        )),
    }
}

fn flatten_any(any: Vec<Condition>) -> Vec<Condition> {
    any.into_iter()
        .flat_map(|c| match c {
            Condition::Any { any } => any,
            other => vec![other],
        })
        .collect()
}

/// `${q} = 'a' or ${q} = 'b'` is fieldwork's `one_of`: the form the exporter writes it in.
fn one_of_if_same_question(any: Vec<Condition>) -> Condition {
    let mut question = None;
    let mut codes = Vec::new();
    for condition in &any {
        match condition {
            Condition::Equals {
                question: q,
                equals,
            } if question.is_none_or(|first| first == q) => {
                question = Some(q);
                codes.push(equals.clone());
            }
            Condition::OneOf {
                question: q,
                one_of,
            } if question.is_none_or(|first| first == q) => {
                question = Some(q);
                codes.extend(one_of.iter().cloned());
            }
            _ => return Condition::Any { any },
        }
    }
    match question {
        Some(question) if any.len() > 1 => Condition::OneOf {
            question: question.clone(),
            one_of: codes,
        },
        _ => Condition::Any { any },
    }
}

/// The `relevant` expression of a condition, in the form [`condition_from_relevant`] reads
/// back as the same condition: `selected()` for a multi-choice question, `=` otherwise.
pub(crate) fn relevant_from_condition(
    condition: &Condition,
    definition: &SurveyDefinition,
) -> String {
    let is_multi = |question: &str| {
        definition
            .question(question)
            .is_some_and(|q| matches!(q.kind, QuestionKind::MultiChoice { .. }))
    };
    let test = |question: &str, code: &str| {
        if is_multi(question) {
            format!("selected(${{{question}}}, {})", quoted(code))
        } else {
            format!("${{{question}}} = {}", quoted(code))
        }
    };
    match condition {
        Condition::Equals { question, equals } => test(question, equals),
        Condition::OneOf { question, one_of } => {
            // A one-option `one_of` reads back as `equals`, which means the same.
            let tests: Vec<String> = one_of.iter().map(|code| test(question, code)).collect();
            tests.join(" or ")
        }
        Condition::Not { not } => match not.as_ref() {
            Condition::Equals { question, equals } if !is_multi(question) => {
                format!("${{{question}}} != {}", quoted(equals))
            }
            inner => format!("not({})", relevant_from_condition(inner, definition)),
        },
        Condition::All { all } => joined(all, " and ", definition),
        Condition::Any { any } => joined(any, " or ", definition),
    }
}

/// Conditions joined by `and` or `or`, each compound one in parentheses.
fn joined(parts: &[Condition], word: &str, definition: &SurveyDefinition) -> String {
    parts
        .iter()
        .map(|c| match c {
            Condition::Any { .. } | Condition::OneOf { .. } | Condition::All { .. } => {
                format!("({})", relevant_from_condition(c, definition))
            }
            other => relevant_from_condition(other, definition),
        })
        .collect::<Vec<_>>()
        .join(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn equals(question: &str, code: &str) -> Condition {
        Condition::Equals {
            question: question.into(),
            equals: code.into(),
        }
    }

    #[test]
    fn the_forms_the_issue_names_map_onto_conditions() {
        assert_eq!(
            condition_from_relevant("${a} = 'x'").unwrap(),
            equals("a", "x")
        );
        assert_eq!(
            condition_from_relevant("'x' = ${a}").unwrap(),
            equals("a", "x")
        );
        assert_eq!(
            condition_from_relevant("selected(${a}, 'x')").unwrap(),
            equals("a", "x")
        );
        assert_eq!(
            condition_from_relevant("${a} != 'x'").unwrap(),
            Condition::Not {
                not: Box::new(equals("a", "x"))
            }
        );
        assert_eq!(
            condition_from_relevant("${likert} = 5").unwrap(),
            equals("likert", "5")
        );
        assert_eq!(
            condition_from_relevant("not(${a} = 'x') and (selected(${b}, 'y') or ${c} = 'z')")
                .unwrap(),
            Condition::All {
                all: vec![
                    Condition::Not {
                        not: Box::new(equals("a", "x"))
                    },
                    Condition::Any {
                        any: vec![equals("b", "y"), equals("c", "z")]
                    },
                ]
            }
        );
        assert_eq!(
            condition_from_relevant("${a} = 'x' or selected(${a}, 'y') or ${a} = 'z'").unwrap(),
            Condition::OneOf {
                question: "a".into(),
                one_of: vec!["x".into(), "y".into(), "z".into()]
            }
        );
    }

    #[test]
    fn what_fieldwork_cannot_show_on_is_refused_with_the_reason() {
        for (text, words) in [
            ("${age} > 18", "compares numbers"),
            ("string-length(${name}) > 0", "function string-length()"),
            (
                "${a} = ${b}",
                "compares one earlier question with an option",
            ),
            ("${a}", "a value, not a condition"),
            (
                "selected(${a})",
                "selected() takes a question and an option",
            ),
            ("not(${a} = 'x', ${b} = 'y')", "not() takes one condition"),
            ("${a} = 'x' and", "does not parse"),
            ("${a} = 'x' + 1", "arithmetic"),
        ] {
            let error = condition_from_relevant(text).unwrap_err();
            assert!(error.contains(words), "{text}: {error}");
        }
    }
}
