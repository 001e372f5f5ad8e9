DROP TABLE email_messages;
DROP TABLE contacts;
ALTER TABLE surveys DROP COLUMN closed_at;
