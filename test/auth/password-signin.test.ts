import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { csrfFrom, PASSWORD, postForm, sessionCookie, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeEach(() => {
  t = createTestApp();
});
afterEach(() => t.close());

const login = (password: string) =>
  t.request('/auth/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ password, next: '/admin/new' }).toString(),
  });

describe('password sign-in', () => {
  it('signs in with the right password: HttpOnly SameSite=Lax cookie, hashed session, redirect to next', async () => {
    await t.app.services.auth.setPassword(PASSWORD);
    const res = await login(PASSWORD);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/new');
    const set = res.headers.get('set-cookie')!;
    expect(set).toMatch(/starpunk_session=/);
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Lax/);
    expect(set).not.toMatch(/Secure/);
    const token = /starpunk_session=([^;]+)/.exec(set)![1]!;
    // Only the hash is stored.
    const rows = t.db.prepare('SELECT session_token_hash FROM sessions').all() as {
      session_token_hash: string;
    }[];
    expect(rows.map((r) => r.session_token_hash)).not.toContain(token);
    expect((await t.get('/admin', { Cookie: sessionCookie(res) })).status).toBe(200);
  });

  it('marks the cookie Secure on an https site', async () => {
    t.close();
    t = createTestApp({ SITE_URL: 'https://example.test/' });
    await t.app.services.auth.setPassword(PASSWORD);
    expect((await login(PASSWORD)).headers.get('set-cookie')).toMatch(/Secure/);
  });

  it('refuses a wrong password with a readable 401 and rate-limits repeated attempts', async () => {
    await t.app.services.auth.setPassword(PASSWORD);
    const bad = await login('wrong password!');
    expect(bad.status).toBe(401);
    expect(await bad.text()).toContain('That password is not right.');
    for (let i = 0; i < 9; i++) await login('wrong password!');
    const limited = await login(PASSWORD);
    expect(limited.status).toBe(429);
    expect(await limited.text()).toMatch(/Too many sign-in attempts/);
  });

  it('rotates the session at sign-in and ends it at sign-out', async () => {
    const first = await signIn(t);
    const second = await t.request('/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: first.cookie },
      body: new URLSearchParams({ password: PASSWORD }).toString(),
    });
    const cookie2 = sessionCookie(second);
    expect(cookie2).not.toBe(first.cookie);
    expect((await t.get('/admin', { Cookie: first.cookie })).status).toBe(303);
    const csrf = await csrfFrom(t, cookie2);
    const out = await postForm(t, { cookie: cookie2, csrf }, '/auth/logout', {});
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/starpunk_session=;/);
    expect((await t.get('/admin', { Cookie: cookie2 })).status).toBe(303);
  });

  it('expires sessions after 30 days without use, sliding with use', async () => {
    const admin = await signIn(t);
    t.clock.advance(20 * 86400_000);
    expect((await t.get('/admin', { Cookie: admin.cookie })).status).toBe(200);
    t.clock.advance(20 * 86400_000);
    expect((await t.get('/admin', { Cookie: admin.cookie })).status).toBe(200);
    t.clock.advance(31 * 86400_000);
    expect((await t.get('/admin', { Cookie: admin.cookie })).status).toBe(303);
    expect(t.app.services.auth.cleanup().sessions).toBe(0);
  });
});

describe('the admin is protected', () => {
  it('redirects pages to sign-in and refuses form posts without a session', async () => {
    const page = await t.get('/admin/edit/1?x=1');
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/auth/login?next=%2Fadmin%2Fedit%2F1%3Fx%3D1');
    const post = await t.request('/admin/new', {
      method: 'POST',
      body: new URLSearchParams({ content: 'x' }),
    });
    expect(post.status).toBe(401);
  });

  it('answers a missing or wrong CSRF token with a clear 403 page, and changes nothing', async () => {
    const admin = await signIn(t);
    for (const csrf of ['', 'forged-token']) {
      const res = await postForm(t, { ...admin, csrf }, '/admin/new', {
        content: 'should not exist',
        status: 'publish',
      });
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('CSRF check failed');
    }
    expect(t.db.prepare('SELECT count(*) AS n FROM notes').get()).toEqual({ n: 0 });
  });

  it('sends strict security headers on every page', async () => {
    for (const path of ['/', '/auth/login', '/admin']) {
      const res = await t.get(path);
      const csp = res.headers.get('content-security-policy')!;
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBeTruthy();
    }
  });

  it('does not follow an off-site next after sign-in', async () => {
    await t.app.services.auth.setPassword(PASSWORD);
    for (const next of ['//evil.example/', 'https://evil.example/', '/\\evil.example']) {
      const res = await t.request('/auth/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ password: PASSWORD, next }).toString(),
      });
      expect(res.headers.get('location')).toBe('/admin');
    }
  });
});

describe('the sign-in form and password managers', () => {
  it('focuses the password and carries a hidden username field a password manager can save', async () => {
    await t.app.services.auth.setPassword(PASSWORD);
    const html = await (await t.get('/auth/login')).text();
    const form = /<form method="post" action="\/auth\/login"[\s\S]*?<\/form>/.exec(html)![0];
    expect(form).toMatch(
      /<input type="text" name="username" autocomplete="username" value="[^"]+" hidden=""\/>/,
    );
    const username = /name="username" autocomplete="username" value="([^"]+)"/.exec(form)![1];
    expect(username).toBe(t.config.adminMe);
    // The username field comes before the password, as managers expect; only the password takes focus.
    expect(form.indexOf('name="username"')).toBeLessThan(form.indexOf('name="password"'));
    expect(form).toMatch(
      /<input id="password" name="password" type="password" autocomplete="current-password" autofocus=""/,
    );
    expect(html.match(/autofocus/g)).toHaveLength(1);
    // The server ignores what the username field sends: the password alone signs in.
    const res = await t.request('/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: 'someone-else', password: PASSWORD, next: '/admin' }).toString(),
    });
    expect(res.status).toBe(303);
  });

  it('the setup page offers the new password to save under the same username', async () => {
    const token = new URL(t.app.services.auth.createSetupLink()).searchParams.get('token')!;
    const html = await (await t.get(`/auth/setup?token=${token}`)).text();
    expect(html).toContain(
      `<input type="text" name="username" autocomplete="username" value="${t.config.adminMe}" hidden=""/>`,
    );
    expect(html).toMatch(
      /<input id="password" name="password" type="password" autocomplete="new-password" autofocus=""/,
    );
  });
});

describe('first-run setup link', () => {
  it('works once, sets the password, signs in; then it is dead', async () => {
    const url = new URL(t.app.services.auth.createSetupLink());
    const token = url.searchParams.get('token')!;
    expect((await t.get(`/auth/setup?token=${token}`)).status).toBe(200);
    const mismatch = await t.request('/auth/setup', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, password: 'long enough pw', confirm: 'different one!' }).toString(),
    });
    expect(mismatch.status).toBe(400);
    const ok = await t.request('/auth/setup', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, password: 'long enough pw', confirm: 'long enough pw' }).toString(),
    });
    expect(ok.status).toBe(303);
    expect((await t.get('/admin', { Cookie: sessionCookie(ok) })).status).toBe(200);
    expect((await t.get(`/auth/setup?token=${token}`)).status).toBe(404);
    expect(await t.app.services.auth.verifyPassword('long enough pw')).toBe(true);
  });

  it('expires after an hour', async () => {
    const token = new URL(t.app.services.auth.createSetupLink()).searchParams.get('token')!;
    t.clock.advance(61 * 60_000);
    expect((await t.get(`/auth/setup?token=${token}`)).status).toBe(404);
  });
});

describe('DEV_MODE', () => {
  it('signs in without credentials only when enabled, and says so loudly', async () => {
    expect((await t.request('/auth/dev-login', { method: 'POST' })).status).toBe(404);
    t.close();
    t = createTestApp({ DEV_MODE: 'on', DEV_ADMIN_ME: 'http://dev.test/' });
    expect(await (await t.get('/auth/login')).text()).toContain('Development sign-in');
    const res = await t.request('/auth/dev-login', { method: 'POST' });
    expect(res.status).toBe(303);
    const page = await (await t.get('/admin', { Cookie: sessionCookie(res) })).text();
    expect(page).toContain('DEVELOPMENT MODE');
  });
});
