import type { Db } from '../open.js';

/** A search hit: the note id, its rank and an excerpt with \u0001/\u0002 around matches. */
export interface SearchHitRow {
  id: number;
  rank: number;
  excerpt: string;
  title: string | null;
}

// snippet() and highlight() below put char(1) and char(2) around matches: the indexed text must
// never hold them, or a note's own would read as highlights. The tokenizer treats both as
// separators, like a space, so matching is unchanged.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the highlight markers are exactly what is removed
const MARKERS = /[\u0001\u0002]/g;
function withoutMarkers(text: string): string {
  return text.replace(MARKERS, ' ');
}

/** Prepared statements for the notes_fts full-text index. */
export function searchStore(db: Db) {
  const remove = db.prepare('DELETE FROM notes_fts WHERE rowid = ?');
  const insert = db.prepare('INSERT INTO notes_fts (rowid, name, body) VALUES (?, ?, ?)');
  const clear = db.prepare('DELETE FROM notes_fts');
  // The docsize shadow table has one small row per indexed note: counting it reads far less than
  // counting through the FTS table, which walks every indexed text (14 MB of memory at 100,000 notes).
  const count = db.prepare('SELECT count(*) AS n FROM notes_fts_docsize');
  // Only what a visitor may see; bm25 weights titles above bodies.
  const VISIBLE = `n.published = 1 AND n.deleted_at IS NULL AND n.visibility = 'public' AND n.published_at <= @now`;
  // Ranking first, over ids only; excerpts after, for the page's rows only. (snippet() and
  // highlight() in the ranking query ran for every match before the sort: thousands of excerpts
  // built to show twenty.)
  const ranked = db.prepare(
    `SELECT n.id AS id, bm25(notes_fts, 5.0, 1.0) AS rank
     FROM notes_fts JOIN notes n ON n.id = notes_fts.rowid
     WHERE notes_fts MATCH @query AND ${VISIBLE}
     ORDER BY rank LIMIT @limit OFFSET @offset`,
  );
  const excerpts = db.prepare(
    `SELECT rowid AS id, snippet(notes_fts, 1, char(1), char(2), '…', 16) AS excerpt,
        highlight(notes_fts, 0, char(1), char(2)) AS title
     FROM notes_fts WHERE notes_fts MATCH @query AND rowid IN (SELECT value FROM json_each(@ids))`,
  );
  const total = db.prepare(
    `SELECT count(*) AS n FROM notes_fts JOIN notes n ON n.id = notes_fts.rowid
     WHERE notes_fts MATCH @query AND ${VISIBLE}`,
  );

  return {
    /** Puts (or replaces) a note's text in the index. */
    indexNote: (id: number, name: string | null, body: string) => {
      remove.run(id);
      insert.run(id, withoutMarkers(name ?? ''), withoutMarkers(body));
    },
    /** Removes a note from the index. */
    unindexNote: (id: number) => remove.run(id),
    /** Empties the index (before a rebuild). */
    clearIndex: () => clear.run(),
    /** Number of indexed notes. */
    countIndexed: () => (count.get() as { n: number }).n,
    /** Ranked hits for an FTS5 query (already built safely by the caller). */
    searchNotes: (query: string, now: string, limit: number, offset: number): SearchHitRow[] => {
      const hits = ranked.all({ query, now, limit, offset }) as { id: number; rank: number }[];
      if (hits.length === 0) return [];
      const text = new Map(
        (
          excerpts.all({ query, ids: JSON.stringify(hits.map((h) => h.id)) }) as {
            id: number;
            excerpt: string;
            title: string | null;
          }[]
        ).map((e) => [e.id, e]),
      );
      return hits.map((h) => ({
        ...h,
        excerpt: text.get(h.id)?.excerpt ?? '',
        title: text.get(h.id)?.title ?? null,
      }));
    },
    /** How many visible notes match. */
    countMatches: (query: string, now: string) => (total.get({ query, now }) as { n: number }).n,
  };
}

/** The prepared search store type. */
export type SearchStore = ReturnType<typeof searchStore>;
