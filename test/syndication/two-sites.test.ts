/**
 * Issue 20, defect 2: two StarPunk sites (two data directories) connected to the same Bluesky
 * account and the same Mastodon account. Both number their first note 1 and their first account
 * 1, so keys made of `syndicate:<note>:<account>` alone collided: site B found site A's Bluesky
 * record under its key (and Mastodon handed B's Idempotency-Key back A's status), took it for its
 * own copy, posted nothing, and trashing B's note deleted A's post. Keys now carry each site's
 * installation id; each site has its own copy, and a delete removes only the site's own.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { installationId } from '../../src/db/store/installation.js';
import { type Admin, postForm, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createPds, ME } from '../helpers/bluesky.js';
import { connectMastodon, type FakeMastodon, startFakeMastodon } from '../helpers/mastodon.js';

let pds: ReturnType<typeof createPds>;
let service: string;
let masto: FakeMastodon;
const sites: TestApp[] = [];

beforeAll(async () => {
  pds = createPds();
  await new Promise<void>((r) => pds.server.listen(0, '127.0.0.1', r));
  service = `http://127.0.0.1:${(pds.server.address() as AddressInfo).port}`;
  masto = await startFakeMastodon();
});
afterAll(async () => {
  await masto.close();
  await new Promise<void>((r) => {
    pds.server.closeAllConnections();
    pds.server.close(() => r());
  });
});
afterEach(() => {
  for (const t of sites.splice(0)) t.close();
});

/** A site with its own data directory, both accounts connected through the admin. */
async function site(): Promise<{ t: TestApp; admin: Admin; token: string }> {
  const t = createTestApp();
  sites.push(t);
  const admin = await signIn(t);
  expect((await connectMastodon(t, admin, masto)).status).toBe(303);
  const bsky = await postForm(t, admin, '/admin/syndication/bluesky/connect', {
    handle: ME.handle,
    app_password: ME.password,
    service,
  });
  expect(bsky.status).toBe(303);
  const token = t.app.services.tokens.mintToken({
    me: t.config.siteUrl,
    clientId: null,
    scope: 'create update delete',
    expiresInSeconds: null,
  }).token;
  return { t, admin, token };
}

/** Publishes a note through Micropub with copies on every connected account; returns its URL. */
async function publish(s: { t: TestApp; token: string }, content: string): Promise<string> {
  const body = new URLSearchParams({ h: 'entry', content });
  for (const a of s.t.app.services.syndication.listAccounts()) body.append('mp-syndicate-to[]', a.uid);
  const res = await s.t.request('/micropub', {
    method: 'POST',
    headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body,
  });
  expect(res.status).toBe(201);
  await s.t.app.services.runner.drain();
  return res.headers.get('location')!;
}

const blueskyTexts = () =>
  [...pds.records.entries()]
    .filter(([uri]) => uri.startsWith(`at://${ME.did}/app.bsky.feed.post/`))
    .map(([, r]) => (r.value as { text: string }).text)
    .sort();
const mastodonTexts = () =>
  [...masto.statuses.values()]
    .filter((s) => !s.deleted)
    .map((s) => s.status)
    .sort();

describe('two sites on one Bluesky and one Mastodon account', () => {
  it('each posts its own note 1; trashing on site B deletes only B’s copies', async () => {
    const a = await site();
    const b = await site();
    expect(installationId(a.t.db)).not.toBe(installationId(b.t.db));

    await publish(a, 'Written on site A');
    const urlB = await publish(b, 'Written on site B');
    // Both are note 1, and both accounts are 1 and 2, each in its own database.
    expect(a.t.notes.getNoteById(1)!.contentHtml).toContain('site A');
    expect(b.t.notes.getNoteById(1)!.contentHtml).toContain('site B');
    for (const s of [a, b])
      expect(s.t.app.services.syndication.listAccounts().map((x) => x.id)).toEqual([1, 2]);
    for (const s of [a, b])
      for (const c of s.t.app.services.syndication.copiesForNote(1)) expect(c.state).toBe('posted');

    expect(blueskyTexts()).toEqual(['Written on site A', 'Written on site B']);
    expect(mastodonTexts()).toEqual(['Written on site A', 'Written on site B']);
    const copyUrls = (s: { t: TestApp }) =>
      s.t.app.services.syndication
        .copiesForNote(1)
        .map((c) => c.url)
        .sort();
    const [aUrls, bUrls] = [copyUrls(a), copyUrls(b)];
    expect(aUrls).toHaveLength(2);
    expect(bUrls).toHaveLength(2);
    for (const u of aUrls) expect(bUrls).not.toContain(u);

    // Site B trashes its note 1 through Micropub.
    const trashed = await b.t.request('/micropub', {
      method: 'POST',
      headers: { Authorization: `Bearer ${b.token}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ action: 'delete', url: urlB }),
    });
    expect(trashed.status).toBeLessThan(300);
    await b.t.app.services.runner.drain();
    for (const c of b.t.app.services.syndication.copiesForNote(1)) expect(c.state).toBe('removed');
    expect(blueskyTexts()).toEqual(['Written on site A']);
    expect(mastodonTexts()).toEqual(['Written on site A']);
    for (const c of a.t.app.services.syndication.copiesForNote(1)) expect(c.state).toBe('posted');
  });
});
