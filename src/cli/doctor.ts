import { MigrationRefused, migrationStatus } from '../db/migrate.js';
import { openDatabase } from '../db/open.js';
import { checkStagedImports } from '../import/staging.js';
import { checkSiteKeys } from '../keys/site-keys.js';
import { checkMedia } from '../media/doctor.js';
import { surveyMedia } from '../media/owners.js';
import { checkNotes, checkSearchIndex } from '../notes/doctor.js';
import { MEDIA_OWNERS } from '../ops/file-owners.js';
import { configFromIo, EXIT, findSessionSecret, type Io } from './context.js';

/** `starpunk doctor`: check files against the database; exit 1 when anything is wrong. */
export function doctorCommand(_args: string[], io: Io): number {
  const config = configFromIo(io);
  if (!config) return EXIT.config;
  let status: ReturnType<typeof migrationStatus>;
  try {
    status = migrationStatus(config.databasePath);
  } catch (err) {
    if (err instanceof MigrationRefused) {
      io.stderr(`starpunk doctor: ${err.message}\n`);
      return EXIT.failure;
    }
    throw err;
  }
  if (!status.exists) {
    io.stderr(`starpunk doctor: no database at ${config.databasePath}\n`);
    return EXIT.failure;
  }
  const pending = status.outcomes.filter((o) => o.state === 'pending');
  if (pending.length > 0 || status.unknown.length > 0) {
    io.stderr(
      'starpunk doctor: the database is not at this version’s schema; run `starpunk migrate` first\n',
    );
    return EXIT.failure;
  }
  const db = openDatabase(config.databasePath, { readonly: true });
  try {
    const integrity = db.pragma('integrity_check') as { integrity_check: string }[];
    const media = surveyMedia(db, config.mediaPath, MEDIA_OWNERS);
    const problems = [
      ...checkNotes(db, config.notesPath),
      ...checkMedia(db, config.mediaPath, MEDIA_OWNERS, media),
      ...checkSearchIndex(db),
      ...checkSiteKeys(config.dataPath, db, findSessionSecret(config)),
      ...checkStagedImports(db, config.dataPath),
    ];
    // Who owns what is under the media folder (files of the owner's, never debris).
    for (const [owner, n] of media.counts) {
      if (n.named + n.kept === 0) continue;
      const kept = n.kept > 0 ? `, and ${n.kept} earlier one(s) kept` : '';
      io.stdout(`${owner}: ${n.named} file(s) in use${kept}\n`);
    }
    const bad = integrity.length !== 1 || integrity[0]?.integrity_check !== 'ok';
    if (bad) io.stdout(`database integrity: ${integrity.map((r) => r.integrity_check).join('; ')}\n`);
    for (const p of problems) io.stdout(`${p.kind.padEnd(14)} ${p.path}  ${p.detail}\n`);
    if (problems.length === 0 && !bad) {
      io.stdout('ok: every note and media file matches the database\n');
      return EXIT.ok;
    }
    io.stdout(`${problems.length + (bad ? 1 : 0)} problem(s) found\n`);
    return EXIT.failure;
  } finally {
    db.close();
  }
}
