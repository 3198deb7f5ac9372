/**
 * Hand-repaired databases. The Python StarPunk's hotfix notes told people to inspect
 * `PRAGMA table_info(tokens)` and repair by hand, so tables exist in shapes close to the expected
 * one: another default, nullability, type name or column order, a column missing or extra, indexes
 * missing or extra. Each converges on the canonical shape keeping its rows; where it cannot, the
 * runner refuses before writing anything, naming the table, the column and what to do.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/run.js';
import { MigrationRefused, runMigrations } from '../../src/db/migrate.js';
import { diffSnapshots, inspectSchema } from '../../src/db/schema.js';
import { fileHash, freshSchema, rows, tempDir } from '../helpers/db.js';
import {
  buildHistoricalDataDir,
  HISTORICAL_STATES,
  type HistoricalState,
  SECRETS,
  sha256,
} from '../helpers/historical.js';
import { captureIo } from '../helpers/io.js';

function exec(dbPath: string, sql: string): void {
  const db = new Database(dbPath);
  try {
    db.exec(sql);
  } finally {
    db.close();
  }
}

const bytes = fileHash;

const RC1 =
  HISTORICAL_STATES['v1.0.0-rc.1 hybrid (new tables and token indexes from SCHEMA_SQL, no tracking)'];
const RC3 = HISTORICAL_STATES['v1.0.0-rc.3 current (001 and 002 recorded)'];

/** A tokens table re-created by hand: `body` is its column list. Rows are copied back by name. */
function recreateTokens(dbPath: string, body: string, extraSql = ''): void {
  exec(
    dbPath,
    `CREATE TABLE tokens_saved AS SELECT * FROM tokens;
     DROP TABLE tokens;
     CREATE TABLE tokens (${body});
     INSERT INTO tokens (token_hash, me, client_id, scope, created_at, expires_at)
       SELECT token_hash, me, client_id, scope, created_at, expires_at FROM tokens_saved;
     DROP TABLE tokens_saved;
     ${extraSql}`,
  );
}

const TOKEN = { token_hash: sha256(SECRETS.newToken), me: 'https://example.net/', scope: 'create' };

describe('a hand-repaired table converges on the canonical shape, keeping its rows', () => {
  const REPAIRS: [string, HistoricalState, string, string?][] = [
    [
      'rc.1, nothing recorded, tokens re-created without scope’s DEFAULT (the seed’s own crash)',
      RC1,
      `id INTEGER PRIMARY KEY AUTOINCREMENT, token_hash TEXT UNIQUE NOT NULL, me TEXT NOT NULL, client_id TEXT,
       scope TEXT, created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, expires_at TIMESTAMP NOT NULL,
       last_used_at TIMESTAMP, revoked_at TIMESTAMP`,
    ],
    [
      'rc.3, tokens with other type names, nullability and column order',
      RC3,
      `id INTEGER PRIMARY KEY AUTOINCREMENT, me VARCHAR(255), token_hash VARCHAR(64) UNIQUE NOT NULL,
       scope VARCHAR(100) DEFAULT 'create', client_id TEXT, expires_at DATETIME NOT NULL,
       created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP, revoked_at DATETIME, last_used_at DATETIME`,
    ],
    [
      'rc.3, tokens missing two nullable columns and its indexes, with an index of its own',
      RC3,
      `id INTEGER PRIMARY KEY AUTOINCREMENT, token_hash TEXT UNIQUE NOT NULL, me TEXT NOT NULL, client_id TEXT,
       scope TEXT DEFAULT 'create', created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
       expires_at TIMESTAMP NOT NULL`,
      'CREATE INDEX my_own_tokens_index ON tokens(client_id, me);',
    ],
    [
      'rc.1, nothing recorded, tokens with an extra column (empty) and no AUTOINCREMENT',
      RC1,
      `id INTEGER PRIMARY KEY, token_hash TEXT UNIQUE NOT NULL, me TEXT NOT NULL, client_id TEXT,
       scope TEXT DEFAULT 'create', created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
       expires_at TIMESTAMP NOT NULL, last_used_at TIMESTAMP, revoked_at TIMESTAMP, notes TEXT`,
    ],
  ];

  it.each(REPAIRS)('%s', (_label, state, body, extra) => {
    const dir = tempDir();
    const { dbPath } = buildHistoricalDataDir(dir, state);
    recreateTokens(dbPath, body, extra);
    const report = runMigrations({ dbPath, backupsDir: join(dir, 'backups') });
    const db = new Database(dbPath, { readonly: true });
    const schema = inspectSchema(db);
    db.close();
    expect(diffSnapshots(freshSchema(), schema)).toEqual([]);
    expect(report.drift).toEqual([]);
    expect(report.backupPath).not.toBeNull();
    expect(report.converged.map((c) => c.table)).toContain('tokens');
    expect(rows(dbPath, 'SELECT token_hash, me, scope FROM tokens')).toEqual([TOKEN]);
    // A second run is a no-op.
    const before = bytes(dbPath);
    const again = runMigrations({ dbPath, backupsDir: join(dir, 'backups') });
    expect(again.backupPath).toBeNull();
    expect(bytes(dbPath)).toBe(before);
  });

  it('drops an extra column that holds data only after saying so, and the backup keeps it', () => {
    const dir = tempDir();
    const { dbPath } = buildHistoricalDataDir(dir, RC3);
    exec(
      dbPath,
      "ALTER TABLE sessions ADD COLUMN device_label TEXT; UPDATE sessions SET device_label = 'laptop';",
    );
    const report = runMigrations({ dbPath, backupsDir: join(dir, 'backups') });
    expect(report.lost).toEqual([
      "column sessions.device_label (1 value(s)) was dropped: it is not part of StarPunk's schema",
    ]);
    expect(rows(report.backupPath!, 'SELECT device_label FROM sessions')).toEqual([
      { device_label: 'laptop' },
    ]);
    const db = new Database(dbPath, { readonly: true });
    const schema = inspectSchema(db);
    db.close();
    expect(diffSnapshots(freshSchema(), schema)).toEqual([]);
  });

  it('a recorded migration whose index was dropped by hand and an index of the same name as a later one', () => {
    const dir = tempDir();
    const { dbPath } = buildHistoricalDataDir(dir, RC3);
    // idx_tokens_grant_id is created by `010_indieauth_grants.sql`; a hand-made one of that name
    // must not crash it.
    exec(dbPath, 'DROP INDEX idx_tokens_me; CREATE INDEX idx_tokens_grant_id ON tokens(me);');
    const report = runMigrations({ dbPath, backupsDir: join(dir, 'backups') });
    const db = new Database(dbPath, { readonly: true });
    const schema = inspectSchema(db);
    db.close();
    expect(diffSnapshots(freshSchema(), schema)).toEqual([]);
    expect(report.drift).toEqual([]);
  });
});

describe('where a table cannot keep its rows, the runner refuses before writing anything', () => {
  const REFUSALS: [string, string, string, RegExp][] = [
    [
      'empty values in a column that must not be empty',
      `id INTEGER PRIMARY KEY AUTOINCREMENT, token_hash TEXT UNIQUE NOT NULL, me TEXT, client_id TEXT,
       scope TEXT DEFAULT 'create', created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
       expires_at TIMESTAMP NOT NULL, last_used_at TIMESTAMP, revoked_at TIMESTAMP`,
      'UPDATE tokens SET me = NULL;',
      /table tokens: column me must not be empty .* but 1 row\(s\) have no value; fill them \(UPDATE tokens SET me = … WHERE me IS NULL\) or delete those rows/,
    ],
    [
      'duplicates in a column that must be unique',
      `id INTEGER PRIMARY KEY AUTOINCREMENT, token_hash TEXT NOT NULL, me TEXT NOT NULL, client_id TEXT,
       scope TEXT DEFAULT 'create', created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
       expires_at TIMESTAMP NOT NULL, last_used_at TIMESTAMP, revoked_at TIMESTAMP`,
      'INSERT INTO tokens (token_hash, me, expires_at) SELECT token_hash, me, expires_at FROM tokens;',
      /table tokens: token_hash must be unique, but "[0-9a-f]{64}" appear more than once; delete or change the duplicate rows/,
    ],
    [
      'a required column missing while the table has rows',
      `id INTEGER PRIMARY KEY AUTOINCREMENT, token_hash TEXT UNIQUE NOT NULL, client_id TEXT,
       scope TEXT DEFAULT 'create', created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
       expires_at TIMESTAMP NOT NULL, last_used_at TIMESTAMP, revoked_at TIMESTAMP`,
      '',
      /table tokens: column me \(TEXT NOT NULL\) is missing and has no default, so its 1 row\(s\) cannot be kept/,
    ],
  ];

  it.each(REFUSALS)('%s', async (_label, body, extra, message) => {
    const dir = tempDir();
    const { dbPath } = buildHistoricalDataDir(dir, RC1);
    const db = new Database(dbPath);
    const hasMe = body.includes(' me ');
    db.exec(
      `CREATE TABLE tokens_saved AS SELECT * FROM tokens; DROP TABLE tokens; CREATE TABLE tokens (${body});`,
    );
    db.exec(
      `INSERT INTO tokens (token_hash, ${hasMe ? 'me, ' : ''}client_id, scope, created_at, expires_at)
       SELECT token_hash, ${hasMe ? 'me, ' : ''}client_id, scope, created_at, expires_at FROM tokens_saved;
       DROP TABLE tokens_saved; ${extra}`,
    );
    db.close();
    const before = bytes(dbPath);
    let err: unknown;
    try {
      runMigrations({ dbPath, backupsDir: join(dir, 'backups') });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MigrationRefused);
    expect((err as MigrationRefused).reason).toBe('cannot_converge');
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toMatch(/SQLITE_|already exists|constraint failed/);
    expect(bytes(dbPath)).toBe(before);
    expect(existsSync(`${dbPath}-wal`)).toBe(false);
    expect(existsSync(join(dir, 'backups'))).toBe(false);

    // The command line says it in one paragraph, without a raw SQLite error.
    const io = captureIo({ DATA_PATH: dir, LOG_LEVEL: 'error' }, dir);
    expect(await main(['migrate'], io)).toBe(1);
    const said = io.err.join('');
    expect(said).toMatch(/^starpunk: refusing to migrate \(cannot_converge\); nothing was changed\./);
    expect(said).toMatch(message);
    expect(bytes(dbPath)).toBe(before);
  });
});
