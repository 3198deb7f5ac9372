/**
 * Tag pages at a few thousand notes. A page's keys come either through the tag's uses or down
 * the timeline from the cursor, whichever reads fewer rows (src/db/store/notes.ts): a tag on
 * many notes and one on a few take different ways. Both must give what one query over the notes'
 * rows gives: visible notes carrying any tag of the address, newest first, each once, page after
 * page by cursor.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimelineCursor } from '../../src/db/store/notes.js';
import { toDbTime } from '../../src/lib/db-time.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

const NOTES = 1000;
const PAGE = 20;
let t: TestApp;

beforeAll(() => {
  t = createTestApp();
  const start = t.clock.now().getTime();
  for (let i = 0; i < NOTES; i++) {
    // Spellings differ: a tag page's heading is the spelling of its oldest visible note.
    const tags = [
      ...(i % 5 < 2 ? [i < 5 ? 'DENSE' : i < 40 ? 'DeNse' : 'Dense'] : []),
      ...(i % 25 === 7 || i % 25 === 8 ? ['Rare'] : []),
      ...(i % 300 === 11 ? [i < 100 ? 'First Post' : 'FIRST POST'] : []),
      ...(i % 400 === 13 ? ['first-post'] : []),
    ];
    // Minutes apart, oldest first; some share their minute with the one before.
    const same = i % 100 === 0 || i % 25 === 8;
    const publishedAt = new Date(start - (NOTES - i + (same ? 1 : 0)) * 60_000);
    const input = { content: `Note ${i}`, tags, publishedAt };
    if (i % 37 === 0) t.notes.createNote({ ...input, published: false });
    else if (i % 37 === 1) t.notes.createNote({ ...input, visibility: 'private' });
    else if (i % 37 === 2) t.notes.trashNote(t.notes.createNote(input).id);
    else t.notes.createNote(input);
  }
  // Scheduled notes carrying the tags: not shown until their time.
  for (const tag of ['Dense', 'Rare', 'First Post']) {
    t.notes.createNote({ content: `Later ${tag}`, tags: [tag], publishedAt: new Date(start + 3_600_000) });
  }
  // A note carrying two tags that share one address (as data from before addresses were merged can).
  const both = t.notes.createNote({
    content: 'Both spellings',
    tags: ['FIRST POST'],
    publishedAt: new Date(start - 90_000),
  });
  const other = t.db.prepare("SELECT id FROM tags WHERE name = 'first-post'").pluck().get() as number;
  t.db
    .prepare("INSERT INTO note_tags (note_id, tag_id, position, display_name) VALUES (?, ?, 1, 'first-post')")
    .run(both.id, other);
}, 120_000);
afterAll(() => t.close());

/** Every visible note carrying one of the address's tags, newest first, from the notes' rows. */
function expected(slugNames: string[]): number[] {
  return t.db
    .prepare(
      `SELECT DISTINCT n.id FROM notes n JOIN note_tags nt ON nt.note_id = n.id JOIN tags tg ON tg.id = nt.tag_id
       WHERE tg.name IN (SELECT value FROM json_each(?)) AND n.published = 1 AND n.deleted_at IS NULL
         AND n.visibility = 'public' AND n.published_at <= ?
       ORDER BY n.published_at DESC, n.id DESC`,
    )
    .pluck()
    .all(JSON.stringify(slugNames), toDbTime(t.clock.now())) as number[];
}

/** Every page of a tag, as the tag page asks for them (one more than shown, then the cursor). */
function walk(slug: string): number[] {
  const ids: number[] = [];
  let cursor: TimelineCursor | undefined;
  for (;;) {
    const page = t.notes.listPublicNoteKeysByTag(slug, PAGE + 1, cursor);
    const shown = page!.keys.slice(0, PAGE);
    ids.push(...shown.map((k) => k.id));
    if (page!.keys.length <= PAGE) return ids;
    const last = shown.at(-1)!;
    cursor = { publishedAt: last.publishedAt.toISOString(), id: last.id };
  }
}

/** The heading of a tag page: the tag and spelling of the oldest visible note carrying one of them. */
function expectedHeading(names: string[]): { key: string; name: string } {
  return t.db
    .prepare(
      `SELECT tg.name AS key, nt.display_name AS name FROM notes n JOIN note_tags nt ON nt.note_id = n.id
       JOIN tags tg ON tg.id = nt.tag_id
       WHERE tg.name IN (SELECT value FROM json_each(?)) AND n.published = 1 AND n.deleted_at IS NULL
         AND n.visibility = 'public' AND n.published_at <= ?
       ORDER BY n.published_at, n.id, nt.position LIMIT 1`,
    )
    .get(JSON.stringify(names), toDbTime(t.clock.now())) as { key: string; name: string };
}

describe('tag pages at a few thousand notes', () => {
  it('the tags are used as the test needs: one on many notes, two on few', () => {
    const uses = (name: string) =>
      t.db
        .prepare('SELECT count(*) FROM note_tags nt JOIN tags tg ON tg.id = nt.tag_id WHERE tg.name = ?')
        .pluck()
        .get(name) as number;
    // The ways part at about sqrt(limit × notes) uses: 146 here.
    expect(uses('dense')).toBeGreaterThan(300);
    expect(uses('rare')).toBeGreaterThan(60);
    expect(uses('rare')).toBeLessThan(100);
    expect(uses('first post') + uses('first-post')).toBeLessThan(30);
  });

  it('a tag on many notes: every page by cursor, visible notes only, newest first, each once', () => {
    const want = expected(['dense']);
    expect(walk('dense')).toEqual(want);
  });

  it('a tag on few notes, and two tags sharing one address (a note carrying both listed once)', () => {
    expect(walk('rare')).toEqual(expected(['rare']));
    const both = expected(['first post', 'first-post']);
    expect(walk('first-post')).toEqual(both);
    expect(new Set(both).size).toBe(both.length);
  });

  it('the heading takes the spelling of the oldest visible note carrying the tag (hidden ones never)', () => {
    const dense = t.notes.listPublicNoteKeysByTag('dense', PAGE + 1)!.tag;
    expect(dense).toEqual(expectedHeading(['dense']));
    expect(dense.name).toBe('DeNse');
    expect(t.notes.listPublicNoteKeysByTag('rare', PAGE + 1)!.tag).toEqual(expectedHeading(['rare']));
    const firstPost = t.notes.listPublicNoteKeysByTag('first-post', PAGE + 1)!.tag;
    expect(firstPost).toEqual(expectedHeading(['first post', 'first-post']));
    expect(firstPost.name).toBe('First Post');
    expect(t.notes.listPublicNoteKeysByTag('nowhere', PAGE + 1)).toBeUndefined();
  });

  it('a cursor from the future (hand-made) shows nothing scheduled; the scheduled note shows at its time', () => {
    const future: TimelineCursor = { publishedAt: '2030-01-01T00:00:00.000Z', id: 1 };
    const first = t.notes.listPublicNoteKeysByTag('dense', PAGE + 1, future)!.keys.map((k) => k.id);
    expect(first).toEqual(expected(['dense']).slice(0, PAGE + 1));
    t.clock.set(new Date(t.clock.now().getTime() + 3_600_001).toISOString());
    const later = walk('rare');
    expect(later).toEqual(expected(['rare']));
    expect(t.notes.getNotesByIds([later[0]!])[0]!.contentHtml).toContain('Later Rare');
  });
});
