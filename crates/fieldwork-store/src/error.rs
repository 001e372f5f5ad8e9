use thiserror::Error;

/// What can go wrong in the store, in the terms of the person who asked.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("`{0}` is not a database URL: use sqlite://PATH or postgres://USER@HOST/DB")]
    BadUrl(String),
    #[error("the database URL is not right: {0}")]
    BadUrlParameter(String),
    #[error("cannot open the database at {target}: {reason}")]
    Connect { target: String, reason: String },
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// The database's storage refused a write, which rolled back: nothing of it was stored.
    #[error("{fault}: {reason}")]
    Storage { fault: StorageFault, reason: String },
    #[error("cannot apply the database migrations: {0}")]
    Migration(String),
    #[error("there is no survey `{0}`")]
    SurveyNotFound(String),
    /// Closed (or deleted) before the write committed.
    #[error("survey `{0}` is not taking responses")]
    SurveyClosed(String),
    #[error("there is no version {version} of survey `{slug}`")]
    SurveyVersionNotFound { slug: String, version: u32 },
    #[error("survey `{slug}` already has version {version} with a different definition; give the new definition a higher version")]
    VersionConflict { slug: String, version: u32 },
    #[error("survey `{slug}` is at version {latest}; a new import must have a higher version than that, not {given}")]
    VersionNotNewer {
        slug: String,
        latest: u32,
        given: u32,
    },
    #[error("the stored definition of `{slug}` version {version} does not parse: {reason}")]
    CorruptDefinition {
        slug: String,
        version: u32,
        reason: String,
    },
    #[error("the response does not belong to survey `{slug}` version {version}")]
    WrongSurvey { slug: String, version: u32 },
    #[error("the submission was refused: {0:?}")]
    Refused(crate::SubmissionRefused),
    #[error("there is already an account for {0}")]
    UserExists(String),
    #[error("there is no account for {0}")]
    UserNotFound(String),
    #[error("there is no API token with id {0}")]
    TokenNotFound(i64),
    #[error("{email} has no role on survey `{slug}`: share it with them first")]
    NoRole { email: String, slug: String },
    #[error("survey `{0}` must keep an owner: make someone else owner first")]
    LastOwner(String),
    #[error("the report cannot be published: {0}")]
    InvalidReport(String),
    /// A backup could not be taken or restored; says why in the operator's terms.
    #[error("{0}")]
    Backup(String),
    /// Contacts the survey already lists, by their positions (from 0) in the list given.
    #[error("{} of the contacts are already listed for this survey", .0.len())]
    ContactsAlreadyListed(Vec<usize>),
    #[error("database error: {0}")]
    Database(#[from] diesel::result::Error),
}

impl From<r2d2::Error> for StoreError {
    fn from(error: r2d2::Error) -> Self {
        StoreError::Unavailable(error.to_string())
    }
}

/// Why the database's storage cannot take a write now, whatever was asked of it. The write
/// rolled back, so nothing of it was stored; the server answers 503 and says which.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageFault {
    /// The disk is full, or the database reached the `max_size` of its URL (SQLITE_FULL;
    /// PostgreSQL's "No space left on device").
    Full,
    /// The database file, its directory or its file system cannot be written
    /// (SQLITE_READONLY; PostgreSQL refusing writes in a read-only transaction).
    ReadOnly,
    /// Reading, writing or opening the database's files failed (SQLITE_IOERR,
    /// SQLITE_CANTOPEN; PostgreSQL's "Input/output error").
    Io,
}

impl std::fmt::Display for StorageFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StorageFault::Full => "the database's storage is full",
            StorageFault::ReadOnly => "the database is read-only",
            StorageFault::Io => "the database's storage failed",
        })
    }
}

impl StorageFault {
    /// The fault a database error message names, if any. SQLite's messages are its result
    /// codes' fixed texts (`sqlite3_errstr`); PostgreSQL's end with the system's error text.
    pub fn from_message(message: &str) -> Option<Self> {
        const FAULTS: [(&str, StorageFault); 8] = [
            ("database or disk is full", StorageFault::Full),
            ("No space left on device", StorageFault::Full),
            (
                "attempt to write a readonly database",
                StorageFault::ReadOnly,
            ),
            ("read-only transaction", StorageFault::ReadOnly),
            ("Read-only file system", StorageFault::ReadOnly),
            ("disk I/O error", StorageFault::Io),
            ("unable to open database file", StorageFault::Io),
            ("Input/output error", StorageFault::Io),
        ];
        FAULTS
            .iter()
            .find(|(text, _)| message.contains(text))
            .map(|(_, fault)| *fault)
    }

    /// SQLite's text for the fault, which [`StorageFault::from_message`] reads back.
    fn sqlite_message(self) -> &'static str {
        match self {
            StorageFault::Full => "database or disk is full",
            StorageFault::ReadOnly => "attempt to write a readonly database",
            StorageFault::Io => "disk I/O error",
        }
    }

    /// The fault behind a diesel error, looking inside a commit that failed and whose
    /// rollback failed too.
    pub(crate) fn of_diesel(error: &diesel::result::Error) -> Option<Self> {
        use diesel::result::{DatabaseErrorKind, Error as DieselError};
        match error {
            DieselError::DatabaseError(DatabaseErrorKind::ReadOnlyTransaction, _) => {
                Some(StorageFault::ReadOnly)
            }
            DieselError::DatabaseError(_, info) => StorageFault::from_message(info.message()),
            DieselError::RollbackErrorOnCommit {
                commit_error,
                rollback_error,
            } => Self::of_diesel(commit_error).or_else(|| Self::of_diesel(rollback_error)),
            _ => None,
        }
    }
}

impl StoreError {
    /// Whether the database's storage refused the work (full, read-only, failing), rather
    /// than the request being wrong or the database being busy.
    pub fn storage_fault(&self) -> Option<StorageFault> {
        match self {
            StoreError::Storage { fault, .. } => Some(*fault),
            StoreError::Database(error) => StorageFault::of_diesel(error),
            // A connection that could not be opened (r2d2 keeps only the message).
            StoreError::Unavailable(reason) | StoreError::Connect { reason, .. } => {
                StorageFault::from_message(reason)
            }
            _ => None,
        }
    }

    /// This error as it is handed to each of several callers (the writer answers a whole
    /// batch with one): the storage fault kept, the rest as `Unavailable`.
    pub fn shared(&self) -> StoreError {
        match self.storage_fault() {
            Some(fault) => StoreError::Storage {
                fault,
                reason: self.to_string(),
            },
            None => StoreError::Unavailable(self.to_string()),
        }
    }

    /// The transaction lost a race with another (a deadlock or a serialization failure):
    /// running it again is likely to succeed at once.
    pub fn is_conflict(&self) -> bool {
        use diesel::result::{DatabaseErrorKind, Error as DieselError};
        matches!(
            self,
            StoreError::Database(DieselError::DatabaseError(kind, info))
                if matches!(kind, DatabaseErrorKind::SerializationFailure)
                    || info.message().contains("deadlock detected")
        )
    }

    /// Whether trying again later may succeed (the database is down, locked, full or
    /// read-only), as opposed to a mistake in the request. The server answers these with 503.
    pub fn is_transient(&self) -> bool {
        use diesel::result::{DatabaseErrorKind, Error as DieselError};
        if self.storage_fault().is_some() {
            return true;
        }
        match self {
            StoreError::Unavailable(_) | StoreError::Connect { .. } => true,
            StoreError::Database(DieselError::DatabaseError(kind, info)) => {
                matches!(
                    kind,
                    DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::SerializationFailure
                ) || {
                    let message = info.message();
                    // SQLite: locked; PostgreSQL: connection loss, shutdown.
                    message.contains("database is locked")
                        || message.contains("terminating connection")
                        || message.contains("deadlock detected")
                        || message.contains("server closed the connection")
                }
            }
            _ => false,
        }
    }
}

/// Errors a transaction's body may return, asked for the storage fault behind them.
pub(crate) trait FaultCause {
    fn storage_fault(&self) -> Option<StorageFault>;
    /// The database's own message, to stand in for this error if it gets lost.
    fn database_message(&self) -> Option<String>;
}

impl FaultCause for diesel::result::Error {
    fn storage_fault(&self) -> Option<StorageFault> {
        StorageFault::of_diesel(self)
    }
    fn database_message(&self) -> Option<String> {
        match self {
            diesel::result::Error::DatabaseError(_, info) => Some(info.message().to_owned()),
            _ => None,
        }
    }
}

impl FaultCause for StoreError {
    fn storage_fault(&self) -> Option<StorageFault> {
        StoreError::storage_fault(self)
    }
    fn database_message(&self) -> Option<String> {
        match self {
            StoreError::Database(error) => error.database_message(),
            _ => None,
        }
    }
}

/// The outcome of an SQLite write transaction, with a storage fault of its body put back if
/// it was lost. SQLite rolls a transaction back by itself on some faults (SQLITE_FULL,
/// SQLITE_IOERR); diesel's own ROLLBACK then fails with "cannot rollback - no transaction is
/// active", and that error, which says nothing of the cause, is the one diesel returns.
pub(crate) fn with_fault_restored<T, E>(result: Result<T, E>, cause: Option<String>) -> Result<T, E>
where
    E: FaultCause + From<diesel::result::Error>,
{
    match (result, cause) {
        (Err(error), Some(message)) if error.storage_fault().is_none() => {
            Err(E::from(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::Unknown,
                Box::new(message),
            )))
        }
        (result, _) => result,
    }
}

/// The database message of a storage fault in `result`, for [`with_fault_restored`].
pub(crate) fn fault_message<T, E: FaultCause>(result: &Result<T, E>) -> Option<String> {
    let error = result.as_ref().err()?;
    let fault = error.storage_fault()?;
    Some(
        error
            .database_message()
            .filter(|m| StorageFault::from_message(m) == Some(fault))
            .unwrap_or_else(|| fault.sqlite_message().to_owned()),
    )
}

/// Whether `result` failed because its connection could not write.
pub(crate) fn is_read_only<T, E: FaultCause>(result: &Result<T, E>) -> bool {
    matches!(result, Err(error) if error.storage_fault() == Some(StorageFault::ReadOnly))
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::result::{DatabaseErrorKind, Error as DieselError};

    fn database_error(message: &str) -> StoreError {
        StoreError::Database(DieselError::DatabaseError(
            DatabaseErrorKind::Unknown,
            Box::new(message.to_owned()),
        ))
    }

    #[test]
    fn storage_faults_are_read_from_both_backends_messages() {
        for (message, fault) in [
            ("database or disk is full", Some(StorageFault::Full)),
            (
                "could not extend file \"base/16384/2619\": No space left on device",
                Some(StorageFault::Full),
            ),
            (
                "attempt to write a readonly database",
                Some(StorageFault::ReadOnly),
            ),
            (
                "cannot execute INSERT in a read-only transaction",
                Some(StorageFault::ReadOnly),
            ),
            ("disk I/O error", Some(StorageFault::Io)),
            ("unable to open database file", Some(StorageFault::Io)),
            ("database is locked", None),
            ("UNIQUE constraint failed: responses.public_id", None),
        ] {
            let error = database_error(message);
            assert_eq!(error.storage_fault(), fault, "{message}");
            assert_eq!(error.shared().storage_fault(), fault, "{message}");
        }
        assert!(database_error("database is locked").is_transient());
        assert!(database_error("disk I/O error").is_transient());
    }

    #[test]
    fn a_fault_lost_behind_a_failed_rollback_is_put_back() {
        let body: Result<(), StoreError> = Err(database_error("database or disk is full"));
        let cause = fault_message(&body);
        let returned: Result<(), StoreError> =
            Err(database_error("cannot rollback - no transaction is active"));
        let restored = with_fault_restored(returned, cause).unwrap_err();
        assert_eq!(restored.storage_fault(), Some(StorageFault::Full));
        // Another error is left as it is.
        let returned: Result<(), StoreError> = Err(StoreError::SurveyNotFound("x".into()));
        assert!(matches!(
            with_fault_restored(returned, None),
            Err(StoreError::SurveyNotFound(_))
        ));
    }
}
