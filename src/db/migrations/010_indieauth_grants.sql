-- Migration 010: StarPunk's own IndieAuth server. Every authorization becomes a grant: the code,
-- the access tokens and the refresh tokens it produced share grant_id, so a replayed code or a
-- reused (already rotated) refresh token can revoke everything the grant produced.
ALTER TABLE tokens ADD COLUMN kind TEXT NOT NULL DEFAULT 'access';
ALTER TABLE tokens ADD COLUMN grant_id TEXT;
ALTER TABLE authorization_codes ADD COLUMN grant_id TEXT;

CREATE INDEX idx_tokens_grant_id ON tokens(grant_id);
