/**
 * W3C Webmention §3.1.2 (discovery of this site's endpoint) and §3.2 (receiving): a valid request
 * is answered 201 Created with a status URL, verified in the background, and shown under the note
 * once approved.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import {
  createWebmentionApp,
  drain,
  microformatsOf,
  publishNote,
  replyPage,
  type SourceSite,
  sendWebmention,
  startSourceSite,
  storedMention,
} from '../helpers/webmention.js';

let alice: SourceSite;
let t: TestApp;
beforeAll(async () => {
  alice = await startSourceSite('alice.example');
});
afterAll(() => alice.remote.close());
beforeEach(() => {
  alice.pages.clear();
  alice.requests.length = 0;
  t = createWebmentionApp([alice]);
});
afterEach(() => t.close());

describe('discovery of the endpoint (§3.1.2)', () => {
  it('every public page names it in an HTTP Link header and a <link rel="webmention">', async () => {
    const note = publishNote(t, 'Tagged #x', 'tagged');
    t.notes.updateNote(note.id, { tags: ['x'] });
    for (const path of ['/', '/notes/tagged', '/tag/x', '/search']) {
      const res = await t.get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('link'), path).toContain('<http://example.test/webmention>; rel="webmention"');
      const doc = microformatsOf(await res.text());
      expect(doc.rels.webmention, path).toEqual(['http://example.test/webmention']);
    }
  });
});

describe('POST /webmention with a valid request', () => {
  it('answers 201 with a Location status URL, then verifies the source asynchronously', async () => {
    const note = publishNote(t);
    alice.pages.set('/reply', { body: replyPage(note.url) });
    const res = await sendWebmention(t, alice.url('/reply'), note.url);
    expect(res.status).toBe(201);
    const location = res.headers.get('location')!;
    expect(location).toMatch(/^http:\/\/example\.test\/webmention\/status\/[A-Za-z0-9_-]{20,}$/);
    expect(await res.json()).toMatchObject({
      status: 'pending',
      source: alice.url('/reply'),
      target: note.url,
    });
    // Nothing was fetched while the sender waited (§3.2: asynchronous).
    expect(alice.requests).toEqual([]);

    const status = async () => (await t.get(new URL(location).pathname)).json();
    expect(await status()).toMatchObject({ status: 'pending' });
    expect(await drain(t)).toBeGreaterThanOrEqual(1);
    expect(alice.requests[0]).toMatchObject({ path: '/reply' });
    expect(alice.requests[0]!.accept).toMatch(/^text\/html/);
    expect(await status()).toMatchObject({ status: 'accepted', detail: expect.stringContaining('approval') });
    expect(storedMention(t, alice.url('/reply'), note.url)).toMatchObject({
      state: 'verified',
      moderation: 'pending',
      kind: 'reply',
      author_name: 'Alice Example',
      content_text: 'Great post!',
    });
  });

  it('a fragment in the target is ignored: the mention is of the note itself', async () => {
    const note = publishNote(t);
    alice.pages.set('/reply', { body: replyPage(`${note.url}#comments`) });
    const res = await sendWebmention(t, alice.url('/reply'), `${note.url}#comments`);
    expect(res.status).toBe(201);
    await drain(t);
    expect(storedMention(t, alice.url('/reply'), note.url)).toMatchObject({
      state: 'verified',
      kind: 'reply',
    });
  });

  it('the old /note/<slug> address of a note receives too (it redirects to the note)', async () => {
    const note = publishNote(t, 'Hello', 'hello');
    const old = 'http://example.test/note/hello';
    alice.pages.set('/reply', { body: replyPage(old) });
    expect((await sendWebmention(t, alice.url('/reply'), old)).status).toBe(201);
    await drain(t);
    expect(storedMention(t, alice.url('/reply'), old)).toMatchObject({ note_id: note.id, kind: 'reply' });
  });

  it('the same request twice before verification is verified once', async () => {
    const note = publishNote(t);
    alice.pages.set('/reply', { body: replyPage(note.url) });
    const a = await sendWebmention(t, alice.url('/reply'), note.url);
    const b = await sendWebmention(t, alice.url('/reply'), note.url);
    expect(b.status).toBe(201);
    expect(b.headers.get('location')).toBe(a.headers.get('location'));
    await drain(t);
    expect(alice.requests).toHaveLength(1);
  });

  it('an unknown status URL is a 404 in JSON', async () => {
    const res = await t.get('/webmention/status/AAAAAAAAAAAAAAAAAAAAAAAA');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'not_found' });
  });
});
