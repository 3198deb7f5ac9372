import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { buildApp } from '../../src/app.js';
import { fixedClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { runMigrations } from '../../src/db/migrate.js';
import { openDatabase } from '../../src/db/open.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { createNoteService } from '../../src/notes/service.js';
import type { TestApp } from '../helpers/app.js';

/** A pino destination that keeps everything written to it. */
export interface LogCapture {
  stream: Writable;
  text: () => string;
  /** Every line parsed as JSON. */
  lines: () => Record<string, unknown>[];
}

/** A stream collecting log output in memory. */
export function captureLogs(): LogCapture {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const text = () => chunks.join('');
  return {
    stream,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/**
 * Like test/helpers/app.ts's createTestApp, but logging through `logger` (which that helper does
 * not take): the same temporary data directory, migrations and fixed clock.
 */
export function createLoggedTestApp(env: Record<string, string>, logger: Logger): TestApp {
  const dir = mkdtempSync(join(tmpdir(), 'starpunk-ops-'));
  const config = loadConfig(
    { DATA_PATH: dir, SITE_URL: 'http://example.test/', SITE_NAME: 'Test Site', ...env },
    dir,
  );
  mkdirSync(config.notesPath, { recursive: true });
  runMigrations({ dbPath: config.databasePath, backupsDir: config.backupsPath });
  const db = openDatabase(config.databasePath);
  const clock = fixedClock('2026-11-27T12:00:00.000Z');
  const notes = createNoteService({ db, notesPath: config.notesPath, clock, logger });
  const app = buildApp({
    config,
    db,
    clock,
    logger,
    version: '0.0.0-test',
    notes,
    secret: 'test-secret-test-secret-test-secret',
    fetch: (url, init) => globalThis.fetch(url, init),
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
      if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Creates the logger the server would, writing JSON lines into `capture`. */
export function captureLogger(capture: LogCapture, level = 'debug'): Logger {
  return createLogger(level, capture.stream);
}
