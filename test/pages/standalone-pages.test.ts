import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RESERVED_SLUGS, SLUG_PATTERN, validateCustomSlug } from '../../src/notes/slug.js';
import { type Admin, postForm, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
let admin: Admin;
beforeEach(async () => {
  t = createTestApp();
  admin = await signIn(t);
});
afterEach(() => t.close());

const page = (fields: Record<string, string>) =>
  postForm(t, admin, '/admin/pages/new', { intent: 'save', published: '1', in_menu: '1', ...fields });

/** The site menu's links, in order. */
function menuOf(html: string): string[] {
  const nav = /<nav class="site-nav"[^>]*>([\s\S]*?)<\/nav>/.exec(html)?.[1] ?? '';
  return [...nav.matchAll(/<a href="([^"]+)"/g)].map((m) => m[1]!);
}

describe('page slugs never shadow a route', () => {
  it('every first path segment of every route is reserved or cannot be a slug', () => {
    const firsts = new Set<string>();
    for (const r of t.app.routes) {
      const first = r.path.split('/')[1] ?? '';
      if (first === '' || first.startsWith(':') || first === '*') continue;
      firsts.add(first);
    }
    expect(firsts.size).toBeGreaterThan(10);
    const open = [...firsts].filter((s) => SLUG_PATTERN.test(s) && !RESERVED_SLUGS.has(s));
    expect(open).toEqual([]);
    for (const s of firsts) expect(validateCustomSlug(s).ok).toBe(false);
  });

  it('refuses a reserved slug with a readable 400 and keeps the text', async () => {
    const res = await page({ title: 'Search me', slug: 'search', content: 'Kept text' });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('reserved');
    expect(html).toContain('Kept text');
    expect((await t.get('/search')).status).toBe(200);
  });

  it('refuses a second page with the same slug (409)', async () => {
    expect((await page({ title: 'About', content: 'one' })).status).toBe(303);
    expect((await page({ title: 'About', content: 'two' })).status).toBe(409);
  });
});

describe('standalone pages', () => {
  it('a page lives at /<slug>, rendered from Markdown, and is in none of the note lists', async () => {
    const res = await page({ title: 'About Me', content: 'I write **things**.\n\nSecond paragraph.' });
    expect(res.status).toBe(303);
    const about = await t.get('/about-me');
    expect(about.status).toBe(200);
    const html = await about.text();
    expect(html).toContain('<strong>things</strong>');
    expect(html).toContain('<link rel="canonical" href="http://example.test/about-me"/>');
    for (const path of [
      '/',
      '/feed.rss',
      '/feed.atom',
      '/feed.json',
      '/search?q=things',
      '/api/search?q=things',
    ]) {
      expect(await (await t.get(path)).text(), path).not.toContain('Second paragraph');
    }
  });

  it('a hidden page is 404, and an unknown slug is a 404 HTML page', async () => {
    await postForm(t, admin, '/admin/pages/new', { intent: 'save', title: 'Now', content: 'x' });
    expect((await t.get('/now')).status).toBe(404);
    const res = await t.get('/no-such-page');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('text/html');
  });

  it('the menu lists menu pages in the owner order; move up/down changes it at once', async () => {
    await page({ title: 'About', content: 'a' });
    await page({ title: 'Now', content: 'n' });
    await page({ title: 'Uses', content: 'u', in_menu: '' });
    const before = menuOf(await (await t.get('/')).text());
    expect(before.slice(-2)).toEqual(['/about', '/now']);
    expect(before).not.toContain('/uses');
    const now = t.app.services.pages.list().find((p) => p.slug === 'now')!;
    expect((await postForm(t, admin, `/admin/pages/${now.id}/move`, { by: '-1' })).status).toBe(303);
    for (const path of ['/', '/about', '/search']) {
      expect(menuOf(await (await t.get(path)).text()).slice(-2), path).toEqual(['/now', '/about']);
    }
    expect((await postForm(t, admin, `/admin/pages/${now.id}/move`, { by: '7' })).status).toBe(400);
  });

  it('editing keeps the address working at the new slug; deleting makes it 404', async () => {
    await page({ title: 'Colophon', content: 'first' });
    const p = t.app.services.pages.list()[0]!;
    const edit = await t.get(`/admin/pages/${p.id}`, { Cookie: admin.cookie });
    expect(await edit.text()).toContain('first');
    expect(
      (
        await postForm(t, admin, `/admin/pages/${p.id}`, {
          intent: 'save',
          title: 'Colophon',
          slug: 'colophon',
          content: 'second',
          published: '1',
        })
      ).status,
    ).toBe(303);
    expect(await (await t.get('/colophon')).text()).toContain('second');
    expect((await postForm(t, admin, `/admin/pages/${p.id}/delete`, {})).status).toBe(303);
    expect((await t.get('/colophon')).status).toBe(404);
  });

  it('the admin pages need a session and a CSRF token', async () => {
    expect((await t.get('/admin/pages')).status).toBeGreaterThanOrEqual(300);
    const res = await t.request('/admin/pages/new', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: admin.cookie },
      body: new URLSearchParams({ title: 'X', content: 'y', intent: 'save' }).toString(),
    });
    expect(res.status).toBe(403);
    expect(t.app.services.pages.list()).toEqual([]);
  });

  it('preview shows the rendered Markdown without saving', async () => {
    const res = await postForm(t, admin, '/admin/pages/new', {
      intent: 'preview',
      title: 'P',
      content: '_hi_',
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<em>hi</em>');
    expect(t.app.services.pages.list()).toEqual([]);
  });
});
