/**
 * The site as a fediverse account, with a real fediverse server on loopback (a second server
 * built with Fedify, test/activitypub/peer.ts, in this process). On Node.js 22 or later: the peer
 * finds the site (WebFinger on its handle, the actor by the home page), follows it and is
 * accepted; a note published, edited and trashed over Micropub reaches its inbox as Create,
 * Update and Delete; its reply waits for moderation, is approved in the admin and shows under the
 * note, and goes when the peer deletes it; a SIGTERM while a delivery's answer is lost loses
 * nothing and sends nothing twice (the same activity, which the peer takes once). The peer then
 * unfollows, so later steps deliver nothing and the admin's delivery list stays as recorded.
 * On Node.js 20 the feature is off, and the part asserts exactly that.
 */
import { expect } from 'vitest';
import { activityPubSupport } from '../../../src/activitypub/support.js';
import { waitFor } from '../harness.js';
import type { Recording } from '../record.js';
import { bodyOf, type Part, type World } from '../world.js';

const support = activityPubSupport();
const AS = 'application/activity+json';
const REPLY = 'A reply from the fediverse, kept by the site.';

type Peer = Awaited<ReturnType<typeof import('../../activitypub/peer.js')['startPeer']>>;

/** What the peer's inbox got for a note of the site: the activity types, in order. */
function seen(peer: Peer, objectId: string): string[] {
  return peer.inbox
    .filter((a) => {
      const o = a.json.object as { id?: string } | string | undefined;
      return (typeof o === 'string' ? o : o?.id) === objectId;
    })
    .map((a) => a.type);
}

async function buildOn(w: World): Promise<void> {
  const { startPeer } = await import('../../activitypub/peer.js');
  const vocab = await import('@fedify/vocab');
  const peer = await startPeer();
  // It lives as long as this process: later steps may still reach it, nothing waits for it.
  peer.unref();
  const site = w.site;
  const host = new URL(site.siteUrl).host;
  const actorId = new URL(site.url('/ap/site'));
  const inboxId = new URL(site.url('/ap/inbox'));
  const send = (a: InstanceType<typeof vocab.Activity>) => peer.send(a, { id: actorId, inboxId });

  // Found: by its handle (WebFinger) and by its home page (the peer's own Fedify lookup).
  const wf = (await (
    await site.fetch(`/.well-known/webfinger?resource=${encodeURIComponent(`acct:owner@${host}`)}`)
  ).json()) as { links: { rel: string; href: string }[] };
  expect(wf.links.find((l) => l.rel === 'self')?.href).toBe(actorId.href);
  const person = (await peer.lookup(site.siteUrl)) as InstanceType<typeof vocab.Person>;
  expect(person.id?.href).toBe(actorId.href);

  // Followed, and accepted.
  await send(
    new vocab.Follow({ id: new URL(`${peer.url}follows/lived-in`), actor: peer.aliceId, object: actorId }),
  );
  await waitFor('the Accept of the follow', () => peer.inbox.some((a) => a.type === 'Accept'));

  // Published, edited, trashed: the follower sees each.
  const path = await site.publish(w.token, {
    content: ['Hello fediverse, from a lived-in site. #weaving'],
    'mp-slug': ['hello-fediverse'],
  });
  const id = site.url(path);
  await waitFor('the Create', () => seen(peer, id).includes('Create'));
  const edit = await site.micropub(w.token, {
    action: 'update',
    url: id,
    replace: { content: ['Hello fediverse, edited. #weaving'] },
  });
  expect(edit.status).toBeLessThan(300);
  await waitFor('the Update', () => seen(peer, id).includes('Update'));
  expect(JSON.stringify(peer.inbox.find((a) => a.type === 'Update')?.json)).toContain('edited');
  const del = await site.micropub(w.token, { action: 'delete', url: id });
  expect(del.status).toBeLessThan(300);
  await waitFor('the Delete', () => seen(peer, id).includes('Delete'));
  expect(seen(peer, id)).toEqual(['Create', 'Update', 'Delete']);

  // A reply waits for moderation, is approved in the admin, shows under the note; deleted, it goes.
  const target = site.url(
    await site.publish(w.token, { content: ['Tell me about your loom.'], 'mp-slug': ['tell-me'] }),
  );
  await waitFor('the note to reach the follower', () => seen(peer, target).includes('Create'));
  const replyId = new URL(`${peer.url}notes/lived-in-reply`);
  await send(
    new vocab.Create({
      id: new URL(`${replyId.href}/activity`),
      actor: peer.aliceId,
      object: new vocab.Note({
        id: replyId,
        attribution: peer.aliceId,
        to: vocab.PUBLIC_COLLECTION,
        content: `<p>${REPLY}</p>`,
        replyTarget: new URL(target),
      }),
    }),
  );
  const row = await waitFor('the reply to wait for moderation', async () => {
    const html = await (await site.admin('/admin/webmentions?filter=pending')).text();
    return html.split('<tr id="mention-').find((r) => r.includes(REPLY));
  });
  expect(await (await site.fetch('/notes/tell-me')).text()).not.toContain(REPLY);
  const mention = /^(\d+)"/.exec(row ?? '')![1]!;
  expect((await site.postForm(`/admin/webmentions/${mention}/approve`, { filter: 'pending' })).status).toBe(
    303,
  );
  expect(await (await site.fetch('/notes/tell-me')).text()).toContain(REPLY);
  await send(
    new vocab.Delete({
      id: new URL(`${replyId.href}/delete`),
      actor: peer.aliceId,
      object: new vocab.Tombstone({ id: replyId }),
    }),
  );
  await waitFor(
    'the deleted reply to go',
    async () => !(await (await site.fetch('/notes/tell-me')).text()).includes(REPLY),
  );

  // A SIGTERM while the follower's server has taken a Create but its answer is lost.
  peer.control.hold = true;
  const restarted = site.url(
    await site.publish(w.token, { content: ['Sent across a restart.'], 'mp-slug': ['across-a-restart'] }),
  );
  await waitFor('the Create to be taken, unanswered', () => peer.held.length === 1);
  const exited = site.terminate();
  await waitFor('the server to begin shutting down', () => site.output().includes('shutting down'));
  peer.control.hold = false;
  peer.dropHeld();
  expect.soft(await exited, 'exit code after SIGTERM').toBe(0);
  await site.start();
  // Nobody presses anything: the delivery is retried after the queue's first backoff (~30 s).
  const sent = () =>
    peer.posts
      .map((p) => JSON.parse(p) as { id: string; type: string; object?: { id?: string } })
      .filter((a) => a.object?.id === restarted);
  await waitFor('the delivery to be retried after the start', () => sent().length >= 2, 90_000);
  expect(new Set(sent().map((a) => a.id)).size, 'the retry sends the very same activity').toBe(1);
  expect(seen(peer, restarted), 'the follower has it once').toEqual(['Create']);

  // Unfollowed: nothing is delivered in later steps, so the admin's delivery list stays put.
  await send(
    new vocab.Undo({
      id: new URL(`${peer.url}follows/lived-in/undo`),
      actor: peer.aliceId,
      object: new vocab.Follow({
        id: new URL(`${peer.url}follows/lived-in`),
        actor: peer.aliceId,
        object: actorId,
      }),
    }),
  );
  await waitFor('the follower to be gone', async () =>
    /Followers <span class="count">0<\/span>/.test(await (await site.admin('/admin/activitypub')).text()),
  );
  w.made.fediversePeer = peer.host;
}

export const activityPub: Part = {
  name: 'activitypub',

  async build(w: World) {
    if (support.enabled) return buildOn(w);
    // Off before Node.js 22: nothing answers, the admin says why, notes are published as before.
    expect((await w.site.fetch('/.well-known/webfinger?resource=acct:owner@example.test')).status).toBe(404);
    expect(await (await w.site.admin('/admin/activitypub')).text()).toContain('needs Node.js 22 or later');
  },

  snapshot(w, r) {
    // The trashed note is linked from nowhere: its address is recorded by name (410 Gone).
    if (support.enabled) r.seed('/notes/hello-fediverse');
    const host = new URL(w.site.siteUrl).host;
    r.put(
      'ACTIVITYPUB webfinger',
      w.site
        .fetch(`/.well-known/webfinger?resource=${encodeURIComponent(`acct:owner@${host}`)}`)
        .then(async (res) => ({ status: res.status, body: await res.text() })),
    );
    r.put(
      'ACTIVITYPUB actor',
      w.site
        .fetch('/ap/site', { headers: { Accept: AS } })
        .then(async (res) => ({ status: res.status, body: await res.text() })),
    );
  },

  check(rec: Recording, w: World) {
    const admin = rec.get('ADMIN /admin/activitypub')?.body ?? '';
    const actor = rec.get('ACTIVITYPUB actor');
    if (!support.enabled) {
      expect.soft(admin, 'the admin says ActivityPub is off').toContain('needs Node.js 22 or later');
      expect.soft(rec.get('ACTIVITYPUB webfinger')?.status, 'no WebFinger').toBe(404);
      return;
    }
    expect.soft(rec.get('ACTIVITYPUB webfinger')?.status, 'WebFinger finds the handle').toBe(200);
    expect.soft(actor?.status, 'the actor answers').toBe(200);
    expect.soft(actor?.body ?? '', 'the actor has its key').toContain('BEGIN PUBLIC KEY');
    expect.soft(admin, 'the admin shows the handle').toContain(`@owner@${new URL(w.site.siteUrl).host}`);
    expect.soft(bodyOf(rec, '/notes/tell-me'), 'the deleted fediverse reply stays gone').not.toContain(REPLY);
    expect.soft(rec.page('/notes/hello-fediverse')?.status, 'the trashed note is gone').toBe(410);
  },
};
