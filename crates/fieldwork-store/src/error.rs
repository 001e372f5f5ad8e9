use thiserror::Error;

/// What can go wrong in the store, in the terms of the person who asked.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("`{0}` is not a database URL: use sqlite://PATH or postgres://USER@HOST/DB")]
    BadUrl(String),
    #[error("cannot open the database at {target}: {reason}")]
    Connect { target: String, reason: String },
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error("cannot apply the database migrations: {0}")]
    Migration(String),
    #[error("there is no survey `{0}`")]
    SurveyNotFound(String),
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
    #[error("database error: {0}")]
    Database(#[from] diesel::result::Error),
}

impl From<r2d2::Error> for StoreError {
    fn from(error: r2d2::Error) -> Self {
        StoreError::Unavailable(error.to_string())
    }
}

impl StoreError {
    /// Whether trying again later may succeed (the database is down, locked or out of space),
    /// as opposed to a mistake in the request. The server answers these with 503.
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

    pub fn is_transient(&self) -> bool {
        use diesel::result::{DatabaseErrorKind, Error as DieselError};
        match self {
            StoreError::Unavailable(_) | StoreError::Connect { .. } => true,
            StoreError::Database(DieselError::DatabaseError(kind, info)) => {
                matches!(
                    kind,
                    DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::SerializationFailure
                ) || {
                    let message = info.message();
                    // SQLite: locked, read-only or full; PostgreSQL: connection loss, shutdown.
                    message.contains("database is locked")
                        || message.contains("readonly")
                        || message.contains("read-only")
                        || message.contains("disk is full")
                        || message.contains("disk I/O error")
                        || message.contains("terminating connection")
                        || message.contains("deadlock detected")
                        || message.contains("server closed the connection")
                }
            }
            _ => false,
        }
    }
}
