import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open.js';
import { silentLogger } from '../../src/logger.js';
import { createNoteService } from '../../src/notes/service.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

// Issue #13, LOW 6: the public ETag and Last-Modified moved whenever any note was saved, so a
// visitor could watch the owner write drafts, and every feed reader fetched the feeds again.
// Validators (and the feeds' own "updated" dates) now follow only what a visitor can see.

const PUBLIC_PATHS = [
  '/',
  '/?before=1796000000000-999',
  '/tag/shared',
  '/feed.rss',
  '/feed.atom',
  '/feed.json',
  '/feed',
  '/opml.xml',
];

let t: TestApp;
beforeEach(() => {
  t = createTestApp();
  t.notes.createNote({ content: 'Already public', tags: ['shared'] });
  t.clock.advance(60_000);
});
afterEach(() => t.close());

type Seen = Record<string, { etag: string | null; lastModified: string | null; body: string }>;

async function look(paths = PUBLIC_PATHS): Promise<Seen> {
  const out: Seen = {};
  for (const p of paths) {
    const res = await t.get(p);
    expect(res.status, p).toBe(200);
    out[p] = {
      etag: res.headers.get('etag'),
      lastModified: res.headers.get('last-modified'),
      body: await res.text(),
    };
  }
  return out;
}

/** Writes through a second connection, as a second server or a CLI command would. */
function writeElsewhere(write: (s: ReturnType<typeof createNoteService>) => void): void {
  const db = openDatabase(t.config.databasePath);
  try {
    write(createNoteService({ db, notesPath: t.config.notesPath, clock: t.clock, logger: silentLogger() }));
  } finally {
    db.close();
  }
}

const HIDDEN_WRITES: [string, (tt: TestApp) => void][] = [
  ['saving a draft', (tt) => tt.notes.createNote({ content: 'Draft', tags: ['shared'], published: false })],
  [
    'saving a private note',
    (tt) => tt.notes.createNote({ content: 'P', tags: ['shared'], visibility: 'private' }),
  ],
  [
    'saving an unlisted note',
    (tt) => tt.notes.createNote({ content: 'U', tags: ['shared'], visibility: 'unlisted' }),
  ],
  [
    'scheduling a note',
    (tt) =>
      tt.notes.createNote({ content: 'S', tags: ['shared'], publishedAt: new Date('2027-01-01T00:00:00Z') }),
  ],
  [
    'editing and trashing a draft',
    (tt) => {
      const d = tt.notes.createNote({ content: 'D', published: false });
      tt.clock.advance(5000);
      tt.notes.updateNote(d.id, { content: 'D2', tags: ['shared'] });
      tt.notes.trashNote(d.id);
    },
  ],
  [
    'a draft written by another connection',
    () => writeElsewhere((s) => s.createNote({ content: 'Elsewhere', published: false })),
  ],
];

describe('hidden writes leave every public validator and body as it was', () => {
  it.each(HIDDEN_WRITES)('%s', async (_what, write) => {
    const before = await look();
    t.clock.advance(60_000);
    write(t);
    t.clock.advance(60_000);
    expect(await look()).toEqual(before);
    for (const p of PUBLIC_PATHS) {
      expect((await t.get(p, { 'If-None-Match': before[p]!.etag! })).status, p).toBe(304);
      expect((await t.get(p, { 'If-Modified-Since': before[p]!.lastModified! })).status, p).toBe(304);
    }
  });
});

describe('visible changes move the validators', () => {
  function expectAllMoved(before: Seen, after: Seen, paths: string[]) {
    for (const p of paths) {
      expect(after[p]!.etag, p).not.toBe(before[p]!.etag);
      expect(Date.parse(after[p]!.lastModified!), p).toBeGreaterThan(Date.parse(before[p]!.lastModified!));
    }
  }
  const MOVING = PUBLIC_PATHS.filter((p) => p !== '/?before=1796000000000-999' && p !== '/opml.xml');

  it('publishing a public note', async () => {
    const before = await look();
    t.clock.advance(60_000);
    t.notes.createNote({ content: 'New and public', tags: ['shared'] });
    expectAllMoved(before, await look(), MOVING);
  });

  it('publishing a draft written yesterday', async () => {
    const draft = t.notes.createNote({ content: 'Old draft', tags: ['shared'], published: false });
    t.clock.advance(24 * 3600_000);
    const before = await look();
    t.clock.advance(60_000);
    t.notes.updateNote(draft.id, { published: true });
    expectAllMoved(before, await look(), MOVING);
  });

  it("a scheduled note's time passing", async () => {
    t.notes.createNote({
      content: 'Scheduled',
      tags: ['shared'],
      publishedAt: new Date('2026-11-27T13:00:00Z'),
    });
    const before = await look();
    t.clock.set('2026-11-27T13:00:01Z');
    const after = await look();
    expectAllMoved(before, after, MOVING);
    expect(after['/feed.json']!.body).toContain('Scheduled');
  });

  it('trashing a public note, then restoring it (Last-Modified never goes back)', async () => {
    const n = t.notes.createNote({ content: 'Short-lived', tags: ['shared'] });
    t.clock.advance(60_000);
    const before = await look();
    t.clock.advance(60_000);
    t.notes.trashNote(n.id);
    const trashed = await look();
    expectAllMoved(before, trashed, MOVING);
    t.clock.advance(60_000);
    t.notes.restoreNote(n.id);
    expectAllMoved(trashed, await look(), MOVING);
  });

  it('making a public note private', async () => {
    const n = t.notes.createNote({ content: 'Soon private', tags: ['shared'] });
    t.clock.advance(60_000);
    const before = await look();
    t.clock.advance(60_000);
    t.notes.updateNote(n.id, { visibility: 'private' });
    const after = await look();
    expectAllMoved(before, after, MOVING);
    expect(after['/feed.json']!.body).not.toContain('Soon private');
  });
});

describe('note pages', () => {
  it('keep their validators when another note is saved, change when the note itself is edited', async () => {
    const n = t.notes.createNote({ content: 'A page of its own' });
    t.clock.advance(60_000);
    const path = `/notes/${n.slug}`;
    const first = await t.get(path);
    const etag = first.headers.get('etag')!;
    const lastModified = first.headers.get('last-modified')!;
    t.notes.createNote({ content: 'Someone else', published: false });
    t.notes.createNote({ content: 'Someone public' });
    t.clock.advance(60_000);
    const again = await t.get(path);
    expect(again.headers.get('etag')).toBe(etag);
    expect(again.headers.get('last-modified')).toBe(lastModified);
    t.notes.updateNote(n.id, { content: 'Edited' });
    const edited = await t.get(path, { 'If-None-Match': etag });
    expect(edited.status).toBe(200);
    expect(edited.headers.get('etag')).not.toBe(etag);
    expect(Date.parse(edited.headers.get('last-modified')!)).toBeGreaterThan(Date.parse(lastModified));
  });
});
