import type { Db } from '../open.js';

/** Prepared statements for former_slugs: the addresses notes had before their slug changed. */
export function formerSlugsStore(db: Db) {
  const owner = db.prepare('SELECT note_id FROM former_slugs WHERE slug = ?').pluck();
  const insert = db.prepare('INSERT INTO former_slugs (slug, note_id, replaced_at) VALUES (?, ?, ?)');
  const remove = db.prepare('DELETE FROM former_slugs WHERE slug = ?');
  const ofNote = db
    .prepare('SELECT slug FROM former_slugs WHERE note_id = ? ORDER BY replaced_at, slug')
    .pluck();
  return {
    /** The id of the note that once had this slug, or undefined. */
    findNoteIdByFormerSlug: (slug: string) => owner.get(slug) as number | undefined,
    /** Records that a note's address was `slug` until `at`. */
    insertFormerSlug: (slug: string, noteId: number, at: string) => insert.run(slug, noteId, at),
    /** Forgets a former slug (its note takes it back). */
    deleteFormerSlug: (slug: string) => remove.run(slug).changes === 1,
    /** A note's former slugs, oldest first. */
    listFormerSlugs: (noteId: number) => ofNote.all(noteId) as string[],
  };
}

/** The prepared former-slugs store type. */
export type FormerSlugsStore = ReturnType<typeof formerSlugsStore>;
