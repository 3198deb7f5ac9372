/**
 * Issue 25, writing items 1 and 2, over HTTP: the editor marks which kind uses each part and
 * focuses the field to write in; several photos go up at once, each on its own request from the
 * script (`POST /admin/media/upload`, JSON) or together in the plain multiple file field, where
 * "Upload and describe" shows them with a description field each before anything is saved.
 */
import sharp from 'sharp';
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

const png = async (name: string) =>
  new File(
    [
      await sharp({ create: { width: 40, height: 30, channels: 3, background: '#c00' } })
        .png()
        .toBuffer(),
    ],
    name,
    { type: 'image/png' },
  );

function editorForm(fields: Record<string, string>): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries({ status: 'publish', visibility: 'public', intent: 'save', ...fields }))
    f.set(k, v);
  return f;
}

const page = async (path: string) => (await t.get(path, { Cookie: admin.cookie })).text();

describe('the editor form', () => {
  it('marks the parts each kind uses, and focuses the text (or the address a response needs)', async () => {
    const html = await page('/admin/new');
    expect(html).toMatch(
      /<div class="field" data-kinds="in-reply-to like-of repost-of bookmark-of">\s*<label for="response_url">/,
    );
    expect(html).toMatch(/<div class="field" data-kinds="note bookmark-of">\s*<label for="name">/);
    expect(html).toContain('<fieldset class="photos-field" data-kinds="note in-reply-to">');
    expect(html).toMatch(/<textarea[^>]*id="content"[^>]*autofocus/);
    expect(html).not.toMatch(/id="response_url"[^>]*autofocus/);
    expect(html).toMatch(/<input[^>]*id="photo"[^>]*multiple/);
    // The Save button sits in the bar the stylesheet keeps in view, after every field.
    expect(html).toMatch(
      /<div class="form-actions editor-actions"><button type="submit" name="intent" value="save"/,
    );
    // Enter in a one-line field previews: the first submit button of the form is Preview.
    const firstSubmit = /<button type="submit" name="([^"]+)" value="([^"]+)"/.exec(html)!;
    expect(firstSubmit.slice(1)).toEqual(['intent', 'preview']);

    // A like shown again without its address: that field is the one focused.
    const res = await postMultipart(
      t,
      admin,
      '/admin/new',
      editorForm({ response_kind: 'like-of', intent: 'preview' }),
    );
    const again = await res.text();
    expect(again).toMatch(/id="response_url"[^>]*autofocus/);
    expect(again).not.toMatch(/<textarea[^>]*autofocus/);
  });
});

describe('several photos', () => {
  it('the script uploads each file on its own: JSON with its address and thumbnail', async () => {
    const form = new FormData();
    form.set('file', await png('one.png'));
    const res = await postMultipart(t, admin, '/admin/media/upload', form);
    expect(res.status).toBe(201);
    const item = (await res.json()) as { url: string; thumb: string; name: string };
    expect(item.url).toMatch(/^\/media\/\d{4}\/\d{2}\/[0-9a-f-]{36}\.png$/);
    expect(item.name).toBe('one.png');
    expect((await t.get(item.thumb)).status).toBe(200);

    // Not an image: a JSON reason, nothing stored.
    const bad = new FormData();
    bad.set('file', new File([Buffer.from('not a picture')], 'fake.png', { type: 'image/png' }));
    const refused = await postMultipart(t, admin, '/admin/media/upload', bad);
    expect(refused.status).toBe(415);
    expect(((await refused.json()) as { error_description: string }).error_description).toMatch(/\S/);
    // No file at all.
    const none = await postMultipart(t, admin, '/admin/media/upload', new FormData());
    expect(none.status).toBe(400);
    expect(t.db.prepare('SELECT count(*) AS n FROM media').get()).toEqual({ n: 1 });
  });

  it('refuses an upload without the CSRF token or the session', async () => {
    const form = new FormData();
    form.set('file', await png('one.png'));
    form.set('_csrf', 'wrong');
    expect((await postMultipart(t, admin, '/admin/media/upload', form)).status).toBe(403);
    const anon = new FormData();
    anon.set('file', await png('one.png'));
    expect((await t.request('/admin/media/upload', { method: 'POST', body: anon })).status).toBe(401);
    expect(t.db.prepare('SELECT count(*) AS n FROM media').get()).toEqual({ n: 0 });
  });

  it('without a script: "Upload and describe" shows the files with a field each, unsaved', async () => {
    const form = editorForm({ content: 'Three at once', intent: 'upload' });
    for (const n of ['a', 'b', 'c']) form.append('photo', await png(`${n}.png`));
    const res = await postMultipart(t, admin, '/admin/new', form);
    expect(res.status).toBe(200);
    const html = await res.text();
    for (const i of [0, 1, 2]) {
      expect(html).toMatch(
        new RegExp(`name="photo_url_${i}" value="/media/\\d{4}/\\d{2}/[0-9a-f-]{36}\\.png"`),
      );
      expect(html).toContain(`id="photo_alt_${i}"`);
    }
    expect(html).toContain('Three at once');
    expect(html).toContain('data-unsaved="true"');
    expect(t.notes.listForAdmin('all', 10, 0)).toHaveLength(0);

    // Described and saved: the note has the three photos, in order, with their descriptions.
    const urls = [...html.matchAll(/name="photo_url_\d" value="([^"]+)"/g)].map((m) => m[1]!);
    const save = editorForm({ content: 'Three at once' });
    urls.forEach((u, i) => {
      save.set(`photo_url_${i}`, u);
      save.set(`photo_alt_${i}`, `Photo ${i + 1}`);
    });
    const saved = await postMultipart(t, admin, '/admin/new', save);
    expect(saved.status).toBe(303);
    const note = t.notes.listForAdmin('all', 10, 0)[0]!;
    expect(note.photos).toEqual(urls.map((url, i) => ({ url, alt: `Photo ${i + 1}` })));
  });

  it('without a script: several files saved with the note at once; more than three is refused', async () => {
    const form = editorForm({ content: 'Two with the note' });
    for (const n of ['a', 'b']) form.append('photo', await png(`${n}.png`));
    const res = await postMultipart(t, admin, '/admin/new', form);
    expect(res.status).toBe(303);
    const note = t.notes.listForAdmin('all', 10, 0)[0]!;
    expect(note.photos).toHaveLength(2);
    expect(note.photos.every((p) => /^\/media\//.test(p.url) && p.alt === '')).toBe(true);

    const four = editorForm({ content: 'Too many at once', intent: 'upload' });
    for (const n of ['a', 'b', 'c', 'd']) four.append('photo', await png(`${n}.png`));
    const refused = await postMultipart(t, admin, '/admin/new', four);
    expect(refused.status).toBe(400);
    const html = await refused.text();
    expect(html).toContain('Add at most 3 photos at once this way');
    expect(html).toContain('Too many at once');
    // "Upload and describe" with nothing chosen says so.
    const empty = await postMultipart(t, admin, '/admin/new', editorForm({ content: 'x', intent: 'upload' }));
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain('Choose the photos to upload first.');
  });
});
