import { randomBytes } from 'node:crypto';
import type { Db } from '../open.js';

/**
 * This installation's identity: 32 hex digits made once per database (migration 021), so it
 * survives a backup and restore of the same site while a new data directory gets its own. Remote
 * keys that must not collide between sites on one account include it (ADR 0013). A database
 * whose row is missing gets one here.
 */
export function installationId(db: Db): string {
  const read = db.prepare('SELECT uid FROM installation WHERE id = 1');
  const row = read.get() as { uid: string } | undefined;
  if (row) return row.uid;
  db.prepare('INSERT OR IGNORE INTO installation (id, uid, created_at) VALUES (1, ?, ?)').run(
    randomBytes(16).toString('hex'),
    new Date().toISOString(),
  );
  return (read.get() as { uid: string }).uid;
}
