//! Responses read from the store on this thread, made into output by workers (one per core),
//! and handed back in the order they were read.
//!
//! Reading the store is one thread's work, and parsing each response's answers and writing
//! its cells costs about as much again: done on other cores, an export takes little longer
//! than the read. This thread reads and packs responses into chunks, deals the chunks to the
//! workers in turn, and takes each chunk's output back in the same turn, so the output is in
//! the order read whatever the number of workers. Only this thread touches the output.

use std::sync::mpsc::{channel, Receiver, Sender, TryRecvError};

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
        self.text.push_str(&response.answers);
        self.rows.push(RowEnds {
            public_id,
            stratum,
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
            let row = Row {
                public_id: &self.text[start..ends.public_id],
                survey_version: ends.survey_version,
                stratum: ends.stratum.map(|end| &self.text[ends.public_id..end]),
                complete: ends.complete,
                submitted_at: ends.submitted_at,
                answers: &self.text[after_id..ends.answers],
            };
            start = ends.answers;
            row
        })
    }
}

/// Workers at most: more would wait for the one thread reading the store.
const MAX_WORKERS: usize = 4;
/// Chunks in flight per worker at most, read but not yet taken back: bounds memory.
const IN_FLIGHT_PER_WORKER: usize = 2;

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
        let mut inputs: Vec<Sender<Chunk>> = Vec::with_capacity(workers);
        let mut outputs = Vec::with_capacity(workers);
        let mut handles = Vec::with_capacity(workers);
        for _ in 0..workers {
            let (input, chunks) = channel::<Chunk>();
            let (output, done) = channel::<Result<T, ExportError>>();
            let (worker, work) = (&worker, &work);
            handles.push(scope.spawn(move || {
                let mut state = worker();
                for chunk in chunks {
                    if output.send(work(&mut state, &chunk)).is_err() {
                        break;
                    }
                }
            }));
            inputs.push(input);
            outputs.push(done);
        }
        let mut outputs = Outputs {
            outputs,
            sent: 0,
            taken: 0,
        };
        let mut count = 0u64;
        let mut chunk = Chunk::default();
        let read = store.for_each_response(slug, &filter(options), |response| {
            chunk.push(&response);
            count += 1;
            if chunk.len() == rows_per_chunk {
                let next = Chunk {
                    text: String::with_capacity(chunk.text.len() + chunk.text.len() / 8),
                    rows: Vec::with_capacity(rows_per_chunk),
                };
                outputs.send(&inputs, std::mem::replace(&mut chunk, next), &mut take)?;
            }
            Ok::<(), ExportError>(())
        });
        let mut result = read.map_err(ExportError::from).and_then(|read| read);
        if result.is_ok() && chunk.len() > 0 {
            result = outputs.send(&inputs, chunk, &mut take);
        }
        // No more chunks: the workers finish theirs and stop.
        drop(inputs);
        if result.is_ok() {
            result = outputs.take_all(&mut take);
        }
        // A worker that panicked: its panic, not the error its silence caused.
        for handle in handles {
            if let Err(panic) = handle.join() {
                std::panic::resume_unwind(panic);
            }
        }
        result.map(|()| count)
    })
}

/// The workers' outputs, taken in the order their chunks were dealt.
struct Outputs<T> {
    outputs: Vec<Receiver<Result<T, ExportError>>>,
    sent: usize,
    taken: usize,
}

impl<T> Outputs<T> {
    /// Deal `chunk` to the next worker, first taking outputs back while too many are in
    /// flight, then taking those already done.
    fn send(
        &mut self,
        inputs: &[Sender<Chunk>],
        chunk: Chunk,
        take: &mut impl FnMut(T) -> Result<(), ExportError>,
    ) -> Result<(), ExportError> {
        while self.sent - self.taken >= IN_FLIGHT_PER_WORKER * inputs.len() {
            self.take_next(take)?;
        }
        inputs[self.sent % inputs.len()]
            .send(chunk)
            .map_err(|_| worker_stopped())?;
        self.sent += 1;
        while self.taken < self.sent {
            match self.outputs[self.taken % self.outputs.len()].try_recv() {
                Ok(output) => {
                    self.taken += 1;
                    take(output?)?;
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => return Err(worker_stopped()),
            }
        }
        Ok(())
    }

    /// Wait for the oldest chunk's output and take it.
    fn take_next(
        &mut self,
        take: &mut impl FnMut(T) -> Result<(), ExportError>,
    ) -> Result<(), ExportError> {
        let output = self.outputs[self.taken % self.outputs.len()]
            .recv()
            .map_err(|_| worker_stopped())?;
        self.taken += 1;
        take(output?)
    }

    fn take_all(
        &mut self,
        take: &mut impl FnMut(T) -> Result<(), ExportError>,
    ) -> Result<(), ExportError> {
        while self.taken < self.sent {
            self.take_next(take)?;
        }
        Ok(())
    }
}

/// Only after a worker's panic, which is raised in its place once the workers are joined.
fn worker_stopped() -> ExportError {
    ExportError::Write(std::io::Error::other("an export worker stopped"))
}
