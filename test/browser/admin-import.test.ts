/**
 * Admin → Import in Chromium against the real server: a WordPress export chosen in the file field,
 * the dry run's report (the page follows the job and shows it), "Import for real", the old link
 * answering with the new note; no serious axe violations and no horizontal scrolling at 1280 and
 * 390 px, light and dark.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wxr } from '../import/wxr.js';
import {
  horizontalFit,
  overflowingElements,
  type Site,
  seriousViolations,
  signIn,
  startSite,
  watchErrors,
} from './setup.js';

const OLD = 'https://old.example';
let site: Site;
let page: Page;
let errors: string[];
let file: string;

beforeAll(async () => {
  site = await startSite('import');
  file = join(site.dir, 'my-wordpress-export-with-a-rather-long-file-name.xml');
  writeFileSync(
    file,
    wxr(
      OLD,
      [
        {
          id: 21,
          title: 'A post that moved in',
          name: 'a-post-that-moved-in',
          content: '<p>Written on WordPress, read here.</p>',
          dateGmt: '2014-03-04 05:06:07',
          link: `${OLD}/2014/03/a-post-that-moved-in/`,
        },
        {
          id: 22,
          title: 'Another',
          name: 'another',
          content: '<p>[gallery ids="1,2"]</p>',
          dateGmt: '2014-04-04 05:06:07',
          link: `${OLD}/2014/04/another/`,
        },
      ],
      { version: '1.2', cdata: true },
    ),
  );
  page = await (await site.browser.newContext()).newPage();
  errors = watchErrors(page);
  await signIn(page, site);
});

afterAll(async () => {
  await site?.stop();
});

async function checkLayout(name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const [width, height] of [
      [1280, 900],
      [390, 844],
    ] as const) {
      await page.setViewportSize({ width, height });
      const violations = await seriousViolations(page);
      expect(violations, `${name} ${scheme} ${width}px:\n${violations.join('\n')}`).toEqual([]);
      const fit = await horizontalFit(page);
      const sticking = fit.scrollWidth > fit.innerWidth + 1 ? await overflowingElements(page) : [];
      expect(
        fit.scrollWidth,
        `${name} ${scheme} ${width}px sticking out: ${sticking.join(', ')}`,
      ).toBeLessThanOrEqual(fit.innerWidth + 1);
      if (width === 390)
        await page.screenshot({ path: join('/tmp', `import-${name}-${scheme}-390.png`), fullPage: true });
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 900 });
}

describe('Admin → Import, in the browser', () => {
  it('the form is in the navigation, dry run first and announce off', async () => {
    await page.goto(site.url('/admin'));
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/admin/import'),
      page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Import' }).click(),
    ]);
    expect(await page.locator('h1').textContent()).toBe('Import');
    expect(await page.getByLabel('Dry run first').isChecked()).toBe(true);
    expect(await page.getByLabel('Announce the imported posts').isChecked()).toBe(false);
    expect(await page.getByLabel('Format').locator('option').allTextContents()).toContain('WordPress WXR');
    await checkLayout('form');
  });

  it('uploads, follows the dry run to its report, then imports for real', async () => {
    await page.getByLabel('An export file').setInputFiles(file);
    await Promise.all([
      page.waitForURL((u) => /^\/admin\/import\/[0-9a-f-]{36}$/.test(u.pathname)),
      page.getByRole('button', { name: 'Start' }).click(),
    ]);
    // The page's script follows the job and reloads it with the report.
    await page.getByText('dry run: nothing was written').waitFor({ timeout: 30_000 });
    const report = (await page.locator('main').textContent()) ?? '';
    expect(report).toContain('would import 2 notes and 0 pages');
    await checkLayout('dry-run');

    await page.getByRole('button', { name: 'Import for real' }).click();
    await page.getByText('imported 2 notes and 0 pages').waitFor({ timeout: 30_000 });
    expect((await page.locator('main').textContent()) ?? '').toContain('announced: no');
    await checkLayout('done');

    await page.goto(`${site.url('/2014/03/a-post-that-moved-in/')}`);
    expect(new URL(page.url()).pathname).toBe('/notes/a-post-that-moved-in');
    expect((await page.locator('main').textContent()) ?? '').toContain('Written on WordPress, read here.');
    expect(errors).toEqual([]);
  });
});
