/**
 * What the owner sees of sent Webmentions, in Chromium against the real server: from the editor to
 * the list of targets with their results, "Send again", no serious axe violations, and no
 * horizontal scrolling at 1280 and 390 px (target URLs are long).
 */
import type http from 'node:http';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver } from '../webmention/receiver.js';
import {
  horizontalFit,
  overflowingElements,
  type Site,
  seriousViolations,
  signIn,
  startSite,
  watchErrors,
} from './setup.js';

type Receiver = Awaited<ReturnType<typeof startReceiver>>;
let rx: Receiver;
let site: Site;
let page: Page;
let errors: string[];
const longName = `a-rather-long-post-address-that-goes-on-${'and-on-'.repeat(8)}end`;

beforeAll(async () => {
  rx = await startReceiver((name, _req, res: http.ServerResponse) => {
    if (name !== 'down') return false;
    res.writeHead(500);
    res.end();
    return true;
  });
  site = await startSite('wm', { ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1' });
  page = await (await site.browser.newContext()).newPage();
  errors = watchErrors(page);
  await signIn(page, site);
  await page.goto(site.url('/admin/new'));
  await page
    .locator('#content')
    .fill(`Replying to [this](${rx.page(longName)}) and [that](${rx.page('down')}).`);
  await Promise.all([
    page.waitForURL((u) => /^\/admin\/edit\/\d+$/.test(u.pathname)),
    page.getByRole('button', { name: 'Save note' }).click(),
  ]);
  // The server's runner sends in the background.
  for (let i = 0; i < 200 && rx.received.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
});

afterAll(async () => {
  await site?.stop();
  await rx?.close();
});

describe('Webmentions sent, in the admin', () => {
  it('the editor links to the list, which shows each target and its result', async () => {
    expect(rx.received.map((r) => r.page).sort()).toEqual(['down', longName].sort());
    await Promise.all([
      page.waitForURL((u) => /^\/admin\/notes\/\d+\/webmentions$/.test(u.pathname)),
      page.getByRole('link', { name: 'Copies and Webmentions sent' }).click(),
    ]);
    expect(await page.locator('h1').textContent()).toBe('Copies and Webmentions');
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).toContain(rx.page(longName));
    expect(text).toContain('Sent: HTTP 202');
    expect(text).toContain('Failed (HTTP 500), will try again');
    expect(text).toContain('the endpoint answered HTTP 500');
  });

  for (const [width, height] of [
    [1280, 900],
    [390, 844],
  ] as const) {
    it(`has no serious axe violations and fits ${width} px`, async () => {
      await page.setViewportSize({ width, height });
      const violations = await seriousViolations(page);
      expect(violations, violations.join('\n')).toEqual([]);
      const fit = await horizontalFit(page);
      const sticking = fit.scrollWidth > fit.innerWidth + 1 ? await overflowingElements(page) : [];
      expect(fit.scrollWidth, `sticking out: ${sticking.join(', ')}`).toBeLessThanOrEqual(fit.innerWidth + 1);
      if (width === 390)
        await page.screenshot({ path: join('/tmp', 'webmentions-sent-390.png'), fullPage: true });
    });
  }

  it('"Send again" sends that target again and says so', async () => {
    const before = rx.received.length;
    await Promise.all([
      page.waitForURL((u) => u.search === '?flash=resent'),
      page.getByRole('button', { name: `Send again to ${rx.page(longName)}` }).click(),
    ]);
    expect(await page.getByRole('status').textContent()).toContain('Queued to be sent again.');
    for (let i = 0; i < 100 && rx.received.length === before; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(rx.received.slice(before).map((r) => r.page)).toEqual([longName]);
    // A 500 on the failing target is an answer from the receiver, not from StarPunk's pages.
    expect(errors).toEqual([]);
  });
});
