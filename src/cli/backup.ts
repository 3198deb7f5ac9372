import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createBackup } from '../ops/backup.js';
import { appVersion } from '../version.js';
import { configFromIo, EXIT, type Io } from './context.js';

const USAGE = 'usage: starpunk backup [--out DIR]\n';

/** `starpunk backup [--out DIR]`: write a consistent snapshot of database, notes and media to a .tar.gz. */
export async function backupCommand(args: string[], io: Io): Promise<number> {
  let out: string | undefined;
  try {
    ({
      values: { out },
    } = parseArgs({ args, options: { out: { type: 'string' } }, strict: true }));
  } catch (err) {
    io.stderr(`starpunk backup: ${(err as Error).message}\n${USAGE}`);
    return EXIT.failure;
  }
  const config = configFromIo(io);
  if (!config) return EXIT.config;
  const result = await createBackup({
    databasePath: config.databasePath,
    notesPath: config.notesPath,
    mediaPath: config.mediaPath,
    outDir: out ? resolve(io.cwd, out) : config.backupsPath,
    version: appVersion(),
  });
  const m = result.manifest;
  const size = statSync(result.path).size;
  io.stdout(
    `backup written to ${result.path}\n` +
      `  ${m.counts.notes} note(s), ${m.counts.media_files} media file(s), ${m.files.length} file(s) in all, ` +
      `${(size / 1024).toFixed(1)} KB\n`,
  );
  if (result.attempts > 1)
    io.stdout(`  (notes changed during the backup; consistent on attempt ${result.attempts})\n`);
  return EXIT.ok;
}
