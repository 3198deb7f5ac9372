/**
 * Issue #16, item 4: the admin tables broke short words in the middle ("schedul/ed", "Stat/us",
 * "Revok/e", "End sessio/n"); on phones they dropped their column labels, so Issued and Expires
 * could not be told apart; and every row's "Move to trash" button had the same name for a screen
 * reader. Checked at 1280 and 390 px with long titles, client URLs and browser names.
 */
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { horizontalFit, type Site, seriousViolations, signIn, startSite, watchErrors } from './setup.js';

const SHOTS = '/tmp/starpunk-shots';
const LONG_TITLE = 'A rather long title about the weather, the trains and the garden in late November';
const LONG_CLIENT = 'https://a-micropub-client-with-a-long-name.example.com/clients/starpunk/instance-42';
const PHONE_UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8 Pro Build/UQ1A.240205.004) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Mobile Safari/537.36';

let site: Site;
let admin: BrowserContext;
let other: BrowserContext;

async function save(page: Page, fill: () => Promise<void>): Promise<void> {
  await page.goto(site.url('/admin/new'));
  await fill();
  await Promise.all([
    page.waitForURL((u) => /^\/admin\/edit\/\d+$/.test(u.pathname)),
    page.getByRole('button', { name: 'Save note' }).click(),
  ]);
}

beforeAll(async () => {
  site = await startSite('tables');
  admin = await site.browser.newContext();
  const page = await admin.newPage();
  await signIn(page, site);
  // A published note with a long title, a scheduled one, a draft, and one in the trash.
  await save(page, async () => {
    await page.locator('#name').fill(LONG_TITLE);
    await page.locator('#content').fill('Words.');
  });
  await save(page, async () => {
    await page.locator('#name').fill('Later');
    await page.locator('#content').fill('Scheduled words.');
    await page.locator('input[name="status"][value="schedule"]').check();
    await page.locator('#publish_at').fill('2099-01-01T10:00');
  });
  await save(page, async () => {
    await page
      .locator('#content')
      .fill('An untitled draft that is long enough to be cut into an excerpt title here.');
    await page.locator('input[name="status"][value="draft"]').check();
  });
  // Two tokens, one revoked, both for a client with a long address.
  for (let i = 0; i < 2; i++) {
    await page.goto(site.url('/admin/tokens'));
    await page.locator('#client_id').fill(LONG_CLIENT);
    await page.locator('#scope').fill('create update delete media profile');
    await Promise.all([
      page.waitForLoadState('load'),
      page.getByRole('button', { name: 'Create token' }).click(),
    ]);
  }
  await page.goto(site.url('/admin/tokens'));
  await Promise.all([
    page.waitForURL((u) => u.searchParams.get('flash') === 'revoked'),
    page
      .getByRole('button', { name: /^Revoke/ })
      .first()
      .click(),
  ]);
  // A second session from a phone with a long browser name.
  other = await site.browser.newContext({ userAgent: PHONE_UA });
  await signIn(await other.newPage(), site);
  await page.close();
});

afterAll(async () => {
  await other?.close();
  await admin?.close();
  await site?.stop();
});

/**
 * Words of at most 24 characters that the browser split over two lines in the admin tables:
 * each word's text range must lie on one line (URLs and other long runs may wrap anywhere).
 */
function brokenWords(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(`(() => {
    const broken = [];
    for (const cell of document.querySelectorAll('.admin-table th, .admin-table td')) {
      const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent;
        const words = /\\S+/g;
        for (let m = words.exec(text); m; m = words.exec(text)) {
          if (m[0].length > 24) continue;
          const range = document.createRange();
          range.setStart(node, m.index);
          range.setEnd(node, m.index + m[0].length);
          const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
          if (lines.size > 1) broken.push(m[0]);
        }
      }
    }
    return broken;
  })()`);
}

/** For each visible cell: its data-label and what the browser shows before it. */
function cellLabels(page: Page): Promise<{ label: string | null; shown: string; visible: boolean }[]> {
  return page.evaluate(`[...document.querySelectorAll('.admin-table tbody td')].map((td) => {
    const before = getComputedStyle(td, '::before');
    return {
      label: td.getAttribute('data-label'),
      shown: before.content,
      visible: before.display !== 'none' && before.visibility !== 'hidden' && before.content !== 'none',
    };
  })`);
}

const PAGES = [
  { name: 'dashboard', path: '/admin', columns: ['Note', 'Status', 'Date', 'Actions'] },
  { name: 'drafts', path: '/admin?filter=drafts', columns: ['Note', 'Status', 'Date', 'Actions'] },
  {
    name: 'tokens',
    path: '/admin/tokens',
    columns: ['Client', 'Scopes', 'Issued', 'Last used', 'Expires', 'Actions'],
  },
  {
    name: 'sessions',
    path: '/admin/sessions',
    columns: ['Device', 'Address', 'Signed in', 'Last used', 'Actions'],
  },
];

describe('admin tables', () => {
  for (const width of [1280, 390]) {
    it.each(PAGES)(`$name at ${width}px: no word broken, every cell labelled`, async (p) => {
      const page = await admin.newPage();
      const errors = watchErrors(page);
      try {
        await page.setViewportSize({ width, height: 900 });
        await page.goto(site.url(p.path));
        await page.screenshot({ path: join(SHOTS, `table-${p.name}-${width}.png`), fullPage: true });
        expect(await brokenWords(page), `${p.name} at ${width}px`).toEqual([]);
        const labels = await cellLabels(page);
        expect(labels.length).toBeGreaterThan(0);
        // Every cell says which column it is in, in the header's words.
        for (const [i, l] of labels.entries()) expect(l.label).toBe(p.columns[i % p.columns.length]);
        if (width < 600) {
          // The header row is gone on a phone: the labels are shown instead.
          for (const l of labels) {
            expect(l.visible, `label ${l.label} shown`).toBe(true);
            expect(l.shown).toBe(`"${l.label}"`);
          }
        } else {
          expect(await page.locator('.admin-table thead th').allTextContents()).toEqual(p.columns);
        }
        const violations = await seriousViolations(page);
        expect(violations, violations.join('\n')).toEqual([]);
        const fit = await horizontalFit(page);
        expect(fit.scrollWidth).toBeLessThanOrEqual(fit.innerWidth + 1);
        expect(errors).toEqual([]);
      } finally {
        await page.close();
      }
    });
  }

  it('each row action names its row for screen readers', async () => {
    const page = await admin.newPage();
    try {
      await page.goto(site.url('/admin'));
      const trash = page.getByRole('button', { name: `Move to trash: “${LONG_TITLE}”`, exact: true });
      expect(await trash.count()).toBe(1);
      expect(await page.getByRole('button', { name: 'Move to trash: “Later”', exact: true }).count()).toBe(1);
      // The visible words stay the same, and come first in the name.
      expect((await trash.textContent())?.trim()).toBe('Move to trash');
      expect(await page.getByRole('link', { name: `View: “${LONG_TITLE}”`, exact: true }).count()).toBe(1);
      await page.goto(site.url('/admin/sessions'));
      expect(await page.getByRole('button', { name: /^End session: “Mozilla.*Android 14/ }).count()).toBe(1);
    } finally {
      await page.close();
    }
  });
});
