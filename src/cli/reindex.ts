import { systemClock } from '../clock.js';
import { runMigrations } from '../db/migrate.js';
import { openDatabase } from '../db/open.js';
import { createNoteService } from '../notes/service.js';
import { configFromIo, EXIT, type Io, migrationPaths } from './context.js';
import { reportMigrationError } from './migrate.js';

/** `starpunk reindex`: rebuild the full-text index from the note files. */
export function reindexCommand(_args: string[], io: Io): number {
  const config = configFromIo(io);
  if (!config) return EXIT.config;
  try {
    runMigrations({ ...migrationPaths(config) });
  } catch (err) {
    return reportMigrationError(err, io);
  }
  const db = openDatabase(config.databasePath);
  try {
    const started = performance.now();
    const n = createNoteService({ db, notesPath: config.notesPath, clock: systemClock }).reindex();
    io.stdout(`indexed ${n} note(s) in ${Math.round(performance.now() - started)} ms\n`);
    return EXIT.ok;
  } finally {
    db.close();
  }
}
