-- Migration 011: a revision number on each note that the database moves itself whenever the
-- note's row or its tags change, whoever writes (this server, a second one, a CLI command). A
-- cache of a rendered note compares one small integer instead of re-reading the note.
ALTER TABLE notes ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER notes_revision_after_update AFTER UPDATE ON notes WHEN NEW.revision = OLD.revision BEGIN
    UPDATE notes SET revision = OLD.revision + 1 WHERE id = NEW.id;
END;
CREATE TRIGGER note_tags_revision_after_insert AFTER INSERT ON note_tags BEGIN
    UPDATE notes SET revision = revision + 1 WHERE id = NEW.note_id;
END;
CREATE TRIGGER note_tags_revision_after_delete AFTER DELETE ON note_tags BEGIN
    UPDATE notes SET revision = revision + 1 WHERE id = OLD.note_id;
END;
