import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { buildApp } from '../app.js';
import { systemClock } from '../clock.js';
import { type Config, siteUrlPortWarning, withListeningPort } from '../config.js';
import { runMigrations } from '../db/migrate.js';
import { type Db, openDatabase } from '../db/open.js';
import { type FastPath, fastPathServer } from '../http/fast-path.js';
import { recoverStagedImports } from '../import/staging.js';
import { keysPath } from '../keys/key-files.js';
import { loadSiteKeys, SEALING_KEY_FILE, type SiteKeys, sealedSecrets } from '../keys/site-keys.js';
import { progressOn } from '../lib/progress.js';
import { createLogger, type Logger } from '../logger.js';
import { recoverMedia } from '../media/doctor.js';
import { createNoteService, type NoteService } from '../notes/service.js';
import { MEDIA_OWNERS } from '../ops/file-owners.js';
import { appVersion } from '../version.js';
import {
  configFromIo,
  EXIT,
  ensureDataDirs,
  type Io,
  migrationPaths,
  resolveSessionSecret,
  SETUP_MARK,
} from './context.js';
import { reportMigrationError } from './migrate.js';
import { type TightenedPath, tightenDataPermissions } from './permissions.js';

/** How long in-flight requests get to finish after SIGTERM/SIGINT before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

/** Says which paths of the data directory were open to other local users and are private now. */
function reportTightened(paths: TightenedPath[], logger: Logger): void {
  const done = paths.filter((p) => !p.error);
  const failed = paths.filter((p) => p.error);
  if (done.length > 0) {
    logger.warn(
      { paths: done },
      'made the data directory private: other local users could read it (files inside the folders keep their modes; the folders now keep others out)',
    );
  }
  if (failed.length > 0) {
    logger.warn(
      { paths: failed },
      'other local users can read parts of the data directory; could not change that',
    );
  }
}

/** Loads the site's keys (making a missing one) and says what the owner should know about them. */
function openKeys(config: Config, db: Db, secret: string, logger: Logger): SiteKeys {
  const loaded = loadSiteKeys({
    dataPath: config.dataPath,
    sessionSecret: () => secret,
    sealed: sealedSecrets(db),
  });
  if (loaded.sealingSource === 'adopted') {
    logger.info(
      { path: join(keysPath(config.dataPath), SEALING_KEY_FILE) },
      'the key sealing connected accounts now has a file of its own; backups carry it',
    );
  }
  if (loaded.unopenable > 0) {
    logger.warn(
      { accounts: loaded.unopenable },
      `${loaded.unopenable} connected account(s) were sealed with a key this site does not have ` +
        '(restored from a backup without keys?): connect them again in Admin → Syndication',
    );
  }
  return loaded.keys;
}

/** What the start banner says. */
export interface BannerFacts {
  version: string;
  siteUrl: string;
  address: string;
  port: number;
  /** The one-time link to choose the admin password, while there is none. */
  setupUrl?: string;
  warning?: string;
}

/**
 * The few plain-text lines a person at the terminal reads at start, whatever the log level or
 * format: where the site is and, on a fresh site, the setup link. Logs stay JSON for machines.
 */
export function startBanner(f: BannerFacts): string {
  const host = f.address.includes(':') ? `[${f.address}]` : f.address;
  const lines = ['', `StarPunk ${f.version} is serving ${f.siteUrl}`, `  listening on ${host}:${f.port}`];
  if (f.setupUrl) {
    lines.push(
      '',
      `  ${SETUP_MARK} No admin password yet. Open this one-time link within an hour to choose it:`,
      `  ${f.setupUrl}`,
      '  (Lost it, or it expired? `starpunk setup-link` prints a fresh one.)',
    );
  }
  if (f.warning) lines.push('', `  Warning: ${f.warning}`);
  lines.push('', '');
  return lines.join('\n');
}

/** The log line carrying the setup link: the mark, the link, what it is for and how to get another. */
export function setupLogMessage(setupUrl: string): string {
  return `${SETUP_MARK} no admin password yet: open ${setupUrl} within an hour to choose it (\`starpunk setup-link\` prints a fresh one)`;
}

/** The app serving requests, and how to stop its upkeep. */
interface StartedApp {
  fetch: (request: Request) => Response | Promise<Response>;
  /** Cached public pages, answered before a request reaches Hono. */
  fastPath: FastPath;
  /** Stops the upkeep timer and the job runner; resolves when running jobs and note writes settle. */
  stop: () => Promise<void>;
}

/**
 * Builds the app for the port the server got, starts its hourly cleanup and tells the logs and
 * the person at the terminal where the site is (with the setup link on a fresh site).
 */
function startApp(p: {
  config: Config;
  info: AddressInfo;
  db: Db;
  notes: NoteService;
  secret: string;
  keys: SiteKeys;
  version: string;
  logger: Logger;
  io: Io;
}): StartedApp {
  const { info, logger, version } = p;
  const config = withListeningPort(p.config, info.port);
  const app = buildApp({
    config,
    db: p.db,
    clock: systemClock,
    logger,
    version,
    notes: p.notes,
    secret: p.secret,
    keys: p.keys,
  });
  const { auth, runner, jobs } = app.services;
  const upkeep = () => {
    auth.cleanup();
    jobs.prune();
  };
  upkeep();
  const cleanupTimer = setInterval(upkeep, 60 * 60_000);
  cleanupTimer.unref();
  runner.start();
  let setupUrl: string | undefined;
  if (auth.signInMethod() === 'password' && !auth.hasPassword() && !config.devMode) {
    // A fresh site with no way in: a one-time link, valid for an hour, to choose the password.
    setupUrl = auth.createSetupLink();
  }
  const warning = siteUrlPortWarning(config, info.port);
  if (warning) logger.warn({ siteUrl: config.siteUrl, port: info.port }, warning);
  logger.info(
    { address: info.address, port: info.port, version, siteUrl: config.siteUrl },
    'StarPunk is serving',
  );
  // The last line of the start, marked and with the link in the message itself: with the output
  // captured (a service manager, `docker logs`), `grep 'SETUP LINK'` finds it among the JSON lines.
  if (setupUrl) logger.warn({ setupUrl, setupLink: true }, setupLogMessage(setupUrl));
  p.io.stderr(
    startBanner({
      version,
      siteUrl: config.siteUrl,
      address: info.address,
      port: info.port,
      setupUrl,
      warning,
    }),
  );
  return {
    fetch: (request) => app.fetch(request),
    fastPath: app.services.fastPath,
    stop: async () => {
      clearInterval(cleanupTimer);
      // Grouped note creates still being written finish before the database closes.
      await Promise.all([runner.stop(), p.notes.settle()]);
    },
  };
}

/**
 * `starpunk serve`: open (or create) the data directory, migrate, serve HTTP until SIGTERM/SIGINT.
 * Resolves with the exit code once the server has shut down (or failed to start).
 */
export async function serveCommand(_args: string[], io: Io): Promise<number> {
  const config = configFromIo(io);
  if (!config) return EXIT.config;
  const logger = createLogger(config.logLevel);
  let secret: string;
  try {
    ensureDataDirs(config);
    secret = resolveSessionSecret(config);
  } catch (err) {
    io.stderr(`starpunk: cannot prepare the data directory ${config.dataPath}: ${(err as Error).message}\n`);
    return EXIT.failure;
  }
  reportTightened(tightenDataPermissions(config), logger);
  try {
    runMigrations({ ...migrationPaths(config), logger, progress: progressOn() });
  } catch (err) {
    return reportMigrationError(err, io);
  }
  const db = openDatabase(config.databasePath);
  const version = appVersion();
  const notes = createNoteService({ db, notesPath: config.notesPath, clock: systemClock, logger });
  notes.recover();
  const missing = notes.scanMissingFiles();
  if (missing > 0) {
    logger.warn(
      { notes: missing },
      `${missing} note(s) have no Markdown file, so their text cannot be shown; run \`starpunk doctor\` for the list`,
    );
  }
  const strayMedia = recoverMedia(db, config.mediaPath, MEDIA_OWNERS);
  if (strayMedia.length > 0)
    logger.warn({ removed: strayMedia }, 'removed files left by interrupted uploads');
  const strayImports = recoverStagedImports(db, config.dataPath);
  if (strayImports.length > 0)
    logger.warn({ removed: strayImports }, 'removed files left by imports that ended');
  let keys: SiteKeys;
  try {
    keys = openKeys(config, db, secret, logger);
  } catch (err) {
    io.stderr(`starpunk: cannot open the site's keys: ${(err as Error).message}\n`);
    db.close();
    return EXIT.failure;
  }
  if (notes.isIndexStale()) {
    const started = performance.now();
    const n = notes.reindex(progressOn());
    logger.info({ notes: n, durationMs: Math.round(performance.now() - started) }, 'search index rebuilt');
  }
  let started: StartedApp | undefined;
  return new Promise<number>((resolveExit) => {
    // The app is built once the port is known: with PORT=0 the system picks it, and a SITE_URL
    // derived from HOST/PORT must name the real one. The listening callback runs (next tick) before
    // any connection is accepted, so no request ever finds the app missing.
    const server = serve(
      {
        fetch: (request) => started?.fetch(request) ?? new Response('starting', { status: 503 }),
        hostname: config.host,
        port: config.port,
        // Cached public pages are answered by the fast path in the Node listener, the rest by Hono.
        createServer: fastPathServer(() => started?.fastPath),
      },
      (info: AddressInfo) => {
        try {
          started = startApp({ config, info, db, notes, secret, keys, version, logger, io });
        } catch (err) {
          io.stderr(`starpunk: cannot start: ${(err as Error).message}\n`);
          server.close();
          db.close();
          resolveExit(EXIT.failure);
        }
      },
    );
    server.on('error', (err: NodeJS.ErrnoException) => {
      io.stderr(`starpunk: cannot listen on ${config.host}:${config.port}: ${err.message}\n`);
      db.close();
      resolveExit(EXIT.failure);
    });
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down: finishing in-flight requests');
      const force = setTimeout(() => {
        logger.warn('grace period over: closing remaining connections');
        if ('closeAllConnections' in server) server.closeAllConnections();
      }, SHUTDOWN_GRACE_MS);
      force.unref();
      server.close(() => {
        clearTimeout(force);
        // Jobs in flight finish (or their lease expires and another start picks them up).
        const settled = new Promise((r) => setTimeout(r, SHUTDOWN_GRACE_MS).unref());
        void Promise.race([started?.stop(), settled]).then(() => {
          db.close();
          logger.info('stopped; database closed');
          resolveExit(EXIT.ok);
        });
      });
      // Keep-alive sockets with no request in flight would hold close() open.
      if ('closeIdleConnections' in server) server.closeIdleConnections();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
