-- The language a response was given in (the pages it was started and sent on), and the
-- language an invitation preselects for its respondent. NULL: before languages existed, or
-- a response that came through the API or an import.
ALTER TABLE responses ADD COLUMN language TEXT;
ALTER TABLE invitations ADD COLUMN language TEXT;
