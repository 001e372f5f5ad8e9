//! Hearing about survey changes made by any server (PostgreSQL `LISTEN`/`NOTIFY`).
//!
//! A trigger on `surveys` (migration `2026-12-04-000001_operations`) notifies the channel
//! `fieldwork_surveys` with the slug of every survey imported, opened, closed or deleted, as
//! the change commits. A server listens on a connection of its own and drops its cached copy
//! of that survey, so a survey closed on one server is shown closed on all of them at once.
//! (Writes never relied on the cache: a submission confirms in its own transaction that the
//! survey takes responses.)

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

use crate::{redact, DatabaseUrl, Store, StoreError};

/// The channel the trigger notifies.
const CHANNEL: &str = "fieldwork_surveys";

/// A connection listening for survey changes. Not pooled: it holds its `LISTEN` for life.
pub struct SurveyChanges {
    conn: PgConnection,
}

impl std::fmt::Debug for SurveyChanges {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SurveyChanges")
    }
}

impl Store {
    /// Start listening for survey changes; `None` on SQLite, where one server owns the file.
    pub fn listen_for_survey_changes(&self) -> Result<Option<SurveyChanges>, StoreError> {
        let DatabaseUrl::Postgres(url) = &self.url else {
            return Ok(None);
        };
        let mut conn = PgConnection::establish(url).map_err(|e| StoreError::Connect {
            target: redact(url),
            reason: e.to_string().lines().next().unwrap_or_default().to_owned(),
        })?;
        conn.batch_execute(&format!("LISTEN {CHANNEL}"))?;
        Ok(Some(SurveyChanges { conn }))
    }
}

impl SurveyChanges {
    /// The slugs changed since the last call, waiting up to `wait` for the first. An error
    /// means the connection is lost: listen again (and forget everything cached meanwhile).
    pub fn next_changes(&mut self, wait: Duration) -> Result<Vec<String>, StoreError> {
        // libpq only reads what has arrived; a short sleep between reads keeps this cheap
        // while a change reaches the cache within `POLL` of its commit.
        const POLL: Duration = Duration::from_millis(20);
        let deadline = std::time::Instant::now() + wait;
        loop {
            let slugs = self
                .conn
                .notifications_iter()
                .map(|n| n.map(|n| n.payload))
                .collect::<Result<Vec<_>, _>>()?;
            if !slugs.is_empty() || std::time::Instant::now() >= deadline {
                return Ok(slugs);
            }
            std::thread::sleep(POLL);
        }
    }

    /// Whether the connection still answers (a lost one is found only by using it).
    pub fn check(&mut self) -> Result<(), StoreError> {
        self.conn.batch_execute("SELECT 1")?;
        Ok(())
    }
}
