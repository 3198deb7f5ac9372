-- Migration 017: the slugs a note had before. A note's slug may change (its file path never
-- does); every address it had answers 301 to its current one for as long as the note exists, so
-- links, feeds readers and webmentions pointing at an old address keep working. A former slug
-- stays with its note: no other note can take it, and it goes when its note is deleted for good.
CREATE TABLE former_slugs (
    slug TEXT PRIMARY KEY,
    note_id INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
    replaced_at TIMESTAMP NOT NULL
);

CREATE INDEX idx_former_slugs_note_id ON former_slugs(note_id);
