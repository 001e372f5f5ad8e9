//! A survey's contacts: the people it invites by email. Personal data held only to invite:
//! kept in their own table, never joined to answers (only to whether their invitation's
//! response is complete, for the counts), deleted a set time after the survey closes and with
//! the survey, each deletion audited.
//!
//! Each contact has one invitation (a row of `invitations`, which keeps only its token's
//! hash). The contact's row keeps the token itself (`link_token`), so that every email to them
//! carries the same link; it goes when the contact does (`docs/security.md`).

use crate::invitations::NewInvitationRow;
use std::collections::HashMap;

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use serde_json::json;

use crate::audit::{insert_audit, AuditEvent};
use crate::connection::DbConnection;
use crate::deletion::{lock_survey, SurveyLock};
use crate::schema::{contacts, email_messages, invitations, responses, surveys};
use crate::{now, Store, StoreError, SurveyStatus};

/// Rows per INSERT statement: well under SQLite's limit of 32,766 bound parameters.
const INSERT_CHUNK: usize = 500;

/// A checked contact with the secrets made for them, ready to store.
#[derive(Debug, Clone)]
pub struct ContactToStore {
    pub email: String,
    pub name: Option<String>,
    pub stratum: String,
    pub language: Option<String>,
    /// The invitation's token (kept, see the module's comment) and its hash.
    pub link_token: String,
    pub invitation_hash: String,
    /// The hash of the opt-out link's secret.
    pub opt_out_hash: String,
}

/// A stored contact, as only the survey's owners may see it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = contacts)]
pub struct Contact {
    pub id: i64,
    pub survey_slug: String,
    pub email: String,
    pub name: Option<String>,
    pub stratum: String,
    pub language: Option<String>,
    pub opted_out_at: Option<NaiveDateTime>,
}

/// What a contact's opt-out link finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptOutTarget {
    pub contact_id: i64,
    pub survey_slug: String,
    pub opted_out: bool,
}

/// Per stratum: how far the survey's outreach has got.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StratumOutreach {
    pub stratum: String,
    pub contacts: i64,
    /// Contacts whose invitation was accepted by the mail server.
    pub sent: i64,
    /// Contacts whose invitation failed.
    pub failed: i64,
    /// Reminders accepted by the mail server.
    pub reminders_sent: i64,
    pub opted_out: i64,
    /// Contacts who began answering through their invitation.
    pub started: i64,
    /// Contacts whose response is complete.
    pub completed: i64,
}

/// Why contacts were deleted, as the audit log says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactDeletion {
    /// The survey closed longer ago than its `contact_retention_days`.
    Retention,
    /// An owner deleted them.
    Owner,
    /// The survey was deleted.
    SurveyDeleted,
}

impl ContactDeletion {
    fn as_str(self) -> &'static str {
        match self {
            ContactDeletion::Retention => "retention",
            ContactDeletion::Owner => "owner",
            ContactDeletion::SurveyDeleted => "survey_deleted",
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = contacts)]
struct NewContactRow<'a> {
    survey_slug: &'a str,
    email: &'a str,
    name: Option<&'a str>,
    stratum: &'a str,
    language: Option<&'a str>,
    invitation_id: i64,
    link_token: &'a str,
    opt_out_hash: &'a str,
    created_at: NaiveDateTime,
}

impl Store {
    /// Store `list` as contacts of survey `slug`, each with a new invitation, all or none,
    /// with a `contacts.imported` audit entry by `actor`. Addresses the survey already lists
    /// refuse the whole list: [`StoreError::ContactsAlreadyListed`] gives their positions.
    pub fn import_contacts(
        &self,
        slug: &str,
        list: &[ContactToStore],
        actor: &str,
    ) -> Result<usize, StoreError> {
        self.latest_survey(slug)?;
        let created_at = now();
        self.write_transaction(|conn| {
            lock_survey(conn, slug, SurveyLock::Share)?;
            let mut listed = Vec::new();
            for (chunk_index, chunk) in list.chunks(INSERT_CHUNK).enumerate() {
                let emails: Vec<&str> = chunk.iter().map(|c| c.email.as_str()).collect();
                let found: Vec<String> = contacts::table
                    .filter(contacts::survey_slug.eq(slug))
                    .filter(contacts::email.eq_any(&emails))
                    .select(contacts::email)
                    .load(conn)?;
                listed.extend(
                    chunk
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| found.contains(&c.email))
                        .map(|(i, _)| chunk_index * INSERT_CHUNK + i),
                );
            }
            if !listed.is_empty() {
                return Err(StoreError::ContactsAlreadyListed(listed));
            }
            for chunk in list.chunks(INSERT_CHUNK) {
                let invitation_rows: Vec<NewInvitationRow<'_>> = chunk
                    .iter()
                    .map(|c| NewInvitationRow {
                        survey_slug: slug,
                        token_hash: &c.invitation_hash,
                        stratum: &c.stratum,
                        created_at,
                        // The contact's pages open in their language.
                        language: c.language.as_deref(),
                    })
                    .collect();
                let insert = diesel::insert_into(invitations::table)
                    .values(&invitation_rows)
                    .returning((invitations::token_hash, invitations::id));
                // diesel's MultiConnection backend cannot write a multi-row INSERT; each
                // backend can. RETURNING's order is not promised, so rows are matched by hash.
                let ids: HashMap<String, i64> = match conn {
                    DbConnection::Sqlite(conn) => insert.get_results(conn),
                    DbConnection::Postgres(conn) => insert.get_results(conn),
                }?
                .into_iter()
                .collect();
                let contact_rows: Vec<NewContactRow<'_>> = chunk
                    .iter()
                    .map(|c| NewContactRow {
                        survey_slug: slug,
                        email: &c.email,
                        name: c.name.as_deref(),
                        stratum: &c.stratum,
                        language: c.language.as_deref(),
                        invitation_id: ids[&c.invitation_hash],
                        link_token: &c.link_token,
                        opt_out_hash: &c.opt_out_hash,
                        created_at,
                    })
                    .collect();
                let insert = diesel::insert_into(contacts::table).values(&contact_rows);
                match conn {
                    DbConnection::Sqlite(conn) => insert.execute(conn),
                    DbConnection::Postgres(conn) => insert.execute(conn),
                }?;
            }
            insert_audit(
                conn,
                &AuditEvent {
                    actor,
                    action: "contacts.imported",
                    survey: Some(slug),
                    detail: json!({"contacts": list.len()}),
                },
            )?;
            Ok::<_, StoreError>(list.len())
        })
    }

    /// A survey's contacts, in the order they were added.
    pub fn contacts(&self, slug: &str) -> Result<Vec<Contact>, StoreError> {
        self.with_connection(|conn| {
            contacts::table
                .filter(contacts::survey_slug.eq(slug))
                .order(contacts::id.asc())
                .select(Contact::as_select())
                .load(conn)
        })
    }

    /// Per stratum of survey `slug`: contacts, invitations sent and failed, reminders sent,
    /// opt-outs, and contacts who started and completed. Counts only; no answer is read.
    pub fn outreach_by_stratum(&self, slug: &str) -> Result<Vec<StratumOutreach>, StoreError> {
        self.with_connection(|conn| {
            let people: Vec<(String, bool, bool, Option<bool>)> = contacts::table
                .inner_join(invitations::table)
                .left_join(
                    responses::table.on(invitations::response_id.eq(responses::id.nullable())),
                )
                .filter(contacts::survey_slug.eq(slug))
                .select((
                    contacts::stratum,
                    contacts::opted_out_at.is_not_null(),
                    invitations::used_at.is_not_null(),
                    responses::complete.nullable(),
                ))
                .load(conn)?;
            let messages: Vec<(String, i32, String)> = email_messages::table
                .inner_join(contacts::table)
                .filter(contacts::survey_slug.eq(slug))
                .select((
                    contacts::stratum,
                    email_messages::reminder,
                    email_messages::state,
                ))
                .load(conn)?;
            let mut by_stratum: std::collections::BTreeMap<String, StratumOutreach> =
                Default::default();
            for (stratum, opted_out, started, complete) in people {
                let row = by_stratum
                    .entry(stratum.clone())
                    .or_insert_with(|| StratumOutreach {
                        stratum,
                        ..Default::default()
                    });
                row.contacts += 1;
                row.opted_out += i64::from(opted_out);
                row.started += i64::from(started);
                row.completed += i64::from(complete == Some(true));
            }
            for (stratum, reminder, state) in messages {
                if let Some(row) = by_stratum.get_mut(&stratum) {
                    match (reminder, state.as_str()) {
                        (0, "sent") => row.sent += 1,
                        (0, "failed") => row.failed += 1,
                        (_, "sent") => row.reminders_sent += 1,
                        _ => {}
                    }
                }
            }
            Ok::<_, StoreError>(by_stratum.into_values().collect())
        })
    }

    /// The contact an opt-out link names, by the hash of its secret.
    pub fn find_opt_out(&self, opt_out_hash: &str) -> Result<Option<OptOutTarget>, StoreError> {
        let found: Option<(i64, String, Option<NaiveDateTime>)> = self.with_connection(|conn| {
            contacts::table
                .filter(contacts::opt_out_hash.eq(opt_out_hash))
                .select((contacts::id, contacts::survey_slug, contacts::opted_out_at))
                .first(conn)
                .optional()
        })?;
        Ok(found.map(|(contact_id, survey_slug, at)| OptOutTarget {
            contact_id,
            survey_slug,
            opted_out: at.is_some(),
        }))
    }

    /// Opt the contact out of every later email: their queued messages will not be sent.
    /// Returns the contact, or `None` for an unknown link. Opting out twice is opting out.
    pub fn opt_out(&self, opt_out_hash: &str) -> Result<Option<OptOutTarget>, StoreError> {
        self.write_transaction(|conn| {
            let found: Option<(i64, String, Option<NaiveDateTime>)> = contacts::table
                .filter(contacts::opt_out_hash.eq(opt_out_hash))
                .select((contacts::id, contacts::survey_slug, contacts::opted_out_at))
                .first(conn)
                .optional()?;
            let Some((contact_id, survey_slug, at)) = found else {
                return Ok(None);
            };
            if at.is_none() {
                diesel::update(contacts::table.find(contact_id))
                    .set(contacts::opted_out_at.eq(now()))
                    .execute(conn)?;
                diesel::update(
                    email_messages::table
                        .filter(email_messages::contact_id.eq(contact_id))
                        .filter(email_messages::state.eq("queued")),
                )
                .set(email_messages::state.eq("opted_out"))
                .execute(conn)?;
                insert_audit(
                    conn,
                    &AuditEvent {
                        actor: crate::RESPONDENT_ACTOR,
                        action: "contact.opted_out",
                        survey: Some(&survey_slug),
                        detail: json!({"contact": contact_id}),
                    },
                )?;
            }
            Ok::<_, StoreError>(Some(OptOutTarget {
                contact_id,
                survey_slug,
                opted_out: true,
            }))
        })
    }

    /// Delete every contact of survey `slug` (and their messages), with a `contacts.deleted`
    /// audit entry saying why. Their invitations stay, so the counts of invitations made and
    /// used still hold; the links die with the contacts' copies of them only in that no one
    /// can send them again.
    pub fn delete_contacts(
        &self,
        slug: &str,
        why: ContactDeletion,
        actor: &str,
    ) -> Result<i64, StoreError> {
        self.write_transaction(|conn| {
            lock_survey(conn, slug, SurveyLock::Update)?;
            remove_contacts(conn, slug, why, actor)
        })
    }

    /// Delete the contacts of every survey closed longer ago than its definition's
    /// `contact_retention_days` (as of `at`), one survey per transaction with its audit entry.
    /// Returns each survey and how many contacts went.
    pub fn apply_contact_retention(
        &self,
        at: NaiveDateTime,
        actor: &str,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let slugs: Vec<String> = self.with_connection(|conn| {
            contacts::table
                .select(contacts::survey_slug)
                .distinct()
                .order(contacts::survey_slug.asc())
                .load(conn)
        })?;
        let mut deleted = Vec::new();
        for slug in slugs {
            let survey = self.latest_survey(&slug)?;
            let Some(days) = survey
                .definition
                .email
                .as_ref()
                .map(|e| e.contact_retention_days)
            else {
                continue;
            };
            if survey.status != SurveyStatus::Closed {
                continue;
            }
            let closed_at: Option<NaiveDateTime> = self.with_connection(|conn| {
                surveys::table
                    .filter(surveys::slug.eq(&slug))
                    .select(diesel::dsl::max(surveys::closed_at))
                    .first(conn)
            })?;
            let due = closed_at.is_some_and(|closed| closed + TimeDelta::days(days.into()) <= at);
            if due {
                let count = self.delete_contacts(&slug, ContactDeletion::Retention, actor)?;
                deleted.push((slug, count));
            }
        }
        Ok(deleted)
    }
}

/// Delete survey `slug`'s contacts in the caller's transaction, with the audit entry.
pub(crate) fn remove_contacts(
    conn: &mut DbConnection,
    slug: &str,
    why: ContactDeletion,
    actor: &str,
) -> Result<i64, StoreError> {
    let ids: Vec<i64> = contacts::table
        .filter(contacts::survey_slug.eq(slug))
        .select(contacts::id)
        .load(conn)?;
    // The messages cascade on both backends; deleted here too so that nothing depends on it.
    for chunk in ids.chunks(INSERT_CHUNK) {
        diesel::delete(email_messages::table.filter(email_messages::contact_id.eq_any(chunk)))
            .execute(conn)?;
    }
    let count = diesel::delete(contacts::table.filter(contacts::survey_slug.eq(slug)))
        .execute(conn)? as i64;
    if count > 0 {
        insert_audit(
            conn,
            &AuditEvent {
                actor,
                action: "contacts.deleted",
                survey: Some(slug),
                detail: json!({"contacts": count, "reason": why.as_str()}),
            },
        )?;
    }
    Ok(count)
}
