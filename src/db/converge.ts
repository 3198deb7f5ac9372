/**
 * Bringing a table that exists in a shape close to the expected one (a hand-repaired table: another
 * default, nullability, type name or column order, a column missing or extra) to exactly the
 * canonical shape, keeping its rows. Checks first, read-only, and names every problem it cannot
 * solve; the rebuild is SQLite's documented procedure (create the new table, copy, drop, rename).
 */
import type { Db } from './open.js';
import { type ColumnInfo, normaliseSql, type TableInfo } from './schema.js';

/** The canonical table to converge on: its structure, its CREATE text, and its indexes and triggers. */
export interface TableTarget {
  info: TableInfo;
  sql: string;
  indexes: { name: string; sql: string }[];
  triggers: { name: string; sql: string }[];
}

/** What a convergence will change, said for the report. */
export interface ConvergencePlan {
  table: string;
  changes: string[];
  /** Columns dropped although they held values (the pre-migration backup keeps them). */
  dropped: string[];
}

const REBUILD_SUFFIX = '__starpunk_rebuild';

function q(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function describeColumn(c: ColumnInfo): string {
  return `${c.type || '(no type)'}${c.notnull ? ' NOT NULL' : ''}${c.dflt !== null ? ` DEFAULT ${c.dflt}` : ''}${c.pk ? ' PRIMARY KEY' : ''}`;
}

function count(db: Db, sql: string): number {
  return (db.prepare(sql).get() as { n: number }).n;
}

/** The column lists of a table's UNIQUE and PRIMARY KEY constraints, from TableInfo.constraints. */
function uniqueSets(info: TableInfo): string[][] {
  const out: string[][] = [];
  for (const c of info.constraints) {
    const m = /^\w+ unique\((.*)\)$/.exec(c);
    if (m) out.push(m[1]!.split(',').map((x) => x.replace(/ desc$/, '')));
  }
  // An INTEGER PRIMARY KEY is the rowid, not an index: it is unique too.
  const pk = info.columns.filter((c) => c.pk > 0);
  if (pk.length === 1 && pk[0]!.type === 'INTEGER') out.push([pk[0]!.name]);
  return out;
}

/**
 * Checks whether `actual` can become `target` keeping every row (read-only). Returns the plan, or
 * the problems, each naming the table, the column and the difference, and what the person can do.
 */
export function checkConvergence(
  db: Db,
  actual: TableInfo,
  target: TableInfo,
): { plan?: ConvergencePlan; problems: string[] } {
  const table = target.name;
  const problems: string[] = [];
  const changes: string[] = [];
  const dropped: string[] = [];
  if (actual.virtual || target.virtual) {
    problems.push(
      `table ${table} is a ${actual.virtual ? 'virtual' : 'plain'} table of another definition than StarPunk's; ` +
        `rename or drop it (after copying anything you need from it), then run again`,
    );
    return { problems };
  }
  const rows = count(db, `SELECT count(*) AS n FROM ${q(table)}`);
  const byName = new Map(actual.columns.map((c) => [c.name.toLowerCase(), c]));
  const wanted = new Set(target.columns.map((c) => c.name.toLowerCase()));
  target.columns.forEach((c, i) => {
    const have = byName.get(c.name.toLowerCase());
    if (!have) {
      if (c.notnull && c.dflt === null && c.pk === 0 && rows > 0) {
        problems.push(
          `table ${table}: column ${c.name} (${describeColumn(c)}) is missing and has no default, so its ${rows} row(s) ` +
            `cannot be kept; add the column with a value for every row (ALTER TABLE ${table} ADD COLUMN ${c.name} …) ` +
            `or delete those rows, then run again`,
        );
      } else changes.push(`column ${c.name} added (${describeColumn(c)})`);
      return;
    }
    const diffs: string[] = [];
    if (have.type !== c.type) diffs.push(`type ${have.type || '(none)'} → ${c.type || '(none)'}`);
    if (have.notnull !== c.notnull) diffs.push(c.notnull ? 'now NOT NULL' : 'now nullable');
    if (have.dflt !== c.dflt) diffs.push(`default ${have.dflt ?? '(none)'} → ${c.dflt ?? '(none)'}`);
    if (have.pk !== c.pk) diffs.push(c.pk ? 'now the primary key' : 'no longer the primary key');
    if (actual.columns[i]?.name.toLowerCase() !== c.name.toLowerCase())
      diffs.push('moved to its canonical place');
    if (diffs.length > 0) changes.push(`column ${c.name}: ${diffs.join(', ')}`);
    if (c.notnull && !have.notnull && c.dflt === null) {
      const empty = count(db, `SELECT count(*) AS n FROM ${q(table)} WHERE ${q(have.name)} IS NULL`);
      if (empty > 0 && c.pk === 0)
        problems.push(
          `table ${table}: column ${c.name} must not be empty (${describeColumn(c)}), but ${empty} row(s) have no value; ` +
            `fill them (UPDATE ${table} SET ${c.name} = … WHERE ${c.name} IS NULL) or delete those rows, then run again`,
        );
    }
    if (c.pk > 0 && c.type === 'INTEGER') {
      const bad = count(
        db,
        `SELECT count(*) AS n FROM ${q(table)} WHERE typeof(${q(have.name)}) NOT IN ('integer', 'null')`,
      );
      if (bad > 0)
        problems.push(
          `table ${table}: column ${c.name} must hold whole numbers (it is the INTEGER PRIMARY KEY), but ${bad} row(s) ` +
            `hold something else; correct or delete those rows, then run again`,
        );
    }
  });
  for (const c of actual.columns) {
    if (wanted.has(c.name.toLowerCase()) || c.hidden !== 0) continue;
    const values = count(db, `SELECT count(*) AS n FROM ${q(table)} WHERE ${q(c.name)} IS NOT NULL`);
    changes.push(
      `column ${c.name} removed (not part of StarPunk's schema${values > 0 ? `; ${values} value(s)` : ', empty'})`,
    );
    if (values > 0) dropped.push(`${table}.${c.name} (${values} value(s))`);
  }
  const actualUnique = new Set(uniqueSets(actual).map((s) => s.join(',').toLowerCase()));
  for (const set of uniqueSets(target)) {
    if (actualUnique.has(set.join(',').toLowerCase())) continue;
    const present = set.every((n) => byName.has(n.toLowerCase()));
    if (!present) continue;
    const cols = set.map((n) => q(byName.get(n.toLowerCase())!.name)).join(', ');
    const dups = db
      .prepare(
        `SELECT ${cols}, count(*) AS n FROM ${q(table)} WHERE ${set
          .map((n) => `${q(byName.get(n.toLowerCase())!.name)} IS NOT NULL`)
          .join(' AND ')} GROUP BY ${cols} HAVING count(*) > 1 LIMIT 3`,
      )
      .all() as Record<string, unknown>[];
    if (dups.length > 0) {
      const shown = dups.map((d) =>
        set.map((n) => JSON.stringify(d[byName.get(n.toLowerCase())!.name])).join('/'),
      );
      problems.push(
        `table ${table}: ${set.join(', ')} must be unique, but ${shown.join(', ')} appear more than once; ` +
          `delete or change the duplicate rows, then run again`,
      );
    } else changes.push(`${set.join(', ')} made unique`);
  }
  if (JSON.stringify(actual.foreignKeys) !== JSON.stringify(target.foreignKeys))
    changes.push('foreign keys restored');
  if (actual.autoincrement !== target.autoincrement) changes.push('AUTOINCREMENT restored');
  if (problems.length > 0) return { problems };
  return { plan: { table, changes, dropped }, problems };
}

/**
 * Rebuilds `actual` into `target` inside the caller's transaction (foreign keys must be off):
 * drops the table's own indexes and triggers, renames it aside (legacy mode, so other tables'
 * foreign keys keep naming it), creates the canonical table from its exact text, copies the rows by
 * column name, drops the old table, and creates the canonical indexes and triggers.
 */
export function rebuildTable(db: Db, actual: TableInfo, target: TableTarget): void {
  const table = target.info.name;
  const own = db
    .prepare(
      "SELECT type, name FROM sqlite_schema WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL",
    )
    .all(table) as { type: string; name: string }[];
  for (const o of own) db.exec(`DROP ${o.type === 'index' ? 'INDEX' : 'TRIGGER'} ${q(o.name)}`);
  const aside = `${table}${REBUILD_SUFFIX}`;
  db.pragma('legacy_alter_table = ON');
  try {
    db.exec(`ALTER TABLE ${q(table)} RENAME TO ${q(aside)}`);
  } finally {
    db.pragma('legacy_alter_table = OFF');
  }
  db.exec(target.sql);
  const byName = new Map(actual.columns.map((c) => [c.name.toLowerCase(), c]));
  const cols: string[] = [];
  const exprs: string[] = [];
  for (const c of target.info.columns) {
    const have = byName.get(c.name.toLowerCase());
    if (!have) continue;
    cols.push(q(c.name));
    exprs.push(c.notnull && c.dflt !== null ? `COALESCE(${q(have.name)}, ${c.dflt})` : q(have.name));
  }
  if (cols.length > 0)
    db.exec(`INSERT INTO ${q(table)} (${cols.join(', ')}) SELECT ${exprs.join(', ')} FROM ${q(aside)}`);
  db.exec(`DROP TABLE ${q(aside)}`);
  for (const i of target.indexes) db.exec(i.sql);
  for (const t of target.triggers) db.exec(t.sql);
}

/** True when two CREATE statements say the same thing (whitespace, quoting and IF NOT EXISTS aside). */
export function sameDefinition(a: string, b: string): boolean {
  return normaliseSql(a) === normaliseSql(b);
}
