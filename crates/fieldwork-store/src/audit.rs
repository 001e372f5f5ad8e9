//! The audit log: who did what to which survey, and when. Append-only: the store has no
//! function that changes or deletes an entry, and database triggers refuse both.
//!
//! Entries never carry answers, passwords or tokens: callers put identifiers and counts in
//! `detail` (a token's id, never the token; a row count, never the rows).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::{with_connection, write_transaction};
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
pub(crate) struct NewAuditRow<'a> {
    at: NaiveDateTime,
    actor: &'a str,
    action: &'a str,
    survey_slug: Option<&'a str>,
    detail: String,
}

impl<'a> NewAuditRow<'a> {
    pub(crate) fn from_event(event: &'a AuditEvent<'a>) -> Self {
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
macro_rules! insert_audit {
    ($conn:expr, $event:expr) => {
        diesel::insert_into($crate::schema::audit_log::table)
            .values($crate::audit::NewAuditRow::from_event($event))
            .execute($conn)
    };
}
pub(crate) use insert_audit;

impl Store {
    /// Append one event to the audit log.
    pub fn record_audit(&self, event: &AuditEvent<'_>) -> Result<(), StoreError> {
        write_transaction!(self, |conn| insert_audit!(conn, event))?;
        Ok(())
    }

    /// The latest `limit` entries, newest first; only those of `survey` when given.
    pub fn audit_entries(
        &self,
        survey: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        type Row = (i64, NaiveDateTime, String, String, Option<String>, String);
        let rows: Vec<Row> = with_connection!(self, |conn| {
            let mut query = audit_log::table
                .select((
                    audit_log::id,
                    audit_log::at,
                    audit_log::actor,
                    audit_log::action,
                    audit_log::survey_slug,
                    audit_log::detail,
                ))
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
            .map(|(id, at, actor, action, survey, detail)| AuditEntry {
                id,
                at,
                actor,
                action,
                survey,
                detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
            })
            .collect())
    }
}
