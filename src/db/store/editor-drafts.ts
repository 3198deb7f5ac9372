import type { Db } from '../open.js';

/** An editor_drafts row as stored (`015_editor_drafts.sql`). */
export interface EditorDraftRow {
  draft_key: string;
  stamp: string;
  base_revision: number | null;
  /** The editor's fields as JSON. */
  fields: string;
  typed_at: string;
  saved_at: string;
}

/** Prepared statements for the editor_drafts table. */
export function editorDraftsStore(db: Db) {
  const byKey = db.prepare(
    'SELECT draft_key, stamp, base_revision, fields, typed_at, saved_at FROM editor_drafts WHERE draft_key = ?',
  );
  const upsert = db.prepare(
    `INSERT INTO editor_drafts (draft_key, stamp, base_revision, fields, typed_at, saved_at)
     VALUES (@draft_key, @stamp, @base_revision, @fields, @typed_at, @saved_at)
     ON CONFLICT(draft_key) DO UPDATE SET stamp = excluded.stamp, base_revision = excluded.base_revision,
       fields = excluded.fields, typed_at = excluded.typed_at, saved_at = excluded.saved_at`,
  );
  const delByStamp = db.prepare('DELETE FROM editor_drafts WHERE draft_key = ? AND stamp = ?');
  const del = db.prepare('DELETE FROM editor_drafts WHERE draft_key = ?');
  return {
    /** The draft of one editor ('new' or a note id), or undefined. */
    findDraft: (key: string) => byKey.get(key) as EditorDraftRow | undefined,
    /** Stores the draft of one editor, replacing the one before. */
    upsertDraft: (row: EditorDraftRow) => {
      upsert.run(row);
    },
    /** Removes the draft of one editor when it is still the one `stamp` wrote; true when removed. */
    deleteDraftIfStamp: (key: string, stamp: string) => delByStamp.run(key, stamp).changes > 0,
    /** Removes the draft of one editor, whoever wrote it; true when there was one. */
    deleteDraft: (key: string) => del.run(key).changes > 0,
  };
}

/** The editor drafts store type. */
export type EditorDraftsStore = ReturnType<typeof editorDraftsStore>;
