-- Running many servers on one database (issue 22). On SQLite (one server per file) the rate
-- limit stays in the server's memory; the table exists so that one schema.rs serves both.
CREATE TABLE rate_limit_buckets (
    address TEXT PRIMARY KEY NOT NULL,
    tokens DOUBLE NOT NULL,
    at TIMESTAMP NOT NULL
);

-- What a readiness check writes (and deletes in the same transaction) to learn that the
-- database's storage takes writes. Stays empty.
CREATE TABLE readiness_probes (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    padding TEXT NOT NULL
);
