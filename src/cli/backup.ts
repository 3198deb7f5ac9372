import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Config } from '../config.js';
import { openDatabase } from '../db/open.js';
import { keysPath } from '../keys/key-files.js';
import { loadSiteKeys, sealedSecrets } from '../keys/site-keys.js';
import { progressOn } from '../lib/progress.js';
import { createBackup } from '../ops/backup.js';
import { appVersion } from '../version.js';
import { configFromIo, EXIT, type Io, resolveSessionSecret } from './context.js';

const USAGE = 'usage: starpunk backup [--out DIR] [--without-keys]\n';

/**
 * Makes sure the site's keys exist before they are archived, as `serve` would make them: a site
 * upgraded but not yet restarted still seals with the key derived from its session secret.
 * Returns how many connected accounts the database holds.
 */
function prepareKeys(config: Config): number {
  if (!existsSync(config.databasePath)) return 0;
  const db = openDatabase(config.databasePath, { readonly: true });
  let sealed: string[];
  try {
    sealed = sealedSecrets(db);
  } finally {
    db.close();
  }
  loadSiteKeys({ dataPath: config.dataPath, sessionSecret: () => resolveSessionSecret(config), sealed });
  return sealed.length;
}

/**
 * `starpunk backup [--out DIR] [--without-keys]`: write a consistent snapshot of database, notes,
 * media and the site's keys to a .tar.gz, and say plainly what it holds.
 */
export async function backupCommand(args: string[], io: Io): Promise<number> {
  let out: string | undefined;
  let withoutKeys = false;
  try {
    const { values } = parseArgs({
      args,
      options: { out: { type: 'string' }, 'without-keys': { type: 'boolean', default: false } },
      strict: true,
    });
    out = values.out;
    withoutKeys = values['without-keys'] ?? false;
  } catch (err) {
    io.stderr(`starpunk backup: ${(err as Error).message}\n${USAGE}`);
    return EXIT.failure;
  }
  const config = configFromIo(io);
  if (!config) return EXIT.config;
  let accounts = 0;
  if (!withoutKeys) {
    try {
      accounts = prepareKeys(config);
    } catch (err) {
      io.stderr(`starpunk backup: cannot open the site's keys: ${(err as Error).message}\n`);
      return EXIT.failure;
    }
  }
  const result = await createBackup({
    databasePath: config.databasePath,
    notesPath: config.notesPath,
    mediaPath: config.mediaPath,
    ...(withoutKeys ? {} : { keysPath: keysPath(config.dataPath) }),
    outDir: out ? resolve(io.cwd, out) : config.backupsPath,
    version: appVersion(),
    progress: progressOn(),
  });
  const m = result.manifest;
  const size = statSync(result.path).size;
  io.stdout(
    `backup written to ${result.path}\n` +
      `  ${m.counts.notes} note(s), ${m.counts.media_files} media file(s), ${m.counts.keys ?? 0} key file(s), ` +
      `${m.files.length} file(s) in all, ${(size / 1024).toFixed(1)} KB\n`,
  );
  if (result.attempts > 1)
    io.stdout(`  (notes changed during the backup; consistent on attempt ${result.attempts})\n`);
  io.stdout(
    '\nWhat this archive holds: everything needed to bring the site back — the database (notes and\n' +
      'drafts, private ones too, settings, your admin password’s hash, Webmentions, access tokens),\n' +
      'the note files and the media.\n',
  );
  if (withoutKeys) {
    io.stdout(
      'It does NOT hold the site’s keys (--without-keys): after a restore on another machine, connected\n' +
        'accounts (Mastodon, Bluesky) must be connected again.\n',
    );
  } else {
    io.stdout(
      `It also holds the site’s keys (keys/), including the key that unseals the tokens of connected\n` +
        `accounts${accounts > 0 ? ` (${accounts} now)` : ''}: whoever has this file can post as you there.\n` +
        'Keep it as private as a password. It is readable by you alone (mode 0600); store copies only\n' +
        'where no one else can read them, or make archives with --without-keys for such places.\n',
    );
  }
  return EXIT.ok;
}
