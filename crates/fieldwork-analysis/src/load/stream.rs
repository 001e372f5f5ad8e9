//! Streaming complete responses out of the store into the frame: this thread reads, parsers
//! (one per core) fill their own columns, and their parts are stacked at the end.

use std::collections::BTreeMap;
use std::sync::Arc;

use fieldwork_store::{ResponseFilter, Store};
use fieldwork_survey::SurveyDefinition;
use polars::prelude::*;

use super::column::Builder;
use super::layout::Layout;
use super::ResponseFrame;
use crate::AnalysisError;

/// Read every complete response of `slug` (all versions) through the store, laid out by
/// `definition` (normally the latest version). Free text is not loaded: it is never analysed.
/// Each response's cell is its stratum and its answers to `raking_questions` (single
/// choice), every one of which it must have answered.
///
/// Only each response's stratum and answers are read, and the answers are parsed straight
/// into the columns with codes kept as dictionary indexes: at a million responses, owned
/// strings and a JSON tree per response were most of the analysis's time.
pub fn load_responses(
    store: &Store,
    slug: &str,
    definition: &SurveyDefinition,
    raking_questions: &[String],
) -> Result<ResponseFrame, AnalysisError> {
    let started = std::time::Instant::now();
    let layout = Layout::new(definition, raking_questions)?;
    // Every parser's code columns share one polars Categories per column, so the parts'
    // frames give a code the same id and stack without copying.
    let categories: Vec<Option<Arc<Categories>>> = layout
        .columns
        .iter()
        .map(|(name, builder)| {
            matches!(builder, Builder::Codes { .. })
                .then(|| Categories::random(name.as_str().into(), CategoricalPhysical::U32))
        })
        .collect();
    // Parsing answers costs about twice what reading them does, so this thread reads while
    // parsers, one per core, take the chunks read in turn (so the rows' order, and every
    // sum, is the same on every run with the same number of cores).
    let parsers = std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_PARSERS));
    let parts = std::thread::scope(|scope| {
        let mut inputs = Vec::with_capacity(parsers);
        let mut handles = Vec::with_capacity(parsers);
        for _ in 0..parsers {
            let (input, chunks) = std::sync::mpsc::sync_channel::<Chunk>(2);
            let mut layout = layout.clone();
            let categories = &categories;
            inputs.push(input);
            handles.push(scope.spawn(move || {
                for chunk in chunks {
                    for (stratum, answers) in chunk.rows() {
                        layout.add_row(stratum, answers)?;
                    }
                }
                layout.finish(categories)
            }));
        }
        let mut chunk = Chunk::default();
        let mut sent = 0usize;
        let read = store.for_each_answers(slug, &ResponseFilter::default(), |stratum, answers| {
            if let Some(stratum) = stratum {
                chunk.push(&stratum, &answers);
            }
            if chunk.ends.len() == CHUNK_ROWS {
                // The next chunk will be about as long: no growing it as it fills.
                let next = Chunk {
                    text: String::with_capacity(chunk.text.len() + chunk.text.len() / 8),
                    ends: Vec::with_capacity(CHUNK_ROWS),
                };
                let full = std::mem::replace(&mut chunk, next);
                // A parser stopped (at a corrupt response): stop reading; its error is the
                // one reported.
                inputs[sent % parsers].send(full).map_err(|_| ())?;
                sent += 1;
            }
            Ok::<_, ()>(())
        });
        if !chunk.ends.is_empty() {
            let _ = inputs[sent % parsers].send(chunk);
        }
        drop(inputs);
        let parts: Vec<Result<Part, AnalysisError>> = handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect();
        // A store error first; then a parser's, which is why reading stopped early if it did.
        let _stopped_for_a_parser = read?;
        parts
            .into_iter()
            .collect::<Result<Vec<Part>, AnalysisError>>()
    })?;
    let parsed_at = started.elapsed();
    let frame = Part::stack(parts)?;
    tracing::debug!(
        parsers,
        parse_ms = parsed_at.as_millis() as u64,
        stack_ms = (started.elapsed() - parsed_at).as_millis() as u64,
        "responses loaded"
    );
    Ok(frame)
}

/// Responses handed from the reading thread to a parser at a time.
const CHUNK_ROWS: usize = 2048;

/// Responses' strata and answers, one after another in one string: a parser frees one
/// allocation per chunk instead of two per response made on another thread.
#[derive(Default)]
struct Chunk {
    text: String,
    /// Where each response's stratum ends and where its answers end.
    ends: Vec<(usize, usize)>,
}

impl Chunk {
    fn push(&mut self, stratum: &str, answers: &str) {
        self.text.push_str(stratum);
        let stratum_end = self.text.len();
        self.text.push_str(answers);
        self.ends.push((stratum_end, self.text.len()));
    }

    fn rows(&self) -> impl Iterator<Item = (&str, &str)> {
        let mut start = 0;
        self.ends.iter().map(move |&(stratum_end, answers_end)| {
            let row = (
                &self.text[start..stratum_end],
                &self.text[stratum_end..answers_end],
            );
            start = answers_end;
            row
        })
    }
}

/// More parsers than this would wait for the one thread reading the store.
const MAX_PARSERS: usize = 4;

/// What one parser made of its share of the responses.
pub(super) struct Part {
    pub(super) frame: DataFrame,
    pub(super) sampled: BTreeMap<String, f64>,
    pub(super) cells: BTreeMap<String, f64>,
    /// Complete responses left out because a raking question was unanswered, per question.
    pub(super) unanswered: BTreeMap<String, u64>,
}

impl Part {
    /// The parts' frames one above another (their chunks, not copied) and their counts added.
    fn stack(parts: Vec<Part>) -> Result<ResponseFrame, AnalysisError> {
        let mut frame: Option<DataFrame> = None;
        let mut sampled = BTreeMap::new();
        let mut cells = BTreeMap::new();
        let mut unanswered: BTreeMap<String, u64> = BTreeMap::new();
        for part in parts {
            match &mut frame {
                None => frame = Some(part.frame),
                Some(frame) => {
                    frame.vstack_mut_owned(part.frame)?;
                }
            }
            add_counts(&mut sampled, part.sampled);
            add_counts(&mut cells, part.cells);
            for (question, count) in part.unanswered {
                *unanswered.entry(question).or_default() += count;
            }
        }
        if let Some((question, count)) = unanswered.into_iter().next() {
            return Err(AnalysisError::Weighting(format!(
                "raking on `{question}` needs every response to answer it, and {count} complete \
                 responses did not; choose a required question or leave it out of the plan's margins"
            )));
        }
        let mut frame = frame.unwrap_or_default();
        // One chunk per column: every query would otherwise gather the chunks again.
        frame.rechunk_mut_par();
        Ok(ResponseFrame {
            frame,
            sampled,
            cells,
        })
    }
}

fn add_counts(total: &mut BTreeMap<String, f64>, part: BTreeMap<String, f64>) {
    for (key, count) in part {
        *total.entry(key).or_default() += count;
    }
}
