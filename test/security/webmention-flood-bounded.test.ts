/**
 * Issue 22 item 3 (medium): the 30-a-minute limit counted per source host name, which a sender
 * chooses freely: 600 mentions from 600 invented host names were all accepted in 2 s, refused
 * entries and their jobs were kept 30 days, and the same trick filled the 2,000-place moderation
 * cap with junk that never verified, after which every genuine mention got 429.
 *
 * Now requests from senders the owner does not know yet share a budget per target note (50 a
 * minute) and one overall (60 a minute), both above the per-host one (30) and checked after it, so
 * a single host spends only its own; known senders (an allowed domain, or a host with an approved mention) are not counted and
 * are never turned away by the moderation cap; only verified mentions take places in that cap;
 * refused requests and finished verifications are forgotten after a day; and a source whose
 * host name does not exist is refused after one lookup instead of five attempts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createJobQueue, createJobRunner } from '../../src/jobs/queue.js';
import type { FetchLike } from '../../src/outbound/safe-fetch.js';
import {
  createWebmentionReceiver,
  RECEIVE_LIMITS,
  type ReceiveLimits,
} from '../../src/webmention/receive.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { publishNote, sendWebmention } from '../helpers/webmention.js';

let t: TestApp;
beforeEach(() => {
  t = createTestApp();
});
afterEach(() => t.close());

/** Sends one mention from each of `n` invented hosts; resolves with the statuses. */
async function flood(targets: string[], n: number, prefix = 'junk'): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await sendWebmention(t, `https://${prefix}${i}.example/p`, targets[i % targets.length]!);
    statuses.push(res.status);
  }
  return statuses;
}

describe('a flood of mentions from invented host names', () => {
  it(`is held to ${RECEIVE_LIMITS.perTargetPerMinute} a minute for one note, with Retry-After`, async () => {
    const note = publishNote(t);
    const statuses = await flood([note.url], 100);
    expect(statuses.filter((s) => s === 201)).toHaveLength(RECEIVE_LIMITS.perTargetPerMinute);
    const over = await sendWebmention(t, 'https://one-more.example/p', note.url);
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(over.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(((await over.json()) as { error_description: string }).error_description).toMatch(/for this note/);
  });

  it(`is held to ${RECEIVE_LIMITS.globalPerMinute} a minute over all notes, and lets new senders in again a minute later`, async () => {
    const notes = Array.from({ length: 40 }, (_, i) => publishNote(t, `note ${i}`).url);
    const statuses = await flood(notes, 600);
    expect(statuses.filter((s) => s === 201)).toHaveLength(RECEIVE_LIMITS.globalPerMinute);
    expect(statuses.filter((s) => s === 429)).toHaveLength(600 - RECEIVE_LIMITS.globalPerMinute);
    t.clock.advance(61_000);
    expect((await sendWebmention(t, 'https://genuine.example/reply', notes[0]!)).status).toBe(201);
  });

  it('never turns away a sender the owner knows: an allowed domain, or a host with an approved mention', async () => {
    const notes = Array.from({ length: 40 }, (_, i) => publishNote(t, `note ${i}`).url);
    const { moderation, store } = t.app.services.webmentionsReceived;
    moderation.allowDomain('friend.example');
    // An earlier mention from this host, verified and approved.
    const earlier = t.app.services.webmentionsReceived.receive({
      source: 'https://known.example/old',
      target: notes[0],
    });
    store.updateContent(
      earlier.id,
      {
        kind: 'mention',
        rsvp: null,
        url: 'https://known.example/old',
        author_name: null,
        author_url: null,
        author_photo: null,
        published_at: null,
        content_html: null,
        content_text: null,
        in_reply_to: '[]',
      },
      'approved',
      '2026-11-27 12:00:00',
    );
    await flood(notes, 200);
    expect((await sendWebmention(t, 'https://stranger.example/p', notes[1]!)).status).toBe(429);
    expect((await sendWebmention(t, 'https://blog.friend.example/p', notes[1]!)).status).toBe(201);
    expect((await sendWebmention(t, 'https://known.example/new', notes[1]!)).status).toBe(201);
  });

  it('keeps a single host’s refused requests out of the shared budgets', async () => {
    const note = publishNote(t);
    let accepted = 0;
    for (let i = 0; i < 200; i++)
      if ((await sendWebmention(t, `https://hammer.example/p/${i}`, note.url)).status === 201) accepted++;
    expect(accepted).toBe(RECEIVE_LIMITS.perHostPerMinute);
    expect((await sendWebmention(t, 'https://genuine.example/reply', note.url)).status).toBe(201);
  });
});

describe('the moderation cap', () => {
  /** A receiver on the test app's database with a small moderation cap and a fetch of our choosing. */
  function receiverWith(fetch: FetchLike, limits: Partial<ReceiveLimits>) {
    const jobs = createJobQueue({ db: t.db, clock: t.clock });
    const receiver = createWebmentionReceiver({
      db: t.db,
      clock: t.clock,
      siteUrl: t.config.siteUrl,
      notes: t.notes,
      jobs,
      fetch,
      limits: { verifyAttempts: 1, ...limits },
    });
    return { receiver, jobs, runner: createJobRunner({ queue: jobs, kinds: receiver.jobKinds }) };
  }

  it('is not taken by requests that never verified', async () => {
    const note = publishNote(t);
    const never: FetchLike = () => Promise.reject(new TypeError('fetch failed'));
    const { receiver } = receiverWith(never, { pendingTotal: 5 });
    for (let i = 0; i < 10; i++) receiver.receive({ source: `https://junk${i}.example/p`, target: note.url });
    // Ten wait for verification; the cap of five counts verified mentions only.
    expect(() => receiver.receive({ source: 'https://genuine.example/p', target: note.url })).not.toThrow();
  });

  it('still turns unknown senders away when verified mentions fill it, but not known ones', async () => {
    const note = publishNote(t);
    const page = (url: string) =>
      new Response(`<a href="${note.url}">${url}</a>`, { headers: { 'Content-Type': 'text/html' } });
    const { receiver, runner } = receiverWith((url) => Promise.resolve(page(url)), { pendingTotal: 3 });
    for (let i = 0; i < 3; i++) receiver.receive({ source: `https://real${i}.example/p`, target: note.url });
    await runner.drain();
    expect(() => receiver.receive({ source: 'https://stranger.example/p', target: note.url })).toThrow(
      /waiting for moderation/,
    );
    receiver.moderation.allowDomain('friend.example');
    expect(() => receiver.receive({ source: 'https://friend.example/p', target: note.url })).not.toThrow();
  });
});

describe('refused work', () => {
  it('is forgotten after a day, with its finished verification job', async () => {
    const note = publishNote(t);
    const { receiver, jobs, runner } = (() => {
      const jobs = createJobQueue({ db: t.db, clock: t.clock });
      const receiver = createWebmentionReceiver({
        db: t.db,
        clock: t.clock,
        siteUrl: t.config.siteUrl,
        notes: t.notes,
        jobs,
        fetch: () => Promise.resolve(new Response('gone', { status: 410 })),
      });
      return { receiver, jobs, runner: createJobRunner({ queue: jobs, kinds: receiver.jobKinds }) };
    })();
    const row = receiver.receive({ source: 'https://gone.example/p', target: note.url });
    await runner.drain();
    expect(receiver.store.findWebmentionById(row.id)!.state).toBe('deleted');
    expect(jobs.list({ kind: 'webmention.verify' })).toHaveLength(1);
    t.clock.advance(25 * 3600_000);
    receiver.receive({ source: 'https://next.example/p', target: note.url });
    expect(receiver.store.findWebmentionById(row.id)).toBeUndefined();
    expect(jobs.list({ kind: 'webmention.verify', state: 'done' })).toHaveLength(0);
  });

  it('a source whose host name does not exist is refused after one lookup', async () => {
    const note = publishNote(t);
    let lookups = 0;
    // What undici throws when the resolver answers NXDOMAIN.
    const nxdomain: FetchLike = () => {
      lookups++;
      const cause = Object.assign(new Error('getaddrinfo ENOTFOUND invented.example'), { code: 'ENOTFOUND' });
      return Promise.reject(new TypeError('fetch failed', { cause }));
    };
    const jobs = createJobQueue({ db: t.db, clock: t.clock });
    const receiver = createWebmentionReceiver({
      db: t.db,
      clock: t.clock,
      siteUrl: t.config.siteUrl,
      notes: t.notes,
      jobs,
      fetch: nxdomain,
    });
    const runner = createJobRunner({ queue: jobs, kinds: receiver.jobKinds });
    const row = receiver.receive({ source: 'https://invented.example/p', target: note.url });
    await runner.drain();
    expect(lookups).toBe(1);
    expect(receiver.store.findWebmentionById(row.id)).toMatchObject({
      state: 'rejected',
      detail: 'The source could not be fetched: the source’s host name does not exist.',
    });
  });
});
