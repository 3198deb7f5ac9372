/**
 * W3C Webmention §3.2.4 (updates and deletes), replayed the way webmention.rocks' update and delete
 * tests drive a receiver: the same source is sent again after it changed, after it stopped
 * linking, and after it started answering 410 Gone.
 */
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

async function commentsOn(path: string): Promise<Mf2Item[]> {
  const html = await (await t.get(path)).text();
  const entry = microformatsOf(html).items.find((i) => i.type.includes('h-entry'))!;
  return (entry.properties.comment ?? []) as Mf2Item[];
}

const contentOf = (c: Mf2Item) => (c.properties.content?.[0] as { value?: string } | undefined)?.value;

async function receivedAndApproved(note: { url: string }, body: string): Promise<void> {
  alice.pages.set('/reply', { body });
  expect((await sendWebmention(t, alice.url('/reply'), note.url)).status).toBe(201);
  await drain(t);
  approveAll(t);
}

describe('update (§3.2.4, webmention.rocks update tests)', () => {
  it('the same source again replaces the stored reply; it is not shown as a new one and stays approved', async () => {
    const note = publishNote(t, 'Hello', 'hello');
    await receivedAndApproved(note, replyPage(note.url, { content: 'First version' }));
    const path = '/notes/hello';
    expect((await commentsOn(path)).map(contentOf)).toEqual(['First version']);

    alice.pages.set('/reply', { body: replyPage(note.url, { content: 'Second version, edited' }) });
    expect((await sendWebmention(t, alice.url('/reply'), note.url)).status).toBe(201);
    await drain(t);
    const comments = await commentsOn(path);
    expect(comments.map(contentOf)).toEqual(['Second version, edited']);
    expect(storedMention(t, alice.url('/reply'), note.url)).toMatchObject({
      moderation: 'approved',
      requests: 2,
    });
  });

  it('a source that now answers 200 without the link removes the response', async () => {
    const note = publishNote(t, 'Hello', 'hello');
    await receivedAndApproved(note, replyPage(note.url));
    expect(await commentsOn('/notes/hello')).toHaveLength(1);

    alice.pages.set('/reply', {
      body: '<html><body><p class="h-entry">I took the link out.</p></body></html>',
    });
    const res = await sendWebmention(t, alice.url('/reply'), note.url);
    await drain(t);
    expect(await commentsOn('/notes/hello')).toEqual([]);
    const status = await (await t.get(new URL(res.headers.get('location')!).pathname)).json();
    expect(status).toMatchObject({ status: 'rejected', detail: expect.stringMatching(/does not link/) });
    expect(storedMention(t, alice.url('/reply'), note.url)).toMatchObject({
      state: 'deleted',
      content_text: null,
      author_name: null,
    });
  });

  it('a newer request decides: a verification that finishes after it leaves the mention alone', async () => {
    const note = publishNote(t, 'Hello', 'hello');
    let fetches = 0;
    alice.pages.set('/reply', (_req, res) => {
      fetches++;
      const version = fetches;
      const respond = () =>
        res
          .writeHead(200, { 'Content-Type': 'text/html' })
          .end(replyPage(note.url, { content: `Fetched ${version}` }));
      // While the first verification fetches, the sender sends its update.
      if (version === 1) void sendWebmention(t, alice.url('/reply'), note.url).then(respond);
      else respond();
    });
    await sendWebmention(t, alice.url('/reply'), note.url);
    await drain(t);
    expect(fetches).toBe(2);
    const jobs = t.app.services.jobs.list({ kind: 'webmention.verify' });
    expect(jobs.map((j) => j.result)).toEqual(
      expect.arrayContaining([{ state: 'superseded' }, expect.objectContaining({ state: 'verified' })]),
    );
    expect(storedMention(t, alice.url('/reply'), note.url)).toMatchObject({
      content_text: 'Fetched 2',
      requests: 2,
    });
  });
});

describe('delete (§3.2.4, webmention.rocks delete test)', () => {
  it('a source that answers 410 Gone removes the response', async () => {
    const note = publishNote(t, 'Hello', 'hello');
    await receivedAndApproved(note, replyPage(note.url));
    expect(await commentsOn('/notes/hello')).toHaveLength(1);

    alice.pages.set('/reply', { status: 410, body: 'This post was deleted.' });
    await sendWebmention(t, alice.url('/reply'), note.url);
    await drain(t);
    expect(await commentsOn('/notes/hello')).toEqual([]);
    expect(storedMention(t, alice.url('/reply'), note.url)).toMatchObject({
      state: 'deleted',
      detail: expect.stringMatching(/410/),
    });
  });

  it('a source that answers 5xx is retried later; the stored mention stays meanwhile', async () => {
    const note = publishNote(t, 'Hello', 'hello');
    await receivedAndApproved(note, replyPage(note.url));
    alice.pages.set('/reply', { status: 503, headers: { 'Retry-After': '120' }, body: 'busy' });
    await sendWebmention(t, alice.url('/reply'), note.url);
    await drain(t);
    const job = t.app.services.jobs.list({ kind: 'webmention.verify' })[0]!;
    expect(job).toMatchObject({ state: 'queued', lastError: expect.stringMatching(/503/) });
    expect(job.runAt.getTime()).toBeGreaterThanOrEqual(t.clock.now().getTime() + 120_000);
    expect(await commentsOn('/notes/hello')).toHaveLength(1);

    alice.pages.set('/reply', { body: replyPage(note.url, { content: 'Back up' }) });
    t.clock.advance(10 * 60_000);
    await drain(t);
    expect((await commentsOn('/notes/hello')).map(contentOf)).toEqual(['Back up']);
  });
});
