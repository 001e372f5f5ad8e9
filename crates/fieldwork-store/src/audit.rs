//! The audit log: who did what to which survey, and when. Append-only: the store has no
//! function that changes or deletes an entry, and database triggers refuse both.
//!
//! Entries never carry answers, passwords or tokens: callers put identifiers and counts in
//! `detail` (a token's id, never the token; a row count, never the rows).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::schema::audit_log;
use crate::{Store, StoreError};

/// Who the CLI records as the actor of what it does.
pub const CLI_ACTOR: &str = "cli";
/// The actor of a respondent's own actions (withdrawal).
pub const RESPONDENT_ACTOR: &str = "respondent";

/// An event to record.
#[derive(Debug, Clone)]
pub struct AuditEvent<'a> {
    /// A researcher's email, [`CLI_ACTOR`] or [`RESPONDENT_ACTOR`].
    pub actor: &'a str,
    /// What happened, such as `sign_in`, `export` or `role.granted`.
    pub action: &'a str,
    pub survey: Option<&'a str>,
    /// Identifiers and counts; never answers or secrets.
    pub detail: serde_json::Value,
}

/// A recorded event.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor: String,
    pub action: String,
    pub survey: Option<String>,
    pub detail: serde_json::Value,
}

#[derive(Insertable)]
#[diesel(table_name = audit_log)]
struct NewAuditRow<'a> {
    at: NaiveDateTime,
    actor: &'a str,
    action: &'a str,
    survey_slug: Option<&'a str>,
    detail: String,
}

impl<'a> NewAuditRow<'a> {
    fn from_event(event: &'a AuditEvent<'_>) -> Self {
        NewAuditRow {
            at: crate::now(),
            actor: event.actor,
            action: event.action,
            survey_slug: event.survey,
            detail: event.detail.to_string(),
        }
    }
}

/// Append an event inside a transaction the caller holds, so that what happened and its
/// record commit together.
pub(crate) fn insert_audit(conn: &mut DbConnection, event: &AuditEvent<'_>) -> QueryResult<usize> {
    diesel::insert_into(audit_log::table)
        .values(NewAuditRow::from_event(event))
        .execute(conn)
}

/// An audit log row as read back.
#[derive(Queryable, Selectable)]
#[diesel(table_name = audit_log)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct AuditRow {
    id: i64,
    at: NaiveDateTime,
    actor: String,
    action: String,
    survey_slug: Option<String>,
    detail: String,
}

impl Store {
    /// Append one event to the audit log.
    pub fn record_audit(&self, event: &AuditEvent<'_>) -> Result<(), StoreError> {
        self.write_transaction(|conn| insert_audit(conn, event))?;
        Ok(())
    }

    /// The latest `limit` entries, newest first; only those of `survey` when given.
    pub fn audit_entries(
        &self,
        survey: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows: Vec<AuditRow> = self.with_connection(|conn| {
            let mut query = audit_log::table
                .select(AuditRow::as_select())
                .order(audit_log::id.desc())
                .limit(limit.max(0))
                .into_boxed();
            if let Some(slug) = survey {
                query = query.filter(audit_log::survey_slug.eq(slug.to_owned()));
            }
            query.load(conn)
        })?;
        Ok(rows
            .into_iter()
            .map(|row| AuditEntry {
                id: row.id,
                at: row.at,
                actor: row.actor,
                action: row.action,
                survey: row.survey_slug,
                detail: serde_json::from_str(&row.detail).unwrap_or(serde_json::Value::Null),
            })
            .collect())
    }
}
