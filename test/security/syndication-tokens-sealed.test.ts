/**
 * Syndication secrets: tokens are sealed at rest (AES-256-GCM, the site's sealing key) so the
 * database file alone does not give them away; a sealed value that was altered, or sealed under
 * another key, does not open. The connect routes need a session and CSRF, and
 * a hostile server address is a readable 400, never a 500 or a request to a private address.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSecretBox, legacySealingKey, newSealingKey } from '../../src/lib/secret-box.js';
import { postForm, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { connectMastodon, type FakeMastodon, startFakeMastodon } from '../helpers/mastodon.js';

let t: TestApp | undefined;
let masto: FakeMastodon | undefined;
afterEach(async () => {
  t?.close();
  await masto?.close();
});

describe('syndication secrets at rest', () => {
  it('the token appears nowhere in the database files', async () => {
    masto = await startFakeMastodon();
    t = createTestApp();
    const admin = await signIn(t);
    expect((await connectMastodon(t, admin, masto)).status).toBe(303);
    const [token] = [...masto.tokens];
    expect(token).toBeTruthy();
    t.db.pragma('wal_checkpoint(TRUNCATE)');
    const dir = dirname(t.config.databasePath);
    for (const f of readdirSync(dir).filter((n) => n.includes('.db') || n.includes('.sqlite')))
      expect(readFileSync(`${dir}/${f}`).includes(Buffer.from(token!)), f).toBe(false);
    // …and the app itself still reads it.
    const id = t.app.services.syndication.listAccounts()[0]!.id;
    expect(t.app.services.syndication.secretsOf(id)?.token).toBe(token);
  });

  it('an altered sealed value, or one sealed under another key, does not open', () => {
    const box = createSecretBox(newSealingKey());
    const sealed = box.seal({ token: 'abc' });
    expect(box.open(sealed)).toEqual({ token: 'abc' });
    expect(sealed).not.toContain('abc');
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] = body[0]! ^ 1;
    parts[3] = body.toString('base64url');
    expect(() => box.open(parts.join('.'))).toThrow();
    expect(() => createSecretBox(newSealingKey()).open(sealed)).toThrow();
    expect(() => createSecretBox(legacySealingKey('a session secret, long enough')).open(sealed)).toThrow();
    // Two seals of the same value differ (a fresh nonce each time).
    expect(box.seal({ token: 'abc' })).not.toBe(sealed);
  });
});

describe('connecting an account', () => {
  it('needs a session, and a CSRF token to start', async () => {
    t = createTestApp();
    const anon = await t.request('/admin/syndication/mastodon/connect', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'server=mastodon.example',
    });
    expect([302, 303, 401, 403]).toContain(anon.status);
    const admin = await signIn(t);
    const forged = await t.request('/admin/syndication/mastodon/connect', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: admin.cookie },
      body: 'server=mastodon.example',
    });
    expect(forged.status).toBe(403);
    const callback = await t.get('/admin/syndication/mastodon/callback?state=x&code=y');
    expect([302, 303, 401]).toContain(callback.status);
  });

  it('hostile server addresses are readable 400s; a private address is refused by the safe fetch', async () => {
    t = createTestApp({}, undefined, { safeFetch: true });
    const admin = await signIn(t);
    for (const server of [
      'javascript:alert(1)',
      'https://user:pw@x.example/',
      'https://x.example/path?q=1',
      ' ',
      '127.0.0.1:9',
      '[::1]',
      'localhost',
    ]) {
      const res = await postForm(t, admin, '/admin/syndication/mastodon/connect', { server });
      expect(res.status, server).toBe(400);
      expect(res.headers.get('content-type'), server).toContain('text/html');
    }
  });
});
