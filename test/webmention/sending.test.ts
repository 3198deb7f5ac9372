/**
 * Sending Webmentions when notes change (Webmention §3.1, §3.1.4 updated posts, §3.1.5 deleted
 * posts), through the real app, the real job queue and the SSRF-safe fetch, against loopback
 * receivers (ALLOWED_PRIVATE_ADDRESSES=127.0.0.1 lets it reach them).
 */
import { mf2 } from 'microformats-parser';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { startReceiver } from './receiver.js';

type Receiver = Awaited<ReturnType<typeof startReceiver>>;
let rx: Receiver;
let t: TestApp;
const answers = new Map<string, (res: import('node:http').ServerResponse) => void>();

beforeAll(async () => {
  rx = await startReceiver((name, _req, res) => {
    const answer = answers.get(name);
    if (!answer) return false;
    answer(res);
    return true;
  });
});
afterAll(() => rx.close());
beforeEach(() => {
  rx.reset();
  answers.clear();
  t = createTestApp({ ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' }, '2026-11-27T12:00:00.000Z', {
    safeFetch: true,
  });
});
afterEach(() => t.close());

const drain = () => t.app.services.runner.drain();
const sent = () => rx.received.map((r) => r.page).sort();
const links = (...names: string[]) => names.map((n) => `[${n}](${rx.page(n)})`).join(' and ');
const noteUrl = (slug: string) => `http://example.test/notes/${slug}`;

describe('§3.1 a new public note', () => {
  it('sends each linked page one Webmention with source and target form-encoded', async () => {
    const note = t.notes.createNote({ content: `See ${links('a', 'b')}.` });
    await drain();
    expect(sent()).toEqual(['a', 'b']);
    for (const r of rx.received) {
      expect(r.contentType).toBe('application/x-www-form-urlencoded');
      expect(r.source).toBe(noteUrl(note.slug));
      expect(r.target).toBe(rx.page(r.page));
    }
    expect(t.app.services.webmentionsSent.listForNote(note.id)).toMatchObject([
      { target: rx.page('a'), linked: true, outcome: 'sent', status: 202, endpoint: `${rx.url}wm/a` },
      { target: rx.page('b'), linked: true, outcome: 'sent', status: 202, endpoint: `${rx.url}wm/b` },
    ]);
  });

  it('sends nothing for drafts, private or unlisted notes, links to this site, or non-http links', async () => {
    t.notes.createNote({ content: links('draft'), published: false });
    t.notes.createNote({ content: links('private'), visibility: 'private' });
    t.notes.createNote({ content: links('unlisted'), visibility: 'unlisted' });
    t.notes.createNote({
      content:
        '[me](http://example.test/notes/other) [home](/) [mail](mailto:a@b.example) [ftp](ftp://x.example/)',
    });
    await drain();
    expect(rx.received).toEqual([]);
  });

  it('sends a link once per revision, however often it appears or the change is reported', async () => {
    const note = t.notes.createNote({
      content: `${links('a')} ${links('a')} [again](${rx.page('a')}#comments) [b](${rx.page('b')})`,
    });
    // The same change reported twice, and a plan run twice: still one send per target.
    t.app.services.webmentionsSent.noteChanged({ id: note.id, event: 'updated', revision: note.revision });
    await drain();
    t.app.services.webmentionsSent.plan(note.id);
    await drain();
    expect(sent()).toEqual(['a', 'b']);
  });

  it('edits made before the sends ran are sent once, for the latest revision', async () => {
    const note = t.notes.createNote({ content: links('a', 'b') });
    // The first revision's sends are queued, then superseded before they run.
    t.app.services.webmentionsSent.plan(note.id);
    t.notes.updateNote(note.id, { content: `${links('a', 'b')} edited` });
    t.notes.updateNote(note.id, { content: `${links('a', 'b')} edited twice` });
    await drain();
    expect(sent()).toEqual(['a', 'b']);
    const revision = t.notes.getNoteById(note.id)!.revision;
    expect(t.app.services.webmentionsSent.listForNote(note.id).map((r) => r.revision)).toEqual([
      revision,
      revision,
    ]);
  });

  it('a scheduled note sends when it goes live, not before', async () => {
    const note = t.notes.createNote({
      content: links('later'),
      publishedAt: new Date('2026-11-28T09:00:00.000Z'),
    });
    await drain();
    expect(rx.received).toEqual([]);
    t.clock.set('2026-11-28T09:00:00.000Z');
    await drain();
    expect(rx.received.map((r) => [r.page, r.source])).toEqual([['later', noteUrl(note.slug)]]);
  });
});

describe('§3.1.4 an updated note', () => {
  it('re-sends to the links it keeps, sends to new ones, and tells the ones it dropped', async () => {
    const note = t.notes.createNote({ content: `One: ${links('a', 'b')}.` });
    await drain();
    rx.reset();
    t.notes.updateNote(note.id, { content: `Two: ${links('b', 'c')}.` });
    await drain();
    expect(sent()).toEqual(['a', 'b', 'c']);
    const list = t.app.services.webmentionsSent.listForNote(note.id);
    expect(list.map((r) => [r.target.split('/').pop(), r.linked, r.outcome])).toEqual([
      ['a', false, 'sent'],
      ['b', true, 'sent'],
      ['c', true, 'sent'],
    ]);
    // A page that no longer links to `a` is what `a` verifies and finds.
    const page = await (await t.get(`/notes/${note.slug}`)).text();
    expect(page).not.toContain(rx.page('a'));

    // The next update re-sends what the note links to; `a` was told already.
    rx.reset();
    t.notes.updateNote(note.id, { tags: ['more'] });
    await drain();
    expect(sent()).toEqual(['b', 'c']);
  });

  it('making a note private or a draft tells every target it had sent to', async () => {
    const note = t.notes.createNote({ content: links('a', 'b') });
    await drain();
    rx.reset();
    t.notes.updateNote(note.id, { visibility: 'private' });
    await drain();
    expect(sent()).toEqual(['a', 'b']);
    expect(t.app.services.webmentionsSent.listForNote(note.id).every((r) => !r.linked)).toBe(true);
    rx.reset();
    t.notes.updateNote(note.id, { visibility: 'public' });
    await drain();
    expect(sent()).toEqual(['a', 'b']);
  });
});

describe('§3.1.5 a deleted note', () => {
  it('answers 410 and tells every target; undeleting sends again', async () => {
    const note = t.notes.createNote({ content: links('a', 'b') });
    await drain();
    rx.reset();
    t.notes.trashNote(note.id);
    await drain();
    expect(sent()).toEqual(['a', 'b']);
    expect(rx.received.every((r) => r.source === noteUrl(note.slug))).toBe(true);
    expect((await t.get(`/notes/${note.slug}`)).status).toBe(410);
    rx.reset();
    t.notes.restoreNote(note.id);
    await drain();
    expect(sent()).toEqual(['a', 'b']);
  });

  it('purging a note drops its records and sends nothing more', async () => {
    const note = t.notes.createNote({ content: links('a') });
    await drain();
    t.notes.trashNote(note.id);
    await drain();
    rx.reset();
    t.notes.purgeNote(note.id);
    await drain();
    expect(rx.received).toEqual([]);
    expect(t.app.services.webmentionsSent.listForNote(note.id)).toEqual([]);
  });
});

describe('Micropub: a reply, like, repost or bookmark sends its Webmention', () => {
  it('sends to in-reply-to, like-of, repost-of and bookmark-of, each a link on the published page', async () => {
    const token = t.app.services.tokens.mintToken({
      me: t.config.adminMe,
      clientId: 'https://client.example/',
      scope: 'create',
      expiresInSeconds: null,
    }).token;
    const res = await t.request('/micropub', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        type: ['h-entry'],
        properties: {
          content: ['Replying, liking, reposting and bookmarking.'],
          'in-reply-to': [rx.page('reply')],
          'like-of': [{ type: ['h-cite'], properties: { url: [rx.page('like')], name: ['A post'] } }],
          'repost-of': [rx.page('repost')],
          'bookmark-of': [rx.page('bookmark')],
        },
      }),
    });
    expect(res.status).toBe(201);
    const location = res.headers.get('location')!;
    await drain();
    expect(sent()).toEqual(['bookmark', 'like', 'reply', 'repost']);
    expect(rx.received.every((r) => r.source === location)).toBe(true);
    // What a receiver does next: fetch the source and find its target as the matching property.
    const html = await (await t.get(new URL(location).pathname)).text();
    const entry = mf2(html, { baseUrl: location }).items.find((i) => i.type?.includes('h-entry'))!;
    for (const [prop, name] of [
      ['in-reply-to', 'reply'],
      ['like-of', 'like'],
      ['repost-of', 'repost'],
      ['bookmark-of', 'bookmark'],
    ] as const) {
      expect(JSON.stringify(entry.properties[prop]), prop).toContain(rx.page(name));
    }
  });
});

describe('the receiver answers', () => {
  it('records a 201 status page; any 2xx is a success', async () => {
    answers.set('created', (res) => {
      res.writeHead(201, { Location: '/status/42' });
      res.end();
    });
    answers.set('ok', (res) => {
      res.writeHead(200);
      res.end('done');
    });
    // A status page that is not an http(s) URL is not kept (the admin shows it as a link).
    answers.set('scripted', (res) => {
      res.writeHead(202, { Location: 'javascript:alert(document.cookie)' });
      res.end();
    });
    const note = t.notes.createNote({ content: links('created', 'ok', 'scripted') });
    await drain();
    expect(t.app.services.webmentionsSent.listForNote(note.id)).toMatchObject([
      { outcome: 'sent', status: 201, location: `${rx.url}status/42` },
      { outcome: 'sent', status: 200, location: null },
      { outcome: 'sent', status: 202, location: null },
    ]);
  });

  it('a 4xx fails for good; a 5xx is retried with backoff; a 429 waits as long as Retry-After says', async () => {
    answers.set('bad', (res) => {
      res.writeHead(400);
      res.end('source does not link to target');
    });
    answers.set('down', (res) => {
      res.writeHead(502);
      res.end();
    });
    answers.set('busy', (res) => {
      res.writeHead(429, { 'Retry-After': '7200' });
      res.end();
    });
    const note = t.notes.createNote({ content: links('bad', 'down', 'busy') });
    await drain();
    const [bad, down, busy] = t.app.services.webmentionsSent.listForNote(note.id);
    expect(bad).toMatchObject({ outcome: 'failed', status: 400, job: { state: 'failed', attempts: 1 } });
    expect(bad!.lastError).toMatch(/HTTP 400/);
    expect(down).toMatchObject({ outcome: 'failed', status: 502, job: { state: 'queued', attempts: 1 } });
    expect(down!.job!.runAt.getTime()).toBeGreaterThan(t.clock.now().getTime());
    expect(busy).toMatchObject({ outcome: 'failed', status: 429, job: { state: 'queued' } });
    expect(busy!.job!.runAt.getTime()).toBeGreaterThanOrEqual(t.clock.now().getTime() + 7200_000);

    // The endpoint recovers: the retry, when due, succeeds; nothing else is sent again.
    answers.delete('down');
    rx.reset();
    t.clock.advance(60_000);
    await drain();
    expect(sent()).toEqual(['down']);
    expect(t.app.services.webmentionsSent.listForNote(note.id)[1]).toMatchObject({
      outcome: 'sent',
      status: 202,
      lastError: null,
      job: { state: 'done', attempts: 2 },
    });
  });
});

describe('sending never blocks or fails a note save', () => {
  it('a listener that throws is rolled back alone; the note and its Webmention plan are kept', async () => {
    let ran = 0;
    t.notes.onChange(() => {
      ran++;
      t.db
        .prepare(
          "INSERT INTO jobs (kind, payload, run_at, created_at, updated_at) VALUES ('x', '{}', 'a', 'a', 'a')",
        )
        .run();
      throw new Error('listener broke');
    });
    const note = t.notes.createNote({ content: links('a') });
    expect(ran).toBe(1);
    expect(t.notes.getNoteById(note.id)).toBeDefined();
    expect(t.db.prepare("SELECT count(*) AS n FROM jobs WHERE kind = 'x'").get()).toEqual({ n: 0 });
    await drain();
    expect(sent()).toEqual(['a']);
  });

  it('a save answers at once while the target hangs', async () => {
    const hung: import('node:http').ServerResponse[] = [];
    answers.set('hang', (res) => hung.push(res));
    const runner = t.app.services.runner;
    runner.start();
    try {
      const started = Date.now();
      const note = t.notes.createNote({ content: links('hang') });
      t.notes.updateNote(note.id, { content: `${links('hang')} again` });
      expect(Date.now() - started).toBeLessThan(1000);
      // The runner got to it in the background.
      await new Promise((r) => setTimeout(r, 300));
      expect(rx.received.map((r) => r.page)).toContain('hang');
    } finally {
      for (const res of hung) res.writeHead(202).end();
      await runner.stop();
    }
  });
});
