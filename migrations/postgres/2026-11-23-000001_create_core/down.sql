DROP TABLE invitations;
DROP TABLE responses;
DROP TABLE surveys;
