/**
 * Webmentions both ways between two real StarPunk sites on loopback. Sent: the posts part's
 * reply, like, bookmark, repost and the article's link reach the neighbour. Received: the
 * neighbour replies to the first note, likes the article and mentions the photo post (its own
 * runner sends them to POST /webmention); the site verifies them, caches the author's photo,
 * and the owner approves the reply and the mention in Chromium and leaves the like waiting.
 */
import { expect } from 'vitest';
import { waitFor } from '../harness.js';
import type { Recording } from '../record.js';
import { bodyOf, open, type Part, type World } from '../world.js';
import { idsIn, RESPONSES } from './posts.js';

export const webmentions: Part = {
  name: 'webmentions',

  async build(w: World) {
    const b = w.partner;
    const m = w.made;
    m.bReplyBack = w.partner.url(
      await b.publish(w.partnerToken, {
        'in-reply-to': [w.site.url('/notes/first-light')],
        content: ['Welcome to the IndieWeb, neighbour!'],
        'mp-slug': ['welcome'],
      }),
    );
    m.bLikeBack = w.partner.url(
      await b.publish(w.partnerToken, {
        'like-of': [w.site.url('/notes/looms-and-me')],
        'mp-slug': ['liked-looms'],
      }),
    );
    m.bMentionBack = w.partner.url(
      await b.publish(w.partnerToken, {
        content: [`Look at these pictures: ${w.site.url('/notes/two-pictures')}`],
        'mp-slug': ['look'],
      }),
    );
    // Verified mentions wait for the owner.
    await waitFor(
      'three verified mentions waiting',
      async () =>
        /Waiting <span class="count">3<\/span>/.test(
          await (await w.site.admin('/admin/webmentions?filter=pending')).text(),
        ),
      60_000,
    );
    const p = await open(w, '/admin/webmentions?filter=pending');
    for (const text of ['Welcome to the IndieWeb', 'Look at these pictures']) {
      await Promise.all([
        p.waitForURL((u) => u.searchParams.get('flash') !== null),
        p.locator('tr', { hasText: text }).getByRole('button', { name: 'Approve', exact: true }).click(),
      ]);
    }
    // The neighbour got every Webmention the site sent (it verifies them on its side).
    await waitFor(
      'the neighbour to have verified what the site sent',
      async () => {
        const html = await (await b.admin('/admin/webmentions?filter=pending')).text();
        return Number(/Waiting <span class="count">(\d+)<\/span>/.exec(html)?.[1] ?? 0) >= 5;
      },
      60_000,
    );
  },

  snapshot(_w, r) {
    for (const f of ['pending', 'approved', 'rejected', 'all']) r.admin(`/admin/webmentions?filter=${f}`);
  },

  check(rec: Recording, w: World) {
    const pending = rec.get('ADMIN /admin/webmentions?filter=pending')?.body ?? '';
    expect.soft(/Waiting <span class="count">(\d+)<\/span>/.exec(pending)?.[1], 'mentions waiting').toBe('1');
    // Two approved here, and the responses other parts brought approved (an import's comments).
    expect
      .soft(/Approved <span class="count">(\d+)<\/span>/.exec(pending)?.[1], 'mentions approved')
      .toBe(String(2 + Number(w.made.approvedResponsesImported ?? 0)));
    const first = bodyOf(rec, '/notes/first-light');
    expect
      .soft(first, 'the approved reply shows under the note')
      .toContain('Welcome to the IndieWeb, neighbour!');
    expect
      .soft(bodyOf(rec, '/notes/two-pictures'), 'the approved mention shows under the note')
      .toContain(w.made.bMentionBack);
    expect
      .soft(bodyOf(rec, '/notes/looms-and-me'), 'a waiting like is not shown')
      .not.toContain(w.made.bLikeBack);
    // The replier's photo, cached by the site, answers.
    const avatar = /src="(\/webmention\/avatar\/[0-9a-f]{64})"/.exec(first)?.[1];
    expect.soft(avatar, 'the reply shows its author photo from the cache').toBeTruthy();
    if (avatar) expect.soft(rec.page(avatar)?.status, `cached author photo ${avatar}`).toBe(200);
  },
};

/**
 * What the site sent: the posts part's responses and the article's link reached the neighbour,
 * as each note's "Webmentions sent" page tells. A delivery log of this site, which an export does
 * not carry (a fresh import has sent nothing).
 */
export const webmentionsSent: Part = {
  name: 'webmentions sent',

  async build() {
    // The posts part made them; the webmentions part waited for the neighbour to have them.
  },

  check(rec: Recording) {
    const ids = idsIn(rec);
    for (const slug of [...RESPONSES.map((r) => r.path.slice('/notes/'.length)), 'looms-and-me']) {
      const sent = rec.get(`ADMIN /admin/notes/${ids[slug]}/webmentions`)?.body ?? '';
      expect.soft(sent, `the Webmention sent by ${slug}`).toMatch(/Sent: HTTP 20[012]/);
    }
  },
};
