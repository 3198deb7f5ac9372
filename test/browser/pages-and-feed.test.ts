/**
 * Issue #14, Pages and Link previews: the owner writes standalone pages and orders the site menu
 * in the admin at desktop and phone widths (axe clean, nothing wider than the screen), the pages
 * appear in the public menu, and a feed opened in the browser reads as a page.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { horizontalFit, type Site, seriousViolations, signIn, startSite, watchErrors } from './setup.js';

let site: Site;
let admin: BrowserContext;

async function createPage(page: Page, title: string, content: string): Promise<void> {
  await page.goto(site.url('/admin/pages/new'));
  await page.locator('#title').fill(title);
  await page.locator('#content').fill(content);
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/admin/pages' && u.searchParams.get('flash') === 'saved'),
    page.getByRole('button', { name: 'Save page' }).click(),
  ]);
}

beforeAll(async () => {
  site = await startSite('pages');
  admin = await site.browser.newContext();
  const page = await admin.newPage();
  await signIn(page, site);
  await createPage(page, 'About', 'I write about **looms**.');
  await createPage(page, 'Now', 'What I am doing now.');
  await page.goto(site.url('/admin/new'));
  await page.locator('#name').fill('A note in the feed');
  await page.locator('#content').fill('Feed words.');
  await Promise.all([
    page.waitForURL((u) => /^\/admin\/edit\/\d+$/.test(u.pathname)),
    page.getByRole('button', { name: 'Save note' }).click(),
  ]);
  await page.close();
}, 60_000);

afterAll(async () => {
  await admin?.close();
  await site?.stop();
});

const menu = (page: Page) => page.locator('nav.site-nav a').allTextContents();

describe('pages admin screen', () => {
  for (const width of [1280, 390]) {
    it(`at ${width}px: list and editor fit, axe-clean, and the menu order can be changed`, async () => {
      const page = await admin.newPage();
      await page.setViewportSize({ width, height: 900 });
      const errors = watchErrors(page);
      await page.goto(site.url('/admin/pages'));
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Pages');
      expect(await page.evaluate('window.innerWidth')).toBe(width);
      const fit = await horizontalFit(page);
      expect(fit.scrollWidth).toBeLessThanOrEqual(fit.innerWidth);
      expect(await seriousViolations(page)).toEqual([]);
      // Swap the two menu pages and see the public menu follow.
      const first = (await menu(await publicPage('/'))).slice(-2);
      const mover = first[0] === 'About' ? 'About' : 'Now';
      await Promise.all([
        page.waitForURL((u) => u.searchParams.get('flash') === 'moved'),
        page.getByRole('button', { name: `Move down: “${mover}”` }).click(),
      ]);
      const after = (await menu(await publicPage('/'))).slice(-2);
      expect(after).toEqual([...first].reverse());
      await page.goto(site.url('/admin/pages/new'));
      const fitEditor = await horizontalFit(page);
      expect(fitEditor.scrollWidth).toBeLessThanOrEqual(fitEditor.innerWidth);
      expect(await seriousViolations(page)).toEqual([]);
      // Preview shows the Markdown rendered, without saving.
      await page.locator('#title').fill('Uses');
      await page.locator('#content').fill('A _loom_ and a kettle.');
      await page.getByRole('button', { name: 'Preview' }).click();
      await page.waitForSelector('.preview em');
      expect(await page.locator('.preview em').textContent()).toBe('loom');
      expect(errors).toEqual([]);
      await page.close();
    }, 60_000);
  }

  let pub: Page | undefined;
  async function publicPage(path: string): Promise<Page> {
    pub ??= await admin.newPage();
    await pub.goto(site.url(path));
    return pub;
  }

  it('a page is readable at its address with the menu, axe-clean at 390px', async () => {
    const page = await admin.newPage();
    await page.setViewportSize({ width: 390, height: 800 });
    const errors = watchErrors(page);
    await page.goto(site.url('/about'));
    expect(await page.locator('h1').textContent()).toBe('About');
    expect(await page.locator('main strong').textContent()).toBe('looms');
    expect(await menu(page)).toEqual(expect.arrayContaining(['About', 'Now']));
    expect(await seriousViolations(page)).toEqual([]);
    // The default icon answers (no 404 for /favicon.ico any more).
    const icon = await page.request.get(site.url('/favicon.ico'));
    expect(icon.status()).toBe(200);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('a feed opened in the browser', () => {
  for (const path of ['/feed.rss', '/feed.atom']) {
    it(`${path} shows the site title and the items as a page`, async () => {
      const page = await admin.newPage();
      await page.goto(site.url(path));
      await page.waitForSelector('h1');
      expect((await page.locator('h1').textContent())?.trim()).toBeTruthy();
      expect(await page.locator('ol.feed-items li h2 a').allTextContents()).toContain('A note in the feed');
      expect(await page.locator('p.notice').textContent()).toContain('web feed');
      await page.close();
    });
  }
});
