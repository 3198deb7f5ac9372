-- Migration 009: what signing in to the admin needs beyond the Python schema.
-- settings holds single values such as the admin password hash (argon2id) and the hash of a
-- one-time setup token; auth_state remembers, per sign-in attempt, which authorization server
-- was discovered for ADMIN_ME so the callback can check `iss` and redeem the code there.
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

ALTER TABLE auth_state ADD COLUMN issuer TEXT;
ALTER TABLE auth_state ADD COLUMN authorization_endpoint TEXT;
