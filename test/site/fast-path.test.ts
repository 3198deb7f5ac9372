/**
 * The fast path (src/http/fast-path.ts) answers cached public pages from the Node listener, below
 * Hono. Two real servers over ONE app: one with the fast path in its listener, one without. Each
 * cacheable address, method and conditional/Accept variant is asked of both, over raw sockets, and
 * the bytes compared (every header line in order, the Date line aside; both get the same
 * X-Request-ID, or none). Then: writes, a second connection's write, a settings change and a
 * scheduled note going live send the next request through Hono again; a signed-in owner never
 * gets, nor leaves behind, a repeated response; requests it may not fit fall through unchanged.
 */
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open.js';
import { fastPathServer } from '../../src/http/fast-path.js';
import type { RequestSeries } from '../../src/http/metrics.js';
import { signIn } from '../helpers/admin.js';
import type { TestApp } from '../helpers/app.js';
import { captureLogger, captureLogs, createLoggedTestApp, type LogCapture } from '../ops/support.js';

type Server = ReturnType<typeof serve>;

let t: TestApp;
let logs: LogCapture;
let plain: Server;
let fast: Server;
let noteSlug = '';
let cursor = '';
let archiveMonth = '';

function listen(withFastPath: boolean): Promise<Server> {
  return new Promise((resolve) => {
    const server: Server = serve(
      {
        fetch: t.app.fetch,
        hostname: '127.0.0.1',
        port: 0,
        ...(withFastPath ? { createServer: fastPathServer(() => t.app.services.fastPath) } : {}),
      },
      () => resolve(server),
    );
  });
}

interface Raw {
  status: number;
  /** Header lines as sent, in order, without Date. */
  headers: string[];
  body: Buffer;
}

/** One request over a raw socket (Connection: close), the response's bytes split up. */
function raw(
  server: Server,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<Raw> {
  const { port } = server.address() as AddressInfo;
  const lines = [`${method} ${path} HTTP/1.1`];
  if (!('Host' in headers)) lines.push('Host: example.test');
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  lines.push('Connection: close', '', '');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => socket.write(lines.join('\r\n')));
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('end', () => {
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      const head = all.subarray(0, end).toString('latin1').split('\r\n');
      resolve({
        status: Number(head[0]!.split(' ')[1]),
        headers: head.slice(1).filter((l) => !/^date:/i.test(l)),
        body: all.subarray(end + 4),
      });
    });
  });
}

const hits = () => t.app.services.fastPath.stats().hits;

/** The series a request was counted in, by the difference of two snapshots. */
function countedIn(before: RequestSeries[], after: RequestSeries[]): string[] {
  const key = (s: RequestSeries) => `${s.labels.method} ${s.labels.route} ${s.labels.statusClass}`;
  const was = new Map(before.map((s) => [key(s), s.count]));
  return after.filter((s) => s.count !== (was.get(key(s)) ?? 0)).map(key);
}

/** One request with what it was counted and logged as, and whether the fast path answered it. */
async function traced(server: Server, method: string, path: string, headers: Record<string, string>) {
  const before = t.app.services.metrics.requestSeries();
  const h0 = hits();
  const response = await raw(server, method, path, headers);
  return {
    response,
    series: countedIn(before, t.app.services.metrics.requestSeries()),
    log: logs.lines().at(-1)!,
    answeredFast: hits() === h0 + 1,
  };
}

/** Asks the plain server (Hono answers) and the one with the fast path; returns both. */
async function both(method: string, path: string, headers: Record<string, string> = {}, fastFirst = false) {
  const f = fastFirst ? await traced(fast, method, path, headers) : undefined;
  const h = await traced(plain, method, path, headers);
  const ff = f ?? (await traced(fast, method, path, headers));
  return {
    viaHono: h.response,
    viaFast: ff.response,
    answeredFast: ff.answeredFast,
    honoSeries: h.series,
    fastSeries: ff.series,
    honoLog: h.log,
    fastLog: ff.log,
  };
}

beforeAll(async () => {
  logs = captureLogs();
  t = createLoggedTestApp({ WEBSUB_HUB: 'https://hub.example/' }, captureLogger(logs, 'info'));
  for (let i = 0; i < 25; i++) {
    t.clock.advance(60_000);
    const n = t.notes.createNote({
      content: `Note number ${i} with *emphasis* and a [link](https://example.com/${i}).`,
      name: i % 5 === 0 ? `Title ${i}` : null,
      tags: i % 2 === 0 ? ['Even Things', 'IndieWeb'] : ['IndieWeb'],
    });
    if (i === 12) noteSlug = n.slug;
  }
  plain = await listen(false);
  fast = await listen(true);
  // The cursor of the home page's "older" link, as a reader would follow it.
  const home = (await raw(plain, 'GET', '/')).body.toString();
  cursor = /href="\/\?before=([0-9-]+)"/.exec(home)![1]!;
  archiveMonth = /href="\/archive\/(\d{4}\/\d{2})"/.exec(
    (await raw(plain, 'GET', '/archive')).body.toString(),
  )![1]!;
});

afterAll(async () => {
  await new Promise((r) => plain.close(r));
  await new Promise((r) => fast.close(r));
  t.close();
});

const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe('the fast path gives the bytes Hono gives', () => {
  const addresses = () => [
    '/',
    `/?before=${cursor}`,
    '/tag/even-things',
    '/tags',
    '/archive',
    `/archive/${archiveMonth}`,
    `/notes/${noteSlug}`,
    '/feed',
    '/feed.rss',
    '/feed.xml',
    '/feed.atom',
    '/feed.json',
    '/opml.xml',
  ];

  it('for every cacheable address: GET, HEAD, 304 on If-None-Match and on If-Modified-Since', async () => {
    for (const path of addresses()) {
      // Rendered, then kept as bytes: from the second answer on the response is prepared.
      await raw(plain, 'GET', path);
      await raw(plain, 'GET', path);
      const first = await both('GET', path, { 'X-Request-ID': 'same-id-1' });
      expect(first.viaFast.status, path).toBe(200);
      expect(first.answeredFast, path).toBe(true);
      expect(first.viaFast.headers, path).toEqual(first.viaHono.headers);
      expect(first.viaFast.body.equals(first.viaHono.body), path).toBe(true);
      expect(first.fastSeries, path).toEqual(first.honoSeries);
      const logged = (l: Record<string, unknown>) => [l.reqId, l.method, l.path, l.status, l.msg];
      expect(logged(first.fastLog), path).toEqual(logged(first.honoLog));

      const etag = first.viaHono.headers.find((l) => l.startsWith('etag: '))!.slice(6);
      const lastModified = first.viaHono.headers.find((l) => l.startsWith('last-modified: '))!.slice(15);
      for (const [method, headers, status] of [
        ['HEAD', {}, 200],
        ['GET', { 'If-None-Match': etag }, 304],
        ['HEAD', { 'If-None-Match': `"other", ${etag}` }, 304],
        ['GET', { 'If-None-Match': '"other"' }, 200],
        ['GET', { 'If-Modified-Since': lastModified }, 304],
        ['GET', { 'If-Modified-Since': 'Thu, 01 Jan 1970 00:00:00 GMT' }, 200],
        // Two of them: @hono/node-server joins them (no date), Node keeps the first; Hono decides.
        ['GET', { 'If-Modified-Since': lastModified, 'if-modified-since': lastModified }, 200],
      ] as const) {
        const r = await both(method, path, { ...headers, 'X-Request-ID': 'same-id-2' });
        const what = `${method} ${path} ${JSON.stringify(headers)}`;
        expect(r.viaHono.status, what).toBe(status);
        expect(r.viaFast.status, what).toBe(status);
        expect(r.viaFast.headers, what).toEqual(r.viaHono.headers);
        expect(r.viaFast.body.equals(r.viaHono.body), what).toBe(true);
        expect(r.fastSeries, what).toEqual(r.honoSeries);
        expect(r.fastLog.status, what).toBe(status);
      }
    }
  });

  it('feeds per Accept header: a browser and a feed reader each get their own type', async () => {
    for (const path of ['/feed', '/feed.rss', '/feed.atom']) {
      for (const accept of [BROWSER, 'application/atom+xml', 'application/rss+xml, */*']) {
        await raw(plain, 'GET', path, { Accept: accept });
        await raw(plain, 'GET', path, { Accept: accept });
        const r = await both('GET', path, { Accept: accept, 'X-Request-ID': 'same-id-3' });
        expect(r.answeredFast, `${path} ${accept}`).toBe(true);
        expect(r.viaFast.headers).toEqual(r.viaHono.headers);
        expect(r.viaFast.body.equals(r.viaHono.body)).toBe(true);
      }
    }
    // An Accept never asked for before is not guessed: Hono answers it.
    const h0 = hits();
    await raw(fast, 'GET', '/feed.rss', { Accept: 'application/rss+xml;q=0.5' });
    expect(hits()).toBe(h0);
  });

  it('gives each request its own id when none (or a malformed one) is sent, and logs it', async () => {
    await raw(plain, 'GET', '/');
    const h0 = hits();
    const a = await raw(fast, 'GET', '/');
    const b = await raw(fast, 'GET', '/', { 'X-Request-ID': 'bad id <x>' });
    expect(hits()).toBe(h0 + 2);
    const ids = [a, b].map((r) => r.headers.find((l) => l.startsWith('x-request-id: '))!.slice(14));
    for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids[0]).not.toBe(ids[1]);
    expect(
      logs
        .lines()
        .slice(-2)
        .map((l) => l.reqId),
    ).toEqual(ids);
  });

  it('leaves to Hono what it may not fit, which answers as it always did', async () => {
    await raw(plain, 'GET', '/');
    await raw(plain, 'GET', '/');
    for (const [method, path, headers] of [
      ['POST', '/', {}],
      ['GET', '/', { 'Content-Length': '3' }],
      ['GET', '/', { Host: 'Example.TEST' }],
      ['GET', '/', { Host: 'example.test:65000' }],
      ['GET', '/', { Host: 'bad host' }],
      ['GET', '//', {}],
      ['GET', '/./', {}],
    ] as const) {
      const r = await both(method, path, { ...headers, 'X-Request-ID': 'same-id-4' }, true);
      const what = `${method} ${path} ${JSON.stringify(headers)}`;
      expect(r.answeredFast, what).toBe(false);
      expect(r.viaFast.status, what).toBe(r.viaHono.status);
      expect(r.viaFast.headers, what).toEqual(r.viaHono.headers);
    }
  });
});

describe('a record is used only while the state it was made in holds', () => {
  /** Asks the fast server twice after priming; true when the fast path answered the first. */
  async function answeredFast(path: string, headers: Record<string, string> = {}) {
    const h0 = hits();
    const r = await raw(fast, 'GET', path, headers);
    return { fast: hits() > h0, body: r.body.toString() };
  }
  async function prime(path: string) {
    await raw(plain, 'GET', path);
    await raw(plain, 'GET', path);
    expect((await answeredFast(path)).fast).toBe(true);
  }

  it('a new note, an edit and a note trashed are shown at once', async () => {
    await prime('/');
    t.clock.advance(60_000);
    const n = t.notes.createNote({ content: 'A brand new note' });
    const after = await answeredFast('/');
    expect(after.fast).toBe(false);
    expect(after.body).toContain('A brand new note');

    await prime(`/notes/${n.slug}`);
    t.notes.updateNote(n.id, { content: 'An edited note' });
    const edited = await answeredFast(`/notes/${n.slug}`);
    expect(edited.fast).toBe(false);
    expect(edited.body).toContain('An edited note');

    await prime('/feed.json');
    t.notes.trashNote(n.id);
    const feed = await answeredFast('/feed.json');
    expect(feed.fast).toBe(false);
    expect(feed.body).not.toContain('An edited note');
  });

  it('a write by another connection (a second server, the CLI) is shown at once', async () => {
    await prime(`/notes/${noteSlug}`);
    const other = openDatabase(t.config.databasePath);
    try {
      other.prepare("UPDATE notes SET name = 'Renamed elsewhere' WHERE slug = ?").run(noteSlug);
    } finally {
      other.close();
    }
    const after = await answeredFast(`/notes/${noteSlug}`);
    expect(after.fast).toBe(false);
    expect(after.body).toContain('Renamed elsewhere');
  });

  it('a page answered with 304 is recorded too, and then answered in full with the same bytes', async () => {
    await prime('/');
    const etag = (await raw(plain, 'GET', '/')).headers.find((l) => l.startsWith('etag: '))!.slice(6);
    // A draft: the timeline's generation moves (the record is set aside), the page stays the same.
    t.notes.createNote({ content: 'Not yet', published: false });
    expect((await raw(plain, 'GET', '/', { 'If-None-Match': etag })).status).toBe(304);
    const r = await both('GET', '/', { 'X-Request-ID': 'same-id-6' }, true);
    expect(r.answeredFast).toBe(true);
    expect(r.viaFast.status).toBe(200);
    expect(r.viaFast.headers).toEqual(r.viaHono.headers);
    expect(r.viaFast.body.equals(r.viaHono.body)).toBe(true);
  });

  it('a settings change is shown at once', async () => {
    await prime('/');
    t.app.services.settings.save({ siteName: 'A Renamed Site' });
    const after = await answeredFast('/');
    expect(after.fast).toBe(false);
    expect(after.body).toContain('A Renamed Site');
  });

  it('a scheduled note is shown once its time comes', async () => {
    t.notes.createNote({
      content: 'Scheduled for later',
      publishedAt: new Date(t.clock.now().getTime() + 3_600_000),
    });
    await prime('/');
    expect((await answeredFast('/')).body).not.toContain('Scheduled for later');
    t.clock.advance(2 * 3_600_000);
    const after = await answeredFast('/');
    expect(after.fast).toBe(false);
    expect(after.body).toContain('Scheduled for later');
  });

  it("a signed-in owner's requests go through Hono and leave nothing for visitors", async () => {
    const admin = await signIn(t);
    await prime('/');
    const h0 = hits();
    const owner = await both('GET', '/', { Cookie: admin.cookie, 'X-Request-ID': 'same-id-5' });
    expect(hits()).toBe(h0);
    expect(owner.viaFast.headers).toEqual(owner.viaHono.headers);
    expect(owner.viaFast.body.equals(owner.viaHono.body)).toBe(true);
    // A fresh state, asked for only by the owner: nothing is recorded from their requests.
    t.clock.advance(60_000);
    t.notes.createNote({ content: 'Owner-only state' });
    for (let i = 0; i < 3; i++) await raw(fast, 'GET', '/', { Cookie: admin.cookie });
    const visitor = await answeredFast('/');
    expect(visitor.fast).toBe(false);
    expect(visitor.body).toContain('Owner-only state');
  });
});
