/**
 * The site against a real fediverse server: a second server built with Fedify itself on 127.0.0.1
 * (peer.ts) finds the site, follows it, receives what it publishes, replies, likes and boosts. The
 * site uses its production SSRF-safe fetch, with 127.0.0.1 allowed as an operator would allow it
 * (ALLOWED_PRIVATE_ADDRESSES).
 *
 * On a Node.js Fedify cannot run on (before 22) the feature is off: the tests assert exactly that.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { activityPubSupport, PUBLISH_JOB } from '../../src/activitypub/support.js';
import { webmentionsStore } from '../../src/db/store/webmentions.js';
import { createTestApp } from '../helpers/app.js';
import { restart } from '../helpers/settings.js';
import { servedSite } from './site.js';

const support = activityPubSupport();
const AS = 'application/activity+json';

if (!support.enabled) {
  describe(`ActivityPub on Node.js ${process.versions.node}`, () => {
    test('is switched off, says which Node.js it needs, and federates nothing', async () => {
      expect(support.reason).toMatch(/needs Node\.js 22 or later/);
      const t = createTestApp();
      try {
        const ap = t.app.services.activityPub;
        expect(ap.enabled).toBe(false);
        expect(ap.reason).toBe(support.reason);
        expect(ap.handle()).toBeUndefined();
        await expect(ap.load()).rejects.toThrow(/needs Node\.js 22/);
        expect((await t.get('/.well-known/webfinger?resource=acct:owner@example.test')).status).toBe(404);
        const home = await t.get('/', { Accept: AS });
        expect(home.headers.get('content-type')).toMatch(/text\/html/);
        t.notes.createNote({ content: 'Hello fediverse' });
        expect(t.app.services.jobs.list().filter((j) => j.kind.startsWith('activitypub.'))).toEqual([]);
      } finally {
        t.close();
      }
    });
  });
} else {
  describe(`ActivityPub against a Fedify server (Node.js ${process.versions.node})`, async () => {
    const { startPeer } = await import('./peer.js');
    const vocab = await import('@fedify/vocab');
    let site: Awaited<ReturnType<typeof servedSite>>;
    let peer: Awaited<ReturnType<typeof startPeer>>;
    let actor: { id: URL; inboxId: URL; sharedInbox: URL };
    const drain = () => site.t.app.services.runner.drain();

    beforeAll(async () => {
      site = await servedSite();
      peer = await startPeer();
    });
    afterAll(async () => {
      await site.close();
      await peer.close();
      site.t.close();
    });

    test('WebFinger finds @owner@host by acct: and by the profile URL', async () => {
      const host = new URL(site.url).host;
      for (const resource of [`acct:owner@${host}`, site.url]) {
        const res = await fetch(`${site.url}.well-known/webfinger?resource=${encodeURIComponent(resource)}`);
        expect(res.status).toBe(200);
        const jrd = (await res.json()) as {
          subject: string;
          links: { rel: string; type?: string; href: string }[];
        };
        const self = jrd.links.find((l) => l.rel === 'self');
        expect(self).toEqual({ rel: 'self', type: AS, href: `${site.url}ap/site` });
      }
      const none = await fetch(
        `${site.url}.well-known/webfinger?resource=${encodeURIComponent(`acct:nobody@${host}`)}`,
      );
      expect(none.status).toBe(404);
    });

    test('the peer looks the site up by its home page and gets the Person', async () => {
      const found = await peer.lookup(site.url);
      expect(found).toBeInstanceOf(vocab.Person);
      const person = found as InstanceType<typeof vocab.Person>;
      expect(person.id?.href).toBe(`${site.url}ap/site`);
      expect(person.preferredUsername).toBe('owner');
      expect(person.name?.toString()).toBe('Ada Lovelace');
      expect(person.url?.toString()).toBe(site.url);
      expect(person.manuallyApprovesFollowers).toBe(false);
      expect((await person.getPublicKey())?.id?.href).toMatch(/#main-key$/);
      actor = { id: person.id!, inboxId: person.inboxId!, sharedInbox: person.endpoints!.sharedInbox! };
    });

    test('the HTML pages say Vary: Accept, and a note URL answers as a Note when asked', async () => {
      const note = site.t.notes.createNote({ content: 'Negotiated', slug: 'negotiated' });
      await drain();
      // Asked for three times: the render cache keeps it and the fast path answers the third.
      const hits = site.t.app.services.fastPath.stats().hits;
      for (let i = 0; i < 3; i++) {
        const html = await fetch(`${site.url}notes/negotiated`, { headers: { Accept: 'text/html' } });
        expect(html.headers.get('content-type')).toMatch(/text\/html/);
        expect(html.headers.get('vary')).toMatch(/Accept/);
      }
      expect(site.t.app.services.fastPath.stats().hits).toBe(hits + 1);
      for (const accept of [AS, 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"']) {
        const res = await fetch(`${site.url}notes/negotiated`, { headers: { Accept: accept } });
        expect(res.headers.get('content-type')).toMatch(/activity\+json|ld\+json/);
        const json = (await res.json()) as Record<string, unknown>;
        expect(json.type).toBe('Note');
        expect(json.id).toBe(`${site.url}notes/negotiated`);
      }
      site.t.notes.trashNote(note.id);
      await drain();
    });

    test('Follow is accepted: the peer receives an Accept of its Follow', async () => {
      const follow = new vocab.Follow({
        id: new URL(`${peer.url}follows/1`),
        actor: peer.aliceId,
        object: actor.id,
      });
      await peer.send(follow, { id: actor.id, inboxId: actor.inboxId });
      await drain();
      const accept = peer.inbox.find((a) => a.type === 'Accept');
      expect(accept).toBeDefined();
      expect(JSON.stringify(accept!.json)).toContain(`${peer.url}follows/1`);
      const followers = site.t.app.services.activityPub.store.listFollowers('accepted', 10, 0);
      expect(followers.map((f) => f.actor_id)).toEqual([peer.aliceId.href]);
      const collection = (await (
        await fetch(`${site.url}ap/site/followers`, { headers: { Accept: AS } })
      ).json()) as { totalItems: number };
      expect(collection.totalItems).toBe(1);
    });

    test('a public note is delivered as Create; private, unlisted and drafts are not', async () => {
      const before = peer.inbox.length;
      site.t.notes.createNote({ content: 'Secret', visibility: 'private' });
      site.t.notes.createNote({ content: 'Quiet', visibility: 'unlisted' });
      site.t.notes.createNote({ content: 'Draft', published: false });
      await drain();
      expect(peer.inbox.length).toBe(before);
      const note = site.t.notes.createNote({
        content: `Hello #fediverse from the site, @alice@${peer.host}!`,
        slug: 'hello-fediverse',
        tags: ['fediverse'],
        properties: { summary: ['A content warning'] },
      });
      await drain();
      const created = peer.inbox.slice(before).filter((a) => a.type === 'Create');
      expect(created).toHaveLength(1);
      const object = created[0]!.json.object as Record<string, unknown>;
      expect(object.id).toBe(`${site.url}notes/hello-fediverse`);
      expect(object.content).toContain('Hello');
      expect(object.content).toContain(`href="${peer.url}@alice"`);
      expect(object.summary).toBe('A content warning');
      expect(object.sensitive).toBe(true);
      const tags = ([] as Record<string, unknown>[]).concat(object.tag as Record<string, unknown>[]);
      expect(tags).toContainEqual(expect.objectContaining({ type: 'Hashtag', name: '#fediverse' }));
      expect(tags).toContainEqual(
        expect.objectContaining({ type: 'Mention', href: peer.aliceId.href, name: `@alice@${peer.host}` }),
      );
      // An edit sends an Update; trashing sends a Delete with a Tombstone.
      site.t.notes.updateNote(note.id, { content: `Hello again #fediverse, @alice@${peer.host}!` });
      await drain();
      const updated = peer.inbox.slice(before).filter((a) => a.type === 'Update');
      expect(updated).toHaveLength(1);
      expect((updated[0]!.json.object as Record<string, unknown>).content).toContain('Hello again');
      site.t.notes.trashNote(note.id);
      await drain();
      const deleted = peer.inbox.slice(before).filter((a) => a.type === 'Delete');
      expect(deleted).toHaveLength(1);
      expect(deleted[0]!.json.object).toEqual(
        expect.objectContaining({ type: 'Tombstone', id: `${site.url}notes/hello-fediverse` }),
      );
    });

    test('a reply from the peer appears under the note once approved; likes and boosts too', async () => {
      const note = site.t.notes.createNote({ content: 'Reply to me', slug: 'reply-to-me' });
      await drain();
      const noteUrl = `${site.url}notes/reply-to-me`;
      const reply = new vocab.Note({
        id: new URL(`${peer.url}notes/r1`),
        attribution: peer.aliceId,
        to: vocab.PUBLIC_COLLECTION,
        content: '<p>A reply <script>alert(1)</script>from the fediverse</p>',
        replyTarget: new URL(noteUrl),
        url: new URL(`${peer.url}@alice/r1`),
      });
      await peer.send(
        new vocab.Create({ id: new URL(`${peer.url}notes/r1/activity`), actor: peer.aliceId, object: reply }),
        { id: actor.id, inboxId: actor.sharedInbox },
      );
      await peer.send(
        new vocab.Like({ id: new URL(`${peer.url}likes/1`), actor: peer.aliceId, object: new URL(noteUrl) }),
        { id: actor.id, inboxId: actor.sharedInbox },
      );
      await peer.send(
        new vocab.Announce({
          id: new URL(`${peer.url}boosts/1`),
          actor: peer.aliceId,
          object: new URL(noteUrl),
        }),
        { id: actor.id, inboxId: actor.sharedInbox },
      );
      await drain();
      const store = webmentionsStore(site.t.db);
      const rows = store.listWebmentions({ moderation: 'pending', verifiedOnly: true, limit: 10, offset: 0 });
      expect(rows.map((r) => [r.protocol, r.kind]).sort()).toEqual([
        ['activitypub', 'like'],
        ['activitypub', 'reply'],
        ['activitypub', 'repost'],
      ]);
      let page = await (await fetch(noteUrl)).text();
      expect(page).not.toContain('from the fediverse');
      const moderation = site.t.app.services.webmentionsReceived.moderation;
      for (const r of rows) moderation.approve(r.id);
      page = await (await fetch(noteUrl)).text();
      expect(page).toContain('from the fediverse');
      expect(page).toContain('Alice Peer');
      expect(page).not.toContain('<script>alert(1)');
      // Undo of the like removes it.
      await peer.send(
        new vocab.Undo({
          id: new URL(`${peer.url}likes/1/undo`),
          actor: peer.aliceId,
          object: new vocab.Like({
            id: new URL(`${peer.url}likes/1`),
            actor: peer.aliceId,
            object: new URL(noteUrl),
          }),
        }),
        { id: actor.id, inboxId: actor.sharedInbox },
      );
      await drain();
      expect(
        store
          .listShownForNote(note.id)
          .map((r) => r.kind)
          .sort(),
      ).toEqual(['reply', 'repost']);
      // A Delete of the reply removes it.
      await peer.send(
        new vocab.Delete({
          id: new URL(`${peer.url}notes/r1/delete`),
          actor: peer.aliceId,
          object: new vocab.Tombstone({ id: new URL(`${peer.url}notes/r1`) }),
        }),
        { id: actor.id, inboxId: actor.sharedInbox },
      );
      await drain();
      expect(store.listShownForNote(note.id).map((r) => r.kind)).toEqual(['repost']);
    });

    test('a restart between publishing and delivery loses nothing and sends nothing twice', async () => {
      const before = peer.inbox.length;
      site.t.notes.createNote({ content: 'Delivered after a restart', slug: 'after-restart' });
      // The publish job runs (the activity is stored, its delivery queued), then the process stops.
      await site.t.app.services.runner.drain([PUBLISH_JOB]);
      expect(peer.inbox.length).toBe(before);
      const again = restart(site.t);
      try {
        expect(await again.app.services.runner.drain()).toBeGreaterThan(0);
        expect(await again.app.services.runner.drain()).toBe(0);
      } finally {
        again.close();
      }
      await drain();
      const creates = peer.inbox
        .slice(before)
        .filter(
          (a) => (a.json.object as { id?: string } | undefined)?.id === `${site.url}notes/after-restart`,
        );
      expect(creates.map((a) => a.type)).toEqual(['Create']);
    });

    test('Undo of the Follow removes the follower; nothing is delivered to them after', async () => {
      await peer.send(
        new vocab.Undo({
          id: new URL(`${peer.url}follows/1/undo`),
          actor: peer.aliceId,
          object: new vocab.Follow({
            id: new URL(`${peer.url}follows/1`),
            actor: peer.aliceId,
            object: actor.id,
          }),
        }),
        { id: actor.id, inboxId: actor.inboxId },
      );
      await drain();
      expect(site.t.app.services.activityPub.store.countFollowers('accepted')).toBe(0);
      const before = peer.inbox.length;
      site.t.notes.createNote({ content: 'Nobody follows now' });
      await drain();
      expect(peer.inbox.length).toBe(before);
    });
  });
}
