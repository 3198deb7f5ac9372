/**
 * #14: settings take effect at once everywhere, the pages before signing in included: the sign-in
 * page and the IndieAuth consent page name the site as saved, and the IndieAuth profile a client
 * receives names the author as saved, without a restart.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Admin, signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { saveSettings } from '../helpers/settings.js';

let t: TestApp;
let admin: Admin;
beforeEach(async () => {
  t = createTestApp();
  admin = await signIn(t);
});
afterEach(() => t.close());

describe('pages before signing in follow the settings', () => {
  it('the sign-in page names the site as saved, at once', async () => {
    expect(await (await t.get('/auth/login')).text()).toContain('Test Site');
    const saved = await saveSettings(t, admin, { site_name: 'Ada’s Notebook', author_name: 'Ada L.' });
    expect(saved.status).toBe(303);
    const page = await (await t.get('/auth/login')).text();
    expect(page).toContain('Ada’s Notebook');
    expect(page).not.toContain('Test Site');
  });

  it('the IndieAuth profile (userinfo) names the author as saved', async () => {
    const token = t.app.services.tokens.mintToken({
      me: t.config.adminMe,
      clientId: 'https://client.example/',
      scope: 'profile',
      expiresInSeconds: null,
    }).token;
    const ask = async () =>
      (await (await t.get('/auth/userinfo', { Authorization: `Bearer ${token}` })).json()) as {
        name: string;
      };
    expect((await ask()).name).toBe('Ada Lovelace');
    await saveSettings(t, admin, { author_name: 'Ada Lovelace-Byron' });
    expect((await ask()).name).toBe('Ada Lovelace-Byron');
  });

  it('every admin screen names the site as saved', async () => {
    await saveSettings(t, admin, { site_name: 'Renamed Notebook' });
    for (const path of [
      '/admin',
      '/admin/settings',
      '/admin/webmentions',
      '/admin/syndication',
      '/admin/pages',
    ]) {
      const html = await (await t.get(path, { Cookie: admin.cookie })).text();
      expect(html, path).toContain('Renamed Notebook');
      expect(html, path).not.toContain('Test Site');
    }
  });
});
