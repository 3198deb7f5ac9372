/**
 * Hostile Webmention sources (W3C Webmention §4): a receiver fetches whatever URL a stranger names,
 * so the fetch is bounded in size, time and redirects, refuses private addresses (through the real
 * SSRF-safe fetch), and nothing the source contains reaches the page as markup or script.
 */
import type http from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createJobQueue, createJobRunner } from '../../src/jobs/queue.js';
import { createSafeFetch, type FetchLike } from '../../src/outbound/safe-fetch.js';
import { createWebmentionReceiver, type ReceiveLimits } from '../../src/webmention/receive.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { type RemoteSite, startRemote } from '../helpers/remote.js';
import { publishNote, replyPage } from '../helpers/webmention.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
const routes = new Map<string, Handler>();
let remote: RemoteSite;
let t: TestApp;
beforeAll(async () => {
  remote = await startRemote((req, _body, res) => {
    const h = routes.get(req.url ?? '/');
    if (h) h(req, res);
    else res.writeHead(404).end();
  });
});
afterAll(() => remote.close());
beforeEach(() => {
  routes.clear();
  t = createTestApp();
});
afterEach(() => t.close());

const HOST = 'evil.example';
const page = (path: string) => `http://${HOST}${path}`;

/** Maps HOST to the loopback server (as DNS would), everything else to `rest`. */
function mapped(rest: FetchLike): FetchLike {
  return (url, init) => {
    const u = new URL(url);
    if (u.host !== HOST) return rest(url, init);
    return globalThis.fetch(new URL(`${u.pathname}${u.search}`, remote.url), init);
  };
}

const TIGHT: Partial<ReceiveLimits> = {
  verifyAttempts: 1,
  fetch: { maxBytes: 256 * 1024, timeoutMs: 800, maxRedirects: 5 },
};

/** A receiver on the test app's database with its own queue and runner, `fetch` and `limits`. */
function receiverWith(fetch: FetchLike, limits: Partial<ReceiveLimits> = TIGHT) {
  const jobs = createJobQueue({ db: t.db, clock: t.clock });
  const receiver = createWebmentionReceiver({
    db: t.db,
    clock: t.clock,
    siteUrl: t.config.siteUrl,
    notes: t.notes,
    jobs,
    fetch,
    limits,
  });
  const runner = createJobRunner({ queue: jobs, kinds: receiver.jobKinds });
  return {
    receiver,
    /** Receives source → target, runs the verification, returns the stored row. */
    async verify(source: string, target: string) {
      receiver.receive({ source, target });
      await runner.drain();
      return receiver.store.findWebmention(source, target)!;
    },
  };
}

describe('sources that try to exhaust the receiver', () => {
  it('a huge source is cut off at the byte limit (declared or streamed)', async () => {
    const note = publishNote(t);
    routes.set('/declared', (_q, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Length': String(10 * 1024 * 1024) });
      res.write(`<a href="${note.url}">x</a>`);
      // Never sends the rest: the declared length alone is refused.
    });
    let sent = 0;
    routes.set('/streamed', (_q, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      const chunk = `<p>${'x'.repeat(16 * 1024)}</p>`;
      const more = () => {
        while (sent < 50 * 1024 * 1024 && res.write(chunk)) sent += chunk.length;
        if (sent < 50 * 1024 * 1024) res.once('drain', more);
        else res.end(`<a href="${note.url}">x</a>`);
      };
      more();
    });
    const r = receiverWith(mapped(globalThis.fetch));
    for (const path of ['/declared', '/streamed']) {
      const row = await r.verify(page(path), note.url);
      expect(row, path).toMatchObject({
        state: 'rejected',
        detail: expect.stringMatching(/larger than 262144 bytes/),
      });
    }
    // It stopped reading long before the end.
    expect(sent).toBeLessThan(20 * 1024 * 1024);
  });

  it('a slow source (headers never come, or the body trickles) hits the time limit', async () => {
    const note = publishNote(t);
    routes.set('/silent', () => {
      // Accepts the request and never answers.
    });
    const timers: NodeJS.Timeout[] = [];
    routes.set('/trickle', (_q, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      timers.push(setInterval(() => res.write(' '), 50));
    });
    const r = receiverWith(mapped(globalThis.fetch));
    for (const path of ['/silent', '/trickle']) {
      const started = Date.now();
      const row = await r.verify(page(path), note.url);
      expect(row, path).toMatchObject({ state: 'rejected', detail: expect.stringMatching(/took too long/) });
      expect(Date.now() - started, path).toBeLessThan(5000);
    }
    for (const x of timers) clearInterval(x);
  });

  it('a redirect loop is refused after the redirect limit; one redirect is followed (§3.2.2)', async () => {
    const note = publishNote(t);
    routes.set('/loop-a', (_q, res) => res.writeHead(302, { Location: '/loop-b' }).end());
    routes.set('/loop-b', (_q, res) => res.writeHead(302, { Location: '/loop-a' }).end());
    routes.set('/moved', (_q, res) => res.writeHead(301, { Location: '/here' }).end());
    routes.set('/here', (_q, res) =>
      res.writeHead(200, { 'Content-Type': 'text/html' }).end(replyPage(note.url)),
    );
    const r = receiverWith(mapped(globalThis.fetch));
    expect(await r.verify(page('/loop-a'), note.url)).toMatchObject({
      state: 'rejected',
      detail: expect.stringMatching(/more than 5 redirects/),
    });
    expect(await r.verify(page('/moved'), note.url)).toMatchObject({ state: 'verified', kind: 'reply' });
  });

  it('a source that is not a document (an image) is refused', async () => {
    const note = publishNote(t);
    routes.set('/img', (_q, res) => res.writeHead(200, { 'Content-Type': 'image/png' }).end(note.url));
    const r = receiverWith(mapped(globalThis.fetch));
    expect(await r.verify(page('/img'), note.url)).toMatchObject({ state: 'rejected', detail: /image\/png/ });
  });
});

describe('private addresses, refused by the real safe fetch', () => {
  it('a source on loopback is never fetched', async () => {
    const note = publishNote(t);
    let hit = false;
    routes.set('/internal', (_q, res) => {
      hit = true;
      res.writeHead(200, { 'Content-Type': 'text/html' }).end(replyPage(note.url));
    });
    const r = receiverWith(createSafeFetch({ timeoutMs: 2000 }));
    const port = new URL(remote.url).port;
    for (const source of [
      `http://127.0.0.1:${port}/internal`,
      `http://localhost:${port}/internal`,
      `http://[::1]:${port}/internal`,
    ]) {
      const row = await r.verify(source, note.url);
      expect(row, source).toMatchObject({ state: 'rejected', detail: expect.stringMatching(/refusing/) });
    }
    expect(hit).toBe(false);
  });

  it('a public source that redirects to a private address is stopped at the redirect', async () => {
    const note = publishNote(t);
    let hit = false;
    const port = new URL(remote.url).port;
    routes.set('/to-internal', (_q, res) =>
      res.writeHead(302, { Location: `http://127.0.0.1:${port}/internal` }).end(),
    );
    routes.set('/internal', (_q, res) => {
      hit = true;
      res.writeHead(200, { 'Content-Type': 'text/html' }).end(replyPage(note.url));
    });
    // The first hop is "public" (mapped like DNS would); every other hop goes through the real safe fetch.
    const r = receiverWith(mapped(createSafeFetch({ timeoutMs: 2000 })));
    const row = await r.verify(page('/to-internal'), note.url);
    expect(row).toMatchObject({
      state: 'rejected',
      detail: expect.stringMatching(/private address 127\.0\.0\.1/),
    });
    expect(hit).toBe(false);
  });
});

describe('sources that try to inject markup or fake a link', () => {
  it('script and markup in content, author name and URLs never reach the page', async () => {
    const note = publishNote(t, 'Target', 'target');
    routes.set('/xss', (_q, res) =>
      res.writeHead(200, { 'Content-Type': 'text/html' }).end(`<html><body><div class="h-entry">
        <div class="p-author h-card"><span class="p-name">&lt;script&gt;alert('name')&lt;/script&gt;</span>
          <a class="u-url" href="javascript:alert('url')">me</a><img class="u-photo" src="javascript:alert(1)" alt=""></div>
        <a class="u-in-reply-to" href="${note.url}">re</a><a class="u-url" href="javascript:alert('u')">perma</a>
        <div class="e-content"><p onmouseover="alert('on')">Hi<script>alert('script')</script>
          <img src=x onerror="alert('img')"><a href="javascript:alert('a')">click</a>
          <iframe src="https://evil.example/"></iframe><style>*{display:none}</style>
          <a href="https://evil.example/" rel="me" target="_top" style="position:fixed">spam</a></p></div>
      </div></body></html>`),
    );
    const r = receiverWith(mapped(globalThis.fetch));
    const row = await r.verify(page('/xss'), note.url);
    expect(row.state).toBe('verified');
    r.receiver.moderation.approve(row.id);
    const html = await (await t.get('/notes/target')).text();
    const responses = html.slice(html.indexOf('<section class="responses"'), html.indexOf('</section>'));
    expect(responses).toContain('&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;');
    for (const bad of [
      '<script',
      'javascript:',
      'onmouseover',
      'onerror',
      '<iframe',
      '<style',
      'rel="me"',
      'target=',
      'style=',
    ])
      expect(responses, bad).not.toContain(bad);
    expect(responses).toContain('<a href="https://evil.example/" rel="nofollow ugc">spam</a>');
  });

  it.each([
    ['an HTML comment', (u: string) => `<!-- <a href="${u}">x</a> -->`],
    ['a script', (u: string) => `<script>var a = '<a href="${u}">x</a>';</script>`],
    ['text only', (u: string) => `<p>${u}</p>`],
    [
      'a link to another site with the same path',
      (u: string) => `<a href="${u.replace('example.test', 'other.example')}">x</a>`,
    ],
  ])('a source that links to the target only in %s is refused', async (_, body) => {
    const note = publishNote(t);
    routes.set('/fake', (_q, res) =>
      res.writeHead(200, { 'Content-Type': 'text/html' }).end(`<html><body>${body(note.url)}</body></html>`),
    );
    const r = receiverWith(mapped(globalThis.fetch));
    expect(await r.verify(page('/fake'), note.url)).toMatchObject({
      state: 'rejected',
      detail: 'The source does not link to the target.',
    });
  });
});
