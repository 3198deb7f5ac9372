/**
 * Issue #16, item 10: the tag "first post" lived at /tag/first%20post and /tag/first-post was a
 * 404. Every tag now has one address (tagSlug: lower case, spaces and punctuation as hyphens,
 * + # & spelled out); other spellings answer 301 to it, and every link uses it. A tag only hidden
 * notes carry stays a 404 under every spelling (no redirect tells it exists).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeEach(() => {
  t = createTestApp();
});
afterEach(() => t.close());

/** Headers that may differ between two otherwise identical responses. */
const VOLATILE = new Set(['date', 'x-request-id']);

async function snapshot(path: string) {
  const res = await t.get(path);
  const kept = [...res.headers.entries()].filter(([k]) => !VOLATILE.has(k));
  return { status: res.status, headers: kept, body: await res.text() };
}

const tagLinks = (html: string) => [...html.matchAll(/class="p-category" href="([^"]+)"/g)].map((m) => m[1]);

describe('one address per tag', () => {
  it('a tag with a space lives at its hyphenated address, linked from every page', async () => {
    const note = t.notes.createNote({ name: 'Hello', content: 'Words', tags: ['first post', 'Café Crème'] });
    const page = await t.get('/tag/first-post');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Notes tagged “first post”');
    expect(html).toContain('Words');
    // The home page, the note's page and the tag page link the address form.
    for (const path of ['/', `/notes/${note.slug}`, '/tag/first-post']) {
      expect(tagLinks(await (await t.get(path)).text()), path).toEqual([
        '/tag/first-post',
        '/tag/caf%C3%A9-cr%C3%A8me',
      ]);
    }
    expect((await t.get('/tag/caf%C3%A9-cr%C3%A8me')).status).toBe(200);
  });

  it.each([
    ['/tag/first%20post', '/tag/first-post'],
    ['/tag/First%20Post', '/tag/first-post'],
    ['/tag/First-Post', '/tag/first-post'],
    ['/tag/first_post!', '/tag/first-post'],
    ['/tag/%23first%20post', '/tag/first-post'],
    ['/tag/first%20post?before=1796000000000-5', '/tag/first-post?before=1796000000000-5'],
    // Decomposed é (e + combining accent) and capitals: one address.
    ['/tag/CAFE%CC%81%20Cr%C3%A8me', '/tag/caf%C3%A9-cr%C3%A8me'],
  ])('%s answers 301 to %s', async (from, to) => {
    t.notes.createNote({ content: 'Words', tags: ['first post', 'Café Crème'] });
    const res = await t.get(from);
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe(to);
    expect((await t.get(to)).status).toBe(200);
  });

  it('tags that differ only in spacing, case or punctuation share one page', async () => {
    t.notes.createNote({ content: 'Older, spelled with a space', tags: ['first post'] });
    t.clock.advance(1000);
    t.notes.createNote({ content: 'Newer, spelled with a hyphen', tags: ['First-Post'] });
    const html = await (await t.get('/tag/first-post')).text();
    expect(html).toContain('Older, spelled with a space');
    expect(html).toContain('Newer, spelled with a hyphen');
    // The heading takes the oldest public note's spelling.
    expect(html).toContain('Notes tagged “first post”');
    // A note carrying both spellings keeps the first and is listed once.
    const both = t.notes.createNote({ content: 'Both spellings', tags: ['first post', 'FIRST-POST'] });
    expect(both.tags.map((x) => x.name)).toEqual(['first post']);
  });

  it('C, C++ and C# stay three tags', async () => {
    t.notes.createNote({ content: 'About C', tags: ['C'] });
    t.notes.createNote({ content: 'About C++', tags: ['C++'] });
    t.notes.createNote({ content: 'About C#', tags: ['C#'] });
    for (const [path, text, not] of [
      ['/tag/c', 'About C<', ['About C++', 'About C#']],
      ['/tag/c-plus-plus', 'About C++', ['About C<', 'About C#']],
      ['/tag/c-sharp', 'About C#', ['About C<', 'About C++']],
    ] as const) {
      const html = await (await t.get(path)).text();
      expect(html, path).toContain(text);
      for (const n of not) expect(html, path).not.toContain(n);
    }
    const res = await t.get('/tag/C%2B%2B');
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('/tag/c-plus-plus');
  });

  it('the next-page link of a long tag page uses the address form', async () => {
    for (let i = 0; i < 21; i++) {
      t.notes.createNote({ content: `Note ${i}`, tags: ['Long List'] });
      t.clock.advance(1000);
    }
    const html = await (await t.get('/tag/long-list')).text();
    expect(html).toMatch(/href="\/tag\/long-list\?before=\d+-\d+"/);
  });
});

describe('a tag only hidden notes carry is unknown under every spelling', () => {
  it.each([
    ['a private note', { visibility: 'private' as const }],
    ['a draft', { published: false }],
    ['a scheduled note', { publishedAt: new Date('2027-01-01T00:00:00Z') }],
  ])('%s: 404 like a tag nobody used, never a redirect', async (_what, extra) => {
    t.notes.createNote({ content: 'public', tags: ['open'] });
    t.notes.createNote({ content: 'hidden', tags: ['Secret Plan'], ...extra });
    const unknown = await snapshot('/tag/never-used');
    expect(unknown.status).toBe(404);
    for (const path of [
      '/tag/secret-plan',
      '/tag/Secret%20Plan',
      '/tag/secret%20plan?before=1796000000000-5',
    ]) {
      const hidden = await snapshot(path);
      expect(hidden.status, path).toBe(404);
      expect(hidden.headers.find(([k]) => k === 'location')).toBeUndefined();
      expect(hidden.body).toBe(unknown.body);
    }
  });

  it('a hidden note sharing the address of a public tag adds nothing to its page', async () => {
    t.notes.createNote({ content: 'Seen by all', tags: ['Plans'] });
    t.notes.createNote({ content: 'Private words', tags: ['plans!'], visibility: 'private' });
    const html = await (await t.get('/tag/plans')).text();
    expect(html).toContain('Seen by all');
    expect(html).not.toContain('Private words');
    expect(html).toContain('Notes tagged “Plans”');
  });
});
