/**
 * Issue 16 item 8: the editor in a real Chromium, at 1280 and 390 px. A like written from the
 * editor (kind + URL), pictures added from the media library and put in order with the Move
 * buttons from the keyboard, one inserted in the text, the live preview showing the whole note
 * (title, what it responds to, text, photos, tags), a draft's preview page, and the published
 * page titled "Liked …". axe at zero serious violations on each screen.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Site, seriousViolations, signIn, startSite, watchErrors, writePng } from './setup.js';

let site: Site;
let context: BrowserContext;
let page: Page;
let errors: string[];

beforeAll(async () => {
  site = await startSite('compose');
});
afterAll(async () => {
  await site?.stop();
});
afterEach(async () => {
  await context?.close();
});

async function uploadToLibrary(name: string, alt: string): Promise<void> {
  await page.goto(site.url('/admin/media'));
  await page.locator('#file').setInputFiles(await writePng(site.dir, name));
  await page.locator('#alt').fill(alt);
  await Promise.all([
    page.waitForURL((u) => u.searchParams.get('flash') === 'uploaded'),
    page.getByRole('button', { name: 'Upload' }).click(),
  ]);
}

async function axeClean(where: string): Promise<void> {
  const violations = await seriousViolations(page);
  expect(violations, `axe on ${where}:\n${violations.join('\n')}`).toEqual([]);
}

/** The URLs of the photo rows, in the order the editor shows them. */
const photoOrder = () =>
  page
    .locator('#photo-list input[type="hidden"]')
    .evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value));

for (const [name, width, height] of [
  ['desktop', 1280, 900],
  ['phone', 390, 844],
] as const) {
  describe(`composing at ${width} px`, () => {
    it(`${name}: a like with two ordered photos, previewed whole, saved as a draft, previewed, published`, async () => {
      context = await site.browser.newContext({ viewport: { width, height } });
      page = await context.newPage();
      errors = watchErrors(page);
      await signIn(page, site);
      await uploadToLibrary(`first-${name}.png`, `First picture ${name}`);
      await uploadToLibrary(`second-${name}.png`, `Second picture ${name}`);

      await page.goto(site.url('/admin/new'));
      // A title and photos given first stay in view when the kind becomes a like (which shows
      // neither by default).
      await page.locator('#name').fill(`Liked it ${name}`);
      // Two pictures from the media library (newest first there: the second one is listed first).
      await page.getByText('Choose from the media library').click();
      await page.getByRole('button', { name: `Add to photos (first-${name}.png)` }).click();
      await page.getByRole('button', { name: `Add to photos (second-${name}.png)` }).click();
      const [first, second] = await photoOrder();
      expect(first).toMatch(/^\/media\//);
      expect(await page.locator('#photo_alt_0').inputValue()).toBe(`First picture ${name}`);
      await page.locator('#response_kind').selectOption('like-of');
      expect(await page.locator('#name').isVisible()).toBe(true);
      expect(await page.locator('#photo_alt_0').isVisible()).toBe(true);
      const liked = `https://liked.invalid/${name}`;
      await page.locator('#response_url').fill(liked);
      await page.locator('#content').fill('Worth a like.');
      await page.locator('#tags').fill('likes');
      await axeClean('the editor with the media library open');

      // Reordered from the keyboard: focus stays with the photo that moved, and it is announced.
      await page.getByRole('button', { name: 'Move down photo 1' }).focus();
      await page.keyboard.press('Enter');
      expect(await photoOrder()).toEqual([second, first]);
      expect(await page.locator('#photo-status').textContent()).toBe('Photo moved to position 2 of 2.');
      expect(await page.evaluate<string>('document.activeElement.textContent')).toBe('Move up photo 2');
      expect(await page.locator('#photo_alt_0').inputValue()).toBe(`Second picture ${name}`);

      // A picture in the text, at the cursor.
      await page.getByRole('button', { name: `Insert in text (first-${name}.png)` }).click();
      expect(await page.locator('#content').inputValue()).toBe(
        `Worth a like.\n\n![First picture ${name}](${first})\n`,
      );

      // The live preview is the whole note: title, what it likes, text, photos in order, tags.
      const preview = page.locator('#preview .h-entry');
      await expect.poll(() => preview.locator('.e-content img').count(), { timeout: 10_000 }).toBe(1);
      expect(await preview.locator('h1.p-name').textContent()).toBe(`Liked it ${name}`);
      expect(await preview.locator('.context').textContent()).toBe(`Liked ${liked}`);
      expect(
        await preview.locator('.photos img').evaluateAll((els) => els.map((e) => e.getAttribute('src'))),
      ).toEqual([second, first]);
      expect(await preview.locator('.p-category').allTextContents()).toEqual(['likes']);
      await axeClean('the editor with its preview');

      // Saved as a draft: the editor and the dashboard link its preview page.
      await page.locator('input[name="status"][value="draft"]').check();
      await Promise.all([
        page.waitForURL((u) => /^\/admin\/edit\/\d+$/.test(u.pathname)),
        page.getByRole('button', { name: 'Save note' }).click(),
      ]);
      expect(await photoOrder()).toEqual([second, first]);
      expect(await page.locator('#response_kind').inputValue()).toBe('like-of');
      await page.getByRole('link', { name: 'Preview this note' }).click();
      await page.waitForURL((u) => u.pathname.startsWith('/admin/preview/'));
      expect(await page.locator('.preview-banner').textContent()).toContain('This is a draft');
      expect(await page.locator('.note-preview h1.p-name').textContent()).toBe(`Liked it ${name}`);
      expect(
        await page
          .locator('.note-preview .photos img')
          .evaluateAll((els) => els.map((e) => e.getAttribute('src'))),
      ).toEqual([second, first]);
      await axeClean('the preview page');
      await page.screenshot({ path: `/tmp/starpunk-shots/preview-page-${width}.png`, fullPage: true });

      await page.goto(site.url('/admin?filter=drafts'));
      await page
        .locator('.admin-table tr', { hasText: `Liked it ${name}` })
        .getByRole('link', { name: `Preview Liked it ${name}` })
        .click();
      await page.waitForURL((u) => u.pathname.startsWith('/admin/preview/'));

      // Published without a title: the page is named after what it likes.
      await page.getByRole('link', { name: 'Edit this note' }).click();
      await page.waitForURL((u) => /^\/admin\/edit\/\d+$/.test(u.pathname));
      await page.locator('#name').fill('');
      await page.locator('input[name="status"][value="publish"]').check();
      // A draft published: "Note published." (issue 25 item 3).
      await Promise.all([
        page.waitForURL((u) => u.searchParams.get('flash') === 'published'),
        page.getByRole('button', { name: 'Save changes' }).click(),
      ]);
      const publicUrl = await page
        .locator('main p a[href*="/notes/"]:not([href^="/admin/"])')
        .getAttribute('href');
      // SITE_URL is not this test server's address: go by the path.
      await page.goto(site.url(new URL(publicUrl!).pathname));
      expect(await page.title()).toMatch(new RegExp(`^Liked ${liked.replaceAll('.', '\\.')} · `));
      expect(await page.locator('.h-entry .u-like-of').getAttribute('href')).toBe(liked);
      expect(
        await page
          .locator('.h-entry .photos img')
          .evaluateAll((els) => els.map((e) => new URL(e.getAttribute('src') ?? '', 'http://x').pathname)),
      ).toEqual([second, first]);
      await axeClean('the published like');
      expect(errors).toEqual([]);
    });
  });
}
