import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { type NotePathStats, notePathNormaliser } from '../legacy/note-paths.js';
import {
  carryPythonData,
  FOREIGN_PREFIX,
  hasPythonStash,
  PYTHON_MIGRATIONS,
  type PythonCarryReport,
  planPythonStash,
  stashPythonData,
} from '../legacy/python-lineage.js';
import { NO_PROGRESS, type ProgressFactory } from '../lib/progress.js';
import { type ConvergencePlan, checkConvergence, rebuildTable, type TableTarget } from './converge.js';
import { INITIAL_SCHEMA } from './initial-schema.js';
import { type Db, registerFunctions } from './open.js';
import {
  type ColumnInfo,
  diffSnapshots,
  type IndexInfo,
  indexSignature,
  inspectSchema,
  type SchemaSnapshot,
  type TableInfo,
  tableSignature,
} from './schema.js';

/** Where the project's own migration files live (copied beside the compiled runner by `npm run build`). */
export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

const FILE_PATTERN = /^(\d{3})_([a-z0-9]+(?:_[a-z0-9]+)*)\.sql$/;
const BOOKKEEPING = 'schema_migrations';

/** One migration file on disk. */
export interface MigrationFile {
  name: string;
  number: number;
  sql: string;
  checksum: string;
  /** `-- notice:` lines, logged when the migration runs (e.g. "old tokens are invalidated"). */
  notices: string[];
}

/** Why the runner refused to touch a database. */
export type RefusalReason =
  | 'newer_database'
  | 'missing_file'
  | 'checksum_mismatch'
  | 'out_of_order'
  | 'bad_file_name'
  | 'effect_missing'
  | 'not_starpunk'
  | 'cannot_converge';

/** The runner refused, changing nothing. */
export class MigrationRefused extends Error {
  readonly reason: RefusalReason;
  constructor(reason: RefusalReason, message: string) {
    super(message);
    this.name = 'MigrationRefused';
    this.reason = reason;
  }
}

/** A migration failed and was rolled back; earlier ones stay applied. */
export class MigrationFailed extends Error {
  readonly migration: string;
  /** True when it failed on a copy, so the database itself was not touched. */
  readonly rehearsal: boolean;
  constructor(migration: string, cause: unknown, rehearsal = false) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(
      rehearsal
        ? `migration ${migration} failed in the in-memory rehearsal, so the database was not touched: ${detail}`
        : `migration ${migration} failed and was rolled back: ${detail}`,
      { cause },
    );
    this.name = 'MigrationFailed';
    this.migration = migration;
    this.rehearsal = rehearsal;
  }
}

/** What happened (or, in a dry run, would happen) to one migration. */
export interface MigrationOutcome {
  name: string;
  /** applied/adopted: recorded before this run; ran/adopted-now: done by this run; pending: not done (dry run or after a failure). */
  state: 'applied' | 'adopted' | 'ran' | 'adopted-now' | 'pending' | 'failed' | 'not-run';
  appliedAt?: string | null;
  /** For pending migrations in a dry run: what the runner would do. */
  action?: 'run' | 'adopt';
  /** What adoption created (missing indexes and the like). */
  created?: string[];
}

/** The full report of a runner invocation. */
export interface MigrationReport {
  fresh: boolean;
  dryRun: boolean;
  backupPath: string | null;
  outcomes: MigrationOutcome[];
  repaired: string[];
  notices: string[];
  /** Differences between the resulting schema and a fresh install's (should be empty). */
  drift: string[];
  scrubbed: boolean;
  durationMs: number;
  /** Tables brought to their canonical shape, keeping their rows (hand-repaired databases). */
  converged: ConvergencePlan[];
  /** Indexes, triggers and views dropped, created or replaced to match a fresh install. */
  tidied: string[];
  /** A Python StarPunk 1.x database: what was recognised and carried over. */
  python: PythonCarryReport | null;
  /**
   * What `012_note_paths_relative_to_notes_folder.sql` found when it normalised note paths (null
   * when it did not run here).
   */
  notePaths: NotePathStats | null;
  /** Everything that could not be carried over or was dropped, said exactly (also logged). */
  lost: string[];
}

/** The smallest logger the runner needs (pino's shape). */
export interface MigrationLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  /** Per-migration detail; a run is summed up in one info line (pino's level below info). */
  debug?(obj: object, msg?: string): void;
}

/**
 * Sums a run up in one info line (how many migrations ran, the schema it ends at, the backup, the
 * time) and gives the per-migration list at debug level: a first start runs them all, and a line
 * each buried the setup link.
 */
function logMigrationRun(logger: MigrationLogger | undefined, report: MigrationReport): void {
  if (!logger) return;
  const ran = report.outcomes.filter((o) => o.state === 'ran' || o.state === 'adopted-now');
  const latest = report.outcomes.at(-1)?.name ?? null;
  const durationMs = Math.round(report.durationMs);
  logger.debug?.({ migrations: report.outcomes.map((o) => `${o.name}: ${o.state}`) }, 'migrations');
  if (ran.length === 0) {
    logger.info({ schema: latest, durationMs }, 'database up to date');
    return;
  }
  const span = ran.length === 1 ? ran[0]!.name : `${ran[0]!.name} … ${ran.at(-1)!.name}`;
  logger.info(
    { applied: ran.length, schema: latest, backup: report.backupPath, durationMs },
    `database migrated: ${ran.length} migration${ran.length === 1 ? '' : 's'} applied (${span}) in ${durationMs} ms`,
  );
}

/** How a connection is being migrated: for real, as a rehearsal on a copy, or as a dry run. */
type Mode = 'real' | 'rehearsal' | 'dry';

/** Options for runMigrations. */
export interface RunOptions {
  dbPath: string;
  backupsDir: string;
  migrationsDir?: string;
  dryRun?: boolean;
  logger?: MigrationLogger;
  /** Shows which migration of how many a long upgrade is on (on a terminal: serve, migrate, restore). */
  progress?: ProgressFactory;
  now?: () => Date;
  busyTimeoutMs?: number;
  /** The data directory (default: the database's folder); note paths may be relative to it. */
  dataPath?: string;
  /** The notes folder (default: DATA_PATH/notes). */
  notesPath?: string;
  /** The media folder (default: DATA_PATH/media). */
  mediaPath?: string;
}

/** Hex SHA-256 of a migration's text, with line endings normalised so a checkout on Windows still matches. */
export function checksumOf(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n'), 'utf8').digest('hex');
}

/** Reads and validates the migration files: names, contiguous numbering from 001. */
export function loadMigrationFiles(dir: string = MIGRATIONS_DIR): MigrationFile[] {
  const names = readdirSync(dir)
    .filter((n) => n.endsWith('.sql'))
    .sort();
  const files: MigrationFile[] = [];
  for (const name of names) {
    const m = FILE_PATTERN.exec(name);
    if (!m) {
      throw new MigrationRefused(
        'bad_file_name',
        `migration file ${name} does not match NNN_snake_description.sql`,
      );
    }
    const sql = readFileSync(join(dir, name), 'utf8');
    const notices = [...sql.matchAll(/^--\s*notice:\s*(.+)$/gm)].map((x) => x[1]!.trim());
    files.push({ name, number: Number(m[1]), sql, checksum: checksumOf(sql), notices });
  }
  files.forEach((f, i) => {
    if (f.number !== i + 1) {
      throw new MigrationRefused(
        'out_of_order',
        `migration files are out of order: expected number ${String(i + 1).padStart(3, '0')} but found ${f.name}`,
      );
    }
  });
  return files;
}

// ---------------------------------------------------------------------------------------------
// Expected states: replaying baseline + migrations on an in-memory database gives the exact
// schema after each migration. Each migration's "declared effect" is the difference between
// consecutive states, so adoption works for every migration without hand-written detection.
// ---------------------------------------------------------------------------------------------

type Effect =
  | { kind: 'table-exact'; table: string; info: TableInfo }
  | { kind: 'columns-added'; table: string; columns: ColumnInfo[] }
  | { kind: 'table-dropped'; table: string }
  | { kind: 'index-created'; index: IndexInfo; sql: string }
  | { kind: 'index-dropped'; name: string }
  | { kind: 'trigger-created'; name: string; sql: string }
  | { kind: 'trigger-dropped'; name: string }
  | { kind: 'view-created'; name: string; sql: string }
  | { kind: 'view-dropped'; name: string };

interface Expected {
  states: SchemaSnapshot[]; // states[0] = baseline, states[i] = after migration i
  effects: Effect[][]; // effects[i-1] = effect of migration i
  rawSql: Map<string, string>[]; // per state: object name -> original CREATE sql
  objects: Map<string, SchemaObject>[]; // per state: object name -> type, table and CREATE sql
}

interface SchemaObject {
  type: string;
  tbl: string;
  sql: string;
}

function objectsOf(db: Db): Map<string, SchemaObject> {
  const rows = db
    .prepare(
      "SELECT type, name, tbl_name AS tbl, sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'",
    )
    .all() as (SchemaObject & { name: string })[];
  return new Map(rows.map((r) => [r.name, { type: r.type, tbl: r.tbl, sql: r.sql }]));
}

/** The canonical shape of `table` in expected state `k`: structure, CREATE text, its indexes and triggers. */
function targetFor(expected: Expected, k: number, table: string): TableTarget {
  const objects = expected.objects[k]!;
  const own = [...objects.entries()].filter(([, o]) => o.tbl === table);
  return {
    info: expected.states[k]!.tables.get(table)!,
    sql: objects.get(table)!.sql,
    indexes: own.filter(([, o]) => o.type === 'index').map(([name, o]) => ({ name, sql: o.sql })),
    triggers: own.filter(([, o]) => o.type === 'trigger').map(([name, o]) => ({ name, sql: o.sql })),
  };
}

const expectedCache = new Map<string, Expected>();

function rawSqlOf(db: Db): Map<string, string> {
  const rows = db
    .prepare("SELECT name, sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'")
    .all() as {
    name: string;
    sql: string;
  }[];
  return new Map(rows.map((r) => [r.name, r.sql]));
}

function sameColumn(a: ColumnInfo, b: ColumnInfo): boolean {
  return (
    a.name === b.name && a.type === b.type && a.notnull === b.notnull && a.dflt === b.dflt && a.pk === b.pk
  );
}

function effectsBetween(before: SchemaSnapshot, after: SchemaSnapshot, raw: Map<string, string>): Effect[] {
  const effects: Effect[] = [];
  for (const [name, t] of after.tables) {
    const old = before.tables.get(name);
    if (!old) effects.push({ kind: 'table-exact', table: name, info: t });
    else if (tableSignature(old) !== tableSignature(t)) {
      // An ALTER TABLE ADD COLUMN keeps every old column in place and appends; anything else is a rebuild.
      const isAppend =
        t.columns.length > old.columns.length &&
        old.columns.every((c, i) => sameColumn(c, t.columns[i]!)) &&
        JSON.stringify({ ...old, columns: [] }) === JSON.stringify({ ...t, columns: [] });
      if (isAppend)
        effects.push({ kind: 'columns-added', table: name, columns: t.columns.slice(old.columns.length) });
      else effects.push({ kind: 'table-exact', table: name, info: t });
    }
  }
  for (const name of before.tables.keys())
    if (!after.tables.has(name)) effects.push({ kind: 'table-dropped', table: name });
  // Rebuilding a table drops its indexes, so every index on a created or rebuilt table belongs to
  // this migration's effect, even when an index of the same name and shape existed before.
  const rebuilt = new Set(
    effects.filter((e) => e.kind === 'table-exact').map((e) => (e as { table: string }).table),
  );
  for (const [name, i] of after.indexes) {
    const old = before.indexes.get(name);
    if (!old || rebuilt.has(i.table) || indexSignature(old) !== indexSignature(i)) {
      effects.push({ kind: 'index-created', index: i, sql: raw.get(name)! });
    }
  }
  for (const name of before.indexes.keys())
    if (!after.indexes.has(name)) effects.push({ kind: 'index-dropped', name });
  for (const [name, sql] of after.triggers) {
    if (before.triggers.get(name) !== sql)
      effects.push({ kind: 'trigger-created', name, sql: raw.get(name)! });
  }
  for (const name of before.triggers.keys())
    if (!after.triggers.has(name)) effects.push({ kind: 'trigger-dropped', name });
  for (const [name, sql] of after.views) {
    if (before.views.get(name) !== sql) effects.push({ kind: 'view-created', name, sql: raw.get(name)! });
  }
  for (const name of before.views.keys())
    if (!after.views.has(name)) effects.push({ kind: 'view-dropped', name });
  return effects;
}

/**
 * Registers `starpunk_note_path()`, which `012_note_paths_relative_to_notes_folder.sql` calls for
 * every note row.
 */
function registerNotePathFunctions(
  db: Db,
  fn: (value: unknown, slug: unknown, createdAt: unknown) => unknown,
  hash: (rel: unknown, recorded: unknown) => unknown,
): void {
  db.function('starpunk_note_path', { varargs: true }, fn as (...args: unknown[]) => unknown);
  db.function('starpunk_note_hash', { varargs: true }, hash as (...args: unknown[]) => unknown);
}

/** Replays baseline + every migration in memory and returns each intermediate schema. */
function expectedStates(files: MigrationFile[]): Expected {
  const key = files.map((f) => `${f.name}:${f.checksum}`).join('|');
  const hit = expectedCache.get(key);
  if (hit) return hit;
  const mem = new Database(':memory:');
  try {
    registerFunctions(mem);
    registerNotePathFunctions(
      mem,
      (v: unknown) => v,
      (_r: unknown, h: unknown) => h,
    );
    mem.exec(INITIAL_SCHEMA);
    const states = [inspectSchema(mem)];
    const rawSql = [rawSqlOf(mem)];
    const objects = [objectsOf(mem)];
    const effects: Effect[][] = [];
    for (const f of files) {
      try {
        mem.exec(f.sql);
      } catch (err) {
        throw new MigrationFailed(f.name, err, true);
      }
      const s = inspectSchema(mem);
      const raw = rawSqlOf(mem);
      effects.push(effectsBetween(states[states.length - 1]!, s, raw));
      states.push(s);
      rawSql.push(raw);
      objects.push(objectsOf(mem));
    }
    const expected = { states, effects, rawSql, objects };
    expectedCache.set(key, expected);
    return expected;
  } finally {
    mem.close();
  }
}

/** The schema a fresh install ends with, for tests and `doctor`. */
export function expectedFinalSchema(migrationsDir: string = MIGRATIONS_DIR): SchemaSnapshot {
  const e = expectedStates(loadMigrationFiles(migrationsDir));
  return e.states[e.states.length - 1]!;
}

// ---------------------------------------------------------------------------------------------
// Reading the real database
// ---------------------------------------------------------------------------------------------

interface AppliedRow {
  id: number;
  migration_name: string;
  applied_at: string | null;
  checksum: string | null;
  adopted: number;
}

function userTables(db: Db): string[] {
  return (
    db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as {
      name: string;
    }[]
  ).map((r) => r.name);
}

function readApplied(db: Db): AppliedRow[] {
  const tables = userTables(db);
  if (!tables.includes(BOOKKEEPING)) return [];
  const cols = new Set(
    (db.prepare(`PRAGMA table_info(${BOOKKEEPING})`).all() as { name: string }[]).map((c) => c.name),
  );
  const checksum = cols.has('checksum') ? 'checksum' : 'NULL AS checksum';
  const adopted = cols.has('adopted') ? 'adopted' : '0 AS adopted';
  // Rows of the Python StarPunk's own lineage, once converted, are history: never ours to plan with.
  return (
    db
      .prepare(
        `SELECT id, migration_name, applied_at, ${checksum}, ${adopted} FROM ${BOOKKEEPING} ORDER BY id`,
      )
      .all() as AppliedRow[]
  ).filter((r) => !r.migration_name.startsWith(FOREIGN_PREFIX));
}

/** Every name recorded in the bookkeeping table, as it is written there. */
function recordedNames(db: Db): string[] {
  if (!userTables(db).includes(BOOKKEEPING)) return [];
  return (db.prepare(`SELECT migration_name FROM ${BOOKKEEPING}`).all() as { migration_name: string }[]).map(
    (r) => r.migration_name,
  );
}

/**
 * Does `actual` have the new shape a rebuilding migration produces, perhaps hand-altered? It keeps
 * none of the columns the migration removes, and has at least one of those it introduces.
 */
function hasNewShape(actual: TableInfo, target: TableInfo, before: TableInfo): boolean {
  const lower = (t: TableInfo) => new Set(t.columns.map((c) => c.name.toLowerCase()));
  const [a, t, b] = [lower(actual), lower(target), lower(before)];
  const removed = [...b].filter((c) => !t.has(c));
  const introduced = [...t].filter((c) => !b.has(c));
  return !removed.some((c) => a.has(c)) && (introduced.length === 0 || introduced.some((c) => a.has(c)));
}

/**
 * Is a migration's structural effect already present in `actual`? 'all' adopts it, 'none' runs it,
 * 'some' adopts it piece by piece when every missing piece can be made on its own (a new table, an
 * added column, a dropped table), else runs it. A table the migration creates counts as present in
 * any shape (a hand-repaired table is brought to its shape, keeping its rows); a table it rebuilds
 * counts as present when it has exactly the new shape, or the new columns in another shape.
 */
function effectPresence(
  effects: Effect[],
  actual: SchemaSnapshot,
  before: SchemaSnapshot,
): 'all' | 'some' | 'none' {
  const structural = effects.filter(
    (e) => e.kind === 'table-exact' || e.kind === 'columns-added' || e.kind === 'table-dropped',
  );
  if (structural.length > 0) {
    let present = 0;
    let piecewise = true;
    for (const e of structural) {
      let here: boolean;
      if (e.kind === 'table-exact') {
        const t = actual.tables.get(e.table);
        const old = before.tables.get(e.table);
        if (!old) here = t !== undefined;
        else {
          here =
            t !== undefined &&
            (tableSignature(t) === tableSignature(e.info) ||
              (tableSignature(t) !== tableSignature(old) && hasNewShape(t, e.info, old)));
          if (!here) piecewise = false;
        }
      } else if (e.kind === 'columns-added') {
        const t = actual.tables.get(e.table);
        here =
          t !== undefined &&
          e.columns.every((c) => t.columns.some((a) => a.name.toLowerCase() === c.name.toLowerCase()));
      } else here = !actual.tables.has((e as { table: string }).table);
      if (here) present++;
    }
    if (present === structural.length) return 'all';
    if (present === 0 || !piecewise) return 'none';
    return 'some';
  }
  // Only indexes/triggers/views: adopt if any of them is already there (running would collide).
  const objects = effects.filter(
    (e) => e.kind === 'index-created' || e.kind === 'trigger-created' || e.kind === 'view-created',
  );
  if (objects.length === 0) return 'none'; // a data-only migration always runs
  const present = objects.some((e) => {
    if (e.kind === 'index-created') return actual.indexes.has(e.index.name);
    if (e.kind === 'trigger-created') return actual.triggers.has(e.name);
    return actual.views.has((e as { name: string }).name);
  });
  return present ? 'all' : 'none';
}

function columnDefinition(c: ColumnInfo): string {
  return `"${c.name}"${c.type ? ` ${c.type}` : ''}${c.notnull ? ' NOT NULL' : ''}${c.dflt !== null ? ` DEFAULT ${c.dflt}` : ''}`;
}

/**
 * Makes the structural part of migration `index`'s effect real without running it: creates the
 * tables it creates, brings existing ones to their shape (keeping rows), adds its columns, drops
 * what it drops. Returns what it did; throws MigrationRefused when a table cannot keep its rows.
 */
function adoptStructure(
  db: Db,
  expected: Expected,
  index: number,
  name: string,
  converged: ConvergencePlan[],
): string[] {
  const done: string[] = [];
  const final = expected.states[expected.states.length - 1]!;
  for (const e of expected.effects[index - 1]!) {
    const actual = inspectSchema(db);
    if (e.kind === 'table-exact') {
      const t = actual.tables.get(e.table);
      if (!t) {
        db.exec(expected.objects[index]!.get(e.table)!.sql);
        done.push(`create table ${e.table}`);
        continue;
      }
      if (tableSignature(t) === tableSignature(e.info)) continue;
      // Columns that a later migration adds are left for it (it will adopt them).
      const finalTable = final.tables.get(e.table);
      const later = t.columns.some(
        (c) =>
          !e.info.columns.some((x) => x.name.toLowerCase() === c.name.toLowerCase()) &&
          finalTable?.columns.some((x) => x.name.toLowerCase() === c.name.toLowerCase()),
      );
      if (later) continue;
      const check = checkConvergence(db, t, e.info);
      if (!check.plan) {
        throw new MigrationRefused(
          'cannot_converge',
          `migration ${name} finds table ${e.table} in a shape it cannot bring to StarPunk's without losing rows: ` +
            check.problems.join('; '),
        );
      }
      rebuildTable(db, t, targetFor(expected, index, e.table));
      converged.push(check.plan);
      done.push(`rebuild table ${e.table} (${check.plan.changes.join('; ') || 'same columns'})`);
    } else if (e.kind === 'columns-added') {
      const t = actual.tables.get(e.table);
      if (!t) continue;
      for (const c of e.columns) {
        if (t.columns.some((a) => a.name.toLowerCase() === c.name.toLowerCase())) continue;
        db.exec(`ALTER TABLE "${e.table}" ADD COLUMN ${columnDefinition(c)}`);
        done.push(`add column ${e.table}.${c.name}`);
      }
    } else if (e.kind === 'table-dropped' && actual.tables.has(e.table)) {
      db.exec(`DROP TABLE "${e.table}"`);
      done.push(`drop table ${e.table}`);
    }
  }
  return done;
}

/** Drops the indexes, triggers and views a migration is about to create under a name already taken. */
function clearCollisions(db: Db, effects: Effect[], actual: SchemaSnapshot): string[] {
  const out: string[] = [];
  for (const e of effects) {
    if (e.kind === 'index-created' && actual.indexes.has(e.index.name)) {
      db.exec(`DROP INDEX "${e.index.name}"`);
      out.push(`drop index ${e.index.name} (recreated by the migration)`);
    } else if (e.kind === 'trigger-created' && actual.triggers.has(e.name)) {
      db.exec(`DROP TRIGGER "${e.name}"`);
      out.push(`drop trigger ${e.name} (recreated by the migration)`);
    } else if (e.kind === 'view-created' && actual.views.has(e.name)) {
      db.exec(`DROP VIEW "${e.name}"`);
      out.push(`drop view ${e.name} (recreated by the migration)`);
    }
  }
  return out;
}

/** What it takes to make a fully migrated database identical to a fresh install. */
interface FinalFixes {
  rebuild: { actual: TableInfo; plan: ConvergencePlan }[];
  create: string[];
  problems: string[];
  /** Index, trigger and view differences (applied after the rebuilds). */
  objects: number;
}

function finalFixes(db: Db, expected: Expected): FinalFixes {
  const k = expected.states.length - 1;
  const final = expected.states[k]!;
  const actual = inspectSchema(db);
  const out: FinalFixes = { rebuild: [], create: [], problems: [], objects: 0 };
  for (const [name, target] of final.tables) {
    const t = actual.tables.get(name);
    if (!t) {
      out.create.push(name);
      continue;
    }
    if (tableSignature(t) === tableSignature(target)) continue;
    if (t.virtual && target.virtual && name === 'notes_fts') {
      // The search index holds nothing that is not in the note files: rebuilt by `serve`.
      out.rebuild.push({
        actual: t,
        plan: { table: name, changes: ['search index recreated'], dropped: [] },
      });
      continue;
    }
    const check = checkConvergence(db, t, target);
    if (check.plan) out.rebuild.push({ actual: t, plan: check.plan });
    else out.problems.push(...check.problems);
  }
  for (const [name, i] of final.indexes) {
    const have = actual.indexes.get(name);
    if (!have || indexSignature(have) !== indexSignature(i)) out.objects++;
  }
  for (const [name, i] of actual.indexes)
    if (!final.indexes.has(name) && final.tables.has(i.table)) out.objects++;
  for (const [name, sql] of final.triggers) if (actual.triggers.get(name) !== sql) out.objects++;
  for (const name of foreignTriggers(db, final)) if (name) out.objects++;
  for (const [name, sql] of final.views) if (actual.views.get(name) !== sql) out.objects++;
  return out;
}

/** Triggers on StarPunk's own tables that a fresh install does not have. */
function foreignTriggers(db: Db, final: SchemaSnapshot): string[] {
  return (
    db.prepare("SELECT name, tbl_name AS tbl FROM sqlite_schema WHERE type = 'trigger'").all() as {
      name: string;
      tbl: string;
    }[]
  )
    .filter((t) => !final.triggers.has(t.name) && final.tables.has(t.tbl))
    .map((t) => t.name);
}

function hasFinalFixes(f: FinalFixes): boolean {
  return f.rebuild.length > 0 || f.create.length > 0 || f.objects > 0;
}

/** Applies finalFixes (inside the caller's transaction); returns the objects it tidied. */
function applyFinalFixes(
  db: Db,
  expected: Expected,
  fixes: FinalFixes,
  converged: ConvergencePlan[],
): string[] {
  const k = expected.states.length - 1;
  const final = expected.states[k]!;
  const objects = expected.objects[k]!;
  const tidied: string[] = [];
  for (const name of fixes.create) {
    db.exec(objects.get(name)!.sql);
    tidied.push(`create table ${name}`);
  }
  for (const r of fixes.rebuild) {
    if (r.actual.virtual) {
      db.exec(`DROP TABLE "${r.plan.table}"`);
      db.exec(objects.get(r.plan.table)!.sql);
    } else rebuildTable(db, r.actual, targetFor(expected, k, r.plan.table));
    converged.push(r.plan);
  }
  const actual = inspectSchema(db);
  for (const [name, i] of actual.indexes) {
    // Only on StarPunk's own tables: an index on a table of the person's own is theirs.
    if (!final.indexes.has(name) && final.tables.has(i.table)) {
      db.exec(`DROP INDEX "${name}"`);
      tidied.push(`drop index ${name} (not part of StarPunk's schema)`);
    }
  }
  for (const [name, i] of final.indexes) {
    const have = actual.indexes.get(name);
    if (have && indexSignature(have) === indexSignature(i)) continue;
    if (have) db.exec(`DROP INDEX "${name}"`);
    db.exec(objects.get(name)!.sql);
    tidied.push(`${have ? 'recreate' : 'create'} index ${name}`);
  }
  for (const name of foreignTriggers(db, final)) {
    db.exec(`DROP TRIGGER "${name}"`);
    tidied.push(`drop trigger ${name} (not part of StarPunk's schema)`);
  }
  for (const [kind, word] of [
    ['triggers', 'TRIGGER'],
    ['views', 'VIEW'],
  ] as const) {
    for (const [name, sql] of final[kind]) {
      const have = actual[kind].get(name);
      if (have === sql) continue;
      if (have !== undefined) db.exec(`DROP ${word} "${name}"`);
      db.exec(objects.get(name)!.sql);
      tidied.push(`${have !== undefined ? 'recreate' : 'create'} ${word.toLowerCase()} ${name}`);
    }
  }
  return tidied;
}

/** The statements that complete an adopted migration: missing indexes, triggers and views. */
function adoptionStatements(effects: Effect[], actual: SchemaSnapshot): { sql: string; label: string }[] {
  const out: { sql: string; label: string }[] = [];
  for (const e of effects) {
    if (e.kind === 'index-created') {
      const have = actual.indexes.get(e.index.name);
      if (have && indexSignature(have) === indexSignature(e.index)) continue;
      if (have)
        out.push({
          sql: `DROP INDEX "${e.index.name}"`,
          label: `drop index ${e.index.name} (different definition)`,
        });
      out.push({ sql: e.sql, label: `create index ${e.index.name}` });
    } else if (e.kind === 'index-dropped' && actual.indexes.has(e.name)) {
      out.push({ sql: `DROP INDEX "${e.name}"`, label: `drop index ${e.name}` });
    } else if (e.kind === 'trigger-created' && actual.triggers.get(e.name) === undefined) {
      out.push({ sql: e.sql, label: `create trigger ${e.name}` });
    } else if (e.kind === 'trigger-dropped' && actual.triggers.has(e.name)) {
      out.push({ sql: `DROP TRIGGER "${e.name}"`, label: `drop trigger ${e.name}` });
    } else if (e.kind === 'view-created' && actual.views.get(e.name) === undefined) {
      out.push({ sql: e.sql, label: `create view ${e.name}` });
    } else if (e.kind === 'view-dropped' && actual.views.has(e.name)) {
      out.push({ sql: `DROP VIEW "${e.name}"`, label: `drop view ${e.name}` });
    }
  }
  return out;
}

/** Does any migration after `index` remove this table (or this column of it)? */
function removedLater(expected: Expected, index: number, table: string, column?: string): boolean {
  for (let j = index + 1; j < expected.states.length; j++) {
    const t = expected.states[j]!.tables.get(table);
    if (!t) return true;
    if (column !== undefined && !t.columns.some((c) => c.name === column)) return true;
  }
  return false;
}

/**
 * Checks that what the bookkeeping claims is real: every table and column a recorded migration
 * produced (and no later migration removes) exists. Missing indexes are reported for repair.
 */
function verifyClaims(
  files: MigrationFile[],
  expected: Expected,
  appliedCount: number,
  actual: SchemaSnapshot,
): { problems: string[]; repairs: { sql: string; label: string }[] } {
  const problems: string[] = [];
  const repairs: { sql: string; label: string }[] = [];
  const final = expected.states[expected.states.length - 1]!;
  for (let i = 1; i <= appliedCount; i++) {
    const name = files[i - 1]!.name;
    for (const e of expected.effects[i - 1]!) {
      if (e.kind === 'table-exact') {
        const t = actual.tables.get(e.table);
        if (!t) {
          if (!removedLater(expected, i, e.table))
            problems.push(`${name} is recorded but table ${e.table} does not exist`);
          continue;
        }
        for (const c of e.info.columns) {
          // A column that can be added empty is brought back when the table converges.
          if (!c.notnull || c.dflt !== null) continue;
          if (!t.columns.some((a) => a.name === c.name) && !removedLater(expected, i, e.table, c.name)) {
            problems.push(`${name} is recorded but column ${e.table}.${c.name} does not exist`);
          }
        }
      } else if (e.kind === 'columns-added') {
        const t = actual.tables.get(e.table);
        for (const c of e.columns) {
          if (!t?.columns.some((a) => a.name === c.name) && !removedLater(expected, i, e.table, c.name)) {
            problems.push(`${name} is recorded but column ${e.table}.${c.name} does not exist`);
          }
        }
      } else if (e.kind === 'index-created') {
        // Only indexes that survive to the final schema and whose table is really there.
        const survives = final.indexes.get(e.index.name);
        if (survives && !actual.indexes.has(e.index.name) && actual.tables.has(e.index.table)) {
          let laterOwner = false;
          for (let j = i + 1; j <= appliedCount; j++) {
            if (
              expected.effects[j - 1]!.some(
                (x) => x.kind === 'index-created' && x.index.name === e.index.name,
              )
            )
              laterOwner = true;
          }
          if (!laterOwner)
            repairs.push({ sql: e.sql, label: `create missing index ${e.index.name} (recorded by ${name})` });
        }
      }
    }
  }
  return { problems, repairs };
}

interface Plan {
  fresh: boolean;
  applied: AppliedRow[];
  pending: MigrationFile[];
  repairs: { sql: string; label: string }[];
  bookkeepingChanges: boolean;
}

/** Reads the database and decides what to do; throws MigrationRefused without writing anything. */
function planFor(db: Db, files: MigrationFile[], expected: Expected): Plan {
  const tables = userTables(db);
  const fresh = tables.length === 0;
  if (fresh) return { fresh, applied: [], pending: files, repairs: [], bookkeepingChanges: true };
  if (!tables.includes('notes')) {
    throw new MigrationRefused(
      'not_starpunk',
      `this database has tables (${tables.slice(0, 5).join(', ')}) but no notes table: it is not a StarPunk database`,
    );
  }
  const applied = readApplied(db);
  const byName = new Map(files.map((f) => [f.name, f]));
  const maxNumber = files.length;
  for (const row of applied) {
    if (byName.has(row.migration_name)) continue;
    const m = /^(\d{3})_/.exec(row.migration_name);
    if (m && Number(m[1]) > maxNumber) {
      throw new MigrationRefused(
        'newer_database',
        `the database records migration ${row.migration_name}, which this version of StarPunk does not have: ` +
          'it was upgraded by a newer version. Run that version, or restore a backup from before the upgrade.',
      );
    }
    throw new MigrationRefused(
      'missing_file',
      `the database records migration ${row.migration_name}, but no such file exists in this version of StarPunk`,
    );
  }
  for (const row of applied) {
    const f = byName.get(row.migration_name)!;
    if (row.checksum !== null && row.checksum !== f.checksum) {
      throw new MigrationRefused(
        'checksum_mismatch',
        `migration ${f.name} was changed after it was applied (recorded checksum ${row.checksum.slice(0, 12)}…, ` +
          `file ${f.checksum.slice(0, 12)}…); applied migrations are frozen`,
      );
    }
  }
  const appliedNames = new Set(applied.map((r) => r.migration_name));
  let appliedCount = 0;
  for (const f of files) {
    if (appliedNames.has(f.name)) appliedCount++;
    else break;
  }
  if (appliedCount !== appliedNames.size) {
    const firstPending = files[appliedCount]!;
    const later = files.slice(appliedCount).find((f) => appliedNames.has(f.name))!;
    throw new MigrationRefused(
      'out_of_order',
      `migrations are out of order: ${firstPending.name} has not been applied but the later ${later.name} has`,
    );
  }
  const actual = inspectSchema(db);
  const { problems, repairs } = verifyClaims(files, expected, appliedCount, actual);
  if (problems.length > 0) {
    throw new MigrationRefused(
      'effect_missing',
      `the migration records do not match the database: ${problems.join('; ')}`,
    );
  }
  const bookkeepingCols = tables.includes(BOOKKEEPING)
    ? new Set(
        (db.prepare(`PRAGMA table_info(${BOOKKEEPING})`).all() as { name: string }[]).map((c) => c.name),
      )
    : new Set<string>();
  const bookkeepingChanges =
    !bookkeepingCols.has('checksum') ||
    !bookkeepingCols.has('adopted') ||
    applied.some((r) => r.checksum === null);
  return { fresh, applied, pending: files.slice(appliedCount), repairs, bookkeepingChanges };
}

function ensureBookkeeping(db: Db, files: MigrationFile[]): void {
  const tx = db.transaction(() => {
    // Compatible with Python StarPunk's table; checksum and adopted are additions at the end.
    db.exec(`CREATE TABLE IF NOT EXISTS ${BOOKKEEPING} (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    migration_name TEXT UNIQUE NOT NULL,
    applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    checksum TEXT,
    adopted INTEGER NOT NULL DEFAULT 0
)`);
    const cols = new Set(
      (db.prepare(`PRAGMA table_info(${BOOKKEEPING})`).all() as { name: string }[]).map((c) => c.name),
    );
    if (!cols.has('checksum')) db.exec(`ALTER TABLE ${BOOKKEEPING} ADD COLUMN checksum TEXT`);
    if (!cols.has('adopted'))
      db.exec(`ALTER TABLE ${BOOKKEEPING} ADD COLUMN adopted INTEGER NOT NULL DEFAULT 0`);
    // Rows written by the Python StarPunk carry no checksum: record ours from now on.
    const set = db.prepare(
      `UPDATE ${BOOKKEEPING} SET checksum = ? WHERE migration_name = ? AND checksum IS NULL`,
    );
    for (const f of files) set.run(f.checksum, f.name);
  });
  tx.immediate();
}

function backupBeforeMigrating(db: Db, backupsDir: string, now: Date): string {
  mkdirSync(backupsDir, { recursive: true, mode: 0o700 });
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  let path = join(backupsDir, `starpunk-pre-migrate-${stamp}-${process.pid}.db`);
  for (let n = 2; existsSync(path); n++)
    path = join(backupsDir, `starpunk-pre-migrate-${stamp}-${process.pid}-${n}.db`);
  // Create the file owner-only first: VACUUM INTO accepts an empty file, so it is never readable by others.
  closeSync(openSync(path, 'wx', 0o600));
  db.prepare('VACUUM INTO ?').run(path);
  return path;
}

function nowText(now: () => Date): string {
  return now().toISOString();
}

/**
 * Brings the database at `dbPath` to the current schema, or refuses without changing it.
 *
 * Rules (see docs/decisions/0001-migrations.md and 0007): a fresh file gets INITIAL_SCHEMA and then
 * every migration; each pending migration runs in its own BEGIN IMMEDIATE transaction that re-reads
 * the applied set inside the lock and records itself before COMMIT; a migration whose effect is
 * already present is adopted (recorded, its tables brought to shape, missing indexes created)
 * instead of re-run. Before an existing database is touched, the whole procedure is rehearsed on a
 * copy in memory: whatever would fail or be refused fails there, and the file stays byte-identical.
 */
export function runMigrations(options: RunOptions): MigrationReport {
  const started = performance.now();
  const now = options.now ?? (() => new Date());
  const logger = options.logger;
  const files = loadMigrationFiles(options.migrationsDir ?? MIGRATIONS_DIR);
  const expected = expectedStates(files);
  const dryRun = options.dryRun ?? false;

  if (dryRun) {
    // A dry run executes the real procedure on an in-memory copy, so what it reports is exact.
    let copy: Db;
    if (existsSync(options.dbPath) && statSync(options.dbPath).size > 0) {
      const src = new Database(options.dbPath, { fileMustExist: true, readonly: true });
      try {
        copy = inMemoryCopy(src);
      } finally {
        src.close();
      }
    } else {
      copy = new Database(':memory:');
    }
    try {
      const report = migrateConnection(copy, files, expected, { ...options, logger: undefined }, now, 'dry');
      report.durationMs = performance.now() - started;
      return report;
    } finally {
      copy.close();
    }
  }

  mkdirSync(dirname(options.dbPath), { recursive: true });
  const db = new Database(options.dbPath);
  try {
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 30000}`);
    if (db.transaction(() => needsWork(db, files, expected)).deferred() === 'existing') {
      const copy = inMemoryCopy(db);
      try {
        migrateConnection(copy, files, expected, { ...options, logger: undefined }, now, 'rehearsal');
      } catch (err) {
        if (err instanceof MigrationRefused) throw err;
        const name = err instanceof MigrationFailed ? err.migration : 'the upgrade';
        throw new MigrationFailed(name, err instanceof MigrationFailed ? err.cause : err, true);
      } finally {
        copy.close();
      }
    }
    const report = migrateConnection(db, files, expected, options, now, 'real');
    report.durationMs = performance.now() - started;
    logMigrationRun(logger, report);
    return report;
  } finally {
    db.close();
  }
}

/** An in-memory copy of a database; a WAL file's header is switched to rollback mode, which memory needs. */
function inMemoryCopy(db: Db): Db {
  const image = db.serialize();
  // Bytes 18 and 19 of the header are the read/write format versions: 2 = WAL, 1 = rollback journal.
  if (image[18] === 2) image[18] = 1;
  if (image[19] === 2) image[19] = 1;
  return new Database(image);
}

/** Reads what a database needs (throwing MigrationRefused as planning would): nothing, a fresh install, or work on existing data. */
function needsWork(db: Db, files: MigrationFile[], expected: Expected): 'none' | 'fresh' | 'existing' {
  if (userTables(db).length === 0) return 'fresh';
  const recorded = new Set(recordedNames(db));
  if (planStash(db, files, expected, recorded) || hasPythonStash(db)) return 'existing';
  const plan = planFor(db, files, expected);
  if (plan.pending.length > 0 || plan.repairs.length > 0 || plan.bookkeepingChanges) return 'existing';
  return hasFinalFixes(finalFixes(db, expected)) ? 'existing' : 'none';
}

function planStash(db: Db, files: MigrationFile[], expected: Expected, recorded: Set<string>) {
  const final = expected.states[expected.states.length - 1]!;
  const actual = inspectSchema(db);
  const ours = new Set(files.map((f) => f.name));
  const plan = planPythonStash(
    db,
    [...recorded],
    (name) => recorded.has(name) && ours.has(name),
    (table) => {
      const t = actual.tables.get(table);
      const want = final.tables.get(table);
      return t !== undefined && want !== undefined && tableSignature(t) === tableSignature(want);
    },
  );
  if (plan) {
    const unknown = plan.recorded.filter((n) => !ours.has(n) && !PYTHON_MIGRATIONS.has(n));
    if (unknown.length > 0) {
      throw new MigrationRefused(
        'newer_database',
        `this Python StarPunk database records ${unknown.join(', ')}, which is neither a StarPunk migration nor one ` +
          'of the Python StarPunk migrations this version knows (rc.4 to 1.5): it was written by a newer Python ' +
          'StarPunk. Upgrade from a backup made with Python StarPunk 1.5 or older, or ask for help with the file.',
      );
    }
  }
  return plan;
}

/** Runs one step of the upgrade in its own IMMEDIATE transaction, naming it when it fails. */
function step<T>(db: Db, name: string, work: () => T): T {
  try {
    return db.transaction(work).immediate();
  } catch (err) {
    if (err instanceof MigrationRefused || err instanceof MigrationFailed) throw err;
    throw new MigrationFailed(name, err);
  }
}

function migrateConnection(
  db: Db,
  files: MigrationFile[],
  expected: Expected,
  options: RunOptions,
  now: () => Date,
  mode: Mode,
): MigrationReport {
  const logger = options.logger;
  const dryRun = mode === 'dry';
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 30000}`);
  registerFunctions(db);
  const dataPath = options.dataPath ?? dirname(options.dbPath);
  const roots = {
    dataPath,
    notesPath: options.notesPath ?? join(dataPath, 'notes'),
  };
  const mediaPath = options.mediaPath ?? join(dataPath, 'media');
  // Files come back from .trash/ only for real: a rehearsal or dry run computes the same answer.
  const notePaths = notePathNormaliser(roots, mode === 'real');
  registerNotePathFunctions(db, notePaths.fn, notePaths.hash);

  // Everything up to here only reads, in one read transaction so that a second process migrating
  // at the same moment is seen either before or after each of its steps, never half-way.
  const reads = db.transaction(() => {
    const recorded = new Set(recordedNames(db));
    const fresh0 = userTables(db).length === 0;
    const stash = fresh0 ? undefined : planStash(db, files, expected, recorded);
    const plan = stash ? undefined : planFor(db, files, expected);
    const waiting = !fresh0 && hasPythonStash(db);
    const pending =
      stash !== undefined ||
      waiting ||
      (plan !== undefined && (plan.pending.length > 0 || plan.repairs.length > 0 || plan.bookkeepingChanges));
    const fixes = pending || fresh0 ? undefined : finalFixes(db, expected);
    return { fresh0, stash, plan, pending, fixes };
  });
  const first = reads.deferred();
  const { fresh0, stash, pending: pendingWork, fixes: fixesNow } = first;
  let plan = first.plan;
  const report: MigrationReport = {
    fresh: fresh0,
    dryRun,
    backupPath: null,
    outcomes: [],
    repaired: [],
    notices: [],
    drift: [],
    scrubbed: false,
    durationMs: 0,
    converged: [],
    tidied: [],
    python: null,
    notePaths: null,
    lost: [],
  };

  if (!pendingWork && !(fixesNow && hasFinalFixes(fixesNow))) {
    const previously = new Map(plan!.applied.map((r) => [r.migration_name, r]));
    report.outcomes = files.map((f) => {
      const r = previously.get(f.name)!;
      return { name: f.name, state: r.adopted ? 'adopted' : 'applied', appliedAt: r.applied_at };
    });
    if (fixesNow && fixesNow.problems.length > 0) {
      report.drift = fixesNow.problems;
      logger?.warn({ drift: report.drift }, 'schema differs from a fresh install');
    }
    return report;
  }

  if (mode === 'real' && !fresh0) report.backupPath = backupBeforeMigrating(db, options.backupsDir, now());
  if (mode === 'real') db.pragma('journal_mode = WAL');
  // Deleted content (old plaintext tokens) is overwritten, not just unlinked from the b-tree.
  db.pragma('secure_delete = ON');
  // Table rebuilds must not trip foreign keys midway; each migration is checked before COMMIT.
  db.pragma('foreign_keys = OFF');

  let ranSomething = false;
  if (stash) {
    step(db, 'the conversion of the Python StarPunk 1.x tables', () => stashPythonData(db, stash));
    logger?.info(
      { recorded: stash.recorded, tables: stash.tables, searchIndex: stash.dropFts },
      'Python StarPunk 1.x database recognised: its tables are set aside to be carried over',
    );
    ranSomething = true;
    plan = planFor(db, files, expected);
  }
  const thePlan = plan!;
  const previously = new Map(thePlan.applied.map((r) => [r.migration_name, r]));

  if (thePlan.fresh) {
    step(db, 'the baseline schema', () => {
      // Another process may have created it while we waited for the lock.
      if (userTables(db).length === 0) db.exec(INITIAL_SCHEMA);
    });
  }
  ensureBookkeeping(db, files);

  if (thePlan.repairs.length > 0) {
    step(db, 'the repair of missing indexes', () => {
      const actual = inspectSchema(db);
      for (const r of thePlan.repairs) {
        const name = /INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?"?(\w+)"?/i.exec(r.sql)?.[1];
        if (name && actual.indexes.has(name)) continue;
        db.exec(r.sql);
        report.repaired.push(r.label);
      }
    });
    for (const r of report.repaired) logger?.warn({ repair: r }, 'repaired a missing index');
  }

  let failed: MigrationFailed | undefined;
  // On a terminal, a long upgrade (a big directory) shows which migration of how many it is on.
  const pending = files.filter((f) => !previously.has(f.name)).length;
  const shown =
    pending > 0 && mode !== 'dry'
      ? (options.progress ?? NO_PROGRESS)(
          mode === 'rehearsal' ? 'Rehearsing the upgrade on a copy' : 'Upgrading the database',
          pending,
        )
      : undefined;
  for (const f of files) {
    if (failed) {
      report.outcomes.push({ name: f.name, state: 'not-run' });
      continue;
    }
    const before = previously.get(f.name);
    if (before) {
      report.outcomes.push({
        name: f.name,
        state: before.adopted ? 'adopted' : 'applied',
        appliedAt: before.applied_at,
      });
      continue;
    }
    const index = f.number;
    let outcome: MigrationOutcome | undefined;
    const migrate = db.transaction(() => {
      const row = db
        .prepare(`SELECT applied_at, adopted FROM ${BOOKKEEPING} WHERE migration_name = ?`)
        .get(f.name) as { applied_at: string; adopted: number } | undefined;
      if (row) {
        // Applied by another process while we waited for the lock.
        outcome = { name: f.name, state: row.adopted ? 'adopted' : 'applied', appliedAt: row.applied_at };
        return;
      }
      // A fresh database walks exactly the rehearsed path, so no effect can already be present:
      // skip the inspection (it is most of a fresh install's cost).
      const actual = thePlan.fresh ? undefined : inspectSchema(db);
      const effects = expected.effects[index - 1]!;
      const at = nowText(now);
      const presence = actual ? effectPresence(effects, actual, expected.states[index - 1]!) : 'none';
      if (actual && presence !== 'none') {
        const created = adoptStructure(db, expected, index, f.name, report.converged);
        const stmts = adoptionStatements(effects, inspectSchema(db));
        for (const s of stmts) db.exec(s.sql);
        outcome = {
          name: f.name,
          state: 'adopted-now',
          action: 'adopt',
          appliedAt: at,
          created: [...created, ...stmts.map((s) => s.label)],
        };
      } else {
        if (actual) clearCollisions(db, effects, actual);
        db.exec(f.sql);
        outcome = { name: f.name, state: 'ran', action: 'run', appliedAt: at };
      }
      const violations = db.prepare('PRAGMA foreign_key_check').all();
      if (violations.length > 0)
        throw new Error(`foreign key check failed: ${JSON.stringify(violations.slice(0, 3))}`);
      db.prepare(
        `INSERT INTO ${BOOKKEEPING} (migration_name, applied_at, checksum, adopted) VALUES (?, ?, ?, ?)`,
      ).run(f.name, at, f.checksum, outcome.state === 'adopted-now' ? 1 : 0);
    });
    try {
      migrate.immediate();
    } catch (err) {
      if (err instanceof MigrationRefused) {
        shown?.done();
        throw err;
      }
      failed = new MigrationFailed(f.name, err);
      report.outcomes.push({ name: f.name, state: 'failed' });
      continue;
    }
    const o = outcome!;
    report.outcomes.push(o);
    shown?.tick();
    if (o.state === 'ran') {
      ranSomething = true;
      if (f.sql.includes('starpunk_note_path(')) report.notePaths = notePaths.stats;
      for (const n of f.notices) {
        report.notices.push(`${f.name}: ${n}`);
        if (!thePlan.fresh) logger?.warn({ migration: f.name }, n);
      }
    }
    if (o.state === 'ran' || o.state === 'adopted-now') {
      logger?.debug?.(
        { migration: f.name, created: o.created },
        o.state === 'ran' ? 'migration applied' : 'migration adopted',
      );
    }
  }
  shown?.done();

  if (!failed && !thePlan.fresh) {
    try {
      step(db, 'the final check against a fresh install', () => {
        const fixes = finalFixes(db, expected);
        if (fixes.problems.length > 0) {
          throw new MigrationRefused(
            'cannot_converge',
            `a table cannot be brought to StarPunk's shape without losing rows: ${fixes.problems.join('; ')}`,
          );
        }
        if (hasFinalFixes(fixes)) report.tidied = applyFinalFixes(db, expected, fixes, report.converged);
      });
      if (hasPythonStash(db)) {
        const at = nowText(now);
        report.python = step(db, 'carrying over the Python StarPunk 1.x data', () =>
          carryPythonData(db, mediaPath, at),
        );
        ranSomething = true;
      }
    } catch (err) {
      if (mode === 'real' && err instanceof MigrationRefused)
        failed = new MigrationFailed('the upgrade', err);
      else if (err instanceof MigrationFailed) failed = err;
      else throw err;
    }
  }
  db.pragma('foreign_keys = ON');
  if (report.converged.length > 0) ranSomething = true;
  if (ranSomething && !thePlan.fresh && mode === 'real') {
    // Rewrite the file so no freed page still holds an old plaintext secret, then empty the WAL.
    // Done even when a later migration failed: what earlier ones removed must stay removed.
    db.exec('VACUUM');
    db.pragma('wal_checkpoint(TRUNCATE)');
    report.scrubbed = true;
  }
  if (failed) {
    logger?.warn({ migration: failed.migration, error: failed.message }, 'migration failed');
    throw failed;
  }

  for (const c of report.converged) {
    for (const d of c.dropped)
      report.lost.push(`column ${d} was dropped: it is not part of StarPunk's schema`);
    logger?.warn({ table: c.table, changes: c.changes }, 'table brought to its canonical shape, rows kept');
  }
  for (const t of report.tidied) logger?.info({ change: t }, 'schema tidied to match a fresh install');
  if (report.python) {
    report.lost.push(...report.python.lost);
    const { lost: _lost, ...counts } = report.python;
    logger?.info(counts, 'Python StarPunk data carried over');
  }
  if (report.notePaths) {
    const np = report.notePaths;
    if (np.rewritten > 0 || np.fromTrash.length > 0)
      logger?.info({ rewritten: np.rewritten, fromTrash: np.fromTrash.length }, 'note paths normalised');
    for (const rel of np.missing)
      report.lost.push(`note file ${rel} is missing (the note is kept; see starpunk doctor)`);
  }
  if (report.lost.length > 0)
    logger?.warn(
      { count: report.lost.length, items: report.lost.slice(0, 50) },
      'some data could not be carried over as it was',
    );

  const final = expected.states[expected.states.length - 1]!;
  const actual = inspectSchema(db);
  actual.tables.delete(BOOKKEEPING);
  report.drift = diffSnapshots(final, actual);
  if (report.drift.length > 0) logger?.warn({ drift: report.drift }, 'schema differs from a fresh install');
  return report;
}

/** The state of every migration, for `starpunk migrate --status`; reads only. */
export function migrationStatus(
  dbPath: string,
  migrationsDir: string = MIGRATIONS_DIR,
): {
  exists: boolean;
  outcomes: MigrationOutcome[];
  unknown: string[];
  /** The Python StarPunk's own migrations recorded in this database (history once converted). */
  python: { name: string; release: string; appliedAt: string | null; converted: boolean }[];
} {
  const files = loadMigrationFiles(migrationsDir);
  if (!existsSync(dbPath))
    return {
      exists: false,
      outcomes: files.map((f) => ({ name: f.name, state: 'pending' })),
      unknown: [],
      python: [],
    };
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const applied = readApplied(db);
    const byName = new Map(applied.map((r) => [r.migration_name, r]));
    const known = new Set(files.map((f) => f.name));
    const all = userTables(db).includes(BOOKKEEPING)
      ? (db.prepare(`SELECT migration_name, applied_at FROM ${BOOKKEEPING} ORDER BY id`).all() as {
          migration_name: string;
          applied_at: string | null;
        }[])
      : [];
    const python = all.flatMap((r) => {
      const converted = r.migration_name.startsWith(FOREIGN_PREFIX);
      const name = converted ? r.migration_name.slice(FOREIGN_PREFIX.length) : r.migration_name;
      const release = PYTHON_MIGRATIONS.get(name) ?? (converted ? 'an older Python StarPunk' : undefined);
      return release ? [{ name, release, appliedAt: r.applied_at, converted }] : [];
    });
    return {
      exists: true,
      outcomes: files.map((f) => {
        const r = byName.get(f.name);
        if (!r) return { name: f.name, state: 'pending' };
        return { name: f.name, state: r.adopted ? 'adopted' : 'applied', appliedAt: r.applied_at };
      }),
      unknown: applied
        .filter((r) => !known.has(r.migration_name) && !PYTHON_MIGRATIONS.has(r.migration_name))
        .map((r) => r.migration_name),
      python,
    };
  } finally {
    db.close();
  }
}
