import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseFrontMatter } from '../../src/ops/front-matter.js';
import {
  cleanup,
  cli,
  openSite,
  populate,
  type Site,
  serveSite,
  tempDir,
  treeHashes,
} from './ops-helpers.js';

afterEach(cleanup);

async function exported(): Promise<{ a: string; path: string; out: string }> {
  const a = join(tempDir(), 'a');
  const site = openSite(a);
  await populate(site);
  site.close();
  const out = tempDir();
  const r = await cli(['export', '--out', out], a);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  const path = /to (\S+)\n$/.exec(r.out)?.[1];
  expect(path).toBeDefined();
  return { a, path: path!, out };
}

/** Everything that makes a note the same note, whatever its id. */
function notesOf(site: Site) {
  return [...site.notes.listForAdmin('all', 100, 0), ...site.notes.listForAdmin('trash', 100, 0)]
    .map((n) => site.notes.getNoteSource(n))
    .map((n) => ({
      slug: n.slug,
      title: n.name,
      body: n.content,
      tags: n.tags.map((t) => t.name),
      created: n.createdAt.toISOString(),
      published: n.publishedAt.toISOString(),
      updated: n.updatedAt?.toISOString() ?? null,
      deleted: n.deletedAt?.toISOString() ?? null,
      status: n.published ? 'published' : 'draft',
      visibility: n.visibility,
      photos: n.photos,
      properties: n.properties,
      filePath: n.filePath,
    }))
    .sort((x, y) => x.slug.localeCompare(y.slug));
}

describe('starpunk export', () => {
  it('writes every note as Markdown with front matter, the media, mf2.json and a JSON Feed 1.1', async () => {
    const { path, out } = await exported();
    expect(readdirSync(out)).toEqual([path.split('/').pop()]);
    expect(path).toMatch(/\/starpunk-export-\d{8}T\d{6}Z$/);
    expect(statSync(path).mode & 0o777).toBe(0o700);
    expect(readdirSync(path).sort()).toEqual([
      'feed.json',
      'media',
      'media.json',
      'mf2.json',
      'notes',
      'pages.json',
      'reply-contexts.json',
      'settings.json',
      'webmentions.json',
    ]);

    const hello = parseFrontMatter(readFileSync(join(path, 'notes/2025/03/hello-world.md'), 'utf8'));
    expect(hello.data).toEqual({
      title: 'Hello world',
      slug: 'hello-world',
      published: '2025-03-02T10:00:00.000Z',
      created: '2025-03-02T10:00:00.000Z',
      status: 'published',
      visibility: 'public',
      tags: ['IndieWeb', 'Café'],
    });
    expect(hello.body).toBe('Hello *world*, with a [link](https://example.org/).\n');
    const edited = parseFrontMatter(readFileSync(join(path, 'notes/2025/05/edited.md'), 'utf8'));
    expect(edited.data.updated).toBe('2025-06-10T16:45:00.000Z');
    expect(edited.data.tags).toEqual(['meta', 'edits']);
    expect(parseFrontMatter(readFileSync(join(path, 'notes/2025/05/trashed.md'), 'utf8')).data.deleted).toBe(
      '2025-05-02T08:00:00.000Z',
    );
    expect(parseFrontMatter(readFileSync(join(path, 'notes/2025/05/a-draft.md'), 'utf8')).data.status).toBe(
      'draft',
    );
    const photo = parseFrontMatter(readFileSync(join(path, 'notes/2025/04/a-photo-note.md'), 'utf8'));
    expect(photo.data.photos).toEqual([
      { url: expect.stringMatching(/^\/media\/2025\/03\/.+\.png$/), alt: 'A red square' },
    ]);

    // Written item by item, yet exactly what JSON.stringify(…, null, 2) writes.
    const mf2Text = readFileSync(join(path, 'mf2.json'), 'utf8');
    expect(mf2Text).toBe(`${JSON.stringify(JSON.parse(mf2Text), null, 2)}\n`);
    const feedText = readFileSync(join(path, 'feed.json'), 'utf8');
    expect(feedText).toBe(JSON.stringify(JSON.parse(feedText)));
    const mf2 = JSON.parse(readFileSync(join(path, 'mf2.json'), 'utf8')) as {
      items: { type: string[]; properties: Record<string, unknown[]>; deleted?: string }[];
    };
    expect(mf2.items).toHaveLength(8);
    const bySlug = new Map(mf2.items.map((i) => [String(i.properties.url?.[0]).split('/').pop(), i]));
    expect(bySlug.get('hello-world')).toMatchObject({
      type: ['h-entry'],
      properties: {
        url: ['http://example.test/notes/hello-world'],
        name: ['Hello world'],
        category: ['IndieWeb', 'Café'],
        published: ['2025-03-02T10:00:00.000Z'],
      },
    });
    expect(bySlug.get('a-draft')?.properties['post-status']).toEqual(['draft']);
    expect(bySlug.get('secret-ish')?.properties.visibility).toEqual(['unlisted']);
    expect(bySlug.get('trashed')?.deleted).toBe('2025-05-02T08:00:00.000Z');

    const feed = JSON.parse(readFileSync(join(path, 'feed.json'), 'utf8')) as {
      version: string;
      title: string;
      items: { url: string; attachments?: unknown[] }[];
    };
    expect(feed.version).toBe('https://jsonfeed.org/version/1.1');
    expect(feed.title).toBe('Test Site');
    // The public timeline: no draft, trashed, unlisted or not-yet-published note.
    expect(feed.items.map((i) => i.url.split('/').pop())).toEqual([
      'edited',
      'unicode',
      'a-photo-note',
      'hello-world',
    ]);
    const attachments = feed.items.find((i) => i.url.endsWith('a-photo-note'))?.attachments;
    expect(attachments).toHaveLength(1);
    // The stored file's real size, as in the site's own feeds.
    expect((attachments![0] as { size_in_bytes?: number }).size_in_bytes).toBeGreaterThan(0);

    const media = JSON.parse(readFileSync(join(path, 'media.json'), 'utf8')) as {
      items: { path: string; variants: Record<string, { path: string }> }[];
    };
    expect(media.items).toHaveLength(1);
    const thumb = media.items[0]!.variants.thumb?.path;
    expect(thumb).toMatch(/_thumb\.png$/);
    expect(Object.keys(treeHashes(join(path, 'media'))).sort()).toEqual([media.items[0]!.path, thumb].sort());
  });

  it('import of an export reproduces the same notes, media and site (round trip)', async () => {
    const { a, path } = await exported();
    const b = join(tempDir(), 'b');
    const r = await cli(['import', path], b);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/Markdown folder .*: imported 8, skipped 0, failed 0/);
    expect(r.code).toBe(0);

    const [x, y] = [openSite(a), openSite(b)];
    try {
      const notes = notesOf(x);
      expect(notes).toHaveLength(8);
      expect(notesOf(y)).toEqual(notes);
      expect(y.media.listMedia(10, 0).map(({ id: _id, ...m }) => m)).toEqual(
        x.media.listMedia(10, 0).map(({ id: _id, ...m }) => m),
      );
    } finally {
      x.close();
      y.close();
    }
    const [sa, sb] = [serveSite(a), serveSite(b)];
    try {
      for (const p of ['/', '/feed.json', '/notes/a-photo-note', '/tag/cafe', '/notes/trashed']) {
        expect({ p, ...(await sb.get(p)) }).toEqual({ p, ...(await sa.get(p)) });
      }
      // The Atom feed's own <updated> is when the database last changed (the import is newer); the
      // entries must match.
      const atom = async (s: typeof sa) =>
        Buffer.from((await s.get('/feed.atom')).body, 'base64')
          .toString()
          .replace(/<updated>[^<]*<\/updated>/, '');
      expect(await atom(sb)).toEqual(await atom(sa));
    } finally {
      sa.close();
      sb.close();
    }
    const again = await cli(['import', path], b);
    expect(again.out).toMatch(
      /imported 0, skipped 8, failed 0 \(media files: copied 0, skipped \d+, failed 0\)/,
    );
    expect((await cli(['doctor'], b)).code).toBe(0);
  });

  it('fails clearly without a database', async () => {
    const dir = tempDir();
    const r = await cli(['export'], dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no database at/);
  });
});
