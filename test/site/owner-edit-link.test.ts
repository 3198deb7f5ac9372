/**
 * Issue 25 item 4: an Edit link on public note and page views for the signed-in owner only. The
 * page is the same bytes for everyone (cached, and repeated by the fast path); it holds an empty
 * placeholder naming the editor, and /static/site.js puts the link there when the hint cookie set
 * at sign-in is present
 * (docs/decisions/0020-owner-edit-link.md; test/browser/public-daily.test.ts runs the script).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeEach(() => {
  t = createTestApp();
});
afterEach(() => t.close());

describe('the owner Edit link', () => {
  it('has its place in the note and page views, naming the editor, with no link for visitors; the bytes are the same for the owner and a visitor', async () => {
    const note = t.notes.createNote({ slug: 'hello', content: 'Hello there.' });
    const pageId = t.app.services.pages.create({
      title: 'About',
      slug: 'about',
      content: 'Me.',
      published: true,
      inMenu: false,
    });
    const admin = await signIn(t);

    const visitor = await (await t.get('/notes/hello')).text();
    expect(visitor).toContain(`<span class="owner-edit" data-edit="/admin/edit/${note.id}"></span>`);
    // No link in a visitor's page, hidden or not: the script makes it for the owner.
    expect(visitor).not.toMatch(/<a [^>]*href="\/admin/);
    expect(visitor).toContain('<script src="/static/site.js" defer=""></script>');
    // The owner's request is answered with the same page (nothing per-owner in it to cache).
    const owner = await (await t.get('/notes/hello', { Cookie: admin.cookie })).text();
    expect(owner).toBe(visitor);
    // Asked again by a visitor (now from the render cache): still the same bytes.
    expect(await (await t.get('/notes/hello')).text()).toBe(visitor);

    const about = await (await t.get('/about')).text();
    expect(about).toContain(`<span class="owner-edit" data-edit="/admin/pages/${pageId}"></span>`);
    // The link leads where it says for the owner, and to the sign-in page for anyone else.
    expect((await t.get(`/admin/edit/${note.id}`, { Cookie: admin.cookie })).status).toBe(200);
    expect((await t.get(`/admin/pages/${pageId}`, { Cookie: admin.cookie })).status).toBe(200);
    const refused = await t.get(`/admin/edit/${note.id}`);
    expect(refused.status).toBe(303);
    expect(refused.headers.get('location')).toMatch(/^\/auth\/login/);
  });

  it('list pages carry no Edit link', async () => {
    t.notes.createNote({ slug: 'hello', content: 'Hello there.', tags: ['one'] });
    expect(await (await t.get('/')).text()).not.toContain('owner-edit');
    expect(await (await t.get('/tag/one')).text()).not.toContain('owner-edit');
  });

  it('sign-in sets the hint cookie (readable by the script, no secret); sign-out clears it; an admin page adds it to an older session', async () => {
    const auth = t.app.services.auth;
    await auth.setPassword('correct horse battery staple');
    const res = await t.request('/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ password: 'correct horse battery staple', next: '/admin' }).toString(),
    });
    expect(res.status).toBe(303);
    const cookies = res.headers.getSetCookie();
    const hint = cookies.find((c) => c.startsWith('starpunk_owner='));
    expect(hint).toMatch(/^starpunk_owner=1; Max-Age=\d+; Path=\/; SameSite=Lax$/);
    expect(hint).not.toMatch(/HttpOnly/i);
    const session = cookies.find((c) => c.startsWith('starpunk_session='))!;
    expect(session).toMatch(/HttpOnly/);
    const cookie = session.split(';')[0]!;

    // A session from before the hint existed gets one on its next admin page…
    const dash = await t.get('/admin', { Cookie: cookie });
    expect(dash.status).toBe(200);
    expect(dash.headers.getSetCookie().some((c) => c.startsWith('starpunk_owner=1;'))).toBe(true);
    // …and not again once it has it.
    const again = await t.get('/admin', { Cookie: `${cookie}; starpunk_owner=1` });
    expect(again.headers.getSetCookie().some((c) => c.startsWith('starpunk_owner='))).toBe(false);
    // A visitor's hint cookie alone opens nothing.
    expect((await t.get('/admin', { Cookie: 'starpunk_owner=1' })).status).toBe(303);

    const html = await (await t.get('/admin', { Cookie: cookie })).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    const out = await t.request('/auth/logout', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookie },
      body: new URLSearchParams({ _csrf: csrf }).toString(),
    });
    expect(out.headers.getSetCookie().some((c) => /^starpunk_owner=; Max-Age=0/.test(c))).toBe(true);
  });

  it('the script that shows it is served, and only reveals links when the hint is there', async () => {
    const res = await t.get('/static/site.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const js = await res.text();
    expect(js).toContain('starpunk_owner=1');
    expect(js).toContain("querySelectorAll('.owner-edit[data-edit]')");
  });
});
