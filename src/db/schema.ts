import type Database from 'better-sqlite3';

type Db = Database.Database;

/** One column as SQLite reports it (PRAGMA table_xinfo). */
export interface ColumnInfo {
  name: string;
  type: string;
  notnull: boolean;
  dflt: string | null;
  pk: number;
  hidden: number;
}

/** One index: its columns, uniqueness, origin and (for named indexes) whether it is partial. */
export interface IndexInfo {
  name: string;
  table: string;
  unique: boolean;
  origin: string;
  partial: boolean;
  columns: string[];
  /** Normalised SQL for explicitly created indexes, null for automatic ones. */
  sql: string | null;
}

/** A table's structure, independent of the text that created it. */
export interface TableInfo {
  name: string;
  columns: ColumnInfo[];
  foreignKeys: string[];
  /** The automatic (UNIQUE / PRIMARY KEY) indexes, described by columns, not by generated name. */
  constraints: string[];
  autoincrement: boolean;
  withoutRowid: boolean;
  virtual: boolean;
}

/** The whole schema of a database, excluding SQLite's internal objects. */
export interface SchemaSnapshot {
  tables: Map<string, TableInfo>;
  indexes: Map<string, IndexInfo>;
  triggers: Map<string, string>;
  views: Map<string, string>;
}

/** Collapse whitespace, drop quoting and IF NOT EXISTS, so equal definitions compare equal. */
export function normaliseSql(sql: string): string {
  return sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/["`[\]]/g, '')
    .replace(/\bIF\s+NOT\s+EXISTS\b/gi, '')
    .replace(/\s+/g, ' ')
    .replace(/\s*([(),])\s*/g, '$1')
    .trim()
    .toLowerCase();
}

function isInternal(name: string): boolean {
  return name.startsWith('sqlite_');
}

/** Reads the real schema of `db` through SQLite's own pragmas. */
export function inspectSchema(db: Db): SchemaSnapshot {
  const objects = db
    .prepare("SELECT type, name, tbl_name AS tbl, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'")
    .all() as { type: string; name: string; tbl: string; sql: string | null }[];
  const snapshot: SchemaSnapshot = {
    tables: new Map(),
    indexes: new Map(),
    triggers: new Map(),
    views: new Map(),
  };
  const shadowTables = new Set<string>();
  for (const o of objects) {
    if (o.type === 'table' && o.sql && /CREATE\s+VIRTUAL\s+TABLE/i.test(o.sql)) {
      // FTS5 and friends own shadow tables named <table>_<suffix>; they belong to the virtual table.
      for (const s of ['_data', '_idx', '_content', '_docsize', '_config']) shadowTables.add(o.name + s);
    }
  }
  for (const o of objects) {
    if (o.type === 'table' && !shadowTables.has(o.name))
      snapshot.tables.set(o.name, describeTable(db, o.name, o.sql ?? ''));
    else if (o.type === 'trigger') snapshot.triggers.set(o.name, normaliseSql(o.sql ?? ''));
    else if (o.type === 'view') snapshot.views.set(o.name, normaliseSql(o.sql ?? ''));
  }
  for (const table of snapshot.tables.values()) {
    if (table.virtual) continue;
    for (const idx of listIndexes(db, table.name)) {
      if (idx.origin === 'c') snapshot.indexes.set(idx.name, idx);
    }
  }
  return snapshot;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function listIndexes(db: Db, table: string): IndexInfo[] {
  const list = db.prepare(`PRAGMA index_list(${quoteIdent(table)})`).all() as {
    name: string;
    unique: number;
    origin: string;
    partial: number;
  }[];
  return list.map((i) => {
    const cols = db.prepare(`PRAGMA index_xinfo(${quoteIdent(i.name)})`).all() as {
      seqno: number;
      cid: number;
      name: string | null;
      desc: number;
      key: number;
    }[];
    const sqlRow = db
      .prepare('SELECT sql FROM sqlite_schema WHERE type = ? AND name = ?')
      .get('index', i.name) as { sql: string | null } | undefined;
    return {
      name: i.name,
      table,
      unique: i.unique === 1,
      origin: i.origin,
      partial: i.partial === 1,
      columns: cols
        .filter((c) => c.key === 1)
        .map((c) => `${c.name ?? `<expr:${c.cid}>`}${c.desc ? ' desc' : ''}`),
      sql: sqlRow?.sql ? normaliseSql(sqlRow.sql) : null,
    };
  });
}

function describeTable(db: Db, name: string, sql: string): TableInfo {
  const virtual = /CREATE\s+VIRTUAL\s+TABLE/i.test(sql);
  if (virtual) {
    return {
      name,
      columns: [],
      foreignKeys: [normaliseSql(sql.replace(/^\s*CREATE\s+VIRTUAL\s+TABLE\s+\S+/i, 'create virtual table'))],
      constraints: [],
      autoincrement: false,
      withoutRowid: false,
      virtual: true,
    };
  }
  const columns = (
    db.prepare(`PRAGMA table_xinfo(${quoteIdent(name)})`).all() as {
      name: string;
      type: string;
      notnull: number;
      dflt_value: string | null;
      pk: number;
      hidden: number;
    }[]
  ).map((c) => ({
    name: c.name,
    type: c.type.toUpperCase(),
    notnull: c.notnull === 1,
    dflt: c.dflt_value,
    pk: c.pk,
    hidden: c.hidden,
  }));
  const foreignKeys = (
    db.prepare(`PRAGMA foreign_key_list(${quoteIdent(name)})`).all() as {
      id: number;
      seq: number;
      table: string;
      from: string;
      to: string | null;
      on_update: string;
      on_delete: string;
    }[]
  ).map((f) => `${f.id}:${f.seq}:${f.from}->${f.table}(${f.to ?? ''}) upd=${f.on_update} del=${f.on_delete}`);
  const constraints = listIndexes(db, name)
    .filter((i) => i.origin !== 'c')
    .map((i) => `${i.origin}${i.unique ? ' unique' : ''}(${i.columns.join(',')})`)
    .sort();
  return {
    name,
    columns,
    foreignKeys,
    constraints,
    autoincrement: /\bAUTOINCREMENT\b/i.test(sql),
    withoutRowid: /\bWITHOUT\s+ROWID\b/i.test(sql),
    virtual: false,
  };
}

/** A stable, comparable description of one table. */
export function tableSignature(t: TableInfo): string {
  return JSON.stringify(t);
}

/** A stable, comparable description of one index (name excluded for automatic ones). */
export function indexSignature(i: IndexInfo): string {
  return JSON.stringify({
    table: i.table,
    unique: i.unique,
    partial: i.partial,
    columns: i.columns,
    sql: i.sql,
  });
}

/** Serialises a whole snapshot deterministically, for equality tests and reports. */
export function snapshotToJson(s: SchemaSnapshot): Record<string, unknown> {
  const sorted = <T>(m: Map<string, T>) =>
    Object.fromEntries([...m.entries()].sort(([a], [b]) => a.localeCompare(b)));
  return {
    tables: sorted(s.tables),
    indexes: sorted(s.indexes),
    triggers: sorted(s.triggers),
    views: sorted(s.views),
  };
}

/** Lists human-readable differences between two snapshots (empty when identical). */
export function diffSnapshots(expected: SchemaSnapshot, actual: SchemaSnapshot): string[] {
  const out: string[] = [];
  const cmp = <T>(kind: string, a: Map<string, T>, b: Map<string, T>, sig: (v: T) => string) => {
    for (const [name, v] of a) {
      const w = b.get(name);
      if (w === undefined) out.push(`missing ${kind} ${name}`);
      else if (sig(v) !== sig(w)) out.push(`different ${kind} ${name}: expected ${sig(v)} got ${sig(w)}`);
    }
    for (const name of b.keys()) if (!a.has(name)) out.push(`unexpected ${kind} ${name}`);
  };
  cmp('table', expected.tables, actual.tables, tableSignature);
  cmp('index', expected.indexes, actual.indexes, indexSignature);
  cmp('trigger', expected.triggers, actual.triggers, (s) => s);
  cmp('view', expected.views, actual.views, (s) => s);
  return out;
}

export { isInternal };
