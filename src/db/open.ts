import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';

export type Db = Database.Database;

/** Registers the SQL functions StarPunk's migrations and queries rely on. */
export function registerFunctions(db: Db): void {
  // Hex SHA-256 of the UTF-8 text, as Python StarPunk hashes tokens; NULL stays NULL.
  db.function('sha256', { deterministic: true }, (value: unknown) =>
    value === null || value === undefined
      ? null
      : createHash('sha256').update(String(value), 'utf8').digest('hex'),
  );
}

/** Options for opening the application's database connection. */
export interface OpenOptions {
  readonly?: boolean;
  busyTimeoutMs?: number;
}

/**
 * Opens the database for serving: WAL journal, foreign keys enforced, a busy timeout so a
 * second process waits instead of failing, and NORMAL sync (durable in WAL at commit boundaries).
 * Call only after migrations have run: statements prepared on a missing table throw.
 */
export function openDatabase(path: string, options: OpenOptions = {}): Db {
  const db = new Database(path, {
    readonly: options.readonly ?? false,
    fileMustExist: options.readonly ?? false,
  });
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  if (!options.readonly) db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = NORMAL');
  registerFunctions(db);
  return db;
}
