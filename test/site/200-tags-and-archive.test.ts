/**
 * Issue 25 item 13: a tag index (/tags) and an archive by month (/archive, /archive/YYYY/MM),
 * linked from every page's footer, paginated, counting only what a visitor may see (no drafts,
 * private, unlisted, trashed or scheduled notes), months in the site's time zone, cached like the
 * other public pages and changed by the next write, in the sitemap.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TAGS_PER_PAGE } from '../../src/routes/site/archive.js';
import { signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { parseWithMf2py, saveSettings } from '../helpers/settings.js';

let t: TestApp;
beforeEach(() => {
  t = createTestApp();
});
afterEach(() => t.close());

const at = (iso: string) => new Date(iso);
const text = async (path: string) => {
  const res = await t.get(path);
  expect(res.status, path).toBe(200);
  return res.text();
};

describe('the tag index', () => {
  it('lists each tag public notes carry, by name, with its count; hidden notes count for nothing', async () => {
    t.notes.createNote({ content: 'a', tags: ['Zebra', 'apple'] });
    t.notes.createNote({ content: 'b', tags: ['apple', 'Mango Tree'] });
    t.notes.createNote({ content: 'draft', tags: ['secret-draft', 'apple'], published: false });
    t.notes.createNote({ content: 'private', tags: ['secret-private'], visibility: 'private' });
    t.notes.createNote({ content: 'unlisted', tags: ['secret-unlisted'], visibility: 'unlisted' });
    t.notes.createNote({ content: 'later', tags: ['secret-later'], publishedAt: at('2027-01-01T00:00:00Z') });
    const trashed = t.notes.createNote({ content: 'trash', tags: ['secret-trash'] });
    t.notes.trashNote(trashed.id);

    const html = await text('/tags');
    const items = [
      ...html.matchAll(/<li><a href="([^"]+)">([^<]+)<\/a> <span class="count">(\d+)<\/span><\/li>/g),
    ].map((m) => [m[1], m[2], Number(m[3])]);
    expect(items).toEqual([
      ['/tag/apple', 'apple', 2],
      ['/tag/mango-tree', 'Mango Tree', 1],
      ['/tag/zebra', 'Zebra', 1],
    ]);
    expect(html).not.toContain('secret');
    expect(html).toContain('<link rel="canonical" href="http://example.test/tags"/>');

    // Cached like the other pages, and changed by the next write; a scheduled note's tag appears when it goes live.
    expect(await text('/tags')).toBe(html);
    t.notes.createNote({ content: 'c', tags: ['banana'] });
    expect(await text('/tags')).toContain('<a href="/tag/banana">banana</a>');
    t.clock.set('2027-01-02T00:00:00Z');
    expect(await text('/tags')).toContain('<a href="/tag/secret-later">secret-later</a>');
  });

  it('pages through many tags, 304 for a current copy, 404 past the last page, 400 for a bad number', async () => {
    const names = Array.from({ length: TAGS_PER_PAGE + 5 }, (_, i) => `tag${String(i).padStart(3, '0')}`);
    for (let i = 0; i < names.length; i += 50)
      t.notes.createNote({ content: `n${i}`, tags: names.slice(i, i + 50) });
    const first = await t.get('/tags');
    const html = await first.text();
    expect(html.match(/class="count"/g)).toHaveLength(TAGS_PER_PAGE);
    expect(html).toContain(`${TAGS_PER_PAGE + 5} tags`);
    expect(html).toContain('<a href="/tags?page=2" rel="next">More tags →</a>');
    const second = await text('/tags?page=2');
    expect(second.match(/class="count"/g)).toHaveLength(5);
    expect(second).toContain('<a href="/tags" rel="prev">← Previous tags</a>');
    expect(second).toContain('tag204');
    expect(first.headers.get('etag')).not.toBe((await t.get('/tags?page=2')).headers.get('etag'));
    expect((await t.get('/tags', { 'If-None-Match': first.headers.get('etag')! })).status).toBe(304);
    expect((await t.get('/tags?page=3')).status).toBe(404);
    expect((await t.get('/tags?page=0')).status).toBe(400);
    expect((await t.get('/tags?page=x')).status).toBe(400);
  });

  it('with no tags says so', async () => {
    expect(await text('/tags')).toContain('<p class="notice">No tags yet.</p>');
  });
});

describe('the archive by month', () => {
  it('lists the months with public notes by year, newest first, and each month its notes as an h-feed', async () => {
    t.notes.createNote({ slug: 'nov-a', content: 'November A', publishedAt: at('2026-11-02T10:00:00Z') });
    t.notes.createNote({ slug: 'nov-b', content: 'November B', publishedAt: at('2026-11-20T10:00:00Z') });
    t.notes.createNote({ slug: 'oct', content: 'October', publishedAt: at('2026-10-05T10:00:00Z') });
    t.notes.createNote({ slug: 'old', content: 'Long ago', publishedAt: at('2025-02-14T10:00:00Z') });
    t.notes.createNote({
      slug: 'hidden',
      content: 'Private',
      publishedAt: at('2026-09-01T10:00:00Z'),
      visibility: 'private',
    });
    t.notes.createNote({
      slug: 'draft',
      content: 'Draft',
      publishedAt: at('2026-08-01T10:00:00Z'),
      published: false,
    });
    t.notes.createNote({ slug: 'later', content: 'Later', publishedAt: at('2026-12-24T10:00:00Z') });

    const html = await text('/archive');
    const months = [
      ...html.matchAll(
        /<li><a href="(\/archive\/[^"]+)">(\w+)<\/a> <span class="count">(\d+ notes?)<\/span>/g,
      ),
    ].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
    expect(months).toEqual([
      '/archive/2026/11 November 2 notes',
      '/archive/2026/10 October 1 note',
      '/archive/2025/02 February 1 note',
    ]);
    expect(html.indexOf('<h2 id="y2026">2026</h2>')).toBeLessThan(html.indexOf('<h2 id="y2025">2025</h2>'));

    const nov = await text('/archive/2026/11');
    expect(nov).toContain('<title>November 2026 · Test Site</title>');
    expect(nov.indexOf('November B')).toBeLessThan(nov.indexOf('November A'));
    expect(nov).not.toContain('October');
    const mf = parseWithMf2py(nov, 'http://example.test/archive/2026/11');
    const feed = mf.items.find((i) => i.type.includes('h-feed'))!;
    expect(feed.properties.name).toEqual(['November 2026']);
    expect((feed.children as { type: string[] }[]).filter((c) => c.type.includes('h-entry'))).toHaveLength(2);

    // Months without public notes, and addresses that are not months, do not exist.
    for (const path of [
      '/archive/2026/09',
      '/archive/2026/08',
      '/archive/2026/12',
      '/archive/2026/13',
      '/archive/26/11',
      '/archive/2026/1',
    ])
      expect((await t.get(path)).status, path).toBe(404);

    // The scheduled note goes live: its month appears (the cache ends with its time).
    t.clock.set('2026-12-25T00:00:00Z');
    expect(await text('/archive')).toContain('<a href="/archive/2026/12">December</a>');
    expect(await text('/archive/2026/12')).toContain('Later');
  });

  it('pages a long month by cursor', async () => {
    const perPage = 20;
    for (let i = 0; i < perPage + 3; i++)
      t.notes.createNote({
        content: `Entry ${i}`,
        publishedAt: at(`2026-10-${String(i + 1).padStart(2, '0')}T10:00:00Z`),
      });
    const first = await text('/archive/2026/10');
    expect(first.match(/class="h-entry entry"/g)).toHaveLength(perPage);
    const next = /href="(\/archive\/2026\/10\?before=[^"]+)" rel="next"/.exec(first)![1]!;
    const second = await text(next);
    expect(second.match(/class="h-entry entry"/g)).toHaveLength(3);
    expect(second).toContain('Entry 0');
    expect((await t.get('/archive/2026/10?before=nonsense')).status).toBe(400);
  });

  it('months are the site time zone’s, and follow a change of it', async () => {
    // 23:30 UTC on 31 October is already 1 November in Berlin.
    t.notes.createNote({ slug: 'edge', content: 'At the edge', publishedAt: at('2026-10-31T23:30:00Z') });
    expect(await text('/archive')).toContain('/archive/2026/10');
    const admin = await signIn(t);
    expect((await saveSettings(t, admin, { time_zone: 'Europe/Berlin' })).status).toBe(303);
    const html = await text('/archive');
    expect(html).toContain('<a href="/archive/2026/11">November</a>');
    expect(html).not.toContain('/archive/2026/10');
    expect(await text('/archive/2026/11')).toContain('At the edge');
    expect((await t.get('/archive/2026/10')).status).toBe(404);
  });
});

describe('linked and listed', () => {
  it('every page links Tags and Archive in the footer; the sitemap lists the index, the archive and its months', async () => {
    t.notes.createNote({
      slug: 'n',
      content: 'A note',
      tags: ['x'],
      publishedAt: at('2026-11-02T10:00:00Z'),
    });
    for (const path of [
      '/',
      '/notes/n',
      '/tag/x',
      '/tags',
      '/archive',
      '/archive/2026/11',
      '/follow',
      '/search',
    ]) {
      const html = await text(path);
      expect(html, path).toContain(
        '<nav class="footer-nav" aria-label="Browse"><ul><li><a href="/tags">Tags</a></li><li><a href="/archive">Archive</a></li></ul></nav>',
      );
    }
    const sitemap = await text('/sitemap.xml');
    for (const loc of [
      'http://example.test/tags',
      'http://example.test/archive',
      'http://example.test/archive/2026/11',
    ])
      expect(sitemap).toContain(`<loc>${loc}</loc>`);
  });
});
