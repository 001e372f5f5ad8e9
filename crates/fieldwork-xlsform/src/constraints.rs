//! `constraint` expressions to and from fieldwork's bounds.
//!
//! A constraint is read as conjuncts joined by `and`, each one bound fieldwork has:
//! `. >= n` and `. <= n` on a number (`>`/`<` too on a whole number), `count-selected(.)`
//! bounds on a select_multiple, `not(selected(., 'x') and count-selected(.) > 1)` (the ODK idiom
//! for an option that excludes the others), and `string-length(.) <= n` on text.

use crate::expression::{self, number_literal, quoted, Comparison, Expr};

/// The kind of question a constraint is on, which decides which bounds it may state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Constrained {
    Integer,
    Decimal,
    SelectMultiple,
    Text,
    /// A type without bounds (select_one, note).
    Other,
}

/// The bounds one constraint cell states.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Bounds {
    pub(crate) min: Option<f64>,
    pub(crate) max: Option<f64>,
    pub(crate) min_selections: Option<f64>,
    pub(crate) max_selections: Option<f64>,
    pub(crate) exclusive: Vec<String>,
    pub(crate) max_length: Option<f64>,
}

pub(crate) fn bounds_from_constraint(text: &str, on: Constrained) -> Result<Bounds, String> {
    let expr = expression::parse(text).map_err(|e| format!("`{text}` does not parse: {e}"))?;
    let conjuncts = match expr {
        Expr::And(parts) => parts,
        other => vec![other],
    };
    let mut bounds = Bounds::default();
    for conjunct in &conjuncts {
        bound(conjunct, on, &mut bounds)?;
    }
    Ok(bounds)
}

fn bound(expr: &Expr, on: Constrained, bounds: &mut Bounds) -> Result<(), String> {
    let what = |expected: &str| {
        format!(
            "`{expr}` is not a bound fieldwork has; on this question a constraint may state \
             {expected}, joined with `and`"
        )
    };
    let expected = match on {
        Constrained::Integer | Constrained::Decimal => ". >= n and . <= n",
        Constrained::SelectMultiple => {
            "count-selected(.) >= n, count-selected(.) <= n and not(selected(., 'x') and \
             count-selected(.) > 1)"
        }
        Constrained::Text => "string-length(.) <= n",
        Constrained::Other => {
            return Err(format!(
                "`{expr}`: fieldwork takes constraints on integer, decimal, select_multiple and \
                 text questions only"
            ))
        }
    };
    if on == Constrained::SelectMultiple {
        if let Some(code) = exclusive_option(expr) {
            bounds.exclusive.push(code);
            return Ok(());
        }
    }
    let Expr::Compare(left, op, right) = expr else {
        return Err(what(expected));
    };
    // The subject on the left: `3 <= .` is `. >= 3`.
    let (subject, op, limit) = match (left.as_ref(), right.as_ref()) {
        (subject, Expr::Number(limit)) => (subject, *op, *limit),
        (Expr::Number(limit), subject) => (subject, op.flipped(), *limit),
        _ => return Err(what(expected)),
    };
    let whole = on != Constrained::Decimal;
    let (slot, limit) = match (subject, on) {
        (Expr::Current, Constrained::Integer | Constrained::Decimal) => {
            lower_or_upper(op, limit, whole, &mut bounds.min, &mut bounds.max)
        }
        (Expr::Call(name, args), Constrained::SelectMultiple)
            if name == "count-selected" && args == &[Expr::Current] =>
        {
            lower_or_upper(
                op,
                limit,
                true,
                &mut bounds.min_selections,
                &mut bounds.max_selections,
            )
        }
        (Expr::Call(name, args), Constrained::Text)
            if name == "string-length" && args == &[Expr::Current] =>
        {
            if matches!(op, Comparison::GreaterOrEqual | Comparison::Greater) {
                return Err(format!(
                    "`{expr}`: fieldwork texts have a maximum length only; use required for a \
                     text that must be given"
                ));
            }
            match op {
                Comparison::LessOrEqual => Some((&mut bounds.max_length, limit)),
                Comparison::Less if limit.fract() == 0.0 => {
                    Some((&mut bounds.max_length, limit - 1.0))
                }
                _ => None,
            }
        }
        _ => return Err(what(expected)),
    }
    .ok_or_else(|| what(expected))?;
    if slot.is_some() {
        return Err(format!(
            "`{expr}` repeats a bound the constraint already states"
        ));
    }
    *slot = Some(limit);
    Ok(())
}

/// Which of the two slots a comparison fills, and with what inclusive limit; `>` and `<` only
/// where the values are whole (`. > 0` is `. >= 1`). `None`: not a bound (`=`, `!=`).
fn lower_or_upper<'a>(
    op: Comparison,
    limit: f64,
    whole: bool,
    lower: &'a mut Option<f64>,
    upper: &'a mut Option<f64>,
) -> Option<(&'a mut Option<f64>, f64)> {
    match op {
        Comparison::GreaterOrEqual => Some((lower, limit)),
        Comparison::LessOrEqual => Some((upper, limit)),
        Comparison::Greater if whole && limit.fract() == 0.0 => Some((lower, limit + 1.0)),
        Comparison::Less if whole && limit.fract() == 0.0 => Some((upper, limit - 1.0)),
        _ => None,
    }
}

/// `not(selected(., 'x') and count-selected(.) > 1)`, either way round: `x` excludes others.
fn exclusive_option(expr: &Expr) -> Option<String> {
    let Expr::Call(name, args) = expr else {
        return None;
    };
    let [Expr::And(parts)] = args.as_slice() else {
        return None;
    };
    if name != "not" || parts.len() != 2 {
        return None;
    }
    let selected = |e: &Expr| match e {
        Expr::Call(name, args) if name == "selected" => match args.as_slice() {
            [Expr::Current, Expr::String(code)] => Some(code.clone()),
            [Expr::Current, Expr::Number(code)] => Some(number_literal(*code)),
            _ => None,
        },
        _ => None,
    };
    let more_than_one = |e: &Expr| {
        matches!(e, Expr::Compare(left, Comparison::Greater, right)
            if matches!(left.as_ref(), Expr::Call(name, args) if name == "count-selected" && args == &[Expr::Current])
                && matches!(right.as_ref(), Expr::Number(n) if *n == 1.0))
    };
    match (&parts[0], &parts[1]) {
        (a, b) if more_than_one(b) => selected(a),
        (a, b) if more_than_one(a) => selected(b),
        _ => None,
    }
}

/// The constraint stating `bounds`, in the form [`bounds_from_constraint`] reads back.
pub(crate) fn constraint_from_bounds(bounds: &Bounds) -> String {
    let mut parts = Vec::new();
    let mut pair = |subject: &str, min: Option<f64>, max: Option<f64>| {
        if let Some(min) = min {
            parts.push(format!("{subject} >= {}", number_literal(min)));
        }
        if let Some(max) = max {
            parts.push(format!("{subject} <= {}", number_literal(max)));
        }
    };
    pair(".", bounds.min, bounds.max);
    pair(
        "count-selected(.)",
        bounds.min_selections,
        bounds.max_selections,
    );
    pair("string-length(.)", None, bounds.max_length);
    for code in &bounds.exclusive {
        parts.push(format!(
            "not(selected(., {}) and count-selected(.) > 1)",
            quoted(code)
        ));
    }
    parts.join(" and ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_read_in_any_order_and_either_way_round() {
        let bounds = bounds_from_constraint("60 >= . and . >= 0", Constrained::Integer).unwrap();
        assert_eq!((bounds.min, bounds.max), (Some(0.0), Some(60.0)));
        let bounds = bounds_from_constraint(". > 0 and . < 100", Constrained::Integer).unwrap();
        assert_eq!((bounds.min, bounds.max), (Some(1.0), Some(99.0)));
        let bounds = bounds_from_constraint(". >= -2.5", Constrained::Decimal).unwrap();
        assert_eq!(bounds.min, Some(-2.5));
        let bounds = bounds_from_constraint(
            "count-selected(.) <= 3 and not(count-selected(.) > 1 and selected(., 'none'))",
            Constrained::SelectMultiple,
        )
        .unwrap();
        assert_eq!(bounds.max_selections, Some(3.0));
        assert_eq!(bounds.exclusive, ["none"]);
        let bounds = bounds_from_constraint("string-length(.) <= 280", Constrained::Text).unwrap();
        assert_eq!(bounds.max_length, Some(280.0));
    }

    #[test]
    fn written_bounds_read_back_the_same() {
        let bounds = Bounds {
            min_selections: Some(1.0),
            max_selections: Some(3.0),
            exclusive: vec!["none".into(), "dont_know".into()],
            ..Bounds::default()
        };
        let text = constraint_from_bounds(&bounds);
        assert_eq!(
            bounds_from_constraint(&text, Constrained::SelectMultiple).unwrap(),
            bounds
        );
    }

    #[test]
    fn anything_else_is_refused_with_what_is_allowed() {
        for (text, on, words) in [
            (". > 0.5", Constrained::Decimal, "not a bound"),
            (". != 3", Constrained::Integer, "not a bound"),
            (". >= ${other}", Constrained::Integer, "not a bound"),
            (
                "regex(., '^[0-9]+$')",
                Constrained::Text,
                "string-length(.) <= n",
            ),
            (
                "string-length(.) >= 3",
                Constrained::Text,
                "maximum length only",
            ),
            (". >= 1 and . >= 2", Constrained::Integer, "repeats a bound"),
            (". >= 1 or . <= 0", Constrained::Integer, "not a bound"),
            (
                ". = 'yes'",
                Constrained::Other,
                "integer, decimal, select_multiple and text",
            ),
            (
                "count-selected(.) <= 2",
                Constrained::Integer,
                ". >= n and . <= n",
            ),
        ] {
            let error = bounds_from_constraint(text, on).unwrap_err();
            assert!(error.contains(words), "{text}: {error}");
        }
    }
}
