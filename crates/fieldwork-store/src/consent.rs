//! The consent a respondent gave before answering, kept apart from the answers and deleted with
//! the response (the foreign key cascades on withdrawal, retention and deleting a survey).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::schema::consents;
use crate::{Store, StoreError};

/// What a respondent agreed to: the participant information's version and each statement's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GivenConsent {
    pub information_version: String,
    pub statements: Vec<String>,
}

/// A consent as stored, with when it was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRecord {
    pub information_version: String,
    pub statements: Vec<String>,
    pub given_at: NaiveDateTime,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = consents)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct ConsentRow {
    information_version: String,
    statements: String,
    given_at: NaiveDateTime,
}

impl From<ConsentRow> for ConsentRecord {
    fn from(row: ConsentRow) -> Self {
        ConsentRecord {
            information_version: row.information_version,
            // Written by `record_consent` only, as a JSON array of ids.
            statements: serde_json::from_str(&row.statements).unwrap_or_default(),
            given_at: row.given_at,
        }
    }
}

/// Records `consent` for the response `response_id`, inside the caller's transaction.
pub(crate) fn record_consent(
    conn: &mut DbConnection,
    response_id: i64,
    consent: &GivenConsent,
    given_at: NaiveDateTime,
) -> QueryResult<()> {
    let statements = serde_json::to_string(&consent.statements).unwrap_or_default();
    diesel::insert_into(consents::table)
        .values((
            consents::response_id.eq(response_id),
            consents::information_version.eq(&consent.information_version),
            consents::statements.eq(statements),
            consents::given_at.eq(given_at),
        ))
        .execute(conn)?;
    Ok(())
}

impl Store {
    /// The consent given for the response `response_id`, if one was recorded (responses sent
    /// through the API or imported from a file have none).
    pub fn consent_of(&self, response_id: i64) -> Result<Option<ConsentRecord>, StoreError> {
        self.with_connection(|conn| {
            consents::table
                .find(response_id)
                .select(ConsentRow::as_select())
                .first(conn)
                .optional()
                .map(|row| row.map(ConsentRecord::from))
        })
    }
}
