-- Migration 003 (StarPunk TS): the sessions change that Python StarPunk v0.4.0 made inside
-- SCHEMA_SQL, before migrations existed. A v0.1.0-era database still holds admin session
-- tokens in plain text; baseline + 001 + 002 therefore was never the real current schema.
-- Databases whose sessions table already has this shape (v0.4+) are adopted, not re-run.
-- notice: admin session tokens are now stored as SHA-256 hashes; signed-in sessions stay valid.

-- Copy aside, hashing each token the way Python StarPunk v0.4+ does (hex SHA-256 of the
-- UTF-8 token), so the admin stays signed in. sha256() is registered by the runner.
CREATE TEMP TABLE sessions_migrating AS
    SELECT id, sha256(session_token) AS session_token_hash, me, created_at, expires_at, last_used_at
    FROM sessions;

DROP TABLE sessions;

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_token_hash TEXT UNIQUE NOT NULL,
    me TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    user_agent TEXT,
    ip_address TEXT
);

INSERT INTO sessions (id, session_token_hash, me, created_at, expires_at, last_used_at)
    SELECT id, session_token_hash, me, created_at, expires_at, last_used_at FROM sessions_migrating;

DROP TABLE sessions_migrating;

CREATE INDEX idx_sessions_token_hash ON sessions(session_token_hash);
CREATE INDEX idx_sessions_expires ON sessions(expires_at);
CREATE INDEX idx_sessions_me ON sessions(me);
