/**
 * What the inbox and delivery promise, against the Fedify peer on loopback: inboxes rate-limited
 * per sending server and in all, bodies capped at 64 KB (nothing stored); an edited reply shown
 * as edited; a scheduled note delivered when its date comes and not before; a server that keeps
 * failing given up on, then tried again; a reply that came both as a Webmention and over
 * ActivityPub shown once. On Node.js 20 the feature is off (fedify-peer.test.ts asserts that).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEAD_AFTER_FAILURES } from '../../src/activitypub/deliver.js';
import { activityPubSupport, DELIVER_JOB } from '../../src/activitypub/support.js';
import { webmentionsStore } from '../../src/db/store/webmentions.js';
import { INBOX_LIMITS } from '../../src/routes/site/activitypub.js';
import { createTestApp } from '../helpers/app.js';
import { startRemote } from '../helpers/remote.js';
import { replyPage } from '../helpers/webmention.js';
import { servedSite } from './site.js';

const support = activityPubSupport();
const DAY = 24 * 3600_000;

if (!support.enabled) {
  describe(`ActivityPub inboxes on Node.js ${process.versions.node}`, () => {
    test('nothing answers at the inboxes and nothing is queued: the feature is off', async () => {
      const t = createTestApp();
      try {
        for (const path of ['/ap/inbox', '/ap/site/inbox']) {
          const res = await t.request(path, {
            method: 'POST',
            headers: { 'Content-Type': 'application/activity+json' },
            body: '{"type":"Follow"}',
          });
          expect(res.status).toBe(404);
          // Servers, not people, ask here: the error is JSON.
          expect(res.headers.get('content-type')).toContain('application/json');
        }
        expect(t.app.services.jobs.list()).toEqual([]);
      } finally {
        t.close();
      }
    });
  });
} else
  describe(`ActivityPub inbox and delivery (Node.js ${process.versions.node})`, async () => {
    const { startPeer } = await import('./peer.js');
    const vocab = await import('@fedify/vocab');
    let site: Awaited<ReturnType<typeof servedSite>>;
    let peer: Awaited<ReturnType<typeof startPeer>>;
    let actorId: URL;
    let inboxId: URL;
    const drain = () => site.t.app.services.runner.drain();
    const wm = () => webmentionsStore(site.t.db);
    const send = (activity: InstanceType<typeof vocab.Activity>) =>
      peer.send(activity, { id: actorId, inboxId });

    beforeAll(async () => {
      site = await servedSite();
      peer = await startPeer();
      actorId = new URL(`${site.url}ap/site`);
      inboxId = new URL(`${site.url}ap/inbox`);
      await send(
        new vocab.Follow({ id: new URL(`${peer.url}follows/1`), actor: peer.aliceId, object: actorId }),
      );
      await drain();
      expect(site.t.app.services.activityPub.store.findFollower(peer.aliceId.href)?.state).toBe('accepted');
    });
    afterAll(async () => {
      await site.close();
      await peer.close();
      site.t.close();
    });

    test('inboxes are rate-limited per sending server, then in all; a minute later they take again', async () => {
      const post = (keyHost: string | null) =>
        fetch(`${site.url}ap/inbox`, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/activity+json',
            ...(keyHost ? { Signature: `keyId="http://${keyHost}/actor#main-key",headers="date"` } : {}),
          },
          body: JSON.stringify({
            '@context': 'https://www.w3.org/ns/activitystreams',
            id: 'http://127.0.0.1:9/likes/1',
            type: 'Like',
            actor: 'http://127.0.0.1:9/actor',
            object: `${site.url}notes/limits`,
          }),
        });
      site.t.notes.createNote({ content: 'Limits', slug: 'limits' });
      await drain();
      // Unsigned posts are one "server": refused by Fedify (401) until the limit, then 429.
      // (The peer's signed Follow, RFC 9421 with its key id in Signature-Input, counted for its host.)
      for (let i = 0; i < INBOX_LIMITS.perServerPerMinute; i++) expect((await post(null)).status).toBe(401);
      const limited = await post(null);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await limited.text()).toContain('Too many activities from unsigned');
      // Another server still gets through: a real signed Like from the peer is accepted and stored.
      await send(
        new vocab.Like({
          id: new URL(`${peer.url}likes/limits`),
          actor: peer.aliceId,
          object: new URL(`${site.url}notes/limits`),
        }),
      );
      await drain();
      expect(wm().findFederatedResponses(peer.aliceId.href, `${peer.url}likes/limits`)).toHaveLength(1);
      // In all: servers (key hosts on loopback ports nobody listens on) until the global limit.
      let sent = INBOX_LIMITS.perServerPerMinute + 1 + 4; // the peer's Like and its key and actor fetches
      let port = 1;
      let status = 0;
      while (status !== 429 && sent < INBOX_LIMITS.globalPerMinute + 50) {
        const res = await post(`127.0.0.1:${port}`);
        status = res.status;
        if (status === 429) expect(await res.text()).toContain('Too many activities just now');
        sent++;
        if (sent % 100 === 0) port++;
      }
      expect(status).toBe(429);
      // A minute later the windows are new.
      site.t.clock.advance(61_000);
      expect((await post(null)).status).toBe(401);
    });

    test('an inbox body over 64 KB is refused with 413, declared or streamed, and nothing is stored', async () => {
      const big = JSON.stringify({
        '@context': 'https://www.w3.org/ns/activitystreams',
        type: 'Create',
        actor: peer.aliceId.href,
        object: { type: 'Note', content: 'x'.repeat(65 * 1024) },
      });
      const declared = await fetch(`${site.url}ap/inbox`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/activity+json' },
        body: big,
      });
      expect(declared.status).toBe(413);
      expect(declared.headers.get('content-type')).toContain('application/json');
      expect(await declared.text()).toContain('at most 64 KB');
      const bytes = new TextEncoder().encode(big);
      const streamed = await fetch(`${site.url}ap/site/inbox`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/activity+json' },
        body: new ReadableStream({
          start(c) {
            for (let i = 0; i < bytes.length; i += 8192) c.enqueue(bytes.subarray(i, i + 8192));
            c.close();
          },
        }),
        duplex: 'half',
      } as RequestInit);
      expect(streamed.status).toBe(413);
      expect(await drain()).toBe(0);
      // A signed post of 60 KB (under the cap) is taken; what it says is kept to 16 KB.
      site.t.notes.createNote({ content: 'Long replies', slug: 'long-replies' });
      await drain();
      await send(
        new vocab.Create({
          id: new URL(`${peer.url}notes/long/activity`),
          actor: peer.aliceId,
          object: new vocab.Note({
            id: new URL(`${peer.url}notes/long`),
            attribution: peer.aliceId,
            content: `<p>${'long '.repeat(12_000)}</p>`,
            replyTarget: new URL(`${site.url}notes/long-replies`),
          }),
        }),
      );
      await drain();
      const stored = wm().findFederatedResponses(peer.aliceId.href, `${peer.url}notes/long`);
      expect(stored).toHaveLength(1);
      expect(stored[0]!.content_html!.length).toBeLessThanOrEqual(16 * 1024 + 64);
    });

    test('a reply nested beyond the parse budget is refused, read off the main thread like a Webmention source', async () => {
      site.t.notes.createNote({ content: 'Deep replies', slug: 'deep-replies' });
      await drain();
      const reply = (id: string, content: string) =>
        new vocab.Create({
          id: new URL(`${peer.url}notes/${id}/activity`),
          actor: peer.aliceId,
          object: new vocab.Note({
            id: new URL(`${peer.url}notes/${id}`),
            attribution: peer.aliceId,
            content,
            replyTarget: new URL(`${site.url}notes/deep-replies`),
          }),
        });
      await send(reply('deep', `${'<div>'.repeat(300)}deep${'</div>'.repeat(300)}`));
      await send(reply('shallow', '<p>Shallow <b>enough</b></p>'));
      await drain();
      expect(wm().findFederatedResponses(peer.aliceId.href, `${peer.url}notes/deep`)).toEqual([]);
      const [ok] = wm().findFederatedResponses(peer.aliceId.href, `${peer.url}notes/shallow`);
      expect(ok).toEqual(expect.objectContaining({ content_text: 'Shallow enough' }));
      expect(ok!.content_html).toContain('<b>enough</b>');
    });

    test('an Update of a reply changes what is shown, and it stays approved', async () => {
      const note = site.t.notes.createNote({ content: 'Edit your reply', slug: 'edit-your-reply' });
      await drain();
      const noteUrl = new URL(`${site.url}notes/edit-your-reply`);
      const reply = (content: string) =>
        new vocab.Note({
          id: new URL(`${peer.url}notes/edited`),
          attribution: peer.aliceId,
          to: vocab.PUBLIC_COLLECTION,
          content,
          replyTarget: noteUrl,
        });
      await send(
        new vocab.Create({
          id: new URL(`${peer.url}notes/edited/activity`),
          actor: peer.aliceId,
          object: reply('<p>First words</p>'),
        }),
      );
      await drain();
      const [row] = wm().findFederatedResponses(peer.aliceId.href, `${peer.url}notes/edited`);
      site.t.app.services.webmentionsReceived.moderation.approve(row!.id);
      expect(await (await fetch(noteUrl)).text()).toContain('First words');
      await send(
        new vocab.Update({
          id: new URL(`${peer.url}notes/edited/update`),
          actor: peer.aliceId,
          object: reply('<p>Better words</p>'),
        }),
      );
      await drain();
      const page = await (await fetch(noteUrl)).text();
      expect(page).toContain('Better words');
      expect(page).not.toContain('First words');
      expect(wm().listShownForNote(note.id)).toHaveLength(1);
      // An Update of a post that was never a response here stores nothing.
      await send(
        new vocab.Update({
          id: new URL(`${peer.url}notes/never/update`),
          actor: peer.aliceId,
          object: new vocab.Note({
            id: new URL(`${peer.url}notes/never`),
            attribution: peer.aliceId,
            content: '<p>Sneaked in</p>',
            replyTarget: noteUrl,
          }),
        }),
      );
      await drain();
      expect(wm().findFederatedResponses(peer.aliceId.href, `${peer.url}notes/never`)).toEqual([]);
    });

    test('a scheduled note is delivered when its date comes, not before, and once', async () => {
      const from = peer.inbox.length;
      const at = new Date(site.t.clock.now().getTime() + DAY);
      site.t.notes.createNote({ content: 'Tomorrow', slug: 'tomorrow', publishedAt: at });
      await drain();
      const mine = () =>
        peer.inbox
          .slice(from)
          .filter((a) => (a.json.object as { id?: string } | undefined)?.id === `${site.url}notes/tomorrow`);
      expect(mine()).toEqual([]);
      site.t.clock.advance(DAY - 60_000);
      await drain();
      expect(mine()).toEqual([]);
      site.t.clock.advance(2 * 60_000);
      await drain();
      expect(mine().map((a) => a.type)).toEqual(['Create']);
      site.t.clock.advance(DAY);
      await drain();
      expect(mine().map((a) => a.type)).toEqual(['Create']);
    });

    test('a server that keeps failing is given up on; tried again, it gets what comes next', async () => {
      let up = false;
      const posts: string[] = [];
      const remote = await startRemote((req, body, res) => {
        if (req.method === 'POST') posts.push(body);
        res.writeHead(up ? 202 : 503, { 'Retry-After': '60' });
        res.end();
      });
      try {
        const host = new URL(remote.url).host;
        const ap = site.t.app.services.activityPub;
        ap.store.upsertFollower({
          actor_id: `${remote.url}users/bob`,
          host: '127.0.0.1',
          inbox: `${remote.url}users/bob/inbox`,
          shared_inbox: `${remote.url}inbox`,
          handle: `@bob@${host}`,
          name: 'Bob Down',
          url: `${remote.url}@bob`,
          follow_id: `${remote.url}follows/bob`,
          state: 'accepted',
          now: '2026-11-27 12:00:00',
        });
        site.t.notes.createNote({ content: 'Anyone there?', slug: 'anyone-there' });
        for (let i = 0; i < 20 && !ap.store.findServer(host)?.dead_at; i++) {
          await drain();
          site.t.clock.advance(DAY);
        }
        const server = ap.store.findServer(host)!;
        expect(server.dead_at).not.toBeNull();
        expect(server.failures).toBe(DEAD_AFTER_FAILURES);
        expect(server.last_error).toBe('answered 503');
        expect(posts).toHaveLength(DEAD_AFTER_FAILURES);
        // Given up on: the next note is not even tried there (the peer still gets it).
        const from = peer.inbox.length;
        site.t.notes.createNote({ content: 'Still nobody', slug: 'still-nobody' });
        await drain();
        expect(posts).toHaveLength(DEAD_AFTER_FAILURES);
        expect(peer.inbox.slice(from).map((a) => a.type)).toEqual(['Create']);
        const last = site.t.app.services.jobs
          .list({ kind: DELIVER_JOB })
          .filter((j) => (j.payload as { inbox: string }).inbox.includes(host))
          .map((j) => [j.state, j.result]);
        expect(last).toContainEqual([
          'done',
          { skipped: expect.stringMatching(/^gave up on 127\.0\.0\.1:/) },
        ]);
        // Back up and tried again: the next note arrives, signed and counted.
        up = true;
        expect(ap.reviveServer(host)).toBe(true);
        site.t.notes.createNote({ content: 'Welcome back', slug: 'welcome-back' });
        await drain();
        expect(posts).toHaveLength(DEAD_AFTER_FAILURES + 1);
        expect(posts.at(-1)).toContain('Welcome back');
        expect(ap.store.findServer(host)).toEqual(
          expect.objectContaining({ dead_at: null, failures: 0, delivered: 1 }),
        );
        ap.store.deleteFollower(`${remote.url}users/bob`);
      } finally {
        await remote.close();
      }
    });

    test('a reply that came as a Webmention too (Bridgy-style) is shown once', async () => {
      const note = site.t.notes.createNote({ content: 'Bridged', slug: 'bridged' });
      await drain();
      const noteUrl = `${site.url}notes/bridged`;
      // The reply's page on the web, in microformats2, as Bridgy serves one for a fediverse post.
      let page = '';
      const web = await startRemote((_req, _body, res) => {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end(page);
      });
      try {
        const replyUrl = `${web.url}alice/bridged-reply`;
        page = replyPage(noteUrl, { content: 'Seen twice?', name: 'Alice Peer', url: replyUrl });
        await send(
          new vocab.Create({
            id: new URL(`${peer.url}notes/bridged/activity`),
            actor: peer.aliceId,
            object: new vocab.Note({
              id: new URL(`${peer.url}notes/bridged`),
              attribution: peer.aliceId,
              content: '<p>Seen twice?</p>',
              replyTarget: new URL(noteUrl),
              url: new URL(replyUrl),
            }),
          }),
        );
        const sent = await fetch(`${site.url}webmention`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ source: replyUrl, target: noteUrl }).toString(),
        });
        expect(sent.status).toBeLessThan(300);
        await drain();
        const rows = wm()
          .listWebmentions({ moderation: 'pending', verifiedOnly: true, limit: 50, offset: 0 })
          .filter((r) => r.note_id === note.id);
        expect(rows.map((r) => r.protocol).sort()).toEqual(['activitypub', 'webmention']);
        for (const r of rows) site.t.app.services.webmentionsReceived.moderation.approve(r.id);
        const shown = wm().listShownForNote(note.id);
        expect(shown.map((r) => r.protocol)).toEqual(['webmention']);
        const html = await (await fetch(noteUrl)).text();
        expect(html.split('Seen twice?').length - 1).toBe(1);
        // Without the Webmention, the ActivityPub copy is shown (the dedup hides only a duplicate).
        site.t.app.services.webmentionsReceived.moderation.reject(
          rows.find((r) => r.protocol === 'webmention')!.id,
        );
        expect(
          wm()
            .listShownForNote(note.id)
            .map((r) => r.protocol),
        ).toEqual(['activitypub']);
      } finally {
        await web.close();
      }
    });
  });
