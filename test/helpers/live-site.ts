/**
 * A real `starpunk serve` process on a data directory, driven from outside like a person and their
 * browser would: sign in through /auth/login, post admin forms, stop it with SIGTERM and start it
 * again. `get` and `request` have the shape of TestApp's, so the admin, settings and syndication
 * helpers work against it unchanged.
 */
import { createAdminAuth } from '../../src/auth/admin-auth.js';
import { systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/open.js';
import { silentLogger } from '../../src/logger.js';
import { type Admin, csrfFrom, PASSWORD, type SiteClient, sessionCookie } from './admin.js';
import { type RunningServer, startServer } from './spawn-server.js';

/** A served data directory, reachable over loopback. */
export interface LiveSite extends SiteClient {
  dir: string;
  env: Record<string, string>;
  server: RunningServer;
  /** Stops the server with SIGTERM and waits for it to exit; resolves with its exit code. */
  stop: () => Promise<number | null>;
  /** Stops it (if running) and starts a new process on the same data directory. */
  restart: () => Promise<void>;
}

/** The environment every live site shares: only DATA_PATH differs. */
export function liveEnv(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATA_PATH: dir,
    SITE_URL: 'http://example.test/',
    SITE_NAME: 'Test Site',
    SITE_AUTHOR: 'Ada Lovelace',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

/** Starts `starpunk serve` on `dir` (created and migrated by the server itself when new). */
export async function startLiveSite(dir: string, extra: Record<string, string> = {}): Promise<LiveSite> {
  const env = liveEnv(dir, extra);
  let running = true;
  const site: LiveSite = {
    dir,
    env,
    server: await startServer(env),
    get: (path, headers = {}) => fetch(`${site.server.url}${path}`, { headers, redirect: 'manual' }),
    request: (path, init = {}) => fetch(`${site.server.url}${path}`, { redirect: 'manual', ...init }),
    stop: async () => {
      if (!running) return site.server.exited;
      running = false;
      site.server.child.kill('SIGTERM');
      return site.server.exited;
    },
    restart: async () => {
      await site.stop();
      site.server = await startServer(env);
      running = true;
    },
  };
  return site;
}

/** Sets the admin password (once, straight in the database) and signs in through the real form. */
export async function signInLive(site: LiveSite): Promise<Admin> {
  const config = loadConfig(site.env, site.dir);
  const db = openDatabase(config.databasePath);
  try {
    const auth = createAdminAuth({
      db,
      config,
      clock: systemClock,
      secret: 'only-for-setting-the-password-here',
      fetch: () => Promise.reject(new Error('no network needed')),
      logger: silentLogger(),
    });
    if (!auth.hasPassword()) await auth.setPassword(PASSWORD);
  } finally {
    db.close();
  }
  const res = await site.request('/auth/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ password: PASSWORD, next: '/admin' }).toString(),
  });
  if (res.status !== 303) throw new Error(`sign-in failed: ${res.status}`);
  const cookie = sessionCookie(res);
  return { cookie, csrf: await csrfFrom(site, cookie) };
}
