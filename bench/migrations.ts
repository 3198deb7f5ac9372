/**
 * Migration benchmarks: fresh install (empty directory to migrated database) and the upgrade of a
 * v0.1.0-era database holding 100,000 notes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { INITIAL_SCHEMA } from '../src/db/initial-schema.js';
import { runMigrations } from '../src/db/migrate.js';

/** One measured figure. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Builds a v0.1.0 database with `count` notes (rows only: migrations never read note files). */
export function buildV010Database(dbPath: string, count: number): void {
  const db = new Database(dbPath);
  db.exec(INITIAL_SCHEMA);
  const insert = db.prepare(
    'INSERT INTO notes (slug, file_path, published, created_at, updated_at, content_hash) VALUES (?, ?, 1, ?, ?, ?)',
  );
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const at = new Date(Date.UTC(2020, 0, 1) + i * 60_000).toISOString().replace('T', ' ').slice(0, 19);
      insert.run(`note-${i}`, `2020/01/note-${i}.md`, at, at, 'f'.repeat(64));
    }
    db.prepare(
      "INSERT INTO sessions (session_token, me, expires_at) VALUES ('plain', 'https://me.test/', '2099-01-01')",
    ).run();
    db.prepare("INSERT INTO tokens (token, me) VALUES ('plain-token', 'https://me.test/')").run();
  })();
  db.close();
}

/** Runs the migration benchmarks and returns their figures. */
export function benchMigrations(opts: { notes: number; freshRuns: number }): BenchResult[] {
  const root = mkdtempSync(join(tmpdir(), 'starpunk-bench-mig-'));
  try {
    const fresh: number[] = [];
    for (let i = 0; i < opts.freshRuns; i++) {
      const dir = join(root, `fresh-${i}`);
      const t0 = performance.now();
      runMigrations({ dbPath: join(dir, 'starpunk.db'), backupsDir: join(dir, 'backups') });
      fresh.push(performance.now() - t0);
    }
    const dbPath = join(root, 'v010.db');
    buildV010Database(dbPath, opts.notes);
    const t0 = performance.now();
    const report = runMigrations({ dbPath, backupsDir: join(root, 'backups') });
    const upgrade = performance.now() - t0;
    return [
      { name: 'fresh install (median)', value: median(fresh), unit: 'ms', note: `${opts.freshRuns} runs` },
      { name: 'fresh install (slowest)', value: Math.max(...fresh), unit: 'ms' },
      {
        name: `upgrade v0.1.0 database with ${opts.notes.toLocaleString('en')} notes`,
        value: upgrade,
        unit: 'ms',
        note: `backup + ${report.outcomes.filter((o) => o.state === 'ran').length} migrations + VACUUM`,
      },
    ];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
