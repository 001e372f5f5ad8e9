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

pub(crate) enum ConnectionPool {
    Sqlite(Pool<SqliteManager>),
    Postgres(Pool<ConnectionManager<PgConnection>>),
}

/// How long a writer waits for SQLite's lock before giving up with "database is locked".
const SQLITE_BUSY_TIMEOUT_MS: u32 = 10_000;

/// A pooled SQLite connection, and whether the pool should close it rather than keep it.
pub(crate) struct SqlitePooled {
    conn: SqliteConnection,
    /// Set after a write found the connection read-only: SQLite opens a file it cannot write
    /// read-only, and such a connection stays so after the file is writable again.
    pub(crate) discard: bool,
}

impl std::ops::Deref for SqlitePooled {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for SqlitePooled {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.conn
    }
}

/// diesel's r2d2 manager, plus closing connections marked [`SqlitePooled::discard`].
pub(crate) struct SqliteManager(ConnectionManager<SqliteConnection>);

impl diesel::r2d2::ManageConnection for SqliteManager {
    type Connection = SqlitePooled;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<SqlitePooled, Self::Error> {
        self.0.connect().map(|conn| SqlitePooled {
            conn,
            discard: false,
        })
    }

    fn is_valid(&self, conn: &mut SqlitePooled) -> Result<(), Self::Error> {
        self.0.is_valid(&mut conn.conn)
    }

    fn has_broken(&self, conn: &mut SqlitePooled) -> bool {
        conn.discard || self.0.has_broken(&mut conn.conn)
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
            let page: PageSize = diesel::RunQueryDsl::get_result(
                diesel::sql_query("SELECT page_size FROM pragma_page_size()"),
                conn,
            )?;
            let pages = (max_size / page.page_size.max(512) as u64).max(1);
            conn.batch_execute(&format!("PRAGMA max_page_count = {pages};"))?;
        }
        Ok(())
    }
}

impl CustomizeConnection<SqlitePooled, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut SqlitePooled) -> Result<(), diesel::r2d2::Error> {
        self.apply(&mut conn.conn)
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

pub(crate) fn open_pool(url: &DatabaseUrl, max_size: u32) -> Result<ConnectionPool, StoreError> {
    let target = url.display();
    match url {
        DatabaseUrl::Sqlite {
            path,
            max_size: max_bytes,
        } => {
            let path_text = path.to_string_lossy().into_owned();
            let pragmas = SqlitePragmas {
                max_size: *max_bytes,
            };
            // Establish once directly: r2d2 would retry until its timeout and hide the reason.
            let mut probe =
                SqliteConnection::establish(&path_text).map_err(|e| StoreError::Connect {
                    target: target.clone(),
                    reason: e.to_string(),
                })?;
            pragmas.apply(&mut probe).map_err(|e| StoreError::Connect {
                target: target.clone(),
                reason: e.to_string(),
            })?;
            let pool = Pool::builder()
                .max_size(max_size)
                .connection_timeout(Duration::from_secs(30))
                .connection_customizer(Box::new(pragmas))
                .build(SqliteManager(ConnectionManager::new(path_text)))
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
                // A connection SQLite opened read-only (the file could not be written then)
                // stays read-only after the file is writable again: it is closed, and the
                // transaction runs again on another, at most once per pooled connection.
                let mut attempts = 0;
                loop {
                    let mut pooled = pool.get()?;
                    let mut cause = None;
                    let result = pooled.immediate_transaction(|$conn| {
                        // A closure of its own, so that a `?` in the body comes back here.
                        #[allow(clippy::redundant_closure_call)]
                        let result = (|| $body)();
                        cause = $crate::error::fault_message(&result);
                        result
                    });
                    let result = $crate::error::with_fault_restored(result, cause);
                    if $crate::error::is_read_only(&result) {
                        pooled.discard = true;
                        attempts += 1;
                        if attempts <= pool.max_size() {
                            continue;
                        }
                    }
                    break result;
                }
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
