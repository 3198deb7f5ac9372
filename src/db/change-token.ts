import type { Db } from './open.js';

/**
 * The database's two change signals: rows written through this connection (`total_changes()`,
 * about 0.1 µs) and commits by any other connection or process (`PRAGMA data_version`, which
 * opens a read transaction: a few µs). Neither reads a table.
 */
export function changeSignals(db: Db): { own: () => number; other: () => number } {
  const own = db.prepare('SELECT total_changes()').pluck();
  const other = db.prepare('PRAGMA data_version').pluck();
  return { own: () => own.get() as number, other: () => other.get() as number };
}

/**
 * A cheap value that changes whenever the database may have changed: rows written through this
 * connection (`total_changes()`) or a commit by any other connection or process
 * (`PRAGMA data_version`). Neither reads a table, so a cache can check it on every request and
 * stay right when a second server or a CLI command writes to the same file. (Two plain statements:
 * the `pragma_data_version` table function costs three times as much, measured.)
 */
export function changeToken(db: Db): () => string {
  const { own, other } = changeSignals(db);
  return () => `${own()}:${other()}`;
}
