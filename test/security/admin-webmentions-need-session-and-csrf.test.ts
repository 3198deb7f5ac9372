/**
 * The sent-Webmentions pages live in their own router, mounted after the admin's: they must still
 * be behind the admin session and CSRF check (a "send again" is a request to other sites made in
 * the owner's name). If the router were mounted before adminRoutes, its handlers would answer
 * before the middleware ran, and these tests would fail.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeEach(() => {
  t = createTestApp();
});
afterEach(() => t.close());

const jobCount = () => (t.db.prepare('SELECT count(*) AS n FROM jobs').get() as { n: number }).n;

describe('/admin/notes/:id/webmentions', () => {
  it('sends a visitor without a session to sign in, and refuses their POST', async () => {
    const note = t.notes.createNote({ content: '[x](https://elsewhere.example/)' });
    const page = await t.get(`/admin/notes/${note.id}/webmentions`);
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe(
      `/auth/login?next=${encodeURIComponent(`/admin/notes/${note.id}/webmentions`)}`,
    );
    const before = jobCount();
    const post = await t.request(`/admin/notes/${note.id}/webmentions/resend`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(post.status).toBe(401);
    expect(jobCount()).toBe(before);
  });

  it('refuses a signed-in POST without the CSRF token', async () => {
    const admin = await signIn(t);
    const note = t.notes.createNote({ content: '[x](https://elsewhere.example/)' });
    const before = jobCount();
    for (const body of ['', '_csrf=forged']) {
      const res = await t.request(`/admin/notes/${note.id}/webmentions/resend`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: admin.cookie },
        body,
      });
      expect(res.status, body).toBe(403);
    }
    expect(jobCount()).toBe(before);
  });
});
