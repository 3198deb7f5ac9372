/**
 * Issue #16, item 11, as a reader's browser sees it: a phone (390 px) loads a small stored copy of
 * a photo and a desktop window (1280 px) a medium one, never the 2560 px original; nothing on the
 * page moves as pictures arrive (no layout shift, even when they arrive late); axe finds no serious
 * violation.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { photoLike } from '../helpers/images.js';
import { type Site, seriousViolations, startSite, watchErrors } from './setup.js';

const ROOT = join(import.meta.dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

let site: Site;
let slug = '';
const stored: { url: string; thumb: string; medium: string } = { url: '', thumb: '', medium: '' };

/**
 * Mints a token with the real CLI (`starpunk token create` prints only the token), given the
 * server's port: the site's address, and so the admin's identity, follows it.
 */
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

beforeAll(async () => {
  site = await startSite('images');
  const token = await mintToken(join(site.dir, 'data'), new URL(site.server.url).port, 'create media');
  const auth = { Authorization: `Bearer ${token}` };
  // A camera-sized photograph through the Micropub media endpoint, as a Micropub client sends it.
  const form = new FormData();
  const jpeg = await photoLike(3000, 2000).jpeg().toBuffer();
  form.set('file', new File([jpeg], 'loom.jpg', { type: 'image/jpeg' }));
  const upload = await fetch(site.url('/micropub/media'), { method: 'POST', headers: auth, body: form });
  expect(upload.status).toBe(201);
  const location = upload.headers.get('location')!;
  stored.url = new URL(location).pathname;
  stored.thumb = stored.url.replace(/\.jpg$/, '_thumb.jpg');
  stored.medium = stored.url.replace(/\.jpg$/, '_medium.jpg');
  const note = await fetch(site.url('/micropub'), {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      type: ['h-entry'],
      properties: {
        content: [`A loom at work.\n\n![The same loom, closer](${stored.url})\n\nText after the pictures.`],
        photo: [{ value: location, alt: 'A loom' }],
        'mp-slug': ['loom'],
      },
    }),
  });
  expect(note.status).toBe(201);
  slug = new URL(note.headers.get('location')!).pathname.split('/').pop()!;
});

afterAll(async () => {
  await site?.stop();
});

/** The sum of layout shifts the page recorded since it started loading. */
function layoutShift(page: Page): Promise<number> {
  return page.evaluate<number>(`new Promise((resolve) => {
    let total = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) if (!entry.hadRecentInput) total += entry.value;
    }).observe({ type: 'layout-shift', buffered: true });
    setTimeout(() => resolve(total), 200);
  })`);
}

/** The file each picture of the page shows (after every one has loaded), in document order. */
function shownFiles(page: Page): Promise<{ src: string; current: string; complete: boolean }[]> {
  return page.evaluate<{ src: string; current: string; complete: boolean }[]>(`(async () => {
    const images = [...document.querySelectorAll('main img')];
    for (const img of images) img.loading = 'eager';
    await Promise.all(images.map((img) => img.decode().catch(() => undefined)));
    return images.map((img) => ({
      src: new URL(img.src).pathname,
      current: new URL(img.currentSrc).pathname,
      complete: img.complete && img.naturalWidth > 0,
    }));
  })()`);
}

describe.each([
  { width: 390, height: 844, expected: 'thumb' as const },
  { width: 1280, height: 900, expected: 'medium' as const },
])('a note with pictures at $width px', ({ width, height, expected }) => {
  it(`loads the ${expected} copy, never the original, and nothing moves as pictures arrive late`, async () => {
    const context = await site.browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const errors = watchErrors(page);
    const requested: string[] = [];
    // Pictures arrive well after the text, as on a slow connection: a picture without its size
    // would push the text below it down when it comes.
    await page.route('**/media/**', async (route) => {
      requested.push(new URL(route.request().url()).pathname);
      await new Promise((r) => setTimeout(r, 400));
      await route.continue();
    });
    await page.goto(site.url(`/notes/${slug}`));
    const files = await shownFiles(page);
    expect(files.length).toBe(2);
    for (const f of files) {
      expect(f.complete).toBe(true);
      expect(f.src).toBe(stored.url);
      expect(f.current).toBe(stored[expected]);
    }
    expect(requested).not.toContain(stored.url);
    expect(await layoutShift(page)).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);

    // The home page too: same copies, same stability.
    requested.length = 0;
    await page.goto(site.url('/'));
    const home = await shownFiles(page);
    expect(home.map((f) => f.current)).toEqual([stored[expected], stored[expected]]);
    expect(requested).not.toContain(stored.url);
    expect(await layoutShift(page)).toBe(0);
    await context.close();
  });
});
