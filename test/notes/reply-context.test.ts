/**
 * Issue 16 item 14: a like, bookmark, repost or reply shows what it responds to. The page it
 * cites is fetched after the note is published (never while the save waits), through the app's
 * injected fetch, its h-entry name and author (or its <title>) kept in reply_contexts and shown
 * as an h-cite; a page that cannot be read leaves the URL shown as it is.
 * Real loopback servers play the cited sites (test/helpers/remote.ts).
 */
import type http from 'node:http';
import { mf2 } from 'microformats-parser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { openDatabase } from '../../src/db/open.js';
import { silentLogger } from '../../src/logger.js';
import { FETCH_JOB } from '../../src/reply-context/service.js';
import { createTestApp, hostsFetch, type TestApp } from '../helpers/app.js';
import { type RemoteSite, startRemote } from '../helpers/remote.js';

type Item = { type: string[]; properties: Record<string, unknown[]>; value?: unknown };

let t: TestApp;
let remote: RemoteSite;
let token: string;
let hits: string[];
let agents: (string | undefined)[];
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
  <a class="u-url" href="https://remote.example/post">link</a>
</article>`;

beforeEach(async () => {
  hits = [];
  agents = [];
  pages = {};
  remote = await startRemote((req, _body, res) => {
    hits.push(req.url ?? '');
    agents.push(req.headers['user-agent']);
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
    scope: 'create update',
    expiresInSeconds: null,
  }).token;
});
afterEach(async () => {
  await t.app.services.replyContexts.settled();
  t.close();
  await remote.close();
});

async function publish(properties: Record<string, unknown[]>): Promise<string> {
  const res = await t.request('/micropub', {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ type: ['h-entry'], properties }),
  });
  expect(res.status).toBe(201);
  return new URL(res.headers.get('location')!).pathname;
}

async function entryOf(path: string): Promise<{ html: string; title: string; entry: Item }> {
  const res = await t.get(path);
  expect(res.status).toBe(200);
  const text = await res.text();
  const parsed = mf2(text, { baseUrl: 'http://example.test/' }) as unknown as { items: Item[] };
  const entry = parsed.items.find((i) => i.type.includes('h-entry'))!;
  return { html: text, title: /<title>([^<]*)<\/title>/.exec(text)![1]!, entry };
}

describe('reply context', () => {
  it('shows a like as an h-cite with the h-entry name and author, and names the page after it', async () => {
    pages['/post'] = html(ENTRY, 'Remote site · every page has this title');
    const path = await publish({ 'like-of': ['https://remote.example/post'] });
    await t.app.services.replyContexts.settled();
    expect(hits).toEqual(['/post']);

    const { title, entry } = await entryOf(path);
    expect(title).toBe('Liked A fine post &amp; more · Test Site');
    const cite = entry.properties['like-of']![0] as Item;
    expect(cite.type).toEqual(['h-cite']);
    expect(cite.value).toBe('https://remote.example/post');
    expect(cite.properties.name).toEqual(['A fine post & more']);
    expect(cite.properties.url).toEqual(['https://remote.example/post']);
    const author = cite.properties.author![0] as Item;
    expect(author.type).toEqual(['h-card']);
    expect(author.properties.name).toEqual(['Grace Hopper']);
    expect(author.properties.url).toEqual(['https://grace.example/']);
    // q=source still gives back exactly what the client sent.
    const source = (await (
      await t.get(`/micropub?q=source&url=${encodeURIComponent(`http://example.test${path}`)}`, {
        Authorization: `Bearer ${token}`,
      })
    ).json()) as { properties: Record<string, unknown[]> };
    expect(source.properties['like-of']).toEqual(['https://remote.example/post']);
  });

  it('never makes the save wait: the note is created while the cited site has not answered', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    pages['/slow'] = (res) => {
      void held.then(() => html(ENTRY)(res));
    };
    const path = await publish({ 'in-reply-to': ['https://remote.example/slow'], content: ['Agreed!'] });
    // The note was answered 201 before the page was asked for; its read is a queued job, run here
    // as `serve`'s runner would run it.
    expect(hits).toEqual([]);
    const read = t.app.services.replyContexts.settled();
    // The request reached the site and still waits for it.
    await expect.poll(() => hits).toEqual(['/slow']);
    const before = await entryOf(path);
    expect(before.entry.properties['in-reply-to']).toEqual(['https://remote.example/slow']);
    expect(before.title).toBe('Reply to https://remote.example/slow · Test Site');

    release();
    await read;
    // The cached page was rendered for the note's old revision: the context moved it on.
    const after = await entryOf(path);
    expect(after.title).toBe('Reply to A fine post &amp; more · Test Site');
    const cite = after.entry.properties['in-reply-to']![0] as Item;
    expect(cite.properties.name).toEqual(['A fine post & more']);
    expect(after.html).toContain('Agreed!');
  });

  it('falls back to <title>, and to the start of the text of an untitled h-entry', async () => {
    pages['/plain'] = html('<p>No microformats here.</p>', 'Plain &lt;page&gt; title');
    pages['/note'] = html(
      '<div class="h-entry"><p class="e-content">Just a short note from someone, no title at all.</p></div>',
      'Site name',
    );
    const plain = await publish({ 'bookmark-of': ['https://remote.example/plain'] });
    const note = await publish({ 'repost-of': ['https://remote.example/note'] });
    await t.app.services.replyContexts.settled();
    expect((await entryOf(plain)).title).toBe('Bookmarked Plain &lt;page&gt; title · Test Site');
    const repost = await entryOf(note);
    expect(repost.title).toBe('Reposted Just a short note from someone, no title at all. · Test Site');
    const cite = repost.entry.properties['repost-of']![0] as Item;
    expect(cite.properties.author).toBeUndefined();
  });

  it('leaves the URL as it is when the page cannot be read (404, not HTML), and says so in the cache', async () => {
    pages['/data.json'] = (res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"title":"no"}');
    };
    const missing = await publish({ 'like-of': ['https://remote.example/gone'] });
    const json = await publish({ 'like-of': ['https://remote.example/data.json'] });
    await t.app.services.replyContexts.settled();
    for (const [path, url] of [
      [missing, 'https://remote.example/gone'],
      [json, 'https://remote.example/data.json'],
    ] as const) {
      const { title, entry } = await entryOf(path);
      expect(title).toBe(`Liked ${url} · Test Site`);
      expect(entry.properties['like-of']).toEqual([url]);
    }
    const rows = t.db.prepare('SELECT url, status, error FROM reply_contexts ORDER BY url').all();
    expect(rows).toEqual([
      {
        url: 'https://remote.example/data.json',
        status: 'failed',
        error: expect.stringMatching(/not an HTML page/),
      },
      { url: 'https://remote.example/gone', status: 'failed', error: 'answered 404' },
    ]);
  });

  it('fetches each page once (cached), and nothing for drafts', async () => {
    pages['/post'] = html(ENTRY);
    await publish({ 'like-of': ['https://remote.example/post'] });
    await t.app.services.replyContexts.settled();
    const second = await publish({ 'bookmark-of': ['https://remote.example/post'] });
    await publish({ 'like-of': ['https://remote.example/draft-only'], 'post-status': ['draft'] });
    await t.app.services.replyContexts.settled();
    expect(hits).toEqual(['/post']);
    expect((await entryOf(second)).title).toBe('Bookmarked A fine post &amp; more · Test Site');
  });

  it('uses the h-cite a client sent instead of fetching', async () => {
    const path = await publish({
      'in-reply-to': [
        {
          type: ['h-cite'],
          properties: {
            url: ['https://remote.example/cited'],
            name: ['Described by the client'],
            author: [{ type: ['h-card'], properties: { name: ['Ada'], url: ['https://ada.example/'] } }],
          },
        },
      ],
      content: ['Reply text'],
    });
    await t.app.services.replyContexts.settled();
    expect(hits).toEqual([]);
    const { title, entry } = await entryOf(path);
    expect(title).toBe('Reply to Described by the client · Test Site');
    const cite = entry.properties['in-reply-to']![0] as Item;
    expect(cite.properties.name).toEqual(['Described by the client']);
    expect((cite.properties.author![0] as Item).properties.name).toEqual(['Ada']);
  });

  it('a page that cannot be read for now (503) is read again when the site asked, and the request names StarPunk', async () => {
    pages['/busy'] = (res) => {
      res.writeHead(503, { 'Content-Type': 'text/plain', 'Retry-After': '120' });
      res.end('busy');
    };
    const path = await publish({ 'like-of': ['https://remote.example/busy'] });
    await t.app.services.replyContexts.settled();
    expect(agents).toEqual(['StarPunk/0.0.0-test (reply context; +http://example.test/)']);
    const [job] = t.app.services.jobs.list({ kind: FETCH_JOB });
    expect(job).toMatchObject({ state: 'queued', lastError: expect.stringMatching(/answered 503/) });
    expect(job!.runAt.getTime() - t.clock.now().getTime()).toBeGreaterThanOrEqual(120_000);
    expect((await entryOf(path)).title).toBe('Liked https://remote.example/busy · Test Site');

    pages['/busy'] = html(ENTRY);
    t.clock.advance(120_000);
    await t.app.services.replyContexts.settled();
    expect(hits).toEqual(['/busy', '/busy']);
    expect((await entryOf(path)).title).toBe('Liked A fine post &amp; more · Test Site');
  });

  it('a read queued before a restart is done after it', async () => {
    // The cited site is down while the first process runs; it stops before anything retries.
    pages['/post'] = (res) => {
      res.writeHead(503, { 'Content-Type': 'text/plain' });
      res.end('down');
    };
    const path = await publish({ 'like-of': ['https://remote.example/post'] });
    t.db.close();

    // The site is back; a new process opens the same data directory and starts its job runner.
    pages['/post'] = html(ENTRY);
    const db = openDatabase(t.config.databasePath);
    const app = buildApp({
      config: t.config,
      db,
      clock: t.clock,
      logger: silentLogger(),
      version: '0.0.0-test',
      secret: 'test-secret-test-secret-test-secret',
      fetch: hostsFetch({ 'remote.example': remote.url }),
    });
    const first = t;
    t = {
      ...first,
      app,
      db,
      get: (p, headers = {}) => Promise.resolve(app.request(`http://example.test${p}`, { headers })),
      request: (p, init = {}) => Promise.resolve(app.request(`http://example.test${p}`, init)),
      close: () => {
        db.close();
        first.close();
      },
    };
    app.services.runner.start();
    try {
      await expect
        .poll(() =>
          db
            .prepare('SELECT status FROM reply_contexts WHERE url = ?')
            .pluck()
            .get('https://remote.example/post'),
        )
        .toBe('ok');
    } finally {
      await app.services.runner.stop();
    }
    expect((await entryOf(path)).title).toBe('Liked A fine post &amp; more · Test Site');
  });
});
