import { XMLParser } from 'fast-xml-parser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { settingsStore } from '../../src/db/store/settings.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { photoLike } from '../helpers/images.js';

let t: TestApp;
beforeEach(() => {
  t = createTestApp();
});
afterEach(() => t.close());

const decode = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** The page's <meta property|name=… content=…> tags as a map (first of each name wins). */
function metaOf(html: string): Map<string, string> {
  const head = /<head>([\s\S]*?)<\/head>/.exec(html)?.[1] ?? '';
  const out = new Map<string, string>();
  for (const [tag] of head.matchAll(/<meta\b[^>]*>/g)) {
    const attrs = new Map([...tag.matchAll(/\s([a-z:-]+)="([^"]*)"/g)].map((m) => [m[1]!, decode(m[2]!)]));
    const key = attrs.get('property') ?? attrs.get('name');
    if (key && attrs.has('content') && !out.has(key)) out.set(key, attrs.get('content')!);
  }
  return out;
}

async function meta(path: string): Promise<Map<string, string>> {
  const res = await t.get(path);
  expect(res.status, path).toBe(200);
  return metaOf(await res.text());
}

const xml = new XMLParser({ ignoreAttributes: false, isArray: (name) => ['url', 'sitemap'].includes(name) });

describe('link previews (Open Graph, Twitter Card)', () => {
  it('a note with a stored photo: article, first paragraph, a stored size with its dimensions, published time', async () => {
    const photo = await t.app.services.media.saveUpload({
      bytes: await photoLike(1600, 1200).jpeg().toBuffer(),
      alt: 'A loom',
    });
    const long = 'word '.repeat(80).trim();
    t.notes.createNote({
      slug: 'loom',
      name: 'The loom',
      content: `First paragraph about **the loom** & “quotes”.\n\nSecond paragraph ${long}.`,
      photos: [{ url: photo.url, alt: 'A loom' }],
    });
    const m = await meta('/notes/loom');
    expect(m.get('og:type')).toBe('article');
    expect(m.get('og:title')).toBe('The loom');
    expect(m.get('og:description')).toBe('First paragraph about the loom & “quotes”.');
    expect(m.get('og:url')).toBe('http://example.test/notes/loom');
    expect(m.get('article:published_time')).toBe('2026-11-27T12:00:00.000Z');
    const image = m.get('og:image')!;
    expect(image.startsWith('http://example.test/media/')).toBe(true);
    // Large cards want 1200 px or more: the narrowest stored size that wide (the 1280 px variant),
    // never the 400 px thumbnail nor the heavier 1600 px original; with its own dimensions.
    expect(m.get('og:image:width')).toBe('1280');
    expect(m.get('og:image:height')).toBe('960');
    expect(image).toBe(`http://example.test${photo.variants.medium}`);
    expect(m.get('og:image:alt')).toBe('A loom');
    expect(m.get('twitter:card')).toBe('summary_large_image');
    expect(m.get('twitter:image')).toBe(image);
    expect((await t.get(image.replace('http://example.test', ''))).status).toBe(200);
  });

  it('a photo with no stored size 1200 px wide: the widest there is (the original), with its dimensions', async () => {
    const small = await t.app.services.media.saveUpload({
      bytes: await photoLike(900, 600).jpeg().toBuffer(),
      alt: '',
    });
    const portrait = await t.app.services.media.saveUpload({
      bytes: await photoLike(1800, 2400).jpeg().toBuffer(),
      alt: '',
    });
    t.notes.createNote({ slug: 'small', content: 'Small.', photos: [{ url: small.url, alt: '' }] });
    t.notes.createNote({ slug: 'tall', content: 'Tall.', photos: [{ url: portrait.url, alt: '' }] });
    const a = await meta('/notes/small');
    expect(a.get('og:image')).toBe(`http://example.test${small.url}`);
    expect([a.get('og:image:width'), a.get('og:image:height')]).toEqual(['900', '600']);
    // The 1280 px variant of a portrait is 960 px wide: the original (1800 px) is the one ≥ 1200.
    const b = await meta('/notes/tall');
    expect(b.get('og:image')).toBe(`http://example.test${portrait.url}`);
    expect([b.get('og:image:width'), b.get('og:image:height')]).toEqual(['1800', '2400']);
    expect(b.get('twitter:card')).toBe('summary_large_image');
  });

  it('the description is trimmed to about 200 characters', async () => {
    t.notes.createNote({ slug: 'long', content: 'lorem ipsum '.repeat(60) });
    const d = (await meta('/notes/long')).get('og:description')!;
    expect(d.length).toBeLessThanOrEqual(200);
    expect(d.endsWith('…')).toBe(true);
  });

  it('without a picture: summary card, no image; the home page is a website with its canonical URL', async () => {
    t.notes.createNote({ slug: 'plain', content: 'Just text.' });
    const note = await meta('/notes/plain');
    expect(note.get('twitter:card')).toBe('summary');
    expect(note.has('og:image')).toBe(false);
    const home = await meta('/');
    expect(home.get('og:type')).toBe('website');
    expect(home.get('og:url')).toBe('http://example.test/');
    expect(home.get('og:title')).toBe('Test Site');
    expect(home.get('og:site_name')).toBe('Test Site');
    expect(home.has('article:published_time')).toBe(false);
  });

  it('the default social image (setting site.social_image) is used where a page has no picture, at once', async () => {
    t.notes.createNote({ slug: 'plain', content: 'Just text.' });
    expect((await meta('/')).has('og:image')).toBe(false);
    settingsStore(t.db).upsertSetting('site.social_image', '/media/social.png', new Date().toISOString());
    for (const path of ['/', '/notes/plain', '/search']) {
      const m = await meta(path);
      expect(m.get('og:image'), path).toBe('http://example.test/media/social.png');
      expect(m.get('twitter:card'), path).toBe('summary_large_image');
    }
  });
});

describe('robots.txt', () => {
  it('names the sitemap by absolute URL and disallows the signed-in and protocol paths', async () => {
    const res = await t.get('/robots.txt');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const lines = (await res.text()).split('\n');
    expect(lines).toContain('User-agent: *');
    expect(lines).toContain('Sitemap: http://example.test/sitemap.xml');
    for (const p of ['/admin', '/auth', '/micropub', '/webmention/status', '/api']) {
      expect(lines).toContain(`Disallow: ${p}`);
    }
    expect(lines).not.toContain('Disallow: /');
  });
});

describe('sitemap.xml', () => {
  it('lists the home page, public notes, published pages and tags of public notes, with lastmod', async () => {
    t.notes.createNote({ slug: 'public-one', content: 'Hello #walks', tags: ['walks'] });
    t.notes.createNote({ slug: 'private-one', content: 'Hidden', visibility: 'private', tags: ['secret'] });
    t.notes.createNote({ slug: 'draft-one', content: 'Draft', published: false });
    t.notes.createNote({
      slug: 'later',
      content: 'Later',
      publishedAt: new Date('2027-01-01T00:00:00.000Z'),
    });
    const pages = t.app.services.pages;
    pages.create({ title: 'About', slug: '', content: 'me', published: true, inMenu: true });
    pages.create({ title: 'Secret page', slug: '', content: 'x', published: false, inMenu: false });
    const res = await t.get('/sitemap.xml');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('xml');
    const doc = xml.parse(await res.text());
    expect(doc.urlset['@_xmlns']).toBe('http://www.sitemaps.org/schemas/sitemap/0.9');
    const urls = doc.urlset.url as { loc: string; lastmod?: string }[];
    expect(urls.map((u) => u.loc).sort()).toEqual(
      [
        'http://example.test/',
        'http://example.test/about',
        'http://example.test/notes/public-one',
        'http://example.test/tags',
        'http://example.test/tag/walks',
        'http://example.test/archive',
        'http://example.test/archive/2026/11',
      ].sort(),
    );
    for (const u of urls) expect(u.lastmod, u.loc).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('beyond the per-file limit, /sitemap.xml is an index of files that together list every URL once', async () => {
    for (let i = 0; i < 7; i++) t.notes.createNote({ slug: `n${i}`, content: `Note ${i}` });
    t.app.services.pages.create({ title: 'About', slug: '', content: 'me', published: true, inMenu: false });
    // A second app on the same data with 3 URLs per file.
    const { seoRoutes } = await import('../../src/routes/site/seo.js');
    const small = seoRoutes({
      config: t.config,
      db: t.db,
      clock: t.clock,
      pages: t.app.services.pages,
      notes: t.notes,
      maxUrls: 4,
    });
    const index = xml.parse(await (await small.request('/sitemap.xml')).text());
    const files = (index.sitemapindex.sitemap as { loc: string }[]).map((s) => s.loc);
    // The site part (home, page, archive, its month) and ceil(7 / 4) = 2 files of notes.
    expect(files.length).toBe(3);
    const all: string[] = [];
    for (const f of files) {
      const res = await small.request(f.replace('http://example.test', ''));
      expect(res.status).toBe(200);
      const urls = (xml.parse(await res.text()).urlset.url ?? []) as { loc: string }[];
      expect(urls.length).toBeLessThanOrEqual(4);
      all.push(...urls.map((u) => u.loc));
    }
    expect(all.length).toBe(11);
    expect(new Set(all).size).toBe(11);
    expect((await small.request('/sitemap.xml?part=nope')).status).toBe(404);
    expect((await small.request('/sitemap.xml?part=notes&from=abc')).status).toBe(404);
  });
});

describe('sitemap.xml stays current', () => {
  const locs = async () =>
    ((xml.parse(await (await t.get('/sitemap.xml')).text()).urlset.url ?? []) as { loc: string }[]).map(
      (u) => u.loc,
    );

  it('follows a new note, a page made hidden, and a scheduled note going live', async () => {
    t.notes.createNote({
      slug: 'later',
      content: 'Later',
      publishedAt: new Date('2026-11-27T13:00:00.000Z'),
    });
    const id = t.app.services.pages.create({
      title: 'About',
      slug: '',
      content: 'me',
      published: true,
      inMenu: false,
    });
    expect(await locs()).toEqual(['http://example.test/', 'http://example.test/about']);
    t.notes.createNote({ slug: 'now', content: 'Now' });
    expect(await locs()).toContain('http://example.test/notes/now');
    t.app.services.pages.update(id, {
      title: 'About',
      slug: 'about',
      content: 'me',
      published: false,
      inMenu: false,
    });
    expect(await locs()).not.toContain('http://example.test/about');
    t.clock.advance(2 * 60 * 60 * 1000);
    expect(await locs()).toContain('http://example.test/notes/later');
  });
});

describe('favicon', () => {
  it('every page links /favicon.ico, which answers with the default icon', async () => {
    const html = await (await t.get('/')).text();
    expect(html).toContain('<link rel="icon" href="/favicon.ico"/>');
    expect(html).not.toContain('data:,');
    const res = await t.get('/favicon.ico');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
  });
});
