/**
 * Issue 16 item 6, the server's part: the editor autosaves a draft (JSON, session + CSRF like the
 * rest of the admin), gets it back with the current CSRF token, and saving the note removes the
 * draft that visit of the editor wrote. A request that lost its session is told where to sign in
 * and come back to. (What a person sees is in test/browser/editor-drafts.test.ts.)
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Admin, postMultipart, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
let admin: Admin;
beforeEach(async () => {
  t = createTestApp();
  admin = await signIn(t);
});
afterEach(() => t.close());

const STAMP = 'a1b2c3d4e5f6a7b8c9d0e1f2';

function draftBody(fields: Record<string, unknown>, stamp = STAMP) {
  return { stamp, typed_at: Date.parse('2026-11-27T12:00:00Z'), base_revision: null, fields };
}

function putDraft(key: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return t.request(`/admin/drafts/${key}`, {
    method: 'POST',
    headers: {
      Accept: 'application/json',
      'Content-Type': 'application/json',
      Cookie: admin.cookie,
      'X-CSRF-Token': admin.csrf,
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const getDraft = (key: string, cookie = admin.cookie) =>
  t.get(`/admin/drafts/${key}`, { Accept: 'application/json', Cookie: cookie });

describe('autosaved drafts', () => {
  it('stores the editor fields and gives them back with the current CSRF token', async () => {
    const fields = {
      name: 'Half a title',
      content: 'Typed, not saved\n\nyet',
      tags: 'one, two',
      response_kind: 'like-of',
      response_url: 'https://example.com/',
      photos: [{ url: '/media/2026/11/x.png', alt: 'x', remove: false }],
    };
    const res = await putDraft('new', draftBody(fields));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ saved_at: '2026-11-27T12:00:00.000Z' });
    const back = await getDraft('new');
    expect(back.status).toBe(200);
    expect(back.headers.get('cache-control')).toBe('no-store');
    expect(await back.json()).toEqual({
      draft: {
        stamp: STAMP,
        typed_at: Date.parse('2026-11-27T12:00:00Z'),
        base_revision: null,
        fields,
        saved_at: '2026-11-27T12:00:00.000Z',
      },
      csrf: admin.csrf,
    });
    expect(await (await getDraft('new')).json()).toMatchObject({ draft: { fields } });
  });

  it('keeps one draft per editor: a note being edited has its own', async () => {
    const note = t.notes.createNote({ content: 'Saved text' });
    expect((await putDraft(String(note.id), draftBody({ content: 'Edited text' }))).status).toBe(200);
    expect((await putDraft('new', draftBody({ content: 'A new one' }))).status).toBe(200);
    expect(await (await getDraft(String(note.id))).json()).toMatchObject({
      draft: { fields: { content: 'Edited text' } },
    });
    expect(await (await getDraft('new')).json()).toMatchObject({
      draft: { fields: { content: 'A new one' } },
    });
    expect((await putDraft('999', draftBody({ content: 'x' }))).status).toBe(404);
    expect((await putDraft('abc', draftBody({ content: 'x' }))).status).toBe(404);
    t.notes.trashNote(note.id);
    expect((await getDraft(String(note.id))).status).toBe(404);
  });

  it('saving the note removes the draft that visit wrote, not one written since by another', async () => {
    await putDraft('new', draftBody({ content: 'First words' }));
    const form = new FormData();
    for (const [k, v] of Object.entries({ content: 'First words', status: 'publish', visibility: 'public' }))
      form.set(k, v);
    form.set('draft_stamp', STAMP);
    const res = await postMultipart(t, admin, '/admin/new', form);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(
      new RegExp(`^/admin/edit/\\d+\\?flash=published&saved=${STAMP}$`),
    );
    expect(await (await getDraft('new')).json()).toMatchObject({ draft: null });

    const id = /edit\/(\d+)/.exec(res.headers.get('location')!)![1]!;
    const other = 'ffffffffffffffffffffffff';
    await putDraft(id, draftBody({ content: 'Another tab typed this' }, other));
    const edit = new FormData();
    for (const [k, v] of Object.entries({ content: 'Edited', status: 'publish', visibility: 'public' }))
      edit.set(k, v);
    edit.set('draft_stamp', STAMP);
    expect((await postMultipart(t, admin, `/admin/edit/${id}`, edit)).status).toBe(303);
    expect(await (await getDraft(id)).json()).toMatchObject({ draft: { stamp: other } });
  });

  it('discards a draft on request (only the one a stamp names, when given)', async () => {
    await putDraft('new', draftBody({ content: 'x' }));
    const discard = (body: unknown) =>
      t.request('/admin/drafts/new/discard', {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Cookie: admin.cookie,
          'X-CSRF-Token': admin.csrf,
        },
        body: JSON.stringify(body),
      });
    expect((await discard({ stamp: 'not-this-one-0000' })).status).toBe(204);
    expect(await (await getDraft('new')).json()).toMatchObject({ draft: { stamp: STAMP } });
    expect((await discard({})).status).toBe(204);
    expect(await (await getDraft('new')).json()).toMatchObject({ draft: null });
  });

  it('refuses bad drafts with a clear JSON error', async () => {
    const cases: [unknown, number, RegExp][] = [
      ['{not json', 400, /not valid JSON/],
      [draftBody({ content: 'x' }, 'short'), 400, /stamp/],
      [draftBody({ content: 42 }), 400, /content/],
      [{ ...draftBody({}), typed_at: 'yesterday' }, 400, /typed_at/],
      [draftBody({ content: 'é'.repeat(300 * 1024) }), 413, /512 KB/],
    ];
    for (const [body, status, message] of cases) {
      const res = await putDraft('new', body);
      expect(res.status, JSON.stringify(body).slice(0, 60)).toBe(status);
      const json = (await res.json()) as { error: string; error_description: string };
      expect(json.error_description).toMatch(message);
    }
    const form = await putDraft('new', 'content=x', { 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    expect(await (await getDraft('new')).json()).toMatchObject({ draft: null });
  });

  it('caps the body before reading it (413)', async () => {
    const res = await putDraft('new', draftBody({ content: 'x'.repeat(3 * 1024 * 1024) }));
    expect(res.status).toBe(413);
  });

  it('needs the session and the CSRF token; a script is answered 401 in JSON, never redirected', async () => {
    const body = draftBody({ content: 'x' });
    const noCsrf = await putDraft('new', body, { 'X-CSRF-Token': 'wrong' });
    expect(noCsrf.status).toBe(403);
    expect(((await noCsrf.json()) as { error: string }).error).toBe('forbidden');
    const anonymous = await putDraft('new', body, { Cookie: '' });
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: string }).error).toBe('unauthorized');
    const read = await getDraft('new', '');
    expect(read.status).toBe(401);
    expect(read.headers.get('content-type')).toMatch(/^application\/json/);
    // A page (not a script) is still sent to sign in.
    const page = await t.get('/admin/new');
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/auth/login?next=%2Fadmin%2Fnew');
  });
});

describe('a save after the session ended', () => {
  async function endSession() {
    t.db.prepare('DELETE FROM sessions').run();
  }

  it('answers 401 with a link to sign in again and come back to the editor it came from', async () => {
    const note = t.notes.createNote({ content: 'Saved' });
    await endSession();
    const form = new FormData();
    form.set('content', 'Typed while signed out');
    form.set('_csrf', admin.csrf);
    const res = await t.request(`/admin/edit/${note.id}`, {
      method: 'POST',
      headers: {
        Cookie: admin.cookie,
        Referer: `http://example.test/admin/edit/${note.id}?flash=saved&saved=${STAMP}`,
      },
      body: form,
    });
    expect(res.status).toBe(401);
    const html = await res.text();
    expect(html).toContain('<h1>Sign-in required</h1>');
    expect(html).toContain('what you typed in the editor is kept in this browser');
    expect(html).toContain(`<a href="/auth/login?next=%2Fadmin%2Fedit%2F${note.id}">Sign in again</a>`);
    // Without a Referer, the editor posted to is where to come back.
    const bare = await t.request('/admin/new', {
      method: 'POST',
      headers: { Cookie: admin.cookie },
      body: form,
    });
    expect(await bare.text()).toContain('<a href="/auth/login?next=%2Fadmin%2Fnew">Sign in again</a>');
    // Signing in with that next leads back there.
    await t.app.services.auth.setPassword('correct horse battery staple');
    const login = await t.request('/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        password: 'correct horse battery staple',
        next: `/admin/edit/${note.id}`,
      }).toString(),
    });
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe(`/admin/edit/${note.id}`);
  });

  it('answers a stale CSRF token (signed in again elsewhere) with a link back to the editor', async () => {
    const form = new FormData();
    form.set('content', 'x');
    form.set('_csrf', 'stale-token');
    const res = await t.request('/admin/new', {
      method: 'POST',
      headers: { Cookie: admin.cookie, Referer: 'http://example.test/admin/new' },
      body: form,
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('<a href="/admin/new">Reload the page you were on</a>');
  });

  it('never offers a way back to a page outside the admin', async () => {
    await endSession();
    const res = await t.request('/admin/notes/1/delete', {
      method: 'POST',
      headers: { Cookie: admin.cookie, Referer: 'https://evil.example/admin-lookalike' },
    });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('<a href="/auth/login?next=%2Fadmin">Sign in again</a>');
  });
});
