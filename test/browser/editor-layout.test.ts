/**
 * Issue 25, writing items 1 and 2, in a real Chromium. The editor shows only what the chosen kind
 * of post uses (no "Address it responds to" for a note, no title for a like, no date unless
 * scheduling), opens with the text field focused, keeps Save in the window at 1280 and 390 px, in
 * the light and the dark scheme, axe-clean for each kind; Ctrl+S saves a new note as a draft and
 * Ctrl+Enter publishes it. Several photos at once: chosen together, dropped and pasted, each
 * uploaded with a progress bar and shown with its description field before the note is saved;
 * and without JavaScript, several files in the plain field, "Upload and describe", then Save.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Site, seriousViolations, signIn, startSite, watchErrors, writePng } from './setup.js';

const SHOTS = '/tmp/starpunk-shots';

let site: Site;
let context: BrowserContext | undefined;
let page: Page;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  site = await startSite('editor-layout');
});
afterAll(async () => {
  await site?.stop();
});
afterEach(async () => {
  await context?.close();
  context = undefined;
});

async function open(width: number, height: number, colorScheme: 'light' | 'dark' = 'light') {
  context = await site.browser.newContext({ viewport: { width, height }, colorScheme });
  page = await context.newPage();
  const errors = watchErrors(page);
  await signIn(page, site);
  await forgetNewDraft();
  return errors;
}

/**
 * Forgets what an earlier test left in the new-note editor's server copy (autosave brings it back
 * into any new editor, as it should), so that each test starts from an empty editor.
 */
async function forgetNewDraft(): Promise<void> {
  await page.evaluate(`(async () => {
    const res = await fetch('/admin/drafts/new', { headers: { Accept: 'application/json' } });
    const { csrf } = await res.json();
    await fetch('/admin/drafts/new/discard', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: '{}',
    });
  })()`);
}

async function axeClean(where: string): Promise<void> {
  const violations = await seriousViolations(page);
  expect(violations, `axe on ${where}:\n${violations.join('\n')}`).toEqual([]);
}

/** Whether the element is rendered (not hidden by the editor script). */
const shown = (selector: string) => page.locator(selector).isVisible();

/** The Save button lies inside the window as it is now. */
async function saveInView(): Promise<boolean> {
  const box = await page.getByRole('button', { name: /^Save (note|changes)$/ }).boundingBox();
  const view = page.viewportSize()!;
  return box !== null && box.y >= 0 && box.y + box.height <= view.height;
}

const KINDS = [
  ['note', ''],
  ['reply', 'in-reply-to'],
  ['like', 'like-of'],
  ['repost', 'repost-of'],
  ['bookmark', 'bookmark-of'],
] as const;

for (const [width, height] of [
  [1280, 900],
  [390, 844],
] as const) {
  for (const scheme of ['light', 'dark'] as const) {
    describe(`the editor at ${width} px, ${scheme}`, () => {
      it('shows what each kind uses, focuses the text, keeps Save in reach, axe-clean', async () => {
        const errors = await open(width, height, scheme);
        await page.goto(site.url('/admin/new'));
        expect(await page.evaluate<string>('document.activeElement.id')).toBe('content');
        expect(await page.getByText('Publishes it now.').isVisible()).toBe(true);
        // The shortcuts are named where a keyboard is likely (a phone's bar stays short).
        expect(await page.getByText(/Ctrl\+Enter publishes/).isVisible()).toBe(width > 640);

        for (const [name, kind] of KINDS) {
          await page.locator('#response_kind').selectOption(kind);
          expect(await shown('#response_url'), `${name}: address`).toBe(kind !== '');
          expect(await shown('#name'), `${name}: title`).toBe(kind === '' || kind === 'bookmark-of');
          expect(await shown('#photo'), `${name}: photos`).toBe(kind === '' || kind === 'in-reply-to');
          expect(await shown('#content'), `${name}: text`).toBe(true);
          expect(await shown('#publish_at'), `${name}: date while "Publish now"`).toBe(false);
          // Scrolled to the top and to the middle: Save is in the window either way.
          await page.evaluate('window.scrollTo(0, 0)');
          expect(await saveInView(), `${name}: Save in view at the top`).toBe(true);
          await page.evaluate('window.scrollTo(0, document.body.scrollHeight / 2)');
          expect(await saveInView(), `${name}: Save in view half way`).toBe(true);
          await page.evaluate('window.scrollTo(0, 0)');
          await page.screenshot({ path: join(SHOTS, `editor-${name}-${width}-${scheme}.png`) });
          await axeClean(`the ${name} editor at ${width} px (${scheme})`);
        }

        // The date shows only while scheduling; a title typed for a note stays in view for a like.
        await page.locator('#response_kind').selectOption('');
        await page.getByLabel('Schedule for').check();
        expect(await shown('#publish_at')).toBe(true);
        expect(await page.getByText('Schedules it.').isVisible()).toBe(true);
        await page.getByLabel('Publish now').check();
        expect(await shown('#publish_at')).toBe(false);
        await page.locator('#name').fill('Kept in view');
        await page.locator('#response_kind').selectOption('like-of');
        expect(await shown('#name')).toBe(true);
        await page.screenshot({ path: join(SHOTS, `editor-full-${width}-${scheme}.png`), fullPage: true });
        expect(errors).toEqual([]);
      });
    });
  }
}

describe('keyboard shortcuts', () => {
  it('Ctrl+S saves a new note as a draft, Ctrl+Enter publishes it', async () => {
    const errors = await open(1280, 900);
    await page.goto(site.url('/admin/new'));
    // Chromium applies `autofocus` at a rendering step after `load`: on a busy machine the first
    // key could arrive before it. Typing starts once the text has the focus (no click: that is
    // the autofocus under test).
    await page.waitForFunction("document.activeElement !== null && document.activeElement.id === 'content'");
    await page.keyboard.type('Written with the keyboard only');
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('flash') === 'draft'),
      page.keyboard.press('Control+s'),
    ]);
    expect(await page.getByRole('status').filter({ hasText: 'Draft saved.' }).count()).toBe(1);
    expect(await page.locator('input[name="status"][value="draft"]').isChecked()).toBe(true);
    expect(await page.evaluate<string>('document.activeElement.id')).toBe('content');
    await page.keyboard.press('End');
    await page.keyboard.type(', then published.');
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('flash') === 'published'),
      page.keyboard.press('Control+Enter'),
    ]);
    expect(await page.getByRole('status').filter({ hasText: 'Note published.' }).count()).toBe(1);
    const href = await page.locator('.editor-links a').first().getAttribute('href');
    const pub = await (await context!.request.get(href!)).text();
    expect(pub).toContain('Written with the keyboard only, then published.');
    // Published from a draft: not "updated" (issue 25 item 3).
    expect(pub).not.toContain('dt-updated');
    // A live note: Ctrl+S keeps it live ("Note saved.").
    await page.locator('#content').press('End');
    await page.keyboard.type(' Edited.');
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('flash') === 'saved'),
      page.keyboard.press('Control+s'),
    ]);
    expect(errors).toEqual([]);
  });
});

/** The photo rows' addresses and descriptions, in order. */
const rows = () =>
  page.locator('#photo-list [data-photo-row]').evaluateAll((els) =>
    els.map((li) => ({
      url: (li.querySelector('input[type="hidden"]') as unknown as { value: string }).value,
      alt: (li.querySelector('input[type="text"]') as unknown as { value: string }).value,
    })),
  );

describe('several photos at once', () => {
  it('chosen together, dropped and pasted: uploaded with progress, described before saving', async () => {
    const errors = await open(1280, 900);
    const files = await Promise.all(['one', 'two', 'three'].map((n) => writePng(site.dir, `pick-${n}.png`)));
    await page.goto(site.url('/admin/new'));
    await page.locator('#content').fill('Three, then two more');
    // Progress bars are shown while the files go up (the first one is seen as it starts).
    const sawProgress = page
      .locator('#photo-list progress')
      .first()
      .waitFor({ state: 'attached' })
      .then(() => true);
    await page.locator('#photo').setInputFiles(files);
    expect(await sawProgress).toBe(true);
    await expect.poll(async () => (await rows()).filter((r) => r.url !== '').length).toBe(3);
    expect(await page.locator('#photo-list progress').count()).toBe(0);
    expect(await page.locator('#photo-list img.thumb:visible').count()).toBe(3);
    // The no-script parts step aside; each row has its own description field.
    expect(await shown('#photo_alt')).toBe(false);
    for (const [i, n] of ['one', 'two', 'three'].entries())
      await page.getByLabel(`Description (alt text) of photo ${i + 1}`).fill(`Photo ${n}`);

    // Dropped on the form, and pasted into the text.
    const bytes = readFileSync(await writePng(site.dir, 'dropped.png')).toString('base64');
    await page.evaluate(`(() => {
      const bin = Uint8Array.from(atob(${JSON.stringify(bytes)}), (ch) => ch.charCodeAt(0));
      const drop = new DataTransfer();
      drop.items.add(new File([bin], 'dropped.png', { type: 'image/png' }));
      const zone = document.querySelector('[data-photo-drop]');
      zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: drop, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: drop, bubbles: true, cancelable: true }));
      const paste = new DataTransfer();
      paste.items.add(new File([bin], 'pasted.png', { type: 'image/png' }));
      document
        .getElementById('content')
        .dispatchEvent(new ClipboardEvent('paste', { clipboardData: paste, bubbles: true, cancelable: true }));
    })()`);
    await expect.poll(async () => (await rows()).filter((r) => r.url !== '').length).toBe(5);
    expect(await page.locator('#content').inputValue()).toBe('Three, then two more');
    await page.getByLabel('Description (alt text) of photo 4').fill('Dropped photo');
    await page.getByLabel('Description (alt text) of photo 5').fill('Pasted photo');
    await axeClean('the editor with five photos');
    await page.screenshot({ path: join(SHOTS, 'editor-photos-1280.png'), fullPage: true });

    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('flash') === 'published'),
      page.getByRole('button', { name: 'Save note' }).click(),
    ]);
    const saved = await rows();
    expect(saved.map((r) => r.alt)).toEqual([
      'Photo one',
      'Photo two',
      'Photo three',
      'Dropped photo',
      'Pasted photo',
    ]);
    for (const r of saved) expect(r.url).toMatch(/^\/media\/\d{4}\/\d{2}\/[0-9a-f-]{36}\.png$/);
    expect(errors).toEqual([]);
  });

  it('a file that is not an image is refused in its row, and the note saves without it', async () => {
    const errors = await open(390, 844);
    await page.goto(site.url('/admin/new'));
    await page.locator('#content').fill('One good, one bad');
    const good = await writePng(site.dir, 'good.png');
    // Named and typed as a PNG, but not one: the server refuses it.
    await page.locator('#photo').setInputFiles([
      { name: 'good.png', mimeType: 'image/png', buffer: readFileSync(good) },
      { name: 'fake.png', mimeType: 'image/png', buffer: Buffer.from('not a picture at all') },
    ]);
    await expect.poll(async () => page.locator('.photo-error').count()).toBe(1);
    await expect.poll(async () => (await rows()).filter((r) => r.url !== '').length).toBe(1);
    expect(await page.locator('.photo-error').textContent()).toMatch(/^Not uploaded: /);
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('flash') === 'published'),
      page.getByRole('button', { name: 'Save note' }).click(),
    ]);
    expect((await rows()).length).toBe(1);
    // The refused upload (415: not an image) is the only error answer the page saw.
    expect(errors).toEqual(['HTTP 415: POST /admin/media/upload']);
  });

  it('without JavaScript: several files in the plain field, described, then saved', async () => {
    context = await site.browser.newContext({
      viewport: { width: 390, height: 844 },
      javaScriptEnabled: false,
    });
    page = await context.newPage();
    await signIn(page, site);
    await page.goto(site.url('/admin/new'));
    await page.locator('#content').fill('Two photos without a script');
    const files = await Promise.all(['a', 'b'].map((n) => writePng(site.dir, `plain-${n}.png`)));
    await page.locator('#photo').setInputFiles(files);
    await page.getByRole('button', { name: 'Upload and describe' }).click();
    await page.waitForLoadState();
    expect((await rows()).length).toBe(2);
    await page.getByLabel('Description (alt text) of photo 1').fill('Plain A');
    await page.getByLabel('Description (alt text) of photo 2').fill('Plain B');
    expect(await page.locator('#content').inputValue()).toBe('Two photos without a script');
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('flash') === 'published'),
      page.getByRole('button', { name: 'Save note' }).click(),
    ]);
    expect((await rows()).map((r) => r.alt)).toEqual(['Plain A', 'Plain B']);
  });
});
