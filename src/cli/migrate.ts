import {
  MigrationFailed,
  MigrationRefused,
  type MigrationReport,
  migrationStatus,
  runMigrations,
} from '../db/migrate.js';
import { progressOn } from '../lib/progress.js';
import { createLogger } from '../logger.js';
import { configFromIo, EXIT, ensureDataDirs, type Io, migrationPaths } from './context.js';

const USAGE = 'usage: starpunk migrate [--status] [--dry-run]\n';

/** `starpunk migrate [--status] [--dry-run]`: apply pending migrations, show their state, or preview. */
export function migrateCommand(args: string[], io: Io): number {
  const unknown = args.filter((a) => a !== '--status' && a !== '--dry-run');
  if (unknown.length > 0) {
    io.stderr(`starpunk migrate: unknown argument ${unknown[0]}\n${USAGE}`);
    return EXIT.failure;
  }
  const config = configFromIo(io);
  if (!config) return EXIT.config;
  try {
    if (args.includes('--status')) {
      const s = migrationStatus(config.databasePath);
      if (!s.exists)
        io.stdout(`no database at ${config.databasePath} yet (a fresh install will apply everything)\n`);
      for (const o of s.outcomes) {
        io.stdout(`${o.state.padEnd(8)} ${o.name}${o.appliedAt ? `  (${o.appliedAt})` : ''}\n`);
      }
      for (const u of s.unknown) io.stdout(`unknown  ${u}  (recorded by a newer StarPunk)\n`);
      for (const p of s.python) {
        io.stdout(
          `python   ${p.name}  (Python StarPunk ${p.release}${p.appliedAt ? `, ${p.appliedAt}` : ''}; ` +
            `${p.converted ? 'history: its data was carried over' : 'will be converted on the next start'})\n`,
        );
      }
      return EXIT.ok;
    }
    if (args.includes('--dry-run')) {
      const r = runMigrations({ ...migrationPaths(config), dryRun: true });
      if (r.fresh) io.stdout('fresh database: would create the v0.1.0 baseline, then:\n');
      let any = false;
      for (const o of r.outcomes) {
        if (o.state === 'ran') {
          io.stdout(`would run   ${o.name}\n`);
          any = true;
        } else if (o.state === 'adopted-now') {
          const extra =
            o.created && o.created.length > 0 ? ` (${o.created.join(', ')})` : ' (already present)';
          io.stdout(`would adopt ${o.name}${extra}\n`);
          any = true;
        }
      }
      for (const rep of r.repaired) io.stdout(`would repair: ${rep}\n`);
      if (!any && r.repaired.length === 0) io.stdout('nothing to do: the database is up to date\n');
      printUpgradeDetails(r, io);
      io.stdout('dry run: nothing was changed\n');
      return EXIT.ok;
    }
    ensureDataDirs(config);
    const logger = createLogger(config.logLevel);
    const r = runMigrations({ ...migrationPaths(config), logger, progress: progressOn() });
    for (const o of r.outcomes) io.stdout(`${o.state.padEnd(11)} ${o.name}\n`);
    if (r.backupPath) io.stdout(`backup written to ${r.backupPath}\n`);
    for (const n of r.notices) io.stdout(`notice: ${n}\n`);
    printUpgradeDetails(r, io);
    return EXIT.ok;
  } catch (err) {
    return reportMigrationError(err, io);
  }
}

/** Prints what an upgrade did beyond running migrations: converged tables, Python data, note paths, losses. */
export function printUpgradeDetails(r: MigrationReport, io: Io): void {
  for (const c of r.converged) io.stdout(`converged  table ${c.table}: ${c.changes.join('; ')}\n`);
  for (const t of r.tidied) io.stdout(`tidied     ${t}\n`);
  if (r.python) {
    const p = r.python;
    io.stdout(
      `python     Python StarPunk ${p.releases.join(', ') || '1.x'} data carried over: ${p.tags} tag(s) on ` +
        `${p.noteTags} note link(s), ${p.media} media file(s) with ${p.variants} variant(s), ${p.photos} photo(s) on notes` +
        `${p.profile ? ', the author profile' : ''}\n`,
    );
  }
  if (r.notePaths && (r.notePaths.rewritten > 0 || r.notePaths.fromTrash.length > 0)) {
    io.stdout(
      `paths      ${r.notePaths.rewritten} note path(s) made relative to the notes folder` +
        `${r.notePaths.fromTrash.length > 0 ? `, ${r.notePaths.fromTrash.length} file(s) copied back from .trash/` : ''}\n`,
    );
  }
  for (const l of r.lost) io.stdout(`not kept   ${l}\n`);
}

/** Prints a migration failure or refusal in one clear paragraph; returns the exit code. */
export function reportMigrationError(err: unknown, io: Io): number {
  if (err instanceof MigrationRefused) {
    io.stderr(`starpunk: refusing to migrate (${err.reason}); nothing was changed.\n  ${err.message}\n`);
    return EXIT.failure;
  }
  if (err instanceof MigrationFailed) {
    io.stderr(
      `starpunk: ${err.message}\n  ${
        err.rehearsal
          ? 'nothing was changed; a backup of this database and the message above help when you ask for help.'
          : 'earlier migrations stay applied, and the pre-migration backup is in the backups folder; fix the problem and run again.'
      }\n`,
    );
    return EXIT.failure;
  }
  throw err;
}
