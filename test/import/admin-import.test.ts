/**
 * Admin → Import through the real admin (in-process): an export uploaded (streamed to a staged
 * file), its dry run's report, then the import for real through the job queue — notes exist, old
 * links answer 301, the staged file is gone. An upload larger than IMPORT_MAX_MB is refused and
 * leaves nothing; a broken file shows its error (file, line, column) and changes nothing; the
 * upload's CSRF token is checked although its body is not parsed by the guard.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Admin, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { type WxrPost, wxr } from './wxr.js';

const OLD = 'https://old.example';

function posts(): WxrPost[] {
  return [
    {
      id: 11,
      title: 'Hello from WordPress',
      name: 'hello-from-wordpress',
      content: '<p>The first post, with <em>emphasis</em>.</p>',
      dateGmt: '2015-06-01 08:30:00',
      link: `${OLD}/2015/06/hello-from-wordpress/`,
      terms: [{ domain: 'post_tag', nicename: 'moving', name: 'Moving' }],
      comments: [
        {
          id: 1,
          author: 'Grace',
          authorUrl: 'https://grace.example/',
          content: 'Welcome!',
          approved: '1',
          dateGmt: '2015-06-02 09:00:00',
        },
      ],
    },
    {
      id: 12,
      title: 'Second',
      name: 'second',
      content: '<p>Another one.</p>',
      dateGmt: '2016-02-03 04:05:06',
      link: `${OLD}/2016/02/second/`,
    },
  ];
}

let t: TestApp | undefined;
afterEach(() => {
  t?.close();
  t = undefined;
});

function staged(app: TestApp): string[] {
  const dir = join(app.config.dataPath, 'imports');
  return existsSync(dir) ? readdirSync(dir) : [];
}

function upload(
  app: TestApp,
  admin: Admin,
  body: string | Uint8Array,
  fields: Record<string, string> = {},
  csrf: string | null = admin.csrf,
) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  form.set('file', new Blob([body], { type: 'text/xml' }), 'export.xml');
  const q = csrf === null ? '' : `?_csrf=${encodeURIComponent(csrf)}`;
  return app.request(`/admin/import${q}`, { method: 'POST', headers: { Cookie: admin.cookie }, body: form });
}

function noteCount(app: TestApp): number {
  return app.db.prepare('SELECT count(*) FROM notes').pluck().get() as number;
}

describe('Admin → Import', () => {
  it('dry run, report, import for real: notes exist, old links answer 301, the staged file is removed', async () => {
    t = createTestApp();
    const admin = await signIn(t);
    const page = await (await t.get('/admin/import', { Cookie: admin.cookie })).text();
    expect(page).toContain('<option value="wordpress">WordPress WXR</option>');
    expect(page).toContain(
      'cannot save anything else: publishing, editing or a received Webmention is refused',
    );
    expect(page).toMatch(/<input type="checkbox" name="dry_run" value="on" checked/);
    expect(page).not.toMatch(/name="announce" value="on" checked/);

    const res = await upload(t, admin, wxr(OLD, posts(), { version: '1.2', cdata: true }), { dry_run: 'on' });
    expect(res.status).toBe(303);
    const where = res.headers.get('location')!;
    expect(where).toMatch(/^\/admin\/import\/[0-9a-f-]{36}$/);
    expect(staged(t)).toHaveLength(1);
    expect(await (await t.get(where, { Cookie: admin.cookie })).text()).toContain('Waiting to start');

    expect(await t.app.services.runner.drain(['import.run'])).toBe(1);
    const dry = await (await t.get(where, { Cookie: admin.cookie })).text();
    expect(dry).toContain('read 2, would import 2 notes and 0 pages, skipped 0, failed 0');
    expect(dry).toContain('old addresses: would map 4');
    expect(dry).toContain('dry run: nothing was written');
    expect(dry).toContain('Import for real');
    expect(noteCount(t)).toBe(0);
    expect(staged(t)).toHaveLength(1);

    const run = await t.request(`${where}/run`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: admin.cookie },
      body: new URLSearchParams({ _csrf: admin.csrf }).toString(),
    });
    expect(run.status).toBe(303);
    const status = await (await t.get(`${where}/status`, { Cookie: admin.cookie })).json();
    expect(status).toMatchObject({ state: 'queued', stage: 'import' });
    expect(await t.app.services.runner.drain(['import.run'])).toBe(1);

    const done = await (await t.get(where, { Cookie: admin.cookie })).text();
    expect(done).toContain('read 2, imported 2 notes and 0 pages, skipped 0, failed 0');
    expect(done).toContain('responses: imported 1');
    expect(done).toContain('announced: no');
    expect(done).not.toContain('Import for real');
    expect(noteCount(t)).toBe(2);
    // Imported quietly: nothing queued for other sites.
    expect(t.db.prepare("SELECT count(*) FROM jobs WHERE kind != 'import.run'").pluck().get()).toBe(0);
    const old = await t.get('/2015/06/hello-from-wordpress/');
    expect(old.status).toBe(301);
    expect(old.headers.get('location')).toBe('/notes/hello-from-wordpress');
    const note = await (await t.get('/notes/hello-from-wordpress')).text();
    expect(note).toContain('<em>emphasis</em>');
    expect(note).toContain('Welcome!');
    expect(staged(t)).toEqual([]);
    // Listed among the recent imports.
    expect(await (await t.get('/admin/import', { Cookie: admin.cookie })).text()).toContain(
      `href="${where}"`,
    );
  });

  it('announces the imported notes only when asked', async () => {
    t = createTestApp();
    const admin = await signIn(t);
    const res = await upload(t, admin, wxr(OLD, posts(), { version: '1.2', cdata: true }), {
      announce: 'on',
    });
    expect(res.status).toBe(303);
    await t.app.services.runner.drain(['import.run']);
    expect(noteCount(t)).toBe(2);
    const page = await (await t.get(res.headers.get('location')!, { Cookie: admin.cookie })).text();
    expect(page).toContain('announced: yes');
    // The site's own listeners heard of both notes (WebSub at least plans a ping for public notes).
    const queued = t.db
      .prepare("SELECT count(*) FROM jobs WHERE kind != 'import.run'")
      .pluck()
      .get() as number;
    expect(queued).toBeGreaterThan(0);
  });

  it('refuses an upload over IMPORT_MAX_MB with 413 and keeps nothing', async () => {
    t = createTestApp({ IMPORT_MAX_MB: '1' });
    const admin = await signIn(t);
    const big = new Uint8Array(1024 * 1024 + 200 * 1024).fill(0x20);
    const res = await upload(t, admin, big);
    expect(res.status).toBe(413);
    expect(await res.text()).toContain('An import file may be at most 1 MB');
    expect(staged(t)).toEqual([]);
    expect(t.db.prepare("SELECT count(*) FROM jobs WHERE kind = 'import.run'").pluck().get()).toBe(0);
  });

  it('shows a broken file’s error, with its line and column, and changes nothing', async () => {
    t = createTestApp();
    const admin = await signIn(t);
    const text = wxr(OLD, posts(), { version: '1.2', cdata: true });
    const at = text.indexOf('<wp:post_id>12</wp:post_id>');
    const broken = `${text.slice(0, at)}<wp:post_id>12</wp:post_idd>${text.slice(at + '<wp:post_id>12</wp:post_id>'.length)}`;
    const line = broken.slice(0, at).split('\n').length;
    const res = await upload(t, admin, broken);
    expect(res.status).toBe(303);
    await t.app.services.runner.drain(['import.run']);
    const page = await (await t.get(res.headers.get('location')!, { Cookie: admin.cookie })).text();
    expect(page).toContain('role="alert"');
    expect(page).toMatch(new RegExp(`\\.upload:${line}:\\d+: `));
    expect(page).toContain('Nothing was imported: the site is as it was.');
    expect(noteCount(t)).toBe(0);
    expect(t.db.prepare('SELECT count(*) FROM former_addresses').pluck().get()).toBe(0);
    expect(staged(t)).toEqual([]);
  });

  it('checks the upload’s CSRF token (in the query) and reads no file without it', async () => {
    t = createTestApp();
    const admin = await signIn(t);
    const body = wxr(OLD, posts(), { version: '1.2', cdata: true });
    expect((await upload(t, admin, body, {}, null)).status).toBe(403);
    expect((await upload(t, admin, body, {}, 'not-the-token')).status).toBe(403);
    expect(staged(t)).toEqual([]);
  });

  it('says what is missing or wrong in the form, and keeps no file', async () => {
    t = createTestApp();
    const admin = await signIn(t);
    const body = wxr(OLD, posts(), { version: '1.2', cdata: true });
    const bad = await upload(t, admin, body, { from: 'myspace' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('Choose a format from the list.');
    const both = await upload(t, admin, body, { url: 'https://old.example/feed' });
    expect(both.status).toBe(400);
    expect(await both.text()).toContain('not both');
    const form = new FormData();
    const none = await t.request(`/admin/import?_csrf=${encodeURIComponent(admin.csrf)}`, {
      method: 'POST',
      headers: { Cookie: admin.cookie },
      body: form,
    });
    expect(none.status).toBe(400);
    expect(await none.text()).toContain('Choose an export file, or give a feed address.');
    expect(staged(t)).toEqual([]);
  });
});
