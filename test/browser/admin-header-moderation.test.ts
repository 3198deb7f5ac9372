/**
 * Issue #25, items 7, 8 and 9, in a real Chromium at 1280 and 390 px, light and dark:
 * - the admin navigation and the dashboard (where signing in lands) say how many Webmentions wait,
 *   as a visible number that a screen reader hears as "Webmentions 4 waiting";
 * - the moderation screen names each mention's note by its title or the start of its text, and
 *   approves them all, or one with its domain allowed always, in one step;
 * - the admin header stays on two tidy lines at 1280 px (the site's name with "View site" and
 *   "Sign out"; the sections), and at 390 px no item breaks inside or sticks out.
 * axe finds no serious violation on any of them.
 *
 * The mentions are written into the server's database the way verification stores them, through a
 * second connection (the server's outbound fetch refuses loopback sources).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { type Db, openDatabase } from '../../src/db/open.js';
import { type MentionContent, webmentionsStore } from '../../src/db/store/webmentions.js';
import { createNoteService } from '../../src/notes/service.js';
import {
  horizontalFit,
  overflowingElements,
  type Site,
  seriousViolations,
  signIn,
  startSite,
  watchErrors,
} from './setup.js';

const SHOTS = '/tmp/starpunk-shots';
const WIDTHS = [1280, 390] as const;
const SCHEMES = ['light', 'dark'] as const;

let site: Site;
let db: Db;

function addMention(source: string, noteId: number, slug: string, content: Partial<MentionContent>): void {
  const store = webmentionsStore(db);
  const now = new Date().toISOString();
  const row = store.insertWebmention({
    source,
    target: `http://localhost:8000/notes/${slug}`,
    source_host: new URL(source).hostname,
    note_id: noteId,
    status_token: `browser-${Math.random().toString(36).slice(2)}-token`,
    state: 'queued',
    detail: null,
    moderation: 'pending',
    now,
  });
  store.updateContent(
    row.id,
    {
      kind: 'reply',
      rsvp: null,
      url: source,
      author_name: null,
      author_url: null,
      author_photo: null,
      published_at: '2026-11-27T10:00:00.000Z',
      content_html: null,
      content_text: null,
      in_reply_to: '[]',
      ...content,
    },
    'pending',
    now,
  );
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  site = await startSite('header');
  const data = join(site.dir, 'data');
  db = openDatabase(join(data, 'starpunk.db'));
  const notes = createNoteService({ db, notesPath: join(data, 'notes'), clock: systemClock });
  const titled = notes.createNote({
    content: 'Notes on the night trains.',
    name: 'Night trains',
    slug: 'n-1',
  });
  const untitled = notes.createNote({
    content: 'The garden after the first frost, and what survived it this year.',
    slug: 'n-2',
  });
  addMention('https://alice.example/replies/1', titled.id, titled.slug, {
    author_name: 'Alice Example',
    content_text: 'I took the one to Vienna last winter. Lovely.',
  });
  addMention('https://bob.example/likes/1', titled.id, titled.slug, { kind: 'like', author_name: 'Bob' });
  addMention('https://carol.example/r/9', untitled.id, untitled.slug, {
    author_name: 'Carol',
    content_text: 'Our dahlias did not make it either.',
  });
  addMention('https://dave.example/reposts/3', untitled.id, untitled.slug, {
    kind: 'repost',
    author_name: 'Dave',
  });
});
afterAll(async () => {
  db?.close();
  await site?.stop();
});

/** The rectangles an element's text is laid out in: more than one means it wrapped. */
function lineBoxes(page: Page, selector: string): Promise<{ text: string; lines: number; top: number }[]> {
  return page.evaluate(`[...document.querySelectorAll(${JSON.stringify(selector)})].map((el) => {
    const rects = [...el.getClientRects()].filter((r) => r.width > 0);
    const tops = new Set(rects.map((r) => Math.round(r.top)));
    return { text: el.textContent.trim(), lines: tops.size, top: Math.round(el.getBoundingClientRect().top) };
  })`);
}

async function fitsAndPasses(page: Page, what: string): Promise<void> {
  const violations = await seriousViolations(page);
  expect(violations, `axe on ${what}:\n${violations.join('\n')}`).toEqual([]);
  const fit = await horizontalFit(page);
  expect(fit.scrollWidth, `${what}: ${(await overflowingElements(page)).join(', ')}`).toBeLessThanOrEqual(
    fit.innerWidth,
  );
}

describe('the admin header and the waiting count', () => {
  for (const scheme of SCHEMES) {
    for (const width of WIDTHS) {
      it(`${scheme}, ${width} px: the count after signing in, the header on tidy lines`, async () => {
        const context = await site.browser.newContext({
          viewport: { width, height: 900 },
          colorScheme: scheme,
        });
        const page = await context.newPage();
        const errors = watchErrors(page);
        try {
          await signIn(page, site);
          // The landing after sign-in says what waits, and the navigation carries the count.
          expect(await page.locator('.waiting-notice').textContent()).toBe(
            '4 Webmentions are waiting for your approval. Moderate them',
          );
          const nav = page.getByRole('navigation', { name: 'Admin' });
          const link = nav.getByRole('link', { name: 'Webmentions 4 waiting', exact: true });
          expect(await link.count()).toBe(1);
          expect(await link.locator('.nav-count').textContent()).toBe('4');
          // The number is text in the accent colours, readable in this scheme (axe checks contrast).
          await fitsAndPasses(page, `the dashboard (${scheme}, ${width} px)`);

          const sections = await lineBoxes(page, '.admin-nav a');
          const account = await lineBoxes(page, '.admin-account > a, .admin-account button');
          expect(sections.map((i) => i.text)).toEqual([
            'Notes',
            'New note',
            'Pages',
            'Media',
            'Webmentions 4 waiting',
            'Syndication',
            'Tokens',
            'Sessions',
            'ActivityPub',
            'Settings',
            'Import',
            'Health',
          ]);
          expect(account.map((i) => i.text)).toEqual(['View site', 'Sign out']);
          for (const i of [...sections, ...account]) expect(i.lines, `"${i.text}" is on one line`).toBe(1);
          const [title] = await lineBoxes(page, '.site-title');
          if (width === 1280) {
            // Two lines: the site's name with "View site" and "Sign out"; then every section.
            for (const a of account) expect(Math.abs(a.top - title!.top), a.text).toBeLessThanOrEqual(8);
            for (const s of sections) expect(s.top, s.text).toBe(sections[0]!.top);
            expect(sections[0]!.top).toBeGreaterThan(title!.top);
          }
          await page
            .locator('header')
            .screenshot({ path: join(SHOTS, `admin-header-${width}-${scheme}.png`) });
          expect(errors).toEqual([]);
        } finally {
          await context.close();
        }
      });
    }
  }
});

describe('the moderation screen', () => {
  it('names notes by title, shows at 1280 and 390 px in both schemes, and approves in one step', async () => {
    for (const scheme of SCHEMES) {
      for (const width of WIDTHS) {
        const context = await site.browser.newContext({
          viewport: { width, height: 900 },
          colorScheme: scheme,
        });
        const page = await context.newPage();
        const errors = watchErrors(page);
        try {
          await signIn(page, site);
          await page.getByRole('link', { name: 'Webmentions 4 waiting' }).click();
          await page.waitForURL((u) => u.pathname === '/admin/webmentions');
          const rows = page.locator('.webmention-table tbody tr');
          expect(await rows.count()).toBe(4);
          const targets = await page.locator('.webmention-table td p.help a').allTextContents();
          expect(targets.sort()).toEqual([
            '“Night trains”',
            '“Night trains”',
            '“The garden after the first frost, and what survived it this year.”',
            '“The garden after the first frost, and what survived it this year.”',
          ]);
          expect(await page.locator('.webmention-table').textContent()).not.toMatch(/\bn-[12]\b/);
          await fitsAndPasses(page, `moderation (${scheme}, ${width} px)`);
          await page.screenshot({ path: join(SHOTS, `moderation-${width}-${scheme}.png`), fullPage: true });
          expect(errors).toEqual([]);
        } finally {
          await context.close();
        }
      }
    }

    const context = await site.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    try {
      await signIn(page, site);
      await page.goto(site.url('/admin/webmentions'));
      const row = (host: string) => page.locator('.webmention-table tbody tr', { hasText: host });
      // Approve Carol's reply and allow her domain always, in one step.
      await Promise.all([
        page.waitForURL((u) => u.searchParams.get('flash') === 'allowed'),
        row('carol.example').getByRole('button', { name: 'Approve and always allow carol.example' }).click(),
      ]);
      expect(await page.getByRole('status').textContent()).toContain(
        'Approved, and its domain allowed always',
      );
      expect(await row('carol.example').count()).toBe(0);
      expect(await page.getByRole('link', { name: 'Webmentions 3 waiting' }).count()).toBe(1);
      // Approve the three left at once.
      await Promise.all([
        page.waitForURL((u) => u.searchParams.get('flash') === 'approved-all'),
        page.getByRole('button', { name: 'Approve all 3 waiting' }).click(),
      ]);
      expect(await page.locator('.notice').first().textContent()).toBe('Nothing waits for you.');
      // No count once nothing waits.
      expect(await page.getByRole('link', { name: 'Webmentions', exact: true }).count()).toBe(1);
      expect(await page.locator('.nav-count').count()).toBe(0);
      await page.goto(site.url('/notes/n-2'));
      expect(await page.locator('#responses').textContent()).toContain('Our dahlias did not make it either.');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
