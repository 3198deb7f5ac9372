import { closeSync, openSync, readSync, statfsSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../clock.js';
import type { Db } from '../db/open.js';
import type { Logger } from '../logger.js';

/** Name of the file the probe writes and removes in the data directory. */
export const PROBE_FILE = '.health-probe';

/** How long a storage probe result is reused, so /health cannot be used to hammer the disk. */
export const PROBE_INTERVAL_MS = 5000;

/** The first 16 bytes of every SQLite 3 database file (https://sqlite.org/fileformat.html §1.3.1). */
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/** Outcome of one check: `ok`, or what went wrong (for the admin and the log, never the public). */
export type CheckResult = 'ok' | `error: ${string}`;

/** What the health checks found. */
export interface HealthReport {
  ok: boolean;
  checks: { database: CheckResult; dataDirectory: CheckResult };
}

/** Inputs of the health probe. */
export interface HealthProbeDeps {
  db: Db;
  databasePath: string;
  dataPath: string;
  clock: Clock;
  logger?: Logger;
  intervalMs?: number;
}

function failure(err: unknown): CheckResult {
  const e = err as NodeJS.ErrnoException;
  const text = e?.code ? `${e.code}: ${e.message}` : err instanceof Error ? err.message : String(err);
  return `error: ${text.slice(0, 200)}`;
}

/** Reads the database file's header: catches a file that was removed, made unreadable or overwritten. */
function checkDatabaseFile(path: string): CheckResult {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(SQLITE_MAGIC.length);
    const n = readSync(fd, head, 0, head.length, 0);
    return n === head.length && head.equals(SQLITE_MAGIC) ? 'ok' : 'error: not an SQLite database file';
  } catch (err) {
    return failure(err);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Writes and removes a small file: the only reliable test that the directory takes writes. */
function checkWritable(dir: string): CheckResult {
  const path = join(dir, PROBE_FILE);
  try {
    writeFileSync(path, `${process.pid}\n`);
    unlinkSync(path);
    return 'ok';
  } catch (err) {
    return failure(err);
  }
}

/**
 * Creates the /health checks: the open connection must answer a query on every call; the
 * database file's header and a write+remove probe in the data directory run at most once per
 * interval (the result is cached). State changes are logged, not every failing call.
 */
export function createHealthProbe(deps: HealthProbeDeps) {
  const interval = deps.intervalMs ?? PROBE_INTERVAL_MS;
  let storage: { at: number; database: CheckResult; dataDirectory: CheckResult } | undefined;
  let wasOk = true;

  function pingConnection(): CheckResult {
    try {
      // Reading sqlite_master goes through the connection's pager, unlike `SELECT 1`.
      deps.db.prepare('SELECT count(*) AS n FROM sqlite_master').get();
      return 'ok';
    } catch (err) {
      return failure(err);
    }
  }

  return {
    /** Runs the checks (storage ones from cache when fresh). */
    check(): HealthReport {
      const now = deps.clock.now().getTime();
      if (!storage || now - storage.at >= interval || now < storage.at) {
        storage = {
          at: now,
          database: checkDatabaseFile(deps.databasePath),
          dataDirectory: checkWritable(deps.dataPath),
        };
      }
      const connection = pingConnection();
      const database = connection === 'ok' ? storage.database : connection;
      const report: HealthReport = {
        ok: database === 'ok' && storage.dataDirectory === 'ok',
        checks: { database, dataDirectory: storage.dataDirectory },
      };
      if (report.ok !== wasOk) {
        if (report.ok) deps.logger?.info('health check passing again');
        else deps.logger?.error({ checks: report.checks }, 'health check failing');
        wasOk = report.ok;
      }
      return report;
    },
    /** Forgets the cached storage result, so the next check probes again. */
    reset(): void {
      storage = undefined;
    },
  };
}

/** The health probe type. */
export type HealthProbe = ReturnType<typeof createHealthProbe>;

/** Bytes used by the database: the main file plus its write-ahead log. */
export function databaseBytes(databasePath: string): number {
  let size = 0;
  for (const suffix of ['', '-wal']) {
    try {
      size += statSync(databasePath + suffix).size;
    } catch {
      // no WAL file at the moment
    }
  }
  return size;
}

/** Free (for unprivileged users) and total bytes of the file system holding `path`, when known. */
export function diskSpace(path: string): { freeBytes: number; totalBytes: number } | undefined {
  try {
    const s = statfsSync(path);
    return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
  } catch {
    return undefined;
  }
}
