-- Migration 012: one convention for notes.file_path, relative to the notes folder (2024/11/<slug>.md).
-- The Python StarPunk stored it relative to the data directory (notes/2024/11/<slug>.md), so on its
-- data directories every note looked for data/notes/notes/… and rendered blank. Hand-made or moved
-- directories may hold absolute paths; a soft-deleted Python note may have its file in .trash/.
-- starpunk_note_path() is registered by the runner: it finds each file (copying it back from .trash/
-- when that is the only copy) and returns its path relative to the notes folder; a value whose file
-- is nowhere is rewritten to its best guess and reported (see docs/decisions/0007).
UPDATE notes SET file_path = starpunk_note_path(file_path, slug, created_at)
    WHERE file_path IS NOT starpunk_note_path(file_path, slug, created_at);

-- The file is the truth: a content_hash that does not match it (a file edited by hand, a hash
-- computed before line endings changed) is recorded anew, and the upgrade report names the note.
UPDATE notes SET content_hash = starpunk_note_hash(file_path, content_hash)
    WHERE content_hash IS NOT starpunk_note_hash(file_path, content_hash);
