import { existsSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Admin, postForm, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { photoLike } from '../helpers/images.js';
import { currentForm, restart, saveSettings } from '../helpers/settings.js';

let t: TestApp;
let admin: Admin;
beforeEach(async () => {
  t = createTestApp();
  admin = await signIn(t);
});
afterEach(() => t.close());

const FULL = {
  site_name: 'Ada’s Notebook',
  site_description: 'Notes on engines & numbers',
  language: 'en-GB',
  posts_per_page: '2',
  footer_text: 'Written by hand in London.',
  time_zone: 'Asia/Kolkata',
  author_name: 'Augusta Ada King',
  author_url: 'https://ada.example/',
  author_note: 'Mathematician; first to publish an algorithm for a machine.',
  rel_me: 'https://mastodon.example/@ada\nhttps://github.com/ada\nmailto:ada@example.com',
};

function png(size: number): Promise<Buffer> {
  return photoLike(size, Math.round(size * 0.75))
    .png()
    .toBuffer();
}

describe('admin → Settings', () => {
  it('is an admin page: signed out is sent to sign in, a post without the CSRF token is refused', async () => {
    const res = await t.get('/admin/settings');
    expect([302, 303]).toContain(res.status);
    expect(res.headers.get('location')).toContain('/auth/login');
    const forged = await postForm(t, { ...admin, csrf: 'wrong' }, '/admin/settings', { site_name: 'X' });
    expect(forged.status).toBe(403);
    expect(await (await t.get('/')).text()).toContain('Test Site');
  });

  it('starts from the environment variables (first-run defaults) and links Settings in the admin menu', async () => {
    const html = await (await t.get('/admin', { Cookie: admin.cookie })).text();
    expect(html).toContain('href="/admin/settings"');
    const form = await currentForm(t, admin);
    expect(form.site_name).toBe('Test Site');
    expect(form.author_name).toBe('Ada Lovelace');
    expect(form.posts_per_page).toBe('20');
    expect(form.language).toBe('en');
    expect(form.time_zone).toBe('');
  });

  it('every setting shows on the site at once, without a restart, and after one', async () => {
    for (let i = 0; i < 3; i++) {
      t.notes.createNote({ content: `Note number ${i}`, tags: ['maths'] });
      t.clock.advance(60_000);
    }
    // Pages rendered (and cached) under the old settings first.
    const before = await (await t.get('/')).text();
    expect(before).toContain('<html lang="en">');
    expect(before).toContain('UTC');
    const note = t.notes.listPublicNotes(1)[0]!;
    await t.get(`/notes/${note.slug}`);
    await t.get('/feed.json');

    const saved = await saveSettings(t, admin, FULL);
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toBe('/admin/settings?flash=saved');

    const check = async (get: (p: string) => Promise<Response>) => {
      const home = await (await get('/')).text();
      expect(home).toContain('<html lang="en-GB">');
      expect(home).toContain('<title>Ada’s Notebook</title>');
      expect(home).toContain('<meta name="description" content="Notes on engines &amp; numbers"');
      expect(home).toContain('Written by hand in London.');
      expect(home).toContain('<link rel="me" href="https://mastodon.example/@ada"');
      expect(home).toContain('Augusta Ada King');
      // Two posts per page: the third note is on the next page.
      expect(home.match(/class="h-entry/g)?.length).toBe(2);
      expect(home).toContain('rel="next"');
      // Dates in Asia/Kolkata (the machine-readable datetime stays UTC).
      expect(home).toContain('GMT+5:30');
      expect(home).toMatch(/datetime="2026-11-27T12:02:00.000Z"/);
      const tag = await (await get('/tag/maths')).text();
      expect(tag.match(/class="h-entry/g)?.length).toBe(2);
      const page = await (await get(`/notes/${note.slug}`)).text();
      expect(page).toContain('Ada’s Notebook');
      expect(page).toContain('GMT+5:30');
      const feed = (await (await get('/feed.json')).json()) as { title: string; authors: { name: string }[] };
      expect(feed.title).toBe('Ada’s Notebook');
      expect(feed.authors[0]!.name).toBe('Augusta Ada King');
      // Feeds keep exact instants: RFC 822 in GMT for RSS, RFC 3339 for Atom.
      const rss = await (await get('/feed.rss')).text();
      expect(rss).toMatch(/<pubDate>Fri, 27 Nov 2026 12:0\d:00 (GMT|\+0000)<\/pubDate>/);
      const atom = await (await get('/feed.atom')).text();
      expect(atom).toMatch(/<published>2026-11-27T12:0\d:00(\.000)?Z<\/published>/);
      const missing = await get('/no-such-page');
      expect(await missing.text()).toContain('Ada’s Notebook');
    };
    await check(t.get);
    const admin2 = await (await t.get('/admin', { Cookie: admin.cookie })).text();
    expect(admin2).toContain('Ada’s Notebook admin');

    // A restart: a new app on the same data directory reads the same settings.
    const again = restart(t);
    try {
      await check(again.get);
    } finally {
      again.close();
    }
  });

  it('a change saved by another process on the same database shows too (its version moves)', async () => {
    await t.get('/');
    const other = restart(t);
    try {
      other.app.services.settings.save({ siteName: 'Changed Elsewhere' });
    } finally {
      other.close();
    }
    expect(await (await t.get('/')).text()).toContain('<title>Changed Elsewhere</title>');
  });

  it('refuses invalid values with a 400 page that keeps the form and names every problem', async () => {
    const res = await saveSettings(t, admin, {
      site_name: '  ',
      language: 'not a language',
      posts_per_page: '0',
      time_zone: 'Mars/Olympus_Mons',
      author_url: 'javascript:alert(1)',
      rel_me: 'https://ok.example/\nnot a link',
      footer_text: 'kept as typed',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    for (const message of [
      'Give the site a name.',
      'The language must be a language tag',
      'Posts per page must be a whole number from 1 to 100.',
      'The time zone must be a name such as Europe/Paris',
      'The author’s URL must start with https:// or http://.',
      '“not a link” is not a link',
    ]) {
      expect(html).toContain(message);
    }
    expect(html).toContain('kept as typed');
    expect(html).toContain('not a link</textarea>');
    // Nothing was saved.
    expect(await (await t.get('/')).text()).toContain('<title>Test Site</title>');
    const tooLong = await saveSettings(t, admin, { author_note: 'x'.repeat(1001) });
    expect(tooLong.status).toBe(400);
    expect(await tooLong.text()).toContain('The short bio is at most 1000 characters.');
  });

  it('a file that is not a picture is a clear 415 with the form kept; nothing is saved', async () => {
    const res = await saveSettings(
      t,
      admin,
      { site_name: 'Not saved' },
      { author_photo: Buffer.from('%PDF-1.4') },
    );
    expect(res.status).toBe(415);
    const html = await res.text();
    expect(html).toContain('this file is not one of them');
    expect(html).toContain('value="Not saved"');
    expect(await (await t.get('/')).text()).toContain('<title>Test Site</title>');
  });

  it('crops the author photo square in several sizes and shows it in the h-card', async () => {
    const res = await saveSettings(t, admin, {}, { author_photo: await png(900) });
    expect(res.status).toBe(303);
    const photo = t.app.services.settings.current().settings.authorPhoto;
    expect(photo).toMatch(/^\/media\/site\/author-[a-f0-9]{16}-512\.jpg$/);
    for (const size of [96, 192, 512]) {
      const r = await t.get(photo.replace('-512.jpg', `-${size}.jpg`));
      expect(r.status).toBe(200);
      const meta = await sharp(Buffer.from(await r.arrayBuffer())).metadata();
      expect([meta.width, meta.height, meta.format]).toEqual([size, size, 'jpeg']);
    }
    const home = await (await t.get('/')).text();
    expect(home).toContain(`class="u-photo" src="${photo.replace('-512', '-96')}"`);
    // Removing it.
    expect((await saveSettings(t, admin, { remove_author_photo: '1' })).status).toBe(303);
    expect(await (await t.get('/')).text()).not.toContain('u-photo');
  });

  it('makes the site icon in every size and serves it at the conventional addresses', async () => {
    // Before an icon is set: StarPunk's default icon, at the same address.
    const fallback = await t.get('/favicon.ico');
    expect(fallback.status).toBe(200);
    const defaultBytes = Buffer.from(await fallback.arrayBuffer());
    expect(await (await t.get('/')).text()).toContain('<link rel="icon" href="/favicon.ico"');
    expect((await saveSettings(t, admin, {}, { site_icon: await png(640) })).status).toBe(303);
    const id = t.app.services.settings.current().settings.icon;
    for (const [path, size] of [
      ['/icon-32.png', 32],
      ['/icon-180.png', 180],
      ['/apple-touch-icon.png', 180],
      ['/icon-192.png', 192],
      ['/icon-512.png', 512],
    ] as const) {
      const r = await t.get(path);
      expect(r.status, path).toBe(200);
      expect(r.headers.get('content-type')).toBe('image/png');
      const meta = await sharp(Buffer.from(await r.arrayBuffer())).metadata();
      expect([meta.width, meta.height]).toEqual([size, size]);
    }
    const ico = await t.get('/favicon.ico');
    expect(ico.status).toBe(200);
    expect(ico.headers.get('content-type')).toBe('image/x-icon');
    const bytes = Buffer.from(await ico.arrayBuffer());
    expect(bytes.equals(defaultBytes)).toBe(false);
    // ICONDIR: reserved 0, type 1 (icon), one image of 32×32 whose data is a PNG.
    expect([bytes.readUInt16LE(0), bytes.readUInt16LE(2), bytes.readUInt16LE(4), bytes[6], bytes[7]]).toEqual(
      [0, 1, 1, 32, 32],
    );
    expect(bytes.subarray(bytes.readUInt32LE(18), bytes.readUInt32LE(18) + 4).toString('latin1')).toBe(
      '\x89PNG',
    );
    const home = await (await t.get('/')).text();
    expect(home).toContain(`<link rel="icon" href="/favicon.ico?v=${id}" sizes="32x32"`);
    expect(home).toContain(`<link rel="apple-touch-icon" href="/apple-touch-icon.png?v=${id}"`);
    expect(existsSync(join(t.config.mediaPath, 'site', `icon-${id}-512.png`))).toBe(true);
  });

  it('stores the default social image at 1200×630 under site.social_image, or takes an address', async () => {
    expect((await saveSettings(t, admin, {}, { social_image: await png(1600) })).status).toBe(303);
    const url = t.app.services.settings.current().settings.socialImage;
    expect(url).toMatch(/^\/media\/site\/social-[a-f0-9]{16}\.jpg$/);
    const stored = t.db.prepare("SELECT value FROM settings WHERE key = 'site.social_image'").pluck().get();
    expect(stored).toBe(url);
    const meta = await sharp(Buffer.from(await (await t.get(url)).arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([1200, 630]);
    expect((await saveSettings(t, admin, { social_image_url: 'https://cdn.example/card.png' })).status).toBe(
      303,
    );
    expect(t.app.services.settings.current().settings.socialImage).toBe('https://cdn.example/card.png');
    const bad = await saveSettings(t, admin, { social_image_url: 'ftp://x' });
    expect(bad.status).toBe(400);
  });
});
