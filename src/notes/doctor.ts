import type { Db } from '../db/open.js';
import { notesStore } from '../db/store/notes.js';
import { hashBytes, readNoteFile, walkNoteFiles } from '../lib/files.js';

/** One problem `starpunk doctor` found. */
export interface DriftProblem {
  kind:
    | 'missing_file'
    | 'hash_mismatch'
    | 'orphan_file'
    | 'pending_write'
    | 'unsafe_path'
    | 'search_index'
    | 'sealed_secret';
  path: string;
  detail: string;
}

/**
 * Compares the notes folder with the database: every row's file exists and hashes to its
 * content_hash; every Markdown file belongs to a row; no interrupted write is left over.
 */
export function checkNotes(db: Db, notesPath: string): DriftProblem[] {
  const problems: DriftProblem[] = [];
  const known = new Set<string>();
  for (const r of notesStore(db).listPaths()) {
    known.add(r.file_path);
    let bytes: Buffer | undefined;
    try {
      bytes = readNoteFile(notesPath, r.file_path);
    } catch {
      problems.push({
        kind: 'unsafe_path',
        path: r.file_path,
        detail: `note "${r.slug}" points outside the notes folder`,
      });
      continue;
    }
    if (!bytes) {
      problems.push({
        kind: 'missing_file',
        path: r.file_path,
        detail: `note "${r.slug}" (id ${r.id}) has no file`,
      });
      continue;
    }
    const hash = hashBytes(bytes);
    if (r.content_hash && hash !== r.content_hash) {
      problems.push({
        kind: 'hash_mismatch',
        path: r.file_path,
        detail: `note "${r.slug}": file hashes to ${hash.slice(0, 12)}…, database says ${r.content_hash.slice(0, 12)}…`,
      });
    }
  }
  for (const rel of walkNoteFiles(notesPath)) {
    const name = rel.split('/').pop() ?? rel;
    if (name.endsWith('.pending') || name.endsWith('.purge')) {
      problems.push({
        kind: 'pending_write',
        path: rel,
        detail: 'an interrupted write; `starpunk serve` finishes or undoes it at start-up',
      });
    } else if (rel.endsWith('.md') && !known.has(rel)) {
      problems.push({ kind: 'orphan_file', path: rel, detail: 'a Markdown file no note refers to' });
    }
  }
  return problems;
}

/** Checks that the full-text index holds exactly one entry per note (`starpunk reindex` repairs it). */
export function checkSearchIndex(db: Db): DriftProblem[] {
  const missing = (
    db.prepare('SELECT count(*) AS n FROM notes WHERE id NOT IN (SELECT rowid FROM notes_fts)').get() as {
      n: number;
    }
  ).n;
  const extra = (
    db.prepare('SELECT count(*) AS n FROM notes_fts WHERE rowid NOT IN (SELECT id FROM notes)').get() as {
      n: number;
    }
  ).n;
  const problems: DriftProblem[] = [];
  if (missing > 0)
    problems.push({
      kind: 'search_index',
      path: 'notes_fts',
      detail: `${missing} note(s) missing from the search index; run starpunk reindex`,
    });
  if (extra > 0)
    problems.push({
      kind: 'search_index',
      path: 'notes_fts',
      detail: `${extra} index entr(y/ies) for notes that no longer exist; run starpunk reindex`,
    });
  return problems;
}
