/**
 * Issue #16, item 9: a note's slug could never change. It can now, from the editor; every address
 * the note had answers 301 to the current one for as long as the note exists (a→b→c: a goes
 * straight to c), its file stays where it is, no other note can take a former slug, and a
 * redirect never reveals the new address of a note a visitor may not see.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
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

function editorForm(fields: Record<string, string>): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries({ status: 'publish', visibility: 'public', intent: 'save', ...fields }))
    f.set(k, v);
  return f;
}

/** Saves the note in the editor with `slug` typed in the address field. */
function saveWithSlug(id: number, slug: string, content = 'Same words') {
  return postMultipart(t, admin, `/admin/edit/${id}`, editorForm({ content, slug }));
}

async function expectMoved(from: string, to: string): Promise<void> {
  const res = await t.get(`/notes/${from}`);
  expect(res.status, `/notes/${from}`).toBe(301);
  expect(res.headers.get('location')).toBe(`/notes/${to}`);
}

describe('changing a slug in the editor', () => {
  it('moves the note; the old address answers 301; the file stays where it is', async () => {
    const note = t.notes.createNote({ content: 'Same words', slug: 'first-name' });
    const res = await saveWithSlug(note.id, 'second-name', 'Edited words');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/admin/edit/${note.id}?flash=moved`);
    const after = t.notes.getNoteById(note.id)!;
    expect(after.slug).toBe('second-name');
    expect(after.filePath).toBe(note.filePath);
    expect(existsSync(join(t.config.notesPath, note.filePath))).toBe(true);

    await expectMoved('first-name', 'second-name');
    const page = await t.get('/notes/second-name');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Edited words');
    // Lists and feeds name the new address only.
    for (const path of ['/', '/feed.rss', '/feed.json']) {
      const body = await (await t.get(path)).text();
      expect(body, path).toContain('/notes/second-name');
      expect(body, path).not.toContain('/notes/first-name');
    }
    // The legacy /note/ address arrives too.
    const legacy = await t.get('/note/first-name');
    expect(legacy.status).toBe(301);
    const editor = await (await t.get(`/admin/edit/${note.id}?flash=moved`, { Cookie: admin.cookie })).text();
    expect(editor).toContain('Note saved at its new address; the old address leads here.');
    expect(editor).toMatch(/name="slug"[^>]*value="second-name"/);
  });

  it('a→b→c: every former address goes straight to the current one', async () => {
    const note = t.notes.createNote({ content: 'Same words', slug: 'a' });
    await saveWithSlug(note.id, 'b');
    await saveWithSlug(note.id, 'c');
    await expectMoved('a', 'c');
    await expectMoved('b', 'c');
    // Taking a former slug back: the note lives at a again, b and c lead there.
    expect((await saveWithSlug(note.id, 'a')).status).toBe(303);
    expect((await t.get('/notes/a')).status).toBe(200);
    await expectMoved('b', 'a');
    await expectMoved('c', 'a');
  });

  it('leaving the field as it is, or emptying it, keeps the address', async () => {
    const note = t.notes.createNote({ content: 'Same words', slug: 'stays' });
    expect((await saveWithSlug(note.id, 'stays')).headers.get('location')).toMatch(/flash=saved$/);
    expect((await saveWithSlug(note.id, '')).headers.get('location')).toMatch(/flash=saved$/);
    expect(t.notes.getNoteById(note.id)!.slug).toBe('stays');
    expect((await t.get('/notes/stays')).status).toBe(200);
  });

  it.each([
    ['another note’s slug', 'taken', 409, 'Another note already has the address “taken”'],
    ['another note’s former slug', 'was-taken', 409, 'was the address of another note and still leads to it'],
    ['a reserved word', 'admin', 400, 'reserved'],
    ['a malformed slug', 'Not a slug!', 400, 'is not a valid slug'],
  ])('refuses %s, keeps what was typed, and changes nothing', async (_what, slug, status, message) => {
    t.notes.createNote({ content: 'Holder', slug: 'taken' });
    const mover = t.notes.createNote({ content: 'Mover', slug: 'was-taken' });
    await saveWithSlug(mover.id, 'moved-away', 'Mover');
    const note = t.notes.createNote({ content: 'Original', slug: 'mine' });
    const res = await saveWithSlug(note.id, slug, 'Typed but not saved');
    expect(res.status).toBe(status);
    const html = await res.text();
    expect(html).toContain(message);
    expect(html).toContain('Typed but not saved');
    const after = t.notes.getNoteById(note.id)!;
    expect(after.slug).toBe('mine');
    expect(await (await t.get('/notes/mine')).text()).toContain('Original');
    // The former slug still leads to its own note.
    await expectMoved('was-taken', 'moved-away');
  });
});

describe('a former slug belongs to its note', () => {
  it('a new note asking for it gets another slug; once its note is deleted for good it is free', async () => {
    const note = t.notes.createNote({ content: 'Old words', slug: 'old-address' });
    t.notes.changeSlug(note.id, 'new-address');
    const other = t.notes.createNote({ content: 'Other words', slug: 'old-address' });
    expect(other.slug).toBe('old-address-2');
    await expectMoved('old-address', 'new-address');
    // Purged: its former addresses go with it.
    t.notes.trashNote(note.id);
    t.notes.purgeNote(note.id);
    expect((await t.get('/notes/old-address')).status).toBe(404);
    expect(t.notes.createNote({ content: 'Third', slug: 'old-address' }).slug).toBe('old-address');
  });
});

describe('a redirect reveals nothing a visitor may not see', () => {
  const unknown = async () => {
    const res = await t.get('/notes/never-was');
    return { status: res.status, body: await res.text() };
  };

  it.each([
    ['private', { visibility: 'private' as const }],
    ['a draft', { published: false }],
    ['scheduled', { publishedAt: new Date('2027-01-01T00:00:00Z') }],
  ])('%s: the former address is a 404 like any unknown one', async (_what, extra) => {
    const note = t.notes.createNote({ content: 'Hidden words', slug: 'hidden-old', ...extra });
    t.notes.changeSlug(note.id, 'hidden-new');
    const res = await t.get('/notes/hidden-old');
    expect(res.status).toBe(404);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toBe((await unknown()).body);
  });

  it('in the trash: the former address is 410 Gone, without the new address', async () => {
    const note = t.notes.createNote({ content: 'Gone words', slug: 'gone-old' });
    t.notes.changeSlug(note.id, 'gone-new');
    t.notes.trashNote(note.id);
    const res = await t.get('/notes/gone-old');
    expect(res.status).toBe(410);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).not.toContain('gone-new');
    // Restored, it redirects again.
    t.notes.restoreNote(note.id);
    await expectMoved('gone-old', 'gone-new');
  });

  it('unlisted: whoever has the old link is sent to the new one', async () => {
    const note = t.notes.createNote({ content: 'Unlisted words', slug: 'quiet-old', visibility: 'unlisted' });
    t.notes.changeSlug(note.id, 'quiet-new');
    await expectMoved('quiet-old', 'quiet-new');
  });
});

describe('Micropub finds a note by any address it had', () => {
  it('update and delete by a former URL act on the note at its new address', async () => {
    const note = t.notes.createNote({ content: 'Same words', slug: 'old-name' });
    await saveWithSlug(note.id, 'new-name');
    const token = t.app.services.tokens.mintToken({
      me: t.config.adminMe,
      clientId: 'https://client.example/',
      scope: 'create update delete',
      expiresInSeconds: null,
    }).token;
    const post = (body: unknown) =>
      t.request('/micropub', {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    const url = 'http://example.test/notes/old-name';
    expect(
      (await post({ action: 'update', url, replace: { content: ['Updated by its old URL'] } })).status,
    ).toBe(204);
    expect(t.notes.getNoteSource(t.notes.getNoteById(note.id)!).content).toBe('Updated by its old URL');
    expect((await post({ action: 'delete', url })).status).toBe(204);
    expect(t.notes.getNoteById(note.id)!.deletedAt).not.toBeNull();
  });
});
