/**
 * Issue 20 defect 4: a like, bookmark, repost or reply carries what it responds to in every feed,
 * as the note's own page does (views/entry.tsx): a title naming the kind and the page ("Liked A
 * fine post"), content opening with a link to that page, Atom's thr:in-reply-to (RFC 4685) for a
 * reply, and JSON Feed's external_url for a like, bookmark or repost. The page's title comes from
 * the reply context when it was read; a page that cannot be read is named by its address.
 * Notes are published through Micropub; a real loopback server plays the cited site.
 */
import type http from 'node:http';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { type RemoteSite, startRemote } from '../helpers/remote.js';

const THREAD_NS = 'http://purl.org/syndication/thread/1.0';

type Attrs = Record<string, string>;
type XmlNode = Record<string, unknown>;

let t: TestApp;
let remote: RemoteSite;
let token: string;
/** The remote site's pages by path; a function may hold its answer back. */
let pages: Record<string, (res: http.ServerResponse) => void>;

const html =
  (body: string, title = 'Page title') =>
  (res: http.ServerResponse) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><head><title>${title}</title></head><body>${body}</body></html>`);
  };

const ENTRY = `<article class="h-entry">
  <h1 class="p-name">A fine post &amp; more</h1>
  <a class="p-author h-card" href="https://grace.example/">Grace Hopper</a>
  <div class="e-content"><p>The body of the post, which is not its title.</p></div>
</article>`;

beforeEach(async () => {
  pages = {};
  remote = await startRemote((req, _body, res) => {
    const page = pages[req.url ?? ''];
    if (page) page(res);
    else {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not here');
    }
  });
  t = createTestApp({}, undefined, { hosts: { 'remote.example': remote.url } });
  token = t.app.services.tokens.mintToken({
    me: t.config.adminMe,
    clientId: 'https://client.example/',
    scope: 'create',
    expiresInSeconds: null,
  }).token;
});
afterEach(async () => {
  await t.app.services.replyContexts.settled();
  t.close();
  await remote.close();
});

/** Publishes a note through Micropub and returns its absolute URL. */
async function publish(properties: Record<string, unknown[]>): Promise<string> {
  const res = await t.request('/micropub', {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ type: ['h-entry'], properties }),
  });
  expect(res.status).toBe(201);
  t.clock.advance(60_000);
  return res.headers.get('location')!;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  isArray: (name, jpath) =>
    ['item', 'entry', 'thr:in-reply-to'].includes(name) || jpath === 'feed.entry.link',
});

/** A feed's body after checking it answers 200 and is well-formed. */
async function body(path: string): Promise<string> {
  const res = await t.get(path);
  expect(res.status).toBe(200);
  const text = await res.text();
  if (path.endsWith('.json')) expect(() => JSON.parse(text)).not.toThrow();
  else expect(XMLValidator.validate(text)).toBe(true);
  return text;
}

const text = (v: unknown) => (typeof v === 'object' && v !== null ? (v as { '#text': string })['#text'] : v);

/** Each feed's item for the note at `url`, reduced to what the tests look at. */
async function items(url: string) {
  const rss = parser.parse(await body('/feed.rss')) as { rss: { channel: { item: XmlNode[] } } & Attrs };
  const atom = parser.parse(await body('/feed.atom')) as { feed: { entry: XmlNode[] } & Attrs };
  const json = JSON.parse(await body('/feed.json')) as { items: Record<string, unknown>[] };
  const rssItem = rss.rss.channel.item.find((i) => i.link === url)!;
  const atomEntry = atom.feed.entry.find((e) => e.id === url)!;
  const jsonItem = json.items.find((i) => i.id === url)!;
  expect(rssItem && atomEntry && jsonItem).toBeTruthy();
  return {
    rssRoot: rss.rss as unknown as Attrs,
    atomRoot: atom.feed as unknown as Attrs,
    rss: {
      title: rssItem.title as string,
      content: rssItem.description as string,
      inReplyTo: (rssItem['thr:in-reply-to'] ?? []) as Attrs[],
    },
    atom: {
      title: text(atomEntry.title) as string,
      content: text(atomEntry.content) as string,
      links: atomEntry.link as Attrs[],
      inReplyTo: (atomEntry['thr:in-reply-to'] ?? []) as Attrs[],
    },
    json: jsonItem,
  };
}

describe('feeds: likes, bookmarks, reposts and replies keep their subject', () => {
  it('a like names the page it likes, by its title and author, in RSS, Atom and JSON Feed', async () => {
    pages['/post'] = html(ENTRY, 'Remote site');
    const like = await publish({ 'like-of': ['https://remote.example/post'] });
    await t.app.services.replyContexts.settled();

    const f = await items(like);
    const title = 'Liked A fine post & more';
    expect(f.rss.title).toBe(title);
    expect(f.atom.title).toBe(title);
    expect(f.json.title).toBe(title);
    const paragraph =
      '<p>Liked <a href="https://remote.example/post">A fine post &amp; more</a> by ' +
      '<a href="https://grace.example/">Grace Hopper</a></p>';
    expect(f.rss.content).toBe(paragraph);
    expect(f.atom.content).toBe(paragraph);
    expect(f.json.content_html).toBe(paragraph);
    expect(f.json.external_url).toBe('https://remote.example/post');
    expect(f.atom.links).toContainEqual({ rel: 'related', href: 'https://remote.example/post' });
    // A like is not a reply.
    expect(f.atom.inReplyTo).toEqual([]);
    expect(f.rss.inReplyTo).toEqual([]);
  });

  it('a bookmark of a page that cannot be read is named by its address, which it links', async () => {
    const bookmark = await publish({
      'bookmark-of': ['https://remote.example/gone/page?id=7'],
      content: ['Worth reading, 5 > 3.'],
    });
    await t.app.services.replyContexts.settled();

    const f = await items(bookmark);
    const title = 'Bookmarked remote.example/gone/page?id=7';
    expect(f.rss.title).toBe(title);
    expect(f.atom.title).toBe(title);
    expect(f.json.title).toBe(title);
    const link =
      '<p>Bookmarked <a href="https://remote.example/gone/page?id=7">https://remote.example/gone/page?id=7</a></p>';
    for (const content of [f.rss.content, f.atom.content, f.json.content_html as string]) {
      // The subject first, then the note's own text.
      expect(content.startsWith(link)).toBe(true);
      expect(content).toContain('Worth reading, 5 &gt; 3.');
    }
    expect(f.json.external_url).toBe('https://remote.example/gone/page?id=7');
    expect(f.atom.links).toContainEqual({
      rel: 'related',
      href: 'https://remote.example/gone/page?id=7',
    });
  });

  it('a repost names the page it reposts, and the feeds follow when the context arrives later', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    pages['/slow'] = (res) => {
      void held.then(() => html('<p>No microformats.</p>', 'A slow &lt;page&gt;')(res));
    };
    const repost = await publish({ 'repost-of': ['https://remote.example/slow'] });

    const before = await items(repost);
    expect(before.rss.title).toBe('Reposted remote.example/slow');
    expect(before.json.external_url).toBe('https://remote.example/slow');

    release();
    await t.app.services.replyContexts.settled();
    const after = await items(repost);
    expect(after.rss.title).toBe('Reposted A slow <page>');
    expect(after.atom.title).toBe('Reposted A slow <page>');
    expect(after.json.title).toBe('Reposted A slow <page>');
    expect(after.atom.content).toBe(
      '<p>Reposted <a href="https://remote.example/slow">A slow &lt;page&gt;</a></p>',
    );
    expect(after.json.external_url).toBe('https://remote.example/slow');
  });

  it('a reply says what it replies to, with thr:in-reply-to in Atom and RSS, then its own text', async () => {
    pages['/post'] = html(ENTRY);
    const reply = await publish({ 'in-reply-to': ['https://remote.example/post'], content: ['Agreed!'] });
    const plain = await publish({ content: ['Just a note, replying to nothing.'] });
    await t.app.services.replyContexts.settled();

    const f = await items(reply);
    expect(f.atomRoot['xmlns:thr']).toBe(THREAD_NS);
    expect(f.rssRoot['xmlns:thr']).toBe(THREAD_NS);
    const title = 'Reply to A fine post & more';
    expect(f.rss.title).toBe(title);
    expect(f.atom.title).toBe(title);
    expect(f.json.title).toBe(title);
    const target = { ref: 'https://remote.example/post', href: 'https://remote.example/post' };
    expect(f.atom.inReplyTo).toEqual([target]);
    expect(f.rss.inReplyTo).toEqual([target]);
    const context =
      '<p>In reply to <a href="https://remote.example/post">A fine post &amp; more</a> by ' +
      '<a href="https://grace.example/">Grace Hopper</a></p>';
    for (const content of [f.rss.content, f.atom.content, f.json.content_html as string]) {
      expect(content.startsWith(context)).toBe(true);
      expect(content).toContain('Agreed!');
    }
    // A reply is not a link post: it has no external_url.
    expect(f.json.external_url).toBeUndefined();

    // A note that responds to nothing is as it was: its text for a title, no thread, no external_url.
    const p = await items(plain);
    expect(p.rss.title).toBe('Just a note, replying to nothing.');
    expect(p.atom.inReplyTo).toEqual([]);
    expect(p.atom.links.filter((l) => l.rel === 'related')).toEqual([]);
    expect(p.json.title).toBeUndefined();
    expect(p.json.external_url).toBeUndefined();
  });
});
