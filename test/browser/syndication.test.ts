/**
 * Syndication as the owner sees it, in Chromium against the real server and a loopback Mastodon:
 * connect an account by typing the server's address (OAuth round trip), tick its box in the
 * editor, save, and the copy appears on Mastodon and as u-syndication on the note. No serious axe
 * violations on the syndication page and the editor, at 1280 and 390 px. Disconnecting cancels
 * the account's copies still waiting, and the page says how many.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeMastodon, startFakeMastodon } from '../helpers/mastodon.js';
import { horizontalFit, type Site, seriousViolations, signIn, startSite, watchErrors } from './setup.js';

let site: Site;
let page: Page;
let errors: string[];
let masto: FakeMastodon;

beforeAll(async () => {
  masto = await startFakeMastodon();
  site = await startSite('syn', { ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' });
  page = await (await site.browser.newContext()).newPage();
  errors = watchErrors(page);
  // The server's own address (SITE_URL derived from HOST and PORT) names it "localhost": Mastodon
  // sends the browser back there, so the session must belong to that name.
  const local = site.url;
  site = { ...site, url: (path) => local(path).replace('//127.0.0.1:', '//localhost:') };
  await signIn(page, site);
});

afterAll(async () => {
  await site?.stop();
  await masto?.close();
});

describe('Syndication in the admin', () => {
  it('connects a Mastodon account by its server address', async () => {
    await page.goto(site.url('/admin'));
    await page.getByRole('link', { name: 'Syndication' }).click();
    await page.getByLabel("Your server's address").fill(masto.url);
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/admin/syndication' && u.search === '?flash=connected'),
      page.getByRole('button', { name: 'Connect Mastodon' }).click(),
    ]);
    expect(await page.locator('.flash').textContent()).toBe('Account connected.');
    expect(await page.locator('main').textContent()).toContain(`@ada@${new URL(masto.url).host} on Mastodon`);
  });

  it('posts a note with its box ticked, and the note links to the copy', async () => {
    await page.goto(site.url('/admin/new'));
    await page.locator('#content').fill('Hello, fediverse');
    const box = page.getByRole('checkbox', { name: /on Mastodon/ });
    expect(await box.isChecked()).toBe(false);
    await box.check();
    await Promise.all([
      page.waitForURL((u) => /^\/admin\/edit\/\d+$/.test(u.pathname)),
      page.getByRole('button', { name: 'Save note' }).click(),
    ]);
    // The server's runner posts in the background.
    for (let i = 0; i < 200 && masto.statuses.size === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect([...masto.statuses.values()].map((s) => s.status)).toEqual(['Hello, fediverse']);
    const id = [...masto.statuses.keys()][0]!;
    await page.reload();
    expect(await page.getByRole('link', { name: 'copied' }).getAttribute('href')).toBe(
      `${masto.url}@ada/${id}`,
    );
    const publicUrl = await page.getByRole('link', { name: /View/ }).first().getAttribute('href');
    await page.goto(new URL(publicUrl!, site.url('/')).toString());
    expect(await page.locator('a.u-syndication').getAttribute('href')).toBe(`${masto.url}@ada/${id}`);
  });

  for (const [width, height] of [
    [1280, 900],
    [390, 844],
  ] as const) {
    it(`the syndication page and the editor have no serious axe violations and fit ${width} px`, async () => {
      await page.setViewportSize({ width, height });
      for (const path of ['/admin/syndication', '/admin/new']) {
        await page.goto(site.url(path));
        const violations = await seriousViolations(page);
        expect(violations, `${path}:\n${violations.join('\n')}`).toEqual([]);
        const fit = await horizontalFit(page);
        expect(fit.scrollWidth, path).toBeLessThanOrEqual(fit.innerWidth + 1);
      }
      expect(errors).toEqual([]);
    });
  }

  it('disconnecting the account cancels its copy waiting to retry, and says so (issue 20)', async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    // Mastodon asks to wait an hour: the copy fails once and waits to try again.
    masto.control.rateLimited = 100;
    masto.control.retryAfter = '3600';
    await page.goto(site.url('/admin/new'));
    await page.locator('#content').fill('Waiting for Mastodon');
    await page.getByRole('checkbox', { name: /on Mastodon/ }).check();
    await Promise.all([
      page.waitForURL((u) => /^\/admin\/edit\/\d+$/.test(u.pathname)),
      page.getByRole('button', { name: 'Save note' }).click(),
    ]);
    let main = '';
    for (let i = 0; i < 200 && !main.includes('will try again'); i++) {
      await page.goto(site.url('/admin/syndication'));
      main = (await page.locator('main').textContent()) ?? '';
      if (!main.includes('will try again')) await new Promise((r) => setTimeout(r, 50));
    }
    expect(main).toContain('Posting: failed, will try again');
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/admin/syndication' && u.search === '?flash=disconnected'),
      page.getByRole('button', { name: /^Disconnect/ }).click(),
    ]);
    expect(await page.locator('.flash').textContent()).toBe(
      'Account disconnected; 1 queued copy cancelled. Copies already posted stay where they are.',
    );
    main = (await page.locator('main').textContent()) ?? '';
    expect(main).toContain('No account is connected yet.');
    expect(main).toContain('Cancelled');
    expect(main).not.toContain('will try again');
    // Shown once.
    await page.reload();
    expect(await page.locator('.flash').textContent()).toBe(
      'Account disconnected. Copies already posted stay where they are.',
    );
    expect(errors).toEqual([]);
  });
});
