ALTER TABLE invitations DROP COLUMN language;
ALTER TABLE responses DROP COLUMN language;
