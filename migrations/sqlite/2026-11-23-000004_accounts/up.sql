-- Researchers: accounts, sessions, API tokens, per-survey roles, the audit log, sign-in
-- throttling and retention (docs/security.md). Every secret is stored as a hash only:
-- passwords as Argon2id PHC strings, session ids and API tokens as SHA-256.

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Kept lowercased by the store, so the unique index makes emails case-insensitive.
    email TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    is_admin BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX users_by_email ON users (email);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    survey_slug TEXT NOT NULL,
    scope TEXT NOT NULL CHECK (scope IN ('read', 'export')),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX api_tokens_by_user ON api_tokens (user_id);

CREATE TABLE survey_roles (
    survey_slug TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('owner', 'analyst', 'viewer')),
    granted_at TIMESTAMP NOT NULL,
    PRIMARY KEY (survey_slug, user_id)
);
CREATE INDEX survey_roles_by_user ON survey_roles (user_id);

-- Append-only: the triggers refuse to change or delete a row.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    survey_slug TEXT,
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_by_survey ON audit_log (survey_slug, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

-- Failed sign-ins of the last half hour, per account (email as typed, lowercased) and per
-- client address; shared by every server on the database.
CREATE TABLE sign_in_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TIMESTAMP NOT NULL,
    email TEXT NOT NULL,
    address TEXT NOT NULL
);
CREATE INDEX sign_in_failures_by_email ON sign_in_failures (email, at);
CREATE INDEX sign_in_failures_by_address ON sign_in_failures (address, at);

-- Raw responses of the survey are deleted by `fieldwork retention apply` after this date.
ALTER TABLE surveys ADD COLUMN retain_until DATE;
