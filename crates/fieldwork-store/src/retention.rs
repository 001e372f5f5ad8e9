//! Retention: a survey may set a date after which its raw responses are deleted.
//!
//! Deleting keeps the survey, its invitations (and so the counts of invitations sent and
//! used), published reports and the audit log; it removes every response, complete and
//! partial, of every version, and records what it removed.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde_json::json;

use crate::audit::{insert_audit, AuditEvent};
use crate::schema::{invitations, responses, surveys};
use crate::{Store, StoreError};

/// What `apply_retention` deleted for one survey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionApplied {
    pub slug: String,
    pub retain_until: NaiveDate,
    pub complete: i64,
    pub partial: i64,
}

impl Store {
    /// Set (or clear, with `None`) the date after which a survey's raw responses are deleted.
    /// It applies to every version of the survey.
    pub fn set_retention(
        &self,
        slug: &str,
        until: Option<NaiveDate>,
        actor: &str,
    ) -> Result<(), StoreError> {
        self.latest_survey(slug)?;
        self.write_transaction(|conn| {
            diesel::update(surveys::table.filter(surveys::slug.eq(slug)))
                .set(surveys::retain_until.eq(until))
                .execute(conn)?;
            insert_audit(
                conn,
                &AuditEvent {
                    actor,
                    action: "retention.set",
                    survey: Some(slug),
                    detail: json!({"retain_until": until.map(|d| d.to_string())}),
                },
            )?;
            Ok::<_, StoreError>(())
        })
    }

    /// A survey's retention date, if it has one.
    pub fn retention(&self, slug: &str) -> Result<Option<NaiveDate>, StoreError> {
        self.latest_survey(slug)?;
        let date: Option<NaiveDate> = self.with_connection(|conn| {
            surveys::table
                .filter(surveys::slug.eq(slug))
                .select(diesel::dsl::max(surveys::retain_until))
                .first(conn)
        })?;
        Ok(date)
    }

    /// Delete the responses of every survey whose retention date is before `today`, one
    /// survey per transaction with its audit entry. Surveys with nothing left to delete are
    /// not reported again.
    pub fn apply_retention(
        &self,
        today: NaiveDate,
        actor: &str,
    ) -> Result<Vec<RetentionApplied>, StoreError> {
        let due: Vec<(String, Option<NaiveDate>)> = self.with_connection(|conn| {
            surveys::table
                .filter(surveys::retain_until.lt(today))
                .group_by(surveys::slug)
                .select((surveys::slug, diesel::dsl::max(surveys::retain_until)))
                .order(surveys::slug.asc())
                .load(conn)
        })?;
        let mut applied = Vec::new();
        for (slug, retain_until) in due {
            let Some(retain_until) = retain_until else {
                continue;
            };
            let done: Option<RetentionApplied> = self.write_transaction(|conn| {
                let ids: Vec<i64> = surveys::table
                    .filter(surveys::slug.eq(&slug))
                    .select(surveys::id)
                    .load(conn)?;
                let counts: Vec<(bool, i64)> = responses::table
                    .filter(responses::survey_id.eq_any(&ids))
                    .group_by(responses::complete)
                    .select((responses::complete, diesel::dsl::count_star()))
                    .load(conn)?;
                let count = |complete: bool| {
                    counts
                        .iter()
                        .filter(|(c, _)| *c == complete)
                        .map(|(_, n)| *n)
                        .sum::<i64>()
                };
                let (complete, partial) = (count(true), count(false));
                if complete + partial == 0 {
                    return Ok::<_, StoreError>(None);
                }
                // Invitations stay (their counts are part of the record); they no longer
                // point at a response.
                let response_ids = responses::table
                    .filter(responses::survey_id.eq_any(&ids))
                    .select(responses::id.nullable());
                diesel::update(
                    invitations::table.filter(invitations::response_id.eq_any(response_ids)),
                )
                .set(invitations::response_id.eq(None::<i64>))
                .execute(conn)?;
                diesel::delete(responses::table.filter(responses::survey_id.eq_any(&ids)))
                    .execute(conn)?;
                insert_audit(
                    conn,
                    &AuditEvent {
                        actor,
                        action: "retention.applied",
                        survey: Some(&slug),
                        detail: json!({
                            "retain_until": retain_until.to_string(),
                            "complete_deleted": complete,
                            "partial_deleted": partial,
                        }),
                    },
                )?;
                Ok(Some(RetentionApplied {
                    slug: slug.clone(),
                    retain_until,
                    complete,
                    partial,
                }))
            })?;
            applied.extend(done);
        }
        Ok(applied)
    }
}
