/**
 * Fedify's key–value store (`KvStore`) over our SQLite database (`activitypub_kv`,
 * 025_activitypub.sql): what Fedify caches (remote keys, documents) and remembers (activities
 * already processed, for inbox idempotence) survives restarts and lives in the one database file.
 */
import type { KvKey, KvStore, KvStoreListEntry, KvStoreSetOptions } from '@fedify/fedify';
import type { Clock } from '../clock.js';
import type { ActivityPubStore } from '../db/store/activitypub.js';
import { toDbTime } from '../lib/db-time.js';

// A key is a path of strings; U+001F (unit separator) never appears in Fedify's key parts.
const SEPARATOR = '\u001f';

function join(key: KvKey): string {
  return key.join(SEPARATOR);
}

function split(key: string): KvKey {
  return key.split(SEPARATOR) as unknown as KvKey;
}

/** A KvStore on the activitypub_kv table. */
export function createSqliteKvStore(store: ActivityPubStore, clock: Clock): KvStore {
  const now = () => toDbTime(clock.now());
  let writes = 0;
  return {
    async get<T = unknown>(key: KvKey): Promise<T | undefined> {
      const value = store.findKv(join(key), now());
      return value === undefined ? undefined : (JSON.parse(value) as T);
    },
    async set(key: KvKey, value: unknown, options?: KvStoreSetOptions): Promise<void> {
      const ttl = options?.ttl?.total({ unit: 'millisecond' });
      const expires = ttl === undefined ? null : toDbTime(new Date(clock.now().getTime() + ttl));
      store.upsertKv(join(key), JSON.stringify(value ?? null), expires);
      // Expired values are forgotten a few at a time as new ones come in.
      if (++writes % 50 === 0) store.deleteExpiredKv(now());
    },
    async delete(key: KvKey): Promise<void> {
      store.deleteKv(join(key));
    },
    async cas(key: KvKey, expected: unknown, next: unknown, options?: KvStoreSetOptions): Promise<boolean> {
      // One connection, synchronous statements: nothing runs between the read and the write.
      const current = store.findKv(join(key), now());
      const same =
        (current === undefined && expected === undefined) ||
        (current !== undefined && current === JSON.stringify(expected ?? null));
      if (!same) return false;
      await this.set(key, next, options);
      return true;
    },
    async *list(prefix?: KvKey): AsyncIterable<KvStoreListEntry> {
      const rows = store.listKv(prefix ? join(prefix) : null, now());
      for (const row of rows) yield { key: split(row.key), value: JSON.parse(row.value) as unknown };
    },
  };
}
