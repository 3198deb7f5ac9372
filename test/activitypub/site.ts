/**
 * The site served on a free loopback port for the ActivityPub tests (SITE_URL is that address),
 * through the fast path as `serve` does, with the production SSRF-safe fetch and 127.0.0.1 allowed
 * as an operator would allow it (ALLOWED_PRIVATE_ADDRESSES): the Fedify peer lives there.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { buildApp } from '../../src/app.js';
import { fixedClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { runMigrations } from '../../src/db/migrate.js';
import { openDatabase } from '../../src/db/open.js';
import { silentLogger } from '../../src/logger.js';
import { createNoteService } from '../../src/notes/service.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

/** A served test site. */
export interface ServedSite {
  t: TestApp;
  url: string;
  /** Serves another app (a restarted one) at the same address. */
  swap: (t: TestApp) => void;
  close: () => Promise<void>;
}

/** Starts the site; `env` adds configuration. */
export async function servedSite(
  env: Record<string, string> = {},
  start = '2026-11-27T12:00:00.000Z',
): Promise<ServedSite> {
  let listener: RequestListener | undefined;
  const server: Server = createServer((req, res) => listener!(req, res));
  const port = await new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
  const url = `http://127.0.0.1:${port}/`;
  const serve = (t: TestApp) => {
    const hono = getRequestListener(t.app.fetch);
    listener = (req, res) => {
      if (!t.app.services.fastPath.serve(req, res)) void hono(req, res);
    };
  };
  const site: ServedSite = {
    t: createTestApp({ SITE_URL: url, ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1/32', ...env }, start, {
      safeFetch: true,
    }),
    url,
    swap(t) {
      site.t = t;
      serve(t);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  serve(site.t);
  return site;
}

/** The SITE_URL a served site must have to be reached at `url` (for apps built elsewhere). */
export const servedEnv = (url: string) => ({ SITE_URL: url, ALLOWED_PRIVATE_ADDRESSES: '127.0.0.1/32' });

/**
 * A site over an existing data directory (after a restore), at `url`, with the production fetch:
 * what `serve` builds on that directory.
 */
export function siteOn(dir: string, url: string, start = '2026-11-27T12:00:00.000Z'): TestApp {
  const config = loadConfig(
    { DATA_PATH: dir, SITE_NAME: 'Test Site', SITE_AUTHOR: 'Ada Lovelace', ...servedEnv(url) },
    dir,
  );
  runMigrations({ dbPath: config.databasePath, backupsDir: config.backupsPath });
  const db = openDatabase(config.databasePath);
  const clock = fixedClock(start);
  const logger = silentLogger();
  const notes = createNoteService({ db, notesPath: config.notesPath, clock, logger });
  const app = buildApp({
    config,
    db,
    clock,
    logger,
    version: '0.0.0-test',
    notes,
    secret: 'test-secret-test-secret-test-secret',
  });
  const origin = url.replace(/\/$/, '');
  return {
    app,
    config,
    db,
    notes,
    clock,
    dir,
    get: (path, headers = {}) => Promise.resolve(app.request(`${origin}${path}`, { headers })),
    request: (path, init = {}) => Promise.resolve(app.request(`${origin}${path}`, init)),
    close: () => db.close(),
  };
}
