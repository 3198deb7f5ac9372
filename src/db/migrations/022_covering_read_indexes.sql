-- Indexes that let the public reads touch only what they show (issue 23; measured in
-- docs/benchmarks.md, "Search and older pages at 100,000 notes"). A note row is about 1 KB (its
-- HTML and properties), four to a page: a read that needs one small column of many notes, or of
-- notes scattered over the file, paid a page of the 180 MB table for each.
--
-- The public timeline's index takes the place of idx_notes_public_timeline (005_note_metadata.sql)
-- and also holds each note's revision and edit time, and the columns of its condition (so SQLite
-- takes it as covering): the keys of a page of the home page or a feed (id, published_at,
-- revision, edited_at) come from the index alone.
DROP INDEX idx_notes_public_timeline;
CREATE INDEX idx_notes_public_timeline_covering
    ON notes(published_at DESC, id DESC, revision, edited_at, published, deleted_at, visibility)
    WHERE published = 1 AND deleted_at IS NULL AND visibility = 'public';

-- The notes a visitor may see, by id, with the same keys: search checks its hits against this
-- index (about 50 bytes a note) instead of each hit's row, and a tag page its tag's notes.
CREATE INDEX idx_notes_public_by_id
    ON notes(id, published_at, revision, edited_at, published, deleted_at, visibility)
    WHERE published = 1 AND deleted_at IS NULL AND visibility = 'public';
