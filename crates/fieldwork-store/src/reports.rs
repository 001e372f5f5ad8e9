//! Published reports: the files of a survey's findings site, kept in the database so that
//! every server sharing it can serve `/r/{slug}` without a directory of its own.
//!
//! A survey has at most one published report. Publishing stores every file of the new report
//! and removes the old one in one transaction, so a reader sees either the old report whole or
//! the new one whole; unpublishing removes it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::connection::DbConnection;
use crate::schema::{published_reports, report_files, surveys};
use crate::{now, Store, StoreError};

/// Delete every report of every version of survey `slug`, inside the caller's transaction;
/// returns how many reports there were.
pub(crate) fn remove_reports(conn: &mut DbConnection, slug: &str) -> QueryResult<usize> {
    let ids: Vec<i64> = published_reports::table
        .inner_join(surveys::table)
        .filter(surveys::slug.eq(slug))
        .select(published_reports::id)
        .load(conn)?;
    diesel::delete(report_files::table.filter(report_files::report_id.eq_any(&ids)))
        .execute(conn)?;
    diesel::delete(published_reports::table.filter(published_reports::id.eq_any(&ids)))
        .execute(conn)
}

/// A file of a report to publish.
#[derive(Debug, Clone, Copy)]
pub struct NewReportFile<'a> {
    /// Path within the site, such as `index.html` or `charts/disrupted.svg`.
    pub path: &'a str,
    /// The `Content-Type` it is served with.
    pub content_type: &'a str,
    pub body: &'a [u8],
}

/// A published report, without its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedReport {
    pub id: i64,
    pub slug: String,
    /// The version of the survey the report was laid out by.
    pub survey_version: u32,
    pub published_at: NaiveDateTime,
    /// SHA-256 (hex) of the analysis plan file; `None` for the default plan.
    pub plan_hash: Option<String>,
    pub files: i64,
}

/// One stored file of a published report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFile {
    pub path: String,
    pub content_type: String,
    pub body: Vec<u8>,
}

/// The file a report's address without a path serves.
pub const REPORT_INDEX: &str = "index.html";

#[derive(Insertable)]
#[diesel(table_name = published_reports)]
struct NewReportRow<'a> {
    survey_id: i64,
    published_at: NaiveDateTime,
    plan_hash: Option<&'a str>,
}

#[derive(Insertable)]
#[diesel(table_name = report_files)]
struct NewFileRow<'a> {
    report_id: i64,
    path: &'a str,
    content_type: &'a str,
    body: &'a [u8],
}

/// Whether `path` may name a file of a report: relative, `/`-separated segments of letters,
/// digits, `-`, `_` and `.`, none of them empty, `.` or `..`.
pub fn is_valid_report_path(path: &str) -> bool {
    !path.is_empty()
        && path.len() <= 200
        && path.split('/').all(|segment| {
            !segment.is_empty()
                && segment != "."
                && segment != ".."
                && segment
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        })
}

impl Store {
    /// Publish a report of version `version` of survey `slug`, replacing any report of the
    /// survey published before. `files` must include `index.html`, and no path twice.
    pub fn publish_report(
        &self,
        slug: &str,
        version: u32,
        plan_hash: Option<&str>,
        files: &[NewReportFile<'_>],
    ) -> Result<PublishedReport, StoreError> {
        let mut seen = std::collections::BTreeSet::new();
        for file in files {
            if !is_valid_report_path(file.path) {
                return Err(StoreError::InvalidReport(format!(
                    "`{}` is not a valid file path",
                    file.path
                )));
            }
            if !seen.insert(file.path) {
                return Err(StoreError::InvalidReport(format!(
                    "`{}` is given twice",
                    file.path
                )));
            }
        }
        if !seen.contains(REPORT_INDEX) {
            return Err(StoreError::InvalidReport(format!(
                "it has no {REPORT_INDEX}"
            )));
        }
        let survey = self.survey_version(slug, version)?;
        let published_at = now();
        let id = self.write_transaction(|conn| {
            remove_reports(conn, slug)?;
            let id: i64 = diesel::insert_into(published_reports::table)
                .values(NewReportRow {
                    survey_id: survey.id,
                    published_at,
                    plan_hash,
                })
                .returning(published_reports::id)
                .get_result(conn)?;
            for file in files {
                diesel::insert_into(report_files::table)
                    .values(NewFileRow {
                        report_id: id,
                        path: file.path,
                        content_type: file.content_type,
                        body: file.body,
                    })
                    .execute(conn)?;
            }
            Ok::<_, StoreError>(id)
        })?;
        Ok(PublishedReport {
            id,
            slug: slug.to_owned(),
            survey_version: version,
            published_at,
            plan_hash: plan_hash.map(str::to_owned),
            files: files.len() as i64,
        })
    }

    /// Take down the published report of a survey. Returns whether there was one.
    pub fn unpublish_report(&self, slug: &str) -> Result<bool, StoreError> {
        self.latest_survey(slug)?;
        self.write_transaction(|conn| remove_reports(conn, slug).map(|n| n > 0))
    }

    /// The published report of a survey, if it has one.
    pub fn published_report(&self, slug: &str) -> Result<Option<PublishedReport>, StoreError> {
        let row: Option<(i64, i32, NaiveDateTime, Option<String>)> =
            self.with_connection(|conn| {
                published_reports::table
                    .inner_join(surveys::table)
                    .filter(surveys::slug.eq(slug))
                    .order(published_reports::id.desc())
                    .select((
                        published_reports::id,
                        surveys::version,
                        published_reports::published_at,
                        published_reports::plan_hash,
                    ))
                    .first(conn)
                    .optional()
            })?;
        let Some((id, version, published_at, plan_hash)) = row else {
            return Ok(None);
        };
        let files: i64 = self.with_connection(|conn| {
            report_files::table
                .filter(report_files::report_id.eq(id))
                .count()
                .get_result(conn)
        })?;
        Ok(Some(PublishedReport {
            id,
            slug: slug.to_owned(),
            survey_version: version as u32,
            published_at,
            plan_hash,
            files,
        }))
    }

    /// One file of a survey's published report; `None` when the survey has no published
    /// report or the report has no such file.
    pub fn report_file(&self, slug: &str, path: &str) -> Result<Option<ReportFile>, StoreError> {
        if !is_valid_report_path(path) {
            return Ok(None);
        }
        let row: Option<(String, String, Vec<u8>)> = self.with_connection(|conn| {
            report_files::table
                .inner_join(published_reports::table.inner_join(surveys::table))
                .filter(surveys::slug.eq(slug))
                .filter(report_files::path.eq(path))
                .order(published_reports::id.desc())
                .select((
                    report_files::path,
                    report_files::content_type,
                    report_files::body,
                ))
                .first(conn)
                .optional()
        })?;
        Ok(row.map(|(path, content_type, body)| ReportFile {
            path,
            content_type,
            body,
        }))
    }

    /// The paths of the files of a survey's published report, sorted.
    pub fn report_paths(&self, slug: &str) -> Result<Vec<String>, StoreError> {
        self.with_connection(|conn| {
            report_files::table
                .inner_join(published_reports::table.inner_join(surveys::table))
                .filter(surveys::slug.eq(slug))
                .order(report_files::path.asc())
                .select(report_files::path)
                .load(conn)
        })
    }
}
