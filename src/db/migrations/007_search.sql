-- Migration 007: full-text search over title and body (plain text of the rendered note).
-- rowid = notes.id. Filled by the note service; `starpunk reindex` (and serve, when it finds the
-- index out of step, e.g. right after this migration) rebuilds it from the note files.
CREATE VIRTUAL TABLE notes_fts USING fts5(
    name,
    body,
    tokenize = 'porter unicode61 remove_diacritics 2'
);
