/**
 * Bluesky through the whole product (#17): the admin connects an account with a handle, an app
 * password and the service address; Micropub lists it in q=syndicate-to; a note created with
 * mp-syndicate-to is posted by the job queue to a loopback PDS; the copy shows as u-syndication.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Admin, postForm, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createPds, ME } from '../helpers/bluesky.js';

let pds: ReturnType<typeof createPds>;
let service: string;
let t: TestApp;
let admin: Admin;
let token: string;

beforeAll(async () => {
  pds = createPds();
  await new Promise<void>((r) => pds.server.listen(0, '127.0.0.1', r));
  service = `http://127.0.0.1:${(pds.server.address() as AddressInfo).port}`;
});
afterAll(
  () =>
    new Promise<void>((r) => {
      pds.server.closeAllConnections();
      pds.server.close(() => r());
    }),
);
beforeEach(async () => {
  t = createTestApp();
  admin = await signIn(t);
  token = t.app.services.tokens.mintToken({
    me: t.config.siteUrl,
    clientId: null,
    scope: 'create update delete',
    expiresInSeconds: null,
  }).token;
});
afterEach(() => t.close());

describe('Bluesky syndication end to end', () => {
  it('connect in the admin, q=syndicate-to, mp-syndicate-to, posted by the queue, u-syndication', async () => {
    const connected = await postForm(t, admin, '/admin/syndication/bluesky/connect', {
      handle: `@${ME.handle}`,
      app_password: ME.password,
      service,
    });
    expect(connected.status).toBe(303);
    expect(connected.headers.get('location')).toBe('/admin/syndication?flash=connected');
    const page = await (await t.get('/admin/syndication', { Cookie: admin.cookie })).text();
    expect(page).toContain('Connect Bluesky');
    // The app password is never shown back, nor stored in the clear.
    expect(page).not.toContain(ME.password);
    for (const row of t.db.prepare('SELECT secrets FROM syndication_accounts').all() as { secrets: string }[])
      expect(row.secrets).not.toContain(ME.password);

    const q = (await (
      await t.get('/micropub?q=syndicate-to', { Authorization: `Bearer ${token}` })
    ).json()) as { 'syndicate-to': { uid: string; service: { name: string } }[] };
    const target = q['syndicate-to'].find((x) => x.service.name === 'Bluesky');
    expect(target?.uid).toBe(ME.did);

    const created = await t.request('/micropub', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        h: 'entry',
        content: 'Hello Bluesky, from my own site',
        'mp-syndicate-to': ME.did,
      }),
    });
    expect(created.status).toBe(201);
    await t.app.services.runner.drain();
    const posts = pds.calls('com.atproto.repo.createRecord');
    expect(posts).toHaveLength(1);
    const record = (posts[0]!.json as { record: { text: string } }).record;
    expect(record.text).toContain('Hello Bluesky, from my own site');
    expect(posts[0]!.auth).toBe(`Bearer ${pds.state.access}`);

    const notePage = await (await t.get(new URL(created.headers.get('location')!).pathname)).text();
    expect(notePage).toMatch(
      /class="[^"]*u-syndication[^"]*"[^>]*href="https:\/\/bsky\.app\/profile\/did:plc:ada\/post\//,
    );
  });

  it('a wrong app password is a readable 400, and nothing is connected', async () => {
    const res = await postForm(t, admin, '/admin/syndication/bluesky/connect', {
      handle: ME.handle,
      app_password: 'wrong-wrong-wrong-wrong',
      service,
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Bluesky did not accept this');
    expect(t.app.services.syndication.listAccounts()).toEqual([]);
  });
});
