/**
 * WebSub publishing: a loopback hub hears `hub.mode=publish` for the home page and each feed
 * when a public change is saved, through the real app, the job queue and the SSRF-safe fetch
 * (ALLOWED_PRIVATE_ADDRESSES=127.0.0.1 lets it reach the hub).
 */
import type { ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PING_JOB } from '../../src/websub/publisher.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { type RemoteSite, startRemote } from '../helpers/remote.js';

interface Ping {
  path: string;
  type: string | undefined;
  agent: string | undefined;
  form: URLSearchParams;
}

let hub: RemoteSite;
const pings: Ping[] = [];
let answer: (res: ServerResponse) => void = (res) => res.writeHead(202).end();
let t: TestApp;

beforeAll(async () => {
  hub = await startRemote((req, body, res) => {
    pings.push({
      path: req.url ?? '',
      type: req.headers['content-type'],
      agent: req.headers['user-agent'],
      form: new URLSearchParams(body),
    });
    answer(res);
  });
});
afterAll(() => hub.close());
beforeEach(() => {
  pings.length = 0;
  answer = (res) => res.writeHead(202).end();
  t = createTestApp(
    { ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1', WEBSUB_HUB: `${hub.url}hub` },
    '2026-11-27T12:00:00.000Z',
    { safeFetch: true },
  );
});
afterEach(() => t.close());

const drain = () => t.app.services.runner.drain();
const TOPICS = [
  'http://example.test/',
  'http://example.test/feed.rss',
  'http://example.test/feed.atom',
  'http://example.test/feed.json',
];
const pingJobs = () => t.app.services.jobs.list({ kind: PING_JOB });

describe('pinging the hub', () => {
  it('a new public note: one publish ping per topic (home page and each feed), form-encoded, to the hub URL as configured', async () => {
    t.notes.createNote({ content: 'Hello, subscribers.' });
    await drain();
    expect(pings.map((p) => p.path)).toEqual(['/hub', '/hub', '/hub', '/hub']);
    expect(pings.map((p) => p.type)).toEqual(Array(4).fill('application/x-www-form-urlencoded'));
    expect(pings.map((p) => p.form.get('hub.mode'))).toEqual(Array(4).fill('publish'));
    expect(pings.map((p) => p.form.get('hub.url'))).toEqual(TOPICS);
    expect(pingJobs()[0]!.state).toBe('done');
  });

  it('a draft save, a private or an unlisted note ping nothing; publishing, editing and deleting a public note do', async () => {
    const draft = t.notes.createNote({ content: 'not yet', published: false });
    t.notes.updateNote(draft.id, { content: 'still not yet' });
    t.notes.createNote({ content: 'just me', visibility: 'private' });
    t.notes.createNote({ content: 'by link only', visibility: 'unlisted' });
    await drain();
    expect(pingJobs()).toHaveLength(0);
    expect(pings).toHaveLength(0);

    t.notes.updateNote(draft.id, { published: true });
    await drain();
    expect(pings.map((p) => p.form.get('hub.url'))).toEqual(TOPICS);

    t.notes.updateNote(draft.id, { content: 'now edited' });
    await drain();
    expect(pings).toHaveLength(8);

    // Back to a draft: it leaves the feeds, so the feeds changed.
    t.notes.updateNote(draft.id, { published: false });
    await drain();
    expect(pings).toHaveLength(12);

    const other = t.notes.createNote({ content: 'to delete' });
    await drain();
    t.notes.trashNote(other.id);
    await drain();
    expect(pings).toHaveLength(20);
    expect(pingJobs().every((j) => j.state === 'done')).toBe(true);
  });

  it('a note scheduled for later pings when it goes live', async () => {
    t.notes.createNote({ content: 'tomorrow', publishedAt: new Date('2026-11-28T09:00:00.000Z') });
    await drain();
    expect(pings).toHaveLength(0);
    const [job] = pingJobs();
    expect(job!.runAt.toISOString()).toBe('2026-11-28T09:00:00.000Z');
    t.clock.set('2026-11-28T09:00:01.000Z');
    await drain();
    expect(pings.map((p) => p.form.get('hub.url'))).toEqual(TOPICS);
  });

  it('a hub answering 429 with Retry-After is asked again after that wait; a 4xx refusal fails the job for the admin to see', async () => {
    answer = (res) => res.writeHead(429, { 'retry-after': '600' }).end();
    t.notes.createNote({ content: 'busy hub' });
    await drain();
    let [job] = pingJobs();
    expect(job!.state).toBe('queued');
    expect(job!.runAt.getTime() - t.clock.now().getTime()).toBeGreaterThanOrEqual(600_000);
    expect(job!.lastError).toContain('429');

    answer = (res) => res.writeHead(400).end('unknown topic');
    t.clock.advance(601_000);
    await drain();
    [job] = pingJobs();
    expect(job!.state).toBe('failed');
    expect(job!.lastError).toMatch(/refused.*400/);
  });

  it('by the outbound policy: a 408 is asked again, a Retry-After of a year waits a day, and the ping names StarPunk', async () => {
    answer = (res) => res.writeHead(408, { 'retry-after': '31536000' }).end();
    t.notes.createNote({ content: 'slow hub' });
    await drain();
    const [job] = pingJobs();
    expect(job!.state).toBe('queued');
    expect(job!.runAt.getTime() - t.clock.now().getTime()).toBe(24 * 3600_000);
    expect(pings[0]!.agent).toBe('StarPunk/0.0.0-test (WebSub; +http://example.test/)');
  });
});

describe('without WEBSUB_HUB', () => {
  it('no hub, no ping job', async () => {
    const plain = createTestApp({}, '2026-11-27T12:00:00.000Z');
    try {
      plain.notes.createNote({ content: 'quiet' });
      await plain.app.services.runner.drain();
      expect(plain.app.services.jobs.list({ kind: PING_JOB })).toHaveLength(0);
    } finally {
      plain.close();
    }
  });
});
