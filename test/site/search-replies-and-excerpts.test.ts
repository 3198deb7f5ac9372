/**
 * Issue 25 item 15: search finds a reply by the title of what it replies to (the reply context
 * fetched after publishing, or the h-cite a client sent), and names it after that page; excerpts
 * show no footnote markers ("[1]") and no code, while a word in a code block still finds its note.
 * Still one FTS5 query (`024_search_context_and_code.sql`). A loopback server plays the cited site.
 */
import type http from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { type RemoteSite, startRemote } from '../helpers/remote.js';

let t: TestApp;
let remote: RemoteSite;
let token: string;
let pages: Record<string, (res: http.ServerResponse) => void>;

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
  return res.headers.get('location')!;
}

type Api = { total: number; results: { url: string; name: string | null; excerpt_html: string }[] };
const api = async (q: string) =>
  (await (await t.get(`/api/search?q=${encodeURIComponent(q)}`)).json()) as Api;

describe('search and replies', () => {
  it('finds a reply by the title and author of the page it replies to, once its context is read, and names it after it', async () => {
    pages['/post'] = (res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html><head><title>Site</title></head><body><article class="h-entry">
        <h1 class="p-name">Thoughts on lighthouses</h1>
        <a class="p-author h-card" href="https://grace.example/">Grace Hopper</a>
        <div class="e-content"><p>Body.</p></div></article></body></html>`);
    };
    const url = await publish({
      'in-reply-to': ['https://remote.example/post'],
      content: ['Agreed, well put.'],
    });
    // Before the context is read only the reply's own words find it.
    expect((await api('lighthouses')).total).toBe(0);
    await t.app.services.replyContexts.settled();

    const found = await api('lighthouses');
    expect(found.total).toBe(1);
    expect(found.results[0]!.url).toBe(url);
    // The excerpt is the reply's own text.
    expect(found.results[0]!.excerpt_html).toBe('Agreed, well put.');
    expect((await api('grace hopper')).total).toBe(1);

    const html = await (await t.get('/search?q=lighthouses')).text();
    expect(html).toContain('1 note matches.');
    expect(html).toContain(`<a href="${url}">Reply to Thoughts on lighthouses</a>`);

    // A rebuilt index (starpunk reindex) still knows it.
    t.notes.reindex();
    expect((await api('lighthouses')).total).toBe(1);
  });

  it('finds a reply by the h-cite name a client sent, at once', async () => {
    const url = await publish({
      'in-reply-to': [
        {
          type: ['h-cite'],
          properties: { url: ['https://elsewhere.example/p'], name: ['Tidal clocks explained'] },
        },
      ],
      content: ['Nice one.'],
    });
    const found = await api('tidal clocks');
    expect(found.total).toBe(1);
    expect(found.results[0]!.url).toBe(url);
  });
});

describe('search excerpts', () => {
  it('show no footnote markers and no code; code words still find the note', async () => {
    t.notes.createNote({
      slug: 'kettle-notes',
      content:
        'Kettles boil faster with lids[^1] and other kettle facts.\n\n```js\nconst kettleTemperature = 100;\n```\n\nMore about kettles after the code.\n\n[^1]: Mostly kettles with lids.',
    });
    const r = await api('kettles');
    expect(r.total).toBe(1);
    const excerpt = r.results[0]!.excerpt_html;
    expect(excerpt).toContain('<mark>Kettles</mark>');
    expect(excerpt).not.toMatch(/\[\d+\]/);
    expect(excerpt).not.toContain('const');
    expect(excerpt).not.toContain('kettleTemperature');
    expect(excerpt).not.toContain('↩');
    // A word only in the code block finds the note; its excerpt is the note's text, not the code.
    const code = await api('kettleTemperature');
    expect(code.total).toBe(1);
    expect(code.results[0]!.excerpt_html).not.toContain('kettleTemperature');
    expect(code.results[0]!.excerpt_html).toContain('Kettles boil faster');
    // The footnote's own words are text, and are found.
    expect((await api('mostly')).total).toBe(1);
    // The page shows the same.
    const page = await (await t.get('/search?q=kettles')).text();
    expect(page).not.toMatch(/<p>[^<]*\[1\]/);
  });

  it('the index has the columns of 024_search_context_and_code.sql', () => {
    const cols = (
      t.db.prepare("SELECT name FROM pragma_table_info('notes_fts')").all() as { name: string }[]
    ).map((c) => c.name);
    expect(cols).toEqual(['name', 'body', 'context', 'code']);
  });
});
