import { describe, expect, it } from 'vitest';
import { ConfigError, deriveSiteUrl, loadConfig, siteUrlPortWarning, withListeningPort } from './config.js';

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

  it('derives SITE_URL (and ADMIN_ME) from PORT when SITE_URL is not set', () => {
    const c = loadConfig({ PORT: '8302' });
    expect(c.siteUrl).toBe('http://localhost:8302/');
    expect(c.adminMe).toBe('http://localhost:8302/');
    expect(c.siteUrlDerived).toBe(true);
    const set = loadConfig({ PORT: '8302', SITE_URL: 'https://example.com' });
    expect(set.siteUrl).toBe('https://example.com/');
    expect(set.siteUrlDerived).toBe(false);
  });
});

describe('deriveSiteUrl', () => {
  it('names localhost for loopback and every-interface addresses, the host itself otherwise', () => {
    expect(deriveSiteUrl('127.0.0.1', 8302)).toBe('http://localhost:8302/');
    expect(deriveSiteUrl('127.0.1.1', 8302)).toBe('http://localhost:8302/');
    expect(deriveSiteUrl('::1', 8302)).toBe('http://localhost:8302/');
    expect(deriveSiteUrl('localhost', 8302)).toBe('http://localhost:8302/');
    expect(deriveSiteUrl('0.0.0.0', 8000)).toBe('http://localhost:8000/');
    expect(deriveSiteUrl('::', 8000)).toBe('http://localhost:8000/');
    expect(deriveSiteUrl('192.168.1.20', 8000)).toBe('http://192.168.1.20:8000/');
    expect(deriveSiteUrl('blog.lan', 8000)).toBe('http://blog.lan:8000/');
    expect(deriveSiteUrl('fd00::20', 8000)).toBe('http://[fd00::20]:8000/');
    // The default port of http needs no number.
    expect(deriveSiteUrl('blog.lan', 80)).toBe('http://blog.lan/');
  });

  it('is used again once a server given PORT=0 knows its port, with ADMIN_ME following', () => {
    const c = loadConfig({ PORT: '0', DEV_MODE: 'on' });
    const listening = withListeningPort(c, 41234);
    expect(listening.siteUrl).toBe('http://localhost:41234/');
    expect(listening.adminMe).toBe('http://localhost:41234/');
    expect(listening.devAdminMe).toBe('http://localhost:41234/');
    expect(listening.port).toBe(41234);
    expect(Object.isFrozen(listening)).toBe(true);
    // A SITE_URL or ADMIN_ME someone set is never rewritten.
    const set = loadConfig({ PORT: '0', SITE_URL: 'http://localhost:9000/' });
    expect(withListeningPort(set, 41234).siteUrl).toBe('http://localhost:9000/');
    const me = loadConfig({ PORT: '0', ADMIN_ME: 'https://me.example/' });
    expect(withListeningPort(me, 41234).adminMe).toBe('https://me.example/');
  });
});

describe('siteUrlPortWarning', () => {
  it('warns when SITE_URL names this machine on another port than the server listens on', () => {
    const c = loadConfig({ PORT: '8302', SITE_URL: 'http://localhost:8000/' });
    expect(siteUrlPortWarning(c, 8302)).toMatch(/SITE_URL is http:\/\/localhost:8000\/ .* port 8302/);
    expect(siteUrlPortWarning(loadConfig({ SITE_URL: 'http://127.0.0.1/' }), 8000)).toMatch(/port 80\b/);
    expect(siteUrlPortWarning(loadConfig({ SITE_URL: 'http://[::1]:8000/' }), 8001)).toBeDefined();
  });

  it('stays quiet for a matching port, a public SITE_URL or a derived one', () => {
    expect(siteUrlPortWarning(loadConfig({ SITE_URL: 'http://localhost:8302/' }), 8302)).toBeUndefined();
    expect(siteUrlPortWarning(loadConfig({ SITE_URL: 'https://example.com/' }), 8302)).toBeUndefined();
    expect(siteUrlPortWarning(loadConfig({ PORT: '8302' }), 8302)).toBeUndefined();
  });
});

describe('WEBSUB_HUB', () => {
  it('is unset by default and kept as given (its path is not given a trailing slash)', () => {
    expect(loadConfig({}).websubHub).toBeUndefined();
    expect(loadConfig({ WEBSUB_HUB: ' https://websubhub.com/hub ' }).websubHub).toBe(
      'https://websubhub.com/hub',
    );
    expect(loadConfig({ WEBSUB_HUB: 'https://hub.example/?x=1' }).websubHub).toBe('https://hub.example/?x=1');
  });

  it('refuses what is no http(s) URL, or one with credentials', () => {
    for (const bad of ['hub.example', 'ftp://hub.example/', 'https://u:p@hub.example/'])
      expect(() => loadConfig({ WEBSUB_HUB: bad }), bad).toThrow(/WEBSUB_HUB/);
  });
});
