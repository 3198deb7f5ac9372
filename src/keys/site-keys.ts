/**
 * The keys a running site needs, kept in DATA_PATH/keys/ (src/keys/key-files.ts): made on first
 * use, adopted from the old derivation on upgrade, carried by backups, checked by `doctor`.
 */
import { join } from 'node:path';
import type { Db } from '../db/open.js';
import { syndicationStore } from '../db/store/syndication.js';
import { countUnopenable, legacySealingKey, newSealingKey, SEALING_KEY_BYTES } from '../lib/secret-box.js';
import type { DriftProblem } from '../notes/doctor.js';
import { createKeyFile, KEYS_FOLDER, readKeyFile } from './key-files.js';

/** The keys of a site. A new key (ActivityPub's signing key) is one more field and one more file. */
export interface SiteKeys {
  /** Seals the secrets of connected accounts (src/lib/secret-box.ts). */
  sealing: Buffer;
}

/** The sealing key's file in DATA_PATH/keys/: 32 bytes, base64url, one line. */
export const SEALING_KEY_FILE = 'sealing.key';

/** Where the sealing key in use came from. */
export type SealingKeySource = 'file' | 'adopted' | 'new';

/** The site's keys, and what loading them found. */
export interface LoadedKeys {
  keys: SiteKeys;
  /** 'adopted': made now from the session secret, which sealed the secrets before (an upgrade). */
  sealingSource: SealingKeySource;
  /** Sealed secrets in the database this key cannot open (accounts to connect again). */
  unopenable: number;
}

/** A key file that exists but holds no valid key: the site refuses to guess. */
export class DamagedKeyError extends Error {
  constructor(dataPath: string, name: string) {
    super(
      `${join(dataPath, KEYS_FOLDER, name)} is damaged (not a ${SEALING_KEY_BYTES}-byte key): restore it from a backup, ` +
        'or move it away to make a new one (connected accounts must then be connected again)',
    );
    this.name = 'DamagedKeyError';
  }
}

function decodeSealingKey(dataPath: string, bytes: Buffer): Buffer {
  const text = bytes.toString('utf8').trim();
  const key = /^[A-Za-z0-9_-]+$/.test(text) ? Buffer.from(text, 'base64url') : Buffer.alloc(0);
  if (key.length !== SEALING_KEY_BYTES) throw new DamagedKeyError(dataPath, SEALING_KEY_FILE);
  return key;
}

/** The sealing key in DATA_PATH/keys/, or undefined when there is none yet (read-only). */
export function findSealingKey(dataPath: string): Buffer | undefined {
  const bytes = readKeyFile(dataPath, SEALING_KEY_FILE);
  return bytes ? decodeSealingKey(dataPath, bytes) : undefined;
}

/** The sealed secrets of the connected accounts in `db` (none for a database without the table). */
export function sealedSecrets(db: Db): string[] {
  let store: ReturnType<typeof syndicationStore>;
  try {
    store = syndicationStore(db);
  } catch {
    return []; // a database from before syndication (not yet migrated): nothing sealed
  }
  return store.listAccounts().map((a) => a.secrets);
}

/**
 * Opens the site's keys, making any that is missing. A site upgraded from before keys had files
 * sealed its secrets with a key derived from the session secret: when that key opens them, it
 * becomes the sealing key (nothing is re-sealed, and from now on the session secret may change
 * without locking the accounts). Otherwise the new key is random.
 */
export function loadSiteKeys(p: {
  dataPath: string;
  /** The session secret; asked for only when the sealing key has no file yet. */
  sessionSecret: () => string;
  /** The sealed secrets in the database (see sealedSecrets). */
  sealed: readonly string[];
}): LoadedKeys {
  const found = findSealingKey(p.dataPath);
  if (found)
    return { keys: { sealing: found }, sealingSource: 'file', unopenable: countUnopenable(found, p.sealed) };
  let candidate = newSealingKey();
  let source: SealingKeySource = 'new';
  if (p.sealed.length > 0) {
    const legacy = legacySealingKey(p.sessionSecret());
    if (countUnopenable(legacy, p.sealed) < p.sealed.length) {
      candidate = legacy;
      source = 'adopted';
    }
  }
  const written = createKeyFile(
    p.dataPath,
    SEALING_KEY_FILE,
    Buffer.from(`${candidate.toString('base64url')}\n`, 'utf8'),
  );
  const sealing = decodeSealingKey(p.dataPath, written);
  // Another process may have written the file first: then its key is the one.
  if (!sealing.equals(candidate)) source = 'file';
  return { keys: { sealing }, sealingSource: source, unopenable: countUnopenable(sealing, p.sealed) };
}

/**
 * For `doctor` (read-only): the connected accounts the site's sealing key cannot open. Before the
 * key has a file, the key the next start would adopt (derived from `sessionSecret`) is tried.
 */
export function checkSiteKeys(dataPath: string, db: Db, sessionSecret: string | undefined): DriftProblem[] {
  const sealed = sealedSecrets(db);
  const path = `${KEYS_FOLDER}/${SEALING_KEY_FILE}`;
  let key: Buffer | undefined;
  try {
    key = findSealingKey(dataPath);
  } catch (err) {
    return [{ kind: 'sealed_secret', path, detail: (err as Error).message }];
  }
  if (sealed.length === 0) return [];
  if (!key && sessionSecret) key = legacySealingKey(sessionSecret);
  const n = key ? countUnopenable(key, sealed) : sealed.length;
  if (n === 0) return [];
  return [
    {
      kind: 'sealed_secret',
      path,
      detail: `${n} connected account(s) cannot be opened with this site's sealing key: connect them again in Admin → Syndication`,
    },
  ];
}
