// Runs the migration runner in its own process, starting at an agreed instant, and prints its report.
// Usage: tsx migrate-worker.ts <dbPath> <backupsDir> <migrationsDir> <startAtEpochMs>
import { MigrationFailed, MigrationRefused, runMigrations } from '../../src/db/migrate.js';

const [dbPath, backupsDir, migrationsDir, startAt] = process.argv.slice(2);
while (Date.now() < Number(startAt)) {
  // Busy-wait: both workers leave this loop within the same millisecond.
}
try {
  const report = runMigrations({ dbPath: dbPath!, backupsDir: backupsDir!, migrationsDir: migrationsDir! });
  process.stdout.write(JSON.stringify({ ok: true, outcomes: report.outcomes.map((o) => o.state) }));
} catch (err) {
  const kind =
    err instanceof MigrationRefused ? 'refused' : err instanceof MigrationFailed ? 'failed' : 'error';
  process.stdout.write(JSON.stringify({ ok: false, kind, message: (err as Error).message }));
  process.exitCode = 1;
}
