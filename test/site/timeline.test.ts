import { mf2 } from 'microformats-parser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open.js';
import { silentLogger } from '../../src/logger.js';
import { createNoteService, type NoteService } from '../../src/notes/service.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeEach(() => {
  t = createTestApp();
});
afterEach(() => t.close());

type Item = { type: string[]; properties: Record<string, unknown[]>; children?: Item[] };
const parse = (html: string) =>
  mf2(html, { baseUrl: 'http://example.test/' }) as unknown as {
    items: Item[];
    rels: Record<string, string[]>;
  };

describe('GET / (home page)', () => {
  it('is an h-feed of h-entries, newest first, with an author h-card and discovery links', async () => {
    t.notes.createNote({ content: 'Oldest note' });
    t.clock.advance(1000);
    t.notes.createNote({ content: 'Middle note', name: 'A title' });
    t.clock.advance(1000);
    t.notes.createNote({ content: 'Newest note' });
    const res = await t.get('/');
    expect(res.status).toBe(200);
    const link = res.headers.get('link')!;
    for (const rel of [
      'micropub',
      'indieauth-metadata',
      'authorization_endpoint',
      'token_endpoint',
      'alternate',
    ]) {
      expect(link).toContain(`rel="${rel}"`);
    }
    const html = await res.text();
    const doc = parse(html);
    const feed = doc.items.find((i) => i.type.includes('h-feed'))!;
    expect(feed).toBeDefined();
    const entries = feed.children!.filter((c) => c.type.includes('h-entry'));
    expect(entries).toHaveLength(3);
    expect(entries.map((e) => (e.properties.content![0] as { value: string }).value)).toEqual([
      'Newest note',
      'Middle note',
      'Oldest note',
    ]);
    expect(entries[1]!.properties.name).toEqual(['A title']);
    const author = feed.properties.author![0] as Item;
    expect(author.type).toEqual(['h-card']);
    expect(author.properties.name).toEqual(['Ada Lovelace']);
    expect(doc.rels.micropub).toEqual(['http://example.test/micropub']);
    expect(doc.rels.token_endpoint).toEqual(['http://example.test/auth/token']);
  });

  it('paginates by cursor, stable when new notes arrive', async () => {
    for (let i = 1; i <= 25; i++) {
      t.notes.createNote({ content: `Note number ${i}` });
      t.clock.advance(1000);
    }
    const first = await (await t.get('/')).text();
    const older = /href="(\/\?before=[^"]+)"/.exec(first)![1]!;
    // A new note after the first page was read must not shift the second page.
    t.notes.createNote({ content: 'Brand new' });
    const second = await (await t.get(older.replace(/&amp;/g, '&'))).text();
    const contents = parse(second)
      .items.find((i) => i.type.includes('h-feed'))!
      .children!.map((e) => (e.properties.content![0] as { value: string }).value);
    expect(contents).toEqual([
      'Note number 5',
      'Note number 4',
      'Note number 3',
      'Note number 2',
      'Note number 1',
    ]);
  });

  it('rejects a malformed cursor with a readable 400 page', async () => {
    const res = await t.get('/?before=../../etc');
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('That page link is not valid');
  });
});

describe('GET /notes/<slug>', () => {
  it('is an h-entry with url, uid, published, updated, content, name, categories, photo and author', async () => {
    const n = t.notes.createNote({
      content: 'Hello **world** <script>alert(1)</script>',
      name: 'Greetings',
      tags: ['IndieWeb', 'Café'],
      photos: [{ url: 'https://cdn.example/p.jpg', alt: 'A sunset' }],
    });
    t.clock.advance(3_600_000);
    t.notes.updateNote(n.id, { content: 'Hello **world**, edited' });
    const res = await t.get(`/notes/${n.slug}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).not.toContain('<script>alert');
    const entry = parse(html).items.find((i) => i.type.includes('h-entry'))!;
    const p = entry.properties;
    expect(p.url).toEqual([`http://example.test/notes/${n.slug}`]);
    expect(p.uid).toEqual([`http://example.test/notes/${n.slug}`]);
    expect(p.published).toEqual(['2026-11-27T12:00:00.000Z']);
    expect(p.updated).toEqual(['2026-11-27T13:00:00.000Z']);
    expect(p.name).toEqual(['Greetings']);
    expect(p.content).toEqual([
      { html: '<p>Hello <strong>world</strong>, edited</p>', value: 'Hello world, edited' },
    ]);
    expect(p.category).toEqual(['IndieWeb', 'Café']);
    expect(p.photo).toEqual([{ value: 'https://cdn.example/p.jpg', alt: 'A sunset' }]);
    const author = p.author![0] as Item;
    expect(author.properties.name).toEqual(['Ada Lovelace']);
    expect(author.properties.url).toEqual(['http://example.test/']);
  });

  it('has no name and no updated for an untitled, unedited note', async () => {
    const n = t.notes.createNote({ content: 'Just words here' });
    const entry = parse(await (await t.get(`/notes/${n.slug}`)).text()).items.find((i) =>
      i.type.includes('h-entry'),
    )!;
    expect(entry.properties.name).toBeUndefined();
    expect(entry.properties.updated).toBeUndefined();
  });

  it('answers 404 for unknown, 410 for trashed, 301 from /note/<slug>', async () => {
    expect((await t.get('/notes/nope')).status).toBe(404);
    const n = t.notes.createNote({ content: 'Going away' });
    t.notes.trashNote(n.id);
    const gone = await t.get(`/notes/${n.slug}`);
    expect(gone.status).toBe(410);
    expect(await gone.text()).toContain('This note was deleted.');
    const legacy = await t.get('/note/some-slug');
    expect(legacy.status).toBe(301);
    expect(legacy.headers.get('location')).toBe('/notes/some-slug');
  });

  it('serves unlisted notes at their URL but hides drafts, private and scheduled notes', async () => {
    const unlisted = t.notes.createNote({ content: 'Unlisted one', visibility: 'unlisted' });
    const draft = t.notes.createNote({ content: 'Draft one', published: false });
    const priv = t.notes.createNote({ content: 'Private one', visibility: 'private' });
    const future = t.notes.createNote({
      content: 'Future one',
      publishedAt: new Date('2026-12-01T00:00:00Z'),
    });
    expect((await t.get(`/notes/${unlisted.slug}`)).status).toBe(200);
    for (const n of [draft, priv, future]) expect((await t.get(`/notes/${n.slug}`)).status).toBe(404);
  });
});

describe('hidden notes stay hidden everywhere', () => {
  it('drafts, private, unlisted and future notes appear in no list, feed, tag page or search', async () => {
    t.notes.createNote({ content: 'Visible secretword', tags: ['shared'] });
    t.notes.createNote({ content: 'Draft secretword', tags: ['shared'], published: false });
    t.notes.createNote({ content: 'Private secretword', tags: ['shared'], visibility: 'private' });
    t.notes.createNote({ content: 'Unlisted secretword', tags: ['shared'], visibility: 'unlisted' });
    t.notes.createNote({
      content: 'Future secretword',
      tags: ['shared'],
      publishedAt: new Date('2027-01-01T00:00:00Z'),
    });
    for (const path of [
      '/',
      '/feed.rss',
      '/feed.atom',
      '/feed.json',
      '/tag/shared',
      '/search?q=secretword',
      '/api/search?q=secretword',
    ]) {
      const body = await (await t.get(path)).text();
      expect(body, path).toContain('Visible');
      for (const hidden of ['Draft', 'Private', 'Unlisted', 'Future'])
        expect(body, `${path} ${hidden}`).not.toContain(`${hidden} secretword`);
    }
  });

  it('a scheduled note appears once its time comes, and cached validators change with it', async () => {
    t.notes.createNote({ content: 'Now note' });
    t.notes.createNote({ content: 'Scheduled note', publishedAt: new Date('2026-11-27T13:00:00Z') });
    const before = await t.get('/feed.json');
    const etag = before.headers.get('etag')!;
    expect(await before.text()).not.toContain('Scheduled note');
    t.clock.set('2026-11-27T13:00:01Z');
    const after = await t.get('/feed.json', { 'If-None-Match': etag });
    expect(after.status).toBe(200);
    expect(await after.text()).toContain('Scheduled note');
  });
});

/** Writes through a second connection to the same file, as `starpunk import` or a second server would. */
function writeElsewhere(write: (writer: NoteService) => unknown): void {
  const other = openDatabase(t.config.databasePath);
  try {
    write(
      createNoteService({ db: other, notesPath: t.config.notesPath, clock: t.clock, logger: silentLogger() }),
    );
  } finally {
    other.close();
  }
}

describe('cached pages and another writer', () => {
  it('a note written by another process (another connection) shows at once, with a new ETag', async () => {
    t.notes.createNote({ content: 'First note' });
    const first = await t.get('/');
    const etag = first.headers.get('etag')!;
    expect((await t.get('/', { 'If-None-Match': etag })).status).toBe(304);
    writeElsewhere((writer) => writer.createNote({ content: 'Written elsewhere' }));
    const after = await t.get('/', { 'If-None-Match': etag });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(etag);
    expect(await after.text()).toContain('Written elsewhere');
    expect(await (await t.get('/feed.json')).text()).toContain('Written elsewhere');
  });

  it('a list entry is rendered again when only its tags change, even at the same instant', async () => {
    const note = t.notes.createNote({ content: 'Same words', tags: ['first'] });
    t.notes.createNote({ content: 'Another note' });
    expect(await (await t.get('/')).text()).toContain('/tag/first');
    // The clock does not move: nothing but the revision tells the entry cache the note changed.
    t.notes.updateNote(note.id, { tags: ['second'] });
    const home = await (await t.get('/?before=9999999999999-1')).text();
    expect(home).toContain('/tag/second');
    expect(home).not.toContain('/tag/first');
    expect(await (await t.get('/tag/second')).text()).toContain('Same words');
  });

  it('a list entry edited through another connection is shown as edited', async () => {
    const note = t.notes.createNote({ content: 'Before the edit' });
    expect(await (await t.get('/')).text()).toContain('Before the edit');
    writeElsewhere((writer) => writer.updateNote(note.id, { content: 'After the edit' }));
    const home = await (await t.get('/')).text();
    expect(home).toContain('After the edit');
    expect(home).not.toContain('Before the edit');
  });

  it('a clock set back before a scheduled note hides it again (the memo is not trusted backwards)', async () => {
    t.notes.createNote({ content: 'Scheduled note', publishedAt: new Date('2026-11-27T13:00:00Z') });
    t.clock.set('2026-11-27T13:00:01Z');
    expect(await (await t.get('/')).text()).toContain('Scheduled note');
    t.clock.set('2026-11-27T12:30:00Z');
    expect(await (await t.get('/')).text()).not.toContain('Scheduled note');
  });
});

describe('tags', () => {
  it('lists notes with a tag, newest first, matching any spelling of it', async () => {
    t.notes.createNote({ content: 'First tagged', tags: ['IndieWeb'] });
    t.clock.advance(1000);
    t.notes.createNote({ content: 'Untagged' });
    t.clock.advance(1000);
    t.notes.createNote({ content: 'Second tagged', tags: ['indieweb'] });
    // Any spelling leads to the tag's one address (see 301-tag-address.test.ts).
    const moved = await t.get('/tag/INDIEWEB');
    expect(moved.status).toBe(301);
    expect(moved.headers.get('location')).toBe('/tag/indieweb');
    const res = await t.get('/tag/indieweb');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Notes tagged “IndieWeb”');
    const feed = parse(html).items.find((i) => i.type.includes('h-feed'))!;
    expect(feed.children!.map((e) => (e.properties.content![0] as { value: string }).value)).toEqual([
      'Second tagged',
      'First tagged',
    ]);
    expect((await t.get('/tag/nothing-here')).status).toBe(404);
  });
});

describe('cursor safety', () => {
  it('a hand-made cursor from the future reveals no scheduled note', async () => {
    t.notes.createNote({ content: 'Visible now' });
    t.notes.createNote({ content: 'Scheduled secret', publishedAt: new Date('2027-06-01T00:00:00Z') });
    const future = Date.parse('2030-01-01T00:00:00Z');
    const html = await (await t.get(`/?before=${future}-999999`)).text();
    expect(html).toContain('Visible now');
    expect(html).not.toContain('Scheduled secret');
  });
});
