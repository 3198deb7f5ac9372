/**
 * Issue 25, writing items 5 and 6, in a real Chromium at 1280 and 390 px, light and dark: the
 * media library names and links the note using a file, shows the descriptions and lists the
 * settings' pictures; a page that is not published has a preview for its owner, while a visitor
 * gets 404 at its address. axe at zero serious violations on both screens.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Site, seriousViolations, signIn, startSite, watchErrors, writePng } from './setup.js';

const SHOTS = '/tmp/starpunk-shots';

let site: Site;
let context: BrowserContext | undefined;
let page: Page;
let pageId = '';

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  site = await startSite('media-pages');
  // One note with an uploaded photo, the author photo in the settings, and a hidden page.
  context = await site.browser.newContext();
  page = await context.newPage();
  await signIn(page, site);
  await page.goto(site.url('/admin/new'));
  await page.locator('#name').fill('Harbour at dusk');
  await page.locator('#content').fill('Evening in the harbour.');
  await page.locator('#photo').setInputFiles(await writePng(site.dir, 'harbour.png'));
  await page.locator('#photo-list input[type="hidden"][value^="/media/"]').waitFor({ state: 'attached' });
  await page.locator('#photo_alt_0').fill('Boats in the harbour');
  await Promise.all([
    page.waitForURL((u) => u.searchParams.get('flash') === 'published'),
    page.getByRole('button', { name: 'Save note' }).click(),
  ]);
  await page.goto(site.url('/admin/settings'));
  await page.locator('#author_photo').setInputFiles(await writePng(site.dir, 'me.png'));
  await Promise.all([
    page.waitForURL((u) => u.searchParams.has('flash')),
    page.getByRole('button', { name: 'Save settings' }).click(),
  ]);
  await page.goto(site.url('/admin/pages/new'));
  await page.locator('#title').fill('Now');
  await page.locator('#slug').fill('now');
  await page.locator('#content').fill('What I am **doing** now.');
  await page.locator('input[name="published"]').uncheck();
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/admin/pages'),
    page.getByRole('button', { name: 'Save page' }).click(),
  ]);
  const href = await page.getByRole('link', { name: 'Preview: “Now”' }).getAttribute('href');
  pageId = /\/admin\/pages\/(\d+)\/preview/.exec(href ?? '')?.[1] ?? '';
  await context.close();
  context = undefined;
});
afterAll(async () => {
  await site?.stop();
});
afterEach(async () => {
  await context?.close();
  context = undefined;
});

async function axeClean(where: string): Promise<void> {
  const violations = await seriousViolations(page);
  expect(violations, `axe on ${where}:\n${violations.join('\n')}`).toEqual([]);
}

for (const [width, height] of [
  [1280, 900],
  [390, 844],
] as const) {
  for (const scheme of ['light', 'dark'] as const) {
    describe(`at ${width} px, ${scheme}`, () => {
      it('the media library names the note, the descriptions and the site pictures', async () => {
        context = await site.browser.newContext({ viewport: { width, height }, colorScheme: scheme });
        page = await context.newPage();
        const errors = watchErrors(page);
        await signIn(page, site);
        await page.goto(site.url('/admin/media'));
        const card = page.locator('.media-item', { hasText: 'harbour.png' });
        await card.getByRole('link', { name: 'Harbour at dusk' }).waitFor();
        expect(await card.textContent()).toContain('described as “Boats in the harbour”');
        expect(await card.getByRole('button', { name: 'Delete' }).isDisabled()).toBe(true);
        const pictures = page.getByRole('region', { name: 'Site pictures' });
        expect(await pictures.getByRole('img', { name: 'Author photo' }).isVisible()).toBe(true);
        // The link leads to the note's editor.
        await Promise.all([
          page.waitForURL((u) => /^\/admin\/edit\/\d+$/.test(u.pathname)),
          card.getByRole('link', { name: 'Harbour at dusk' }).click(),
        ]);
        await page.goto(site.url('/admin/media'));
        await axeClean(`the media library at ${width} px (${scheme})`);
        await page.screenshot({ path: join(SHOTS, `media-${width}-${scheme}.png`), fullPage: true });
        expect(errors).toEqual([]);
      });

      it('a page that is not published: a preview for the owner, 404 for a visitor', async () => {
        context = await site.browser.newContext({ viewport: { width, height }, colorScheme: scheme });
        page = await context.newPage();
        const visitor = await context.request.get(site.url('/now'));
        expect(visitor.status()).toBe(404);
        const errors = watchErrors(page);
        await signIn(page, site);
        await page.goto(site.url('/admin/pages'));
        await Promise.all([
          page.waitForURL((u) => u.pathname === `/admin/pages/${pageId}/preview`),
          page.getByRole('link', { name: 'Preview: “Now”' }).click(),
        ]);
        expect(await page.locator('.preview-banner').textContent()).toContain('This page is not published');
        expect(await page.locator('.standalone-page strong').textContent()).toBe('doing');
        await axeClean(`the page preview at ${width} px (${scheme})`);
        await page.screenshot({ path: join(SHOTS, `page-preview-${width}-${scheme}.png`), fullPage: true });
        expect(errors).toEqual([]);
      });
    });
  }
}
