import type { Db } from '../open.js';

/** Prepared statements for the settings key/value table. */
export function settingsStore(db: Db) {
  const get = db.prepare('SELECT value FROM settings WHERE key = ?');
  const put = db.prepare(
    'INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
  );
  const del = db.prepare('DELETE FROM settings WHERE key = ?');
  const pub = db.prepare(
    "SELECT key, value FROM settings WHERE key LIKE 'site.%' OR key LIKE 'author.%' ORDER BY key",
  );
  const putMany = db.transaction((entries: [string, string][], at: string) => {
    for (const [k, v] of entries) put.run(k, v, at);
  });
  return {
    /** The value stored under `key`, or undefined. */
    findSetting: (key: string) => (get.get(key) as { value: string } | undefined)?.value,
    /** Stores a value. */
    upsertSetting: (key: string, value: string, at: string) => put.run(key, value, at),
    /** Stores several values in one transaction. */
    upsertSettings: (entries: [string, string][], at: string) => putMany(entries, at),
    /** Removes a value; true when it existed. */
    deleteSetting: (key: string) => del.run(key).changes === 1,
    /** The public settings (keys under `site.` and `author.`), by key. */
    listPublicSettings: () => pub.all() as { key: string; value: string }[],
  };
}
