-- Syndication identity (issue 20, docs/decisions/0013-syndication-identity.md). Copies on Bluesky
-- and Mastodon were keyed by `syndicate:<note id>:<account id>`, and both ids start at 1 in every
-- database: a second site on the same account found the first site's post under that key, took it
-- for its own, and deleted it with its own note.
--
-- `installation`: one row, a random identity made once when this database is created. It travels
-- with the database (a backup restored is the same site); a new data directory, or an import into
-- one, gets its own. Remote keys (Bluesky record keys, Mastodon Idempotency-Key) include it.
CREATE TABLE installation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    uid TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
INSERT INTO installation (id, uid, created_at)
VALUES (1, lower(hex(randomblob(16))), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

-- The content identifier (CID) of the Bluesky record this site wrote for a copy: a removal passes
-- it to deleteRecord as swapRecord, so the PDS deletes that record only, never another one found
-- under the same address. NULL for Mastodon copies and for copies recorded before this migration.
ALTER TABLE syndication_copies ADD COLUMN remote_cid TEXT;
