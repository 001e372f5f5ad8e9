ALTER TABLE surveys DROP COLUMN retain_until;
DROP TABLE sign_in_failures;
DROP TRIGGER audit_log_no_delete;
DROP TRIGGER audit_log_no_update;
DROP TABLE audit_log;
DROP TABLE survey_roles;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE users;
