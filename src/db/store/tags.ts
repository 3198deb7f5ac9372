import type { Db } from '../open.js';
import { tagWalk } from './tag-walk.js';

/** A tag attached to a note: lookup key and the spelling used on that note. */
export interface NoteTagRow {
  note_id: number;
  name: string;
  display_name: string;
}

/** Prepared statements for tags and note_tags. */
export function tagsStore(db: Db) {
  const findTag = db.prepare('SELECT id, name, display_name FROM tags WHERE name = ?');
  const insertTag = db.prepare('INSERT INTO tags (name, display_name) VALUES (?, ?)');
  const clear = db.prepare('DELETE FROM note_tags WHERE note_id = ?');
  const link = db.prepare(
    'INSERT OR IGNORE INTO note_tags (note_id, tag_id, position, display_name) VALUES (?, ?, ?, ?)',
  );
  // Many notes in one statement: their ids travel as one JSON array (no limit on how many).
  const forNotes = db.prepare(
    `SELECT nt.note_id, t.name, nt.display_name FROM note_tags nt JOIN tags t ON t.id = nt.tag_id
     WHERE nt.note_id IN (SELECT value FROM json_each(?)) ORDER BY nt.note_id, nt.position`,
  );
  // A tag exists for a visitor only while a note they can see carries it; its heading takes the
  // spelling of the oldest such note (a spelling only a hidden note used is never shown). Asked
  // for the tags sharing one address (see tagSlug), usually one.
  // Found through the tags' uses or up the timeline from the oldest note, whichever reads fewer
  // rows (tag-walk.ts), from indexes only (SQLite read every published note's row: 70–100 ms at
  // 100,000 notes, now 0.02–4 ms).
  const publicTagByUses = db.prepare(
    `SELECT t.id, t.name, nt.display_name FROM note_tags nt INDEXED BY idx_note_tags_tag_id
     JOIN notes n INDEXED BY idx_notes_public_by_id ON n.id = nt.note_id JOIN tags t ON t.id = nt.tag_id
     WHERE nt.tag_id IN (SELECT value FROM json_each(@ids)) AND n.published = 1 AND n.deleted_at IS NULL
       AND n.visibility = 'public' AND n.published_at <= @now
     ORDER BY n.published_at, n.id, nt.position LIMIT 1`,
  );
  const publicTagByTimeline = db.prepare(
    `SELECT t.id, t.name, nt.display_name FROM (
       SELECT id FROM notes n INDEXED BY idx_notes_public_timeline_covering
       WHERE published = 1 AND deleted_at IS NULL AND visibility = 'public' AND published_at <= @now
         AND EXISTS (SELECT 1 FROM note_tags nt WHERE nt.note_id = n.id AND nt.tag_id IN (SELECT value FROM json_each(@ids)))
       ORDER BY published_at, id LIMIT 1) AS oldest
     JOIN note_tags nt ON nt.note_id = oldest.id JOIN tags t ON t.id = nt.tag_id
     WHERE nt.tag_id IN (SELECT value FROM json_each(@ids)) ORDER BY nt.position LIMIT 1`,
  );
  const walkTags = tagWalk(db);
  const idsAndKeys = db.prepare('SELECT id, name FROM tags');
  const dropUnused = db.prepare('DELETE FROM tags WHERE id NOT IN (SELECT tag_id FROM note_tags)');
  const allTags = db.prepare(
    `SELECT t.name, t.display_name, count(nt.note_id) AS uses FROM tags t
     LEFT JOIN note_tags nt ON nt.tag_id = t.id GROUP BY t.id ORDER BY t.name`,
  );
  // Tags at least one publicly visible note carries (same rule as the public timeline).
  const publicTags = db.prepare(
    `SELECT t.name, t.display_name, count(*) AS uses FROM tags t
     JOIN note_tags nt ON nt.tag_id = t.id JOIN notes n INDEXED BY idx_notes_public_by_id ON n.id = nt.note_id
     WHERE n.published = 1 AND n.deleted_at IS NULL AND n.visibility = 'public' AND n.published_at <= ?
     GROUP BY t.id ORDER BY t.name`,
  );

  return {
    /**
     * The first of these tags a publicly visible note carries (with the spelling of the oldest
     * such note), or undefined when only hidden notes carry them.
     */
    findPublicTag: (tagIds: readonly number[], now: string) => {
      const ids = JSON.stringify(tagIds);
      const way = walkTags(ids, 1) === 'timeline' ? publicTagByTimeline : publicTagByUses;
      return way.get({ ids, now }) as { id: number; name: string; display_name: string } | undefined;
    },
    /** Id and key of every tag. */
    listTagKeys: () => idsAndKeys.all() as { id: number; name: string }[],
    /** Replaces a note's tags, in order; creates tags that do not exist yet. */
    replaceNoteTags: (noteId: number, tags: { key: string; name: string }[]) => {
      clear.run(noteId);
      tags.forEach((t, position) => {
        const existing = findTag.get(t.key) as { id: number } | undefined;
        const tagId = existing ? existing.id : Number(insertTag.run(t.key, t.name).lastInsertRowid);
        link.run(noteId, tagId, position, t.name);
      });
    },
    /** Tags of many notes at once, keyed by note id. */
    listForNotes: (noteIds: number[]) => {
      const out = new Map<number, NoteTagRow[]>();
      for (const id of noteIds) out.set(id, []);
      for (const row of forNotes.all(JSON.stringify(noteIds)) as NoteTagRow[])
        out.get(row.note_id)?.push(row);
      return out;
    },
    /** Removes tags no note uses any more. */
    deleteUnusedTags: () => dropUnused.run().changes,
    /** Every tag with its use count. */
    listTags: () => allTags.all() as { name: string; display_name: string; uses: number }[],
    /** Tags carried by at least one public note at `now`, with how many public notes carry each. */
    listPublicTags: (now: string) =>
      publicTags.all(now) as { name: string; display_name: string; uses: number }[],
  };
}

/** The prepared tags store type. */
export type TagsStore = ReturnType<typeof tagsStore>;
