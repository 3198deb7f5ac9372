-- Migration 024: the site as a fediverse account (ActivityPub, issue 26;
-- docs/decisions/0018-activitypub.md).
--
-- The site's signing keys (RSA for HTTP Signatures, Ed25519 for Object Integrity Proofs): made
-- once, the private half sealed with the site's sealing key like the connected accounts' secrets
-- (src/lib/secret-box.ts), so backups carry them with the database and the key file.
CREATE TABLE activitypub_keys (
    algorithm TEXT PRIMARY KEY,
    public_jwk TEXT NOT NULL,
    private_sealed TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- Fedify's key–value store (its caches of remote keys and documents, inbox idempotence):
-- JSON values under a key path joined with U+001F, dropped when they expire.
CREATE TABLE activitypub_kv (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    expires_at TIMESTAMP
);

-- Who follows the site. `state` is 'pending' while the owner has not approved the request (the
-- "approve followers" setting), 'accepted' once an Accept was sent. `follow_id` is the id of
-- their Follow, which the Accept (and a later Reject) names.
CREATE TABLE activitypub_followers (
    actor_id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    inbox TEXT NOT NULL,
    shared_inbox TEXT,
    handle TEXT,
    name TEXT,
    url TEXT,
    follow_id TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX idx_activitypub_followers_state ON activitypub_followers(state, created_at);

-- People (an actor id) and servers (a domain, its subdomains included) the owner blocked: their
-- follows are refused and what they send is dropped.
CREATE TABLE activitypub_blocks (
    target TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- What the fediverse was last told about each note: the object id it was created under, a
-- fingerprint of the object as last sent (an edit that changes nothing sent sends no Update),
-- and whether it stands ('created') or was withdrawn ('deleted').
CREATE TABLE activitypub_notes (
    note_id INTEGER PRIMARY KEY,
    object_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Activities the site sent (Create, Update, Delete, Accept, Move…): the JSON each delivery job
-- posts, so a delivery retried after a restart sends the very same activity.
CREATE TABLE activitypub_activities (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    note_id INTEGER,
    json TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX idx_activitypub_activities_note_id ON activitypub_activities(note_id);

-- Delivery per receiving server: the last success and failure, the failures in a row since the
-- last success, and when the site gave up on a server that kept failing (`dead_at`; a later
-- activity from that server, or the owner, brings it back).
CREATE TABLE activitypub_servers (
    host TEXT PRIMARY KEY,
    delivered INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0,
    last_success_at TIMESTAMP,
    last_failure_at TIMESTAMP,
    last_error TEXT,
    dead_at TIMESTAMP
);

-- Responses from the fediverse (replies, likes, boosts, mentions) are stored with the received
-- Webmentions and share their moderation and display: `protocol` says which way one came, and
-- `actor_id` is the ActivityPub actor who sent it (only they may update or delete it).
ALTER TABLE webmentions ADD COLUMN protocol TEXT NOT NULL DEFAULT 'webmention';
ALTER TABLE webmentions ADD COLUMN actor_id TEXT;
CREATE INDEX idx_webmentions_actor_id ON webmentions(actor_id) WHERE actor_id IS NOT NULL;
