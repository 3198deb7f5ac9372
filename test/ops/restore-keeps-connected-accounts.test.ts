/**
 * Issue 20, defect 9: a backup restores a working site, connected accounts included. The tokens
 * of Mastodon and Bluesky accounts are sealed with the site's sealing key; archives once left the
 * key out (it was derived from DATA_PATH/.secret, which they skip), so after a disaster restore no
 * token could be opened. Played as a new machine would: accounts connected on one real server,
 * `backup`, `restore` into a NEW directory with no .secret, the restored site served, and a note
 * published with copies to both services.
 */

import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { legacySealingKey } from '../../src/lib/secret-box.js';
import { type Admin, postForm, signIn } from '../helpers/admin.js';
import { createTestApp } from '../helpers/app.js';
import { createPds, ME } from '../helpers/bluesky.js';
import { type LiveSite, signInLive, startLiveSite } from '../helpers/live-site.js';
import { connectMastodon, type FakeMastodon, startFakeMastodon } from '../helpers/mastodon.js';
import { cleanup, cli, tempDir } from './ops-helpers.js';

const LOOPBACK = { ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' };
/** The session secret of test apps built in-process (test/helpers/app.ts). */
const SECRET = 'test-secret-test-secret-test-secret';

let masto: FakeMastodon | undefined;
let pds: ReturnType<typeof createPds> | undefined;
const live: LiveSite[] = [];
afterEach(async () => {
  for (const s of live.splice(0)) await s.stop();
  await masto?.close();
  if (pds) {
    pds.server.closeAllConnections();
    await new Promise<void>((r) => pds!.server.close(() => r()));
  }
  masto = undefined;
  pds = undefined;
  cleanup();
});

async function serve(dir: string): Promise<LiveSite> {
  const site = await startLiveSite(dir, LOOPBACK);
  live.push(site);
  return site;
}

async function startPds(): Promise<string> {
  pds = createPds();
  await new Promise<void>((r) => pds!.server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(pds.server.address() as AddressInfo).port}`;
}

/** Connects the loopback Mastodon and Bluesky accounts through the admin of a running site. */
async function connectBoth(site: LiveSite, admin: Admin, pdsUrl: string): Promise<void> {
  const m = await connectMastodon(site, admin, masto!);
  expect(m.status).toBe(303);
  const b = await postForm(site, admin, '/admin/syndication/bluesky/connect', {
    handle: ME.handle,
    app_password: ME.password,
    service: pdsUrl,
  });
  expect(b.status).toBe(303);
  const page = await (await site.get('/admin/syndication', { Cookie: admin.cookie })).text();
  expect(page).toContain(ME.handle);
}

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

/** Publishes a note through Micropub to every syndication target the site offers. */
async function publishEverywhere(site: LiveSite, text: string): Promise<string[]> {
  const t = await cli(['token', 'create', '--scope', 'create'], site.dir);
  expect(t.code, t.err).toBe(0);
  const token = t.out.trim().split('\n').at(-1)!.trim();
  const q = (await (
    await site.get('/micropub?q=syndicate-to', { Authorization: `Bearer ${token}` })
  ).json()) as { 'syndicate-to': { uid: string }[] };
  const targets = q['syndicate-to'].map((x) => x.uid);
  expect(targets).toHaveLength(2);
  const res = await site.request('/micropub', {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ type: ['h-entry'], properties: { content: [text], 'mp-syndicate-to': targets } }),
  });
  expect(res.status).toBe(201);
  return targets;
}

describe('a restore on a new machine keeps connected accounts working (issue 20, defect 9)', () => {
  it('backup → restore into a new directory without .secret → a note is copied to Mastodon and Bluesky', async () => {
    masto = await startFakeMastodon();
    const pdsUrl = await startPds();
    const old = await serve(join(tempDir(), 'old-machine'));
    await connectBoth(old, await signInLive(old), pdsUrl);
    expect(await old.stop()).toBe(0);

    const b = await cli(['backup'], old.dir);
    expect(b.code, b.err).toBe(0);
    // The owner is told plainly what the archive holds, keys included.
    expect(b.out).toMatch(/1 key file\(s\)/);
    expect(b.out).toContain('the key that unseals the tokens of connected');
    expect(b.out).toContain('Keep it as private as a password');
    const archive = /backup written to (\S+)/.exec(b.out)![1]!;
    expect(statSync(archive).mode & 0o777).toBe(0o600);

    const fresh = join(tempDir(), 'new-machine');
    const r = await cli(['restore', archive], fresh);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe('');
    expect(existsSync(join(fresh, '.secret')), 'the new machine has no session secret yet').toBe(false);
    expect(readdirSync(join(fresh, 'keys'))).toEqual(['sealing.key']);
    expect(statSync(join(fresh, 'keys', 'sealing.key')).mode & 0o777).toBe(0o600);

    const site = await serve(fresh);
    expect(site.server.output()).not.toContain('connected account(s) were sealed with a key');
    expect(existsSync(join(fresh, '.secret')), 'a new session secret was made').toBe(true);
    await publishEverywhere(site, 'Restored, and still copied everywhere');
    const copied = await waitFor(
      () =>
        [...masto!.statuses.values()].some((s) => s.status.includes('Restored, and still copied')) &&
        pds!.calls('com.atproto.repo.createRecord').length > 0,
      20_000,
    );
    expect(copied, site.server.output()).toBe(true);
    const record = pds!.calls('com.atproto.repo.createRecord')[0]!.json as { record: { text: string } };
    expect(record.record.text).toContain('Restored, and still copied everywhere');

    const d = await cli(['doctor'], fresh);
    expect(d.code, d.out).toBe(0);
  }, 120_000);

  it('`backup --without-keys` says so, and the restore warns that accounts must be connected again', async () => {
    masto = await startFakeMastodon();
    const pdsUrl = await startPds();
    const old = await serve(join(tempDir(), 'old-machine'));
    await connectBoth(old, await signInLive(old), pdsUrl);
    await old.stop();
    const b = await cli(['backup', '--without-keys'], old.dir);
    expect(b.code, b.err).toBe(0);
    expect(b.out).toMatch(/0 key file\(s\)/);
    expect(b.out).toContain('does NOT hold the site’s keys');
    const archive = /backup written to (\S+)/.exec(b.out)![1]!;
    const fresh = join(tempDir(), 'new-machine');
    const r = await cli(['restore', archive], fresh);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/carries no keys .* the 2 connected account\(s\)/);
    expect(existsSync(join(fresh, 'keys'))).toBe(false);
    const d = await cli(['doctor'], fresh);
    expect(d.code).toBe(1);
    expect(d.out).toMatch(/sealed_secret\s+keys\/sealing\.key\s+2 connected account\(s\) cannot be opened/);
  }, 120_000);

  it('a site upgraded from before keys had files keeps its accounts; the adopted key outlives the session secret', async () => {
    masto = await startFakeMastodon();
    const pdsUrl = await startPds();
    // The old way: an app without keys seals with the key derived from its session secret.
    const old = createTestApp();
    try {
      const admin = await signIn(old);
      expect((await connectMastodon(old, admin, masto)).status).toBe(303);
      const b = await postForm(old, admin, '/admin/syndication/bluesky/connect', {
        handle: ME.handle,
        app_password: ME.password,
        service: pdsUrl,
      });
      expect(b.status).toBe(303);
    } finally {
      old.db.close();
    }
    const dir = old.dir;
    try {
      writeFileSync(join(dir, '.secret'), `${SECRET}\n`, { mode: 0o600 });
      expect(existsSync(join(dir, 'keys'))).toBe(false);
      const site = await serve(dir);
      expect(site.server.output()).toContain('the key sealing connected accounts now has a file of its own');
      expect(readFileSync(join(dir, 'keys', 'sealing.key'), 'utf8').trim()).toBe(
        legacySealingKey(SECRET).toString('base64url'),
      );
      // The session secret may change now (a new machine, a leaked secret): the accounts stay.
      await site.stop();
      rmSync(join(dir, '.secret'));
      await site.restart();
      await publishEverywhere(site, 'Upgraded, and still copied everywhere');
      const copied = await waitFor(
        () =>
          [...masto!.statuses.values()].some((s) => s.status.includes('Upgraded, and still copied')) &&
          pds!.calls('com.atproto.repo.createRecord').length > 0,
        20_000,
      );
      expect(copied, site.server.output()).toBe(true);
    } finally {
      for (const s of live.splice(0)) await s.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
