import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Admin, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
let admin: Admin;
beforeEach(async () => {
  t = createTestApp();
  admin = await signIn(t);
});
afterEach(() => t.close());

describe('admin → Settings is the admin’s alone', () => {
  it('signed out: GET is sent to sign in, POST changes nothing', async () => {
    const get = await t.get('/admin/settings');
    expect([302, 303]).toContain(get.status);
    const post = await t.request('/admin/settings', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ site_name: 'Defaced', posts_per_page: '20', language: 'en' }).toString(),
    });
    expect(post.status).toBeGreaterThanOrEqual(300);
    expect(post.status).toBeLessThan(500);
    expect(await (await t.get('/')).text()).not.toContain('Defaced');
  });

  it('signed in without the CSRF token: 403, nothing changes', async () => {
    const res = await t.request('/admin/settings', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: admin.cookie },
      body: new URLSearchParams({ site_name: 'Defaced', posts_per_page: '20', language: 'en' }).toString(),
    });
    expect(res.status).toBe(403);
    expect(await (await t.get('/')).text()).not.toContain('Defaced');
  });

  it('a footer text or bio with markup is shown as text, never as HTML', async () => {
    const form = new FormData();
    for (const [k, v] of Object.entries({
      _csrf: admin.csrf,
      site_name: 'Safe',
      language: 'en',
      posts_per_page: '20',
      footer_text: '<script>alert(1)</script>',
      author_note: '<img src=x onerror=alert(1)>',
    }))
      form.set(k, v);
    const res = await t.request('/admin/settings', {
      method: 'POST',
      headers: { Cookie: admin.cookie },
      body: form,
    });
    expect(res.status).toBe(303);
    const html = await (await t.get('/')).text();
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});
