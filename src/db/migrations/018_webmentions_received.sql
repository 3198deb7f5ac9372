-- Received Webmentions (W3C Webmention §3.2): one row per (source, target), replaced by every
-- update from the same source and emptied when the source is gone (410) or no longer links.
-- `state` is the verification of the latest request (queued, verified, rejected, deleted);
-- `moderation` is the owner's decision (pending, approved, rejected). A mention is shown under
-- its note when it is approved and its content is present (verified_at set).
CREATE TABLE webmentions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    source_host TEXT NOT NULL,
    note_id INTEGER REFERENCES notes(id) ON DELETE CASCADE,
    status_token TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL DEFAULT 'queued',
    detail TEXT,
    requests INTEGER NOT NULL DEFAULT 1,
    moderation TEXT NOT NULL DEFAULT 'pending',
    kind TEXT,
    rsvp TEXT,
    url TEXT,
    author_name TEXT,
    author_url TEXT,
    author_photo TEXT,
    published_at TIMESTAMP,
    content_html TEXT,
    content_text TEXT,
    in_reply_to TEXT NOT NULL DEFAULT '[]',
    verified_at TIMESTAMP,
    received_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (source, target)
);

CREATE INDEX idx_webmentions_note_id_moderation ON webmentions(note_id, moderation);
CREATE INDEX idx_webmentions_moderation_updated_at ON webmentions(moderation, updated_at);
CREATE INDEX idx_webmentions_source_host ON webmentions(source_host);
CREATE INDEX idx_webmentions_state_updated_at ON webmentions(state, updated_at);

-- Domains the owner allowed always (approved without waiting) or blocked (never fetched, never
-- shown). A rule for example.com covers its subdomains too.
CREATE TABLE webmention_domains (
    domain TEXT PRIMARY KEY,
    rule TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- Authors' photos, fetched once, resized and kept here so pages never hot-link another site
-- (and backups carry them). `hash` is the SHA-256 of the photo's URL.
CREATE TABLE webmention_avatars (
    hash TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    mime_type TEXT NOT NULL,
    bytes BLOB NOT NULL,
    fetched_at TIMESTAMP NOT NULL
);

-- A note's page and its list entry are cached per revision (docs/decisions/0005): whatever
-- changes the mentions a note shows moves the note's revision, whoever writes.
CREATE TRIGGER webmentions_revision_after_insert AFTER INSERT ON webmentions
WHEN NEW.moderation = 'approved' AND NEW.verified_at IS NOT NULL BEGIN
    UPDATE notes SET revision = revision + 1 WHERE id = NEW.note_id;
END;
CREATE TRIGGER webmentions_revision_after_update AFTER UPDATE ON webmentions
WHEN (OLD.moderation = 'approved' AND OLD.verified_at IS NOT NULL)
  OR (NEW.moderation = 'approved' AND NEW.verified_at IS NOT NULL) BEGIN
    UPDATE notes SET revision = revision + 1 WHERE id IN (OLD.note_id, NEW.note_id);
END;
CREATE TRIGGER webmentions_revision_after_delete AFTER DELETE ON webmentions
WHEN OLD.moderation = 'approved' AND OLD.verified_at IS NOT NULL BEGIN
    UPDATE notes SET revision = revision + 1 WHERE id = OLD.note_id;
END;
