/**
 * Issue #16, item 3: the setup, sign-in and IndieAuth consent pages loaded only style.css while
 * their form styles lived in admin.css, so labels, tiny inputs and buttons ran together, errors
 * were plain text, the scope checkboxes flowed into one paragraph and "Deny" looked like "Allow".
 * Each page is checked at 1280 and 390 px, as a person would see it, with axe-core.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRemote } from '../helpers/remote.js';
import { type RunningServer, startServer } from '../helpers/spawn-server.js';
import { horizontalFit, launchBrowser, PASSWORD, seriousViolations, watchErrors } from './setup.js';

const SHOTS = '/tmp/starpunk-shots';
const WIDTHS = [1280, 390] as const;

let dir: string;
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'starpunk-browser-signin-'));
  // No password: the server prints a one-time setup link.
  server = await startServer({ DATA_PATH: join(dir, 'data') });
  browser = await launchBrowser();
  mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  if (server) {
    server.child.kill('SIGTERM');
    await server.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

const url = (path: string) => new URL(path, server.url).toString();

/** The one-time setup token from the server's output (whatever address the link names). */
function setupToken(): string {
  const m = /\/auth\/setup\?token=([A-Za-z0-9_-]+)/.exec(server.output());
  if (!m) throw new Error(`no setup link in the output:\n${server.output()}`);
  return m[1]!;
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

async function box(page: Page, selector: string): Promise<Box> {
  const b = await page.locator(selector).first().boundingBox();
  if (!b) throw new Error(`${selector} is not visible`);
  return b;
}

/** A text field a person can read and hit: wide, tall enough to tap, its label above it. */
async function expectClearField(page: Page, id: string, width: number): Promise<void> {
  const input = await box(page, `#${id}`);
  const label = await box(page, `label[for="${id}"]`);
  expect(input.height, `#${id} height`).toBeGreaterThanOrEqual(40);
  // Nearly the width of the column on a phone; a comfortable field on a desktop.
  expect(input.width, `#${id} width`).toBeGreaterThanOrEqual(width >= 1000 ? 300 : width - 80);
  expect(label.y + label.height, `label of #${id} is above it`).toBeLessThanOrEqual(input.y + 1);
}

/** A computed style property of the first element matching `selector`. */
function css(page: Page, selector: string, prop: string): Promise<string> {
  return page.evaluate<string>(
    `getComputedStyle(document.querySelector(${JSON.stringify(selector)})).getPropertyValue(${JSON.stringify(prop)})`,
  );
}

/** Computed colours of an element as [r, g, b, a]. */
async function colours(page: Page, selector: string, prop: string): Promise<number[]> {
  const value = await css(page, selector, prop);
  const m = /rgba?\(([^)]+)\)/.exec(value);
  if (!m) throw new Error(`${prop} of ${selector} is ${value}`);
  const parts = m[1]!.split(',').map((x) => Number.parseFloat(x));
  return [parts[0]!, parts[1]!, parts[2]!, parts[3] ?? 1];
}

/** An error message that looks like one: announced, a thick red edge, a tinted background. */
async function expectStyledError(page: Page, selector: string): Promise<void> {
  const el = page.locator(selector);
  expect(await el.getAttribute('role')).toBe('alert');
  const edge = Number.parseFloat(await css(page, selector, 'border-left-width'));
  expect(edge, 'error edge width').toBeGreaterThanOrEqual(4);
  const [r, g, b] = await colours(page, selector, 'border-left-color');
  expect(r! > g! + 60 && r! > b! + 60, `error edge is red: ${r},${g},${b}`).toBe(true);
  const bg = await colours(page, selector, 'background-color');
  expect(bg[3], 'error background is tinted').toBeGreaterThan(0);
}

async function checkPage(page: Page, name: string, width: number, errors: string[] = []): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}-${width}.png`), fullPage: true });
  const violations = await seriousViolations(page);
  expect(violations, `axe on ${name} at ${width}px:\n${violations.join('\n')}`).toEqual([]);
  const fit = await horizontalFit(page);
  expect(fit.scrollWidth, `${name} fits ${width}px`).toBeLessThanOrEqual(fit.innerWidth + 1);
  expect(errors.filter((e) => !e.startsWith('HTTP 400') && !e.startsWith('HTTP 401'))).toEqual([]);
}

describe('the pages before signing in are as clear as the admin', () => {
  it.each(WIDTHS)('setup page at %ipx: fields, help, a styled error', async (width) => {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    try {
      await page.goto(url(`/auth/setup?token=${setupToken()}`));
      expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('password');
      expect(await page.locator('input[autocomplete="username"]').count()).toBe(1);
      await expectClearField(page, 'password', width);
      await expectClearField(page, 'confirm', width);
      await checkPage(page, 'setup', width, errors);
      await page.locator('#password').fill('abcdefghijk');
      await page.locator('#confirm').fill('abcdefghijz');
      await Promise.all([
        page.waitForLoadState('load'),
        page.getByRole('button', { name: 'Save and sign in' }).click(),
      ]);
      await expectStyledError(page, '.flash-error');
      expect(await page.locator('.flash-error').textContent()).toContain('The two passwords differ.');
      expect(await page.locator('#password').getAttribute('aria-invalid')).toBe('true');
      await checkPage(page, 'setup-error', width, errors);
    } finally {
      await context.close();
    }
  });

  it('setup page: choosing the password signs in', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(url(`/auth/setup?token=${setupToken()}`));
      await page.locator('#password').fill(PASSWORD);
      await page.locator('#confirm').fill(PASSWORD);
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/admin'),
        page.getByRole('button', { name: 'Save and sign in' }).click(),
      ]);
    } finally {
      await context.close();
    }
  });

  it.each(WIDTHS)('sign-in page at %ipx: the field, the button, a styled error', async (width) => {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    try {
      await page.goto(url('/auth/login'));
      // The only field to type in has the focus: typing the password right away signs in.
      expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('password');
      // A username field for password managers: there, not shown, not in the tab order, not read out.
      const username = page.locator('input[autocomplete="username"]');
      expect(await username.count()).toBe(1);
      expect(await username.isVisible()).toBe(false);
      expect(await username.inputValue()).toMatch(/^https?:\/\//);
      await expectClearField(page, 'password', width);
      const button = await box(page, 'form[action="/auth/login"] button[type="submit"]');
      expect(button.height).toBeGreaterThanOrEqual(40);
      await checkPage(page, 'login', width, errors);
      await page.locator('#password').fill('not the password');
      await Promise.all([
        page.waitForLoadState('load'),
        page.getByRole('button', { name: 'Sign in' }).click(),
      ]);
      await expectStyledError(page, '.flash-error');
      expect(await page.locator('.flash-error').textContent()).toContain('That password is not right.');
      await checkPage(page, 'login-error', width, errors);
    } finally {
      await context.close();
    }
  });

  it.each(WIDTHS)('sign-in page in the dark at %ipx: focused, axe clean, fits', async (width) => {
    const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: 'dark' });
    const page = await context.newPage();
    const errors = watchErrors(page);
    try {
      await page.goto(url('/auth/login'));
      expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('password');
      await page.keyboard.type('not the password');
      await Promise.all([page.waitForLoadState('load'), page.keyboard.press('Enter')]);
      expect(await page.locator('.flash-error').textContent()).toContain('That password is not right.');
      // After a wrong password the field has the focus again, ready for another try.
      expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('password');
      await checkPage(page, 'login-dark', width, errors);
    } finally {
      await context.close();
    }
  });

  it.each(WIDTHS)('consent page at %ipx: scopes as a list, Deny secondary to Approve', async (width) => {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    const errors = watchErrors(page);
    // The client application: a real site on loopback that the browser is sent back to.
    const app = await startRemote((_req, _body, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><html lang="en"><title>Back in the app</title><p>Back</p></html>');
    });
    const appHost = new URL(app.url).host;
    try {
      await page.goto(url('/auth/login'));
      await page.locator('#password').fill(PASSWORD);
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/admin'),
        page.getByRole('button', { name: 'Sign in' }).click(),
      ]);
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: app.url,
        redirect_uri: `${app.url}callback`,
        state: 'state-123',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
        scope: 'create update media profile',
      });
      const authorize = url(`/auth/authorization?${query}`);
      await page.goto(authorize);
      expect(await page.locator('h1').textContent()).toContain('Approve');

      // One scope per line, all starting at the same left edge.
      const labels = page.locator('fieldset label');
      expect(await labels.count()).toBe(4);
      const boxes: Box[] = [];
      for (let i = 0; i < 4; i++) boxes.push((await labels.nth(i).boundingBox())!);
      for (let i = 1; i < boxes.length; i++) {
        expect(boxes[i]!.y, `scope ${i} is below scope ${i - 1}`).toBeGreaterThanOrEqual(
          boxes[i - 1]!.y + boxes[i - 1]!.height - 1,
        );
        expect(Math.abs(boxes[i]!.x - boxes[0]!.x)).toBeLessThanOrEqual(1);
      }

      // The buttons the docs name, with the values of the consent contract.
      const approve = page.getByRole('button', { name: 'Approve', exact: true });
      const deny = page.getByRole('button', { name: 'Deny', exact: true });
      expect(await approve.getAttribute('value')).toBe('approve');
      expect(await deny.getAttribute('value')).toBe('deny');
      expect(await approve.getAttribute('name')).toBe('decision');
      expect(await deny.getAttribute('name')).toBe('decision');
      // Approve is the filled, primary button; Deny has no fill of its own.
      const approveBg = await colours(page, 'button[value="approve"]', 'background-color');
      const denyBg = await colours(page, 'button[value="deny"]', 'background-color');
      expect(approveBg[3], 'Approve is filled').toBe(1);
      expect(denyBg[3], 'Deny is not filled').toBe(0);
      await checkPage(page, 'consent', width, errors);

      // Deny sends the browser back with access_denied; Approve with a code.
      await Promise.all([page.waitForURL((u) => u.host === appHost), deny.click()]);
      expect(new URL(page.url()).searchParams.get('error')).toBe('access_denied');
      await page.goto(authorize);
      await page.locator('input[name="scope"][value="media"]').uncheck();
      await Promise.all([
        page.waitForURL((u) => u.host === appHost),
        page.getByRole('button', { name: 'Approve', exact: true }).click(),
      ]);
      const back = new URL(page.url());
      expect(back.searchParams.get('code')).toMatch(/.+/);
      expect(back.searchParams.get('state')).toBe('state-123');
    } finally {
      await context.close();
      await app.close();
    }
  });
});
