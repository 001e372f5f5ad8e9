//! Importing responses from a file: stored as the file is read, a batch per statement, all in
//! one transaction that the reader can still refuse when it reaches the end.
//!
//! Nothing is held but the batch being filled, so memory does not grow with the file; and the
//! whole import commits or rolls back at once, so a file with a bad row late in it leaves
//! nothing behind.

use std::fmt;

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use fieldwork_survey::{Completeness, ValidatedResponse};

use crate::connection::DbConnection;
use crate::error::{FaultCause, StorageFault};
use crate::schema::responses;
use crate::surveys::StoredSurvey;
use crate::{now, Store, StoreError};

/// Rows per `INSERT`: 9 parameters each, well under SQLite's limit of 32,766 and
/// PostgreSQL's of 65,535. Every full batch is the same statement, prepared once.
const BATCH: usize = 512;

/// SQLite's page cache for the import's connection, in KiB. A million rows write about a
/// gigabyte in one transaction; with SQLite's default 2 MB the pages of the indexes being
/// filled are evicted and written to the WAL again and again. This much holds the pages every
/// index is appending to; it is a cap, reached by any import of more than a few ten
/// thousand rows, so the import's memory does not grow past it with the file.
const IMPORT_CACHE_KIB: i64 = 64 * 1024;

/// A response row as an import writes it. `None` is written as NULL, not `DEFAULT`: with a
/// `DEFAULT`, diesel would write an SQLite batch one row per statement.
#[derive(Insertable)]
#[diesel(table_name = responses)]
#[diesel(treat_none_as_default_value = false)]
struct ImportRow {
    public_id: String,
    survey_id: i64,
    submission_key: String,
    stratum: Option<String>,
    complete: bool,
    answers: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    submitted_at: Option<NaiveDateTime>,
}

/// `INSERT ... ON CONFLICT DO NOTHING` of `$rows` on `$conn`, giving the rows inserted. On
/// the concrete connection: diesel's `MultiConnection` backend writes neither `ON CONFLICT`
/// nor a multi-row `INSERT`.
macro_rules! insert_unless_stored {
    ($conn:expr, $rows:expr) => {{
        let insert = diesel::insert_into(responses::table)
            .values($rows)
            .on_conflict_do_nothing();
        match $conn {
            DbConnection::Sqlite(conn) => insert.execute(conn),
            DbConnection::Postgres(conn) => insert.execute(conn),
        }
    }};
}

/// A validated response made ready to store: checked to belong to the survey, its answers
/// written as JSON. Any thread can make it, so that this work need not wait on the one writing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedResponse {
    survey_id: i64,
    stratum: Option<String>,
    complete: bool,
    answers: String,
}

impl PreparedResponse {
    pub fn new(survey: &StoredSurvey, response: &ValidatedResponse) -> Result<Self, StoreError> {
        if response.survey_slug() != survey.slug() || response.survey_version() != survey.version()
        {
            return Err(StoreError::WrongSurvey {
                slug: survey.slug().to_owned(),
                version: survey.version(),
            });
        }
        Ok(PreparedResponse {
            survey_id: survey.id,
            stratum: response.stratum().map(str::to_owned),
            complete: response.completeness() == Completeness::Complete,
            answers: response.answers_json(),
        })
    }

    pub fn is_complete(&self) -> bool {
        self.complete
    }
}

/// Where an import puts the responses it reads, inside its transaction
/// ([`Store::import_responses`]).
pub struct ResponseSink<'a> {
    conn: &'a mut DbConnection,
    survey: &'a StoredSurvey,
    at: NaiveDateTime,
    batch: Vec<ImportRow>,
    received: u64,
    inserted: u64,
}

impl fmt::Debug for ResponseSink<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseSink")
            .field("survey", &(self.survey.slug(), self.survey.version()))
            .field("received", &self.received)
            .field("inserted", &self.inserted)
            .finish_non_exhaustive()
    }
}

impl ResponseSink<'_> {
    /// Store `response` under idempotency key `submission_key`, unless a response with that
    /// key is stored already. Keys that follow one another in sort order keep the writes to
    /// the key's index in one place (see `responses import`).
    pub fn push(
        &mut self,
        response: PreparedResponse,
        submission_key: String,
    ) -> Result<(), StoreError> {
        if response.survey_id != self.survey.id {
            return Err(StoreError::WrongSurvey {
                slug: self.survey.slug().to_owned(),
                version: self.survey.version(),
            });
        }
        self.batch.push(ImportRow {
            public_id: crate::new_public_id(),
            survey_id: response.survey_id,
            submission_key,
            stratum: response.stratum,
            complete: response.complete,
            answers: response.answers,
            created_at: self.at,
            updated_at: self.at,
            submitted_at: response.complete.then_some(self.at),
        });
        self.received += 1;
        if self.batch.len() == BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), StoreError> {
        // A full batch as an array: diesel caches the statement of a fixed number of rows.
        let inserted = match <&[ImportRow; BATCH]>::try_from(self.batch.as_slice()) {
            Ok(full) => insert_unless_stored!(&mut *self.conn, full)?,
            Err(_) if self.batch.is_empty() => 0,
            Err(_) => insert_unless_stored!(&mut *self.conn, &self.batch)?,
        };
        self.inserted += inserted as u64;
        self.batch.clear();
        Ok(())
    }
}

/// What an import stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported<T> {
    /// What the import's body returned.
    pub value: T,
    pub inserted: u64,
    /// Responses whose key was stored already (by an earlier import of the same file), left
    /// as they were.
    pub already_stored: u64,
}

/// Why an import stored nothing.
#[derive(Debug)]
pub enum ImportFailed<E> {
    /// The import's body refused it (its file has problems).
    Refused(E),
    Store(StoreError),
}

impl<E: fmt::Display> fmt::Display for ImportFailed<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportFailed::Refused(reason) => reason.fmt(f),
            ImportFailed::Store(error) => error.fmt(f),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for ImportFailed<E> {}

impl<E> From<StoreError> for ImportFailed<E> {
    fn from(error: StoreError) -> Self {
        ImportFailed::Store(error)
    }
}

impl<E> From<diesel::result::Error> for ImportFailed<E> {
    fn from(error: diesel::result::Error) -> Self {
        ImportFailed::Store(error.into())
    }
}

impl<E> FaultCause for ImportFailed<E> {
    fn storage_fault(&self) -> Option<StorageFault> {
        match self {
            ImportFailed::Store(error) => error.storage_fault(),
            ImportFailed::Refused(_) => None,
        }
    }
    fn database_message(&self) -> Option<String> {
        match self {
            ImportFailed::Store(error) => FaultCause::database_message(error),
            ImportFailed::Refused(_) => None,
        }
    }
}

impl Store {
    /// Import responses to `survey` in one write transaction: `body` reads them and pushes
    /// each into the sink, which writes them a batch at a time. If `body` fails (refusing the
    /// import with [`ImportFailed::Refused`], or with the sink's error), everything it pushed
    /// is rolled back. `body` may run again from the start, in a fresh transaction,
    /// if the first connection turns out read-only ([`Store::write_transaction`]).
    pub fn import_responses<T, E>(
        &self,
        survey: &StoredSurvey,
        mut body: impl FnMut(&mut ResponseSink<'_>) -> Result<T, ImportFailed<E>>,
    ) -> Result<Imported<T>, ImportFailed<E>> {
        let at = now();
        self.write_transaction_as(|conn| {
            let previous_cache = set_cache_size(conn, -IMPORT_CACHE_KIB)?;
            let mut sink = ResponseSink {
                conn: &mut *conn,
                survey,
                at,
                batch: Vec::with_capacity(BATCH),
                received: 0,
                inserted: 0,
            };
            let imported = match body(&mut sink) {
                Ok(value) => sink.flush().map_err(ImportFailed::from).map(|()| Imported {
                    value,
                    inserted: sink.inserted,
                    already_stored: sink.received - sink.inserted,
                }),
                Err(failed) => Err(failed),
            };
            // Back to the pool's cache, whether the import stands or not.
            if let Some(size) = previous_cache {
                set_cache_size(conn, size)?;
            }
            imported
        })
    }
}

/// Set SQLite's page cache of `conn` (pages, or KiB when negative, as the pragma takes it),
/// giving what it was; nothing on PostgreSQL.
fn set_cache_size(conn: &mut DbConnection, size: i64) -> QueryResult<Option<i64>> {
    #[derive(QueryableByName)]
    struct CacheSize {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        cache_size: i64,
    }
    let DbConnection::Sqlite(conn) = conn else {
        return Ok(None);
    };
    let previous: CacheSize =
        diesel::sql_query("SELECT cache_size FROM pragma_cache_size()").get_result(conn)?;
    conn.batch_execute(&format!("PRAGMA cache_size = {size}"))?;
    Ok(Some(previous.cache_size))
}
