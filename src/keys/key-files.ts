/**
 * The site's own keys live in DATA_PATH/keys/, one file per key: the folder 0700, each file 0600,
 * written once (never overwritten). A key is what a copy of the database alone must not give
 * away, yet what the site needs to go on working after a restore: backups carry this folder as
 * their most sensitive part and exports never do (docs/decisions/0012-backup-carries-keys.md).
 * Today it holds the key sealing connected accounts' tokens; a signing key (ActivityPub's) goes
 * here too.
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

/** The keys folder's name inside DATA_PATH and inside backup archives. */
export const KEYS_FOLDER = 'keys';

/** DATA_PATH/keys. */
export function keysPath(dataPath: string): string {
  return join(dataPath, KEYS_FOLDER);
}

function checkName(name: string): void {
  if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(name)) throw new Error(`not a key file name: ${name}`);
}

/** The bytes of key file `name`, or undefined when there is none. */
export function readKeyFile(dataPath: string, name: string): Buffer | undefined {
  checkName(name);
  try {
    return readFileSync(join(keysPath(dataPath), name));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Writes key file `name` unless it exists; returns what the file holds afterwards (ours, or the
 * one another process wrote first: two starts at once must agree on one key).
 */
export function createKeyFile(dataPath: string, name: string, bytes: Buffer): Buffer {
  checkName(name);
  const dir = keysPath(dataPath);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const path = join(dir, name);
  // Whole or not at all: a temp file, fsynced, then linked into place (never over an existing key).
  const temp = join(dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fd = openSync(temp, 'wx', 0o600);
    try {
      writeFileSync(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    linkSync(temp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return readFileSync(path);
  } finally {
    rmSync(temp, { force: true });
  }
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return bytes;
}

/** The names of the key files there are (sorted). */
export function listKeyFiles(dataPath: string): string[] {
  try {
    return readdirSync(keysPath(dataPath), { withFileTypes: true })
      .filter((e) => e.isFile() && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
