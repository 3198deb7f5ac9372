/**
 * A note may link to anything, so every page the sender fetches and every endpoint it posts to is
 * hostile until proven otherwise: huge or endless pages, pages that never finish, redirect loops,
 * redirects and endpoints that point inside the network, documents that are not HTML. Each must
 * cost a bounded amount of time and memory and reach nothing private unless allowed.
 */
import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSafeFetch } from '../../src/outbound/safe-fetch.js';
import { discoverEndpoint } from '../../src/webmention/discovery.js';
import { DeliveryError } from '../../src/webmention/failures.js';
import { notifyEndpoint } from '../../src/webmention/send.js';
import { createTestApp } from '../helpers/app.js';
import { type RemoteSite, startRemote } from '../helpers/remote.js';

let site: RemoteSite;
let hits: string[] = [];
let streamed = 0;
const held: http.ServerResponse[] = [];

/** Writes `total` bytes of `chunk`, waiting for the socket, until done or the client goes away. */
function stream(res: http.ServerResponse, head: string, total: number, tail = ''): void {
  streamed = 0;
  const chunk = Buffer.from('<p>filler</p>\n'.repeat(4096));
  let closed = false;
  res.on('close', () => {
    closed = true;
  });
  res.write(head);
  const pump = () => {
    while (!closed && streamed < total) {
      streamed += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    if (!closed) res.end(tail);
  };
  pump();
}

beforeAll(async () => {
  site = await startRemote((req, _body, res) => {
    const path = req.url ?? '/';
    hits.push(`${req.method} ${path}`);
    const html = { 'Content-Type': 'text/html' };
    switch (path) {
      case '/huge':
        res.writeHead(200, html);
        return stream(res, '<html><head><link rel="webmention" href="/wm"></head><body>', 50 * 1024 * 1024);
      case '/huge-late':
        res.writeHead(200, html);
        return stream(res, '<html><body>', 3 * 1024 * 1024, '<a rel="webmention" href="/wm">late</a>');
      case '/huge-image':
        // Markup at its start must not count: only HTML documents are searched.
        res.writeHead(200, { 'Content-Type': 'image/png' });
        return stream(res, '<link rel="webmention" href="/wm">', 50 * 1024 * 1024);
      case '/slow-body':
        res.writeHead(200, html);
        res.write('<html><head>');
        held.push(res);
        return;
      case '/slow-headers':
      case '/wm-slow':
        held.push(res);
        return;
      case '/loop':
        res.writeHead(302, { Location: '/loop' });
        return res.end();
      case '/to-metadata':
        res.writeHead(301, { Location: 'http://169.254.169.254/latest/meta-data/' });
        return res.end();
      case '/to-private':
        res.writeHead(307, { Location: 'http://10.255.255.1/admin' });
        return res.end();
      case '/to-v6-loopback':
        res.writeHead(308, { Location: `http://[::1]:${new URL(site.url).port}/` });
        return res.end();
      case '/wm-302':
        res.writeHead(302, { Location: '/wm' });
        return res.end();
      case '/wm-307':
        res.writeHead(307, { Location: '/wm?moved=1' });
        return res.end();
      default:
        res.writeHead(req.method === 'POST' ? 202 : 200, html);
        return res.end('<html><head><link rel="webmention" href="/wm"></head></html>');
    }
  });
});
afterAll(async () => {
  for (const res of held) res.destroy();
  await site.close();
});

const fetch = createSafeFetch({ timeoutMs: 5000, allowedPrivateAddresses: ['127.0.0.1/32'] });
const url = (path: string) => new URL(path, site.url).toString();

async function failure(p: Promise<unknown>): Promise<DeliveryError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}

describe('hostile targets during discovery', () => {
  it('a huge page is read only up to the cap: the endpoint in its head is found, the rest never downloaded', async () => {
    const found = await discoverEndpoint(url('/huge'), { fetch, maxBytes: 256 * 1024 });
    expect(found.endpoint).toBe(url('/wm'));
    await new Promise((r) => setTimeout(r, 100));
    expect(streamed).toBeLessThan(16 * 1024 * 1024);
  });

  it('an endpoint beyond the cap is not looked for', async () => {
    const found = await discoverEndpoint(url('/huge-late'), { fetch, maxBytes: 256 * 1024 });
    expect(found.endpoint).toBeUndefined();
  });

  it('a document that is not HTML is not read at all', async () => {
    const found = await discoverEndpoint(url('/huge-image'), { fetch });
    expect(found.endpoint).toBeUndefined();
    await new Promise((r) => setTimeout(r, 100));
    expect(streamed).toBeLessThan(16 * 1024 * 1024);
  });

  it('a page that never finishes, or never answers, times out and is retried later', async () => {
    for (const path of ['/slow-body', '/slow-headers']) {
      const started = Date.now();
      const err = await failure(discoverEndpoint(url(path), { fetch, timeoutMs: 300 }));
      expect(Date.now() - started).toBeLessThan(3000);
      expect(err.message).toMatch(/timed out/);
      expect(err.retryable).toBe(true);
    }
  });

  it('a redirect loop stops after a few hops and is not retried', async () => {
    hits = [];
    const err = await failure(discoverEndpoint(url('/loop'), { fetch }));
    expect(err.message).toMatch(/too many redirects/);
    expect(err.retryable).toBe(false);
    expect(hits.length).toBeLessThanOrEqual(6);
  });

  it('a redirect into the private network is refused before connecting, and not retried', async () => {
    for (const path of ['/to-metadata', '/to-private', '/to-v6-loopback']) {
      const err = await failure(discoverEndpoint(url(path), { fetch }));
      expect(err.message, path).toMatch(/refusing/);
      expect(err.retryable).toBe(false);
    }
  });
});

describe('hostile endpoints', () => {
  it('an endpoint in the private network is refused', async () => {
    for (const endpoint of [
      'http://10.0.0.5/wm',
      'http://[::1]:1/wm',
      'http://169.254.169.254/',
      'http://[fd00::1]/',
    ]) {
      const err = await failure(notifyEndpoint(endpoint, 'https://example.test/n', url('/page'), { fetch }));
      expect(err.message, endpoint).toMatch(/refusing/);
      expect(err.retryable).toBe(false);
    }
  });

  it('an endpoint that never answers times out and is retried later', async () => {
    const err = await failure(
      notifyEndpoint(url('/wm-slow'), 'https://example.test/n', url('/page'), { fetch, timeoutMs: 300 }),
    );
    expect(err.message).toMatch(/timed out/);
    expect(err.retryable).toBe(true);
  });

  it('a 302 from the endpoint is not followed as a GET; a 307 is followed with the same POST', async () => {
    const err = await failure(
      notifyEndpoint(url('/wm-302'), 'https://example.test/n', url('/page'), { fetch }),
    );
    expect(err).toMatchObject({ status: 302, retryable: false });
    hits = [];
    const ok = await notifyEndpoint(url('/wm-307'), 'https://example.test/n', url('/page'), { fetch });
    expect(ok).toMatchObject({ status: 202, endpoint: url('/wm?moved=1') });
    expect(hits).toEqual(['POST /wm-307', 'POST /wm?moved=1']);
  });
});

describe('private addresses are refused unless ALLOWED_PRIVATE_ADDRESSES allows them', () => {
  it('by default, a note linking to a loopback page sends nothing there and does not retry', async () => {
    const t = createTestApp({}, undefined, { safeFetch: true });
    try {
      hits = [];
      const note = t.notes.createNote({ content: `[inside](${url('/page')})` });
      await t.app.services.runner.drain();
      expect(hits).toEqual([]);
      expect(t.app.services.webmentionsSent.listForNote(note.id)).toMatchObject([
        { outcome: 'failed', job: { state: 'failed', attempts: 1 } },
      ]);
      expect(t.app.services.webmentionsSent.listForNote(note.id)[0]!.lastError).toMatch(/refusing/);
    } finally {
      t.close();
    }
  });

  it('allowed, the same note reaches it', async () => {
    const t = createTestApp({ ALLOWED_PRIVATE_ADDRESSES: '127.0.0.0/8' }, undefined, { safeFetch: true });
    try {
      hits = [];
      t.notes.createNote({ content: `[inside](${url('/page')})` });
      await t.app.services.runner.drain();
      expect(hits).toEqual(['GET /page', 'POST /wm']);
    } finally {
      t.close();
    }
  });
});
