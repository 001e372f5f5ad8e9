-- Surveys: one row per imported version of a definition.
CREATE TABLE surveys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL,
    version INTEGER NOT NULL,
    title TEXT NOT NULL,
    definition TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'open', 'closed')),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (slug, version)
);

-- Responses: one row per response, answers as one compact JSON object (see docs/storage.md).
CREATE TABLE responses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id TEXT NOT NULL UNIQUE,
    survey_id BIGINT NOT NULL REFERENCES surveys (id),
    submission_key TEXT NOT NULL,
    stratum TEXT,
    complete BOOLEAN NOT NULL,
    answers TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    submitted_at TIMESTAMP,
    UNIQUE (survey_id, submission_key)
);
CREATE INDEX responses_by_survey ON responses (survey_id, complete);

-- Invitations: single-use links; only a hash of the token is kept.
CREATE TABLE invitations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    survey_slug TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    stratum TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    response_id BIGINT REFERENCES responses (id) ON DELETE SET NULL
);
CREATE INDEX invitations_by_survey ON invitations (survey_slug, stratum);
