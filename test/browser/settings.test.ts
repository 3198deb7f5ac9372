import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  horizontalFit,
  overflowingElements,
  type Site,
  seriousViolations,
  signIn,
  startSite,
  watchErrors,
  writePng,
} from './setup.js';

const SHOTS = '/tmp/starpunk-shots';

let site: Site;
let context: BrowserContext;

beforeAll(async () => {
  site = await startSite('settings');
  // The browser lives in Kolkata: the settings page proposes that zone on the first visit.
  context = await site.browser.newContext({ timezoneId: 'Asia/Kolkata' });
  const page = await context.newPage();
  await signIn(page, site);
  await page.close();
  mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
  await context?.close();
  await site?.stop();
});

async function open(width: number): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.setViewportSize({ width, height: 900 });
  const res = await page.goto(site.url('/admin/settings'));
  expect(res?.status()).toBe(200);
  return { page, errors };
}

describe('admin → Settings in Chromium', () => {
  for (const width of [1280, 390]) {
    it(`${width}px: no serious axe violations, no horizontal scrolling, no script errors`, async () => {
      const { page, errors } = await open(width);
      try {
        await page.screenshot({ path: join(SHOTS, `settings-${width}.png`), fullPage: true });
        const violations = await seriousViolations(page);
        expect(violations, violations.join('\n')).toEqual([]);
        const fit = await horizontalFit(page);
        const sticking = fit.scrollWidth > fit.innerWidth + 1 ? await overflowingElements(page) : [];
        expect(fit.scrollWidth, sticking.join(', ')).toBeLessThanOrEqual(fit.innerWidth + 1);
        expect(errors).toEqual([]);
      } finally {
        await page.close();
      }
    });
  }

  it('proposes the browser’s time zone on the first visit; saving keeps it and the site shows it', async () => {
    const { page, errors } = await open(1280);
    try {
      // Chromium names this zone by its ICU name (Asia/Calcutta); whatever it says is proposed.
      const zone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
      expect(['Asia/Kolkata', 'Asia/Calcutta']).toContain(zone);
      await expect.poll(() => page.locator('#time_zone').inputValue()).toBe(zone);
      await expect
        .poll(() => page.locator('#time-zone-help').textContent())
        .toContain('Filled in from your browser');
      await page.locator('#site_name').fill('Browser Saved Site');
      await page.locator('#author_note').fill('Saved from Chromium.');
      await page.locator('#rel_me').fill('https://mastodon.example/@me');
      await page.locator('#author_photo').setInputFiles(await writePng(site.dir, 'me.png'));
      await page.locator('#site_icon').setInputFiles(await writePng(site.dir, 'icon.png'));
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/admin/settings' && u.search === '?flash=saved'),
        page.getByRole('button', { name: 'Save settings' }).click(),
      ]);
      await expect.poll(() => page.getByRole('status').textContent()).toContain('Settings saved.');
      expect(await page.locator('#time_zone').inputValue()).toBe(zone);
      expect(await page.locator('#time_zone').getAttribute('data-saved')).toBe('true');
      expect(await page.locator('#site_name').inputValue()).toBe('Browser Saved Site');
      expect(await page.locator('img.settings-picture').count()).toBe(2);
      expect(await seriousViolations(page)).toEqual([]);

      await page.goto(site.url('/'));
      expect(await page.title()).toBe('Browser Saved Site');
      // The footer card: the photo loads, nothing focusable is hidden.
      const photoOk = await page.evaluate<boolean>(
        `(() => { const img = document.querySelector('.site-footer img.u-photo'); return !!img && img.complete && img.naturalWidth > 0; })()`,
      );
      expect(photoOk, await page.locator('.site-footer').innerHTML()).toBe(true);
      const hiddenFocusable = await page.evaluate<
        string[]
      >(`[...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')]
        .filter((el) => el.tabIndex >= 0)
        .filter((el) => {
          const r = el.getBoundingClientRect();
          return r.width === 0 || r.height === 0 || getComputedStyle(el).visibility === 'hidden';
        })
        .map((el) => el.outerHTML.slice(0, 80))`);
      // The skip link is visually hidden until focused, by design: it shows on focus.
      expect(hiddenFocusable.filter((h) => !h.includes('skip-link'))).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('a mistake shows the form again with the problem, keeping what was typed', async () => {
    const { page } = await open(390);
    try {
      // Past the browser's own check (min=1), as a script-less client or an old browser would be.
      await page.evaluate(
        `(() => { const el = document.querySelector('#posts_per_page'); el.removeAttribute('min'); el.value = '0'; })()`,
      );
      await page.locator('#footer_text').fill('Typed before the mistake');
      await page.getByRole('button', { name: 'Save settings' }).click();
      await page.waitForLoadState('load');
      expect(await page.getByRole('alert').textContent()).toContain(
        'Posts per page must be a whole number from 1 to 100.',
      );
      expect(await page.locator('#footer_text').inputValue()).toBe('Typed before the mistake');
      expect(await seriousViolations(page)).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
