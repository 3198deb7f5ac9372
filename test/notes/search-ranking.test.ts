/**
 * Search at a few thousand notes: ranking in FTS5 with a limit, visibility checked for the ranked
 * hits only, the ranking kept per timeline state for the next pages (src/notes/search-ranking.ts).
 * Whatever the memo and the paging do, the pages together must be exactly what one query over
 * every hit gives: visible notes only, by bm25, ties later note first, each hit once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchStore } from '../../src/db/store/search.js';
import { toDbTime } from '../../src/lib/db-time.js';
import { RANK_AHEAD } from '../../src/notes/search-ranking.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

const VISIBLE_NOTES = 3000;
const QUERY = '"lighthouse"';
let t: TestApp;

beforeAll(() => {
  t = createTestApp();
  // Hidden notes whose title holds the word (titles weigh five times the body): they rank above
  // every visible note, more of them than one ranking step takes.
  const future = new Date('2027-01-01T00:00:00Z');
  for (let i = 0; i < 300; i++) {
    const input = { content: `The lighthouse ${i}, lighthouse lighthouse`, name: `Lighthouse ${i}` };
    if (i % 5 === 0) t.notes.createNote({ ...input, published: false });
    else if (i % 5 === 1) t.notes.createNote({ ...input, visibility: 'private' });
    else if (i % 5 === 2) t.notes.createNote({ ...input, visibility: 'unlisted' });
    else if (i % 5 === 3) t.notes.createNote({ ...input, publishedAt: future });
    else t.notes.trashNote(t.notes.createNote(input).id);
  }
  // Visible notes: how often the word appears and how long the note is vary, so bm25 spreads
  // them; every seventh text repeats, so there are ties too.
  for (let i = 0; i < VISIBLE_NOTES; i++) {
    const k = i % 7 === 0 ? 0 : i;
    const words = `${'lighthouse '.repeat(1 + (k % 4))}${'harbour stone '.repeat(k % 9)}`;
    t.notes.createNote({
      content: i % 10 === 9 ? `harbour only ${k}` : `${words}number ${k % 7 === 0 ? 'x' : k}`,
    });
  }
}, 120_000);
afterAll(() => t.close());

/** The same search as one query over every hit (the reference the pages must add up to). */
function everyHit(query: string): number[] {
  return t.db
    .prepare(
      `SELECT n.id FROM notes_fts JOIN notes n ON n.id = notes_fts.rowid
       WHERE notes_fts MATCH ? AND n.published = 1 AND n.deleted_at IS NULL AND n.visibility = 'public'
         AND n.published_at <= ?
       ORDER BY bm25(notes_fts, 5.0, 1.0), n.id DESC`,
    )
    .pluck()
    .all(query, toDbTime(t.clock.now())) as number[];
}

function pagesOf(query: string, size: number): { ids: number[]; totals: Set<number> } {
  const ids: number[] = [];
  const totals = new Set<number>();
  for (let offset = 0; ; offset += size) {
    const page = t.notes.searchPublic(query, size, offset);
    totals.add(page.total);
    ids.push(...page.hits.map((h) => h.note.id));
    if (page.hits.length < size) return { ids, totals };
  }
}

describe('search at a few thousand notes', () => {
  it('the data set is what the test needs: hidden notes rank first, beyond one ranking step, and there are ties', () => {
    const best = t.db
      .prepare(
        `SELECT rowid FROM notes_fts WHERE notes_fts MATCH ? ORDER BY bm25(notes_fts, 5.0, 1.0) LIMIT ${RANK_AHEAD}`,
      )
      .pluck()
      .all(QUERY) as number[];
    const visible = new Set(everyHit(QUERY));
    expect(best.filter((id) => visible.has(id))).toEqual([]);
    const scores = t.db
      .prepare(
        `WITH s AS MATERIALIZED (SELECT bm25(notes_fts, 5.0, 1.0) AS score FROM notes_fts WHERE notes_fts MATCH ?)
         SELECT count(*) AS hits, count(DISTINCT score) AS distinct_scores FROM s`,
      )
      .get(QUERY) as { hits: number; distinct_scores: number };
    expect(visible.size).toBeGreaterThan(2000);
    expect(scores.distinct_scores).toBeLessThan(scores.hits / 2);
  });

  it('pages of 20 add up to every visible hit in rank order, each once, with the same total on every page', () => {
    const expected = everyHit(QUERY);
    const { ids, totals } = pagesOf(QUERY, 20);
    expect(ids).toEqual(expected);
    expect([...totals]).toEqual([expected.length]);
  });

  it('pages of other sizes, and a deep page asked for first, agree with it', () => {
    const expected = everyHit('"harbour" "stone"');
    const deep = t.notes.searchPublic('"harbour" "stone"', 20, 1000);
    expect(deep.hits.map((h) => h.note.id)).toEqual(expected.slice(1000, 1020));
    expect(deep.total).toBe(expected.length);
    expect(pagesOf('"harbour" "stone"', 100).ids).toEqual(expected);
    expect(pagesOf('"harbour" "stone"', 7).ids).toEqual(expected);
  });

  it('a query with few hits, and one with none', () => {
    const few = t.notes.searchPublic('"number" "1234"', 20, 0);
    expect(few.hits.map((h) => h.note.id)).toEqual(everyHit('"number" "1234"'));
    expect(few.total).toBe(1);
    expect(t.notes.searchPublic('"nowhere"', 20, 0)).toEqual({ total: 0, hits: [] });
    expect(t.notes.searchPublic(QUERY, 20, 100_000)).toEqual({ total: everyHit(QUERY).length, hits: [] });
  });

  it('over HTTP: /api/search pages agree with it, excerpts marked', async () => {
    const expected = everyHit(QUERY);
    const slugs = new Map(
      (t.db.prepare('SELECT id, slug FROM notes').all() as { id: number; slug: string }[]).map((r) => [
        r.slug,
        r.id,
      ]),
    );
    const got: number[] = [];
    for (let offset = 0; offset < 600; offset += 100) {
      const res = await t.get(`/api/search?q=lighthouse&limit=100&offset=${offset}`);
      const body = (await res.json()) as { total: number; results: { slug: string; excerpt_html: string }[] };
      expect(body.total).toBe(expected.length);
      for (const r of body.results) {
        expect(r.excerpt_html).toContain('<mark>lighthouse</mark>');
        got.push(slugs.get(r.slug)!);
      }
    }
    expect(got).toEqual(expected.slice(0, 600));
  });

  it('a write makes a new ranking: a note made private leaves the results and the total', () => {
    const before = t.notes.searchPublic(QUERY, 20, 0);
    const first = before.hits[0]!.note;
    t.notes.updateNote(first.id, { visibility: 'private' });
    const after = t.notes.searchPublic(QUERY, 20, 0);
    expect(after.total).toBe(before.total - 1);
    expect(after.hits.map((h) => h.note.id)).toEqual(everyHit(QUERY).slice(0, 20));
    expect(after.hits.map((h) => h.note.id)).not.toContain(first.id);
    t.notes.updateNote(first.id, { visibility: 'public' });
    expect(t.notes.searchPublic(QUERY, 20, 0).hits[0]!.note.id).toBe(first.id);
  });

  it('excerpts are the same whichever way they are looked up (one pass over the matches, or a seek per hit)', () => {
    const search = searchStore(t.db);
    for (const query of [QUERY, '"harbour"', '"number" "1234"']) {
      const ids = everyHit(query).slice(0, 20);
      const byScan = search.excerptsOf(query, ids, 0);
      const bySeek = search.excerptsOf(query, ids, Number.MAX_SAFE_INTEGER);
      expect(byScan.size).toBe(ids.length);
      expect(bySeek).toEqual(byScan);
      expect([...byScan.values()].every((e) => e.excerpt.includes('\u0001'))).toBe(true);
    }
  });
});
