import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdirSync,
  opendirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { AppError } from './errors.js';

/** Hex SHA-256 of a note file's bytes: the note's content_hash. */
export function hashBytes(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Resolves `rel` under `root`, refusing anything that would land outside it (absolute paths,
 * `..`, NUL bytes). Every file path derived from input or the database goes through here.
 */
export function resolveUnder(root: string, rel: string): string {
  if (rel.includes('\0') || isAbsolute(rel) || rel.trim() === '') {
    throw new AppError('invalid_request', `refusing unsafe path "${rel.replace(/\0/g, '\\0')}"`);
  }
  const base = resolve(root);
  const full = resolve(base, rel);
  const back = relative(base, full);
  if (back === '' || back.startsWith('..') || isAbsolute(back) || !full.startsWith(base + sep)) {
    throw new AppError('invalid_request', `refusing path "${rel}" outside ${base}`);
  }
  return full;
}

/** True when a note's file exists as a regular file under `root` (an unsafe path counts as missing). */
export function noteFileExists(root: string, rel: string): boolean {
  try {
    return statSync(resolveUnder(root, rel)).isFile();
  } catch {
    return false;
  }
}

/** True when anything (a file, a directory) is at a note's path under `root`. */
export function notePathOccupied(root: string, rel: string): boolean {
  try {
    lstatSync(resolveUnder(root, rel));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** The relative path of a note file: YYYY/MM/<slug>.md from the note's creation time (UTC). */
export function notePathFor(slug: string, created: Date): string {
  const y = String(created.getUTCFullYear()).padStart(4, '0');
  const m = String(created.getUTCMonth() + 1).padStart(2, '0');
  return `${y}/${m}/${slug}.md`;
}

/** A note body written to a pending file, waiting for its database row to commit. */
export interface StagedFile {
  finalPath: string;
  pendingPath: string;
  hash: string;
}

// `.<name>.<hash16>.pending`, or `.<name>.<hash16>.<nonce8>.pending` for a file staged outside the
// write lock (group commit, stageNoteFiles): the nonce keeps it from ever sharing a name with another
// writer's file. The hash is exactly 16 hex digits and the nonce 8, so the name cannot be misread.
const PENDING = /^\.(.+)\.([0-9a-f]{16})(?:\.[0-9a-f]{8})?\.pending$/;
const PURGING = /^\.(.+)\.purge$/;

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes `bytes` durably (write + fsync) to a new file; fails if it exists. */
function writeDurably(path: string, bytes: Buffer): void {
  const fd = openSync(path, 'wx', 0o644);
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Step 1 of a note write: the new body goes to `.<name>.<hash16>.pending` beside its final
 * path, fsynced. Until step 2 nothing visible has changed; if the process dies, recovery knows
 * from the hash whether the database committed this version.
 */
export function stageNoteFile(root: string, rel: string, body: string): StagedFile {
  const finalPath = resolveUnder(root, rel);
  const bytes = Buffer.from(body, 'utf8');
  const hash = hashBytes(bytes);
  mkdirSync(dirname(finalPath), { recursive: true });
  const pendingPath = join(dirname(finalPath), `.${basename(finalPath)}.${hash.slice(0, 16)}.pending`);
  if (existsSync(pendingPath)) unlinkSync(pendingPath);
  try {
    writeDurably(pendingPath, bytes);
  } catch (err) {
    // A write that failed (disk full) must not leave a partial pending file behind.
    try {
      unlinkSync(pendingPath);
    } catch {
      // never created
    }
    throw err;
  }
  return { finalPath, pendingPath, hash };
}

/**
 * Step 1 for many new notes at once (group commit, ADR 0016): each body goes to its own pending
 * file, written and fsynced off the main thread and all at the same time, so the disk flushes them
 * together. These files are staged before their slugs are final (outside the write lock), so their
 * names carry a nonce: no other writer can ever choose the same name. Returns, per file, what was
 * staged or the error that stopped it (a partly written file is removed).
 */
export async function stageNoteFiles(
  root: string,
  files: readonly { rel: string; body: string }[],
): Promise<(StagedFile | Error)[]> {
  const made = new Set<string>();
  return Promise.all(
    files.map(async ({ rel, body }): Promise<StagedFile | Error> => {
      let pendingPath: string | undefined;
      try {
        const finalPath = resolveUnder(root, rel);
        const bytes = Buffer.from(body, 'utf8');
        const hash = hashBytes(bytes);
        const dir = dirname(finalPath);
        if (!made.has(dir)) {
          mkdirSync(dir, { recursive: true });
          made.add(dir);
        }
        const nonce = randomBytes(4).toString('hex');
        pendingPath = join(dir, `.${basename(finalPath)}.${hash.slice(0, 16)}.${nonce}.pending`);
        const handle = await open(pendingPath, 'wx', 0o644);
        try {
          await handle.writeFile(bytes);
          await handle.sync();
        } finally {
          await handle.close();
        }
        return { finalPath, pendingPath, hash };
      } catch (err) {
        // A write that failed (disk full) must not leave a partial pending file behind.
        if (pendingPath) await unlink(pendingPath).catch(() => undefined);
        return err instanceof Error ? err : new Error(String(err));
      }
    }),
  );
}

/**
 * Step 2 for a new note, without the directory flush: the pending file takes its final name
 * (never overwriting one). The caller flushes each directory once for many files (syncDirs).
 */
export function publishNewFile(staged: StagedFile): void {
  try {
    linkSync(staged.pendingPath, staged.finalPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new AppError('conflict', `a note file already exists at ${staged.finalPath}`, { cause: err });
    }
    throw err;
  }
  unlinkSync(staged.pendingPath);
}

/** Fsyncs each of these directories once, off the main thread and at the same time. */
export async function syncDirs(dirs: Iterable<string>): Promise<void> {
  await Promise.all(
    [...new Set(dirs)].map(async (dir) => {
      const handle = await open(dir, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    }),
  );
}

/** Step 2 for a new note: publish the pending file under its final name, never overwriting one. */
export function commitNewFile(staged: StagedFile): void {
  publishNewFile(staged);
  fsyncDir(dirname(staged.finalPath));
}

/** Step 2 for an edit: atomically replace the old body with the pending one. */
export function commitReplacedFile(staged: StagedFile): void {
  renameSync(staged.pendingPath, staged.finalPath);
  fsyncDir(dirname(staged.finalPath));
}

/** Throws away a pending file whose database write failed. */
export function discardStaged(staged: StagedFile): void {
  try {
    unlinkSync(staged.pendingPath);
  } catch {
    // already gone
  }
}

/** Reads a note body, or undefined when the file is missing. */
export function readNoteFile(root: string, rel: string): Buffer | undefined {
  try {
    return readFileSync(resolveUnder(root, rel));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Step 1 of a purge: move the file aside so a crash before the row is deleted can be undone. */
export function stagePurge(root: string, rel: string): string | undefined {
  const path = resolveUnder(root, rel);
  const aside = join(dirname(path), `.${basename(path)}.purge`);
  try {
    renameSync(path, aside);
    return aside;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Step 2 of a purge (row deleted): remove the file for good. */
export function commitPurge(aside: string | undefined): void {
  if (aside) unlinkSync(aside);
}

/** Undo step 1 of a purge whose database delete failed. */
export function undoPurge(root: string, rel: string, aside: string | undefined): void {
  if (aside) renameSync(aside, resolveUnder(root, rel));
}

/**
 * Walks the notes folder, yielding relative paths of every file (dot files included). Directories
 * are read one entry at a time, so a folder of 30,000 notes is never held as one array (at start-up
 * such arrays outlived young-generation collections and kept the heap large long after).
 */
export function* walkNoteFiles(root: string, dir = ''): Generator<string> {
  let handle: import('node:fs').Dir;
  try {
    handle = opendirSync(join(root, dir), { bufferSize: 256 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    for (let e = handle.readSync(); e !== null; e = handle.readSync()) {
      const rel = dir ? `${dir}/${e.name}` : e.name;
      if (e.isDirectory()) yield* walkNoteFiles(root, rel);
      else if (e.isFile()) yield rel;
    }
  } finally {
    handle.closeSync();
  }
}

/** What recovery did with leftovers of interrupted writes. */
export interface RecoveryReport {
  completed: string[];
  discarded: string[];
  restored: string[];
  purged: string[];
}

/**
 * Finishes or undoes writes a crash interrupted. A pending file whose hash the database records
 * for that path was committed: it becomes the note file. Any other pending file never committed:
 * it is deleted. A file set aside for purging comes back if its row still exists, else goes.
 */
export function recoverPendingWrites(
  root: string,
  rowFor: (rel: string) => { content_hash: string | null } | undefined,
): RecoveryReport {
  const report: RecoveryReport = { completed: [], discarded: [], restored: [], purged: [] };
  for (const rel of walkNoteFiles(root)) {
    // Only dot files can be leftovers; the notes themselves are passed over at once.
    if (!rel.includes('/.') && !rel.startsWith('.')) continue;
    const name = basename(rel);
    const dir = dirname(rel) === '.' ? '' : dirname(rel);
    const target = dir ? `${dir}/` : '';
    const pending = PENDING.exec(name);
    if (pending) {
      const finalRel = `${target}${pending[1]}`;
      const row = rowFor(finalRel);
      const full = resolveUnder(root, rel);
      if (row?.content_hash && row.content_hash.slice(0, 16) === pending[2]) {
        const bytes = readFileSync(full);
        if (hashBytes(bytes) === row.content_hash) {
          renameSync(full, resolveUnder(root, finalRel));
          report.completed.push(finalRel);
          continue;
        }
      }
      unlinkSync(full);
      report.discarded.push(finalRel);
      continue;
    }
    const purging = PURGING.exec(name);
    if (purging) {
      const finalRel = `${target}${purging[1]}`;
      const full = resolveUnder(root, rel);
      if (rowFor(finalRel)) {
        renameSync(full, resolveUnder(root, finalRel));
        report.restored.push(finalRel);
      } else {
        unlinkSync(full);
        report.purged.push(finalRel);
      }
    }
  }
  return report;
}
