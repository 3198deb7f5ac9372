/**
 * The owner's likes and reposts of fediverse posts go out as Like and Announce, to the post's
 * author and the followers, and are taken back with Undo when the note goes; a like of a page that
 * is not on the fediverse goes out as a note with the link. NodeInfo counts the public notes.
 * Against the Fedify peer on loopback; on Node.js 20 the feature is off (fedify-peer.test.ts).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { activityPubSupport } from '../../src/activitypub/support.js';
import { createTestApp } from '../helpers/app.js';
import { startRemote } from '../helpers/remote.js';
import { servedSite } from './site.js';

const support = activityPubSupport();

if (!support.enabled) {
  describe(`Likes and reposts on Node.js ${process.versions.node}`, () => {
    test('a like queues nothing for the fediverse, and there is no NodeInfo', async () => {
      const t = createTestApp();
      try {
        t.notes.createNote({
          content: 'Liked',
          properties: { 'like-of': ['https://mastodon.example/@a/1'] },
        });
        expect(t.app.services.jobs.list().filter((j) => j.kind.startsWith('activitypub.'))).toEqual([]);
        expect((await t.get('/.well-known/nodeinfo')).status).toBe(404);
      } finally {
        t.close();
      }
    });
  });
} else {
  describe(`Likes and reposts as Like and Announce (Node.js ${process.versions.node})`, async () => {
    const { startPeer } = await import('./peer.js');
    const vocab = await import('@fedify/vocab');
    let site: Awaited<ReturnType<typeof servedSite>>;
    let peer: Awaited<ReturnType<typeof startPeer>>;
    const drain = () => site.t.app.services.runner.drain();
    /** What the peer received since `from`, as [type, object id]. */
    const since = (from: number) =>
      peer.inbox.slice(from).map((a) => {
        const o = a.json.object as string | { id?: string; type?: string; object?: string };
        return [a.type, typeof o === 'string' ? o : (o?.object ?? o?.id)];
      });

    beforeAll(async () => {
      site = await servedSite();
      peer = await startPeer();
      const actorId = new URL(`${site.url}ap/site`);
      await peer.send(
        new vocab.Follow({ id: new URL(`${peer.url}follows/1`), actor: peer.aliceId, object: actorId }),
        { id: actorId, inboxId: new URL(`${site.url}ap/inbox`) },
      );
      await drain();
      peer.notes.set('p1', '<p>A loom I built</p>');
      peer.notes.set('p2', '<p>Weaving meetup on Saturday</p>');
    });
    afterAll(async () => {
      await site.close();
      await peer.close();
      site.t.close();
    });

    test('a like of a fediverse post is a Like to its author; trashed, an Undo', async () => {
      const from = peer.inbox.length;
      const post = `${peer.url}notes/p1`;
      const note = site.t.notes.createNote({ content: 'Love it', properties: { 'like-of': [post] } });
      await drain();
      expect(since(from)).toEqual([['Like', post]]);
      const like = peer.inbox.at(-1)!.json;
      expect(like.actor).toBe(`${site.url}ap/site`);
      // An edit that keeps what it likes sends nothing.
      site.t.notes.updateNote(note.id, { content: 'Love it so much' });
      await drain();
      expect(since(from)).toEqual([['Like', post]]);
      site.t.notes.trashNote(note.id);
      await drain();
      expect(since(from)).toEqual([
        ['Like', post],
        ['Undo', post],
      ]);
      expect((peer.inbox.at(-1)!.json.object as { id: string }).id).toBe(like.id);
    });

    test('a repost of a fediverse post is an Announce, addressed to the public', async () => {
      const from = peer.inbox.length;
      const post = `${peer.url}notes/p2`;
      site.t.notes.createNote({ content: '', properties: { 'repost-of': [post] } });
      await drain();
      expect(since(from)).toEqual([['Announce', post]]);
      expect(peer.inbox.at(-1)!.json.to).toBe('as:Public');
    });

    test('a like of a page that is not on the fediverse goes out as a note with the link', async () => {
      const page = await startRemote((_req, _body, res) => {
        res.writeHead(200, { 'Content-Type': 'text/html' });
        res.end('<!doctype html><title>A blog post</title><p>Hello</p>');
      });
      try {
        const from = peer.inbox.length;
        const url = `${page.url}a-blog-post`;
        site.t.notes.createNote({
          content: 'Nice post',
          slug: 'liked-blog',
          properties: { 'like-of': [url] },
        });
        await drain();
        const got = peer.inbox.slice(from);
        expect(got.map((a) => a.type)).toEqual(['Create']);
        const object = got[0]!.json.object as { id: string; content: string };
        expect(object.id).toBe(`${site.url}notes/liked-blog`);
        expect(object.content).toContain(url);
      } finally {
        await page.close();
      }
    });

    test('NodeInfo counts the public notes', async () => {
      const res = await fetch(`${site.url}nodeinfo/2.1`);
      const info = (await res.json()) as { usage: { localPosts: number } };
      expect(info.usage.localPosts).toBe(
        site.t.app.services.activityPub.store.countPublicNotes('9999-12-31'),
      );
      site.t.notes.createNote({ content: 'One more' });
      site.t.notes.createNote({ content: 'Private', visibility: 'private' });
      const again = (await (await fetch(`${site.url}nodeinfo/2.1`)).json()) as {
        usage: { localPosts: number };
      };
      expect(again.usage.localPosts).toBe(info.usage.localPosts + 1);
      expect(again.usage.localPosts).toBe(site.t.notes.listPublicNotesByOffset(100, 0).length);
    });
  });
}
