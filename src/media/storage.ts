import { randomBytes } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { link, mkdir, open, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { AppError } from '../errors.js';
import { resolveUnder } from '../notes/files.js';

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

/**
 * Writes a new media file atomically: the bytes go to a dot-named temp file beside the target,
 * are fsynced, then linked into place (an existing file is a conflict, never overwritten) and the
 * directory is fsynced. Readers see the whole file or none of it. Returns the absolute path.
 * `syncDir: false` leaves the directory to the caller, who fsyncs it once for several files.
 */
export async function writeMediaFile(
  root: string,
  rel: string,
  bytes: Buffer,
  options: { syncDir?: boolean } = {},
): Promise<string> {
  const finalPath = resolveUnder(root, rel);
  const dir = dirname(finalPath);
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${basename(finalPath)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await link(temp, finalPath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new AppError('conflict', `a media file already exists at ${rel}`, { cause: err });
      }
      throw err;
    }
  } finally {
    await unlink(temp).catch(() => undefined);
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
