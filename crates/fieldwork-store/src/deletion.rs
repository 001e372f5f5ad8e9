//! Deleting a survey: every version and everything that hangs off it, in one transaction.
//!
//! Removed: the survey's versions, its responses (complete, partial and saved for resuming;
//! each carries its own submission key, so idempotency records go with it), contacts and
//! their emails (with a `contacts.deleted` entry of their own), invitations,
//! published reports and their files, roles and API tokens. Kept: the audit log, which is
//! append-only and gains a `survey.deleted` entry counting what went.
//!
//! Roles, tokens and invitations name the survey by slug, not by a foreign key, so nothing in
//! the schema would stop them outliving it; left behind, a role would grant access to the next
//! survey given the same slug. That is why they are deleted here, and why granting a role or a
//! token locks the survey's rows (see [`lock_survey`]) so it cannot race a deletion.

use diesel::prelude::*;
use serde_json::json;

use crate::audit::{insert_audit, AuditEvent};
use crate::connection::DbConnection;
use crate::contacts::{remove_contacts, ContactDeletion};
use crate::reports::remove_reports;
use crate::schema::{
    api_tokens, contacts, invitations, published_reports, report_files, responses, survey_roles,
    surveys,
};
use crate::{Store, StoreError};

/// What a survey holds, as counted before deleting it or as deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SurveyContents {
    pub versions: i64,
    pub complete_responses: i64,
    pub partial_responses: i64,
    pub invitations: i64,
    /// People the survey invites by email (personal data).
    pub contacts: i64,
    /// Researchers with a role on the survey.
    pub roles: i64,
    pub api_tokens: i64,
    /// Published reports (at most one) and their files.
    pub reports: i64,
    pub report_files: i64,
}

impl SurveyContents {
    pub fn responses(&self) -> i64 {
        self.complete_responses + self.partial_responses
    }
}

/// The row lock [`lock_survey`] takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SurveyLock {
    /// For anything that adds a row naming the survey by slug (a role, a token, invitations).
    Share,
    /// For deleting the survey.
    Update,
}

/// Lock survey `slug`'s rows for the rest of the caller's transaction, and fail with
/// `SurveyNotFound` if it has gone. On PostgreSQL a deletion (`Update`) and anything adding
/// a row that names the survey (`Share`) then wait for each other instead of leaving orphans
/// behind. SQLite needs no lock: its write transactions take the database's one write lock
/// at BEGIN.
pub(crate) fn lock_survey(
    conn: &mut DbConnection,
    slug: &str,
    lock: SurveyLock,
) -> Result<(), StoreError> {
    if let DbConnection::Postgres(conn) = conn {
        // Row locks are PostgreSQL's alone, so this runs on its connection.
        let rows = surveys::table
            .filter(surveys::slug.eq(slug))
            .select(surveys::id);
        match lock {
            SurveyLock::Share => rows.for_share().load::<i64>(conn)?,
            SurveyLock::Update => rows.for_update().load::<i64>(conn)?,
        };
    }
    // The survey may have gone while we waited for the lock; check under it.
    let exists: i64 = surveys::table
        .filter(surveys::slug.eq(slug))
        .count()
        .get_result(conn)?;
    if exists == 0 {
        return Err(StoreError::SurveyNotFound(slug.to_owned()));
    }
    Ok(())
}

/// Count what survey `slug` holds (inside the caller's transaction when deleting, so the
/// counts are what is deleted), with the row ids of its versions.
fn count_contents(conn: &mut DbConnection, slug: &str) -> QueryResult<(Vec<i64>, SurveyContents)> {
    let ids: Vec<i64> = surveys::table
        .filter(surveys::slug.eq(slug))
        .select(surveys::id)
        .load(conn)?;
    let by_completeness: Vec<(bool, i64)> = responses::table
        .filter(responses::survey_id.eq_any(&ids))
        .group_by(responses::complete)
        .select((responses::complete, diesel::dsl::count_star()))
        .load(conn)?;
    let responses_where = |complete: bool| {
        by_completeness
            .iter()
            .filter(|(c, _)| *c == complete)
            .map(|(_, n)| *n)
            .sum::<i64>()
    };
    let report_ids: Vec<i64> = published_reports::table
        .filter(published_reports::survey_id.eq_any(&ids))
        .select(published_reports::id)
        .load(conn)?;
    let contents = SurveyContents {
        versions: ids.len() as i64,
        complete_responses: responses_where(true),
        partial_responses: responses_where(false),
        invitations: invitations::table
            .filter(invitations::survey_slug.eq(slug))
            .count()
            .get_result(conn)?,
        contacts: contacts::table
            .filter(contacts::survey_slug.eq(slug))
            .count()
            .get_result(conn)?,
        roles: survey_roles::table
            .filter(survey_roles::survey_slug.eq(slug))
            .count()
            .get_result(conn)?,
        api_tokens: api_tokens::table
            .filter(api_tokens::survey_slug.eq(slug))
            .count()
            .get_result(conn)?,
        reports: report_ids.len() as i64,
        report_files: report_files::table
            .filter(report_files::report_id.eq_any(&report_ids))
            .count()
            .get_result(conn)?,
    };
    Ok((ids, contents))
}

impl Store {
    /// What deleting survey `slug` would remove.
    pub fn survey_contents(&self, slug: &str) -> Result<SurveyContents, StoreError> {
        let (_, contents) = self.with_connection(|conn| count_contents(conn, slug))?;
        if contents.versions == 0 {
            return Err(StoreError::SurveyNotFound(slug.to_owned()));
        }
        Ok(contents)
    }

    /// Delete survey `slug`, every version of it and everything that hangs off it, in one
    /// transaction with a `survey.deleted` audit entry by `actor`; returns what was deleted.
    /// The audit log keeps every entry about the survey.
    pub fn delete_survey(&self, slug: &str, actor: &str) -> Result<SurveyContents, StoreError> {
        self.write_transaction(|conn| {
            lock_survey(conn, slug, SurveyLock::Update)?;
            let (ids, contents) = count_contents(conn, slug)?;
            remove_reports(conn, slug)?;
            // Before the invitations they point at; audited on their own as personal data.
            remove_contacts(conn, slug, ContactDeletion::SurveyDeleted, actor)?;
            diesel::delete(invitations::table.filter(invitations::survey_slug.eq(slug)))
                .execute(conn)?;
            diesel::delete(responses::table.filter(responses::survey_id.eq_any(&ids)))
                .execute(conn)?;
            diesel::delete(api_tokens::table.filter(api_tokens::survey_slug.eq(slug)))
                .execute(conn)?;
            diesel::delete(survey_roles::table.filter(survey_roles::survey_slug.eq(slug)))
                .execute(conn)?;
            diesel::delete(surveys::table.filter(surveys::id.eq_any(&ids))).execute(conn)?;
            insert_audit(
                conn,
                &AuditEvent {
                    actor,
                    action: "survey.deleted",
                    survey: Some(slug),
                    detail: json!({
                        "versions": contents.versions,
                        "complete_responses": contents.complete_responses,
                        "partial_responses": contents.partial_responses,
                        "invitations": contents.invitations,
                        "contacts": contents.contacts,
                        "roles": contents.roles,
                        "api_tokens": contents.api_tokens,
                        "reports": contents.reports,
                    }),
                },
            )?;
            Ok::<_, StoreError>(contents)
        })
    }
}
