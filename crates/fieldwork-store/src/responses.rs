//! Responses: written in batches, read back streaming.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::backend::Backend;
use diesel::connection::DefaultLoadingMode;
use diesel::dsl;
use diesel::pg::{Pg, PgRowByRowLoadingMode};
use diesel::prelude::*;
use diesel::query_dsl::methods::{self, BoxedDsl};
use diesel::query_dsl::LoadQuery;
use diesel::sqlite::Sqlite;
use fieldwork_survey::{Completeness, ValidatedResponse};

use crate::connection::DbConnection;
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
    /// The language of the pages it was given on (`None`: through the API or an import).
    pub language: Option<String>,
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

/// A response row to insert: what the API and the web form store alike.
#[derive(Insertable)]
#[diesel(table_name = responses)]
pub(crate) struct NewResponseRow<'a> {
    pub(crate) public_id: String,
    pub(crate) survey_id: i64,
    pub(crate) submission_key: &'a str,
    pub(crate) stratum: Option<&'a str>,
    pub(crate) complete: bool,
    pub(crate) answers: String,
    pub(crate) created_at: NaiveDateTime,
    pub(crate) updated_at: NaiveDateTime,
    pub(crate) submitted_at: Option<NaiveDateTime>,
    pub(crate) request_hash: Option<&'a str>,
    pub(crate) resume_expires_at: Option<NaiveDateTime>,
    pub(crate) language: Option<&'a str>,
}

impl<'a> NewResponseRow<'a> {
    /// A validated response submitted whole at `at`, under idempotency key `submission_key`.
    pub(crate) fn submitted(
        survey_id: i64,
        submission_key: &'a str,
        response: &'a ValidatedResponse,
        at: NaiveDateTime,
    ) -> Self {
        let complete = response.completeness() == Completeness::Complete;
        NewResponseRow {
            public_id: crate::new_public_id(),
            survey_id,
            submission_key,
            stratum: response.stratum(),
            complete,
            answers: response.answers_json(),
            created_at: at,
            updated_at: at,
            submitted_at: complete.then_some(at),
            request_hash: None,
            resume_expires_at: None,
            language: None,
        }
    }
}

/// Insert `row` unless a response with its submission key is stored for its survey version:
/// the new row's id and public id, or `None` if it was already there.
pub(crate) fn insert_unless_stored(
    conn: &mut DbConnection,
    row: &NewResponseRow<'_>,
) -> QueryResult<Option<(i64, String)>> {
    let insert = diesel::insert_into(responses::table)
        .values(row)
        .on_conflict_do_nothing()
        .returning((responses::id, responses::public_id));
    // Both backends spell `ON CONFLICT DO NOTHING` alike, but diesel's MultiConnection
    // backend leaves it out, so the statement runs on the concrete connection.
    match conn {
        DbConnection::Sqlite(conn) => insert.get_result(conn).optional(),
        DbConnection::Postgres(conn) => insert.get_result(conn).optional(),
    }
}

/// A response row as read back; with its survey's version number (`surveys::version`),
/// a [`StoredResponse`].
#[derive(Queryable, Selectable)]
#[diesel(table_name = responses)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub(crate) struct ResponseRow {
    id: i64,
    public_id: String,
    survey_id: i64,
    stratum: Option<String>,
    complete: bool,
    created_at: NaiveDateTime,
    submitted_at: Option<NaiveDateTime>,
    answers: String,
    language: Option<String>,
}

impl ResponseRow {
    pub(crate) fn into_stored(self, survey_version: i32) -> StoredResponse {
        let row = self;
        StoredResponse {
            id: row.id,
            public_id: row.public_id,
            survey_id: row.survey_id,
            survey_version: survey_version as u32,
            stratum: row.stratum,
            complete: row.complete,
            created_at: row.created_at,
            submitted_at: row.submitted_at,
            answers: row.answers,
            language: row.language,
        }
    }
}

/// What analysis reads of a response: its stratum and its answers (JSON text).
#[derive(Queryable, Selectable)]
#[diesel(table_name = responses)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
struct AnswersRow {
    stratum: Option<String>,
    answers: String,
}

/// The row ids and numbers of the survey versions `filter` lets through, oldest first.
fn version_ids(
    conn: &mut DbConnection,
    slug: &str,
    filter: &ResponseFilter,
) -> QueryResult<Vec<(i64, i32)>> {
    let mut versions = surveys::table
        .filter(surveys::slug.eq(slug))
        .select((surveys::id, surveys::version))
        .order(surveys::version.asc())
        .into_boxed();
    if let Some(version) = filter.version {
        versions = versions.filter(surveys::version.eq(version as i32));
    }
    versions.load(conn)
}

/// A boxed query of responses that [`narrowed`] can filter.
trait NarrowableResponses:
    methods::FilterDsl<dsl::Eq<responses::complete, bool>, Output = Self>
    + methods::FilterDsl<dsl::Eq<responses::stratum, String>, Output = Self>
    + methods::FilterDsl<dsl::GtEq<responses::updated_at, NaiveDateTime>, Output = Self>
    + Sized
{
}

impl<Query> NarrowableResponses for Query where
    Query: methods::FilterDsl<dsl::Eq<responses::complete, bool>, Output = Query>
        + methods::FilterDsl<dsl::Eq<responses::stratum, String>, Output = Query>
        + methods::FilterDsl<dsl::GtEq<responses::updated_at, NaiveDateTime>, Output = Query>
{
}

/// `query` narrowed to the responses `filter` lets through: complete only unless it asks
/// for partial ones too, one stratum, submitted or saved since a time.
fn narrowed<Query: NarrowableResponses>(mut query: Query, filter: &ResponseFilter) -> Query {
    if !filter.include_partial {
        query = methods::FilterDsl::filter(query, responses::complete.eq(true));
    }
    if let Some(stratum) = &filter.stratum {
        query = methods::FilterDsl::filter(query, responses::stratum.eq(stratum.clone()));
    }
    if let Some(since) = filter.since {
        query = methods::FilterDsl::filter(query, responses::updated_at.ge(since));
    }
    query
}

type OneVersionInOrder = dsl::Order<
    dsl::Filter<responses::table, dsl::Eq<responses::survey_id, i64>>,
    dsl::Asc<responses::id>,
>;

/// The responses of survey version `survey_id` that `filter` lets through, in the order
/// stored, boxed for backend `DB`: generic so that streaming can run it on each concrete
/// connection, with that backend's loading mode.
fn version_responses<'a, DB>(
    survey_id: i64,
    filter: &ResponseFilter,
) -> responses::BoxedQuery<'a, DB>
where
    DB: Backend,
    OneVersionInOrder: BoxedDsl<'a, DB, Output = responses::BoxedQuery<'a, DB>>,
    responses::BoxedQuery<'a, DB>: NarrowableResponses,
{
    let query = responses::table
        .filter(responses::survey_id.eq(survey_id))
        .order(responses::id.asc())
        .into_boxed();
    narrowed(query, filter)
}

/// Call `each` for every row `query` loads on `conn`, in loading mode `Mode`, until it
/// returns an error, which is handed back.
fn for_each_row<'conn, 'query: 'conn, Conn, Mode, Query, Row, E>(
    conn: &'conn mut Conn,
    query: Query,
    each: &mut impl FnMut(Row) -> Result<(), E>,
) -> QueryResult<Result<(), E>>
where
    Query: RunQueryDsl<Conn> + LoadQuery<'query, Conn, Row, Mode> + 'conn,
    Row: 'conn,
{
    for row in query.load_iter::<Row, Mode>(conn)? {
        if let Err(e) = each(row?) {
            return Ok(Err(e));
        }
    }
    Ok(Ok(()))
}

/// Run `stream` for each survey version of `slug` that `filter` lets through (its row id and
/// number), oldest first,
/// until it hands back an error of `each`.
///
/// One query per version rather than one for the slug: with a single `survey_id` the
/// `(survey_id, complete)` index yields rows already in id order, where a join on the slug
/// made SQLite sort the whole result in a temporary B-tree first (three times slower at
/// 200,000 responses).
fn for_each_version<E>(
    conn: &mut DbConnection,
    slug: &str,
    filter: &ResponseFilter,
    mut stream: impl FnMut(&mut DbConnection, i64, i32) -> QueryResult<Result<(), E>>,
) -> QueryResult<Result<(), E>> {
    for (survey_id, version) in version_ids(conn, slug, filter)? {
        let streamed = stream(conn, survey_id, version)?;
        if streamed.is_err() {
            return Ok(streamed);
        }
    }
    Ok(Ok(()))
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
        self.write_transaction(|conn| {
            let mut outcomes = Vec::with_capacity(batch.len());
            for new in batch {
                let row = NewResponseRow::submitted(
                    survey.id,
                    new.submission_key,
                    new.response,
                    timestamp,
                );
                let outcome = match insert_unless_stored(conn, &row)? {
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
            Ok::<_, StoreError>(outcomes)
        })
    }

    /// One response by its public id, within a survey (any version).
    pub fn find_response(
        &self,
        slug: &str,
        public_id: &str,
    ) -> Result<Option<StoredResponse>, StoreError> {
        let row: Option<(ResponseRow, i32)> = self.with_connection(|conn| {
            responses::table
                .inner_join(surveys::table)
                .filter(surveys::slug.eq(slug))
                .filter(responses::public_id.eq(public_id))
                .select((ResponseRow::as_select(), surveys::version))
                .first(conn)
                .optional()
        })?;
        Ok(row.map(|(row, version)| row.into_stored(version)))
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
        // PostgreSQL sends rows one by one only in its row-by-row loading mode, which diesel
        // offers on `PgConnection` alone: hence the match, the same query on each side.
        self.with_connection(|conn| {
            for_each_version(conn, slug, filter, |conn, survey_id, version| {
                let mut each = |row: ResponseRow| each(row.into_stored(version));
                match conn {
                    DbConnection::Sqlite(conn) => for_each_row::<_, DefaultLoadingMode, _, _, _>(
                        conn,
                        version_responses::<Sqlite>(survey_id, filter)
                            .select(ResponseRow::as_select()),
                        &mut each,
                    ),
                    DbConnection::Postgres(conn) => {
                        for_each_row::<_, PgRowByRowLoadingMode, _, _, _>(
                            conn,
                            version_responses::<Pg>(survey_id, filter)
                                .select(ResponseRow::as_select()),
                            &mut each,
                        )
                    }
                }
            })
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
        let mut each = |row: AnswersRow| each(row.stratum, row.answers);
        self.with_connection(|conn| {
            for_each_version(conn, slug, filter, |conn, survey_id, _| match conn {
                DbConnection::Sqlite(conn) => for_each_row::<_, DefaultLoadingMode, _, _, _>(
                    conn,
                    version_responses::<Sqlite>(survey_id, filter).select(AnswersRow::as_select()),
                    &mut each,
                ),
                DbConnection::Postgres(conn) => for_each_row::<_, PgRowByRowLoadingMode, _, _, _>(
                    conn,
                    version_responses::<Pg>(survey_id, filter).select(AnswersRow::as_select()),
                    &mut each,
                ),
            })
        })
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
        self.with_connection(|conn| {
            // One version at a time: grouped within one survey_id, the count is a walk along
            // responses_by_survey_stratum in its own order, with no sort.
            for (survey_id, _) in version_ids(conn, slug, filter)? {
                let query = responses::table
                    .filter(responses::survey_id.eq(survey_id))
                    .group_by((responses::stratum, responses::complete))
                    .select((
                        responses::stratum,
                        responses::complete,
                        diesel::dsl::count_star(),
                    ))
                    .into_boxed();
                let rows: Vec<(Option<String>, bool, i64)> = narrowed(query, filter).load(conn)?;
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
            self.with_connection(|conn| {
                responses::table
                    .inner_join(surveys::table)
                    .filter(surveys::slug.eq(slug))
                    .filter(responses::complete.eq(true))
                    .select((min(responses::submitted_at), max(responses::submitted_at)))
                    .first(conn)
            })?;
        Ok(first.zip(last))
    }
}
