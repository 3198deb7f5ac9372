import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { Note } from '../../src/notes/types.js';
import {
  buildHistoricalDataDir,
  FIXTURE_NOTES,
  HISTORICAL_STATES,
  type HistoricalState,
  REFUSED_STATES,
  sha256,
} from '../helpers/historical.js';
import {
  cleanup,
  cli,
  openSite,
  pagesOf,
  png,
  populate,
  type Site,
  serveSite,
  tempDir,
  treeHashes,
} from './ops-helpers.js';

afterEach(cleanup);

const V1 = HISTORICAL_STATES['v1.0.0-rc.3 current (001 and 002 recorded)'];

/**
 * A later Python StarPunk 1.x data directory: the rc.3 schema plus full-text search, tags and
 * media tables, with migration names our runner has never heard of.
 */
async function buildPython1x(dir: string): Promise<void> {
  buildHistoricalDataDir(dir, {
    ...V1,
    tracked: [...V1.tracked, '003_add_fts5_search.sql', '004_add_media.sql', '005_add_tags.sql'],
  });
  const db = new Database(join(dir, 'starpunk.db'));
  try {
    db.exec(`
      CREATE VIRTUAL TABLE notes_fts USING fts5(slug UNINDEXED, title, content, tokenize='porter unicode61');
      CREATE TABLE tags (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE NOT NULL,
        display_name TEXT NOT NULL, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP);
      CREATE TABLE note_tags (note_id INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
        tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE, PRIMARY KEY (note_id, tag_id));
      CREATE TABLE media (id INTEGER PRIMARY KEY AUTOINCREMENT, filename TEXT NOT NULL,
        stored_filename TEXT NOT NULL, path TEXT NOT NULL UNIQUE, mime_type TEXT NOT NULL, size INTEGER NOT NULL,
        width INTEGER, height INTEGER, uploaded_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);
      CREATE TABLE note_media (id INTEGER PRIMARY KEY AUTOINCREMENT, note_id INTEGER NOT NULL,
        media_id INTEGER NOT NULL, display_order INTEGER NOT NULL DEFAULT 0, caption TEXT,
        UNIQUE (note_id, media_id));
    `);
    for (const n of FIXTURE_NOTES)
      db.prepare('INSERT INTO notes_fts (slug, title, content) VALUES (?, ?, ?)').run(n.slug, '', n.body);
    db.exec(`INSERT INTO tags (name, display_name) VALUES ('indieweb', 'IndieWeb'), ('cafe', 'Café');
      INSERT INTO note_tags (note_id, tag_id) VALUES (1, 1), (1, 2), (2, 1);`);
    const images = [await png({ r: 10, g: 200, b: 10 }), await png({ r: 10, g: 10, b: 200 })];
    images.forEach((bytes, i) => {
      const path = `2024/11/photo-${i}.png`;
      mkdirSync(join(dir, 'media', '2024', '11'), { recursive: true });
      writeFileSync(join(dir, 'media', path), bytes);
      db.prepare(
        'INSERT INTO media (filename, stored_filename, path, mime_type, size, width, height) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ).run(`IMG_${i}.PNG`, `photo-${i}.png`, path, 'image/png', bytes.length, 40, 30);
    });
    // Shown second, then first: display_order decides.
    db.exec(`INSERT INTO note_media (note_id, media_id, display_order, caption) VALUES
      (2, 1, 1, 'A green square'), (2, 2, 0, 'A blue square');`);
  } finally {
    db.close();
  }
}

function byslug(site: Site, slug: string): Note & { content: string } {
  const note = site.notes.getNoteBySlug(slug);
  expect(note, slug).toBeDefined();
  return site.notes.getNoteSource(note!);
}

function expectFixtureNotes(site: Site): void {
  FIXTURE_NOTES.forEach((n, i) => {
    const note = byslug(site, n.slug);
    const created = new Date(`2024-11-${String(10 + i).padStart(2, '0')}T12:00:00.000Z`);
    expect(note.content).toBe(n.body);
    expect(note.contentHash).toBe(sha256(Buffer.from(n.body, 'utf8')));
    expect(note.published).toBe(n.published === 1);
    expect(note.createdAt).toEqual(created);
    expect(note.publishedAt).toEqual(created);
    expect(note.deletedAt).toEqual(n.deleted ? new Date('2024-12-24T10:00:00.000Z') : null);
  });
}

const SOURCES: Record<string, (dir: string) => Promise<void> | void> = {
  ...Object.fromEntries(
    Object.entries(HISTORICAL_STATES).map(([name, state]) => [
      `Python StarPunk ${name}`,
      (dir: string) => void buildHistoricalDataDir(dir, state as HistoricalState),
    ]),
  ),
  'Python StarPunk with a migration history this StarPunk refuses (newer version)': (dir) =>
    void buildHistoricalDataDir(dir, REFUSED_STATES['a database from a newer version']),
  'Python StarPunk 1.x with search, tags and media tables': buildPython1x,
};

describe('starpunk import <Python StarPunk data directory>', () => {
  for (const [name, build] of Object.entries(SOURCES)) {
    it(`${name}: imports every note read-only, and a second run creates nothing`, async () => {
      const src = join(tempDir(), 'python-data');
      await build(src);
      const before = treeHashes(src);
      const target = join(tempDir(), 'data');

      const first = await cli(['import', src], target);
      expect(first.err).toBe('');
      expect(first.out).toMatch(/StarPunk data directory .*: imported 4, skipped 0, failed 0/);
      expect(first.code).toBe(0);
      expect(treeHashes(src)).toEqual(before);

      const second = await cli(['import', src], target);
      expect(second.out).toMatch(/imported 0, skipped 4, failed 0/);
      expect(second.code).toBe(0);
      expect(treeHashes(src)).toEqual(before);

      const site = openSite(target);
      try {
        expect(site.notes.countForAdmin().all + site.notes.countForAdmin().trash).toBe(4);
        expectFixtureNotes(site);
        // The trashed note keeps its URL answering 410, the draft stays out of the feed.
        expect(
          site.notes
            .listPublicNotes(10)
            .map((n) => n.slug)
            .sort(),
        ).toEqual(['cafe-deja-vu', 'plain-note']);
        expect(site.notes.searchPublic('"plain"', 10, 0).total).toBe(1);
      } finally {
        site.close();
      }
      expect((await cli(['doctor'], target)).code).toBe(0);
    });
  }

  it('keeps the tags and photos of a Python 1.x data directory', async () => {
    const src = join(tempDir(), 'python-data');
    await buildPython1x(src);
    const target = join(tempDir(), 'data');
    const r = await cli(['import', src], target);
    expect(r.out).toMatch(/media files: copied 2, skipped 0, failed 0/);
    const site = openSite(target);
    try {
      expect(byslug(site, 'cafe-deja-vu').tags.map((t) => t.name)).toEqual(['IndieWeb', 'Café']);
      const plain = byslug(site, 'plain-note');
      expect(plain.tags.map((t) => t.name)).toEqual(['IndieWeb']);
      expect(plain.photos).toEqual([
        { url: '/media/2024/11/photo-1.png', alt: 'A blue square' },
        { url: '/media/2024/11/photo-0.png', alt: 'A green square' },
      ]);
      expect(site.media.countMedia()).toBe(2);
      expect(
        site.media
          .listMedia(10, 0)
          .map((m) => m.originalName)
          .sort(),
      ).toEqual(['IMG_0.PNG', 'IMG_1.PNG']);
    } finally {
      site.close();
    }
    const app = serveSite(target);
    try {
      const page = Buffer.from((await app.get('/notes/plain-note')).body, 'base64').toString();
      expect(page).toMatch(/<img[^>]+src="[^"]*\/media\/2024\/11\/photo-1\.png"[^>]*alt="A blue square"/);
      const img = await app.get('/media/2024/11/photo-0.png');
      expect(img.status).toBe(200);
      expect(img.type).toBe('image/png');
    } finally {
      app.close();
    }
    const again = await cli(['import', src], target);
    expect(again.out).toMatch(
      /imported 0, skipped 4, failed 0 \(media files: copied 0, skipped 2, failed 0\)/,
    );
  });

  it('imports a data directory of this StarPunk (WAL database) without touching it', async () => {
    const src = join(tempDir(), 'a');
    const a = openSite(src);
    await populate(a);
    a.close();
    const before = treeHashes(src);
    const target = join(tempDir(), 'b');
    const r = await cli(['import', src], target);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/imported 8, skipped 0, failed 0/);
    expect(treeHashes(src)).toEqual(before);

    const [x, y] = [openSite(src), openSite(target)];
    try {
      const shape = (s: Site) =>
        [...s.notes.listForAdmin('all', 100, 0), ...s.notes.listForAdmin('trash', 100, 0)].map((n) => {
          // The revision counts a database's own writes (an import writes each note its own way).
          const { id: _id, contentHtml: _html, revision: _revision, ...rest } = s.notes.getNoteSource(n);
          return rest;
        });
      expect(shape(y)).toEqual(shape(x));
      expect(pagesOf(y)).toEqual(pagesOf(x));
    } finally {
      x.close();
      y.close();
    }
    const [sa, sb] = [serveSite(src), serveSite(target)];
    try {
      for (const p of ['/', '/feed.json', '/notes/hello-world', '/tag/photos']) {
        expect({ p, ...(await sb.get(p)) }).toEqual({ p, ...(await sa.get(p)) });
      }
    } finally {
      sa.close();
      sb.close();
    }
  });

  it('refuses to import a data directory into itself', async () => {
    const dir = join(tempDir(), 'a');
    openSite(dir).close();
    const r = await cli(['import', dir], dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/refusing to import a data directory into itself/);
  });
});

describe('starpunk import <folder of Markdown files>', () => {
  function markdownFolder(): string {
    const root = join(tempDir(), 'posts');
    const files: Record<string, string> = {
      '2024-03-01-hello-world.md': 'Hello from a static site.\n',
      'with-front-matter.md':
        '---\ntitle: "A titled post"\ndate: 2024-05-06T07:08:09Z\ntags: [one, Two]\nslug: custom-slug\n---\n\nBody text.\n',
      'draft.md': '---\ndraft: true\ntags: "a, b"\ndate: 2024-06-01\n---\nNot yet.\n',
      'jekyll-unpublished.md': '---\npublished: false\ntitle: Hidden\n---\nJekyll says no.\n',
      'crlf.md':
        '---\r\ntitle: CRLF\r\nupdated: 2024-07-02T00:00:00Z\r\ndate: 2024-07-01T00:00:00Z\r\n---\r\nLine one\r\nLine two\r\n',
      'broken.md': '---\ntitle: [unclosed\n---\nbody\n',
      'admin.md': 'A file whose name is a reserved word.\n',
      'sub/nested.markdown': '---\nvisibility: unlisted\n---\nNested.\n',
      'empty.md': '',
      '日記.md': '---\ndate: 2024-08-01T09:00:00Z\n---\n今日は晴れ。\n',
      'bundles/my-trip/index.md': '---\ntitle: My trip\n---\nA Hugo page bundle.\n',
      '.hidden.md': 'never read\n',
      'notes.txt': 'not Markdown\n',
    };
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, rel)), { recursive: true });
      writeFileSync(join(root, rel), text);
    }
    return root;
  }

  it('imports front matter (title, date, tags, slug, draft), reports failures, and is idempotent', async () => {
    const src = markdownFolder();
    const before = treeHashes(src);
    const target = join(tempDir(), 'data');
    const r = await cli(['import', src], target);
    expect(r.out).toMatch(/Markdown folder .*: imported 9, skipped 0, failed 2/);
    expect(r.out).toMatch(/failed {4}broken\.md: /);
    expect(r.out).toMatch(/failed {4}empty\.md: A note needs some content/);
    expect(r.code).toBe(1);

    const again = await cli(['import', src], target);
    expect(again.out).toMatch(/imported 0, skipped 9, failed 2/);
    expect(treeHashes(src)).toEqual(before);

    const site = openSite(target);
    try {
      const hello = byslug(site, 'hello-world');
      expect(hello.content).toBe('Hello from a static site.\n');
      expect(hello.publishedAt).toEqual(new Date('2024-03-01T00:00:00.000Z'));
      expect(hello.filePath).toBe('2024/03/hello-world.md');

      const titled = byslug(site, 'custom-slug');
      expect(titled.name).toBe('A titled post');
      expect(titled.content).toBe('Body text.\n');
      expect(titled.tags.map((t) => t.name)).toEqual(['one', 'Two']);
      expect(titled.publishedAt).toEqual(new Date('2024-05-06T07:08:09.000Z'));
      expect(titled.published).toBe(true);

      const draft = byslug(site, 'draft');
      expect(draft.published).toBe(false);
      expect(draft.tags.map((t) => t.name)).toEqual(['a', 'b']);
      expect(byslug(site, 'jekyll-unpublished').published).toBe(false);
      expect(byslug(site, 'jekyll-unpublished').name).toBe('Hidden');

      const crlf = byslug(site, 'crlf');
      expect(crlf.content).toBe('Line one\nLine two\n');
      expect(crlf.name).toBe('CRLF');
      expect(crlf.updatedAt).toEqual(new Date('2024-07-02T00:00:00.000Z'));

      expect(byslug(site, 'admin-note').content).toBe('A file whose name is a reserved word.\n');
      expect(byslug(site, 'nested').visibility).toBe('unlisted');
      // No usable slug in the name: the one the service makes (here from the date), found again on re-import.
      expect(byslug(site, '20240801090000').content).toBe('今日は晴れ。\n');
      expect(byslug(site, 'my-trip').name).toBe('My trip');
      expect(site.notes.countForAdmin().all).toBe(9);
    } finally {
      site.close();
    }
  });

  it('never overwrites a different note that already has the slug', async () => {
    const src = markdownFolder();
    const target = join(tempDir(), 'data');
    const site = openSite(target);
    site.notes.createNote({ content: 'Mine, not the import’s.\n', slug: 'custom-slug' });
    site.close();
    const r = await cli(['import', src], target);
    expect(r.out).toMatch(
      /failed {4}with-front-matter\.md: a different note already uses the slug "custom-slug"; it was left as it is/,
    );
    expect(r.out).toMatch(/imported 8, skipped 0, failed 3/);
    const after = openSite(target);
    expect(byslug(after, 'custom-slug').content).toBe('Mine, not the import’s.\n');
    after.close();
  });

  it('explains what it needs', async () => {
    const target = tempDir();
    expect((await cli(['import'], target)).err).toMatch(/usage: starpunk import <file \| folder \| URL>/);
    expect((await cli(['import', join(target, 'nope')], target)).err).toMatch(/nothing to import at/);
  });
});
