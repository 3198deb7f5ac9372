import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Admin, postForm, postMultipart, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
let admin: Admin;
beforeEach(async () => {
  t = createTestApp();
  admin = await signIn(t);
});
afterEach(() => t.close());

const png = () =>
  sharp({ create: { width: 40, height: 30, channels: 3, background: '#c00' } })
    .png()
    .toBuffer();

function editorForm(fields: Record<string, string>): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries({ status: 'publish', visibility: 'public', intent: 'save', ...fields }))
    f.set(k, v);
  return f;
}

describe('writing a note in the admin', () => {
  it('creates a note with title, tags and an uploaded photo with alt text, then shows it publicly', async () => {
    const form = editorForm({ name: 'Admin note', content: 'Hello from **admin**', tags: 'IndieWeb, Café' });
    form.set('photo', new File([await png()], 'red.png', { type: 'image/png' }));
    form.set('photo_alt', 'A red square');
    const res = await postMultipart(t, admin, '/admin/new', form);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/admin\/edit\/\d+\?flash=published$/);
    const note = t.notes.getNoteBySlug('admin-note')!;
    expect(note.tags.map((x) => x.name)).toEqual(['IndieWeb', 'Café']);
    expect(note.photos).toHaveLength(1);
    expect(note.photos[0]!.alt).toBe('A red square');
    expect(note.photos[0]!.url).toMatch(/^\/media\/\d{4}\/\d{2}\/[0-9a-f-]{36}\.png$/);
    const photo = await t.get(note.photos[0]!.url);
    expect(photo.status).toBe(200);
    expect(photo.headers.get('content-type')).toBe('image/png');
    const page = await (await t.get('/notes/admin-note')).text();
    expect(page).toContain('<strong>admin</strong>');
    expect(page).toContain('alt="A red square"');
  });

  it('keeps what was typed and lists every problem when validation fails', async () => {
    const res = await postMultipart(
      t,
      admin,
      '/admin/new',
      editorForm({ content: 'Typed <text> to keep', status: 'schedule', publish_at: '', slug: 'admin' }),
    );
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('Give the date and time to publish at.');
    expect(html).toContain('Typed &lt;text&gt; to keep');
    const reserved = await postMultipart(
      t,
      admin,
      '/admin/new',
      editorForm({ content: 'Keep me', slug: 'admin' }),
    );
    expect(reserved.status).toBe(400);
    const body = await reserved.text();
    expect(body).toMatch(/reserved/);
    expect(body).toContain('Keep me');
    expect(t.db.prepare('SELECT count(*) AS n FROM notes').get()).toEqual({ n: 0 });
  });

  it('previews through the public pipeline without saving (with and without JavaScript)', async () => {
    const res = await postMultipart(
      t,
      admin,
      '/admin/new',
      editorForm({ content: '*hi* <script>x()</script>', intent: 'preview' }),
    );
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<em>hi</em>');
    expect(html).not.toContain('<script>x()');
    // The script's preview is the whole note as its page will show it (issue 16 item 8).
    const fragment = await postForm(t, admin, '/admin/preview', { content: '**bold**' });
    const entry = await fragment.text();
    expect(entry).toMatch(/^<article class="h-entry entry">/);
    expect(entry).toContain('<div class="e-content"><p><strong>bold</strong></p>\n</div>');
    expect(t.db.prepare('SELECT count(*) AS n FROM notes').get()).toEqual({ n: 0 });
  });

  it('schedules and drafts; the dashboard shows each status and counts', async () => {
    await postMultipart(
      t,
      admin,
      '/admin/new',
      editorForm({ content: 'Later', status: 'schedule', publish_at: '2026-12-01T09:30' }),
    );
    await postMultipart(t, admin, '/admin/new', editorForm({ content: 'Not yet', status: 'draft' }));
    await postMultipart(t, admin, '/admin/new', editorForm({ content: 'Secret', visibility: 'private' }));
    expect(t.notes.getNoteBySlug('later')!.publishedAt.toISOString()).toBe('2026-12-01T09:30:00.000Z');
    const dash = await (await t.get('/admin', { Cookie: admin.cookie })).text();
    expect(dash).toMatch(/badge-scheduled/);
    expect(dash).toMatch(/badge-draft/);
    expect(dash).toMatch(/badge-private/);
    const drafts = await (await t.get('/admin?filter=drafts', { Cookie: admin.cookie })).text();
    expect(drafts).toContain('Not yet');
    expect(drafts).not.toContain('Later');
    const searched = await (await t.get('/admin?q=secret', { Cookie: admin.cookie })).text();
    expect(searched).toContain('Secret');
    expect(searched).not.toContain('Not yet');
  });

  it('edits a note: text and tags change, the slug stays when the field is left as it is', async () => {
    await postMultipart(
      t,
      admin,
      '/admin/new',
      editorForm({ content: 'Original text', tags: 'one', slug: 'fixed-slug' }),
    );
    const note = t.notes.getNoteBySlug('fixed-slug')!;
    const page = await (await t.get(`/admin/edit/${note.id}`, { Cookie: admin.cookie })).text();
    // Changing the slug is allowed (301-former-slug.test.ts); the form shows the current one.
    expect(page).toMatch(/name="slug"[^>]*value="fixed-slug"/);
    expect(page).toContain('Original text');
    const res = await postMultipart(
      t,
      admin,
      `/admin/edit/${note.id}`,
      editorForm({ content: 'Changed text', tags: 'two', slug: 'fixed-slug' }),
    );
    expect(res.status).toBe(303);
    const after = t.notes.getNoteById(note.id)!;
    expect(after.slug).toBe('fixed-slug');
    expect(after.tags.map((x) => x.key)).toEqual(['two']);
    expect(await (await t.get('/notes/fixed-slug')).text()).toContain('Changed text');
  });

  it('trashes, restores and deletes for good', async () => {
    await postMultipart(t, admin, '/admin/new', editorForm({ content: 'Disposable' }));
    const note = t.notes.getNoteBySlug('disposable')!;
    expect((await postForm(t, admin, `/admin/notes/${note.id}/purge`, {})).status).toBe(409);
    expect((await postForm(t, admin, `/admin/notes/${note.id}/delete`, {})).status).toBe(303);
    expect((await t.get('/notes/disposable')).status).toBe(410);
    expect(await (await t.get('/admin?filter=trash', { Cookie: admin.cookie })).text()).toContain(
      'Disposable',
    );
    expect((await postForm(t, admin, `/admin/notes/${note.id}/restore`, {})).status).toBe(303);
    expect((await t.get('/notes/disposable')).status).toBe(200);
    await postForm(t, admin, `/admin/notes/${note.id}/delete`, {});
    expect((await postForm(t, admin, `/admin/notes/${note.id}/purge`, {})).status).toBe(303);
    expect((await t.get('/notes/disposable')).status).toBe(404);
  });
});

describe('media library', () => {
  it('uploads, lists with its URL, and refuses to delete a file a note uses', async () => {
    const form = new FormData();
    form.set('file', new File([await png()], 'pic.png', { type: 'image/png' }));
    form.set('alt', 'Library pic');
    expect((await postMultipart(t, admin, '/admin/media', form)).status).toBe(303);
    const item = t.app.services.media.listMedia(10, 0)[0]!;
    const lib = await (await t.get('/admin/media', { Cookie: admin.cookie })).text();
    expect(lib).toContain(`http://example.test${item.url}`);
    t.notes.createNote({ content: 'uses it', photos: [{ url: item.url, alt: 'x' }] });
    const refused = await postForm(t, admin, `/admin/media/${item.id}/delete`, {});
    expect(refused.status).toBe(409);
    expect(await refused.text()).toMatch(/used by a note/i);
    expect(t.app.services.media.getMedia(item.id)).toBeDefined();
  });

  it('rejects a file that is not an image with a clear message', async () => {
    const form = new FormData();
    form.set('file', new File([Buffer.from('not an image')], 'fake.jpg', { type: 'image/jpeg' }));
    const res = await postMultipart(t, admin, '/admin/media', form);
    expect(res.status).toBe(415);
    expect(await res.text()).toMatch(/flash-error/);
    expect(t.app.services.media.listMedia(10, 0)).toEqual([]);
  });
});

describe('tokens and sessions', () => {
  it('mints a token by hand (shown once, stored hashed) and revokes it', async () => {
    const res = await postForm(t, admin, '/admin/tokens', {
      client_id: 'https://quill.p3k.io/',
      scope: 'create media',
      expires_days: '30',
    });
    // Post/redirect/get: the token is on the page the redirect leads to (303-post-redirect-get).
    expect(res.status).toBe(303);
    const flash = res.headers
      .getSetCookie()
      .find((c) => c.startsWith('starpunk_minted='))!
      .split(';')[0];
    const page = await t.get(res.headers.get('location')!, { Cookie: `${admin.cookie}; ${flash}` });
    expect(page.headers.get('cache-control')).toBe('no-store');
    const token =
      /aria-label="New access token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*aria-label="New access token"/.exec(
        await page.text(),
      );
    const value = token![1] ?? token![2]!;
    expect(t.app.services.tokens.verifyToken(value)?.scopes).toEqual(new Set(['create', 'media']));
    expect(JSON.stringify(t.db.prepare('SELECT * FROM tokens').all())).not.toContain(value);
    const id = t.app.services.tokens.listTokens()[0]!.id;
    await postForm(t, admin, `/admin/tokens/${id}/revoke`, {});
    expect(t.app.services.tokens.verifyToken(value)).toBeUndefined();
  });

  it('lists sessions with their device and ends another one', async () => {
    const other = await signIn(t);
    const page = await (await t.get('/admin/sessions', { Cookie: admin.cookie })).text();
    expect(page).toContain('(this one)');
    const ids = t.app.services.auth.listSessions().map((s) => s.id);
    expect(ids).toHaveLength(2);
    const otherId = Math.max(...ids);
    await postForm(t, admin, `/admin/sessions/${otherId}/end`, {});
    expect((await t.get('/admin', { Cookie: other.cookie })).status).toBe(303);
    expect((await t.get('/admin', { Cookie: admin.cookie })).status).toBe(200);
  });

  it('shows health: version, counts, migrations, request figures', async () => {
    await t.get('/');
    const page = await (await t.get('/admin/health', { Cookie: admin.cookie })).text();
    expect(page).toContain('0.0.0-test');
    expect(page).toContain('001_add_code_verifier_to_auth_state.sql');
    expect(page).toMatch(/Requests/);
  });
});
