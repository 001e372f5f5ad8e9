//! Invitations: single-use links. The store sees only hashes of tokens.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::deletion::{lock_survey, SurveyLock};
use crate::schema::invitations;
use crate::{now, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = invitations)]
pub struct Invitation {
    pub id: i64,
    pub survey_slug: String,
    pub stratum: String,
    pub created_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub response_id: Option<i64>,
    /// The language the respondent's pages open in (`None`: as their browser asks).
    pub language: Option<String>,
}

/// The result of trying to use an invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvitationClaim {
    /// This call used it.
    Claimed,
    /// It had been used already, for this response.
    AlreadyUsed {
        response_id: Option<i64>,
    },
    NotFound,
}

/// An invitation row to insert (by `create_invitations_in`, and with a contact).
#[derive(Insertable)]
#[diesel(table_name = invitations)]
pub(crate) struct NewInvitationRow<'a> {
    pub(crate) survey_slug: &'a str,
    pub(crate) token_hash: &'a str,
    pub(crate) stratum: &'a str,
    pub(crate) created_at: NaiveDateTime,
    pub(crate) language: Option<&'a str>,
}

/// Rows per INSERT statement: well under SQLite's limit of 32,766 bound parameters.
const INSERT_CHUNK: usize = 500;

impl Store {
    /// Record invitations for a stratum of a survey, all or none.
    pub fn create_invitations(
        &self,
        slug: &str,
        stratum: &str,
        token_hashes: &[String],
    ) -> Result<usize, StoreError> {
        self.create_invitations_in(slug, stratum, None, token_hashes)
    }

    /// [`Store::create_invitations`], whose respondents' pages open in `language` (one of the
    /// survey's languages, checked by the caller).
    pub fn create_invitations_in(
        &self,
        slug: &str,
        stratum: &str,
        language: Option<&str>,
        token_hashes: &[String],
    ) -> Result<usize, StoreError> {
        // The survey must exist; its stratum list is checked by the caller's domain logic.
        self.latest_survey(slug)?;
        let created_at = now();
        self.write_transaction(|conn| {
            lock_survey(conn, slug, SurveyLock::Share)?;
            let mut created = 0;
            for chunk in token_hashes.chunks(INSERT_CHUNK) {
                let rows: Vec<NewInvitationRow<'_>> = chunk
                    .iter()
                    .map(|hash| NewInvitationRow {
                        survey_slug: slug,
                        token_hash: hash,
                        stratum,
                        created_at,
                        language,
                    })
                    .collect();
                let insert = diesel::insert_into(invitations::table).values(&rows);
                // diesel's MultiConnection backend cannot write a multi-row INSERT; each
                // backend can.
                created += match conn {
                    DbConnection::Sqlite(conn) => insert.execute(conn),
                    DbConnection::Postgres(conn) => insert.execute(conn),
                }?;
            }
            Ok::<_, StoreError>(created)
        })
    }

    pub fn find_invitation(&self, token_hash: &str) -> Result<Option<Invitation>, StoreError> {
        self.with_connection(|conn| {
            invitations::table
                .filter(invitations::token_hash.eq(token_hash))
                .select(Invitation::as_select())
                .first(conn)
                .optional()
        })
    }

    /// Use an invitation for a response, exactly once however many callers race for it:
    /// the conditional UPDATE lets only one of them see `used_at IS NULL`.
    pub fn claim_invitation(
        &self,
        token_hash: &str,
        response_id: i64,
    ) -> Result<InvitationClaim, StoreError> {
        self.write_transaction(|conn| {
            let updated = diesel::update(
                invitations::table
                    .filter(invitations::token_hash.eq(token_hash))
                    .filter(invitations::used_at.is_null()),
            )
            .set((
                invitations::used_at.eq(now()),
                invitations::response_id.eq(response_id),
            ))
            .execute(conn)?;
            if updated == 1 {
                return Ok(InvitationClaim::Claimed);
            }
            let existing: Option<Option<i64>> = invitations::table
                .filter(invitations::token_hash.eq(token_hash))
                .select(invitations::response_id)
                .first(conn)
                .optional()?;
            Ok::<_, diesel::result::Error>(match existing {
                Some(response_id) => InvitationClaim::AlreadyUsed { response_id },
                None => InvitationClaim::NotFound,
            })
        })
    }

    /// Whether a response began from an invitation (its stratum is then the invitation's).
    pub fn is_invited(&self, response_id: i64) -> Result<bool, StoreError> {
        let count: i64 = self.with_connection(|conn| {
            invitations::table
                .filter(invitations::response_id.eq(response_id))
                .count()
                .get_result(conn)
        })?;
        Ok(count > 0)
    }

    /// Invitations sent and used per stratum.
    pub fn count_invitations(&self, slug: &str) -> Result<Vec<(String, i64, i64)>, StoreError> {
        let rows: Vec<(String, i64, i64)> = self.with_connection(|conn| {
            invitations::table
                .filter(invitations::survey_slug.eq(slug))
                .group_by(invitations::stratum)
                .select((
                    invitations::stratum,
                    diesel::dsl::count_star(),
                    diesel::dsl::count(invitations::used_at),
                ))
                .order(invitations::stratum.asc())
                .load(conn)
        })?;
        Ok(rows)
    }
}
