-- Published reports: the static site `fieldwork report --publish` builds, kept in the database
-- so that every server sharing it can serve the report at /r/{slug} without a local directory.
-- A survey has at most one published report; publishing again replaces it.
CREATE TABLE published_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The version of the survey the report was laid out by (its latest when published).
    survey_id BIGINT NOT NULL REFERENCES surveys (id),
    published_at TIMESTAMP NOT NULL,
    -- SHA-256 (hex) of the analysis plan file; NULL for the default plan.
    plan_hash TEXT
);
CREATE INDEX published_reports_by_survey ON published_reports (survey_id);

-- The files of a published report, by their path within the site (index.html, charts/x.svg).
CREATE TABLE report_files (
    report_id BIGINT NOT NULL REFERENCES published_reports (id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    content_type TEXT NOT NULL,
    body BLOB NOT NULL,
    PRIMARY KEY (report_id, path)
);
