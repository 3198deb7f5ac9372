/**
 * Issue 25 item 10: a plain HTML Follow page. The site's navigation links /follow (no longer the
 * XSLT-styled /feed.rss); the page gives each feed's address with a copy button, says what a feed
 * reader is, and names the Mastodon and Bluesky accounts that get copies when any is connected;
 * features can add other ways to follow (the fediverse handle). The feeds stay feeds.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateCustomSlug } from '../../src/notes/slug.js';
import { createMastodonAdapter } from '../../src/syndication/mastodon/adapter.js';
import { renderFollowPage } from '../../src/views/follow.js';
import { signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { connectMastodon, type FakeMastodon, startFakeMastodon } from '../helpers/mastodon.js';
import { parseWithMf2py } from '../helpers/settings.js';

let t: TestApp;
beforeEach(() => {
  t = createTestApp({ SITE_NAME: 'Ada & Co' });
});
afterEach(() => t.close());

describe('the Follow page', () => {
  it('every page links it as Follow; the navigation no longer sends readers to a feed', async () => {
    t.notes.createNote({ slug: 'n', content: 'A note', tags: ['x'] });
    for (const path of ['/', '/notes/n', '/tag/x', '/search', '/follow']) {
      const html = await (await t.get(path)).text();
      expect(html, path).toContain('<li><a href="/follow">Follow</a></li>');
      expect(html, path).not.toContain('<a href="/feed.rss">');
    }
  });

  it('gives each feed address with a copy button, explains feed readers, and says nothing of accounts when none is connected', async () => {
    const res = await t.get('/follow');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    expect(html).toContain('<title>Follow · Ada &amp; Co</title>');
    expect(html).toContain('<h1>Follow Ada &amp; Co</h1>');
    expect(html).toContain('<link rel="canonical" href="http://example.test/follow"/>');
    for (const [id, url] of [
      ['feed-rss', 'http://example.test/feed.rss'],
      ['feed-atom', 'http://example.test/feed.atom'],
      ['feed-json', 'http://example.test/feed.json'],
    ]) {
      expect(html).toContain(`<input id="${id}" type="text" readonly="" value="${url}" spellcheck="false"/>`);
      expect(html).toContain(`<button type="button" data-copy="${id}" hidden="">Copy`);
      expect(html).toContain(`<span id="${id}-status" class="copy-status" role="status"></span>`);
    }
    expect(html).toContain('A feed reader (such as NetNewsWire');
    expect(html).not.toContain('On Mastodon and Bluesky');
    // The site's own fediverse address is there exactly where ActivityPub runs (Node.js 22+).
    const handle = t.app.services.activityPub.handle();
    if (handle) expect(html).toContain(handle);
    else expect(html).not.toContain('From the fediverse');
    // Microformats: the page still carries the site's representative h-card.
    const mf = parseWithMf2py(html, 'http://example.test/follow');
    expect(mf.items.some((i) => i.type.includes('h-card'))).toBe(true);
    // Revalidated by its bytes.
    const etag = res.headers.get('etag')!;
    expect((await t.get('/follow', { 'If-None-Match': etag })).status).toBe(304);
  });

  it('names the connected Mastodon account, and forgets it once disconnected', async () => {
    const masto: FakeMastodon = await startFakeMastodon();
    try {
      t.app.services.syndication.register(createMastodonAdapter({ fetch: globalThis.fetch, pollMs: 5 }));
      const admin = await signIn(t);
      const before = (await t.get('/follow')).headers.get('etag');
      expect((await connectMastodon(t, admin, masto)).status).toBe(303);
      const res = await t.get('/follow', { 'If-None-Match': before! });
      expect(res.status).toBe(200);
      const html = await res.text();
      const host = new URL(masto.url).host;
      expect(html).toContain('<h2 id="follow-accounts">On Mastodon and Bluesky</h2>');
      expect(html).toContain(`<li>Mastodon: <a href="${masto.url}@ada">@ada@${host}</a></li>`);
      const account = t.app.services.syndication.listAccounts()[0]!;
      t.app.services.syndication.disconnect(account.id);
      expect(t.app.services.syndication.listAccounts()).toEqual([]);
      expect(await (await t.get('/follow')).text()).not.toContain('follow-accounts');
    } finally {
      await masto.close();
    }
  });

  it('shows other ways to follow a feature offers (a fediverse handle), first, with a copy button', async () => {
    const site = t.app.services.site.current();
    const html = renderFollowPage({
      site: site.page,
      url: 'http://example.test/follow',
      feeds: [{ id: 'feed-rss', label: 'RSS', url: 'http://example.test/feed.rss', note: 'n' }],
      accounts: [{ service: 'Bluesky', handle: '@ada.test', url: 'https://bsky.app/profile/ada.test' }],
      otherWays: [
        {
          label: 'Fediverse',
          value: '@ada@example.test',
          description: 'Search for it in Mastodon <or> any fediverse app.',
        },
      ],
    });
    expect(html).toContain('<h2 id="follow-other">From the fediverse and elsewhere</h2>');
    expect(html).toContain('value="@ada@example.test"');
    expect(html).toContain('data-copy="follow-way-0"');
    expect(html).toContain('Search for it in Mastodon &lt;or&gt; any fediverse app.');
    expect(html.indexOf('follow-other')).toBeLessThan(html.indexOf('follow-feeds'));
    expect(html).toContain('<li>Bluesky: <a href="https://bsky.app/profile/ada.test">@ada.test</a></li>');
  });

  it('the feeds stay feeds', async () => {
    t.notes.createNote({ content: 'A note' });
    expect((await t.get('/feed.rss')).headers.get('content-type')).toMatch(/^application\/rss\+xml/);
    expect((await t.get('/feed.atom')).headers.get('content-type')).toMatch(/^application\/atom\+xml/);
    expect((await t.get('/feed.json')).headers.get('content-type')).toMatch(/^application\/feed\+json/);
  });

  it('"follow" is reserved for new pages; a page made there before keeps its address', async () => {
    expect(validateCustomSlug('follow').ok).toBe(false);
    // Written straight to the table, as an older version could have.
    t.db
      .prepare(
        `INSERT INTO pages (title, slug, content, content_html, published, menu_order, created_at, updated_at)
         VALUES ('Follow me', 'follow', 'x', '<p>My own follow page.</p>', 1, NULL, '2026-01-01 00:00:00', '2026-01-01 00:00:00')`,
      )
      .run();
    const html = await (await t.get('/follow')).text();
    expect(html).toContain('<p>My own follow page.</p>');
    expect(html).not.toContain('feed-rss');
  });
});
