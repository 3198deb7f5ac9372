/**
 * Issue 16 item 8, the server's part: replies, likes, reposts and bookmarks written from the
 * editor (stored as Micropub stores them), the preview of the whole note, the admin-only preview
 * page of drafts and scheduled notes, several photos in an order of the owner's choosing, and
 * pictures added from the media library, each working without a script.
 */
import type http from 'node:http';
import { mf2 } from 'microformats-parser';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Admin, postForm, postMultipart, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { type RemoteSite, startRemote } from '../helpers/remote.js';

let t: TestApp;
let admin: Admin;
let remote: RemoteSite;

beforeEach(async () => {
  remote = await startRemote((_req, _body, res: http.ServerResponse) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(
      '<title>x</title><div class="h-entry"><h1 class="p-name">Their post</h1><p class="e-content">Body</p>' +
        '<a class="p-author h-card" href="https://them.example/">Them</a></div>',
    );
  });
  t = createTestApp({}, undefined, { hosts: { 'them.example': remote.url } });
  admin = await signIn(t);
});
afterEach(async () => {
  await t.app.services.replyContexts.settled();
  t.close();
  await remote.close();
});

function editorForm(fields: Record<string, string>): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries({ status: 'publish', visibility: 'public', intent: 'save', ...fields }))
    f.set(k, v);
  return f;
}

async function createFromEditor(fields: Record<string, string>) {
  const res = await postMultipart(t, admin, '/admin/new', editorForm(fields));
  expect(res.status, await res.clone().text()).toBe(303);
  return t.notes.getNoteById(Number(/edit\/(\d+)/.exec(res.headers.get('location')!)![1]))!;
}

const png = (color: string) =>
  sharp({ create: { width: 20, height: 10, channels: 3, background: color } })
    .png()
    .toBuffer();

async function upload(name: string, color: string): Promise<string> {
  const item = await t.app.services.media.saveUpload({
    bytes: await png(color),
    originalName: name,
    declaredType: 'image/png',
    alt: `${name} alt`,
  });
  return item.url;
}

describe('responses from the editor', () => {
  it('writes a like with nothing but the URL; its page is "Liked <title>" with an h-cite', async () => {
    const note = await createFromEditor({
      response_kind: 'like-of',
      response_url: 'https://them.example/post',
    });
    expect(note.properties['like-of']).toEqual(['https://them.example/post']);
    await t.app.services.replyContexts.settled();
    const html = await (await t.get(`/notes/${note.slug}`)).text();
    expect(/<title>([^<]*)<\/title>/.exec(html)![1]).toBe('Liked Their post · Test Site');
    const entry = (
      mf2(html, { baseUrl: 'http://example.test/' }) as unknown as {
        items: { type: string[]; properties: Record<string, unknown[]> }[];
      }
    ).items.find((i) => i.type.includes('h-entry'))!;
    const cite = entry.properties['like-of']![0] as { properties: Record<string, unknown[]> };
    expect(cite.properties.name).toEqual(['Their post']);
    // The dashboard names it the same way.
    const dash = await (await t.get('/admin', { Cookie: admin.cookie })).text();
    expect(dash).toContain('>Liked Their post</a>');
  });

  it('shows the kind and URL when editing; changing the kind moves the URL, clearing it removes it', async () => {
    const note = await createFromEditor({
      content: 'Worth reading',
      response_kind: 'bookmark-of',
      response_url: 'https://them.example/post',
    });
    const page = await (await t.get(`/admin/edit/${note.id}`, { Cookie: admin.cookie })).text();
    expect(page).toMatch(/<option value="bookmark-of" selected="">Bookmark<\/option>/);
    expect(page).toContain('value="https://them.example/post"');

    const kept = {
      content: 'Worth reading',
      response_kind_was: 'bookmark-of',
      response_url_was: 'https://them.example/post',
    };
    let res = await postMultipart(
      t,
      admin,
      `/admin/edit/${note.id}`,
      editorForm({ ...kept, response_kind: 'in-reply-to', response_url: 'https://them.example/post' }),
    );
    expect(res.status).toBe(303);
    let after = t.notes.getNoteById(note.id)!;
    expect(after.properties['bookmark-of']).toBeUndefined();
    expect(after.properties['in-reply-to']).toEqual(['https://them.example/post']);

    res = await postMultipart(
      t,
      admin,
      `/admin/edit/${note.id}`,
      editorForm({
        content: 'Worth reading',
        response_kind: '',
        response_url: '',
        response_kind_was: 'in-reply-to',
        response_url_was: 'https://them.example/post',
      }),
    );
    expect(res.status).toBe(303);
    after = t.notes.getNoteById(note.id)!;
    expect(after.properties['in-reply-to']).toBeUndefined();
    expect(after.properties.content).toEqual(['Worth reading']);
  });

  it('keeps what a Micropub client sent (an h-cite) when the editor leaves the URL alone', async () => {
    const cite = { type: ['h-cite'], properties: { url: ['https://them.example/c'], name: ['Cited'] } };
    const note = t.notes.createNote({
      content: 'Reply',
      properties: { content: ['Reply'], 'in-reply-to': [cite] },
    });
    const res = await postMultipart(
      t,
      admin,
      `/admin/edit/${note.id}`,
      editorForm({
        content: 'Reply, edited',
        response_kind: 'in-reply-to',
        response_url: 'https://them.example/c',
        response_kind_was: 'in-reply-to',
        response_url_was: 'https://them.example/c',
      }),
    );
    expect(res.status).toBe(303);
    expect(t.notes.getNoteById(note.id)!.properties['in-reply-to']).toEqual([cite]);
  });

  it('refuses a kind without a URL, a URL without a kind, and a URL that is not http(s)', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ response_kind: 'like-of' }, 'Give the address (URL) of the page this responds to.'],
      [{ response_url: 'https://them.example/' }, 'Choose what kind of post this is'],
      [
        { response_kind: 'repost-of', response_url: 'javascript:alert(1)' },
        'must be a full http:// or https:// URL',
      ],
    ];
    for (const [fields, message] of cases) {
      const res = await postMultipart(t, admin, '/admin/new', editorForm(fields));
      expect(res.status).toBe(400);
      expect(await res.text()).toContain(message);
    }
    expect(t.db.prepare('SELECT count(*) AS n FROM notes').get()).toEqual({ n: 0 });
  });
});

describe('previews', () => {
  it('the live preview shows the whole note: title, text, photos, tags and what it responds to', async () => {
    const res = await postForm(t, admin, '/admin/preview', {
      name: 'A titled note',
      content: 'Some *text*',
      tags: 'first tag, Second',
      response_kind: 'in-reply-to',
      response_url: 'https://them.example/post',
      photo_url_0: '/media/2026/11/one.png',
      photo_alt_0: 'First photo',
      photo_url_1: '/media/2026/11/two.png',
      photo_alt_1: 'Second photo',
    });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<h1 class="p-name entry-title">A titled note</h1>');
    expect(html).toContain('<em>text</em>');
    expect(html.indexOf('alt="First photo"')).toBeLessThan(html.indexOf('alt="Second photo"'));
    expect(html).toContain('>first tag</a>');
    expect(html).toContain('>Second</a>');
    expect(html).toContain('In reply to <a class="u-in-reply-to" href="https://them.example/post">');
    expect(t.db.prepare('SELECT count(*) AS n FROM notes').get()).toEqual({ n: 0 });
  });

  it('drafts and scheduled notes have an admin-only preview page, linked from the dashboard and the editor', async () => {
    const draft = await createFromEditor({ name: 'Draft to preview', content: 'Not yet', status: 'draft' });
    const later = await createFromEditor({
      name: 'Later one',
      content: 'Soon',
      status: 'schedule',
      publish_at: '2026-12-24T18:00',
    });
    const live = await createFromEditor({ name: 'Live one', content: 'Now' });
    const dash = await (await t.get('/admin', { Cookie: admin.cookie })).text();
    expect(dash).toContain(
      `<a href="/admin/preview/${draft.id}">Preview<span class="visually-hidden"> Draft to preview</span></a>`,
    );
    expect(dash).toContain(
      `<a href="/admin/preview/${later.id}">Preview<span class="visually-hidden"> Later one</span></a>`,
    );
    expect(dash).not.toContain(`/admin/preview/${live.id}`);
    const editor = await (await t.get(`/admin/edit/${draft.id}`, { Cookie: admin.cookie })).text();
    expect(editor).toContain(`<a href="/admin/preview/${draft.id}">Preview this note</a>`);

    const page = await t.get(`/admin/preview/${draft.id}`, { Cookie: admin.cookie });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<meta name="robots" content="noindex"/>');
    expect(html).toContain('This is a draft: nobody else can see it.');
    expect(html).toContain('<h1 class="p-name entry-title">Draft to preview</h1>');
    expect(await (await t.get(`/admin/preview/${later.id}`, { Cookie: admin.cookie })).text()).toContain(
      'scheduled for 24 Dec 2026, 18:00 UTC',
    );
    // Visitors see nothing of it.
    expect((await t.get(`/notes/${draft.slug}`)).status).toBe(404);
    const anonymous = await t.get(`/admin/preview/${draft.id}`);
    expect(anonymous.status).toBe(303);
    expect((await t.get('/admin/preview/99999', { Cookie: admin.cookie })).status).toBe(404);
  });
});

describe('photos', () => {
  it('the editor offers the media library; "Add to photos" works without a script', async () => {
    const one = await upload('one.png', '#c00');
    const page = await (await t.get('/admin/new', { Cookie: admin.cookie })).text();
    expect(page).toContain('<summary>Choose from the media library</summary>');
    expect(page).toContain(`name="add_photo" value="${one}"`);
    const res = await postMultipart(
      t,
      admin,
      '/admin/new',
      editorForm({ content: 'With a picture', add_photo: one }),
    );
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`name="photo_url_0" value="${one}"`);
    expect(html).toContain('With a picture');
    expect(t.db.prepare('SELECT count(*) AS n FROM notes').get()).toEqual({ n: 0 });
  });

  it('keeps a photo whose URL the library would not give (imported notes), and refuses adding such a URL', async () => {
    const note = t.notes.createNote({
      content: 'Old',
      photos: [{ url: 'static/legacy photo.jpg', alt: 'Legacy' }],
    });
    const edit = editorForm({
      content: 'Old, edited',
      photo_url_0: 'static/legacy photo.jpg',
      photo_alt_0: 'Legacy',
    });
    expect((await postMultipart(t, admin, `/admin/edit/${note.id}`, edit)).status).toBe(303);
    expect(t.notes.getNoteById(note.id)!.photos.map((p) => p.url)).toEqual(['static/legacy photo.jpg']);
    const res = await postMultipart(
      t,
      admin,
      '/admin/new',
      editorForm({ content: 'x', add_photo: 'javascript:alert(1)' }),
    );
    expect(res.status).toBe(200);
    expect(await res.text()).not.toContain('javascript:alert(1)');
  });

  it('several photos keep the order chosen with Move up / Move down (without a script too)', async () => {
    const urls = [
      await upload('a.png', '#c00'),
      await upload('b.png', '#0c0'),
      await upload('c.png', '#00c'),
    ];
    const fields = (extra: Record<string, string>) => {
      const f = editorForm({ content: 'Three photos', ...extra });
      urls.forEach((u, i) => {
        f.set(`photo_url_${i}`, u);
        f.set(`photo_alt_${i}`, `photo ${'abc'[i]}`);
      });
      return f;
    };
    const moved = await postMultipart(t, admin, '/admin/new', fields({ photo_move: '2:up' }));
    expect(moved.status).toBe(200);
    const html = await moved.text();
    const order = [...html.matchAll(/name="photo_url_(\d)" value="([^"]+)"/g)].map((m) => m[2]);
    expect(order).toEqual([urls[0], urls[2], urls[1]]);
    expect(html).toMatch(/Move up<span class="visually-hidden"> photo 1<\/span>/);

    // Saving keeps the order as posted; the note page shows them in it.
    const f = editorForm({ content: 'Three photos' });
    [urls[2]!, urls[0]!, urls[1]!].forEach((u, i) => {
      f.set(`photo_url_${i}`, u);
      f.set(`photo_alt_${i}`, `alt ${i}`);
    });
    const res = await postMultipart(t, admin, '/admin/new', f);
    expect(res.status).toBe(303);
    const note = t.notes.getNoteBySlug('three-photos')!;
    expect(note.photos.map((p) => p.url)).toEqual([urls[2], urls[0], urls[1]]);
  });
});
