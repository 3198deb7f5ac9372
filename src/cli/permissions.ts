import { chmodSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { keysPath, listKeyFiles } from '../keys/key-files.js';

/** One path whose group and other permission bits were removed (or could not be). */
export interface TightenedPath {
  path: string;
  from: string;
  to: string;
  error?: string;
}

const octal = (mode: number) => `0${(mode & 0o7777).toString(8)}`;

/**
 * Takes group and other permissions away from the data directory's folders and secret files
 * (data, notes, media, keys and backups folders; database with its -wal and -shm; .secret and the
 * key files), for a data directory made by an older version or under a loose umask. Deliberately
 * not recursive: the folders at 0700 already keep other local users from every file inside them.
 */
export function tightenDataPermissions(config: Config): TightenedPath[] {
  const db = config.databasePath;
  const paths = [
    config.dataPath,
    config.notesPath,
    config.mediaPath,
    config.backupsPath,
    db,
    `${db}-wal`,
    `${db}-shm`,
    join(config.dataPath, '.secret'),
    keysPath(config.dataPath),
    ...listKeyFiles(config.dataPath).map((name) => join(keysPath(config.dataPath), name)),
  ];
  const out: TightenedPath[] = [];
  for (const path of new Set(paths)) {
    let mode: number;
    try {
      mode = statSync(path).mode;
    } catch {
      continue; // not there (yet): whatever creates it does so under the 077 umask
    }
    if ((mode & 0o077) === 0) continue;
    const next = mode & ~0o077;
    try {
      chmodSync(path, next & 0o7777);
      out.push({ path, from: octal(mode), to: octal(next) });
    } catch (err) {
      out.push({ path, from: octal(mode), to: octal(next), error: (err as Error).message });
    }
  }
  return out;
}
