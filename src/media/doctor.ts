import { unlinkSync } from 'node:fs';
import type { Db } from '../db/open.js';
import { resolveUnder } from '../lib/files.js';
import type { DriftProblem } from '../notes/doctor.js';
import { type MediaFileOwner, type MediaSurvey, surveyMedia } from './owners.js';

/**
 * Compares the media folder with every owner's records (src/ops/file-owners.ts): every file a
 * record names exists; every file belongs to an owner; no debris of an interrupted upload is left.
 * Files an owner keeps (an earlier site icon) are fine.
 */
export function checkMedia(
  db: Db,
  mediaPath: string,
  owners: readonly MediaFileOwner[],
  survey: MediaSurvey = surveyMedia(db, mediaPath, owners),
): DriftProblem[] {
  const problems: DriftProblem[] = [];
  for (const m of survey.missing) {
    problems.push(
      m.unsafe
        ? { kind: 'unsafe_path', path: m.path, detail: `${m.what} points outside the media folder` }
        : { kind: 'missing_file', path: m.path, detail: `${m.what} has no file (${m.owner})` },
    );
  }
  const byPath = [...survey.files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [rel, state] of byPath) {
    if (state.kind === 'debris') {
      problems.push({
        kind: 'pending_write',
        path: rel,
        detail: `${state.detail}; ${state.removable ? 'the next start removes it' : 'left alone'}`,
      });
    } else if (state.kind === 'stray') {
      problems.push({
        kind: 'orphan_file',
        path: rel,
        detail: `named like a ${state.owner} file, but no row refers to it (kept; remove it by hand if unneeded)`,
      });
    } else if (state.kind === 'unknown') {
      problems.push({
        kind: 'orphan_file',
        path: rel,
        detail: 'no part of StarPunk owns this file (kept; remove it by hand if unneeded)',
      });
    }
  }
  return problems;
}

/**
 * At start-up, before serving: removes the debris of interrupted uploads, and nothing else —
 * temp files of writes cut short, and the files of uploads whose record says they were under way
 * while their row never committed (with the records themselves). A file without a row that no
 * record accounts for is kept (`doctor` reports it). Returns the removed paths.
 */
export function recoverMedia(db: Db, mediaPath: string, owners: readonly MediaFileOwner[]): string[] {
  const removed: string[] = [];
  const survey = surveyMedia(db, mediaPath, owners);
  // Records last: a crash in between leaves them, and the next start finishes the job.
  const order = [...survey.files].sort(([a], [b]) => Number(a.startsWith('.')) - Number(b.startsWith('.')));
  for (const [rel, state] of order) {
    if (state.kind !== 'debris' || !state.removable) continue;
    try {
      unlinkSync(resolveUnder(mediaPath, rel));
      removed.push(rel);
    } catch {
      // already gone, or not ours to remove
    }
  }
  return removed;
}
