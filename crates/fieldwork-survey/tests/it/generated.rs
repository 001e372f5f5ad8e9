//! Generated survey definitions, for property tests here and in fieldwork-xlsform (which
//! includes this file by path): random question kinds, option lists whose labels may repeat
//! each other or another option's code, bounds of any sign, conditions on earlier questions.

use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{json, Map, Value};

fn code() -> impl Strategy<Value = String> {
    select(&["a", "b", "c", "yes", "no", "dk", "x-1", "Other"][..]).prop_map(str::to_owned)
}

fn label() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(&["A", "B", "Yes", "No", "Don't know", "=1+1", "'quoted", ".n", " Padded ",
            "a", "yes", "Same", "Same ", "Üblich, \"so\"", "multi\nline"][..])
            .prop_map(str::to_owned),
        1 => "\\PC{1,10}",
    ]
}

/// `count` distinct codes, each with a label.
fn choices(count: std::ops::Range<usize>) -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::btree_set(code(), count).prop_flat_map(|codes| {
        let n = codes.len();
        (Just(codes), prop::collection::vec(label(), n))
            .prop_map(|(codes, labels)| codes.into_iter().zip(labels).collect())
    })
}

fn options_json(choices: &[(String, String)]) -> Value {
    choices
        .iter()
        .map(|(code, label)| json!({"code": code, "label": label}))
        .collect()
}

fn bound() -> impl Strategy<Value = Option<f64>> {
    prop::option::of(select(
        &[-1e6, -10.0, -5.0, 0.0, 1.0, 1.5, 16.0, 99.0, 1e6][..],
    ))
}

/// One question's type-specific fields, and its codes (for conditions on it).
fn question_kind() -> impl Strategy<Value = (Map<String, Value>, Vec<String>)> {
    let fields = |value: Value| match value {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    prop_oneof![
        choices(1..5).prop_map(move |options| {
            let codes = options.iter().map(|(c, _)| c.clone()).collect();
            (
                fields(json!({"type": "single_choice", "options": options_json(&options)})),
                codes,
            )
        }),
        (
            choices(1..5),
            any::<bool>(),
            prop::option::of(0u32..4),
            prop::option::of(0u32..4)
        )
            .prop_map(move |(options, exclusive, min, max)| {
                let codes = options.iter().map(|(c, _)| c.clone()).collect();
                let mut list = options_json(&options);
                if exclusive {
                    if let Some(last) = list.as_array_mut().and_then(|l| l.last_mut()) {
                        last["exclusive"] = json!(true);
                    }
                }
                let mut map = fields(json!({"type": "multi_choice", "options": list}));
                if let Some(min) = min {
                    map.insert("min_selections".into(), json!(min));
                }
                if let Some(max) = max {
                    map.insert("max_selections".into(), json!(max));
                }
                (map, codes)
            }),
        (choices(2..6), 0usize..3, any::<bool>()).prop_map(move |(points, extra, grid)| {
            let split = points.len().saturating_sub(extra).max(2).min(points.len());
            let (scale, non_substantive) = points.split_at(split);
            let codes = points.iter().map(|(c, _)| c.clone()).collect();
            let mut map = fields(json!({
                "type": if grid { "likert_grid" } else { "likert" },
                "scale": options_json(scale),
            }));
            if !non_substantive.is_empty() {
                map.insert("non_substantive".into(), options_json(non_substantive));
            }
            if grid {
                map.insert(
                    "items".into(),
                    json!([{"id": "one", "text": "One"}, {"id": "two", "text": "Two"}]),
                );
                // Conditions cannot test a grid.
                return (map, Vec::new());
            }
            (map, codes)
        }),
        (any::<bool>(), bound(), bound()).prop_map(move |(integer, min, max)| {
            let mut map = fields(json!({
                "type": "number",
                "kind": if integer { "integer" } else { "decimal" },
            }));
            if let Some(min) = min {
                map.insert("min".into(), json!(min));
            }
            if let Some(max) = max {
                map.insert("max".into(), json!(max));
            }
            (map, Vec::new())
        }),
        (any::<bool>(), select(&[1u32, 5, 40, 500][..])).prop_map(move |(long, max_length)| {
            let format = if long { "long" } else { "short" };
            (
                fields(json!({"type": "text", "format": format, "max_length": max_length})),
                Vec::new(),
            )
        }),
    ]
}

/// A question: its kind, whether required, and maybe a condition (an earlier question to
/// pick, a code of it to pick, negated or not).
type GeneratedQuestion = (
    (Map<String, Value>, Vec<String>),
    bool,
    Option<(usize, usize, bool)>,
);

fn generated_question() -> impl Strategy<Value = GeneratedQuestion> {
    (
        question_kind(),
        prop::bool::weighted(0.6),
        prop::option::weighted(0.3, (any::<usize>(), any::<usize>(), any::<bool>())),
    )
}

/// A definition built from generated questions on one to three pages, stratified by its
/// first question when that is single-choice and `stratified`.
pub fn generated_definition() -> impl Strategy<Value = Value> {
    (
        prop::collection::vec(prop::collection::vec(generated_question(), 1..5), 1..4),
        any::<bool>(),
    )
        .prop_map(|(pages, stratified)| {
            let mut earlier: Vec<(String, Vec<String>)> = Vec::new();
            let mut number = 0;
            let mut stratum: Option<(String, Vec<String>)> = None;
            let pages: Vec<Value> = pages
                .into_iter()
                .enumerate()
                .map(|(p, questions)| {
                    let questions: Vec<Value> = questions
                        .into_iter()
                        .map(|((mut map, codes), required, condition)| {
                            let id = format!("q{number}");
                            number += 1;
                            map.insert("id".into(), json!(id));
                            map.insert("text".into(), json!(format!("Question {id}?")));
                            map.insert("required".into(), json!(required));
                            let is_single = map["type"] == "single_choice";
                            if number == 1 && stratified && is_single {
                                map.insert("required".into(), json!(true));
                                stratum = Some((id.clone(), codes.clone()));
                            } else if let Some((pick, code, negate)) = condition {
                                let choosable: Vec<&(String, Vec<String>)> =
                                    earlier.iter().filter(|(_, c)| !c.is_empty()).collect();
                                if let Some((question, codes)) =
                                    choosable.get(pick % choosable.len().max(1))
                                {
                                    let test =
                                        json!({"question": question, "equals": codes[code % codes.len()]});
                                    map.insert(
                                        "show_if".into(),
                                        if negate { json!({"not": test}) } else { test },
                                    );
                                }
                            }
                            earlier.push((id, codes));
                            Value::Object(map)
                        })
                        .collect();
                    let mut page = json!({"title": format!("Page {p}"), "questions": questions});
                    // Some pages with an introduction, so the round trip covers it too.
                    if p % 2 == 1 {
                        page["description"] = json!(format!("About page {p}.\n\nIn two paragraphs."));
                    }
                    page
                })
                .collect();
            let mut definition = json!({
                "slug": "generated", "title": "Generated", "version": 1, "pages": pages,
            });
            if let Some((question, codes)) = stratum {
                let population: Map<String, Value> = codes
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.clone(), json!(10 * (i + 1))))
                    .collect();
                definition["stratification"] =
                    json!({"question": question, "frame": {"population": population}});
            }
            definition
        })
}
