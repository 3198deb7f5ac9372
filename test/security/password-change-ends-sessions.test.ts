/**
 * Finding 7 (low): `starpunk password set` left every existing admin session valid, so a stolen
 * cookie outlived the password change meant to lock its thief out. Changing the password now ends
 * every session, and the admin offers "sign out everywhere".
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { passwordCommand } from '../../src/cli/password.js';
import { type Admin, PASSWORD, postForm, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { captureIo } from '../helpers/io.js';

let t: TestApp;
beforeEach(() => {
  t = createTestApp();
});
afterEach(() => t.close());

/** Expects `admin`'s cookie to be worthless now: the admin sends it to sign in. */
async function expectSignedOut(admin: Admin, what: string): Promise<void> {
  const res = await t.get('/admin', { Cookie: admin.cookie });
  expect(res.status, what).toBe(303);
  expect(res.headers.get('location'), what).toBe('/auth/login?next=%2Fadmin');
}

const sessionCount = () => (t.db.prepare('SELECT count(*) AS n FROM sessions').get() as { n: number }).n;

describe('changing the password', () => {
  it('`starpunk password set` ends every admin session', async () => {
    const laptop = await signIn(t);
    const phone = await signIn(t);
    expect((await t.get('/admin', { Cookie: laptop.cookie })).status).toBe(200);
    const io = captureIo({ DATA_PATH: t.dir, SITE_URL: t.config.siteUrl, LOG_LEVEL: 'error' }, t.dir);
    expect(await passwordCommand(['set'], io, async () => 'a brand new password')).toBe(0);
    expect(io.out.join('')).toMatch(/^admin password set\n.*2 admin sessions/s);
    await expectSignedOut(laptop, 'laptop');
    await expectSignedOut(phone, 'phone');
    expect(sessionCount()).toBe(0);
    // The new password works; the old one does not.
    const login = (password: string) =>
      t.request('/auth/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ password }).toString(),
      });
    expect((await login(PASSWORD)).status).toBe(401);
    expect((await login('a brand new password')).status).toBe(303);
  });

  it('a refused password changes nothing and ends nothing', async () => {
    const admin = await signIn(t);
    const io = captureIo({ DATA_PATH: t.dir, SITE_URL: t.config.siteUrl, LOG_LEVEL: 'error' }, t.dir);
    expect(await passwordCommand(['set'], io, async () => 'short')).toBe(1);
    expect((await t.get('/admin', { Cookie: admin.cookie })).status).toBe(200);
  });

  it('the password service ends every session whoever calls it (first-run setup included)', async () => {
    const admin = await signIn(t);
    await t.app.services.auth.setPassword('another sturdy password');
    await expectSignedOut(admin, 'after setPassword');
  });
});

describe('sign out everywhere', () => {
  it('the sessions page offers it; it ends every session, this one included, and asks to sign in', async () => {
    const laptop = await signIn(t);
    const phone = await signIn(t);
    const page = await (await t.get('/admin/sessions', { Cookie: laptop.cookie })).text();
    expect(page).toContain('action="/admin/sessions/end-all"');
    expect(page).toContain('Sign out everywhere');
    const res = await postForm(t, laptop, '/admin/sessions/end-all', {});
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/auth/login');
    expect(res.headers.get('set-cookie')).toMatch(/starpunk_session=;.*Max-Age=0/i);
    await expectSignedOut(laptop, 'laptop');
    await expectSignedOut(phone, 'phone');
    expect(sessionCount()).toBe(0);
  });

  it('needs the CSRF token', async () => {
    const laptop = await signIn(t);
    const phone = await signIn(t);
    const res = await postForm(t, { ...laptop, csrf: 'forged' }, '/admin/sessions/end-all', {});
    expect(res.status).toBe(403);
    expect((await t.get('/admin', { Cookie: phone.cookie })).status).toBe(200);
    expect(sessionCount()).toBe(2);
  });

  it('is refused without a session', async () => {
    await signIn(t);
    const res = await t.request('/admin/sessions/end-all', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(res.status).toBe(401);
    expect(sessionCount()).toBe(1);
  });
});
