-- Migration 015: what the editor autosaves while the owner writes, so that nothing typed is lost
-- to an ended session, a closed tab or a failed save. One row per editor: draft_key is 'new' for
-- a note not yet saved, or the id of the note being edited. `stamp` names one visit to the editor
-- (the browser makes it up), so that saving the note can remove exactly the draft it saved and
-- not a later one; `typed_at` is the browser's clock (to compare with the browser's own copy),
-- `saved_at` the server's. `fields` is the editor's form as JSON.
CREATE TABLE editor_drafts (
    draft_key TEXT PRIMARY KEY,
    stamp TEXT NOT NULL,
    base_revision INTEGER,
    fields TEXT NOT NULL,
    typed_at TIMESTAMP NOT NULL,
    saved_at TIMESTAMP NOT NULL
);
