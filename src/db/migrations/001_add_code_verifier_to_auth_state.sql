-- Migration 001 (Python StarPunk v0.8.0): PKCE support for the IndieAuth sign-in flow.
-- Name and effect are kept exactly so a database migrated by the Python StarPunk is recognised.
-- Databases whose SCHEMA_SQL already had the column are adopted by the runner, not re-run.
ALTER TABLE auth_state ADD COLUMN code_verifier TEXT NOT NULL DEFAULT '';
