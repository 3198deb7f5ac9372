import { systemClock } from '../clock.js';
import { progressOn } from '../lib/progress.js';
import { createNoteService } from '../notes/service.js';
import { EXIT, type Io } from './context.js';
import { withSiteDatabase } from './site-database.js';

/** `starpunk reindex`: rebuild the full-text index from the note files. */
export function reindexCommand(_args: string[], io: Io): number {
  return withSiteDatabase(io, { command: 'reindex' }, ({ config, db }) => {
    const started = performance.now();
    const n = createNoteService({ db, notesPath: config.notesPath, clock: systemClock }).reindex(
      progressOn(),
    );
    io.stdout(`indexed ${n} note(s) in ${Math.round(performance.now() - started)} ms\n`);
    return EXIT.ok;
  });
}
