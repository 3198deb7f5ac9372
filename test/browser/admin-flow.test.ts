import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Site, signIn, startSite, watchErrors, writePng } from './setup.js';

let site: Site;
let context: BrowserContext;
let page: Page;
let errors: string[];

beforeAll(async () => {
  site = await startSite('flow');
});
afterAll(async () => {
  await site?.stop();
});
beforeEach(async () => {
  context = await site.browser.newContext();
  page = await context.newPage();
  errors = watchErrors(page);
});
afterEach(async () => {
  await context.close();
});

/** What the test reads of an <img> (the project's TypeScript setup has no DOM types). */
interface ImageLike {
  complete: boolean;
  naturalWidth: number;
}

/** The dashboard row of the note with this title. */
const row = (title: string) => page.locator('.admin-table tbody tr', { hasText: title });

describe('the admin in a real browser', () => {
  it('signs in, writes a note with a photo, publishes, edits, trashes, restores and signs out', async () => {
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      void dialog.accept();
    });

    // Sign in with the password set by the CLI.
    await signIn(page, site);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Notes');

    // Write a note: title, Markdown, a tag, a photo with alt text.
    await page.getByRole('link', { name: 'New note', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/admin/new');
    const title = 'Browser walk-through';
    await page.locator('#name').fill(title);
    await page.locator('#content').fill('Hello from **a real browser**, with _emphasis_.');
    // The live preview renders the Markdown on the server while typing.
    const strong = page.locator('#preview .e-content strong');
    await strong.waitFor({ timeout: 10_000 });
    expect(await strong.textContent()).toBe('a real browser');
    expect(await page.locator('#preview .e-content em').textContent()).toBe('emphasis');
    await page.locator('#tags').fill('browsertest');
    const png = await writePng(site.dir);
    await page.locator('#photo').setInputFiles(png);
    // The editor script uploads the photo at once and gives it a row with its own description.
    await page.locator('#photo-list input[type="hidden"][value^="/media/"]').waitFor({ state: 'attached' });
    await page.locator('#photo_alt_0').fill('A red rectangle');
    expect(await page.locator('input[name="status"][value="publish"]').isChecked()).toBe(true);

    await Promise.all([
      page.waitForURL((u) => /^\/admin\/edit\/\d+$/.test(u.pathname)),
      page.getByRole('button', { name: 'Save note' }).click(),
    ]);
    expect(await page.getByRole('status').textContent()).toContain('Note published.');
    const slug = await page.locator('#slug').inputValue();
    expect(slug).toMatch(/^[a-z0-9-]+$/);
    const editUrl = page.url();
    // The uploaded photo is attached with its description.
    expect(await page.locator('#photo_alt_0').inputValue()).toBe('A red rectangle');

    // The public home page shows it as an h-entry, with the photo.
    await page.goto(site.url('/'));
    const entry = page.locator('.h-entry', { has: page.locator('.p-name', { hasText: title }) });
    expect(await entry.count()).toBe(1);
    expect(await entry.locator('.e-content strong').textContent()).toBe('a real browser');
    expect(await entry.locator('.p-category').textContent()).toBe('browsertest');
    const photo = entry.locator('img.u-photo');
    expect(await photo.getAttribute('alt')).toBe('A red rectangle');
    await photo.scrollIntoViewIfNeeded();
    await expect
      .poll(() => photo.evaluate((img: ImageLike) => (img.complete ? img.naturalWidth : 0)), {
        timeout: 10_000,
      })
      .toBe(240);

    // …and in the RSS feed.
    const rss = await fetch(site.url('/feed.rss'));
    expect(rss.status).toBe(200);
    const feed = await rss.text();
    expect(feed).toContain(`<title>${title}</title>`);
    expect(feed).toContain(`notes/${slug}`);
    expect(feed).toContain('browsertest');

    // Edit the text, save, see the change on the note's page.
    await page.goto(editUrl);
    await page.locator('#content').fill('Edited in the browser: **changed text**.');
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('flash') === 'saved'),
      page.getByRole('button', { name: 'Save changes' }).click(),
    ]);
    expect(await page.getByRole('status').textContent()).toContain('Note saved.');
    const notePage = await page.goto(site.url(`/notes/${slug}`));
    expect(notePage?.status()).toBe(200);
    expect(await page.locator('h1.p-name').textContent()).toBe(title);
    expect(await page.locator('.e-content').textContent()).toContain('Edited in the browser: changed text.');
    expect(await page.locator('.e-content').textContent()).not.toContain('Hello from');

    // Move it to the trash from the dashboard: the note's address answers 410 Gone.
    await page.goto(site.url('/admin'));
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('flash') === 'trashed'),
      row(title).getByRole('button', { name: 'Move to trash' }).click(),
    ]);
    expect(await page.getByRole('status').textContent()).toContain('Note moved to the trash');
    expect(await row(title).count()).toBe(0);
    expect((await fetch(site.url(`/notes/${slug}`))).status).toBe(410);

    // Restore it from the Trash filter.
    await page.getByRole('navigation', { name: 'Filter notes' }).getByRole('link', { name: /Trash/ }).click();
    await page.waitForURL((u) => u.searchParams.get('filter') === 'trash');
    expect(await row(title).locator('.badge').textContent()).toBe('trash');
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('flash') === 'restored'),
      row(title).getByRole('button', { name: 'Restore' }).click(),
    ]);
    expect(await page.getByRole('status').textContent()).toContain('Note restored.');
    expect((await fetch(site.url(`/notes/${slug}`))).status).toBe(200);
    await page.goto(site.url('/admin?filter=published'));
    expect(await row(title).count()).toBe(1);

    // Sign out: the admin sends the browser to sign in again.
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/'),
      page.getByRole('button', { name: 'Sign out' }).click(),
    ]);
    const cookies = await context.cookies();
    expect(cookies.filter((c) => c.name === 'starpunk_session')).toEqual([]);
    await page.goto(site.url('/admin'));
    const after = new URL(page.url());
    expect(after.pathname).toBe('/auth/login');
    expect(after.searchParams.get('next')).toBe('/admin');
    expect(await page.locator('h1').textContent()).toBe('Sign in');

    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('keeps what was typed when the form comes back with an error', async () => {
    await signIn(page, site);
    await page.goto(site.url('/admin/new'));
    const text = 'A scheduled note\n\nwith **two** paragraphs.';
    await page.locator('#name').fill('Kept title');
    await page.locator('#content').fill(text);
    await page.locator('#tags').fill('one, two');
    await page.locator('input[name="status"][value="schedule"]').check();
    await page.locator('#publish_at').fill('');
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/admin/new')),
      page.getByRole('button', { name: 'Save note' }).click(),
    ]);
    expect(response.status()).toBe(400);
    await page.waitForLoadState('domcontentloaded');
    const alert = page.locator('.flash-error[role="alert"]');
    expect(await alert.locator('li').allTextContents()).toEqual(['Give the date and time to publish at.']);
    expect(await page.locator('#content').inputValue()).toBe(text);
    expect(await page.locator('#name').inputValue()).toBe('Kept title');
    expect(await page.locator('#tags').inputValue()).toBe('one, two');
    expect(await page.locator('input[name="status"][value="schedule"]').isChecked()).toBe(true);
    // Nothing was saved.
    await page.goto(site.url('/admin'));
    expect(await row('Kept title').count()).toBe(0);

    // …but nothing typed is lost: the dashboard points back to it, the editor brings it back, and
    // discarding it clears the copies (in this browser and on the server).
    await page.getByRole('link', { name: 'Continue writing' }).click();
    await page.waitForURL((u) => u.pathname === '/admin/new');
    await expect
      .poll(() => page.locator('#draft-status').textContent())
      .toMatch(/^Restored what you wrote at/);
    expect(await page.locator('#content').inputValue()).toBe(text);
    await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/admin/drafts/new/discard') && r.status() === 204),
      page.getByRole('button', { name: 'Discard what was restored' }).click(),
    ]);
    expect(await page.locator('#content').inputValue()).toBe('');
    await page.goto(site.url('/admin'));
    expect(await page.getByRole('link', { name: 'Continue writing' }).count()).toBe(0);

    // The 400 answer to the form post is the only error expected.
    expect(errors).toEqual(['HTTP 400: POST /admin/new']);
  });

  it('warns before leaving the editor with unsaved changes', async () => {
    await signIn(page, site);
    await page.goto(site.url('/admin/new'));
    // Typed for real (key events), so the page has the user activation beforeunload needs.
    await page.locator('#content').click();
    await page.keyboard.type('Not saved yet');

    const seen: string[] = [];
    let answer: 'dismiss' | 'accept' = 'dismiss';
    page.on('dialog', (dialog) => {
      seen.push(dialog.type());
      void (answer === 'dismiss' ? dialog.dismiss() : dialog.accept());
    });

    // Staying: the dialog appears, the browser stays on the editor, the text is still there.
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Notes' }).click();
    await expect.poll(() => seen).toEqual(['beforeunload']);
    expect(new URL(page.url()).pathname).toBe('/admin/new');
    expect(await page.locator('#content').inputValue()).toBe('Not saved yet');

    // Leaving: the dialog appears again and the browser goes.
    answer = 'accept';
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/admin'),
      page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Notes' }).click(),
    ]);
    expect(seen).toEqual(['beforeunload', 'beforeunload']);

    // The editor brings the text back (it was never saved), so leaving it again asks too.
    await page.goto(site.url('/admin/new'));
    await expect.poll(() => page.locator('#content').inputValue()).toBe('Not saved yet');
    // Discarded, the editor is clean: leaving it does not ask.
    await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/admin/drafts/new/discard')),
      page.getByRole('button', { name: 'Discard what was restored' }).click(),
    ]);
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Media' }).click();
    await page.waitForURL((u) => u.pathname === '/admin/media');
    expect(seen).toHaveLength(2);
    expect(errors).toEqual([]);
  });
});
