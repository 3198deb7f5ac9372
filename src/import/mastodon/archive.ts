/**
 * A Mastodon account archive opened for reading: the zip Mastodon's BackupService writes
 * (outbox.json, actor.json, likes.json, bookmarks.json, media_attachments/…, avatar, header), read
 * entry by entry with yauzl, or the same archive unpacked into a folder. Nothing is unpacked: a
 * file is read when it is asked for, and outbox.json is streamed.
 */
import { createReadStream, lstatSync, readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { resolveUnder } from '../../lib/files.js';

/** The files of an archive, by their names inside it (`outbox.json`, `media_attachments/files/…`). */
export interface MastodonArchive {
  /** True when the archive has a file of this name. */
  has(name: string): boolean;
  /** The file's bytes as a stream. */
  stream(name: string): Promise<Readable>;
  /** The whole file, refused when larger than `maxBytes`. */
  read(name: string, maxBytes: number): Promise<Buffer>;
  close(): void;
}

/** The zip's first bytes: a local file header. */
export const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

const EMPTY = Buffer.alloc(0);

/** A file the archive does not have, or that cannot be read. */
export class ArchiveFileError extends Error {
  override name = 'ArchiveFileError';
}

async function collect(stream: Readable, maxBytes: number, name: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      stream.destroy();
      throw new ArchiveFileError(`${name} is larger than ${Math.floor(maxBytes / 1024 / 1024)} MB`);
    }
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts);
}

/** An unpacked archive: the folder holding outbox.json. */
export function openFolderArchive(folder: string): MastodonArchive {
  const fileAt = (name: string): string | undefined => {
    try {
      const full = resolveUnder(folder, name);
      // A regular file only: a link could lead out of the folder.
      return lstatSync(full).isFile() ? full : undefined;
    } catch {
      return undefined;
    }
  };
  const need = (name: string): string => {
    const full = fileAt(name);
    if (!full) throw new ArchiveFileError(`${name} is not in the archive`);
    return full;
  };
  return {
    has: (name) => fileAt(name) !== undefined,
    async stream(name) {
      return createReadStream(need(name));
    },
    async read(name, maxBytes) {
      const full = need(name);
      const size = lstatSync(full).size;
      if (size > maxBytes)
        throw new ArchiveFileError(`${name} is larger than ${Math.floor(maxBytes / 1024 / 1024)} MB`);
      return readFileSync(full);
    },
    close() {},
  };
}

function openZip(path: string): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: false }, (err, zip) => {
      if (err || !zip) reject(err ?? new Error('cannot open'));
      else resolve(zip);
    });
  });
}

/**
 * The zip at `path`: its central directory is read once (names and places, not contents); each
 * file is inflated when asked for. Throws when it is not a readable zip.
 */
export async function openZipArchive(path: string): Promise<MastodonArchive> {
  const zip = await openZip(path);
  const entries = new Map<string, Entry>();
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (entry: Entry) => {
        if (!entry.fileName.endsWith('/')) {
          // Only what reading it needs is kept: a big archive has an entry for every picture.
          entry.extraFields = [];
          entry.fileNameRaw = EMPTY;
          entry.fileCommentRaw = EMPTY;
          entries.set(entry.fileName, entry);
        }
        zip.readEntry();
      });
      zip.once('end', () => resolve());
      zip.once('error', reject);
      zip.readEntry();
    });
  } catch (err) {
    zip.close();
    throw err;
  }
  const need = (name: string): Entry => {
    const entry = entries.get(name);
    if (!entry) throw new ArchiveFileError(`${name} is not in the archive`);
    return entry;
  };
  const open = (entry: Entry): Promise<Readable> =>
    new Promise((resolve, reject) => {
      zip.openReadStream(entry, (err, stream) => {
        if (err || !stream) reject(err ?? new Error('cannot read'));
        else resolve(stream);
      });
    });
  return {
    has: (name) => entries.has(name),
    stream: (name) => open(need(name)),
    async read(name, maxBytes) {
      const entry = need(name);
      if (entry.uncompressedSize > maxBytes)
        throw new ArchiveFileError(`${name} is larger than ${Math.floor(maxBytes / 1024 / 1024)} MB`);
      return collect(await open(entry), maxBytes, name);
    },
    close() {
      zip.close();
    },
  };
}
