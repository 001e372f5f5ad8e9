//! Responses read from the store on one thread, made into output by workers (one per core),
//! and handed back to this thread in the order they were read.
//!
//! Reading the store is one thread's work; parsing each response's answers and writing its
//! cells costs about as much again, and putting the output out (a file, a response body) a
//! good part of that: each on threads of their own, an export takes little longer than the
//! read. The reader packs responses into chunks and deals them to the workers in turn; this
//! thread takes each chunk's output back in the same turn, so the output is in the order read
//! whatever the number of workers, and only this thread touches the output. Every channel is
//! bounded, so memory holds a few chunks whatever the number of responses.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use chrono::NaiveDateTime;
use fieldwork_store::{Store, StoredResponse};

use super::{filter, ExportError, ExportOptions};

/// One response as an export reads it, borrowed from its [`Chunk`].
#[derive(Debug, Clone, Copy)]
pub(super) struct Row<'a> {
    pub public_id: &'a str,
    pub survey_version: u32,
    pub stratum: Option<&'a str>,
    pub complete: bool,
    pub submitted_at: Option<NaiveDateTime>,
    /// The language of the pages it was given on, if known.
    pub language: Option<&'a str>,
    /// The stored answers object (JSON text).
    pub answers: &'a str,
}

/// Responses one after another: their text in one string, so a worker frees one allocation
/// per chunk rather than three per response made on another thread.
#[derive(Debug, Default)]
pub(super) struct Chunk {
    text: String,
    rows: Vec<RowEnds>,
}

#[derive(Debug)]
struct RowEnds {
    public_id: usize,
    /// Where the stratum ends, if the response has one.
    stratum: Option<usize>,
    /// Where the language ends, if the response has one.
    language: Option<usize>,
    answers: usize,
    survey_version: u32,
    complete: bool,
    submitted_at: Option<NaiveDateTime>,
}

impl Chunk {
    fn push(&mut self, response: &StoredResponse) {
        self.text.push_str(&response.public_id);
        let public_id = self.text.len();
        let stratum = response.stratum.as_deref().map(|s| {
            self.text.push_str(s);
            self.text.len()
        });
        let language = response.language.as_deref().map(|l| {
            self.text.push_str(l);
            self.text.len()
        });
        self.text.push_str(&response.answers);
        self.rows.push(RowEnds {
            public_id,
            stratum,
            language,
            answers: self.text.len(),
            survey_version: response.survey_version,
            complete: response.complete,
            submitted_at: response.submitted_at,
        });
    }

    pub(super) fn len(&self) -> usize {
        self.rows.len()
    }

    pub(super) fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        let mut start = 0;
        self.rows.iter().map(move |ends| {
            let after_id = ends.stratum.unwrap_or(ends.public_id);
            let after_language = ends.language.unwrap_or(after_id);
            let row = Row {
                public_id: &self.text[start..ends.public_id],
                survey_version: ends.survey_version,
                stratum: ends.stratum.map(|end| &self.text[ends.public_id..end]),
                complete: ends.complete,
                submitted_at: ends.submitted_at,
                language: ends.language.map(|end| &self.text[after_id..end]),
                answers: &self.text[after_language..ends.answers],
            };
            start = ends.answers;
            row
        })
    }
}

/// Workers at most: more would wait for the one thread reading the store.
const MAX_WORKERS: usize = 4;
/// Chunks waiting per worker at most, on each side of it.
const QUEUED_PER_WORKER: usize = 2;

/// Read the responses `options` select, `rows_per_chunk` at a time; `work` makes each chunk's
/// output on a worker (with a state made by `worker` on each), and `take` gets the outputs in
/// the order read, on this thread. The number of responses read.
pub(super) fn in_order<W, T>(
    store: &Store,
    slug: &str,
    options: &ExportOptions,
    rows_per_chunk: usize,
    worker: impl Fn() -> W + Sync,
    work: impl Fn(&mut W, &Chunk) -> Result<T, ExportError> + Sync,
    mut take: impl FnMut(T) -> Result<(), ExportError>,
) -> Result<u64, ExportError>
where
    T: Send,
{
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_WORKERS));
    std::thread::scope(|scope| {
        let mut inputs = Vec::with_capacity(workers);
        let mut outputs = Vec::with_capacity(workers);
        let mut handles = Vec::with_capacity(workers);
        for _ in 0..workers {
            let (input, chunks) = sync_channel::<Chunk>(QUEUED_PER_WORKER);
            let (output, done) = sync_channel::<Result<T, ExportError>>(QUEUED_PER_WORKER);
            let (worker, work) = (&worker, &work);
            handles.push(scope.spawn(move || {
                let mut state = worker();
                for chunk in chunks {
                    // This thread stopped taking outputs: stop.
                    if output.send(work(&mut state, &chunk)).is_err() {
                        break;
                    }
                }
            }));
            inputs.push(input);
            outputs.push(done);
        }
        let reader = scope.spawn(move || read(store, slug, options, rows_per_chunk, inputs));
        let taken = take_in_order(&outputs, &mut take);
        // Taking stopped (at an error, or at the end): the workers and the reader stop too.
        drop(outputs);
        let read = reader.join();
        // A thread that panicked: its panic, not the errors its silence caused elsewhere.
        for handle in handles {
            if let Err(panic) = handle.join() {
                std::panic::resume_unwind(panic);
            }
        }
        let count = read.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        // An error taking first: the reader's is then only that nobody took its chunks.
        taken?;
        count
    })
}

/// The reader: every response, packed into chunks dealt to the workers in turn. Stops early,
/// with an error, when the workers have stopped.
fn read(
    store: &Store,
    slug: &str,
    options: &ExportOptions,
    rows_per_chunk: usize,
    inputs: Vec<SyncSender<Chunk>>,
) -> Result<u64, ExportError> {
    let mut count = 0u64;
    let mut sent = 0usize;
    let mut chunk = Chunk::default();
    let mut send = |chunk: Chunk| {
        let sent_to = &inputs[sent % inputs.len()];
        sent += 1;
        sent_to.send(chunk).map_err(|_| workers_stopped())
    };
    store.for_each_response(slug, &filter(options), |response| {
        chunk.push(&response);
        count += 1;
        if chunk.len() == rows_per_chunk {
            // The next chunk will be about as long: no growing it as it fills.
            let next = Chunk {
                text: String::with_capacity(chunk.text.len() + chunk.text.len() / 8),
                rows: Vec::with_capacity(rows_per_chunk),
            };
            send(std::mem::replace(&mut chunk, next))?;
        }
        Ok::<(), ExportError>(())
    })??;
    if chunk.len() > 0 {
        send(chunk)?;
    }
    Ok(count)
}

/// Take the workers' outputs in the order their chunks were dealt, until the workers are done
/// (the reader has finished and they have emptied their queues) or an output is an error.
fn take_in_order<T>(
    outputs: &[Receiver<Result<T, ExportError>>],
    take: &mut impl FnMut(T) -> Result<(), ExportError>,
) -> Result<(), ExportError> {
    for next in (0..outputs.len()).cycle() {
        // Chunks are dealt in turn: the first worker with nothing more to give was dealt the
        // chunk after the last.
        let Ok(output) = outputs[next].recv() else {
            return Ok(());
        };
        take(output?)?;
    }
    Ok(())
}

/// Only when this thread stopped taking outputs (its own error is the one reported), or
/// after a worker's panic (raised in its place).
fn workers_stopped() -> ExportError {
    ExportError::Write(std::io::Error::other("the export's workers stopped"))
}
