/**
 * Issues #20 (defect 5) and #21 (site context): settings × pages × feeds × export. What the owner
 * saves in Settings — name, language, footer, author, default social image — and the menu of
 * their pages appear on every page a visitor or the owner can reach (home, note, tag, search,
 * a standalone page, the 404 page, the sign-in page, the IndieAuth consent page), in the feeds
 * and in `starpunk export`, at once and after a restart; nothing shows the start-up values.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/run.js';
import { settingsStore } from '../../src/db/store/settings.js';
import { type Admin, postForm, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { captureIo } from '../helpers/io.js';
import { startFakeMastodon } from '../helpers/mastodon.js';
import { type RemoteSite, startRemote } from '../helpers/remote.js';
import { restart, saveSettings } from '../helpers/settings.js';

const SITE = 'https://blog.test/';
const ENV = { SITE_URL: SITE, SITE_NAME: 'Test Site', SITE_AUTHOR: 'Ada Lovelace' };
const CLIENT = 'https://client.example/';

/** What the owner saves in Settings. */
const SAVED = {
  site_name: 'Carnet d’Ada',
  site_description: 'Notes sur les machines',
  language: 'fr',
  footer_text: 'Écrit à la main à Paris.',
  author_name: 'Augusta Ada King',
  social_image_url: '/media/site/card.jpg',
};
const OG_IMAGE = `${SITE}media/site/card.jpg`;

let t: TestApp;
let admin: Admin;
let client: RemoteSite;

beforeEach(async () => {
  client = await startRemote((_req, _body, res) => {
    res
      .writeHead(200, { 'Content-Type': 'application/json' })
      .end(
        JSON.stringify({ client_id: CLIENT, client_name: 'Example Client', redirect_uris: [`${CLIENT}cb`] }),
      );
  });
  t = createTestApp(ENV, undefined, { hosts: { 'client.example': client.url } });
  admin = await signIn(t);
});
afterEach(async () => {
  t.close();
  await client.close();
});

/** An IndieAuth authorization request (PKCE S256), as a Micropub client would send it. */
function authorizeUrl(): string {
  const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT,
    redirect_uri: `${CLIENT}cb`,
    state: 'st4te',
    scope: 'create',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  return `/auth/authorization?${q}`;
}

/** The site menu's links, in order. */
function menuOf(html: string): string[] {
  const nav = /<nav class="site-nav"[^>]*>([\s\S]*?)<\/nav>/.exec(html)?.[1] ?? '';
  return [...nav.matchAll(/<a href="([^"]+)"/g)].map((m) => m[1]!);
}

/** The `og:image` of a page, or undefined. */
function ogImage(html: string): string | undefined {
  return /<meta property="og:image" content="([^"]*)"/.exec(html)?.[1];
}

/** Every page a visitor or the owner reaches, as [label, status, html]. */
async function everyPage(get: (path: string, headers?: Record<string, string>) => Promise<Response>) {
  const note = t.notes.listPublicNotes(1)[0]!;
  const asked: [string, string, Record<string, string>?][] = [
    ['home', '/'],
    ['note', `/notes/${note.slug}`],
    ['tag', '/tag/engines'],
    ['search', '/search?q=engine'],
    ['tag index', '/tags'],
    ['archive', '/archive'],
    ['follow', '/follow'],
    ['standalone page', '/about'],
    ['404', '/no-such-page'],
    ['sign-in', '/auth/login'],
    ['IndieAuth consent', authorizeUrl(), { Cookie: admin.cookie }],
  ];
  const out: [string, number, string][] = [];
  for (const [label, path, headers] of asked) {
    const res = await get(path, headers);
    out.push([label, res.status, await res.text()]);
  }
  return out;
}

/** Each page shows the saved facts, and none of the start-up ones. */
function expectSaved(pages: [string, number, string][]): void {
  for (const [label, status, html] of pages) {
    expect.soft(status, label).toBe(label === '404' ? 404 : 200);
    expect.soft(html, label).toContain('<html lang="fr">');
    expect.soft(html, label).toContain('Carnet d’Ada');
    expect.soft(html, label).not.toContain('Test Site');
    expect.soft(html, label).toContain('<p class="footer-text">Écrit à la main à Paris.</p>');
    expect.soft(html, label).toContain('Augusta Ada King');
    expect.soft(menuOf(html), label).toEqual(['/', '/search', '/follow', '/about']);
    expect.soft(ogImage(html), label).toBe(OG_IMAGE);
  }
}

/** Runs `starpunk export` on the test site's data directory; returns the export folder. */
async function exportSite(): Promise<string> {
  const io = captureIo({ DATA_PATH: t.dir, ...ENV, LOG_LEVEL: 'error' }, t.dir);
  expect(await main(['export', '--out', 'out'], io), io.err.join('')).toBe(0);
  const [name] = readdirSync(join(t.dir, 'out'));
  return join(t.dir, 'out', name!);
}

async function populate(): Promise<void> {
  t.notes.createNote({ content: 'An engine of numbers.', name: 'Engines', tags: ['engines'] });
  const page = await postForm(t, admin, '/admin/pages/new', {
    intent: 'save',
    title: 'About',
    slug: 'about',
    content: 'Who writes here.',
    published: '1',
    in_menu: '1',
  });
  expect(page.status).toBe(303);
}

describe('the site facts the owner saves are the same on every page, feed and export', () => {
  it('every page shows the saved name, language, footer, author, menu and absolute social image at once', async () => {
    await populate();
    // Every page rendered (and cached) under the start-up facts first.
    const before = await everyPage(t.get);
    for (const [label, , html] of before) expect(html, label).toContain('Test Site');
    const etag = (await t.get('/about')).headers.get('etag')!;

    // A copy of a page made under the old name is not "still fresh".
    expect((await saveSettings(t, admin, { site_name: SAVED.site_name })).status).toBe(303);
    expect((await t.get('/about', { 'If-None-Match': etag })).status).toBe(200);

    expect((await saveSettings(t, admin, SAVED)).status).toBe(303);
    expectSaved(await everyPage(t.get));
  });

  it('the feeds describe the site as saved', async () => {
    await populate();
    await t.get('/feed.json');
    await t.get('/feed.rss');
    expect((await saveSettings(t, admin, SAVED)).status).toBe(303);
    const feed = (await (await t.get('/feed.json')).json()) as Record<string, unknown>;
    expect(feed).toMatchObject({
      title: 'Carnet d’Ada',
      description: 'Notes sur les machines',
      language: 'fr',
      authors: [{ name: 'Augusta Ada King' }],
    });
    const rss = await (await t.get('/feed.rss')).text();
    expect(rss).toContain('<title>Carnet d’Ada</title>');
    expect(rss).toContain('<language>fr</language>');
  });

  it('starpunk export writes feed.json and settings.json with the saved facts, and pages.json with the menu', async () => {
    await populate();
    expect((await saveSettings(t, admin, SAVED)).status).toBe(303);
    const out = await exportSite();
    const feed = JSON.parse(readFileSync(join(out, 'feed.json'), 'utf8')) as Record<string, unknown>;
    expect(feed).toMatchObject({
      title: 'Carnet d’Ada',
      description: 'Notes sur les machines',
      home_page_url: SITE,
      language: 'fr',
      authors: [{ name: 'Augusta Ada King' }],
    });
    expect(JSON.stringify(feed)).not.toContain('Test Site');
    expect(JSON.stringify(feed)).not.toContain('Ada Lovelace');
    const settings = JSON.parse(readFileSync(join(out, 'settings.json'), 'utf8')) as {
      settings: Record<string, string>;
    };
    expect(settings.settings).toMatchObject({
      'site.name': 'Carnet d’Ada',
      'site.language': 'fr',
      'site.footer': 'Écrit à la main à Paris.',
      'site.social_image': '/media/site/card.jpg',
      'author.name': 'Augusta Ada King',
    });
    const pages = JSON.parse(readFileSync(join(out, 'pages.json'), 'utf8')) as {
      items: { slug: string; menu_order: number | null }[];
    };
    expect(pages.items.map((p) => [p.slug, p.menu_order !== null])).toEqual([['about', true]]);
  });

  it('after a restart every page still shows the saved facts, and no copy from before is "still fresh"', async () => {
    await populate();
    const etag = (await t.get('/')).headers.get('etag')!;
    // The language and footer alone: the configuration stays the same, only the settings differ.
    expect((await saveSettings(t, admin, { language: 'fr', footer_text: SAVED.footer_text })).status).toBe(
      303,
    );
    const first = restart(t);
    try {
      // A new process starts afresh: a tag given out before the save must not match what it serves now.
      expect((await first.get('/', { 'If-None-Match': etag })).status).toBe(200);
    } finally {
      first.close();
    }

    expect((await saveSettings(t, admin, SAVED)).status).toBe(303);
    const again = restart(t, { hosts: { 'client.example': client.url } });
    try {
      // The owner's session is in the database: still signed in after the restart.
      expectSaved(await everyPage(again.get));
    } finally {
      again.close();
    }
  });
});

describe('services that name the site use the saved name', () => {
  it('the app registered on a Mastodon server is named after the site as saved', async () => {
    const masto = await startFakeMastodon();
    try {
      expect((await saveSettings(t, admin, { site_name: SAVED.site_name })).status).toBe(303);
      const start = await postForm(t, admin, '/admin/syndication/mastodon/connect', { server: masto.url });
      expect(start.status).toBe(303);
      const [registered] = masto.requests('POST', '/api/v1/apps');
      expect(new URLSearchParams(registered!.body.toString()).get('client_name')).toBe(
        'StarPunk (Carnet d’Ada)',
      );
    } finally {
      await masto.close();
    }
  });
});

describe('a social image is checked once, for every page', () => {
  it('a stored value the settings refuse reaches no page', async () => {
    await populate();
    // As an import of someone else's settings.json or a hand edit of the database would leave it.
    for (const bad of ['javascript:alert(1)', 'mailto:ada@example.com', '/media/../../etc/passwd']) {
      settingsStore(t.db).upsertSetting('site.social_image', bad, new Date().toISOString());
      for (const [label, , html] of await everyPage(t.get)) {
        expect(ogImage(html), `${label}: ${bad}`).toBeUndefined();
        expect(html, `${label}: ${bad}`).not.toContain('twitter:image');
      }
    }
  });
});
