import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAdminAuth } from '../../src/auth/admin-auth.js';
import { silentLogger } from '../../src/logger.js';
import { saveAuthorPhoto, saveSiteIcon } from '../../src/settings/images.js';
import { createSettingsService } from '../../src/settings/service.js';
import { cleanup, cli, openSite, png, populate, serveSite, tempDir } from './ops-helpers.js';

afterEach(cleanup);

/** A populated data directory whose owner saved settings, a photo and an icon, and a password. */
async function siteWithSettings(): Promise<string> {
  const dir = join(tempDir(), 'a');
  const site = openSite(dir);
  await populate(site);
  const settings = createSettingsService({ db: site.db, config: site.config, clock: site.clock });
  settings.save({
    siteName: 'Saved In The Admin',
    language: 'fr',
    footerText: 'Pied de page',
    timeZone: 'Europe/Paris',
    authorName: 'Ada Saved',
    authorNote: 'A saved bio.',
    relMe: ['https://mastodon.example/@ada'],
    authorPhoto: await saveAuthorPhoto(site.config.mediaPath, await png({ r: 200, g: 30, b: 30 }, 300, 200)),
    icon: await saveSiteIcon(site.config.mediaPath, await png({ r: 30, g: 30, b: 200 }, 256, 256)),
  });
  const auth = createAdminAuth({
    db: site.db,
    config: site.config,
    clock: site.clock,
    secret: 'test-secret-test-secret-test-secret',
    fetch: globalThis.fetch,
    logger: silentLogger(),
  });
  await auth.setPassword('correct horse battery staple');
  site.close();
  return dir;
}

async function expectSettingsServed(dir: string) {
  const served = serveSite(dir);
  try {
    const home = await served.get('/');
    const html = Buffer.from(home.body, 'base64').toString('utf8');
    expect(html).toContain('<html lang="fr">');
    expect(html).toContain('<title>Saved In The Admin</title>');
    expect(html).toContain('Pied de page');
    expect(html).toContain('A saved bio.');
    expect(html).toContain('<link rel="me" href="https://mastodon.example/@ada"/>');
    const photo = /class="u-photo" src="(\/media\/site\/[^"]+)"/.exec(html)?.[1];
    expect(photo).toBeDefined();
    expect((await served.get(photo!)).status).toBe(200);
    expect((await served.get('/favicon.ico')).status).toBe(200);
    expect((await served.get('/apple-touch-icon.png')).status).toBe(200);
    // Dates in Europe/Paris.
    expect(html).toMatch(/GMT\+1|CET|GMT\+2/);
  } finally {
    served.close();
  }
}

describe('settings through backup, restore, export and import (real CLI)', () => {
  it('backup → restore: every setting and picture is back', async () => {
    const a = await siteWithSettings();
    const b = await cli(['backup'], a);
    expect(b.code).toBe(0);
    const archive = /backup written to (\S+)/.exec(b.out)![1]!;
    const target = join(tempDir(), 'b');
    const r = await cli(['restore', archive], target);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    await expectSettingsServed(target);
  });

  it('export writes settings.json with site.* and author.* only; import brings them and their pictures', async () => {
    const a = await siteWithSettings();
    const out = tempDir();
    const e = await cli(['export', '--out', out], a);
    expect(e.code).toBe(0);
    const path = /to (\S+)\n$/.exec(e.out)![1]!;
    const doc = JSON.parse(readFileSync(join(path, 'settings.json'), 'utf8')) as {
      settings: Record<string, string>;
    };
    expect(doc.settings['site.name']).toBe('Saved In The Admin');
    expect(doc.settings['author.rel_me']).toBe('["https://mastodon.example/@ada"]');
    for (const key of Object.keys(doc.settings)) expect(key).toMatch(/^(site|author)\./);
    const text = readFileSync(join(path, 'settings.json'), 'utf8');
    expect(text).not.toContain('argon2');
    expect(text).not.toContain('password');

    const target = join(tempDir(), 'c');
    openSite(target).close();
    const i = await cli(['import', path], target);
    expect(i.code).toBe(0);
    expect(i.out, i.out).toMatch(/settings: imported \d+, kept as they were 0, pictures 8/);
    await expectSettingsServed(target);

    // Importing again changes nothing: the target's saved settings win.
    const again = await cli(['import', path], target);
    expect(again.out).toMatch(/settings: imported 0, kept as they were \d+, pictures 0/);
  });
});
