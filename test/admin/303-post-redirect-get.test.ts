/**
 * Issue #16, item 5: minting a token answered the POST with the page itself, so reloading it
 * posted again and minted a second token. Every admin form now answers 303 (post/redirect/get);
 * the new token travels to the next GET of /admin/tokens in a sealed one-time cookie bound to the
 * session, never in the URL, and is shown once.
 */
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Admin, postForm, postMultipart, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
let admin: Admin;
beforeEach(async () => {
  t = createTestApp();
  admin = await signIn(t);
});
afterEach(() => t.close());

/** The flash cookie a response sets, as a Cookie header value, or undefined. */
function flashCookie(res: Response): string | undefined {
  const set = res.headers.getSetCookie().find((c) => c.startsWith('starpunk_minted='));
  return set ? set.split(';')[0] : undefined;
}

const TOKEN_IN_PAGE =
  /aria-label="New access token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*aria-label="New access token"/;

function shownToken(html: string): string | undefined {
  const m = TOKEN_IN_PAGE.exec(html);
  return m ? (m[1] ?? m[2]) : undefined;
}

async function mint(): Promise<Response> {
  return postForm(t, admin, '/admin/tokens', {
    client_id: 'https://client.example/',
    scope: 'create update',
    expires_days: '30',
  });
}

describe('minting a token by hand', () => {
  it('redirects, shows the token once on the next page, and a reload mints nothing', async () => {
    const res = await mint();
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/tokens');
    const cookie = flashCookie(res);
    expect(cookie).toBeDefined();
    const set = res.headers.getSetCookie().find((c) => c.startsWith('starpunk_minted='))!;
    expect(set).toMatch(/HttpOnly/i);
    expect(set).toMatch(/SameSite=Strict/i);
    expect(set).toMatch(/Path=\/admin\/tokens/i);
    expect(await res.text()).toBe('');

    // The page after the redirect shows the token, is never cached, and clears the cookie.
    const page = await t.get('/admin/tokens', { Cookie: `${admin.cookie}; ${cookie}` });
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    const cleared = page.headers.getSetCookie().find((c) => c.startsWith('starpunk_minted='));
    expect(cleared).toMatch(/Max-Age=0/i);
    const token = shownToken(await page.text());
    expect(token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    // It is the real thing: Micropub accepts it.
    const q = await t.get('/micropub?q=config', { Authorization: `Bearer ${token}` });
    expect(q.status).toBe(200);
    // It never appeared in an address.
    expect(res.headers.get('location')).not.toContain(token!);

    // Reloading (the browser no longer sends the cleared cookie) shows it no more and mints nothing.
    const reload = await t.get('/admin/tokens', { Cookie: admin.cookie });
    expect(shownToken(await reload.text())).toBeUndefined();
    expect(t.app.services.tokens.listTokens()).toHaveLength(1);
  });

  it('another session cannot open the cookie, and a tampered one shows nothing (no 500)', async () => {
    const cookie = flashCookie(await mint())!;
    const other = await signIn(t);
    const stolen = await t.get('/admin/tokens', { Cookie: `${other.cookie}; ${cookie}` });
    expect(stolen.status).toBe(200);
    expect(shownToken(await stolen.text())).toBeUndefined();
    for (const bad of [
      'starpunk_minted=',
      'starpunk_minted=abc',
      `${cookie.slice(0, -4)}AAAA`,
      `${cookie}x`,
    ]) {
      const res = await t.get('/admin/tokens', { Cookie: `${admin.cookie}; ${bad}` });
      expect(res.status).toBe(200);
      expect(shownToken(await res.text())).toBeUndefined();
    }
  });

  it('an unopened cookie expires after five minutes', async () => {
    const early = flashCookie(await mint());
    const late = flashCookie(await mint());
    expect(early && late).toBeTruthy();
    t.clock.advance(4 * 60_000);
    const inTime = await t.get('/admin/tokens', { Cookie: `${admin.cookie}; ${early}` });
    expect(shownToken(await inTime.text())).toBeDefined();
    t.clock.advance(60_000 + 1);
    const tooLate = await t.get('/admin/tokens', { Cookie: `${admin.cookie}; ${late}` });
    expect(shownToken(await tooLate.text())).toBeUndefined();
  });
});

describe('every admin form answers with a redirect', () => {
  const png = () =>
    sharp({ create: { width: 20, height: 20, channels: 3, background: '#0a0' } })
      .png()
      .toBuffer();

  it('notes, media, tokens and sessions', async () => {
    const expect303 = async (res: Promise<Response>, location: RegExp) => {
      const r = await res;
      expect(r.status, await r.clone().text()).toBe(303);
      expect(r.headers.get('location')).toMatch(location);
    };
    const form = (fields: Record<string, string>) => {
      const f = new FormData();
      for (const [k, v] of Object.entries({
        status: 'publish',
        visibility: 'public',
        intent: 'save',
        ...fields,
      }))
        f.set(k, v);
      return f;
    };
    await expect303(postMultipart(t, admin, '/admin/new', form({ content: 'One' })), /^\/admin\/edit\/1\?/);
    await expect303(
      postMultipart(t, admin, '/admin/edit/1', form({ content: 'Two' })),
      /^\/admin\/edit\/1\?/,
    );
    await expect303(postForm(t, admin, '/admin/notes/1/delete', {}), /^\/admin\?/);
    await expect303(postForm(t, admin, '/admin/notes/1/restore', {}), /^\/admin\?/);
    await postForm(t, admin, '/admin/notes/1/delete', {});
    await expect303(postForm(t, admin, '/admin/notes/1/purge', {}), /^\/admin\?/);
    const upload = new FormData();
    upload.set('file', new File([await png()], 'g.png', { type: 'image/png' }));
    await expect303(postMultipart(t, admin, '/admin/media', upload), /^\/admin\/media\?/);
    const mediaId = t.app.services.media.listMedia(1, 0)[0]!.id;
    await expect303(postForm(t, admin, `/admin/media/${mediaId}/delete`, {}), /^\/admin\/media\?/);
    await expect303(mint(), /^\/admin\/tokens$/);
    const tokenId = t.app.services.tokens.listTokens()[0]!.id;
    await expect303(postForm(t, admin, `/admin/tokens/${tokenId}/revoke`, {}), /^\/admin\/tokens\?/);
    await signIn(t);
    // The newest session is the one just started, not the admin's own.
    const otherId = Math.max(...t.app.services.auth.listSessions().map((s) => s.id));
    await expect303(
      postForm(t, admin, `/admin/sessions/${otherId}/end`, {}),
      /^\/admin\/sessions\?flash=ended$/,
    );
    await expect303(postForm(t, admin, '/admin/sessions/end-all', {}), /^\/auth\/login$/);
  });
});
