/**
 * Issue #25, item 18: a first start printed a line per migration (about 60 on a terminal) before
 * the setup link, and with the output captured the link was followed by JSON lines that buried it.
 * Now a migration run is one info line (the list at debug level), the setup link is the last line
 * of the start, marked in the banner and in the logs alike, and `starpunk setup-link` prints a
 * fresh one.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAdminAuth } from '../../src/auth/admin-auth.js';
import { SETUP_MARK } from '../../src/cli/context.js';
import { main } from '../../src/cli/run.js';
import { systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { runMigrations } from '../../src/db/migrate.js';
import { openDatabase } from '../../src/db/open.js';
import { captureIo } from '../helpers/io.js';
import { startServer } from '../helpers/spawn-server.js';

const MIGRATIONS = readdirSync(join(import.meta.dirname, '..', '..', 'src', 'db', 'migrations')).filter((f) =>
  f.endsWith('.sql'),
).length;

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'starpunk-setup-link-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('the first start', () => {
  it('sums the migrations up in one line and ends with the marked setup link, in the logs and the banner', async () => {
    const server = await startServer({ DATA_PATH: join(tempDir(), 'data') });
    try {
      // The setup line is logged just after "StarPunk is serving" (which the helper waits for).
      while (!server.stdout().includes('"setupLink":true')) await new Promise((r) => setTimeout(r, 20));
      const lines = jsonLines(server.stdout());
      expect(lines.filter((l) => l.msg === 'migration applied')).toEqual([]);
      const migrated = lines.filter((l) => String(l.msg).startsWith('database migrated'));
      expect(migrated).toHaveLength(1);
      expect(migrated[0]).toMatchObject({ level: 30, applied: MIGRATIONS });
      expect(migrated[0]!.msg).toMatch(
        new RegExp(
          `^database migrated: ${MIGRATIONS} migrations applied \\(001_\\S+ … 0\\d\\d_\\S+\\) in \\d+ ms$`,
        ),
      );
      // The whole start is a few lines, the setup link the last of them.
      expect(lines.length).toBeLessThanOrEqual(5);
      const last = lines.at(-1)!;
      expect(last.setupLink).toBe(true);
      const url = String(last.setupUrl);
      expect(url).toMatch(/\/auth\/setup\?token=[\w-]+$/);
      // The link is in the message itself, after the mark: `grep 'SETUP LINK'` finds it whole.
      const grepped = server
        .stdout()
        .split('\n')
        .filter((l) => l.includes('SETUP LINK'));
      expect(grepped).toHaveLength(1);
      expect(String(last.msg)).toContain(`${SETUP_MARK} no admin password yet: open ${url} within an hour`);
      expect(String(last.msg)).toContain('`starpunk setup-link` prints a fresh one');
      // The banner on standard error: the mark, the link on a line of its own, how to get another.
      const banner = server.stderr();
      expect(banner).toContain(`  ${SETUP_MARK} No admin password yet.`);
      expect(banner).toContain(`\n  ${url}\n`);
      expect(banner).toContain('`starpunk setup-link` prints a fresh one');
      expect((await fetch(`${server.url}${new URL(url).pathname}${new URL(url).search}`)).status).toBe(200);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('gives each migration its own line at debug level', async () => {
    const server = await startServer({ DATA_PATH: join(tempDir(), 'data'), LOG_LEVEL: 'debug' });
    try {
      const applied = jsonLines(server.stdout()).filter((l) => l.msg === 'migration applied');
      expect(applied).toHaveLength(MIGRATIONS);
      expect(applied.every((l) => l.level === 20)).toBe(true);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});

describe('starpunk setup-link', () => {
  const env = (dir: string, extra: Record<string, string> = {}) => ({
    DATA_PATH: dir,
    SITE_URL: 'http://me.test/',
    LOG_LEVEL: 'error',
    ...extra,
  });
  const auth = (dir: string) => {
    const config = loadConfig(env(dir), dir);
    const db = openDatabase(config.databasePath);
    return {
      db,
      auth: createAdminAuth({
        db,
        config,
        clock: systemClock,
        secret: 'x'.repeat(32),
        fetch: globalThis.fetch,
      }),
    };
  };

  it('prints a fresh link (alone on standard output) that works, and the earlier one no longer does', async () => {
    const dir = tempDir();
    runMigrations({ dbPath: join(dir, 'starpunk.db'), backupsDir: join(dir, 'backups') });
    const before = auth(dir);
    const old = new URL(before.auth.createSetupLink()).searchParams.get('token')!;
    before.db.close();

    const io = captureIo(env(dir), dir);
    expect(await main(['setup-link'], io)).toBe(0);
    expect(io.out).toHaveLength(1);
    const url = new URL(io.out[0]!.trim());
    expect(url.origin + url.pathname).toBe('http://me.test/auth/setup');
    expect(io.err.join('')).toContain(`${SETUP_MARK} Open this one-time link within an hour`);

    const after = auth(dir);
    try {
      expect(after.auth.isSetupTokenValid(url.searchParams.get('token')!)).toBe(true);
      expect(after.auth.isSetupTokenValid(old)).toBe(false);
    } finally {
      after.db.close();
    }
  });

  it('refuses when a password is set, when the site signs in with IndieAuth, and without a database', async () => {
    const dir = tempDir();
    runMigrations({ dbPath: join(dir, 'starpunk.db'), backupsDir: join(dir, 'backups') });

    const indieauth = captureIo(env(dir, { ADMIN_ME: 'https://someone.example/' }), dir);
    expect(await main(['setup-link'], indieauth)).toBe(1);
    expect(indieauth.out).toEqual([]);
    expect(indieauth.err.join('')).toContain('signs in with IndieAuth as https://someone.example/');

    const set = auth(dir);
    await set.auth.setPassword('a sturdy password');
    set.db.close();
    const io = captureIo(env(dir), dir);
    expect(await main(['setup-link'], io)).toBe(1);
    expect(io.out).toEqual([]);
    expect(io.err.join('')).toContain(
      'an admin password is already set; change it with `starpunk password set`',
    );

    const empty = tempDir();
    const none = captureIo(env(empty), empty);
    expect(await main(['setup-link'], none)).toBe(1);
    expect(none.err.join('')).toContain('no database at');
    expect(readdirSync(empty)).toEqual([]);
  });
});
