/**
 * Received responses under a note: replies as threaded h-cite comments, likes and reposts as rows
 * of local avatars, mentions as a list, counts on the home page — all parsed by a microformats
 * reader as `comment`, `like`, `repost` of the note's h-entry, and shown at once when approved
 * despite the render caches (docs/decisions/0005).
 */
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import {
  approveAll,
  createWebmentionApp,
  drain,
  type Mf2Item,
  microformatsOf,
  publishNote,
  replyPage,
  type SourceSite,
  sendWebmention,
  startSourceSite,
} from '../helpers/webmention.js';

let alice: SourceSite;
let bob: SourceSite;
let t: TestApp;
let photo: Buffer;
beforeAll(async () => {
  alice = await startSourceSite('alice.example');
  bob = await startSourceSite('bob.example');
  photo = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#c0392b' } })
    .png()
    .toBuffer();
});
afterAll(async () => {
  await alice.remote.close();
  await bob.remote.close();
});
beforeEach(() => {
  for (const s of [alice, bob]) {
    s.pages.clear();
    s.requests.length = 0;
  }
  t = createWebmentionApp([alice, bob]);
});
afterEach(() => t.close());

function entryOf(html: string): Mf2Item {
  return microformatsOf(html).items.find((i) => i.type.includes('h-entry'))!;
}

/** A u-photo value: a string, or { value, alt } when the image has alt text. */
const urlOf = (v: unknown) => (typeof v === 'string' ? v : (v as { value: string }).value);

async function receive(site: SourceSite, path: string, body: string, target: string): Promise<void> {
  site.pages.set(path, { body });
  expect((await sendWebmention(t, site.url(path), target)).status).toBe(201);
}

describe('responses under a note', () => {
  it('parse as comment, like, repost (and mention) of the h-entry, with authors, dates and content', async () => {
    const note = publishNote(t, 'Hello world', 'hello');
    alice.pages.set('/me.png', (_req, res) => res.writeHead(200, { 'Content-Type': 'image/png' }).end(photo));
    await receive(
      alice,
      '/reply',
      replyPage(note.url, { content: '<p>Lovely <em>note</em></p>', photo: '/me.png' }),
      note.url,
    );
    await receive(alice, '/like', replyPage(note.url, { prop: 'u-like-of', name: 'Alice Liker' }), note.url);
    await receive(bob, '/repost', replyPage(note.url, { prop: 'u-repost-of', name: 'Bob' }), note.url);
    await receive(bob, '/mention', `<p>I read <a href="${note.url}">this</a>.</p>`, note.url);
    await drain(t);
    approveAll(t);

    const html = await (await t.get('/notes/hello')).text();
    const entry = entryOf(html);
    const [comment] = entry.properties.comment as Mf2Item[];
    expect(comment!.type).toEqual(['h-cite']);
    expect(comment!.properties.url).toEqual(['http://alice.example/reply']);
    expect(comment!.properties.published).toEqual(['2026-11-27T10:00:00.000Z']);
    expect(comment!.properties.content).toEqual([
      { html: '<p>Lovely <em>note</em></p>', value: 'Lovely note' },
    ]);
    const author = comment!.properties.author![0] as Mf2Item;
    expect(author.type).toEqual(['h-card']);
    expect(author.properties.name).toEqual(['Alice Example']);
    expect(author.properties.url).toEqual(['http://alice.example/']);
    // The photo is served from this site, never from the author's.
    const avatarUrl = urlOf(author.properties.photo![0]);
    expect(avatarUrl).toMatch(/^http:\/\/example\.test\/webmention\/avatar\/[0-9a-f]{64}$/);
    expect(html).not.toContain('alice.example/me.png');

    const [like] = entry.properties.like as Mf2Item[];
    expect(like!.properties.url).toEqual(['http://alice.example/like']);
    expect((like!.properties.author![0] as Mf2Item).properties.name).toEqual(['Alice Liker']);
    const [repost] = entry.properties.repost as Mf2Item[];
    expect((repost!.properties.author![0] as Mf2Item).properties.name).toEqual(['Bob']);
    expect(entry.properties.mention).toHaveLength(1);
    // Received links are the other site's word, not ours.
    for (const m of html.matchAll(/<a [^>]*href="http:\/\/(alice|bob)\.example[^"]*"[^>]*>/g))
      expect(m[0]).toContain('rel="nofollow ugc"');

    // The avatar: resized to a small square WebP, stored locally.
    const avatar = await t.get(new URL(avatarUrl).pathname);
    expect(avatar.status).toBe(200);
    expect(avatar.headers.get('content-type')).toBe('image/webp');
    const meta = await sharp(Buffer.from(await avatar.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 96, 96]);
    const photoFetches = alice.requests.filter((r) => r.path === '/me.png');
    expect(photoFetches).toHaveLength(1);
    await t.get(new URL(avatarUrl).pathname);
    expect(alice.requests.filter((r) => r.path === '/me.png')).toHaveLength(1);
  });

  it('an author without a photo gets the default avatar', async () => {
    const note = publishNote(t, 'Hello world', 'hello');
    await receive(alice, '/like', replyPage(note.url, { prop: 'u-like-of' }), note.url);
    await drain(t);
    approveAll(t);
    const like = (entryOf(await (await t.get('/notes/hello')).text()).properties.like as Mf2Item[])[0]!;
    const src = urlOf((like.properties.author![0] as Mf2Item).properties.photo![0]);
    expect(src).toBe('http://example.test/webmention/avatar/default');
    const res = await t.get('/webmention/avatar/default');
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
    expect(await res.text()).toContain('<svg');
  });

  it('replies to replies are threaded as comments of their comment', async () => {
    const note = publishNote(t, 'Hello world', 'hello');
    await receive(
      alice,
      '/reply',
      replyPage(note.url, { content: 'Top', url: 'http://alice.example/reply' }),
      note.url,
    );
    await receive(
      bob,
      '/re-reply',
      replyPage('http://alice.example/reply', {
        content: 'Answer to Alice',
        name: 'Bob',
        // A reply to a comment names both: the comment and the note it is under.
        extra: `<a class="u-in-reply-to" href="${note.url}">the note</a>`,
      }),
      note.url,
    );
    await drain(t);
    approveAll(t);
    const comments = entryOf(await (await t.get('/notes/hello')).text()).properties.comment as Mf2Item[];
    expect(comments).toHaveLength(1);
    const nested = comments[0]!.properties.comment as Mf2Item[];
    expect((nested[0]!.properties.content![0] as { value: string }).value).toBe('Answer to Alice');
  });

  it('mentions waiting for moderation or rejected are not shown', async () => {
    const note = publishNote(t, 'Hello world', 'hello');
    await receive(alice, '/reply', replyPage(note.url), note.url);
    await receive(bob, '/reply', replyPage(note.url), note.url);
    await drain(t);
    const { store, moderation } = t.app.services.webmentionsReceived;
    moderation.reject(store.findWebmention('http://bob.example/reply', note.url)!.id);
    const html = await (await t.get('/notes/hello')).text();
    expect(entryOf(html).properties.comment).toBeUndefined();
    expect(html).not.toContain('Great post!');
  });
});

describe('when the note goes', () => {
  it('a note deleted for good takes its mentions with it', async () => {
    const note = publishNote(t, 'Hello world', 'hello');
    await receive(alice, '/reply', replyPage(note.url), note.url);
    await drain(t);
    approveAll(t);
    t.notes.trashNote(note.id);
    expect((await t.get('/notes/hello')).status).toBe(410);
    t.notes.purgeNote(note.id);
    expect(t.app.services.webmentionsReceived.store.listBatch(0, 10)).toEqual([]);
  });
});

describe('render caches (docs/decisions/0005)', () => {
  it('a client that revalidates by date only (If-Modified-Since) sees an approval too', async () => {
    const note = publishNote(t, 'Hello world', 'hello');
    await receive(alice, '/reply', replyPage(note.url), note.url);
    await drain(t);
    const before = await t.get('/notes/hello');
    const lastModified = before.headers.get('last-modified')!;
    expect((await t.get('/notes/hello', { 'If-Modified-Since': lastModified })).status).toBe(304);
    t.clock.advance(60_000);
    approveAll(t);
    const after = await t.get('/notes/hello', { 'If-Modified-Since': lastModified });
    expect(after.status).toBe(200);
    expect(Date.parse(after.headers.get('last-modified')!)).toBeGreaterThan(Date.parse(lastModified));
    expect(await after.text()).toContain('Great post!');
  });

  it('an approval shows at once on the note page and the home page counts, with new validators', async () => {
    const note = publishNote(t, 'Hello world', 'hello');
    await receive(alice, '/reply', replyPage(note.url), note.url);
    await receive(bob, '/like', replyPage(note.url, { prop: 'u-like-of' }), note.url);
    await drain(t);
    const before = await t.get('/notes/hello');
    const etag = before.headers.get('etag')!;
    await before.text();
    const homeBefore = await (await t.get('/')).text();
    expect(homeBefore).not.toContain('response-counts');
    // Served from cache: the same tag, 304.
    expect((await t.get('/notes/hello', { 'If-None-Match': etag })).status).toBe(304);

    approveAll(t);
    const after = await t.get('/notes/hello', { 'If-None-Match': etag });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(etag);
    expect(await after.text()).toContain('Great post!');
    const home = await (await t.get('/')).text();
    expect(home).toMatch(/<a href="\/notes\/hello#responses">1 reply · 1 like<\/a>/);

    // A removal (the owner changes their mind) shows at once too.
    const { store, moderation } = t.app.services.webmentionsReceived;
    moderation.reject(store.findWebmention('http://alice.example/reply', note.url)!.id);
    expect(await (await t.get('/notes/hello')).text()).not.toContain('Great post!');
    expect(await (await t.get('/')).text()).toMatch(/>1 like<\/a>/);
  });
});
