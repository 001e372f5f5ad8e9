//! Responses: written in batches, read back streaming.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use fieldwork_survey::{Completeness, ValidatedResponse};

use crate::connection::{with_connection, write_transaction, ConnectionPool};
use crate::schema::{responses, surveys};
use crate::surveys::StoredSurvey;
use crate::{now, Store, StoreError};

/// A validated response and the key that makes its submission idempotent: the same key for
/// the same survey version is stored once, however often it is sent.
#[derive(Debug, Clone, Copy)]
pub struct NewResponse<'a> {
    pub response: &'a ValidatedResponse,
    pub submission_key: &'a str,
}

/// What happened to one response of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InsertOutcome {
    Inserted {
        id: i64,
        public_id: String,
    },
    /// A response with that submission key was already stored; it is left as it was.
    AlreadyStored {
        id: i64,
        public_id: String,
    },
}

impl InsertOutcome {
    pub fn public_id(&self) -> &str {
        match self {
            InsertOutcome::Inserted { public_id, .. }
            | InsertOutcome::AlreadyStored { public_id, .. } => public_id,
        }
    }
    pub fn id(&self) -> i64 {
        match self {
            InsertOutcome::Inserted { id, .. } | InsertOutcome::AlreadyStored { id, .. } => *id,
        }
    }
}

/// The row ids of the survey versions `$filter` lets through, oldest first.
macro_rules! version_ids {
    ($conn:expr, $slug:expr, $filter:expr) => {{
        let filter: &ResponseFilter = $filter;
        let mut versions = surveys::table
            .filter(surveys::slug.eq($slug))
            .select(surveys::id)
            .order(surveys::version.asc())
            .into_boxed();
        if let Some(version) = filter.version {
            versions = versions.filter(surveys::version.eq(version as i32));
        }
        versions.load::<i64>($conn)
    }};
}

/// A boxed query of responses narrowed to those `$filter` lets through: complete only unless
/// it asks for partial ones too, one stratum, submitted or saved since a time.
macro_rules! narrowed {
    ($query:expr, $filter:expr) => {{
        let filter: &ResponseFilter = $filter;
        let mut query = $query;
        if !filter.include_partial {
            query = query.filter(responses::complete.eq(true));
        }
        if let Some(stratum) = &filter.stratum {
            query = query.filter(responses::stratum.eq(stratum.clone()));
        }
        if let Some(since) = filter.since {
            query = query.filter(responses::updated_at.ge(since));
        }
        query
    }};
}

/// Stream the rows of `$columns` for the responses of survey `$slug` that `$filter` lets
/// through into `$each`: version by version, oldest first, and within a version in the order
/// stored. The same queries on both backends, each with its streaming loading mode. Evaluates
/// to `Result<Result<(), E>, StoreError>`.
///
/// One query per version rather than one for the slug: with a single `survey_id` the
/// `(survey_id, complete)` index yields rows already in id order, where a join on the slug
/// made SQLite sort the whole result in a temporary B-tree first (three times slower at
/// 200,000 responses).
macro_rules! stream_responses {
    ($store:expr, $slug:expr, $filter:expr, $columns:expr, $row:ty, $each:expr) => {{
        macro_rules! stream {
            ($conn:expr, $mode:ty) => {{
                let filter: &ResponseFilter = $filter;
                let survey_ids = version_ids!($conn, $slug, filter)?;
                let mut each = $each;
                for survey_id in survey_ids {
                    let query = narrowed!(
                        responses::table
                            .inner_join(surveys::table)
                            .filter(responses::survey_id.eq(survey_id))
                            .select($columns)
                            .order(responses::id.asc())
                            .into_boxed(),
                        filter
                    );
                    for row in query.load_iter::<$row, $mode>($conn)? {
                        if let Err(e) = each(row?) {
                            return Ok(Err(e));
                        }
                    }
                }
                Ok(Ok(()))
            }};
        }
        match &$store.pool {
            ConnectionPool::Sqlite(pool) => {
                let mut pooled = pool.get()?;
                let conn: &mut diesel::SqliteConnection = &mut pooled;
                stream!(conn, diesel::connection::DefaultLoadingMode)
            }
            ConnectionPool::Postgres(pool) => {
                let mut pooled = pool.get()?;
                let conn: &mut diesel::PgConnection = &mut pooled;
                stream!(conn, diesel::pg::PgRowByRowLoadingMode)
            }
        }
    }};
}

/// A response as read back: answers are the compact JSON object written at insert.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResponse {
    pub id: i64,
    pub public_id: String,
    /// The id of the survey version's row ([`StoredSurvey::id`]).
    pub survey_id: i64,
    pub survey_version: u32,
    pub stratum: Option<String>,
    pub complete: bool,
    pub created_at: NaiveDateTime,
    pub submitted_at: Option<NaiveDateTime>,
    pub answers: String,
}

/// Which responses to read.
#[derive(Debug, Clone, Default)]
pub struct ResponseFilter {
    /// Partial (saved, unfinished) responses too; by default only complete ones.
    pub include_partial: bool,
    pub stratum: Option<String>,
    /// Only responses submitted (or, for partial ones, last saved) at or after this time.
    pub since: Option<NaiveDateTime>,
    /// Only this version of the survey; by default every version.
    pub version: Option<u32>,
}

/// Responses of one stratum and completeness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StratumCount {
    pub stratum: Option<String>,
    pub complete: bool,
    pub count: i64,
}

#[derive(Insertable)]
#[diesel(table_name = responses)]
struct NewResponseRow<'a> {
    public_id: String,
    survey_id: i64,
    submission_key: &'a str,
    stratum: Option<&'a str>,
    complete: bool,
    answers: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    submitted_at: Option<NaiveDateTime>,
}

pub(crate) type ResponseColumns = (
    responses::id,
    responses::public_id,
    responses::survey_id,
    surveys::version,
    responses::stratum,
    responses::complete,
    responses::created_at,
    responses::submitted_at,
    responses::answers,
);

pub(crate) const RESPONSE_COLUMNS: ResponseColumns = (
    responses::id,
    responses::public_id,
    responses::survey_id,
    surveys::version,
    responses::stratum,
    responses::complete,
    responses::created_at,
    responses::submitted_at,
    responses::answers,
);

pub(crate) type ResponseTuple = (
    i64,
    String,
    i64,
    i32,
    Option<String>,
    bool,
    NaiveDateTime,
    Option<NaiveDateTime>,
    String,
);

pub(crate) fn from_tuple(row: ResponseTuple) -> StoredResponse {
    StoredResponse {
        id: row.0,
        public_id: row.1,
        survey_id: row.2,
        survey_version: row.3 as u32,
        stratum: row.4,
        complete: row.5,
        created_at: row.6,
        submitted_at: row.7,
        answers: row.8,
    }
}

impl Store {
    /// Store responses to one survey version in a single transaction: one commit (and, on
    /// SQLite, one fsync) for the whole batch. Each outcome lines up with its input.
    pub fn insert_responses(
        &self,
        survey: &StoredSurvey,
        batch: &[NewResponse<'_>],
    ) -> Result<Vec<InsertOutcome>, StoreError> {
        for new in batch {
            if new.response.survey_slug() != survey.slug()
                || new.response.survey_version() != survey.version()
            {
                return Err(StoreError::WrongSurvey {
                    slug: survey.slug().to_owned(),
                    version: survey.version(),
                });
            }
        }
        let timestamp = now();
        write_transaction!(self, |conn| {
            let mut outcomes = Vec::with_capacity(batch.len());
            for new in batch {
                let complete = new.response.completeness() == Completeness::Complete;
                let row = NewResponseRow {
                    public_id: crate::new_public_id(),
                    survey_id: survey.id,
                    submission_key: new.submission_key,
                    stratum: new.response.stratum(),
                    complete,
                    answers: new.response.answers_json(),
                    created_at: timestamp,
                    updated_at: timestamp,
                    submitted_at: complete.then_some(timestamp),
                };
                let inserted: Vec<(i64, String)> = diesel::insert_into(responses::table)
                    .values(&row)
                    .on_conflict_do_nothing()
                    .returning((responses::id, responses::public_id))
                    .get_results(conn)?;
                let outcome = match inserted.into_iter().next() {
                    Some((id, public_id)) => InsertOutcome::Inserted { id, public_id },
                    None => {
                        let (id, public_id) = responses::table
                            .filter(responses::survey_id.eq(survey.id))
                            .filter(responses::submission_key.eq(new.submission_key))
                            .select((responses::id, responses::public_id))
                            .first(conn)?;
                        InsertOutcome::AlreadyStored { id, public_id }
                    }
                };
                outcomes.push(outcome);
            }
            Ok(outcomes)
        })
    }

    /// One response by its public id, within a survey (any version).
    pub fn find_response(
        &self,
        slug: &str,
        public_id: &str,
    ) -> Result<Option<StoredResponse>, StoreError> {
        let row: Option<ResponseTuple> = with_connection!(self, |conn| responses::table
            .inner_join(surveys::table)
            .filter(surveys::slug.eq(slug))
            .filter(responses::public_id.eq(public_id))
            .select(RESPONSE_COLUMNS)
            .first(conn)
            .optional())?;
        Ok(row.map(from_tuple))
    }

    /// Call `each` for every response of a survey that `filter` lets through, version by
    /// version and in the order they were stored, without holding them all in memory (PostgreSQL sends them row by
    /// row rather than as one result set).
    pub fn for_each_response<E>(
        &self,
        slug: &str,
        filter: &ResponseFilter,
        mut each: impl FnMut(StoredResponse) -> Result<(), E>,
    ) -> Result<Result<(), E>, StoreError> {
        stream_responses!(self, slug, filter, RESPONSE_COLUMNS, ResponseTuple, |row| {
            each(from_tuple(row))
        })
    }

    /// Like [`Store::for_each_response`], but only each response's stratum and answers (the
    /// JSON text): what analysis needs, without decoding the rest of every row.
    pub fn for_each_answers<E>(
        &self,
        slug: &str,
        filter: &ResponseFilter,
        mut each: impl FnMut(Option<String>, String) -> Result<(), E>,
    ) -> Result<Result<(), E>, StoreError> {
        stream_responses!(
            self,
            slug,
            filter,
            (responses::stratum, responses::answers),
            (Option<String>, String),
            |(stratum, answers)| each(stratum, answers)
        )
    }

    /// Every response of a survey that `filter` lets through.
    pub fn load_responses(
        &self,
        slug: &str,
        filter: &ResponseFilter,
    ) -> Result<Vec<StoredResponse>, StoreError> {
        let mut all = Vec::new();
        self.for_each_response(slug, filter, |r| {
            all.push(r);
            Ok::<(), std::convert::Infallible>(())
        })?
        .unwrap_or_else(|never| match never {});
        Ok(all)
    }

    /// Responses per stratum and completeness among those `filter` lets through (what
    /// [`Store::for_each_response`] with the same filter would read).
    pub fn count_matching_responses(
        &self,
        slug: &str,
        filter: &ResponseFilter,
    ) -> Result<Vec<StratumCount>, StoreError> {
        let mut counts: BTreeMap<(Option<String>, bool), i64> = BTreeMap::new();
        with_connection!(self, |conn| {
            // One version at a time: grouped within one survey_id, the count is a walk along
            // responses_by_survey_stratum in its own order, with no sort.
            for survey_id in version_ids!(conn, slug, filter)? {
                let query = narrowed!(
                    responses::table
                        .filter(responses::survey_id.eq(survey_id))
                        .group_by((responses::stratum, responses::complete))
                        .select((
                            responses::stratum,
                            responses::complete,
                            diesel::dsl::count_star(),
                        ))
                        .into_boxed(),
                    filter
                );
                let rows: Vec<(Option<String>, bool, i64)> = query.load(conn)?;
                for (stratum, complete, count) in rows {
                    *counts.entry((stratum, complete)).or_default() += count;
                }
            }
            Ok::<_, diesel::result::Error>(())
        })?;
        Ok(counts
            .into_iter()
            .map(|((stratum, complete), count)| StratumCount {
                stratum,
                complete,
                count,
            })
            .collect())
    }

    /// Responses per stratum and completeness, over every version of a survey.
    pub fn count_responses(&self, slug: &str) -> Result<Vec<StratumCount>, StoreError> {
        self.count_matching_responses(
            slug,
            &ResponseFilter {
                include_partial: true,
                ..ResponseFilter::default()
            },
        )
    }

    /// When fieldwork ran: the first and last submission of a complete response of the survey
    /// (any version); `None` before the first.
    pub fn submission_span(
        &self,
        slug: &str,
    ) -> Result<Option<(NaiveDateTime, NaiveDateTime)>, StoreError> {
        use diesel::dsl::{max, min};
        let (first, last): (Option<NaiveDateTime>, Option<NaiveDateTime>) =
            with_connection!(self, |conn| responses::table
                .inner_join(surveys::table)
                .filter(surveys::slug.eq(slug))
                .filter(responses::complete.eq(true))
                .select((min(responses::submitted_at), max(responses::submitted_at)))
                .first(conn))?;
        Ok(first.zip(last))
    }
}
