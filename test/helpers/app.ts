import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../src/app.js';
import { fixedClock } from '../../src/clock.js';
import { type Config, loadConfig } from '../../src/config.js';
import { runMigrations } from '../../src/db/migrate.js';
import { type Db, openDatabase } from '../../src/db/open.js';
import { silentLogger } from '../../src/logger.js';
import { createNoteService, type NoteService } from '../../src/notes/service.js';
import type { FetchLike } from '../../src/outbound/safe-fetch.js';

/** A StarPunk app on a temporary data directory with a fixed clock. */
export interface TestApp {
  app: ReturnType<typeof buildApp>;
  config: Config;
  db: Db;
  notes: NoteService;
  clock: ReturnType<typeof fixedClock>;
  dir: string;
  /** Calls the app in-process; paths are relative to the site root. */
  get: (path: string, headers?: Record<string, string>) => Promise<Response>;
  /** Any request in-process. */
  request: (path: string, init?: RequestInit) => Promise<Response>;
  close: () => void;
}

/**
 * The unrestricted fetch tests use to reach sites they play on loopback: `hosts` maps
 * public-looking host names (https://client.example/) to loopback servers, like DNS would.
 */
export function hostsFetch(hosts: Record<string, string> = {}): FetchLike {
  return (url, init) => {
    const u = new URL(url);
    const target = hosts[u.host];
    if (!target) return globalThis.fetch(url, init);
    const mapped = new URL(`${u.pathname}${u.search}`, new URL(target));
    return globalThis.fetch(mapped, init).then((res) => {
      Object.defineProperty(res, 'url', { value: url });
      return res;
    });
  };
}

/** Builds a migrated test app; `env` overrides configuration variables. */
export function createTestApp(
  env: Record<string, string> = {},
  start = '2026-11-27T12:00:00.000Z',
  options: { hosts?: Record<string, string>; safeFetch?: boolean } = {},
): TestApp {
  const dir = mkdtempSync(join(tmpdir(), 'starpunk-app-'));
  const config = loadConfig(
    {
      DATA_PATH: dir,
      SITE_URL: 'http://example.test/',
      SITE_NAME: 'Test Site',
      SITE_AUTHOR: 'Ada Lovelace',
      ...env,
    },
    dir,
  );
  mkdirSync(config.notesPath, { recursive: true });
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
    // Tests play remote sites on loopback, so they use the unrestricted fetch.
    fetch: hostsFetch(options.hosts),
    // `safeFetch`: the production SSRF-safe fetch instead, ALLOWED_PRIVATE_ADDRESSES deciding.
    ...(options.safeFetch ? { fetch: undefined } : {}),
  });
  return {
    app,
    config,
    db,
    notes,
    clock,
    dir,
    get: (path, headers = {}) => Promise.resolve(app.request(`http://example.test${path}`, { headers })),
    request: (path, init = {}) => Promise.resolve(app.request(`http://example.test${path}`, init)),
    close: () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
