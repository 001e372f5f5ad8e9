//! Opening a database from its URL: a pool of SQLite or PostgreSQL connections.
//!
//! Both backends share one `schema.rs` and one repository API. Each repository function is
//! written once and compiled for both backends by the [`with_connection!`] and
//! [`write_transaction!`] macros (the approach vaultwarden takes with its `db_run!`), so a
//! query that one backend cannot run fails to compile rather than at run time.

use std::path::PathBuf;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};
use diesel::{Connection, PgConnection, SqliteConnection};

use crate::StoreError;

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where the database is, parsed from a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://PATH` (relative), `sqlite:///ABSOLUTE/PATH`, or a bare path ending in `.db`.
    Sqlite(PathBuf),
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
        if path.is_empty() {
            return Err(StoreError::BadUrl(url.to_owned()));
        }
        Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
    }

    /// The URL with any password removed, for messages and logs.
    pub fn display(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => redact(url),
        }
    }
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

pub(crate) enum ConnectionPool {
    Sqlite(Pool<ConnectionManager<SqliteConnection>>),
    Postgres(Pool<ConnectionManager<PgConnection>>),
}

/// How long a writer waits for SQLite's lock before giving up with "database is locked".
const SQLITE_BUSY_TIMEOUT_MS: u32 = 10_000;

/// Every SQLite connection: WAL so readers never block the writer, `synchronous=FULL` so an
/// acknowledged commit survives power loss, a busy timeout so writers queue instead of failing.
#[derive(Debug)]
struct SqlitePragmas;

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(&format!(
            "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS};
             PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = ON;"
        ))
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

pub(crate) fn open_pool(url: &DatabaseUrl, max_size: u32) -> Result<ConnectionPool, StoreError> {
    let target = url.display();
    match url {
        DatabaseUrl::Sqlite(path) => {
            let path_text = path.to_string_lossy().into_owned();
            // Establish once directly: r2d2 would retry until its timeout and hide the reason.
            let mut probe =
                SqliteConnection::establish(&path_text).map_err(|e| StoreError::Connect {
                    target: target.clone(),
                    reason: e.to_string(),
                })?;
            SqlitePragmas
                .on_acquire(&mut probe)
                .map_err(|e| StoreError::Connect {
                    target: target.clone(),
                    reason: e.to_string(),
                })?;
            let pool = Pool::builder()
                .max_size(max_size)
                .connection_timeout(Duration::from_secs(30))
                .connection_customizer(Box::new(SqlitePragmas))
                .build(ConnectionManager::<SqliteConnection>::new(path_text))
                .map_err(|e| StoreError::Connect {
                    target,
                    reason: e.to_string(),
                })?;
            Ok(ConnectionPool::Sqlite(pool))
        }
        DatabaseUrl::Postgres(url) => {
            PgConnection::establish(url).map_err(|e| StoreError::Connect {
                target: target.clone(),
                reason: first_line(&e.to_string()),
            })?;
            let pool = Pool::builder()
                .max_size(max_size)
                // Connections are made lazily, so a server can start while PostgreSQL is down
                // and recover when it comes back.
                .min_idle(Some(0))
                .connection_timeout(Duration::from_secs(5))
                .test_on_check_out(true)
                .build(ConnectionManager::<PgConnection>::new(url.clone()))
                .map_err(|e| StoreError::Connect {
                    target,
                    reason: e.to_string(),
                })?;
            Ok(ConnectionPool::Postgres(pool))
        }
    }
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

/// Run `$body` with `$conn` bound to a pooled connection of whichever backend the store uses.
macro_rules! with_connection {
    ($store:expr, |$conn:ident| $body:expr) => {{
        match &$store.pool {
            $crate::connection::ConnectionPool::Sqlite(pool) => {
                let mut pooled = pool.get()?;
                let $conn: &mut diesel::SqliteConnection = &mut pooled;
                $body
            }
            $crate::connection::ConnectionPool::Postgres(pool) => {
                let mut pooled = pool.get()?;
                let $conn: &mut diesel::PgConnection = &mut pooled;
                $body
            }
        }
    }};
}

/// Like [`with_connection!`], inside a write transaction. On SQLite the transaction is
/// IMMEDIATE: it takes the write lock at BEGIN, so two writers queue on the busy timeout
/// instead of one failing with SQLITE_BUSY when it tries to upgrade a read lock.
macro_rules! write_transaction {
    ($store:expr, |$conn:ident| $body:expr) => {{
        match &$store.pool {
            $crate::connection::ConnectionPool::Sqlite(pool) => {
                let mut pooled = pool.get()?;
                let conn: &mut diesel::SqliteConnection = &mut pooled;
                conn.immediate_transaction(|$conn| $body)
            }
            $crate::connection::ConnectionPool::Postgres(pool) => {
                let mut pooled = pool.get()?;
                let conn: &mut diesel::PgConnection = &mut pooled;
                diesel::Connection::transaction(conn, |$conn| $body)
            }
        }
    }};
}

pub(crate) use {with_connection, write_transaction};
