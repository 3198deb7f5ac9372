/**
 * Moving in from WordPress (issue 24): WordPress's own theme unit test data, imported through the
 * real CLI with its pictures from a local uploads folder, then read from a real `starpunk serve`:
 * old links answer 301, text, pictures with alt text, tags, comments, visibility; a second run
 * changes nothing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll } from '../faults/harness.js';
import { type LiveSite, startLiveSite } from '../helpers/live-site.js';
import { cleanup, tempDir } from '../ops/ops-helpers.js';
import { importCli, writeJpeg } from './wxr.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'theme-unit-test-trimmed.wxr.xml');

/** Every file under `dir`, relative, sorted. */
function filesUnder(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...filesUnder(dir, r));
    else out.push(r);
  }
  return out.sort();
}

function rows(dir: string, sql: string): unknown[] {
  const db = new Database(join(dir, 'starpunk.db'), { readonly: true });
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
}

let dir: string;
let site: LiveSite;
let first: { code: number; out: string; err: string };

beforeAll(async () => {
  dir = tempDir('starpunk-wp-');
  const uploads = tempDir('starpunk-uploads-');
  // The uploads folder a WordPress site of this export would have: every file its attachments
  // and posts name under the WordPress.com files host (wp-content/uploads on a self-hosted site).
  const text = readFileSync(FIXTURE, 'utf8');
  const paths = new Set(
    [
      ...text.matchAll(
        /https:\/\/wpthemetestdata\.files\.wordpress\.com\/(\d{4}\/\d{2}\/[^"'?\s<\]]+\.jpe?g)/g,
      ),
    ].map((m) => m[1]!),
  );
  for (const p of paths) await writeJpeg(uploads, p);
  first = await importCli(dir, [FIXTURE, '--media', uploads, '--no-fetch']);
  site = await startLiveSite(dir);
}, 120_000);

afterAll(async () => {
  await site?.stop();
  await killAll();
  cleanup();
});

describe('a WordPress export through starpunk import', () => {
  it('reports what it imported, skipped and mapped', () => {
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out).toMatch(
      /WordPress WXR .*\(https:\/\/wpthemetestdata\.wordpress\.com\): read 28, imported 20 notes and 7 pages, skipped 1, failed 0/,
    );
    expect(first.out).toContain('skipped: 1 a navigation menu entry');
    expect(first.out).toMatch(/media: stored 10 \(from the folder 10, fetched 0\), reused 0, failed 0/);
    expect(first.out).toMatch(/responses: imported \d+/);
    expect(first.out).toMatch(/old addresses: mapped \d+/);
    expect(first.out).toContain('announced: no');
    expect(first.out).toContain('password-protected on WordPress: imported as private');
  });

  it('answers the old permalinks, ?p= and ?page_id= with 301 to the new addresses', async () => {
    const cases: [string, string][] = [
      ['/2010/10/05/post-format-standard/', '/notes/post-format-standard'],
      ['/2010/10/05/post-format-standard', '/notes/post-format-standard'],
      ['/?p=358', '/notes/post-format-standard'],
      ['/index.php?p=358', '/notes/post-format-standard'],
      ['/2012/01/03/template-comments/', '/notes/template-comments'],
      ['/?page_id=174', '/level-1'],
      ['/level-1/level-2/', '/level-2'],
      ['/greek/', '/greek'],
      ['/?page_id=1811', '/2-second-greek-level'],
    ];
    const problems: string[] = [];
    for (const [from, to] of cases) {
      const res = await site.get(from);
      await res.body?.cancel();
      if (res.status !== 301 || res.headers.get('location') !== to)
        problems.push(`${from}: ${res.status} → ${res.headers.get('location')} (wanted ${to})`);
    }
    expect(problems).toEqual([]);
  });

  it('keeps the text, as Markdown that renders the same, without Gutenberg block comments', async () => {
    const res = await site.get('/notes/post-format-standard');
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain('All children, except one, grow up.');
    const quote = await (await site.get('/notes/block-quotes')).text();
    expect(quote).toContain('<blockquote>');
    expect(quote).not.toContain('wp:quote');
    const file = readFileSync(join(dir, 'notes', '2018', '11', 'block-quotes.md'), 'utf8');
    expect(file).not.toContain('<!--');
  });

  it('keeps the publication date, so old posts are not new in the feed', async () => {
    const feed = (await (await site.get('/feed.json')).json()) as { items: unknown[] };
    const item = (feed.items as { url: string; date_published: string }[]).find((i) =>
      i.url.endsWith('/notes/post-format-standard'),
    );
    expect(item?.date_published).toBe('2010-10-05T07:27:25Z');
  });

  it('stores featured images through the media service, with their alt text', async () => {
    const html = await (await site.get('/notes/template-featured-image-horizontal')).text();
    const img = /<img\b[^>]*alt="Horizontal Featured Image"[^>]*>/.exec(html)?.[0];
    expect(img).toBeDefined();
    const src = /src="([^"]+)"/.exec(img!)![1]!;
    expect(src).toMatch(/\/media\/\d{4}\/\d{2}\/[0-9a-f-]+\.jpg$/);
    const media = await site.get(new URL(src, 'http://example.test/').pathname);
    expect(media.status).toBe(200);
    expect(media.headers.get('content-type')).toBe('image/jpeg');
    const mediaRows = rows(dir, 'SELECT alt FROM media') as { alt: string }[];
    expect(mediaRows.map((r) => r.alt)).toContain('Horizontal Featured Image');
  });

  it('makes categories and tags into tags (but not "Uncategorized")', async () => {
    const html = await (await site.get('/notes/template-comments')).text();
    expect(html).toMatch(/href="\/tag\/comments"/);
    expect(html).toMatch(/href="\/tag\/classic"/);
    expect(html).not.toMatch(/href="\/tag\/uncategorized"/);
  });

  it('shows approved comments under the note, threaded, and not the unapproved one', async () => {
    const html = await (await site.get('/notes/template-comments')).text();
    expect(html).toContain('John Γιάννης Doe Κάποιος');
    // auser's comment (comment_approved 0) waits for moderation.
    const pending = rows(dir, "SELECT author_name FROM webmentions WHERE moderation = 'pending'") as {
      author_name: string;
    }[];
    expect(pending.map((p) => p.author_name)).toEqual(['auser']);
    expect(html).not.toContain('auser');
    const pings = await (await site.get('/notes/template-pingbacks-and-trackbacks')).text();
    expect(pings).toMatch(/mention/i);
  });

  it('keeps drafts, private and password-protected posts out of sight, old addresses included', async () => {
    for (const path of ['/?p=1164', '/?p=1168', '/notes/draft']) {
      const res = await site.get(path);
      await res.body?.cancel();
      expect.soft(res.status, path).not.toBe(301);
      expect.soft([200, 404], path).toContain(res.status);
    }
    const draft = rows(dir, "SELECT published, visibility FROM notes WHERE slug = 'draft'");
    expect(draft).toEqual([{ published: 0, visibility: 'public' }]);
    const locked = rows(dir, "SELECT visibility FROM notes WHERE name LIKE 'Template: Password Protected%'");
    expect(locked).toEqual([{ visibility: 'private' }]);
  });

  it('puts top-level pages in the menu in their WordPress order', async () => {
    const pages = rows(dir, 'SELECT slug, menu_order FROM pages ORDER BY menu_order IS NULL, menu_order') as {
      slug: string;
      menu_order: number | null;
    }[];
    const inMenu = pages.filter((p) => p.menu_order !== null).map((p) => p.slug);
    expect(inMenu).toEqual(['greek', 'about', 'level-1']);
  });

  it('changes nothing on a second run', async () => {
    const before = {
      notes: rows(dir, 'SELECT id, slug, revision, content_hash FROM notes ORDER BY id'),
      mentions: rows(dir, 'SELECT count(*) AS n FROM webmentions'),
      addresses: rows(dir, 'SELECT count(*) AS n FROM former_addresses'),
      files: filesUnder(join(dir, 'notes')),
      media: filesUnder(join(dir, 'media')),
    };
    const again = await importCli(dir, [FIXTURE, '--no-fetch']);
    expect(again.code).toBe(0);
    expect(again.out).toContain('imported 0 notes and 0 pages, skipped 28, failed 0');
    expect(again.out).toContain('27 already imported');
    expect({
      notes: rows(dir, 'SELECT id, slug, revision, content_hash FROM notes ORDER BY id'),
      mentions: rows(dir, 'SELECT count(*) AS n FROM webmentions'),
      addresses: rows(dir, 'SELECT count(*) AS n FROM former_addresses'),
      files: filesUnder(join(dir, 'notes')),
      media: filesUnder(join(dir, 'media')),
    }).toEqual(before);
  });

  it('queued nothing to announce the imported notes', () => {
    const jobs = rows(dir, "SELECT kind FROM jobs WHERE kind NOT LIKE 'webmention.avatar%'") as {
      kind: string;
    }[];
    expect(jobs).toEqual([]);
  });
});
