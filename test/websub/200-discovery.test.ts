/**
 * WebSub discovery (W3C WebSub §4): with WEBSUB_HUB set, the home page and every feed name the hub
 * and their own topic URL, in the HTTP Link header and inside the document (RSS atom:link, Atom
 * link, JSON Feed `hubs`); without it, nothing mentions a hub.
 */
import LinkHeader from 'http-link-header';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';

const HUB = 'https://hub.example/websub';
let t: TestApp;
beforeEach(() => {
  t = createTestApp({ WEBSUB_HUB: HUB });
  t.notes.createNote({ content: 'A note for the feeds.' });
});
afterEach(() => t.close());

function links(res: Response): LinkHeader {
  // Several Link headers arrive joined by ", " (Fetch), which the parser reads as one list.
  return LinkHeader.parse(res.headers.get('link') ?? '');
}

describe('Link headers', () => {
  it.each([
    ['/', 'http://example.test/'],
    ['/feed.rss', 'http://example.test/feed.rss'],
    ['/feed.xml', 'http://example.test/feed.rss'],
    ['/feed.atom', 'http://example.test/feed.atom'],
    ['/feed.json', 'http://example.test/feed.json'],
  ])('%s names the hub and its topic %s', async (path, self) => {
    const res = await t.get(path);
    expect(res.status).toBe(200);
    const l = links(res);
    expect(l.rel('hub').map((x) => x.uri)).toEqual([HUB]);
    expect(l.rel('self').map((x) => x.uri)).toEqual([self]);
  });

  it('the home page keeps its other discovery links', async () => {
    const l = links(await t.get('/'));
    expect(l.rel('micropub')).toHaveLength(1);
    expect(l.rel('webmention')).toHaveLength(1);
  });

  it('/feed names the topic of the format it chose', async () => {
    const res = await t.get('/feed', { accept: 'application/atom+xml' });
    expect(
      links(res)
        .rel('self')
        .map((x) => x.uri),
    ).toEqual(['http://example.test/feed.atom']);
  });

  it('a conditional request answered 304 names them too', async () => {
    const first = await t.get('/feed.json');
    const etag = first.headers.get('etag') ?? '';
    const again = await t.get('/feed.json', { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(
      links(again)
        .rel('hub')
        .map((x) => x.uri),
    ).toEqual([HUB]);
  });

  it('other pages (search) are no topics', async () => {
    const res = await t.get('/search?q=note');
    expect(links(res).rel('hub')).toHaveLength(0);
  });
});

describe('inside the feeds', () => {
  it('RSS carries atom:link rel="hub" beside rel="self"', async () => {
    const body = await (await t.get('/feed.rss')).text();
    expect(body).toContain(`<atom:link href="${HUB}" rel="hub"/>`);
    expect(body).toContain(
      '<atom:link href="http://example.test/feed.rss" rel="self" type="application/rss+xml"/>',
    );
  });

  it('Atom carries link rel="hub"', async () => {
    const body = await (await t.get('/feed.atom')).text();
    expect(body).toContain(`<link rel="hub" href="${HUB}"/>`);
  });

  it('JSON Feed carries hubs', async () => {
    const feed = (await (await t.get('/feed.json')).json()) as { hubs?: unknown };
    expect(feed.hubs).toEqual([{ type: 'WebSub', url: HUB }]);
  });
});

describe('without WEBSUB_HUB', () => {
  it('no page or feed mentions a hub', async () => {
    const plain = createTestApp();
    try {
      for (const path of ['/', '/feed.rss', '/feed.atom', '/feed.json']) {
        const res = await plain.get(path);
        expect(res.status).toBe(200);
        expect(links(res).rel('hub')).toHaveLength(0);
        expect(await res.text()).not.toMatch(/rel="hub"|"hubs"/);
      }
    } finally {
      plain.close();
    }
  });
});
