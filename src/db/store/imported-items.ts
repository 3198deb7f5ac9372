import type { Db } from '../open.js';

/** What an imported item became here. */
export type ImportedKind = 'note' | 'page' | 'media' | 'response';

/** An imported_items row: where an item came from and what it became. */
export interface ImportedItemRow {
  source: string;
  source_id: string;
  kind: ImportedKind;
  target_id: number | null;
  imported_at: string;
}

/** Prepared statements for imported_items (`023_imports.sql`): the idempotency map of imports. */
export function importedItemsStore(db: Db) {
  const find = db.prepare('SELECT * FROM imported_items WHERE source = ? AND source_id = ?');
  const insert = db.prepare(
    `INSERT INTO imported_items (source, source_id, kind, target_id, imported_at)
     VALUES (@source, @source_id, @kind, @target_id, @imported_at)`,
  );
  const count = db.prepare('SELECT count(*) FROM imported_items WHERE source = ?').pluck();
  const targetsAt = db
    .prepare(
      `SELECT target_id FROM imported_items
       WHERE source = ? AND kind = ? AND imported_at = ? AND target_id IS NOT NULL ORDER BY target_id`,
    )
    .pluck();
  return {
    /** The row of an item already imported from this source, or undefined. */
    findImported: (source: string, sourceId: string) =>
      find.get(source, sourceId) as ImportedItemRow | undefined,
    /** Records that an item was imported as `kind` #`targetId`. */
    insertImported: (row: ImportedItemRow) => insert.run(row),
    /** How many items were imported from this source. */
    countImported: (source: string) => count.get(source) as number,
    /** What the items of one import run (recorded at `importedAt`) became, of one kind. */
    listTargetsImportedAt: (source: string, kind: ImportedKind, importedAt: string) =>
      targetsAt.all(source, kind, importedAt) as number[],
  };
}

/** The prepared imported-items store type. */
export type ImportedItemsStore = ReturnType<typeof importedItemsStore>;
