/**
 * The Webmention moderation flow in a real Chromium against a real server, at 1280 and 390 px:
 * verified mentions wait in the queue; the owner approves one, rejects one, blocks a domain and
 * allows another always; approved ones appear under the note. axe: no serious violations.
 *
 * The server's outbound fetch refuses loopback (no ALLOWED_PRIVATE_ADDRESSES on this branch), so
 * the mentions are written into its database the way verification stores them, through a second
 * connection (as other tests write beside a running server).
 */
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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

let site: Site;
let db: Db;
let context: BrowserContext;
let page: Page;
let errors: string[];
let noteUrl: string;

function addMention(source: string, content: Partial<MentionContent>): void {
  const store = webmentionsStore(db);
  const now = new Date().toISOString();
  const row = store.insertWebmention({
    source,
    target: noteUrl,
    source_host: new URL(source).hostname,
    note_id: 1,
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
  site = await startSite('webmention');
  const data = join(site.dir, 'data');
  db = openDatabase(join(data, 'starpunk.db'));
  const notes = createNoteService({ db, notesPath: join(data, 'notes'), clock: systemClock });
  const note = notes.createNote({
    content: 'A note that other sites answer.',
    name: 'Answered',
    slug: 'answered',
  });
  // What senders target: the note's URL under the server's SITE_URL (the default).
  noteUrl = `http://localhost:8000/notes/${note.slug}`;
  addMention('https://alice.example/replies/1', {
    author_name: 'Alice Example',
    author_url: 'https://alice.example/',
    content_html:
      '<p>What a <em>lovely</em> note — <a href="https://alice.example/more" rel="nofollow ugc">more</a></p>',
    content_text: 'What a lovely note — more',
  });
  addMention('https://bob.example/likes/1', { kind: 'like', author_name: 'Bob' });
  addMention('https://www.spam.example/buy-now', {
    author_name: 'Cheap Pills',
    content_text: `Buy now ${'very '.repeat(40)}cheap`,
  });
  addMention('https://carol.example/reposts/1', { kind: 'repost', author_name: 'Carol' });
});
afterAll(async () => {
  db?.close();
  await site?.stop();
});
beforeEach(async () => {
  context = await site.browser.newContext();
  page = await context.newPage();
  errors = watchErrors(page);
});
afterEach(async () => {
  await context.close();
});

/** The queue row of the mention from this source. */
const row = (source: string) => page.locator('.webmention-table tbody tr', { hasText: source });

async function check(width: number, what: string): Promise<void> {
  expect(await seriousViolations(page), `${what} at ${width}px`).toEqual([]);
  const fit = await horizontalFit(page);
  expect(
    fit.scrollWidth,
    `${what} at ${width}px: ${(await overflowingElements(page)).join(', ')}`,
  ).toBeLessThanOrEqual(fit.innerWidth);
}

describe('moderating Webmentions in a real browser', () => {
  it('approves, rejects, blocks and allows, at 1280 and 390 px, and the note shows what was approved', async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await signIn(page, site);
    await page.getByRole('link', { name: 'Webmentions 4 waiting', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/admin/webmentions');
    expect(await page.locator('h1').textContent()).toBe('Webmentions');
    expect(await page.locator('.webmention-table tbody tr').count()).toBe(4);
    await check(1280, 'the queue');

    // Approve Alice's reply.
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('flash') === 'approved'),
      row('alice.example').getByRole('button', { name: 'Approve', exact: true }).click(),
    ]);
    expect(await page.getByRole('status').textContent()).toContain('Webmention approved');
    expect(await row('alice.example').count()).toBe(0);

    // Block the spammer's domain.
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('flash') === 'blocked'),
      row('spam.example').getByRole('button', { name: 'Block spam.example' }).click(),
    ]);
    expect(await row('spam.example').count()).toBe(0);

    // Reject Carol's repost; always allow Bob's domain (approving his like).
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('flash') === 'rejected'),
      row('carol.example').getByRole('button', { name: 'Reject' }).click(),
    ]);
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('flash') === 'allowed'),
      row('bob.example').getByRole('button', { name: 'Approve and always allow bob.example' }).click(),
    ]);
    expect(await page.locator('.notice').first().textContent()).toBe('Nothing waits for you.');
    const rules = page.locator('table.admin-table').last();
    expect(await rules.textContent()).toContain('spam.example');
    expect(await rules.textContent()).toContain('bob.example');

    // The rejected list, on a phone.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('link', { name: /^Rejected/ }).click();
    await page.waitForURL((u) => u.searchParams.get('filter') === 'rejected');
    expect(await page.locator('.webmention-table tbody tr').count()).toBe(2);
    await check(390, 'the rejected list');

    // Auto-approval, through the form.
    await page.getByLabel(/Show verified Webmentions at once/).check();
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('flash') === 'saved'),
      page.getByRole('button', { name: 'Save', exact: true }).click(),
    ]);
    expect(await page.getByLabel(/Show verified Webmentions at once/).isChecked()).toBe(true);

    // The note page: Alice's reply as a comment, Bob's like as a face; no rejected one.
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(site.url('/notes/answered'));
      const responses = page.locator('#responses');
      expect(await responses.locator('.p-comment .e-content em').textContent()).toBe('lovely');
      expect(await responses.locator('.p-comment .p-author .p-name').textContent()).toBe('Alice Example');
      expect(await responses.locator('.p-like').count()).toBe(1);
      expect(await responses.locator('.p-like img').getAttribute('alt')).toBe('Bob');
      expect(await responses.locator('.p-repost').count()).toBe(0);
      expect(await responses.textContent()).not.toContain('Cheap Pills');
      // Avatars come from this site.
      for (const img of await responses.locator('img').all())
        expect(await img.getAttribute('src')).toMatch(/^\/webmention\/avatar\//);
      await check(width, 'the note page');
    }
    // The home page counts.
    await page.goto(site.url('/'));
    expect(await page.locator('.response-counts').textContent()).toBe('1 reply · 1 like');
    expect(errors).toEqual([]);
  });
});
