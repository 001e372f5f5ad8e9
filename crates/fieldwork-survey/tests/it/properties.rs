//! Properties, checked on generated input in every `cargo test`: the parser, the validator and
//! the CSV importer never panic, and what one part of the crate writes another reads back
//! unchanged. The invariants are the fuzz targets' (`crate::harness`, which is
//! `fuzz/src/lib.rs`); proptest brings inputs shaped like definitions, answers and files, and
//! shrinks a failure to a small case. Case counts keep the whole file to a few seconds.

use std::collections::BTreeSet;

use fieldwork_survey::{
    drop_hidden_answers, parse_definition, validate_answers, Completeness, Labels,
    SyntheticRespondents, ValidatedResponse,
};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::{json, Value};

use crate::generated::generated_definition;
use crate::harness;

/// Words a definition or answers are made of, so that generated input gets past serde into
/// the checks.
const WORDS: &[&str] = &[
    "slug",
    "title",
    "version",
    "description",
    "allow_open_link",
    "stratification",
    "question",
    "frame",
    "population",
    "sources",
    "csv",
    "pages",
    "questions",
    "id",
    "type",
    "text",
    "hint",
    "required",
    "sensitive",
    "show_if",
    "options",
    "code",
    "label",
    "exclusive",
    "min_selections",
    "max_selections",
    "scale",
    "non_substantive",
    "items",
    "kind",
    "min",
    "max",
    "unit",
    "format",
    "max_length",
    "equals",
    "one_of",
    "not",
    "all",
    "any",
    "single_choice",
    "multi_choice",
    "likert",
    "likert_grid",
    "number",
    "integer",
    "decimal",
    "short",
    "long",
    "sector",
    "role",
    "councils",
    "police",
    "yes",
    "no",
    "agree",
    "",
];

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => select(WORDS).prop_map(str::to_owned),
        1 => "\\PC{0,12}",
    ]
}

/// Any JSON value, up to a few levels deep, with keys and strings mostly from [`WORDS`].
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        select(&[0.0, -1.0, 0.5, 1e300, -2.5e-8, 9.0e15][..]).prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
        word().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(word(), inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// `value` with the node reached by `path` (each step an index, modulo the children there)
/// replaced, or removed when `replacement` is `None`.
fn mutate(value: &mut Value, path: &[usize], replacement: Option<Value>) {
    let children = match value {
        Value::Object(map) => map.len(),
        Value::Array(list) => list.len(),
        _ => 0,
    };
    let Some((&step, rest)) = path.split_first().filter(|_| children > 0) else {
        if let Some(replacement) = replacement {
            *value = replacement;
        }
        return;
    };
    let at = step % children;
    let last = rest.is_empty();
    match value {
        Value::Object(map) => {
            let key = map.keys().nth(at).cloned().unwrap_or_default();
            if last && replacement.is_none() {
                map.remove(&key);
            } else if let Some(child) = map.get_mut(&key) {
                mutate(child, rest, replacement);
            }
        }
        Value::Array(list) => {
            if last && replacement.is_none() {
                list.remove(at);
            } else {
                mutate(&mut list[at], rest, replacement);
            }
        }
        _ => {}
    }
}

fn fixture_json() -> Value {
    serde_json::from_str(&crate::fixture_text()).unwrap()
}

/// The fixture with a few of its nodes replaced by any JSON or removed.
fn mutated_fixture() -> impl Strategy<Value = Value> {
    let change = (
        prop::collection::vec(any::<usize>(), 1..7),
        prop::option::weighted(0.7, any_json()),
    );
    prop::collection::vec(change, 1..4).prop_map(|changes| {
        let mut value = fixture_json();
        for (path, replacement) in changes {
            mutate(&mut value, &path, replacement);
        }
        value
    })
}

// Answers to the fixture.

fn fixture_vocabulary() -> (Vec<String>, Vec<String>) {
    let definition = harness::fixture();
    let ids: Vec<String> = definition.questions().map(|q| q.id.clone()).collect();
    let mut codes = BTreeSet::new();
    for question in definition.questions() {
        codes.extend(question.offered_codes().into_iter().map(str::to_owned));
        if let fieldwork_survey::QuestionKind::LikertGrid { items, .. } = &question.kind {
            codes.extend(items.iter().map(|i| i.id.clone()));
        }
    }
    (ids, codes.into_iter().collect())
}

/// Answers to the fixture: its question ids (and others) to codes, lists and objects of its
/// codes, numbers as numbers and as text, and any JSON.
fn fixture_answers() -> impl Strategy<Value = Value> {
    let (ids, codes) = fixture_vocabulary();
    let code = select(codes).prop_map(|c| match c.len() % 4 {
        0 => format!(" {c} "),
        _ => c,
    });
    let value = prop_oneof![
        3 => code.clone().prop_map(Value::String),
        2 => prop::collection::vec(code.clone(), 0..4).prop_map(|l| json!(l)),
        2 => prop::collection::btree_map(code.clone(), code, 0..4).prop_map(|m| json!(m)),
        1 => select(&["12", "1,234", "3,5", "-0", "1e400", "NaN", "  7  ", "9007199254740993"][..])
            .prop_map(|s| json!(s)),
        1 => any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f).map(Value::Number)),
        1 => any_json(),
    ];
    let key = prop_oneof![5 => select(ids), 1 => word()];
    prop::collection::btree_map(key, value, 0..10).prop_map(|m| json!(m))
}

/// Synthetic respondents to the fixture, some cut short into partial responses.
fn fixture_responses() -> impl Strategy<Value = Vec<ValidatedResponse>> {
    prop::collection::vec((any::<u64>(), prop::option::of(any::<u64>())), 1..5).prop_map(|seeds| {
        let definition = harness::fixture();
        seeds
            .into_iter()
            .map(|(seed, cut)| {
                let mut answers = SyntheticRespondents::new(definition, seed).respondent(None);
                let completeness = match cut {
                    None => Completeness::Complete,
                    Some(cut) => {
                        // Keep the answers whose bit in `cut` is set.
                        let keys: Vec<String> = answers.keys().cloned().collect();
                        for (i, key) in keys.iter().enumerate() {
                            if cut >> (i % 64) & 1 == 0 {
                                answers.remove(key);
                            }
                        }
                        drop_hidden_answers(definition, &mut answers);
                        Completeness::Partial
                    }
                };
                validate_answers(definition, &answers, completeness).unwrap()
            })
            .collect()
    })
}

/// A change to a file's bytes.
#[derive(Debug, Clone)]
enum Edit {
    Set(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Truncate(usize),
    /// Repeat line `n` (a duplicate response id, a repeated header).
    RepeatLine(usize),
}

/// Bytes that matter to a CSV and to the wide table's conventions.
const PIECES: &[&[u8]] = &[
    b",",
    b"\"",
    b"\r\n",
    b"\n",
    b".n",
    b"'",
    b"\xEF\xBB\xBF",
    b"\xFF",
    b"0",
    b"1",
    b"=",
];

fn edit() -> impl Strategy<Value = Edit> {
    let piece = prop_oneof![
        select(PIECES).prop_map(<[u8]>::to_vec),
        prop::collection::vec(any::<u8>(), 1..4),
    ];
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Edit::Set(at, b)),
        (any::<usize>(), piece).prop_map(|(at, bytes)| Edit::Insert(at, bytes)),
        (any::<usize>(), 1usize..20).prop_map(|(at, n)| Edit::Delete(at, n)),
        any::<usize>().prop_map(Edit::Truncate),
        any::<usize>().prop_map(Edit::RepeatLine),
    ]
}

fn apply(file: &mut Vec<u8>, edit: &Edit) {
    let at = |i: usize, len: usize| if len == 0 { 0 } else { i % (len + 1) };
    match edit {
        Edit::Set(i, byte) => {
            if !file.is_empty() {
                let i = i % file.len();
                file[i] = *byte;
            }
        }
        Edit::Insert(i, bytes) => {
            let i = at(*i, file.len());
            file.splice(i..i, bytes.iter().copied());
        }
        Edit::Delete(i, n) => {
            let i = at(*i, file.len());
            let end = (i + n).min(file.len());
            file.drain(i..end);
        }
        Edit::Truncate(i) => file.truncate(at(*i, file.len())),
        Edit::RepeatLine(n) => {
            let lines: Vec<&[u8]> = file.split_inclusive(|&b| b == b'\n').collect();
            if !lines.is_empty() {
                let line = lines[n % lines.len()].to_vec();
                file.extend_from_slice(&line);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn any_json_is_parsed_or_refused_with_problems(value in any_json()) {
        harness::definition(value.to_string().as_bytes());
    }

    #[test]
    fn a_mangled_fixture_is_parsed_or_refused_with_problems(value in mutated_fixture()) {
        harness::definition(value.to_string().as_bytes());
    }

    #[test]
    fn generated_definitions_round_trip_and_their_respondents_read_back(
        value in generated_definition()
    ) {
        // A definition that parses survives its canonical JSON, its synthetic respondents
        // validate, and their wide rows (with codes and with labels) read back unchanged.
        harness::definition(value.to_string().as_bytes());
    }

    #[test]
    fn any_answers_are_validated_without_panic(answers in fixture_answers()) {
        harness::answers(answers.to_string().as_bytes());
    }

    #[test]
    fn synthetic_respondents_are_valid_and_read_back_from_csv(
        responses in fixture_responses()
    ) {
        harness::round_trip(harness::fixture(), &responses);
    }

    #[test]
    fn a_damaged_csv_is_read_or_refused_without_panic(
        responses in fixture_responses(),
        labels in any::<bool>(),
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let labels = if labels { Labels::Text } else { Labels::Codes };
        let mut file = harness::write_wide(harness::fixture(), &responses, labels);
        for edit in &edits {
            apply(&mut file, edit);
        }
        harness::wide_csv(&file);
    }
}

/// The generator is worth its name only if most of what it makes is a valid definition.
#[test]
fn most_generated_definitions_are_valid() {
    let mut runner = TestRunner::deterministic();
    let strategy = generated_definition();
    let valid = (0..200)
        .filter(|_| {
            let value = strategy.new_tree(&mut runner).unwrap().current();
            parse_definition(&value.to_string()).is_ok()
        })
        .count();
    assert!(
        valid >= 60,
        "only {valid} of 200 generated definitions parse"
    );
}
