/**
 * Issue 16 item 6: writing is never lost. In a real Chromium against the real server: the session
 * ends while a note is being written (its row deleted, or signed out in another tab), Save is
 * pressed, the owner signs in again and finds the text; a closed tab, another browser (the
 * server's copy), a save that fails on the network or on a stale CSRF token lose nothing either;
 * a saved note leaves no copy behind. At 1280 and 390 px, with axe at zero serious violations.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, type Site, seriousViolations, signIn, startSite, watchErrors } from './setup.js';

let site: Site;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  site = await startSite('drafts');
});
afterAll(async () => {
  await site?.stop();
});
afterEach(async () => {
  for (const c of contexts.splice(0)) await c.close();
});

const WIDTHS = [
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;

async function newPage(width: number, height: number): Promise<{ context: BrowserContext; page: Page }> {
  const context = await site.browser.newContext({ viewport: { width, height } });
  contexts.push(context);
  return { context, page: await context.newPage() };
}

/** Ends every session the way an expiry or a sign-out elsewhere does: the row goes. */
function deleteSessions(): void {
  const db = new Database(join(site.dir, 'data', 'starpunk.db'));
  try {
    db.prepare('DELETE FROM sessions').run();
  } finally {
    db.close();
  }
}

/** The editor's copies in this browser. */
const localDrafts = (page: Page) =>
  page.evaluate<string[]>(
    '(() => { const k = []; for (let i = 0; i < localStorage.length; i++) if (localStorage.key(i).startsWith("starpunk:draft:")) k.push(localStorage.key(i)); return k; })()',
  );

const restoredMessage = (page: Page) => page.locator('#draft-status');

async function signInFromLoginPage(page: Page, next: string): Promise<void> {
  expect(new URL(page.url()).pathname).toBe('/auth/login');
  expect(new URL(page.url()).searchParams.get('next')).toBe(next);
  await page.locator('#password').fill(PASSWORD);
  await Promise.all([
    page.waitForURL((u) => u.pathname === next),
    page.getByRole('button', { name: 'Sign in', exact: true }).click(),
  ]);
}

describe('writing survives an ended session', () => {
  for (const w of WIDTHS) {
    it(`${w.name}: the session ends, Save is pressed, signing in again brings the text back`, async () => {
      const { page } = await newPage(w.width, w.height);
      const errors = watchErrors(page);
      await signIn(page, site);
      await page.goto(site.url('/admin/new'));
      const title = `Lost and found ${w.name}`;
      const text = `A long paragraph typed at ${w.width} px.\n\nWith a second one, and **bold**.`;
      await page.locator('#name').fill(title);
      await page.locator('#content').fill(text);
      await page.locator('#tags').fill('drafts, survival');
      await page.locator('#response_kind').selectOption('in-reply-to');
      await page.locator('#response_url').fill('https://example.com/original');

      deleteSessions();
      const [answer] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/admin/new')),
        page.getByRole('button', { name: 'Save note' }).click(),
      ]);
      expect(answer.status()).toBe(401);
      await page.waitForLoadState('domcontentloaded');
      expect(await page.locator('h1').textContent()).toBe('Sign-in required');
      expect(await seriousViolations(page)).toEqual([]);

      await page.getByRole('link', { name: 'Sign in again' }).click();
      await page.waitForURL((u) => u.pathname === '/auth/login');
      await signInFromLoginPage(page, '/admin/new');

      await expect
        .poll(() => restoredMessage(page).textContent())
        .toMatch(/^Restored what you wrote at \d{2}:\d{2}\. It is not saved yet/);
      expect(await page.locator('#name').inputValue()).toBe(title);
      expect(await page.locator('#content').inputValue()).toBe(text);
      expect(await page.locator('#tags').inputValue()).toBe('drafts, survival');
      expect(await page.locator('#response_kind').inputValue()).toBe('in-reply-to');
      expect(await page.locator('#response_url').inputValue()).toBe('https://example.com/original');
      const violations = await seriousViolations(page);
      expect(violations, violations.join('\n')).toEqual([]);
      await page.screenshot({ path: `/tmp/starpunk-shots/restored-${w.width}.png`, fullPage: true });

      // Saved now; the copies are gone and a new editor starts empty.
      await Promise.all([
        page.waitForURL((u) => /^\/admin\/edit\/\d+$/.test(u.pathname)),
        page.getByRole('button', { name: 'Save note' }).click(),
      ]);
      expect(await page.getByRole('status').textContent()).toContain('Note published.');
      expect(new URL(page.url()).searchParams.has('saved')).toBe(false);
      expect(await localDrafts(page)).toEqual([]);
      await page.goto(site.url('/admin/new'));
      await page.waitForLoadState('networkidle');
      expect(await page.locator('#content').inputValue()).toBe('');
      expect(await restoredMessage(page).textContent()).toBe('');
      expect(errors).toEqual(['HTTP 401: POST /admin/new']);
    });
  }

  it('signed out in another tab: the editor says so at once, Save waits, and signing in brings back every word', async () => {
    const { context, page } = await newPage(1280, 900);
    const errors = watchErrors(page);
    await signIn(page, site);
    const note = 'Started before signing out.';
    await page.goto(site.url('/admin/new'));
    await page.locator('#content').click();
    await page.keyboard.type(note);

    // Another tab of the same browser signs out.
    const other = await context.newPage();
    await other.goto(site.url('/admin'));
    await Promise.all([
      other.waitForURL((u) => u.pathname === '/'),
      other.getByRole('button', { name: 'Sign out' }).click(),
    ]);
    await other.close();

    // Writing on: the autosave finds the session gone and says what to do.
    await page.locator('#content').press('End');
    await page.keyboard.type(' And this after.');
    const alert = page.locator('#draft-alert');
    await expect.poll(() => alert.textContent(), { timeout: 10_000 }).toContain('You are signed out');
    expect(await seriousViolations(page)).toEqual([]);
    // Save is held back rather than failing: focus goes to the way out.
    await page.getByRole('button', { name: 'Save note' }).click();
    expect(new URL(page.url()).pathname).toBe('/admin/new');
    await expect
      .poll(() => page.evaluate<string>('document.activeElement && document.activeElement.textContent'))
      .toBe('Sign in again');

    await page.getByRole('link', { name: 'Sign in again' }).click();
    await signInFromLoginPage(page, '/admin/new');
    await expect.poll(() => page.locator('#content').inputValue()).toBe(`${note} And this after.`);
    expect(await restoredMessage(page).textContent()).toMatch(/Restored what you wrote at \d{2}:\d{2}/);
    expect(errors.filter((e) => !/HTTP 401: (POST|GET) \/admin\/(drafts|preview)/.test(e))).toEqual([]);
  });
});

describe('writing survives a closed tab, another browser and failed saves', () => {
  it('a closed tab and then another browser (the server copy) find the edit of a saved note', async () => {
    const { context, page } = await newPage(390, 844);
    await signIn(page, site);
    await page.goto(site.url('/admin/new'));
    await page.locator('#content').fill('The saved version.');
    await Promise.all([
      page.waitForURL((u) => /^\/admin\/edit\/\d+$/.test(u.pathname)),
      page.getByRole('button', { name: 'Save note' }).click(),
    ]);
    const editPath = new URL(page.url()).pathname;

    await page.locator('#content').fill('The saved version, edited and never saved.');
    // The server copy follows within seconds.
    await page.waitForResponse((r) => /\/admin\/drafts\/\d+$/.test(r.url()) && r.status() === 200, {
      timeout: 10_000,
    });
    await page.close();

    const again = await context.newPage();
    await again.goto(site.url(editPath));
    await expect
      .poll(() => again.locator('#content').inputValue())
      .toBe('The saved version, edited and never saved.');
    expect(await again.locator('#draft-status').textContent()).toMatch(
      /^Restored what you wrote at \d{2}:\d{2}/,
    );

    // Another browser has no copy of its own: the server's comes back.
    const { page: elsewhere } = await newPage(1280, 900);
    await signIn(elsewhere, site);
    await elsewhere.goto(site.url(editPath));
    await expect
      .poll(() => elsewhere.locator('#content').inputValue())
      .toBe('The saved version, edited and never saved.');
    expect(await elsewhere.locator('#draft-status').textContent()).toMatch(/^Restored what you wrote/);
  });

  it('a save lost on the network, or refused for a stale CSRF token, keeps the text', async () => {
    const { page } = await newPage(1280, 900);
    await signIn(page, site);
    await page.goto(site.url('/admin/new'));
    await page.locator('#name').fill('Network trouble');
    await page.locator('#content').fill('Sent into the void.');
    await page.route('**/admin/new', (route) =>
      route.request().method() === 'POST' ? route.abort('internetdisconnected') : route.continue(),
    );
    await page
      .getByRole('button', { name: 'Save note' })
      .click()
      .catch(() => {});
    await page.waitForLoadState('domcontentloaded').catch(() => {});
    await page.unroute('**/admin/new');
    await page.goto(site.url('/admin/new'));
    await expect.poll(() => page.locator('#content').inputValue()).toBe('Sent into the void.');
    expect(await page.locator('#name').inputValue()).toBe('Network trouble');

    // A token that no longer matches the session (signed in again elsewhere): 403, a way back.
    await page.locator('form[data-editor] input[name="_csrf"]').evaluate((el: { value: string }) => {
      el.value = 'stale';
    });
    await page.locator('#content').fill('Sent with a stale token.');
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/admin/new')),
      page.getByRole('button', { name: 'Save note' }).click(),
    ]);
    expect(answer.status()).toBe(403);
    await page.getByRole('link', { name: 'Reload the page you were on' }).click();
    await page.waitForURL((u) => u.pathname === '/admin/new');
    await expect.poll(() => page.locator('#content').inputValue()).toBe('Sent with a stale token.');
    await Promise.all([
      page.waitForURL((u) => /^\/admin\/edit\/\d+$/.test(u.pathname)),
      page.getByRole('button', { name: 'Save note' }).click(),
    ]);
    expect(await localDrafts(page)).toEqual([]);
  });
});
