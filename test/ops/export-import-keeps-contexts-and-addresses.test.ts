/**
 * Issue 20 (lived-in site, step 4): `export` → `import` into a fresh site, and `import` of a whole
 * data directory, keep two things a note has besides its own text:
 * - the reply context of a like, repost, bookmark or reply (the cited page's title and author,
 *   read once when the note was published): without it the imported site titled a repost
 *   "Reposted http://…" and lost the h-cite;
 * - the addresses a note had before its slug changed: the old address answered 404, not 301.
 * The source site is built through Micropub, with a real loopback server playing the cited site.
 */
import { readFileSync } from 'node:fs';
import type http from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { silentLogger } from '../../src/logger.js';
import { parseFrontMatter } from '../../src/ops/front-matter.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { type RemoteSite, startRemote } from '../helpers/remote.js';
import { cleanup, cli, NOW, openSite, tempDir } from './ops-helpers.js';

const entry = (title: string, author: string, home: string) =>
  `<!doctype html><html><head><title>Every page · Remote</title></head><body>
  <article class="h-entry"><h1 class="p-name">${title}</h1>
  <a class="p-author h-card" href="${home}">${author}</a>
  <div class="e-content"><p>Text that is not the title.</p></div></article></body></html>`;

const PAGES: Record<string, string> = {
  '/meetup': entry('Weaving meetup on Saturday!', 'Bea Neighbour', 'https://bea.example/'),
  '/wheel': entry('My spinning wheel, restored at last.', 'Bea Neighbour', 'https://bea.example/'),
  '/guide': entry('A guide to warping a loom', 'Cy Weaver', 'https://cy.example/'),
  '/looms': entry('Why looms matter', 'Cy Weaver', 'https://cy.example/'),
};

/** The notes that respond to a page (slug → properties), and the one whose slug changes. */
const RESPONSES: Record<string, Record<string, unknown[]>> = {
  'reposted-meetup': { 'repost-of': ['https://remote.example/meetup'] },
  'liked-wheel': { 'like-of': ['https://remote.example/wheel'] },
  'worth-keeping': { 'bookmark-of': ['https://remote.example/guide'], content: ['Read it twice.'] },
  'i-agree': { 'in-reply-to': ['https://remote.example/looms'], content: ['So true.'] },
};

let remote: RemoteSite;
let remoteOpen: boolean;
let a: TestApp;

/** Stops the cited site: what a copy shows must then come from the copy alone. */
async function stopRemote(): Promise<void> {
  if (remoteOpen) await remote.close();
  remoteOpen = false;
}

beforeEach(async () => {
  remote = await startRemote((req, _body, res: http.ServerResponse) => {
    const page = PAGES[req.url ?? ''];
    res.writeHead(page ? 200 : 404, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(page ?? 'not here');
  });
  remoteOpen = true;
  // The same SITE_URL, name and author as the sites ops-helpers opens, so pages compare byte for byte.
  a = createTestApp({ LOG_LEVEL: 'error' }, NOW, { hosts: { 'remote.example': remote.url } });
  const token = a.app.services.tokens.mintToken({
    me: a.config.adminMe,
    clientId: 'https://client.example/',
    scope: 'create update',
    expiresInSeconds: null,
  }).token;
  let minute = 0;
  const publish = async (properties: Record<string, unknown[]>) => {
    // Each note a minute after the one before: the timeline's order does not rest on ids.
    a.clock.set(new Date(Date.parse(NOW) - 3600_000 + 60_000 * minute++));
    const res = await a.request('/micropub', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: ['h-entry'], properties }),
    });
    expect(res.status).toBe(201);
  };
  for (const [slug, properties] of Object.entries(RESPONSES))
    await publish({ ...properties, 'mp-slug': [slug] });
  await publish({ content: ['Thoughts on looms.'], name: ['On looms'], 'mp-slug': ['on-looms'] });
  await publish({ content: ['Renamed twice.'], 'mp-slug': ['first-name'] });
  await a.app.services.replyContexts.settled();
  // Slugs changed through the note service, as the editor changes them.
  const looms = a.notes.getNoteBySlug('on-looms')!;
  a.notes.changeSlug(looms.id, 'looms-and-me');
  const twice = a.notes.getNoteBySlug('first-name')!;
  a.clock.set('2026-11-28T12:00:00.000Z');
  a.notes.changeSlug(twice.id, 'second-name');
  a.clock.set('2026-11-29T12:00:00.000Z');
  a.notes.changeSlug(twice.id, 'third-name');
  a.clock.set(NOW);
});

afterEach(async () => {
  await a.app.services.replyContexts.settled();
  a.close();
  await stopRemote();
  cleanup();
});

/** What the source site answers: these pages must come out of the copy byte for byte. */
const PATHS = [
  ...Object.keys(RESPONSES).map((s) => `/notes/${s}`),
  '/notes/looms-and-me',
  '/notes/third-name',
  '/',
  '/feed.json',
  '/feed.atom',
  '/feed.rss',
];

/** The former addresses and where they lead. */
const MOVED: Record<string, string> = {
  '/notes/on-looms': '/notes/looms-and-me',
  '/notes/first-name': '/notes/third-name',
  '/notes/second-name': '/notes/third-name',
};

async function answersOfSource(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const p of PATHS) {
    const res = await a.get(p);
    out[p] = `${res.status} ${withoutRowIds(await res.text())}`;
  }
  return out;
}

/** A data directory served in-process, answers with their headers. */
function served(dir: string) {
  const site = openSite(dir);
  const app = buildApp({
    config: site.config,
    db: site.db,
    clock: site.clock,
    logger: silentLogger(),
    version: '0.0.0-test',
    notes: site.notes,
    secret: 'test-secret-test-secret-test-secret',
  });
  return {
    site,
    get: async (path: string) => app.request(`http://example.test${path}`, { redirect: 'manual' }),
    close: () => site.close(),
  };
}

/**
 * A page without the database row ids it carries for the owner's Edit link (`data-edit`): an import
 * numbers its rows afresh, and only the admin address they lead to depends on them.
 */
function withoutRowIds(html: string): string {
  return html.replace(/data-edit="\/admin\/(edit|pages)\/\d+"/g, 'data-edit="/admin/$1/ID"');
}

/** Checks a copy of the source site in `dir` against the source. */
async function expectSameSite(dir: string, source: Record<string, string>): Promise<void> {
  const copy = served(dir);
  try {
    // A sample of what the pages say, so a failure reads clearly; then every page byte for byte.
    const repost = await (await copy.get('/notes/reposted-meetup')).text();
    expect(repost).toContain('<title>Reposted Weaving meetup on Saturday! · Test Site</title>');
    expect(repost).toMatch(/class="[^"]*h-cite[^"]*"/);
    expect(repost).toContain('Bea Neighbour');
    for (const p of PATHS) {
      const res = await copy.get(p);
      expect(`${res.status} ${withoutRowIds(await res.text())}`, p).toBe(source[p]);
    }
    for (const [from, to] of Object.entries(MOVED)) {
      const res = await copy.get(from);
      expect(`${res.status} ${res.headers.get('location')}`, from).toMatch(
        new RegExp(`^301 (http://example\\.test)?${to}$`),
      );
    }
  } finally {
    copy.close();
  }
}

/** The rows an import must restore, without ids: they differ between sites. */
function keptRows(dir: string) {
  const s = served(dir);
  try {
    return {
      contexts: s.site.db
        .prepare(
          'SELECT url, status, name, author_name, author_url, fetched_at FROM reply_contexts ORDER BY url',
        )
        .all(),
      formerSlugs: s.site.db
        .prepare(
          `SELECT f.slug AS former, n.slug AS note FROM former_slugs f JOIN notes n ON n.id = f.note_id
           ORDER BY f.slug`,
        )
        .all(),
      notes: s.site.db.prepare('SELECT COUNT(*) AS n FROM notes').get(),
    };
  } finally {
    s.close();
  }
}

describe('export → import keeps reply contexts and former addresses', () => {
  it('the export carries them: former_slugs in the front matter, the cited pages in reply-contexts.json', async () => {
    const out = tempDir();
    const r = await cli(['export', '--out', out], a.dir);
    expect(r.code, r.err).toBe(0);
    const path = /to (\S+)\n$/.exec(r.out)![1]!;
    const note = a.notes.getNoteBySlug('third-name')!;
    const fm = parseFrontMatter(readFileSync(join(path, 'notes', note.filePath), 'utf8'));
    expect(fm.data.slug).toBe('third-name');
    expect(fm.data.former_slugs).toEqual(['first-name', 'second-name']);
    const contexts = JSON.parse(readFileSync(join(path, 'reply-contexts.json'), 'utf8')) as {
      items: { type: string[]; properties: Record<string, unknown[]> }[];
    };
    const meetup = contexts.items.find((i) => i.properties.url?.[0] === 'https://remote.example/meetup');
    expect(meetup?.type).toEqual(['h-cite']);
    expect(meetup?.properties.name).toEqual(['Weaving meetup on Saturday!']);
    expect(meetup?.properties.author).toEqual([
      { type: ['h-card'], properties: { name: ['Bea Neighbour'], url: ['https://bea.example/'] } },
    ]);
    expect(contexts.items).toHaveLength(4);
  });

  it('an imported export serves the same notes, titles, h-cites and 301s; a second import creates nothing', async () => {
    const source = await answersOfSource();
    const before = keptRows(a.dir);
    expect(before.contexts).toHaveLength(4);
    expect(before.formerSlugs).toHaveLength(3);
    const out = tempDir();
    const exp = await cli(['export', '--out', out], a.dir);
    expect(exp.code, exp.err).toBe(0);
    const path = /to (\S+)\n$/.exec(exp.out)![1]!;
    await stopRemote();

    const b = join(tempDir(), 'b');
    const first = await cli(['import', path], b);
    expect(first.code, first.out + first.err).toBe(0);
    expect(first.out).toMatch(/Markdown folder .*: imported 6, skipped 0, failed 0/);
    expect(keptRows(b)).toEqual(before);
    await expectSameSite(b, source);

    const again = await cli(['import', path], b);
    expect(again.code, again.out + again.err).toBe(0);
    expect(again.out).toMatch(/imported 0, skipped 6, failed 0/);
    expect(keptRows(b)).toEqual(before);
    await expectSameSite(b, source);
  });

  it('an imported data directory does too; a second import creates nothing', async () => {
    const source = await answersOfSource();
    const before = keptRows(a.dir);
    await stopRemote();

    const c = join(tempDir(), 'c');
    const first = await cli(['import', a.dir], c);
    expect(first.code, first.out + first.err).toBe(0);
    expect(first.out).toMatch(/StarPunk data directory .*: imported 6, skipped 0, failed 0/);
    expect(keptRows(c)).toEqual(before);
    await expectSameSite(c, source);

    const again = await cli(['import', a.dir], c);
    expect(again.out).toMatch(/imported 0, skipped 6, failed 0/);
    expect(keptRows(c)).toEqual(before);
  });
});
