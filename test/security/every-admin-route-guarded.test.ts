/**
 * Every route the app registers under /admin — read from Hono's own route table, so a feature
 * added tomorrow is walked too — sends a visitor without a session to sign in, and refuses a POST
 * without a session or without the CSRF token before anything changes. The admin is one sub-app
 * behind one guard (src/routes/admin/app.ts); this holds it to that whatever order its features
 * are listed in. The last case shows the walk does catch a route that answers outside the guard.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { webmentionsStore } from '../../src/db/store/webmentions.js';
import type { RequestVars } from '../../src/http/request-log.js';
import type { SessionVars } from '../../src/http/session.js';
import { type Admin, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { photoLike } from '../helpers/images.js';

type Request = (path: string, init?: RequestInit) => Promise<Response>;

/** Each method and path registered under /admin (`ALL` for middleware), once. */
function adminRoutes(app: { routes: readonly { method: string; path: string }[] }) {
  const seen = new Map<string, { method: string; path: string }>();
  for (const r of app.routes) {
    if (r.path !== '/admin' && !r.path.startsWith('/admin/')) continue;
    seen.set(`${r.method} ${r.path}`, { method: r.method, path: r.path });
  }
  return [...seen.values()];
}

/** A request path for a route pattern: every parameter is 1 (the fixtures' ids), `*` a word. */
function concrete(pattern: string): string {
  return pattern.replace(/:[A-Za-z_]\w*(\{[^}]*\})?/g, '1').replace(/\*/g, 'anything');
}

/** Fields an unguarded handler would act on (settings, pages, tokens, domains, the editor…). */
const FIELDS = {
  site_name: 'Defaced',
  posts_per_page: '20',
  language: 'en',
  title: 'Defaced',
  slug: 'defaced',
  content: 'Defaced',
  intent: 'publish',
  client_id: 'https://evil.example/',
  scope: 'create',
  expires_days: '0',
  domain: 'evil.example',
  rule: 'block',
  auto_approve: 'on',
  on: '0',
  by: '1',
  server: 'https://evil.example/',
};

/**
 * What the walk finds wrong: a GET that does not send a signed-out visitor to sign in, a POST
 * without a session that is not the guard's 401, a signed-in POST without the CSRF token that is
 * not the guard's 403. (Whether anything changed is checked by the caller.)
 */
async function unguarded(request: Request, routes: { method: string; path: string }[], admin: Admin) {
  const problems: string[] = [];
  for (const { method, path: pattern } of routes) {
    const path = concrete(pattern);
    if (method === 'GET' || method === 'ALL') {
      const res = await request(path, { headers: { Accept: 'text/html' } });
      const to = res.headers.get('location');
      if (res.status !== 303 || to !== `/auth/login?next=${encodeURIComponent(path)}`)
        problems.push(`GET ${path} signed out: ${res.status} ${to ?? ''}`);
    }
    if (method !== 'GET') {
      // Signed out, though carrying a real session's CSRF token: a token is not a session.
      const anonymous = await request(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-CSRF-Token': admin.csrf },
        body: new URLSearchParams({ _csrf: admin.csrf, ...FIELDS }).toString(),
      });
      const anonymousText = await anonymous.text();
      if (anonymous.status !== 401 || !anonymousText.includes('You are not signed in'))
        problems.push(`POST ${path} signed out: ${anonymous.status}`);
      // Signed in, but no CSRF token: a page elsewhere posting with the owner's cookie.
      const forged = await request(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: admin.cookie },
        body: new URLSearchParams(FIELDS).toString(),
      });
      const forgedText = await forged.text();
      if (forged.status !== 403 || !forgedText.includes('CSRF check failed'))
        problems.push(`POST ${path} without CSRF token: ${forged.status}`);
    }
  }
  return problems;
}

/** Every row of every table, and every file in the data directory but the database's own. */
function snapshot(t: TestApp): string {
  const tables = t.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
    name: string;
  }[];
  const rows = tables.map(({ name }) => [name, t.db.prepare(`SELECT * FROM "${name}"`).all()]);
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (full !== t.config.databasePath && !full.startsWith(`${t.config.databasePath}-`))
        files.push(
          `${relative(t.dir, full)} ${statSync(full).size} ${createHash('sha256').update(readFileSync(full)).digest('hex')}`,
        );
    }
  };
  walk(t.dir);
  return JSON.stringify({ rows, files: files.sort() });
}

let t: TestApp;
let admin: Admin;
let request: Request;
beforeEach(async () => {
  t = createTestApp();
  admin = await signIn(t);
  request = (path, init) => t.request(path, init);
  // Something for each `:id` = 1 to act on, were a handler reached: a note, a page, a token, a
  // picture, a received Webmention, a connected account; session 1 is the admin's own.
  const s = t.app.services;
  const note = t.notes.createNote({ content: 'Keep me' });
  s.pages.create({ title: 'About', slug: 'about', content: 'Keep me', published: true, inMenu: true });
  s.tokens.mintToken({
    me: t.config.adminMe,
    clientId: 'https://app.example/',
    scope: 'create',
    expiresInSeconds: null,
  });
  await s.media.saveUpload({
    bytes: await photoLike(64, 48).jpeg().toBuffer(),
    originalName: 'keep.jpg',
    declaredType: 'image/jpeg',
    alt: 'Keep me',
  });
  webmentionsStore(t.db).insertWebmention({
    source: 'https://friend.example/reply',
    target: `${t.config.siteUrl.replace(/\/$/, '')}/notes/${note.slug}`,
    source_host: 'friend.example',
    note_id: note.id,
    status_token: 'every-admin-route-guarded-token',
    state: 'queued',
    detail: null,
    moderation: 'pending',
    now: t.clock.now().toISOString(),
  });
  s.syndication.connectAccount({
    service: 'mastodon',
    uid: 'https://social.example/@ada',
    name: '@ada@social.example',
    user: { name: 'Ada', url: 'https://social.example/@ada' },
    secrets: { accessToken: 'keep-me' },
  });
});
afterEach(() => t.close());

describe('every admin route is behind the one guard', () => {
  it('walks the whole admin: one route of each feature is among those walked', () => {
    const walked = adminRoutes(t.app).map((r) => `${r.method} ${r.path}`);
    for (const route of [
      'GET /admin',
      'POST /admin/notes/:id/delete',
      'POST /admin/edit/:id',
      'POST /admin/drafts/:key',
      'POST /admin/tokens',
      'POST /admin/sessions/end-all',
      'POST /admin/settings',
      'POST /admin/notes/:id/webmentions/resend',
      'POST /admin/webmentions/:id/approve',
      'GET /admin/syndication/mastodon/callback',
      'POST /admin/syndication/accounts/:id/disconnect',
      'POST /admin/pages/:id/delete',
    ])
      expect(walked).toContain(route);
  });

  it('signed out, GET goes to sign in; a POST without a session or a CSRF token changes nothing', async () => {
    const routes = adminRoutes(t.app);
    const before = snapshot(t);
    expect(await unguarded(request, routes, admin)).toEqual([]);
    expect(snapshot(t)).toBe(before);
    // The guard let nothing through, yet the admin itself still works with both.
    const page = await t.get('/admin', { Cookie: admin.cookie });
    expect(page.status).toBe(200);
  });

  it('a route that answers before the guard is found, and so is what it changed', async () => {
    // What mounting a router outside the admin sub-app amounts to: its handlers answer first.
    const outside = new Hono<{ Variables: RequestVars & SessionVars }>();
    outside.get('/admin/leak', (c) => c.text('the owner’s drafts'));
    outside.post('/admin/notes/:id/delete', (c) => {
      t.notes.trashNote(Number(c.req.param('id')));
      return c.redirect('/admin?flash=trashed', 303);
    });
    outside.route('/', t.app);
    const routes = adminRoutes(outside);
    const before = snapshot(t);
    const problems = await unguarded(
      (path, init) => Promise.resolve(outside.request(`http://example.test${path}`, init)),
      routes,
      admin,
    );
    expect(problems).toEqual([
      'GET /admin/leak signed out: 200 ',
      'POST /admin/notes/1/delete signed out: 303',
      'POST /admin/notes/1/delete without CSRF token: 303',
    ]);
    expect(snapshot(t)).not.toBe(before);
  });
});
