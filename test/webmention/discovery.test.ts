/**
 * Webmention §3.1.2 (endpoint discovery) and §3.1.3 (notifying the receiver), replayed against a
 * loopback copy of webmention.rocks' 23 discovery tests and the forms the suite leaves out, first
 * one by one, then end to end: a published note that links to every test page sends each one its
 * Webmention, at the right endpoint, with `source` and `target` form-encoded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSafeFetch } from '../../src/outbound/safe-fetch.js';
import { discoverEndpoint } from '../../src/webmention/discovery.js';
import { notifyEndpoint } from '../../src/webmention/send.js';
import { createTestApp } from '../helpers/app.js';
import { EXTRA_CASES, ROCKS_CASES, type RocksCase, startRocks } from './rocks.js';

type Rocks = Awaited<ReturnType<typeof startRocks>>;
let rocks: Rocks;
beforeAll(async () => {
  rocks = await startRocks();
});
afterAll(() => rocks.close());

const fetch = createSafeFetch({ timeoutMs: 5000, allowedPrivateAddresses: ['127.0.0.1/32'] });
const abs = (path: string) => new URL(path, rocks.url).toString();

describe('§3.1.2 endpoint discovery: webmention.rocks discovery tests', () => {
  it('replays all 23 of them', () => {
    expect(ROCKS_CASES.map((c) => c.id)).toEqual(Array.from({ length: 23 }, (_, i) => String(i + 1)));
  });

  for (const c of ROCKS_CASES) {
    it(`discovery test #${c.id}: ${c.name}`, async () => {
      const found = await discoverEndpoint(rocks.pageUrl(c), { fetch });
      expect(found.endpoint).toBe(abs(c.expect!));
    });
  }
});

describe('§3.1.2 endpoint discovery: forms the suite leaves out', () => {
  for (const c of EXTRA_CASES) {
    it(c.name, async () => {
      const found = await discoverEndpoint(rocks.pageUrl(c), { fetch });
      expect(found.endpoint).toBe(c.expect === null ? undefined : abs(c.expect));
    });
  }

  it('takes the Link header first, then the first <link> or <a> in document order', async () => {
    const header = await discoverEndpoint(rocks.pageUrl(ROCKS_CASES[10]!), { fetch });
    expect(header.via).toBe('link-header');
    const html = await discoverEndpoint(rocks.pageUrl(ROCKS_CASES[15]!), { fetch });
    expect(html.via).toBe('html');
  });

  it('reports the URL the target was finally served from', async () => {
    const c = EXTRA_CASES.find((x) => x.id === 'redirect-308')!;
    const found = await discoverEndpoint(rocks.pageUrl(c), { fetch });
    expect(found.finalUrl).toBe(`${rocks.pageUrl(c)}/final/page`);
  });
});

describe('§3.1.3 notifying the receiver', () => {
  it('posts source and target form-encoded, keeping the query in the URL and out of the body', async () => {
    const c = ROCKS_CASES[20]!; // test 21: endpoint with a query string
    const found = await discoverEndpoint(rocks.pageUrl(c), { fetch });
    const before = rocks.posts.length;
    const sent = await notifyEndpoint(found.endpoint!, 'https://example.test/notes/hi', rocks.pageUrl(c), {
      fetch,
    });
    expect(sent).toMatchObject({ status: 202, endpoint: abs('/test/21/webmention?query=yes') });
    const post = rocks.posts.at(-1)!;
    expect(rocks.posts.length).toBe(before + 1);
    expect(post.path).toBe('/test/21/webmention?query=yes');
    expect(post.contentType).toBe('application/x-www-form-urlencoded');
    expect([...new URLSearchParams(post.body)]).toEqual([
      ['source', 'https://example.test/notes/hi'],
      ['target', rocks.pageUrl(c)],
    ]);
  });
});

describe('a published note sends every webmention.rocks test page its Webmention', () => {
  it('discovers each endpoint and posts to it once, never to a wrong one', async () => {
    const t = createTestApp({ ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' }, undefined, { safeFetch: true });
    try {
      const cases: RocksCase[] = [...ROCKS_CASES, ...EXTRA_CASES];
      const content = cases.map((c) => `- [test ${c.id}](${rocks.pageUrl(c)})`).join('\n');
      const before = rocks.posts.length;
      const note = t.notes.createNote({ content: `Replying to every test.\n\n${content}` });
      await t.app.services.runner.drain();
      const posts = rocks.posts.slice(before);
      const source = `http://example.test/notes/${note.slug}`;
      for (const c of cases) {
        const mine = posts.filter((p) => new URLSearchParams(p.body).get('target') === rocks.pageUrl(c));
        if (c.expect === null) {
          expect(mine, c.id).toEqual([]);
          continue;
        }
        expect(
          mine.map((p) => p.path),
          `test ${c.id}`,
        ).toEqual([c.expect]);
        expect(Object.fromEntries(new URLSearchParams(mine[0]!.body))).toEqual({
          source,
          target: rocks.pageUrl(c),
        });
      }
      expect(posts.filter((p) => p.path.includes('error'))).toEqual([]);
      const results = t.app.services.webmentionsSent.listForNote(note.id);
      expect(results).toHaveLength(cases.length);
      for (const r of results) {
        const c = cases.find((x) => rocks.pageUrl(x) === r.target)!;
        expect(r.outcome, c.id).toBe(c.expect === null ? 'no_endpoint' : 'sent');
        if (c.expect !== null) expect(r.status).toBe(202);
      }
      // Draining again sends nothing more: one send per target and revision.
      const count = rocks.posts.length;
      await t.app.services.runner.drain();
      expect(rocks.posts.length).toBe(count);
    } finally {
      t.close();
    }
  });
});
