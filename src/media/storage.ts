import { randomBytes } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { type FileHandle, link, mkdir, open, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { AppError } from '../lib/errors.js';
import { resolveUnder } from '../lib/files.js';

/** The relative path of a media file: YYYY/MM/<uuid>[_<variant>].<ext>, from the upload time (UTC). */
export function mediaPathFor(uuid: string, ext: string, created: Date, variant?: string): string {
  const y = String(created.getUTCFullYear()).padStart(4, '0');
  const m = String(created.getUTCMonth() + 1).padStart(2, '0');
  return `${y}/${m}/${uuid}${variant ? `_${variant}` : ''}.${ext}`;
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Directories known to exist: each is made once per process, not asked for again at every upload. */
const madeDirs = new Set<string>();

async function ensureDir(dir: string): Promise<void> {
  if (madeDirs.has(dir)) return;
  await mkdir(dir, { recursive: true });
  madeDirs.add(dir);
}

/** Creates a new file for writing; a directory removed since it was made is made again. */
async function createFile(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    madeDirs.delete(dirname(path));
    await ensureDir(dirname(path));
    return open(path, 'wx', 0o644);
  }
}

/** How writeMediaFile writes. */
export interface WriteMediaOptions {
  /** false: the caller fsyncs the directory, once for several files (default true). */
  syncDir?: boolean;
  /**
   * true: the bytes go straight to the final name instead of through a temp file. Only for a file
   * nothing names until a later commit (a new upload's, named by its media row), whose leftovers
   * after a crash are accounted for elsewhere (the upload's record): a reader can never come upon
   * it half written, so the temp file and the link would buy nothing.
   */
  direct?: boolean;
}

/**
 * Writes a new media file atomically: the bytes go to a dot-named temp file beside the target,
 * are fsynced, then linked into place (an existing file is a conflict, never overwritten) and the
 * directory is fsynced. Readers see the whole file or none of it. Returns the absolute path.
 */
export async function writeMediaFile(
  root: string,
  rel: string,
  bytes: Buffer,
  options: WriteMediaOptions = {},
): Promise<string> {
  const finalPath = resolveUnder(root, rel);
  const dir = dirname(finalPath);
  await ensureDir(dir);
  const conflict = (err: unknown) =>
    (err as NodeJS.ErrnoException).code === 'EEXIST'
      ? new AppError('conflict', `a media file already exists at ${rel}`, { cause: err })
      : err;
  if (options.direct) {
    const handle = await createFile(finalPath).catch((err: unknown) => {
      throw conflict(err);
    });
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } catch (err) {
      // A write that failed (disk full) leaves nothing behind: the file is ours, made just now.
      await handle.close().catch(() => undefined);
      await unlink(finalPath).catch(() => undefined);
      throw err;
    }
    await handle.close();
  } else {
    const temp = join(dir, `.${basename(finalPath)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      const handle = await createFile(temp);
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        await link(temp, finalPath);
      } catch (err) {
        throw conflict(err);
      }
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  }
  if (options.syncDir ?? true) await fsyncDir(dir);
  return finalPath;
}

/** Removes a media file; true when it was there, false when it was already gone. */
export function removeMediaFile(root: string, rel: string): boolean {
  try {
    unlinkSync(resolveUnder(root, rel));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
