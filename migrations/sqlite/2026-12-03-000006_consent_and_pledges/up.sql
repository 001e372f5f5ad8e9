-- The consent a respondent gave before answering (which version of the participant information,
-- which statements, when). Personal data, so kept apart from the answers; it goes with its
-- response (withdrawal, retention, deleting the survey).
CREATE TABLE consents (
    response_id BIGINT PRIMARY KEY REFERENCES responses (id) ON DELETE CASCADE,
    information_version TEXT NOT NULL,
    statements TEXT NOT NULL,
    given_at TIMESTAMP NOT NULL
);

-- A respondent's choice to publish a free-text answer (a pledge), and a researcher's decision on
-- it. The words stay in the response's answers and are never copied or edited: withdrawing the
-- response removes the pledge everywhere at once.
CREATE TABLE pledges (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    response_id BIGINT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    question_id TEXT NOT NULL,
    attribution TEXT NOT NULL CHECK (attribution IN ('anonymous', 'sector')),
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    chosen_at TIMESTAMP NOT NULL,
    decided_at TIMESTAMP,
    UNIQUE (response_id, question_id)
);
CREATE INDEX pledges_by_status ON pledges (status, chosen_at);
