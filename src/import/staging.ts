/**
 * The admin's Import screen stages what it imports under DATA_PATH/imports/: an upload streamed
 * to disk (never held in memory) or a feed fetched from its address, kept while its import jobs
 * need it (a dry run first, then the import for real) and removed when they are done. Its owner is
 * the `import.run` job named in the file name; start-up removes what no job needs any more and
 * `doctor` reports it (src/ops/file-owners.ts lists the folder).
 *
 *   imports/<id>.upload        a whole upload (or fetched feed), waiting for or used by its jobs
 *   imports/<id>.upload.part   one being written (an upload cut off leaves it behind)
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Db } from '../db/open.js';
import { type JobRow, jobsStore } from '../db/store/jobs.js';

/** The folder under DATA_PATH. */
export const IMPORTS_FOLDER = 'imports';

/** The job kind that runs an import the admin started. */
export const IMPORT_JOB_KIND = 'import.run';

/** How long a staged file is kept after a dry run, waiting for "Import for real". */
export const DRY_RUN_KEPT_MS = 24 * 3600_000;

const NAME = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.upload(\.part)?$/;

/** A new staged import's id. */
export function newImportId(): string {
  return randomUUID();
}

/** True for an id `newImportId` could have made (ids come back in URLs). */
export function isImportId(id: string): boolean {
  return NAME.test(`${id}.upload`);
}

/** The idempotency key of an import's job: one dry run and one import for real per staged file. */
export function importJobKey(id: string, dryRun: boolean): string {
  return `${IMPORT_JOB_KIND}:${id}:${dryRun ? 'dry' : 'real'}`;
}

/** Where staged imports live. */
export function stagingFolder(dataPath: string): string {
  return join(dataPath, IMPORTS_FOLDER);
}

/** The staged file of import `id`. */
export function stagedPath(dataPath: string, id: string): string {
  if (!isImportId(id)) throw new Error(`not an import id: ${id}`);
  return join(stagingFolder(dataPath), `${id}.upload`);
}

/** An upload or fetched file larger than the limit (IMPORT_MAX_MB). */
export class TooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`The file is larger than ${Math.round(limit / 1024 / 1024)} MB, the most an import takes here.`);
    this.name = 'TooLargeError';
  }
}

/**
 * Streams `source` to the staged file of `id` (through a `.part` file, renamed once whole), at
 * most `maxBytes`: a larger one is cut off, its part removed, and TooLargeError thrown. Returns
 * the size written.
 */
export async function stageStream(
  dataPath: string,
  id: string,
  source: Readable | AsyncIterable<Uint8Array>,
  maxBytes: number,
): Promise<number> {
  const final = stagedPath(dataPath, id);
  const part = `${final}.part`;
  mkdirSync(stagingFolder(dataPath), { recursive: true, mode: 0o700 });
  let seen = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > maxBytes) done(new TooLargeError(maxBytes));
      else done(null, chunk);
    },
  });
  try {
    await pipeline(
      source instanceof Readable ? source : Readable.from(source),
      cap,
      createWriteStream(part, { mode: 0o600 }),
    );
    renameSync(part, final);
    return seen;
  } catch (err) {
    rmSync(part, { force: true });
    throw err;
  }
}

/** Removes the staged file of `id` (and any part of it). */
export function removeStaged(dataPath: string, id: string): void {
  const path = stagedPath(dataPath, id);
  rmSync(path, { force: true });
  rmSync(`${path}.part`, { force: true });
}

/** What a file in the staging folder is. */
export type StagedState =
  | { kind: 'in-use'; id: string }
  | { kind: 'left'; id: string; why: string }
  | { kind: 'unknown' };

/**
 * What the file `name` in the staging folder is, by its jobs: needed while a job of its import is
 * queued or running, or while a dry run finished less than a day ago waits for the import for
 * real; left behind otherwise (its import ended, failed, was never queued, or its upload was cut
 * off). `uploading` names ids being written right now by this process.
 */
export function stagedState(
  db: Db,
  name: string,
  now: Date,
  uploading: ReadonlySet<string> = new Set(),
): StagedState {
  const m = NAME.exec(name);
  if (!m) return { kind: 'unknown' };
  const id = m[1]!;
  if (m[2]) {
    return uploading.has(id) ? { kind: 'in-use', id } : { kind: 'left', id, why: 'an upload cut off' };
  }
  const jobs = jobsStore(db);
  const dry = jobs.findJobByKey(importJobKey(id, true));
  const real = jobs.findJobByKey(importJobKey(id, false));
  const live = (j: JobRow | undefined) => j !== undefined && (j.state === 'queued' || j.state === 'running');
  if (live(dry) || live(real)) return { kind: 'in-use', id };
  if (real) return { kind: 'left', id, why: `its import ended (${real.state})` };
  if (dry?.state === 'done' && now.getTime() - new Date(dry.updated_at).getTime() < DRY_RUN_KEPT_MS)
    return { kind: 'in-use', id };
  if (dry) return { kind: 'left', id, why: `its dry run ended (${dry.state}) and no import followed` };
  return uploading.has(id) ? { kind: 'in-use', id } : { kind: 'left', id, why: 'no import job names it' };
}

/** The files of the staging folder, by name. */
function stagedNames(dataPath: string): string[] {
  const dir = stagingFolder(dataPath);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((n) => statSync(join(dir, n)).isFile());
}

/** At start-up: removes the staged files no import needs any more; returns their names. */
export function recoverStagedImports(db: Db, dataPath: string, now = new Date()): string[] {
  const removed: string[] = [];
  for (const name of stagedNames(dataPath)) {
    if (stagedState(db, name, now).kind !== 'left') continue;
    rmSync(join(stagingFolder(dataPath), name), { force: true });
    removed.push(`${IMPORTS_FOLDER}/${name}`);
  }
  return removed;
}

/** For `doctor`: staged files left behind (start-up removes them) and files nobody owns. */
export function checkStagedImports(
  db: Db,
  dataPath: string,
  now = new Date(),
): { kind: 'stray_import' | 'unknown_file'; path: string; detail: string }[] {
  const problems: { kind: 'stray_import' | 'unknown_file'; path: string; detail: string }[] = [];
  for (const name of stagedNames(dataPath)) {
    const s = stagedState(db, name, now);
    const path = `${IMPORTS_FOLDER}/${name}`;
    if (s.kind === 'left')
      problems.push({
        kind: 'stray_import',
        path,
        detail: `left by an import: ${s.why}; the next start removes it`,
      });
    else if (s.kind === 'unknown')
      problems.push({ kind: 'unknown_file', path, detail: 'not a file the Import screen writes' });
  }
  return problems;
}
