//! What the collection service does to responses: start, save, complete, withdraw, and
//! batched API submissions that may use an invitation.
//!
//! Secrets never reach this module: callers pass SHA-256 hashes of resume secrets, invitation
//! tokens, receipt codes and request bodies.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use fieldwork_survey::ValidatedResponse;

use crate::audit::{insert_audit, AuditEvent, RESPONDENT_ACTOR};
use crate::connection::DbConnection;
use crate::consent::{record_consent, GivenConsent};
use crate::responses::{
    insert_unless_stored, InsertOutcome, NewResponseRow, ResponseRow, StoredResponse,
};
use crate::schema::{invitations, responses, settings, surveys};
use crate::surveys::{StoredSurvey, SurveyStatus};
use crate::{now, Store, StoreError};

/// One response to store, as the API receives it.
#[derive(Debug, Clone, Copy)]
pub struct Submission<'a> {
    pub survey: &'a StoredSurvey,
    pub response: &'a ValidatedResponse,
    /// Hash of what makes the submission idempotent (the Idempotency-Key).
    pub key_hash: &'a str,
    /// Hash of the request, to tell a retry from a different request under the same key.
    pub request_hash: Option<&'a str>,
    /// Hash of the invitation token, when the respondent was invited.
    pub invitation_hash: Option<&'a str>,
}

/// Why a submission was not stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmissionRefused {
    /// The survey takes no responses: closed (or deleted) before this write committed.
    SurveyClosed,
    InvitationNotFound,
    /// The invitation was used by another response.
    InvitationUsed,
    /// The invitation is for another survey.
    InvitationForAnotherSurvey,
}

/// A stored submission: what was stored (or found), and the request hash stored with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    pub outcome: InsertOutcome,
    pub stored_request_hash: Option<String>,
}

/// How a respondent's session began.
#[derive(Debug, Clone, PartialEq)]
pub enum StartOutcome {
    Started(StoredResponse),
    /// The same start was made before (a double click, a revisited invitation link).
    Existing(StoredResponse),
    Refused(SubmissionRefused),
}

/// Use invitation `token_hash` of survey `slug` for response `response_id` if nobody has:
/// true if this call used it. The conditional UPDATE lets exactly one of any number of
/// racing callers see `used_at IS NULL`.
fn claim_for_response(
    conn: &mut DbConnection,
    token_hash: &str,
    slug: &str,
    response_id: i64,
) -> QueryResult<bool> {
    let updated = diesel::update(
        invitations::table
            .filter(invitations::token_hash.eq(token_hash))
            .filter(invitations::survey_slug.eq(slug))
            .filter(invitations::used_at.is_null()),
    )
    .set((
        invitations::used_at.eq(now()),
        invitations::response_id.eq(response_id),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Why invitation `token_hash` could not be used for a response to survey `slug`.
fn refusal_for_invitation(
    conn: &mut DbConnection,
    token_hash: &str,
    slug: &str,
) -> QueryResult<SubmissionRefused> {
    let found: Option<String> = invitations::table
        .filter(invitations::token_hash.eq(token_hash))
        .select(invitations::survey_slug)
        .first(conn)
        .optional()?;
    Ok(match found {
        None => SubmissionRefused::InvitationNotFound,
        Some(other) if other != slug => SubmissionRefused::InvitationForAnotherSurvey,
        Some(_) => SubmissionRefused::InvitationUsed,
    })
}

/// Whether survey `slug` takes responses (one of its versions is open), read inside the
/// caller's transaction.
fn takes_responses(conn: &mut DbConnection, slug: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        surveys::table
            .filter(surveys::slug.eq(slug))
            .filter(surveys::status.eq(SurveyStatus::Open.as_str())),
    ))
    .get_result(conn)
}

impl Store {
    /// Store API submissions in one transaction (group commit: one fsync for the batch).
    /// Each result lines up with its submission. A submission whose key was stored before
    /// is not stored again; one whose invitation is unusable is refused and leaves no trace.
    pub fn submit_responses(
        &self,
        batch: &[Submission<'_>],
    ) -> Result<Vec<Result<Submitted, SubmissionRefused>>, StoreError> {
        for s in batch {
            if s.response.survey_slug() != s.survey.slug()
                || s.response.survey_version() != s.survey.version()
            {
                return Err(StoreError::WrongSurvey {
                    slug: s.survey.slug().to_owned(),
                    version: s.survey.version(),
                });
            }
        }
        let timestamp = now();
        // Rows are written in key order, whatever order they came in: two servers writing
        // overlapping batches then take the unique index's locks in the same order and cannot
        // deadlock on each other.
        let mut order: Vec<usize> = (0..batch.len()).collect();
        order.sort_by_key(|&i| (batch[i].survey.id, batch[i].key_hash));
        let in_order: Vec<Result<Submitted, SubmissionRefused>> =
            self.write_transaction(|conn| {
                let mut results = Vec::with_capacity(batch.len());
                // A survey the caller saw open (a server's cached copy) is confirmed open
                // inside this transaction: once `close` has committed, nothing more is stored.
                // One query per survey in the batch, not per submission.
                let mut checked: Vec<(&str, bool)> = Vec::new();
                for survey in batch.iter().map(|s| s.survey) {
                    if survey.status == SurveyStatus::Open
                        && !checked.iter().any(|(slug, _)| *slug == survey.slug())
                    {
                        checked.push((survey.slug(), takes_responses(conn, survey.slug())?));
                    }
                }
                let closed = |slug: &str| checked.iter().any(|(s, open)| *s == slug && !open);
                for s in order.iter().map(|&i| &batch[i]) {
                    if closed(s.survey.slug()) {
                        results.push(Err(SubmissionRefused::SurveyClosed));
                        continue;
                    }
                    let row = NewResponseRow {
                        request_hash: s.request_hash,
                        ..NewResponseRow::submitted(s.survey.id, s.key_hash, s.response, timestamp)
                    };
                    let Some((id, public_id)) = insert_unless_stored(conn, &row)? else {
                        let (id, public_id, stored_request_hash) = responses::table
                            .filter(responses::survey_id.eq(s.survey.id))
                            .filter(responses::submission_key.eq(s.key_hash))
                            .select((responses::id, responses::public_id, responses::request_hash))
                            .first::<(i64, String, Option<String>)>(conn)?;
                        results.push(Ok(Submitted {
                            outcome: InsertOutcome::AlreadyStored { id, public_id },
                            stored_request_hash,
                        }));
                        continue;
                    };
                    if let Some(token_hash) = s.invitation_hash {
                        if !claim_for_response(conn, token_hash, s.survey.slug(), id)? {
                            // Undo this one insert; the rest of the batch stands.
                            diesel::delete(responses::table.find(id)).execute(conn)?;
                            results.push(Err(refusal_for_invitation(
                                conn,
                                token_hash,
                                s.survey.slug(),
                            )?));
                            continue;
                        }
                    }
                    results.push(Ok(Submitted {
                        outcome: InsertOutcome::Inserted { id, public_id },
                        stored_request_hash: s.request_hash.map(str::to_owned),
                    }));
                }
                Ok::<_, StoreError>(results)
            })?;
        // Back in the order the batch came in.
        let mut results: Vec<Option<Result<Submitted, SubmissionRefused>>> =
            (0..batch.len()).map(|_| None).collect();
        for (i, result) in order.into_iter().zip(in_order) {
            results[i] = Some(result);
        }
        Ok(results.into_iter().flatten().collect())
    }

    /// Begin (or find again) a respondent's response to `survey`, identified by the hash of
    /// their session secret. An invited respondent's response uses the invitation, and the
    /// consent they gave is recorded with it, atomically; `language` is the language of the
    /// pages they started on.
    pub fn start_response(
        &self,
        survey: &StoredSurvey,
        key_hash: &str,
        stratum: Option<&str>,
        invitation_hash: Option<&str>,
        resume_expires_at: NaiveDateTime,
        consent: Option<&GivenConsent>,
        language: &str,
    ) -> Result<StartOutcome, StoreError> {
        let timestamp = now();
        let outcome: Result<StartOutcome, StoreError> = self.write_transaction(|conn| {
            let existing: Option<(ResponseRow, i32)> = responses::table
                .inner_join(surveys::table)
                .filter(surveys::slug.eq(survey.slug()))
                .filter(responses::submission_key.eq(key_hash))
                .select((ResponseRow::as_select(), surveys::version))
                .first(conn)
                .optional()?;
            if let Some((existing, version)) = existing {
                return Ok(StartOutcome::Existing(existing.into_stored(version)));
            }
            if survey.status == SurveyStatus::Open && !takes_responses(conn, survey.slug())? {
                return Ok(StartOutcome::Refused(SubmissionRefused::SurveyClosed));
            }
            let row = NewResponseRow {
                public_id: crate::new_public_id(),
                survey_id: survey.id,
                submission_key: key_hash,
                stratum,
                complete: false,
                answers: "{}".to_owned(),
                created_at: timestamp,
                updated_at: timestamp,
                submitted_at: None,
                request_hash: None,
                resume_expires_at: Some(resume_expires_at),
                language: Some(language),
            };
            let id: i64 = diesel::insert_into(responses::table)
                .values(&row)
                .returning(responses::id)
                .get_result(conn)?;
            if let Some(token_hash) = invitation_hash {
                if !claim_for_response(conn, token_hash, survey.slug(), id)? {
                    let refusal = refusal_for_invitation(conn, token_hash, survey.slug())?;
                    // Returning Err rolls the insert back with the transaction.
                    return Err(StoreError::Refused(refusal));
                }
            }
            if let Some(consent) = consent {
                record_consent(conn, id, consent, timestamp)?;
            }
            let started: ResponseRow = responses::table
                .find(id)
                .select(ResponseRow::as_select())
                .first(conn)?;
            Ok(StartOutcome::Started(
                started.into_stored(survey.version() as i32),
            ))
        });
        match outcome {
            Err(StoreError::Refused(refusal)) => Ok(StartOutcome::Refused(refusal)),
            // Two starts raced on the same key: the other one won, so resume it.
            Err(StoreError::Database(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ))) => match self.response_by_key(survey.slug(), key_hash)? {
                Some(existing) => Ok(StartOutcome::Existing(existing)),
                None => Err(StoreError::Unavailable(
                    "a concurrent start vanished".into(),
                )),
            },
            other => other,
        }
    }

    /// A response of any version of survey `slug` by the hash of its session secret, unless
    /// it is partial and its resume period has passed.
    pub fn response_by_key(
        &self,
        slug: &str,
        key_hash: &str,
    ) -> Result<Option<StoredResponse>, StoreError> {
        type Row = (ResponseRow, i32, Option<NaiveDateTime>);
        let row: Option<Row> = self.with_connection(|conn| {
            responses::table
                .inner_join(surveys::table)
                .filter(surveys::slug.eq(slug))
                .filter(responses::submission_key.eq(key_hash))
                .select((
                    ResponseRow::as_select(),
                    surveys::version,
                    responses::resume_expires_at,
                ))
                .first(conn)
                .optional()
        })?;
        Ok(row.and_then(|(row, version, expires)| {
            let response = row.into_stored(version);
            let expired = !response.complete && expires.is_some_and(|e| e < now());
            (!expired).then_some(response)
        }))
    }

    /// The sent response of survey `slug` with this receipt (the hash of its receipt code), for
    /// the respondent to see their own answers.
    pub fn response_by_receipt(
        &self,
        slug: &str,
        receipt_hash: &str,
    ) -> Result<Option<StoredResponse>, StoreError> {
        let row: Option<(ResponseRow, i32)> = self.with_connection(|conn| {
            responses::table
                .inner_join(surveys::table)
                .filter(surveys::slug.eq(slug))
                .filter(responses::receipt_hash.eq(receipt_hash))
                .select((ResponseRow::as_select(), surveys::version))
                .first(conn)
                .optional()
        })?;
        Ok(row.map(|(row, version)| row.into_stored(version)))
    }

    /// Change a partial response's answers by `merge`, which is given the answers stored now
    /// (JSON) and returns what to store instead, or `None` to store nothing. What another
    /// save wrote in between (a second tab, another server) is never overwritten: the update
    /// applies only if the answers are still those `merge` saw, and otherwise `merge` runs
    /// again on the newer ones. `Ok(None)` if the response is complete (or gone).
    pub fn merge_partial(
        &self,
        response_id: i64,
        resume_expires_at: NaiveDateTime,
        merge: impl Fn(&str) -> Option<ValidatedResponse>,
    ) -> Result<Option<ValidatedResponse>, StoreError> {
        const ATTEMPTS: usize = 20;
        for _ in 0..ATTEMPTS {
            let stored: Option<String> = self.with_connection(|conn| {
                responses::table
                    .filter(responses::id.eq(response_id))
                    .filter(responses::complete.eq(false))
                    .select(responses::answers)
                    .first(conn)
                    .optional()
            })?;
            let Some(stored) = stored else {
                return Ok(None);
            };
            let Some(merged) = merge(&stored) else {
                return Err(StoreError::Unavailable(
                    "the saved answers could not be merged".into(),
                ));
            };
            let updated = self.write_transaction(|conn| {
                if !takes_responses(conn, merged.survey_slug())? {
                    return Err(StoreError::SurveyClosed(merged.survey_slug().to_owned()));
                }
                let updated = diesel::update(
                    responses::table
                        .filter(responses::id.eq(response_id))
                        .filter(responses::complete.eq(false))
                        .filter(responses::answers.eq(&stored)),
                )
                .set((
                    responses::answers.eq(merged.answers_json()),
                    responses::stratum.eq(merged.stratum()),
                    responses::updated_at.eq(now()),
                    responses::resume_expires_at.eq(resume_expires_at),
                ))
                .execute(conn)?;
                Ok::<_, StoreError>(updated)
            })?;
            if updated == 1 {
                return Ok(Some(merged));
            }
        }
        Err(StoreError::Unavailable(
            "the answers kept changing while they were being saved".into(),
        ))
    }

    /// Finish a partial response. False if it was already complete (a second click of
    /// "Submit"), in which case nothing changes.
    pub fn complete_response(
        &self,
        response_id: i64,
        response: &ValidatedResponse,
        receipt_hash: &str,
        language: &str,
    ) -> Result<bool, StoreError> {
        let timestamp = now();
        let updated = self.write_transaction(|conn| {
            if !takes_responses(conn, response.survey_slug())? {
                return Err(StoreError::SurveyClosed(response.survey_slug().to_owned()));
            }
            let updated = diesel::update(
                responses::table
                    .filter(responses::id.eq(response_id))
                    .filter(responses::complete.eq(false)),
            )
            .set((
                responses::answers.eq(response.answers_json()),
                responses::stratum.eq(response.stratum()),
                responses::complete.eq(true),
                responses::updated_at.eq(timestamp),
                responses::submitted_at.eq(timestamp),
                responses::receipt_hash.eq(receipt_hash),
                responses::resume_expires_at.eq(None::<NaiveDateTime>),
                responses::language.eq(language),
            ))
            .execute(conn)?;
            Ok::<_, StoreError>(updated)
        })?;
        Ok(updated == 1)
    }

    /// Set the receipt hash of a response stored through the API.
    pub fn set_receipt(&self, response_id: i64, receipt_hash: &str) -> Result<(), StoreError> {
        self.write_transaction(|conn| {
            diesel::update(responses::table.find(response_id))
                .set(responses::receipt_hash.eq(receipt_hash))
                .execute(conn)
        })?;
        Ok(())
    }

    /// Delete the response of survey `slug` with this receipt. Returns whether one was deleted.
    /// Its invitation stays used, so the link cannot be used to answer again.
    pub fn withdraw_response(&self, slug: &str, receipt_hash: &str) -> Result<bool, StoreError> {
        let deleted = self.write_transaction(|conn| {
            let id: Option<i64> = responses::table
                .inner_join(surveys::table)
                .filter(surveys::slug.eq(slug))
                .filter(responses::receipt_hash.eq(receipt_hash))
                .select(responses::id)
                .first(conn)
                .optional()?;
            match id {
                Some(id) => {
                    diesel::update(invitations::table.filter(invitations::response_id.eq(id)))
                        .set(invitations::response_id.eq(None::<i64>))
                        .execute(conn)?;
                    let deleted = diesel::delete(responses::table.find(id)).execute(conn)?;
                    // Who withdrew is not recorded (respondents are anonymous to the log).
                    insert_audit(
                        conn,
                        &AuditEvent {
                            actor: RESPONDENT_ACTOR,
                            action: "response.withdrawn",
                            survey: Some(slug),
                            detail: serde_json::json!({"responses": deleted}),
                        },
                    )?;
                    Ok::<_, diesel::result::Error>(deleted)
                }
                None => Ok(0),
            }
        })?;
        Ok(deleted == 1)
    }

    /// A shared value, if it was ever set (see [`Store::shared_setting`]).
    pub fn setting(&self, name: &str) -> Result<Option<String>, StoreError> {
        self.with_connection(|conn| {
            settings::table
                .filter(settings::name.eq(name))
                .select(settings::value)
                .first::<String>(conn)
                .optional()
        })
    }

    /// A value shared by every server on this database, created at first use.
    pub fn shared_setting(
        &self,
        name: &str,
        make: impl FnOnce() -> String,
    ) -> Result<String, StoreError> {
        // Read first: once made, the value needs no write, so a server can start on a
        // database it cannot write (and answer its writes with 503).
        let existing: Option<String> = self.with_connection(|conn| {
            settings::table
                .filter(settings::name.eq(name))
                .select(settings::value)
                .first::<String>(conn)
                .optional()
        })?;
        if let Some(value) = existing {
            return Ok(value);
        }
        let candidate = make();
        self.write_transaction(|conn| {
            // Another server may have made it meanwhile: the first value stored stands.
            let insert = diesel::insert_into(settings::table)
                .values((settings::name.eq(name), settings::value.eq(&candidate)))
                .on_conflict_do_nothing();
            // diesel's MultiConnection backend has no ON CONFLICT; each backend has.
            match conn {
                DbConnection::Sqlite(conn) => insert.execute(conn),
                DbConnection::Postgres(conn) => insert.execute(conn),
            }?;
            settings::table
                .filter(settings::name.eq(name))
                .select(settings::value)
                .first::<String>(conn)
        })
    }
}
