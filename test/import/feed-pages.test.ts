/**
 * Feeds imported from a URL, page after page, from a small real HTTP server on 127.0.0.1 playing
 * the old site: three pages in each syntax (RSS and Atom with RFC 5005 `atom:link rel="next"`,
 * JSON Feed `next_url`, an h-feed's `rel=next`), a WordPress feed paged with `?paged=N`, pages that
 * lead round in a loop, a page the site will not give, --no-fetch; pictures fetched through the
 * engine; then a real `starpunk serve`: the note shows its text, photo and tags, and its old
 * address answers 301.
 */
import type http from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll } from '../faults/harness.js';
import { type LiveSite, startLiveSite } from '../helpers/live-site.js';
import { type RemoteSite, startRemote } from '../helpers/remote.js';
import { cleanup, tempDir } from '../ops/ops-helpers.js';
import { importCli } from './wxr.js';

const LOOPBACK = { ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' };
const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

interface Post {
  path: string;
  title?: string;
  html: string;
  date: string;
  tags: string[];
  photo?: { path: string; alt: string };
}

/** Two posts per page, three pages, newest first: posts 6..1 of a syntax. */
function postsOf(syntax: string, page: number): Post[] {
  return [0, 1].map((i) => {
    const k = 7 - (page * 2 - 1) - i; // page 1: 6, 5; page 2: 4, 3; page 3: 2, 1
    const day = String(k).padStart(2, '0');
    return {
      path: `/2022/05/${day}/${syntax}-post-${k}.html`,
      ...(k % 2 === 0 ? { title: `${syntax} post ${k}` } : {}),
      html: `<p>The ${syntax} text of post ${k}, from page ${page}.</p>`,
      date: `2022-05-${day}T10:00:00Z`,
      tags: [`${syntax}-tag`, `page-${page}`],
      ...(k === 6 ? { photo: { path: `/images/${syntax}-photo.jpg`, alt: `The ${syntax} photo` } } : {}),
    };
  });
}

function rss(base: string, posts: Post[], next: string | undefined, generator = 'Hugo'): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Old site</title><link>${base}</link><generator>${generator}</generator>
${next ? `<atom:link rel="next" href="${esc(next)}"/>` : ''}
${posts
  .map(
    (
      p,
    ) => `<item>${p.title ? `<title>${esc(p.title)}</title>` : ''}<link>${base.replace(/\/$/, '')}${p.path}</link>
<guid>${base.replace(/\/$/, '')}${p.path}</guid><pubDate>${new Date(p.date).toUTCString()}</pubDate>
${p.tags.map((t) => `<category>${esc(t)}</category>`).join('')}
${p.photo ? `<enclosure url="${base.replace(/\/$/, '')}${p.photo.path}" type="image/jpeg" length="0"/>` : ''}
<content:encoded><![CDATA[${p.html}]]></content:encoded></item>`,
  )
  .join('\n')}
</channel></rss>`;
}

function atom(base: string, posts: Post[], next: string | undefined): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Old site</title><id>${base}</id><updated>2022-06-01T00:00:00Z</updated>
<link rel="alternate" href="${base}"/>${next ? `<link rel="next" href="${esc(next)}"/>` : ''}
${posts
  .map(
    (
      p,
    ) => `<entry><id>${base.replace(/\/$/, '')}${p.path}</id>${p.title ? `<title>${esc(p.title)}</title>` : '<title></title>'}
<link rel="alternate" href="${p.path}"/><published>${p.date}</published><updated>${p.date}</updated>
${p.tags.map((t) => `<category term="${esc(t)}"/>`).join('')}
${p.photo ? `<link rel="enclosure" type="image/jpeg" href="${p.photo.path}"/>` : ''}
<content type="html">${esc(p.html)}</content></entry>`,
  )
  .join('\n')}
</feed>`;
}

function jsonFeed(base: string, posts: Post[], next: string | undefined): string {
  return JSON.stringify({
    version: 'https://jsonfeed.org/version/1.1',
    title: 'Old site',
    home_page_url: base,
    ...(next ? { next_url: next } : {}),
    items: posts.map((p) => ({
      id: `${base.replace(/\/$/, '')}${p.path}`,
      url: `${base.replace(/\/$/, '')}${p.path}`,
      ...(p.title ? { title: p.title } : {}),
      content_html: p.html,
      date_published: p.date,
      tags: p.tags,
      ...(p.photo
        ? { attachments: [{ url: `${base.replace(/\/$/, '')}${p.photo.path}`, mime_type: 'image/jpeg' }] }
        : {}),
    })),
  });
}

function hfeed(posts: Post[], next: string | undefined): string {
  return `<!doctype html><html><head><title>Old site</title>${next ? `<link rel="next" href="${esc(next)}">` : ''}</head>
<body><main class="h-feed">
${posts
  .map(
    (p) => `<article class="h-entry">${p.title ? `<h2 class="p-name">${esc(p.title)}</h2>` : ''}
<a class="u-url" href="${p.path}"><time class="dt-published" datetime="${p.date}">${p.date}</time></a>
<div class="e-content">${p.html}</div>
${p.photo ? `<img class="u-photo" src="${p.photo.path}" alt="${esc(p.photo.alt)}">` : ''}
${p.tags.map((t) => `<a class="p-category" href="/tags/${t}">${esc(t)}</a>`).join(' ')}</article>`,
  )
  .join('\n')}
</main></body></html>`;
}

let remote: RemoteSite;
let jpeg: Buffer;
const requests: string[] = [];

function handler(req: http.IncomingMessage, _body: string, res: http.ServerResponse) {
  const url = new URL(req.url ?? '/', remote.url);
  requests.push(`${url.pathname}${url.search}`);
  const send = (type: string, body: string | Buffer, status = 200) => {
    res.writeHead(status, { 'content-type': type });
    res.end(body);
  };
  const base = remote.url;
  if (url.pathname.startsWith('/images/')) return send('image/jpeg', jpeg);
  let m = /^\/(rss|atom|json|hfeed)\/page\/(\d)$/.exec(url.pathname);
  if (m) {
    const [, syntax, n] = m as unknown as [string, string, string];
    const page = Number(n);
    const posts = postsOf(syntax, page);
    const next = page < 3 ? `${base}${syntax}/page/${page + 1}` : undefined;
    // Relative next links in the XML syntaxes and HTML, absolute in JSON: both are read.
    const rel = page < 3 ? `/${syntax}/page/${page + 1}` : undefined;
    if (syntax === 'rss') return send('application/rss+xml', rss(base, posts, next));
    if (syntax === 'atom')
      return send('application/atom+xml', atom(base, posts, rel && `${base}${rel.slice(1)}`));
    if (syntax === 'json') return send('application/feed+json', jsonFeed(base, posts, next));
    return send('text/html', hfeed(posts, rel));
  }
  // WordPress: no next link; ?paged=2 and 3 answer, 4 is past the end (404).
  if (url.pathname === '/wp/feed/') {
    const paged = Number(url.searchParams.get('paged') ?? '1');
    if (paged > 3) return send('text/html', 'Not found', 404);
    return send(
      'application/rss+xml',
      rss(base, postsOf('wp', paged), undefined, 'https://wordpress.org/?v=6.4.2'),
    );
  }
  // A loop: 1 → 2 → 1.
  m = /^\/loop\/(\d)$/.exec(url.pathname);
  if (m) {
    const n = Number(m[1]);
    return send(
      'application/feed+json',
      jsonFeed(base, postsOf('loop', n), `${base}loop/${n === 1 ? 2 : 1}`),
    );
  }
  // Page 2 is not given.
  if (url.pathname === '/gone/1')
    return send('application/feed+json', jsonFeed(base, postsOf('gone', 1), `${base}gone/2`));
  if (url.pathname === '/gone/2') return send('text/plain', 'busy', 503);
  send('text/plain', 'not found', 404);
}

function query<T>(dir: string, sql: string): T[] {
  const db = new Database(join(dir, 'starpunk.db'), { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  jpeg = await sharp({
    create: { width: 80, height: 60, channels: 3, background: { r: 20, g: 120, b: 200 } },
  })
    .jpeg()
    .toBuffer();
  remote = await startRemote(handler);
});

afterAll(async () => {
  await remote?.close();
  await killAll();
  cleanup();
});

const SYNTAXES: [string, string][] = [
  ['rss', 'RSS feed'],
  ['atom', 'Atom feed'],
  ['json', 'JSON Feed'],
  ['hfeed', 'h-feed'],
];

describe('three pages in each syntax, from a URL', () => {
  for (const [syntax, title] of SYNTAXES) {
    it(`${title}: follows the next links, imports all six posts with the photo, old addresses mapped`, async () => {
      const dir = tempDir('starpunk-feedurl-');
      const r = await importCli(dir, [`${remote.url}${syntax}/page/1`], LOOPBACK);
      expect(r.err).toBe('');
      expect(r.out).toContain(`${title} ${remote.url}${syntax}/page/1`);
      expect(r.out).toMatch(/read 6, imported 6 notes and 0 pages, skipped 0, failed 0/);
      expect(r.out).toMatch(/media: stored 1 \(from the folder 0, fetched 1\), reused 0, failed 0/);
      expect(r.out).toContain('old addresses: mapped 6');
      expect(r.code).toBe(0);
      const rows = query<{ slug: string; name: string | null; published_at: string }>(
        dir,
        'SELECT slug, name, published_at FROM notes ORDER BY published_at',
      );
      expect(rows.map((n) => n.slug)).toEqual([1, 2, 3, 4, 5, 6].map((k) => `${syntax}-post-${k}`));
      expect(rows.map((n) => n.name)).toEqual(
        [1, 2, 3, 4, 5, 6].map((k) => (k % 2 === 0 ? `${syntax} post ${k}` : null)),
      );
      expect(rows[0]!.published_at).toBe('2022-05-01T10:00:00.000Z');
      const old = query<{ address: string }>(dir, 'SELECT address FROM former_addresses ORDER BY address');
      expect(old.map((a) => a.address)).toEqual(
        [1, 2, 3, 4, 5, 6].map((k) => `/2022/05/0${k}/${syntax}-post-${k}.html`),
      );
      const alt = query<{ alt: string }>(dir, 'SELECT alt FROM media');
      expect(alt).toHaveLength(1);
      if (syntax === 'hfeed') expect(alt[0]!.alt).toBe('The hfeed photo');
    });
  }

  it('WordPress: no next link, so ?paged=2, 3 … until the site answers 404', async () => {
    const dir = tempDir('starpunk-feedurl-');
    requests.length = 0;
    const r = await importCli(dir, [`${remote.url}wp/feed/`, '--dry-run'], LOOPBACK);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/read 6, would import 6 notes/);
    expect(r.out).not.toContain('warning');
    expect(requests.filter((q) => q.startsWith('/wp/feed/'))).toEqual([
      '/wp/feed/',
      '/wp/feed/?paged=2',
      '/wp/feed/?paged=3',
      '/wp/feed/?paged=4',
    ]);
  });

  it('stops at a loop of pages and says so', async () => {
    const dir = tempDir('starpunk-feedurl-');
    requests.length = 0;
    const r = await importCli(dir, [`${remote.url}loop/1`, '--dry-run'], LOOPBACK);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/read 4, would import 4 notes/);
    expect(r.out).toContain(`warning   ${remote.url}loop/1: already read (the pages lead round in a loop)`);
    expect(requests.filter((q) => q.startsWith('/loop/'))).toEqual(['/loop/1', '/loop/2']);
  });

  it('a page the site will not give ends the reading with a warning; what was read is imported', async () => {
    const dir = tempDir('starpunk-feedurl-');
    const r = await importCli(dir, [`${remote.url}gone/1`], LOOPBACK);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/read 2, imported 2 notes/);
    expect(r.out).toContain(`${remote.url}gone/2: the site answered 503; pagination stopped there`);
  });

  it('--no-fetch reads the first page only and says the rest was not followed', async () => {
    const dir = tempDir('starpunk-feedurl-');
    const r = await importCli(dir, [`${remote.url}json/page/1`, '--no-fetch'], LOOPBACK);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/read 2, imported 2 notes/);
    expect(r.out).toContain(`${remote.url}json/page/2: the next page was not read (fetching is off)`);
  });
});

describe('an imported feed on a real server', () => {
  let dir: string;
  let site: LiveSite;
  let again: { code: number; out: string };

  beforeAll(async () => {
    dir = tempDir('starpunk-feedserve-');
    const first = await importCli(dir, [`${remote.url}rss/page/1`], LOOPBACK);
    expect(first.code).toBe(0);
    again = await importCli(dir, [`${remote.url}rss/page/1`], LOOPBACK);
    site = await startLiveSite(dir);
  }, 120_000);

  afterAll(async () => {
    await site?.stop();
  });

  it('shows the note’s text, its photo with alt text and its tags', async () => {
    const res = await site.get('/notes/rss-post-6');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('The rss text of post 6, from page 1.');
    expect(html).toContain('rss post 6');
    const img = /<img\b[^>]*src="([^"]*\/media\/[^"]+\.jpg)"[^>]*>/.exec(html);
    expect(img).not.toBeNull();
    const media = await site.get(new URL(img![1]!, 'http://example.test/').pathname);
    expect(media.status).toBe(200);
    expect(media.headers.get('content-type')).toBe('image/jpeg');
    expect(html).toMatch(/href="\/tag\/rss-tag"/);
    expect(html).toMatch(/href="\/tag\/page-1"/);
  });

  it('answers the old address on the same path with 301 to the note', async () => {
    const res = await site.get('/2022/05/03/rss-post-3.html');
    await res.body?.cancel();
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('/notes/rss-post-3');
  });

  it('a second run from the URL added nothing', () => {
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/read 6, imported 0 notes and 0 pages, skipped 6, failed 0/);
    expect(again.out).toContain('6 already imported');
  });
});
