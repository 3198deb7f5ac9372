import type { Db } from '../open.js';

/** What a former address leads to: a note or a page. */
export type FormerAddressTarget =
  | { noteId: number; pageId?: undefined }
  | { pageId: number; noteId?: undefined };

/**
 * Prepared statements for former_addresses (`023_imports.sql`): the addresses notes and pages had
 * on the site they were imported from, which answer 301 to them here like former slugs do.
 */
export function formerAddressesStore(db: Db) {
  const find = db.prepare('SELECT note_id, page_id FROM former_addresses WHERE address = ?');
  const insert = db.prepare(
    'INSERT INTO former_addresses (address, note_id, page_id, created_at) VALUES (?, ?, ?, ?)',
  );
  const ofNote = db
    .prepare('SELECT address FROM former_addresses WHERE note_id = ? ORDER BY address')
    .pluck();
  const ofPage = db
    .prepare('SELECT address FROM former_addresses WHERE page_id = ? ORDER BY address')
    .pluck();
  return {
    /** What this address (a path, with its query when it has one) leads to, or undefined. */
    findFormerAddress(address: string): FormerAddressTarget | undefined {
      const row = find.get(address) as { note_id: number | null; page_id: number | null } | undefined;
      if (!row) return undefined;
      if (row.note_id !== null) return { noteId: row.note_id };
      return row.page_id !== null ? { pageId: row.page_id } : undefined;
    },
    /** Records that `address` leads to a note or a page (the caller checked it is free). */
    insertFormerAddress(address: string, target: FormerAddressTarget, at: string) {
      insert.run(address, target.noteId ?? null, target.pageId ?? null, at);
    },
    /** A note's former addresses. */
    listForNote: (noteId: number) => ofNote.all(noteId) as string[],
    /** A page's former addresses. */
    listForPage: (pageId: number) => ofPage.all(pageId) as string[],
  };
}

/** The prepared former-addresses store type. */
export type FormerAddressesStore = ReturnType<typeof formerAddressesStore>;
