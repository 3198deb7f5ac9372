/**
 * Hardening (issue 22, item 5): `/admin/syndication/mastodon/callback?error=…` showed the `error`
 * value from the URL inside an admin page, so a link could put words in the site's mouth. The page
 * now says only a fixed sentence; the value goes to the log for the owner.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Admin, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

const SPOOF = 'Your password has expired, call 555-0100 now';

let t: TestApp;
let admin: Admin;
beforeAll(async () => {
  t = createTestApp();
  admin = await signIn(t);
});
afterAll(() => t.close());

describe('the Mastodon authorization callback', () => {
  const queries: Record<string, string>[] = [
    { error: SPOOF },
    { error: 'access_denied', error_description: SPOOF },
    { error: `<script>alert(1)</script>${SPOOF}`, state: 'x', code: 'y' },
  ];
  for (const query of queries) {
    it(`?${new URLSearchParams(query)} shows a fixed message, nothing from the URL`, async () => {
      const res = await t.get(`/admin/syndication/mastodon/callback?${new URLSearchParams(query)}`, {
        Cookie: admin.cookie,
      });
      expect(res.status).toBe(400);
      const html = await res.text();
      expect(html).toContain('Mastodon did not authorise StarPunk');
      expect(html).not.toContain('555-0100');
      expect(html).not.toContain('access_denied');
      expect(html).not.toContain('<script>alert');
    });
  }
});
