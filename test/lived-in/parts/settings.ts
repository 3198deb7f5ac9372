/**
 * Settings: every field of Admin → Settings, filled in Chromium, with all three pictures (author
 * photo, site icon, default social image). Checked on every record: the pictures answer, and
 * every page (standalone pages, error and sign-in pages too) states the site's own facts.
 */
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import type { Recording } from '../record.js';
import { htmlPages, open, type Part, picture, submit, type World } from '../world.js';

export const SITE_NAME = 'The Lived-in Log';
export const LANGUAGE = 'fr';
export const FOOTER = 'Written by hand, kept for decades.';
export const TIME_ZONE = 'Europe/Berlin';
export const AUTHOR = 'Ada Lived';

/** Every icon address a browser or a phone asks for. */
const ICONS = [
  '/favicon.ico',
  '/apple-touch-icon.png',
  '/icon-32.png',
  '/icon-180.png',
  '/icon-192.png',
  '/icon-512.png',
];

const sha = (b: ArrayBuffer) => createHash('sha256').update(Buffer.from(b)).digest('hex');

export const settings: Part = {
  name: 'settings',

  async build(w: World) {
    // The icons before the owner chooses one: what "the owner's icon" must differ from.
    for (const path of ICONS)
      w.made[`defaultIcon ${path}`] = sha(await (await w.site.fetch(path)).arrayBuffer());
    const page = await open(w, '/admin/settings');
    await page.locator('#site_name').fill(SITE_NAME);
    await page.locator('#site_description').fill('Notes from a site that uses everything it has.');
    await page.locator('#language').fill(LANGUAGE);
    // Three notes a page: the home page has older pages (?before=) to record.
    await page.locator('#posts_per_page').fill('3');
    await page.locator('#footer_text').fill(FOOTER);
    await page.locator('#time_zone').selectOption(TIME_ZONE);
    await page.locator('#author_name').fill(AUTHOR);
    await page.locator('#author_note').fill('Weaves, writes, and keeps what she makes.');
    await page.locator('#rel_me').fill(`${w.mastodon.url}@ada\nhttps://github.com/ada-lived`);
    await page.locator('#author_photo').setInputFiles(await picture(w, 'author.jpg', 400, 400));
    await page.locator('#site_icon').setInputFiles(await picture(w, 'icon.png', 512, 512));
    await page.locator('#social_image').setInputFiles(await picture(w, 'social.jpg', 1200, 630));
    await submit(w, 'Save settings', (u) => u.pathname === '/admin/settings' && u.search === '?flash=saved');
    expect(await page.locator('img.settings-picture').count()).toBe(3);
  },

  snapshot(_w, r) {
    for (const path of ['/', ...ICONS, '/robots.txt', '/sitemap.xml', '/no-such-page', '/auth/login'])
      r.seed(path);
    r.admin('/admin/settings');
  },

  check(rec: Recording, w: World) {
    // The pictures the settings page shows, the icons and the h-card's photo answer.
    const broken: string[] = [];
    const admin = rec.get('ADMIN /admin/settings')?.body ?? '';
    const shown = [...admin.matchAll(/<img class="settings-picture[^"]*" src="([^"]+)"/g)].map((m) =>
      m[1]!.replace(/&amp;/g, '&'),
    );
    if (shown.length !== 3) broken.push(`Settings shows ${shown.length} of the 3 pictures`);
    for (const src of shown) {
      const a = rec.page(src);
      if (!a) broken.push(`${src} (shown in Settings) is linked from no public page`);
      else if (a.status !== 200 || !a.type.startsWith('image/'))
        broken.push(`${src} (shown in Settings): ${a.status}`);
    }
    for (const path of ICONS) {
      const a = rec.page(path);
      if (a?.status !== 200 || !a.type.startsWith('image/')) broken.push(`${path}: ${a?.status} ${a?.type}`);
      else if (a.body.includes(`sha256:${w.made[`defaultIcon ${path}`]}`))
        broken.push(`${path} is the default icon`);
    }
    const footer = (rec.page('/')?.body ?? '').split('class="site-footer"')[1] ?? '';
    const photo = /<img class="u-photo" src="([^"]+)"/.exec(footer)?.[1];
    if (!photo) broken.push('the h-card on the home page has no photo');
    else if (rec.page(photo)?.status !== 200)
      broken.push(`the h-card photo ${photo}: ${rec.page(photo)?.status}`);
    expect.soft(broken, 'the owner’s pictures').toEqual([]);

    // Every page states the site's own facts: language, name, footer, an absolute og:image.
    const stale: string[] = [];
    for (const [path, html] of htmlPages(rec)) {
      if (!html.includes('<html')) continue;
      const lang = /<html[^>]*\blang="([^"]*)"/.exec(html)?.[1];
      if (lang !== LANGUAGE) stale.push(`${path}: lang="${lang}"`);
      if (!html.includes(SITE_NAME)) stale.push(`${path}: no site name "${SITE_NAME}"`);
      if (!html.includes(FOOTER)) stale.push(`${path}: no footer text`);
      const og = /<meta property="og:image" content="([^"]*)"/.exec(html)?.[1]?.replace(/&amp;/g, '&');
      if (!og?.startsWith(w.site.origin)) stale.push(`${path}: og:image ${og ?? 'missing'} is not absolute`);
      else if (rec.page(og.slice(w.site.origin.length))?.status !== 200)
        stale.push(`${path}: og:image ${og} does not answer 200`);
    }
    expect.soft(stale, 'pages with stale or missing site facts').toEqual([]);

    // Feeds speak the site's language and carry its name.
    const rss = rec.page('/feed.rss')?.body ?? '';
    expect.soft(/<language>([^<]*)<\/language>/.exec(rss)?.[1], 'RSS <language>').toBe(LANGUAGE);
    expect.soft(/<channel>\s*<title>([^<]*)<\/title>/.exec(rss)?.[1], 'RSS title').toBe(SITE_NAME);
    const json = JSON.parse(rec.page('/feed.json')?.body ?? '{}') as { title?: string; language?: string };
    expect.soft(json.title, 'JSON Feed title').toBe(SITE_NAME);
    expect.soft(json.language, 'JSON Feed language').toBe(LANGUAGE);

    // Times are shown in the owner's time zone everywhere (public pages and the admin).
    const utc: string[] = [];
    for (const [key, a] of rec.answers) {
      if (!a.type.startsWith('text/html')) continue;
      const m = /[^<>]{0,40}\d{1,2}:\d{2} UTC\b/.exec(a.body);
      if (m) utc.push(`${key}: "${m[0].trim()}"`);
    }
    expect.soft(utc, `pages showing times in UTC although the time zone is ${TIME_ZONE}`).toEqual([]);
  },
};
