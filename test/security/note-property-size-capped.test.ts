/**
 * Hardening (#13): Micropub properties had no size cap below the body limit (a stored 29 MB
 * property made the home page take 2.7 s). The note service now caps each property's JSON (64 KB;
 * content 1 MB: a maximal 512 KB note sent as html and as text) and all properties but content
 * together (256 KB), with a 400 invalid_request that names the property — for Micropub and the
 * admin editor alike.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postForm, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
let token: string;
beforeEach(() => {
  t = createTestApp();
  token = t.app.services.tokens.mintToken({
    me: t.config.adminMe,
    clientId: null,
    scope: 'create update',
    expiresInSeconds: null,
  }).token;
});
afterEach(() => t.close());

const KB = 1024;
const postJson = (body: unknown) =>
  t.request('/micropub', {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
const create = (properties: Record<string, unknown[]>) => postJson({ type: ['h-entry'], properties });
const noteCount = () => (t.db.prepare('SELECT count(*) AS n FROM notes').get() as { n: number }).n;
const errorOf = async (res: Response) => (await res.json()) as { error: string; error_description: string };

describe('Micropub', () => {
  it('refuses one property over 64 KB, naming it', async () => {
    const res = await create({ content: ['hi'], summary: ['s'.repeat(65 * KB)] });
    expect(res.status).toBe(400);
    const err = await errorOf(res);
    expect(err.error).toBe('invalid_request');
    expect(err.error_description).toContain('"summary"');
    expect(noteCount()).toBe(0);
  });

  it('refuses a property made of many small values, and nested objects, over 64 KB', async () => {
    const many = await create({
      content: ['hi'],
      'x-list': Array.from({ length: 2000 }, () => 'a'.repeat(40)),
    });
    expect(many.status).toBe(400);
    expect((await errorOf(many)).error_description).toContain('"x-list"');
    const nested = await create({
      content: ['hi'],
      location: [{ type: ['h-adr'], properties: { locality: ['x'.repeat(70 * KB)] } }],
    });
    expect(nested.status).toBe(400);
    expect((await errorOf(nested)).error_description).toContain('"location"');
    expect(noteCount()).toBe(0);
  });

  it('refuses properties that together pass 256 KB', async () => {
    const props: Record<string, unknown[]> = { content: ['hi'] };
    for (let i = 0; i < 5; i++) props[`x-part-${i}`] = ['p'.repeat(60 * KB)];
    const res = await create(props);
    expect(res.status).toBe(400);
    expect((await errorOf(res)).error_description).toMatch(/together/);
    expect(noteCount()).toBe(0);
  });

  it('refuses a form-encoded property over 64 KB too', async () => {
    const body = new URLSearchParams({ h: 'entry', content: 'hi', 'x-big': 'b'.repeat(70 * KB) });
    const res = await t.request('/micropub', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).error_description).toContain('"x-big"');
  });

  it('still takes a long note (content up to the 512 KB note limit) with ordinary properties', async () => {
    const res = await create({
      content: ['w'.repeat(500 * KB)],
      summary: ['a summary'],
      category: ['one', 'two'],
      photo: [{ value: 'https://example.com/a.jpg', alt: 'a'.repeat(1000) }],
    });
    expect(res.status).toBe(201);
    // Both spellings of one maximal note (html and text) fit the content cap.
    const both = await create({
      content: [{ html: `<p>${'h'.repeat(500 * KB)}</p>`, value: 'v'.repeat(500 * KB) }],
    });
    expect(both.status).toBe(201);
  });

  it('an update that would grow a property past the cap is refused and changes nothing', async () => {
    const res = await create({ content: ['before'] });
    const url = res.headers.get('location')!;
    const upd = await postJson({ action: 'update', url, add: { 'x-grow': ['g'.repeat(70 * KB)] } });
    expect(upd.status).toBe(400);
    expect((await errorOf(upd)).error_description).toContain('"x-grow"');
    const note = t.notes.getNoteBySlug(new URL(url).pathname.split('/').pop()!)!;
    expect(note.properties['x-grow']).toBeUndefined();
  });
});

describe('the admin editor (same note service)', () => {
  it('refuses a photo alt text that makes the photo property too large', async () => {
    const admin = await signIn(t);
    const res = await postForm(t, admin, '/admin/new', {
      content: 'with a photo',
      status: 'publish',
      visibility: 'public',
      photo_url_0: 'https://example.com/p.jpg',
      photo_alt_0: 'a'.repeat(70 * KB),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('&quot;photo&quot;');
    expect(noteCount()).toBe(0);
  });
});

describe('the note service directly (import and CLI use it too)', () => {
  it('refuses oversized properties with invalid_request', () => {
    expect(() =>
      t.notes.createNote({ content: 'x', properties: { 'x-huge': ['z'.repeat(65 * KB)] } }),
    ).toThrow(/"x-huge"/);
  });
});
