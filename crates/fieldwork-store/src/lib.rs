#![doc = include_str!("../README.md")]

pub mod audit;
mod backup;
mod changes;
mod collection;
mod connection;
mod consent;
mod contacts;
mod deletion;
mod error;
mod import;
mod invitations;
mod limits;
mod outbox;
mod pledges;
mod readiness;
mod reports;
mod responses;
mod retention;
mod schema;
mod surveys;
#[cfg(feature = "testing")]
pub mod testing;
mod users;

use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub use audit::{AuditEntry, AuditEvent, CLI_ACTOR, RESPONDENT_ACTOR};
pub use backup::{backup_sqlite, restore_sqlite, BackupTaken};
pub use changes::SurveyChanges;
pub use collection::{ResponseStart, StartOutcome, Submission, SubmissionRefused, Submitted};
pub use connection::{redact, Backend, DatabaseUrl};
pub use consent::{ConsentPage, ConsentRecord, GivenConsent, ResponseConsent};
pub use contacts::{Contact, ContactDeletion, ContactToStore, OptOutTarget, StratumOutreach};
pub use deletion::SurveyContents;
pub use error::{StorageFault, StoreError};
pub use import::{ImportFailed, Imported, PreparedResponse, ResponseSink};
pub use invitations::{Invitation, InvitationClaim};
pub use outbox::{ClaimedMessage, FailedMessage, Pending, INTERRUPTED_REPLY};
pub use pledges::{Attribution, PendingPledge, PledgeChoice, PledgeStatus, PublishedPledge};
pub use reports::{is_valid_report_path, NewReportFile, PublishedReport, ReportFile, REPORT_INDEX};
pub use responses::{InsertOutcome, NewResponse, ResponseFilter, StoredResponse, StratumCount};
pub use retention::RetentionApplied;
pub use surveys::{ImportOutcome, StoredSurvey, SurveyStatus, SurveySummary};
pub use users::{
    ApiToken, NewSession, PasswordChange, Role, Session, SignInFailures, TokenScope, User,
};

use connection::{open_pool, ConnectionPool, DbConnection};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// The default database when none is given: an SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://fieldwork.db";

/// The fieldwork database: surveys, responses, invitations, researchers and the audit log,
/// on SQLite or PostgreSQL.
///
/// Cheap to share behind an `Arc`; every method takes a pooled connection for its own work.
pub struct Store {
    pool: ConnectionPool,
    url: DatabaseUrl,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("url", &self.url.display())
            .finish()
    }
}

impl Store {
    /// Open the database at `url` and bring its schema up to date.
    /// An SQLite file is created if it does not exist.
    pub fn open(url: &str) -> Result<Self, StoreError> {
        let store = Self::open_without_migrating(url)?;
        store.migrate()?;
        Ok(store)
    }

    /// Open the database at `url` as it is.
    pub fn open_without_migrating(url: &str) -> Result<Self, StoreError> {
        let url = DatabaseUrl::parse(url)?;
        let pool = open_pool(&url, pool_size(&url))?;
        Ok(Store { pool, url })
    }

    pub fn backend(&self) -> Backend {
        match self.url {
            DatabaseUrl::Sqlite { .. } => Backend::Sqlite,
            DatabaseUrl::Postgres(_) => Backend::Postgres,
        }
    }

    /// The database's URL, without any password.
    pub fn display_url(&self) -> String {
        self.url.display()
    }

    /// Apply any migrations not yet applied; returns the names of those it applied.
    pub fn migrate(&self) -> Result<Vec<String>, StoreError> {
        let applied = self.with_connection(|conn| {
            // Each backend has its own migrations, run on its own connection type.
            let applied = match conn {
                DbConnection::Sqlite(conn) => conn.run_pending_migrations(SQLITE_MIGRATIONS),
                DbConnection::Postgres(conn) => conn.run_pending_migrations(POSTGRES_MIGRATIONS),
            };
            applied
                .map(|versions| versions.iter().map(|v| v.to_string()).collect::<Vec<_>>())
                .map_err(|e| StoreError::Migration(e.to_string()))
        })?;
        if !applied.is_empty() {
            tracing::info!(count = applied.len(), "applied database migrations");
        }
        Ok(applied)
    }

    /// Whether a connection can be had and answers a trivial query.
    pub fn check_health(&self) -> Result<(), StoreError> {
        use diesel::connection::SimpleConnection;
        self.with_connection(|conn| conn.batch_execute("SELECT 1"))?;
        Ok(())
    }
}

/// SQLite serialises writers anyway, so a few connections serve readers; PostgreSQL gains
/// from more.
fn pool_size(url: &DatabaseUrl) -> u32 {
    match url {
        DatabaseUrl::Sqlite { .. } => 8,
        DatabaseUrl::Postgres(_) => 16,
    }
}

/// The current time, as the store records it (UTC, microseconds).
pub(crate) fn now() -> chrono::NaiveDateTime {
    let now = chrono::Utc::now().naive_utc();
    // Both backends keep microseconds; round here so a value reads back as it was written.
    chrono::DurationRound::duration_trunc(now, chrono::TimeDelta::microseconds(1)).unwrap_or(now)
}

/// A new response's public id: a version 7 UUID, the time in milliseconds then 74 random
/// bits. In time order, a batch's new entries in the public id index share its last page or
/// two, where random UUIDs put each on a page of its own: with 64 rows to a commit, that
/// rewriting was a third of what SQLite wrote. The random bits keep it unguessable.
pub(crate) fn new_public_id() -> String {
    let random = uuid::Uuid::new_v4();
    let mut counter_random_bytes = [0u8; 10];
    counter_random_bytes.copy_from_slice(&random.as_bytes()[6..]);
    let millis = u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0);
    uuid::Builder::from_unix_timestamp_millis(millis, &counter_random_bytes)
        .into_uuid()
        .to_string()
}

/// A time as both backends keep it: whole microseconds.
pub(crate) fn micros(at: chrono::NaiveDateTime) -> chrono::NaiveDateTime {
    chrono::DurationRound::duration_trunc(at, chrono::TimeDelta::microseconds(1)).unwrap_or(at)
}

impl Store {
    /// The database software and its version, e.g. `SQLite 3.40.1` or `PostgreSQL 15.8`.
    pub fn backend_version(&self) -> Result<String, StoreError> {
        use diesel::sql_types::Text;
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Version {
            #[diesel(sql_type = Text)]
            version: String,
        }
        self.with_connection(|conn| match conn {
            DbConnection::Sqlite(conn) => diesel::sql_query("SELECT sqlite_version() AS version")
                .get_result(conn)
                .map(|v: Version| format!("SQLite {}", v.version)),
            DbConnection::Postgres(conn) => {
                diesel::sql_query("SELECT current_setting('server_version') AS version")
                    .get_result(conn)
                    .map(|v: Version| format!("PostgreSQL {}", v.version))
            }
        })
    }
}

/// Make a new, empty database named `PREFIX_RANDOM` on the PostgreSQL server at `server_url`
/// (whose user may create databases), for a benchmark's scratch data; its URL.
pub fn create_scratch_database(server_url: &str, prefix: &str) -> Result<String, StoreError> {
    use diesel::{Connection, RunQueryDsl};
    let DatabaseUrl::Postgres(server_url) = DatabaseUrl::parse(server_url)? else {
        return Err(StoreError::BadUrl(redact(server_url)));
    };
    // A plain name (checked prefix, then a uuid) needs no quoting in the SQL below.
    if prefix.is_empty()
        || !prefix
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(StoreError::Unavailable(format!(
            "`{prefix}` is not a plain database name"
        )));
    }
    let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
    let mut admin =
        diesel::PgConnection::establish(&server_url).map_err(|e| StoreError::Connect {
            target: redact(&server_url),
            reason: e.to_string().lines().next().unwrap_or_default().to_owned(),
        })?;
    diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin)?;
    Ok(connection::with_database(&server_url, &name))
}

/// Drop a database made by [`create_scratch_database`].
pub fn drop_scratch_database(server_url: &str, database_url: &str) -> Result<(), StoreError> {
    use diesel::{Connection, RunQueryDsl};
    let name = database_url
        .split('?')
        .next()
        .and_then(|base| base.rsplit('/').next())
        .filter(|n| {
            n.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        })
        .ok_or_else(|| StoreError::BadUrl(redact(database_url)))?;
    let mut admin =
        diesel::PgConnection::establish(server_url).map_err(|e| StoreError::Connect {
            target: redact(server_url),
            reason: e.to_string().lines().next().unwrap_or_default().to_owned(),
        })?;
    diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)?;
    Ok(())
}

/// SQLite settings as a connection sees them; see [`Store::sqlite_pragmas`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlitePragmas {
    pub journal_mode: String,
    /// 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA.
    pub synchronous: i32,
    pub busy_timeout_ms: i32,
}

impl Store {
    /// The durability settings of a pooled SQLite connection (`None` on PostgreSQL).
    pub fn sqlite_pragmas(&self) -> Result<Option<SqlitePragmas>, StoreError> {
        use diesel::sql_types::{Integer, Text};
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Mode {
            #[diesel(sql_type = Text)]
            journal_mode: String,
        }
        #[derive(diesel::QueryableByName)]
        struct Sync {
            #[diesel(sql_type = Integer)]
            synchronous: i32,
        }
        #[derive(diesel::QueryableByName)]
        struct Busy {
            #[diesel(sql_type = Integer)]
            timeout: i32,
        }
        self.with_connection(|conn| {
            let DbConnection::Sqlite(conn) = conn else {
                return Ok(None);
            };
            let mode: Mode = diesel::sql_query("PRAGMA journal_mode").get_result(conn)?;
            let sync: Sync = diesel::sql_query("PRAGMA synchronous").get_result(conn)?;
            let busy: Busy = diesel::sql_query("PRAGMA busy_timeout").get_result(conn)?;
            Ok::<_, diesel::result::Error>(Some(SqlitePragmas {
                journal_mode: mode.journal_mode,
                synchronous: sync.synchronous,
                busy_timeout_ms: busy.timeout,
            }))
        })
    }

    /// SQLite's `PRAGMA integrity_check`: `ok`, or the problems it found, one per line
    /// (`None` on PostgreSQL).
    pub fn sqlite_integrity_check(&self) -> Result<Option<String>, StoreError> {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Check {
            #[diesel(sql_type = diesel::sql_types::Text)]
            integrity_check: String,
        }
        self.with_connection(|conn| {
            let DbConnection::Sqlite(conn) = conn else {
                return Ok(None);
            };
            let rows: Vec<Check> = diesel::sql_query("PRAGMA integrity_check").load(conn)?;
            Ok::<_, diesel::result::Error>(Some(
                rows.into_iter()
                    .map(|r| r.integrity_check)
                    .collect::<Vec<_>>()
                    .join("\n"),
            ))
        })
    }
}
