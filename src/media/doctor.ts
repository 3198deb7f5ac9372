import { existsSync, unlinkSync } from 'node:fs';
import type { Db } from '../db/open.js';
import { mediaStore } from '../db/store/media.js';
import type { DriftProblem } from '../notes/doctor.js';
import { resolveUnder, walkNoteFiles } from '../notes/files.js';
import { variantPaths } from './service.js';

/**
 * Compares the media folder with the media table: every row's file (and variants) exists; every
 * file belongs to a row; no temp file of an interrupted upload is left over.
 */
export function checkMedia(db: Db, mediaPath: string): DriftProblem[] {
  const problems: DriftProblem[] = [];
  const known = new Set<string>();
  const store = mediaStore(db);
  const total = store.countMedia();
  for (let offset = 0; offset < total; offset += 500) {
    for (const row of store.listMedia(500, offset)) {
      for (const path of [row.file_path, ...Object.values(variantPaths(row.variants))]) {
        known.add(path);
        let exists = false;
        try {
          exists = existsSync(resolveUnder(mediaPath, path));
        } catch {
          problems.push({
            kind: 'unsafe_path',
            path,
            detail: `media ${row.id} points outside the media folder`,
          });
          continue;
        }
        if (!exists) problems.push({ kind: 'missing_file', path, detail: `media ${row.id} has no file` });
      }
    }
  }
  // The same walker as notes: every file under the folder, dot files included.
  for (const rel of walkNoteFiles(mediaPath)) {
    const name = rel.split('/').pop() ?? rel;
    if (name.startsWith('.') && name.endsWith('.tmp')) {
      problems.push({
        kind: 'pending_write',
        path: rel,
        detail: 'a partly written upload (interrupted); safe to delete',
      });
    } else if (!known.has(rel)) {
      problems.push({ kind: 'orphan_file', path: rel, detail: 'a media file no media row refers to' });
    }
  }
  return problems;
}

/**
 * At start-up, before serving: removes what interrupted uploads left — temp files, and files no
 * media row refers to (an upload writes its files before its row, so such files belong to an
 * upload that never succeeded). Returns the removed paths.
 */
export function recoverMedia(db: Db, mediaPath: string): string[] {
  const removed: string[] = [];
  for (const p of checkMedia(db, mediaPath)) {
    if (p.kind !== 'pending_write' && p.kind !== 'orphan_file') continue;
    try {
      unlinkSync(resolveUnder(mediaPath, p.path));
      removed.push(p.path);
    } catch {
      // already gone, or not ours to remove
    }
  }
  return removed;
}
