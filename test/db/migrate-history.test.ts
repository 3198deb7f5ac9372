import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { loadMigrationFiles, MigrationRefused, runMigrations } from '../../src/db/migrate.js';
import { diffSnapshots, inspectSchema } from '../../src/db/schema.js';
import { fileHash, freshSchema, rows, tempDir } from '../helpers/db.js';
import {
  buildHistoricalDataDir,
  FIXTURE_NOTES,
  HISTORICAL_STATES,
  type HistoricalState,
  PATH_STYLES,
  REFUSED_STATES,
  SECRETS,
  sha256,
} from '../helpers/historical.js';

const readRows = rows;
const fileBytes = fileHash;

describe('upgrading every historical StarPunk database', () => {
  const entries = Object.entries(HISTORICAL_STATES) as [string, HistoricalState][];

  it.each(entries)('%s', (_label, state) => {
    const dir = tempDir();
    const { dbPath, notesDir } = buildHistoricalDataDir(dir, state);
    const notesBefore = readRows(
      dbPath,
      'SELECT id, slug, published, created_at, updated_at, deleted_at, content_hash FROM notes ORDER BY id',
    );
    // As the Python StarPunk stored it: relative to the data directory.
    expect(readRows(dbPath, 'SELECT file_path FROM notes ORDER BY id')).toEqual(
      FIXTURE_NOTES.map((n) => ({ file_path: `notes/${n.path}` })),
    );
    const filesBefore = FIXTURE_NOTES.map((n) => readFileSync(join(notesDir, n.path)));

    const report = runMigrations({ dbPath, backupsDir: join(dir, 'backups') });

    // Identical to a fresh install: tables, columns, types, constraints, indexes, triggers, views.
    const db = new Database(dbPath, { readonly: true });
    const upgraded = inspectSchema(db);
    db.close();
    expect(diffSnapshots(freshSchema(), upgraded)).toEqual([]);
    expect(report.drift).toEqual([]);

    // Every note row and file is unchanged, but for the path, now relative to the notes folder.
    expect(
      readRows(
        dbPath,
        'SELECT id, slug, published, created_at, updated_at, deleted_at, content_hash FROM notes ORDER BY id',
      ),
    ).toEqual(notesBefore);
    expect(readRows(dbPath, 'SELECT file_path FROM notes ORDER BY id')).toEqual(
      FIXTURE_NOTES.map((n) => ({ file_path: n.path })),
    );
    expect(report.notePaths?.rewritten).toBe(FIXTURE_NOTES.length);
    expect(report.notePaths?.missing).toEqual([]);
    FIXTURE_NOTES.forEach((n, i) => {
      expect(readFileSync(join(notesDir, n.path)).equals(filesBefore[i]!)).toBe(true);
    });

    // All migrations recorded exactly once, with checksums.
    const recorded = readRows(
      dbPath,
      'SELECT migration_name, checksum FROM schema_migrations ORDER BY id',
    ) as {
      migration_name: string;
      checksum: string | null;
    }[];
    expect(recorded.map((r) => r.migration_name)).toEqual(loadMigrationFiles().map((f) => f.name));
    expect(recorded.every((r) => typeof r.checksum === 'string' && r.checksum.length === 64)).toBe(true);

    // The admin stays signed in: the session row holds the hash of the same token.
    expect(readRows(dbPath, 'SELECT session_token_hash, me FROM sessions')).toEqual([
      { session_token_hash: sha256(SECRETS.session), me: 'https://example.net/' },
    ]);

    // Old plaintext tokens are invalidated; hashed ones (rc.1+) survive.
    const tokens = readRows(dbPath, 'SELECT token_hash FROM tokens') as { token_hash: string }[];
    if (state.tokens === 'old') {
      expect(tokens).toEqual([]);
      expect(report.notices.join('\n')).toMatch(/plaintext access tokens are invalidated/);
    } else {
      expect(tokens).toEqual([{ token_hash: sha256(SECRETS.newToken) }]);
    }

    // No plaintext secret anywhere in the database file (free pages included) or its WAL.
    for (const f of [dbPath, `${dbPath}-wal`]) {
      if (!existsSync(f)) continue;
      const bytes = readFileSync(f);
      expect(bytes.includes(SECRETS.session)).toBe(false);
      expect(bytes.includes(SECRETS.oldToken)).toBe(false);
    }

    // A backup was written first, readable by the owner only.
    expect(report.backupPath).not.toBeNull();
    expect(statSync(report.backupPath!).mode & 0o777).toBe(0o600);
    const backupNotes = readRows(
      report.backupPath!,
      'SELECT id, slug, published, created_at, updated_at, deleted_at, content_hash FROM notes ORDER BY id',
    );
    expect(backupNotes).toEqual(notesBefore);

    // Running again is a no-op: nothing recorded, no backup, file unchanged.
    const bytesAfter = fileBytes(dbPath);
    const backupsAfter = readdirSync(join(dir, 'backups'));
    const again = runMigrations({ dbPath, backupsDir: join(dir, 'backups') });
    expect(again.backupPath).toBeNull();
    expect(again.outcomes.every((o) => o.state === 'applied' || o.state === 'adopted')).toBe(true);
    expect(fileBytes(dbPath)).toBe(bytesAfter);
    expect(readdirSync(join(dir, 'backups'))).toEqual(backupsAfter);
  });

  it.each(PATH_STYLES)('finds every note file whose path was stored %s', (style) => {
    const dir = tempDir();
    const { dbPath } = buildHistoricalDataDir(
      dir,
      HISTORICAL_STATES['v1.0.0-rc.3 current (001 and 002 recorded)'],
      style,
    );
    const report = runMigrations({ dbPath, backupsDir: join(dir, 'backups') });
    expect(readRows(dbPath, 'SELECT file_path FROM notes ORDER BY id')).toEqual(
      FIXTURE_NOTES.map((n) => ({ file_path: n.path })),
    );
    expect(report.notePaths?.missing).toEqual([]);
    expect(report.lost).toEqual([]);
  });

  it('copies a soft-deleted note back from .trash/ when that is the only copy, and names a missing one', () => {
    const dir = tempDir();
    const { dbPath, notesDir } = buildHistoricalDataDir(
      dir,
      HISTORICAL_STATES['v1.0.0-rc.3 current (001 and 002 recorded)'],
    );
    const gone = FIXTURE_NOTES.find((n) => n.slug === 'gone-note')!;
    const plain = FIXTURE_NOTES.find((n) => n.slug === 'plain-note')!;
    const trash = join(dir, '.trash');
    mkdirSync(trash, { recursive: true });
    renameSync(join(notesDir, gone.path), join(trash, 'gone-note.md'));
    rmSync(join(notesDir, plain.path));
    const before = fileBytes(dbPath);
    // A dry run and the rehearsal compute the same answer without copying anything.
    const dry = runMigrations({ dbPath, backupsDir: join(dir, 'backups'), dryRun: true });
    expect(dry.notePaths?.fromTrash).toEqual([gone.path]);
    expect(existsSync(join(notesDir, gone.path))).toBe(false);
    expect(fileBytes(dbPath)).toBe(before);

    const report = runMigrations({ dbPath, backupsDir: join(dir, 'backups') });
    expect(report.notePaths?.fromTrash).toEqual([gone.path]);
    expect(readFileSync(join(notesDir, gone.path), 'utf8')).toBe(gone.body);
    expect(existsSync(join(trash, 'gone-note.md'))).toBe(true);
    expect(report.notePaths?.missing).toEqual([plain.path]);
    expect(report.lost.join('\n')).toContain(`note file ${plain.path} is missing`);
    // The row of the missing note is kept, with the path where its file belongs.
    expect(readRows(dbPath, "SELECT file_path FROM notes WHERE slug = 'plain-note'")).toEqual([
      { file_path: plain.path },
    ]);
  });

  it('takes the file as the truth when its hash does not match (CRLF written by a browser form)', () => {
    const dir = tempDir();
    const { dbPath, notesDir } = buildHistoricalDataDir(
      dir,
      HISTORICAL_STATES['v1.0.0-rc.3 current (001 and 002 recorded)'],
    );
    const n = FIXTURE_NOTES[1];
    const crlf = 'Just a plain note,\r\nwritten in a browser.\r\n';
    writeFileSync(join(notesDir, n.path), crlf);
    const report = runMigrations({ dbPath, backupsDir: join(dir, 'backups') });
    expect(report.notePaths?.rehashed).toEqual([n.path]);
    expect(readRows(dbPath, `SELECT content_hash FROM notes WHERE slug = '${n.slug}'`)).toEqual([
      { content_hash: sha256(Buffer.from(crlf)) },
    ]);
  });

  it('adopts what SCHEMA_SQL already created instead of re-running it (rc.2 partial)', () => {
    const dir = tempDir();
    const { dbPath } = buildHistoricalDataDir(
      dir,
      HISTORICAL_STATES['v1.0.0-rc.2 partial (tables without token indexes, 001 recorded)'],
    );
    const report = runMigrations({ dbPath, backupsDir: join(dir, 'backups') });
    const m002 = report.outcomes.find((o) => o.name.startsWith('002_'))!;
    expect(m002.state).toBe('adopted-now');
    expect([...(m002.created ?? [])].sort()).toEqual([
      'create index idx_tokens_expires',
      'create index idx_tokens_hash',
      'create index idx_tokens_me',
    ]);
    expect(report.outcomes.find((o) => o.name.startsWith('003_'))!.state).toBe('adopted-now');
    expect(report.outcomes.find((o) => o.name.startsWith('004_'))!.state).toBe('adopted-now');
    const rows = readRows(
      dbPath,
      'SELECT migration_name, adopted FROM schema_migrations ORDER BY id LIMIT 4',
    );
    expect(rows).toEqual([
      { migration_name: '001_add_code_verifier_to_auth_state.sql', adopted: 0 },
      { migration_name: '002_secure_tokens_and_authorization_codes.sql', adopted: 1 },
      { migration_name: '003_hash_session_tokens.sql', adopted: 1 },
      { migration_name: '004_add_redirect_uri_to_auth_state.sql', adopted: 1 },
    ]);
  });

  it('runs every migration on a v0.1.0 database and rebuilds auth_state into the canonical column order', () => {
    const dir = tempDir();
    const { dbPath } = buildHistoricalDataDir(dir, HISTORICAL_STATES['v0.1.0 baseline (no tracking)']);
    const report = runMigrations({ dbPath, backupsDir: join(dir, 'backups') });
    expect(report.outcomes.every((o) => o.state === 'ran')).toBe(true);
    expect(report.scrubbed).toBe(true);
    const cols = readRows(dbPath, 'PRAGMA table_info(auth_state)') as { name: string }[];
    expect(cols.map((c) => c.name).slice(0, 5)).toEqual([
      'state',
      'code_verifier',
      'created_at',
      'expires_at',
      'redirect_uri',
    ]);
  });
});

describe('refusing databases it must not touch', () => {
  const entries = Object.entries(REFUSED_STATES) as [string, HistoricalState][];

  it.each(entries)('%s: refuses, leaving the file byte-identical', (label, state) => {
    const dir = tempDir();
    const { dbPath } = buildHistoricalDataDir(dir, state);
    const before = fileBytes(dbPath);
    let error: unknown;
    try {
      runMigrations({ dbPath, backupsDir: join(dir, 'backups') });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(MigrationRefused);
    const reason = (error as MigrationRefused).reason;
    expect(reason).toBe(label.includes('newer') ? 'newer_database' : 'effect_missing');
    expect((error as Error).message).toMatch(
      label.includes('newer') ? /099_from_the_future\.sql/ : /authorization_codes/,
    );
    expect(fileBytes(dbPath)).toBe(before);
    expect(existsSync(`${dbPath}-wal`)).toBe(false);
    expect(existsSync(join(dir, 'backups'))).toBe(false);
  });
});
