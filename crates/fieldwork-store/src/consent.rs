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

/// A response's consent as the consent export lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseConsent {
    /// The store's row id, the order of the listing.
    pub response_id: i64,
    /// The response's public id, as the other exports name it.
    pub public_id: String,
    pub consent: ConsentRecord,
}

type ConsentListingRow = (
    i64,
    String,
    Option<String>,
    bool,
    NaiveDateTime,
    String,
    String,
    NaiveDateTime,
);

impl Store {
    /// Up to `limit` consents of survey `slug`'s responses that `filter` lets through, after
    /// response row `after`, in response order: pages, so that an export of any size holds one
    /// page at a time.
    pub fn consents_page(
        &self,
        slug: &str,
        filter: &crate::ResponseFilter,
        after: i64,
        limit: i64,
    ) -> Result<ConsentPage, StoreError> {
        use crate::schema::{responses, surveys};
        let rows: Vec<ConsentListingRow> = self.with_connection(|conn| {
            consents::table
                .inner_join(responses::table.inner_join(surveys::table))
                .filter(surveys::slug.eq(slug))
                .filter(responses::id.gt(after))
                .order(responses::id.asc())
                .limit(limit)
                .select((
                    responses::id,
                    responses::public_id,
                    responses::stratum,
                    responses::complete,
                    responses::updated_at,
                    consents::information_version,
                    consents::statements,
                    consents::given_at,
                ))
                .load(conn)
        })?;
        // The page is cut by id alone, then narrowed here: a page left short or empty by the
        // narrowing is not the end, only a short one before it is.
        let next_after = (rows.len() as i64 == limit)
            .then(|| rows.last().map(|row| row.0))
            .flatten();
        let consents = rows
            .into_iter()
            .filter(|(_, _, stratum, complete, updated_at, ..)| {
                (filter.include_partial || *complete)
                    && filter
                        .stratum
                        .as_ref()
                        .is_none_or(|s| stratum.as_ref() == Some(s))
                    && filter.since.is_none_or(|since| *updated_at >= since)
            })
            .map(
                |(response_id, public_id, _, _, _, information_version, statements, given_at)| {
                    ResponseConsent {
                        response_id,
                        public_id,
                        consent: ConsentRow {
                            information_version,
                            statements,
                            given_at,
                        }
                        .into(),
                    }
                },
            )
            .collect();
        Ok(ConsentPage {
            consents,
            next_after,
        })
    }
}

/// A page of [`Store::consents_page`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentPage {
    pub consents: Vec<ResponseConsent>,
    /// Where the next page starts (`after`), or None when this was the last.
    pub next_after: Option<i64>,
}
