/**
 * Admin → ActivityPub over HTTP, against a real fediverse server (the Fedify peer on loopback):
 * the handle and settings (what the actor then says), follow requests held and approved or
 * refused, followers removed, people and servers blocked and unblocked (what they send is then
 * dropped), delivery per server revived, also-known-as and Move. On a Node.js ActivityPub cannot
 * run on, the page says why and every action is refused.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { activityPubSupport } from '../../src/activitypub/support.js';
import { webmentionsStore } from '../../src/db/store/webmentions.js';
import { type Admin, postForm, signIn } from '../helpers/admin.js';
import { createTestApp } from '../helpers/app.js';
import { servedSite } from './site.js';

const support = activityPubSupport();
const AS = 'application/activity+json';

if (!support.enabled) {
  describe(`Admin → ActivityPub on Node.js ${process.versions.node}`, () => {
    test('says ActivityPub is off and why, and refuses every action', async () => {
      const t = createTestApp();
      try {
        const admin = await signIn(t);
        const page = await t.get('/admin/activitypub', { Cookie: admin.cookie });
        expect(page.status).toBe(200);
        const html = await page.text();
        expect(html).toContain('needs Node.js 22 or later');
        expect(html).not.toContain('action="/admin/activitypub/settings"');
        for (const [path, fields] of [
          ['/admin/activitypub/settings', { username: 'me', approve_followers: 'on' }],
          ['/admin/activitypub/blocks', { target: 'evil.example' }],
          ['/admin/activitypub/move', { target: 'https://mastodon.example/users/me' }],
        ] as const) {
          const res = await postForm(t, admin, path, fields);
          expect(res.status).toBe(404);
          expect(await res.text()).toContain('needs Node.js 22 or later');
        }
        expect(t.app.services.activityPub.settings.current().approveFollowers).toBe(false);
        expect(t.app.services.activityPub.store.listBlocks()).toEqual([]);
      } finally {
        t.close();
      }
    });
  });
} else {
  describe(`Admin → ActivityPub with a Fedify server (Node.js ${process.versions.node})`, async () => {
    const { startPeer } = await import('./peer.js');
    const vocab = await import('@fedify/vocab');
    let site: Awaited<ReturnType<typeof servedSite>>;
    let peer: Awaited<ReturnType<typeof startPeer>>;
    let admin: Admin;
    let actorId: URL;
    let inboxId: URL;
    let follows = 0;
    const drain = () => site.t.app.services.runner.drain();
    const ap = () => site.t.app.services.activityPub;
    const page = async () => (await site.t.get('/admin/activitypub', { Cookie: admin.cookie })).text();
    const post = (path: string, fields: Record<string, string>) =>
      postForm(site.t, admin, `/admin/activitypub${path}`, fields);
    const actorJson = async () =>
      (await (await fetch(`${site.url}ap/site`, { headers: { Accept: AS } })).json()) as Record<
        string,
        unknown
      >;
    /** alice follows the site; the id of her Follow. */
    async function follow(): Promise<string> {
      const id = `${peer.url}follows/${++follows}`;
      await peer.send(new vocab.Follow({ id: new URL(id), actor: peer.aliceId, object: actorId }), {
        id: actorId,
        inboxId,
      });
      await drain();
      return id;
    }
    /** What alice's inbox received of `type` since `from`. */
    const received = (type: string, from: number) => peer.inbox.slice(from).filter((a) => a.type === type);

    beforeAll(async () => {
      site = await servedSite();
      peer = await startPeer();
      admin = await signIn(site.t);
      actorId = new URL(`${site.url}ap/site`);
      inboxId = new URL(`${site.url}ap/site/inbox`);
    });
    afterAll(async () => {
      await site.close();
      await peer.close();
      site.t.close();
    });

    test('is for the signed-in admin only, and its forms need the CSRF token', async () => {
      const anonymous = await site.t.get('/admin/activitypub');
      expect(anonymous.status).toBe(303);
      const forged = await post('/settings', { _csrf: 'forged', username: 'evil' });
      expect(forged.status).toBe(403);
      expect(ap().settings.current().username).toBe('owner');
    });

    test('shows the handle; the settings change what the actor and WebFinger say', async () => {
      const host = new URL(site.url).host;
      let html = await page();
      expect(html).toContain('<a href="/admin/activitypub">ActivityPub</a>');
      expect(html).toContain(`@owner@${host}`);
      expect(html).toContain('Nobody follows this site from the fediverse yet.');
      const res = await post('/settings', {
        username: '@me',
        approve_followers: 'on',
        indexable: 'on',
        show_followers: 'on',
      });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/admin/activitypub?flash=saved');
      html = await page();
      expect(html).toContain(`@me@${host}`);
      const actor = await actorJson();
      expect(actor.preferredUsername).toBe('me');
      expect(actor.manuallyApprovesFollowers).toBe(true);
      expect(actor.discoverable).toBe(false);
      expect(actor.indexable).toBe(true);
      const wf = await fetch(`${site.url}.well-known/webfinger?resource=acct:me@${host}`);
      expect(wf.status).toBe(200);
      // A bad user name is refused with the reason, and nothing changes.
      const bad = await post('/settings', { username: 'no spaces allowed' });
      expect(bad.status).toBe(400);
      expect(await bad.text()).toContain('letters, digits and underscores');
      expect(ap().settings.current().username).toBe('me');
    });

    test('a held follow waits; refused, the peer gets a Reject; approved, an Accept', async () => {
      let from = peer.inbox.length;
      const first = await follow();
      // Held: nothing sent, the request listed with its actions.
      expect(peer.inbox.length).toBe(from);
      expect(ap().store.findFollower(peer.aliceId.href)?.state).toBe('pending');
      let html = await page();
      expect(html).toContain('Alice Peer');
      expect(html).toContain('action="/admin/activitypub/followers/approve"');
      expect((await post('/followers/reject', { actor: peer.aliceId.href })).status).toBe(303);
      await drain();
      const rejects = received('Reject', from);
      expect(rejects).toHaveLength(1);
      expect(JSON.stringify(rejects[0]!.json)).toContain(first);
      expect(ap().store.findFollower(peer.aliceId.href)).toBeUndefined();

      from = peer.inbox.length;
      const second = await follow();
      expect(peer.inbox.length).toBe(from);
      expect((await post('/followers/approve', { actor: peer.aliceId.href })).status).toBe(303);
      await drain();
      const accepts = received('Accept', from);
      expect(accepts).toHaveLength(1);
      expect(JSON.stringify(accepts[0]!.json)).toContain(second);
      expect(ap().store.findFollower(peer.aliceId.href)?.state).toBe('accepted');
      html = await page();
      expect(html).toContain('action="/admin/activitypub/followers/remove"');
      expect(html).not.toContain('action="/admin/activitypub/followers/approve"');
      // An unknown follower is a clear 404.
      expect((await post('/followers/approve', { actor: 'https://nobody.example/u' })).status).toBe(404);
    });

    test('removing a follower tells their server; nothing is delivered to them after', async () => {
      const from = peer.inbox.length;
      expect((await post('/followers/remove', { actor: peer.aliceId.href })).status).toBe(303);
      await drain();
      expect(received('Reject', from)).toHaveLength(1);
      site.t.notes.createNote({ content: 'After removal' });
      await drain();
      expect(received('Create', from)).toHaveLength(0);
    });

    test('blocking a person or a server drops what they send; unblocking lets it in', async () => {
      const note = site.t.notes.createNote({ content: 'Like me', slug: 'like-me' });
      await drain();
      const noteUrl = new URL(`${site.url}notes/like-me`);
      const store = webmentionsStore(site.t.db);
      const likes = () => store.findFederatedResponses(peer.aliceId.href, `${peer.url}likes/${n}`);
      let n = 0;
      const like = async () => {
        n++;
        await peer.send(
          new vocab.Like({ id: new URL(`${peer.url}likes/${n}`), actor: peer.aliceId, object: noteUrl }),
          { id: actorId, inboxId },
        );
        await drain();
      };

      expect((await post('/blocks', { target: peer.aliceId.href })).status).toBe(303);
      expect(await page()).toContain(peer.aliceId.href);
      await like();
      expect(likes()).toEqual([]);
      // A blocked person's follow is refused with a Reject, and not recorded.
      const from = peer.inbox.length;
      await follow();
      expect(received('Reject', from)).toHaveLength(1);
      expect(ap().store.findFollower(peer.aliceId.href)).toBeUndefined();

      expect((await post('/blocks/remove', { target: peer.aliceId.href })).status).toBe(303);
      await like();
      expect(likes()).toHaveLength(1);

      // The whole server: blocked by its host name, whoever sends.
      expect((await post('/blocks', { target: '127.0.0.1' })).status).toBe(303);
      expect(
        ap()
          .store.listBlocks()
          .map((b) => [b.target, b.kind]),
      ).toEqual([['127.0.0.1', 'domain']]);
      await like();
      expect(likes()).toEqual([]);
      expect((await post('/blocks/remove', { target: '127.0.0.1' })).status).toBe(303);
      await like();
      expect(likes()).toHaveLength(1);
      expect(
        store.listWebmentions({ moderation: 'pending', verifiedOnly: true, limit: 10, offset: 0 }),
      ).toEqual(expect.arrayContaining([expect.objectContaining({ note_id: note.id, kind: 'like' })]));

      const bad = await post('/blocks', { target: 'not a server!' });
      expect(bad.status).toBe(400);
      expect(await bad.text()).toContain('Give an account address');
      expect(ap().store.listBlocks()).toEqual([]);
    });

    test('a server given up on is listed and can be tried again', async () => {
      const store = ap().store;
      for (let i = 0; i < 3; i++) store.recordFailed('dead.example', 'answered 503', '2026-11-27 12:00:00');
      store.markServerDead('dead.example', '2026-11-27 12:00:00');
      let html = await page();
      expect(html).toContain('dead.example');
      expect(html).toContain('given up');
      expect(html).toContain('answered 503');
      const res = await post('/servers/revive', { host: 'dead.example' });
      expect(res.status).toBe(303);
      expect(store.findServer('dead.example')).toEqual(
        expect.objectContaining({ dead_at: null, failures: 0 }),
      );
      html = await page();
      expect(html).not.toContain('given up');
      expect((await post('/servers/revive', { host: 'never.example' })).status).toBe(404);
    });

    test('also-known-as is shown on the actor; Move needs the alias on the new account, then goes out', async () => {
      const bad = await post('/aliases', { also_known_as: 'javascript:alert(1)' });
      expect(bad.status).toBe(400);
      expect(await bad.text()).toContain('is not an account address');
      const res = await post('/aliases', {
        also_known_as: 'https://mastodon.example/users/me\nhttps://other.example/@me',
      });
      expect(res.status).toBe(303);
      expect((await actorJson()).alsoKnownAs).toEqual([
        'https://mastodon.example/users/me',
        'https://other.example/@me',
      ]);

      // alice follows (approved), so the Move reaches her server.
      await follow();
      expect((await post('/followers/approve', { actor: peer.aliceId.href })).status).toBe(303);
      await drain();

      // The new account does not name the site yet: refused, nothing sent.
      const from = peer.inbox.length;
      const early = await post('/move', { target: peer.aliceId.href });
      expect(early.status).toBe(400);
      expect(await early.text()).toContain('does not list this site');
      expect(ap().settings.current().movedTo).toBe('');
      peer.aliases.push(actorId);
      const moved = await post('/move', { target: peer.aliceId.href });
      expect(moved.status).toBe(303);
      await drain();
      const moves = peer.inbox.slice(from).filter((a) => a.type === 'Move');
      expect(moves).toHaveLength(1);
      expect(moves[0]!.json).toEqual(
        expect.objectContaining({ actor: actorId.href, object: actorId.href, target: peer.aliceId.href }),
      );
      expect((await actorJson()).movedTo).toBe(peer.aliceId.href);
      expect(await page()).toContain('This account has moved to');
      expect((await post('/move/clear', {})).status).toBe(303);
      expect((await actorJson()).movedTo).toBeUndefined();
    });
  });
}
