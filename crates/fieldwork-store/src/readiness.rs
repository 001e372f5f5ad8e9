//! Whether this database can do a server's work now, beside answering at all
//! ([`Store::check_health`]): its schema is the one this build expects, and its storage takes a
//! write. The server's `/readyz` asks both, so that a load balancer takes a server whose
//! database cannot store out of rotation.

use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
use diesel_migrations::MigrationHarness;

use crate::connection::DbConnection;
use crate::schema::readiness_probes;
use crate::{Store, StoreError, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};

/// The probe row's size: more than a page of SQLite's (4 KiB), so that inserting it needs a
/// new page and fails exactly when a response would (a full disk, or `max_size` reached).
const PROBE_BYTES: usize = 8 * 1024;

impl Store {
    /// The names of this build's migrations that the database has not applied.
    pub fn pending_migrations(&self) -> Result<Vec<String>, StoreError> {
        self.with_connection(|conn| {
            let pending = match conn {
                DbConnection::Sqlite(conn) => conn
                    .pending_migrations(SQLITE_MIGRATIONS)
                    .map(|m| m.iter().map(|m| m.name().to_string()).collect()),
                DbConnection::Postgres(conn) => conn
                    .pending_migrations(POSTGRES_MIGRATIONS)
                    .map(|m| m.iter().map(|m| m.name().to_string()).collect()),
            };
            pending.map_err(|e| StoreError::Migration(e.to_string()))
        })
    }

    /// Write a probe row and delete it, committed: an error says the storage refused.
    pub fn probe_write(&self) -> Result<(), StoreError> {
        let padding = "0".repeat(PROBE_BYTES);
        self.write_transaction(|conn| {
            let id: i64 = diesel::insert_into(readiness_probes::table)
                .values(readiness_probes::padding.eq(&padding))
                .returning(readiness_probes::id)
                .get_result(conn)?;
            diesel::delete(readiness_probes::table.filter(readiness_probes::id.eq(id)))
                .execute(conn)?;
            Ok::<_, StoreError>(())
        })
    }
}
