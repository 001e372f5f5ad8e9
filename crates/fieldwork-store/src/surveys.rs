//! Survey definitions and their versions.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use fieldwork_survey::{parse_definition, SurveyDefinition};

use crate::audit::{insert_audit, AuditEvent};
use crate::connection::MultiBackend;
use crate::schema::{responses, surveys};
use crate::{now, Store, StoreError};

/// Whether a survey takes responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurveyStatus {
    /// Imported, not yet open to respondents.
    Draft,
    Open,
    Closed,
}

impl SurveyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SurveyStatus::Draft => "draft",
            SurveyStatus::Open => "open",
            SurveyStatus::Closed => "closed",
        }
    }

    fn from_db(text: &str) -> Self {
        match text {
            "open" => SurveyStatus::Open,
            "closed" => SurveyStatus::Closed,
            // The column's CHECK constraint allows nothing else.
            _ => SurveyStatus::Draft,
        }
    }
}

/// One stored version of a survey, with its checked definition.
#[derive(Debug, Clone)]
pub struct StoredSurvey {
    pub id: i64,
    pub status: SurveyStatus,
    pub created_at: NaiveDateTime,
    pub definition: SurveyDefinition,
}

impl StoredSurvey {
    pub fn slug(&self) -> &str {
        &self.definition.slug
    }
    pub fn version(&self) -> u32 {
        self.definition.version
    }
}

/// A line of `fieldwork survey list`: the latest version of a survey and its response counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveySummary {
    pub slug: String,
    pub title: String,
    pub latest_version: u32,
    pub versions: u32,
    pub status: SurveyStatus,
    pub complete_responses: i64,
    pub partial_responses: i64,
}

/// What an import did.
#[derive(Debug, Clone)]
pub enum ImportOutcome {
    /// A new survey, or a new version of an existing one.
    Created(StoredSurvey),
    /// That exact definition was already stored; nothing changed.
    Unchanged(StoredSurvey),
}

impl ImportOutcome {
    pub fn survey(&self) -> &StoredSurvey {
        match self {
            ImportOutcome::Created(s) | ImportOutcome::Unchanged(s) => s,
        }
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = surveys)]
struct SurveyRow {
    id: i64,
    slug: String,
    version: i32,
    definition: String,
    status: String,
    created_at: NaiveDateTime,
}

impl SurveyRow {
    fn into_stored(self) -> Result<StoredSurvey, StoreError> {
        let definition =
            parse_definition(&self.definition).map_err(|e| StoreError::CorruptDefinition {
                slug: self.slug.clone(),
                version: self.version as u32,
                reason: e
                    .problems
                    .first()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
            })?;
        Ok(StoredSurvey {
            id: self.id,
            status: SurveyStatus::from_db(&self.status),
            created_at: self.created_at,
            definition,
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = surveys)]
struct NewSurveyRow<'a> {
    slug: &'a str,
    version: i32,
    title: &'a str,
    definition: &'a str,
    status: &'a str,
    created_at: NaiveDateTime,
}

impl Store {
    /// Store a definition: a new survey, or a new version of one (which must carry a higher
    /// version number than any stored). Re-importing a stored version unchanged does nothing.
    /// A new version starts as a draft; earlier versions keep their responses.
    pub fn import_survey(
        &self,
        definition: &SurveyDefinition,
    ) -> Result<ImportOutcome, StoreError> {
        let canonical = definition.to_canonical_json();
        let slug = definition.slug.as_str();
        let version = definition.version as i32;
        let row: Result<(bool, SurveyRow), StoreError> = self.write_transaction(|conn| {
            let existing: Option<SurveyRow> = surveys::table
                .filter(surveys::slug.eq(slug))
                .filter(surveys::version.eq(version))
                .select(SurveyRow::as_select())
                .first(conn)
                .optional()?;
            if let Some(existing) = existing {
                if existing.definition == canonical {
                    return Ok((false, existing));
                }
                return Err(StoreError::VersionConflict {
                    slug: slug.to_owned(),
                    version: definition.version,
                });
            }
            let latest: Option<i32> = surveys::table
                .filter(surveys::slug.eq(slug))
                .select(diesel::dsl::max(surveys::version))
                .first(conn)?;
            if let Some(latest) = latest.filter(|latest| *latest > version) {
                return Err(StoreError::VersionNotNewer {
                    slug: slug.to_owned(),
                    latest: latest as u32,
                    given: definition.version,
                });
            }
            let row = diesel::insert_into(surveys::table)
                .values(NewSurveyRow {
                    slug,
                    version,
                    title: definition.title.primary(),
                    definition: &canonical,
                    status: SurveyStatus::Draft.as_str(),
                    created_at: now(),
                })
                // `as_returning()` does not compile for a MultiConnection (diesel 2.3); the
                // row's columns, which are the same on every backend, do.
                .returning(<SurveyRow as Selectable<MultiBackend>>::construct_selection())
                .get_result(conn)?;
            Ok((true, row))
        });
        let (created, row) = row?;
        let stored = row.into_stored()?;
        Ok(if created {
            ImportOutcome::Created(stored)
        } else {
            ImportOutcome::Unchanged(stored)
        })
    }

    /// The latest version of a survey.
    pub fn latest_survey(&self, slug: &str) -> Result<StoredSurvey, StoreError> {
        let row: Option<SurveyRow> = self.with_connection(|conn| {
            surveys::table
                .filter(surveys::slug.eq(slug))
                .order(surveys::version.desc())
                .select(SurveyRow::as_select())
                .first(conn)
                .optional()
        })?;
        row.ok_or_else(|| StoreError::SurveyNotFound(slug.to_owned()))?
            .into_stored()
    }

    /// The version respondents answer: the open one if any, else the latest.
    pub fn current_survey(&self, slug: &str) -> Result<StoredSurvey, StoreError> {
        let open: Option<SurveyRow> = self.with_connection(|conn| {
            surveys::table
                .filter(surveys::slug.eq(slug))
                .filter(surveys::status.eq(SurveyStatus::Open.as_str()))
                .order(surveys::version.desc())
                .select(SurveyRow::as_select())
                .first(conn)
                .optional()
        })?;
        match open {
            Some(row) => row.into_stored(),
            None => self.latest_survey(slug),
        }
    }

    /// One version of a survey.
    pub fn survey_version(&self, slug: &str, version: u32) -> Result<StoredSurvey, StoreError> {
        let row: Option<SurveyRow> = self.with_connection(|conn| {
            surveys::table
                .filter(surveys::slug.eq(slug))
                .filter(surveys::version.eq(version as i32))
                .select(SurveyRow::as_select())
                .first(conn)
                .optional()
        })?;
        row.ok_or_else(|| StoreError::SurveyVersionNotFound {
            slug: slug.to_owned(),
            version,
        })?
        .into_stored()
    }

    /// Every version of a survey, oldest first.
    pub fn survey_versions(&self, slug: &str) -> Result<Vec<StoredSurvey>, StoreError> {
        let rows: Vec<SurveyRow> = self.with_connection(|conn| {
            surveys::table
                .filter(surveys::slug.eq(slug))
                .order(surveys::version.asc())
                .select(SurveyRow::as_select())
                .load(conn)
        })?;
        if rows.is_empty() {
            return Err(StoreError::SurveyNotFound(slug.to_owned()));
        }
        rows.into_iter().map(SurveyRow::into_stored).collect()
    }

    /// Open or close a survey. Opening a version closes any other open version of the same
    /// slug, so respondents always answer one definition.
    pub fn set_survey_status(
        &self,
        slug: &str,
        status: SurveyStatus,
    ) -> Result<StoredSurvey, StoreError> {
        self.change_survey_status(slug, status, None)
    }

    /// [`Store::set_survey_status`], recorded in the audit log as done by `actor`.
    pub fn set_survey_status_as(
        &self,
        slug: &str,
        status: SurveyStatus,
        actor: &str,
    ) -> Result<StoredSurvey, StoreError> {
        self.change_survey_status(slug, status, Some(actor))
    }

    fn change_survey_status(
        &self,
        slug: &str,
        status: SurveyStatus,
        actor: Option<&str>,
    ) -> Result<StoredSurvey, StoreError> {
        let latest = self.latest_survey(slug)?;
        let result: Result<(), StoreError> = self.write_transaction(|conn| {
            if let Some(actor) = actor {
                insert_audit(
                    conn,
                    &AuditEvent {
                        actor,
                        action: "survey.status",
                        survey: Some(slug),
                        detail: serde_json::json!({
                            "version": latest.version(),
                            "from": latest.status.as_str(),
                            "to": status.as_str(),
                        }),
                    },
                )?;
            }
            if status == SurveyStatus::Open {
                diesel::update(
                    surveys::table
                        .filter(surveys::slug.eq(slug))
                        .filter(surveys::status.eq(SurveyStatus::Open.as_str())),
                )
                .set(surveys::status.eq(SurveyStatus::Closed.as_str()))
                .execute(conn)?;
            }
            diesel::update(surveys::table.find(latest.id))
                .set(surveys::status.eq(status.as_str()))
                .execute(conn)?;
            // The survey's contacts are deleted a set time after it closes (contacts.rs).
            let closed_at = (status == SurveyStatus::Closed).then(crate::now);
            diesel::update(surveys::table.filter(surveys::slug.eq(slug)))
                .set(surveys::closed_at.eq(closed_at))
                .execute(conn)?;
            Ok::<_, StoreError>(())
        });
        result?;
        self.latest_survey(slug)
    }

    /// Every survey, latest version first by slug, with response counts over all versions.
    pub fn list_surveys(&self) -> Result<Vec<SurveySummary>, StoreError> {
        type Counted = (String, bool, i64);
        type Listed = (String, i32, String, String);
        let (rows, counts): (Vec<Listed>, Vec<Counted>) = self.with_connection(|conn| {
            let rows = surveys::table
                .order((surveys::slug.asc(), surveys::version.desc()))
                .select((
                    surveys::slug,
                    surveys::version,
                    surveys::title,
                    surveys::status,
                ))
                .load(conn)?;
            let counts = responses::table
                .inner_join(surveys::table)
                .group_by((surveys::slug, responses::complete))
                .select((
                    surveys::slug,
                    responses::complete,
                    diesel::dsl::count_star(),
                ))
                .load(conn)?;
            Ok::<_, StoreError>((rows, counts))
        })?;
        let mut summaries: Vec<SurveySummary> = Vec::new();
        for (slug, version, title, status) in rows {
            match summaries.last_mut() {
                Some(last) if last.slug == slug => last.versions += 1,
                _ => summaries.push(SurveySummary {
                    complete_responses: count_for(&counts, &slug, true),
                    partial_responses: count_for(&counts, &slug, false),
                    slug,
                    title,
                    latest_version: version as u32,
                    versions: 1,
                    status: SurveyStatus::from_db(&status),
                }),
            }
        }
        Ok(summaries)
    }
}

fn count_for(counts: &[(String, bool, i64)], slug: &str, complete: bool) -> i64 {
    counts
        .iter()
        .filter(|(s, c, _)| s == slug && *c == complete)
        .map(|(_, _, n)| n)
        .sum()
}
