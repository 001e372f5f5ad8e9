ALTER TABLE surveys DROP COLUMN retain_until;
DROP TABLE sign_in_failures;
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only();
DROP TABLE survey_roles;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE users;
