import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { INITIAL_SCHEMA } from '../../src/db/initial-schema.js';
import {
  checksumOf,
  loadMigrationFiles,
  MIGRATIONS_DIR,
  MigrationFailed,
  MigrationRefused,
  runMigrations,
} from '../../src/db/migrate.js';
import { buildHistoricalDataDir, HISTORICAL_STATES, sha256 } from '../helpers/historical.js';

const run = promisify(execFile);
const COUNT = loadMigrationFiles().length;
/** The number the next migration file after the project's own would take, plus `k`. */
const next = (k = 1) => String(COUNT + k).padStart(3, '0');
const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'starpunk-rules-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A migrations folder holding the project's files plus `extra` (name → SQL). */
function migrationsWith(extra: Record<string, string>, drop: string[] = []): string {
  const dir = join(tempDir(), 'migrations');
  mkdirSync(dir);
  for (const f of readdirSync(MIGRATIONS_DIR))
    if (!drop.includes(f)) copyFileSync(join(MIGRATIONS_DIR, f), join(dir, f));
  for (const [name, sql] of Object.entries(extra)) writeFileSync(join(dir, name), sql);
  return dir;
}

function rows(dbPath: string, sql: string): unknown[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
}

const bytes = (p: string) => sha256(readFileSync(p));

describe('the baseline', () => {
  it('is frozen: INITIAL_SCHEMA is exactly the v0.1.0 schema text pinned here', () => {
    expect(sha256(INITIAL_SCHEMA)).toBe('90d354c3c7c0a5e9531e235c8a070bf92bdd613e59c83c5d40de702b3b6de50d');
  });
});

describe('a fresh install', () => {
  it('creates the baseline, then runs every migration in order, recording each once', () => {
    const dir = tempDir();
    const dbPath = join(dir, 'starpunk.db');
    const report = runMigrations({ dbPath, backupsDir: join(dir, 'backups') });
    expect(report.fresh).toBe(true);
    expect(report.backupPath).toBeNull();
    expect(report.outcomes.map((o) => o.state)).toEqual(Array(COUNT).fill('ran'));
    expect(rows(dbPath, 'PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
    const files = loadMigrationFiles();
    expect(
      rows(dbPath, 'SELECT migration_name, checksum, adopted FROM schema_migrations ORDER BY id'),
    ).toEqual(files.map((f) => ({ migration_name: f.name, checksum: f.checksum, adopted: 0 })));
  });
});

describe('the runner refuses, changing nothing', () => {
  it('an applied migration whose file was edited (checksum changed)', () => {
    const dir = tempDir();
    const dbPath = join(dir, 'starpunk.db');
    runMigrations({ dbPath, backupsDir: join(dir, 'backups') });
    const edited = migrationsWith({
      '003_hash_session_tokens.sql': `${readFileSync(join(MIGRATIONS_DIR, '003_hash_session_tokens.sql'), 'utf8')}\n-- edited\n`,
    });
    const before = bytes(dbPath);
    expect(() =>
      runMigrations({ dbPath, backupsDir: join(dir, 'backups'), migrationsDir: edited }),
    ).toThrowError(/003_hash_session_tokens\.sql was changed after it was applied/);
    expect(bytes(dbPath)).toBe(before);
  });

  it('an applied migration whose file is missing', () => {
    const dir = tempDir();
    const dbPath = join(dir, 'starpunk.db');
    runMigrations({ dbPath, backupsDir: join(dir, 'backups') });
    const missing = migrationsWith({ '004_something_else.sql': 'SELECT 1;' }, [
      '004_add_redirect_uri_to_auth_state.sql',
    ]);
    const before = bytes(dbPath);
    let err: unknown;
    try {
      runMigrations({ dbPath, backupsDir: join(dir, 'backups'), migrationsDir: missing });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MigrationRefused);
    expect((err as MigrationRefused).reason).toBe('missing_file');
    expect(bytes(dbPath)).toBe(before);
  });

  it('migration files out of order (a gap in the numbering)', () => {
    const gap = migrationsWith({ [`${next(2)}_after_a_gap.sql`]: 'SELECT 1;' });
    expect(() => loadMigrationFiles(gap)).toThrowError(
      `out of order: expected number ${next(1)} but found ${next(2)}_after_a_gap.sql`,
    );
  });

  it('a migration file whose name does not follow NNN_snake_description.sql', () => {
    const bad = migrationsWith({ [`${next()}-Bad Name.sql`]: 'SELECT 1;' });
    expect(() => loadMigrationFiles(bad)).toThrowError(MigrationRefused);
  });

  it('a later migration applied while an earlier one is pending', () => {
    const dir = tempDir();
    const { dbPath } = buildHistoricalDataDir(
      dir,
      HISTORICAL_STATES['v0.8 (code_verifier from SCHEMA_SQL, no tracking)'],
    );
    const db = new Database(dbPath);
    db.exec(
      "CREATE TABLE schema_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, migration_name TEXT UNIQUE NOT NULL, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP); INSERT INTO schema_migrations (migration_name) VALUES ('003_hash_session_tokens.sql');",
    );
    db.close();
    const before = bytes(dbPath);
    expect(() => runMigrations({ dbPath, backupsDir: join(dir, 'backups') })).toThrowError(
      /out of order: 001_add_code_verifier_to_auth_state\.sql has not been applied but the later 003_hash_session_tokens\.sql has/,
    );
    expect(bytes(dbPath)).toBe(before);
  });

  it('a database that is not StarPunk’s', () => {
    const dir = tempDir();
    const dbPath = join(dir, 'other.db');
    const db = new Database(dbPath);
    db.exec('CREATE TABLE invoices (id INTEGER PRIMARY KEY)');
    db.close();
    const before = bytes(dbPath);
    expect(() => runMigrations({ dbPath, backupsDir: join(dir, 'backups') })).toThrowError(
      /not a StarPunk database/,
    );
    expect(bytes(dbPath)).toBe(before);
  });
});

describe('a failing migration', () => {
  it('that fails only on real data is caught by the rehearsal on a copy: the file is not touched', () => {
    const dir = tempDir();
    // Fails only on real data (two published notes): the rehearsal on an in-memory copy of the
    // database finds it before anything is written.
    const { dbPath } = buildHistoricalDataDir(dir, HISTORICAL_STATES['v0.1.0 baseline (no tracking)']);
    const before = bytes(dbPath);
    const broken = migrationsWith({
      [`${next(1)}_broken.sql`]:
        'CREATE TABLE half_done (id INTEGER PRIMARY KEY);\nCREATE UNIQUE INDEX idx_notes_one_published ON notes(published);\n',
      [`${next(2)}_never_reached.sql`]: 'CREATE TABLE never (id INTEGER);',
    });
    let err: unknown;
    try {
      runMigrations({ dbPath, backupsDir: join(dir, 'backups'), migrationsDir: broken });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MigrationFailed);
    expect((err as MigrationFailed).migration).toBe(`${next(1)}_broken.sql`);
    expect((err as Error).message).toMatch(
      /_broken\.sql failed in the in-memory rehearsal, so the database was not touched: UNIQUE constraint failed/,
    );
    expect(bytes(dbPath)).toBe(before);
    expect(existsSync(join(dir, 'backups'))).toBe(false);
  });

  it('that fails even on an empty schema is caught by the rehearsal before the database is touched', () => {
    const dir = tempDir();
    const { dbPath } = buildHistoricalDataDir(dir, HISTORICAL_STATES['v0.1.0 baseline (no tracking)']);
    const before = bytes(dbPath);
    const broken = migrationsWith({ [`${next()}_typo.sql`]: 'CREATE TABLEE oops (id INTEGER);' });
    expect(() =>
      runMigrations({ dbPath, backupsDir: join(dir, 'backups'), migrationsDir: broken }),
    ).toThrowError(
      /_typo\.sql failed in the in-memory rehearsal, so the database was not touched: near "TABLEE": syntax error/,
    );
    expect(bytes(dbPath)).toBe(before);
  });
});

describe('adoption is general, not a special case', () => {
  it('adopts an index-only migration whose index already exists and creates the ones missing', () => {
    const dir = tempDir();
    const dbPath = join(dir, 'starpunk.db');
    runMigrations({ dbPath, backupsDir: join(dir, 'backups') });
    const db = new Database(dbPath);
    db.exec('CREATE INDEX idx_notes_content_hash ON notes(content_hash)');
    db.close();
    const withIdx = migrationsWith({
      [`${next()}_note_indexes.sql`]:
        'CREATE INDEX idx_notes_content_hash ON notes(content_hash);\nCREATE INDEX idx_notes_updated_at ON notes(updated_at);\n',
    });
    const report = runMigrations({ dbPath, backupsDir: join(dir, 'backups'), migrationsDir: withIdx });
    const o = report.outcomes.find((x) => x.name === `${next()}_note_indexes.sql`)!;
    expect(o.state).toBe('adopted-now');
    expect(o.created).toEqual(['create index idx_notes_updated_at']);
    expect(report.drift).toEqual([]);
  });

  it('always runs a data-only migration (no schema effect to detect)', () => {
    const dir = tempDir();
    const dbPath = join(dir, 'starpunk.db');
    const data = migrationsWith({
      [`${next()}_fix_data.sql`]: "UPDATE notes SET content_hash = 'x' WHERE content_hash IS NULL;",
    });
    const report = runMigrations({ dbPath, backupsDir: join(dir, 'backups'), migrationsDir: data });
    expect(report.outcomes.find((x) => x.name === `${next()}_fix_data.sql`)!.state).toBe('ran');
  });
});

describe('dry run', () => {
  it('reports what would run or be adopted and changes nothing', () => {
    const dir = tempDir();
    const { dbPath } = buildHistoricalDataDir(
      dir,
      HISTORICAL_STATES['v1.0.0-rc.2 partial (tables without token indexes, 001 recorded)'],
    );
    const before = bytes(dbPath);
    const report = runMigrations({ dbPath, backupsDir: join(dir, 'backups'), dryRun: true });
    expect(report.dryRun).toBe(true);
    const states = report.outcomes.map((o) => o.state);
    expect(states.slice(0, 4)).toEqual(['applied', 'adopted-now', 'adopted-now', 'adopted-now']);
    expect(states.slice(4)).toEqual(Array(COUNT - 4).fill('ran'));
    expect(bytes(dbPath)).toBe(before);
    expect(existsSync(`${dbPath}-wal`)).toBe(false);
    expect(existsSync(join(dir, 'backups'))).toBe(false);
  });

  it('on a missing database describes a fresh install without creating the file', () => {
    const dir = tempDir();
    const dbPath = join(dir, 'starpunk.db');
    const report = runMigrations({ dbPath, backupsDir: join(dir, 'backups'), dryRun: true });
    expect(report.fresh).toBe(true);
    expect(report.outcomes.map((o) => o.state)).toEqual(Array(COUNT).fill('ran'));
    expect(existsSync(dbPath)).toBe(false);
  });
});

describe('two processes migrating one file at once', () => {
  const worker = join(import.meta.dirname, '..', 'helpers', 'migrate-worker.ts');
  const tsx = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'tsx');

  async function race(dbPath: string, backupsDir: string, migrationsDir: string) {
    const startAt = String(Date.now() + 2500);
    const results = await Promise.allSettled([
      run(tsx, [worker, dbPath, backupsDir, migrationsDir, startAt]),
      run(tsx, [worker, dbPath, backupsDir, migrationsDir, startAt]),
    ]);
    return results.map((r) => {
      const out = r.status === 'fulfilled' ? r.value.stdout : (r.reason as { stdout: string }).stdout;
      return JSON.parse(out) as { ok: boolean; outcomes?: string[]; message?: string };
    });
  }

  // A slow data migration makes the two runners overlap for real.
  const slow = () =>
    migrationsWith({
      [`${next()}_slow_fill.sql`]:
        'CREATE TABLE filler (id INTEGER PRIMARY KEY, v TEXT);\nWITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) INSERT INTO filler (v) SELECT hex(randomblob(16)) FROM n;\n',
    });

  it('applies each migration exactly once on a fresh file', async () => {
    const dir = tempDir();
    const dbPath = join(dir, 'starpunk.db');
    const results = await race(dbPath, join(dir, 'backups'), slow());
    expect(results).toEqual([expect.objectContaining({ ok: true }), expect.objectContaining({ ok: true })]);
    const names = rows(dbPath, 'SELECT migration_name FROM schema_migrations ORDER BY id') as {
      migration_name: string;
    }[];
    expect(names.map((n) => n.migration_name)).toEqual(loadMigrationFiles(slow()).map((f) => f.name));
    expect(rows(dbPath, 'SELECT count(*) AS n FROM filler')).toEqual([{ n: 300000 }]);
    // Exactly one process ran each migration; the other saw it applied.
    const ran = results.flatMap((r) => r.outcomes ?? []).filter((s) => s === 'ran').length;
    expect(ran).toBe(COUNT + 1);
    expect(rows(dbPath, 'PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
  });

  it('upgrades a v0.1.0 database exactly once, notes intact', async () => {
    const dir = tempDir();
    const { dbPath } = buildHistoricalDataDir(dir, HISTORICAL_STATES['v0.1.0 baseline (no tracking)']);
    const notes = rows(dbPath, 'SELECT id, slug, content_hash, created_at FROM notes ORDER BY id');
    const results = await race(dbPath, join(dir, 'backups'), slow());
    expect(results).toEqual([expect.objectContaining({ ok: true }), expect.objectContaining({ ok: true })]);
    expect(results.flatMap((r) => r.outcomes ?? []).filter((s) => s === 'ran').length).toBe(COUNT + 1);
    expect(rows(dbPath, 'SELECT id, slug, content_hash, created_at FROM notes ORDER BY id')).toEqual(notes);
    expect(rows(dbPath, 'SELECT count(*) AS n FROM schema_migrations')).toEqual([{ n: COUNT + 1 }]);
  });
});

describe('checksums', () => {
  it('ignore Windows line endings', () => {
    expect(checksumOf('SELECT 1;\r\nSELECT 2;\r\n')).toBe(checksumOf('SELECT 1;\nSELECT 2;\n'));
  });
});
