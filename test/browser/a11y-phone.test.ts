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

/** Screenshots go outside the repository. */
const SHOTS = '/tmp/starpunk-shots';

let site: Site;
let admin: BrowserContext;
let anonymous: BrowserContext;
let slug = '';

/** Every page checked: `signedIn` pages are opened in the admin's browser context. */
const PAGES: { name: string; path: () => string; signedIn: boolean }[] = [
  { name: 'login page', path: () => '/auth/login', signedIn: false },
  { name: 'dashboard', path: () => '/admin', signedIn: true },
  { name: 'editor', path: () => '/admin/new', signedIn: true },
  { name: 'media library', path: () => '/admin/media', signedIn: true },
  { name: 'tokens page', path: () => '/admin/tokens', signedIn: true },
  { name: 'sessions page', path: () => '/admin/sessions', signedIn: true },
  { name: 'health page', path: () => '/admin/health', signedIn: true },
  { name: 'home page', path: () => '/', signedIn: false },
  { name: 'note page', path: () => `/notes/${slug}`, signedIn: false },
  { name: 'search page', path: () => '/search?q=accessible', signedIn: false },
];

beforeAll(async () => {
  site = await startSite('a11y');
  admin = await site.browser.newContext();
  anonymous = await site.browser.newContext();
  const page = await admin.newPage();
  await signIn(page, site);

  // Content so that every list has something in it: a note with a photo (also in the media
  // library), a second note, and a token minted by hand.
  await page.goto(site.url('/admin/new'));
  await page.locator('#name').fill('An accessible note');
  await page
    .locator('#content')
    .fill('Some **accessible** text with a [link](https://example.com/) and a list:\n\n- one\n- two\n');
  await page.locator('#tags').fill('access, phones');
  await page.locator('#photo').setInputFiles(await writePng(site.dir));
  // The editor script uploads the photo at once and gives it a row with its own description.
  await page.locator('#photo-list input[type="hidden"][value^="/media/"]').waitFor({ state: 'attached' });
  await page.locator('#photo_alt_0').fill('A red rectangle');
  await Promise.all([
    page.waitForURL((u) => /^\/admin\/edit\/\d+$/.test(u.pathname)),
    page.getByRole('button', { name: 'Save note' }).click(),
  ]);
  slug = await page.locator('#slug').inputValue();

  await page.goto(site.url('/admin/new'));
  await page.locator('#content').fill('A second, untitled note that is a bit longer than the first one.');
  await page.locator('input[name="status"][value="draft"]').check();
  await Promise.all([
    page.waitForURL((u) => /^\/admin\/edit\/\d+$/.test(u.pathname)),
    page.getByRole('button', { name: 'Save note' }).click(),
  ]);

  await page.goto(site.url('/admin/tokens'));
  await page.locator('#client_id').fill('https://app.example.com/');
  await Promise.all([
    page.waitForLoadState('load'),
    page.getByRole('button', { name: 'Create token' }).click(),
  ]);
  await page.waitForSelector('input[aria-label="New access token"]');
  await page.close();
  mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
  await admin?.close();
  await anonymous?.close();
  await site?.stop();
});

async function open(
  p: (typeof PAGES)[number],
  width: number,
  height: number,
): Promise<{ page: Page; errors: string[] }> {
  const page = await (p.signedIn ? admin : anonymous).newPage();
  const errors = watchErrors(page);
  await page.setViewportSize({ width, height });
  const response = await page.goto(site.url(p.path()));
  expect(response?.status(), `${p.name} answers 200`).toBe(200);
  expect(new URL(page.url()).pathname, `${p.name} is not redirected`).toBe(p.path().split('?')[0]);
  return { page, errors };
}

describe('accessibility (axe-core): no serious or critical violations', () => {
  it.each(PAGES)('axe: $name', async (p) => {
    const { page, errors } = await open(p, 1280, 900);
    try {
      const violations = await seriousViolations(page);
      expect(violations, `axe on ${p.name} (${p.path()}):\n${violations.join('\n')}`).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('phone width (375×740): no horizontal scrolling', () => {
  it.each(PAGES)('375px: $name', async (p) => {
    const { page } = await open(p, 375, 740);
    try {
      if (p.name === 'editor' || p.name === 'dashboard') {
        await page.screenshot({ path: join(SHOTS, `${p.name}-375.png`), fullPage: true });
      }
      const fit = await horizontalFit(page);
      const sticking = fit.scrollWidth > fit.innerWidth + 1 ? await overflowingElements(page) : [];
      expect(
        fit.scrollWidth,
        `${p.name} (${p.path()}) is ${fit.scrollWidth}px wide in a ${fit.innerWidth}px viewport; ` +
          `sticking out: ${sticking.join(', ')}`,
      ).toBeLessThanOrEqual(fit.innerWidth + 1);
    } finally {
      await page.close();
    }
  });
});
