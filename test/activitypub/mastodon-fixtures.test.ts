/**
 * What Mastodon sends, as its documentation describes it (fixtures/mastodon/README.md): a loopback
 * server plays mastodon.example (WebFinger, the account with its `#main-key`), and each fixture
 * body is posted to the site's inbox signed the way Mastodon signs (draft-cavage, rsa-sha256 over
 * `(request-target) host date digest content-type`, with a `Digest`), with a key pair the test
 * makes. The site must take each one and show or remove what it says; and what the site sends
 * back (the Accept) must verify the way Mastodon verifies it.
 */
import { createHash, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { activityPubSupport } from '../../src/activitypub/support.js';
import { webmentionsStore } from '../../src/db/store/webmentions.js';
import { type RemoteSite, startRemote } from '../helpers/remote.js';
import { servedSite } from './site.js';

const support = activityPubSupport();
const FIXTURES = join(import.meta.dirname, 'fixtures', 'mastodon');

if (support.enabled)
  describe(`What Mastodon sends (Node.js ${process.versions.node})`, () => {
    let site: Awaited<ReturnType<typeof servedSite>>;
    let mastodon: RemoteSite;
    const received: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    let vars: Record<string, string> = {};
    const fixture = (name: string) =>
      readFileSync(join(FIXTURES, name), 'utf8').replace(/\{\{([A-Z_]+)\}\}/g, (_, k: string) => {
        if (!(k in vars)) throw new Error(`no value for {{${k}}} in ${name}`);
        return vars[k]!;
      });
    const drain = () => site.t.app.services.runner.drain();
    const wm = () => webmentionsStore(site.t.db);
    const mine = () => wm().listWebmentions({ moderation: null, verifiedOnly: true, limit: 50, offset: 0 });

    /** Posts a body as Mastodon does: Date, Digest, Content-Type, and the draft-cavage Signature. */
    async function post(path: string, body: string, tamper = false): Promise<Response> {
      const url = new URL(path, site.url);
      const date = new Date().toUTCString();
      const digest = `SHA-256=${createHash('sha256').update(body).digest('base64')}`;
      const type = 'application/activity+json';
      const signed = [
        `(request-target): post ${url.pathname}`,
        `host: ${url.host}`,
        `date: ${date}`,
        `digest: ${digest}`,
        `content-type: ${type}`,
      ].join('\n');
      const signature = sign('sha256', Buffer.from(signed), privateKey).toString('base64');
      return fetch(url, {
        method: 'POST',
        headers: {
          Date: date,
          Digest: digest,
          'Content-Type': type,
          Signature: `keyId="${vars.ACTOR}#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest content-type",signature="${signature}"`,
        },
        body: tamper ? body.replace('Lovely', 'Lousy') : body,
      });
    }

    beforeAll(async () => {
      site = await servedSite();
      mastodon = await startRemote((req, body, res) => {
        const path = req.url ?? '/';
        if (req.method === 'POST') {
          received.push({ path, headers: req.headers, body });
          res.writeHead(202);
          res.end();
          return;
        }
        const json = (text: string, type = 'application/activity+json; charset=utf-8') => {
          res.writeHead(200, { 'Content-Type': type });
          res.end(text);
        };
        if (path.startsWith('/.well-known/webfinger'))
          return json(fixture('webfinger.json'), 'application/jrd+json');
        if (path === '/users/alice') return json(fixture('actor.json'));
        if (path === '/users/alice/statuses/113000000000000001')
          return json(
            JSON.stringify((JSON.parse(fixture('update-reply.json')) as { object: unknown }).object),
          );
        res.writeHead(404);
        res.end();
      });
      const server = mastodon.url.replace(/\/$/, '');
      vars = {
        SERVER: server,
        HOST: new URL(server).host,
        ACTOR: `${server}/users/alice`,
        SITE_URL: site.url,
        SITE_HOST: new URL(site.url).host,
        SITE_ACTOR: `${site.url}ap/site`,
        PUBLIC_KEY_PEM: (publicKey.export({ type: 'spki', format: 'pem' }) as string).replace(/\n/g, '\\n'),
      };
      site.t.notes.createNote({ content: 'My new loom', slug: 'my-new-loom' });
      vars.NOTE = `${site.url}notes/my-new-loom`;
      await drain();
    });
    afterAll(async () => {
      await site.close();
      await mastodon.close();
      site.t.close();
    });

    test('Follow to the actor inbox: accepted, and the Accept verifies as Mastodon checks it', async () => {
      const res = await post('/ap/site/inbox', fixture('follow.json'));
      expect(res.status).toBe(202);
      await drain();
      const follower = site.t.app.services.activityPub.store.findFollower(vars.ACTOR!);
      expect(follower).toEqual(
        expect.objectContaining({
          state: 'accepted',
          inbox: `${vars.ACTOR}/inbox`,
          shared_inbox: `${vars.SERVER}/inbox`,
          handle: `@alice@${vars.HOST}`,
          name: 'Alice Mastodon',
        }),
      );
      const accept = received.find((r) => JSON.parse(r.body).type === 'Accept')!;
      expect(accept.path).toBe('/users/alice/inbox');
      const activity = JSON.parse(accept.body) as { actor: string; object: { id: string } };
      expect(activity.actor).toBe(vars.SITE_ACTOR);
      expect(activity.object.id).toBe(`${vars.SERVER}/4a7a3e5c-8f0f-4b53-9c0e-0d7f2f1b1a11`);
      // Mastodon's check: the Digest matches the body; the signed headers, rebuilt, verify with the
      // key the keyId names (fetched from the site's actor).
      const h = accept.headers;
      expect(h.digest).toBe(`SHA-256=${createHash('sha256').update(accept.body).digest('base64')}`);
      const params = Object.fromEntries(
        [...String(h.signature).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]),
      );
      expect(params.keyId).toBe(`${vars.SITE_ACTOR}#main-key`);
      const names = params.headers!.split(' ');
      expect(names).toEqual(expect.arrayContaining(['(request-target)', 'host', 'date', 'digest']));
      const signed = names
        .map((n) => (n === '(request-target)' ? `${n}: post ${accept.path}` : `${n}: ${h[n]}`))
        .join('\n');
      const actor = (await (
        await fetch(`${site.url}ap/site`, { headers: { Accept: 'application/activity+json' } })
      ).json()) as { publicKey: { id: string; publicKeyPem: string } };
      expect(actor.publicKey.id).toBe(params.keyId);
      expect(
        verify(
          'sha256',
          Buffer.from(signed),
          createPublicKey(actor.publicKey.publicKeyPem),
          Buffer.from(params.signature!, 'base64'),
        ),
      ).toBe(true);
    });

    test('a reply (Create Note with inReplyTo, a Mention and a Hashtag) to the shared inbox is shown once approved', async () => {
      expect((await post('/ap/inbox', fixture('create-reply.json'))).status).toBe(202);
      await drain();
      const [reply] = mine().filter((r) => r.kind === 'reply');
      expect(reply).toEqual(
        expect.objectContaining({
          protocol: 'activitypub',
          actor_id: vars.ACTOR,
          source: `${vars.ACTOR}/statuses/113000000000000001`,
          url: `${vars.SERVER}/@alice/113000000000000001`,
          author_name: 'Alice Mastodon',
          moderation: 'pending',
        }),
      );
      let page = await (await fetch(vars.NOTE!)).text();
      expect(page).not.toContain('Lovely loom');
      site.t.app.services.webmentionsReceived.moderation.approve(reply!.id);
      page = await (await fetch(vars.NOTE!)).text();
      expect(page).toContain('Lovely loom');
      expect(page).not.toContain("alert('mastodon')");
    });

    test('a body changed after signing is refused, and nothing is stored', async () => {
      const before = mine().length;
      const res = await post(
        '/ap/inbox',
        fixture('create-reply.json').replace('113000000000000001', '1130009'),
        true,
      );
      expect(res.status).toBe(401);
      await drain();
      expect(mine()).toHaveLength(before);
    });

    test('an Update of the status changes the reply shown', async () => {
      expect((await post('/ap/inbox', fixture('update-reply.json'))).status).toBe(202);
      await drain();
      const page = await (await fetch(vars.NOTE!)).text();
      expect(page).toContain('Lovely loom, edited!');
    });

    test('Like and Announce are stored and shown once approved; Undo of the Like removes it', async () => {
      for (const f of ['like.json', 'announce.json'])
        expect((await post('/ap/inbox', fixture(f))).status).toBe(202);
      await drain();
      const reactions = mine().filter((r) => r.kind === 'like' || r.kind === 'repost');
      expect(reactions.map((r) => [r.kind, r.source]).sort()).toEqual([
        ['like', `${vars.ACTOR}#likes/1`],
        ['repost', `${vars.ACTOR}/statuses/113000000000000002/activity`],
      ]);
      for (const r of reactions) site.t.app.services.webmentionsReceived.moderation.approve(r.id);
      const noteId = reactions[0]!.note_id!;
      expect(
        wm()
          .listShownForNote(noteId)
          .map((r) => r.kind)
          .sort(),
      ).toEqual(['like', 'reply', 'repost']);
      expect((await post('/ap/inbox', fixture('undo-like.json'))).status).toBe(202);
      await drain();
      expect(
        wm()
          .listShownForNote(noteId)
          .map((r) => r.kind)
          .sort(),
      ).toEqual(['reply', 'repost']);
    });

    test('Delete with a Tombstone removes the reply; Undo of the Follow removes the follower', async () => {
      expect((await post('/ap/inbox', fixture('delete-reply.json'))).status).toBe(202);
      await drain();
      expect(mine().filter((r) => r.kind === 'reply')).toEqual([]);
      expect(await (await fetch(vars.NOTE!)).text()).not.toContain('Lovely loom');
      expect((await post('/ap/site/inbox', fixture('undo-follow.json'))).status).toBe(202);
      await drain();
      expect(site.t.app.services.activityPub.store.findFollower(vars.ACTOR!)).toBeUndefined();
    });
  });
else
  describe(`What Mastodon sends, on Node.js ${process.versions.node}`, () => {
    test('the fixtures are there, and the inbox does not answer: ActivityPub is off', async () => {
      const names = ['follow.json', 'create-reply.json', 'like.json', 'announce.json', 'delete-reply.json'];
      for (const n of names) expect(() => JSON.parse(readFileSync(join(FIXTURES, n), 'utf8'))).not.toThrow();
      const site = await servedSite();
      try {
        const res = await fetch(`${site.url}ap/inbox`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/activity+json' },
          body: readFileSync(join(FIXTURES, 'follow.json')),
        });
        expect(res.status).toBe(404);
      } finally {
        await site.close();
        site.t.close();
      }
    });
  });
