//! `fieldwork responses import`: a wide CSV into a survey, all of it or nothing.
//!
//! The file is read once to take its digest (each row's idempotency key comes from it), then
//! once more, a row at a time: each row is checked (on a thread of its own) and, while no row
//! has had a problem, stored, a batch per statement, inside one transaction. A problem anywhere stops the storing
//! (the rest is still read, to list every problem) and rolls back all that was stored. So
//! memory stays flat however long the file, and a good file is read and checked only once.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use anyhow::{bail, Context, Result};
use fieldwork_store::{ImportFailed, PreparedResponse, ResponseSink, Store, StoredSurvey};
use fieldwork_survey::{ImportErrors, WideCsvReader};
use sha2::{Digest, Sha256};

/// The first data row: the header is row 1.
const FIRST_ROW: u64 = 2;

#[derive(Debug, clap::Subcommand)]
pub enum ResponsesCommand {
    /// Import responses from a wide CSV (one row per response, columns named by question id).
    /// Every row is checked; a file with any problem imports nothing.
    Import {
        /// The survey's slug; rows are checked against its open version (else its latest).
        #[arg(long)]
        survey: String,
        /// The CSV file.
        file: PathBuf,
    },
}

pub fn run_responses(database: &str, command: ResponsesCommand) -> Result<()> {
    match command {
        ResponsesCommand::Import { survey, file } => import(database, &survey, &file),
    }
}

/// What a file held, beside what was stored.
struct Counted {
    partial: u64,
}

pub(crate) fn import(database: &str, slug: &str, file: &Path) -> Result<()> {
    let store = Store::open(database)?;
    let survey = store.current_survey(slug)?;
    let digest = file_digest(file)?;
    for key in [
        row_key(&digest, FIRST_ROW),
        earlier_row_key(&digest, FIRST_ROW),
    ] {
        if let Some(existing) = store.response_by_key(slug, &key)? {
            bail!(
                "{} was imported into `{slug}` before (its row {FIRST_ROW} is response {}); nothing was imported",
                file.display(),
                existing.public_id
            );
        }
    }
    let imported = store.import_responses(&survey, |sink| store_rows(&survey, file, &digest, sink));
    let imported = match imported {
        Ok(imported) => imported,
        Err(ImportFailed::Refused(error)) => {
            return Err(match error.downcast::<ImportErrors>() {
                Ok(errors) => nothing_imported(file, &errors),
                Err(other) => other,
            })
        }
        Err(ImportFailed::Store(error)) => return Err(error.into()),
    };
    println!(
        "imported {} responses ({} partial) into `{slug}` version {} from {}",
        imported.inserted,
        imported.value.partial,
        survey.version(),
        file.display()
    );
    if imported.already_stored > 0 {
        println!(
            "{} rows were stored already by an earlier import of the same file",
            imported.already_stored
        );
    }
    Ok(())
}

/// Read `file` a row at a time into `sink`; refused with the file's problems if it has any.
///
/// Reading, checking and preparing rows (their answers as JSON) runs on a thread of its own,
/// beside the storing: each side takes about half of an import's time. Prepared rows come over
/// in batches through a channel of a few batches, so no more than that is ever held.
fn store_rows(
    survey: &StoredSurvey,
    file: &Path,
    digest: &str,
    sink: &mut ResponseSink<'_>,
) -> Result<Counted, ImportFailed<anyhow::Error>> {
    let input = File::open(file)
        .with_context(|| format!("cannot read {}", file.display()))
        .map_err(ImportFailed::Refused)?;
    let rows = WideCsvReader::new(
        &survey.definition,
        BufReader::with_capacity(256 * 1024, input),
    )
    .map_err(|errors| ImportFailed::Refused(errors.into()))?;
    let (send, receive) = mpsc::sync_channel::<Vec<(u64, PreparedResponse)>>(CHANNEL_BATCHES);
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || prepare_rows(survey, rows, &send));
        let mut stored = Ok(());
        'batches: for batch in &receive {
            for (row, response) in batch {
                stored = sink.push(response, row_key(digest, row));
                if stored.is_err() {
                    // Dropping the receiver stops the reader at its next batch.
                    break 'batches;
                }
            }
        }
        drop(receive);
        let prepared = reader.join().expect("the thread reading the file panicked");
        stored?;
        prepared
    })
}

/// Rows per batch sent from the reading thread, and batches in flight.
const CHANNEL_ROWS: usize = 256;
const CHANNEL_BATCHES: usize = 4;

/// Read and check every row, sending the good ones, prepared, to `send` until one has a
/// problem (then only reading on, to list the others) or the receiver is gone.
fn prepare_rows<R: Read>(
    survey: &StoredSurvey,
    mut rows: WideCsvReader<'_, R>,
    send: &mpsc::SyncSender<Vec<(u64, PreparedResponse)>>,
) -> Result<Counted, ImportFailed<anyhow::Error>> {
    let mut partial = 0;
    let mut batch = Vec::with_capacity(CHANNEL_ROWS);
    while let Some(row) = rows.next_response() {
        // Once a row has a problem nothing will be kept.
        if rows.has_problems() {
            batch.clear();
            continue;
        }
        let response = PreparedResponse::new(survey, &row.response)?;
        if !response.is_complete() {
            partial += 1;
        }
        batch.push((row.row, response));
        if batch.len() == CHANNEL_ROWS {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(CHANNEL_ROWS));
            if send.send(full).is_err() {
                break;
            }
        }
    }
    if !batch.is_empty() && !rows.has_problems() {
        // The receiver may be gone after a store error, which it reports.
        let _ = send.send(batch);
    }
    rows.finish()
        .map_err(|errors| ImportFailed::Refused(errors.into()))?;
    Ok(Counted { partial })
}

/// The error for a file with problems, after listing them on standard error.
fn nothing_imported(file: &Path, errors: &ImportErrors) -> anyhow::Error {
    for problem in &errors.problems {
        eprintln!("{}: {problem}", file.display());
    }
    let listed = if errors.total > errors.problems.len() {
        format!(" (the first {} are listed)", errors.problems.len())
    } else {
        String::new()
    };
    anyhow::anyhow!(
        "{} problem{} in {}{listed}; nothing was imported",
        errors.total,
        if errors.total == 1 { "" } else { "s" },
        file.display()
    )
}

/// The idempotency key of row `row` of the file with SHA-256 `digest`: importing the same file
/// again stores nothing twice. The row is zero-padded so that a file's keys sort in row order:
/// each insert then lands beside the last in the key's index, where keys in random order (a
/// hash) wrote all over an index far larger than SQLite's cache, and most of an import's time
/// went to writing the same pages out again and again.
fn row_key(digest: &str, row: u64) -> String {
    format!("import:{digest}:{row:012}")
}

/// The key fieldwork gave a row before [`row_key`] (a hash of the digest and the row): a file
/// imported then is still known.
fn earlier_row_key(digest: &str, row: u64) -> String {
    let mut hash = Sha256::new();
    hash.update(b"fieldwork responses import\n");
    hash.update(digest.as_bytes());
    hash.update(format!("\n{row}").as_bytes());
    format!("{:x}", hash.finalize())
}

/// SHA-256 of a file, in hex.
fn file_digest(path: &Path) -> Result<String> {
    let mut file = File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut hash = Sha256::new();
    let mut buffer = vec![0u8; 256 * 1024];
    loop {
        let n = file
            .read(&mut buffer)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if n == 0 {
            break;
        }
        hash.update(&buffer[..n]);
    }
    Ok(format!("{:x}", hash.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_files_row_keys_sort_in_row_order() {
        let digest = "ab".repeat(32);
        let keys: Vec<String> = [2, 9, 10, 99, 100, 1_000_001]
            .into_iter()
            .map(|row| row_key(&digest, row))
            .collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
        assert_ne!(row_key(&digest, 2), earlier_row_key(&digest, 2));
    }
}
