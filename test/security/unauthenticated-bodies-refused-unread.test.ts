/**
 * Finding 2 (high): request bodies were read whole, with no limit outside /micropub, and before
 * authentication on /micropub (the bearer check read the body looking for access_token), so
 * unauthenticated requests could fill the memory and bypass the two-at-a-time upload gate.
 *
 * Proven here on a real loopback server with a raw socket: the client sends only the request
 * head (declaring a huge body, or a chunked one it never finishes) and the refusal arrives anyway,
 * so the server answered without waiting for, let alone holding, the body. In-process, body
 * streams that count their pulls show that not one byte was read.
 */
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
let server: ServerType;
let port: number;
let token: string;

beforeAll(async () => {
  t = createTestApp();
  token = t.app.services.tokens.mintToken({
    me: t.config.adminMe,
    clientId: null,
    scope: 'create update media',
    expiresInSeconds: null,
  }).token;
  server = serve({ fetch: t.app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
  });
  t.close();
});

interface Answer {
  status: number;
  head: string;
  body: string;
}

/**
 * Sends a request head (and optionally the start of a body), never the rest, and resolves with the
 * response. If the server waited for the body, no answer would ever come: the deadline fails the test.
 */
function headOnly(head: string, partialBody?: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let buf = Buffer.alloc(0);
    const deadline = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer while the body was withheld:\n${head}`));
    }, 15_000);
    const done = (a: Answer) => {
      clearTimeout(deadline);
      socket.destroy();
      resolve(a);
    };
    socket.on('connect', () => {
      socket.write(head);
      if (partialBody) socket.write(partialBody);
    });
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const text = buf.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      const headText = text.slice(0, end);
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(headText)?.[1] ?? 0);
      const body = buf.subarray(end + 4);
      if (body.length < length) return;
      done({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(headText)?.[1]),
        head: headText,
        body: body.subarray(0, length).toString('utf8'),
      });
    });
    socket.on('error', (err) => {
      clearTimeout(deadline);
      reject(err);
    });
  });
}

const MB = 1024 * 1024;
const request = (path: string, headers: Record<string, string>) =>
  `POST ${path} HTTP/1.1\r\nHost: example.test\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;
const chunk = (bytes: Buffer) =>
  Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n')]);
const multipart = 'multipart/form-data; boundary=xyz';
const form = 'application/x-www-form-urlencoded';

describe('without credentials, the body is never waited for', () => {
  const cases: [string, string, Record<string, string>, Buffer?][] = [
    // Sizes within the routes' limits: only the missing credentials can refuse these.
    [
      'media upload, 5 MB declared',
      '/micropub/media',
      { 'Content-Type': multipart, 'Content-Length': String(5 * MB) },
    ],
    [
      'media upload, chunked, first chunk only',
      '/micropub/media',
      { 'Content-Type': multipart, 'Transfer-Encoding': 'chunked' },
      chunk(Buffer.alloc(1000, 'a')),
    ],
    [
      'Micropub multipart create',
      '/micropub',
      { 'Content-Type': multipart, 'Content-Length': String(5 * MB) },
    ],
    ['Micropub JSON', '/micropub', { 'Content-Type': 'application/json', 'Content-Length': String(MB) }],
    [
      'Micropub with no content type',
      '/micropub',
      { 'Transfer-Encoding': 'chunked' },
      chunk(Buffer.alloc(10, 'a')),
    ],
  ];
  it.each(cases)('%s: 401 before the body', async (_name, path, headers, partial) => {
    const res = await headOnly(request(path, headers), partial);
    expect(res.status).toBe(401);
    expect(res.head).toMatch(/\r\nwww-authenticate: Bearer/i);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'unauthorized' });
  });

  it('a bad token in the Authorization header: 401 invalid_token before the body', async () => {
    const res = await headOnly(
      request('/micropub/media', {
        Authorization: 'Bearer not-a-token',
        'Content-Type': multipart,
        'Content-Length': String(5 * MB),
      }),
    );
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'invalid_token' });
  });
});

describe('oversized bodies: 413 without reading them (declared) or as soon as they run over (chunked)', () => {
  const over = (n: number) => chunk(Buffer.alloc(n, 'a'));
  const cases: [string, string, Record<string, string>, Buffer | undefined, 'json' | 'html'][] = [
    [
      'OAuth revocation, 400 MB declared',
      '/auth/revoke',
      { 'Content-Type': form, 'Content-Length': String(400 * MB) },
      undefined,
      'json',
    ],
    [
      'OAuth revocation, chunked',
      '/auth/revoke',
      { 'Content-Type': form, 'Transfer-Encoding': 'chunked' },
      over(100_000),
      'json',
    ],
    [
      'token endpoint, chunked form',
      '/auth/token',
      { 'Content-Type': form, 'Transfer-Encoding': 'chunked' },
      over(100_000),
      'json',
    ],
    // The token endpoint swallows JSON read errors: the limit still answers 413.
    [
      'token endpoint, chunked JSON',
      '/auth/token',
      { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
      over(100_000),
      'json',
    ],
    [
      'introspection, declared',
      '/auth/introspect',
      { 'Content-Type': form, 'Content-Length': String(MB) },
      undefined,
      'json',
    ],
    [
      'sign-in form, declared',
      '/auth/login',
      { 'Content-Type': form, 'Content-Length': String(MB) },
      undefined,
      'html',
    ],
    [
      'sign-in form, chunked',
      '/auth/login',
      { 'Content-Type': form, 'Transfer-Encoding': 'chunked' },
      over(100_000),
      'html',
    ],
    [
      'consent / code redemption, chunked',
      '/auth/authorization',
      { 'Content-Type': form, Accept: 'application/json', 'Transfer-Encoding': 'chunked' },
      over(100_000),
      'json',
    ],
    // A form body may carry access_token (RFC 6750 §2.2): read, but only up to 64 KB.
    [
      'Micropub form with no header, declared',
      '/micropub',
      { 'Content-Type': form, 'Content-Length': String(MB) },
      undefined,
      'json',
    ],
    [
      'Micropub form with no header, chunked',
      '/micropub',
      { 'Content-Type': form, 'Transfer-Encoding': 'chunked' },
      over(100_000),
      'json',
    ],
    [
      'a route without a body, declared',
      '/',
      { 'Content-Type': form, 'Content-Length': String(400 * MB) },
      undefined,
      'html',
    ],
  ];
  it.each(cases)('%s', async (_name, path, headers, partial, format) => {
    const res = await headOnly(request(path, headers), partial);
    expect(res.status).toBe(413);
    if (format === 'json') {
      expect(JSON.parse(res.body)).toMatchObject({ error: 'payload_too_large' });
      expect(JSON.parse(res.body).error_description).toMatch(/at most \d+ KB/);
    } else {
      expect(res.head).toMatch(/content-type: text\/html/i);
      expect(res.body).toContain('at most 64 KB');
    }
  });

  it('with a valid token, Micropub and the media endpoint refuse what is over their limits', async () => {
    const auth = { Authorization: `Bearer ${token}` };
    for (const [path, type, size] of [
      ['/micropub', 'application/json', 3 * MB],
      ['/micropub', form, 3 * MB],
      ['/micropub', multipart, 13 * MB],
      ['/micropub/media', multipart, 11 * MB],
    ] as const) {
      const res = await headOnly(
        request(path, { ...auth, 'Content-Type': type, 'Content-Length': String(size) }),
      );
      expect(res.status, `${path} ${type}`).toBe(413);
      expect(JSON.parse(res.body).error, `${path} ${type}`).toBe('payload_too_large');
      const chunked = await headOnly(
        request(path, { ...auth, 'Content-Type': type, 'Transfer-Encoding': 'chunked' }),
        Buffer.concat(Array.from({ length: Math.ceil(size / MB) }, () => chunk(Buffer.alloc(MB, 'a')))),
      );
      expect(chunked.status, `${path} ${type} chunked`).toBe(413);
    }
  });
});

/** A request body that records how many chunks were pulled from it and never ends by itself. */
function watchedBody() {
  const state = { pulls: 0, release: () => {} };
  const ended = new Promise<void>((resolve) => {
    state.release = resolve;
  });
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        state.pulls++;
        if (state.pulls === 1) {
          controller.enqueue(
            new TextEncoder().encode('--xyz\r\nContent-Disposition: form-data; name="x"\r\n\r\n'),
          );
          return;
        }
        await ended;
        controller.enqueue(new TextEncoder().encode('y\r\n--xyz--\r\n'));
        controller.close();
      },
    },
    { highWaterMark: 0 },
  );
  return { state, stream };
}

const send = (path: string, body: ReadableStream<Uint8Array>, headers: Record<string, string>) =>
  t.request(path, { method: 'POST', body, headers, duplex: 'half' } as RequestInit);

describe('in-process: not one byte is pulled from a body that is refused', () => {
  it.each([
    ['/micropub/media', multipart],
    ['/micropub', multipart],
    ['/micropub', 'application/json'],
  ])('%s %s without credentials', async (path, type) => {
    const w = watchedBody();
    const res = await send(path, w.stream, { 'Content-Type': type });
    expect(res.status).toBe(401);
    expect(w.state.pulls).toBe(0);
  });

  it('a token without the media scope is refused before its upload is read', async () => {
    const profileOnly = t.app.services.tokens.mintToken({
      me: t.config.adminMe,
      clientId: null,
      scope: 'profile',
      expiresInSeconds: null,
    }).token;
    const w = watchedBody();
    const res = await send('/micropub/media', w.stream, {
      'Content-Type': multipart,
      Authorization: `Bearer ${profileOnly}`,
    });
    expect(res.status).toBe(403);
    expect(w.state.pulls).toBe(0);
  });

  it('authenticated uploads wait for the two-at-a-time gate before their bodies are read', async () => {
    const auth = { 'Content-Type': multipart, Authorization: `Bearer ${token}` };
    const first = watchedBody();
    const second = watchedBody();
    const third = watchedBody();
    const fourth = watchedBody();
    const answers = [
      send('/micropub/media', first.stream, auth),
      send('/micropub', second.stream, auth),
      send('/micropub/media', third.stream, auth),
      send('/micropub', fourth.stream, auth),
    ];
    // The first two hold the gate, each waiting for the rest of its body.
    await expect.poll(() => first.state.pulls + second.state.pulls).toBe(4);
    await new Promise((r) => setTimeout(r, 50));
    expect(third.state.pulls).toBe(0);
    expect(fourth.state.pulls).toBe(0);
    first.state.release();
    second.state.release();
    third.state.release();
    fourth.state.release();
    const statuses = await Promise.all(answers.map(async (a) => (await a).status));
    // The uploads carry no file (400), the creates a property "x" (201): answered after reading.
    expect(statuses).toEqual([400, 201, 400, 201]);
    expect(third.state.pulls).toBeGreaterThan(0);
    expect(fourth.state.pulls).toBeGreaterThan(0);
  });

  it('small uploads go through the gate eight at a time, large ones two at a time', async () => {
    const run = async (declared: number, count: number) => {
      const bodies = Array.from({ length: count }, () => watchedBody());
      const answers = bodies.map((b) =>
        send('/micropub/media', b.stream, {
          'Content-Type': multipart,
          'Content-Length': String(declared),
          Authorization: `Bearer ${token}`,
        }),
      );
      const admitted = count === 9 ? 8 : 2;
      await expect.poll(() => bodies.filter((b) => b.state.pulls === 2).length).toBe(admitted);
      await new Promise((r) => setTimeout(r, 50));
      expect(bodies.filter((b) => b.state.pulls > 0).length).toBe(admitted);
      for (const b of bodies) b.state.release();
      expect(await Promise.all(answers.map(async (a) => (await a).status))).toEqual(Array(count).fill(400));
    };
    // A phone photo declares its few hundred kilobytes; an upload over 1 MB counts as a large one.
    await run(300 * 1024, 9);
    await run(2 * 1024 * 1024, 3);
  });
});
