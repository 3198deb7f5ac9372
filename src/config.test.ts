import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({}, '/srv/site');
    expect(c).toMatchObject({
      siteUrl: 'http://localhost:8000/',
      siteName: 'StarPunk',
      adminMe: 'http://localhost:8000/',
      dataPath: '/srv/site/data',
      databasePath: '/srv/site/data/starpunk.db',
      notesPath: '/srv/site/data/notes',
      mediaPath: '/srv/site/data/media',
      host: '127.0.0.1',
      port: 8000,
      logLevel: 'info',
      devMode: false,
      trustProxy: false,
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('normalises SITE_URL to end with a slash and defaults ADMIN_ME to it', () => {
    const c = loadConfig({ SITE_URL: 'https://example.com/blog' });
    expect(c.siteUrl).toBe('https://example.com/blog/');
    expect(c.adminMe).toBe('https://example.com/blog/');
  });

  it('derives paths from DATA_PATH unless given', () => {
    const c = loadConfig({ DATA_PATH: '/var/lib/sp', MEDIA_PATH: '/mnt/media' }, '/x');
    expect(c.databasePath).toBe('/var/lib/sp/starpunk.db');
    expect(c.mediaPath).toBe('/mnt/media');
  });

  it('lists every problem at once', () => {
    let err: unknown;
    try {
      loadConfig({
        SITE_URL: 'ftp://example.com',
        PORT: 'eighty',
        LOG_LEVEL: 'loud',
        SESSION_SECRET: 'short',
        TRUST_PROXY: 'maybe',
        ADMIN_ME: 'not a url',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    for (const name of ['SITE_URL', 'PORT', 'LOG_LEVEL', 'SESSION_SECRET', 'TRUST_PROXY', 'ADMIN_ME']) {
      expect(problems).toContain(name);
    }
    expect((err as ConfigError).problems).toHaveLength(6);
  });

  it('refuses DEV_MODE on an https site, together with other problems', () => {
    let err: unknown;
    try {
      loadConfig({ SITE_URL: 'https://example.com/', DEV_MODE: 'on', PORT: '99999' });
    } catch (e) {
      err = e;
    }
    const problems = (err as ConfigError).problems;
    expect(problems.some((p) => p.startsWith('DEV_MODE: refused'))).toBe(true);
    expect(problems.some((p) => p.startsWith('PORT'))).toBe(true);
  });

  it('reads TOKEN_LIFETIME_DAYS (default 90) and refuses nonsense', () => {
    expect(loadConfig({}).tokenLifetimeDays).toBe(90);
    expect(loadConfig({ TOKEN_LIFETIME_DAYS: '7' }).tokenLifetimeDays).toBe(7);
    expect(() => loadConfig({ TOKEN_LIFETIME_DAYS: 'forever' })).toThrowError(/TOKEN_LIFETIME_DAYS/);
  });

  it('reads ALLOWED_PRIVATE_ADDRESSES (default none) as CIDR ranges and names entries that are not', () => {
    expect(loadConfig({}).allowedPrivateAddresses).toEqual([]);
    expect(
      loadConfig({ ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1, ::1, 10.0.0.0/8' }).allowedPrivateAddresses,
    ).toEqual(['127.0.0.1/32', '::1/128', '10.0.0.0/8']);
    expect(() => loadConfig({ ALLOWED_PRIVATE_ADDRESSES: '10.0.0.0/8, intranet.local' })).toThrowError(
      /ALLOWED_PRIVATE_ADDRESSES: .*"intranet.local"/,
    );
  });

  it('treats empty values as unset and accepts DEV_MODE on http', () => {
    const c = loadConfig({ SITE_NAME: '', DEV_MODE: 'true', DEV_ADMIN_ME: 'http://me.test' });
    expect(c.siteName).toBe('StarPunk');
    expect(c.devMode).toBe(true);
    expect(c.devAdminMe).toBe('http://me.test/');
  });
});
