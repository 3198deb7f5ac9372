import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runMigrations } from '../db/migrate.js';
import { openDatabase } from '../db/open.js';
import { exportSite } from '../ops/export.js';
import { configFromIo, EXIT, ensureDataDirs, type Io, migrationPaths } from './context.js';
import { reportMigrationError } from './migrate.js';

const USAGE = 'usage: starpunk export [--out DIR]\n';

/** `starpunk export [--out DIR]`: write every note as Markdown + front matter, media, mf2.json and feed.json. */
export function exportCommand(args: string[], io: Io): number {
  let out: string | undefined;
  try {
    ({
      values: { out },
    } = parseArgs({ args, options: { out: { type: 'string' } }, strict: true }));
  } catch (err) {
    io.stderr(`starpunk export: ${(err as Error).message}\n${USAGE}`);
    return EXIT.failure;
  }
  const config = configFromIo(io);
  if (!config) return EXIT.config;
  if (!existsSync(config.databasePath)) {
    io.stderr(`starpunk export: no database at ${config.databasePath}\n`);
    return EXIT.failure;
  }
  try {
    ensureDataDirs(config);
    runMigrations({ ...migrationPaths(config) });
  } catch (err) {
    return reportMigrationError(err, io);
  }
  const db = openDatabase(config.databasePath);
  try {
    const r = exportSite({ db, config, outDir: out ? resolve(io.cwd, out) : io.cwd });
    for (const w of r.warnings) io.stderr(`warning: ${w}\n`);
    io.stdout(`exported ${r.notes} note(s) and ${r.mediaFiles} media file(s) to ${r.path}\n`);
    return EXIT.ok;
  } finally {
    db.close();
  }
}
