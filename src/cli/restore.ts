import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MigrationFailed, MigrationRefused } from '../db/migrate.js';
import { progressOn } from '../lib/progress.js';
import { createLogger } from '../logger.js';
import { RestoreRefused, restoreBackup } from '../ops/restore.js';
import { UnsafeArchiveError } from '../ops/tar.js';
import { configFromIo, EXIT, type Io } from './context.js';

const USAGE = 'usage: starpunk restore <archive> [--force]\n';

/** `starpunk restore <archive> [--force]`: verify a backup, then restore it as the data directory. */
export async function restoreCommand(args: string[], io: Io): Promise<number> {
  let archive: string | undefined;
  let force = false;
  try {
    const parsed = parseArgs({
      args,
      options: { force: { type: 'boolean', default: false } },
      allowPositionals: true,
      strict: true,
    });
    if (parsed.positionals.length !== 1) throw new Error('exactly one archive is needed');
    archive = parsed.positionals[0]!;
    force = parsed.values.force ?? false;
  } catch (err) {
    io.stderr(`starpunk restore: ${(err as Error).message}\n${USAGE}`);
    return EXIT.failure;
  }
  const config = configFromIo(io);
  if (!config) return EXIT.config;
  const d = config.dataPath;
  if (
    config.databasePath !== join(d, 'starpunk.db') ||
    config.notesPath !== join(d, 'notes') ||
    config.mediaPath !== join(d, 'media')
  ) {
    io.stderr(
      'starpunk restore: DATABASE_PATH, NOTES_PATH and MEDIA_PATH must be the defaults inside DATA_PATH; ' +
        'restore into a data directory of the default layout and point those variables at it\n',
    );
    return EXIT.failure;
  }
  try {
    const r = await restoreBackup({
      archive: resolve(io.cwd, archive),
      dataPath: d,
      force,
      logger: createLogger(config.logLevel),
      progress: progressOn(),
    });
    io.stdout(
      `verified ${r.manifest.files.length} file(s) against the manifest of ${r.manifest.created_at}\n`,
    );
    if (r.movedAside) io.stdout(`the previous data directory was moved to ${r.movedAside}\n`);
    const keys = r.manifest.counts.keys ?? 0;
    io.stdout(
      `restored ${r.manifest.counts.notes} note(s), ${r.manifest.counts.media_files} media file(s) ` +
        `and ${keys} key file(s) into ${d}\n`,
    );
    if (keys === 0 && r.connectedAccounts > 0) {
      io.stderr(
        `starpunk restore: warning: this archive carries no keys (made without them, or by an older StarPunk): ` +
          `the ${r.connectedAccounts} connected account(s) in it open only under the SESSION_SECRET the site ` +
          'had; otherwise connect them again in Admin → Syndication\n',
      );
    }
    for (const o of r.migrations.outcomes) {
      if (o.state === 'ran' || o.state === 'adopted-now')
        io.stdout(`migration ${o.state.padEnd(11)} ${o.name}\n`);
    }
    return EXIT.ok;
  } catch (err) {
    if (err instanceof RestoreRefused || err instanceof UnsafeArchiveError) {
      io.stderr(`starpunk restore: refused: ${err.message}\n  nothing was changed.\n`);
      return EXIT.failure;
    }
    if (err instanceof MigrationRefused || err instanceof MigrationFailed) {
      io.stderr(
        `starpunk restore: the restored database cannot be migrated: ${err.message}\n  nothing was changed.\n`,
      );
      return EXIT.failure;
    }
    throw err;
  }
}
