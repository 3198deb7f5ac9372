import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmdirSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROBE_FILE, PROBE_INTERVAL_MS } from '../../src/http/health-probe.js';
import { signIn } from '../helpers/admin.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { captureLogger, captureLogs, createLoggedTestApp } from './support.js';

const apps: TestApp[] = [];
afterEach(() => {
  for (const t of apps.splice(0)) {
    chmodSync(t.dir, 0o700);
    t.close();
  }
});
function app(): TestApp {
  const t = createTestApp();
  apps.push(t);
  return t;
}
async function health(t: TestApp, headers: Record<string, string> = {}) {
  const res = await t.get('/health', headers);
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, res };
}

/**
 * Makes the data directory refuse writes. chmod 0500 is the real-world case, but root (as these
 * tests run in CI) writes through any mode bits, so when a write still succeeds after the chmod a
 * directory is put where the probe writes its file: the write then fails for any user.
 */
function makeDataDirUnwritable(dir: string): 'chmod' | 'squat' {
  chmodSync(dir, 0o500);
  try {
    writeFileSync(join(dir, 'root-check'), 'x');
    unlinkSync(join(dir, 'root-check'));
  } catch {
    return 'chmod';
  }
  chmodSync(dir, 0o700);
  mkdirSync(join(dir, PROBE_FILE));
  return 'squat';
}
function makeDataDirWritable(dir: string, how: 'chmod' | 'squat'): void {
  if (how === 'chmod') chmodSync(dir, 0o700);
  else rmdirSync(join(dir, PROBE_FILE));
}

describe('GET /health', () => {
  it('answers 200 {"status":"ok"} and nothing more to the public (no version)', async () => {
    const t = app();
    const { status, body, res } = await health(t);
    expect(status).toBe(200);
    expect(body).toEqual({ status: 'ok' });
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-type')).toContain('application/json');
    // The probe cleans up after itself.
    expect(readdirSync(t.dir)).not.toContain(PROBE_FILE);
  });

  it('shows the signed-in admin each check, database size, note counts, disk space and uptime', async () => {
    const t = app();
    t.notes.createNote({ content: 'one' });
    t.notes.createNote({ content: 'two', published: false });
    const admin = await signIn(t);
    const { status, body } = await health(t, { Cookie: admin.cookie });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      status: 'ok',
      version: '0.0.0-test',
      checks: { database: 'ok', dataDirectory: 'ok' },
    });
    expect((body.database as { bytes: number }).bytes).toBeGreaterThan(4096);
    const notes = body.notes as Record<string, number>;
    expect(notes).toMatchObject({ published: 1, drafts: 1, trash: 0 });
    const disk = body.disk as { freeBytes: number; totalBytes: number };
    expect(disk.freeBytes).toBeGreaterThan(0);
    expect(disk.totalBytes).toBeGreaterThanOrEqual(disk.freeBytes);
    expect(typeof body.uptimeSeconds).toBe('number');
    expect((body.memory as { rssBytes: number }).rssBytes).toBeGreaterThan(1e6);
  });

  it('does not take a forged or stale session cookie for the admin', async () => {
    const t = app();
    const { body } = await health(t, { Cookie: 'starpunk_session=not-a-session' });
    expect(body).toEqual({ status: 'ok' });
  });

  it('answers 503 when the database connection is closed', async () => {
    const t = app();
    expect((await health(t)).status).toBe(200);
    t.db.close();
    const { status, body } = await health(t);
    expect(status).toBe(503);
    expect(body).toEqual({ status: 'error' });
  });

  it('answers 503 when the database file is overwritten with something that is not SQLite', async () => {
    const t = app();
    t.db.pragma('wal_checkpoint(TRUNCATE)');
    writeFileSync(t.config.databasePath, Buffer.alloc(8192, 0x41));
    expect((await health(t)).status).toBe(503);
  });

  it('answers 503 when the database file disappears, and 200 again once it is back', async () => {
    const t = app();
    expect((await health(t)).status).toBe(200);
    renameSync(t.config.databasePath, `${t.config.databasePath}.moved`);
    // Within the probe interval the cached result stands: /health cannot be used to hammer the disk.
    expect((await health(t)).status).toBe(200);
    t.clock.advance(PROBE_INTERVAL_MS);
    expect((await health(t)).status).toBe(503);
    renameSync(`${t.config.databasePath}.moved`, t.config.databasePath);
    t.clock.advance(PROBE_INTERVAL_MS);
    expect((await health(t)).status).toBe(200);
  });

  it('answers 503 when the data directory is not writable, and tells the admin which check failed', async () => {
    const t = app();
    const admin = await signIn(t);
    const how = makeDataDirUnwritable(t.dir);
    t.clock.advance(PROBE_INTERVAL_MS);
    const { status, body } = await health(t, { Cookie: admin.cookie });
    expect(status).toBe(503);
    expect(body.status).toBe('error');
    const checks = body.checks as { database: string; dataDirectory: string };
    expect(checks.database).toBe('ok');
    expect(checks.dataDirectory).toMatch(how === 'chmod' ? /^error: EACCES/ : /^error: EISDIR/);
    // The public sees only the verdict.
    expect((await health(t)).body).toEqual({ status: 'error' });

    makeDataDirWritable(t.dir, how);
    t.clock.advance(PROBE_INTERVAL_MS);
    expect((await health(t)).status).toBe(200);
    expect(existsSync(join(t.dir, PROBE_FILE))).toBe(false);
  });
});

describe('health check logging', () => {
  it('logs a failure once when the state changes, and the recovery once', async () => {
    const logs = captureLogs();
    const t = createLoggedTestApp({}, captureLogger(logs, 'info'));
    try {
      const how = makeDataDirUnwritable(t.dir);
      for (let i = 0; i < 3; i++) expect((await t.get('/health')).status).toBe(503);
      makeDataDirWritable(t.dir, how);
      t.clock.advance(PROBE_INTERVAL_MS);
      for (let i = 0; i < 2; i++) expect((await t.get('/health')).status).toBe(200);
      const events = logs.lines().filter((l) => String(l.msg).startsWith('health check'));
      expect(events.map((e) => e.msg)).toEqual(['health check failing', 'health check passing again']);
      expect(events[0]!.level).toBe(50);
      expect((events[0]!.checks as { dataDirectory: string }).dataDirectory).toMatch(/^error: /);
    } finally {
      chmodSync(t.dir, 0o700);
      t.close();
    }
  });
});
