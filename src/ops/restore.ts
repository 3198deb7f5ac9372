/**
 * `starpunk restore`: verify a backup archive completely, then extract it beside the data
 * directory, migrate it, and swap it in; the old directory is renamed aside, never deleted.
 */
import { createHash, type Hash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statfsSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { systemClock } from '../clock.js';
import { type MigrationLogger, type MigrationReport, runMigrations } from '../db/migrate.js';
import { openDatabase } from '../db/open.js';
import { sealedSecrets } from '../keys/site-keys.js';
import { resolveUnder } from '../lib/files.js';
import { NO_PROGRESS, type ProgressFactory } from '../lib/progress.js';
import { createNoteService } from '../notes/service.js';
import {
  ARCHIVE_DB,
  ARCHIVE_MANIFEST,
  BACKUP_FORMAT,
  BACKUP_VERSION,
  type BackupManifest,
} from './backup.js';
import { fileStamp, fsyncPath, isEmptyTree } from './common.js';
import { backupFolders } from './file-owners.js';
import {
  ExpansionLimitError,
  formatBytes,
  readTarGz,
  safeArchivePath,
  type TarEntry,
  UnsafeArchiveError,
} from './tar.js';

/** The restore would overwrite something, or the archive is not one StarPunk can restore; nothing changed. */
export class RestoreRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RestoreRefused';
  }
}

const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

/**
 * How many times its compressed size a backup may expand to. Real ones stay far below (text and
 * SQLite pages about 3–10×, images about 1×, a new site's nearly empty database about 30×);
 * gzip itself tops out near 1,000×, which only a crafted archive reaches.
 */
export const MAX_EXPANSION_RATIO = 200;
/** Archives that expand to less than this are not held to the ratio (small ones compress oddly well). */
export const EXPANSION_FLOOR_BYTES = 64 * 1024 * 1024;

/** The most the decompressed stream of this archive may hold before reading it is refused. */
function expansionLimit(archive: string): number {
  return Math.max(statSync(archive).size * MAX_EXPANSION_RATIO, EXPANSION_FLOOR_BYTES);
}

/** Free space a restore needs: the archive's files, plus room for the migrations and search index that follow. */
export function spaceNeeded(declaredBytes: number): number {
  return declaredBytes + Math.ceil(declaredBytes / 10) + 16 * 1024 * 1024;
}

/** Bytes free for this user on the filesystem that holds `path` (or its nearest existing parent). */
function freeBytes(path: string): number {
  let at = path;
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
  const fs = statfsSync(at);
  return fs.bavail * fs.bsize;
}

function expansionRefusal(archive: string, limit: number): UnsafeArchiveError {
  return new UnsafeArchiveError(
    `the archive expands to more than ${formatBytes(limit)}, over ${MAX_EXPANSION_RATIO} times its own ` +
      `${formatBytes(statSync(archive).size)}: no StarPunk backup does that (a decompression bomb?)`,
  );
}

const ManifestSchema = z.object({
  format: z.literal(BACKUP_FORMAT),
  version: z.number().int(),
  starpunk_version: z.string(),
  created_at: z.string(),
  database: z.object({
    path: z.literal(ARCHIVE_DB),
    migrations: z.array(
      z.object({ name: z.string(), checksum: z.string().nullable(), applied_at: z.string().nullable() }),
    ),
  }),
  counts: z.object({
    notes: z.number().int(),
    media_files: z.number().int(),
    keys: z.number().int().optional(),
  }),
  files: z.array(
    z.object({
      path: z.string(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      size: z.number().int().nonnegative(),
    }),
  ),
});

/** The folders an archive may hold (notes/, media/, keys/: src/ops/file-owners.ts). */
const FOLDERS = backupFolders();

/** Entries a StarPunk backup may hold: the manifest, the database, and what lies under its folders. */
function isExpectedPath(path: string): boolean {
  return (
    path === ARCHIVE_MANIFEST ||
    path === ARCHIVE_DB ||
    FOLDERS.some((folder) => path === folder || path.startsWith(`${folder}/`))
  );
}

function checkEntry(entry: TarEntry, seen: Set<string>): void {
  if (!isExpectedPath(entry.path))
    throw new UnsafeArchiveError(`unexpected entry "${entry.path}" in the archive`);
  if (entry.type === 'file' && seen.has(entry.path)) {
    throw new UnsafeArchiveError(`the archive holds "${entry.path}" twice`);
  }
  seen.add(entry.path);
}

/**
 * Reads the whole archive without writing anything: every entry must be safe, every file must be
 * listed in the manifest with the same SHA-256 and size, and every listed file must be present.
 * Returns the manifest; throws UnsafeArchiveError (or RestoreRefused for another format version).
 */
export async function verifyBackup(
  archive: string,
  progress: ProgressFactory = NO_PROGRESS,
): Promise<BackupManifest> {
  // How many files there are is known only from the manifest, at the end: the count alone.
  const step = progress('Checking the archive', 0);
  try {
    return await verifyArchive(archive, () => step.tick());
  } finally {
    step.done();
  }
}

async function verifyArchive(archive: string, onFile: () => void): Promise<BackupManifest> {
  const actual = new Map<string, { sha256: string; size: number }>();
  const seen = new Set<string>();
  let current: { entry: TarEntry; hash: Hash; size: number } | undefined;
  let manifestChunks: Buffer[] | undefined;
  let manifestBytes = 0;
  // Held to the expansion limit while reading, header by header and byte by byte: a bomb is
  // refused after reading at most the limit, never decompressed whole.
  const limit = expansionLimit(archive);
  let announced = 0;
  try {
    await readTarGz(
      archive,
      {
        entry(entry) {
          checkEntry(entry, seen);
          if (entry.type !== 'file') return;
          announced += entry.size;
          if (announced > limit) throw expansionRefusal(archive, limit);
          current = { entry, hash: createHash('sha256'), size: 0 };
          if (entry.path === ARCHIVE_MANIFEST) {
            if (entry.size > MAX_MANIFEST_BYTES)
              throw new UnsafeArchiveError('the manifest is implausibly large');
            manifestChunks = [];
          }
        },
        data(chunk) {
          if (!current) return;
          current.hash.update(chunk);
          current.size += chunk.length;
          if (current.entry.path === ARCHIVE_MANIFEST && manifestChunks) {
            manifestBytes += chunk.length;
            manifestChunks.push(Buffer.from(chunk));
          }
        },
        end(entry) {
          if (current && entry.type === 'file') {
            actual.set(entry.path, { sha256: current.hash.digest('hex'), size: current.size });
            onFile();
          }
          current = undefined;
        },
      },
      { maxBytes: limit },
    );
  } catch (err) {
    throw err instanceof ExpansionLimitError ? expansionRefusal(archive, limit) : err;
  }
  if (!manifestChunks || manifestBytes === 0)
    throw new UnsafeArchiveError('the archive has no manifest.json');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(manifestChunks).toString('utf8'));
  } catch {
    throw new UnsafeArchiveError('manifest.json is not valid JSON');
  }
  const format = (parsed as { format?: unknown; version?: unknown } | null) ?? {};
  if (format.format === BACKUP_FORMAT && format.version !== BACKUP_VERSION) {
    throw new RestoreRefused(
      `this backup has format version ${String(format.version)}; this StarPunk restores version ${BACKUP_VERSION}`,
    );
  }
  const result = ManifestSchema.safeParse(parsed);
  if (!result.success) throw new UnsafeArchiveError('manifest.json is not a StarPunk backup manifest');
  const manifest = result.data as BackupManifest;
  const listed = new Set<string>();
  for (const f of manifest.files) {
    const path = safeArchivePath(f.path);
    if (listed.has(path)) throw new UnsafeArchiveError(`the manifest lists "${path}" twice`);
    listed.add(path);
    const got = actual.get(path);
    if (!got)
      throw new UnsafeArchiveError(`"${path}" is listed in the manifest but missing from the archive`);
    if (got.size !== f.size || got.sha256 !== f.sha256) {
      throw new UnsafeArchiveError(`checksum mismatch for "${path}": the archive is damaged or was altered`);
    }
  }
  for (const path of actual.keys()) {
    if (path !== ARCHIVE_MANIFEST && !listed.has(path)) {
      throw new UnsafeArchiveError(`"${path}" is in the archive but not in its manifest`);
    }
  }
  if (!listed.has(ARCHIVE_DB)) throw new UnsafeArchiveError('the archive holds no database');
  return manifest;
}

/**
 * Extracts a verified archive into `target` (a new, empty folder), writing only regular files and
 * folders through resolveUnder, and checking each file against the manifest again as it is written.
 */
async function extractInto(
  archive: string,
  target: string,
  manifest: BackupManifest,
  onFile: () => void,
): Promise<number> {
  const expected = new Map(manifest.files.map((f) => [f.path, f]));
  const seen = new Set<string>();
  let current: { path: string; fd: number; hash: Hash; size: number; want: number } | undefined;
  let count = 0;
  // Every byte written is counted against what the verified manifest declared: an archive swapped
  // or grown since it was verified is stopped at the first byte too many, not after writing it all.
  const declared = manifest.files.reduce((sum, f) => sum + f.size, 0);
  let written = 0;
  const changed = (path: string) =>
    new UnsafeArchiveError(`"${path}" changed since the archive was verified`);
  try {
    await readTarGz(
      archive,
      {
        entry(entry) {
          checkEntry(entry, seen);
          if (entry.path === ARCHIVE_MANIFEST) return;
          const full = resolveUnder(target, entry.path);
          if (entry.type === 'directory') {
            mkdirSync(full, { recursive: true, mode: 0o700 });
            return;
          }
          const want = expected.get(entry.path);
          if (!want) throw new UnsafeArchiveError(`"${entry.path}" is not in the manifest`);
          if (entry.size !== want.size) throw changed(entry.path);
          mkdirSync(dirname(full), { recursive: true, mode: 0o700 });
          // 'wx': a path that already exists (a duplicate entry) is an error, never an overwrite.
          // Owner-only like everything StarPunk writes: notes may be private, the database holds secrets.
          const fd = openSync(full, 'wx', 0o600);
          current = { path: entry.path, fd, hash: createHash('sha256'), size: 0, want: want.size };
        },
        data(chunk) {
          if (!current) return;
          written += chunk.length;
          if (current.size + chunk.length > current.want || written > declared) throw changed(current.path);
          let off = 0;
          while (off < chunk.length) off += writeSync(current.fd, chunk, off, chunk.length - off);
          current.hash.update(chunk);
          current.size += chunk.length;
        },
        end() {
          if (!current) return;
          const c = current;
          current = undefined;
          fsyncSync(c.fd);
          closeSync(c.fd);
          const want = expected.get(c.path)!;
          if (want.sha256 !== c.hash.digest('hex') || want.size !== c.size) throw changed(c.path);
          count++;
          onFile();
        },
      },
      // The stream may hold headers and padding besides the files, never a bomb's worth.
      { maxBytes: expansionLimit(archive) },
    );
  } catch (err) {
    throw err instanceof ExpansionLimitError
      ? new UnsafeArchiveError('the archive changed since it was verified')
      : err;
  } finally {
    if (current) closeSync(current.fd);
  }
  if (count !== expected.size - (expected.has(ARCHIVE_MANIFEST) ? 1 : 0)) {
    throw new UnsafeArchiveError('the archive changed since it was verified');
  }
  return count;
}

/** Options for restoreBackup. */
export interface RestoreOptions {
  archive: string;
  /** The data directory to restore into (default layout: starpunk.db, notes/, media/). */
  dataPath: string;
  /** Move a non-empty data directory aside instead of refusing. */
  force: boolean;
  now?: () => Date;
  logger?: MigrationLogger;
  /** Shows how far each step is (on a terminal: `starpunk restore`). */
  progress?: ProgressFactory;
}

/** What a restore did. */
export interface RestoreResult {
  manifest: BackupManifest;
  files: number;
  /** Where the previous data directory was moved, or null when there was none (or it was empty). */
  movedAside: string | null;
  migrations: MigrationReport;
  /** Connected syndication accounts in the restored database (their tokens need the archive's keys/). */
  connectedAccounts: number;
}

/**
 * Restores a backup: verifies every checksum first (refusing a damaged or altered archive with
 * nothing changed), refuses a non-empty data directory unless `force`, extracts into a sibling
 * folder, runs migrations there, then renames the old directory aside and the new one into place.
 */
export async function restoreBackup(options: RestoreOptions): Promise<RestoreResult> {
  const now = options.now ?? (() => new Date());
  if (!existsSync(options.archive)) throw new RestoreRefused(`no such archive: ${options.archive}`);
  const progress = options.progress ?? NO_PROGRESS;
  const manifest = await verifyBackup(options.archive, progress);

  const dataPath = options.dataPath;
  // Before anything is written: the files must fit, with room to spare for what restore does next.
  const declared = manifest.files.reduce((sum, f) => sum + f.size, 0);
  const free = freeBytes(dirname(dataPath));
  if (spaceNeeded(declared) > free) {
    throw new RestoreRefused(
      `not enough free space beside ${dataPath}: the backup holds ${formatBytes(declared)} and restoring it ` +
        `needs about ${formatBytes(spaceNeeded(declared))}, but only ${formatBytes(free)} is free`,
    );
  }
  let oldMode: number | undefined;
  let replaceEmpty = false;
  if (existsSync(dataPath)) {
    const st = statSync(dataPath);
    if (!st.isDirectory()) throw new RestoreRefused(`${dataPath} exists and is not a directory`);
    oldMode = st.mode & 0o7777;
    if (isEmptyTree(dataPath)) replaceEmpty = true;
    else if (!options.force) {
      throw new RestoreRefused(
        `${dataPath} is not empty; nothing was changed. Use --force to move it aside ` +
          `(to ${basename(dataPath)}.before-restore-<time>) and restore in its place`,
      );
    }
  }

  const stamp = fileStamp(now());
  const staging = `${dataPath}.restoring-${stamp}`;
  mkdirSync(dirname(dataPath), { recursive: true });
  mkdirSync(staging, { mode: 0o700 });
  let files: number;
  let migrations: MigrationReport;
  let connectedAccounts = 0;
  try {
    const extracting = progress('Restoring files', manifest.files.length);
    try {
      files = await extractInto(options.archive, staging, manifest, () => extracting.tick());
    } finally {
      extracting.done();
    }
    for (const dir of ['notes', 'media']) mkdirSync(join(staging, dir), { recursive: true, mode: 0o700 });
    migrations = runMigrations({
      dbPath: join(staging, ARCHIVE_DB),
      backupsDir: join(staging, 'backups'),
      logger: options.logger,
      progress,
    });
    // An archive from an older version has no search index yet: build it, as serve would.
    const db = openDatabase(join(staging, ARCHIVE_DB));
    try {
      const notes = createNoteService({ db, notesPath: join(staging, 'notes'), clock: systemClock });
      if (notes.isIndexStale()) notes.reindex(progress);
      connectedAccounts = sealedSecrets(db).length;
    } finally {
      db.close();
    }
    // The old directory's mode, minus what other users could do (an older version made it 0755).
    if (oldMode !== undefined) chmodSync(staging, oldMode & ~0o077);
    fsyncPath(staging);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'SQLITE_FULL') {
      throw new RestoreRefused(
        `the disk filled up while restoring into ${dirname(dataPath)}; the partial copy was removed`,
      );
    }
    throw err;
  }

  let movedAside: string | null = null;
  try {
    if (replaceEmpty) rmSync(dataPath, { recursive: true });
    else if (oldMode !== undefined) {
      movedAside = `${dataPath}.before-restore-${stamp}`;
      if (existsSync(movedAside)) throw new RestoreRefused(`${movedAside} already exists`);
      renameSync(dataPath, movedAside);
    }
    try {
      renameSync(staging, dataPath);
    } catch (err) {
      if (movedAside) renameSync(movedAside, dataPath);
      movedAside = null;
      throw err;
    }
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  fsyncPath(dirname(dataPath));
  return { manifest, files, movedAside, migrations, connectedAccounts };
}
