import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { OutboundRefused } from '../outbound/safe-fetch.js';
import { fetchPageFacts, pageFacts } from './fetch.js';

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

describe('fetchPageFacts', () => {
  it('gives up after its timeout when the site never answers', async () => {
    const url = await serve(() => {
      // never answers
    });
    const started = Date.now();
    const outcome = await fetchPageFacts(url, (u, init) => fetch(u, init), { timeoutMs: 300 });
    expect(outcome).toEqual({ ok: false, reason: 'no answer within 300 ms', retryable: true });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('gives up after its timeout when the body trickles forever', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.write('<html><head>');
      const timer = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(timer));
    });
    const outcome = await fetchPageFacts(url, (u, init) => fetch(u, init), { timeoutMs: 400 });
    expect(outcome.ok).toBe(false);
  });

  it('reads only the first bytes of an endless page, and still finds its title there', async () => {
    let sent = 0;
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.write('<html><head><title>Top of a huge page</title></head><body>');
      const chunk = `<p>${'x'.repeat(16 * 1024)}</p>`;
      const timer = setInterval(() => {
        sent += chunk.length;
        res.write(chunk);
      }, 1);
      res.on('close', () => clearInterval(timer));
    });
    const outcome = await fetchPageFacts(url, (u, init) => fetch(u, init), {
      timeoutMs: 10_000,
      maxBytes: 64 * 1024,
    });
    expect(outcome).toEqual({
      ok: true,
      facts: { name: 'Top of a huge page', authorName: null, authorUrl: null },
    });
    // It stopped reading: far less than the timeout's worth of an endless body was sent.
    expect(sent).toBeLessThan(8 * 1024 * 1024);
  });

  it('turns a fetch that throws (an address the safe fetch refuses) into a failure for good', async () => {
    const outcome = await fetchPageFacts('http://10.0.0.1/', () => {
      throw new OutboundRefused('refusing to fetch private address 10.0.0.1');
    });
    expect(outcome).toEqual({
      ok: false,
      reason: 'refusing to fetch private address 10.0.0.1',
      retryable: false,
    });
  });

  it('a dropped connection or an answer worth retrying may be read later; a 404 or a page that is not HTML may not', async () => {
    const get = (url: string) => fetchPageFacts(url, (u, init) => fetch(u, init));
    const dropped = await serve((req) => req.socket.destroy());
    expect(await get(dropped)).toMatchObject({ ok: false, retryable: true });
    const busy = await serve((_req, res) => res.writeHead(503, { 'Retry-After': '120' }).end('busy'));
    expect(await get(busy)).toEqual({
      ok: false,
      reason: 'answered 503',
      retryable: true,
      retryAfterMs: 120_000,
    });
    const gone = await serve((_req, res) => res.writeHead(404).end('gone'));
    expect(await get(gone)).toEqual({ ok: false, reason: 'answered 404', retryable: false });
    const json = await serve((_req, res) =>
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}'),
    );
    expect(await get(json)).toMatchObject({ ok: false, retryable: false });
  });
});

describe('pageFacts', () => {
  it('prefers the h-entry of the page itself, strips control characters and caps lengths', () => {
    const html = `<div class="h-feed">
      <div class="h-entry"><a class="u-url" href="https://a.example/other"></a><p class="p-name">Other</p><p class="e-content">x</p></div>
      <div class="h-entry"><a class="u-url" href="https://a.example/this"></a>
        <p class="p-name">This\u0007 one ${'long '.repeat(100)}</p><p class="e-content">y</p>
        <span class="p-author">Plain author</span></div>
    </div>`;
    const facts = pageFacts(html, 'https://a.example/this');
    expect(facts.name!.startsWith('This one long')).toBe(true);
    expect(facts.name!.length).toBeLessThanOrEqual(200);
    expect(facts.name!.endsWith('…')).toBe(true);
    expect(facts.authorName).toBe('Plain author');
    expect(facts.authorUrl).toBeNull();
  });

  it('keeps only http(s) author URLs', () => {
    const html = `<div class="h-entry"><p class="p-name">T</p><p class="e-content">body</p>
      <a class="p-author h-card" href="javascript:alert(1)">Mallory</a></div>`;
    expect(pageFacts(html, 'https://a.example/')).toEqual({
      name: 'T',
      authorName: 'Mallory',
      authorUrl: null,
    });
  });
});
