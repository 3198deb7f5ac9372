/**
 * Finding 1 (high): any valid token read every draft, private, unlisted and scheduled note through
 * Micropub queries. The rule now: reading the site needs a posting scope (create, draft, update,
 * delete or undelete) and shows public notes only; non-public notes and their tags need `update`;
 * a profile-only or media-only token reads nothing of the site (403 insufficient_scope + scope).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
const urls: Record<string, string> = {};

const mint = (scope: string) =>
  t.app.services.tokens.mintToken({ me: t.config.adminMe, clientId: null, scope, expiresInSeconds: null })
    .token;
const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
const getJson = async (path: string, token: string) => {
  const res = await t.get(path, auth(token));
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const sourceOf = (key: string, token: string) =>
  getJson(`/micropub?q=source&url=${encodeURIComponent(urls[key]!)}`, token);

beforeEach(() => {
  t = createTestApp();
  const future = new Date(t.clock.now().getTime() + 86_400_000);
  const make = (key: string, input: Parameters<typeof t.notes.createNote>[0]) => {
    const n = t.notes.createNote({ slug: key, tags: [`tag-${key}`, 'shared'], ...input });
    urls[key] = `http://example.test/notes/${n.slug}`;
    return n;
  };
  make('public', { content: 'public words' });
  make('draft', { content: 'draft words', published: false });
  make('private', { content: 'private words', visibility: 'private' });
  make('unlisted', { content: 'unlisted words', visibility: 'unlisted' });
  make('scheduled', { content: 'scheduled words', publishedAt: future });
  const trashed = make('trashed', { content: 'trashed words' });
  t.notes.trashNote(trashed.id);
});
afterEach(() => t.close());

const HIDDEN = ['draft', 'private', 'unlisted', 'scheduled'];

describe('a profile-only or media-only token reads nothing of the site', () => {
  for (const scope of ['profile', 'media', 'profile email']) {
    it(`"${scope}": q=source (one and list) and q=category are 403 insufficient_scope`, async () => {
      const token = mint(scope);
      for (const path of [
        `/micropub?q=source&url=${encodeURIComponent(urls.public!)}`,
        `/micropub?q=source&url=${encodeURIComponent(urls.private!)}`,
        '/micropub?q=source&limit=100',
        '/micropub?q=category',
      ]) {
        const res = await t.get(path, auth(token));
        expect(res.status, path).toBe(403);
        expect(res.headers.get('www-authenticate'), path).toContain('insufficient_scope');
        const body = (await res.json()) as Record<string, unknown>;
        expect(body, path).toMatchObject({ error: 'insufficient_scope', scope: 'create' });
        expect(JSON.stringify(body), path).not.toMatch(/words|tag-/);
      }
    });

    it(`"${scope}": q=config still answers (media endpoint) but without any category`, async () => {
      const { status, body } = await getJson('/micropub?q=config', mint(scope));
      expect(status).toBe(200);
      expect(body['media-endpoint']).toBe('http://example.test/micropub/media');
      expect(body.categories).toBeUndefined();
      expect(JSON.stringify(body)).not.toContain('tag-');
    });
  }

  it('a profile-only token does not learn the last upload (q=last needs media or create)', async () => {
    const res = await t.get('/micropub/media?q=last', auth(mint('profile')));
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: 'insufficient_scope', scope: 'media' });
    expect((await t.get('/micropub/media?q=last', auth(mint('media')))).status).toBe(200);
  });
});

describe('a create-only (or draft, delete, undelete) token reads public notes only', () => {
  for (const scope of ['create', 'draft', 'delete', 'undelete', 'create delete undelete media']) {
    it(`"${scope}": public note by URL, non-public by URL is 403 insufficient_scope (update)`, async () => {
      const token = mint(scope);
      const pub = await sourceOf('public', token);
      expect(pub.status).toBe(200);
      expect(JSON.stringify(pub.body)).toContain('public words');
      for (const key of [...HIDDEN, 'trashed']) {
        const res = await sourceOf(key, token);
        expect(res.status, key).toBe(403);
        expect(res.body, key).toMatchObject({ error: 'insufficient_scope', scope: 'update' });
        expect(JSON.stringify(res.body), key).not.toContain('words');
      }
    });

    it(`"${scope}": the q=source list, q=category and q=config show public notes and tags only`, async () => {
      const token = mint(scope);
      const list = await getJson('/micropub?q=source&limit=100', token);
      expect(list.status).toBe(200);
      const text = JSON.stringify(list.body);
      expect(text).toContain('public words');
      for (const key of [...HIDDEN, 'trashed']) expect(text, key).not.toContain(`${key} words`);
      const cats = await getJson('/micropub?q=category', token);
      expect(cats.body.categories).toEqual(['shared', 'tag-public']);
      const config = await getJson('/micropub?q=config', token);
      expect(config.body.categories).toEqual(['shared', 'tag-public']);
    });
  }

  it('pages through public notes without skipping or repeating any', async () => {
    for (let i = 0; i < 5; i++) t.notes.createNote({ slug: `more-${i}`, content: `more ${i}` });
    t.notes.createNote({ slug: 'late-draft', content: 'late draft words', published: false });
    const token = mint('create');
    const seen: string[] = [];
    let path = '/micropub?q=source&limit=2';
    for (let page = 0; page < 10; page++) {
      const { status, body } = await getJson(path, token);
      expect(status).toBe(200);
      const items = body.items as { properties: { url: string[] } }[];
      seen.push(...items.map((i) => i.properties.url[0]!));
      const after = (body.paging as { after?: string } | undefined)?.after;
      if (!after) break;
      path = `/micropub?q=source&limit=2&after=${encodeURIComponent(after)}`;
    }
    expect(seen).toHaveLength(6);
    expect(new Set(seen).size).toBe(6);
    expect(seen.join(' ')).not.toMatch(/draft|private|unlisted|scheduled|trashed/);
  });
});

describe('an update token reads everything but the trash, as before', () => {
  it('non-public notes by URL and in the list; every tag', async () => {
    const token = mint('update');
    for (const key of ['public', ...HIDDEN]) {
      const res = await sourceOf(key, token);
      expect(res.status, key).toBe(200);
      expect(JSON.stringify(res.body), key).toContain(`${key} words`);
    }
    const trashed = await sourceOf('trashed', token);
    expect(trashed.status).toBe(400);
    expect(trashed.body.error).toBe('invalid_request');
    const text = JSON.stringify((await getJson('/micropub?q=source&limit=100', token)).body);
    for (const key of ['public', ...HIDDEN]) expect(text, key).toContain(`${key} words`);
    const cats = (await getJson('/micropub?q=category', token)).body.categories as string[];
    expect(cats).toEqual(
      expect.arrayContaining(['tag-draft', 'tag-private', 'tag-unlisted', 'tag-scheduled']),
    );
  });
});
