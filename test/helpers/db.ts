/**
 * Small helpers the migration and upgrade tests share: temporary folders cleaned after each test,
 * a fresh install's schema, read-only queries on a database file, and a file's hash.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach } from 'vitest';
import { runMigrations } from '../../src/db/migrate.js';
import { inspectSchema, type SchemaSnapshot } from '../../src/db/schema.js';
import { sha256 } from './historical.js';

const made: string[] = [];
afterEach(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A new temporary folder, removed after the test. */
export function tempDir(prefix = 'starpunk-db-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

let fresh: SchemaSnapshot | undefined;

/** The schema a fresh install ends with (made once per test file, with the real runner). */
export function freshSchema(): SchemaSnapshot {
  if (fresh) return fresh;
  const dir = tempDir();
  const dbPath = join(dir, 'starpunk.db');
  runMigrations({ dbPath, backupsDir: join(dir, 'backups') });
  const db = new Database(dbPath, { readonly: true });
  try {
    fresh = inspectSchema(db);
    return fresh;
  } finally {
    db.close();
  }
}

/** The schema of the database at `dbPath`. */
export function schemaOf(dbPath: string): SchemaSnapshot {
  const db = new Database(dbPath, { readonly: true });
  try {
    return inspectSchema(db);
  } finally {
    db.close();
  }
}

/** Runs a read-only query on a database file. */
export function rows(dbPath: string, sql: string): unknown[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
}

/** The SHA-256 of a file's bytes, or 'absent'. */
export function fileHash(path: string): string {
  return existsSync(path) ? sha256(readFileSync(path)) : 'absent';
}
