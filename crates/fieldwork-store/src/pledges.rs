//! Pledges: free-text answers a respondent chose to have published, and researchers' decisions
//! on them. The words are read from the response's answers every time, never copied, so a
//! withdrawn response takes its pledge with it everywhere at once (the row cascades too).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::audit::{insert_audit, AuditEvent};
use crate::schema::{pledges, responses, surveys};
use crate::{now, Store, StoreError};

/// How a published pledge is attributed. Never by name: a sector at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attribution {
    Anonymous,
    /// "A leader in councils", when enough pledges of that sector are published.
    Sector,
}

impl Attribution {
    pub fn as_str(self) -> &'static str {
        match self {
            Attribution::Anonymous => "anonymous",
            Attribution::Sector => "sector",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "anonymous" => Some(Attribution::Anonymous),
            "sector" => Some(Attribution::Sector),
            _ => None,
        }
    }
}

/// Where a pledge stands in moderation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PledgeStatus {
    Pending,
    Approved,
    Rejected,
}

impl PledgeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PledgeStatus::Pending => "pending",
            PledgeStatus::Approved => "approved",
            PledgeStatus::Rejected => "rejected",
        }
    }
}

/// A respondent's choice about one publishable answer: publish it so, or (None) not at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PledgeChoice<'a> {
    pub response_id: i64,
    pub question_id: &'a str,
    pub publish: Option<Attribution>,
}

/// A pledge awaiting a researcher's decision.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingPledge {
    pub id: i64,
    pub question_id: String,
    pub text: String,
    pub attribution: Attribution,
    /// The response's stratum (its sector), shown to the moderator as the attribution would.
    pub stratum: Option<String>,
    pub submitted_at: Option<NaiveDateTime>,
}

/// An approved pledge, as the public pledges page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedPledge {
    pub question_id: String,
    pub text: String,
    pub attribution: Attribution,
    pub stratum: Option<String>,
    pub submitted_at: Option<NaiveDateTime>,
}

type PledgeRow = (
    i64,
    String,
    String,
    Option<String>,
    String,
    Option<NaiveDateTime>,
);

/// The answer to `question_id` in a response's stored answers, when it is non-empty text.
fn answer_text(answers: &str, question_id: &str) -> Option<String> {
    let answers: serde_json::Map<String, serde_json::Value> = serde_json::from_str(answers).ok()?;
    let text = answers.get(question_id)?.as_str()?.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

impl Store {
    /// Records a respondent's choice to publish (or not) an answer of their response, replacing
    /// any earlier choice for it. A choice made again goes back to the moderation queue.
    pub fn choose_pledge(&self, choice: PledgeChoice<'_>) -> Result<(), StoreError> {
        let timestamp = now();
        self.write_transaction(|conn| {
            diesel::delete(
                pledges::table
                    .filter(pledges::response_id.eq(choice.response_id))
                    .filter(pledges::question_id.eq(choice.question_id)),
            )
            .execute(conn)?;
            if let Some(attribution) = choice.publish {
                diesel::insert_into(pledges::table)
                    .values((
                        pledges::response_id.eq(choice.response_id),
                        pledges::question_id.eq(choice.question_id),
                        pledges::attribution.eq(attribution.as_str()),
                        pledges::status.eq(PledgeStatus::Pending.as_str()),
                        pledges::chosen_at.eq(timestamp),
                    ))
                    .execute(conn)?;
            }
            Ok::<_, diesel::result::Error>(())
        })
    }

    /// The attribution a response chose for publishing its answer to `question_id`, if any.
    pub fn pledge_choice(
        &self,
        response_id: i64,
        question_id: &str,
    ) -> Result<Option<Attribution>, StoreError> {
        self.with_connection(|conn| {
            pledges::table
                .filter(pledges::response_id.eq(response_id))
                .filter(pledges::question_id.eq(question_id))
                .select(pledges::attribution)
                .first::<String>(conn)
                .optional()
                .map(|a| a.as_deref().and_then(Attribution::parse))
        })
    }

    fn pledges_with_status(
        &self,
        slug: &str,
        status: PledgeStatus,
    ) -> Result<Vec<PledgeRow>, StoreError> {
        self.with_connection(|conn| {
            pledges::table
                .inner_join(responses::table.inner_join(surveys::table))
                .filter(surveys::slug.eq(slug))
                .filter(responses::complete.eq(true))
                .filter(pledges::status.eq(status.as_str()))
                .order((responses::submitted_at.desc(), pledges::id.desc()))
                .select((
                    pledges::id,
                    pledges::question_id,
                    pledges::attribution,
                    responses::stratum,
                    responses::answers,
                    responses::submitted_at,
                ))
                .load::<PledgeRow>(conn)
        })
    }

    /// The pledges of survey `slug` awaiting a decision, newest first. Only sent responses'
    /// pledges, and only non-empty ones.
    pub fn pending_pledges(&self, slug: &str) -> Result<Vec<PendingPledge>, StoreError> {
        let rows = self.pledges_with_status(slug, PledgeStatus::Pending)?;
        Ok(rows
            .into_iter()
            .filter_map(
                |(id, question_id, attribution, stratum, answers, submitted_at)| {
                    Some(PendingPledge {
                        id,
                        text: answer_text(&answers, &question_id)?,
                        question_id,
                        attribution: Attribution::parse(&attribution)?,
                        stratum,
                        submitted_at,
                    })
                },
            )
            .collect())
    }

    /// The approved pledges of survey `slug`, newest first.
    pub fn published_pledges(&self, slug: &str) -> Result<Vec<PublishedPledge>, StoreError> {
        let rows = self.pledges_with_status(slug, PledgeStatus::Approved)?;
        Ok(rows
            .into_iter()
            .filter_map(
                |(_, question_id, attribution, stratum, answers, submitted_at)| {
                    Some(PublishedPledge {
                        text: answer_text(&answers, &question_id)?,
                        question_id,
                        attribution: Attribution::parse(&attribution)?,
                        stratum,
                        submitted_at,
                    })
                },
            )
            .collect())
    }

    /// Approves or rejects the pending pledge `id` of survey `slug`, audited with the reason
    /// given. Returns false when there is no such pending pledge (decided already, withdrawn,
    /// or another survey's), and for a "decision" of [`PledgeStatus::Pending`], which is none.
    pub fn decide_pledge(
        &self,
        slug: &str,
        id: i64,
        decision: PledgeStatus,
        actor: &str,
        reason: Option<&str>,
    ) -> Result<bool, StoreError> {
        if decision == PledgeStatus::Pending {
            return Ok(false);
        }
        let timestamp = now();
        self.write_transaction(|conn| {
            let belongs: Option<i64> = pledges::table
                .inner_join(responses::table.inner_join(surveys::table))
                .filter(pledges::id.eq(id))
                .filter(surveys::slug.eq(slug))
                .filter(pledges::status.eq(PledgeStatus::Pending.as_str()))
                .select(pledges::id)
                .first(conn)
                .optional()?;
            if belongs.is_none() {
                return Ok::<_, diesel::result::Error>(false);
            }
            diesel::update(pledges::table.find(id))
                .set((
                    pledges::status.eq(decision.as_str()),
                    pledges::decided_at.eq(Some(timestamp)),
                ))
                .execute(conn)?;
            insert_audit(
                conn,
                &AuditEvent {
                    actor,
                    action: match decision {
                        PledgeStatus::Approved => "pledge.approved",
                        _ => "pledge.rejected",
                    },
                    survey: Some(slug),
                    detail: serde_json::json!({"pledge": id, "reason": reason}),
                },
            )?;
            Ok(true)
        })
    }
}
