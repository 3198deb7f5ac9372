/**
 * Syndication accounts, connected in Chromium as the owner does: Mastodon first (OAuth round
 * trip through the loopback server), then Bluesky (handle, app password, the PDS's address). The
 * order matters to the cross-site step: a second site connecting in the same order gets the same
 * account ids, so its note 1 meets site 1's note 1 under any key made of those ids.
 */
import { expect } from 'vitest';
import { BSKY } from '../fakes.js';
import type { Recording } from '../record.js';
import { open, type Part, submit, type World } from '../world.js';

export const accounts: Part = {
  name: 'syndication accounts',

  async build(w: World) {
    const page = await open(w, '/admin/syndication');
    await page.getByLabel("Your server's address").fill(w.mastodon.url);
    await submit(
      w,
      'Connect Mastodon',
      (u) => u.pathname === '/admin/syndication' && u.search === '?flash=connected',
    );
    await page.locator('#bluesky-handle').fill(`@${BSKY.handle}`);
    await page.locator('#bluesky-password').fill(BSKY.password);
    await page.locator('#bluesky-service').fill(w.pds.url);
    await submit(
      w,
      'Connect Bluesky',
      (u) => u.pathname === '/admin/syndication' && u.search === '?flash=connected',
    );
    const targets = await w.site.targets(w.token);
    expect(Object.keys(targets).sort()).toEqual(['Bluesky', 'Mastodon']);
    w.made.mastodonUid = targets.Mastodon!;
    w.made.blueskyUid = targets.Bluesky!;
  },

  snapshot(_w, r) {
    r.admin('/admin/syndication');
  },

  check(rec: Recording, w: World) {
    const page = rec.get('ADMIN /admin/syndication')?.body ?? '';
    expect
      .soft(page, 'the Mastodon account is connected')
      .toContain(`@ada@${new URL(w.mastodon.url).host} on Mastodon`);
    expect.soft(page, 'the Bluesky account is connected').toContain(`@${BSKY.handle} on Bluesky`);
  },
};
