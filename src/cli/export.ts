import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { progressOn } from '../lib/progress.js';
import { exportSite } from '../ops/export.js';
import { EXIT, type Io } from './context.js';
import { withSiteDatabase } from './site-database.js';

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
  return withSiteDatabase(io, { command: 'export', existing: true, ensureDirs: true }, ({ config, db }) => {
    const r = exportSite({
      db,
      config,
      outDir: out ? resolve(io.cwd, out) : io.cwd,
      progress: progressOn(),
    });
    for (const w of r.warnings) io.stderr(`warning: ${w}\n`);
    io.stdout(`exported ${r.notes} note(s) and ${r.mediaFiles} media file(s) to ${r.path}\n`);
    return EXIT.ok;
  });
}
