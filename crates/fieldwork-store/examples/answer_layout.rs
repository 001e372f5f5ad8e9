//! Measures the answer layout the store uses against the obvious alternative, same rows, one run.
//!
//! `cargo run --release -p fieldwork-store --example answer_layout -- [N] [POSTGRES_URL]`
//!
//! - document: what fieldwork does. One `responses` row per response; its answers are one compact
//!   JSON object. Written through `Store::insert_responses` in batches of 1,000, read back
//!   through `Store::for_each_response` and parsed.
//! - long: one row per answer (`response_id, question_id, item, value`), as an
//!   entity-attribute-value table would hold them, written in batches of 1,000 responses and
//!   read back in response order and regrouped into one map per response.
//!
//! The long layout runs on SQLite only (the embedded default, where the choice matters most);
//! the document layout also runs on PostgreSQL when a URL is given.

use std::collections::BTreeMap;
use std::time::Instant;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use fieldwork_store::{NewResponse, Store};
use fieldwork_survey::{
    parse_definition, resolve_frame_csv, validate_answers, Completeness, SyntheticRespondents,
    ValidatedResponse,
};

const BATCH: usize = 1000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(100_000);
    let postgres = args.next();

    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures");
    let mut definition = parse_definition(&std::fs::read_to_string(format!(
        "{root}/surveys/digital-leadership.json"
    ))?)
    .map_err(|e| e.to_string())?;
    resolve_frame_csv(
        &mut definition,
        &std::fs::read_to_string(format!("{root}/frames/uk-public-sector.csv"))?,
    )
    .map_err(|e| e.to_string())?;

    let responses: Vec<ValidatedResponse> = SyntheticRespondents::new(&definition, 1)
        .take(n)
        .map(|answers| validate_answers(&definition, &answers, Completeness::Complete))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{e:?}"))?;
    let answers_per_response = responses
        .iter()
        .map(|r| long_rows(0, r).len())
        .sum::<usize>() as f64
        / n as f64;
    println!("{n} synthetic responses of digital-leadership, {answers_per_response:.1} answer rows each in the long layout");
    println!(
        "{:<28} {:>14} {:>14} {:>12}",
        "layout", "insert resp/s", "read resp/s", "size MiB"
    );

    let dir = tempfile::tempdir()?;
    let sqlite = format!("sqlite://{}", dir.path().join("document.db").display());
    let (insert, read) = document_layout(&sqlite, &definition, &responses)?;
    let size = file_size(&dir.path().join("document.db"));
    report("document, SQLite", n, insert, read, Some(size));

    let (insert, read) = long_layout(&dir.path().join("long.db"), &responses)?;
    let size = file_size(&dir.path().join("long.db"));
    report("long (row per answer), SQLite", n, insert, read, Some(size));

    if let Some(url) = postgres {
        let (insert, read) = document_layout(&url, &definition, &responses)?;
        report("document, PostgreSQL", n, insert, read, None);
    }
    Ok(())
}

fn report(name: &str, n: usize, insert: f64, read: f64, size: Option<u64>) {
    let size = size.map_or("-".to_owned(), |s| format!("{:.1}", s as f64 / 1048576.0));
    println!(
        "{name:<28} {:>14.0} {:>14.0} {size:>12}",
        n as f64 / insert,
        n as f64 / read
    );
}

fn file_size(path: &std::path::Path) -> u64 {
    let wal = path.with_extension("db-wal");
    std::fs::metadata(path).map_or(0, |m| m.len()) + std::fs::metadata(wal).map_or(0, |m| m.len())
}

/// Seconds to insert and to read back every response, fieldwork's way.
fn document_layout(
    url: &str,
    definition: &fieldwork_survey::SurveyDefinition,
    responses: &[ValidatedResponse],
) -> Result<(f64, f64), Box<dyn std::error::Error>> {
    let store = Store::open(url)?;
    let survey = store.import_survey(definition)?.survey().clone();
    let keys: Vec<String> = (0..responses.len()).map(|i| format!("bench-{i}")).collect();
    let started = Instant::now();
    for (chunk, chunk_keys) in responses.chunks(BATCH).zip(keys.chunks(BATCH)) {
        let batch: Vec<NewResponse<'_>> = chunk
            .iter()
            .zip(chunk_keys)
            .map(|(response, key)| NewResponse {
                response,
                submission_key: key,
            })
            .collect();
        store.insert_responses(&survey, &batch)?;
    }
    let insert = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let mut answers_seen = 0usize;
    store.for_each_response(&definition.slug, &Default::default(), |row| {
        let parsed: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&row.answers)?;
        answers_seen += parsed.len();
        Ok::<(), serde_json::Error>(())
    })??;
    let read = started.elapsed().as_secs_f64();
    assert!(answers_seen > 0);
    Ok((insert, read))
}

#[derive(QueryableByName)]
struct LongRow {
    #[diesel(sql_type = BigInt)]
    response_id: i64,
    #[diesel(sql_type = Text)]
    question_id: String,
    #[diesel(sql_type = Text)]
    item: String,
    #[diesel(sql_type = Text)]
    value: String,
}

/// One `(question, item, value)` row per answer; multi-choice answers give a row per code.
fn long_rows(response_id: i64, response: &ValidatedResponse) -> Vec<(i64, String, String, String)> {
    use fieldwork_survey::Answer;
    let mut rows = Vec::new();
    for (question, answer) in response.answers() {
        match answer {
            Answer::Choice(code) => {
                rows.push((response_id, question.clone(), String::new(), code.clone()))
            }
            Answer::Choices(codes) => rows.extend(
                codes
                    .iter()
                    .map(|c| (response_id, question.clone(), c.clone(), "1".to_owned())),
            ),
            Answer::Grid(items) => rows.extend(
                items
                    .iter()
                    .map(|(i, c)| (response_id, question.clone(), i.clone(), c.clone())),
            ),
            Answer::Integer(x) => {
                rows.push((response_id, question.clone(), String::new(), x.to_string()))
            }
            Answer::Decimal(x) => {
                rows.push((response_id, question.clone(), String::new(), x.to_string()))
            }
            Answer::Text(t) => rows.push((response_id, question.clone(), String::new(), t.clone())),
        }
    }
    rows
}

fn long_layout(
    path: &std::path::Path,
    responses: &[ValidatedResponse],
) -> Result<(f64, f64), Box<dyn std::error::Error>> {
    let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
    conn.batch_execute(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
         CREATE TABLE answers (response_id INTEGER NOT NULL, question_id TEXT NOT NULL,
                               item TEXT NOT NULL, value TEXT NOT NULL);
         CREATE INDEX answers_by_response ON answers (response_id);",
    )?;
    let started = Instant::now();
    for (c, chunk) in responses.chunks(BATCH).enumerate() {
        conn.immediate_transaction(|conn| {
            for (i, response) in chunk.iter().enumerate() {
                let id = (c * BATCH + i) as i64;
                for (response_id, question, item, value) in long_rows(id, response) {
                    diesel::sql_query(
                        "INSERT INTO answers (response_id, question_id, item, value) VALUES (?, ?, ?, ?)",
                    )
                    .bind::<BigInt, _>(response_id)
                    .bind::<Text, _>(question)
                    .bind::<Text, _>(item)
                    .bind::<Text, _>(value)
                    .execute(conn)?;
                }
            }
            Ok::<(), diesel::result::Error>(())
        })?;
    }
    let insert = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let mut current: Option<i64> = None;
    let mut response: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut regrouped = 0usize;
    let rows = diesel::sql_query(
        "SELECT response_id, question_id, item, value FROM answers ORDER BY response_id",
    )
    .load_iter::<LongRow, diesel::connection::DefaultLoadingMode>(&mut conn)?;
    for row in rows {
        let row = row?;
        if current != Some(row.response_id) {
            if current.is_some() {
                regrouped += 1;
            }
            response.clear();
            current = Some(row.response_id);
        }
        response.insert((row.question_id, row.item), row.value);
    }
    regrouped += usize::from(current.is_some());
    let read = started.elapsed().as_secs_f64();
    assert_eq!(regrouped, responses.len());
    Ok((insert, read))
}
