/**
 * Finding 11 (low): content from a Micropub client kept rel="me" on outside links. Notes are shown
 * on the home page, where identity checks (RelMeAuth sign-in, Mastodon's profile verification)
 * read every rel=me, and where IndieAuth clients discover the owner's authorization server,
 * Micropub and Webmention endpoints from rel values of <a> elements too. Note content therefore
 * keeps only rel values that say nothing about identity or endpoints (nofollow, tag, license, …);
 * the owner's rel=me links come from the settings alone. Notes rendered before the fix are
 * re-rendered when next shown.
 */
import { mf2 } from 'microformats-parser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postForm, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
let token: string;
beforeEach(() => {
  t = createTestApp({ ADMIN_ME: 'https://owner.example/' });
  token = t.app.services.tokens.mintToken({
    me: t.config.adminMe,
    clientId: null,
    scope: 'create',
    expiresInSeconds: null,
  }).token;
});
afterEach(() => t.close());

const EVIL = 'https://evil.example/';
const HOSTILE_RELS = [
  'me',
  'authorization_endpoint',
  'token_endpoint',
  'indieauth-metadata',
  'micropub',
  'microsub',
  'webmention',
  'pingback',
  'hub',
  'self',
  'alternate',
  'author',
  'openid.delegate',
];

/** The rels a microformats parser (as IndieAuth clients use) reads from a page. */
async function relsOf(path: string): Promise<Record<string, string[]>> {
  const res = await t.get(path);
  expect(res.status).toBe(200);
  return mf2(await res.text(), { baseUrl: 'http://example.test/' }).rels;
}

function expectNoHostileRels(rels: Record<string, string[]>): void {
  for (const rel of HOSTILE_RELS) {
    for (const href of rels[rel] ?? []) expect(href.startsWith(EVIL), `rel=${rel} → ${href}`).toBe(false);
  }
  expect(rels.me?.sort()).toEqual(['http://example.test/', 'https://owner.example/']);
}

const micropub = (content: unknown, slug: string) =>
  t.request('/micropub', {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ type: ['h-entry'], properties: { content: [content], 'mp-slug': [slug] } }),
  });

describe('identity and endpoint rels in note content', () => {
  it('are stripped from Micropub HTML content; harmless rels stay', async () => {
    const links = HOSTILE_RELS.map((r, i) => `<a href="${EVIL}${i}" rel="${r}">${r}</a>`).join(' ');
    const html = `<p>${links} <a href="${EVIL}all" rel="${HOSTILE_RELS.join(' ')} tag">all</a> <a href="https://ok.example/l" rel="license">l</a></p>`;
    expect((await micropub({ html }, 'hostile-html')).status).toBe(201);
    for (const path of ['/', '/notes/hostile-html']) expectNoHostileRels(await relsOf(path));
    const page = await (await t.get('/notes/hostile-html')).text();
    // The owner's own links carry no nofollow/ugc (issue #16): only the harmless rels they wrote.
    expect(page).toContain(`href="${EVIL}all" rel="tag"`);
    expect(page).toContain('href="https://ok.example/l" rel="license"');
  });

  it('are stripped from Markdown with inline HTML, and from the admin editor', async () => {
    expect((await micropub(`Hi <a href="${EVIL}" rel="me">me</a>`, 'hostile-md')).status).toBe(201);
    const admin = await signIn(t);
    const res = await postForm(t, admin, '/admin/new', {
      content: `Also <a href="${EVIL}x" rel="me webmention">x</a>`,
      slug: 'hostile-admin',
      status: 'publish',
      visibility: 'public',
    });
    expect(res.status).toBe(303);
    for (const path of ['/', '/notes/hostile-md', '/notes/hostile-admin'])
      expectNoHostileRels(await relsOf(path));
  });

  it('are stripped from a note rendered before the fix when it is next shown', async () => {
    const note = t.notes.createNote({ slug: 'old', content: 'old note' });
    // What an earlier version cached: rel=me kept, cache marked current for this content.
    t.db
      .prepare('UPDATE notes SET content_html = ?, html_hash = content_hash WHERE id = ?')
      .run(`<p><a href="${EVIL}" rel="me nofollow ugc noopener">old</a></p>`, note.id);
    for (const path of ['/', '/notes/old']) expectNoHostileRels(await relsOf(path));
    const row = t.db.prepare('SELECT content_html FROM notes WHERE id = ?').get(note.id) as {
      content_html: string;
    };
    expect(row.content_html).not.toContain('rel="me');
  });
});
