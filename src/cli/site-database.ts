import { existsSync } from 'node:fs';
import type { Config } from '../config.js';
import { runMigrations } from '../db/migrate.js';
import { type Db, openDatabase } from '../db/open.js';
import { AppError } from '../lib/errors.js';
import { configFromIo, EXIT, ensureDataDirs, type Io, migrationPaths } from './context.js';
import { reportMigrationError } from './migrate.js';

/** What a command on the site's data works with: the configuration and the open, migrated database. */
export interface SiteDatabase {
  config: Config;
  db: Db;
}

/** How a command opens the site's database. */
export interface SiteDatabaseOptions {
  /** The command's name, for its messages (`starpunk <command>: …`). */
  command: string;
  /** Create the data folders first: the command writes into them. */
  ensureDirs?: boolean;
  /** Refuse a database that is not there yet instead of creating an empty one. */
  existing?: boolean;
}

/**
 * The prelude and the ending every command on the site's data shares: read the configuration,
 * bring the database to this version's schema, open it for `work`, and close it after, however
 * `work` ends. A problem of configuration or migration is said as `starpunk migrate` says it; an
 * `AppError` from `work` (input the service refuses) as `starpunk <command>: …`. Returns the exit
 * code: `work`'s own, or the one of the problem.
 */
export function withSiteDatabase(
  io: Io,
  options: SiteDatabaseOptions,
  work: (site: SiteDatabase) => number,
): number;
export function withSiteDatabase(
  io: Io,
  options: SiteDatabaseOptions,
  work: (site: SiteDatabase) => Promise<number>,
): Promise<number>;
export function withSiteDatabase(
  io: Io,
  options: SiteDatabaseOptions,
  work: (site: SiteDatabase) => number | Promise<number>,
): number | Promise<number> {
  const config = configFromIo(io);
  if (!config) return EXIT.config;
  if (options.existing && !existsSync(config.databasePath)) {
    io.stderr(`starpunk ${options.command}: no database at ${config.databasePath}\n`);
    return EXIT.failure;
  }
  try {
    if (options.ensureDirs) ensureDataDirs(config);
    runMigrations({ ...migrationPaths(config) });
  } catch (err) {
    return reportMigrationError(err, io);
  }
  const refused = (err: unknown): number => {
    if (!(err instanceof AppError)) throw err;
    io.stderr(`starpunk ${options.command}: ${err.message}\n`);
    return EXIT.failure;
  };
  const db = openDatabase(config.databasePath);
  let closesLater = false;
  try {
    const result = work({ config, db });
    if (typeof result === 'number') return result;
    closesLater = true;
    return result.catch(refused).finally(() => db.close());
  } catch (err) {
    return refused(err);
  } finally {
    if (!closesLater) db.close();
  }
}
