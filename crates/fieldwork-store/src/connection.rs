//! Opening a database from its URL: a pool of SQLite or PostgreSQL connections.
//!
//! Both backends share one `schema.rs` and one repository API. A repository function takes
//! a [`DbConnection`], diesel's `MultiConnection` over both backends (as vaultwarden's
//! `src/db/mod.rs` does), so it is written once as a plain function and a query that one
//! backend cannot run fails to compile rather than at run time. [`Store::with_connection`]
//! lends a pooled connection; [`Store::write_transaction`] runs work in a write transaction
//! with what each backend needs: `BEGIN IMMEDIATE` on SQLite, the storage faults SQLite's
//! own rollback hides put back (`error.rs`), and a read-only SQLite connection replaced.
//!
//! One r2d2 pool of [`DbConnection`]s serves both backends, rather than a pool per backend
//! converted at each use: a `MultiConnection` owns its inner connection, so a pooled
//! `SqliteConnection` could not be lent as one. The pool's settings still differ by backend
//! ([`open_pool`]).

use std::path::PathBuf;
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::{CustomizeConnection, ManageConnection, Pool, R2D2Connection};
use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection};

use crate::error::{fault_message, is_read_only, with_fault_restored, FaultCause};
use crate::{Store, StoreError};

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where the database is, parsed from a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://PATH` (relative), `sqlite:///ABSOLUTE/PATH`, or a bare path ending in `.db`,
    /// optionally followed by `?max_size=SIZE`.
    Sqlite {
        path: PathBuf,
        /// The most bytes the database file may hold (`max_size`): past it, writes fail as on
        /// a full disk. Keeps a database from filling a disk that other things need.
        max_size: Option<u64>,
    },
    /// `postgres://...` or `postgresql://...`, passed to libpq as it is.
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, StoreError> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(url.to_owned()));
        }
        let path = if let Some(rest) = url.strip_prefix("sqlite://") {
            rest
        } else if let Some(rest) = url.strip_prefix("sqlite:") {
            rest
        } else if !url.contains("://") && !url.is_empty() {
            url
        } else {
            return Err(StoreError::BadUrl(redact(url)));
        };
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        if path.is_empty() {
            return Err(StoreError::BadUrl(url.to_owned()));
        }
        let mut max_size = None;
        for parameter in query.split('&').filter(|p| !p.is_empty()) {
            match parameter.split_once('=') {
                Some(("max_size", size)) => max_size = Some(parse_size(size)?),
                _ => {
                    return Err(StoreError::BadUrlParameter(format!(
                    "`{parameter}` is not a parameter of an SQLite URL (only `max_size=SIZE` is)"
                )))
                }
            }
        }
        Ok(DatabaseUrl::Sqlite {
            path: PathBuf::from(path),
            max_size,
        })
    }

    /// The URL with any password removed, for messages and logs.
    pub fn display(&self) -> String {
        match self {
            DatabaseUrl::Sqlite { path, max_size } => match max_size {
                Some(size) => format!("sqlite://{}?max_size={size}", path.display()),
                None => format!("sqlite://{}", path.display()),
            },
            DatabaseUrl::Postgres(url) => redact(url),
        }
    }
}

/// A size in bytes: a whole number, optionally with `K`, `M` or `G` (powers of 1024).
fn parse_size(text: &str) -> Result<u64, StoreError> {
    let bad = || {
        StoreError::BadUrlParameter(format!(
            "max_size `{text}` is not a size: give bytes, or a number with K, M or G (500M)"
        ))
    };
    let (digits, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((at, _)) => text.split_at(at),
        None => (text, ""),
    };
    let multiplier: u64 = match unit.to_ascii_uppercase().as_str() {
        "" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        _ => return Err(bad()),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(multiplier))
        .filter(|&n| n > 0)
        .ok_or_else(bad)
}

/// Hide the password in `scheme://user:password@host`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((credentials, host)) => match credentials.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// A connection to either backend. diesel's `MultiConnection` derive makes it a
/// `diesel::Connection` whose queries compile for both: a repository function takes
/// `&mut DbConnection` and is written once. Where a backend needs what the derived one
/// lacks (row locks, `ON CONFLICT`, multi-row `INSERT`, PostgreSQL's row-by-row loading),
/// the code matches on the variant and runs that statement on the concrete connection.
#[derive(diesel::MultiConnection)]
pub(crate) enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// The pool: r2d2 over [`DbConnection`], with a manager of our own rather than diesel's
/// `ConnectionManager`, for two reasons. The backend is chosen from the parsed URL, not by
/// trying each in turn (an SQLite path would accept almost anything). And a connection can
/// be marked to be closed on return ([`PooledDb::discard`]).
pub(crate) type ConnectionPool = Pool<DbManager>;

/// How long a writer waits for SQLite's lock before giving up with "database is locked".
const SQLITE_BUSY_TIMEOUT_MS: u32 = 10_000;

/// A pooled connection, and whether the pool should close it rather than keep it.
pub(crate) struct PooledDb {
    conn: DbConnection,
    /// Set after a write found the connection read-only: SQLite opens a file it cannot write
    /// read-only, and such a connection stays so after the file is writable again.
    discard: bool,
}

impl std::ops::Deref for PooledDb {
    type Target = DbConnection;
    fn deref(&self) -> &DbConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for PooledDb {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.conn
    }
}

/// Opens connections of the backend the URL names.
pub(crate) struct DbManager(DatabaseUrl);

impl ManageConnection for DbManager {
    type Connection = PooledDb;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<PooledDb, Self::Error> {
        let conn = match &self.0 {
            DatabaseUrl::Sqlite { path, .. } => {
                SqliteConnection::establish(&path.to_string_lossy()).map(DbConnection::Sqlite)
            }
            DatabaseUrl::Postgres(url) => PgConnection::establish(url).map(DbConnection::Postgres),
        };
        conn.map(|conn| PooledDb {
            conn,
            discard: false,
        })
        .map_err(diesel::r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, pooled: &mut PooledDb) -> Result<(), Self::Error> {
        pooled.conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, pooled: &mut PooledDb) -> bool {
        // As diesel's own manager: a connection dropped while panicking may be mid-transaction.
        pooled.discard || std::thread::panicking() || pooled.conn.is_broken()
    }
}

/// Every SQLite connection: WAL so readers never block the writer, `synchronous=FULL` so an
/// acknowledged commit survives power loss, a busy timeout so writers queue instead of failing,
/// and the database's size cap when the URL gives one.
#[derive(Debug)]
struct SqlitePragmas {
    max_size: Option<u64>,
}

impl SqlitePragmas {
    fn apply(&self, conn: &mut SqliteConnection) -> Result<(), diesel::result::Error> {
        conn.batch_execute(&format!(
            "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS};
             PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = ON;"
        ))?;
        if let Some(max_size) = self.max_size {
            // SQLite caps pages, per connection; past the cap a write fails with SQLITE_FULL,
            // exactly as on a full disk.
            #[derive(diesel::QueryableByName)]
            struct PageSize {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                page_size: i64,
            }
            let page: PageSize =
                diesel::sql_query("SELECT page_size FROM pragma_page_size()").get_result(conn)?;
            let pages = (max_size / page.page_size.max(512) as u64).max(1);
            conn.batch_execute(&format!("PRAGMA max_page_count = {pages};"))?;
        }
        Ok(())
    }
}

impl CustomizeConnection<PooledDb, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, pooled: &mut PooledDb) -> Result<(), diesel::r2d2::Error> {
        match &mut pooled.conn {
            DbConnection::Sqlite(conn) => self.apply(conn).map_err(diesel::r2d2::Error::QueryError),
            DbConnection::Postgres(_) => Ok(()),
        }
    }
}

pub(crate) fn open_pool(url: &DatabaseUrl, max_size: u32) -> Result<ConnectionPool, StoreError> {
    let target = url.display();
    let cannot_open = |reason: String| StoreError::Connect {
        target: target.clone(),
        reason,
    };
    let builder = Pool::builder().max_size(max_size);
    let builder = match url {
        DatabaseUrl::Sqlite {
            path,
            max_size: max_bytes,
        } => {
            let pragmas = SqlitePragmas {
                max_size: *max_bytes,
            };
            // Establish once directly: r2d2 would retry until its timeout and hide the reason.
            let mut probe = SqliteConnection::establish(&path.to_string_lossy())
                .map_err(|e| cannot_open(e.to_string()))?;
            pragmas
                .apply(&mut probe)
                .map_err(|e| cannot_open(e.to_string()))?;
            builder
                .connection_timeout(Duration::from_secs(30))
                .connection_customizer(Box::new(pragmas))
        }
        DatabaseUrl::Postgres(url) => {
            PgConnection::establish(url).map_err(|e| cannot_open(first_line(&e.to_string())))?;
            builder
                // Connections are made lazily, so a server can start while PostgreSQL is down
                // and recover when it comes back.
                .min_idle(Some(0))
                .connection_timeout(Duration::from_secs(5))
                .test_on_check_out(true)
        }
    };
    builder
        .build(DbManager(url.clone()))
        .map_err(|e| cannot_open(e.to_string()))
}

impl Store {
    /// Run `body` on a pooled connection, outside any transaction of ours.
    pub(crate) fn with_connection<T, E>(
        &self,
        body: impl FnOnce(&mut DbConnection) -> Result<T, E>,
    ) -> Result<T, StoreError>
    where
        StoreError: From<E>,
    {
        let mut pooled = self.pool.get()?;
        Ok(body(&mut pooled)?)
    }

    /// Run `body` in a write transaction: it commits if `body` returns `Ok`, and rolls back
    /// otherwise. On SQLite the transaction is IMMEDIATE (see [`immediate_transaction`]), and
    /// a connection that turns out to be read-only is closed and the transaction run again
    /// on another, at most once per pooled connection: SQLite keeps a connection opened while
    /// the file could not be written read-only after it can be. So `body` may run more than
    /// once, each time in a fresh transaction.
    ///
    /// PostgreSQL's serialization failures and deadlocks are returned, not retried here:
    /// [`StoreError::is_conflict`] names them for the caller that knows whether running the
    /// work again is safe (the server's batch writer).
    pub(crate) fn write_transaction<T, E>(
        &self,
        mut body: impl FnMut(&mut DbConnection) -> Result<T, E>,
    ) -> Result<T, StoreError>
    where
        E: From<diesel::result::Error> + FaultCause,
        StoreError: From<E>,
    {
        self.write_transaction_as(|conn| body(conn).map_err(StoreError::from))
    }

    /// [`Store::write_transaction`] for a body whose errors are not all the store's (an
    /// import refused for its file's problems): they come back as they are.
    pub(crate) fn write_transaction_as<T, E>(
        &self,
        mut body: impl FnMut(&mut DbConnection) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<diesel::result::Error> + From<StoreError> + FaultCause,
    {
        let mut attempts = 0;
        loop {
            let mut pooled = self.pool.get().map_err(StoreError::from)?;
            let result = match &mut pooled.conn {
                conn @ DbConnection::Sqlite(_) => immediate_transaction(conn, &mut body),
                conn @ DbConnection::Postgres(_) => conn.transaction(&mut body),
            };
            if is_read_only(&result) && matches!(pooled.conn, DbConnection::Sqlite(_)) {
                pooled.discard = true;
                attempts += 1;
                if attempts <= self.pool.max_size() {
                    continue;
                }
            }
            return result;
        }
    }
}

/// Run `body` in an SQLite transaction begun with `BEGIN IMMEDIATE`, which takes the write
/// lock at once: two writers then queue on the busy timeout, where with a plain BEGIN one
/// would fail with SQLITE_BUSY when it tried to upgrade its read lock. diesel offers this
/// only on `SqliteConnection`; here the transaction is begun on the inner connection and
/// `body` gets the [`DbConnection`] (both share one transaction state).
///
/// A storage fault of `body` that SQLite's own rollback hid is put back
/// ([`with_fault_restored`]). Given a PostgreSQL connection, it begins a plain transaction.
fn immediate_transaction<T, E>(
    conn: &mut DbConnection,
    body: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error> + FaultCause,
{
    type Transactions = <DbConnection as Connection>::TransactionManager;
    match conn {
        DbConnection::Sqlite(sqlite) => {
            AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?
        }
        DbConnection::Postgres(_) => Transactions::begin_transaction(conn)?,
    }
    let result = body(conn);
    let cause = fault_message(&result);
    let outcome = match result {
        Ok(value) => Transactions::commit_transaction(conn)
            .map(|()| value)
            .map_err(E::from),
        Err(error) => match Transactions::rollback_transaction(conn) {
            Ok(()) => Err(error),
            Err(rollback) => Err(E::from(rollback)),
        },
    };
    with_fault_restored(outcome, cause)
}

/// Replace the database name in a PostgreSQL URL.
pub(crate) fn with_database(server_url: &str, database: &str) -> String {
    let (base, query) = match server_url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (server_url, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    format!("{base}/{database}{query}")
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or(text).trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The write lock is taken at BEGIN: while a write transaction's body runs, another
    /// connection cannot begin a write, even before the body has written anything.
    #[test]
    fn sqlite_write_transactions_take_the_write_lock_at_begin() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lock.db");
        let store = Store::open(&format!("sqlite://{}", path.display())).unwrap();
        let mut other = SqliteConnection::establish(&path.to_string_lossy()).unwrap();
        other.batch_execute("PRAGMA busy_timeout = 0").unwrap();
        let seen = store
            .write_transaction(|_conn| {
                let refused = other.batch_execute("BEGIN IMMEDIATE").unwrap_err();
                Ok::<_, StoreError>(refused.to_string())
            })
            .unwrap();
        assert!(seen.contains("database is locked"), "{seen}");
        // Once it has committed, the lock is free again.
        other.batch_execute("BEGIN IMMEDIATE; COMMIT").unwrap();
    }
}
