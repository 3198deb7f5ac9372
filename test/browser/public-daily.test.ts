/**
 * Issue 25, the public site as a reader and the owner see it in Chromium, at 1280 and 390 px, in
 * the light and the dark colour scheme, axe clean and nothing wider than the screen:
 * - item 14: a note with three photos is a grid (the first across both columns, the others side
 *   by side), each opening its full-size file;
 * - item 4: the Edit link is shown to the signed-in owner only, and opens the editor;
 * - item 10: the Follow page, its copy buttons copying the feed address;
 * - item 13: the tag index and the archive;
 * - item 16: the site description on the home page.
 * Screenshots go to /tmp/starpunk-shots/ (two are kept in docs/screenshots/ by hand).
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  horizontalFit,
  overflowingElements,
  type Site,
  seriousViolations,
  signIn,
  startSite,
  watchErrors,
} from './setup.js';

const ROOT = join(import.meta.dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const SHOTS = '/tmp/starpunk-shots';

let site: Site;
let owner: BrowserContext;
let photoNote = '';
let photoNoteId = 0;
let photoUrls: string[] = [];

/** Mints a token with the real CLI (it prints only the token). */
function mintToken(dataDir: string, port: string, scope: string): Promise<string> {
  const child = spawn(TSX, [join(ROOT, 'src', 'main.ts'), 'token', 'create', '--scope', scope], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATA_PATH: dataDir, PORT: port },
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(out.trim()) : reject(new Error(`token create: ${code}`)),
    );
  });
}

/** A landscape-like picture: sky, hills and a sun, in the given colours. */
function scene(width: number, height: number, sky: string, hill: string, sun: string): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="s" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${sky}"/><stop offset="1" stop-color="#fff7e6"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#s)"/>
    <circle cx="${width * 0.72}" cy="${height * 0.3}" r="${height * 0.12}" fill="${sun}"/>
    <path d="M0 ${height * 0.7} Q ${width * 0.3} ${height * 0.45} ${width * 0.6} ${height * 0.68} T ${width} ${height * 0.62} V ${height} H 0 Z" fill="${hill}"/>
  </svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  site = await startSite('public-daily', {
    SITE_NAME: 'Ada’s notebook',
    SITE_DESCRIPTION: 'Notes on looms, lighthouses and the garden, written by hand.',
  });
  const token = await mintToken(join(site.dir, 'data'), new URL(site.server.url).port, 'create media');
  const auth = { Authorization: `Bearer ${token}` };
  const photos = [
    await scene(1600, 1000, '#7dd3fc', '#15803d', '#fbbf24'),
    await scene(1200, 1200, '#fda4af', '#7c2d12', '#fde68a'),
    await scene(1200, 1200, '#c4b5fd', '#1e3a8a', '#f9fafb'),
  ];
  const locations: string[] = [];
  for (const [i, bytes] of photos.entries()) {
    const form = new FormData();
    form.set('file', new File([new Uint8Array(bytes)], `p${i}.jpg`, { type: 'image/jpeg' }));
    const up = await fetch(site.url('/micropub/media'), { method: 'POST', headers: auth, body: form });
    expect(up.status).toBe(201);
    locations.push(up.headers.get('location')!);
  }
  photoUrls = locations.map((l) => new URL(l).pathname);
  const publish = async (properties: Record<string, unknown>) => {
    const res = await fetch(site.url('/micropub'), {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: ['h-entry'], properties }),
    });
    expect(res.status).toBe(201);
    return new URL(res.headers.get('location')!).pathname;
  };
  await publish({ content: ['Setting up the loom for the winter.'], category: ['looms', 'craft'] });
  await publish({ content: ['The lighthouse keeper’s logbook.'], category: ['lighthouses', 'history'] });
  await publish({ content: ['First frost on the beds.'], category: ['garden'] });
  photoNote = await publish({
    name: ['A walk along the coast'],
    content: ['Three views from yesterday’s walk: the bay, the old harbour wall and the lighthouse at dusk.'],
    photo: [
      { value: locations[0], alt: 'A bay under a blue sky, green hills and a low sun' },
      { value: locations[1], alt: 'The harbour wall at sunset, red sky' },
      { value: locations[2], alt: 'The lighthouse at dusk under a violet sky' },
    ],
    category: ['walks', 'lighthouses', 'garden'],
  });
  owner = await site.browser.newContext();
  const page = await owner.newPage();
  await signIn(page, site);
  await page.close();
  // The note's id, from the Edit link's place (what the owner follows).
  const html = await (await fetch(site.url(photoNote))).text();
  photoNoteId = Number(/data-edit="\/admin\/edit\/(\d+)"/.exec(html)![1]);
}, 120_000);

afterAll(async () => {
  await owner?.close();
  await site?.stop();
});

const SCHEMES = ['light', 'dark'] as const;
const WIDTHS = [1280, 390] as const;

/** A visitor's page at a width and colour scheme: loaded, axe clean, nothing wider than the screen. */
async function visit(width: number, scheme: 'light' | 'dark', path: string, context?: BrowserContext) {
  const ctx = context ?? (await site.browser.newContext());
  const page = await ctx.newPage();
  await page.setViewportSize({ width, height: 900 });
  await page.emulateMedia({ colorScheme: scheme });
  const errors = watchErrors(page);
  await page.goto(site.url(path));
  const fit = await horizontalFit(page);
  expect(
    fit.scrollWidth,
    `${path} ${width}: ${(await overflowingElements(page)).join(', ')}`,
  ).toBeLessThanOrEqual(fit.innerWidth);
  expect(await seriousViolations(page), `${path} ${width} ${scheme}`).toEqual([]);
  return { page, errors, close: async () => (context ? page.close() : ctx.close()) };
}

/** Boxes of the photos of the grid, once loaded. */
async function photoBoxes(page: Page) {
  await page.evaluate(
    `Promise.all([...document.querySelectorAll('.photo-grid img')].map((i) => { i.loading = 'eager'; return i.decode().catch(() => undefined); }))`,
  );
  const boxes = [];
  for (const img of await page.locator('.photo-grid img').all()) boxes.push((await img.boundingBox())!);
  const grid = (await page.locator('.photo-grid').boundingBox())!;
  return { boxes, grid };
}

describe('a note with three photos (item 14)', () => {
  for (const width of WIDTHS) {
    for (const scheme of SCHEMES) {
      it(`at ${width}px, ${scheme}: a grid, the first across, two side by side; each opens full size`, async () => {
        const { page, errors, close } = await visit(width, scheme, photoNote);
        const { boxes, grid } = await photoBoxes(page);
        expect(boxes).toHaveLength(3);
        const [a, b, c] = boxes as [typeof grid, typeof grid, typeof grid];
        // The first across the grid; the second and third side by side below it, equal halves.
        expect(Math.abs(a.width - grid.width)).toBeLessThanOrEqual(1);
        expect(b.y).toBeGreaterThan(a.y + a.height - 1);
        expect(Math.abs(b.y - c.y)).toBeLessThanOrEqual(1);
        expect(Math.abs(b.width - c.width)).toBeLessThanOrEqual(1);
        expect(b.width).toBeLessThan(grid.width / 2);
        expect(c.x).toBeGreaterThan(b.x + b.width - 1);
        // Square cells: no photo is drawn stretched (object-fit: cover crops instead).
        expect(Math.abs(b.width - b.height)).toBeLessThanOrEqual(1);
        await page.screenshot({ path: join(SHOTS, `photo-post-${width}-${scheme}.png`), fullPage: true });
        // A photo opens its full-size file.
        const [res] = await Promise.all([
          page.waitForNavigation(),
          page.locator('.photo-link').nth(1).click(),
        ]);
        expect(new URL(page.url()).pathname).toBe(photoUrls[1]);
        expect(res?.headers()['content-type']).toBe('image/jpeg');
        expect(errors).toEqual([]);
        await close();
      }, 60_000);
    }
  }
});

describe('the Edit link (item 4)', () => {
  it('a visitor sees none; the signed-in owner sees it on the note and a page, and it opens the editor', async () => {
    const visitor = await site.browser.newContext();
    const v = await visitor.newPage();
    await v.goto(site.url(photoNote));
    expect(await v.locator('.owner-edit').count()).toBe(1);
    expect(await v.locator('.owner-edit').isVisible()).toBe(false);
    expect(await v.getByRole('link', { name: 'Edit' }).count()).toBe(0);
    await visitor.close();

    const page = await owner.newPage();
    const errors = watchErrors(page);
    await page.setViewportSize({ width: 390, height: 900 });
    await page.goto(site.url(photoNote));
    const edit = page.getByRole('link', { name: 'Edit', exact: true });
    expect(await edit.isVisible()).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await Promise.all([page.waitForURL((u) => u.pathname === `/admin/edit/${photoNoteId}`), edit.click()]);
    // (The editor is not this test's: the harness serves SITE_URL "localhost" at 127.0.0.1, and
    // the editor shows photos by their absolute address, which the page's policy then refuses.)
    errors.length = 0;
    expect(await page.locator('#name').inputValue()).toBe('A walk along the coast');
    // Signing out hides it again.
    await page.goto(site.url('/admin'));
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/'),
      page.getByRole('button', { name: 'Sign out' }).click(),
    ]);
    errors.length = 0;
    await page.goto(site.url(photoNote));
    expect(await page.getByRole('link', { name: 'Edit', exact: true }).count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
    // Sign in again for the tests after.
    const again = await owner.newPage();
    await signIn(again, site);
    await again.close();
  }, 60_000);
});

describe('the Follow page (item 10)', () => {
  for (const width of WIDTHS) {
    for (const scheme of SCHEMES) {
      it(`at ${width}px, ${scheme}: reached from the menu; each copy button copies its feed address`, async () => {
        const ctx = await site.browser.newContext();
        await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], {
          origin: new URL(site.url('/')).origin,
        });
        const { page, errors, close } = await visit(width, scheme, '/', ctx);
        await Promise.all([
          page.waitForURL((u) => u.pathname === '/follow'),
          page.locator('nav.site-nav').getByRole('link', { name: 'Follow' }).click(),
        ]);
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Follow Ada’s notebook');
        const fit = await horizontalFit(page);
        expect(fit.scrollWidth).toBeLessThanOrEqual(fit.innerWidth);
        expect(await seriousViolations(page)).toEqual([]);
        const copy = page.getByRole('button', { name: 'Copy Atom' });
        expect(await copy.isVisible()).toBe(true);
        await copy.click();
        await page.locator('#feed-atom-status').filter({ hasText: 'Copied.' }).waitFor();
        expect(await page.locator('#feed-atom').inputValue()).toMatch(/\/feed\.atom$/);
        expect(await page.evaluate('navigator.clipboard.readText()')).toBe(
          await page.locator('#feed-atom').inputValue(),
        );
        await page.screenshot({ path: join(SHOTS, `follow-${width}-${scheme}.png`), fullPage: true });
        expect(errors).toEqual([]);
        await close();
        await ctx.close();
      }, 60_000);
    }
  }
});

describe('the tag index and the archive (item 13), the site description (item 16)', () => {
  for (const width of WIDTHS) {
    for (const scheme of SCHEMES) {
      it(`at ${width}px, ${scheme}: /tags, /archive and a month, reached from the footer`, async () => {
        const { page, errors, close } = await visit(width, scheme, '/');
        expect(await page.locator('.site-description').textContent()).toBe(
          'Notes on looms, lighthouses and the garden, written by hand.',
        );
        expect(await page.locator('.site-description').isVisible()).toBe(true);
        await Promise.all([
          page.waitForURL((u) => u.pathname === '/tags'),
          page.locator('footer').getByRole('link', { name: 'Tags' }).click(),
        ]);
        expect(await page.locator('.tag-index li').allTextContents()).toEqual([
          'craft 1',
          'garden 2',
          'history 1',
          'lighthouses 2',
          'looms 1',
          'walks 1',
        ]);
        let fit = await horizontalFit(page);
        expect(fit.scrollWidth).toBeLessThanOrEqual(fit.innerWidth);
        expect(await seriousViolations(page)).toEqual([]);
        await page.screenshot({ path: join(SHOTS, `tags-${width}-${scheme}.png`), fullPage: true });
        await Promise.all([
          page.waitForURL((u) => u.pathname === '/archive'),
          page.locator('footer').getByRole('link', { name: 'Archive' }).click(),
        ]);
        expect(await seriousViolations(page)).toEqual([]);
        await Promise.all([
          page.waitForURL((u) => /^\/archive\/\d{4}\/\d{2}$/.test(u.pathname)),
          page.locator('.archive-months a').first().click(),
        ]);
        expect(await page.locator('.h-entry').count()).toBe(4);
        fit = await horizontalFit(page);
        expect(fit.scrollWidth).toBeLessThanOrEqual(fit.innerWidth);
        expect(await seriousViolations(page)).toEqual([]);
        expect(errors).toEqual([]);
        await close();
      }, 60_000);
    }
  }
});
