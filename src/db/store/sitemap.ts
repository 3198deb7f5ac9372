import type { Db } from '../open.js';

// The public timeline's rule (db/store/notes.ts): published, public, not trashed, not scheduled.
const PUBLIC = `published = 1 AND deleted_at IS NULL AND visibility = 'public' AND published_at <= @now`;

/** Read-only queries behind sitemap.xml: they stream rows instead of loading lists. */
export function sitemapStore(db: Db) {
  const count = db.prepare(
    `SELECT count(*) AS n, max(coalesce(edited_at, published_at)) AS newest FROM notes WHERE ${PUBLIC}`,
  );
  const notes = db
    .prepare(
      `SELECT id, slug, max(published_at, coalesce(edited_at, published_at)) AS lastmod FROM notes
       WHERE ${PUBLIC} AND id > @after ORDER BY id LIMIT @limit`,
    )
    .raw();
  // The first id of every `size` public notes in id order: where each sitemap file starts.
  const starts = db
    .prepare(
      `SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM notes WHERE ${PUBLIC})
       WHERE (rn - 1) % @size = 0 ORDER BY id`,
    )
    .pluck();
  const tags = db
    .prepare(
      `SELECT t.name, max(max(n.published_at, coalesce(n.edited_at, n.published_at))) AS lastmod FROM tags t
       JOIN note_tags nt ON nt.tag_id = t.id JOIN notes n ON n.id = nt.note_id
       WHERE n.published = 1 AND n.deleted_at IS NULL AND n.visibility = 'public' AND n.published_at <= @now
       GROUP BY t.id ORDER BY t.name`,
    )
    .raw();
  return {
    /** How many notes a visitor sees, and when the newest of them last changed. */
    countPublicNotes: (now: string) => count.get({ now }) as { n: number; newest: string | null },
    /** Up to `limit` public notes after id `after`, as [id, slug, lastmod] rows, one at a time. */
    iteratePublicNotes: (now: string, after: number, limit: number) =>
      notes.iterate({ now, after, limit }) as IterableIterator<[number, string, string]>,
    /** The id each run of `size` public notes starts at (id order). */
    listPublicNoteStarts: (now: string, size: number) => starts.all({ now, size }) as number[],
    /** Tags public notes carry, as [name, lastmod] rows, one at a time. */
    iteratePublicTags: (now: string) => tags.iterate({ now }) as IterableIterator<[string, string]>,
  };
}
