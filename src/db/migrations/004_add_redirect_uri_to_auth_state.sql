-- Migration 004 (StarPunk TS): the auth_state change Python StarPunk v0.4.0 made inside
-- SCHEMA_SQL (redirect_uri), in the column order of its v0.8+ SCHEMA_SQL, so a database that
-- took migration 001 by ALTER TABLE ends with exactly the same table as every other path.
-- auth_state rows are sign-in attempts that live ten minutes; recreating the table only asks
-- someone who was signing in at the moment of the upgrade to start again.
DROP TABLE auth_state;

CREATE TABLE auth_state (
    state TEXT PRIMARY KEY,
    code_verifier TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires_at TIMESTAMP NOT NULL,
    redirect_uri TEXT
);

CREATE INDEX idx_auth_state_expires ON auth_state(expires_at);
