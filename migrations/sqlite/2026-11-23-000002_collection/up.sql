-- What the collection service needs: idempotent API submissions compare a hash of the request,
-- withdrawal finds a response by a hash of its receipt code, and a saved response can be
-- resumed until resume_expires_at.
ALTER TABLE responses ADD COLUMN request_hash TEXT;
ALTER TABLE responses ADD COLUMN receipt_hash TEXT;
ALTER TABLE responses ADD COLUMN resume_expires_at TIMESTAMP;
CREATE UNIQUE INDEX responses_by_receipt ON responses (receipt_hash);
CREATE INDEX invitations_by_response ON invitations (response_id);

-- Settings shared by every server on this database, such as the secret receipt codes derive from.
CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
