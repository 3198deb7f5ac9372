import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';

/** A moment as `YYYYMMDDTHHMMSSZ` (UTC), the stamp in backup and export names. */
export function fileStamp(d: Date): string {
  return d
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/[-:]/g, '');
}

/** Hex SHA-256 of bytes. */
export function sha256Hex(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Every regular file under `root`, as sorted '/'-separated relative paths. Dot files and dot
 * folders (temporary and pending writes) are skipped, and symbolic links are never followed.
 */
export function listRegularFiles(root: string, dir = ''): string[] {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(join(root, dir), { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const rel = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listRegularFiles(root, rel));
    else if (e.isFile()) out.push(rel);
  }
  return out.sort();
}

/** True when `dir` holds no files at all (empty folders do not count); false when it does not exist. */
export function isEmptyTree(dir: string): boolean {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory() || !isEmptyTree(join(dir, e.name))) return false;
  }
  return true;
}

/** Flushes a file or directory to disk. */
export function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A file opened for streaming: its size at open time and its chunks, hashed as they are read. */
export interface HashedFile {
  size: number;
  chunks: AsyncIterable<Buffer>;
  /** The hex SHA-256 of what `chunks` yielded; valid once they have all been read. */
  digest: () => string;
  /** Closes the file if reading stopped early (reading to the end closes it too). */
  close: () => Promise<void>;
}

/** Opens a file for streaming into an archive; the size comes from the open handle, not a separate stat. */
export async function openHashed(path: string): Promise<HashedFile> {
  const handle = await open(path, 'r');
  let size: number;
  try {
    size = (await handle.stat()).size;
  } catch (err) {
    await handle.close();
    throw err;
  }
  const hash = createHash('sha256');
  async function* chunks(): AsyncGenerator<Buffer> {
    try {
      // Sized to the file (up to 1 MiB): a zero-filled megabyte per 1 KB note made a 100,000-note
      // backup spend most of its time allocating and collecting buffers.
      const buf = Buffer.allocUnsafe(Math.min(Math.max(size, 4096), 1024 * 1024));
      for (;;) {
        const { bytesRead } = await handle.read(buf, 0, buf.length, null);
        if (bytesRead === 0) return;
        const chunk = Buffer.from(buf.subarray(0, bytesRead));
        hash.update(chunk);
        yield chunk;
      }
    } finally {
      await handle.close();
    }
  }
  return {
    size,
    chunks: chunks(),
    digest: () => hash.copy().digest('hex'),
    close: () => handle.close().catch(() => undefined),
  };
}
