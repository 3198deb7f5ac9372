/**
 * The moderation queue: mentions from new sources wait; the owner approves, rejects, blocks a
 * domain or allows it always, or turns on auto-approval. Behind the admin session and CSRF.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Admin, postForm, signIn } from '../helpers/admin.js';
import type { TestApp } from '../helpers/app.js';
import {
  createWebmentionApp,
  drain,
  publishNote,
  replyPage,
  type SourceSite,
  sendWebmention,
  startSourceSite,
  storedMention,
} from '../helpers/webmention.js';

let alice: SourceSite;
let spam: SourceSite;
let t: TestApp;
let admin: Admin;
beforeAll(async () => {
  alice = await startSourceSite('blog.alice.example');
  spam = await startSourceSite('www.spam.example');
});
afterAll(async () => {
  await alice.remote.close();
  await spam.remote.close();
});
beforeEach(async () => {
  for (const s of [alice, spam]) {
    s.pages.clear();
    s.requests.length = 0;
  }
  t = createWebmentionApp([alice, spam]);
  admin = await signIn(t);
});
afterEach(() => t.close());

async function mention(site: SourceSite, path: string, target: string): Promise<number> {
  site.pages.set(path, { body: replyPage(target, { content: `Reply at ${path}` }) });
  expect((await sendWebmention(t, site.url(path), target)).status).toBe(201);
  await drain(t);
  return storedMention(t, site.url(path), target)!.id;
}

const notePage = async () => (await t.get('/notes/hello')).text();

describe('the moderation screen', () => {
  it('is for the signed-in admin only, and its forms need the CSRF token', async () => {
    const page = await t.get('/admin/webmentions');
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toMatch(/^\/auth\/login\?next=/);
    const note = publishNote(t, 'Hello', 'hello');
    const id = await mention(alice, '/r', note.url);
    const anonymous = await t.request(`/admin/webmentions/${id}/approve`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'filter=pending',
    });
    expect(anonymous.status).toBe(401);
    const forged = await postForm(t, admin, `/admin/webmentions/${id}/approve`, { _csrf: 'forged' });
    expect(forged.status).toBe(403);
    expect(storedMention(t, alice.url('/r'), note.url)!.moderation).toBe('pending');
  });

  it('lists waiting mentions (escaped) and approves one: it shows under the note', async () => {
    const note = publishNote(t, 'Hello', 'hello');
    const id = await mention(alice, '/r', note.url);
    const html = await (await t.get('/admin/webmentions', { Cookie: admin.cookie })).text();
    expect(html).toContain('<a href="/admin/webmentions">Webmentions <span class="nav-count">1</span>');
    expect(html).toContain('Reply at /r');
    expect(html).toContain(`action="/admin/webmentions/${id}/approve"`);
    expect(await notePage()).not.toContain('Reply at /r');

    const res = await postForm(t, admin, `/admin/webmentions/${id}/approve`, { filter: 'pending' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/webmentions?filter=pending&flash=approved');
    expect(await notePage()).toContain('Reply at /r');
    const after = await (await t.get(res.headers.get('location')!, { Cookie: admin.cookie })).text();
    expect(after).toContain('Webmention approved');
    expect(after).toContain('Nothing waits for you.');

    await postForm(t, admin, `/admin/webmentions/${id}/reject`, { filter: 'approved' });
    expect(await notePage()).not.toContain('Reply at /r');
  });

  it('an update of an approved mention stays approved; of a rejected one stays rejected', async () => {
    const note = publishNote(t, 'Hello', 'hello');
    const a = await mention(alice, '/a', note.url);
    const b = await mention(alice, '/b', note.url);
    await postForm(t, admin, `/admin/webmentions/${a}/approve`, {});
    await postForm(t, admin, `/admin/webmentions/${b}/reject`, {});
    await mention(alice, '/a', note.url);
    await mention(alice, '/b', note.url);
    expect(storedMention(t, alice.url('/a'), note.url)!.moderation).toBe('approved');
    expect(storedMention(t, alice.url('/b'), note.url)!.moderation).toBe('rejected');
  });

  it('blocking a domain rejects its mentions (subdomains included) and stops fetching it', async () => {
    const note = publishNote(t, 'Hello', 'hello');
    const id = await mention(spam, '/1', note.url);
    const res = await postForm(t, admin, `/admin/webmentions/${id}/block-domain`, { filter: 'pending' });
    expect(res.headers.get('location')).toMatch(/flash=blocked/);
    expect(storedMention(t, spam.url('/1'), note.url)!.moderation).toBe('rejected');
    const rules = await (await t.get('/admin/webmentions', { Cookie: admin.cookie })).text();
    expect(rules).toMatch(/<td>spam\.example<\/td>\s*<td>blocked<\/td>/);

    spam.requests.length = 0;
    spam.pages.set('/2', { body: replyPage(note.url) });
    const again = await sendWebmention(t, spam.url('/2'), note.url);
    expect(again.status).toBe(201);
    await drain(t);
    expect(spam.requests).toEqual([]);
    const status = await (await t.get(new URL(again.headers.get('location')!).pathname)).json();
    expect(status).toMatchObject({ status: 'rejected' });
  });

  it('allowing a domain always approves what waits from it and what comes next', async () => {
    const note = publishNote(t, 'Hello', 'hello');
    const first = await mention(alice, '/1', note.url);
    const second = await mention(alice, '/2', note.url);
    await postForm(t, admin, `/admin/webmentions/${first}/allow-domain`, {});
    expect(storedMention(t, alice.url('/2'), note.url)!.id).toBe(second);
    expect(storedMention(t, alice.url('/2'), note.url)!.moderation).toBe('approved');
    await mention(alice, '/3', note.url);
    expect(storedMention(t, alice.url('/3'), note.url)!.moderation).toBe('approved');
    expect(await notePage()).toContain('Reply at /3');
    // Rules can be removed again; what was approved stays.
    await postForm(t, admin, '/admin/webmentions/domains/remove', { domain: 'blog.alice.example' });
    await mention(alice, '/4', note.url);
    expect(storedMention(t, alice.url('/4'), note.url)!.moderation).toBe('pending');
  });

  it('domain rules by hand: a bad domain is a 400 page', async () => {
    const bad = await postForm(t, admin, '/admin/webmentions/domains', {
      domain: 'http://x/y',
      rule: 'block',
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('Enter a domain name');
    const ok = await postForm(t, admin, '/admin/webmentions/domains', {
      domain: 'WWW.Example.COM',
      rule: 'allow',
    });
    expect(ok.status).toBe(303);
    expect(t.app.services.webmentionsReceived.moderation.listDomainRules()).toMatchObject([
      { domain: 'example.com', rule: 'allow' },
    ]);
  });

  it('auto-approval shows verified mentions at once', async () => {
    const note = publishNote(t, 'Hello', 'hello');
    const res = await postForm(t, admin, '/admin/webmentions/settings', { auto_approve: 'on' });
    expect(res.status).toBe(303);
    expect(t.app.services.webmentionsReceived.moderation.isAutoApprove()).toBe(true);
    await mention(alice, '/auto', note.url);
    expect(await notePage()).toContain('Reply at /auto');
    await postForm(t, admin, '/admin/webmentions/settings', {});
    expect(t.app.services.webmentionsReceived.moderation.isAutoApprove()).toBe(false);
  });

  it('an unknown mention id is a 404 page', async () => {
    expect((await postForm(t, admin, '/admin/webmentions/999/approve', {})).status).toBe(404);
    expect((await postForm(t, admin, '/admin/webmentions/abc/approve', {})).status).toBe(404);
  });

  it('names the note by its title or the start of its text, never its slug', async () => {
    const titled = t.notes.createNote({ content: 'Body.', name: 'Trains in November', slug: 'x7-q2' });
    const untitled = publishNote(t, 'An untitled thought about the garden at dusk', 'zz-9');
    await mention(alice, '/t', `http://example.test/notes/${titled.slug}`);
    await mention(alice, '/u', untitled.url);
    const html = await (await t.get('/admin/webmentions', { Cookie: admin.cookie })).text();
    expect(html).toContain('<a href="/notes/x7-q2">“Trains in November”</a>');
    expect(html).toContain('<a href="/notes/zz-9">“An untitled thought about the garden at dusk”</a>');
    expect(html).not.toMatch(/>x7-q2</);
    expect(html).not.toMatch(/>zz-9</);
  });

  it('the navigation and the dashboard say how many wait, in words a screen reader speaks', async () => {
    const none = await (await t.get('/admin', { Cookie: admin.cookie })).text();
    expect(none).not.toContain('nav-count');
    expect(none).not.toContain('waiting for your approval');
    const note = publishNote(t, 'Hello', 'hello');
    for (const path of ['/1', '/2', '/3']) await mention(alice, path, note.url);
    for (const path of ['/admin', '/admin/webmentions', '/admin/settings']) {
      const html = await (await t.get(path, { Cookie: admin.cookie })).text();
      expect(html, path).toContain(
        '<a href="/admin/webmentions">Webmentions <span class="nav-count">3</span><span class="visually-hidden"> waiting</span></a>',
      );
    }
    const dash = await (await t.get('/admin', { Cookie: admin.cookie })).text();
    expect(dash).toContain('3 Webmentions are waiting for your approval.');
    expect(dash).toContain('<a href="/admin/webmentions">Moderate them</a>');
    // Decided ones no longer count.
    const id = storedMention(t, alice.url('/1'), note.url)!.id;
    await postForm(t, admin, `/admin/webmentions/${id}/reject`, {});
    const after = await (await t.get('/admin', { Cookie: admin.cookie })).text();
    expect(after).toContain('<span class="nav-count">2</span>');
    expect(after).toContain('2 Webmentions are waiting for your approval.');
  });

  it('signing in lands on the dashboard, which says what waits', async () => {
    const note = publishNote(t, 'Hello', 'hello');
    await mention(alice, '/w', note.url);
    const fresh = await signIn(t);
    const landing = await t.get('/admin', { Cookie: fresh.cookie });
    const html = await landing.text();
    expect(html).toContain('1 Webmention is waiting for your approval.');
    expect(html).toContain('<span class="nav-count">1</span>');
  });

  it('"approve all" approves the waiting mentions the screen listed, not one that came after', async () => {
    const note = publishNote(t, 'Hello', 'hello');
    const a = await mention(alice, '/a', note.url);
    const b = await mention(alice, '/b', note.url);
    const html = await (await t.get('/admin/webmentions', { Cookie: admin.cookie })).text();
    expect(html).toContain('Approve all 2 waiting');
    const ids = /name="ids" value="([\d,]+)"/.exec(html)![1]!;
    expect(ids.split(',').map(Number).sort()).toEqual([a, b].sort());
    // One more arrives while the owner reads.
    await mention(alice, '/late', note.url);
    const forged = await postForm(t, admin, '/admin/webmentions/approve-all', { ids, _csrf: 'forged' });
    expect(forged.status).toBe(403);
    expect(storedMention(t, alice.url('/a'), note.url)!.moderation).toBe('pending');
    const res = await postForm(t, admin, '/admin/webmentions/approve-all', { ids, filter: 'pending' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/webmentions?filter=pending&flash=approved-all');
    expect(storedMention(t, alice.url('/a'), note.url)!.moderation).toBe('approved');
    expect(storedMention(t, alice.url('/b'), note.url)!.moderation).toBe('approved');
    expect(storedMention(t, alice.url('/late'), note.url)!.moderation).toBe('pending');
    expect(await notePage()).toContain('Reply at /a');
    // Nothing to approve, or junk: a 400 page, nothing changed.
    expect((await postForm(t, admin, '/admin/webmentions/approve-all', { ids: 'x,-1' })).status).toBe(400);
    expect(storedMention(t, alice.url('/late'), note.url)!.moderation).toBe('pending');
  });

  it('"approve and always allow" approves this mention (even a rejected one) and allows its domain', async () => {
    const note = publishNote(t, 'Hello', 'hello');
    const id = await mention(alice, '/r', note.url);
    await postForm(t, admin, `/admin/webmentions/${id}/reject`, {});
    const rejected = await (
      await t.get('/admin/webmentions?filter=rejected', { Cookie: admin.cookie })
    ).text();
    expect(rejected).toContain('Approve and always allow blog.alice.example');
    const res = await postForm(t, admin, `/admin/webmentions/${id}/allow-domain`, { filter: 'rejected' });
    expect(res.headers.get('location')).toBe('/admin/webmentions?filter=rejected&flash=allowed');
    expect(storedMention(t, alice.url('/r'), note.url)!.moderation).toBe('approved');
    expect(t.app.services.webmentionsReceived.moderation.listDomainRules()).toMatchObject([
      { domain: 'blog.alice.example', rule: 'allow' },
    ]);
    expect(await notePage()).toContain('Reply at /r');
  });
});
