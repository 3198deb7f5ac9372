import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, chromium, type Page } from 'playwright-core';
import sharp from 'sharp';
import { type RunningServer, startServer } from '../helpers/spawn-server.js';

const ROOT = join(import.meta.dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

/** The admin password every browser test signs in with. */
export const PASSWORD = 'correct horse battery staple';

/** Launch options that work with Debian's Chromium (never `--user-data-dir` in args). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Runs `starpunk password set` for real, with the password on stdin. */
export function setPasswordWithCli(dataDir: string, password: string): Promise<void> {
  const child = spawn(TSX, [join(ROOT, 'src', 'main.ts'), 'password', 'set'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATA_PATH: dataDir },
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stdin.end(`${password}\n`);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0 && out.includes('admin password set')) resolve();
      else reject(new Error(`starpunk password set exited with ${code}:\n${out}`));
    });
  });
}

/** A temp data directory with a password set, a real server on it, and a Chromium. */
export interface Site {
  dir: string;
  server: RunningServer;
  browser: Browser;
  /** An absolute URL on the running server. */
  url: (path: string) => string;
  stop: () => Promise<void>;
}

/** Creates the data directory, sets the password with the CLI, starts the server and the browser. */
export async function startSite(prefix: string, env: Record<string, string> = {}): Promise<Site> {
  const dir = mkdtempSync(join(tmpdir(), `starpunk-browser-${prefix}-`));
  const dataDir = join(dir, 'data');
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  try {
    await setPasswordWithCli(dataDir, PASSWORD);
    server = await startServer({ DATA_PATH: dataDir, ...env });
    browser = await launchBrowser();
  } catch (err) {
    await browser?.close();
    if (server) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const running = server;
  const chrome = browser;
  return {
    dir,
    server: running,
    browser: chrome,
    url: (path) => new URL(path, running.url).toString(),
    async stop() {
      await chrome.close();
      running.child.kill('SIGTERM');
      const code = await running.exited;
      rmSync(dir, { recursive: true, force: true });
      if (code !== 0) throw new Error(`server exited with ${code}:\n${running.output()}`);
    },
  };
}

/** Writes a small PNG (made with sharp) into `dir` and returns its path. */
export async function writePng(dir: string, name = 'red-square.png'): Promise<string> {
  const bytes = await sharp({
    create: { width: 240, height: 160, channels: 3, background: { r: 200, g: 40, b: 40 } },
  })
    .png()
    .toBuffer();
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** Signs in through the real form and waits for the dashboard. */
export async function signIn(page: Page, site: Site): Promise<void> {
  await page.goto(site.url('/auth/login'));
  await page.locator('#password').fill(PASSWORD);
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/admin'),
    page.getByRole('button', { name: 'Sign in', exact: true }).click(),
  ]);
}

/**
 * Collects script errors, console errors (CSP violations show up there) and error answers of a
 * page. The favicon Chromium asks for by itself is left out (the site has none).
 */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    // Failed loads are reported below with their address.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource'))
      errors.push(`console: ${msg.text()} (${page.url()})`);
  });
  page.on('response', (res) => {
    const url = new URL(res.url());
    if (res.status() >= 400 && url.pathname !== '/favicon.ico')
      errors.push(`HTTP ${res.status()}: ${res.request().method()} ${url.pathname}${url.search}`);
  });
  return errors;
}

/** Runs axe on the page and returns the serious and critical violations, readable. */
export async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `[${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n` +
        v.nodes.map((n) => `    ${n.target.join(' ')} — ${n.failureSummary ?? ''}`).join('\n'),
    );
}

/** Page width against viewport width, for the no-horizontal-scrolling check. */
export function horizontalFit(page: Page): Promise<{ scrollWidth: number; innerWidth: number }> {
  return page.evaluate<{ scrollWidth: number; innerWidth: number }>(
    '({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })',
  );
}

/** The elements sticking out to the right of the viewport (to make a failure readable). */
export function overflowingElements(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(`(() => {
    const out = [];
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.right > window.innerWidth + 1 && r.width > 0) {
        out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
          (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
          ' right=' + Math.round(r.right));
      }
    }
    return out.slice(0, 15);
  })()`);
}
