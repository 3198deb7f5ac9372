/**
 * The Follow page and the author card on every page name the site's fediverse address where
 * ActivityPub runs (Node.js 22 and later), and say nothing of it where it cannot run.
 */
import { describe, expect, test } from 'vitest';
import { activityPubSupport } from '../../src/activitypub/support.js';
import { postForm, signIn } from '../helpers/admin.js';
import { createTestApp } from '../helpers/app.js';

const support = activityPubSupport();

describe(`the Follow page on Node.js ${process.versions.node}`, () => {
  if (support.enabled) {
    test('shows @username@host, and follows a new username', async () => {
      const t = createTestApp();
      try {
        const host = new URL(t.config.siteUrl).host;
        const before = await (await t.get('/follow')).text();
        const handle = t.app.services.activityPub.handle();
        expect(handle).toMatch(new RegExp(`^@[a-z0-9_]+@${host.replace('.', '\\.')}$`));
        expect(before).toContain(handle!);
        expect(before).toContain('In the fediverse');
        const home = await (await t.get('/')).text();
        expect(home).toContain(`In the fediverse: <a href="/follow">${handle}</a>`);
        const admin = await signIn(t);
        const saved = await postForm(t, admin, '/admin/activitypub/settings', { username: 'ada' });
        expect(saved.status).toBeLessThan(400);
        expect(await (await t.get('/follow')).text()).toContain(`@ada@${host}`);
        // Every page's author card follows at once (the site context's version moved).
        expect(await (await t.get('/')).text()).toContain(`<a href="/follow">@ada@${host}</a>`);
      } finally {
        t.close();
      }
    });
  } else {
    test('names no fediverse address while ActivityPub is off', async () => {
      const t = createTestApp();
      try {
        expect(t.app.services.activityPub.handle()).toBeUndefined();
        const html = await (await t.get('/follow')).text();
        expect(html).not.toContain('In the fediverse');
        expect(html).toContain('/feed.rss');
        expect(await (await t.get('/')).text()).not.toContain('In the fediverse');
      } finally {
        t.close();
      }
    });
  }
});
