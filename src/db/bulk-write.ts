/**
 * Bulk writes in progress on a database file from a connection of their own (an import for real,
 * src/import/feature.ts): such a batch holds SQLite's write lock for its whole run, all or nothing.
 * Any other write on the file would wait `busy_timeout` (5 s) on the server's thread, stalling every
 * request, and then fail. Whoever would write asks here first and answers at once instead: the
 * app refuses writes with 503, the session keeps its expiry unslid.
 *
 * Per process and per file; a hold is released exactly once, whatever happens to the batch.
 */
import { resolve } from 'node:path';

const held = new Map<string, number>();

/** Marks `dbPath` as written in bulk until the returned function is called. */
export function holdBulkWrite(dbPath: string): () => void {
  const key = resolve(dbPath);
  held.set(key, (held.get(key) ?? 0) + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const n = (held.get(key) ?? 1) - 1;
    if (n <= 0) held.delete(key);
    else held.set(key, n);
  };
}

/** True while a bulk write holds `dbPath`. */
export function bulkWriteHeld(dbPath: string): boolean {
  return held.size > 0 && held.has(resolve(dbPath));
}
