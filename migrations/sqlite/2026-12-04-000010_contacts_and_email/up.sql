-- When a survey was last closed: its contacts are deleted a set time after (retention).
ALTER TABLE surveys ADD COLUMN closed_at TIMESTAMP;

-- The people a survey invites by email. Personal data held only to invite them: kept apart
-- from responses, never joined to answers, deleted a set time after the survey closes and
-- with the survey. `link_token` is the secret of the contact's invitation, kept so that a
-- reminder carries the same link (docs/security.md); the invitation itself stores only its
-- hash. `opt_out_hash` is the hash of the opt-out link's secret.
CREATE TABLE contacts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    survey_slug TEXT NOT NULL,
    email TEXT NOT NULL,
    name TEXT,
    stratum TEXT NOT NULL,
    language TEXT,
    invitation_id BIGINT NOT NULL REFERENCES invitations (id) ON DELETE CASCADE,
    link_token TEXT NOT NULL,
    opt_out_hash TEXT NOT NULL UNIQUE,
    opted_out_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (survey_slug, email)
);
CREATE INDEX contacts_by_invitation ON contacts (invitation_id);

-- Each email sent or to send to a contact: an invitation (`reminder` 0) or a reminder (1, 2,
-- ...), at most one of each, with its state. A sender claims a queued message by moving it
-- to `sending` before talking to the mail server, so that no two senders, and no sender
-- after a restart, send it again.
CREATE TABLE email_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    contact_id BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    reminder INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'opted_out')),
    attempts INTEGER NOT NULL DEFAULT 0,
    queued_at TIMESTAMP NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_at TIMESTAMP,
    sent_at TIMESTAMP,
    server_reply TEXT,
    UNIQUE (contact_id, reminder)
);
CREATE INDEX email_messages_by_state ON email_messages (state, next_attempt_at);
