/**
 * Issue 25, writing item 3: publishing a draft from the editor says "Note published.", and a note
 * published from a draft is not "updated" (ADR 0019): only an edit of a note readers could already
 * see counts as one. Other transitions say what happened too.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Admin, postForm, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
let admin: Admin;
beforeEach(async () => {
  t = createTestApp();
  admin = await signIn(t);
});
afterEach(() => t.close());

const MINUTE = 60_000;

function editor(fields: Record<string, string>): Record<string, string> {
  return { status: 'publish', visibility: 'public', intent: 'save', content: 'Some text', ...fields };
}

async function save(path: string, fields: Record<string, string>): Promise<string> {
  const res = await postForm(t, admin, path, editor(fields));
  expect(res.status).toBe(303);
  return res.headers.get('location') ?? '';
}

async function flashText(location: string): Promise<string> {
  const res = await t.get(location, { Cookie: admin.cookie });
  expect(res.status).toBe(200);
  const html = await res.text();
  return /<p class="flash flash-ok" role="status">([^<]*)<\/p>/.exec(html)?.[1] ?? '';
}

describe('publishing a draft from the editor', () => {
  it('says "Note published." and the note shows no "updated" line, until a later edit', async () => {
    const draft = await save('/admin/new', { status: 'draft', name: 'From a draft', slug: 'from-a-draft' });
    expect(draft).toMatch(/flash=draft$/);
    expect(await flashText(draft)).toBe('Draft saved.');
    const id = Number(/\/admin\/edit\/(\d+)/.exec(draft)![1]);

    // Written on over an hour, then published.
    t.clock.advance(30 * MINUTE);
    expect(
      await save(`/admin/edit/${id}`, { status: 'draft', name: 'From a draft', content: 'More' }),
    ).toMatch(/flash=draft$/);
    t.clock.advance(40 * MINUTE);
    const published = await save(`/admin/edit/${id}`, { name: 'From a draft', content: 'Final text' });
    expect(published).toMatch(/flash=published$/);
    expect(await flashText(published)).toBe('Note published.');

    const note = t.notes.getNoteById(id)!;
    expect(note.published).toBe(true);
    expect(note.publishedAt.getTime()).toBe(t.clock.now().getTime());
    expect(note.updatedAt).toBeNull();
    const page = await (await t.get('/notes/from-a-draft')).text();
    expect(page).toContain('Final text');
    expect(page).not.toContain('dt-updated');
    expect(page).not.toMatch(/updated\s*<time/);

    // An edit of the live note is one: "Note saved.", and the page says when.
    t.clock.advance(5 * MINUTE);
    const edited = await save(`/admin/edit/${id}`, { name: 'From a draft', content: 'Corrected text' });
    expect(edited).toMatch(/flash=saved$/);
    expect(await flashText(edited)).toBe('Note saved.');
    expect(t.notes.getNoteById(id)!.updatedAt?.getTime()).toBe(t.clock.now().getTime());
    expect(await (await t.get('/notes/from-a-draft')).text()).toContain('dt-updated');
  });

  it('publishing a scheduled note now says "Note published." and is not an update', async () => {
    const at = new Date(t.clock.now().getTime() + 24 * 60 * MINUTE);
    const local = at.toISOString().slice(0, 16);
    const scheduled = await save('/admin/new', { status: 'schedule', publish_at: local, slug: 'later' });
    expect(scheduled).toMatch(/flash=scheduled$/);
    const id = Number(/\/admin\/edit\/(\d+)/.exec(scheduled)![1]);
    t.clock.advance(10 * MINUTE);
    // Edited while scheduled, then published at once.
    expect(await save(`/admin/edit/${id}`, { status: 'schedule', publish_at: local, slug: 'later' })).toMatch(
      /flash=scheduled$/,
    );
    t.clock.advance(10 * MINUTE);
    const now = await save(`/admin/edit/${id}`, { slug: 'later' });
    expect(now).toMatch(/flash=published$/);
    expect(t.notes.getNoteById(id)!.updatedAt).toBeNull();
  });

  it('taking a live note back to a draft says "Draft saved."; publishing it again is not an update', async () => {
    const first = await save('/admin/new', { slug: 'back-and-forth' });
    const id = Number(/\/admin\/edit\/(\d+)/.exec(first)![1]);
    t.clock.advance(5 * MINUTE);
    expect(await save(`/admin/edit/${id}`, { status: 'draft', slug: 'back-and-forth' })).toMatch(
      /flash=draft$/,
    );
    t.clock.advance(60 * MINUTE);
    expect(await save(`/admin/edit/${id}`, { slug: 'back-and-forth' })).toMatch(/flash=published$/);
    const note = t.notes.getNoteById(id)!;
    // Published again now: the edit made while it was live last time is older than that.
    expect(note.publishedAt.getTime()).toBe(t.clock.now().getTime());
    expect(note.updatedAt).toBeNull();
  });
});
