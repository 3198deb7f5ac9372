/**
 * Interop, the way webmention.rocks drives a receiver: over a real socket, with hand-written HTTP
 * requests, against a running server whose job runner works in the background. The sender
 * discovers the endpoint from the note page's Link header, posts, and polls the status URL; then
 * updates its post, and finally deletes it (410), sending each time.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rawExchange } from '../fuzz/raw-http.js';
import type { TestApp } from '../helpers/app.js';
import {
  createWebmentionApp,
  publishNote,
  replyPage,
  type SourceSite,
  startSourceSite,
} from '../helpers/webmention.js';

let alice: SourceSite;
let t: TestApp;
let server: ReturnType<typeof serve>;
let port: number;
beforeAll(async () => {
  alice = await startSourceSite('alice.example');
});
afterAll(() => alice.remote.close());
beforeEach(async () => {
  t = createWebmentionApp([alice]);
  server = serve({ fetch: t.app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  port = (server.address() as AddressInfo).port;
  t.app.services.runner.start();
});
afterEach(async () => {
  await t.app.services.runner.stop();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  t.close();
});

/** One raw HTTP/1.1 exchange with Host: example.test; returns status, headers and body. */
async function raw(method: string, path: string, body = '', headers: Record<string, string> = {}) {
  const lines = [
    `${method} ${path} HTTP/1.1`,
    'Host: example.test',
    'Connection: close',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ...(body ? [`Content-Length: ${Buffer.byteLength(body)}`] : []),
  ];
  const r = await rawExchange(port, `${lines.join('\r\n')}\r\n\r\n${body}`, { timeoutMs: 5000 });
  const [head, ...rest] = r.text.split('\r\n\r\n');
  const headerLines = head!.split('\r\n').slice(1);
  const get = (name: string) =>
    headerLines.find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))?.replace(/^[^:]+:\s*/, '');
  return { status: r.statuses[0], header: get, body: rest.join('\r\n\r\n') };
}

async function send(source: string, target: string, endpointPath: string) {
  return raw(
    'POST',
    endpointPath,
    `source=${encodeURIComponent(source)}&target=${encodeURIComponent(target)}`,
    { 'Content-Type': 'application/x-www-form-urlencoded' },
  );
}

/** Polls `check` until it is true (the runner works in the background). */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never happened: ${what}`);
}

describe('a sender speaking raw HTTP to a running StarPunk', () => {
  it('discovers the endpoint, gets 201 + Location, and sees create, update and delete applied', async () => {
    const note = publishNote(t, 'Receive me', 'receive-me');
    t.app.services.webmentionsReceived.moderation.setAutoApprove(true);

    // Discovery, as a sender does it: the Link header of the target page.
    const page = await raw('GET', '/notes/receive-me');
    expect(page.status).toBe(200);
    const m = /<([^>]+)>;\s*rel="webmention"/.exec(page.header('link') ?? '');
    const endpoint = new URL(m![1]!);
    expect(endpoint.href).toBe('http://example.test/webmention');

    alice.pages.set('/post', { body: replyPage(note.url, { content: 'Version one' }) });
    const first = await send(alice.url('/post'), note.url, endpoint.pathname);
    // 201 MUST carry a Location (webmention.rocks receiver test); the body says what happens next.
    expect(first.status).toBe(201);
    const location = new URL(first.header('location')!);
    expect(JSON.parse(first.body)).toMatchObject({ status: 'pending', location: location.href });
    const status = async () => JSON.parse((await raw('GET', location.pathname)).body) as { status: string };
    await eventually(async () => (await status()).status === 'accepted', 'accepted');
    const shown = async () => (await raw('GET', '/notes/receive-me')).body;
    expect(await shown()).toContain('Version one');

    alice.pages.set('/post', { body: replyPage(note.url, { content: 'Version two' }) });
    expect((await send(alice.url('/post'), note.url, endpoint.pathname)).status).toBe(201);
    await eventually(async () => (await shown()).includes('Version two'), 'updated');
    expect((await shown()).match(/class="p-comment h-cite/g)).toHaveLength(1);

    alice.pages.set('/post', { status: 410, body: 'gone' });
    expect((await send(alice.url('/post'), note.url, endpoint.pathname)).status).toBe(201);
    await eventually(async () => !(await shown()).includes('Version two'), 'deleted');
    expect((await status()).status).toBe('rejected');
  });

  it('a request the receiver cannot accept is a 400 over the wire too', async () => {
    const res = await send('https://alice.example/x', 'http://example.test/notes/none', '/webmention');
    expect(res.status).toBe(400);
    expect(res.header('content-type')).toMatch(/^application\/json/);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'invalid_request' });
  });
});
