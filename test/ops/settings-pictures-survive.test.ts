/**
 * Issue 20, defect 1: the pictures the owner gives the site in Settings (author photo, site icon,
 * default social image) are the owner's, not debris. Uploaded through the admin of a real server,
 * they must survive a plain restart (SIGTERM, start again: start-up recovery once deleted every
 * file without a media row), `starpunk doctor` must call the data directory clean, and they must
 * come back from backup → restore into a new directory and from export → import into a fresh site.
 */
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type LiveSite, signInLive, startLiveSite } from '../helpers/live-site.js';
import { saveSettings } from '../helpers/settings.js';
import { cleanup, cli, openSite, png, tempDir } from './ops-helpers.js';

const live: LiveSite[] = [];
afterEach(async () => {
  for (const s of live.splice(0)) await s.stop();
  cleanup();
});

async function serve(dir: string): Promise<LiveSite> {
  const site = await startLiveSite(dir);
  live.push(site);
  return site;
}

/** The pictures a page names, as site paths, with the file under MEDIA_PATH each one is. */
async function picturesOf(site: LiveSite) {
  const home = await (await site.get('/')).text();
  const photo = /class="u-photo" src="(\/media\/site\/[^"]+)"/.exec(home)?.[1];
  const og = /<meta property="og:image" content="([^"]+)"/.exec(home)?.[1];
  const icon = /<link rel="icon" href="\/favicon\.ico\?v=([a-f0-9]+)"/.exec(home)?.[1];
  expect(photo, 'the h-card shows the author photo').toBeDefined();
  expect(og, 'the home page names a social image').toBeDefined();
  expect(icon, 'the home page links the site icon').toBeDefined();
  const ogPath = new URL(og!).pathname;
  expect(ogPath).toMatch(/^\/media\/site\/social-[a-f0-9]+\.jpg$/);
  return {
    '/favicon.ico': `site/icon-${icon}.ico`,
    '/icon-192.png': `site/icon-${icon}-192.png`,
    '/apple-touch-icon.png': `site/icon-${icon}-180.png`,
    [photo!]: photo!.slice('/media/'.length),
    [ogPath]: ogPath.slice('/media/'.length),
  };
}

/** Every picture answers 200 with exactly its file's bytes, and the file is where the settings say. */
async function expectPicturesServed(site: LiveSite, expected?: Record<string, string>) {
  const pictures = await picturesOf(site);
  if (expected) expect(pictures).toEqual(expected);
  for (const [path, file] of Object.entries(pictures)) {
    const full = join(site.dir, 'media', file);
    expect(existsSync(full), `${file} exists`).toBe(true);
    const res = await site.get(path);
    expect(res.status, path).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(readFileSync(full)), `${path} is ${file}`).toBe(true);
  }
  return pictures;
}

async function doctor(dir: string) {
  const r = await cli(['doctor'], dir);
  return { code: r.code, out: r.out + r.err };
}

/** A site whose owner uploaded all three pictures through Settings on the running server. */
async function siteWithPictures(): Promise<{ site: LiveSite; pictures: Record<string, string> }> {
  const site = await serve(join(tempDir(), 'a'));
  const admin = await signInLive(site);
  const saved = await saveSettings(
    site,
    admin,
    { author_name: 'Ada Pictured' },
    {
      author_photo: await png({ r: 200, g: 30, b: 30 }, 600, 400),
      site_icon: await png({ r: 30, g: 30, b: 200 }, 256, 256),
      social_image: await png({ r: 30, g: 160, b: 30 }, 1600, 900),
    },
  );
  expect(saved.status).toBe(303);
  return { site, pictures: await expectPicturesServed(site) };
}

describe('the settings pictures are the owner’s (issue 20, defect 1)', () => {
  it('survive a restart of the real server, and doctor calls them owned', async () => {
    const { site, pictures } = await siteWithPictures();
    expect(await site.stop()).toBe(0);
    await site.restart();
    expect(site.server.output()).not.toContain('removed files left by interrupted uploads');
    await expectPicturesServed(site, pictures);
    const d = await doctor(site.dir);
    expect(d.out).not.toContain('orphan_file');
    expect(d.out).toMatch(/settings pictures: 9 file\(s\)/);
    expect(d.code, d.out).toBe(0);
  }, 60_000);

  it('doctor reports a settings picture whose file is missing', async () => {
    const { site, pictures } = await siteWithPictures();
    await site.stop();
    unlinkSync(join(site.dir, 'media', pictures['/icon-192.png']!));
    const d = await doctor(site.dir);
    expect(d.code).toBe(1);
    expect(d.out).toMatch(
      new RegExp(`missing_file\\s+${pictures['/icon-192.png']!.replace(/\./g, '\\.')}\\s+.*site icon`),
    );
  }, 60_000);

  it('come back from backup → restore into a new directory, and from export → import', async () => {
    const { site, pictures } = await siteWithPictures();
    await site.stop();

    const b = await cli(['backup'], site.dir);
    expect(b.code, b.err).toBe(0);
    const archive = /backup written to (\S+)/.exec(b.out)![1]!;
    const restored = join(tempDir(), 'restored');
    const r = await cli(['restore', archive], restored);
    expect(r.code, r.err).toBe(0);
    expect((await doctor(restored)).code).toBe(0);
    const back = await serve(restored);
    await expectPicturesServed(back, pictures);
    await back.stop();

    const e = await cli(['export', '--out', tempDir()], site.dir);
    expect(e.code, e.err).toBe(0);
    const exported = /to (\S+)\n$/.exec(e.out)![1]!;
    const fresh = join(tempDir(), 'fresh');
    openSite(fresh).close();
    const i = await cli(['import', exported], fresh);
    expect(i.code, i.err).toBe(0);
    expect((await doctor(fresh)).code).toBe(0);
    const imported = await serve(fresh);
    await expectPicturesServed(imported, pictures);
  }, 90_000);

  it('an import of the data directory itself brings the author photo it names', async () => {
    const { site, pictures } = await siteWithPictures();
    await site.stop();
    const photo = Object.values(pictures).find((f) => f.startsWith('site/author-'))!;
    const fresh = join(tempDir(), 'fresh');
    openSite(fresh).close();
    const i = await cli(['import', site.dir], fresh);
    expect(i.code, i.err).toBe(0);
    for (const size of [96, 192, 512])
      expect(existsSync(join(fresh, 'media', photo.replace(/-\d+\.jpg$/, `-${size}.jpg`))), `${size}`).toBe(
        true,
      );
    const d = await doctor(fresh);
    expect(d.code, d.out).toBe(0);
    expect(d.out).toContain('settings pictures: 3 file(s) in use');
  }, 60_000);
});
