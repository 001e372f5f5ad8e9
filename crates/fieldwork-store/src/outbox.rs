//! The emails to send to contacts, and what became of each: `queued`, `sending` (claimed by a
//! sender), `sent`, `failed` (with the mail server's reply) or `opted_out`.
//!
//! At most once: a sender claims a message (queued → sending) in a transaction of its own
//! before it talks to the mail server, and records the outcome after. A sender that dies in
//! between leaves the message `sending`; it is never sent again, and once its claim is older
//! than any send could take it is marked failed as interrupted (`release_stale_claims`). The
//! mail server may or may not have accepted it: we choose a possibly missing invitation
//! over a possibly doubled one, and reminders still reach that contact.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::schema::{contacts, email_messages, invitations, responses};
use crate::{now, Store, StoreError};

/// Rows per INSERT statement.
const INSERT_CHUNK: usize = 500;

/// What the server's reply to an interrupted send is recorded as.
pub const INTERRUPTED_REPLY: &str =
    "interrupted while sending: the mail server may or may not have accepted it, so it is not sent again";

/// A message a sender has claimed, with what it needs to write it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedMessage {
    pub id: i64,
    /// 0 for the invitation, n for the n-th reminder.
    pub reminder: u32,
    /// Attempts so far, this one included.
    pub attempts: u32,
    pub survey_slug: String,
    pub email: String,
    pub name: Option<String>,
    pub language: Option<String>,
    pub link_token: String,
}

/// How many of a survey's messages are waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pending {
    pub queued: i64,
    pub sending: i64,
    /// When the earliest queued message may be tried (a retry waits).
    pub next_attempt_at: Option<NaiveDateTime>,
}

/// A message that failed, for the survey's owners.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedMessage {
    pub email: String,
    pub reminder: u32,
    pub reply: String,
}

#[derive(Insertable)]
#[diesel(table_name = email_messages)]
struct NewMessageRow {
    contact_id: i64,
    reminder: i32,
    queued_at: NaiveDateTime,
    next_attempt_at: NaiveDateTime,
}

fn insert_messages(conn: &mut DbConnection, rows: &[NewMessageRow]) -> QueryResult<usize> {
    let mut inserted = 0;
    for chunk in rows.chunks(INSERT_CHUNK) {
        let insert = diesel::insert_into(email_messages::table).values(chunk);
        inserted += match conn {
            DbConnection::Sqlite(conn) => insert.execute(conn),
            DbConnection::Postgres(conn) => insert.execute(conn),
        }?;
    }
    Ok(inserted)
}

impl Store {
    /// Queue an invitation for every contact of survey `slug` who has none yet and has not
    /// opted out. Queuing twice queues nothing more. Returns how many were queued.
    pub fn queue_invitations(&self, slug: &str) -> Result<usize, StoreError> {
        self.write_transaction(|conn| {
            let invited = email_messages::table
                .filter(email_messages::reminder.eq(0))
                .select(email_messages::contact_id);
            let ids: Vec<i64> = contacts::table
                .filter(contacts::survey_slug.eq(slug))
                .filter(contacts::opted_out_at.is_null())
                .filter(contacts::id.ne_all(invited))
                .order(contacts::id.asc())
                .select(contacts::id)
                .load(conn)?;
            let at = now();
            let rows: Vec<NewMessageRow> = ids
                .into_iter()
                .map(|contact_id| NewMessageRow {
                    contact_id,
                    reminder: 0,
                    queued_at: at,
                    next_attempt_at: at,
                })
                .collect();
            Ok::<_, StoreError>(insert_messages(conn, &rows)?)
        })
    }

    /// Queue the next reminder for every contact of survey `slug` who has neither completed
    /// nor opted out, whose last email was sent before `sent_before`, and who has had fewer
    /// than `allowed` reminders. A contact whose last email failed gets none. Returns how
    /// many were queued.
    pub fn queue_reminders(
        &self,
        slug: &str,
        sent_before: NaiveDateTime,
        allowed: u32,
    ) -> Result<usize, StoreError> {
        self.write_transaction(|conn| {
            let candidates: Vec<(i64, Option<bool>)> = contacts::table
                .inner_join(invitations::table)
                .left_join(
                    responses::table.on(invitations::response_id.eq(responses::id.nullable())),
                )
                .filter(contacts::survey_slug.eq(slug))
                .filter(contacts::opted_out_at.is_null())
                .select((contacts::id, responses::complete.nullable()))
                .load(conn)?;
            let waiting: Vec<i64> = candidates
                .into_iter()
                .filter(|(_, complete)| *complete != Some(true))
                .map(|(id, _)| id)
                .collect();
            let mut rows = Vec::new();
            let at = now();
            for chunk in waiting.chunks(INSERT_CHUNK) {
                let messages: Vec<(i64, i32, String, Option<NaiveDateTime>)> =
                    email_messages::table
                        .filter(email_messages::contact_id.eq_any(chunk))
                        .order((email_messages::contact_id, email_messages::reminder.desc()))
                        .select((
                            email_messages::contact_id,
                            email_messages::reminder,
                            email_messages::state,
                            email_messages::sent_at,
                        ))
                        .load(conn)?;
                let mut last_seen = None;
                for (contact_id, reminder, state, sent_at) in messages {
                    if last_seen == Some(contact_id) {
                        continue; // only each contact's latest message decides
                    }
                    last_seen = Some(contact_id);
                    let due = state == "sent" && sent_at.is_some_and(|t| t <= sent_before);
                    if due && (reminder as u32) < allowed {
                        rows.push(NewMessageRow {
                            contact_id,
                            reminder: reminder + 1,
                            queued_at: at,
                            next_attempt_at: at,
                        });
                    }
                }
            }
            Ok::<_, StoreError>(insert_messages(conn, &rows)?)
        })
    }

    /// Claim the next message of survey `slug` that is due, marking it `sending`. A message
    /// to a contact who opted out since it was queued is marked `opted_out` instead. Only
    /// one of any number of senders racing for a message gets it.
    pub fn claim_next_message(&self, slug: &str) -> Result<Option<ClaimedMessage>, StoreError> {
        loop {
            let at = now();
            let next: Option<(i64, bool)> = self.with_connection(|conn| {
                email_messages::table
                    .inner_join(contacts::table)
                    .filter(contacts::survey_slug.eq(slug))
                    .filter(email_messages::state.eq("queued"))
                    .filter(email_messages::next_attempt_at.le(at))
                    .order(email_messages::id.asc())
                    .select((email_messages::id, contacts::opted_out_at.is_not_null()))
                    .first(conn)
                    .optional()
            })?;
            let Some((id, opted_out)) = next else {
                return Ok(None);
            };
            let claimed = self.write_transaction(|conn| {
                let still_queued = email_messages::table
                    .filter(email_messages::id.eq(id))
                    .filter(email_messages::state.eq("queued"));
                if opted_out {
                    diesel::update(still_queued)
                        .set(email_messages::state.eq("opted_out"))
                        .execute(conn)?;
                    return Ok::<_, StoreError>(None);
                }
                let updated = diesel::update(still_queued)
                    .set((
                        email_messages::state.eq("sending"),
                        email_messages::claimed_at.eq(at),
                        email_messages::attempts.eq(email_messages::attempts + 1),
                    ))
                    .execute(conn)?;
                if updated == 0 {
                    return Ok(None); // another sender took it
                }
                let row: (
                    i32,
                    i32,
                    String,
                    String,
                    Option<String>,
                    Option<String>,
                    String,
                ) = email_messages::table
                    .inner_join(contacts::table)
                    .filter(email_messages::id.eq(id))
                    .select((
                        email_messages::reminder,
                        email_messages::attempts,
                        contacts::survey_slug,
                        contacts::email,
                        contacts::name,
                        contacts::language,
                        contacts::link_token,
                    ))
                    .first(conn)?;
                let (reminder, attempts, survey_slug, email, name, language, link_token) = row;
                Ok(Some(ClaimedMessage {
                    id,
                    reminder: reminder as u32,
                    attempts: attempts as u32,
                    survey_slug,
                    email,
                    name,
                    language,
                    link_token,
                }))
            })?;
            if let Some(message) = claimed {
                return Ok(Some(message));
            }
        }
    }

    /// The mail server accepted message `id`.
    pub fn mark_message_sent(&self, id: i64) -> Result<(), StoreError> {
        self.finish_message(id, "sent", None, None)
    }

    /// Message `id` failed for good, with the server's `reply` (or what went wrong).
    pub fn mark_message_failed(&self, id: i64, reply: &str) -> Result<(), StoreError> {
        self.finish_message(id, "failed", Some(reply), None)
    }

    /// Message `id` failed for now: it is queued again, to be tried at `retry_at`.
    pub fn retry_message(
        &self,
        id: i64,
        reply: &str,
        retry_at: NaiveDateTime,
    ) -> Result<(), StoreError> {
        self.finish_message(id, "queued", Some(reply), Some(retry_at))
    }

    fn finish_message(
        &self,
        id: i64,
        state: &str,
        reply: Option<&str>,
        retry_at: Option<NaiveDateTime>,
    ) -> Result<(), StoreError> {
        let reply: Option<String> = reply.map(|r| r.chars().take(1000).collect());
        let at = now();
        self.write_transaction(|conn| {
            let sending = email_messages::table
                .filter(email_messages::id.eq(id))
                .filter(email_messages::state.eq("sending"));
            diesel::update(sending)
                .set((
                    email_messages::state.eq(state),
                    email_messages::server_reply.eq(&reply),
                    email_messages::sent_at.eq((state == "sent").then_some(at)),
                    email_messages::next_attempt_at.eq(retry_at.unwrap_or(at)),
                ))
                .execute(conn)?;
            Ok::<_, StoreError>(())
        })
    }

    /// Mark failed, as interrupted, every message of survey `slug` claimed before `before`
    /// and never finished: its sender died (see the module's comment). Returns how many.
    pub fn release_stale_claims(
        &self,
        slug: &str,
        before: NaiveDateTime,
    ) -> Result<usize, StoreError> {
        self.write_transaction(|conn| {
            let of_survey = contacts::table
                .filter(contacts::survey_slug.eq(slug))
                .select(contacts::id);
            Ok::<_, StoreError>(
                diesel::update(
                    email_messages::table
                        .filter(email_messages::state.eq("sending"))
                        .filter(email_messages::claimed_at.lt(before))
                        .filter(email_messages::contact_id.eq_any(of_survey)),
                )
                .set((
                    email_messages::state.eq("failed"),
                    email_messages::server_reply.eq(INTERRUPTED_REPLY),
                ))
                .execute(conn)?,
            )
        })
    }

    /// Surveys with emails queued, for a server to resume sending them after a restart.
    pub fn surveys_with_queued_messages(&self) -> Result<Vec<String>, StoreError> {
        self.with_connection(|conn| {
            email_messages::table
                .inner_join(contacts::table)
                .filter(email_messages::state.eq("queued"))
                .select(contacts::survey_slug)
                .distinct()
                .order(contacts::survey_slug.asc())
                .load(conn)
        })
    }

    /// How many of survey `slug`'s messages wait to be sent, and when the first may go.
    pub fn pending_messages(&self, slug: &str) -> Result<Pending, StoreError> {
        self.with_connection(|conn| {
            let rows: Vec<(String, NaiveDateTime)> = email_messages::table
                .inner_join(contacts::table)
                .filter(contacts::survey_slug.eq(slug))
                .filter(email_messages::state.eq_any(["queued", "sending"]))
                .select((email_messages::state, email_messages::next_attempt_at))
                .load(conn)?;
            let mut pending = Pending::default();
            for (state, next) in rows {
                if state == "queued" {
                    pending.queued += 1;
                    pending.next_attempt_at = Some(match pending.next_attempt_at {
                        Some(earliest) if earliest < next => earliest,
                        _ => next,
                    });
                } else {
                    pending.sending += 1;
                }
            }
            Ok::<_, StoreError>(pending)
        })
    }

    /// Every message of survey `slug` that failed, with the contact's address and the reply.
    pub fn failed_messages(&self, slug: &str) -> Result<Vec<FailedMessage>, StoreError> {
        let rows: Vec<(String, i32, Option<String>)> = self.with_connection(|conn| {
            email_messages::table
                .inner_join(contacts::table)
                .filter(contacts::survey_slug.eq(slug))
                .filter(email_messages::state.eq("failed"))
                .order(email_messages::id.asc())
                .select((
                    contacts::email,
                    email_messages::reminder,
                    email_messages::server_reply,
                ))
                .load(conn)
        })?;
        Ok(rows
            .into_iter()
            .map(|(email, reminder, reply)| FailedMessage {
                email,
                reminder: reminder as u32,
                reply: reply.unwrap_or_default(),
            })
            .collect())
    }

    /// Each message of survey `slug` as (contact's email, reminder number, state), for tests
    /// and the owners' view.
    pub fn message_states(&self, slug: &str) -> Result<Vec<(String, u32, String)>, StoreError> {
        let rows: Vec<(String, i32, String)> = self.with_connection(|conn| {
            email_messages::table
                .inner_join(contacts::table)
                .filter(contacts::survey_slug.eq(slug))
                .order(email_messages::id.asc())
                .select((
                    contacts::email,
                    email_messages::reminder,
                    email_messages::state,
                ))
                .load(conn)
        })?;
        Ok(rows
            .into_iter()
            .map(|(email, reminder, state)| (email, reminder as u32, state))
            .collect())
    }
}
