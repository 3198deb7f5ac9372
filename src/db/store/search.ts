import type { Db } from '../open.js';

/** A hit's excerpt and title, with \u0001/\u0002 around matches. */
export interface SearchExcerptRow {
  id: number;
  excerpt: string;
  title: string | null;
}

/** The best hits of a search, in rank order: those a visitor may see. */
export interface RankedHits {
  ids: number[];
  /** True when `ids` holds every visible hit (there were fewer hits than asked for). */
  complete: boolean;
}

// snippet() and highlight() below put char(1) and char(2) around matches: the indexed text must
// never hold them, or a note's own would read as highlights. The tokenizer treats both as
// separators, like a space, so matching is unchanged.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the highlight markers are exactly what is removed
const MARKERS = /[\u0001\u0002]/g;
function withoutMarkers(text: string): string {
  return text.replace(MARKERS, ' ');
}

/**
 * Up to this many matches, excerpts come from one pass over the matches; above, from a seek per
 * hit. Measured at 100,000 notes for a page of 20: 3,700 matches 0.43 ms by pass, 1.07 ms by seek;
 * 16,000 matches 1.1 ms and 0.47 ms; 100,000 matches 5.4 ms and 0.49 ms.
 */
const SCAN_EXCERPTS_UP_TO = 10_000;

/** Prepared statements for the notes_fts full-text index. */
export function searchStore(db: Db) {
  const remove = db.prepare('DELETE FROM notes_fts WHERE rowid = ?');
  const insert = db.prepare(
    'INSERT INTO notes_fts (rowid, name, body, context, code) VALUES (@id, @name, @body, @context, @code)',
  );
  const setContext = db.prepare('UPDATE notes_fts SET context = ? WHERE rowid = ?');
  const clear = db.prepare('DELETE FROM notes_fts');
  // The docsize shadow table has one small row per indexed note: counting it reads far less than
  // counting through the FTS table, which walks every indexed text (14 MB of memory at 100,000 notes).
  const count = db.prepare('SELECT count(*) AS n FROM notes_fts_docsize');
  // Only what a visitor may see, checked against the index of visible notes by id (migration
  // 022_covering_read_indexes.sql): a few MB, instead of each hit's 1 KB row.
  const VISIBLE = `n.published = 1 AND n.deleted_at IS NULL AND n.visibility = 'public' AND n.published_at <= @now`;
  // Ranking in FTS5 alone, keeping the best @n by bm25 (titles weigh five times the body, the
  // title of what a note responds to twice, code blocks half; a tie puts the later note first, so
  // pages never overlap), then visibility for those @n only.
  // (Joining notes before the sort read a note row for every hit: 3,700 rows for one common word
  // at 100,000 notes.)
  const top = db
    .prepare(
      `WITH top AS MATERIALIZED (
         SELECT rowid AS id, bm25(notes_fts, 5.0, 1.0, 2.0, 0.5) AS score FROM notes_fts
         WHERE notes_fts MATCH @query ORDER BY score, rowid DESC LIMIT @n)
       SELECT t.id, n.id IS NOT NULL FROM top t
       LEFT JOIN notes n INDEXED BY idx_notes_public_by_id ON n.id = t.id AND ${VISIBLE}
       ORDER BY t.score, t.id DESC`,
    )
    .raw();
  const total = db
    .prepare(
      `SELECT count(*) FROM notes_fts JOIN notes n INDEXED BY idx_notes_public_by_id ON n.id = notes_fts.rowid
       WHERE notes_fts MATCH @query AND ${VISIBLE}`,
    )
    .pluck();
  // Excerpts for one page's hits only. FTS5 answers "MATCH and rowid = x" by reading the term's
  // list of matches again for each x: cheap when that list is long (it skips through it), dear when
  // it is a few thousand (about 35 µs a hit). One pass over the matches, keeping the page's rows
  // (the unary + keeps the IN from becoming a rowid constraint), costs about 0.05 µs a match.
  const EXCERPT = `SELECT rowid AS id, snippet(notes_fts, 1, char(1), char(2), '…', 16) AS excerpt,
        highlight(notes_fts, 0, char(1), char(2)) AS title FROM notes_fts WHERE notes_fts MATCH @query`;
  const excerptsBySeek = db.prepare(`${EXCERPT} AND rowid IN (SELECT value FROM json_each(@ids))`);
  const excerptsByScan = db.prepare(`${EXCERPT} AND +rowid IN (SELECT value FROM json_each(@ids))`);

  return {
    /**
     * Puts (or replaces) a note's text in the index: its title, the words of its body (what
     * excerpts show), the titles of what it responds to, and its code blocks.
     */
    indexNote: (id: number, name: string | null, text: { body: string; context?: string; code?: string }) => {
      remove.run(id);
      insert.run({
        id,
        name: withoutMarkers(name ?? ''),
        body: withoutMarkers(text.body),
        context: withoutMarkers(text.context ?? ''),
        code: withoutMarkers(text.code ?? ''),
      });
    },
    /** Replaces the titles of what an indexed note responds to (its reply context arrived later). */
    setContext: (id: number, context: string) => {
      setContext.run(withoutMarkers(context), id);
    },
    /** Removes a note from the index. */
    unindexNote: (id: number) => remove.run(id),
    /** Empties the index (before a rebuild). */
    clearIndex: () => clear.run(),
    /** Number of indexed notes. */
    countIndexed: () => (count.get() as { n: number }).n,
    /**
     * The first `want` hits a visitor may see for an FTS5 query (built safely by the caller), best
     * first. Ranks a few more when hidden notes (drafts, private, trashed, scheduled) are among
     * the best, until enough are visible or every hit is ranked.
     */
    rankVisible: (query: string, now: string, want: number): RankedHits => {
      for (let n = Math.max(1, want); ; n *= 4) {
        const rows = top.all({ query, now, n }) as [number, number][];
        const ids = rows.filter((r) => r[1] === 1).map((r) => r[0]);
        if (rows.length < n || ids.length >= want) return { ids, complete: rows.length < n };
      }
    },
    /** How many visible notes match. */
    countMatches: (query: string, now: string) => total.get({ query, now }) as number,
    /**
     * Excerpts of these hits, by id. `matches` (about how many notes the query matches) picks the
     * cheaper of the two ways to find them.
     */
    excerptsOf: (query: string, ids: readonly number[], matches: number): Map<number, SearchExcerptRow> => {
      if (ids.length === 0) return new Map();
      const stmt = matches > SCAN_EXCERPTS_UP_TO ? excerptsBySeek : excerptsByScan;
      const rows = stmt.all({ query, ids: JSON.stringify(ids) }) as SearchExcerptRow[];
      return new Map(rows.map((r) => [r.id, r]));
    },
  };
}

/** The prepared search store type. */
export type SearchStore = ReturnType<typeof searchStore>;
