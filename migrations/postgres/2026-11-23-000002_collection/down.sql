DROP TABLE settings;
DROP INDEX invitations_by_response;
DROP INDEX responses_by_receipt;
ALTER TABLE responses DROP COLUMN resume_expires_at;
ALTER TABLE responses DROP COLUMN receipt_hash;
ALTER TABLE responses DROP COLUMN request_hash;
