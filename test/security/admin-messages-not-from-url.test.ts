/**
 * Hardening: `/admin/media?error=<anything>` showed the text from the URL inside the admin, so a
 * link could put words in the site's mouth ("Your password expired, call …"). No admin page shows
 * text taken from the URL any more: success messages are a closed set of codes (?flash=saved), and
 * a failed upload or delete shows its message on the page it answers with, not via a redirect.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Admin, postForm, postMultipart, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { startRemote } from '../helpers/remote.js';

const SPOOF = 'Your password has expired, call 555-0100 now';

let t: TestApp;
let admin: Admin;
beforeAll(async () => {
  t = createTestApp();
  admin = await signIn(t);
  t.notes.createNote({ content: 'one' });
});
afterAll(() => t.close());

describe('admin pages never show text from the URL', () => {
  const pages = [
    '/admin',
    '/admin/new',
    '/admin/edit/1',
    '/admin/media',
    '/admin/tokens',
    '/admin/sessions',
    '/admin/health',
  ];
  for (const path of pages) {
    it(`${path}?error=…&flash=…&message=…`, async () => {
      const q = new URLSearchParams({ error: SPOOF, flash: SPOOF, message: SPOOF, msg: SPOOF });
      const res = await t.get(`${path}?${q}`, { Cookie: admin.cookie });
      expect(res.status).toBe(200);
      expect(await res.text()).not.toContain('555-0100');
    });
  }

  it('a known flash code still shows its own message', async () => {
    const html = await (await t.get('/admin/media?flash=uploaded', { Cookie: admin.cookie })).text();
    expect(html).toContain('File uploaded.');
  });
});

describe('media errors are shown where they happen', () => {
  it('a file that is not an image: 415 with the reason, no redirect', async () => {
    const form = new FormData();
    form.set('file', new File([Buffer.from('not an image')], 'fake.jpg', { type: 'image/jpeg' }));
    const res = await postMultipart(t, admin, '/admin/media', form);
    expect(res.status).toBe(415);
    expect(res.headers.get('location')).toBeNull();
    const html = await res.text();
    expect(html).toMatch(/flash-error/);
    expect(html).toContain('this file is not one of them');
  });

  it('no file: 400 asking for one', async () => {
    const res = await postMultipart(t, admin, '/admin/media', new FormData());
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Choose a file to upload.');
  });

  it('deleting an unknown item: 404 on the library page', async () => {
    const res = await postForm(t, admin, '/admin/media/999/delete', {});
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('There is no such media item.');
  });
});

describe('the IndieAuth sign-in callback', () => {
  it("shows the authorization server's error code, but no free text from the URL", async () => {
    // ADMIN_ME's own site on loopback, advertising its authorization endpoint.
    const provider = await startRemote((_req, _body, res) => {
      res
        .writeHead(200, { 'Content-Type': 'text/html' })
        .end(
          '<html><head><link rel="authorization_endpoint" href="/auth"></head><body><p>Me</p></body></html>',
        );
    });
    const site = createTestApp({ ADMIN_ME: provider.url });
    try {
      // Anyone can start a sign-in and so hold a live state to build such a link with.
      const state = async () => {
        const start = await site.request('/auth/indieauth', { method: 'POST' });
        return new URL(start.headers.get('location')!).searchParams.get('state')!;
      };
      const spoofed = await site.get(
        `/auth/callback?${new URLSearchParams({ state: await state(), error: SPOOF })}`,
      );
      expect(spoofed.status).toBe(403);
      expect(await spoofed.text()).not.toContain('555-0100');
      const denied = await site.get(
        `/auth/callback?${new URLSearchParams({ state: await state(), error: 'access_denied' })}`,
      );
      expect(denied.status).toBe(403);
      expect(await denied.text()).toContain('access_denied');
    } finally {
      site.close();
      await provider.close();
    }
  });
});
