/**
 * The site's fediverse identity survives a disaster: `starpunk backup`, then `starpunk restore`
 * into a new data directory, the restored site served at the same address. Its actor has the same
 * keys, its follower is still there, and what it publishes reaches the follower's server, which
 * verifies the signature with the key it already knew (the Fedify peer records only verified
 * activities). On Node.js 20 the feature is off (fedify-peer.test.ts asserts that).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { activityPubSupport } from '../../src/activitypub/support.js';
import { cleanup, cli, tempDir } from '../ops/ops-helpers.js';
import { servedSite, siteOn } from './site.js';

const support = activityPubSupport();
const AS = 'application/activity+json';

if (!support.enabled) {
  describe(`ActivityPub keys on Node.js ${process.versions.node}`, () => {
    test('no keys are made while the feature is off, so a backup has none to carry', async () => {
      const site = await servedSite();
      try {
        site.t.notes.createNote({ content: 'Not federated' });
        await site.t.app.services.runner.drain();
        expect(site.t.db.prepare('SELECT count(*) AS n FROM activitypub_keys').get()).toEqual({ n: 0 });
      } finally {
        await site.close();
        site.t.close();
      }
    });
  });
} else {
  describe(`ActivityPub keys through backup and restore (Node.js ${process.versions.node})`, async () => {
    const { startPeer } = await import('./peer.js');
    const vocab = await import('@fedify/vocab');
    const peer = await startPeer();
    const site = await servedSite();
    afterAll(async () => {
      await site.close();
      await peer.close();
      site.t.close();
      cleanup();
    });

    test('the restored site signs with the same key, and the follower’s server accepts what it sends', async () => {
      const actorId = new URL(`${site.url}ap/site`);
      const actor = async () =>
        (await (await fetch(actorId, { headers: { Accept: AS } })).json()) as {
          publicKey: { id: string; publicKeyPem: string };
          assertionMethod: { publicKeyMultibase: string }[];
        };
      await peer.send(
        new vocab.Follow({ id: new URL(`${peer.url}follows/1`), actor: peer.aliceId, object: actorId }),
        { id: actorId, inboxId: new URL(`${site.url}ap/site/inbox`) },
      );
      await site.t.app.services.runner.drain();
      expect(peer.inbox.map((a) => a.type)).toEqual(['Accept']);
      const before = await actor();
      expect(before.publicKey.publicKeyPem).toMatch(/BEGIN PUBLIC KEY/);

      const out = tempDir();
      const backup = await cli(['backup', '--out', out], site.t.dir);
      expect(backup.code, backup.err).toBe(0);
      const archive = join(out, readdirSync(out).find((f) => f.endsWith('.tar.gz'))!);
      const restoredDir = join(tempDir(), 'data');
      const restore = await cli(['restore', archive], restoredDir);
      expect(restore.code, restore.err).toBe(0);

      // The old site is gone; the restored one answers at the same address.
      const old = site.t;
      const restored = siteOn(restoredDir, site.url);
      site.swap(restored);
      old.close();

      const after = await actor();
      expect(after.publicKey).toEqual(before.publicKey);
      expect(after.assertionMethod).toEqual(before.assertionMethod);
      expect(restored.app.services.activityPub.store.findFollower(peer.aliceId.href)?.state).toBe('accepted');
      restored.notes.createNote({ content: 'Back from a backup', slug: 'back' });
      await restored.app.services.runner.drain();
      const created = peer.inbox.filter((a) => a.type === 'Create');
      expect(created).toHaveLength(1);
      expect((created[0]!.json.object as { id: string }).id).toBe(`${site.url}notes/back`);
      const server = restored.app.services.activityPub.store.findServer(peer.host)!;
      expect(server.failures).toBe(0);
      expect(server.delivered).toBeGreaterThanOrEqual(1);
    });
  });
}
