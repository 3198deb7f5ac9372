-- Migration 005: what a note is beyond the Python schema. Title (mf2 name), the published time
-- readers see (may differ from created_at; a future one means scheduled), when it was last
-- edited, who may see it, every property a Micropub client sent (JSON), and the rendered-HTML
-- cache keyed by the content_hash it was rendered from.
ALTER TABLE notes ADD COLUMN name TEXT;
ALTER TABLE notes ADD COLUMN published_at TIMESTAMP;
ALTER TABLE notes ADD COLUMN edited_at TIMESTAMP;
ALTER TABLE notes ADD COLUMN visibility TEXT NOT NULL DEFAULT 'public';
ALTER TABLE notes ADD COLUMN properties TEXT NOT NULL DEFAULT '{}';
ALTER TABLE notes ADD COLUMN content_html TEXT;
ALTER TABLE notes ADD COLUMN html_hash TEXT;

-- Existing notes were published when they were created. Timestamps become ISO 8601 UTC so that
-- text order is time order (Python StarPunk wrote "YYYY-MM-DD HH:MM:SS" in UTC).
UPDATE notes SET published_at = strftime('%Y-%m-%dT%H:%M:%fZ', created_at);
UPDATE notes SET edited_at = strftime('%Y-%m-%dT%H:%M:%fZ', updated_at)
    WHERE julianday(updated_at) - julianday(created_at) > 1.0 / 86400;

-- The public timeline (home page, feeds): newest first, cursor-paginated, only what visitors see.
CREATE INDEX idx_notes_public_timeline ON notes(published_at DESC, id DESC)
    WHERE published = 1 AND deleted_at IS NULL AND visibility = 'public';

-- One row that changes whenever any note does: the validator behind ETag/Last-Modified.
CREATE TABLE site_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL DEFAULT 0,
    changed_at TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
INSERT INTO site_state (id, generation) VALUES (1, 0);

CREATE TRIGGER notes_changed_after_insert AFTER INSERT ON notes BEGIN
    UPDATE site_state SET generation = generation + 1, changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = 1;
END;
CREATE TRIGGER notes_changed_after_update AFTER UPDATE ON notes BEGIN
    UPDATE site_state SET generation = generation + 1, changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = 1;
END;
CREATE TRIGGER notes_changed_after_delete AFTER DELETE ON notes BEGIN
    UPDATE site_state SET generation = generation + 1, changed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = 1;
END;
