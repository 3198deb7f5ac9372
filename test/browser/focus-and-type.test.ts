/**
 * Issue #16, item 7: keyboard focus landed on a visually hidden author link on the home page
 * (an invisible focus, WCAG 2.4.7), and a note's title (20.8 px) was smaller than a "##" heading
 * in its text (25.5 px). Every stop of the Tab order must be visible with a focus ring, and a
 * title must outrank every heading written inside the note, at 1280 and 390 px.
 */
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Site, seriousViolations, signIn, startSite, watchErrors } from './setup.js';

const SHOTS = '/tmp/starpunk-shots';
let site: Site;
let visitor: BrowserContext;
let slug = '';

beforeAll(async () => {
  site = await startSite('focus');
  const admin = await site.browser.newContext();
  const page = await admin.newPage();
  await signIn(page, site);
  for (const [name, content] of [
    [
      'Headings inside',
      '# A first-level heading\n\nText.\n\n## A second-level heading\n\nMore text.\n\n### Third',
    ],
    ['', 'An untitled note with a [link](https://example.com/).'],
  ]) {
    await page.goto(site.url('/admin/new'));
    if (name) await page.locator('#name').fill(name);
    await page.locator('#content').fill(content!);
    await page.locator('#tags').fill('type, focus');
    await Promise.all([
      page.waitForURL((u) => /^\/admin\/edit\/\d+$/.test(u.pathname)),
      page.getByRole('button', { name: 'Save note' }).click(),
    ]);
    if (name) slug = await page.locator('#slug').inputValue();
  }
  await admin.close();
  visitor = await site.browser.newContext();
});

afterAll(async () => {
  await visitor?.close();
  await site?.stop();
});

/** What the test learns about the element that has focus. */
interface Focused {
  tag: string;
  text: string;
  width: number;
  height: number;
  inViewport: boolean;
  clipped: boolean;
  outline: string;
}

function focused(page: Page): Promise<Focused | null> {
  return page.evaluate<Focused | null>(`(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const r = el.getBoundingClientRect();
    let clipped = false;
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if ((s.clip && s.clip !== 'auto') || s.clipPath !== 'none' || Number(s.opacity) === 0 ||
          s.visibility === 'hidden') clipped = true;
    }
    const s = getComputedStyle(el);
    return {
      tag: el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).trim().split(/\\s+/).join('.') : ''),
      text: (el.textContent || '').trim().slice(0, 40),
      width: r.width,
      height: r.height,
      inViewport: r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth,
      clipped,
      outline: s.outlineStyle + ' ' + s.outlineWidth,
    };
  })()`);
}

/** Presses Tab until focus leaves the page or comes back round; returns every stop. */
async function tabStops(page: Page): Promise<Focused[]> {
  const stops: Focused[] = [];
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    if (!f) break;
    if (stops.length > 0 && f.tag === stops[0]!.tag && f.text === stops[0]!.text) break;
    stops.push(f);
  }
  return stops;
}

const PAGES = [
  { name: 'home page', path: () => '/' },
  { name: 'note page', path: () => `/notes/${slug}` },
  { name: 'tag page', path: () => '/tag/focus' },
];

describe('keyboard focus is always visible', () => {
  for (const width of [1280, 390]) {
    it.each(PAGES)(`$name at ${width}px: every Tab stop can be seen, with a ring`, async (p) => {
      const page = await visitor.newPage();
      const errors = watchErrors(page);
      try {
        await page.setViewportSize({ width, height: 800 });
        await page.goto(site.url(p.path()));
        const stops = await tabStops(page);
        expect(stops.length).toBeGreaterThan(5);
        for (const s of stops) {
          const where = `${s.tag} “${s.text}”`;
          expect(s.clipped, `${where} is not clipped away`).toBe(false);
          expect(s.width, `${where} width`).toBeGreaterThanOrEqual(4);
          expect(s.height, `${where} height`).toBeGreaterThanOrEqual(4);
          expect(s.inViewport, `${where} is scrolled into view`).toBe(true);
          expect(s.outline, `${where} has a focus ring`).toMatch(/^solid [2-9]/);
        }
        expect(await seriousViolations(page)).toEqual([]);
        expect(errors).toEqual([]);
      } finally {
        await page.close();
      }
    });
  }
});

/** Font sizes in px of the first element matching each selector (null when there is none). */
function sizes(page: Page, selectors: string[]): Promise<(number | null)[]> {
  return page.evaluate<(number | null)[]>(
    `${JSON.stringify(selectors)}.map((s) => { const el = document.querySelector(s);
      return el ? parseFloat(getComputedStyle(el).fontSize) : null; })`,
  );
}

const INSIDE = ['.e-content h1', '.e-content h2', '.e-content h3'];

describe('type scale: a title outranks the headings inside its note', () => {
  for (const width of [1280, 390]) {
    it(`note page at ${width}px`, async () => {
      const page = await visitor.newPage();
      try {
        await page.setViewportSize({ width, height: 800 });
        await page.goto(site.url(`/notes/${slug}`));
        await page.screenshot({ path: join(SHOTS, `note-type-${width}.png`), fullPage: true });
        const [title, h1, h2, h3, body] = await sizes(page, ['h1.entry-title', ...INSIDE, '.e-content p']);
        expect(title).not.toBeNull();
        for (const inside of [h1, h2, h3])
          expect(title!, `title ${title} > heading ${inside}`).toBeGreaterThan(inside!);
        // …and the headings inside still stand out from the text, largest first.
        expect(h1!).toBeGreaterThan(h2!);
        expect(h2!).toBeGreaterThan(h3!);
        expect(h3!).toBeGreaterThan(body!);
      } finally {
        await page.close();
      }
    });

    it(`home page at ${width}px`, async () => {
      const page = await visitor.newPage();
      try {
        await page.setViewportSize({ width, height: 800 });
        await page.goto(site.url('/'));
        const [title, h1, h2] = await sizes(page, ['.entry-title', ...INSIDE]);
        expect(title!).toBeGreaterThan(h1!);
        expect(title!).toBeGreaterThan(h2!);
      } finally {
        await page.close();
      }
    });
  }
});
